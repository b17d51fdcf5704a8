//! 登记学习成果 end to end, on memory and on moto: evidence posted through the upload form, the
//! learner's registration, the school's queue and decision, the learning card after approval;
//! the refusals (another school, a learner's token, a forged file, a duplicate, a wrong state);
//! and the races (two decisions at once, a decision against a withdrawal, approvals of one
//! learner's registrations in parallel keeping the totals equal to the sum of the achievements).

use integration_tests::*;
use serde_json::{json, Value};

const PW: &str = "Registr4tion-Pw";
const SCHOOL: &str = "DEMO-SCHOOL";
const OTHER: &str = "OTHER-SCHOOL";

/// A 1×1 PNG.
pub const PNG: &[u8] = &[
    0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1F, 0x15, 0xC4,
    0x89, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0xF8, 0xCF, 0xC0, 0xF0,
    0x1F, 0x00, 0x05, 0x00, 0x01, 0xFF, 0x89, 0x99, 0x3D, 0x1D, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45,
    0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82,
];

struct Active {
    token: String,
    id: String,
    mobile: String,
}

/// A learner imported by `SCHOOL` and by `THIRD-SCHOOL` (never by `OTHER`), active.
async fn learner(app: &TestApp) -> Active {
    let id = unique_id_number();
    for (code, name) in [(SCHOOL, "学分银行演示院校"), ("THIRD-SCHOOL", "第三院校")] {
        app.import(json!({
            "institution": {"code": code, "name": name},
            "learners": [{"idNumber": id, "name": "登记测试"}],
        }))
        .await;
    }
    let (token, mobile) = app.activate(&id, PW).await;
    Active { token, id, mobile }
}

/// An upload form for `bytes` as `content_type`, posted; returns the upload id.
pub async fn upload(app: &TestApp, token: &str, content_type: &str, bytes: &[u8]) -> String {
    let r = app
        .post(
            "/uploads",
            json!({"fileName": "证书.png", "contentType": content_type, "size": bytes.len()}),
            Some(token),
        )
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    assert_eq!(r.body["method"], "POST");
    let fields: std::collections::BTreeMap<String, String> =
        serde_json::from_value(r.body["fields"].clone()).unwrap();
    let url = r.body["url"].as_str().unwrap();
    let status = app
        .upload_form_post(url, &fields, "证书.png", content_type, bytes)
        .await;
    assert!((200..300).contains(&status), "form post answered {status}");
    r.body["uploadId"].as_str().unwrap().to_string()
}

fn body(evidence: &[&str], certificate: &str) -> Value {
    json!({
        "institution": SCHOOL,
        "name": "Web前端开发职业技能等级证书（中级）",
        "type": "NON_ACADEMIC",
        "subtype": "X_CERTIFICATE",
        "issuer": "工业和信息化部教育与考试中心",
        "certificateNo": certificate,
        "obtainedAt": "2025-06-30",
        "evidence": evidence,
    })
}

/// A pending registration of a fresh upload; returns its id.
pub async fn register(app: &TestApp, token: &str, certificate: &str) -> String {
    let evidence = upload(app, token, "image/png", PNG).await;
    let r = app
        .post(
            "/achievement-registrations",
            body(&[&evidence], certificate),
            Some(token),
        )
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    assert_eq!(r.body["status"], "PENDING");
    r.body["id"].as_str().unwrap().to_string()
}

async fn decide(app: &TestApp, staff: &str, id: &str, decision: Value) -> TestResponse {
    let path = format!("/institution/achievement-registrations/{id}/decision");
    app.post(&path, decision, Some(staff)).await
}

