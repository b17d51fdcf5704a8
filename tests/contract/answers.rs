//! What the handlers actually answer is what openapi.yaml documents.

#![allow(unused_imports)]
use super::*;

/// Why an answer to `route` is not what openapi.yaml documents (empty if it is).
fn undocumented(spec: &Spec, route: &RouteKey, resp: &TestResponse) -> Vec<String> {
    let ops = spec.operations();
    let Some(op) = ops.get(route) else {
        return vec![format!("{} is not in openapi.yaml", show(route))];
    };
    let status = resp.status.to_string();
    let Some(doc) = op["responses"].get(&status).map(|r| spec.resolve(r)) else {
        return vec![format!(
            "{} answered {status} {}, a status openapi.yaml does not document",
            show(route),
            resp.body
        )];
    };
    let mut problems = Vec::new();
    match doc["content"].get("application/json") {
        Some(media) => {
            let ct = resp
                .headers
                .get("content-type")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            if !ct.starts_with("application/json") {
                problems.push(format!("{} {status}: content-type {ct:?}", show(route)));
            }
            let mut body = resp.body.clone();
            // The dev server's own addition (lets scripts log in); the Lambda never sends it.
            if route.1 == "/captcha" {
                if let Some(m) = body.as_object_mut() {
                    m.remove("devAnswer");
                }
            }
            for p in spec.check(&media["schema"], &body) {
                problems.push(format!("{} {status}: {p}; body {}", show(route), resp.body));
            }
        }
        None if resp.raw.is_empty() => {}
        None => problems.push(format!(
            "{} {status}: a body where openapi.yaml documents none",
            show(route)
        )),
    }
    for name in doc["headers"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(n, _)| n)
    {
        if !resp.headers.contains_key(name.as_str()) {
            problems.push(format!("{} {status}: no {name} header", show(route)));
        }
    }
    problems
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sample_events_get_documented_answers() {
    let spec = Spec::load();
    let routes = code_routes();
    let mut problems = Vec::new();
    for e in api_events() {
        if !routes.contains_key(&e.route) {
            continue; // not a route: template_routes_events_and_openapi_match_devserver_routes says so
        }
        let t = seeded_app(Backend::Memory).await.unwrap();
        let event: Value = serde_json::from_str(&e.text).unwrap();
        let resp = invoke_event(t.dev.app.clone(), event).await;
        problems.extend(
            undocumented(&spec, &e.route, &resp)
                .into_iter()
                .map(|p| format!("events/{}: {p}", e.file)),
        );
    }
    assert_no_problems("sample events' answers vs openapi.yaml", &problems);
}

/// A learner's first steps, every answer checked against openapi.yaml.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_first_login_walkthrough_gets_documented_answers() {
    let spec = Spec::load();
    let t = TestApp::spawn(Backend::Memory).await.unwrap();
    let mut problems = Vec::new();

    // The demo roll, through the dev server's door to the import function: its result is the
    // import function's, and must fit ImportResult.
    for file in event_files().into_iter().filter(|f| is_import_event(f)) {
        let event: Value =
            serde_json::from_str(&std::fs::read_to_string(events_dir().join(&file)).unwrap())
                .unwrap();
        let r = t.send(t.req("POST", "/_dev/import").json(&event)).await;
        if r.status != 200 {
            problems.push(format!(
                "events/{file} through POST /_dev/import: {} {}",
                r.status, r.body
            ));
        }
        for p in spec.check(
            &json!({ "$ref": "#/components/schemas/ImportResult" }),
            &r.body,
        ) {
            problems.push(format!("events/{file}: import result: {p}; {}", r.body));
        }
    }

    let mut check = |method: &str, path: &str, resp: &TestResponse, want: u16| {
        let route = (method.to_string(), path.to_string());
        if resp.status != want {
            problems.push(format!(
                "{} answered {} (expected {want}): {}",
                show(&route),
                resp.status,
                resp.body
            ));
        }
        problems.extend(undocumented(&spec, &route, resp));
    };
    let r = t.get("/captcha", None).await;
    check("GET", "/captcha", &r, 200);
    let r = t.get("/achievement-types", None).await;
    check("GET", "/achievement-types", &r, 200);
    let r = t
        .send(
            t.req("GET", "/achievement-types")
                .header("accept-language", "en"),
        )
        .await;
    check("GET", "/achievement-types", &r, 200);
    let r = t.get("/me", None).await;
    check("GET", "/me", &r, 401);

    let r = t.login(DEMO_ID, "000000").await;
    check("POST", "/login", &r, 401);
    let r = t.login(DEMO_ID, DEMO_PASSWORD).await;
    check("POST", "/login", &r, 200);
    let token = r.body["token"].as_str().unwrap_or_default().to_string();

    let r = t.get("/profile", Some(&token)).await;
    check("GET", "/profile", &r, 200);
    let r = t.get("/me", Some(&token)).await;
    check("GET", "/me", &r, 403);
    let r = t.get("/achievements", Some(&token)).await;
    check("GET", "/achievements", &r, 403);

    let mobile = unique_mobile();
    let r = t
        .post("/sms/code", json!({ "mobile": mobile }), Some(&token))
        .await;
    check("POST", "/sms/code", &r, 200);
    let r = t
        .post("/sms/code", json!({ "mobile": mobile }), Some(&token))
        .await;
    check("POST", "/sms/code", &r, 429);
    let code = t.last_code(&mobile).await;
    let r = t
        .put_profile(&token, TestApp::profile_body(&mobile, &code, "password"))
        .await;
    check("PUT", "/profile", &r, 400);
    let r = t
        .put_profile(
            &token,
            TestApp::profile_body(&mobile, &code, "Gd7-river-lantern"),
        )
        .await;
    check("PUT", "/profile", &r, 200);

    let r = t.get("/me", Some(&token)).await;
    check("GET", "/me", &r, 200);
    let r = t.get("/achievements", Some(&token)).await;
    check("GET", "/achievements", &r, 200);
    let r = t
        .send(
            t.req("GET", "/achievements")
                .query("type=NON_ACADEMIC&page=1&pageSize=1")
                .bearer(&token),
        )
        .await;
    check("GET", "/achievements", &r, 200);
    let r = t
        .send(
            t.req("GET", "/achievements")
                .query("pageSize=51")
                .bearer(&token),
        )
        .await;
    check("GET", "/achievements", &r, 400);

    let r = t.send(t.req("POST", "/logout").bearer(&token)).await;
    check("POST", "/logout", &r, 204);
    let r = t.get("/profile", Some(&token)).await;
    check("GET", "/profile", &r, 401);

    assert_no_problems("answers of a first login vs openapi.yaml", &problems);
}

