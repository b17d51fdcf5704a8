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
    Session {
        token: CONVERSION_TOKEN,
        learner: CONVERSION_LEARNER,
    },
    Session {
        token: FEEDBACK_TOKEN,
        learner: FEEDBACK_LEARNER,
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

/// An evidence upload (or a feedback attachment) of [`REGISTRATION_LEARNER`]: its record, and
/// the object its form stored
/// (`incoming/<id>` while unattached, `evidence/<id>` once attached).
pub struct FixtureUpload {
    /// 32 hex digits.
    pub id: &'static str,
    pub file_name: &'static str,
    /// The type declared (and the form's `Content-Type`).
    pub content_type: &'static str,
    /// What was posted.
    pub bytes: &'static [u8],
    /// The registration (or feedback ticket) it is attached to; `None`: posted, not attached
    /// yet.
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
    FixtureUpload {
        id: UPLOAD_FEEDBACK_ATTACHED,
        file_name: "获奖文件照片.png",
        content_type: "image/png",
        bytes: PNG,
        attached_to: Some(FB_SUBMITTED),
    },
    FixtureUpload {
        id: UPLOAD_FEEDBACK,
        file_name: "退回通知截图.png",
        content_type: "image/png",
        bytes: PNG,
        attached_to: None,
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

// ------------------------------------------------------------------------------------------------
// 查看转换规则 and 成果转换: the demo school's conversion rules and 陈晓明's applications.

/// The dev server's demo rule (also a fixture): the demo school converts 电梯维修保养职业技能等级
/// 证书 of level 中级 or above into its course ELE-201 电梯维护与保养 (4 credits, exemption, at
/// most 8 granted), in force from 2024 on. The demo learner's certificate meets it.
pub const DEMO_RULE: &str = "4e1d2c3b5a6f7081";

/// Whose applications the conversion events handle: 陈晓明 again ([`ACTIVE_LEARNER`]; no bound
/// mobile, so decisions send no notice). His courses of the demo roll are the rules' sources.
pub const CONVERSION_LEARNER: &str = ACTIVE_LEARNER;
/// A session of [`CONVERSION_LEARNER`]: conversion*.json, achievement-conversion-rules.json,
/// institution-conversion-rules-learner-token.json.
pub const CONVERSION_TOKEN: &str = "sample-token-conversions-Hw5Ub9Zn2Sc7Yj4Lt0Xe";

/// Published: PLC编程与应用 → MEC-210. achievement-conversion-rules.json lists it for the course,
/// conversions-apply.json applies under it, conversions-apply-not-met.json names it with
/// 液压与气动 (400 `achievementId`).
pub const RULE_PLC: &str = "7a3c5e9b1d2f4608";
/// Published: 工业机器人编程 → MEC-220, under which [`APP_PENDING`] was made.
pub const RULE_ROBOT: &str = "9b4d6f1a3c5e7082";
/// Published: 数控加工工艺 → MEC-230, under which [`APP_TO_WITHDRAW`] was made.
pub const RULE_CNC: &str = "2c6e8a0b4d1f3957";
/// Published: 质量管理 → MEC-240, under which [`APP_TO_REJECT`] was made.
pub const RULE_QM: &str = "5f7a9c1e3b2d4086";
/// Published: 电工电子技术 → MEC-250, under which [`APP_APPROVED`] was approved.
pub const RULE_ELEC: &str = "8e0b2d4f6a1c3e75";
/// A draft: rewritten by institution-conversion-rule-put.json.
pub const RULE_DRAFT_EDIT: &str = "1d3f5b7a9c0e2e64";
/// A draft: published by institution-conversion-rule-publish.json.
pub const RULE_DRAFT_PUBLISH: &str = "6a8c0e2b4d9f1b53";
/// Published: retired by institution-conversion-rule-retire.json.
pub const RULE_TO_RETIRE: &str = "3b5d7f9a1c8e0a42";

/// Pending (工业机器人编程 under [`RULE_ROBOT`]): read by conversion-get.json and
/// institution-conversion-get.json, refused to another school by
/// institution-conversion-decision-other-school.json (404), approved by
/// institution-conversion-decision.json; conversions-apply-duplicate.json applies for it again
/// (409 `DUPLICATE`).
pub const APP_PENDING: &str = "c1a3e5b7d9f20468";
/// Pending (质量管理 under [`RULE_QM`]): rejected by institution-conversion-decision-reject.json.
pub const APP_TO_REJECT: &str = "d2b4f6a8c0e13579";
/// Pending (数控加工工艺 under [`RULE_CNC`]): withdrawn by conversion-withdraw.json.
pub const APP_TO_WITHDRAW: &str = "e3c5a7b9d1f2468a";
/// Approved (电工电子技术 under [`RULE_ELEC`], 3 credits): its converted achievement is in
/// 陈晓明's list; conversion-withdraw-approved.json withdraws it (409 `STATE_CONFLICT`).
pub const APP_APPROVED: &str = "f4d6b8a0c2e3579b";

/// A rule of [`SCHOOL`] as the fixtures write it.
pub struct FixtureRule {
    pub id: &'static str,
    pub name: &'static str,
    pub kind: &'static str,
    pub subtype: &'static str,
    /// The certificate or course name the rule accepts.
    pub source_name: Option<&'static str>,
    pub min_level: Option<domain::conversions::rules::Level>,
    pub course_code: &'static str,
    pub course_name: &'static str,
    pub credit_tenths: i64,
    pub mode: domain::conversions::rules::Mode,
    pub max_credit_tenths: i64,
    pub effective_from: &'static str,
    pub effective_to: Option<&'static str>,
    pub status: domain::conversions::rules::RuleStatus,
}

/// A published rule accepting the course `course` of the demo roll, converting it into
/// `code` `name` (`tenths` credits, capped at as many).
const fn course_rule(
    id: &'static str,
    rule_name: &'static str,
    course: &'static str,
    code: &'static str,
    name: &'static str,
    tenths: i64,
    status: domain::conversions::rules::RuleStatus,
) -> FixtureRule {
    FixtureRule {
        id,
        name: rule_name,
        kind: "ACADEMIC",
        subtype: "COURSE",
        source_name: Some(course),
        min_level: None,
        course_code: code,
        course_name: name,
        credit_tenths: tenths,
        mode: domain::conversions::rules::Mode::Exempt,
        max_credit_tenths: tenths,
        effective_from: "2024-09-01",
        effective_to: None,
        status,
    }
}

pub const DEMO_RULE_FIXTURE: FixtureRule = FixtureRule {
    id: DEMO_RULE,
    name: "电梯维修保养职业技能等级证书(中级及以上)转换电梯维护与保养",
    kind: "NON_ACADEMIC",
    subtype: "X_CERTIFICATE",
    source_name: Some("电梯维修保养职业技能等级证书"),
    min_level: Some(domain::conversions::rules::Level::Intermediate),
    course_code: "ELE-201",
    course_name: "电梯维护与保养",
    credit_tenths: 40,
    mode: domain::conversions::rules::Mode::Exempt,
    max_credit_tenths: 80,
    effective_from: "2024-01-01",
    effective_to: None,
    status: domain::conversions::rules::RuleStatus::Published,
};

pub const RULES: &[FixtureRule] = {
    use domain::conversions::rules::RuleStatus::{Draft, Published};
    &[
        course_rule(
            RULE_PLC,
            "PLC编程与应用转换PLC控制技术",
            "PLC编程与应用",
            "MEC-210",
            "PLC控制技术",
            40,
            Published,
        ),
        FixtureRule {
            mode: domain::conversions::rules::Mode::Replace,
            ..course_rule(
                RULE_ROBOT,
                "工业机器人编程置换工业机器人技术应用",
                "工业机器人编程",
                "MEC-220",
                "工业机器人技术应用",
                30,
                Published,
            )
        },
        course_rule(
            RULE_CNC,
            "数控加工工艺转换数控编程与加工",
            "数控加工工艺",
            "MEC-230",
            "数控编程与加工",
            20,
            Published,
        ),
        course_rule(
            RULE_QM,
            "质量管理转换质量管理与控制",
            "质量管理",
            "MEC-240",
            "质量管理与控制",
            15,
            Published,
        ),
        course_rule(
            RULE_ELEC,
            "电工电子技术转换电工技术基础",
            "电工电子技术",
            "MEC-250",
            "电工技术基础",
            30,
            Published,
        ),
        course_rule(
            RULE_DRAFT_EDIT,
            "安全生产转换安全生产管理",
            "安全生产",
            "MEC-260",
            "安全生产管理",
            10,
            Draft,
        ),
        course_rule(
            RULE_DRAFT_PUBLISH,
            "职业素养转换职业素养与就业指导",
            "职业素养",
            "MEC-270",
            "职业素养与就业指导",
            5,
            Draft,
        ),
        course_rule(
            RULE_TO_RETIRE,
            "CAD/CAM应用转换计算机辅助设计",
            "CAD/CAM应用",
            "MEC-280",
            "计算机辅助设计",
            10,
            Published,
        ),
    ]
};

/// An application of [`CONVERSION_LEARNER`]: the course of the demo roll (its external id) under
/// a rule, and the credits granted if approved.
pub struct FixtureApplication {
    pub id: &'static str,
    pub external_id: &'static str,
    pub rule: &'static str,
    pub approved_tenths: Option<i64>,
}

pub const APPLICATIONS: &[FixtureApplication] = &[
    FixtureApplication {
        id: APP_APPROVED,
        external_id: "C-2020-0101",
        rule: RULE_ELEC,
        approved_tenths: Some(30),
    },
    FixtureApplication {
        id: APP_TO_WITHDRAW,
        external_id: "C-2020-0106",
        rule: RULE_CNC,
        approved_tenths: None,
    },
    FixtureApplication {
        id: APP_TO_REJECT,
        external_id: "C-2020-0109",
        rule: RULE_QM,
        approved_tenths: None,
    },
    FixtureApplication {
        id: APP_PENDING,
        external_id: "C-2020-0105",
        rule: RULE_ROBOT,
        approved_tenths: None,
    },
];

/// The demo roll's achievement of `external_id` (its id as the import gives it).
pub fn demo_achievement_id(external_id: &str) -> String {
    domain::import::achievement_id(SCHOOL, external_id)
}

/// `f`'s rule, of `school`, as stored (published ones published when written).
fn rule_of(
    f: &FixtureRule,
    school: &domain::account::learner::School,
    now: i64,
) -> domain::conversions::rules::Rule {
    use domain::conversions::rules::{Rule, RuleBody, RuleStatus, Source, Target};
    let date = |d: &str| d.parse().expect("fixture dates are valid");
    let body = RuleBody {
        name: f.name.into(),
        source: Source {
            kind: f.kind.into(),
            subtype: f.subtype.into(),
            name: f.source_name.map(str::to_string),
            min_level: f.min_level,
        },
        target: Target {
            course_code: f.course_code.into(),
            course_name: f.course_name.into(),
            credit_tenths: f.credit_tenths,
            mode: f.mode,
        },
        max_credit_tenths: f.max_credit_tenths,
        effective_from: date(f.effective_from),
        effective_to: f.effective_to.map(date),
    };
    let mut rule = Rule::new(f.id.into(), school.clone(), body, now);
    if f.status != RuleStatus::Draft {
        rule.status = RuleStatus::Published;
        rule.published_at = Some(now);
    }
    rule
}

/// The school [`SCHOOL`] as its import named it.
async fn demo_school(app: &App) -> Result<domain::account::learner::School, DomainError> {
    use domain::store::schema;
    let item = app
        .store
        .get(&schema::school_pk(SCHOOL), schema::PROFILE_SK)
        .await?
        .ok_or_else(|| DomainError::internal("the demo school is not imported"))?;
    Ok(item.parse()?)
}

/// Writes `f` as drafting (and publishing) it would: the rule, its school's copy, its published
/// copy, the school's rule count up by one; nothing if the rule exists already. Whether it was
/// written.
async fn put_rule(app: &App, f: &FixtureRule) -> Result<bool, DomainError> {
    use domain::store::{schema, StoreError};
    let school = demo_school(app).await?;
    let rule = rule_of(f, &school, app.now_unix());
    let mut ops = rule.writes(None);
    ops.push(WriteOp::Increment {
        pk: schema::institution_rules_pk(SCHOOL),
        sk: schema::RULE_COUNT_SK.into(),
        field: "count".into(),
        max: domain::conversions::rules::MAX_RULES_PER_SCHOOL,
        expires_at: None,
    });
    match app.store.transact(ops).await {
        Ok(()) => Ok(true),
        Err(StoreError::ConditionFailed { index: Some(0) }) => Ok(false),
        Err(e) => Err(e.into()),
    }
}

/// The dev server's demo rule ([`DEMO_RULE`]), published, once: idempotent (a rule there
/// already is left as it is). Needs the demo roll imported (the school's name).
pub async fn seed_demo_rule(app: &App) -> Result<bool, DomainError> {
    put_rule(app, &DEMO_RULE_FIXTURE).await
}

/// The stored application `f` of `learner` to `school`, submitted `minutes_ago` (approved ten
/// minutes later, if it is), and the converted achievement its approval added.
async fn fixture_application(
    app: &App,
    learner: &domain::account::learner::Learner,
    school: &domain::account::learner::School,
    f: &FixtureApplication,
    minutes_ago: i64,
) -> Result<
    (
        domain::conversions::Application,
        Option<domain::achievements::Achievement>,
    ),
    DomainError,
> {
    use domain::conversions::command::DecisionCommand;
    use domain::conversions::{Action, Application, SourceAchievement, Status, Step};
    use domain::store::schema;
    let rule = RULES
        .iter()
        .find(|r| r.id == f.rule)
        .expect("a fixture rule");
    let achievement: domain::achievements::Achievement = app
        .store
        .get(
            &schema::learner_pk(&learner.id_key),
            &schema::achievement_sk(&demo_achievement_id(f.external_id)),
        )
        .await?
        .ok_or_else(|| DomainError::internal("a fixture application's achievement"))?
        .parse()?;
    let submitted_ms = app.now().timestamp_millis() - minutes_ago * 60_000;
    let mut a = Application {
        id: f.id.into(),
        learner: learner.id_key.clone(),
        learner_name: learner.name.clone(),
        learner_id_masked: learner.id_masked.clone(),
        institution: school.clone(),
        achievement: SourceAchievement::of(&achievement),
        rule: rule_of(rule, school, app.now_unix()),
        status: Status::Pending,
        reason: None,
        granted_tenths: None,
        converted_achievement: None,
        submitted_ms,
        updated_at: submitted_ms / 1000,
        history: vec![Step {
            at: submitted_ms / 1000,
            action: Action::Submitted,
            by: domain::workflow::LEARNER.into(),
            reason: None,
        }],
    };
    let converted = match f.approved_tenths {
        Some(credit_tenths) => a.decide(
            &DecisionCommand::Approve { credit_tenths },
            FIXTURE_REVIEWER,
            app.today(),
            submitted_ms / 1000 + 600,
        )?,
        None => None,
    };
    Ok((a, converted))
}

/// The writes of application `a` as applying (and deciding) wrote them: the record, its
/// pointer, its school's queue entry, its two claims, and the converted achievement.
fn application_ops(
    a: &domain::conversions::Application,
    converted: Option<&domain::achievements::Achievement>,
) -> Vec<WriteOp> {
    use domain::conversions::{Claim, Pointer};
    use domain::store::schema;
    let put = |item: Item| WriteOp::Put {
        item,
        condition: Condition::None,
    };
    let pointer = Pointer {
        learner: a.learner.clone(),
        institution: a.institution.code.clone(),
    };
    let mut ops = vec![
        put(a.item()),
        put(Item::new(
            schema::conversion_pointer_pk(&a.id),
            schema::CONVERSION_POINTER_SK,
            &pointer,
        )),
    ];
    ops.extend(a.index_ops(None));
    let claim = Claim {
        application: a.id.clone(),
    };
    ops.extend(
        a.claim_keys()
            .into_iter()
            .map(|(pk, sk)| put(Item::new(pk, sk, &claim))),
    );
    if let Some(c) = converted {
        ops.push(put(Item::new(schema::learner_pk(&a.learner), c.sk(), c)));
    }
    ops
}

/// Writes [`RULES`] and [`APPLICATIONS`] as the use cases would have: each application with its
/// pointer, its school's queue entry and its claims; the approved one decided, its converted
/// achievement added; the learner's open and converted counts.
async fn seed_conversions(app: &App) -> Result<(), DomainError> {
    for f in RULES {
        put_rule(app, f).await?;
    }
    let id = IdNumber::parse(CONVERSION_LEARNER, app.today()).expect("a valid ID number");
    let stored = domain::account::learner::load_by_id(app, &id)
        .await?
        .ok_or_else(|| DomainError::internal("the conversions' learner is missing"))?;
    let school = demo_school(app).await?;
    let mut next = stored.learner.clone();
    for (i, f) in APPLICATIONS.iter().enumerate() {
        let minutes_ago = 50 - 10 * i as i64;
        let (a, converted) =
            fixture_application(app, &stored.learner, &school, f, minutes_ago).await?;
        match converted {
            Some(_) => next.converted_count += 1,
            None => next.open_conversions += 1,
        }
        app.store
            .transact(application_ops(&a, converted.as_ref()))
            .await?;
    }
    let learner = WriteOp::Put {
        item: stored.replaced_by(&next),
        condition: Condition::Version(stored.item.version),
    };
    app.store.transact(vec![learner]).await?;
    Ok(())
}

// ------------------------------------------------------------------------------------------------
// 问题反馈: 陈晓明's tickets to the demo school in every state, and the five 王芳 filed today.

/// Whose tickets the feedback events handle: 陈晓明 ([`ACTIVE_LEARNER`]; no bound mobile, so
/// replies send no notice). His returned registration ([`REG_RETURNED`]) and approved
/// application ([`APP_APPROVED`]) are what two of his tickets are about; feedback-submit.json
/// files one about his rejected registration ([`REG_REJECTED`]) with [`UPLOAD_FEEDBACK`].
pub const FEEDBACK_LEARNER: &str = ACTIVE_LEARNER;
/// A session of [`FEEDBACK_LEARNER`]: feedback*.json, institution-feedback-learner-token.json.
pub const FEEDBACK_TOKEN: &str = "sample-token-feedback-Rk8Wd3Yp6Lc1Vm9Qx4Hn";
/// 王芳 ([`SETTINGS_LEARNER`]) filed five tickets today: feedback-submit-sixth-today.json files
/// a sixth (429 `RATE_LIMITED`) with [`SETTINGS_TOKEN`], the one session of hers that her
/// password change (password-change.json) keeps.
pub const FEEDBACK_LIMIT_LEARNER: &str = SETTINGS_LEARNER;
/// The credit bank's staff member who answered the fixtures' forwarded tickets (user pool
/// subject).
pub const FIXTURE_PLATFORM_STAFF: &str = "5a9e3c71-8d2b-4f6a-b0c4-e1d3f5a7b9c2";

/// Submitted, about [`REG_RETURNED`], with a photo ([`UPLOAD_FEEDBACK_ATTACHED`]): read by
/// feedback-get.json and institution-feedback-get.json, refused to another school
/// (institution-feedback-get-other-school.json) and to the credit bank (not forwarded:
/// platform-feedback-get-not-forwarded.json), answered by institution-feedback-reply.json.
pub const FB_SUBMITTED: &str = "b7e2c4a6d8f01357";
/// Answered, followed up (submitted again), about [`APP_APPROVED`]: forwarded by
/// institution-feedback-forward.json.
pub const FB_TO_FORWARD: &str = "c8f3d5b7e9a02468";
/// Forwarded to the credit bank: read by platform-feedback-get.json, answered by
/// platform-feedback-reply.json; institution-feedback-reply-forwarded.json answers it as the
/// school (409 `STATE_CONFLICT`).
pub const FB_FORWARDED: &str = "d9a4e6c8f0b13579";
/// Answered by the school: followed up by feedback-follow-up.json.
pub const FB_REPLIED: &str = "e0b5f7d9a1c24680";
/// Answered by the school: closed with a rating by feedback-close.json.
pub const FB_TO_CLOSE: &str = "f1c6a8e0b2d35791";
/// Closed: feedback-follow-up-closed.json follows it up (409 `STATE_CONFLICT`).
pub const FB_CLOSED: &str = "a2d7b9f1c3e46802";
/// 王芳's first of today: feedback-get-another-learners.json reads it as 陈晓明 (404).
pub const FB_OF_ANOTHER: &str = "1a3c5e7f9b2d4608";

/// The photo attached to [`FB_SUBMITTED`].
pub const UPLOAD_FEEDBACK_ATTACHED: &str = "6f708192a3b4c5d6e7f8011223344556";
/// Posted, not attached: feedback-submit.json attaches it.
pub const UPLOAD_FEEDBACK: &str = "708192a3b4c5d6e7f801122334455667";

/// What happened to a fixture ticket after it was filed, in order, an hour apart.
pub enum TicketStep {
    SchoolReply(&'static str),
    FollowUp(&'static str),
    Forward(&'static str),
    PlatformReply(&'static str),
    Close(Option<u8>),
}

/// A ticket of `learner` (an ID number) to [`SCHOOL`].
pub struct FixtureTicket {
    pub id: &'static str,
    pub learner: &'static str,
    pub category: domain::feedback::Category,
    pub title: &'static str,
    pub content: &'static str,
    /// A registration or application of the learner's ([`REGISTRATIONS`], [`APPLICATIONS`]).
    pub related: Option<&'static str>,
    /// An upload of [`UPLOADS`] attached to it.
    pub attachment: Option<&'static str>,
    /// When it was filed; less than a day ago is today, not before the day began (China
    /// Standard Time).
    pub filed_minutes_ago: i64,
    /// The ticket number's last six digits (its date is the day it was filed).
    pub number: &'static str,
    pub steps: &'static [TicketStep],
}

const DAY_MINUTES: i64 = 24 * 60;

/// A submitted ticket of 王芳's, filed today `minutes_ago`.
const fn filed_today(
    id: &'static str,
    category: domain::feedback::Category,
    title: &'static str,
    content: &'static str,
    minutes_ago: i64,
    number: &'static str,
) -> FixtureTicket {
    FixtureTicket {
        id,
        learner: FEEDBACK_LIMIT_LEARNER,
        category,
        title,
        content,
        related: None,
        attachment: None,
        filed_minutes_ago: minutes_ago,
        number,
        steps: &[],
    }
}

pub const TICKETS: &[FixtureTicket] = {
    use domain::feedback::Category::*;
    use TicketStep::*;
    &[
        FixtureTicket {
            id: FB_SUBMITTED,
            learner: FEEDBACK_LEARNER,
            category: Help,
            title: "获奖证书原件遗失怎么办",
            content: "登记被退回，要求上传获奖证书原件扫描件，但原件已遗失，只有获奖文件的照片，请问可以用什么材料代替？",
            related: Some(REG_RETURNED),
            attachment: Some(UPLOAD_FEEDBACK_ATTACHED),
            filed_minutes_ago: 2 * DAY_MINUTES,
            number: "300001",
            steps: &[],
        },
        FixtureTicket {
            id: FB_TO_FORWARD,
            learner: FEEDBACK_LEARNER,
            category: Consult,
            title: "转换获得的课程学分如何计入总学分",
            content: "电工电子技术已转换为电工技术基础，但个人中心的总学分没有增加，请问转换获得的课程学分如何计算？",
            related: Some(APP_APPROVED),
            attachment: None,
            filed_minutes_ago: 3 * DAY_MINUTES,
            number: "300002",
            steps: &[
                SchoolReply("转换获取的课程学分不重复计入总学分，来源成果的学分已计入。"),
                FollowUp("那学分银行的学分证明上会显示转换后的课程吗？"),
            ],
        },
        FixtureTicket {
            id: FB_FORWARDED,
            learner: FEEDBACK_LEARNER,
            category: Help,
            title: "学分银行账户学分未同步",
            content: "院校已认定的课程学分在学分银行账户中仍显示为0，已经过去两周，请帮忙查看。",
            related: None,
            attachment: None,
            filed_minutes_ago: 4 * DAY_MINUTES,
            number: "300003",
            steps: &[Forward("学分同步属平台处理范围，请平台核查该学习者账户的学分记录。")],
        },
        FixtureTicket {
            id: FB_REPLIED,
            learner: FEEDBACK_LEARNER,
            category: Consult,
            title: "如何修改已登记的成果",
            content: "已提交的成果登记中证书编号填错了一位，请问如何修改？",
            related: None,
            attachment: None,
            filed_minutes_ago: 5 * DAY_MINUTES,
            number: "300004",
            steps: &[SchoolReply("待审核的登记可先撤回，改正后重新提交；被退回的登记可直接修改后重新提交。")],
        },
        FixtureTicket {
            id: FB_TO_CLOSE,
            learner: FEEDBACK_LEARNER,
            category: Suggestion,
            title: "建议增加成果批量登记功能",
            content: "我有十几张培训证书需要登记，一张一张提交比较麻烦，建议增加批量登记功能。",
            related: None,
            attachment: None,
            filed_minutes_ago: 6 * DAY_MINUTES,
            number: "300005",
            steps: &[SchoolReply("感谢建议，已转告平台在后续版本中考虑。")],
        },
        FixtureTicket {
            id: FB_CLOSED,
            learner: FEEDBACK_LEARNER,
            category: Other,
            title: "登录页验证码看不清",
            content: "登录页的图形验证码有时候看不清楚，能否换一种验证方式？",
            related: None,
            attachment: None,
            filed_minutes_ago: 7 * DAY_MINUTES,
            number: "300006",
            steps: &[
                SchoolReply("点击验证码图片即可换一张。"),
                Close(Some(4)),
            ],
        },
        filed_today(
            FB_OF_ANOTHER,
            Consult,
            "更换手机号后收不到验证码",
            "我更换了手机号码，之后找回密码时一直收不到短信验证码。",
            50,
            "300101",
        ),
        filed_today(
            "2b4d6f8a0c1e3579",
            Consult,
            "如何查看学分明细",
            "个人中心只显示总学分，请问在哪里可以看到每项成果的学分明细？",
            40,
            "300102",
        ),
        filed_today(
            "3c5e7a9b1d2f4680",
            Help,
            "证书登记需要哪些材料",
            "准备登记职业资格证书，请问除了证书扫描件还需要提交哪些证明材料？",
            30,
            "300103",
        ),
        filed_today(
            "4d6f8b0c2e3a5791",
            Consult,
            "转换规则在哪里查看",
            "想了解本校有哪些证书可以转换为课程学分，请问转换规则在哪里查看？",
            20,
            "300104",
        ),
        filed_today(
            "5e7a9c1d3f4b6802",
            Other,
            "个人信息填写错误如何更正",
            "完善信息时证件有效期开始日期填错了，请问如何更正？",
            10,
            "300105",
        ),
    ]
};

/// What fixture record `id` is, as a ticket about it keeps it (the registration's name, the
/// application's rule's name).
fn related_of(id: &str) -> Option<domain::feedback::Related> {
    use domain::feedback::{Related, RelatedKind};
    let related = |kind, name: &str| Related {
        kind,
        id: id.into(),
        name: name.into(),
    };
    if let Some(r) = REGISTRATIONS.iter().find(|r| r.id == id) {
        return Some(related(RelatedKind::Registration, r.name));
    }
    let a = APPLICATIONS.iter().find(|a| a.id == id)?;
    let rule = RULES.iter().find(|r| r.id == a.rule)?;
    Some(related(RelatedKind::Conversion, rule.name))
}

/// The China day of `unix`: its date and the start of the next day (unix seconds).
fn china_day_of(unix: i64) -> (chrono::NaiveDate, i64) {
    use chrono::TimeZone;
    let offset = domain::app::china_offset();
    let day = offset
        .timestamp_opt(unix, 0)
        .single()
        .expect("fixture times are valid")
        .date_naive();
    let next = day
        .succ_opt()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .and_then(|t| offset.from_local_datetime(&t).single())
        .map_or(unix, |t| t.timestamp());
    (day, next)
}

/// The stored ticket `f` of `learner` and its thread: filed, then each step through the
/// domain's own changes.
fn fixture_ticket(
    app: &App,
    learner: &domain::account::learner::Learner,
    school: &domain::account::learner::School,
    f: &FixtureTicket,
) -> Result<(domain::feedback::Ticket, Vec<domain::feedback::Message>), DomainError> {
    use domain::feedback::{Author, Kind, Message, Status, Ticket};
    let now_ms = app.now().timestamp_millis();
    let mut filed_ms = now_ms - f.filed_minutes_ago * 60_000;
    if f.filed_minutes_ago < DAY_MINUTES {
        // Today's, however early in the day the seeding runs: the day's count is today's.
        let day_began = (china_day_of(now_ms / 1000).1 - 86_400) * 1000;
        filed_ms = filed_ms.max(day_began);
    }
    let filed = filed_ms / 1000;
    let attachments = UPLOADS
        .iter()
        .filter(|u| Some(u.id) == f.attachment)
        .map(|u| domain::uploads::Evidence {
            upload_id: u.id.into(),
            file_name: u.file_name.into(),
            content_type: u.content_type.into(),
            size: u.bytes.len() as u64,
        })
        .collect();
    let mut ticket = Ticket {
        id: f.id.into(),
        ticket_no: format!("FK{}{}", china_day_of(filed).0.format("%Y%m%d"), f.number),
        learner: learner.id_key.clone(),
        learner_name: learner.name.clone(),
        learner_id_masked: learner.id_masked.clone(),
        institution: school.clone(),
        category: f.category,
        title: f.title.into(),
        related: f.related.and_then(related_of),
        attachments,
        status: Status::Submitted,
        forwarded: false,
        message_count: 1,
        rating: None,
        submitted_ms: filed_ms,
        waiting_ms: filed_ms,
        school_deadline: domain::feedback::Deadline::after(
            filed,
            app.accounts.feedback_answer_days,
        ),
        platform_deadline: None,
        last_notice_at: None,
        updated_at: filed,
    };
    let mut thread = vec![Message {
        seq: 1,
        at: filed,
        author: Author::Learner,
        by: domain::workflow::LEARNER.into(),
        kind: Kind::Message,
        content: f.content.into(),
        rating: None,
    }];
    for (i, step) in f.steps.iter().enumerate() {
        let at_ms = filed_ms + (i as i64 + 1) * 3_600_000;
        thread.push(ticket_step(&mut ticket, step, at_ms)?);
    }
    Ok((ticket, thread))
}

/// `step` of a fixture ticket at `at_ms`, as its route changes the ticket; the message it adds.
fn ticket_step(
    t: &mut domain::feedback::Ticket,
    step: &TicketStep,
    at_ms: i64,
) -> Result<domain::feedback::Message, DomainError> {
    use domain::feedback::Author;
    let at = at_ms / 1000;
    match step {
        TicketStep::SchoolReply(text) => {
            t.reply(at, Author::School, FIXTURE_REVIEWER, (*text).into())
        }
        TicketStep::PlatformReply(text) => {
            t.reply(at, Author::Platform, FIXTURE_PLATFORM_STAFF, (*text).into())
        }
        TicketStep::FollowUp(text) => t.follow_up(at_ms, (*text).into()),
        TicketStep::Forward(note) => {
            let days = domain::app::config::AccountPolicy::default().feedback_answer_days;
            t.forward(at_ms, FIXTURE_REVIEWER, (*note).into(), days)
        }
        TicketStep::Close(rating) => t.close(at, *rating),
    }
}

/// The writes of ticket `t` and its thread as filing and changing it wrote them: the ticket,
/// its messages, its inbox entries (the school's; the credit bank's once forwarded), its
/// pointer, its number, and its filing day's count.
fn ticket_ops(t: &domain::feedback::Ticket, thread: &[domain::feedback::Message]) -> Vec<WriteOp> {
    use domain::store::schema;
    let put = |item: Item| WriteOp::Put {
        item,
        condition: Condition::None,
    };
    let mut ops = vec![put(t.item())];
    ops.extend(thread.iter().map(|m| t.message_op(m)));
    ops.extend(t.index_ops(None));
    let pointer = domain::workflow::Pointer {
        learner: t.learner.clone(),
        institution: t.institution.code.clone(),
    };
    ops.push(put(Item::new(
        schema::feedback_pointer_pk(&t.id),
        schema::FEEDBACK_POINTER_SK,
        &pointer,
    )));
    ops.push(put(Item::new(
        schema::feedback_number_pk(&t.ticket_no),
        schema::FEEDBACK_NUMBER_SK,
        &serde_json::json!({ "ticket": t.id }),
    )));
    let (day, next_day) = china_day_of(t.submitted_ms / 1000);
    ops.push(WriteOp::Increment {
        pk: schema::feedback_quota_pk(&t.learner),
        sk: schema::day_sk(&day.format("%Y-%m-%d").to_string()),
        field: "count".into(),
        max: domain::feedback::DAILY_TICKETS,
        expires_at: Some(next_day + 86_400),
    });
    ops
}

/// Writes [`TICKETS`] as the routes would have: each ticket with its thread, inbox entries,
/// pointer, number and day count, one transaction a ticket (its attachment's upload record is
/// among [`UPLOADS`], attached).
async fn seed_feedback(app: &App) -> Result<(), DomainError> {
    let school = demo_school(app).await?;
    for f in TICKETS {
        let id = IdNumber::parse(f.learner, app.today()).expect("a valid ID number");
        let stored = domain::account::learner::load_by_id(app, &id)
            .await?
            .ok_or_else(|| DomainError::internal("a feedback fixture's learner is missing"))?;
        let (ticket, thread) = fixture_ticket(app, &stored.learner, &school, f)?;
        app.store.transact(ticket_ops(&ticket, &thread)).await?;
    }
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

/// Writes every fixture into `app`'s store: the demo roll (`events/import-demo.json`) and the
/// demo rule, the active learners, the captchas, the registrations, the conversion rules and
/// applications, the feedback tickets, the sessions and SMS codes. Meant for a fresh (or emptied) store; the
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
    seed_conversions(app).await?;
    seed_feedback(app).await?;

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
