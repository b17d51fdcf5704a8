//! Fault injection: a proxy between the service and moto (`scripts/lib/proxy.py`, fault mode)
//! refuses, stalls, slows down or answers with AWS errors, and every HTTP route must answer in
//! under 5 s with a documented status (503 `SERVICE_UNAVAILABLE` with `Retry-After` when a
//! dependency fails), recover by itself when the fault clears, and leave no half-done state:
//! quota not spent by a provider failure, no half-applied profile, no lockout try taken, totals
//! equal to the sum of achievements after a failed import batch.
//!
//! The app runs with the production budgets (`Budgets::HTTP`), so the measured times are the
//! deployed ones. The fault × route table is printed and written to `.tmp/fault-table.txt`.
//! Needs moto (`AWS_ENDPOINT_URL`), python3 and `FAULT_TESTS=1`; `scripts/test.sh` runs them in
//! a step of their own, so that no other test loads moto while times are measured (skipped with
//! a note otherwise).

use futures::future::join_all;
use integration_tests::*;
use serde_json::json;
use std::io::{BufRead, Read, Write};
use std::time::{Duration, Instant};

const NEW_PASSWORD: &str = "Gd7-river-lantern";
/// Every route answers within this, whatever its dependencies do.
const LIMIT: Duration = Duration::from_secs(5);

/// Whether the fault tests run here (see the module's documentation).
fn fault_tests_on() -> bool {
    if std::env::var("FAULT_TESTS").is_ok_and(|v| v == "1") {
        return emulator_up();
    }
    eprintln!("note: fault injection runs with FAULT_TESTS=1 (scripts/test.sh has a step for it)");
    false
}

/// A test app's configuration on moto with the deployed budgets.
fn production_budgets() -> domain::app::config::Config {
    let mut config = test_config(Backend::Dynamo);
    config.budgets = domain::app::config::Budgets::HTTP;
    config
}

struct FaultProxy {
    child: std::process::Child,
    data: u16,
    control: u16,
}

