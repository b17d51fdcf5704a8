//! What a request costs in storage round trips: every route with a round-trip budget, counted by a
//! store that wraps the real one and counts its calls (one call is one DynamoDB request here:
//! no query in these journeys has a second page, no batch is split). The benchmark
//! (`scripts/bench.sh`) counts the same requests at the wire, through a proxy in front of moto.

use async_trait::async_trait;
use domain::store::{Condition, Item, QueryOpts, Store, StoreError, WriteOp};
use integration_tests::{Backend, TestApp, DEMO_ID, DEMO_PASSWORD};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

/// Counts calls by operation name (the DynamoDB API each one is).
struct Counting {
    inner: Arc<dyn Store>,
    calls: Mutex<BTreeMap<&'static str, u32>>,
    /// The items the queries returned (what a route's ranges read).
    queried: Mutex<usize>,
}

impl Counting {
    fn note(&self, op: &'static str) {
        *self.calls.lock().unwrap().entry(op).or_default() += 1;
    }

    fn note_items(&self, n: usize) {
        *self.queried.lock().unwrap() += n;
    }

    /// The items the queries returned since the last call.
    fn take_queried(&self) -> usize {
        std::mem::take(&mut *self.queried.lock().unwrap())
    }

    /// The calls since the last take, as `total (Op n, …)`.
    fn take(&self) -> (u32, String) {
        let calls = std::mem::take(&mut *self.calls.lock().unwrap());
        let total = calls.values().sum();
        let parts: Vec<String> = calls.iter().map(|(op, n)| format!("{op} {n}")).collect();
        (total, parts.join(", "))
    }
}

#[async_trait]
impl Store for Counting {
    async fn get(&self, pk: &str, sk: &str) -> Result<Option<Item>, StoreError> {
        self.note("GetItem");
        self.inner.get(pk, sk).await
    }
    async fn get_many(&self, keys: &[(&str, &str)]) -> Result<Vec<Option<Item>>, StoreError> {
        self.note("BatchGetItem");
        self.inner.get_many(keys).await
    }
    async fn put(&self, item: Item, condition: Condition) -> Result<(), StoreError> {
        self.note("PutItem");
        self.inner.put(item, condition).await
    }
    async fn delete(
        &self,
        pk: &str,
        sk: &str,
        condition: Condition,
    ) -> Result<Option<Item>, StoreError> {
        self.note("DeleteItem");
        self.inner.delete(pk, sk, condition).await
    }
    async fn query(
        &self,
        pk: &str,
        prefix: &str,
        opts: QueryOpts,
    ) -> Result<Vec<Item>, StoreError> {
        self.note("Query");
        let items = self.inner.query(pk, prefix, opts).await?;
        self.note_items(items.len());
        Ok(items)
    }
    async fn query_after(
        &self,
        pk: &str,
        prefix: &str,
        after: Option<&str>,
        limit: usize,
    ) -> Result<(Vec<Item>, bool), StoreError> {
        self.note("Query");
        let (items, more) = self.inner.query_after(pk, prefix, after, limit).await?;
        self.note_items(items.len());
        Ok((items, more))
    }
    async fn transact(&self, ops: Vec<WriteOp>) -> Result<(), StoreError> {
        self.note("TransactWriteItems");
        self.inner.transact(ops).await
    }
    async fn batch_put(&self, items: Vec<Item>) -> Result<(), StoreError> {
        self.note("BatchWriteItem");
        self.inner.batch_put(items).await
    }
}

/// A test app whose store counts its calls.
async fn counted() -> (TestApp, Arc<Counting>) {
    counted_on(Backend::Memory).await.unwrap()
}

/// [`counted`] on `backend` (`None`: the DynamoDB half skipped, see `TestApp::spawn`).
async fn counted_on(backend: Backend) -> Option<(TestApp, Arc<Counting>)> {
    let t = TestApp::spawn(backend).await?;
    let counting = Arc::new(Counting {
        inner: t.app().store.clone(),
        calls: Mutex::default(),
        queried: Mutex::default(),
    });
    let mut app = (*t.dev.app).clone();
    app.store = counting.clone();
    let dev = Arc::new(devserver::DevServer {
        app: Arc::new(app),
        outbox: t.dev.outbox.clone(),
        files: t.dev.files.clone(),
        authorizer: t.dev.authorizer.clone(),
    });
    Some((TestApp { dev, ..t }, counting))
}

#[track_caller]
fn within(route: &str, (n, ops): (u32, String), budget: u32) {
    println!("{route}: {n} ({ops}); budget {budget}");
    assert!(
        n <= budget,
        "{route} took {n} round trips ({ops}), budget {budget}"
    );
}

