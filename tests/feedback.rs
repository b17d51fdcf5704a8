//! 问题反馈 end to end, on memory and on moto: a learner's question about a rejected registration,
//! the school's reply (with its notice SMS), the learner's follow-up, the school forwarding it,
//! the credit bank's reply, the learner closing it with a rating; who may read what (another
//! school, the credit bank before forwarding, another learner: 404); the day's limit of five
//! tickets; bad input; markup kept as written; and the races (replies at once, a reply against
//! a forwarding, six tickets at once).

use crate::registrations::{register, upload, PNG};
use integration_tests::*;
use serde_json::{json, Value};

const PW: &str = "Feedb4ck-Passw0rd";
const SCHOOL: &str = "DEMO-SCHOOL";
const OTHER: &str = "OTHER-SCHOOL";

struct Active {
    token: String,
    mobile: String,
}

/// A learner imported by `SCHOOL` and by `OTHER`, active.
async fn learner(app: &TestApp) -> Active {
    let id = unique_id_number();
    for (code, name) in [(SCHOOL, "学分银行演示院校"), (OTHER, "另一院校")] {
        app.import(json!({
            "institution": {"code": code, "name": name},
            "learners": [{"idNumber": id, "name": "反馈测试"}],
        }))
        .await;
    }
    let (token, mobile) = app.activate(&id, PW).await;
    Active { token, mobile }
}

fn ticket(extra: Value) -> Value {
    let mut body = json!({
        "institution": SCHOOL,
        "category": "CONSULT",
        "title": "登记为何未通过",
        "content": "我登记的证书被退回，想了解需要补充哪些材料。",
    });
    for (k, v) in extra.as_object().unwrap() {
        body[k] = v.clone();
    }
    body
}

async fn file(app: &TestApp, token: &str, body: Value) -> TestResponse {
    app.post("/feedback", body, Some(token)).await
}

/// A ticket filed; its id.
async fn filed(app: &TestApp, token: &str) -> String {
    let r = file(app, token, ticket(json!({}))).await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    r.body["id"].as_str().unwrap().to_string()
}

async fn say(app: &TestApp, path: &str, content: &str, token: &str) -> TestResponse {
    app.post(path, json!({ "content": content }), Some(token))
        .await
}

