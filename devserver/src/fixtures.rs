//! What the sample events of `events/` refer to, defined once: the learners in each state the
//! events need, the captchas with known answers, the sessions whose token hashes match the
//! events' tokens, and the SMS code. [`seed`] writes them into any store; the integration tests
//! (tests/events.rs) and the `seed-events` command (a table on moto or in AWS) both call it.
//!
//! Every event that changes something has fixtures of its own, so the events can run once each,
//! in any order, after one seeding: `login.json` and `login-wrong-password.json` redeem different
//! captchas, `logout.json` ends a session nobody else uses, `profile-put.json` completes the
//! profile of a learner no other event touches, with a mobile no other event sends to.

use domain::error::DomainError;
use domain::sms_code::Purpose;
use domain::store::{Condition, Item, WriteOp};
use domain::values::id_number::IdNumber;
use domain::values::mobile::Mobile;
use domain::App;

/// How long the seeded captchas, sessions and SMS code stay valid: a session's idle timeout
/// (30 minutes). Seeding again starts them afresh.
pub const LIFETIME_SECONDS: i64 = domain::account::session::IDLE_SECONDS;

/// 李嘉民, the guide's learner (in `events/import-demo.json`): still on the initial password,
/// profile not completed. `login*.json` log in as them; the `NEW_TOKEN` events act as them.
pub const NEW_LEARNER: &str = crate::DEMO_ID_NUMBER;
/// The initial password of [`NEW_LEARNER`] (the last six of the ID number).
pub const NEW_PASSWORD: &str = "125051";
/// 赵丽 (in the demo roll): profile not completed; `profile-put.json` completes it.
pub const PROFILE_LEARNER: &str = "320502200109180043";
/// 陈晓明 (in the demo roll, 13 achievements): profile completed and own password set, so the
/// personal-centre routes answer.
pub const ACTIVE_LEARNER: &str = "440106199903072168";
/// The password [`seed`] gives [`ACTIVE_LEARNER`], [`SETTINGS_LEARNER`] and [`RESET_LEARNER`].
pub const ACTIVE_PASSWORD: &str = "Gd7-river-lantern";
/// 王芳 (in the demo roll): active, with [`SETTINGS_MOBILE`] bound; `password-change*.json` and
/// `mobile-put.json` act as them (in that file order: a wrong current password, a mobile change,
/// then the password change).
pub const SETTINGS_LEARNER: &str = "330106199808151233";
pub const SETTINGS_MOBILE: &str = "13700137000";
/// 张伟 (in the demo roll): active, with [`RESET_MOBILE`] bound and a reset code waiting;
/// `password-reset*.json` reset their password (which ends every session of theirs).
pub const RESET_LEARNER: &str = "11010519491231002X";
pub const RESET_MOBILE: &str = "13500135000";

/// A session of [`NEW_LEARNER`] (profile incomplete): profile-get, sms-code*, profile-put-weak-
/// password, profile-put-expired-id, me-profile-incomplete.
pub const NEW_TOKEN: &str = "sample-token-b1Qk3v7HnXo2c9Lr4Wm8Tz5Pa0Ye6Ud";
/// A second session of [`NEW_LEARNER`], for `logout.json` (which ends it).
pub const LOGOUT_TOKEN: &str = "sample-token-logout-Jr6Vn2Qe8Ws4Bd0Xk5Hm9Tp";
/// A session of [`PROFILE_LEARNER`], for `profile-put.json`.
pub const PROFILE_TOKEN: &str = "sample-token-profile-Ck3Nw7Rz1Lq5Yf9Ua2Ge6Ms";
/// A session of [`ACTIVE_LEARNER`]: me.json, achievements*.json.
pub const ACTIVE_TOKEN: &str = "sample-token-active-Pd4Hx8Sj2Mv6Ab0Kt5Wn9Qe";
/// A session of [`SETTINGS_LEARNER`]: password-change*.json, mobile-put.json.
pub const SETTINGS_TOKEN: &str = "sample-token-settings-Vb7Lm3Qz9Kd1Xw5Ra8Tn2Ue";