impl FaultProxy {
    fn start() -> FaultProxy {
        let upstream = std::env::var("AWS_ENDPOINT_URL").expect("moto endpoint");
        let script =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../scripts/lib/proxy.py");
        let mut child = std::process::Command::new("python3")
            .arg(script)
            .arg("fault")
            .arg(upstream)
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("python3 runs scripts/lib/proxy.py");
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let ports: Vec<u16> = line
            .split_whitespace()
            .skip(1)
            .map(|p| p.parse().expect("port"))
            .collect();
        FaultProxy {
            child,
            data: ports[0],
            control: ports[1],
        }
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.data)
    }

    /// Sets the fault (`mode=…&…`, see the script), or clears it with `mode=pass`.
    fn set(&self, query: &str) {
        let mut conn = std::net::TcpStream::connect(("127.0.0.1", self.control)).unwrap();
        write!(
            conn,
            "GET /fault?{query} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n"
        )
        .unwrap();
        let mut out = String::new();
        conn.read_to_string(&mut out).unwrap();
        assert!(out.starts_with("HTTP/1.0 200"), "{out}");
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The faults of the table: label, proxy setting, and whether every store-backed route must be
/// a 503 under it (`All`), only `/sms/code` (`Sms`), only the routes that read and copy uploaded
/// files, the registration's submission and a feedback ticket's filing with an attachment
/// (`Files`: upload forms and read URLs are signed without a request, and a resubmission whose
/// evidence is attached already touches no file),
/// the captcha and the login must succeed and the rest answer in time (`Slow`: every DynamoDB
/// call is slow, none fails), or any documented non-500 answer (`Any`).
#[derive(Clone, Copy, PartialEq)]
enum Expect {
    All,
    Sms,
    Files,
    Slow,
    Any,
}

const FAULTS: &[(&str, &str, Expect)] = &[
    ("refused (DynamoDB and SNS)", "mode=refuse", Expect::All),
    ("DynamoDB stalled", "mode=stall&service=dynamodb", Expect::All),
    (
        "DynamoDB slow (700 ms a call)",
        "mode=slow&delay_ms=700&service=dynamodb",
        Expect::Slow,
    ),
    (
        "DynamoDB ThrottlingException",
        "mode=error&code=ThrottlingException&service=dynamodb",
        Expect::All,
    ),
    (
        "DynamoDB ProvisionedThroughputExceeded",
        "mode=error&code=ProvisionedThroughputExceededException&service=dynamodb",
        Expect::All,
    ),
    (
        "DynamoDB InternalServerError",
        "mode=error&code=InternalServerError&service=dynamodb",
        Expect::All,
    ),
    (
        "TransactWriteItems cancelled: throttled",
        "mode=error&code=TransactionCanceledException&reason=ThrottlingError&service=dynamodb",
        Expect::Any,
    ),
    (
        "TransactWriteItems cancelled: condition failed",
        "mode=error&code=TransactionCanceledException&reason=ConditionalCheckFailed&service=dynamodb",
        Expect::Any,
    ),
    ("SNS stalled", "mode=stall&service=sns", Expect::Sms),
    (
        "SNS Throttling",
        "mode=error&code=Throttling&service=sns",
        Expect::Sms,
    ),
    (
        "SNS InternalError",
        "mode=error&code=InternalError&service=sns",
        Expect::Sms,
    ),
    ("S3 stalled", "mode=stall&service=s3", Expect::Files),
    (
        "S3 SlowDown",
        "mode=error&code=SlowDown&service=s3",
        Expect::Files,
    ),
];

/// Cells of the matrix known to answer wrongly, awaiting a change in the domain: (fault, route,
/// the answer, why). Such a cell is marked `*` in the table and not counted as a problem while
/// it answers exactly that; answering anything else fails the test, so the entry goes with the
/// fix.
const KNOWN: &[(&str, &str, u16, &str)] = &[];

/// The routes that read and copy uploaded files (each must be a 503 when S3 fails).
const FILES: &[&str] = &["POST /achievement-registrations", "POST /feedback"];

/// The routes that send the learner a notice SMS after their write, best effort: the SMS
/// provider down never fails them (the change is written before the notice is sent).
const NOTIFYING: &[&str] = &[
    "POST /institution/achievement-registrations/{id}/decision",
    "POST /institution/conversions/{id}/decision",
    "POST /institution/feedback/{id}/messages",
    "POST /platform/feedback/{id}/messages",
];

const ROUTES: &[&str] = &[
    "GET /captcha",
    "POST /login",
    "POST /logout",
    "POST /sms/code",
    "GET /profile",
    "PUT /profile",
    "GET /me",
    "GET /achievements",
    "GET /achievement-types",
    "POST /password/reset/code",
    "POST /password/reset",
    "PUT /password",
    "PUT /mobile",
    "POST /uploads",
    "POST /achievement-registrations",
    "GET /achievement-registrations",
    "GET /achievement-registrations/{id}",
    "PUT /achievement-registrations/{id}",
    "POST /achievement-registrations/{id}/withdraw",
    "GET /institution/achievement-registrations",
    "GET /institution/achievement-registrations/{id}",
    "POST /institution/achievement-registrations/{id}/decision",
    "GET /conversion-rules",
    "GET /achievements/{id}/conversion-rules",
    "POST /conversions",
    "GET /conversions",
    "GET /conversions/{id}",
    "POST /conversions/{id}/withdraw",
    "POST /institution/conversion-rules",
    "GET /institution/conversion-rules",
    "PUT /institution/conversion-rules/{id}",
    "POST /institution/conversion-rules/{id}/publish",
    "POST /institution/conversion-rules/{id}/retire",
    "GET /institution/conversions",
    "GET /institution/conversions/{id}",
    "POST /institution/conversions/{id}/decision",
    "POST /feedback",
    "GET /feedback",
    "GET /feedback/{id}",
    "POST /feedback/{id}/messages",
    "POST /feedback/{id}/close",
    "GET /institution/feedback",
    "GET /institution/feedback/{id}",
    "POST /institution/feedback/{id}/messages",
    "POST /institution/feedback/{id}/forward",
    "GET /platform/feedback",
    "GET /platform/feedback/{id}",
    "POST /platform/feedback/{id}/messages",
];

/// Every route the functions declare is in the fault matrix (a new route must join it).
#[test]
fn the_fault_matrix_covers_every_route() {
    let mut declared: Vec<String> = devserver::api_routes()
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    declared.sort();
    let mut matrix: Vec<String> = ROUTES.iter().map(|r| r.to_string()).collect();
    matrix.sort();
    assert_eq!(matrix, declared);
}

/// What the requests of one round need, prepared while nothing is faulted.
struct Round {
    token: String,
    logout_token: String,
    captcha: (String, String),
    reset_captcha: (String, String),
    incomplete_token: String,
    incomplete_mobile: String,
    incomplete_code: String,
    reg: Registrations,
    conv: Conversions,
    fb: Feedback,
}

/// The registration routes' inputs of one round, with learners of the demo school of their own
/// (no round meets another's open registrations; and the routes that write a learner's record,
/// the submission, the withdrawal and the decision, each write another's, so that no cell
/// measures their contention): the first learner's upload posted for a new registration and a
/// registration returned by the school (resubmitted with its evidence, read); the second's to
/// withdraw; the third's to read and decide, as a reviewer of that school.
struct Registrations {
    token: String,
    staff: String,
    upload: String,
    returned: String,
    returned_upload: String,
    withdraw_token: String,
    withdraw: String,
    decide_token: String,
    decide: String,
}

const PNG: &[u8] = &[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0];

fn registration_body(evidence: &str) -> serde_json::Value {
    json!({
        "institution": "DEMO-SCHOOL", "name": "电工职业资格证书(高级)", "type": "NON_ACADEMIC",
        "subtype": "VOCATIONAL_QUALIFICATION", "issuer": "广东省人力资源和社会保障厅",
        "obtainedAt": "2024-06-28", "evidence": [evidence],
    })
}

/// An upload of the learner of `token`, its file posted with its form.
async fn posted_upload(t: &TestApp, token: &str) -> String {
    let body = json!({ "fileName": "证书.png", "contentType": "image/png", "size": PNG.len() });
    let r = t.post("/uploads", body, Some(token)).await;
    assert_eq!(r.status, 201, "upload form: {}", r.body);
    let fields = serde_json::from_value(r.body["fields"].clone()).unwrap();
    let url = r.body["url"].as_str().unwrap();
    let posted = t
        .upload_form_post(url, &fields, "证书.png", "image/png", PNG)
        .await;
    assert!((200..300).contains(&posted), "form post: {posted}");
    r.body["uploadId"].as_str().unwrap().to_string()
}

/// A new pending registration of the learner of `token` with a new upload: (its id, the upload).
async fn submitted(t: &TestApp, token: &str) -> (String, String) {
    let upload = posted_upload(t, token).await;
    let r = t
        .post(
            "/achievement-registrations",
            registration_body(&upload),
            Some(token),
        )
        .await;
    assert_eq!(r.status, 201, "submit: {}", r.body);
    (r.body["id"].as_str().unwrap().to_string(), upload)
}

/// A new active learner of the demo school (imported by it): their token.
async fn registering_learner(t: &TestApp) -> String {
    let id = unique_id_number();
    let school = json!({ "code": "DEMO-SCHOOL", "name": "学分银行演示院校" });
    t.import(json!({ "institution": school, "learners": [{ "idNumber": id, "name": "登记" }] }))
        .await;
    t.activate(&id, NEW_PASSWORD).await.0
}

async fn registrations(t: &TestApp, staff: &str) -> Registrations {
    let token = registering_learner(t).await;
    let withdraw_token = registering_learner(t).await;
    let decide_token = registering_learner(t).await;
    let (decide, _) = submitted(t, &decide_token).await;
    let (withdraw, _) = submitted(t, &withdraw_token).await;
    let (returned, returned_upload) = submitted(t, &token).await;
    let path = format!("/institution/achievement-registrations/{returned}/decision");
    let r = t
        .post(
            &path,
            json!({ "decision": "RETURN", "reason": "请补充" }),
            Some(staff),
        )
        .await;
    assert_eq!(r.status, 200, "return: {}", r.body);
    Registrations {
        upload: posted_upload(t, &token).await,
        token,
        staff: staff.to_string(),
        returned,
        returned_upload,
        withdraw_token,
        withdraw,
        decide_token,
        decide,
    }
}

/// The request of a registration route for round `r`.
fn registration_request(t: &TestApp, route: &str, r: &Registrations) -> Req {
    let reg = |id: &str| format!("/achievement-registrations/{id}");
    let school = |id: &str| format!("/institution/achievement-registrations/{id}");
    match route {
        "POST /uploads" => t
            .req("POST", "/uploads")
            .json(&json!({ "fileName": "a.pdf", "contentType": "application/pdf", "size": 100 }))
            .bearer(&r.token),
        "POST /achievement-registrations" => t
            .req("POST", "/achievement-registrations")
            .json(&registration_body(&r.upload))
            .bearer(&r.token),
        "GET /achievement-registrations" => {
            t.req("GET", "/achievement-registrations").bearer(&r.token)
        }
        "GET /achievement-registrations/{id}" => t.req("GET", &reg(&r.returned)).bearer(&r.token),
        "PUT /achievement-registrations/{id}" => t
            .req("PUT", &reg(&r.returned))
            .json(&registration_body(&r.returned_upload))
            .bearer(&r.token),
        "POST /achievement-registrations/{id}/withdraw" => t
            .req("POST", &format!("{}/withdraw", reg(&r.withdraw)))
            .bearer(&r.withdraw_token),
        "GET /institution/achievement-registrations" => t
            .req("GET", "/institution/achievement-registrations")
            .bearer(&r.staff),
        "GET /institution/achievement-registrations/{id}" => {
            t.req("GET", &school(&r.decide)).bearer(&r.staff)
        }
        "POST /institution/achievement-registrations/{id}/decision" => t
            .req("POST", &format!("{}/decision", school(&r.decide)))
            .json(&json!({ "decision": "APPROVE", "credits": 2, "points": 100 }))
            .bearer(&r.staff),
        other => panic!("no request for {other}"),
    }
}

/// The conversion routes' inputs of one round, again with learners of the demo school of their
/// own, each holding the demo certificate (so no cell measures contention on a learner's record,
/// which the application, the withdrawal and the decision write): the first learner's pending
/// application under the second rule (read) and the first rule free to apply under; the
/// second's pending application to withdraw; the third's to read and decide. The school's rules
/// of the round: a draft to edit, a draft to publish, a published rule to retire.
struct Conversions {
    token: String,
    achievement: String,
    rule: String,
    applied: String,
    withdraw_token: String,
    withdraw: String,
    decide: String,
    staff: String,
    draft_edit: String,
    draft_publish: String,
    to_retire: String,
}

/// The certificate the conversion rules of the fault tests accept (any X certificate).
fn conversion_rule(course: &str) -> serde_json::Value {
    json!({
        "name": format!("{course} 故障注入"), "effectiveFrom": "2024-01-01",
        "source": {"type": "NON_ACADEMIC", "subtype": "X_CERTIFICATE"},
        "target": {"courseCode": course, "courseName": "电梯维护与保养", "credits": 4, "mode": "EXEMPT"},
        "maxCredits": 8,
    })
}

/// A rule of the school of `staff`: drafted, and published when `publish`; its id.
async fn school_rule(t: &TestApp, staff: &str, course: &str, publish: bool) -> String {
    let r = t
        .post(
            "/institution/conversion-rules",
            conversion_rule(course),
            Some(staff),
        )
        .await;
    assert_eq!(r.status, 201, "draft: {}", r.body);
    let id = r.body["id"].as_str().unwrap().to_string();
    if publish {
        let path = format!("/institution/conversion-rules/{id}/publish");
        let r = t.post(&path, json!({}), Some(staff)).await;
        assert_eq!(r.status, 200, "publish: {}", r.body);
    }
    id
}

/// A new active learner of the demo school holding the demo certificate (imported with it):
/// their token and the certificate's id.
async fn certified_learner(t: &TestApp) -> (String, String) {
    let id = unique_id_number();
    let school = json!({ "code": "DEMO-SCHOOL", "name": "学分银行演示院校" });
    let certificate = json!({
        "externalId": format!("FLT-{id}"), "idNumber": id,
        "name": "电梯维修保养职业技能等级证书(中级)", "type": "NON_ACADEMIC",
        "subtype": "X_CERTIFICATE", "issuer": "杭州西奥电梯有限公司", "credits": 7,
        "points": 640, "source": "personal", "obtainedAt": "2023-06-30",
    });
    t.import(json!({
        "institution": school, "learners": [{ "idNumber": id, "name": "转换" }],
        "achievements": [certificate],
    }))
    .await;
    let token = t.activate(&id, NEW_PASSWORD).await.0;
    let list = t.get("/achievements", Some(&token)).await;
    let achievement = list.body["items"][0]["id"].as_str().unwrap().to_string();
    (token, achievement)
}

/// A pending application of the learner of `token`: its id.
async fn applied(t: &TestApp, token: &str, achievement: &str, rule: &str) -> String {
    let body = json!({ "achievementId": achievement, "ruleId": rule });
    let r = t.post("/conversions", body, Some(token)).await;
    assert_eq!(r.status, 201, "apply: {}", r.body);
    r.body["id"].as_str().unwrap().to_string()
}

/// The round's conversion inputs, under the school's two published rules `rules`.
async fn conversions(t: &TestApp, staff: &str, rules: &[String; 2]) -> Conversions {
    let (token, achievement) = certified_learner(t).await;
    let (withdraw_token, withdraw_achievement) = certified_learner(t).await;
    let (decide_token, decide_achievement) = certified_learner(t).await;
    Conversions {
        applied: applied(t, &token, &achievement, &rules[1]).await,
        withdraw: applied(t, &withdraw_token, &withdraw_achievement, &rules[0]).await,
        decide: applied(t, &decide_token, &decide_achievement, &rules[0]).await,
        token,
        achievement,
        rule: rules[0].clone(),
        withdraw_token,
        staff: staff.to_string(),
        draft_edit: school_rule(t, staff, "FLT-EDIT", false).await,
        draft_publish: school_rule(t, staff, "FLT-PUBLISH", false).await,
        to_retire: school_rule(t, staff, "FLT-RETIRE", true).await,
    }
}

/// The request of a conversion route for round `c`.
fn conversion_request(t: &TestApp, route: &str, c: &Conversions) -> Req {
    let rule = |id: &str| format!("/institution/conversion-rules/{id}");
    let school = |id: &str| format!("/institution/conversions/{id}");
    match route {
        "GET /conversion-rules" => t.req("GET", "/conversion-rules"),
        "GET /achievements/{id}/conversion-rules" => t
            .req(
                "GET",
                &format!("/achievements/{}/conversion-rules", c.achievement),
            )
            .bearer(&c.token),
        "POST /conversions" => t
            .req("POST", "/conversions")
            .json(&json!({ "achievementId": c.achievement, "ruleId": c.rule }))
            .bearer(&c.token),
        "GET /conversions" => t.req("GET", "/conversions").bearer(&c.token),
        "GET /conversions/{id}" => t
            .req("GET", &format!("/conversions/{}", c.applied))
            .bearer(&c.token),
        "POST /conversions/{id}/withdraw" => t
            .req("POST", &format!("/conversions/{}/withdraw", c.withdraw))
            .bearer(&c.withdraw_token),
        "POST /institution/conversion-rules" => t
            .req("POST", "/institution/conversion-rules")
            .json(&conversion_rule("FLT-NEW"))
            .bearer(&c.staff),
        "GET /institution/conversion-rules" => t
            .req("GET", "/institution/conversion-rules")
            .bearer(&c.staff),
        "PUT /institution/conversion-rules/{id}" => t
            .req("PUT", &rule(&c.draft_edit))
            .json(&conversion_rule("FLT-EDITED"))
            .bearer(&c.staff),
        "POST /institution/conversion-rules/{id}/publish" => t
            .req("POST", &format!("{}/publish", rule(&c.draft_publish)))
            .bearer(&c.staff),
        "POST /institution/conversion-rules/{id}/retire" => t
            .req("POST", &format!("{}/retire", rule(&c.to_retire)))
            .bearer(&c.staff),
        "GET /institution/conversions" => t.req("GET", "/institution/conversions").bearer(&c.staff),
        "GET /institution/conversions/{id}" => t.req("GET", &school(&c.decide)).bearer(&c.staff),
        "POST /institution/conversions/{id}/decision" => t
            .req("POST", &format!("{}/decision", school(&c.decide)))
            .json(&json!({ "decision": "APPROVE", "credits": 4 }))
            .bearer(&c.staff),
        other => panic!("no request for {other}"),
    }
}

/// The feedback routes' inputs of one round, with two learners of the demo school of their own
/// (a learner files five tickets a day, and the clock stands still): the first learner's
/// upload posted for a new ticket (so that filing reads and copies a file), and their tickets to
/// read and follow up, to close, and for the school to read and answer (the first notice to
/// that number today); the second's tickets for the school to forward and, forwarded already,
/// for the credit bank to read and answer (its notice to another number: the two replies of a
/// round share no item).
struct Feedback {
    token: String,
    upload: String,
    follow: String,
    close: String,
    answer: String,
    forward: String,
    forwarded: String,
    staff: String,
    platform: String,
}

/// A ticket to the demo school with `attachments` (upload ids).
fn ticket_body(attachments: &[&str]) -> serde_json::Value {
    json!({
        "institution": "DEMO-SCHOOL", "category": "HELP", "title": "故障注入反馈",
        "content": "故障注入测试：登记的证书为何被退回？", "attachments": attachments,
    })
}

/// A new ticket of the learner of `token`: its id.
async fn filed(t: &TestApp, token: &str) -> String {
    let r = t.post("/feedback", ticket_body(&[]), Some(token)).await;
    assert_eq!(r.status, 201, "file: {}", r.body);
    r.body["id"].as_str().unwrap().to_string()
}

/// A new ticket of the learner of `token`, forwarded to the credit bank by `staff`: its id.
async fn forwarded(t: &TestApp, token: &str, staff: &str) -> String {
    let id = filed(t, token).await;
    let path = format!("/institution/feedback/{id}/forward");
    let r = t
        .post(&path, json!({ "note": "转平台" }), Some(staff))
        .await;
    assert_eq!(r.status, 200, "forward: {}", r.body);
    id
}

async fn feedback(t: &TestApp, staff: &str, platform: &str) -> Feedback {
    let token = registering_learner(t).await;
    let other = registering_learner(t).await;
    Feedback {
        upload: posted_upload(t, &token).await,
        follow: filed(t, &token).await,
        close: filed(t, &token).await,
        answer: filed(t, &token).await,
        forward: filed(t, &other).await,
        forwarded: forwarded(t, &other, staff).await,
        token,
        staff: staff.to_string(),
        platform: platform.to_string(),
    }
}

/// The request of a feedback route for round `f`.
fn feedback_request(t: &TestApp, route: &str, f: &Feedback) -> Req {
    let mine = |id: &str| format!("/feedback/{id}");
    let school = |id: &str| format!("/institution/feedback/{id}");
    let desk = |id: &str| format!("/platform/feedback/{id}");
    let say = json!({ "content": "故障注入：请查看。" });
    match route {
        "POST /feedback" => t
            .req("POST", "/feedback")
            .json(&ticket_body(&[&f.upload]))
            .bearer(&f.token),
        "GET /feedback" => t.req("GET", "/feedback").bearer(&f.token),
        "GET /feedback/{id}" => t.req("GET", &mine(&f.follow)).bearer(&f.token),
        "POST /feedback/{id}/messages" => t
            .req("POST", &format!("{}/messages", mine(&f.follow)))
            .json(&say)
            .bearer(&f.token),
        "POST /feedback/{id}/close" => t
            .req("POST", &format!("{}/close", mine(&f.close)))
            .json(&json!({ "rating": 4 }))
            .bearer(&f.token),
        "GET /institution/feedback" => t.req("GET", "/institution/feedback").bearer(&f.staff),
        "GET /institution/feedback/{id}" => t.req("GET", &school(&f.answer)).bearer(&f.staff),
        "POST /institution/feedback/{id}/messages" => t
            .req("POST", &format!("{}/messages", school(&f.answer)))
            .json(&say)
            .bearer(&f.staff),
        "POST /institution/feedback/{id}/forward" => t
            .req("POST", &format!("{}/forward", school(&f.forward)))
            .json(&json!({ "note": "故障注入：转平台" }))
            .bearer(&f.staff),
        "GET /platform/feedback" => t.req("GET", "/platform/feedback").bearer(&f.platform),
        "GET /platform/feedback/{id}" => t.req("GET", &desk(&f.forwarded)).bearer(&f.platform),
        "POST /platform/feedback/{id}/messages" => t
            .req("POST", &format!("{}/messages", desk(&f.forwarded)))
            .json(&say)
            .bearer(&f.platform),
        other => panic!("no request for {other}"),
    }
}

fn request(t: &TestApp, route: &str, r: &Round) -> Req {
    match route {
        "GET /captcha" => t.req("GET", "/captcha"),
        "POST /login" => t.req("POST", "/login").json(&json!({
            "account": DEMO_ID, "password": NEW_PASSWORD,
            "captchaId": r.captcha.0, "captchaAnswer": r.captcha.1,
        })),
        "POST /logout" => t.req("POST", "/logout").bearer(&r.logout_token),
        "POST /sms/code" => t
            .req("POST", "/sms/code")
            .json(&json!({ "mobile": unique_mobile() }))
            .bearer(&r.token),
        "GET /profile" => t.req("GET", "/profile").bearer(&r.token),
        "PUT /profile" => t
            .req("PUT", "/profile")
            .json(&TestApp::profile_body(
                &r.incomplete_mobile,
                &r.incomplete_code,
                NEW_PASSWORD,
            ))
            .bearer(&r.incomplete_token),
        "GET /me" => t.req("GET", "/me").bearer(&r.token),
        "GET /achievements" => t
            .req("GET", "/achievements")
            .query("type=&page=1")
            .bearer(&r.token),
        "GET /achievement-types" => t.req("GET", "/achievement-types"),
        // The account routes with answers that change nothing when the store is healthy (a
        // wrong code, a refused new password), so every round starts from the same state and no
        // lockout try is spent.
        "POST /password/reset/code" => t.req("POST", "/password/reset/code").json(&json!({
            "account": DEMO_ID, "captchaId": r.reset_captcha.0, "captchaAnswer": r.reset_captcha.1,
        })),
        // (An unknown account each round: a wrong code counts as one of the account's failed
        // resets.)
        "POST /password/reset" => t.req("POST", "/password/reset").json(&json!({
            "account": unique_id_number(), "smsCode": "000000", "newPassword": "Bright-meadow-42",
        })),
        "PUT /password" => t
            .req("PUT", "/password")
            .json(&json!({ "currentPassword": NEW_PASSWORD, "newPassword": "short" }))
            .bearer(&r.token),
        "PUT /mobile" => t
            .req("PUT", "/mobile")
            .json(&json!({
                "currentPassword": NEW_PASSWORD, "mobile": unique_mobile(), "smsCode": "000000",
            }))
            .bearer(&r.token),
        other if other.contains("feedback") => feedback_request(t, other, &r.fb),
        other if other.contains("conversion") => conversion_request(t, other, &r.conv),
        other => registration_request(t, other, &r.reg),
    }
}

/// A learner who logged in and has a code for a number, but has not completed the profile.
async fn incomplete_learner(t: &TestApp) -> (String, String, String) {
    let id = unique_id_number();
    t.add_learner(&id, "测试").await;
    let token = t.token(&id, &id[12..]).await;
    let mobile = unique_mobile();
    let code = t.send_code(&token, &mobile).await;
    (token, mobile, code)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_route_answers_in_time_under_every_fault_and_recovers() {
    if !fault_tests_on() {
        return;
    }
    let proxy = FaultProxy::start();
    let t = TestApp::spawn_at(production_budgets(), Some(&proxy.url()))
        .await
        .unwrap();
    t.import_demo().await;
    let (token, _) = t.activate(DEMO_ID, NEW_PASSWORD).await;
    let staff = t.staff_token("DEMO-SCHOOL", "REVIEWER").await;
    let platform = t.staff_token("NCB", "PLATFORM").await;
    // The school's two published rules every round's learners apply under.
    let rules = [
        school_rule(&t, &staff, "FLT-1", true).await,
        school_rule(&t, &staff, "FLT-2", true).await,
    ];
    let mut table = vec![format!("{:<48} | {}", "fault \\ route", ROUTES.join(" | "))];
    let mut problems = Vec::new();
    for (label, setting, expect) in FAULTS {
        // Fresh inputs for this round, while nothing is faulted.
        let incomplete = incomplete_learner(&t).await;
        let round = Round {
            token: token.clone(),
            logout_token: t.token(DEMO_ID, NEW_PASSWORD).await,
            captcha: t.captcha().await,
            reset_captcha: t.captcha().await,
            incomplete_token: incomplete.0,
            incomplete_mobile: incomplete.1,
            incomplete_code: incomplete.2,
            reg: registrations(&t, &staff).await,
            conv: conversions(&t, &staff, &rules).await,
            fb: feedback(&t, &staff, &platform).await,
        };
        proxy.set(setting);
        let answers = join_all(ROUTES.iter().map(|route| {
            let req = request(&t, route, &round);
            let t = &t;
            async move {
                let started = Instant::now();
                let r = t.send(req).await;
                (*route, r, started.elapsed())
            }
        }))
        .await;
        proxy.set("mode=pass");
        let mut row = format!("{label:<48}");
        for (route, r, took) in &answers {
            let known = KNOWN.iter().find(|k| (k.0, k.1) == (*label, *route));
            let mark = if known.is_some() { "*" } else { "" };
            row.push_str(&format!(" | {}{mark} {:.1}s", r.status, took.as_secs_f64()));
            if *took >= LIMIT {
                problems.push(format!("{label}: {route} took {took:?}"));
            }
            if let Some((_, _, status, _)) = known {
                if r.status != *status {
                    problems.push(format!(
                        "{label}: {route} answered {} {}, no longer the known {status}: \
                         remove its entry from KNOWN",
                        r.status, r.body
                    ));
                }
                continue;
            }
            if r.status == 500 || r.status == 502 || r.status == 504 {
                problems.push(format!("{label}: {route} answered {} {}", r.status, r.body));
            }
            if r.status == 503
                && (r.code() != "SERVICE_UNAVAILABLE" || !r.headers.contains_key("retry-after"))
            {
                problems.push(format!("{label}: {route} 503 without code or Retry-After"));
            }
            let store_backed = *route != "GET /achievement-types";
            let must_fail = match expect {
                Expect::All => store_backed,
                Expect::Sms => *route == "POST /sms/code",
                Expect::Files => FILES.contains(route),
                Expect::Slow | Expect::Any => false,
            };
            let must_succeed = ["GET /captcha", "POST /login"].contains(route);
            if *expect == Expect::Slow && must_succeed && r.status != 200 {
                problems.push(format!(
                    "{label}: {route} answered {} {}, not 200",
                    r.status, r.body
                ));
            }
            if must_fail && r.status != 503 {
                problems.push(format!(
                    "{label}: {route} answered {} {}, not 503",
                    r.status, r.body
                ));
            }
            // A notice is best effort: the SMS provider down never fails the decision or the
            // reply (written before the notice is sent).
            if *expect == Expect::Sms && NOTIFYING.contains(route) && r.status != 200 {
                problems.push(format!(
                    "{label}: {route} answered {} {}, not 200: the notice failed the change",
                    r.status, r.body
                ));
            }
            if [Expect::Sms, Expect::Files].contains(expect) && !must_fail && r.status >= 500 {
                problems.push(format!(
                    "{label}: {route} failed although only one dependency is down"
                ));
            }
        }
        table.push(row);
        // Recovery by itself: the first request after the fault clears succeeds, a learner's
        // and a reviewer's.
        let started = Instant::now();
        let me = t.get("/me", Some(&token)).await;
        let queue = t
            .get("/institution/achievement-registrations", Some(&staff))
            .await;
        let public = t.get("/conversion-rules", None).await;
        let inbox = t.get("/platform/feedback", Some(&platform)).await;
        for (route, r) in [
            ("GET /me", me),
            ("GET /institution/achievement-registrations", queue),
            ("GET /conversion-rules", public),
            ("GET /platform/feedback", inbox),
        ] {
            if r.status != 200 {
                problems.push(format!(
                    "{label}: no recovery, {route} answered {} {} after {:?}",
                    r.status,
                    r.body,
                    started.elapsed()
                ));
            }
        }
    }
    for (fault, route, status, why) in KNOWN {
        table.push(format!("* {fault}, {route}: {status}, known: {why}"));
    }
    let text = table.join("\n");
    println!("\nfault × route → status, time (production budgets)\n{text}\n");
    let out = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../.tmp");
    let _ = std::fs::create_dir_all(&out);
    let _ = std::fs::write(out.join("fault-table.txt"), format!("{text}\n"));
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn infrastructure_failures_leave_no_half_done_state() {
    if !fault_tests_on() {
        return;
    }
    let proxy = FaultProxy::start();
    let t = TestApp::spawn_at(production_budgets(), Some(&proxy.url()))
        .await
        .unwrap();
    let (token, _) = t.activate(DEMO_ID, NEW_PASSWORD).await;

    // SMS quota (the send order: reserve, store, send): a refusal by the provider (SNS throttled) voids the code
    // and spends nothing, so the same number gets its code as soon as the provider is back; an
    // unknown outcome (SNS stalled: the message may have gone out) keeps the code and the
    // reservation, so the number is in its one-a-minute cooldown, not burnt beyond it.
    for (setting, refused) in [
        ("mode=error&code=Throttling&service=sns", true),
        ("mode=stall&service=sns", false),
    ] {
        let mobile = unique_mobile();
        proxy.set(setting);
        let started = Instant::now();
        let r = t
            .post("/sms/code", json!({ "mobile": mobile }), Some(&token))
            .await;
        proxy.set("mode=pass");
        assert_eq!(
            (r.status, r.code()),
            (503, "SERVICE_UNAVAILABLE"),
            "{setting}"
        );
        assert!(
            started.elapsed() < LIMIT,
            "{setting}: {:?}",
            started.elapsed()
        );
        let r = t
            .post("/sms/code", json!({ "mobile": mobile }), Some(&token))
            .await;
        if refused {
            assert_eq!(
                r.status, 200,
                "{setting}: quota spent by a refused send: {}",
                r.body
            );
        } else {
            assert_eq!(
                (r.status, r.code()),
                (429, "SMS_COOLDOWN"),
                "{setting}: an unknown outcome keeps its reservation: {}",
                r.body
            );
        }
    }

    // Profile: a transaction throttled leaves the profile as it was, and the code still works.
    let (incomplete_token, mobile, code) = incomplete_learner(&t).await;
    proxy.set(
        "mode=error&code=TransactionCanceledException&reason=ThrottlingError&service=dynamodb",
    );
    let r = t
        .put_profile(
            &incomplete_token,
            TestApp::profile_body(&mobile, &code, NEW_PASSWORD),
        )
        .await;
    proxy.set("mode=pass");
    assert_eq!(r.status, 503, "{}", r.body);
    let p = t.get("/profile", Some(&incomplete_token)).await;
    assert_eq!(
        (
            &p.body["profileCompleted"],
            &p.body["mobileMasked"],
            &p.body["idValidTo"]
        ),
        (&json!(false), &json!(null), &json!(null)),
        "half-applied profile: {}",
        p.body
    );
    let r = t
        .put_profile(
            &incomplete_token,
            TestApp::profile_body(&mobile, &code, NEW_PASSWORD),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);

    // Lockout: a right password whose login fails on storage costs no try. Only the login's
    // last transaction (the session's) fails: the try was claimed, and must be given back. Four
    // wrong passwords, then the right one six times under the fault: had any counted, the
    // account would be locked (429) when the fault clears.
    for _ in 0..4 {
        let r = t.login(DEMO_ID, "wrong-password-1").await;
        assert_eq!((r.status, r.code()), (401, "CREDENTIALS_INVALID"));
    }
    for _ in 0..6 {
        let (id, answer) = t.captcha().await;
        // The first TransactWriteItems (the claim) passes, the second (the session) fails.
        proxy.set(
            "mode=error&code=ThrottlingException&service=dynamodb&op=TransactWriteItems&skip=1",
        );
        let r = t
            .post(
                "/login",
                json!({"account": DEMO_ID, "password": NEW_PASSWORD, "captchaId": id, "captchaAnswer": answer}),
                None,
            )
            .await;
        proxy.set("mode=pass");
        assert_eq!(r.status, 503, "{}", r.body);
    }
    let r = t.login(DEMO_ID, NEW_PASSWORD).await;
    assert_eq!(
        r.status, 200,
        "a try was consumed by the outage: {}",
        r.body
    );

    // Registration: an approval whose transaction is throttled leaves the registration pending,
    // the learner's totals and achievements as they were; the same approval then succeeds, once.
    let staff = t.staff_token("DEMO-SCHOOL", "REVIEWER").await;
    let reg = registrations(&t, &staff).await;
    let before = t.get("/me", Some(&reg.decide_token)).await;
    let decision = format!(
        "/institution/achievement-registrations/{}/decision",
        reg.decide
    );
    let approve = json!({ "decision": "APPROVE", "credits": 2.5, "points": 150 });
    proxy.set("mode=error&code=ThrottlingException&service=dynamodb&op=TransactWriteItems");
    let r = t.post(&decision, approve.clone(), Some(&staff)).await;
    proxy.set("mode=pass");
    assert_eq!(
        (r.status, r.code()),
        (503, "SERVICE_UNAVAILABLE"),
        "{}",
        r.body
    );
    let path = format!("/achievement-registrations/{}", reg.decide);
    let r = t.get(&path, Some(&reg.decide_token)).await;
    assert_eq!(r.body["status"], "PENDING", "{}", r.body);
    let after = t.get("/me", Some(&reg.decide_token)).await;
    assert_eq!(
        (
            &after.body["totalCredits"],
            &after.body["achievementCounts"]
        ),
        (
            &before.body["totalCredits"],
            &before.body["achievementCounts"]
        ),
        "a half-applied approval: {}",
        after.body
    );
    let r = t.post(&decision, approve.clone(), Some(&staff)).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = t.post(&decision, approve, Some(&staff)).await;
    assert_eq!((r.status, r.code()), (409, "STATE_CONFLICT"), "{}", r.body);
    let after = t.get("/me", Some(&reg.decide_token)).await;
    assert_eq!(after.body["totalCredits"], json!(2.5), "{}", after.body);

    // Conversion: an approval whose transaction is throttled leaves the application pending,
    // the learner's converted achievements and open applications as they were; the same
    // approval then succeeds, once, adding one converted course.
    let rules = [
        school_rule(&t, &staff, "FLT-1", true).await,
        school_rule(&t, &staff, "FLT-2", true).await,
    ];
    let (learner, achievement) = certified_learner(&t).await;
    let id = applied(&t, &learner, &achievement, &rules[0]).await;
    let decision = format!("/institution/conversions/{id}/decision");
    let approve = json!({ "decision": "APPROVE", "credits": 4 });
    let before = t.get("/me", Some(&learner)).await;
    let mine = t.get("/conversions", Some(&learner)).await;
    proxy.set("mode=error&code=ThrottlingException&service=dynamodb&op=TransactWriteItems");
    let r = t.post(&decision, approve.clone(), Some(&staff)).await;
    proxy.set("mode=pass");
    assert_eq!(
        (r.status, r.code()),
        (503, "SERVICE_UNAVAILABLE"),
        "{}",
        r.body
    );
    let r = t.get(&format!("/conversions/{id}"), Some(&learner)).await;
    assert_eq!(r.body["status"], "PENDING", "{}", r.body);
    let after = t.get("/me", Some(&learner)).await;
    assert_eq!(
        after.body["achievementCounts"], before.body["achievementCounts"],
        "a half-applied approval: {}",
        after.body
    );
    assert_eq!(
        t.get("/conversions", Some(&learner)).await.body["open"],
        mine.body["open"]
    );
    let r = t.post(&decision, approve.clone(), Some(&staff)).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = t.post(&decision, approve, Some(&staff)).await;
    assert_eq!((r.status, r.code()), (409, "STATE_CONFLICT"), "{}", r.body);
    let after = t.get("/me", Some(&learner)).await;
    assert_eq!(
        after.body["achievementCounts"]["converted"],
        json!(
            before.body["achievementCounts"]["converted"]
                .as_u64()
                .unwrap()
                + 1
        ),
        "{}",
        after.body
    );
    assert_eq!(after.body["totalCredits"], before.body["totalCredits"]);
    // A withdrawal whose transaction is throttled leaves the application pending and the
    // learner's open count as it was; withdrawn after the fault, it is withdrawn once.
    let (learner, achievement) = certified_learner(&t).await;
    let id = applied(&t, &learner, &achievement, &rules[1]).await;
    let path = format!("/conversions/{id}/withdraw");
    proxy.set("mode=error&code=ThrottlingException&service=dynamodb&op=TransactWriteItems");
    let r = t.post(&path, json!({}), Some(&learner)).await;
    proxy.set("mode=pass");
    assert_eq!(r.status, 503, "{}", r.body);
    let r = t.get(&format!("/conversions/{id}"), Some(&learner)).await;
    assert_eq!(r.body["status"], "PENDING", "{}", r.body);
    assert_eq!(t.get("/conversions", Some(&learner)).await.body["open"], 1);
    let r = t.post(&path, json!({}), Some(&learner)).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(t.get("/conversions", Some(&learner)).await.body["open"], 0);

    // Evidence: a submission whose file copy fails (S3 slowing down) writes nothing: no
    // registration, the open count as it was, the upload still free; the same body then succeeds.
    let upload = posted_upload(&t, &reg.token).await;
    let before = t.get("/achievement-registrations", Some(&reg.token)).await;
    proxy.set("mode=error&code=SlowDown&service=s3&op=CopyObject");
    let r = t
        .post(
            "/achievement-registrations",
            registration_body(&upload),
            Some(&reg.token),
        )
        .await;
    proxy.set("mode=pass");
    assert_eq!(
        (r.status, r.code()),
        (503, "SERVICE_UNAVAILABLE"),
        "{}",
        r.body
    );
    let after = t.get("/achievement-registrations", Some(&reg.token)).await;
    assert_eq!(
        (&after.body["total"], &after.body["open"]),
        (&before.body["total"], &before.body["open"]),
        "a half-written submission: {}",
        after.body
    );
    let r = t
        .post(
            "/achievement-registrations",
            registration_body(&upload),
            Some(&reg.token),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);

    feedback_leaves_no_half_done_state(&t, &proxy, &staff).await;

    // Import: a batch whose transactions are throttled leaves totals equal to the sum of the
    // achievements stored; sending the event again completes it.
    let id = unique_id_number();
    let event = json!({
        "institution": {"code": "FAULT", "name": "故障注入学院"},
        "learners": [{"idNumber": id, "name": "导入"}],
        "achievements": (1..=3).map(|i| json!({
            "externalId": format!("F-{i}"), "idNumber": id, "name": format!("课程{i}"),
            "type": "ACADEMIC", "subtype": "COURSE", "issuer": "故障注入学院",
            "credits": 1.5, "points": 10 * i, "source": "personal", "obtainedAt": "2024-01-01"
        })).collect::<Vec<_>>(),
    });
    proxy.set("mode=error&code=ThrottlingException&service=dynamodb&op=TransactWriteItems");
    let failed = fn_import::handle(t.app(), event.clone()).await;
    proxy.set("mode=pass");
    if let Ok(result) = &failed {
        assert!(
            !result.errors.is_empty() || result.achievements_created < 3,
            "the fault did not bite: {:?}",
            serde_json::to_value(result).unwrap()
        );
    }
    let (learner_token, _) = t.activate(&id, NEW_PASSWORD).await;
    let totals_match = |me: &TestResponse, list: &TestResponse| {
        let items = list.body["items"].as_array().unwrap();
        let points: i64 = items.iter().map(|i| i["points"].as_i64().unwrap()).sum();
        let credits: f64 = items.iter().map(|i| i["credits"].as_f64().unwrap()).sum();
        assert_eq!(
            me.body["totalPoints"].as_i64().unwrap(),
            points,
            "{}",
            me.body
        );
        assert!((me.body["totalCredits"].as_f64().unwrap() - credits).abs() < 1e-9);
        items.len()
    };
    let me = t.get("/me", Some(&learner_token)).await;
    let list = t
        .get("/achievements?pageSize=50", Some(&learner_token))
        .await;
    totals_match(&me, &list);
    fn_import::handle(t.app(), event).await.unwrap();
    let me = t.get("/me", Some(&learner_token)).await;
    let list = t
        .get("/achievements?pageSize=50", Some(&learner_token))
        .await;
    assert_eq!(totals_match(&me, &list), 3);
}

/// Feedback under the faults of `infrastructure_failures_leave_no_half_done_state`: a filing
/// whose file copy fails (S3 slowing down), or whose transaction is throttled, writes nothing
/// (no ticket, no inbox entry, none of the day's five spent, the upload still free), and the
/// same body then succeeds; a reply whose notice cannot go out (SNS refusing, or stalled with
/// the outcome unknown) answers 200 in time, written (the thread has it, the ticket REPLIED);
/// a reply whose transaction is throttled leaves the ticket as it was, and then succeeds, once.
async fn feedback_leaves_no_half_done_state(t: &TestApp, proxy: &FaultProxy, staff: &str) {
    let learner = registering_learner(t).await;
    let upload = posted_upload(t, &learner).await;
    let mine = || t.get("/feedback", Some(&learner));
    let inbox = || t.get("/institution/feedback?pageSize=50", Some(staff));
    let (before, queue) = (mine().await, inbox().await);
    assert_eq!(before.body["leftToday"], 5, "{}", before.body);
    for setting in [
        "mode=error&code=SlowDown&service=s3&op=CopyObject",
        "mode=error&code=ThrottlingException&service=dynamodb&op=TransactWriteItems",
    ] {
        proxy.set(setting);
        let r = t
            .post("/feedback", ticket_body(&[&upload]), Some(&learner))
            .await;
        proxy.set("mode=pass");
        assert_eq!(
            (r.status, r.code()),
            (503, "SERVICE_UNAVAILABLE"),
            "{setting}: {}",
            r.body
        );
        let (after, entries) = (mine().await, inbox().await);
        assert_eq!(
            (&after.body["total"], &after.body["leftToday"]),
            (&before.body["total"], &before.body["leftToday"]),
            "{setting}: a half-written ticket: {}",
            after.body
        );
        assert_eq!(entries.body["items"], queue.body["items"], "{setting}");
    }
    let r = t
        .post("/feedback", ticket_body(&[&upload]), Some(&learner))
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["attachments"][0]["uploadId"], upload.as_str());
    assert_eq!(mine().await.body["leftToday"], 4);

    let reply = json!({ "content": "已收到，请补充证书查询页截图。" });
    for setting in [
        "mode=error&code=Throttling&service=sns",
        "mode=stall&service=sns",
    ] {
        let id = filed(t, &learner).await;
        let path = format!("/institution/feedback/{id}/messages");
        proxy.set(setting);
        let started = Instant::now();
        let r = t.post(&path, reply.clone(), Some(staff)).await;
        proxy.set("mode=pass");
        assert_eq!(
            r.status, 200,
            "{setting}: the notice failed the reply: {}",
            r.body
        );
        assert!(
            started.elapsed() < LIMIT,
            "{setting}: {:?}",
            started.elapsed()
        );
        let seen = t.get(&format!("/feedback/{id}"), Some(&learner)).await;
        assert_eq!(seen.body["status"], "REPLIED", "{setting}: {}", seen.body);
        assert_eq!(seen.body["messages"][1]["author"], "SCHOOL", "{setting}");
    }

    let id = filed(t, &learner).await;
    let path = format!("/institution/feedback/{id}/messages");
    proxy.set("mode=error&code=ThrottlingException&service=dynamodb&op=TransactWriteItems");
    let r = t.post(&path, reply.clone(), Some(staff)).await;
    proxy.set("mode=pass");
    assert_eq!(
        (r.status, r.code()),
        (503, "SERVICE_UNAVAILABLE"),
        "{}",
        r.body
    );
    let seen = t.get(&format!("/feedback/{id}"), Some(&learner)).await;
    assert_eq!(
        (&seen.body["status"], &seen.body["messageCount"]),
        (&json!("SUBMITTED"), &json!(1)),
        "a half-applied reply: {}",
        seen.body
    );
    let r = t.post(&path, reply, Some(staff)).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let seen = t.get(&format!("/feedback/{id}"), Some(&learner)).await;
    assert_eq!(
        seen.body["messages"].as_array().unwrap().len(),
        2,
        "{}",
        seen.body
    );
}
