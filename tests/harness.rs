//! Test harness shared by the integration tests: stores (in-memory and DynamoDB on the moto
//! emulator), a controllable app, and API Gateway events fed straight to the handlers.

use aws_infra::dynamo::DynamoStore;
use domain::store::memory::MemoryStore;
use domain::store::Store;
use std::sync::Arc;

/// Which backend a test runs against.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Memory,
    Dynamo,
}

/// A fresh in-memory store.
pub fn memory_store() -> Arc<dyn Store> {
    Arc::new(MemoryStore::new())
}

/// A DynamoDB store on a fresh table of the emulator named by `AWS_ENDPOINT_URL` (the test script
/// starts moto and sets it). Without an endpoint the DynamoDB half of a test is skipped with a
/// note, except under `CI=true`, where that is a failure: the emulator run must never be silently
/// skipped.
pub async fn dynamo_store() -> Option<Arc<DynamoStore>> {
    if !emulator_up() {
        return None;
    }
    let store = DynamoStore::from_env(&fresh_table_name(), &EMULATOR_BUDGETS).await;
    store
        .ensure_table()
        .await
        .expect("create the test table on the emulator");
    Some(Arc::new(store))
}

/// A store of the given backend, or `None` when the DynamoDB half is skipped.
pub async fn store(backend: Backend) -> Option<Arc<dyn Store>> {
    match backend {
        Backend::Memory => Some(memory_store()),
        Backend::Dynamo => dynamo_store().await.map(|s| s as Arc<dyn Store>),
    }
}

/// A table name no other test uses.
pub fn fresh_table_name() -> String {
    use domain::ports::random::{OsRandom, Random};
    let r: &dyn Random = &OsRandom;
    format!("test-{}", r.hex(8))
}

/// Whether the DynamoDB halves run (the emulator is up), failing under `CI=true` when not.
pub fn emulator_up() -> bool {
    if std::env::var("AWS_ENDPOINT_URL").map_or(true, |v| v.is_empty()) {
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!("CI=true but AWS_ENDPOINT_URL is not set: run the suite through scripts/test.sh, which starts moto");
        }
        eprintln!(
            "note: AWS_ENDPOINT_URL not set, skipping the DynamoDB half (scripts/test.sh runs it)"
        );
        return false;
    }
    true
}

