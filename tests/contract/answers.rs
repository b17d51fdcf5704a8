//! What the handlers actually answer is what openapi.yaml documents.

#![allow(unused_imports)]
use super::*;

/// A journey's answers checked as they come: each has the status the journey expects and is
/// what openapi.yaml documents for it; [`Answers::done`] fails the test with every problem.
struct Answers<'a> {
    spec: &'a Spec,
    problems: Vec<String>,
}

impl<'a> Answers<'a> {
    fn new(spec: &'a Spec) -> Self {
        Answers {
            spec,
            problems: Vec::new(),
        }
    }

    fn check(&mut self, method: &str, template: &str, resp: &TestResponse, want: u16) {
        let route = (method.to_string(), template.to_string());
        if resp.status != want {
            self.problems.push(format!(
                "{} answered {} (expected {want}): {}",
                show(&route),
                resp.status,
                resp.body
            ));
        }
        self.problems.extend(undocumented(self.spec, &route, resp));
    }

    fn done(self, what: &str) {
        assert_no_problems(what, &self.problems);
    }
}

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
    let mut seen = Answers::new(&spec);
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
    seen.check("GET", LIST, &r, 401);
    let first = t.token(DEMO_ID, DEMO_PASSWORD).await;
    let (r, _) = upload(&t, &first, false).await;
    seen.check("POST", "/uploads", &r, 403);
    let (token, _) = t.activate(DEMO_ID, "Gd7-river-lantern").await;
    let staff = t.staff_token("DEMO-SCHOOL", "REVIEWER").await;
    let other_school = t.staff_token("OTHER-SCHOOL", "REVIEWER").await;
    let platform = t.staff_token("DEMO-SCHOOL", "PLATFORM").await;

    // The learner's schools; uploads.
    let r = t.get("/me", Some(&token)).await;
    seen.check("GET", "/me", &r, 200);
    assert_eq!(
        r.body["institutions"],
        json!([{ "code": "DEMO-SCHOOL", "name": "学分银行演示院校" }]),
        "GET /me: the learner's schools"
    );
    let gif = json!({ "fileName": "a.gif", "contentType": "image/gif", "size": 10 });
    let r = t.post("/uploads", gif, Some(&token)).await;
    seen.check("POST", "/uploads", &r, 400);
    let (r, posted) = upload(&t, &token, true).await;
    seen.check("POST", "/uploads", &r, 201);
    let (_, never_posted) = upload(&t, &token, false).await;

    // Submissions.
    let r = t
        .post(LIST, registration(&[&never_posted], None), Some(&token))
        .await;
    seen.check("POST", LIST, &r, 400);
    let mut elsewhere = registration(&[&posted], None);
    elsewhere["institution"] = json!("OTHER-SCHOOL");
    let r = t.post(LIST, elsewhere, Some(&token)).await;
    seen.check("POST", LIST, &r, 400);
    let r = t
        .post(
            LIST,
            registration(&[&posted], Some("S-2024-001")),
            Some(&token),
        )
        .await;
    seen.check("POST", LIST, &r, 201);
    let a = r.body["id"].as_str().unwrap_or_default().to_string();
    let (_, again) = upload(&t, &token, true).await;
    let r = t
        .post(
            LIST,
            registration(&[&again], Some("s-2024- 001")),
            Some(&token),
        )
        .await;
    seen.check("POST", LIST, &r, 409);

    // The learner's reads.
    let r = t.get(LIST, Some(&token)).await;
    seen.check("GET", LIST, &r, 200);
    let r = t
        .send(
            t.req("GET", LIST)
                .query("status=PENDING&page=1&pageSize=5")
                .bearer(&token),
        )
        .await;
    seen.check("GET", LIST, &r, 200);
    let r = t
        .send(t.req("GET", LIST).query("status=OPEN").bearer(&token))
        .await;
    seen.check("GET", LIST, &r, 400);
    let r = t.get(&one(&a), Some(&token)).await;
    seen.check("GET", ONE, &r, 200);
    let r = t.get(&one("0123456789abcdef"), Some(&token)).await;
    seen.check("GET", ONE, &r, 404);
    let r = t
        .put_json(
            &one(&a),
            registration(&[&posted], Some("S-2024-001")),
            &token,
        )
        .await;
    seen.check("PUT", ONE, &r, 409);

    // The school: who may, what it sees, its decisions.
    let r = t.get(QUEUE, Some(&staff)).await;
    seen.check("GET", QUEUE, &r, 200);
    let r = t
        .send(
            t.req("GET", QUEUE)
                .query("status=APPROVED&pageSize=51")
                .bearer(&staff),
        )
        .await;
    seen.check("GET", QUEUE, &r, 400);
    let r = t.get(QUEUE, Some(&platform)).await;
    seen.check("GET", QUEUE, &r, 403);
    let r = t.get(QUEUE, Some(&token)).await;
    seen.check("GET", QUEUE, &r, 401);
    let r = t.get(&school_one(&a), Some(&staff)).await;
    seen.check("GET", SCHOOL_ONE, &r, 200);
    let r = t.get(&school_one(&a), Some(&other_school)).await;
    seen.check("GET", SCHOOL_ONE, &r, 404);
    let decide = |id: &str| format!("/institution/achievement-registrations/{id}/decision");
    let r = t
        .post(&decide(&a), json!({ "decision": "APPROVE" }), Some(&staff))
        .await;
    seen.check("POST", DECISION, &r, 400);
    let r = t
        .post(
            &decide(&a),
            json!({ "decision": "RETURN", "reason": "请补充证书背面" }),
            Some(&staff),
        )
        .await;
    seen.check("POST", DECISION, &r, 200);
    let r = t
        .put_json(
            &one(&a),
            registration(&[&posted], Some("S-2024-001")),
            &token,
        )
        .await;
    seen.check("PUT", ONE, &r, 200);
    let approve = json!({ "decision": "APPROVE", "credits": 2.5, "points": 150 });
    let r = t.post(&decide(&a), approve.clone(), Some(&staff)).await;
    seen.check("POST", DECISION, &r, 200);
    let r = t.post(&decide(&a), approve, Some(&staff)).await;
    seen.check("POST", DECISION, &r, 409);
    let r = t.get("/achievements", Some(&token)).await;
    seen.check("GET", "/achievements", &r, 200);

    // Withdrawal, twice.
    let r = t
        .post(LIST, registration(&[&again], None), Some(&token))
        .await;
    seen.check("POST", LIST, &r, 201);
    let b = r.body["id"].as_str().unwrap_or_default().to_string();
    let withdraw = format!("/achievement-registrations/{b}/withdraw");
    let r = t.send(t.req("POST", &withdraw).bearer(&token)).await;
    seen.check("POST", WITHDRAW, &r, 200);
    let r = t.send(t.req("POST", &withdraw).bearer(&token)).await;
    seen.check("POST", WITHDRAW, &r, 409);

    // The 21st open registration, then the day's 61st upload form.
    for _ in 0..domain::registrations::MAX_OPEN {
        let (_, u) = upload(&t, &token, true).await;
        let r = t.post(LIST, registration(&[&u], None), Some(&token)).await;
        assert_eq!(r.status, 201, "{}", r.body);
    }
    let (_, u) = upload(&t, &token, true).await;
    let r = t.post(LIST, registration(&[&u], None), Some(&token)).await;
    seen.check("POST", LIST, &r, 409);
    let mut r = upload(&t, &token, false).await.0;
    while r.status == 201 {
        r = upload(&t, &token, false).await.0;
    }
    seen.check("POST", "/uploads", &r, 429);

    seen.done("answers of registrations vs openapi.yaml");
}

