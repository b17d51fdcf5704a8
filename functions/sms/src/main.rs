use fn_sms::{sns::SnsSender, SmsState};
use lambda_http::{run, service_fn, Error};
use shared::config::Config;
use shared::verification::SmsService;
use shared::App;
use std::sync::Arc;

#[tokio::main]
async fn main() -> Result<(), Error> {
    shared::logging::init();
    // Built once per cold start, shared by every invocation.
    let config = Config::from_env()?;
    let sdk = shared::app::aws_sdk_config().await;
    let sender = SnsSender::new(aws_sdk_sns::Client::new(&sdk), config.sms.sender_id.clone());
    let state = SmsState {
        app: App::from_config(&config, &sdk),
        sms: SmsService {
            sender: Arc::new(sender),
            config: config.sms.clone(),
        },
    };
    run(service_fn(|req| async {
        Ok::<_, Error>(fn_sms::handle(&state, req).await)
    }))
    .await
}
