//! `cargo run -p devserver [-- --port 3000]`: the whole API on 127.0.0.1 with an embedded store,
//! or DynamoDB when `TABLE_NAME` and `AWS_ENDPOINT_URL` are set.

use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderName, HeaderValue};
use devserver::{dispatch, lambda_request, HttpRequest, Services};
use shared::config::Keys;
use shared::App;
use std::net::SocketAddr;
use std::sync::Arc;

/// Large enough for an import event (Lambda's synchronous limit is 6 MB).
const MAX_BODY: usize = 6 * 1024 * 1024;
const DEV_PEPPER: &str = "dev-server-pepper-not-a-secret-0123456789";

fn port_from_args() -> u16 {
    let args: Vec<String> = std::env::args().collect();
    let mut port = 3000;
    let mut i = 1;
    while i < args.len() {
        match args[i].as_str() {
            "--port" | "-p" => {
                port = args
                    .get(i + 1)
                    .and_then(|p| p.parse().ok())
                    .unwrap_or_else(|| {
                        eprintln!("--port takes a number from 0 to 65535");
                        std::process::exit(2)
                    });
                i += 1;
            }
            "--help" | "-h" => {
                println!("usage: devserver [--port N]   (default 3000; binds 127.0.0.1)");
                std::process::exit(0)
            }
            other => {
                eprintln!("unknown argument {other}; try --help");
                std::process::exit(2)
            }
        }
        i += 1;
    }
    port
}

async fn build_app() -> (App, &'static str) {
    let pepper = std::env::var("ID_PEPPER").unwrap_or_else(|_| DEV_PEPPER.to_string());
    let keys = Keys::new(pepper.into_bytes()).expect("ID_PEPPER must be at least 32 bytes");
    let table = std::env::var("TABLE_NAME").ok().filter(|t| !t.is_empty());
    let endpoint = std::env::var("AWS_ENDPOINT_URL")
        .ok()
        .filter(|e| !e.is_empty());
    match (table, endpoint) {
        (Some(table), Some(_)) => {
            let store = shared::store::dynamo::DynamoStore::from_env(&table).await;
            store
                .ensure_table()
                .await
                .expect("create or find the DynamoDB table");
            (
                App::new(Arc::new(store), keys),
                "DynamoDB (AWS_ENDPOINT_URL)",
            )
        }
        _ => (App::in_memory(keys), "embedded in-memory store"),
    }
}

async fn proxy(
    State(services): State<Arc<Services>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    req: axum::extract::Request,
) -> axum::response::Response {
    let (parts, body) = req.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_BODY).await else {
        let err = shared::AppError::PayloadTooLarge;
        return to_axum(shared::http::error_response(&err, Default::default()));
    };
    if parts.method == axum::http::Method::OPTIONS {
        return cors(axum::response::Response::new(axum::body::Body::empty()));
    }
    let headers = parts
        .headers
        .iter()
        .filter_map(|(k, v)| Some((k.to_string(), v.to_str().ok()?.to_string())))
        .collect();
    let request = lambda_request(&HttpRequest {
        method: parts.method.as_str(),
        path: parts.uri.path(),
        raw_query: parts.uri.query().unwrap_or(""),
        headers,
        body: &bytes,
        source_ip: &peer.ip().to_string(),
    });
    let started = std::time::Instant::now();
    let resp = dispatch(&services, request).await;
    println!(
        "{} {} -> {} ({} ms)",
        parts.method,
        parts.uri.path(),
        resp.status().as_u16(),
        started.elapsed().as_millis()
    );
    to_axum(resp)
}

fn to_axum(resp: lambda_http::Response<lambda_http::Body>) -> axum::response::Response {
    let (parts, body) = resp.into_parts();
    let bytes = match body {
        lambda_http::Body::Empty => Vec::new(),
        lambda_http::Body::Text(t) => t.into_bytes(),
        lambda_http::Body::Binary(b) => b,
        _ => Vec::new(),
    };
    let mut out = axum::response::Response::new(axum::body::Body::from(bytes));
    *out.status_mut() = parts.status;
    *out.headers_mut() = parts.headers;
    cors(out)
}

/// What the HTTP API's CORS configuration adds in AWS.
fn cors(mut resp: axum::response::Response) -> axum::response::Response {
    let h = resp.headers_mut();
    let mut set = |k: &'static str, v: &'static str| {
        h.insert(HeaderName::from_static(k), HeaderValue::from_static(v));
    };
    set("access-control-allow-origin", "*");
    set(
        "access-control-allow-headers",
        "authorization,content-type,accept-language",
    );
    set("access-control-allow-methods", "GET,POST,PUT,OPTIONS");
    set("access-control-expose-headers", "retry-after");
    resp
}

#[tokio::main]
async fn main() {
    let port = port_from_args();
    let (app, backend) = build_app().await;
    let demo = devserver::seed_demo(&app)
        .await
        .expect("load the demo data");
    let services = Arc::new(Services::with_outbox(
        app,
        Arc::new(shared::sms::Outbox::new(true)),
    ));
    let router = axum::Router::new().fallback(proxy).with_state(services);
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .unwrap_or_else(|e| {
            eprintln!("cannot listen on 127.0.0.1:{port}: {e}");
            std::process::exit(1)
        });
    let addr = listener.local_addr().expect("bound address");
    println!("Learner account dev server on http://{addr} ({backend})");
    println!("Routes:");
    for r in devserver::ROUTES {
        println!(
            "  {:<6} {}{}",
            r.method,
            r.path,
            if r.dev_only {
                "   (dev server only)"
            } else {
                ""
            }
        );
    }
    println!(
        "Demo learner {}: account {} , initial password {}",
        devserver::DEMO_NAME,
        devserver::DEMO_ID_NUMBER,
        &devserver::DEMO_ID_NUMBER[12..]
    );
    println!(
        "Demo data (events/import-demo.json): {} learners created, {} achievements created",
        demo.learners_created, demo.achievements_created
    );
    println!("Try: curl -s http://{addr}/captcha   (the dev server adds devAnswer)");
    axum::serve(
        listener,
        router.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await
    .expect("serve");
}
