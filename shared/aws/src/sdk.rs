//! The AWS SDK configuration, loaded once per cold start and shared by every client a process
//! builds: region, credentials and `AWS_ENDPOINT_URL` from the environment, and the time budgets
//! of [`Budgets`] (connect, per-attempt and per-operation timeouts, the retry policy), and one
//! HTTPS client ([`https_client`]) that trusts the root certificates AWS endpoints chain to,
//! compiled into the binary from Mozilla's set, rather than the operating system's store.

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_smithy_http_client::tls::{self, rustls_provider::CryptoMode, TlsContext, TrustStore};
use aws_smithy_http_client::Builder;
use aws_smithy_runtime_api::client::http::SharedHttpClient;
use base64::Engine as _;
use domain::app::config::Budgets;

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

/// The HTTPS client of every SDK client a process builds: the SDK's own hyper/rustls client
/// (aws-lc-rs, the SDK's cipher suites, its connect and read timeouts from [`timeout_config`]),
/// with one difference: it trusts root certificates compiled into the binary instead of loading
/// the operating system's store. Which roots, `TLS_ROOTS` says:
///
/// - `aws` (the default): the roots of Mozilla's set that AWS endpoints chain to (see
///   [`AWS_ROOTS_PEM`]): Amazon Trust Services' Amazon Root CA 1–4 and Starfield Services Root
///   CA G2, and DigiCert's roots (the CA of endpoints that predate ATS);
/// - `mozilla`: all of Mozilla's set (`webpki-root-certs`), for an endpoint whose CA is neither
///   (≈ 2 ms more cold start: the SDK's trust-store API takes PEM and parses it per client);
/// - `native`: the operating system's store, as the SDK's default client does (≈ 5 ms more).
///
/// **Why.** The SDK's default client reads the native store when a client is built: on the
/// 2-core build machine, 144 certificates from 292 files, ≈ 5 ms of a cold start that a
/// hello-world function does in ≈ 3.6 ms (`scripts/bench.sh` measures it). The SDK's
/// trust-store API takes PEM and decodes it for every client it builds (twice at cold start:
/// DynamoDB and SNS), at ≈ 1 ms per 100 certificates: hence the short list.
///
/// **Why it stays correct when AWS rotates certificates.** AWS endpoints serve certificates of
/// Amazon Trust Services, which chain to Amazon Root CA 1–4 (cross-signed by Starfield Services
/// Root CA G2 for older clients): AWS recommends exactly these five for custom trust stores. A
/// new leaf or intermediate changes nothing here; a new root would be admitted to Mozilla's set
/// and cross-signed by the current ones years before AWS issued from it. The roots come from the
/// `webpki-root-certs` crate (Mozilla's set), chosen by name at build time (`build.rs`): the
/// rotation path is `cargo update -p webpki-root-certs` and a deploy, as the OS image's
/// `ca-certificates` package was before, and `TLS_ROOTS=mozilla` is the way out for an endpoint
/// served by another CA (a partition or service not checked here) without a rebuild. Plain-HTTP
/// endpoints (`AWS_ENDPOINT_URL=http://127.0.0.1:…`, the moto emulator of the tests) connect
/// without TLS as before.
pub fn https_client() -> SharedHttpClient {
    let trust = match std::env::var("TLS_ROOTS").as_deref() {
        Ok("native") => TrustStore::default(),
        Ok("mozilla") => TrustStore::empty().with_pem_certificate(mozilla_roots_pem()),
        _ => TrustStore::empty().with_pem_certificate(AWS_ROOTS_PEM),
    };
    let context = TlsContext::builder()
        .with_trust_store(trust)
        .build()
        .expect("a TLS context of PEM certificates always builds");
    Builder::new()
        .tls_provider(tls::Provider::Rustls(CryptoMode::AwsLc))
        .tls_context(context)
        .build_https()
}

/// The roots of Mozilla's set whose subject names one of `build.rs`'s `AWS_ROOT_NAMES`, as one
/// PEM bundle made at build time.
pub const AWS_ROOTS_PEM: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/aws-roots.pem"));

/// [`webpki_root_certs::TLS_SERVER_ROOT_CERTS`] as one PEM bundle (the form [`TrustStore`]
/// takes), made in memory (`TLS_ROOTS=mozilla` only).
fn mozilla_roots_pem() -> Vec<u8> {
    let b64 = base64::engine::general_purpose::STANDARD;
    let mut pem = Vec::with_capacity(256 * 1024);
    for cert in webpki_root_certs::TLS_SERVER_ROOT_CERTS {
        pem.extend_from_slice(b"-----BEGIN CERTIFICATE-----\n");
        for line in b64.encode(cert.as_ref()).as_bytes().chunks(64) {
            pem.extend_from_slice(line);
            pem.push(b'\n');
        }
        pem.extend_from_slice(b"-----END CERTIFICATE-----\n");
    }
    pem
}

