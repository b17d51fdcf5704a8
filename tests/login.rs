//! Captcha, login, lockout, sessions and logout, as clients see them.

use domain::account::session::{ABSOLUTE_SECONDS, IDLE_SECONDS};
use futures::future::join_all;
use integration_tests::*;
use serde_json::json;
use std::sync::Arc;

app_test!(
    captcha_is_a_png_data_url_that_expires_in_two_minutes,
    |app| {
        let r = app.get("/captcha", None).await;
        assert_eq!(r.status, 200);
        assert_eq!(r.body["expiresIn"], 120);
        let image = r.body["image"].as_str().unwrap();
        let b64 = image
            .strip_prefix("data:image/png;base64,")
            .expect("a PNG data URL");
        use base64::Engine;
        let png = base64::engine::general_purpose::STANDARD
            .decode(b64)
            .unwrap();
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
        assert_eq!(r.body["captchaId"].as_str().unwrap().len(), 32);
        assert_eq!(r.headers["cache-control"], "no-store");
    }
);

app_test!(
    login_with_the_initial_password_needs_profile_completion,
    |app| {
        let r = app.login(DEMO_ID, DEMO_PASSWORD).await;
        assert_eq!(r.status, 200, "{:?}", r.body);
        assert_eq!(r.body["tokenType"], "Bearer");
        assert_eq!(r.body["expiresIn"], IDLE_SECONDS);
        assert_eq!(r.body["profileCompleted"], false);
        assert_eq!(r.body["passwordChangeRequired"], true);
        let token = r.body["token"].as_str().unwrap();
        assert!(token.len() >= 43, "at least 256 bits, base64url");
    }
);

app_test!(a_lower_case_x_and_surrounding_spaces_are_accepted, |app| {
    app.add_learner("11010519491231002X", "王五").await;
    let r = app.login(" 11010519491231002x ", "31002X").await;
    assert_eq!(r.status, 200, "{:?}", r.body);
});

app_test!(
    captcha_is_single_use_even_when_the_answer_was_wrong,
    |app| {
        let (id, answer) = app.captcha().await;
        let wrong = (answer.parse::<u32>().unwrap() + 1).to_string();
        let body = |a: &str| json!({"account": DEMO_ID, "password": DEMO_PASSWORD, "captchaId": id, "captchaAnswer": a});
        let r = app.post("/login", body(&wrong), None).await;
        assert_eq!((r.status, r.code()), (400, "CAPTCHA_INVALID"));
        let r = app.post("/login", body(&answer), None).await;
        assert_eq!(
            (r.status, r.code()),
            (400, "CAPTCHA_INVALID"),
            "consumed by the wrong try"
        );

        let (id, answer) = app.captcha().await;
        let ok = json!({"account": DEMO_ID, "password": DEMO_PASSWORD, "captchaId": id, "captchaAnswer": answer});
        assert_eq!(app.post("/login", ok.clone(), None).await.status, 200);
        let r = app.post("/login", ok, None).await;
        assert_eq!(
            (r.status, r.code()),
            (400, "CAPTCHA_INVALID"),
            "consumed by the right try"
        );
    }
);

app_test!(
    captcha_expires_after_two_minutes_and_unknown_ids_fail,
    |app| {
        let (id, answer) = app.captcha().await;
        app.advance(121);
        let r = app
        .post("/login", json!({"account": DEMO_ID, "password": DEMO_PASSWORD, "captchaId": id, "captchaAnswer": answer}), None)
        .await;
        assert_eq!((r.status, r.code()), (400, "CAPTCHA_INVALID"));
        for bad in ["0123456789abcdef0123456789abcdef", "not-an-id", "../../etc"] {
            let r = app
            .post("/login", json!({"account": DEMO_ID, "password": DEMO_PASSWORD, "captchaId": bad, "captchaAnswer": "1"}), None)
            .await;
            assert_eq!((r.status, r.code()), (400, "CAPTCHA_INVALID"), "{bad}");
        }
    }
);

