//! The HTTP edge's promises on every route (the no-panic rule among them): the headers
//! every answer carries, `Allow` on 405, authentication before the body is read, what an empty
//! query value means, and a panicking handler answering 500 while the process keeps serving.

use integration_tests::*;
use serde_json::json;

const NEW_PASSWORD: &str = "Gd7-river-lantern";

app_test!(every_answer_carries_nosniff_and_no_store, |app| {
    let (token, _) = app.activate(DEMO_ID, NEW_PASSWORD).await;
    let requests = vec![
        app.req("GET", "/captcha"),
        app.req("POST", "/login").json(&json!({})),
        app.req("POST", "/sms/code")
            .json(&json!({"mobile": "1"}))
            .bearer(&token),
        app.req("GET", "/profile").bearer(&token),
        app.req("PUT", "/profile").json(&json!({})).bearer(&token),
        app.req("GET", "/me").bearer(&token),
        app.req("GET", "/me"),
        app.req("GET", "/achievements").bearer(&token),
        app.req("GET", "/achievement-types"),
        app.req("DELETE", "/me"),
        app.req("GET", "/nowhere"),
        app.req("POST", "/logout").bearer(&token),
    ];
    for req in requests {
        let what = format!("{} {}", req.method, req.path);
        let r = app.send(req).await;
        assert_eq!(
            r.headers
                .get("x-content-type-options")
                .map(|v| v.to_str().unwrap()),
            Some("nosniff"),
            "{what} {}",
            r.status
        );
        assert_eq!(
            r.headers.get("cache-control").map(|v| v.to_str().unwrap()),
            Some("no-store"),
            "{what}"
        );
    }
});

app_test!(a_405_names_the_methods_of_the_path_in_allow, |app| {
    for (method, path, allow) in [
        ("GET", "/login", "POST"),
        ("DELETE", "/captcha", "GET"),
        ("DELETE", "/profile", "GET, PUT"),
        ("POST", "/me", "GET"),
        ("PUT", "/achievements", "GET"),
    ] {
        let r = app.send(app.req(method, path)).await;
        assert_eq!(
            (r.status, r.code()),
            (405, "METHOD_NOT_ALLOWED"),
            "{method} {path}"
        );
        assert_eq!(r.headers["allow"], allow, "{method} {path}");
    }
    let r = app.get("/nowhere", None).await;
    assert!(!r.headers.contains_key("allow"));
});

app_test!(authentication_comes_before_the_body, |app| {
    let big = "x".repeat(17 * 1024);
    for (method, path) in [
        ("POST", "/sms/code"),
        ("PUT", "/profile"),
        ("POST", "/logout"),
    ] {
        for (label, req) in [
            (
                "not json",
                app.req(method, path)
                    .raw(Some("application/json"), "{not json"),
            ),
            (
                "text/plain",
                app.req(method, path).raw(Some("text/plain"), "{}"),
            ),
            (
                "too large",
                app.req(method, path)
                    .raw(Some("application/json"), big.clone()),
            ),
            (
                "invalid fields",
                app.req(method, path).json(&json!({"mobile": 1})),
            ),
            (
                "bad token, bad body",
                app.req(method, path)
                    .raw(Some("application/json"), "[")
                    .bearer("no-such-token"),
            ),
        ] {
            let r = app.send(req).await;
            assert_eq!(
                (r.status, r.code()),
                (401, "UNAUTHENTICATED"),
                "{method} {path} {label}: {}",
                r.body
            );
        }
    }
});

app_test!(an_empty_query_value_means_the_parameter_is_absent, |app| {
    app.import_demo().await;
    let (token, _) = app.activate(DEMO_ID, NEW_PASSWORD).await;
    let plain = app.get("/achievements", Some(&token)).await;
    assert_eq!(plain.status, 200);
    for query in [
        "type=",
        "subtype=",
        "source=",
        "name=",
        "page=",
        "pageSize=",
        "type=&subtype=&source=&name=&page=&pageSize=",
        "type=%20",
    ] {
        let r = app
            .send(app.req("GET", "/achievements").query(query).bearer(&token))
            .await;
        assert_eq!((r.status, &r.body), (200, &plain.body), "{query}");
    }
    // A value that is not empty is checked as ever.
    let r = app
        .send(
            app.req("GET", "/achievements")
                .query("type=NONE")
                .bearer(&token),
        )
        .await;
    assert_eq!(
        (r.status, r.body["error"]["field"].as_str()),
        (400, Some("type"))
    );
});

fn panics(
    _: std::sync::Arc<domain::App>,
    _: http_edge::Request,
    _: http_edge::RequestInfo,
) -> futures::future::BoxFuture<'static, Result<http_edge::Reply, http_edge::ApiError>> {
    Box::pin(async { panic!("a bug in a handler") })
}

fn fine(
    _: std::sync::Arc<domain::App>,
    _: http_edge::Request,
    _: http_edge::RequestInfo,
) -> futures::future::BoxFuture<'static, Result<http_edge::Reply, http_edge::ApiError>> {
    Box::pin(async { Ok(http_edge::Reply::no_content()) })
}

static PANICKY: &[http_edge::Route] = &[
    http_edge::Route {
        method: http_edge::Method::GET,
        path: "/me",
        handler: panics,
    },
    http_edge::Route {
        method: http_edge::Method::GET,
        path: "/profile",
        handler: fine,
    },
];

#[tokio::test]
async fn a_panicking_handler_answers_500_and_the_function_keeps_serving() {
    let t = TestApp::spawn(Backend::Memory).await.unwrap();
    for _ in 0..3 {
        let resp = http_edge::lambda::handle_event(
            PANICKY,
            t.dev.app.clone(),
            lambda_http::LambdaEvent::new(event_file("me.json"), lambda_http::Context::default()),
        )
        .await;
        assert_eq!(resp.status_code, 500);
        let body = match resp.body {
            Some(lambda_http::Body::Text(t)) => t,
            other => panic!("{other:?}"),
        };
        assert!(body.contains("\"INTERNAL\""), "{body}");
        assert!(!body.contains("a bug in a handler"), "no details returned");
        let resp = http_edge::lambda::handle_event(
            PANICKY,
            t.dev.app.clone(),
            lambda_http::LambdaEvent::new(
                event_file("profile-get.json"),
                lambda_http::Context::default(),
            ),
        )
        .await;
        assert_eq!(resp.status_code, 204, "still serving after the panic");
    }
}
