//! Every sample event in `events/` goes through its function's own handler (the Lambda's code, not
//! the dev server's wrappers) against the in-memory store, and answers the status it is there to
//! show. A file that is not a valid API Gateway event, or has no expectation here, fails.

use integration_tests::*;
use std::path::PathBuf;

/// file → expected status.
const EXPECTED: &[(&str, u16)] = &[
    ("captcha.json", 200),
    ("captcha-wrong-method.json", 405),
    ("login.json", 200),
    ("login-wrong-password.json", 401),
    ("login-missing-captcha.json", 400),
    ("logout.json", 204),
    ("logout-no-token.json", 401),
    ("sms-code.json", 200),
    ("sms-code-invalid-mobile.json", 400),
    ("profile-get.json", 200),
    ("profile-get-no-token.json", 401),
    ("profile-put.json", 200),
    ("profile-put-weak-password.json", 400),
    ("profile-put-expired-id.json", 400),
    ("me.json", 200),
    ("me-profile-incomplete.json", 403),
    ("achievements.json", 200),
    ("achievements-filtered.json", 200),
    ("achievements-invalid-subtype.json", 400),
    ("achievements-no-token.json", 401),
    ("achievement-types.json", 200),
    ("achievement-types-en.json", 200),
    ("password-reset-code.json", 202),
    ("password-reset.json", 204),
    ("password-reset-invalid-code.json", 400),
    ("password-change.json", 204),
    ("password-change-wrong-password.json", 401),
    ("mobile-put.json", 200),
    // Issue 9: URL parts lambda_http would panic on are a 400 from the Lambda's own entry.
    ("me-hostile-host-colon.json", 400),
    ("me-hostile-host-port.json", 400),
    ("me-hostile-host-bracket.json", 400),
    ("me-hostile-forwarded-proto.json", 400),
    ("achievements-hostile-query.json", 400),
];

/// The events above that `lambda_http`'s own conversion (what `lambda_http::run` does) panics on.
const HOSTILE: &[&str] = &[
    "me-hostile-host-colon.json",
    "me-hostile-host-port.json",
    "me-hostile-host-bracket.json",
    "me-hostile-forwarded-proto.json",
    "achievements-hostile-query.json",
];

fn events_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../events")
}

/// The personal-centre and account-settings events need a learner who completed the profile.
fn needs_active_learner(name: &str) -> bool {
    (name.starts_with("me")
        || name.starts_with("achievements")
        || name.starts_with("password")
        || name.starts_with("mobile"))
        && !name.contains("incomplete")
}

#[tokio::test]
async fn every_sample_event_answers_its_expected_status() {
    let mut files: Vec<String> = std::fs::read_dir(events_dir())
        .expect("events/ exists")
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.ends_with(".json") && !n.starts_with("import"))
        .collect();
    files.sort();
    for (name, _) in EXPECTED {
        assert!(
            files.contains(&name.to_string()),
            "events/{name} is missing"
        );
    }
    for name in &files {
        let expected = EXPECTED
            .iter()
            .find(|(n, _)| n == name)
            .unwrap_or_else(|| panic!("events/{name} has no expected status in tests/events.rs"))
            .1;
        let text = std::fs::read_to_string(events_dir().join(name)).unwrap();
        let event: serde_json::Value = serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("events/{name} is not JSON: {e}"));
        assert_eq!(event["version"], "2.0", "events/{name}: payload format 2.0");
        let route_key = event["routeKey"].as_str().expect("routeKey");
        let (method, path) = route_key
            .split_once(' ')
            .expect("routeKey is 'METHOD /path'");
        assert!(
            devserver::FUNCTIONS
                .iter()
                .any(|(_, routes)| routes.iter().any(|r| r.path == path)),
            "events/{name}: no function serves {path}"
        );
        assert_eq!(
            event["requestContext"]["http"]["method"], method,
            "events/{name}: routeKey and method agree"
        );
        // The Lambda's own entry: the raw event, checked, converted, dispatched by the function
        // that serves the path over its own route table.
        let t = sample_event_app(needs_active_learner(name)).await;
        let resp = invoke_event(t.dev.app.clone(), event).await;
        let body = String::from_utf8_lossy(&resp.raw).into_owned();
        assert_eq!(resp.status, expected, "events/{name}: {body}");
        assert_eq!(
            resp.headers["x-content-type-options"], "nosniff",
            "events/{name}"
        );
        if resp.status >= 400 {
            assert!(
                resp.body["error"]["code"].is_string(),
                "events/{name}: error body"
            );
        }
    }
}

#[tokio::test]
async fn the_import_events_run_through_the_import_function() {
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
    let mut files: Vec<String> = std::fs::read_dir(events_dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.starts_with("import"))
        .collect();
    files.sort();
    assert_eq!(
        files,
        ["import-bad-records.json", "import-demo.json"],
        "every import event is run above"
    );
}

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