app_test!(
    twenty_concurrent_attempts_on_one_captcha_accept_exactly_one,
    |app| {
        let (id, answer) = app.captcha().await;
        let app = Arc::new(app);
        let tries = (0..20).map(|_| {
        let (app, id, answer) = (app.clone(), id.clone(), answer.clone());
        tokio::spawn(async move {
            app.post("/login", json!({"account": DEMO_ID, "password": DEMO_PASSWORD, "captchaId": id, "captchaAnswer": answer}), None)
                .await
                .status
        })
    });
        let statuses: Vec<u16> = join_all(tries)
            .await
            .into_iter()
            .map(Result::unwrap)
            .collect();
        assert_eq!(
            statuses.iter().filter(|s| **s == 200).count(),
            1,
            "{statuses:?}"
        );
        assert_eq!(
            statuses.iter().filter(|s| **s == 400).count(),
            19,
            "{statuses:?}"
        );
    }
);

app_test!(
    wrong_password_and_unknown_account_answer_identically,
    |app| {
        let wrong = app.login(DEMO_ID, "654321").await;
        let unknown = app.login("330106199808151233", "151233").await;
        let invalid = app.login("440883200305125052", "125052").await;
        let garbage = app.login("not an account", "whatever").await;
        for r in [&wrong, &unknown, &invalid, &garbage] {
            assert_eq!(r.status, 401);
            assert_eq!(r.code(), "CREDENTIALS_INVALID");
            assert_eq!(r.raw, wrong.raw, "byte-identical bodies");
            assert_eq!(r.headers.get("retry-after"), None);
        }
    }
);

app_test!(
    five_failures_lock_for_fifteen_minutes_even_with_the_right_password,
    |app| {
        for i in 1..=5 {
            let r = app.login(DEMO_ID, "000000").await;
            assert_eq!(
                (r.status, r.code()),
                (401, "CREDENTIALS_INVALID"),
                "failure {i}"
            );
        }
        let r = app.login(DEMO_ID, DEMO_PASSWORD).await;
        assert_eq!((r.status, r.code()), (429, "ACCOUNT_LOCKED"));
        let retry = r.body["error"]["retryAfter"].as_u64().unwrap();
        assert_eq!(retry, 900);
        assert_eq!(r.headers["retry-after"], "900");
        app.advance(14 * 60 + 59);
        assert_eq!(
            app.login(DEMO_ID, DEMO_PASSWORD).await.code(),
            "ACCOUNT_LOCKED"
        );
        app.advance(1);
        assert_eq!(app.login(DEMO_ID, DEMO_PASSWORD).await.status, 200);
    }
);

app_test!(
    success_resets_the_count_and_a_wrong_captcha_is_not_a_failure,
    |app| {
        for _ in 0..4 {
            assert_eq!(app.login(DEMO_ID, "000000").await.status, 401);
        }
        assert_eq!(app.login(DEMO_ID, DEMO_PASSWORD).await.status, 200);
        for _ in 0..4 {
            assert_eq!(app.login(DEMO_ID, "000000").await.status, 401);
        }
        for _ in 0..6 {
            let r = app
            .post("/login", json!({"account": DEMO_ID, "password": "000000", "captchaId": "0123456789abcdef0123456789abcdef", "captchaAnswer": "1"}), None)
            .await;
            assert_eq!(r.code(), "CAPTCHA_INVALID");
        }
        assert_eq!(app.login(DEMO_ID, DEMO_PASSWORD).await.status, 200);
    }
);

app_test!(unknown_accounts_lock_exactly_like_known_ones, |app| {
    for _ in 0..5 {
        assert_eq!(
            app.login("330106199808151233", "x").await.code(),
            "CREDENTIALS_INVALID"
        );
    }
    let r = app.login("330106199808151233", "x").await;
    assert_eq!((r.status, r.code()), (429, "ACCOUNT_LOCKED"));
    // Normalised: the lower-case / spaced form of the same identifier is the same counter.
    app.add_learner("11010519491231002X", "王五").await;
    for _ in 0..5 {
        assert_eq!(app.login("11010519491231002x", "x").await.status, 401);
    }
    assert_eq!(
        app.login(" 11010519491231002X", "31002X").await.code(),
        "ACCOUNT_LOCKED"
    );
});

