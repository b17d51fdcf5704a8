//! The first-login flow: SMS codes (limits, concurrency, provider failure) and profile completion
//! with the mandatory password change.

use futures::future::join_all;
use integration_tests::*;
use serde_json::json;
use std::sync::Arc;

const NEW_PASSWORD: &str = "Gd7-river-lantern";

app_test!(the_whole_first_login_journey, |app| {
    let r = app.login(DEMO_ID, DEMO_PASSWORD).await;
    assert_eq!(r.body["passwordChangeRequired"], true);
    let token = r.body["token"].as_str().unwrap().to_string();

    let r = app.get("/profile", Some(&token)).await;
    assert_eq!(r.status, 200);
    assert_eq!(
        r.body,
        json!({"name": "李嘉民", "idType": "RESIDENT_ID_CARD", "idNumberMasked": "4408**********5051",
               "idValidFrom": null, "idValidTo": null, "idLongTerm": false, "mobileMasked": null,
               "profileCompleted": false, "passwordChangeRequired": true})
    );

    // Everything else is closed until the information is complete.
    for path in ["/me", "/achievements"] {
        let r = app.get(path, Some(&token)).await;
        assert_eq!((r.status, r.code()), (403, "PROFILE_INCOMPLETE"), "{path}");
    }

    let mobile = unique_mobile();
    let r = app
        .post(
            "/sms/code",
            json!({"mobile": mobile, "purpose": "BIND_MOBILE"}),
            Some(&token),
        )
        .await;
    assert_eq!(
        (r.status, &r.body),
        (200, &json!({"expiresIn": 300, "resendAfter": 60}))
    );
    let sms = app.sms_to(&mobile).await;
    assert_eq!(sms.len(), 1);
    let code = app.last_code(&mobile).await;
    assert_eq!(
        sms[0],
        format!("【学分银行】您的验证码为{code}，5分钟内有效。如非本人操作，请忽略本短信。")
    );

    let r = app
        .put_profile(
            &token,
            TestApp::profile_body(&format!("+86 {mobile}"), &code, NEW_PASSWORD),
        )
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    let masked = format!("{}****{}", &mobile[..3], &mobile[7..]);
    assert_eq!(
        r.body,
        json!({"name": "李嘉民", "idType": "RESIDENT_ID_CARD", "idNumberMasked": "4408**********5051",
               "idValidFrom": "2019-05-01", "idValidTo": "2029-05-01", "idLongTerm": false,
               "mobileMasked": masked, "profileCompleted": true, "passwordChangeRequired": false})
    );
    assert_eq!(app.get("/profile", Some(&token)).await.body, r.body);
    assert_eq!(
        app.get("/me", Some(&token)).await.status,
        200,
        "open once complete"
    );
    assert_eq!(app.get("/achievements", Some(&token)).await.status, 200);

    assert_eq!(
        app.post("/logout", json!({}), Some(&token)).await.status,
        204
    );
    assert_eq!(
        app.login(&mobile, NEW_PASSWORD).await.status,
        200,
        "login by mobile"
    );
    assert_eq!(
        app.login(DEMO_ID, NEW_PASSWORD).await.status,
        200,
        "login by ID number"
    );
    let r = app.login(DEMO_ID, DEMO_PASSWORD).await;
    assert_eq!(
        r.code(),
        "CREDENTIALS_INVALID",
        "the initial password is gone"
    );
    let r = app.login(&mobile, DEMO_PASSWORD).await;
    assert_eq!(r.code(), "CREDENTIALS_INVALID");
});

app_test!(sms_and_profile_need_a_session, |app| {
    let r = app
        .post("/sms/code", json!({"mobile": unique_mobile()}), None)
        .await;
    assert_eq!((r.status, r.code()), (401, "UNAUTHENTICATED"));
    assert_eq!(app.get("/profile", None).await.status, 401);
    let r = app
        .put_profile(
            "nope",
            TestApp::profile_body("13800138000", "123456", NEW_PASSWORD),
        )
        .await;
    assert_eq!(r.status, 401);
});