app_test!(
    a_question_goes_to_the_school_then_the_credit_bank_and_back,
    |app| {
        let Active { token, mobile } = learner(&app).await;
        let staff = app.staff_token(SCHOOL, "REVIEWER").await;
        let reg = register(&app, &token, "FB-2025-0001").await;
        let decision = app
            .post(
                &format!("/institution/achievement-registrations/{reg}/decision"),
                json!({"decision": "REJECT", "reason": "证书编号无法核验"}),
                Some(&staff),
            )
            .await;
        assert_eq!(decision.status, 200, "{:?}", decision.body);
        let notices_before = app.sms_to(&mobile).await.len();

        // The learner files a question about it, with a screenshot.
        let shot = upload(&app, &token, "image/png", PNG).await;
        let r = file(
            &app,
            &token,
            ticket(json!({"relatedId": reg, "attachments": [shot]})),
        )
        .await;
        assert_eq!(r.status, 201, "{:?}", r.body);
        assert_eq!(r.body["status"], "SUBMITTED");
        let id = r.body["id"].as_str().unwrap().to_string();
        let no = r.body["ticketNo"].as_str().unwrap().to_string();
        assert!(no.starts_with("FK") && no.len() == 16, "{no}");
        assert_eq!(r.body["related"]["kind"], "REGISTRATION");
        assert_eq!(
            r.body["related"]["name"],
            "Web前端开发职业技能等级证书（中级）"
        );
        assert_eq!(r.body["attachments"][0]["uploadId"], shot.as_str());

        // The school's inbox: oldest first, with the time left to answer.
        let inbox = app.get("/institution/feedback", Some(&staff)).await;
        assert_eq!(inbox.status, 200, "{:?}", inbox.body);
        let line = &inbox.body["items"][0];
        assert_eq!(line["id"], id.as_str());
        assert_eq!(line["learner"]["name"], "反馈测试");
        let left = line["answerLimit"]["secondsLeft"].as_i64().unwrap();
        assert!((3 * 86_400..=5 * 86_400).contains(&left), "{left}");
        assert_eq!(line["answerLimit"]["overdue"], false);

        // The school answers: the learner gets a notice naming the ticket.
        let path = format!("/institution/feedback/{id}/messages");
        let r = say(&app, &path, "请补充证书查询页截图。", &staff).await;
        assert_eq!(r.status, 200, "{:?}", r.body);
        assert_eq!(r.body["status"], "REPLIED");
        assert!(r.body["answerLimit"]["answeredAt"].is_string());
        let notices = app.sms_to(&mobile).await;
        assert_eq!(notices.len(), notices_before + 1, "{notices:?}");
        assert!(notices.last().unwrap().contains(&no), "{notices:?}");

        // The learner follows up: it waits for the school again.
        let r = say(
            &app,
            &format!("/feedback/{id}/messages"),
            "截图已上传，仍无法通过。",
            &token,
        )
        .await;
        assert_eq!(
            (r.status, r.body["status"].as_str()),
            (200, Some("SUBMITTED"))
        );

        // The school forwards it; the credit bank sees it, answers; no second notice within the hour.
        let r = app
            .post(
                &format!("/institution/feedback/{id}/forward"),
                json!({"note": "证书编号需平台核验"}),
                Some(&staff),
            )
            .await;
        assert_eq!(
            (r.status, r.body["status"].as_str()),
            (200, Some("FORWARDED"))
        );
        let again = say(&app, &path, "再补一句", &staff).await;
        assert_eq!(
            again.status, 409,
            "the school no longer handles it: {:?}",
            again.body
        );
        let platform = app.staff_token("NCB", "PLATFORM").await;
        let queue = app
            .get("/platform/feedback?status=FORWARDED", Some(&platform))
            .await;
        assert_eq!(queue.status, 200, "{:?}", queue.body);
        let line = queue.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["id"] == id.as_str())
            .expect("the forwarded ticket in the credit bank's inbox");
        // The credit bank's own limit runs from the forwarding.
        let left = line["answerLimit"]["secondsLeft"].as_i64().unwrap();
        assert!((3 * 86_400..=5 * 86_400).contains(&left), "{left}");
        let seen = app
            .get(&format!("/platform/feedback/{id}"), Some(&platform))
            .await;
        assert_eq!(seen.status, 200, "{:?}", seen.body);
        assert_eq!(seen.body["messages"][3]["content"], "证书编号需平台核验");
        let r = say(
            &app,
            &format!("/platform/feedback/{id}/messages"),
            "已核验，请重新登记。",
            &platform,
        )
        .await;
        assert_eq!(
            (r.status, r.body["status"].as_str()),
            (200, Some("REPLIED"))
        );
        assert!(r.body["answerLimit"]["answeredAt"].is_string());
        assert_eq!(app.sms_to(&mobile).await.len(), notices_before + 1);

        // The learner sees every reply (not the note to the credit bank), and closes it with a rating.
        let mine = app.get(&format!("/feedback/{id}"), Some(&token)).await;
        let thread: Vec<(&str, &str)> = mine.body["messages"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| (m["author"].as_str().unwrap(), m["kind"].as_str().unwrap()))
            .collect();
        assert_eq!(
            thread,
            [
                ("LEARNER", "MESSAGE"),
                ("SCHOOL", "MESSAGE"),
                ("LEARNER", "MESSAGE"),
                ("SCHOOL", "FORWARD"),
                ("PLATFORM", "MESSAGE"),
            ]
        );
        assert!(mine.body["messages"][3].get("content").is_none());
        assert!(mine.body.get("answerLimit").is_none());
        assert!(mine.body["attachments"][0]["url"].as_str().unwrap().len() > 10);
        let r = app
            .post(
                &format!("/feedback/{id}/close"),
                json!({"rating": 5}),
                Some(&token),
            )
            .await;
        assert_eq!(r.status, 200, "{:?}", r.body);
        assert_eq!(
            (r.body["status"].as_str(), r.body["rating"].as_u64()),
            (Some("CLOSED"), Some(5))
        );
        let late = say(
            &app,
            &format!("/feedback/{id}/messages"),
            "还有一个问题",
            &token,
        )
        .await;
        assert_eq!(
            (late.status, late.body["error"]["code"].as_str()),
            (409, Some("STATE_CONFLICT"))
        );
        let list = app.get("/feedback?status=CLOSED", Some(&token)).await;
        assert_eq!(list.body["items"][0]["id"], id.as_str());
        assert_eq!(list.body["items"][0]["messageCount"], 6);
    }
);

