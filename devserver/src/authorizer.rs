//! The dev server plays API Gateway's JWT authorizer on the staff routes (`/institution/*`,
//! `/platform/*`), and the user pool that issues the tokens it checks.
//!
//! In AWS, school staff sign in through an Amazon Cognito user pool, and API Gateway's JWT
//! authorizer verifies their ID token before the function runs; the function reads the claims
//! from `requestContext.authorizer.jwt.claims` (`http_edge::staff`). Here [`Authorizer`] does
//! both halves: it issues ID tokens like Cognito's (`POST /_dev/institution-token`), and
//! [`Authorizer::authorize`] verifies the bearer token of a staff route and puts its claims into
//! the request exactly where API Gateway puts them, or refuses it with 401 before any handler
//! runs.
//!
//! The issuer is either embedded (an RSA-2048 key made at start, its JWKS in memory) or, when
//! the dev server runs on moto (`AWS_ENDPOINT_URL`), moto's Cognito ([`cognito`]): a real user
//! pool's ID tokens, verified against the pool's JWKS fetched from the emulator.

pub mod cognito;

use domain::account::staff::{Role, INSTITUTION_CLAIM, ROLE_CLAIM};
use domain::ports::random::{OsRandom, Random};
use domain::DomainError;
use http_edge::{ApiError, Request};
use jsonwebtoken::jwk::{AlgorithmParameters, Jwk, JwkSet, PublicKeyUse, ThumbprintHash};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use lambda_http::aws_lambda_events::apigw::{
    ApiGatewayRequestAuthorizer, ApiGatewayRequestAuthorizerJwtDescription,
};
use lambda_http::request::RequestContext;
use lambda_http::RequestExt;
use serde_json::{json, Map, Value};
use std::collections::HashMap;
use std::time::{Duration, Instant};

/// The embedded issuer's `iss`.
pub const DEV_ISSUER: &str = "http://127.0.0.1/dev-issuer";
/// The app client the embedded issuer's tokens are for (their `aud`), as a user pool's app
/// client id is in Cognito's ID tokens and in the JWT authorizer's audience list.
pub const DEV_CLIENT_ID: &str = "devserver-staff-client";
/// How long an issued ID token lives: Cognito's default, one hour.
pub const TOKEN_SECONDS: i64 = 3600;
/// The clock skew allowed on `exp` (and `nbf`, when a token has one).
pub const LEEWAY_SECONDS: u64 = 30;
/// The longest bearer token looked at (Cognito's ID tokens are one or two KB).
pub const MAX_TOKEN_BYTES: usize = 8 * 1024;

/// The claims as the HTTP API JWT authorizer hands them to a function: every claim as text
/// (strings as they are, numbers and booleans as written, arrays flattened as API Gateway
/// flattens them, `["a","b"]` → `[a b]`; objects as JSON).
pub type Claims = HashMap<String, String>;

/// Whether API Gateway guards `path` with the JWT authorizer: every path under `/institution/`
/// and `/platform/` (refused with 401 before routing, so an unknown path there is 401, not 404).
pub fn is_guarded(path: &str) -> bool {
    matches!(path.split('/').nth(1), Some("institution" | "platform"))
}

/// Why a token was refused. The client only ever sees 401 `UNAUTHENTICATED`; the reason is
/// logged (and checked by the tests).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// Not a JWT, or a header or payload that does not parse, or a claim missing.
    Malformed,
    /// Any algorithm but RS256 (`none`, HS256, …).
    Algorithm,
    /// No `kid`, or one the issuer's JWKS does not hold.
    UnknownKey,
    Signature,
    Expired,
    NotYetValid,
    Issuer,
    Audience,
    /// Not an ID token (`token_use` other than `id`: an access token).
    TokenUse,
}

/// A verification that did not end in claims.
#[derive(Debug)]
pub enum VerifyError {
    Refused(Refusal),
    /// The issuer's JWKS could not be fetched (moto down): 503, not 401.
    KeysUnavailable(String),
}

