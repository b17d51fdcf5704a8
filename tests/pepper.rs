//! The pepper from AWS Secrets Manager (on moto: a KMS key and a secret encrypted with it): the
//! wiring reads it once and the app hashes exactly as with the pepper given directly; a secret
//! that cannot be read (missing, stalled or refused endpoint, unusable value) fails the init
//! within its budget, with an error and a log line that name the secret and never its value.

use aws_infra::secret::PepperError;
use domain::app::config::{Budgets, Config, KeySource, PepperSecret};
use domain::security::crypto::{Keys, Purposes, FIRST_EPOCH};
use integration_tests::*;
use std::time::{Duration, Instant};

/// A KMS key and a secret encrypted with it holding `value`, on the emulator: (key ARN, secret
/// ARN); `None` when the emulator half is skipped.
async fn secret_on_moto(value: &str) -> Option<(String, String)> {
    if !emulator_up() {
        return None;
    }
    let sdk = aws_infra::sdk::config(&EMULATOR_BUDGETS).await;
    let key = aws_sdk_kms::Client::new(&sdk)
        .create_key()
        .description("the pepper's key (tests/pepper.rs)")
        .send()
        .await
        .expect("CreateKey on moto")
        .key_metadata
        .expect("key metadata")
        .arn
        .expect("key ARN");
    let arn = aws_sdk_secretsmanager::Client::new(&sdk)
        .create_secret()
        .name(format!("pepper-{}", fresh_table_name()))
        .kms_key_id(&key)
        .secret_string(value)
        .send()
        .await
        .expect("CreateSecret on moto")
        .arn
        .expect("secret ARN");
    Some((key, arn))
}

/// An in-memory app whose keys are those of `purposes` from the secret `arn`.
fn from_secret(arn: &str, purposes: Purposes) -> Config {
    let mut config = Config::in_memory(Keys::none());
    config.budgets = EMULATOR_BUDGETS;
    config.keys = KeySource::Secret(PepperSecret {
        arn: arn.into(),
        purposes,
        epoch: FIRST_EPOCH,
    });
    config
}

/// What `init_app` logs for `config` (JSON lines on this thread), and its outcome.
async fn init_logged(config: Config) -> (Result<domain::App, String>, String) {
    let capture = LogCapture::default();
    let writer = capture.clone();
    let subscriber = tracing_subscriber::fmt()
        .json()
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let app = http_edge::lambda::init_app(Ok(config))
        .await
        .map_err(|e| format!("{e} / {e:?}"));
    (app, capture.text())
}

#[tokio::test]
async fn the_app_from_the_secret_hashes_as_with_the_pepper_itself() {
    let Some((key, arn)) = secret_on_moto(TEST_PEPPER).await else {
        return;
    };
    let sdk = aws_infra::sdk::config(&EMULATOR_BUDGETS).await;
    let described = aws_sdk_secretsmanager::Client::new(&sdk)
        .describe_secret()
        .secret_id(&arn)
        .send()
        .await
        .expect("DescribeSecret");
    assert_eq!(
        described.kms_key_id(),
        Some(key.as_str()),
        "encrypted with its own key"
    );

    let direct = Keys::new(TEST_PEPPER).unwrap();
    let (app, logs) = init_logged(from_secret(&arn, Purposes::ALL)).await;
    let app = app.expect("the app, from the secret");
    assert_eq!(app.keys.purposes(), Purposes::ALL);
    for (domain, value) in [("id", DEMO_ID), ("mobile", "13800138000"), ("lock", "id:x")] {
        assert_eq!(
            app.keys.identity(domain, value),
            direct.identity(domain, value)
        );
    }
    assert_eq!(
        app.keys.code("a|b|BIND_MOBILE|123456"),
        direct.code("a|b|BIND_MOBILE|123456")
    );
    assert_eq!(
        app.keys.address("203.0.113.7"),
        direct.address("203.0.113.7")
    );
    // The success is logged with the secret's ARN and the call's time, never the value.
    assert!(logs.contains(&arn) && logs.contains("fetch_ms"), "{logs}");
    assert!(!logs.contains(TEST_PEPPER), "{logs}");

    // A function with fewer purposes keeps only their keys.
    let captcha = aws_infra::wiring::build(&from_secret(&arn, Purposes::ADDRESS))
        .await
        .expect("the captcha function's keys")
        .app;
    assert_eq!(captcha.keys.purposes(), Purposes::ADDRESS);
    assert_eq!(
        captcha.keys.address("203.0.113.7"),
        direct.address("203.0.113.7")
    );

    // End to end on DynamoDB: the learner a pepper-given app stores is the one the secret-read
    // app logs in.
    let mut config = test_config(Backend::Dynamo);
    config.keys = from_secret(&arn, Purposes::ALL).keys;
    let t = TestApp::spawn_at(config, None).await.expect("moto is up");
    let r = t.login(DEMO_ID, DEMO_PASSWORD).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    let pk = domain::store::schema::learner_pk(&direct.identity("id", DEMO_ID));
    let found = t
        .app()
        .store
        .get(&pk, domain::account::learner::PROFILE_SK)
        .await
        .expect("read");
    assert!(found.is_some(), "the learner is where the pepper puts it");
}