app_test!(send_code_validates_its_input, |app| {
    let token = app.token(DEMO_ID, DEMO_PASSWORD).await;
    for (body, field) in [
        (json!({}), "mobile"),
        (json!({"mobile": "12800138000"}), "mobile"),
        (json!({"mobile": "1380013800"}), "mobile"),
        (json!({"mobile": 13800138000u64}), "mobile"),
        (
            json!({"mobile": unique_mobile(), "purpose": "RESET_PASSWORD"}),
            "purpose",
        ),
    ] {
        let r = app.post("/sms/code", body.clone(), Some(&token)).await;
        assert_eq!((r.status, r.code()), (400, "VALIDATION_FAILED"), "{body}");
        assert_eq!(r.body["error"]["field"], field);
    }
});

app_test!(one_code_a_minute_per_number, |app| {
    let token = app.token(DEMO_ID, DEMO_PASSWORD).await;
    let mobile = unique_mobile();
    app.send_code(&token, &mobile).await;
    app.advance(30);
    let r = app
        .post("/sms/code", json!({"mobile": mobile}), Some(&token))
        .await;
    assert_eq!((r.status, r.code()), (429, "SMS_COOLDOWN"));
    assert_eq!(r.body["error"]["retryAfter"], 30);
    assert_eq!(r.headers["retry-after"], "30");
    app.advance(30);
    app.send_code(&token, &mobile).await;
    assert_eq!(app.sms_to(&mobile).await.len(), 2);
});

app_test!(five_an_hour_and_ten_a_day_per_number, |app| {
    let token = app.token(DEMO_ID, DEMO_PASSWORD).await;
    let mobile = unique_mobile();
    for _ in 0..5 {
        app.send_code(&token, &mobile).await;
        app.advance(61);
    }
    let r = app
        .post("/sms/code", json!({"mobile": mobile}), Some(&token))
        .await;
    assert_eq!((r.status, r.code()), (429, "SMS_LIMIT_EXCEEDED"));
    assert_eq!(r.body["error"]["retryAfter"], 3600 - 5 * 61);
    app.advance(3600);
    // Sessions idle out after 30 minutes: log in again as the learner would.
    let token = app.token(DEMO_ID, DEMO_PASSWORD).await;
    for _ in 0..5 {
        app.send_code(&token, &mobile).await;
        app.advance(61);
    }
    app.advance(3600);
    let token = app.token(DEMO_ID, DEMO_PASSWORD).await;
    let r = app
        .post("/sms/code", json!({"mobile": mobile}), Some(&token))
        .await;
    assert_eq!(
        (r.status, r.code()),
        (429, "SMS_LIMIT_EXCEEDED"),
        "ten a day"
    );
    assert_eq!(app.sms_to(&mobile).await.len(), 10);
});

app_test!(ten_a_day_per_learner_across_numbers, |app| {
    let token = app.token(DEMO_ID, DEMO_PASSWORD).await;
    for _ in 0..10 {
        app.send_code(&token, &unique_mobile()).await;
    }
    let other = unique_mobile();
    let r = app
        .post("/sms/code", json!({"mobile": other}), Some(&token))
        .await;
    assert_eq!((r.status, r.code()), (429, "SMS_LIMIT_EXCEEDED"));
    assert!(app.sms_to(&other).await.is_empty());
});

app_test!(
    codes_are_limited_per_client_address,
    config = |c| c.throttles.sms_code = vec![domain::app::config::Window {
        max: 12,
        seconds: 3600
    }],
    |app| {
        // The per-address windows count every learner's codes (here 12 an hour, to keep the test
        // short; 600 an hour by default).
        let mut sent = 0;
        while sent < 12 {
            let id = unique_id_number();
            app.add_learner(&id, "测试").await;
            let token = app.token(&id, &id[12..]).await;
            for _ in 0..5.min(12 - sent) {
                app.send_code(&token, &unique_mobile()).await;
                sent += 1;
            }
        }
        let id = unique_id_number();
        app.add_learner(&id, "测试").await;
        let token = app.token(&id, &id[12..]).await;
        let mobile = unique_mobile();
        let r = app
            .post("/sms/code", json!({ "mobile": mobile }), Some(&token))
            .await;
        assert_eq!((r.status, r.code()), (429, "RATE_LIMITED"), "{:?}", r.body);
        assert!(app.sms_to(&mobile).await.is_empty());
        // Another client address is not affected.
        let r = app
            .send(
                app.req("POST", "/sms/code")
                    .json(&json!({ "mobile": mobile }))
                    .bearer(&token)
                    .ip("203.0.113.50"),
            )
            .await;
        assert_eq!(r.status, 200, "{:?}", r.body);
    }
);