impl From<Refusal> for VerifyError {
    fn from(r: Refusal) -> Self {
        VerifyError::Refused(r)
    }
}

/// The dev server's user pool and JWT authorizer in one (see the module's documentation).
pub struct Authorizer {
    issuer: Issuer,
    verifier: Verifier,
}

enum Issuer {
    Embedded(Embedded),
    Cognito(cognito::Pool),
}

impl Authorizer {
    /// The embedded issuer: a new RSA-2048 key pair, its JWKS, tokens for [`DEV_CLIENT_ID`].
    pub fn embedded() -> Authorizer {
        let embedded = Embedded::generate();
        let verifier = Verifier::new(
            DEV_ISSUER,
            DEV_CLIENT_ID,
            Keys::Fixed(embedded.jwks.clone()),
        );
        Authorizer {
            issuer: Issuer::Embedded(embedded),
            verifier,
        }
    }

    /// moto's Cognito user pool `pool` as the issuer, its JWKS fetched from the emulator.
    pub fn cognito(pool: cognito::Pool) -> Authorizer {
        let verifier = Verifier::new(
            &pool.issuer_url(),
            &pool.ids.client_id,
            Keys::Fetched(FetchedKeys::new(pool.jwks_url())),
        );
        Authorizer {
            issuer: Issuer::Cognito(pool),
            verifier,
        }
    }

    /// The dev server's choice: moto's Cognito when `AWS_ENDPOINT_URL` is set (a pool created
    /// at start, or the one `USER_POOL_ID` and `USER_POOL_CLIENT_ID` name), else embedded.
    pub async fn from_env(
        budgets: &domain::app::config::Budgets,
    ) -> Result<Authorizer, DomainError> {
        let env = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        let Some(endpoint) = env("AWS_ENDPOINT_URL") else {
            return Ok(Authorizer::embedded());
        };
        let sdk = aws_infra::sdk::config_at(budgets, None).await;
        let client = cognito::client(&sdk);
        let ids = match (env("USER_POOL_ID"), env("USER_POOL_CLIENT_ID")) {
            (Some(pool_id), Some(client_id)) => {
                cognito::ensure_groups(&client, &pool_id).await?;
                cognito::PoolIds { pool_id, client_id }
            }
            (None, None) => cognito::create_pool(&client).await?,
            _ => {
                return Err(DomainError::internal(
                    "set both USER_POOL_ID and USER_POOL_CLIENT_ID, or neither",
                ))
            }
        };
        Ok(Authorizer::cognito(cognito::Pool::new(
            client, &endpoint, ids,
        )))
    }

    /// Who issues the tokens, for the dev server's banner.
    pub fn describe(&self) -> String {
        match &self.issuer {
            Issuer::Embedded(e) => format!(
                "embedded dev issuer {DEV_ISSUER} (RSA-2048 key {}, made in {} ms), audience {DEV_CLIENT_ID}",
                e.kid,
                e.generated_in.as_millis()
            ),
            Issuer::Cognito(pool) => format!(
                "moto's Cognito: user pool {} (USER_POOL_ID), app client {} (USER_POOL_CLIENT_ID)",
                pool.ids.pool_id, pool.ids.client_id
            ),
        }
    }

    /// An ID token of a staff member of `institution` with `role`, as the user pool issues it.
    pub async fn issue(&self, institution: &str, role: Role) -> Result<String, DomainError> {
        match &self.issuer {
            Issuer::Embedded(e) => Ok(e.issue(institution, role)),
            Issuer::Cognito(pool) => pool.issue(institution, role).await,
        }
    }

    /// The claims of `token` if the JWT authorizer would admit it (see [`Verifier::verify`]).
    pub async fn verify(&self, token: &str) -> Result<Claims, VerifyError> {
        self.verifier.verify(token).await
    }

