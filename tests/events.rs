//! Every sample event in `events/` goes through its function's own handler (the Lambda's code, not
//! the dev server's wrappers), on the in-memory store and on DynamoDB (moto), after one seeding
//! with `devserver::fixtures` (what the `seed-events` command writes into a table), one after
//! another in the order of `events/expected.json`, and answers what that file declares. This is
//! what `scripts/invoke-events.sh` does with the real binaries. A file in `events/` without a
//! line there, or a line without its file, fails.

use domain::security::crypto::Purposes;
use integration_tests::*;

#[test]
fn every_event_file_has_one_declaration_and_every_declaration_a_file() {
    let declared = expected_events();
    let mut names: Vec<String> = declared.iter().map(|e| e.file.clone()).collect();
    names.sort();
    let before = names.len();
    names.dedup();
    assert_eq!(
        before,
        names.len(),
        "events/expected.json names a file twice"
    );
    assert_eq!(
        names,
        event_files(),
        "events/*.json and events/expected.json list different files"
    );
    for e in &declared {
        match (&e.function, e.status, e.errors) {
            (None, Some(status), None) => assert_eq!(
                e.code.is_some(),
                status >= 400,
                "events/expected.json: {}: an error code with every error status, and only then",
                e.file
            ),
            (Some(f), None, Some(_)) => {
                assert_eq!(f, "import", "{}: only import events are not HTTP", e.file)
            }
            _ => panic!(
                "events/expected.json: {}: an HTTP event has `status` (and `code`), an import \
                 event `function` and `errors`",
                e.file
            ),
        }
    }
}

/// The function API Gateway hands this event to: the one serving its exact `routeKey`.
fn function_for(name: &str, event: &serde_json::Value) -> &'static str {
    assert_eq!(event["version"], "2.0", "events/{name}: payload format 2.0");
    let route_key = event["routeKey"].as_str().expect("routeKey");
    let (method, path) = route_key
        .split_once(' ')
        .expect("routeKey is 'METHOD /path'");
    devserver::FUNCTIONS
        .iter()
        .find(|(_, routes)| {
            routes
                .iter()
                .any(|r| r.method.as_str() == method && r.path == path)
        })
        .unwrap_or_else(|| {
            panic!("events/{name}: {route_key} is no route: API Gateway never delivers it")
        })
        .0
}

/// The keyed hashes of a function: its `KEYS`, as its binary is built with.
fn keys_of(function: &str) -> Purposes {
    match function {
        "captcha" => fn_captcha::KEYS,
        "login" => fn_login::KEYS,
        "sms" => fn_sms::KEYS,
        "profile" => fn_profile::KEYS,
        "achievements" => fn_achievements::KEYS,
        "registrations" => fn_registrations::KEYS,
        "conversions" => fn_conversions::KEYS,
        "feedback" => fn_feedback::KEYS,
        other => panic!("devserver::FUNCTIONS names {other}: add its KEYS here"),
    }
}

/// The test app with only the keys `purposes` names, as a function's process holds them (a key
/// a route uses but its function lacks answers 500 instead of what events/expected.json says).
fn holding_only(t: &TestApp, purposes: Purposes) -> std::sync::Arc<domain::App> {
    let mut app = t.app().clone();
    app.keys = app.keys.clone().only(purposes);
    std::sync::Arc::new(app)
}

/// What an event answered, in the words of events/expected.json, from the function's own
/// handler holding only its function's keys.
async fn run_event(t: &TestApp, e: &ExpectedEvent) -> (String, String) {
    let text = std::fs::read_to_string(events_dir().join(&e.file)).unwrap();
    let event: serde_json::Value =
        serde_json::from_str(&text).unwrap_or_else(|err| panic!("events/{}: {err}", e.file));
    if e.function.is_some() {
        let expected = format!("{} errors", e.errors.unwrap());
        let got = match fn_import::handle(&holding_only(t, fn_import::KEYS), event).await {
            Ok(r) => format!("{} errors", r.errors.len()),
            Err(err) => format!("failed: {err}"),
        };
        return (expected, got);
    }
    let function = function_for(&e.file, &event);
    // The Lambda's own entry: the raw event, checked, converted, dispatched by the function that
    // serves its route over its own route table (hostile events are refused before lambda_http
    // would panic on them).
    let resp = invoke_event(holding_only(t, keys_of(function)), event).await;
    assert_eq!(
        resp.headers["x-content-type-options"], "nosniff",
        "events/{}",
        e.file
    );
    let show = |status: u16, code: &str| format!("{status} {code}").trim().to_string();
    (
        show(e.status.unwrap(), e.code.as_deref().unwrap_or("")),
        show(resp.status, resp.code()),
    )
}

app_test!(every_sample_event_answers_as_declared, |t| {
    t.seed_fixtures().await;
    let mut wrong = Vec::new();
    for e in expected_events() {
        let (expected, got) = run_event(&t, &e).await;
        if expected != got {
            wrong.push(format!("events/{}: expected {expected}, got {got}", e.file));
        }
    }
    assert!(wrong.is_empty(), "{:?}: {wrong:#?}", t.backend);
});

