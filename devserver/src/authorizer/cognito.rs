//! moto's Cognito as the staff token issuer: a user pool with the custom attributes
//! `institution` and `role`, an app client allowing `USER_PASSWORD_AUTH`, and a group per role.
//! Each token is a new user: AdminCreateUser (the attributes), AdminSetUserPassword
//! (permanent), AdminAddUserToGroup, InitiateAuth → the `IdToken`.
//!
//! moto signs every pool's tokens with one key and serves the JWKS at
//! `{endpoint}/{pool id}/.well-known/jwks.json`; its `iss` is the one Cognito writes,
//! `https://cognito-idp.{region}.amazonaws.com/{pool id}`, and `aud` the app client id.

use aws_sdk_cognitoidentityprovider::error::DisplayErrorContext;
use aws_sdk_cognitoidentityprovider::types::{
    AttributeDataType, AttributeType, AuthFlowType, ExplicitAuthFlowsType, MessageActionType,
    SchemaAttributeType,
};
use aws_sdk_cognitoidentityprovider::Client;
use domain::account::staff::{Role, INSTITUTION_CLAIM, ROLE_CLAIM};
use domain::ports::random::{OsRandom, Random};
use domain::DomainError;
use jsonwebtoken::jwk::JwkSet;
use std::time::Duration;

/// A user pool and its app client.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PoolIds {
    pub pool_id: String,
    pub client_id: String,
}

/// The roles, one user pool group each (the tokens' `cognito:groups`).
const ROLES: [Role; 2] = [Role::Reviewer, Role::Platform];

/// How long the JWKS fetch may take.
const FETCH_TIMEOUT: Duration = Duration::from_secs(10);
/// The largest JWKS answer read.
const MAX_JWKS_BYTES: u64 = 64 * 1024;

fn failed(operation: &str, e: impl std::error::Error) -> DomainError {
    DomainError::unavailable(format!("Cognito {operation}: {}", DisplayErrorContext(e)))
}

/// A Cognito client of `sdk` (`aws_infra::sdk::config_at`).
pub fn client(sdk: &aws_config::SdkConfig) -> Client {
    Client::new(sdk)
}

/// Creates a user pool for staff (the custom attributes, an app client without a secret that
/// allows `USER_PASSWORD_AUTH`, a group per role): four calls.
pub async fn create_pool(client: &Client) -> Result<PoolIds, DomainError> {
    let attribute = |name: &str| {
        SchemaAttributeType::builder()
            .name(name)
            .attribute_data_type(AttributeDataType::String)
            .mutable(true)
            .build()
    };
    let pool = client
        .create_user_pool()
        .pool_name("devserver-staff")
        .schema(attribute("institution"))
        .schema(attribute("role"))
        .send()
        .await
        .map_err(|e| failed("CreateUserPool", e))?;
    let pool_id = pool
        .user_pool()
        .and_then(|p| p.id())
        .ok_or_else(|| DomainError::unavailable("Cognito CreateUserPool: no pool id"))?
        .to_string();
    let app = client
        .create_user_pool_client()
        .user_pool_id(&pool_id)
        .client_name("devserver-staff")
        .generate_secret(false)
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowUserPasswordAuth)
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowRefreshTokenAuth)
        .send()
        .await
        .map_err(|e| failed("CreateUserPoolClient", e))?;
    let client_id = app
        .user_pool_client()
        .and_then(|c| c.client_id())
        .ok_or_else(|| DomainError::unavailable("Cognito CreateUserPoolClient: no client id"))?
        .to_string();
    ensure_groups(client, &pool_id).await?;
    Ok(PoolIds { pool_id, client_id })
}

/// Creates the role groups of `pool_id` that are missing.
pub async fn ensure_groups(client: &Client, pool_id: &str) -> Result<(), DomainError> {
    for role in ROLES {
        let created = client
            .create_group()
            .user_pool_id(pool_id)
            .group_name(role.as_str())
            .send()
            .await;
        match created {
            Ok(_) => {}
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_group_exists_exception()) => {}
            Err(e) => return Err(failed("CreateGroup", e)),
        }
    }
    Ok(())
}

/// A user pool on the emulator at `endpoint`, and a client for it.
pub struct Pool {
    client: Client,
    endpoint: String,
    pub ids: PoolIds,
}

impl Pool {
    pub fn new(client: Client, endpoint: &str, ids: PoolIds) -> Pool {
        Pool {
            client,
            endpoint: endpoint.trim_end_matches('/').to_string(),
            ids,
        }
    }