/// Runs an async test body once per backend (the DynamoDB run only where the emulator is up).
#[macro_export]
macro_rules! both_backends {
    ($(#[$meta:meta])* $name:ident, |$store:ident| $body:block) => {
        mod $name {
            use super::*;
            #[allow(unused_imports)]
            use $crate::Backend;

            async fn run($store: std::sync::Arc<dyn domain::store::Store>) $body

            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            $(#[$meta])*
            async fn memory() {
                run($crate::store(Backend::Memory).await.unwrap()).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            $(#[$meta])*
            async fn dynamo() {
                if let Some(s) = $crate::store(Backend::Dynamo).await {
                    run(s).await;
                }
            }
        }
    };
}

// ---------------------------------------------------------------------------------------------
// The application under test: every route of the dev server's table, fed API Gateway events.

use devserver::authorizer::{cognito, Authorizer};
use devserver::{dispatch, lambda_request, DevServer, HttpRequest};
use domain::account::learner::Learner;
use domain::app::config::{Budgets, Config, FileChoice, SenderChoice, StoreChoice};
use domain::ports::clock::ManualClock;
use domain::ports::sms::Outbox;
use domain::security::crypto::Keys;
use domain::values::id_number::IdNumber;
use domain::App;

pub const TEST_PEPPER: &str = "integration-test-pepper-0123456789abcdef";
/// The guide's learner.
pub const DEMO_ID: &str = "440883200305125051";
pub const DEMO_PASSWORD: &str = "125051";

pub struct TestApp {
    pub dev: Arc<DevServer>,
    pub clock: Arc<ManualClock>,
    pub backend: Backend,
    /// Memory backend: where SMS go. Both backends: `set_failing(true)` makes the provider refuse,
    /// `set_timing_out(true)` deliver without a definite answer.
    pub outbox: Arc<Outbox>,
}

/// The configured sender (SNS on moto), unless the outbox was told to fail (to inject provider
/// failures on the moto backend).
struct FlakySender {
    inner: Arc<dyn domain::ports::sms::SmsSender>,
    outbox: Arc<Outbox>,
}

#[async_trait::async_trait]
impl domain::ports::sms::SmsSender for FlakySender {
    async fn send(&self, to: &str, text: &str) -> Result<(), domain::ports::sms::SmsError> {
        if self.outbox.is_failing() {
            return Err(domain::ports::sms::SmsError::Refused(
                "injected refusal".into(),
            ));
        }
        self.inner.send(to, text).await?;
        if self.outbox.is_timing_out() {
            return Err(domain::ports::sms::SmsError::Unknown(
                "injected timeout".into(),
            ));
        }
        Ok(())
    }
}

/// The budgets of the tests that are not about time: moto answers one request at a time and the
/// whole suite shares it on a busy machine, so a call may wait seconds for its turn. The
/// fault-injection tests (tests/faults.rs) use the production budgets instead.
pub const EMULATOR_BUDGETS: Budgets = Budgets {
    connect: std::time::Duration::from_secs(10),
    attempt: std::time::Duration::from_secs(60),
    operation: std::time::Duration::from_secs(120),
    max_attempts: 3,
    initial_backoff: std::time::Duration::from_millis(50),
    max_backoff: std::time::Duration::from_millis(400),
    request: std::time::Duration::from_secs(300),
};

/// The configuration of a test app on `backend`: the production wiring's own choices, with
/// [`EMULATOR_BUDGETS`].
pub fn test_config(backend: Backend) -> Config {
    let mut config = Config::in_memory(Keys::new(TEST_PEPPER.as_bytes().to_vec()).unwrap());
    config.budgets = EMULATOR_BUDGETS;
    if backend == Backend::Dynamo {
        config.store = StoreChoice::DynamoDb {
            table: fresh_table_name(),
        };
        // The real SNS sender, against moto's SNS.
        config.sender = SenderChoice::Sns;
        // Evidence files in a bucket of moto's S3 (created by `TestApp::spawn_at`): forms are
        // posted to it over HTTP (`TestApp::upload_form_post`).
        config.files = FileChoice::S3 {
            bucket: fresh_table_name(),
        };
    }
    config
}

/// A response as a client sees it.
#[derive(Debug)]
pub struct TestResponse {
    pub status: u16,
    pub headers: lambda_http::http::HeaderMap,
    pub body: serde_json::Value,
    pub raw: Vec<u8>,
}

impl TestResponse {
    /// The error code of an error response ("" otherwise).
    pub fn code(&self) -> &str {
        self.body["error"]["code"].as_str().unwrap_or("")
    }
}

/// A request to send; build with [`TestApp::req`].
pub struct Req {
    pub method: String,
    pub path: String,
    pub query: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub ip: String,
}

/// A handler's response as a client sees it.
pub fn into_test_response(resp: lambda_http::Response<lambda_http::Body>) -> TestResponse {
    let (parts, body) = resp.into_parts();
    let raw = body.as_ref().to_vec();
    // A stored file (`GET /_dev/files`) is the one answer that is not JSON.
    let download = parts.headers.contains_key("content-disposition");
    let body = if raw.is_empty() || download {
        serde_json::Value::Null
    } else {
        serde_json::from_slice(&raw).expect("every response body is JSON")
    };
    TestResponse {
        status: parts.status.as_u16(),
        headers: parts.headers,
        body,
        raw,
    }
}

impl Req {
    /// The request a function's handler receives for this one.
    pub fn into_request(self) -> lambda_http::Request {
        let mut headers = lambda_http::http::HeaderMap::new();
        for (name, value) in &self.headers {
            headers.append(
                lambda_http::http::HeaderName::from_bytes(name.as_bytes()).expect("header name"),
                value.parse().expect("header value"),
            );
        }
        let uri = if self.query.is_empty() {
            self.path.clone()
        } else {
            format!("{}?{}", self.path, self.query)
        };
        lambda_request(HttpRequest {
            method: self.method.parse().expect("method"),
            uri: uri.parse().expect("request target"),
            headers,
            body: self.body,
            source_ip: self.ip,
        })
        .expect("a test request the dev server accepts")
    }

    pub fn json(mut self, body: &serde_json::Value) -> Self {
        self.body = body.to_string().into_bytes();
        self.headers
            .push(("content-type".into(), "application/json".into()));
        self
    }

    pub fn raw(mut self, content_type: Option<&str>, body: impl Into<Vec<u8>>) -> Self {
        self.body = body.into();
        if let Some(ct) = content_type {
            self.headers.push(("content-type".into(), ct.into()));
        }
        self
    }

    pub fn bearer(self, token: &str) -> Self {
        self.header("authorization", &format!("Bearer {token}"))
    }

    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    pub fn query(mut self, q: &str) -> Self {
        self.query = q.into();
        self
    }

    pub fn ip(mut self, ip: &str) -> Self {
        self.ip = ip.into();
        self
    }
}

impl TestApp {
    /// A fresh app on `backend` with a manual clock and the demo learner, or `None` when the
    /// DynamoDB half is skipped (see [`dynamo_store`]).
    pub async fn spawn(backend: Backend) -> Option<TestApp> {
        Self::spawn_at(test_config(backend), None).await
    }

    /// [`TestApp::spawn`] with `config` (its budgets, say), its AWS clients sent to
    /// `endpoint_url` (a fault-injection proxy) when given.
    pub async fn spawn_at(config: Config, endpoint_url: Option<&str>) -> Option<TestApp> {
        let backend = match config.store {
            StoreChoice::DynamoDb { .. } => Backend::Dynamo,
            StoreChoice::Memory => Backend::Memory,
        };
        if backend == Backend::Dynamo && !emulator_up() {
            return None;
        }
        let built = aws_infra::wiring::build_at(&config, endpoint_url)
            .await
            .expect("the test app's wiring");
        if let Some(store) = &built.dynamo {
            store
                .ensure_table()
                .await
                .expect("create the test table on the emulator");
        }
        if let Some(s3) = &built.s3 {
            s3.ensure_bucket()
                .await
                .expect("create the test bucket on the emulator");
        }
        let clock = Arc::new(ManualClock::fixed());
        let mut app = built.app.with_clock(clock.clone());
        let outbox = match built.outbox {
            Some(outbox) => outbox,
            None => {
                let outbox = Arc::new(Outbox::new(false));
                app.sms = Arc::new(FlakySender {
                    inner: app.sms.clone(),
                    outbox: outbox.clone(),
                });
                outbox
            }
        };
        let t = TestApp {
            dev: Arc::new(DevServer {
                app: Arc::new(app),
                outbox: Some(outbox.clone()),
                files: built.files,
                authorizer: test_authorizer(backend).await,
            }),
            clock,
            backend,
            outbox,
        };
        t.add_learner(DEMO_ID, "李嘉民").await;
        Some(t)
    }

    pub fn app(&self) -> &App {
        &self.dev.app
    }

    pub fn advance(&self, seconds: i64) {
        self.clock.advance(chrono::Duration::seconds(seconds));
    }

    /// Creates a learner with the initial password (as the import does).
    pub async fn add_learner(&self, id: &str, name: &str) -> Learner {
        let id = IdNumber::parse(id, self.app().today()).expect("valid test ID number");
        let learner = Learner::new(self.app(), &id, name);
        domain::account::learner::create_or_refresh(self.app(), &learner)
            .await
            .unwrap();
        learner
    }

    pub fn req(&self, method: &str, path: &str) -> Req {
        Req {
            method: method.into(),
            path: path.into(),
            query: String::new(),
            headers: vec![("user-agent".into(), "integration-tests".into())],
            body: Vec::new(),
            ip: "198.51.100.7".into(),
        }
    }

    pub async fn send(&self, r: Req) -> TestResponse {
        let resp = dispatch(&self.dev, r.into_request()).await;
        into_test_response(resp)
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> TestResponse {
        let mut r = self.req("GET", path);
        if let Some(t) = token {
            r = r.bearer(t);
        }
        self.send(r).await
    }

    pub async fn post(
        &self,
        path: &str,
        body: serde_json::Value,
        token: Option<&str>,
    ) -> TestResponse {
        let mut r = self.req("POST", path).json(&body);
        if let Some(t) = token {
            r = r.bearer(t);
        }
        self.send(r).await
    }

    /// A fresh captcha's id and answer (the dev server's `devAnswer`).
    pub async fn captcha(&self) -> (String, String) {
        let r = self.get("/captcha", None).await;
        assert_eq!(r.status, 200, "{:?}", r.body);
        (
            r.body["captchaId"].as_str().unwrap().to_string(),
            r.body["devAnswer"].as_str().unwrap().to_string(),
        )
    }

    /// The SMS sent to `mobile` (11 digits), oldest first: from the outbox, or from moto's SNS.
    pub async fn sms_to(&self, mobile: &str) -> Vec<String> {
        let e164 = format!("+86{mobile}");
        match self.backend {
            Backend::Memory => self
                .outbox
                .messages_to(&e164)
                .into_iter()
                .map(|m| m.text)
                .collect(),
            Backend::Dynamo => tokio::task::spawn_blocking(moto_sms)
                .await
                .expect("read moto's SMS")
                .into_iter()
                .filter(|(to, _)| *to == e164)
                .map(|(_, text)| text)
                .collect(),
        }
    }

    /// The code in the newest SMS to `mobile`.
    pub async fn last_code(&self, mobile: &str) -> String {
        let all = self.sms_to(mobile).await;
        let text = all.last().unwrap_or_else(|| panic!("no SMS to {mobile}"));
        let digits = domain::app::config::SmsConfig::default()
            .code_in(text)
            .unwrap_or_else(|| panic!("no code in {text}"));
        assert_eq!(digits.len(), 6, "{text}");
        digits
    }

    /// `POST /login` with a freshly solved captcha.
    pub async fn login(&self, account: &str, password: &str) -> TestResponse {
        let (id, answer) = self.captcha().await;
        self.post(
            "/login",
            serde_json::json!({"account": account, "password": password, "captchaId": id, "captchaAnswer": answer}),
            None,
        )
        .await
    }

    /// Logs in and returns the token, asserting success.
    pub async fn token(&self, account: &str, password: &str) -> String {
        let r = self.login(account, password).await;
        assert_eq!(r.status, 200, "login failed: {:?}", r.body);
        r.body["token"].as_str().unwrap().to_string()
    }
}

/// The embedded staff token issuer of the memory backend: one key per test process.
static EMBEDDED_ISSUER: std::sync::OnceLock<Arc<Authorizer>> = std::sync::OnceLock::new();
/// moto's user pool of the DynamoDB backend: one per test process, made by the first app.
static STAFF_POOL: tokio::sync::OnceCell<cognito::PoolIds> = tokio::sync::OnceCell::const_new();

/// The staff token issuer and JWT authorizer of a test app on `backend`: the embedded issuer,
/// or moto's Cognito (the process's one user pool; a client per app, as every AWS client of a
/// test app is its own: a client outliving its test's runtime would fail the next test).
async fn test_authorizer(backend: Backend) -> Arc<Authorizer> {
    if backend == Backend::Memory {
        return EMBEDDED_ISSUER
            .get_or_init(|| Arc::new(Authorizer::embedded()))
            .clone();
    }
    let sdk = aws_infra::sdk::config_at(&EMULATOR_BUDGETS, None).await;
    let client = cognito::client(&sdk);
    let ids = STAFF_POOL
        .get_or_init(|| async {
            cognito::create_pool(&client)
                .await
                .expect("a staff user pool on moto's Cognito")
        })
        .await
        .clone();
    let endpoint = std::env::var("AWS_ENDPOINT_URL").expect("the emulator's endpoint");
    Arc::new(Authorizer::cognito(cognito::Pool::new(
        client, &endpoint, ids,
    )))
}

impl TestApp {
    /// An ID token of a staff member of `institution` with `role` (`REVIEWER`, `PLATFORM`),
    /// from `POST /_dev/institution-token`: the embedded issuer's, or moto's Cognito's.
    pub async fn staff_token(&self, institution: &str, role: &str) -> String {
        let r = self
            .post(
                "/_dev/institution-token",
                serde_json::json!({ "institution": institution, "role": role }),
                None,
            )
            .await;
        assert_eq!(r.status, 200, "staff token: {:?}", r.body);
        r.body["token"].as_str().expect("a token").to_string()
    }

    /// Posts an upload form (`fields`, then the file as the part `file`) to `url`, returning
    /// the status: a path (`/_dev/files`, the embedded store) through the dev server's
    /// dispatch, an absolute `http://` URL (S3 on moto) over HTTP/1.1.
    pub async fn upload_form_post(
        &self,
        url: &str,
        fields: &std::collections::BTreeMap<String, String>,
        file_name: &str,
        content_type: &str,
        bytes: &[u8],
    ) -> u16 {
        let (form_type, body) = multipart_form(fields, file_name, content_type, bytes);
        if url.starts_with('/') {
            let (path, query) = url.split_once('?').unwrap_or((url, ""));
            let req = self
                .req("POST", path)
                .query(query)
                .raw(Some(&form_type), body);
            return self.send(req).await.status;
        }
        let url = url.to_string();
        tokio::task::spawn_blocking(move || http_post(&url, &form_type, &body))
            .await
            .expect("the form post's thread")
    }
}

/// A `multipart/form-data` body as a browser sends an upload form: its `Content-Type` and
/// bytes.
pub fn multipart_form(
    fields: &std::collections::BTreeMap<String, String>,
    file_name: &str,
    content_type: &str,
    bytes: &[u8],
) -> (String, Vec<u8>) {
    use domain::ports::random::{OsRandom, Random};
    let r: &dyn Random = &OsRandom;
    let boundary = format!("----IntegrationTestsBoundary{}", r.hex(16));
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
                .as_bytes(),
        );
    }
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\n\
             Content-Type: {content_type}\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// POSTs `body` to `url` (`http://host:port/path`) over one HTTP/1.1 connection; the status.
/// Blocking: run it off the async workers.
fn http_post(url: &str, content_type: &str, body: &[u8]) -> u16 {
    use std::io::{Read, Write};
    let rest = url
        .strip_prefix("http://")
        .unwrap_or_else(|| panic!("not an http:// URL: {url}"));
    let (host, path) = match rest.split_once('/') {
        Some((host, path)) => (host, format!("/{path}")),
        None => (rest, "/".to_string()),
    };
    let mut conn = std::net::TcpStream::connect(host).expect("connect to the form's host");
    conn.set_read_timeout(Some(std::time::Duration::from_secs(60)))
        .unwrap();
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: {content_type}\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    conn.write_all(head.as_bytes()).unwrap();
    conn.write_all(body).unwrap();
    let mut raw = Vec::new();
    conn.read_to_end(&mut raw).expect("the form post's answer");
    let text = String::from_utf8_lossy(&raw);
    text.split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no HTTP status in {text:.200}"))
}

/// Runs an async test body against a fresh [`TestApp`] on each backend.
#[macro_export]
macro_rules! app_test {
    ($name:ident, |$app:ident| $body:block) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            async fn run($app: $crate::TestApp) $body

            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn memory() {
                run($crate::TestApp::spawn($crate::Backend::Memory).await.unwrap()).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn dynamo() {
                if let Some(app) = $crate::TestApp::spawn($crate::Backend::Dynamo).await {
                    run(app).await;
                }
            }
        }
    };
    // The same with the test configuration changed by `$tune` (a `fn(&mut Config)`) first.
    ($name:ident, config = $tune:expr, |$app:ident| $body:block) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            async fn run($app: $crate::TestApp) $body

            fn config(backend: $crate::Backend) -> domain::app::config::Config {
                let mut config = $crate::test_config(backend);
                let tune: fn(&mut domain::app::config::Config) = $tune;
                tune(&mut config);
                config
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn memory() {
                let config = config($crate::Backend::Memory);
                run($crate::TestApp::spawn_at(config, None).await.unwrap()).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn dynamo() {
                let config = config($crate::Backend::Dynamo);
                if let Some(app) = $crate::TestApp::spawn_at(config, None).await {
                    run(app).await;
                }
            }
        }
    };
}

/// Every SMS moto's SNS has "sent": (number, text), in order. Read from `/moto-api/sms.json`
/// (`scripts/moto_server.py` serves it: `data.json` carries every table besides). Blocking: call
/// it off the async workers ([`TestApp::sms_to`] does).
pub fn moto_sms() -> Vec<(String, String)> {
    use std::io::{Read, Write};
    let endpoint = std::env::var("AWS_ENDPOINT_URL").expect("moto endpoint");
    let host = endpoint.trim_start_matches("http://").trim_end_matches('/');
    let mut conn = std::net::TcpStream::connect(host).expect("connect to moto");
    write!(
        conn,
        "GET /moto-api/sms.json HTTP/1.0\r\nHost: {host}\r\n\r\n"
    )
    .unwrap();
    let mut raw = Vec::new();
    conn.read_to_end(&mut raw).unwrap();
    let text = String::from_utf8_lossy(&raw);
    let body = text.split_once("\r\n\r\n").map(|(_, b)| b).unwrap_or("");
    let sent: Vec<serde_json::Value> = serde_json::from_str(body).expect("moto sms.json");
    sent.iter()
        .filter_map(|sms| {
            Some((
                sms["to"].as_str()?.to_string(),
                sms["text"].as_str()?.to_string(),
            ))
        })
        .collect()
}

/// A random mobile number (SMS read back from moto are global: tests never share a number).
pub fn unique_mobile() -> String {
    use domain::ports::random::{OsRandom, Random};
    let r: &dyn Random = &OsRandom;
    format!("1{}{}", 3 + r.below(7), r.digits(9))
}

/// A valid ID number born in 1990–2005, never the same twice in one test process: numbers
/// drawn at random collide (300 of them share one about once in a hundred runs), so they are
/// taken in turn from a random start over the 5,376,000 this shape has.
pub fn unique_id_number() -> String {
    use domain::ports::random::{OsRandom, Random};
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::sync::OnceLock;
    const SPACE: u64 = 16 * 12 * 28 * 1000;
    static START: OnceLock<u64> = OnceLock::new();
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let start = *START.get_or_init(|| {
        let r: &dyn Random = &OsRandom;
        r.digits(12).parse::<u64>().unwrap_or(0) % SPACE
    });
    let n = (start + NEXT.fetch_add(1, Ordering::Relaxed)) % SPACE;
    let (seq, n) = (n % 1000, n / 1000);
    let (day, n) = (n % 28, n / 28);
    let (month, year) = (n % 12, n / 12);
    let body = format!(
        "110105{}{:02}{:02}{:03}",
        1990 + year,
        1 + month,
        1 + day,
        seq
    );
    let check = domain::values::id_number::check_char(body.as_bytes()) as char;
    format!("{body}{check}")
}

impl TestApp {
    /// Sends a code to `mobile` for the learner of `token`, returning the code from the SMS.
    pub async fn send_code(&self, token: &str, mobile: &str) -> String {
        let r = self
            .post(
                "/sms/code",
                serde_json::json!({ "mobile": mobile }),
                Some(token),
            )
            .await;
        assert_eq!(r.status, 200, "send code: {:?}", r.body);
        self.last_code(mobile).await
    }

    /// A valid profile submission.
    pub fn profile_body(mobile: &str, code: &str, password: &str) -> serde_json::Value {
        serde_json::json!({
            "idType": "RESIDENT_ID_CARD",
            "idValidFrom": "2019-05-01",
            "idValidTo": "2029-05-01",
            "idLongTerm": false,
            "mobile": mobile,
            "smsCode": code,
            "newPassword": password,
        })
    }

    pub async fn put_profile(&self, token: &str, body: serde_json::Value) -> TestResponse {
        self.send(self.req("PUT", "/profile").json(&body).bearer(token))
            .await
    }

    /// Logs in with the initial password and completes the profile; returns the token (still
    /// valid) and the mobile bound.
    pub async fn activate(&self, id: &str, password: &str) -> (String, String) {
        let token = self.token(id, &id[12..]).await;
        let mobile = unique_mobile();
        let code = self.send_code(&token, &mobile).await;
        let r = self
            .put_profile(&token, Self::profile_body(&mobile, &code, password))
            .await;
        assert_eq!(r.status, 200, "complete profile: {:?}", r.body);
        (token, mobile)
    }
}

impl TestApp {
    pub async fn put_json(&self, path: &str, body: serde_json::Value, token: &str) -> TestResponse {
        self.send(self.req("PUT", path).json(&body).bearer(token))
            .await
    }

    /// Sends a `CHANGE_MOBILE` code to `mobile` for the learner of `token`; returns the code.
    pub async fn change_mobile_code(&self, token: &str, mobile: &str) -> String {
        let r = self
            .post(
                "/sms/code",
                serde_json::json!({ "mobile": mobile, "purpose": "CHANGE_MOBILE" }),
                Some(token),
            )
            .await;
        assert_eq!(r.status, 200, "send code: {:?}", r.body);
        self.last_code(mobile).await
    }

    /// `POST /password/reset/code` for `account` with a freshly solved captcha, from `ip`.
    pub async fn reset_code_from(&self, account: &str, ip: &str) -> TestResponse {
        self.reset_code_as(account, None, ip).await
    }

    /// `POST /password/reset/code` for `account` (with `id_number` beside it, as a mobile number
    /// as the account needs) with a freshly solved captcha, from `ip`.
    pub async fn reset_code_as(
        &self,
        account: &str,
        id_number: Option<&str>,
        ip: &str,
    ) -> TestResponse {
        let (id, answer) = self.captcha().await;
        let mut body =
            serde_json::json!({"account": account, "captchaId": id, "captchaAnswer": answer});
        if let Some(n) = id_number {
            body["idNumber"] = serde_json::json!(n);
        }
        self.send(self.req("POST", "/password/reset/code").json(&body).ip(ip))
            .await
    }

    pub async fn reset_code(&self, account: &str) -> TestResponse {
        self.reset_code_from(account, "198.51.100.7").await
    }

    /// `POST /password/reset`.
    pub async fn reset(&self, account: &str, code: &str, new_password: &str) -> TestResponse {
        self.reset_as(account, None, code, new_password).await
    }

    /// `POST /password/reset` with `id_number` beside the account.
    pub async fn reset_as(
        &self,
        account: &str,
        id_number: Option<&str>,
        code: &str,
        new_password: &str,
    ) -> TestResponse {
        let mut body =
            serde_json::json!({"account": account, "smsCode": code, "newPassword": new_password});
        if let Some(n) = id_number {
            body["idNumber"] = serde_json::json!(n);
        }
        self.post("/password/reset", body, None).await
    }
}

impl TestApp {
    /// Runs an import event through the import function's handler; returns its result as JSON.
    pub async fn import(&self, event: serde_json::Value) -> serde_json::Value {
        let result = fn_import::handle(self.app(), event)
            .await
            .expect("import runs");
        serde_json::to_value(result).unwrap()
    }

    /// Imports `events/import-demo.json`.
    pub async fn import_demo(&self) -> serde_json::Value {
        self.import(serde_json::from_str(devserver::DEMO_IMPORT).unwrap())
            .await
    }
}

/// The folder of the sample events, `events/`.
pub fn events_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../events")
}

/// The sample event files of `events/` (every `.json` but `expected.json`), sorted.
pub fn event_files() -> Vec<String> {
    let mut files: Vec<String> = std::fs::read_dir(events_dir())
        .expect("events/ exists")
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.ends_with(".json") && n != "expected.json")
        .collect();
    files.sort();
    files
}

/// A sample event file's JSON.
pub fn event_file(name: &str) -> serde_json::Value {
    let path = events_dir().join(name);
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

// ---------------------------------------------------------------------------------------------
// The sample events of events/: what they answer (events/expected.json) and what they refer to
// (devserver::fixtures, which the `seed-events` command writes into a table).

/// One line of `events/expected.json`.
#[derive(Clone, Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExpectedEvent {
    pub file: String,
    /// HTTP events: the status.
    pub status: Option<u16>,
    /// HTTP error answers: the error code.
    pub code: Option<String>,
    /// Events that are not HTTP events: the function that takes them (`import`).
    pub function: Option<String>,
    /// Import events: how many bad records the answer lists.
    pub errors: Option<usize>,
}

/// `events/expected.json`, in its order.
pub fn expected_events() -> Vec<ExpectedEvent> {
    #[derive(serde::Deserialize)]
    struct File {
        #[allow(dead_code)]
        about: String,
        events: Vec<ExpectedEvent>,
    }
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../events/expected.json");
    let text = std::fs::read_to_string(&path).expect("events/expected.json exists");
    let file: File = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("events/expected.json does not parse: {e}"));
    file.events
}