#[tokio::test]
async fn the_import_events_on_an_empty_table() {
    let t = TestApp::spawn(Backend::Memory).await.unwrap();
    let demo = fn_import::handle(t.app(), event_file("import-demo.json"))
        .await
        .unwrap();
    assert!(demo.errors.is_empty(), "{:?}", demo.errors);
    assert_eq!(demo.achievements_created, 24);
    let bad = fn_import::handle(t.app(), event_file("import-bad-records.json"))
        .await
        .unwrap();
    assert_eq!(bad.errors.len(), 8, "{:?}", bad.errors);
    assert_eq!((bad.learners_created, bad.achievements_created), (1, 1));
}

#[tokio::test]
async fn the_fixture_learners_are_the_import_events_learners() {
    let t = TestApp::spawn(Backend::Memory).await.unwrap();
    let allowed = devserver::fixtures::fixture_learner_pks(t.app());
    for id in [
        devserver::fixtures::NEW_LEARNER,
        devserver::fixtures::PROFILE_LEARNER,
        devserver::fixtures::ACTIVE_LEARNER,
        devserver::fixtures::SETTINGS_LEARNER,
        devserver::fixtures::RESET_LEARNER,
    ] {
        let id = domain::values::id_number::IdNumber::parse(id, t.app().today()).unwrap();
        let pk = domain::store::schema::learner_pk(&domain::account::learner::id_key(t.app(), &id));
        assert!(allowed.contains(&pk), "{}", id.masked());
    }
    let mut imports: Vec<&str> = devserver::fixtures::IMPORT_EVENTS
        .iter()
        .map(|(f, _)| *f)
        .collect();
    imports.sort();
    let mut files = event_files();
    files.retain(|f| {
        expected_events()
            .iter()
            .any(|e| &e.file == f && e.function.is_some())
    });
    assert_eq!(imports, files, "devserver::fixtures::IMPORT_EVENTS");
}

/// The events that `lambda_http`'s own conversion (what `lambda_http::run` does) panics on.
const HOSTILE: &[&str] = &[
    "me-hostile-host-colon.json",
    "me-hostile-host-port.json",
    "me-hostile-host-bracket.json",
    "me-hostile-forwarded-proto.json",
    "achievements-hostile-query.json",
];

#[test]
fn the_hostile_events_would_panic_in_lambda_http_itself() {
    for name in HOSTILE {
        let text = std::fs::read_to_string(events_dir().join(name)).unwrap();
        let converted = std::panic::catch_unwind(|| lambda_http::request::from_str(&text));
        assert!(
            converted.is_err(),
            "events/{name}: lambda_http converts it without panicking: no longer a hostile sample"
        );
    }
}

#[tokio::test]
async fn events_that_are_not_requests_are_400_not_a_crash() {
    let t = TestApp::spawn(Backend::Memory).await.unwrap();
    let mut base64 = event_file("me.json");
    base64["isBase64Encoded"] = true.into();
    base64["body"] = "%%% not base64 %%%".into();
    let mut no_host_bad_path = event_file("me.json");
    no_host_bad_path["headers"]
        .as_object_mut()
        .unwrap()
        .remove("host");
    no_host_bad_path["requestContext"]
        .as_object_mut()
        .unwrap()
        .remove("domainName");
    no_host_bad_path["rawPath"] = ":99999".into();
    for (what, event) in [("base64", base64)] {
        let r = invoke_event(t.dev.app.clone(), event).await;
        assert_eq!((r.status, r.code()), (400, "VALIDATION_FAILED"), "{what}");
    }
    let routes = function_routes("/me").unwrap();
    for (what, event) in [
        ("path", no_host_bad_path),
        ("not an API event", serde_json::json!({"hello": "world"})),
        ("not even an object", serde_json::json!([1, 2, 3])),
    ] {
        let resp = http_edge::lambda::handle_event(
            routes,
            t.dev.app.clone(),
            lambda_http::LambdaEvent::new(event, lambda_http::Context::default()),
        )
        .await;
        assert_eq!(resp.status_code, 400, "{what}");
    }
}

/// 王芳's five tickets of today are today's whenever the seeding runs (seed-events runs on the
/// real clock): five minutes into a China day, the sixth is still refused.
#[tokio::test]
async fn the_days_tickets_are_todays_early_in_the_day() {
    let t = TestApp::spawn(Backend::Memory).await.unwrap();
    let early = chrono::DateTime::parse_from_rfc3339("2026-03-02T00:05:00+08:00").unwrap();
    t.clock.set(early.with_timezone(&chrono::Utc));
    t.seed_fixtures().await;
    let e = expected_events()
        .into_iter()
        .find(|e| e.file == "feedback-submit-sixth-today.json")
        .unwrap();
    let (expected, got) = run_event(&t, &e).await;
    assert_eq!(got, expected);
}