pub async fn config(budgets: &Budgets) -> aws_config::SdkConfig {
    config_at(budgets, None).await
}

/// [`config`], with every client sent to `endpoint_url` instead of the environment's endpoint
/// (the fault-injection tests put a proxy there).
pub async fn config_at(budgets: &Budgets, endpoint_url: Option<&str>) -> aws_config::SdkConfig {
    if let Some(sdk) = from_lambda_environment(budgets, endpoint_url) {
        return sdk;
    }
    let mut loader = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .timeout_config(timeout_config(budgets))
        .retry_config(retry_config(budgets))
        .http_client(https_client());
    if let Some(url) = endpoint_url {
        loader = loader.endpoint_url(url);
    }
    loader.load().await
}

/// The configuration Lambda's environment gives, read directly: `AWS_REGION`, the execution
/// role's credentials in `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY` / `AWS_SESSION_TOKEN`, and
/// `AWS_ENDPOINT_URL` (emulators). `None` unless region and key are both set: then
/// `aws_config`'s default chains (profiles, SSO, web identity, container and instance metadata)
/// find them instead. Building those chains is about half of a cold start's SDK setup, and in
/// Lambda they would only ever reach the environment variables (measured with `perf-bench
/// init-steps`, docs/operating.md "Performance").
fn from_lambda_environment(
    budgets: &Budgets,
    endpoint_url: Option<&str>,
) -> Option<aws_config::SdkConfig> {
    use aws_credential_types::provider::SharedCredentialsProvider;
    let var = |name| std::env::var(name).ok().filter(|v: &String| !v.is_empty());
    let region = var("AWS_REGION").or_else(|| var("AWS_DEFAULT_REGION"))?;
    var("AWS_ACCESS_KEY_ID")?;
    var("AWS_SECRET_ACCESS_KEY")?;
    let mut builder = aws_config::SdkConfig::builder()
        .behavior_version(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new(region))
        .credentials_provider(SharedCredentialsProvider::new(
            aws_config::environment::EnvironmentVariableCredentialsProvider::new(),
        ))
        .sleep_impl(aws_smithy_async::rt::sleep::SharedAsyncSleep::new(
            aws_smithy_async::rt::sleep::TokioSleep::new(),
        ))
        .time_source(aws_smithy_async::time::SharedTimeSource::default())
        .timeout_config(timeout_config(budgets))
        .retry_config(retry_config(budgets))
        .http_client(https_client());
    if let Some(url) = endpoint_url
        .map(str::to_owned)
        .or_else(|| var("AWS_ENDPOINT_URL"))
    {
        builder = builder.endpoint_url(url);
    }
    Some(builder.build())
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
        assert!(sdk.http_client().is_some(), "the compiled-in-roots client");
    }

    #[test]
    fn every_mozilla_root_goes_into_the_pem_bundle_and_parses_back() {
        use rustls_pki_types::pem::PemObject;
        let pem = mozilla_roots_pem();
        let back: Vec<_> = rustls_pki_types::CertificateDer::pem_slice_iter(&pem)
            .collect::<Result<_, _>>()
            .expect("valid PEM");
        assert_eq!(back.len(), webpki_root_certs::TLS_SERVER_ROOT_CERTS.len());
        assert!(back.len() > 100);
        assert!(back
            .iter()
            .zip(webpki_root_certs::TLS_SERVER_ROOT_CERTS)
            .all(|(a, b)| a.as_ref() == b.as_ref()));
    }

    #[test]
    fn the_aws_roots_are_the_five_of_amazon_trust_services_and_digicerts_from_mozillas_set() {
        use rustls_pki_types::pem::PemObject;
        let aws: Vec<_> = rustls_pki_types::CertificateDer::pem_slice_iter(AWS_ROOTS_PEM)
            .collect::<Result<_, _>>()
            .expect("valid PEM");
        assert_eq!(aws.len().to_string(), env!("AWS_ROOTS_COUNT"));
        for name in [
            "Amazon Root CA 1",
            "Amazon Root CA 2",
            "Amazon Root CA 3",
            "Amazon Root CA 4",
            "Starfield Services Root Certificate Authority - G2",
        ] {
            let named = |c: &rustls_pki_types::CertificateDer| {
                c.as_ref().windows(name.len()).any(|w| w == name.as_bytes())
            };
            assert_eq!(aws.iter().filter(|c| named(c)).count(), 1, "{name}");
        }
        // Each is one of Mozilla's, byte for byte, and the list stays short (cold start).
        for c in &aws {
            assert!(webpki_root_certs::TLS_SERVER_ROOT_CERTS.contains(c));
        }
        assert!(aws.len() <= 16, "{} roots", aws.len());
    }
}