app_test!(
    approval_adds_the_achievement_and_its_credits_to_the_card,
    |app| {
        let Active { token, mobile, .. } = learner(&app).await;
        let before = app.get("/me", Some(&token)).await;
        assert_eq!(before.body["institutions"][0]["code"], SCHOOL);
        let id = register(&app, &token, "X-2025-0001").await;
        let staff = app.staff_token(SCHOOL, "REVIEWER").await;

        let queue = app
            .get(
                "/institution/achievement-registrations?status=PENDING",
                Some(&staff),
            )
            .await;
        assert_eq!(queue.status, 200, "{:?}", queue.body);
        let mine: Vec<&Value> = queue.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|i| i["id"] == id.as_str())
            .collect();
        assert_eq!(mine.len(), 1);
        assert_eq!(mine[0]["learner"]["name"], "登记测试");
        assert!(mine[0]["learner"]["idNumberMasked"]
            .as_str()
            .unwrap()
            .contains('*'));

        let detail = app
            .get(
                &format!("/institution/achievement-registrations/{id}"),
                Some(&staff),
            )
            .await;
        assert_eq!(detail.status, 200, "{:?}", detail.body);
        assert!(detail.body["evidence"][0]["url"].as_str().unwrap().len() > 10);

        let r = decide(
            &app,
            &staff,
            &id,
            json!({"decision": "APPROVE", "credits": 3.5, "points": 0}),
        )
        .await;
        assert_eq!(r.status, 200, "{:?}", r.body);
        assert_eq!(r.body["status"], "APPROVED");

        let after = app.get("/me", Some(&token)).await;
        let total = |b: &Value| b["totalCredits"].as_f64().unwrap();
        assert_eq!(total(&after.body), total(&before.body) + 3.5);
        let personal = |b: &Value| b["achievementCounts"]["personal"].as_u64().unwrap();
        assert_eq!(personal(&after.body), personal(&before.body) + 1);
        let list = app.get("/achievements?source=personal", Some(&token)).await;
        assert!(list.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["credits"] == json!(3.5) && a["issuer"] == "工业和信息化部教育与考试中心"));
        let mine = app
            .get(&format!("/achievement-registrations/{id}"), Some(&token))
            .await;
        assert_eq!(mine.body["status"], "APPROVED");
        let actions: Vec<&str> = mine.body["history"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["action"].as_str().unwrap())
            .collect();
        assert_eq!(actions, ["SUBMITTED", "APPROVED"]);
        let notices = app.sms_to(&mobile).await;
        assert!(notices.last().unwrap().contains("已通过"), "{notices:?}");
    }
);

app_test!(
    reject_return_resubmit_and_withdraw_are_the_learners_to_see,
    |app| {
        let Active { token, .. } = learner(&app).await;
        let staff = app.staff_token(SCHOOL, "REVIEWER").await;
        let rejected = register(&app, &token, "X-2025-0101").await;
        let r = decide(
            &app,
            &staff,
            &rejected,
            json!({"decision": "REJECT", "reason": "证书编号无法核验"}),
        )
        .await;
        assert_eq!(
            (r.status, r.body["status"].as_str()),
            (200, Some("REJECTED"))
        );
        let seen = app
            .get(
                &format!("/achievement-registrations/{rejected}"),
                Some(&token),
            )
            .await;
        assert_eq!(seen.body["reason"], "证书编号无法核验");
        // A rejection releases the certificate: it can be registered again.
        register(&app, &token, "X-2025-0101").await;

        let returned = register(&app, &token, "X-2025-0102").await;
        let r = decide(
            &app,
            &staff,
            &returned,
            json!({"decision": "RETURN", "reason": "请补充证书背面照片"}),
        )
        .await;
        assert_eq!(r.body["status"], "RETURNED");
        let kept = seen_evidence(&app, &token, &returned).await;
        let extra = upload(&app, &token, "image/png", PNG).await;
        let path = format!("/achievement-registrations/{returned}");
        let r = app
            .put_json(&path, body(&[&kept, &extra], "X-2025-0102"), &token)
            .await;
        assert_eq!(
            (r.status, r.body["status"].as_str()),
            (200, Some("PENDING")),
            "{:?}",
            r.body
        );
        assert_eq!(r.body["evidence"].as_array().unwrap().len(), 2);
        let again = app
            .put_json(&path, body(&[&kept], "X-2025-0102"), &token)
            .await;
        assert_eq!((again.status, again.code()), (409, "STATE_CONFLICT"));

        let withdraw = format!("/achievement-registrations/{returned}/withdraw");
        let r = app.post(&withdraw, json!({}), Some(&token)).await;
        assert_eq!(
            (r.status, r.body["status"].as_str()),
            (200, Some("WITHDRAWN"))
        );
        let r = app.post(&withdraw, json!({}), Some(&token)).await;
        assert_eq!((r.status, r.code()), (409, "STATE_CONFLICT"));
        let r = decide(
            &app,
            &staff,
            &returned,
            json!({"decision": "APPROVE", "credits": 1}),
        )
        .await;
        assert_eq!((r.status, r.code()), (409, "STATE_CONFLICT"));

        let list = app
            .get("/achievement-registrations?status=WITHDRAWN", Some(&token))
            .await;
        assert_eq!(list.body["total"], 1);
        let all = app.get("/achievement-registrations", Some(&token)).await;
        assert_eq!(
            (all.body["total"].as_u64(), all.body["open"].as_u64()),
            (Some(3), Some(1))
        );
    }
);