#[tokio::test]
async fn each_route_keeps_its_round_trip_budget() {
    let (t, calls) = counted().await;
    let (token, mobile) = t.activate(DEMO_ID, "Kq7#tidal-Lane").await;
    // Quiet the once-a-minute touch of the session's last use; it is counted on its own below.
    calls.take();

    // GET /captcha as the Lambda serves it (the dev server's own route also peeks the answer).
    let r = http_edge::route::dispatch(
        fn_captcha::ROUTES,
        t.dev.app.clone(),
        t.req("GET", "/captcha").into_request(),
    )
    .await;
    assert_eq!(r.status(), 200);
    within("GET /captcha", calls.take(), 1);

    let login = |account: &'static str, password: &'static str| {
        let t = &t;
        let calls = &calls;
        async move {
            let (id, answer) = t.captcha().await;
            calls.take();
            let r = t
                .post(
                    "/login",
                    serde_json::json!({"account": account, "password": password,
                        "captchaId": id, "captchaAnswer": answer}),
                    None,
                )
                .await;
            (r, calls.take())
        }
    };
    let (r, cost) = login(DEMO_ID, "Kq7#tidal-Lane").await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    within("POST /login (ID number)", cost, 4);
    let mobile: &'static str = Box::leak(mobile.into_boxed_str());
    let (r, cost) = login(mobile, "Kq7#tidal-Lane").await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    within("POST /login (mobile)", cost, 5);
    let (r, cost) = login(DEMO_ID, "Kq7#tidal-Lamp").await;
    assert_eq!(r.code(), "CREDENTIALS_INVALID");
    within("POST /login (wrong password)", cost, 4);
    let (r, cost) = login("110101199003074578", DEMO_PASSWORD).await;
    assert_eq!(r.code(), "CREDENTIALS_INVALID");
    within("POST /login (unknown account)", cost, 4);

    let r = t.get("/me", Some(&token)).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    within("GET /me", calls.take(), 2);
    let r = t.get("/achievements", Some(&token)).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    within("GET /achievements", calls.take(), 2);

    // A minute later the session's last use is written once: one more round trip, once.
    t.advance(61);
    let r = t.get("/me", Some(&token)).await;
    assert_eq!(r.status, 200);
    within("GET /me (touching the session)", calls.take(), 3);
    let r = t.get("/achievements", Some(&token)).await;
    assert_eq!(r.status, 200);
    within("GET /achievements (after the touch)", calls.take(), 2);
}

/// 登记学习成果: each route within the round trips of its design (every one at most 3: the
/// session's batch read, one batch read or query, one transaction).
#[tokio::test]
async fn each_registration_route_keeps_its_round_trip_budget() {
    use serde_json::json;
    let (t, calls) = counted().await;
    t.import_demo().await; // the demo learner joins the demo school
    let (token, _) = t.activate(DEMO_ID, "Kq7#tidal-Lane").await;
    let staff = t.staff_token("DEMO-SCHOOL", "REVIEWER").await;
    let png: &[u8] = &[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0];
    calls.take();

    // An upload form, and the file posted with it (to the embedded store: no round trip).
    let upload = || {
        let (t, token, calls) = (&t, &token, &calls);
        async move {
            let body =
                json!({ "fileName": "证书.png", "contentType": "image/png", "size": png.len() });
            let r = t.post("/uploads", body, Some(token)).await;
            assert_eq!(r.status, 201, "{:?}", r.body);
            let cost = calls.take();
            let fields = serde_json::from_value(r.body["fields"].clone()).unwrap();
            let url = r.body["url"].as_str().unwrap();
            let posted = t
                .upload_form_post(url, &fields, "证书.png", "image/png", png)
                .await;
            assert!((200..300).contains(&posted), "form post: {posted}");
            calls.take();
            (r.body["uploadId"].as_str().unwrap().to_string(), cost)
        }
    };
    let submit = |evidence: String| {
        let (t, token, calls) = (&t, &token, &calls);
        async move {
            let body = json!({
                "institution": "DEMO-SCHOOL", "name": "电工职业资格证书(高级)",
                "type": "NON_ACADEMIC", "subtype": "VOCATIONAL_QUALIFICATION",
                "issuer": "广东省人力资源和社会保障厅", "obtainedAt": "2024-06-28",
                "evidence": [evidence],
            });
            let r = t
                .post("/achievement-registrations", body, Some(token))
                .await;
            assert_eq!(r.status, 201, "{:?}", r.body);
            (r.body["id"].as_str().unwrap().to_string(), calls.take())
        }
    };

    let (first, cost) = upload().await;
    within("POST /uploads", cost, 2);
    let (a, cost) = submit(first).await;
    within("POST /achievement-registrations", cost, 3);
    let (b, _) = submit(upload().await.0).await;
    let (c, _) = submit(upload().await.0).await;

    let r = t.get("/achievement-registrations", Some(&token)).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    within("GET /achievement-registrations", calls.take(), 2);
    let r = t
        .get(&format!("/achievement-registrations/{a}"), Some(&token))
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    within("GET /achievement-registrations/{id}", calls.take(), 2);

    let r = t
        .get("/institution/achievement-registrations", Some(&staff))
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    within(
        "GET /institution/achievement-registrations",
        calls.take(),
        1,
    );
    let r = t
        .get(
            &format!("/institution/achievement-registrations/{a}"),
            Some(&staff),
        )
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    within(
        "GET /institution/achievement-registrations/{id}",
        calls.take(),
        2,
    );
    let decide = |id: String, body: serde_json::Value| {
        let (t, staff, calls) = (&t, &staff, &calls);
        async move {
            let path = format!("/institution/achievement-registrations/{id}/decision");
            let r = t.post(&path, body, Some(staff)).await;
            assert_eq!(r.status, 200, "{:?}", r.body);
            calls.take()
        }
    };
    let cost = decide(
        a.clone(),
        json!({ "decision": "APPROVE", "credits": 2.5, "points": 150 }),
    )
    .await;
    within(
        "POST /institution/achievement-registrations/{id}/decision (approve)",
        cost,
        3,
    );
    let cost = decide(
        b.clone(),
        json!({ "decision": "RETURN", "reason": "请补充证书背面" }),
    )
    .await;
    within(
        "POST /institution/achievement-registrations/{id}/decision (return)",
        cost,
        3,
    );

    // Resubmitted with its own evidence, then (returned again) with a new upload besides.
    let resubmit = |id: String, evidence: Vec<String>| {
        let (t, token, calls) = (&t, &token, &calls);
        async move {
            let body = json!({
                "institution": "DEMO-SCHOOL", "name": "电工职业资格证书(高级, 补充)",
                "type": "NON_ACADEMIC", "subtype": "VOCATIONAL_QUALIFICATION",
                "issuer": "广东省人力资源和社会保障厅", "obtainedAt": "2024-06-28",
                "evidence": evidence,
            });
            let path = format!("/achievement-registrations/{id}");
            let r = t.put_json(&path, body, token).await;
            assert_eq!(r.status, 200, "{:?}", r.body);
            calls.take()
        }
    };
    let b_view = t
        .get(&format!("/achievement-registrations/{b}"), Some(&token))
        .await;
    let kept = b_view.body["evidence"][0]["uploadId"]
        .as_str()
        .unwrap()
        .to_string();
    calls.take();
    let cost = resubmit(b.clone(), vec![kept.clone()]).await;
    within("PUT /achievement-registrations/{id}", cost, 3);
    decide(
        b.clone(),
        json!({ "decision": "RETURN", "reason": "请再补充" }),
    )
    .await;
    let (more, _) = upload().await;
    let cost = resubmit(b.clone(), vec![kept, more]).await;
    within(
        "PUT /achievement-registrations/{id} (a new upload besides)",
        cost,
        3,
    );

    let path = format!("/achievement-registrations/{c}/withdraw");
    let r = t.send(t.req("POST", &path).bearer(&token)).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    within(
        "POST /achievement-registrations/{id}/withdraw",
        calls.take(),
        3,
    );
}

