//! The use cases on their own: no HTTP, no AWS, no events — the in-memory store, the outbox, a
//! manual clock and seeded randomness, exactly as `aws-infra`'s wiring would hand them over.

use domain::account::learner::{self, Learner};
use domain::app::config::SmsConfig;
use domain::captcha::Solved;
use domain::credentials::login::{self, LoginCommand};
use domain::error::DomainError;
use domain::import::{self, ImportEvent, RecordProblem};
use domain::ports::clock::ManualClock;
use domain::ports::random::SeededRandom;
use domain::ports::sms::Outbox;
use domain::security::crypto::Keys;
use domain::sms_code::{self, Purpose, SendCodeCommand};
use domain::store::memory::MemoryStore;
use domain::values::id_number::IdNumber;
use domain::values::mobile::Mobile;
use domain::values::secret::SecretString;
use domain::App;
use serde_json::json;
use std::sync::Arc;

const ID: &str = "440883200305125051";
const IP: &str = "198.51.100.7";

struct World {
    app: App,
    outbox: Arc<Outbox>,
    clock: Arc<ManualClock>,
}

fn world() -> World {
    let outbox = Arc::new(Outbox::new(false));
    let clock = Arc::new(ManualClock::fixed());
    let app = App::new(
        Arc::new(MemoryStore::new()),
        outbox.clone(),
        SmsConfig::default(),
        Keys::new(vec![7u8; 32]).unwrap(),
    )
    .with_clock(clock.clone())
    .with_random(Arc::new(SeededRandom::new(11)));
    World { app, outbox, clock }
}

fn secret(s: &str) -> SecretString {
    SecretString::from(s.to_string())
}

async fn add_learner(app: &App, id: &str) -> Learner {
    let id = IdNumber::parse(id, app.today()).unwrap();
    let l = Learner::new(app, &id, "李嘉民");
    assert!(learner::create_or_refresh(app, &l).await.unwrap());
    l
}

async fn login(
    app: &App,
    account: &str,
    password: &str,
) -> Result<login::LoginResponse, DomainError> {
    let captcha = domain::captcha::issue(app).await.unwrap();
    let answer = domain::captcha::peek_answer_for_dev(app, &captcha.captcha_id)
        .await
        .unwrap()
        .unwrap();
    let cmd = LoginCommand {
        account: account.into(),
        password: secret(password),
        captcha: Solved {
            id: captcha.captcha_id,
            answer: secret(&answer.to_string()),
        },
    };
    login::login(app, cmd, IP).await
}

// ------------------------------------------------------------------------------------------------
// Login

#[tokio::test]
async fn login_with_the_initial_password_asks_for_a_change() {
    let w = world();
    add_learner(&w.app, ID).await;
    let ok = login(&w.app, ID, "125051").await.unwrap();
    assert!(ok.password_change_required);
    assert!(!ok.profile_completed);
    let authed = domain::account::session::authenticate(&w.app, &ok.token)
        .await
        .unwrap();
    assert_eq!(authed.learner.learner.name, "李嘉民");
    assert!(matches!(
        authed.admit(domain::account::session::Gate::ActiveLearner),
        Err(DomainError::ProfileIncomplete)
    ));
}

#[tokio::test]
async fn unknown_accounts_and_wrong_passwords_look_the_same() {
    let w = world();
    add_learner(&w.app, ID).await;
    for (account, password) in [
        (ID, "000000"),
        ("11010519491231002X", "31002X"),
        ("nobody", "x"),
    ] {
        assert!(matches!(
            login(&w.app, account, password).await,
            Err(DomainError::CredentialsInvalid)
        ));
    }
}