/// A conversion rule of the demo school for the demo learner's elevator certificate (`name`:
/// the certificate's, or any X certificate when `None`), into `course`.
fn conversion_rule(course: &str, certificate: Option<&str>, min_level: Option<&str>) -> Value {
    json!({
        "name": format!("{course} 证书转换"),
        "source": { "type": "NON_ACADEMIC", "subtype": "X_CERTIFICATE", "name": certificate, "minLevel": min_level },
        "target": { "courseCode": course, "courseName": "电梯维护与保养", "credits": 4, "mode": "EXEMPT" },
        "maxCredits": 8,
        "effectiveFrom": "2024-01-01",
        "effectiveTo": null,
    })
}

/// 查看转换规则 and 成果转换 from every side, every answer (successes and each error the rules
/// give) checked against openapi.yaml: a reviewer drafts, lists, rewrites, publishes and retires
/// rules (a body refused by field, a published rule edited, another school's rule, a PLATFORM
/// user and a learner's token refused); anyone lists the rules in force, a page at a time; the
/// learner finds the rules their certificate meets and applies (a rule not met, not in force, a
/// duplicate, the 21st open application refused), lists, reads and withdraws; the school lists,
/// reads, approves (over the cap refused, twice refused) and rejects; the converted achievement
/// in `GET /achievements` carries its `conversion`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_conversion_journey_gets_documented_answers() {
    const ELEVATOR: &str = "电梯维修保养职业技能等级证书";
    const PUBLIC: &str = "/conversion-rules";
    const RULES_FOR: &str = "/achievements/{id}/conversion-rules";
    const APPLY: &str = "/conversions";
    const ONE: &str = "/conversions/{id}";
    const WITHDRAW: &str = "/conversions/{id}/withdraw";
    const RULES: &str = "/institution/conversion-rules";
    const RULE: &str = "/institution/conversion-rules/{id}";
    const PUBLISH: &str = "/institution/conversion-rules/{id}/publish";
    const RETIRE: &str = "/institution/conversion-rules/{id}/retire";
    const QUEUE: &str = "/institution/conversions";
    const SCHOOL_ONE: &str = "/institution/conversions/{id}";
    const DECISION: &str = "/institution/conversions/{id}/decision";
    let spec = Spec::load();
    let t = TestApp::spawn(Backend::Memory).await.unwrap();
    t.import_demo().await;
    let mut seen = Answers::new(&spec);
    let at = |template: &str, id: &str| template.replace("{id}", id);
    let id_of = |r: &TestResponse| r.body["id"].as_str().unwrap_or_default().to_string();

    // Anyone: the public list, its filters.
    let r = t.get(PUBLIC, None).await;
    seen.check("GET", PUBLIC, &r, 200);
    for bad in [
        "pageSize=51",
        "type=ACADEMIC&subtype=X_CERTIFICATE",
        "cursor=%25%25",
    ] {
        let r = t.send(t.req("GET", PUBLIC).query(bad)).await;
        seen.check("GET", PUBLIC, &r, 400);
    }

    // Before the profile is complete; without a token.
    let elevator_path = |id: &str| at(RULES_FOR, id);
    let r = t.get(&elevator_path("0123456789abcdef"), None).await;
    seen.check("GET", RULES_FOR, &r, 401);
    let first = t.token(DEMO_ID, DEMO_PASSWORD).await;
    let r = t
        .get(&elevator_path("0123456789abcdef"), Some(&first))
        .await;
    seen.check("GET", RULES_FOR, &r, 403);
    let r = t.get(APPLY, Some(&first)).await;
    seen.check("GET", APPLY, &r, 403);
    let (token, _) = t.activate(DEMO_ID, "Gd7-river-lantern").await;
    let staff = t.staff_token("DEMO-SCHOOL", "REVIEWER").await;
    let other_school = t.staff_token("OTHER-SCHOOL", "REVIEWER").await;
    let platform = t.staff_token("DEMO-SCHOOL", "PLATFORM").await;
    let list = t.get("/achievements?source=personal", Some(&token)).await;
    let elevator = list.body["items"][0]["id"]
        .as_str()
        .unwrap_or_default()
        .to_string();

    // The school's rules.
    let mut invalid = conversion_rule("ELE-201", Some(ELEVATOR), None);
    invalid["source"]["type"] = json!("ACADEMIC");
    let r = t.post(RULES, invalid, Some(&staff)).await;
    seen.check("POST", RULES, &r, 400);
    let r = t
        .post(
            RULES,
            conversion_rule("ELE-201", None, None),
            Some(&platform),
        )
        .await;
    seen.check("POST", RULES, &r, 403);
    let r = t
        .post(RULES, conversion_rule("ELE-201", None, None), Some(&token))
        .await;
    seen.check("POST", RULES, &r, 401);
    let r = t
        .post(RULES, conversion_rule("ELE-201", None, None), Some(&staff))
        .await;
    seen.check("POST", RULES, &r, 201);
    let rule = id_of(&r);
    let r = t
        .put_json(
            &at(RULE, &rule),
            conversion_rule("ELE-201", Some(ELEVATOR), Some("INTERMEDIATE")),
            &staff,
        )
        .await;
    seen.check("PUT", RULE, &r, 200);
    let r = t
        .put_json(
            &at(RULE, &rule),
            conversion_rule("ELE-201", None, None),
            &other_school,
        )
        .await;
    seen.check("PUT", RULE, &r, 404);
    let r = t.get(RULES, Some(&staff)).await;
    seen.check("GET", RULES, &r, 200);
    let r = t
        .send(
            t.req("GET", RULES)
                .query("status=DRAFT&page=1&pageSize=5")
                .bearer(&staff),
        )
        .await;
    seen.check("GET", RULES, &r, 200);
    let r = t
        .send(t.req("GET", RULES).query("status=OPEN").bearer(&staff))
        .await;
    seen.check("GET", RULES, &r, 400);
    let r = t.get(RULES, Some(&platform)).await;
    seen.check("GET", RULES, &r, 403);
    // A draft is not in force: applying under it is refused by field.
    let r = t
        .post(
            APPLY,
            json!({ "achievementId": elevator, "ruleId": rule }),
            Some(&token),
        )
        .await;
    seen.check("POST", APPLY, &r, 400);
    let publish = |id: &str| at(PUBLISH, id);
    let r = t.send(t.req("POST", &publish(&rule)).bearer(&staff)).await;
    seen.check("POST", PUBLISH, &r, 200);
    let r = t.send(t.req("POST", &publish(&rule)).bearer(&staff)).await;
    seen.check("POST", PUBLISH, &r, 409);
    let r = t
        .put_json(
            &at(RULE, &rule),
            conversion_rule("ELE-201", None, None),
            &staff,
        )
        .await;
    seen.check("PUT", RULE, &r, 409);
    let r = t
        .send(t.req("POST", &publish("0123456789abcdef")).bearer(&staff))
        .await;
    seen.check("POST", PUBLISH, &r, 404);
    let mut ended = conversion_rule("ELE-999", None, None);
    ended["effectiveFrom"] = json!("2020-01-01");
    ended["effectiveTo"] = json!("2020-12-31");
    let r = t.post(RULES, ended, Some(&staff)).await;
    seen.check("POST", RULES, &r, 201);
    let r = t
        .send(t.req("POST", &publish(&id_of(&r))).bearer(&staff))
        .await;
    seen.check("POST", PUBLISH, &r, 400);
    let senior = t
        .post(
            RULES,
            conversion_rule("ELE-301", Some(ELEVATOR), Some("SENIOR")),
            Some(&staff),
        )
        .await;
    let senior = id_of(&senior);
    let r = t
        .send(t.req("POST", &publish(&senior)).bearer(&staff))
        .await;
    seen.check("POST", PUBLISH, &r, 200);

    // Anyone, a page at a time.
    let r = t.send(t.req("GET", PUBLIC).query("pageSize=1")).await;
    seen.check("GET", PUBLIC, &r, 200);
    let cursor = r.body["nextCursor"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let r = t
        .send(
            t.req("GET", PUBLIC)
                .query(&format!("pageSize=1&cursor={cursor}"))
                .header("accept-language", "en"),
        )
        .await;
    seen.check("GET", PUBLIC, &r, 200);
    let r = t
        .send(
            t.req("GET", PUBLIC)
                .query("institution=DEMO-SCHOOL&type=NON_ACADEMIC&subtype=X_CERTIFICATE&name=%E7%94%B5%E6%A2%AF"),
        )
        .await;
    seen.check("GET", PUBLIC, &r, 200);

    // The learner: the rules met, applications.
    let r = t.get(&elevator_path(&elevator), Some(&token)).await;
    seen.check("GET", RULES_FOR, &r, 200);
    let r = t
        .get(&elevator_path("0123456789abcdef"), Some(&token))
        .await;
    seen.check("GET", RULES_FOR, &r, 404);
    let apply =
        |achievement: &str, rule: &str| json!({ "achievementId": achievement, "ruleId": rule });
    let r = t.post(APPLY, apply(&elevator, &senior), Some(&token)).await;
    seen.check("POST", APPLY, &r, 400);
    let r = t
        .post(APPLY, apply("0123456789abcdef", &rule), Some(&token))
        .await;
    seen.check("POST", APPLY, &r, 404);
    let r = t.post(APPLY, json!({ "ruleId": rule }), Some(&token)).await;
    seen.check("POST", APPLY, &r, 400);
    let r = t.post(APPLY, apply(&elevator, &rule), Some(&token)).await;
    seen.check("POST", APPLY, &r, 201);
    let a = id_of(&r);
    let r = t.post(APPLY, apply(&elevator, &rule), Some(&token)).await;
    seen.check("POST", APPLY, &r, 409);
    let r = t.get(APPLY, Some(&token)).await;
    seen.check("GET", APPLY, &r, 200);
    let r = t
        .send(
            t.req("GET", APPLY)
                .query("status=PENDING&page=1&pageSize=5")
                .bearer(&token),
        )
        .await;
    seen.check("GET", APPLY, &r, 200);
    let r = t
        .send(t.req("GET", APPLY).query("status=RETURNED").bearer(&token))
        .await;
    seen.check("GET", APPLY, &r, 400);
    let r = t.get(&at(ONE, &a), Some(&token)).await;
    seen.check("GET", ONE, &r, 200);
    let r = t.get(&at(ONE, "0123456789abcdef"), Some(&token)).await;
    seen.check("GET", ONE, &r, 404);

    // The school: its queue, one application, decisions.
    let r = t.get(QUEUE, Some(&staff)).await;
    seen.check("GET", QUEUE, &r, 200);
    let r = t
        .send(
            t.req("GET", QUEUE)
                .query("status=APPROVED&pageSize=51")
                .bearer(&staff),
        )
        .await;
    seen.check("GET", QUEUE, &r, 400);
    let r = t.get(QUEUE, Some(&platform)).await;
    seen.check("GET", QUEUE, &r, 403);
    let r = t.get(QUEUE, Some(&token)).await;
    seen.check("GET", QUEUE, &r, 401);
    let r = t.get(&at(SCHOOL_ONE, &a), Some(&staff)).await;
    seen.check("GET", SCHOOL_ONE, &r, 200);
    let r = t.get(&at(SCHOOL_ONE, &a), Some(&other_school)).await;
    seen.check("GET", SCHOOL_ONE, &r, 404);
    let decide = |id: &str| at(DECISION, id);
    let approve = |credits: f64| json!({ "decision": "APPROVE", "credits": credits });
    let r = t.post(&decide(&a), approve(4.5), Some(&staff)).await;
    seen.check("POST", DECISION, &r, 400);
    let r = t
        .post(&decide(&a), json!({ "decision": "RETURN" }), Some(&staff))
        .await;
    seen.check("POST", DECISION, &r, 400);
    let r = t.post(&decide(&a), approve(4.0), Some(&other_school)).await;
    seen.check("POST", DECISION, &r, 404);
    let r = t.post(&decide(&a), approve(4.0), Some(&staff)).await;
    seen.check("POST", DECISION, &r, 200);
    let r = t.post(&decide(&a), approve(4.0), Some(&staff)).await;
    seen.check("POST", DECISION, &r, 409);
    let r = t.get("/achievements?source=converted", Some(&token)).await;
    seen.check("GET", "/achievements", &r, 200);
    let linked = r.body["items"]
        .as_array()
        .into_iter()
        .flatten()
        .any(|i| i["conversion"]["applicationId"] == json!(a));
    assert!(
        linked,
        "GET /achievements: the converted course links its application: {}",
        r.body
    );
    let r = t
        .send(t.req("POST", &at(RETIRE, &rule)).bearer(&staff))
        .await;
    seen.check("POST", RETIRE, &r, 200);
    let r = t
        .send(t.req("POST", &at(RETIRE, &rule)).bearer(&staff))
        .await;
    seen.check("POST", RETIRE, &r, 409);
    let r = t
        .send(t.req("POST", &at(RETIRE, &senior)).bearer(&other_school))
        .await;
    seen.check("POST", RETIRE, &r, 404);

    // Withdrawal, twice; a rejection; then the 21st open application. Each rule any X
    // certificate, each its own course.
    let mut open = Vec::new();
    for i in 0..=domain::conversions::MAX_OPEN {
        let r = t
            .post(
                RULES,
                conversion_rule(&format!("OPEN-{i}"), None, None),
                Some(&staff),
            )
            .await;
        let id = id_of(&r);
        let p = t.send(t.req("POST", &publish(&id)).bearer(&staff)).await;
        assert_eq!(p.status, 200, "{}", p.body);
        open.push(id);
    }
    let r = t
        .post(APPLY, apply(&elevator, &open[0]), Some(&token))
        .await;
    seen.check("POST", APPLY, &r, 201);
    let withdraw = at(WITHDRAW, &id_of(&r));
    let r = t.send(t.req("POST", &withdraw).bearer(&token)).await;
    seen.check("POST", WITHDRAW, &r, 200);
    let r = t.send(t.req("POST", &withdraw).bearer(&token)).await;
    seen.check("POST", WITHDRAW, &r, 409);
    let r = t
        .post(APPLY, apply(&elevator, &open[0]), Some(&token))
        .await;
    seen.check("POST", APPLY, &r, 201);
    let reject = json!({ "decision": "REJECT", "reason": "课程已修" });
    let r = t.post(&decide(&id_of(&r)), reject, Some(&staff)).await;
    seen.check("POST", DECISION, &r, 200);
    for id in &open[..domain::conversions::MAX_OPEN as usize] {
        let r = t.post(APPLY, apply(&elevator, id), Some(&token)).await;
        assert_eq!(r.status, 201, "{}", r.body);
    }
    let last = open.last().unwrap();
    let r = t.post(APPLY, apply(&elevator, last), Some(&token)).await;
    seen.check("POST", APPLY, &r, 409);
    assert_eq!(r.code(), "TOO_MANY_OPEN", "{}", r.body);

    seen.done("answers of conversions vs openapi.yaml");
}

