//! `cargo run -p devserver [-- --port 3000]`: the whole API on 127.0.0.1 with an embedded store,
//! or DynamoDB when `TABLE_NAME` and `AWS_ENDPOINT_URL` are set, and the web client of `web/`
//! beside it (`--help` lists the flags).

use axum::extract::{ConnectInfo, State};
use devserver::{dispatch, lambda_request, HttpRequest, Services};
use shared::config::Keys;
use shared::App;
use std::net::SocketAddr;
use std::sync::Arc;

mod web;

/// Large enough for an import event (Lambda's synchronous limit is 6 MB).
const MAX_BODY: usize = 6 * 1024 * 1024;
const DEV_PEPPER: &str = "dev-server-pepper-not-a-secret-0123456789";

const HELP: &str = "\
usage: devserver [--port N] [--client-port N] [--web-dir DIR]

  --port N, -p N     the API and the web client on http://127.0.0.1:N (default 3000)
  --client-port N    also serve the web client alone (static files only) on
                     http://127.0.0.1:N; its config.json points at the API port, and
                     that origin is allowed by CORS on the API port (0: any free port)
  --web-dir DIR      the web client's files (default: the repository's web/)
  --help, -h         this text

Environment:
  ALLOWED_ORIGINS    comma-separated origins allowed to call the API from a browser
                     (CORS, as the stack's AllowedOrigins parameter); an allowed Origin
                     is echoed with Vary: Origin, others get no CORS headers
  TABLE_NAME, AWS_ENDPOINT_URL   use this DynamoDB table instead of the in-memory store
  ID_PEPPER          the keyed-hash secret (a fixed development value by default)

Only 127.0.0.1 is ever bound.";

struct Args {
    port: u16,
    client_port: Option<u16>,
    web_dir: std::path::PathBuf,
}

fn args() -> Args {
    let args: Vec<String> = std::env::args().collect();
    let mut out = Args {
        port: 3000,
        client_port: None,
        web_dir: web::default_web_dir(),
    };
    let mut i = 1;
    while i < args.len() {
        let value = |name: &str| {
            args.get(i + 1).cloned().unwrap_or_else(|| {
                eprintln!("{name} needs a value; try --help");
                std::process::exit(2)
            })
        };
        let port = |name: &str| {
            value(name).parse::<u16>().unwrap_or_else(|_| {
                eprintln!("{name} takes a number from 0 to 65535");
                std::process::exit(2)
            })
        };
        match args[i].as_str() {
            "--port" | "-p" => out.port = port("--port"),
            "--client-port" => out.client_port = Some(port("--client-port")),
            "--web-dir" => out.web_dir = value("--web-dir").into(),
            "--help" | "-h" => {
                println!("{HELP}");
                std::process::exit(0)
            }
            other => {
                eprintln!("unknown argument {other}; try --help");
                std::process::exit(2)
            }
        }
        i += 2;
    }
    out
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

/// What the API port's handler needs.
struct Server {
    services: Arc<Services>,
    cors: web::Cors,
    web: web::WebClient,
}

async fn proxy(
    State(server): State<Arc<Server>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    req: axum::extract::Request,
) -> axum::response::Response {
    let (parts, body) = req.into_parts();
    let path = parts.uri.path();
    // API routes first; then the web client's files; anything else is the API's 404 or 405.
    if !devserver::ROUTES.iter().any(|r| r.path == path) {
        if let Some(resp) = server.web.serve(&parts.method, path).await {
            return resp;
        }
    }
    let preflight = parts.method == axum::http::Method::OPTIONS;
    let mut resp = if preflight {
        // API Gateway answers preflights itself, whatever the path.
        let mut resp = axum::response::Response::new(axum::body::Body::empty());
        *resp.status_mut() = axum::http::StatusCode::NO_CONTENT;
        resp
    } else {
        api(&server.services, &parts, body, peer).await
    };
    server.cors.apply(&parts.headers, preflight, &mut resp);
    resp
}

async fn api(
    services: &Arc<Services>,
    parts: &axum::http::request::Parts,
    body: axum::body::Body,
    peer: SocketAddr,
) -> axum::response::Response {
    let Ok(bytes) = axum::body::to_bytes(body, MAX_BODY).await else {
        let err = shared::AppError::PayloadTooLarge;
        return to_axum(shared::http::error_response(&err, Default::default()));
    };
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
    let resp = dispatch(services, request).await;
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
    out
}

/// The client-only port: the web client's files and nothing else.
async fn client_only(
    State(client): State<Arc<web::WebClient>>,
    req: axum::extract::Request,
) -> axum::response::Response {
    client
        .serve(req.method(), req.uri().path())
        .await
        .unwrap_or_else(web::not_found)
}

async fn bind(port: u16) -> tokio::net::TcpListener {
    tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .unwrap_or_else(|e| {
            eprintln!("cannot listen on 127.0.0.1:{port}: {e}");
            std::process::exit(1)
        })
}

#[tokio::main]
async fn main() {
    let args = args();
    let (app, backend) = build_app().await;
    let demo = devserver::seed_demo(&app)
        .await
        .expect("load the demo data");
    let services = Arc::new(Services::with_outbox(
        app,
        Arc::new(shared::sms::Outbox::new(true)),
    ));
    let listener = bind(args.port).await;
    let addr = listener.local_addr().expect("bound address");
    let client = match args.client_port {
        Some(port) => {
            let listener = bind(port).await;
            let client_addr = listener.local_addr().expect("bound address");
            let web = Arc::new(web::WebClient {
                dir: args.web_dir.clone(),
                api_base: format!("http://{addr}"),
            });
            let router = axum::Router::new().fallback(client_only).with_state(web);
            tokio::spawn(async move {
                axum::serve(listener, router)
                    .await
                    .expect("serve the web client")
            });
            Some(client_addr)
        }
        None => None,
    };
    let cors = web::Cors::new(
        &std::env::var("ALLOWED_ORIGINS").unwrap_or_default(),
        client.map(|a| format!("http://{a}")),
    );
    let server = Arc::new(Server {
        services,
        cors,
        web: web::WebClient {
            dir: args.web_dir.clone(),
            api_base: String::new(),
        },
    });
    let router = axum::Router::new()
        .fallback(proxy)
        .with_state(server.clone());
    println!("Learner account dev server on http://{addr} ({backend})");
    if !args.web_dir.join("index.html").is_file() {
        eprintln!(
            "warning: no index.html in {}: the web client is not served (--web-dir DIR)",
            args.web_dir.display()
        );
    }
    println!(
        "Web client: http://{addr}/   (files from {})",
        args.web_dir.display()
    );
    if let Some(client) = client {
        println!(
            "Web client alone: http://{client}/   (calls the API on http://{addr} cross-origin)"
        );
    }
    match server.cors.origins() {
        [] => println!("CORS: no browser origin allowed (set ALLOWED_ORIGINS)"),
        origins => println!("CORS: allowed origins {}", origins.join(", ")),
    }
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