app_test!(ten_concurrent_sends_to_a_fresh_number_send_one_sms, |app| {
    let token = app.token(DEMO_ID, DEMO_PASSWORD).await;
    let mobile = unique_mobile();
    let app = Arc::new(app);
    let sends = (0..10).map(|_| {
        let (app, token, mobile) = (app.clone(), token.clone(), mobile.clone());
        tokio::spawn(async move {
            app.post("/sms/code", json!({"mobile": mobile}), Some(&token))
                .await
                .code()
                .to_string()
        })
    });
    let codes: Vec<String> = join_all(sends)
        .await
        .into_iter()
        .map(Result::unwrap)
        .collect();
    assert_eq!(
        codes.iter().filter(|c| c.is_empty()).count(),
        1,
        "{codes:?}"
    );
    assert_eq!(
        codes.iter().filter(|c| *c == "SMS_COOLDOWN").count(),
        9,
        "{codes:?}"
    );
    assert_eq!(app.sms_to(&mobile).await.len(), 1);
});

app_test!(a_provider_failure_is_503_and_spends_no_quota, |app| {
    let token = app.token(DEMO_ID, DEMO_PASSWORD).await;
    let mobile = unique_mobile();
    app.outbox.set_failing(true);
    for _ in 0..12 {
        let r = app
            .post("/sms/code", json!({"mobile": mobile}), Some(&token))
            .await;
        assert_eq!((r.status, r.code()), (503, "SERVICE_UNAVAILABLE"));
    }
    app.outbox.set_failing(false);
    // No cooldown, and neither the hourly nor the learner's daily quota was used.
    app.send_code(&token, &mobile).await;
    assert_eq!(app.sms_to(&mobile).await.len(), 1);
});

app_test!(codes_are_bound_single_use_and_expire, |app| {
    let token = app.token(DEMO_ID, DEMO_PASSWORD).await;
    let (m1, m2) = (unique_mobile(), unique_mobile());
    let code1 = app.send_code(&token, &m1).await;
    // Bound to the number it was sent to.
    let r = app
        .put_profile(&token, TestApp::profile_body(&m2, &code1, NEW_PASSWORD))
        .await;
    assert_eq!((r.status, r.code()), (400, "SMS_CODE_INVALID"));
    // Expires after five minutes.
    app.advance(301);
    let token = app.token(DEMO_ID, DEMO_PASSWORD).await;
    let r = app
        .put_profile(&token, TestApp::profile_body(&m1, &code1, NEW_PASSWORD))
        .await;
    assert_eq!((r.status, r.code()), (400, "SMS_CODE_INVALID"));
    // A new send replaces the old code.
    let old = app.send_code(&token, &m1).await;
    app.advance(61);
    let new = app.send_code(&token, &m1).await;
    if old != new {
        let r = app
            .put_profile(&token, TestApp::profile_body(&m1, &old, NEW_PASSWORD))
            .await;
        assert_eq!(r.code(), "SMS_CODE_INVALID", "the replaced code");
    }
    let r = app
        .put_profile(&token, TestApp::profile_body(&m1, &new, NEW_PASSWORD))
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    // Used up, and a first-login code is no good for a number change either.
    let r = app
        .put_json(
            "/mobile",
            json!({"currentPassword": NEW_PASSWORD, "mobile": m2, "smsCode": new}),
            &token,
        )
        .await;
    assert_eq!((r.status, r.code()), (400, "SMS_CODE_INVALID"));
});

app_test!(five_wrong_codes_void_the_code, |app| {
    let token = app.token(DEMO_ID, DEMO_PASSWORD).await;
    let mobile = unique_mobile();
    let code = app.send_code(&token, &mobile).await;
    let wrong = if code == "000000" { "111111" } else { "000000" };
    for _ in 0..5 {
        let r = app
            .put_profile(&token, TestApp::profile_body(&mobile, wrong, NEW_PASSWORD))
            .await;
        assert_eq!(r.code(), "SMS_CODE_INVALID");
    }
    let r = app
        .put_profile(&token, TestApp::profile_body(&mobile, &code, NEW_PASSWORD))
        .await;
    assert_eq!(r.code(), "SMS_CODE_INVALID", "void after five wrong tries");
    for bad in ["12345", "abcdef", "1234567"] {
        let r = app
            .put_profile(&token, TestApp::profile_body(&mobile, bad, NEW_PASSWORD))
            .await;
        assert_eq!(r.code(), "SMS_CODE_INVALID");
    }
});