    /// What API Gateway does before a function sees a request: on a guarded path
    /// ([`is_guarded`]) any authorizer context the request carries is replaced by the verified
    /// claims of its `Authorization: Bearer` token, or the request is refused with 401
    /// `UNAUTHENTICATED` (503 when the JWKS cannot be fetched). Other paths pass untouched.
    pub async fn authorize(&self, mut req: Request) -> Result<Request, ApiError> {
        if !is_guarded(req.uri().path()) {
            return Ok(req);
        }
        let mut ctx = match req.extensions_mut().remove::<RequestContext>() {
            Some(RequestContext::ApiGatewayV2(ctx)) => ctx,
            _ => Default::default(),
        };
        ctx.authorizer = None;
        let unauthenticated = || ApiError::Domain(DomainError::Unauthenticated);
        let token = bearer(&req).ok_or_else(unauthenticated)?;
        let claims = match self.verify(token).await {
            Ok(claims) => claims,
            Err(VerifyError::Refused(reason)) => {
                tracing::info!(?reason, path = %req.uri().path(), "staff token refused");
                return Err(unauthenticated());
            }
            Err(VerifyError::KeysUnavailable(why)) => {
                return Err(ApiError::Domain(DomainError::unavailable(why)))
            }
        };
        let mut jwt = ApiGatewayRequestAuthorizerJwtDescription::default();
        jwt.claims = claims;
        let mut authorizer = ApiGatewayRequestAuthorizer::default();
        authorizer.jwt = Some(jwt);
        ctx.authorizer = Some(authorizer);
        Ok(req.with_request_context(RequestContext::ApiGatewayV2(ctx)))
    }
}

