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
}

impl Counting {
    fn note(&self, op: &'static str) {
        *self.calls.lock().unwrap().entry(op).or_default() += 1;
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
        self.inner.query(pk, prefix, opts).await
    }
    async fn query_after(
        &self,
        pk: &str,
        prefix: &str,
        after: Option<&str>,
        limit: usize,
    ) -> Result<(Vec<Item>, bool), StoreError> {
        self.note("Query");
        self.inner.query_after(pk, prefix, after, limit).await
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
    let t = TestApp::spawn(Backend::Memory).await.unwrap();
    let counting = Arc::new(Counting {
        inner: t.app().store.clone(),
        calls: Mutex::default(),
    });
    let mut app = (*t.dev.app).clone();
    app.store = counting.clone();
    let dev = Arc::new(devserver::DevServer {
        app: Arc::new(app),
        outbox: t.dev.outbox.clone(),
        files: t.dev.files.clone(),
        authorizer: t.dev.authorizer.clone(),
    });
    (TestApp { dev, ..t }, counting)
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
