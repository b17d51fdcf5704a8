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
/// A session of [`REGISTRATION_LEARNER`]: uploads*.json, registration*.json (the learner's
/// side of 登记学习成果), institution-registrations-learner-token.json.
pub const REGISTRATION_TOKEN: &str = "sample-token-registrations-Gq4Ty8Zm1Rb6Xh3Ks9Vd";

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
    Session {
        token: REGISTRATION_TOKEN,
        learner: REGISTRATION_LEARNER,
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

// ------------------------------------------------------------------------------------------------
// 登记学习成果: the registrations and evidence uploads the registration events refer to.

/// Whose registrations the events handle: 陈晓明 ([`ACTIVE_LEARNER`], active; no bound mobile, so
/// decisions send no notice), a learner of [`SCHOOL`] by the demo roll.
pub const REGISTRATION_LEARNER: &str = ACTIVE_LEARNER;
/// The school of the demo roll (`events/import-demo.json`): the institution events' staff claims
/// name it; `institution-registration-get-other-school.json` names another.
pub const SCHOOL: &str = "DEMO-SCHOOL";

/// An evidence upload of [`REGISTRATION_LEARNER`]: its record, and the object its form stored
/// (`incoming/<id>` while unattached, `evidence/<id>` once attached).
pub struct FixtureUpload {
    /// 32 hex digits.
    pub id: &'static str,
    pub file_name: &'static str,
    /// The type declared (and the form's `Content-Type`).
    pub content_type: &'static str,
    /// What was posted.
    pub bytes: &'static [u8],
    /// The registration it is attached to; `None`: posted, not attached yet.
    pub attached_to: Option<&'static str>,
}

/// A 1×1 PNG.
const PNG: &[u8] = &[
    0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1F, 0x15, 0xC4,
    0x89, 0x00, 0x00, 0x00, 0x0A, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0x00, 0x01, 0x00, 0x00,
    0x05, 0x00, 0x01, 0x0D, 0x0A, 0x2D, 0xB4, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4E, 0x44, 0xAE,
    0x42, 0x60, 0x82,
];
/// A one-page PDF.
const PDF: &[u8] = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 612 792]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n";
/// What a forged "PNG" holds: the form admitted its declared type and size, not its bytes.
const FORGED: &[u8] = b"<html><script>alert('not a certificate')</script></html>";

/// `registrations-submit.json` attaches this one (a PNG, as declared).
pub const UPLOAD_OK: &str = "9f3b6c1d2e4a5b7c8d9e0f1a2b3c4d5e";
/// `registrations-submit-forged-upload.json` names this one: declared a PNG, HTML inside (400
/// `UPLOAD_INVALID`).
pub const UPLOAD_FORGED: &str = "5e4d3c2b1a0f9e8d7c6b5a4f3e2d1c0b";

/// Pending: read by registration-get.json and institution-registration-get*.json, approved by
/// institution-registration-decision.json.
pub const REG_PENDING: &str = "3f9a2c7e1b5d8a04";
/// Pending: returned by institution-registration-decision-return.json.
pub const REG_TO_RETURN: &str = "6b1e9d3a7c2f5e80";
/// Returned by the school: resubmitted by registration-put.json.
pub const REG_RETURNED: &str = "8d4c2a6e0f1b3957";
/// Pending: withdrawn by registration-withdraw.json.
pub const REG_TO_WITHDRAW: &str = "a27c5e1f9b3d6048";
/// Rejected: registration-withdraw-rejected.json withdraws it (409 `STATE_CONFLICT`).
pub const REG_REJECTED: &str = "c5f8e2b4a6d10937";

pub const UPLOADS: &[FixtureUpload] = &[
    FixtureUpload {
        id: UPLOAD_OK,
        file_name: "电工证.png",
        content_type: "image/png",
        bytes: PNG,
        attached_to: None,
    },
    FixtureUpload {
        id: UPLOAD_FORGED,
        file_name: "普通话证书.png",
        content_type: "image/png",
        bytes: FORGED,
        attached_to: None,
    },
    FixtureUpload {
        id: "1a2b3c4d5e6f708192a3b4c5d6e7f801",
        file_name: "焊工证书.pdf",
        content_type: "application/pdf",
        bytes: PDF,
        attached_to: Some(REG_PENDING),
    },
    FixtureUpload {
        id: "2b3c4d5e6f708192a3b4c5d6e7f80112",
        file_name: "计算机等级证书.png",
        content_type: "image/png",
        bytes: PNG,
        attached_to: Some(REG_TO_RETURN),
    },
    FixtureUpload {
        id: "3c4d5e6f708192a3b4c5d6e7f8011223",
        file_name: "获奖证书.png",
        content_type: "image/png",
        bytes: PNG,
        attached_to: Some(REG_RETURNED),
    },
    FixtureUpload {
        id: "4d5e6f708192a3b4c5d6e7f801122334",
        file_name: "实习证明.pdf",
        content_type: "application/pdf",
        bytes: PDF,
        attached_to: Some(REG_TO_WITHDRAW),
    },
    FixtureUpload {
        id: "5e6f708192a3b4c5d6e7f80112233445",
        file_name: "急救员证.png",
        content_type: "image/png",
        bytes: PNG,
        attached_to: Some(REG_REJECTED),
    },
];