/// The query enums of `GET /achievements` are the catalogue's codes plus "" (an empty value means
/// the parameter is absent), and the codes are those of the components the answers use.
#[test]
fn achievement_filters_accept_the_codes_and_the_empty_value() {
    let spec = Spec::load();
    let params = spec.doc["paths"]["/achievements"]["get"]["parameters"]
        .as_array()
        .unwrap();
    for (name, component) in [
        ("type", "AchievementTypeCode"),
        ("subtype", "AchievementSubtypeCode"),
        ("source", "SourceCode"),
    ] {
        let param = params.iter().find(|p| p["name"] == name).unwrap();
        let mut expected = vec![json!("")];
        expected.extend(
            spec.doc["components"]["schemas"][component]["enum"]
                .as_array()
                .unwrap()
                .iter()
                .cloned(),
        );
        assert_eq!(param["schema"]["enum"], Value::Array(expected), "{name}");
        assert_eq!(param["allowEmptyValue"], true, "{name}");
    }
    for name in ["page", "pageSize"] {
        let param = params.iter().find(|p| p["name"] == name).unwrap();
        assert_eq!(param["allowEmptyValue"], true, "{name}");
    }
}

/// A 1×1 PNG's first bytes (the stored file is checked by its size, type and signature only).
const PNG: &[u8] = &[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13];

/// An upload form for `token`'s learner; its file posted when `post`. The form's answer, and the
/// upload's id.
async fn upload(t: &TestApp, token: &str, post: bool) -> (TestResponse, String) {
    let body = json!({ "fileName": "证书.png", "contentType": "image/png", "size": PNG.len() });
    let r = t.post("/uploads", body, Some(token)).await;
    let id = r.body["uploadId"].as_str().unwrap_or_default().to_string();
    if post && r.status == 201 {
        let fields = serde_json::from_value(r.body["fields"].clone()).unwrap();
        let url = r.body["url"].as_str().unwrap();
        let posted = t
            .upload_form_post(url, &fields, "证书.png", "image/png", PNG)
            .await;
        assert!((200..300).contains(&posted), "form post: {posted}");
    }
    (r, id)
}