app_test!(document_validity_rules, |app| {
    let token = app.token(DEMO_ID, DEMO_PASSWORD).await;
    let mobile = unique_mobile();
    let code = app.send_code(&token, &mobile).await;
    let with = |patch: serde_json::Value| {
        let mut b = TestApp::profile_body(&mobile, &code, NEW_PASSWORD);
        for (k, v) in patch.as_object().unwrap() {
            b[k] = v.clone();
        }
        b
    };
    let cases = [
        (
            json!({"idValidFrom": "2006-01-01", "idValidTo": "2016-01-01"}),
            400,
            "ID_EXPIRED",
        ),
        (
            json!({"idValidFrom": "2019-05-01", "idValidTo": "2027-05-01"}),
            400,
            "ID_VALIDITY_INVALID",
        ),
        (
            json!({"idValidFrom": "2019-05-01", "idValidTo": "2029-05-01", "idLongTerm": true}),
            400,
            "ID_VALIDITY_INVALID",
        ),
        (
            json!({"idValidFrom": "2019-05-01", "idValidTo": null}),
            400,
            "ID_VALIDITY_INVALID",
        ),
        (
            json!({"idValidFrom": "2030-01-01", "idValidTo": "2040-01-01"}),
            400,
            "ID_VALIDITY_INVALID",
        ),
        (
            json!({"idValidFrom": "2019-02-30", "idValidTo": "2029-05-01"}),
            400,
            "VALIDATION_FAILED",
        ),
        (json!({"idValidFrom": null}), 400, "VALIDATION_FAILED"),
        (json!({"idType": "PASSPORT"}), 400, "VALIDATION_FAILED"),
        (json!({"mobile": "12345"}), 400, "VALIDATION_FAILED"),
        (json!({"newPassword": null}), 400, "VALIDATION_FAILED"),
    ];
    for (patch, status, code_) in cases {
        let r = app.put_profile(&token, with(patch.clone())).await;
        assert_eq!(
            (r.status, r.code()),
            (status, code_),
            "{patch}: {:?}",
            r.body
        );
    }
    // None of those used the code up: long-term is fine.
    let r = app
        .put_profile(
            &token,
            with(json!({"idValidFrom": "2000-01-01", "idValidTo": null, "idLongTerm": true})),
        )
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["idLongTerm"], true);
    assert_eq!(r.body["idValidTo"], serde_json::Value::Null);
});

app_test!(weak_passwords_are_refused_with_the_reason, |app| {
    let token = app.token(DEMO_ID, DEMO_PASSWORD).await;
    let mobile = unique_mobile();
    let code = app.send_code(&token, &mobile).await;
    let cases = [
        ("125051", "INITIAL_PASSWORD"),
        ("short", "TOO_SHORT"),
        (&*"x".repeat(65), "TOO_LONG"),
        ("my-125051-pass", "CONTAINS_ID_NUMBER"),
        (&*format!("pw{mobile}"), "CONTAINS_MOBILE"),
        ("iloveyou", "COMMON_PASSWORD"),
        ("Password1", "COMMON_PASSWORD"),
    ];
    for (pw, reason) in cases {
        let r = app
            .put_profile(&token, TestApp::profile_body(&mobile, &code, pw))
            .await;
        assert_eq!((r.status, r.code()), (400, "PASSWORD_WEAK"), "{pw}");
        assert_eq!(r.body["error"]["reason"], reason, "{pw}");
    }
    let r = app
        .put_profile(&token, TestApp::profile_body(&mobile, &code, NEW_PASSWORD))
        .await;
    assert_eq!(r.status, 200, "the code survived the refusals");
});

