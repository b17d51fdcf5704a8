//! The AWS SDK configuration, loaded once per cold start and shared by every client a process
//! builds: region, credentials and `AWS_ENDPOINT_URL` from the environment, and the time budgets
//! of [`Budgets`] (connect, per-attempt and per-operation timeouts, the retry policy), and one
//! HTTPS client ([`https_client`]) that trusts Mozilla's root certificates compiled into the
//! binary rather than the operating system's certificate store.

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_smithy_http_client::tls::{self, rustls_provider::CryptoMode, TlsContext, TrustStore};
use aws_smithy_http_client::Builder;
use aws_smithy_runtime_api::client::http::SharedHttpClient;
use base64::Engine as _;
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

/// The HTTPS client of every SDK client a process builds: the SDK's own hyper/rustls client
/// (aws-lc-rs, the SDK's cipher suites, its connect and read timeouts from [`timeout_config`]),
/// with one difference: it trusts [Mozilla's root certificates][webpki_root_certs], compiled into
/// the binary, instead of loading the operating system's store.
///
/// **Why.** The SDK's default client reads the native store when a client is built: on this
/// machine 144 certificates from 292 files, ≈ 5 ms of a cold start that a hello-world function
/// does in ≈ 3.6 ms (issue 11; `scripts/bench.sh` measures it). Here the roots are a constant
/// in the binary: nothing is read from disk, and the PEM the SDK's trust-store API takes is made
/// from them in memory (≈ 120 certificates, 0.2 MB).
///
/// **Why it stays correct when AWS rotates certificates.** AWS endpoints serve certificates of
/// Amazon Trust Services, which chain to Amazon Root CA 1–4 and are cross-signed by Starfield
/// Services Root CA G2 for older clients; all five are in Mozilla's set, as are the public CAs
/// any other AWS partition uses (the China regions' `amazonaws.com.cn` endpoints among them). A
/// rotation of an endpoint's certificate or intermediate changes nothing here; only a new
/// root would, and Mozilla admits roots years before CAs issue from them. The set is updated
/// with the `webpki-root-certs` crate (`cargo update -p webpki-root-certs`, then a deploy): that
/// is the rotation path, as the OS image's `ca-certificates` package was before. Plain-HTTP
/// endpoints (`AWS_ENDPOINT_URL=http://127.0.0.1:…`, the moto emulator of the tests) connect
/// without TLS as before.
pub fn https_client() -> SharedHttpClient {
    let trust = TrustStore::empty()
        .with_native_roots(false)
        .with_pem_certificate(mozilla_roots_pem());
    let context = TlsContext::builder()
        .with_trust_store(trust)
        .build()
        .expect("a TLS context of PEM certificates always builds");
    Builder::new()
        .tls_provider(tls::Provider::Rustls(CryptoMode::AwsLc))
        .tls_context(context)
        .build_https()
}

/// [`webpki_root_certs::TLS_SERVER_ROOT_CERTS`] as one PEM bundle (the form [`TrustStore`]
/// takes), made in memory.
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
    let mut loader = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .timeout_config(timeout_config(budgets))
        .retry_config(retry_config(budgets))
        .http_client(https_client());
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
}