/// The learners [`seed`] makes active (profile completed, own password, a bound mobile when
/// given).
pub const ACTIVE: &[(&str, Option<&str>)] = &[
    (ACTIVE_LEARNER, None),
    (SETTINGS_LEARNER, Some(SETTINGS_MOBILE)),
    (RESET_LEARNER, Some(RESET_MOBILE)),
];

/// A captcha: id (32 hex digits) and answer.
pub struct Captcha {
    pub id: &'static str,
    pub answer: u32,
    pub event: &'static str,
}

/// One captcha per event that redeems one (a captcha is used once, right or wrong).
pub const CAPTCHAS: &[Captcha] = &[
    Captcha {
        id: "5f0c3b6e9a8d4c21b7e0f1a2c3d4e5f6",
        answer: 17,
        event: "login.json",
    },
    Captcha {
        id: "9a1d7c3e5b2f4a6e8c0d1b3f5a7c9e2d",
        answer: 9,
        event: "login-wrong-password.json",
    },
    Captcha {
        id: "3c5e7a9b1d2f4a6c8e0b2d4f6a8c0e1f",
        answer: 42,
        event: "password-reset-code.json",
    },
];

/// A session: the token an event carries and whose learner it is.
pub struct Session {
    pub token: &'static str,
    pub learner: &'static str,
}

pub const SESSIONS: &[Session] = &[
    Session {
        token: NEW_TOKEN,
        learner: NEW_LEARNER,
    },
    Session {
        token: LOGOUT_TOKEN,
        learner: NEW_LEARNER,
    },
    Session {
        token: PROFILE_TOKEN,
        learner: PROFILE_LEARNER,
    },
    Session {
        token: ACTIVE_TOKEN,
        learner: ACTIVE_LEARNER,
    },
    Session {
        token: SETTINGS_TOKEN,
        learner: SETTINGS_LEARNER,
    },
];

/// An SMS code for `purpose` sent to `mobile` for `learner`.
pub struct SmsCode {
    pub learner: &'static str,
    pub mobile: &'static str,
    pub purpose: Purpose,
    pub code: &'static str,
}

/// `profile-put.json` binds 13900139000 to [`PROFILE_LEARNER`] with this code; the failing
/// profile events carry [`NEW_LEARNER`]'s (they fail before the code is looked at), and
/// `sms-code.json` sends [`NEW_LEARNER`] a new one to 13800138000.
pub const SMS_CODES: &[SmsCode] = &[
    SmsCode {
        learner: PROFILE_LEARNER,
        mobile: "13900139000",
        purpose: Purpose::BindMobile,
        code: "246810",
    },
    SmsCode {
        learner: NEW_LEARNER,
        mobile: "13800138000",
        purpose: Purpose::BindMobile,
        code: "135790",
    },
    // mobile-put.json moves SETTINGS_LEARNER to 13600136000 with this code.
    SmsCode {
        learner: SETTINGS_LEARNER,
        mobile: "13600136000",
        purpose: Purpose::ChangeMobile,
        code: "246810",
    },
    // password-reset.json resets RESET_LEARNER's password with this code.
    SmsCode {
        learner: RESET_LEARNER,
        mobile: RESET_MOBILE,
        purpose: Purpose::ResetPassword,
        code: "135790",
    },
];

/// The import events of `events/`: the learners they create are fixtures too (a table that holds
/// only these is a fixture table).
pub const IMPORT_EVENTS: &[(&str, &str)] = &[
    ("import-demo.json", crate::DEMO_IMPORT),
    (
        "import-bad-records.json",
        include_str!("../../events/import-bad-records.json"),
    ),
];