fn feedback_ticket(extra: Value) -> Value {
    let mut body = json!({
        "institution": "DEMO-SCHOOL", "category": "HELP", "title": "登记为何被退回",
        "content": "我登记的电工证书被退回，想了解需要补充哪些材料。",
    });
    for (k, v) in extra.as_object().into_iter().flatten() {
        body[k] = v.clone();
    }
    body
}

/// 问题反馈 from every side, every answer (successes and each error the rules give) checked
/// against openapi.yaml: the learner files a ticket about their registration with an attachment
/// (a bad category, another school, an upload never posted refused), lists and reads it; the
/// school lists, reads (another school refused), answers (a note on a reply refused); the
/// learner follows up; the school forwards it (twice refused, then its reply refused); the
/// credit bank lists, reads and answers (a reviewer, a learner's token, a ticket not forwarded
/// refused); the learner closes it with a rating (a rating of 6, a second closing, a follow-up
/// refused); a thread of 50 messages refuses a reply and a follow-up and takes its closing; the
/// sixth ticket of the day is refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_feedback_journey_gets_documented_answers() {
    const LIST: &str = "/feedback";
    const ONE: &str = "/feedback/{id}";
    const FOLLOW_UP: &str = "/feedback/{id}/messages";
    const CLOSE: &str = "/feedback/{id}/close";
    const INBOX: &str = "/institution/feedback";
    const SCHOOL_ONE: &str = "/institution/feedback/{id}";
    const REPLY: &str = "/institution/feedback/{id}/messages";
    const FORWARD: &str = "/institution/feedback/{id}/forward";
    const DESK: &str = "/platform/feedback";
    const DESK_ONE: &str = "/platform/feedback/{id}";
    const DESK_REPLY: &str = "/platform/feedback/{id}/messages";
    let spec = Spec::load();
    let t = TestApp::spawn(Backend::Memory).await.unwrap();
    t.import_demo().await;
    let mut seen = Answers::new(&spec);
    let at = |template: &str, id: &str| template.replace("{id}", id);
    let say = |content: &str| json!({ "content": content });

    // Without a token; before the profile is complete.
    let r = t.get(LIST, None).await;
    seen.check("GET", LIST, &r, 401);
    let first = t.token(DEMO_ID, DEMO_PASSWORD).await;
    let r = t.post(LIST, feedback_ticket(json!({})), Some(&first)).await;
    seen.check("POST", LIST, &r, 403);
    let praise = feedback_ticket(json!({ "category": "PRAISE" }));
    let r = t.post(LIST, praise.clone(), Some(&first)).await;
    seen.check("POST", LIST, &r, 403);
    // A token that is no session learns nothing of the rules of bodies and ids.
    let nobody = Some("not-a-session-of-anyone");
    let r = t.post(LIST, praise, nobody).await;
    seen.check("POST", LIST, &r, 401);
    let unknown = "0123456789abcdef";
    let r = t.post(&at(FOLLOW_UP, unknown), json!({}), nobody).await;
    seen.check("POST", FOLLOW_UP, &r, 401);
    let r = t
        .post(&at(CLOSE, unknown), json!({ "rating": 9 }), nobody)
        .await;
    seen.check("POST", CLOSE, &r, 401);
    let r = t.get(&at(ONE, "not-an-id"), nobody).await;
    seen.check("GET", ONE, &r, 401);
    let (token, _) = t.activate(DEMO_ID, "Gd7-river-lantern").await;
    let staff = t.staff_token("DEMO-SCHOOL", "REVIEWER").await;
    let other_school = t.staff_token("OTHER-SCHOOL", "REVIEWER").await;
    let platform = t.staff_token("NCB", "PLATFORM").await;

    // Filing: refused by field, then a ticket about a registration, with an attachment.
    let (_, evidence) = upload(&t, &token, true).await;
    let r = t
        .post(
            "/achievement-registrations",
            registration(&[&evidence], None),
            Some(&token),
        )
        .await;
    let reg = r.body["id"].as_str().unwrap_or_default().to_string();
    let (_, never_posted) = upload(&t, &token, false).await;
    let (_, shot) = upload(&t, &token, true).await;
    for bad in [
        json!({ "category": "PRAISE" }),
        json!({ "institution": "OTHER-SCHOOL" }),
        json!({ "title": "短" }),
        json!({ "attachments": [never_posted] }),
    ] {
        let r = t.post(LIST, feedback_ticket(bad), Some(&token)).await;
        seen.check("POST", LIST, &r, 400);
    }
    let body = feedback_ticket(json!({ "relatedId": reg, "attachments": [shot] }));
    let r = t.post(LIST, body, Some(&token)).await;
    seen.check("POST", LIST, &r, 201);
    let a = r.body["id"].as_str().unwrap_or_default().to_string();

    // The learner's reads.
    let r = t.get(LIST, Some(&token)).await;
    seen.check("GET", LIST, &r, 200);
    let r = t
        .send(
            t.req("GET", LIST)
                .query("status=SUBMITTED&page=1&pageSize=5")
                .bearer(&token),
        )
        .await;
    seen.check("GET", LIST, &r, 200);
    let r = t
        .send(t.req("GET", LIST).query("status=OPEN").bearer(&token))
        .await;
    seen.check("GET", LIST, &r, 400);
    let r = t.get(&at(ONE, &a), Some(&token)).await;
    seen.check("GET", ONE, &r, 200);
    let r = t.get(&at(ONE, "0123456789abcdef"), Some(&token)).await;
    seen.check("GET", ONE, &r, 404);

    // The school: its inbox, the ticket, its answer.
    let r = t.get(INBOX, Some(&staff)).await;
    seen.check("GET", INBOX, &r, 200);
    let r = t
        .send(
            t.req("GET", INBOX)
                .query("status=CLOSED&pageSize=51")
                .bearer(&staff),
        )
        .await;
    seen.check("GET", INBOX, &r, 400);
    let r = t.get(INBOX, Some(&platform)).await;
    seen.check("GET", INBOX, &r, 403);
    let r = t.get(INBOX, Some(&token)).await;
    seen.check("GET", INBOX, &r, 401);
    let r = t.get(&at(SCHOOL_ONE, &a), Some(&staff)).await;
    seen.check("GET", SCHOOL_ONE, &r, 200);
    let r = t.get(&at(SCHOOL_ONE, &a), Some(&other_school)).await;
    seen.check("GET", SCHOOL_ONE, &r, 404);
    let r = t
        .post(
            &at(REPLY, &a),
            json!({ "content": "请补充", "note": "转平台" }),
            Some(&staff),
        )
        .await;
    seen.check("POST", REPLY, &r, 400);
    let r = t
        .post(&at(REPLY, &a), say("请补充证书查询页截图。"), Some(&staff))
        .await;
    seen.check("POST", REPLY, &r, 200);
    let r = t.get(&at(DESK_ONE, &a), Some(&platform)).await;
    seen.check("GET", DESK_ONE, &r, 404);

    // The learner follows up; the school forwards it.
    let r = t.post(&at(FOLLOW_UP, &a), json!({}), Some(&token)).await;
    seen.check("POST", FOLLOW_UP, &r, 400);
    let r = t
        .post(
            &at(FOLLOW_UP, &a),
            say("截图已上传，仍无法通过。"),
            Some(&token),
        )
        .await;
    seen.check("POST", FOLLOW_UP, &r, 200);
    let forward = json!({ "note": "证书编号需平台核验" });
    let r = t.post(&at(FORWARD, &a), json!({}), Some(&staff)).await;
    seen.check("POST", FORWARD, &r, 400);
    let r = t
        .post(&at(FORWARD, &a), forward.clone(), Some(&staff))
        .await;
    seen.check("POST", FORWARD, &r, 200);
    let r = t.post(&at(FORWARD, &a), forward, Some(&staff)).await;
    seen.check("POST", FORWARD, &r, 409);
    let r = t.post(&at(REPLY, &a), say("再补一句"), Some(&staff)).await;
    seen.check("POST", REPLY, &r, 409);

    // The credit bank.
    let r = t.get(DESK, Some(&platform)).await;
    seen.check("GET", DESK, &r, 200);
    let r = t
        .send(t.req("GET", DESK).query("status=REPLIED").bearer(&platform))
        .await;
    seen.check("GET", DESK, &r, 200);
    let r = t.get(DESK, Some(&staff)).await;
    seen.check("GET", DESK, &r, 403);
    let r = t.get(DESK, Some(&token)).await;
    seen.check("GET", DESK, &r, 401);
    let r = t.get(&at(DESK_ONE, &a), Some(&platform)).await;
    seen.check("GET", DESK_ONE, &r, 200);
    let r = t
        .post(&at(DESK_REPLY, &a), say("已核验"), Some(&staff))
        .await;
    seen.check("POST", DESK_REPLY, &r, 403);
    let r = t
        .post(
            &at(DESK_REPLY, &a),
            say("已核验，请重新登记。"),
            Some(&platform),
        )
        .await;
    seen.check("POST", DESK_REPLY, &r, 200);

    // The learner closes it.
    let r = t
        .post(&at(CLOSE, &a), json!({ "rating": 6 }), Some(&token))
        .await;
    seen.check("POST", CLOSE, &r, 400);
    let r = t
        .post(&at(CLOSE, &a), json!({ "rating": 5 }), Some(&token))
        .await;
    seen.check("POST", CLOSE, &r, 200);
    let r = t.post(&at(CLOSE, &a), json!({}), Some(&token)).await;
    seen.check("POST", CLOSE, &r, 409);
    let r = t
        .post(&at(FOLLOW_UP, &a), say("还有一个问题"), Some(&token))
        .await;
    seen.check("POST", FOLLOW_UP, &r, 409);

    // A full thread: no reply, no follow-up, but its closing.
    let r = t.post(LIST, feedback_ticket(json!({})), Some(&token)).await;
    seen.check("POST", LIST, &r, 201);
    let b = r.body["id"].as_str().unwrap_or_default().to_string();
    for i in 1..domain::feedback::MAX_MESSAGES {
        let r = t
            .post(&at(REPLY, &b), say(&format!("第{i}条答复")), Some(&staff))
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
    }
    let r = t.post(&at(REPLY, &b), say("还有"), Some(&staff)).await;
    seen.check("POST", REPLY, &r, 409);
    assert_eq!(r.code(), "TOO_MANY_MESSAGES", "{}", r.body);
    let r = t.post(&at(FOLLOW_UP, &b), say("还有"), Some(&token)).await;
    seen.check("POST", FOLLOW_UP, &r, 409);
    let r = t.post(&at(CLOSE, &b), json!({}), Some(&token)).await;
    seen.check("POST", CLOSE, &r, 200);
    let r = t.get(&at(SCHOOL_ONE, &b), Some(&staff)).await;
    seen.check("GET", SCHOOL_ONE, &r, 200);

    // The sixth ticket of the day.
    for _ in 2..domain::feedback::DAILY_TICKETS {
        let r = t.post(LIST, feedback_ticket(json!({})), Some(&token)).await;
        assert_eq!(r.status, 201, "{}", r.body);
    }
    let r = t.post(LIST, feedback_ticket(json!({})), Some(&token)).await;
    seen.check("POST", LIST, &r, 429);
    let r = t.get(LIST, Some(&token)).await;
    seen.check("GET", LIST, &r, 200);
    assert_eq!(r.body["leftToday"], 0, "{}", r.body);

    seen.done("answers of feedback vs openapi.yaml");
}
