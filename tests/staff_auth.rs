//! School staff behind the JWT authorizer the dev server plays: the tokens of
//! `POST /_dev/institution-token` (the embedded issuer on the memory backend, moto's Cognito on
//! the DynamoDB one), and what the authorizer makes of a staff route's request. No
//! `/institution/*` route exists yet: the authorizer is tested alone, and through the dispatch
//! up to the routing (404).

use domain::account::staff::{Role, Staff};
use integration_tests::*;
use serde_json::json;

const STAFF_PATH: &str = "/institution/achievement-registrations";

app_test!(issued_tokens_carry_the_claims_staff_are_read_from, |app| {
    let mut subjects = Vec::new();
    for (institution, role, want) in [
        ("DEMO-SCHOOL", "REVIEWER", Role::Reviewer),
        ("10001.a_b", "PLATFORM", Role::Platform),
    ] {
        let token = app.staff_token(institution, role).await;
        let claims = app
            .dev
            .authorizer
            .verify(&token)
            .await
            .expect("the issuer's own token verifies");
        let staff = Staff::from_claims(|name| claims.get(name).cloned()).unwrap();
        assert_eq!(
            (staff.institution.as_str(), staff.role),
            (institution, want)
        );
        assert_eq!(claims["token_use"], "id");
        assert_eq!(claims["cognito:groups"], format!("[{role}]"));
        let issuer = match app.backend {
            Backend::Memory => devserver::authorizer::DEV_ISSUER,
            Backend::Dynamo => "https://cognito-idp.",
        };
        assert!(claims["iss"].starts_with(issuer), "{}", claims["iss"]);
        let (iat, exp): (i64, i64) = (
            claims["iat"].parse().unwrap(),
            claims["exp"].parse().unwrap(),
        );
        assert_eq!(exp - iat, 3600, "an hour, as Cognito's");
        subjects.push(staff.subject);
    }
    assert_ne!(subjects[0], subjects[1], "one staff member per token");
});

app_test!(bad_token_requests_are_refused_naming_the_field, |app| {
    let long = "x".repeat(200);
    let cases = [
        (json!({"role": "REVIEWER"}), "institution"),
        (
            json!({"institution": "", "role": "REVIEWER"}),
            "institution",
        ),
        (
            json!({"institution": "A B", "role": "REVIEWER"}),
            "institution",
        ),
        (
            json!({"institution": long, "role": "REVIEWER"}),
            "institution",
        ),
        (
            json!({"institution": 17, "role": "REVIEWER"}),
            "institution",
        ),
        (json!({"institution": "DEMO-SCHOOL"}), "role"),
        (
            json!({"institution": "DEMO-SCHOOL", "role": "ADMIN"}),
            "role",
        ),
        (
            json!({"institution": "DEMO-SCHOOL", "role": "reviewer"}),
            "role",
        ),
    ];
    for (body, field) in cases {
        let r = app
            .post("/_dev/institution-token", body.clone(), None)
            .await;
        assert_eq!(
            (r.status, r.code(), &r.body["error"]["field"]),
            (400, "VALIDATION_FAILED", &json!(field)),
            "{body}"
        );
    }
    let path = "/_dev/institution-token";
    let r = app
        .send(app.req("POST", path).raw(Some("text/plain"), "x"))
        .await;
    assert_eq!((r.status, r.code()), (415, "UNSUPPORTED_MEDIA_TYPE"));
    let r = app
        .send(app.req("POST", path).raw(Some("application/json"), "{"))
        .await;
    assert_eq!((r.status, r.code()), (400, "INVALID_JSON"));
});

/// `token` with one character of its signature changed.
fn tampered(token: &str) -> String {
    let mut bytes = token.as_bytes().to_vec();
    let i = bytes.len() - 10;
    bytes[i] = if bytes[i] == b'A' { b'B' } else { b'A' };
    String::from_utf8(bytes).unwrap()
}

app_test!(staff_routes_take_only_verified_staff_tokens, |app| {
    let token = app.staff_token("DEMO-SCHOOL", "REVIEWER").await;
    let req = app.req("GET", STAFF_PATH).bearer(&token).into_request();
    let req = app.dev.authorizer.authorize(req).await.expect("admitted");
    let staff = http_edge::staff(&req).expect("the claims where API Gateway puts them");
    assert_eq!(
        (staff.institution.as_str(), staff.role),
        ("DEMO-SCHOOL", Role::Reviewer)
    );

    let learner = app.token(DEMO_ID, DEMO_PASSWORD).await;
    let stranger = devserver::authorizer::Authorizer::embedded()
        .issue("DEMO-SCHOOL", Role::Reviewer)
        .await
        .unwrap();
    for (what, bearer) in [
        ("none", None),
        ("a learner's session", Some(learner.as_str())),
        ("tampered", Some(tampered(&token).as_str())),
        ("another issuer's", Some(stranger.as_str())),
        ("garbage", Some("x.y.z")),
    ] {
        let mut r = app.req("POST", STAFF_PATH).json(&json!({}));
        if let Some(b) = bearer {
            r = r.bearer(b);
        }
        let refused = app.dev.authorizer.authorize(r.into_request()).await;
        let e = refused.expect_err(what);
        assert_eq!(
            (e.status().as_u16(), e.code()),
            (401, "UNAUTHENTICATED"),
            "{what}"
        );
        // Through the dispatch: refused before any routing.
        let mut r = app.req("POST", STAFF_PATH).json(&json!({}));
        if let Some(b) = bearer {
            r = r.bearer(b);
        }
        let r = app.send(r).await;
        assert_eq!((r.status, r.code()), (401, "UNAUTHENTICATED"), "{what}");
    }
    // Admitted, the request reaches the routing: no staff route in this branch yet.
    let r = app
        .send(app.req("GET", "/platform/anything").bearer(&token))
        .await;
    assert_eq!((r.status, r.code()), (404, "NOT_FOUND"));
    // The learners' routes are untouched: a staff token is no session there.
    let r = app.get("/me", Some(&token)).await;
    assert_eq!((r.status, r.code()), (401, "UNAUTHENTICATED"));
    let r = app.get("/me", Some(&learner)).await;
    assert_eq!((r.status, r.code()), (403, "PROFILE_INCOMPLETE"));
});