/// 成果转换: each of the 14 conversion routes within the round trips of its design (every one at
/// most 3: the session's batch read, with the achievement when the route is about one; one
/// read or query, or the two ranges of published rules at once; one transaction). The staff
/// routes read no session (the JWT authorizer verified the token).
#[tokio::test]
async fn each_conversion_route_keeps_its_round_trip_budget() {
    use serde_json::json;
    let (t, calls) = counted().await;
    t.import_demo().await; // the demo learner joins the demo school
    let (token, _) = t.activate(DEMO_ID, "Kq7#tidal-Lane").await;
    let staff = t.staff_token("DEMO-SCHOOL", "REVIEWER").await;
    let list = t.get("/achievements?pageSize=50", Some(&token)).await;
    let elevator = list.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["source"] == "personal")
        .map(|a| a["id"].as_str().unwrap().to_string())
        .unwrap();
    calls.take();

    let rule = |course: &str| {
        json!({
            "name": format!("{course} 证书转换"),
            "source": {"type": "NON_ACADEMIC", "subtype": "X_CERTIFICATE",
                       "name": "电梯维修保养职业技能等级证书", "minLevel": "INTERMEDIATE"},
            "target": {"courseCode": course, "courseName": "电梯维护与保养", "credits": 4,
                       "mode": "EXEMPT"},
            "maxCredits": 8, "effectiveFrom": "2024-01-01", "effectiveTo": "2099-12-31"
        })
    };
    // The school's rules: drafted, edited, published (three, one per application below).
    let mut rules = Vec::new();
    for (i, course) in ["ELE-201", "ELE-202", "ELE-203"].into_iter().enumerate() {
        let r = t
            .post("/institution/conversion-rules", rule(course), Some(&staff))
            .await;
        assert_eq!(r.status, 201, "{:?}", r.body);
        let cost = calls.take();
        let id = r.body["id"].as_str().unwrap().to_string();
        let path = format!("/institution/conversion-rules/{id}");
        let r = t.put_json(&path, rule(course), &staff).await;
        assert_eq!(r.status, 200, "{:?}", r.body);
        let edit = calls.take();
        let r = t
            .post(&format!("{path}/publish"), json!({}), Some(&staff))
            .await;
        assert_eq!(r.status, 200, "{:?}", r.body);
        let publish = calls.take();
        if i == 0 {
            within("POST /institution/conversion-rules", cost, 2);
            within("PUT /institution/conversion-rules/{id}", edit, 2);
            within(
                "POST /institution/conversion-rules/{id}/publish",
                publish,
                2,
            );
        }
        rules.push(id);
    }
    let r = t.get("/institution/conversion-rules", Some(&staff)).await;
    assert_eq!(r.body["total"], 3, "{:?}", r.body);
    within("GET /institution/conversion-rules", calls.take(), 1);

    // Anyone's list: one query a page, filtered or not, from a cursor or not.
    let r = t.get("/conversion-rules", None).await;
    assert_eq!(r.body["items"].as_array().unwrap().len(), 3, "{:?}", r.body);
    within("GET /conversion-rules", calls.take(), 1);
    let r = t
        .get("/conversion-rules?subtype=X_CERTIFICATE&pageSize=2", None)
        .await;
    let cursor = r.body["nextCursor"]
        .as_str()
        .expect("a next page")
        .to_string();
    within("GET /conversion-rules (filtered)", calls.take(), 1);
    let path = format!("/conversion-rules?subtype=X_CERTIFICATE&pageSize=2&cursor={cursor}");
    let r = t.get(&path, None).await;
    assert_eq!(r.body["items"].as_array().unwrap().len(), 1, "{:?}", r.body);
    within("GET /conversion-rules (the next page)", calls.take(), 1);

    let path = format!("/achievements/{elevator}/conversion-rules");
    let r = t.get(&path, Some(&token)).await;
    assert_eq!(r.body["items"].as_array().unwrap().len(), 3, "{:?}", r.body);
    within("GET /achievements/{id}/conversion-rules", calls.take(), 3);

    let mut applications = Vec::new();
    for rule_id in &rules {
        let body = json!({"achievementId": elevator, "ruleId": rule_id});
        let r = t.post("/conversions", body, Some(&token)).await;
        assert_eq!(r.status, 201, "{:?}", r.body);
        within("POST /conversions", calls.take(), 3);
        applications.push(r.body["id"].as_str().unwrap().to_string());
    }
    let r = t.get("/conversions", Some(&token)).await;
    assert_eq!(r.body["total"], 3, "{:?}", r.body);
    within("GET /conversions", calls.take(), 2);
    let r = t
        .get(&format!("/conversions/{}", applications[0]), Some(&token))
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    within("GET /conversions/{id}", calls.take(), 2);

    let r = t.get("/institution/conversions", Some(&staff)).await;
    assert_eq!(r.body["items"].as_array().unwrap().len(), 3, "{:?}", r.body);
    within("GET /institution/conversions", calls.take(), 1);
    let path = format!("/institution/conversions/{}", applications[0]);
    let r = t.get(&path, Some(&staff)).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    within("GET /institution/conversions/{id}", calls.take(), 2);
    for (id, decision, label) in [
        (
            &applications[0],
            json!({"decision": "APPROVE", "credits": 4}),
            "POST /institution/conversions/{id}/decision (approve)",
        ),
        (
            &applications[1],
            json!({"decision": "REJECT", "reason": "课程已修"}),
            "POST /institution/conversions/{id}/decision (reject)",
        ),
    ] {
        let path = format!("/institution/conversions/{id}/decision");
        let r = t.post(&path, decision, Some(&staff)).await;
        assert_eq!(r.status, 200, "{:?}", r.body);
        within(label, calls.take(), 3);
    }

    let path = format!("/conversions/{}/withdraw", applications[2]);
    let r = t.post(&path, json!({}), Some(&token)).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    within("POST /conversions/{id}/withdraw", calls.take(), 3);

    let path = format!("/institution/conversion-rules/{}/retire", rules[2]);
    let r = t.post(&path, json!({}), Some(&staff)).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    within(
        "POST /institution/conversion-rules/{id}/retire",
        calls.take(),
        2,
    );
}

