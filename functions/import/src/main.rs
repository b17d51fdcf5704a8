use lambda_http::lambda_runtime::{run, service_fn, Error, LambdaEvent};

#[tokio::main]
async fn main() -> Result<(), Error> {
    http_edge::logging::init();
    // Built once per cold start, shared by every invocation; a longer time budget than the HTTP
    // functions' (it writes many transactions at once).
    let config = domain::app::config::Config::import_from_env(fn_import::KEYS);
    let app = http_edge::lambda::init_app(config).await?;
    run(service_fn(|event: LambdaEvent<serde_json::Value>| {
        let app = &app;
        async move { fn_import::handle(app, event.payload).await }
    }))
    .await
}