app_test!(nobody_reads_a_ticket_that_is_not_theirs, |app| {
    let a = learner(&app).await;
    let b = learner(&app).await;
    let id = filed(&app, &a.token).await;
    let other = app.staff_token(OTHER, "REVIEWER").await;
    let platform = app.staff_token("NCB", "PLATFORM").await;
    let staff = app.staff_token(SCHOOL, "REVIEWER").await;
    let reads = [
        (format!("/feedback/{id}"), b.token.as_str()),
        (format!("/institution/feedback/{id}"), other.as_str()),
        // Not forwarded: not the credit bank's.
        (format!("/platform/feedback/{id}"), platform.as_str()),
        ("/feedback/0123456789abcdef".to_string(), a.token.as_str()),
        (
            "/institution/feedback/not-an-id".to_string(),
            staff.as_str(),
        ),
    ];
    for (path, token) in &reads {
        let r = app.get(path, Some(token)).await;
        assert_eq!(
            (r.status, r.body["error"]["code"].as_str()),
            (404, Some("NOT_FOUND")),
            "{path}"
        );
    }
    let writes = [
        (format!("/feedback/{id}/messages"), b.token.as_str()),
        (
            format!("/institution/feedback/{id}/messages"),
            other.as_str(),
        ),
        (
            format!("/platform/feedback/{id}/messages"),
            platform.as_str(),
        ),
    ];
    for (path, token) in &writes {
        assert_eq!(
            say(&app, path, "不是我的", token).await.status,
            404,
            "{path}"
        );
    }
    let inbox = app.get("/institution/feedback", Some(&other)).await;
    assert!(inbox.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|i| i["id"] != id.as_str()));
    // Roles: a learner's token is no staff token; a reviewer is not the credit bank, and back.
    assert_eq!(
        app.get("/institution/feedback", Some(&a.token))
            .await
            .status,
        401
    );
    assert_eq!(
        app.get("/platform/feedback", Some(&staff)).await.status,
        403
    );
    assert_eq!(
        app.get("/institution/feedback", Some(&platform))
            .await
            .status,
        403
    );
    // The school's own reads it, with the learner named and the number masked.
    let r = app
        .get(&format!("/institution/feedback/{id}"), Some(&staff))
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert!(r.body["learner"]["idNumberMasked"]
        .as_str()
        .unwrap()
        .contains('*'));
});

app_test!(the_sixth_ticket_of_a_day_is_refused, |app| {
    let a = learner(&app).await;
    for _ in 0..5 {
        filed(&app, &a.token).await;
    }
    let r = file(&app, &a.token, ticket(json!({}))).await;
    assert_eq!(
        (r.status, r.body["error"]["code"].as_str()),
        (429, Some("RATE_LIMITED"))
    );
    let retry = r.body["error"]["retryAfter"].as_u64().unwrap();
    assert!((1..=86_400).contains(&retry), "{retry}");
    let message = r.body["error"]["message"].as_str().unwrap();
    assert!(message.contains("今日已提交 5 个问题"), "{message}");
    let list = app.get("/feedback", Some(&a.token)).await;
    assert_eq!(
        (list.body["total"].as_u64(), list.body["leftToday"].as_u64()),
        (Some(5), Some(0))
    );
});

app_test!(six_tickets_at_once_are_five, |app| {
    let a = learner(&app).await;
    let tries = (0..6).map(|_| file(&app, &a.token, ticket(json!({}))));
    let mut statuses: Vec<u16> = futures::future::join_all(tries)
        .await
        .iter()
        .map(|r| r.status)
        .collect();
    statuses.sort();
    assert_eq!(statuses, [201, 201, 201, 201, 201, 429]);
    let list = app.get("/feedback", Some(&a.token)).await;
    assert_eq!(list.body["total"], 5);
    let staff = app.staff_token(SCHOOL, "REVIEWER").await;
    let inbox = app
        .get("/institution/feedback?pageSize=50", Some(&staff))
        .await;
    let numbers: std::collections::HashSet<&str> = inbox.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["ticketNo"].as_str().unwrap())
        .collect();
    assert!(numbers.len() >= 5);
});