app_test!(a_number_belongs_to_one_learner, |app| {
    let (_, mobile) = app.activate(DEMO_ID, NEW_PASSWORD).await;
    let other = unique_id_number();
    app.add_learner(&other, "张三").await;
    let token = app.token(&other, &other[12..]).await;
    app.advance(61);
    // Asking for a code to a number another learner holds answers as for a free number (status,
    // body, headers), and sends nothing to it: no one learns whose number it is.
    let free = unique_mobile();
    let comparable = |r: &TestResponse| {
        let mut headers: Vec<String> = r.headers.keys().map(|k| k.to_string()).collect();
        headers.sort();
        (r.status, r.body.clone(), headers)
    };
    // A code to the held number, then one to the free number.
    let ask_both = || async {
        let held = app.post("/sms/code", json!({ "mobile": mobile }), Some(&token));
        let held = held.await;
        let open = app.post("/sms/code", json!({ "mobile": free }), Some(&token));
        (held, open.await)
    };
    let before = app.sms_to(&mobile).await.len();
    let (held, open) = ask_both().await;
    assert_eq!(comparable(&held), comparable(&open));
    assert_eq!(held.status, 200);
    assert_eq!(
        app.sms_to(&mobile).await.len(),
        before,
        "nothing sent to the holder"
    );
    assert_eq!(app.sms_to(&free).await.len(), 1);
    // Its cooldown is this learner's own, the same for both numbers.
    app.advance(30);
    let (held, open) = ask_both().await;
    assert_eq!(comparable(&held), comparable(&open));
    assert_eq!(held.code(), "SMS_COOLDOWN");
    // Without the code nobody can go further: a guess is a wrong code, not "taken".
    let r = app
        .put_profile(
            &token,
            TestApp::profile_body(&mobile, "123456", "Other-learner-pass"),
        )
        .await;
    assert_eq!((r.status, r.code()), (400, "SMS_CODE_INVALID"));
    let r = app.get("/profile", Some(&token)).await;
    assert_eq!(r.body["passwordChangeRequired"], true);
    // The other learner's own number binds as usual.
    let code = app.last_code(&free).await;
    let r = app
        .put_profile(
            &token,
            TestApp::profile_body(&free, &code, "Other-learner-pass"),
        )
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
});

app_test!(two_learners_binding_one_number_at_once_one_wins, |app| {
    let mobile = unique_mobile();
    let mut tokens = Vec::new();
    for _ in 0..2 {
        let id = unique_id_number();
        app.add_learner(&id, "并发").await;
        let token = app.token(&id, &id[12..]).await;
        let code = app.send_code(&token, &mobile).await;
        tokens.push((token, code));
        app.advance(61);
    }
    let app = Arc::new(app);
    let puts = tokens.into_iter().map(|(token, code)| {
        let (app, mobile) = (app.clone(), mobile.clone());
        tokio::spawn(async move {
            app.put_profile(
                &token,
                TestApp::profile_body(&mobile, &code, "Race-for-the-number"),
            )
            .await
            .status
        })
    });
    let mut statuses: Vec<u16> = join_all(puts)
        .await
        .into_iter()
        .map(Result::unwrap)
        .collect();
    statuses.sort();
    assert_eq!(statuses, vec![200, 409]);
});

app_test!(changing_the_number_releases_the_old_one, |app| {
    let (token, first) = app.activate(DEMO_ID, NEW_PASSWORD).await;
    let second = unique_mobile();
    let code = app.change_mobile_code(&token, &second).await;
    let r = app
        .put_json(
            "/mobile",
            json!({"currentPassword": NEW_PASSWORD, "mobile": second, "smsCode": code}),
            &token,
        )
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(
        app.login(&first, NEW_PASSWORD).await.code(),
        "CREDENTIALS_INVALID"
    );
    assert_eq!(app.login(&second, NEW_PASSWORD).await.status, 200);
    let other = unique_id_number();
    app.add_learner(&other, "李四").await;
    let t2 = app.token(&other, &other[12..]).await;
    app.advance(61);
    let code = app.send_code(&t2, &first).await;
    let r = app
        .put_profile(
            &t2,
            TestApp::profile_body(&first, &code, "Fresh-number-owner"),
        )
        .await;
    assert_eq!(r.status, 200, "the released number is free: {:?}", r.body);
});

app_test!(a_password_change_ends_every_other_session, |app| {
    let other = app.token(DEMO_ID, DEMO_PASSWORD).await;
    let (token, _) = app.activate(DEMO_ID, NEW_PASSWORD).await;
    assert_eq!(
        app.get("/profile", Some(&token)).await.status,
        200,
        "this session lives on"
    );
    let r = app.get("/profile", Some(&other)).await;
    assert_eq!((r.status, r.code()), (401, "UNAUTHENTICATED"));
});