/// 问题反馈: each of the 12 feedback routes within the round trips of its design (every one at
/// most 3): the learner's routes read what they need in the session's batch read (a new
/// ticket's uploads, related record and day count; a ticket), then write once, and the routes
/// answering with the thread query it last; the list queries the tickets and reads the day's
/// count at once (3 requests, 2 round trips). The staff routes read no session: the ticket's
/// pointer, then the ticket (with its learner, for a reply's notice; with the thread, for a
/// read), then the write.
#[tokio::test]
async fn each_feedback_route_keeps_its_round_trip_budget() {
    use crate::registrations::{register, upload, PNG};
    use serde_json::json;
    let (t, calls) = counted().await;
    t.import_demo().await; // the demo learner joins the demo school
    let (token, mobile) = t.activate(DEMO_ID, "Kq7#tidal-Lane").await;
    let staff = t.staff_token("DEMO-SCHOOL", "REVIEWER").await;
    let platform = t.staff_token("NCB", "PLATFORM").await;
    let related = register(&t, &token, "FB-COST-0001").await;
    let shot = upload(&t, &token, "image/png", PNG).await;
    calls.take();

    let ticket = |extra: serde_json::Value| {
        let mut body = json!({
            "institution": "DEMO-SCHOOL", "category": "CONSULT", "title": "登记为何未通过",
            "content": "我登记的证书被退回，想了解需要补充哪些材料。",
        });
        for (k, v) in extra.as_object().unwrap() {
            body[k] = v.clone();
        }
        body
    };
    let r = t.post("/feedback", ticket(json!({})), Some(&token)).await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    within("POST /feedback", calls.take(), 2);
    let plain = r.body["id"].as_str().unwrap().to_string();
    let r = t
        .post(
            "/feedback",
            ticket(json!({"relatedId": related, "attachments": [shot]})),
            Some(&token),
        )
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    assert_eq!(r.body["related"]["kind"], "REGISTRATION");
    within(
        "POST /feedback (a related registration, an attachment)",
        calls.take(),
        2,
    );
    let id = r.body["id"].as_str().unwrap().to_string();

    let r = t.get("/feedback", Some(&token)).await;
    assert_eq!(r.body["total"], 2, "{:?}", r.body);
    within("GET /feedback", calls.take(), 2);
    let r = t.get("/feedback?status=SUBMITTED", Some(&token)).await;
    assert_eq!(r.body["total"], 2, "{:?}", r.body);
    within("GET /feedback?status=SUBMITTED", calls.take(), 2);
    let r = t.get(&format!("/feedback/{id}"), Some(&token)).await;
    assert_eq!(r.body["messages"].as_array().unwrap().len(), 1);
    within("GET /feedback/{id}", calls.take(), 2);

    let r = t.get("/institution/feedback", Some(&staff)).await;
    assert_eq!(r.body["items"].as_array().unwrap().len(), 2, "{:?}", r.body);
    within("GET /institution/feedback", calls.take(), 1);
    let school = format!("/institution/feedback/{id}");
    let r = t.get(&school, Some(&staff)).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    within("GET /institution/feedback/{id}", calls.take(), 3);
    let reply = |path: String, who: &str| {
        let (t, calls, who) = (&t, &calls, who.to_string());
        async move {
            let body = json!({"content": "请补充证书查询页截图。"});
            let r = t.post(&path, body, Some(&who)).await;
            assert_eq!(r.status, 200, "{:?}", r.body);
            assert_eq!(r.body["status"], "REPLIED");
            calls.take()
        }
    };
    let notices = || async { t.sms_to(&mobile).await.len() };
    let before = notices().await;
    let cost = reply(format!("{school}/messages"), &staff).await;
    within(
        "POST /institution/feedback/{id}/messages (with its notice)",
        cost,
        3,
    );
    assert_eq!(notices().await, before + 1);
    let cost = reply(format!("{school}/messages"), &staff).await;
    assert_eq!(notices().await, before + 1);
    within(
        "POST /institution/feedback/{id}/messages (no notice within the hour)",
        cost,
        3,
    );

    let body = json!({"content": "截图已上传，仍无法通过。"});
    let r = t
        .post(&format!("/feedback/{id}/messages"), body, Some(&token))
        .await;
    assert_eq!(r.body["status"], "SUBMITTED", "{:?}", r.body);
    within("POST /feedback/{id}/messages", calls.take(), 3);

    let r = t
        .post(
            &format!("{school}/forward"),
            json!({"note": "证书编号需平台核验"}),
            Some(&staff),
        )
        .await;
    assert_eq!(r.body["status"], "FORWARDED", "{:?}", r.body);
    within("POST /institution/feedback/{id}/forward", calls.take(), 3);

    let r = t.get("/platform/feedback", Some(&platform)).await;
    assert_eq!(r.body["items"].as_array().unwrap().len(), 1, "{:?}", r.body);
    within("GET /platform/feedback", calls.take(), 1);
    let desk = format!("/platform/feedback/{id}");
    let r = t.get(&desk, Some(&platform)).await;
    assert_eq!(r.body["messages"].as_array().unwrap().len(), 5);
    within("GET /platform/feedback/{id}", calls.take(), 3);
    t.advance(3601); // a notice again; the learner's session idled out meanwhile
    let token = t.token(DEMO_ID, "Kq7#tidal-Lane").await;
    calls.take();
    let cost = reply(format!("{desk}/messages"), &platform).await;
    within("POST /platform/feedback/{id}/messages", cost, 3);
    assert_eq!(notices().await, before + 2);

    for (path, body) in [
        (format!("/feedback/{id}/close"), json!({"rating": 5})),
        (format!("/feedback/{plain}/close"), json!({})),
    ] {
        let r = t.post(&path, body, Some(&token)).await;
        assert_eq!(r.body["status"], "CLOSED", "{:?}", r.body);
        within("POST /feedback/{id}/close", calls.take(), 3);
    }
}