async fn seen_evidence(app: &TestApp, token: &str, id: &str) -> String {
    let r = app
        .get(&format!("/achievement-registrations/{id}"), Some(token))
        .await;
    r.body["evidence"][0]["uploadId"]
        .as_str()
        .unwrap()
        .to_string()
}

app_test!(nobody_reads_or_decides_what_is_not_theirs, |app| {
    let Active { token, .. } = learner(&app).await;
    let id = register(&app, &token, "X-2025-0201").await;
    let other = app.staff_token(OTHER, "REVIEWER").await;
    let r = app
        .get(
            &format!("/institution/achievement-registrations/{id}"),
            Some(&other),
        )
        .await;
    assert_eq!((r.status, r.code()), (404, "NOT_FOUND"));
    let r = decide(
        &app,
        &other,
        &id,
        json!({"decision": "APPROVE", "credits": 1}),
    )
    .await;
    assert_eq!((r.status, r.code()), (404, "NOT_FOUND"));
    let queue = app
        .get("/institution/achievement-registrations", Some(&other))
        .await;
    assert_eq!(queue.body["items"], json!([]));

    // A learner's session token, no token, and the platform's staff on a school's route.
    for bearer in [Some(token.as_str()), None] {
        let r = app
            .get("/institution/achievement-registrations", bearer)
            .await;
        assert_eq!((r.status, r.code()), (401, "UNAUTHENTICATED"));
    }
    let platform = app.staff_token("NCB", "PLATFORM").await;
    let r = app
        .get("/institution/achievement-registrations", Some(&platform))
        .await;
    assert_eq!((r.status, r.code()), (403, "FORBIDDEN"));

    // Another learner's registration is not found, whatever they try.
    let stranger = learner(&app).await.token;
    let path = format!("/achievement-registrations/{id}");
    assert_eq!(app.get(&path, Some(&stranger)).await.status, 404);
    let r = app
        .post(&format!("{path}/withdraw"), json!({}), Some(&stranger))
        .await;
    assert_eq!(r.status, 404);
    let r = app
        .get("/achievement-registrations/not-an-id", Some(&token))
        .await;
    assert_eq!(r.status, 404);
    let long = format!("/achievement-registrations/{}", "a".repeat(2000));
    let evidence = "b".repeat(32);
    let r = app
        .put_json(&long, body(&[&evidence], "X-2025-0202"), &token)
        .await;
    assert_eq!((r.status, r.code()), (404, "NOT_FOUND"));
});

