//! The AWS SDK configuration, loaded once per cold start and shared by every client a process
//! builds: region, credentials and `AWS_ENDPOINT_URL` from the environment.

pub async fn config() -> aws_config::SdkConfig {
    aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await
}