/// A learner with 20 tickets (five a day, four days) and 240 messages (one thread full at 50,
/// the others 10 each): the list is still one query reading the 20 tickets and no message (the
/// thread's items sort after the tickets' `FB#`, outside the range), with the session's read and
/// the day's count; a ticket's read reads its own thread only.
#[tokio::test]
async fn a_learners_list_reads_no_thread() {
    use serde_json::json;
    const PASSWORD: &str = "Kq7#tidal-Lane";
    let (t, calls) = counted().await;
    t.import_demo().await;
    let (mut token, _) = t.activate(DEMO_ID, PASSWORD).await;
    let mut ids = Vec::new();
    for day in 0..4 {
        if day > 0 {
            t.advance(86_400); // the next day's five (a new session: the last one idled out)
            token = t.token(DEMO_ID, PASSWORD).await;
        }
        for i in 0..5 {
            let body = json!({
                "institution": "DEMO-SCHOOL", "category": "HELP",
                "title": format!("第{day}天的第{i}个问题"),
                "content": "我登记的证书被退回，想了解需要补充哪些材料。",
            });
            let r = t.post("/feedback", body, Some(&token)).await;
            assert_eq!(r.status, 201, "{:?}", r.body);
            ids.push(r.body["id"].as_str().unwrap().to_string());
        }
    }
    for (n, id) in ids.iter().enumerate() {
        let path = format!("/feedback/{id}/messages");
        let follow_ups = if n == 0 { 49 } else { 9 };
        for k in 0..follow_ups {
            let r = t
                .post(
                    &path,
                    json!({"content": format!("补充说明 {k}")}),
                    Some(&token),
                )
                .await;
            assert_eq!(r.status, 200, "{:?}", r.body);
        }
    }
    let r = t
        .post(
            &format!("/feedback/{}/messages", ids[0]),
            json!({"content": "第51条"}),
            Some(&token),
        )
        .await;
    assert_eq!(r.code(), "TOO_MANY_MESSAGES", "{:?}", r.body);
    calls.take();
    calls.take_queried();

    let r = t.get("/feedback?pageSize=50", Some(&token)).await;
    assert_eq!(
        (r.body["total"].as_u64(), r.body["leftToday"].as_u64()),
        (Some(20), Some(0)),
        "{:?}",
        r.body
    );
    let counts: u64 = r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["messageCount"].as_u64().unwrap())
        .sum();
    assert_eq!(counts, 50 + 19 * 10);
    within("GET /feedback (20 tickets, 240 messages)", calls.take(), 2);
    assert_eq!(
        calls.take_queried(),
        20,
        "the list read more than the tickets"
    );
    let r = t.get("/feedback?status=CLOSED", Some(&token)).await;
    assert_eq!(r.body["total"], 0, "{:?}", r.body);
    within("GET /feedback?status=CLOSED (20 tickets)", calls.take(), 2);
    assert_eq!(calls.take_queried(), 20);

    let r = t.get(&format!("/feedback/{}", ids[0]), Some(&token)).await;
    assert_eq!(r.body["messages"].as_array().unwrap().len(), 50);
    within("GET /feedback/{id} (a full thread)", calls.take(), 2);
    assert_eq!(
        calls.take_queried(),
        50,
        "a read of one thread read another's"
    );
}