#[tokio::test]
async fn a_wrong_captcha_is_refused_before_anything_is_counted() {
    let w = world();
    add_learner(&w.app, ID).await;
    for _ in 0..6 {
        let captcha = domain::captcha::issue(&w.app).await.unwrap();
        let cmd = LoginCommand {
            account: ID.into(),
            password: secret("000000"),
            captcha: Solved {
                id: captcha.captcha_id,
                answer: secret("-1"),
            },
        };
        assert!(matches!(
            login::login(&w.app, cmd, IP).await,
            Err(DomainError::CaptchaInvalid)
        ));
    }
    // Six wrong captchas locked nothing.
    assert!(login(&w.app, ID, "125051").await.is_ok());
}

#[tokio::test]
async fn five_failures_lock_the_account_even_against_the_right_password() {
    let w = world();
    add_learner(&w.app, ID).await;
    for _ in 0..5 {
        assert!(matches!(
            login(&w.app, ID, "wrong-one").await,
            Err(DomainError::CredentialsInvalid)
        ));
    }
    match login(&w.app, ID, "125051").await {
        Err(DomainError::AccountLocked { retry_after }) => assert_eq!(retry_after, 15 * 60),
        other => panic!("expected a lock, got {other:?}"),
    }
    w.clock.advance(chrono::Duration::minutes(15));
    assert!(login(&w.app, ID, "125051").await.is_ok(), "the lock ends");
}

// ------------------------------------------------------------------------------------------------
// SMS verification codes

fn send(mobile: &str) -> SendCodeCommand {
    SendCodeCommand {
        mobile: Mobile::parse(mobile).unwrap(),
        purpose: Purpose::BindMobile,
    }
}

fn code_in(outbox: &Outbox, mobile: &str) -> String {
    let messages = outbox.messages_to(&format!("+86{mobile}"));
    let text = &messages.last().unwrap().text;
    assert!(text.starts_with("【学分银行】"), "{text}");
    SmsConfig::default().code_in(text).unwrap()
}

#[tokio::test]
async fn a_code_is_sent_once_a_minute_and_verifies_for_its_number_only() {
    let w = world();
    let l = add_learner(&w.app, ID).await;
    let sent = sms_code::send_code(&w.app, &l.id_key, send("13800138000"), IP)
        .await
        .unwrap();
    assert_eq!((sent.expires_in, sent.resend_after), (300, 60));
    assert!(matches!(
        sms_code::send_code(&w.app, &l.id_key, send("13800138000"), IP).await,
        Err(DomainError::SmsCooldown { .. })
    ));
    let code = code_in(&w.outbox, "13800138000");
    let other = Mobile::parse("13900139000").unwrap();
    assert!(matches!(
        sms_code::verify_code(
            &w.app,
            &l.id_key,
            &other,
            Purpose::BindMobile,
            Some(secret(&code))
        )
        .await,
        Err(DomainError::SmsCodeInvalid)
    ));
    let mobile = Mobile::parse("13800138000").unwrap();
    assert!(sms_code::verify_code(
        &w.app,
        &l.id_key,
        &mobile,
        Purpose::BindMobile,
        Some(secret(&code))
    )
    .await
    .is_ok());
}

#[tokio::test]
async fn five_wrong_codes_void_the_code_and_expiry_ends_it() {
    let w = world();
    let l = add_learner(&w.app, ID).await;
    let mobile = Mobile::parse("13800138000").unwrap();
    sms_code::send_code(&w.app, &l.id_key, send("13800138000"), IP)
        .await
        .unwrap();
    let code = code_in(&w.outbox, "13800138000");
    let wrong = if code == "000000" { "111111" } else { "000000" };
    for _ in 0..5 {
        assert!(sms_code::verify_code(
            &w.app,
            &l.id_key,
            &mobile,
            Purpose::BindMobile,
            Some(secret(wrong))
        )
        .await
        .is_err());
    }
    assert!(
        sms_code::verify_code(
            &w.app,
            &l.id_key,
            &mobile,
            Purpose::BindMobile,
            Some(secret(&code))
        )
        .await
        .is_err(),
        "void after five wrong tries"
    );

    w.clock.advance(chrono::Duration::minutes(2));
    sms_code::send_code(&w.app, &l.id_key, send("13800138000"), IP)
        .await
        .unwrap();
    let code = code_in(&w.outbox, "13800138000");
    w.clock.advance(chrono::Duration::minutes(5));
    assert!(
        sms_code::verify_code(
            &w.app,
            &l.id_key,
            &mobile,
            Purpose::BindMobile,
            Some(secret(&code))
        )
        .await
        .is_err(),
        "expired after five minutes"
    );
}