app_test!(concurrent_failures_lock_at_exactly_five, |app| {
    let mut captchas = Vec::new();
    for _ in 0..20 {
        captchas.push(app.captcha().await);
    }
    let app = Arc::new(app);
    let tries = captchas.into_iter().map(|(id, answer)| {
        let app = app.clone();
        tokio::spawn(async move {
            app.post("/login", json!({"account": DEMO_ID, "password": "999999", "captchaId": id, "captchaAnswer": answer}), None)
                .await
                .code()
                .to_string()
        })
    });
    let codes: Vec<String> = join_all(tries)
        .await
        .into_iter()
        .map(Result::unwrap)
        .collect();
    let invalid = codes.iter().filter(|c| *c == "CREDENTIALS_INVALID").count();
    let locked = codes.iter().filter(|c| *c == "ACCOUNT_LOCKED").count();
    assert_eq!((invalid, locked), (5, 15), "{codes:?}");
    assert_eq!(
        app.login(DEMO_ID, DEMO_PASSWORD).await.code(),
        "ACCOUNT_LOCKED"
    );
});

app_test!(logout_revokes_the_token, |app| {
    let token = app.token(DEMO_ID, DEMO_PASSWORD).await;
    assert!(domain::account::session::authenticate(app.app(), &token)
        .await
        .is_ok());
    let r = app.post("/logout", json!({}), Some(&token)).await;
    assert_eq!(r.status, 204);
    assert!(r.raw.is_empty());
    let r = app.post("/logout", json!({}), Some(&token)).await;
    assert_eq!((r.status, r.code()), (401, "UNAUTHENTICATED"));
    assert!(domain::account::session::authenticate(app.app(), &token)
        .await
        .is_err());
});

app_test!(tokens_only_in_a_well_formed_authorization_header, |app| {
    let token = app.token(DEMO_ID, DEMO_PASSWORD).await;
    for header in [
        format!("Token {token}"),
        token.clone(),
        "Bearer".into(),
        "Bearer ".into(),
        format!("Bearer {token}x"),
    ] {
        let r = app
            .send(app.req("POST", "/logout").header("authorization", &header))
            .await;
        assert_eq!((r.status, r.code()), (401, "UNAUTHENTICATED"), "{header}");
    }
    let r = app
        .send(
            app.req("POST", "/logout")
                .query(&format!("access_token={token}")),
        )
        .await;
    assert_eq!(r.status, 401);
    let r = app
        .send(
            app.req("POST", "/logout")
                .header("authorization", &format!("bearer {token}")),
        )
        .await;
    assert_eq!(r.status, 204, "the scheme is case-insensitive");
});

app_test!(sessions_end_after_thirty_idle_minutes, |app| {
    let token = app.token(DEMO_ID, DEMO_PASSWORD).await;
    app.advance(IDLE_SECONDS - 1);
    assert!(
        domain::account::session::authenticate(app.app(), &token)
            .await
            .is_ok(),
        "use keeps it alive"
    );
    app.advance(IDLE_SECONDS - 1);
    assert!(domain::account::session::authenticate(app.app(), &token)
        .await
        .is_ok());
    app.advance(IDLE_SECONDS);
    assert!(domain::account::session::authenticate(app.app(), &token)
        .await
        .is_err());
    assert_eq!(
        app.post("/logout", json!({}), Some(&token)).await.status,
        401
    );
});

app_test!(sessions_end_after_eight_hours_however_busy, |app| {
    let token = app.token(DEMO_ID, DEMO_PASSWORD).await;
    let step = 20 * 60;
    let mut elapsed = 0;
    while elapsed + step < ABSOLUTE_SECONDS {
        app.advance(step);
        elapsed += step;
        assert!(
            domain::account::session::authenticate(app.app(), &token)
                .await
                .is_ok(),
            "at {elapsed}s"
        );
    }
    app.advance(ABSOLUTE_SECONDS - elapsed);
    assert!(domain::account::session::authenticate(app.app(), &token)
        .await
        .is_err());
});

app_test!(
    messages_are_chinese_by_default_and_english_on_request,
    |app| {
        let zh = app.login(DEMO_ID, "bad").await;
        assert_eq!(zh.body["error"]["message"], "账号或密码错误");
        let (id, answer) = app.captcha().await;
        let en = app
        .send(
            app.req("POST", "/login")
                .header("accept-language", "en-GB,en;q=0.9,zh;q=0.5")
                .json(&json!({"account": DEMO_ID, "password": "bad", "captchaId": id, "captchaAnswer": answer})),
        )
        .await;
        assert_eq!(en.body["error"]["message"], "Wrong account or password");
        let r = app
            .send(
                app.req("POST", "/login")
                    .header("accept-language", "en")
                    .json(&json!({})),
            )
            .await;
        assert_eq!(r.body["error"]["field"], "account");
        assert_eq!(r.body["error"]["message"], "Field account is required");
    }
);