impl FixtureUpload {
    /// Where its object is.
    pub fn key(&self) -> String {
        match self.attached_to {
            Some(_) => format!("evidence/{}", self.id),
            None => format!("incoming/{}", self.id),
        }
    }
}

/// Every object the fixture uploads' forms stored: `(key, content type, bytes)`. The table holds
/// only their records; whoever seeds a file store puts these into it (the tests' embedded store,
/// `seed-events`' bucket).
pub fn objects() -> impl Iterator<Item = (String, &'static str, &'static [u8])> {
    UPLOADS.iter().map(|u| (u.key(), u.content_type, u.bytes))
}

/// Puts [`objects`] into the bucket of `s3` (created first when `create`: an emulator's); how
/// many.
pub async fn put_objects(s3: &aws_infra::s3::S3Files, create: bool) -> Result<usize, String> {
    let bucket = s3.bucket();
    if create {
        s3.ensure_bucket()
            .await
            .map_err(|e| format!("create bucket {bucket}: {e}"))?;
    }
    let mut n = 0;
    for (key, content_type, bytes) in objects() {
        s3.client()
            .put_object()
            .bucket(bucket)
            .key(&key)
            .content_type(content_type)
            .body(aws_sdk_s3::primitives::ByteStream::from_static(bytes))
            .send()
            .await
            .map_err(|e| {
                format!(
                    "put s3://{bucket}/{key}: {}",
                    aws_sdk_s3::error::DisplayErrorContext(e)
                )
            })?;
        n += 1;
    }
    Ok(n)
}

/// A registration of [`REGISTRATION_LEARNER`] to [`SCHOOL`], with one attached upload.
pub struct FixtureRegistration {
    pub id: &'static str,
    pub status: domain::registrations::Status,
    pub name: &'static str,
    pub kind: &'static str,
    pub subtype: &'static str,
    pub issuer: &'static str,
    pub certificate_no: Option<&'static str>,
    pub obtained_at: &'static str,
    /// The school's reason (returned, rejected).
    pub reason: Option<&'static str>,
}

pub const REGISTRATIONS: &[FixtureRegistration] = {
    use domain::registrations::Status::*;
    &[
        FixtureRegistration {
            id: REG_REJECTED,
            status: Rejected,
            name: "急救员培训证书",
            kind: "NON_ACADEMIC",
            subtype: "TRAINING_CERTIFICATE",
            issuer: "广州市红十字会",
            certificate_no: Some("HSH-2022-07781"),
            obtained_at: "2022-05-10",
            reason: Some("证书已过有效期，不予认定"),
        },
        FixtureRegistration {
            id: REG_RETURNED,
            status: Returned,
            name: "广东省职业院校技能大赛三等奖",
            kind: "NON_ACADEMIC",
            subtype: "COMPETITION_AWARD",
            issuer: "广东省教育厅",
            certificate_no: None,
            obtained_at: "2023-11-20",
            reason: Some("请上传获奖证书原件扫描件，照片不清晰"),
        },
        FixtureRegistration {
            id: REG_PENDING,
            status: Pending,
            name: "焊工职业技能等级证书(中级)",
            kind: "NON_ACADEMIC",
            subtype: "X_CERTIFICATE",
            issuer: "中船舰客教育科技(北京)有限公司",
            certificate_no: Some("X-2024-0588123"),
            obtained_at: "2024-07-15",
            reason: None,
        },
        FixtureRegistration {
            id: REG_TO_RETURN,
            status: Pending,
            name: "全国计算机等级考试二级证书",
            kind: "NON_ACADEMIC",
            subtype: "OTHER",
            issuer: "教育部教育考试院",
            certificate_no: Some("2024210440106123"),
            obtained_at: "2024-04-30",
            reason: None,
        },
        FixtureRegistration {
            id: REG_TO_WITHDRAW,
            status: Pending,
            name: "企业实习经历(6个月)",
            kind: "NON_ACADEMIC",
            subtype: "WORK_EXPERIENCE",
            issuer: "广州数控设备有限公司",
            certificate_no: None,
            obtained_at: "2024-12-31",
            reason: None,
        },
    ]
};

/// The user pool subject of the reviewer who decided the fixtures' decided registrations.
pub const FIXTURE_REVIEWER: &str = "7c1e4a52-3b9d-4f0e-8a6c-2d5b9e1f0a37";

