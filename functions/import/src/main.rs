use lambda_http::lambda_runtime::{run, service_fn, Error, LambdaEvent};
use shared::{config::Config, App};

#[tokio::main]
async fn main() -> Result<(), Error> {
    shared::logging::init();
    // Built once per cold start, shared by every invocation.
    let config = Config::from_env()?;
    let sdk = shared::app::aws_sdk_config().await;
    let app = App::from_config(&config, &sdk);
    run(service_fn(|event: LambdaEvent<serde_json::Value>| async {
        fn_import::handle(&app, event.payload)
            .await
            .map_err(Error::from)
    }))
    .await
}
