//! The AWS SDK configuration, loaded once per cold start and shared by every client a process
//! builds: region, credentials and `AWS_ENDPOINT_URL` from the environment, and the time budgets
//! of [`Budgets`] (connect, per-attempt and per-operation timeouts, the retry policy).

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use domain::config::Budgets;

/// The SDK's timeouts for `budgets`. Without them the SDK has only a 3.1 s connect timeout: a
/// dependency that accepts the connection and then stalls would hold the request forever.
pub fn timeout_config(budgets: &Budgets) -> TimeoutConfig {
    TimeoutConfig::builder()
        .connect_timeout(budgets.connect)
        .read_timeout(budgets.attempt)
        .operation_attempt_timeout(budgets.attempt)
        .operation_timeout(budgets.operation)
        .build()
}

/// The SDK's retry policy for `budgets`: standard mode (throttling, transient errors and timeouts
/// are retried with exponential back-off and jitter, within the operation timeout).
pub fn retry_config(budgets: &Budgets) -> RetryConfig {
    RetryConfig::standard()
        .with_max_attempts(budgets.max_attempts.max(1))
        .with_initial_backoff(budgets.initial_backoff)
        .with_max_backoff(budgets.max_backoff)
}

pub async fn config(budgets: &Budgets) -> aws_config::SdkConfig {
    config_at(budgets, None).await
}

/// [`config`], with every client sent to `endpoint_url` instead of the environment's endpoint
/// (the fault-injection tests put a proxy there).
pub async fn config_at(budgets: &Budgets, endpoint_url: Option<&str>) -> aws_config::SdkConfig {
    let mut loader = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .timeout_config(timeout_config(budgets))
        .retry_config(retry_config(budgets));
    if let Some(url) = endpoint_url {
        loader = loader.endpoint_url(url);
    }
    loader.load().await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_loaded_configuration_carries_every_budget() {
        let sdk = config(&Budgets::HTTP).await;
        let t = sdk.timeout_config().expect("timeouts set");
        assert_eq!(t.connect_timeout(), Some(Budgets::HTTP.connect));
        assert_eq!(t.read_timeout(), Some(Budgets::HTTP.attempt));
        assert_eq!(t.operation_attempt_timeout(), Some(Budgets::HTTP.attempt));
        assert_eq!(t.operation_timeout(), Some(Budgets::HTTP.operation));
        let r = sdk.retry_config().expect("retries set");
        assert_eq!(r.max_attempts(), Budgets::HTTP.max_attempts);
    }
}