/// The token of `Authorization: Bearer <token>` (scheme case-insensitive), if one of at most
/// [`MAX_TOKEN_BYTES`].
fn bearer(req: &Request) -> Option<&str> {
    let value = req
        .headers()
        .get(lambda_http::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    let (scheme, token) = value.trim().split_once(' ')?;
    let token = token.trim();
    let fits = !token.is_empty() && token.len() <= MAX_TOKEN_BYTES;
    (scheme.eq_ignore_ascii_case("bearer") && fits).then_some(token)
}

/// The embedded issuer: its key, the key's id and the JWKS that publishes it.
struct Embedded {
    key: EncodingKey,
    kid: String,
    jwks: JwkSet,
    generated_in: Duration,
}

impl Embedded {
    fn generate() -> Embedded {
        use aws_lc_rs::encoding::AsDer;
        let started = Instant::now();
        let pair = aws_lc_rs::rsa::KeyPair::generate(aws_lc_rs::rsa::KeySize::Rsa2048)
            .expect("aws-lc-rs generates an RSA-2048 key pair");
        let pkcs8 = pair.as_der().expect("an RSA key pair encodes as PKCS#8");
        let pkcs1 = rsa_private_key_of(pkcs8.as_ref())
            .expect("aws-lc-rs writes a PKCS#8 PrivateKeyInfo holding the RSAPrivateKey");
        let key = EncodingKey::from_rsa_der(pkcs1);
        let mut jwk = Jwk::from_encoding_key(&key, Algorithm::RS256)
            .expect("the public half of a fresh RSA key");
        let kid = jwk.thumbprint(ThumbprintHash::SHA256);
        jwk.common.key_id = Some(kid.clone());
        jwk.common.public_key_use = Some(PublicKeyUse::Signature);
        Embedded {
            key,
            kid,
            jwks: JwkSet { keys: vec![jwk] },
            generated_in: started.elapsed(),
        }
    }

    /// An ID token with the claims Cognito puts in one (`custom:` attributes, `cognito:groups`).
    fn issue(&self, institution: &str, role: Role) -> String {
        let now = chrono::Utc::now().timestamp();
        let random: &dyn Random = &OsRandom;
        let sub = uuid_like(random);
        self.sign(&json!({
            "iss": DEV_ISSUER,
            "sub": sub,
            "aud": DEV_CLIENT_ID,
            "token_use": "id",
            "auth_time": now,
            "iat": now,
            "exp": now + TOKEN_SECONDS,
            "jti": uuid_like(random),
            "cognito:username": format!("staff-{}", &sub[..8]),
            INSTITUTION_CLAIM: institution,
            ROLE_CLAIM: role.as_str(),
            "cognito:groups": [role.as_str()],
        }))
    }

    /// `claims` signed with RS256 under this key, its `kid` in the header.
    fn sign(&self, claims: &Value) -> String {
        let mut header = Header::new(Algorithm::RS256);
        header.kid = Some(self.kid.clone());
        jsonwebtoken::encode(&header, claims, &self.key).expect("RS256 signing with a fresh key")
    }
}

/// A random version-4 UUID's text, as Cognito's `sub` and `jti` are.
fn uuid_like(random: &dyn Random) -> String {
    let mut b = [0u8; 16];
    random.fill(&mut b);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h = hex::encode(b);
    format!(
        "{}-{}-{}-{}-{}",
        &h[..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..]
    )
}

/// The `RSAPrivateKey` (PKCS#1, what `EncodingKey::from_rsa_der` takes) inside a PKCS#8
/// `PrivateKeyInfo` (what aws-lc-rs writes): `SEQUENCE { INTEGER version, SEQUENCE algorithm,
/// OCTET STRING privateKey, … }`.
fn rsa_private_key_of(pkcs8: &[u8]) -> Option<&[u8]> {
    let (body, _) = der_item(pkcs8, 0x30)?;
    let (_, rest) = der_item(body, 0x02)?;
    let (_, rest) = der_item(rest, 0x30)?;
    let (key, _) = der_item(rest, 0x04)?;
    Some(key)
}

/// One DER item of tag `tag` at the start of `input`: its contents and what follows it.
fn der_item(input: &[u8], tag: u8) -> Option<(&[u8], &[u8])> {
    let (&found, rest) = input.split_first()?;
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = if first < 0x80 {
        (usize::from(first), rest)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 4 || rest.len() < n {
            return None;
        }
        let len = rest[..n]
            .iter()
            .fold(0usize, |acc, &b| (acc << 8) | usize::from(b));
        (len, &rest[n..])
    };
    (found == tag && rest.len() >= len).then(|| (&rest[..len], &rest[len..]))
}

/// What the JWT authorizer checks: RS256 only, the key its `kid` names in the issuer's JWKS,
/// `iss`, `aud` (or `client_id`), `exp` with [`LEEWAY_SECONDS`], and `token_use` `id`.
pub struct Verifier {
    audience: String,
    validation: Validation,
    keys: Keys,
}

enum Keys {
    Fixed(JwkSet),
    Fetched(FetchedKeys),
}

impl Verifier {
    fn new(issuer: &str, audience: &str, keys: Keys) -> Verifier {
        let mut validation = Validation::new(Algorithm::RS256);
        validation.leeway = LEEWAY_SECONDS;
        validation.validate_exp = true;
        validation.validate_nbf = true;
        // The audience is checked below: `aud` of an ID token, or `client_id` (what API
        // Gateway accepts besides).
        validation.validate_aud = false;
        validation.set_issuer(&[issuer]);
        validation.set_required_spec_claims(&["exp", "iss", "sub"]);
        Verifier {
            audience: audience.to_string(),
            validation,
            keys,
        }
    }

    /// The claims of `token` ([`Claims`]), or why it is refused.
    pub async fn verify(&self, token: &str) -> Result<Claims, VerifyError> {
        if token.len() > MAX_TOKEN_BYTES {
            return Err(Refusal::Malformed.into());
        }
        let header = jsonwebtoken::decode_header(token).map_err(|_| Refusal::Malformed)?;
        if header.alg != Algorithm::RS256 {
            return Err(Refusal::Algorithm.into());
        }
        let kid = header.kid.ok_or(Refusal::UnknownKey)?;
        let jwk = match &self.keys {
            Keys::Fixed(set) => set.find(&kid).cloned().ok_or(Refusal::UnknownKey)?,
            Keys::Fetched(fetched) => fetched.find(&kid).await?,
        };
        let AlgorithmParameters::RSA(rsa) = &jwk.algorithm else {
            return Err(Refusal::UnknownKey.into());
        };
        let key =
            DecodingKey::from_rsa_components(&rsa.n, &rsa.e).map_err(|_| Refusal::UnknownKey)?;
        let claims = jsonwebtoken::decode::<Map<String, Value>>(token, &key, &self.validation)
            .map_err(|e| refusal_of(e.kind()))?
            .claims;
        if !names_audience(&claims, &self.audience) {
            return Err(Refusal::Audience.into());
        }
        if claims.get("token_use").and_then(Value::as_str) != Some("id") {
            return Err(Refusal::TokenUse.into());
        }
        Ok(flatten(&claims))
    }
}

fn refusal_of(kind: &jsonwebtoken::errors::ErrorKind) -> Refusal {
    use jsonwebtoken::errors::ErrorKind as K;
    match kind {
        K::InvalidSignature => Refusal::Signature,
        K::ExpiredSignature => Refusal::Expired,
        K::ImmatureSignature => Refusal::NotYetValid,
        K::InvalidIssuer => Refusal::Issuer,
        K::InvalidAlgorithm | K::InvalidAlgorithmName | K::MissingAlgorithm => Refusal::Algorithm,
        _ => Refusal::Malformed,
    }
}

/// Whether `aud` (a string, or an array holding it) or `client_id` is `audience`.
fn names_audience(claims: &Map<String, Value>, audience: &str) -> bool {
    let aud = match claims.get("aud") {
        Some(Value::String(a)) => a == audience,
        Some(Value::Array(all)) => all.iter().any(|a| a.as_str() == Some(audience)),
        _ => false,
    };
    aud || claims.get("client_id").and_then(Value::as_str) == Some(audience)
}

/// The claims as API Gateway passes them on ([`Claims`]).
pub fn flatten(claims: &Map<String, Value>) -> Claims {
    claims
        .iter()
        .map(|(name, value)| (name.clone(), claim_text(value)))
        .collect()
}

fn claim_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Array(items) => {
            let items: Vec<String> = items.iter().map(claim_text).collect();
            format!("[{}]", items.join(" "))
        }
        other => other.to_string(),
    }
}