app_test!(
    replies_at_once_all_land_and_a_forwarding_is_decided_once,
    |app| {
        let a = learner(&app).await;
        let id = filed(&app, &a.token).await;
        let staff = app.staff_token(SCHOOL, "REVIEWER").await;
        let path = format!("/institution/feedback/{id}/messages");
        let (x, y, z) = tokio::join!(
            say(&app, &path, "第一条答复", &staff),
            say(&app, &path, "第二条答复", &staff),
            say(&app, &path, "第三条答复", &staff),
        );
        assert_eq!([x.status, y.status, z.status], [200, 200, 200]);
        let seen = app.get(&format!("/feedback/{id}"), Some(&a.token)).await;
        let seqs: Vec<u64> = seen.body["messages"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["seq"].as_u64().unwrap())
            .collect();
        assert_eq!(seqs, [1, 2, 3, 4]);
        assert_eq!(seen.body["messageCount"], 4);
        // One notice for the three replies (at most one an hour per ticket).
        let notices = app.sms_to(&a.mobile).await;
        assert_eq!(
            notices.iter().filter(|t| t.contains("问题反馈")).count(),
            1,
            "{notices:?}"
        );

        let forward = format!("/institution/feedback/{id}/forward");
        let (f1, f2) = tokio::join!(
            app.post(&forward, json!({"note": "转平台"}), Some(&staff)),
            app.post(&forward, json!({"note": "转平台"}), Some(&staff)),
        );
        let mut statuses = [f1.status, f2.status];
        statuses.sort();
        assert_eq!(statuses, [200, 409], "{:?} {:?}", f1.body, f2.body);
        let platform = app.staff_token("NCB", "PLATFORM").await;
        let queue = app.get("/platform/feedback", Some(&platform)).await;
        let lines = queue.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|i| i["id"] == id.as_str())
            .count();
        assert_eq!(lines, 1);
        let school = app
            .get("/institution/feedback?status=SUBMITTED", Some(&staff))
            .await;
        assert!(school.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i["id"] != id.as_str()));
    }
);

app_test!(
    bad_tickets_are_refused_at_their_field_and_markup_is_kept_as_written,
    |app| {
        let a = learner(&app).await;
        let b = learner(&app).await;
        let others = register(&app, &b.token, "FB-2025-0002").await;
        let cases = [
            (json!({"category": "PRAISE"}), "category"),
            (json!({"title": "短"}), "title"),
            (
                json!({"title": "一二三四五六七八九十一二三四五六七八九十一二三四五六七八九十一"}),
                "title",
            ),
            (json!({"content": "太短了"}), "content"),
            (json!({"institution": "NOT-MY-SCHOOL"}), "institution"),
            (json!({"relatedId": others}), "relatedId"),
            (json!({"relatedId": "../etc"}), "relatedId"),
            (
                json!({"attachments": ["0".repeat(32), "1".repeat(32), "2".repeat(32), "3".repeat(32)]}),
                "attachments",
            ),
            (json!({"attachments": ["0".repeat(32)]}), "attachments[0]"),
        ];
        for (extra, field) in cases {
            let r = file(&app, &a.token, ticket(extra.clone())).await;
            assert_eq!(r.status, 400, "{extra}: {:?}", r.body);
            assert_eq!(r.body["error"]["field"], field, "{extra}");
        }
        // A registration filed with another of the learner's schools is not this school's business.
        let mine = register(&app, &a.token, "FB-2025-0003").await;
        let r = file(
            &app,
            &a.token,
            ticket(json!({"institution": OTHER, "relatedId": mine})),
        )
        .await;
        assert_eq!(
            (r.status, r.body["error"]["field"].as_str()),
            (400, Some("relatedId"))
        );
        let r = app
            .post(
                "/feedback/0123456789abcdef/close",
                json!({"rating": 6}),
                Some(&a.token),
            )
            .await;
        assert_eq!(
            (r.status, r.body["error"]["field"].as_str()),
            (400, Some("rating"))
        );

        let markup = "<script>alert('x')</script> & <b>粗体</b>";
        let r = file(&app, &a.token, ticket(json!({"content": markup}))).await;
        assert_eq!(r.status, 201, "{:?}", r.body);
        assert_eq!(r.body["messages"][0]["content"], markup);
        let staff = app.staff_token(SCHOOL, "REVIEWER").await;
        let id = r.body["id"].as_str().unwrap();
        let seen = app
            .get(&format!("/institution/feedback/{id}"), Some(&staff))
            .await;
        assert_eq!(seen.body["messages"][0]["content"], markup);
    }
);