/// The stored registration of `r` for `learner`, submitted `minutes_ago` (decided, if it is,
/// ten minutes later).
fn registration(
    app: &App,
    learner: &domain::account::learner::Learner,
    r: &FixtureRegistration,
    minutes_ago: i64,
) -> domain::registrations::Registration {
    use domain::registrations::{
        command::Details, Action, Evidence, Registration, Status, Step, LEARNER,
    };
    let submitted_ms = app.now().timestamp_millis() - minutes_ago * 60_000;
    let submitted = submitted_ms / 1000;
    let mut history = vec![Step {
        at: submitted,
        action: Action::Submitted,
        by: LEARNER.into(),
        reason: None,
    }];
    let decided = match r.status {
        Status::Returned => Some(Action::Returned),
        Status::Rejected => Some(Action::Rejected),
        _ => None,
    };
    if let Some(action) = decided {
        history.push(Step {
            at: submitted + 600,
            action,
            by: FIXTURE_REVIEWER.into(),
            reason: r.reason.map(str::to_string),
        });
    }
    let upload = UPLOADS
        .iter()
        .find(|u| u.attached_to == Some(r.id))
        .expect("every fixture registration has an upload");
    Registration {
        id: r.id.into(),
        learner: learner.id_key.clone(),
        learner_name: learner.name.clone(),
        learner_id_masked: learner.id_masked.clone(),
        institution: learner
            .institutions
            .iter()
            .find(|s| s.code == SCHOOL)
            .cloned()
            .expect("the demo roll's learners are the demo school's"),
        details: Details {
            name: r.name.into(),
            kind: r.kind.into(),
            subtype: r.subtype.into(),
            issuer: r.issuer.into(),
            certificate_no: r.certificate_no.map(str::to_string),
            obtained_at: r.obtained_at.parse().expect("fixture dates are valid"),
        },
        evidence: vec![Evidence {
            upload_id: upload.id.into(),
            file_name: upload.file_name.into(),
            content_type: upload.content_type.into(),
            size: upload.bytes.len() as u64,
        }],
        status: r.status,
        reason: r.reason.map(str::to_string),
        credit_tenths: None,
        points: None,
        achievement_id: None,
        submitted_ms,
        updated_at: history.last().map_or(submitted, |s| s.at),
        history,
    }
}

/// The record of upload `u` of `learner` (an unattached one expires as a posted upload does).
fn upload_item(app: &App, learner: &str, u: &FixtureUpload) -> Item {
    let upload = domain::uploads::Upload {
        id: u.id.into(),
        file_name: u.file_name.into(),
        content_type: u.content_type.into(),
        size: u.bytes.len() as u64,
        created_at: app.now_unix() - 3600,
        attached_to: u.attached_to.map(str::to_string),
    };
    let item = Item::new(
        domain::store::schema::learner_pk(learner),
        domain::store::schema::upload_sk(u.id),
        &upload,
    );
    match u.attached_to {
        Some(_) => item,
        None => item.expiring(upload.created_at + domain::uploads::KEEP_SECONDS),
    }
}

/// Writes [`REGISTRATIONS`] and [`UPLOADS`] as the use cases would have: each registration with
/// its pointer, its school's queue entry, its certificate's claim while open, its upload
/// attached; the unattached uploads; the learner's open count.
async fn seed_registrations(app: &App) -> Result<(), DomainError> {
    use domain::registrations::{CertificateClaim, Pointer};
    use domain::store::schema;
    let id = IdNumber::parse(REGISTRATION_LEARNER, app.today()).expect("a valid ID number");
    let stored = domain::account::learner::load_by_id(app, &id)
        .await?
        .ok_or_else(|| DomainError::internal("the registrations' learner is missing"))?;
    let learner = &stored.learner;
    for (i, r) in REGISTRATIONS.iter().enumerate() {
        let reg = registration(app, learner, r, 60 - 10 * i as i64);
        let mut ops = vec![
            WriteOp::Put {
                item: reg.item(),
                condition: Condition::None,
            },
            WriteOp::Put {
                item: Item::new(
                    schema::registration_pointer_pk(&reg.id),
                    schema::REGISTRATION_POINTER_SK,
                    &Pointer {
                        learner: reg.learner.clone(),
                        institution: reg.institution.code.clone(),
                    },
                ),
                condition: Condition::None,
            },
        ];
        ops.extend(reg.index_ops(None));
        if let Some((pk, sk)) = reg.claim_key().filter(|_| reg.status.is_open()) {
            let claim = CertificateClaim {
                registration: reg.id.clone(),
            };
            ops.push(WriteOp::Put {
                item: Item::new(pk, sk, &claim),
                condition: Condition::None,
            });
        }
        app.store.transact(ops).await?;
    }
    let mut ops: Vec<WriteOp> = UPLOADS
        .iter()
        .map(|u| WriteOp::Put {
            item: upload_item(app, &learner.id_key, u),
            condition: Condition::None,
        })
        .collect();
    let mut next = learner.clone();
    next.open_registrations = REGISTRATIONS.iter().filter(|r| r.status.is_open()).count() as u64;
    ops.push(WriteOp::Put {
        item: stored.replaced_by(&next),
        condition: Condition::Version(stored.item.version),
    });
    app.store.transact(ops).await?;
    Ok(())
}

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

    seed_registrations(app).await?;

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
