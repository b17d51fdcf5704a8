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