// ---------------------------------------------------------------------------------------------
// The published rules at scale.

mod scale {
    use super::*;
    use domain::account::learner::School;
    use domain::achievements::catalogue;
    use domain::conversions::rules::{
        self, Level, Mode, Rule, RuleBody, RuleStatus, Source, Target,
    };
    use domain::store::schema;
    use std::collections::BTreeSet;

    /// Published rules in the store: more than any province's schools will publish for years.
    const RULES: usize = 10_000;
    /// The certificate names the rules name (besides the demo learner's, below).
    const NAMES: usize = 300;
    /// Schools publishing; the first is the demo learner's.
    const SCHOOLS: usize = 40;
    const DEMO_SCHOOL: &str = "DEMO-SCHOOL";
    /// The demo learner's certificate (中级, 7 credits, NON_ACADEMIC/X_CERTIFICATE), and the ways
    /// a rule may name it: with or without a level, full-width brackets, spaces.
    const ELEVATOR: &str = "电梯维修保养职业技能等级证书";
    const ELEVATOR_NAMES: [&str; 4] = [
        "电梯维修保养职业技能等级证书",
        "电梯维修保养职业技能等级证书(中级)",
        "电梯维修保养职业技能等级证书（高级）",
        "电梯维修保养 职业技能等级证书",
    ];
    const TODAY: &str = "2026-03-01"; // ManualClock::fixed()

    /// One generated rule, with what decides whether the demo certificate meets it.
    struct Spec {
        rule: Rule,
        names_elevator: bool,
    }

    fn date(s: &str) -> chrono::NaiveDate {
        s.parse().unwrap()
    }

    /// The rule numbered `i`, of `school`, for `kind`/`subtype`, naming `name` (none: any).
    fn rule(
        i: usize,
        school: usize,
        (kind, subtype): (&str, &str),
        name: Option<String>,
        min_level: Option<Level>,
        period: (&str, Option<&str>),
    ) -> Rule {
        let code = match school {
            0 => DEMO_SCHOOL.to_string(),
            n => format!("SCHOOL-{n:02}"),
        };
        let body = RuleBody {
            name: format!("转换规则 {i}"),
            source: Source {
                kind: kind.into(),
                subtype: subtype.into(),
                name,
                min_level,
            },
            target: Target {
                course_code: format!("C-{:03}", i % 500),
                course_name: format!("课程 {}", i % 500),
                credit_tenths: 10 + (i % 6) as i64 * 10,
                mode: if i % 2 == 0 {
                    Mode::Exempt
                } else {
                    Mode::Replace
                },
            },
            max_credit_tenths: 40,
            effective_from: date(period.0),
            effective_to: period.1.map(date),
        };
        let institution = School {
            name: format!("{code} 学院"),
            code,
        };
        let mut r = Rule::new(format!("{i:016x}"), institution, body, 1_700_000_000);
        r.status = RuleStatus::Published;
        r.published_at = Some(1_700_000_000);
        r
    }

    /// The catalogue's (type, subtype) pairs.
    fn kinds() -> Vec<(&'static str, &'static str)> {
        catalogue::TYPES
            .iter()
            .flat_map(|t| t.subtypes.iter().map(|s| (t.entry.code, s.code)))
            .collect()
    }

    /// A well-mixed number from `i` and `salt` (SplitMix64): the rules' attributes are drawn
    /// with it, so that no two of them line up by accident of modular arithmetic.
    fn mix(i: usize, salt: u64) -> usize {
        let mut z = (i as u64)
            .wrapping_mul(0x9E37_79B9_7F4A_7C15)
            .wrapping_add(salt.wrapping_mul(0xBF58_476D_1CE4_E5B9));
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        (z ^ (z >> 31)) as usize
    }