/// The keys (`LEARNER#<idKey>` partitions) of every learner a fixture table may hold: those the
/// import events name (valid ID numbers only).
pub fn fixture_learner_pks(app: &App) -> Vec<String> {
    let mut out = Vec::new();
    for (_, text) in IMPORT_EVENTS {
        let event: serde_json::Value = serde_json::from_str(text).expect("import events are JSON");
        for l in event["learners"].as_array().into_iter().flatten() {
            if let Some(id) = l["idNumber"]
                .as_str()
                .and_then(|s| IdNumber::parse(s, app.today()).ok())
            {
                out.push(domain::store::schema::learner_pk(
                    &domain::account::learner::id_key(app, &id),
                ));
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

/// What [`seed`] wrote.
#[derive(Debug)]
pub struct Seeded {
    pub learners_created: usize,
    pub achievements_created: usize,
    /// Unix seconds until which the captchas, sessions and SMS codes are valid.
    pub valid_until: i64,
}

/// Writes every fixture into `app`'s store: the demo roll (`events/import-demo.json`), the active
/// learner, the captchas, sessions and SMS codes. Meant for a fresh (or emptied) store; the
/// captchas and codes overwrite older ones, a session that exists already is an error.
pub async fn seed(app: &App) -> Result<Seeded, DomainError> {
    let demo = crate::seed_demo(app).await.map_err(|e| match e {
        fn_import::ImportError::Failed(e) => e,
        fn_import::ImportError::BadEvent(e) => {
            DomainError::internal(format!("events/import-demo.json: {e}"))
        }
    })?;
    let now = app.now_unix();
    let valid_until = now + LIFETIME_SECONDS;
    let learner = |id: &str| {
        let id = IdNumber::parse(id, app.today()).expect("fixture ID numbers are valid");
        async move {
            domain::account::learner::load_by_id(app, &id)
                .await?
                .ok_or_else(|| {
                    DomainError::internal(format!("fixture learner {} missing", id.masked()))
                })
        }
    };

    for (id, mobile) in ACTIVE {
        let stored = learner(id).await?;
        if stored.learner.is_active() {
            continue;
        }
        let mut active = stored.learner.clone();
        active.profile_completed = true;
        active.id_valid_from = chrono::NaiveDate::from_ymd_opt(2019, 5, 1);
        active.id_valid_to = chrono::NaiveDate::from_ymd_opt(2039, 5, 1);
        active.password_hash = Some(domain::security::password::hash(ACTIVE_PASSWORD, app.rng()));
        let mut ops = Vec::new();
        if let Some(mobile) = mobile {
            let m = Mobile::parse(mobile).expect("fixture mobiles are valid");
            let key = domain::account::learner::mobile_key(app, &m);
            active.mobile_key = Some(key.clone());
            active.mobile_masked = Some(m.masked());
            active.mobile = Some(m.digits().to_string());
            ops.push(WriteOp::Put {
                item: Item::new(
                    domain::store::schema::mobile_pk(&key),
                    domain::store::schema::MOBILE_SK,
                    &domain::account::learner::MobileClaim {
                        learner: active.id_key.clone(),
                    },
                ),
                condition: Condition::None,
            });
        }
        ops.push(WriteOp::Put {
            item: stored.replaced_by(&active),
            condition: Condition::Version(stored.item.version),
        });
        app.store.transact(ops).await?;
    }

    for c in CAPTCHAS {
        let item = Item::new(
            domain::store::schema::captcha_pk(c.id),
            domain::store::schema::CAPTCHA_SK,
            &serde_json::json!({ "answer": c.answer }),
        )
        .expiring(valid_until);
        app.store.put(item, Condition::None).await?;
    }

    for s in SESSIONS {
        let l = learner(s.learner).await?;
        domain::account::session::create_with_token(app, &l.learner, s.token.into()).await?;
    }

    for c in SMS_CODES {
        let l = learner(c.learner).await?;
        let mobile = Mobile::parse(c.mobile).expect("fixture mobiles are valid");
        let purpose = c.purpose;
        domain::sms_code::store_code(app, &l.learner.id_key, &mobile, purpose, c.code).await?;
        // A sent code lives five minutes; the fixture as long as the sessions.
        let pk = domain::store::schema::learner_pk(&l.learner.id_key);
        let sk = domain::store::schema::sms_code_sk(purpose.as_str());
        if let Some(item) = app.store.get(&pk, &sk).await? {
            app.store
                .put(item.expiring(valid_until), Condition::None)
                .await?;
        }
    }

    Ok(Seeded {
        learners_created: demo.learners_created,
        achievements_created: demo.achievements_created,
        valid_until,
    })
}