/// A fresh app on `backend` holding what the sample events refer to (`devserver::fixtures`),
/// or `None` when the DynamoDB half is skipped.
pub async fn seeded_app(backend: Backend) -> Option<TestApp> {
    let t = TestApp::spawn(backend).await?;
    t.seed_fixtures().await;
    Some(t)
}

impl TestApp {
    /// What the sample events refer to (`devserver::fixtures`): the table's items, and the
    /// fixture uploads' files in the app's file store (the embedded one, or the bucket on moto),
    /// each posted with an upload form of that store as a client posts it (as `seed-events` puts
    /// them into the bucket).
    pub async fn seed_fixtures(&self) {
        use domain::ports::files::UploadSpec;
        devserver::fixtures::seed(self.app())
            .await
            .expect("seed the sample events' fixtures");
        for (key, content_type, bytes) in devserver::fixtures::objects() {
            let spec = UploadSpec {
                key: key.clone(),
                content_type: content_type.to_string(),
                min_bytes: 1,
                max_bytes: bytes.len() as u64,
                expires_in: 600,
            };
            let form = self
                .app()
                .files
                .upload_form(&spec)
                .await
                .expect("a fixture file's upload form");
            let status = self
                .upload_form_post(&form.url, &form.fields, "fixture", content_type, bytes)
                .await;
            assert!(
                (200..300).contains(&status),
                "{key}: the form's post answered {status}"
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Raw API Gateway events through the Lambda's own entry (`http_edge::lambda::handle_event`).

/// The route table of the function serving `path` (any method; a route's template, `{id}`,
/// matches any one segment there).
pub fn function_routes(path: &str) -> Option<&'static [http_edge::Route]> {
    devserver::FUNCTIONS
        .iter()
        .find(|(_, routes)| {
            routes
                .iter()
                .any(|r| http_edge::route::matches(r.path, path).is_some())
        })
        .map(|(_, routes)| *routes)
}

/// Invokes the function serving `event`'s path as the Lambda runtime would: the raw JSON event
/// through `http_edge::lambda::handle_event` (the checks before `lambda_http`'s conversion, then
/// the function's own dispatch); the API Gateway response as a client sees it.
pub async fn invoke_event(app: Arc<App>, event: serde_json::Value) -> TestResponse {
    let path = event["rawPath"].as_str().unwrap_or("/").to_string();
    let routes = function_routes(&path).unwrap_or_else(|| panic!("no function serves {path}"));
    let context = lambda_http::Context::default();
    let resp =
        http_edge::lambda::handle_event(routes, app, lambda_http::LambdaEvent::new(event, context))
            .await;
    let raw = match &resp.body {
        Some(lambda_http::Body::Text(t)) => t.clone().into_bytes(),
        Some(lambda_http::Body::Binary(b)) => b.clone(),
        _ => Vec::new(),
    };
    let body = if raw.is_empty() {
        serde_json::Value::Null
    } else {
        serde_json::from_slice(&raw).expect("every response body is JSON")
    };
    TestResponse {
        status: u16::try_from(resp.status_code).expect("an HTTP status"),
        headers: resp.headers,
        body,
        raw,
    }
}

/// Log output captured in memory (a `tracing_subscriber` writer): what a test's code logged.
#[derive(Clone, Default)]
pub struct LogCapture(Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for LogCapture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for LogCapture {
    type Writer = LogCapture;
    fn make_writer(&'a self) -> LogCapture {
        self.clone()
    }
}

impl LogCapture {
    /// Everything logged so far.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

// ---------------------------------------------------------------------------------------------
// Plain HTTP/1.1 to the emulator (S3 forms and presigned URLs), as a browser would send them.
// ---------------------------------------------------------------------------------------------

/// Posts `fields` and then the file (field `file`, named `file_name`, of `content_type`) as
/// `multipart/form-data` to `url`, as a browser posts an upload form: `(status, body)`. Plain
/// HTTP only (the emulator); blocking: call it through `spawn_blocking`.
pub fn post_form(
    url: &str,
    fields: &std::collections::BTreeMap<String, String>,
    file_name: &str,
    content_type: &str,
    bytes: &[u8],
) -> (u16, String) {
    let boundary = format!("----form-{}", fresh_table_name());
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; \
             filename=\"{file_name}\"\r\nContent-Type: {content_type}\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let content_type = format!("multipart/form-data; boundary={boundary}");
    let (status, body) = http_exchange("POST", url, Some((&content_type, &body)));
    (status, String::from_utf8_lossy(&body).into_owned())
}

/// GETs `url` (plain HTTP, blocking): `(status, body)`.
pub fn http_get(url: &str) -> (u16, Vec<u8>) {
    http_exchange("GET", url, None)
}

/// One HTTP/1.1 request with `Connection: close`, its answer read to the end (a chunked body
/// decoded).
fn http_exchange(method: &str, url: &str, body: Option<(&str, &[u8])>) -> (u16, Vec<u8>) {
    use std::io::{Read, Write};
    let rest = url.strip_prefix("http://").expect("a plain-HTTP URL");
    let (host, target) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let target = if target.is_empty() { "/" } else { target };
    let mut stream = std::net::TcpStream::connect(host).expect("connect to the emulator");
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(60)))
        .unwrap();
    let mut request =
        format!("{method} {target} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n");
    if let Some((content_type, bytes)) = body {
        request.push_str(&format!(
            "Content-Type: {content_type}\r\nContent-Length: {}\r\n",
            bytes.len()
        ));
    }
    request.push_str("\r\n");
    let mut raw = request.into_bytes();
    raw.extend_from_slice(body.map_or(&[][..], |(_, bytes)| bytes));
    stream.write_all(&raw).expect("send the request");
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).expect("read the answer");
    let split = answer
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("an HTTP head");
    let head = String::from_utf8_lossy(&answer[..split]).to_ascii_lowercase();
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("a status code");
    let body = answer[split + 4..].to_vec();
    if head.contains("transfer-encoding: chunked") {
        return (status, dechunk(&body));
    }
    (status, body)
}

/// A chunked body's content.
fn dechunk(mut body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(end) = body.windows(2).position(|w| w == b"\r\n") {
        let size_text = String::from_utf8_lossy(&body[..end]);
        let size = usize::from_str_radix(size_text.split(';').next().unwrap().trim(), 16)
            .expect("a chunk size");
        if size == 0 {
            break;
        }
        out.extend_from_slice(&body[end + 2..end + 2 + size]);
        body = &body[end + 2 + size + 2..];
    }
    out
}