    /// `RULES` rules: spread over every subtype, `NAMES` certificate names and `SCHOOLS`
    /// schools, one in twenty naming no certificate, some with a minimum level, some ended or not
    /// begun; and among them about a hundred naming the demo certificate (in its four
    /// spellings; mostly of its subtype, half of them the demo school's) and near misses naming
    /// another certificate that starts like it.
    fn catalogue_of_rules() -> Vec<Spec> {
        let kinds = kinds();
        let x_certificate = kinds
            .iter()
            .position(|k| *k == ("NON_ACADEMIC", "X_CERTIFICATE"))
            .unwrap();
        let names: Vec<String> = (0..NAMES)
            .map(|n| match n % 3 {
                0 => format!("职业技能等级证书 {n:03}"),
                1 => format!("{ELEVATOR} {n:03}"), // a near miss: another name key
                _ => format!("Certificate {n:03}(中级)"),
            })
            .collect();
        let periods = [
            ("2024-01-01", Some("2099-12-31")),
            ("2020-09-01", None),
            ("2025-03-01", Some("2026-03-01")), // its last day
            ("2021-01-01", Some("2025-12-31")), // ended
            ("2026-09-01", None),               // not begun
        ];
        (0..RULES)
            .map(|i| {
                let names_elevator = mix(i, 1) % 100 == 0;
                let (kind, name, school) = if names_elevator {
                    let kind = match mix(i, 2) % 4 {
                        0 => kinds[mix(i, 3) % kinds.len()],
                        _ => kinds[x_certificate],
                    };
                    let school = match mix(i, 4) % 2 {
                        0 => 0,
                        _ => 1 + mix(i, 5) % (SCHOOLS - 1),
                    };
                    let spelling = ELEVATOR_NAMES[mix(i, 6) % ELEVATOR_NAMES.len()];
                    (kind, Some(spelling.to_string()), school)
                } else {
                    let name = match mix(i, 7) % 20 {
                        0 => None,
                        _ => Some(names[mix(i, 8) % NAMES].clone()),
                    };
                    let school = match mix(i, 9) % 6 {
                        0 => 0,
                        _ => 1 + mix(i, 5) % (SCHOOLS - 1),
                    };
                    (kinds[mix(i, 3) % kinds.len()], name, school)
                };
                let min_level = match mix(i, 10) % 7 {
                    0 => Some(Level::Junior),
                    1 => Some(Level::Intermediate),
                    2 => Some(Level::Senior),
                    _ => None,
                };
                let period = periods[mix(i, 11) % periods.len()];
                Spec {
                    rule: rule(i, school, kind, name, min_level, period),
                    names_elevator,
                }
            })
            .collect()
    }

    /// Whether the demo certificate meets `s` for the demo learner today, decided from how the
    /// rule was made (not with the domain's own `Rule::accepts`): its subtype, a name that is
    /// the certificate's or none, a minimum level of 中级 at most, the demo school, in force.
    fn met(s: &Spec) -> bool {
        let r = &s.rule;
        let src = &r.body.source;
        (src.kind.as_str(), src.subtype.as_str()) == ("NON_ACADEMIC", "X_CERTIFICATE")
            && (src.name.is_none() || s.names_elevator)
            && src.min_level.is_none_or(|l| l <= Level::Intermediate)
            && r.institution.code == DEMO_SCHOOL
            && in_force(r)
    }

    fn in_force(r: &Rule) -> bool {
        r.body.effective_from <= date(TODAY)
            && r.body.effective_to.is_none_or(|to| date(TODAY) <= to)
    }

    /// The rule's published copy, at its key of the `PUBRULES` partition.
    fn published(r: &Rule) -> Item {
        let s = &r.body.source;
        let sk = schema::public_rule_sk(
            &s.kind,
            &s.subtype,
            &rules::name_key(s.name.as_deref()),
            &r.institution.code,
            &r.id,
        );
        Item::new(schema::PUBLIC_RULES_PK, sk, r)
    }