/// A JWKS fetched from the issuer when first needed, kept, and fetched again when a token names
/// a key it does not hold (at most once per [`REFETCH_AFTER`]).
struct FetchedKeys {
    url: String,
    cache: tokio::sync::Mutex<Option<(JwkSet, Instant)>>,
}

/// The least time between two fetches of a JWKS.
const REFETCH_AFTER: Duration = Duration::from_secs(30);

impl FetchedKeys {
    fn new(url: String) -> FetchedKeys {
        FetchedKeys {
            url,
            cache: tokio::sync::Mutex::new(None),
        }
    }

    async fn find(&self, kid: &str) -> Result<Jwk, VerifyError> {
        let mut cache = self.cache.lock().await;
        if let Some((set, fetched_at)) = cache.as_ref() {
            if let Some(key) = set.find(kid) {
                return Ok(key.clone());
            }
            if fetched_at.elapsed() < REFETCH_AFTER {
                return Err(Refusal::UnknownKey.into());
            }
        }
        let set = cognito::fetch_jwks(&self.url)
            .await
            .map_err(VerifyError::KeysUnavailable)?;
        let key = set.find(kid).cloned();
        *cache = Some((set, Instant::now()));
        key.ok_or_else(|| Refusal::UnknownKey.into())
    }
}

#[cfg(test)]
mod tests;