app_test!(bad_bodies_and_routes_get_clean_4xx_answers, |app| {
    let big = format!("{{\"account\": \"{}\"}}", "a".repeat(17 * 1024));
    let cases: Vec<(Req, u16, &str)> = vec![
        (app.req("POST", "/login").raw(Some("application/json"), "{not json"), 400, "INVALID_JSON"),
        (app.req("POST", "/login").raw(Some("application/json"), ""), 400, "INVALID_JSON"),
        (app.req("POST", "/login").raw(Some("application/json"), "[1,2]"), 400, "INVALID_JSON"),
        (app.req("POST", "/login").raw(Some("application/json"), "null"), 400, "INVALID_JSON"),
        (app.req("POST", "/login").raw(Some("application/json"), vec![0xff, 0xfe, 0x00]), 400, "INVALID_JSON"),
        (app.req("POST", "/login").raw(Some("text/plain"), "{}"), 415, "UNSUPPORTED_MEDIA_TYPE"),
        (app.req("POST", "/login").raw(None, "{}"), 415, "UNSUPPORTED_MEDIA_TYPE"),
        (app.req("POST", "/login").raw(Some("application/json"), big), 413, "PAYLOAD_TOO_LARGE"),
        (app.req("POST", "/login").json(&json!({"account": 1})), 400, "VALIDATION_FAILED"),
        (app.req("POST", "/login").json(&json!({"account": DEMO_ID, "password": ["x"]})), 400, "VALIDATION_FAILED"),
        (app.req("POST", "/login").json(&json!({"account": DEMO_ID})), 400, "VALIDATION_FAILED"),
        (app.req("POST", "/login").json(&json!({"account": "a".repeat(65), "password": "p", "captchaId": "c", "captchaAnswer": "1"})), 400, "VALIDATION_FAILED"),
        (app.req("GET", "/login"), 405, "METHOD_NOT_ALLOWED"),
        (app.req("DELETE", "/captcha"), 405, "METHOD_NOT_ALLOWED"),
        (app.req("GET", "/admin"), 404, "NOT_FOUND"),
        (app.req("GET", "/"), 404, "NOT_FOUND"),
        (app.req("POST", "/login/"), 404, "NOT_FOUND"),
    ];
    for (i, (req, status, code)) in cases.into_iter().enumerate() {
        let r = app.send(req).await;
        assert_eq!(
            (r.status, r.code()),
            (status, code),
            "case {i}: {:?}",
            r.body
        );
    }
    let r = app
        .send(
            app.req("POST", "/login")
                .raw(Some("application/json; charset=utf-8"), "{}"),
        )
        .await;
    assert_eq!(
        (r.status, r.code()),
        (400, "VALIDATION_FAILED"),
        "charset parameter accepted"
    );
    let r = app
        .send(
            app.req("POST", "/login")
                .json(&json!({"account": DEMO_ID, "password": "x", "captchaId": "y"})),
        )
        .await;
    assert_eq!(r.body["error"]["field"], "captchaAnswer");
});

app_test!(every_attempt_lands_in_the_audit_trail_masked, |app| {
    app.login(DEMO_ID, "bad").await;
    app.advance(1);
    app.login(DEMO_ID, DEMO_PASSWORD).await;
    let key = domain::account::learner::id_key(
        app.app(),
        &domain::values::id_number::IdNumber::parse(DEMO_ID, app.app().today()).unwrap(),
    );
    let recent = domain::account::audit::recent(app.app(), &key, 5)
        .await
        .unwrap();
    assert_eq!(recent.len(), 2);
    assert_eq!(
        recent[0].result,
        domain::account::audit::LoginResult::Success,
        "newest first"
    );
    assert_eq!(
        recent[1].result,
        domain::account::audit::LoginResult::Failure
    );
    // None of the last six (the initial password) in the audit trail.
    assert_eq!(recent[0].account, "4408**************");
    assert_eq!(recent[0].ip, "198.51.100.7");
});