#[tokio::test]
async fn a_provider_failure_is_unavailable_and_spends_no_quota() {
    let w = world();
    let l = add_learner(&w.app, ID).await;
    w.outbox.set_failing(true);
    assert!(matches!(
        sms_code::send_code(&w.app, &l.id_key, send("13800138000"), IP).await,
        Err(DomainError::Unavailable(_))
    ));
    w.outbox.set_failing(false);
    assert!(
        sms_code::send_code(&w.app, &l.id_key, send("13800138000"), IP)
            .await
            .is_ok(),
        "no cooldown from a send that failed"
    );
}

// ------------------------------------------------------------------------------------------------
// Import

fn event(achievements: serde_json::Value) -> ImportEvent {
    serde_json::from_value(json!({
        "institution": {"code": "SCH-1", "name": "学校"},
        "learners": [{"idNumber": ID, "name": "李嘉民"}, {"idNumber": "440883200305125052", "name": "坏号"}],
        "achievements": achievements,
    }))
    .unwrap()
}

fn achievement(ext: &str, credits: serde_json::Value) -> serde_json::Value {
    json!({"externalId": ext, "idNumber": ID, "name": "证书", "type": "NON_ACADEMIC",
           "subtype": "X_CERTIFICATE", "issuer": "颁证机构", "credits": credits, "points": 10,
           "source": "personal", "obtainedAt": "2024-06-30"})
}

#[tokio::test]
async fn import_reports_bad_records_and_keeps_totals_equal_to_the_sum() {
    let w = world();
    let achievements = json!([
        achievement("A-1", json!(2.5)),
        achievement("A-2", json!(1)),
        achievement("A-2", json!(1)),
        achievement("A-3", json!(-1)),
        {"externalId": "A-4", "idNumber": "11010519491231002X", "name": "证书", "type": "NON_ACADEMIC",
         "subtype": "X_CERTIFICATE", "issuer": "颁证机构", "credits": 1, "points": 1,
         "source": "personal", "obtainedAt": "2024-06-30"},
        "not an object",
    ]);
    let r = import::run(&w.app, event(achievements.clone()))
        .await
        .unwrap();
    assert_eq!((r.learners_created, r.achievements_created), (1, 2));
    let problems: Vec<(&str, usize, RecordProblem)> = r
        .errors
        .iter()
        .map(|e| (e.kind, e.index, e.problem))
        .collect();
    assert_eq!(
        problems,
        [
            ("achievement", 2, RecordProblem::DuplicateInEvent),
            ("achievement", 3, RecordProblem::CreditsInvalid),
            ("achievement", 4, RecordProblem::LearnerNotFound),
            ("achievement", 5, RecordProblem::RecordInvalid),
            ("learner", 1, RecordProblem::IdNumberInvalid),
        ]
    );
    let key = learner::id_key(&w.app, &IdNumber::parse(ID, w.app.today()).unwrap());
    let stored = learner::load_by_key(&w.app, &key)
        .await
        .unwrap()
        .unwrap()
        .learner;
    assert_eq!((stored.total_credit_tenths, stored.total_points), (35, 20));

    // Again: nothing new, totals unchanged.
    let again = import::run(&w.app, event(achievements)).await.unwrap();
    assert_eq!(
        (
            again.learners_existing,
            again.achievements_existing,
            again.achievements_created
        ),
        (1, 2, 0)
    );
    let stored = learner::load_by_key(&w.app, &key)
        .await
        .unwrap()
        .unwrap()
        .learner;
    assert_eq!((stored.total_credit_tenths, stored.total_points), (35, 20));
}