app_test!(bad_registrations_are_refused_naming_what_is_wrong, |app| {
    let Active { token, .. } = learner(&app).await;
    // A text file sent as a PNG: the form takes it, attaching refuses it.
    let forged = upload(&app, &token, "image/png", b"<html>not a picture</html>").await;
    let r = app
        .post(
            "/achievement-registrations",
            body(&[&forged], "X-2025-0301"),
            Some(&token),
        )
        .await;
    assert_eq!(
        (r.status, r.code()),
        (400, "UPLOAD_INVALID"),
        "{:?}",
        r.body
    );
    assert_eq!(r.body["error"]["field"], "evidence[0]");
    // An upload id never issued.
    let r = app
        .post(
            "/achievement-registrations",
            body(&[&"f".repeat(32)], "X-2025-0302"),
            Some(&token),
        )
        .await;
    assert_eq!((r.status, r.code()), (400, "UPLOAD_INVALID"));
    let good = upload(&app, &token, "image/png", PNG).await;
    let with = |f: &dyn Fn(&mut Value)| {
        let mut b = body(&[&good], "X-2025-0303");
        f(&mut b);
        b
    };
    for (bad, field) in [
        (with(&|b| b["institution"] = json!(OTHER)), "institution"),
        (
            with(&|b| b["obtainedAt"] = json!("2099-01-01")),
            "obtainedAt",
        ),
        (with(&|b| b["subtype"] = json!("COURSE")), "subtype"),
        (with(&|b| b["evidence"] = json!([])), "evidence"),
    ] {
        let r = app
            .post("/achievement-registrations", bad, Some(&token))
            .await;
        assert_eq!(
            (r.status, r.body["error"]["field"].as_str()),
            (400, Some(field)),
            "{:?}",
            r.body
        );
    }
    let r = app
        .post(
            "/uploads",
            json!({"fileName": "a.exe", "contentType": "application/x-msdownload", "size": 10}),
            Some(&token),
        )
        .await;
    assert_eq!(
        (r.status, r.body["error"]["field"].as_str()),
        (400, Some("contentType"))
    );
    let r = app
        .post("/uploads", json!({"fileName": "a.pdf", "contentType": "application/pdf", "size": 5 * 1024 * 1024 + 1}), Some(&token))
        .await;
    assert_eq!(
        (r.status, r.body["error"]["field"].as_str()),
        (400, Some("size"))
    );

    // The same certificate while one is open: a duplicate (its issuer and number, however spelt).
    register(&app, &token, "X-2025-0304").await;
    let again = upload(&app, &token, "image/png", PNG).await;
    let r = app
        .post(
            "/achievement-registrations",
            body(&[&again], " x-2025-0304 "),
            Some(&token),
        )
        .await;
    assert_eq!((r.status, r.code()), (409, "DUPLICATE"));
    // The refused registration left its upload free: it can go with another one.
    let r = app
        .post(
            "/achievement-registrations",
            body(&[&again], "X-2025-0305"),
            Some(&token),
        )
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    // An upload attached once cannot be attached again.
    let r = app
        .post(
            "/achievement-registrations",
            body(&[&again], "X-2025-0306"),
            Some(&token),
        )
        .await;
    assert_eq!((r.status, r.code()), (400, "UPLOAD_INVALID"));
});

app_test!(
    two_decisions_at_once_one_wins_the_other_is_a_conflict,
    |app| {
        let Active { token, .. } = learner(&app).await;
        let id = register(&app, &token, "X-2025-0401").await;
        let a = app.staff_token(SCHOOL, "REVIEWER").await;
        let b = app.staff_token(SCHOOL, "REVIEWER").await;
        let (x, y) = tokio::join!(
            decide(
                &app,
                &a,
                &id,
                json!({"decision": "APPROVE", "credits": 3.5})
            ),
            decide(
                &app,
                &b,
                &id,
                json!({"decision": "REJECT", "reason": "材料不清晰"})
            ),
        );
        let mut statuses = [x.status, y.status];
        statuses.sort();
        assert_eq!(statuses, [200, 409], "{:?} {:?}", x.body, y.body);
        let loser = if x.status == 409 { &x } else { &y };
        assert_eq!(loser.code(), "STATE_CONFLICT");
        let winner = if x.status == 200 { &x } else { &y };
        let me = app.get("/me", Some(&token)).await;
        let approved = winner.body["status"] == "APPROVED";
        assert_eq!(
            me.body["totalCredits"].as_f64(),
            Some(if approved { 3.5 } else { 0.0 })
        );
        let all = app.get("/achievement-registrations", Some(&token)).await;
        assert_eq!(all.body["open"], 0);
    }
);

app_test!(a_withdrawal_racing_a_decision_is_decided_once, |app| {
    let Active { token, .. } = learner(&app).await;
    let id = register(&app, &token, "X-2025-0501").await;
    let staff = app.staff_token(SCHOOL, "REVIEWER").await;
    let withdraw = format!("/achievement-registrations/{id}/withdraw");
    let (w, d) = tokio::join!(
        app.post(&withdraw, json!({}), Some(&token)),
        decide(
            &app,
            &staff,
            &id,
            json!({"decision": "APPROVE", "credits": 2})
        ),
    );
    let mut statuses = [w.status, d.status];
    statuses.sort();
    assert_eq!(statuses, [200, 409], "{:?} {:?}", w.body, d.body);
    let me = app.get("/me", Some(&token)).await;
    let credits = me.body["totalCredits"].as_f64().unwrap();
    assert_eq!(credits, if d.status == 200 { 2.0 } else { 0.0 });
    let all = app.get("/achievement-registrations", Some(&token)).await;
    assert_eq!(all.body["open"], 0);
});