    fn ids(items: &serde_json::Value) -> Vec<String> {
        items
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["id"].as_str().unwrap().to_string())
            .collect()
    }

    /// 10,000 published rules: the rules an achievement meets are still 3 round trips (two
    /// key ranges, whatever the partition holds), exactly the right rules; a page of the
    /// public list is 1, and its cursor walks a filtered range exactly.
    ///
    /// In CI on the in-memory store only (about 1.5 s in a debug build): on moto the same test
    /// takes about 18 s (seeding is 400 BatchWriteItem requests, 6 s; each Query is a scan of
    /// the whole table in Python, about 0.7 s), for nothing the counts do not show already: the
    /// counting wrapper counts the store's calls, the same on both backends, and it passes
    /// there too (`ten_thousand_published_rules_on_moto`, by hand). The round trips at the wire
    /// are the benchmark's (`scripts/bench.sh`). Each range read below stays far under
    /// DynamoDB's 1 MB a request (asserted), so each call is one request at the wire too.
    #[tokio::test]
    async fn ten_thousand_published_rules_cost_what_one_does() {
        scale(Backend::Memory).await;
    }

    /// The same on moto, by hand: `cargo test -p integration-tests --test integration --
    /// --ignored ten_thousand` (with `source scripts/moto.sh`).
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    #[ignore = "minutes on moto; the in-memory run counts the same calls"]
    async fn ten_thousand_published_rules_on_moto() {
        scale(Backend::Dynamo).await;
    }

    async fn scale(backend: Backend) {
        let started = std::time::Instant::now();
        let Some((t, calls)) = counted_on(backend).await else {
            return;
        };
        t.import_demo().await;
        let (token, _) = t.activate(DEMO_ID, "Kq7#tidal-Lane").await;
        let list = t.get("/achievements?pageSize=50", Some(&token)).await;
        let elevator = list.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["name"].as_str().unwrap().starts_with(ELEVATOR))
            .map(|a| a["id"].as_str().unwrap().to_string())
            .unwrap();

        let specs = catalogue_of_rules();
        let items: Vec<Item> = specs.iter().map(|s| published(&s.rule)).collect();
        // Seeded straight into the store, as the rules' publications would leave them.
        let seeding = std::time::Instant::now();
        t.app().store.batch_put(items.clone()).await.unwrap();
        calls.take();
        println!(
            "{RULES} published rules seeded in {:.1}s",
            seeding.elapsed().as_secs_f64()
        );

        // The data has what the test is about: the demo certificate named, in every spelling,
        // by rules it meets and by rules it does not (another school, another subtype, a higher
        // level, out of force); rules naming no certificate on both sides too.
        let expected: BTreeSet<String> = specs
            .iter()
            .filter(|s| met(s))
            .map(|s| s.rule.id.clone())
            .collect();
        let elevator_rules = specs.iter().filter(|s| s.names_elevator);
        let (named_met, named_missed): (Vec<&Spec>, Vec<&Spec>) =
            elevator_rules.partition(|s| met(s));
        assert!(named_met.len() >= 3, "{} named rules met", named_met.len());
        assert!(named_missed.len() >= 20, "{}", named_missed.len());
        let any_met = specs
            .iter()
            .filter(|s| met(s) && s.rule.body.source.name.is_none())
            .count();
        assert!(any_met >= 3, "{any_met} rules naming no certificate met");
        let nameless = specs
            .iter()
            .filter(|s| s.rule.body.source.name.is_none())
            .count();
        assert!((400..=600).contains(&nameless), "{nameless} naming none");
        for spelling in ELEVATOR_NAMES {
            assert!(
                named_met
                    .iter()
                    .any(|s| s.rule.body.source.name.as_deref() == Some(spelling)),
                "no rule met names {spelling}"
            );
        }
        // Each of the two ranges the route reads is one DynamoDB request (under 1 MB).
        let elevator_key = rules::name_key(Some(ELEVATOR));
        for key in [elevator_key.as_str(), rules::ANY_NAME] {
            let prefix =
                schema::public_rule_prefix("NON_ACADEMIC", Some("X_CERTIFICATE"), Some(key));
            let bytes: usize = items
                .iter()
                .filter(|i| i.sk.starts_with(&prefix))
                .map(|i| i.sk.len() + i.data.to_string().len())
                .sum();
            assert!(bytes < 500_000, "range {prefix}: {bytes} bytes");
        }

        let path = format!("/achievements/{elevator}/conversion-rules");
        let r = t.get(&path, Some(&token)).await;
        assert_eq!(r.status, 200, "{:?}", r.body);
        within(
            "GET /achievements/{id}/conversion-rules (10,000 published rules)",
            calls.take(),
            3,
        );
        let got: Vec<String> = ids(&r.body["items"]);
        let got_set: BTreeSet<String> = got.iter().cloned().collect();
        assert_eq!(got.len(), got_set.len(), "a rule twice: {got:?}");
        assert_eq!(got_set, expected);
        println!(
            "the demo certificate meets {} of {RULES} published rules",
            expected.len()
        );

        // 查看转换规则: a page of the whole list, a filtered page, and each page of a walk
        // through the demo school's X certificate rules, one round trip each.
        let r = t.get("/conversion-rules", None).await;
        assert_eq!(
            r.body["items"].as_array().unwrap().len(),
            20,
            "{:?}",
            r.body
        );
        assert!(r.body["nextCursor"].is_string());
        within(
            "GET /conversion-rules (10,000 published rules)",
            calls.take(),
            1,
        );
        let r = t
            .get(
                "/conversion-rules?pageSize=50&name=%E7%94%B5%E6%A2%AF",
                None,
            )
            .await;
        assert_eq!(r.status, 200, "{:?}", r.body);
        within(
            "GET /conversion-rules?name=电梯 (10,000 published rules)",
            calls.take(),
            1,
        );
        let query = format!("subtype=X_CERTIFICATE&institution={DEMO_SCHOOL}&pageSize=50");
        let mut walked = Vec::new();
        let mut cursor: Option<String> = None;
        let mut pages = 0;
        loop {
            let path = match &cursor {
                Some(c) => format!("/conversion-rules?{query}&cursor={c}"),
                None => format!("/conversion-rules?{query}"),
            };
            let r = t.get(&path, None).await;
            assert_eq!(r.status, 200, "{:?}", r.body);
            within("GET /conversion-rules (a page of a walk)", calls.take(), 1);
            pages += 1;
            walked.extend(ids(&r.body["items"]));
            match r.body["nextCursor"].as_str() {
                Some(c) => cursor = Some(c.to_string()),
                None => break,
            }
            assert!(pages < 200, "the walk does not end");
        }
        let want: BTreeSet<String> = specs
            .iter()
            .map(|s| &s.rule)
            .filter(|r| {
                r.body.source.subtype == "X_CERTIFICATE"
                    && r.institution.code == DEMO_SCHOOL
                    && in_force(r)
            })
            .map(|r| r.id.clone())
            .collect();
        let walked_set: BTreeSet<String> = walked.iter().cloned().collect();
        assert_eq!(walked.len(), walked_set.len(), "a rule on two pages");
        assert_eq!(walked_set, want);
        println!(
            "the walk: {} rules in {pages} pages of one round trip; {:.1}s in all",
            want.len(),
            started.elapsed().as_secs_f64()
        );
    }
}
