//! The pepper of the keyed hashes, read once per cold start from AWS Secrets Manager
//! (`GetSecretValue` on the secret `PEPPER_SECRET_ARN` names; the stack encrypts it with its own
//! KMS key). Only the keys the function's purposes name are kept; the value itself is held in a
//! zeroised buffer while the keys are derived, and never logged or put in an error.

use aws_sdk_secretsmanager::error::{ProvideErrorMetadata, SdkError};
use domain::app::config::PepperSecret;
use domain::security::crypto::{Keys, MIN_PEPPER_BYTES};
use secrecy::{ExposeSecret, SecretString};
use std::time::{Duration, Instant};

/// Why the pepper could not be had: a function fails its init with this (its message names the
/// secret, never its value).
#[derive(Debug, thiserror::Error)]
pub enum PepperError {
    #[error("the pepper secret {arn} could not be read: {cause}")]
    Unreadable { arn: String, cause: String },
    #[error("the pepper secret {arn} could not be read: no answer within {budget:?}")]
    TimedOut { arn: String, budget: Duration },
    #[error("the pepper secret {arn} is unusable: {what}")]
    Unusable { arn: String, what: String },
}

/// The keys `secret.purposes` names, from the secret's value, within `budget` (the SDK's own
/// per-attempt and per-call timeouts and retries apply inside it); and how long the call itself
/// took (from sending the request to its answer, the client's construction apart).
pub async fn read_keys(
    sdk: &aws_config::SdkConfig,
    secret: &PepperSecret,
    budget: Duration,
) -> Result<(Keys, Duration), PepperError> {
    let arn = || secret.arn.clone();
    let client = aws_sdk_secretsmanager::Client::new(sdk);
    let started = Instant::now();
    let call = client.get_secret_value().secret_id(&secret.arn).send();
    let out = match tokio::time::timeout(budget, call).await {
        Err(_) => return Err(PepperError::TimedOut { arn: arn(), budget }),
        Ok(Err(e)) => {
            return Err(PepperError::Unreadable {
                arn: arn(),
                cause: cause(&e),
            })
        }
        Ok(Ok(out)) => out,
    };
    let took = started.elapsed();
    let Some(value) = out.secret_string.map(SecretString::from) else {
        return Err(PepperError::Unusable {
            arn: arn(),
            what: "it has no SecretString (a binary secret?)".into(),
        });
    };
    let keys = Keys::derive(
        value.expose_secret().as_bytes(),
        secret.purposes,
        secret.epoch,
    )
    .map_err(|_| PepperError::Unusable {
        arn: arn(),
        what: format!("its value is shorter than {MIN_PEPPER_BYTES} bytes"),
    })?;
    Ok((keys, took))
}

/// What went wrong, from the error's code and message or its chain of causes, never from a
/// response body (the one of a response the SDK could not read would be the secret).
fn cause<E, R>(e: &SdkError<E, R>) -> String
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    match e {
        SdkError::ServiceError(service) => {
            let err = service.err();
            format!(
                "{}: {}",
                err.code().unwrap_or("service error"),
                err.message().unwrap_or("(no message)")
            )
        }
        SdkError::ResponseError(_) => "the response could not be read".into(),
        _ => {
            let mut text = e.to_string();
            let mut source = std::error::Error::source(e);
            while let Some(s) = source {
                text.push_str(": ");
                text.push_str(&s.to_string());
                source = s.source();
            }
            text
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_secretsmanager::operation::get_secret_value::GetSecretValueError;
    use aws_smithy_runtime_api::http::{Response, StatusCode};
    use aws_smithy_types::body::SdkBody;

    fn raw(body: &'static str) -> Response {
        Response::new(StatusCode::try_from(200).unwrap(), SdkBody::from(body))
    }

    #[test]
    fn a_cause_never_shows_a_response_body() {
        let body = r#"{"SecretString":"the-pepper-itself-0123456789abcdef"}"#;
        let unreadable: SdkError<GetSecretValueError, Response> =
            SdkError::response_error("bad JSON", raw(body));
        assert_eq!(cause(&unreadable), "the response could not be read");
        let refused: SdkError<GetSecretValueError, Response> =
            SdkError::service_error(GetSecretValueError::unhandled("AccessDenied"), raw(body));
        let text = cause(&refused);
        assert!(!text.contains("the-pepper-itself"), "{text}");
        let timed_out: SdkError<GetSecretValueError, Response> =
            SdkError::timeout_error("operation timeout after 2s");
        assert_eq!(
            cause(&timed_out),
            "request has timed out: operation timeout after 2s"
        );
    }
}