/// The production budgets of the HTTP functions: the secret is read within `operation` (2 s).
const BUDGET: Budgets = Budgets::HTTP;
/// Scheduling slack on a busy machine, on top of the budget.
const SLACK: Duration = Duration::from_millis(700);

/// `config`'s init through `endpoint_url`: it fails, within the budget, naming `arn` in its
/// error and its log line; neither shows `value`. The error.
async fn fails_within_budget(
    config: Config,
    endpoint_url: Option<&str>,
    arn: &str,
    value: &str,
) -> String {
    let started = Instant::now();
    let capture = LogCapture::default();
    let writer = capture.clone();
    let subscriber = tracing_subscriber::fmt()
        .json()
        .with_writer(move || writer.clone())
        .finish();
    let built = {
        let _guard = tracing::subscriber::set_default(subscriber);
        let built = aws_infra::wiring::build_at(&config, endpoint_url).await;
        if let Err(e) = &built {
            tracing::error!(error = %e, "init failed: the pepper secret");
        }
        built
    };
    let took = started.elapsed();
    let err: PepperError = match built {
        Ok(_) => panic!("the init must fail"),
        Err(e) => e,
    };
    let (text, debug, logs) = (err.to_string(), format!("{err:?}"), capture.text());
    assert!(
        took <= config.budgets.operation + SLACK,
        "{took:?} > {:?}: {text}",
        config.budgets.operation
    );
    for shown in [&text, &debug, &logs] {
        assert!(shown.contains(arn), "the secret is named: {shown}");
        assert!(!shown.contains(value), "the value is not: {shown}");
    }
    text
}

fn with_budget(mut config: Config) -> Config {
    config.budgets = BUDGET;
    config
}

#[tokio::test]
async fn an_unreachable_endpoint_fails_the_init_within_its_budget() {
    let arn = "arn:aws:secretsmanager:us-east-1:000000000000:secret:pepper-AbCdEf";
    let config = || with_budget(from_secret(arn, Purposes::ALL));
    // Stalled: accepts the connection, never answers.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let stalled = format!("http://{}", listener.local_addr().unwrap());
    let held = tokio::spawn(async move {
        let mut open = Vec::new();
        while let Ok((conn, _)) = listener.accept().await {
            open.push(conn);
        }
    });
    let text = fails_within_budget(config(), Some(&stalled), arn, TEST_PEPPER).await;
    assert!(text.contains("could not be read"), "{text}");
    // Refused: nothing listens there.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let refused = format!("http://127.0.0.1:{port}");
    let text = fails_within_budget(config(), Some(&refused), arn, TEST_PEPPER).await;
    assert!(text.contains("could not be read"), "{text}");
    held.abort();
}

#[tokio::test]
async fn a_missing_or_unusable_secret_fails_the_init_naming_it_not_its_value() {
    let Some((_, short)) = secret_on_moto("a-short-pepper-value").await else {
        return;
    };
    // moto answers one request at a time for the whole suite: the emulator's budgets here, the
    // production ones above.
    let missing = short.replace("pepper-", "no-such-pepper-");
    let text = fails_within_budget(
        from_secret(&missing, Purposes::ALL),
        None,
        &missing,
        "a-short-pepper-value",
    )
    .await;
    assert!(text.contains("ResourceNotFound"), "{text}");
    let text = fails_within_budget(
        from_secret(&short, Purposes::ALL),
        None,
        &short,
        "a-short-pepper-value",
    )
    .await;
    assert!(text.contains("shorter than 32 bytes"), "{text}");
    // The Lambda's own init logs it, and fails.
    let (app, logs) = init_logged(from_secret(&short, Purposes::IDENTITY)).await;
    let err = app.err().expect("the init fails");
    assert!(
        err.contains(&short) && !err.contains("a-short-pepper-value"),
        "{err}"
    );
    assert!(
        logs.contains("init failed") && logs.contains(&short),
        "{logs}"
    );
    assert!(!logs.contains("a-short-pepper-value"), "{logs}");
}
