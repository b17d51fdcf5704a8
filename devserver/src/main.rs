//! `cargo run -p devserver [-- --port 3000]`: the whole API on 127.0.0.1 with an embedded store,
//! or DynamoDB when `TABLE_NAME` and `AWS_ENDPOINT_URL` are set, and the web client of `web/`
//! beside it (`--help` lists the flags).

use axum::extract::{ConnectInfo, State};
use devserver::{dispatch, lambda_request, DevServer, HttpRequest};
use domain::app::config::Config;
use std::net::SocketAddr;
use std::sync::Arc;

mod web;

/// Large enough for an import event (Lambda's synchronous limit is 6 MB).
const MAX_BODY: usize = 6 * 1024 * 1024;

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
                     (created if missing)
  AWS_ENDPOINT_URL   also: staff tokens come from that emulator's Cognito (moto), a user
                     pool created at start unless USER_POOL_ID and USER_POOL_CLIENT_ID
                     name one; without it, from the embedded dev issuer (a key made at
                     start)
  ID_PEPPER          the keyed-hash secret (a fixed development value by default)
  SMS_SIGNATURE, SMS_TEMPLATE    the SMS wording, as in the functions
  RUST_LOG           log level (default info); logs are JSON lines, as in the functions

Dev-only routes (besides devAnswer in GET /captcha):
  GET  /_dev/sms?mobile=N        the SMS outbox's messages to N
  POST /_dev/import              an import event as the body, through the import function
  POST /_dev/institution-token   {\"institution\": CODE, \"role\": \"REVIEWER\" or \"PLATFORM\"}
                     -> {\"token\"}: a staff ID token; /institution/* and /platform/* take
                     it as Authorization: Bearer, checked as API Gateway's JWT authorizer
                     checks it (401 otherwise)
  POST /_dev/files               an upload form of the embedded file store (multipart/form-data)
  GET  /_dev/files?key&expires&signature   a file by its signed read URL
  (the embedded file store's routes answer 404 when UPLOAD_BUCKET puts files in S3)

Only 127.0.0.1 is ever bound.";

struct Args {
    port: u16,
    client_port: Option<u16>,
    web_dir: std::path::PathBuf,
}

fn args() -> Args {
    let mut args = pico_args::Arguments::from_env();
    if args.contains(["-h", "--help"]) {
        println!("{HELP}");
        std::process::exit(0);
    }
    let parsed = (|| {
        let port = args.opt_value_from_str(["-p", "--port"])?.unwrap_or(3000);
        let client_port = args.opt_value_from_str("--client-port")?;
        let web_dir = args
            .opt_value_from_os_str("--web-dir", |s| {
                Ok::<_, std::convert::Infallible>(std::path::PathBuf::from(s))
            })?
            .unwrap_or_else(web::default_web_dir);
        let rest = args.finish();
        if let Some(first) = rest.first() {
            return Err(pico_args::Error::ArgumentParsingFailed {
                cause: format!("unknown argument {first:?}"),
            });
        }
        Ok(Args {
            port,
            client_port,
            web_dir,
        })
    })();
    parsed.unwrap_or_else(|e: pico_args::Error| {
        eprintln!("{e}; try --help");
        std::process::exit(2)
    })
}

/// What the API port's handler needs.
struct Server {
    dev: Arc<DevServer>,
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
    let is_api = devserver::api_routes().any(|r| http_edge::route::matches(r.path, path).is_some())
        || devserver::DEV_ROUTES.iter().any(|r| r.path == path);
    if !is_api {
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
        api(&server.dev, parts.clone(), body, peer).await
    };
    server.cors.apply(&parts.headers, preflight, &mut resp);
    resp
}

async fn api(
    dev: &Arc<DevServer>,
    parts: axum::http::request::Parts,
    body: axum::body::Body,
    peer: SocketAddr,
) -> axum::response::Response {
    let lang = http_edge::request::lang_of(&parts.headers);
    let Ok(bytes) = axum::body::to_bytes(body, MAX_BODY).await else {
        return to_axum(http_edge::error_response(
            &http_edge::ApiError::PayloadTooLarge,
            lang,
        ));
    };
    let request = lambda_request(HttpRequest {
        method: parts.method,
        uri: parts.uri,
        headers: parts.headers,
        body: bytes.to_vec(),
        source_ip: peer.ip().to_string(),
    });
    let resp = match request {
        Ok(request) => dispatch(dev, request).await,
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
    http_edge::logging::init();
    let config = Config::dev_server(|k| std::env::var(k).ok()).unwrap_or_else(|e| {
        eprintln!("{e}");
        std::process::exit(2)
    });
    let (dev, backend, demo) = start_app(&config).await;
    let listener = bind(args.port).await;
    let addr = listener.local_addr().expect("bound address");
    let client = match args.client_port {
        Some(port) => Some(serve_client_only(port, &args.web_dir, addr).await),
        None => None,
    };
    let cors = web::Cors::new(
        &std::env::var("ALLOWED_ORIGINS").unwrap_or_default(),
        client.map(|a| format!("http://{a}")),
    );
    let server = Arc::new(Server {
        dev,
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
    print_banner(&args, &server, addr, client, &demo);
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

/// The service wired from `config` (DynamoDB when configured: the table is created if missing),
/// with the demo data loaded; and the backend's name.
async fn start_app(config: &Config) -> (Arc<DevServer>, &'static str, fn_import::ImportResponse) {
    let built = aws_infra::wiring::build(config)
        .await
        .expect("the dev server's keys are made, not read from a secret");
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
    if let Some(s3) = &built.s3 {
        s3.ensure_bucket()
            .await
            .expect("create or find the evidence bucket (UPLOAD_BUCKET)");
    }
    let demo = devserver::seed_demo(&built.app)
        .await
        .expect("load the demo data");
    let authorizer = devserver::authorizer::Authorizer::from_env(&config.budgets)
        .await
        .unwrap_or_else(|e| {
            eprintln!("the staff token issuer: {}", domain::error::chain(&e));
            std::process::exit(1)
        });
    let dev = Arc::new(DevServer {
        app: Arc::new(built.app),
        outbox: built.outbox,
        files: built.files,
        authorizer: Arc::new(authorizer),
    });
    (dev, backend, demo)
}

/// Serves the web client alone on `port`, its `config.json` pointing at the API on `api`.
async fn serve_client_only(port: u16, dir: &std::path::Path, api: SocketAddr) -> SocketAddr {
    let listener = bind(port).await;
    let client_addr = listener.local_addr().expect("bound address");
    let web = Arc::new(web::WebClient {
        dir: dir.to_path_buf(),
        api_base: format!("http://{api}"),
    });
    let router = axum::Router::new().fallback(client_only).with_state(web);
    tokio::spawn(async move {
        axum::serve(listener, router)
            .await
            .expect("serve the web client")
    });
    client_addr
}

/// What the dev server tells whoever started it: where the client is, CORS, the routes, the
/// demo learner, the public conversion rules, 问题反馈 and the staff tokens (a school's reviewer,
/// the credit bank's platform staff).
fn print_banner(
    args: &Args,
    server: &Server,
    addr: SocketAddr,
    client: Option<SocketAddr>,
    demo: &fn_import::ImportResponse,
) {
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
    println!(
        "School review page: http://{addr}/institution.html   (dev sign-in: DEMO-SCHOOL, REVIEWER)"
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
    println!(
        "Conversion rules (查看转换规则, anyone, no token): curl -s 'http://{addr}/conversion-rules?pageSize=20'"
    );
    println!(
        "  成果转换: the learner's /achievements/{{id}}/conversion-rules and /conversions; the school's \
         /institution/conversion-rules and /institution/conversions (README: \"A conversion, by hand\")"
    );
    println!(
        "问题反馈: the learner's /feedback (file, list, read, follow up, close); the school's \
         /institution/feedback (inbox, reply, forward); the credit bank's /platform/feedback \
         (forwarded questions, reply) (README: \"A question, by hand\")"
    );
    println!("Staff tokens: {}", server.dev.authorizer.describe());
    println!(
        "  curl -s http://{addr}/_dev/institution-token -H 'content-type: application/json' \\"
    );
    println!(r#"    -d '{{"institution":"DEMO-SCHOOL","role":"REVIEWER"}}'"#);
    println!(
        r#"  or -d '{{"institution":"NCB","role":"PLATFORM"}}' for the credit bank's staff (/platform/*)"#
    );
    println!("  then Authorization: Bearer <token> on /institution/* and /platform/*");
}
