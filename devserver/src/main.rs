//! `cargo run -p devserver [-- --port 3000]`: the whole API on 127.0.0.1 with an embedded store,
//! or DynamoDB when `TABLE_NAME` and `AWS_ENDPOINT_URL` are set.

use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderName, HeaderValue};
use devserver::{dispatch, lambda_request, DevServer, HttpRequest};
use domain::config::Config;
use std::net::SocketAddr;
use std::sync::Arc;

/// Large enough for an import event (Lambda's synchronous limit is 6 MB).
const MAX_BODY: usize = 6 * 1024 * 1024;

const HELP: &str = "usage: devserver [--port N]   (default 3000; binds 127.0.0.1)

Environment: RUST_LOG (log level, default info); TABLE_NAME with AWS_ENDPOINT_URL (use that
DynamoDB table, created if missing); ID_PEPPER, SMS_SIGNATURE, SMS_TEMPLATE as in the functions.";

struct Args {
    port: u16,
}

fn args() -> Args {
    let mut args = pico_args::Arguments::from_env();
    if args.contains(["-h", "--help"]) {
        println!("{HELP}");
        std::process::exit(0);
    }
    let parsed = (|| {
        let port = args.opt_value_from_str(["-p", "--port"])?.unwrap_or(3000);
        let rest = args.finish();
        if !rest.is_empty() {
            return Err(pico_args::Error::ArgumentParsingFailed {
                cause: format!("unknown argument {:?}", rest[0]),
            });
        }
        Ok(Args { port })
    })();
    parsed.unwrap_or_else(|e: pico_args::Error| {
        eprintln!("{e}; try --help");
        std::process::exit(2)
    })
}

async fn proxy(
    State(dev): State<Arc<DevServer>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    req: axum::extract::Request,
) -> axum::response::Response {
    let (parts, body) = req.into_parts();
    let lang = http_edge::request::lang_of(&parts.headers);
    let Ok(bytes) = axum::body::to_bytes(body, MAX_BODY).await else {
        return to_axum(http_edge::error_response(
            &http_edge::ApiError::PayloadTooLarge,
            lang,
        ));
    };
    if parts.method == axum::http::Method::OPTIONS {
        return cors(axum::response::Response::new(axum::body::Body::empty()));
    }
    let request = lambda_request(HttpRequest {
        method: parts.method,
        uri: parts.uri,
        headers: parts.headers,
        body: bytes.to_vec(),
        source_ip: peer.ip().to_string(),
    });
    let resp = match request {
        Ok(request) => dispatch(&dev, request).await,
        Err(e) => http_edge::error_response(&e, lang),
    };
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
    let args = args();
    http_edge::logging::init();
    let config = Config::dev_server(|k| std::env::var(k).ok()).unwrap_or_else(|e| {
        eprintln!("{e}");
        std::process::exit(2)
    });
    let built = aws_infra::wiring::build(&config).await;
    let backend = match &built.dynamo {
        Some(store) => {
            store
                .ensure_table()
                .await
                .expect("create or find the DynamoDB table");
            "DynamoDB (AWS_ENDPOINT_URL)"
        }
        None => "embedded in-memory store",
    };
    let demo = devserver::seed_demo(&built.app)
        .await
        .expect("load the demo data");
    let dev = Arc::new(DevServer {
        app: Arc::new(built.app),
        outbox: built.outbox,
    });
    let router = axum::Router::new().fallback(proxy).with_state(dev);
    let port = args.port;
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .unwrap_or_else(|e| {
            eprintln!("cannot listen on 127.0.0.1:{port}: {e}");
            std::process::exit(1)
        });
    let addr = listener.local_addr().expect("bound address");
    println!("Learner account dev server on http://{addr} ({backend})");
    println!("Routes:");
    for r in devserver::api_routes() {
        println!("  {:<6} {}", r.method, r.path);
    }
    for r in devserver::DEV_ROUTES {
        println!("  {:<6} {}   (dev server only)", r.method, r.path);
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