fn registration(evidence: &[&str], certificate: Option<&str>) -> Value {
    json!({
        "institution": "DEMO-SCHOOL", "name": "电工职业资格证书(高级)", "type": "NON_ACADEMIC",
        "subtype": "VOCATIONAL_QUALIFICATION", "issuer": "广东省人力资源和社会保障厅",
        "certificateNo": certificate, "obtainedAt": "2024-06-28", "evidence": evidence,
    })
}

/// 登记学习成果 from both sides, every answer (successes and each error the rules give) checked
/// against openapi.yaml: the learner registers, lists, reads, resubmits and withdraws; a
/// reviewer of the school lists, reads, returns and approves; another school, a PLATFORM user
/// and a learner's token are refused; a duplicate certificate, the 21st open registration and
/// the 61st upload form of the day are refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_registration_journey_gets_documented_answers() {
    let spec = Spec::load();
    let t = TestApp::spawn(Backend::Memory).await.unwrap();
    t.import_demo().await;
    let mut problems = Vec::new();
    let mut check = |method: &str, template: &str, resp: &TestResponse, want: u16| {
        let route = (method.to_string(), template.to_string());
        if resp.status != want {
            problems.push(format!(
                "{} answered {} (expected {want}): {}",
                show(&route),
                resp.status,
                resp.body
            ));
        }
        problems.extend(undocumented(&spec, &route, resp));
    };
    const LIST: &str = "/achievement-registrations";
    const ONE: &str = "/achievement-registrations/{id}";
    const WITHDRAW: &str = "/achievement-registrations/{id}/withdraw";
    const QUEUE: &str = "/institution/achievement-registrations";
    const SCHOOL_ONE: &str = "/institution/achievement-registrations/{id}";
    const DECISION: &str = "/institution/achievement-registrations/{id}/decision";
    let one = |id: &str| format!("/achievement-registrations/{id}");
    let school_one = |id: &str| format!("/institution/achievement-registrations/{id}");

    // Before the profile is complete; without a token.
    let r = t.get(LIST, None).await;
    check("GET", LIST, &r, 401);
    let first = t.token(DEMO_ID, DEMO_PASSWORD).await;
    let (r, _) = upload(&t, &first, false).await;
    check("POST", "/uploads", &r, 403);
    let (token, _) = t.activate(DEMO_ID, "Gd7-river-lantern").await;
    let staff = t.staff_token("DEMO-SCHOOL", "REVIEWER").await;
    let other_school = t.staff_token("OTHER-SCHOOL", "REVIEWER").await;
    let platform = t.staff_token("DEMO-SCHOOL", "PLATFORM").await;

    // The learner's schools; uploads.
    let r = t.get("/me", Some(&token)).await;
    check("GET", "/me", &r, 200);
    assert_eq!(
        r.body["institutions"],
        json!([{ "code": "DEMO-SCHOOL", "name": "学分银行演示院校" }]),
        "GET /me: the learner's schools"
    );
    let gif = json!({ "fileName": "a.gif", "contentType": "image/gif", "size": 10 });
    let r = t.post("/uploads", gif, Some(&token)).await;
    check("POST", "/uploads", &r, 400);
    let (r, posted) = upload(&t, &token, true).await;
    check("POST", "/uploads", &r, 201);
    let (_, never_posted) = upload(&t, &token, false).await;

    // Submissions.
    let r = t
        .post(LIST, registration(&[&never_posted], None), Some(&token))
        .await;
    check("POST", LIST, &r, 400);
    let mut elsewhere = registration(&[&posted], None);
    elsewhere["institution"] = json!("OTHER-SCHOOL");
    let r = t.post(LIST, elsewhere, Some(&token)).await;
    check("POST", LIST, &r, 400);
    let r = t
        .post(
            LIST,
            registration(&[&posted], Some("S-2024-001")),
            Some(&token),
        )
        .await;
    check("POST", LIST, &r, 201);
    let a = r.body["id"].as_str().unwrap_or_default().to_string();
    let (_, again) = upload(&t, &token, true).await;
    let r = t
        .post(
            LIST,
            registration(&[&again], Some("s-2024- 001")),
            Some(&token),
        )
        .await;
    check("POST", LIST, &r, 409);

    // The learner's reads.
    let r = t.get(LIST, Some(&token)).await;
    check("GET", LIST, &r, 200);
    let r = t
        .send(
            t.req("GET", LIST)
                .query("status=PENDING&page=1&pageSize=5")
                .bearer(&token),
        )
        .await;
    check("GET", LIST, &r, 200);
    let r = t
        .send(t.req("GET", LIST).query("status=OPEN").bearer(&token))
        .await;
    check("GET", LIST, &r, 400);
    let r = t.get(&one(&a), Some(&token)).await;
    check("GET", ONE, &r, 200);
    let r = t.get(&one("0123456789abcdef"), Some(&token)).await;
    check("GET", ONE, &r, 404);
    let r = t
        .put_json(
            &one(&a),
            registration(&[&posted], Some("S-2024-001")),
            &token,
        )
        .await;
    check("PUT", ONE, &r, 409);

    // The school: who may, what it sees, its decisions.
    let r = t.get(QUEUE, Some(&staff)).await;
    check("GET", QUEUE, &r, 200);
    let r = t
        .send(
            t.req("GET", QUEUE)
                .query("status=APPROVED&pageSize=51")
                .bearer(&staff),
        )
        .await;
    check("GET", QUEUE, &r, 400);
    let r = t.get(QUEUE, Some(&platform)).await;
    check("GET", QUEUE, &r, 403);
    let r = t.get(QUEUE, Some(&token)).await;
    check("GET", QUEUE, &r, 401);
    let r = t.get(&school_one(&a), Some(&staff)).await;
    check("GET", SCHOOL_ONE, &r, 200);
    let r = t.get(&school_one(&a), Some(&other_school)).await;
    check("GET", SCHOOL_ONE, &r, 404);
    let decide = |id: &str| format!("/institution/achievement-registrations/{id}/decision");
    let r = t
        .post(&decide(&a), json!({ "decision": "APPROVE" }), Some(&staff))
        .await;
    check("POST", DECISION, &r, 400);
    let r = t
        .post(
            &decide(&a),
            json!({ "decision": "RETURN", "reason": "请补充证书背面" }),
            Some(&staff),
        )
        .await;
    check("POST", DECISION, &r, 200);
    let r = t
        .put_json(
            &one(&a),
            registration(&[&posted], Some("S-2024-001")),
            &token,
        )
        .await;
    check("PUT", ONE, &r, 200);
    let approve = json!({ "decision": "APPROVE", "credits": 2.5, "points": 150 });
    let r = t.post(&decide(&a), approve.clone(), Some(&staff)).await;
    check("POST", DECISION, &r, 200);
    let r = t.post(&decide(&a), approve, Some(&staff)).await;
    check("POST", DECISION, &r, 409);
    let r = t.get("/achievements", Some(&token)).await;
    check("GET", "/achievements", &r, 200);

    // Withdrawal, twice.
    let r = t
        .post(LIST, registration(&[&again], None), Some(&token))
        .await;
    check("POST", LIST, &r, 201);
    let b = r.body["id"].as_str().unwrap_or_default().to_string();
    let withdraw = format!("/achievement-registrations/{b}/withdraw");
    let r = t.send(t.req("POST", &withdraw).bearer(&token)).await;
    check("POST", WITHDRAW, &r, 200);
    let r = t.send(t.req("POST", &withdraw).bearer(&token)).await;
    check("POST", WITHDRAW, &r, 409);

    // The 21st open registration, then the day's 61st upload form.
    for _ in 0..domain::registrations::MAX_OPEN {
        let (_, u) = upload(&t, &token, true).await;
        let r = t.post(LIST, registration(&[&u], None), Some(&token)).await;
        assert_eq!(r.status, 201, "{}", r.body);
    }
    let (_, u) = upload(&t, &token, true).await;
    let r = t.post(LIST, registration(&[&u], None), Some(&token)).await;
    check("POST", LIST, &r, 409);
    let mut r = upload(&t, &token, false).await.0;
    while r.status == 201 {
        r = upload(&t, &token, false).await.0;
    }
    check("POST", "/uploads", &r, 429);

    assert_no_problems("answers of registrations vs openapi.yaml", &problems);
}