    /// The `iss` of the pool's tokens (the region is the pool id's prefix, `us-east-1_…`).
    pub fn issuer_url(&self) -> String {
        let region = self.ids.pool_id.split('_').next().unwrap_or_default();
        format!(
            "https://cognito-idp.{region}.amazonaws.com/{}",
            self.ids.pool_id
        )
    }

    /// Where the emulator serves the pool's JWKS.
    pub fn jwks_url(&self) -> String {
        format!(
            "{}/{}/.well-known/jwks.json",
            self.endpoint, self.ids.pool_id
        )
    }

    /// A new user of `institution` with `role`, signed in with `USER_PASSWORD_AUTH`: the ID
    /// token.
    pub async fn issue(&self, institution: &str, role: Role) -> Result<String, DomainError> {
        let random: &dyn Random = &OsRandom;
        let username = format!("staff-{}", random.hex(12));
        let password = format!("Dev-{}-Aa1!", random.hex(16));
        let pool = &self.ids.pool_id;
        let attribute = |name: &str, value: &str| {
            AttributeType::builder()
                .name(name)
                .value(value)
                .build()
                .map_err(|e| failed("AttributeType", e))
        };
        self.client
            .admin_create_user()
            .user_pool_id(pool)
            .username(&username)
            .user_attributes(attribute(INSTITUTION_CLAIM, institution)?)
            .user_attributes(attribute(ROLE_CLAIM, role.as_str())?)
            .message_action(MessageActionType::Suppress)
            .send()
            .await
            .map_err(|e| failed("AdminCreateUser", e))?;
        self.client
            .admin_set_user_password()
            .user_pool_id(pool)
            .username(&username)
            .password(&password)
            .permanent(true)
            .send()
            .await
            .map_err(|e| failed("AdminSetUserPassword", e))?;
        self.client
            .admin_add_user_to_group()
            .user_pool_id(pool)
            .username(&username)
            .group_name(role.as_str())
            .send()
            .await
            .map_err(|e| failed("AdminAddUserToGroup", e))?;
        self.sign_in(&username, &password).await
    }

    async fn sign_in(&self, username: &str, password: &str) -> Result<String, DomainError> {
        let auth = self
            .client
            .initiate_auth()
            .client_id(&self.ids.client_id)
            .auth_flow(AuthFlowType::UserPasswordAuth)
            .auth_parameters("USERNAME", username)
            .auth_parameters("PASSWORD", password)
            .send()
            .await
            .map_err(|e| failed("InitiateAuth", e))?;
        auth.authentication_result()
            .and_then(|r| r.id_token())
            .map(str::to_owned)
            .ok_or_else(|| DomainError::unavailable("Cognito InitiateAuth: no IdToken"))
    }
}

/// The JWKS at `url` (`http://host:port/path`: the emulator; one plain HTTP/1.0 GET).
pub async fn fetch_jwks(url: &str) -> Result<JwkSet, String> {
    let body = tokio::time::timeout(FETCH_TIMEOUT, http_get(url))
        .await
        .map_err(|_| format!("fetching the JWKS {url}: no answer in {FETCH_TIMEOUT:?}"))??;
    serde_json::from_slice(&body).map_err(|e| format!("the JWKS {url} does not parse: {e}"))
}

async fn http_get(url: &str) -> Result<Vec<u8>, String> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let failed = |e: std::io::Error| format!("fetching the JWKS {url}: {e}");
    let rest = url
        .strip_prefix("http://")
        .ok_or_else(|| format!("the JWKS {url}: only http:// (the emulator) is fetched"))?;
    let (host, path) = match rest.split_once('/') {
        Some((host, path)) => (host, format!("/{path}")),
        None => (rest, "/".to_string()),
    };
    let mut conn = tokio::net::TcpStream::connect(host).await.map_err(failed)?;
    let request =
        format!("GET {path} HTTP/1.0\r\nHost: {host}\r\nAccept: application/json\r\n\r\n");
    conn.write_all(request.as_bytes()).await.map_err(failed)?;
    let mut raw = Vec::new();
    conn.take(MAX_JWKS_BYTES)
        .read_to_end(&mut raw)
        .await
        .map_err(failed)?;
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| format!("the JWKS {url}: no HTTP answer"))?;
    let status_line = String::from_utf8_lossy(&raw[..split]);
    let status = status_line.split_whitespace().nth(1).unwrap_or("");
    if status != "200" {
        return Err(format!("the JWKS {url}: HTTP {status}"));
    }
    Ok(raw[split + 4..].to_vec())
}