app_test!(
    parallel_approvals_keep_the_totals_equal_to_the_achievements,
    |app| {
        let Active { token, .. } = learner(&app).await;
        let mut ids = Vec::new();
        for n in 0..4 {
            ids.push(register(&app, &token, &format!("X-2025-06{n:02}")).await);
        }
        let staff = app.staff_token(SCHOOL, "REVIEWER").await;
        let decisions = ids.iter().enumerate().map(|(n, id)| {
            let credits = json!(1.5 + n as f64);
            let staff = staff.clone();
            let app = &app;
            async move {
                decide(
                    app,
                    &staff,
                    id,
                    json!({"decision": "APPROVE", "credits": credits}),
                )
                .await
            }
        });
        for r in futures::future::join_all(decisions).await {
            assert_eq!(r.status, 200, "{:?}", r.body);
        }
        let me = app.get("/me", Some(&token)).await;
        let list = app.get("/achievements?pageSize=50", Some(&token)).await;
        let sum: f64 = list.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["credits"].as_f64().unwrap())
            .sum();
        assert_eq!(me.body["totalCredits"].as_f64(), Some(sum));
        assert_eq!(sum, 1.5 + 2.5 + 3.5 + 4.5);
        assert_eq!(me.body["achievementCounts"]["personal"], 4);
    }
);

app_test!(
    one_certificate_registered_twice_at_once_is_one_registration,
    |app| {
        let Active { token, .. } = learner(&app).await;
        let a = upload(&app, &token, "image/png", PNG).await;
        let b = upload(&app, &token, "image/png", PNG).await;
        let (x, y) = tokio::join!(
            app.post(
                "/achievement-registrations",
                body(&[&a], "X-2025-0701"),
                Some(&token)
            ),
            app.post(
                "/achievement-registrations",
                body(&[&b], "X-2025-0701"),
                Some(&token)
            ),
        );
        let mut statuses = [x.status, y.status];
        statuses.sort();
        assert_eq!(statuses, [201, 409], "{:?} {:?}", x.body, y.body);
        let all = app.get("/achievement-registrations", Some(&token)).await;
        assert_eq!(
            (all.body["total"].as_u64(), all.body["open"].as_u64()),
            (Some(1), Some(1))
        );
    }
);

app_test!(twenty_open_registrations_are_the_most, |app| {
    let Active { token, id, .. } = learner(&app).await;
    // Nineteen open already (as if registered one by one), then the twentieth and the 21st.
    let key = domain::account::learner::id_key(
        app.app(),
        &domain::values::id_number::IdNumber::parse(&id, app.app().today()).unwrap(),
    );
    let stored = domain::account::learner::load_by_key(app.app(), &key)
        .await
        .unwrap()
        .unwrap();
    let mut l = stored.learner.clone();
    l.open_registrations = 19;
    app.app()
        .store
        .put(
            stored.replaced_by(&l),
            domain::store::Condition::Version(stored.item.version),
        )
        .await
        .unwrap();
    register(&app, &token, "X-2025-0801").await;
    let extra = upload(&app, &token, "image/png", PNG).await;
    let r = app
        .post(
            "/achievement-registrations",
            body(&[&extra], "X-2025-0802"),
            Some(&token),
        )
        .await;
    assert_eq!((r.status, r.code()), (409, "TOO_MANY_OPEN"));
});

app_test!(
    the_days_upload_forms_are_counted_once_each_under_concurrency,
    |app| {
        let Active { token, id, .. } = learner(&app).await;
        let ask = |token: String| {
            let app = &app;
            async move {
                let body =
                    json!({"fileName": "a.pdf", "contentType": "application/pdf", "size": 100});
                app.post("/uploads", body, Some(&token)).await
            }
        };
        let answers = futures::future::join_all((0..65).map(|_| ask(token.clone()))).await;
        let statuses: Vec<u16> = answers.iter().map(|r| r.status).collect();
        let issued = statuses.iter().filter(|s| **s == 201).count();
        let limited = answers
            .iter()
            .filter(|r| r.status == 429 && r.code() == "RATE_LIMITED")
            .count();
        assert_eq!((issued, limited), (60, 5), "{statuses:?}");
        // The next day counts afresh.
        app.advance(86_400);
        let token = app.token(&id, PW).await;
        assert_eq!(ask(token).await.status, 201);
    }
);
