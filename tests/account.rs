//! Account recovery and settings: forgotten password (reset code, reset), password change,
//! mobile change, the profile once complete, notices, per-address limits — end to end on the
//! in-memory store and on moto, concurrency included.

use futures::future::join_all;
use integration_tests::*;
use serde_json::json;
use std::sync::Arc;

const PASSWORD: &str = "Gd7-river-lantern";
const NEWER: &str = "Quiet-harbour-71";

fn notices(texts: &[String], word: &str) -> usize {
    texts.iter().filter(|t| t.contains(word)).count()
}

app_test!(a_forgotten_password_is_reset_by_sms, |app| {
    let (token, mobile) = app.activate(DEMO_ID, PASSWORD).await;
    let other = app.token(DEMO_ID, PASSWORD).await;
    app.advance(61); // the number's cooldown after the first-login code
    let r = app.reset_code(DEMO_ID).await;
    assert_eq!(r.status, 202, "{:?}", r.body);
    assert_eq!(r.body, json!({"expiresIn": 300, "resendAfter": 60}));
    let code = app.last_code(&mobile).await;
    // Nothing changes until the code is presented.
    assert_eq!(app.get("/me", Some(&token)).await.status, 200);
    let r = app.reset(DEMO_ID, &code, NEWER).await;
    assert_eq!(r.status, 204, "{:?}", r.body);
    for t in [&token, &other] {
        let r = app.get("/me", Some(t)).await;
        assert_eq!(
            (r.status, r.code()),
            (401, "UNAUTHENTICATED"),
            "every session ends"
        );
    }
    assert_eq!(
        app.login(DEMO_ID, PASSWORD).await.code(),
        "CREDENTIALS_INVALID"
    );
    assert_eq!(app.login(DEMO_ID, NEWER).await.status, 200);
    assert_eq!(app.login(&mobile, NEWER).await.status, 200);
    // Single use.
    let r = app.reset(DEMO_ID, &code, "Yet-another-0ne").await;
    assert_eq!((r.status, r.code()), (400, "SMS_CODE_INVALID"));
    // A notice, with no code in it.
    let texts = app.sms_to(&mobile).await;
    assert_eq!(notices(&texts, "密码已修改"), 1, "{texts:?}");
    assert!(!texts.last().unwrap().chars().any(|c| c.is_ascii_digit()));
    // By the bound number as the account, with the ID number beside it (a SIM alone is not
    // enough: without the ID number the request is refused before anything is looked up).
    app.advance(61);
    let r = app.reset_code(&mobile).await;
    assert_eq!((r.status, r.code()), (400, "VALIDATION_FAILED"));
    assert_eq!(r.body["error"]["field"], "idNumber");
    let r = app.reset(&mobile, "123456", PASSWORD).await;
    assert_eq!(r.body["error"]["field"], "idNumber");
    let ip = "198.51.100.7";
    assert_eq!(
        app.reset_code_as(&mobile, Some(DEMO_ID), ip).await.status,
        202
    );
    let code = app.last_code(&mobile).await;
    let r = app.reset_as(&mobile, Some(DEMO_ID), &code, PASSWORD).await;
    assert_eq!(r.status, 204, "{:?}", r.body);
    assert_eq!(app.login(DEMO_ID, PASSWORD).await.status, 200);
    // The account events.
    let key = domain::account::learner::id_key(
        app.app(),
        &domain::values::id_number::IdNumber::parse(DEMO_ID, app.app().today()).unwrap(),
    );
    let events = domain::account::audit::account_events(app.app(), &key)
        .await
        .unwrap();
    assert_eq!(events.len(), 2);
    assert!(events
        .iter()
        .all(|e| e.event == domain::account::audit::AccountEvent::PasswordReset));
});

app_test!(the_reset_code_route_tells_nothing_about_accounts, |app| {
    let (_, mobile) = app.activate(DEMO_ID, PASSWORD).await;
    app.advance(61);
    let without_mobile = unique_id_number();
    app.add_learner(&without_mobile, "王五").await;
    let unknown = unique_id_number();
    let mut bad_checksum = unique_id_number();
    let last = if bad_checksum.ends_with('0') {
        '1'
    } else {
        '0'
    };
    bad_checksum.replace_range(17.., &last.to_string());
    // (account, ID number beside it): the real one by ID and by its number, a learner with no
    // number, unknown ID numbers, a bad check character, an unknown number with the real ID
    // number, the real number with an unknown ID number.
    let accounts: [(String, Option<String>); 7] = [
        (DEMO_ID.to_string(), None),
        (mobile.clone(), Some(DEMO_ID.to_string())),
        (without_mobile, None),
        (unknown.clone(), None),
        (bad_checksum, None),
        (unique_mobile(), Some(DEMO_ID.to_string())),
        (mobile.clone(), Some(unknown)),
    ];
    let comparable = |r: &TestResponse| {
        let mut headers: Vec<(String, String)> = r
            .headers
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_str().unwrap().to_string()))
            .collect();
        headers.sort();
        (r.status, r.body.clone(), headers)
    };
    let mut first = Vec::new();
    let mut again = Vec::new();
    let mut took = Vec::new();
    for (i, (account, id_number)) in accounts.iter().enumerate() {
        let ip = format!("192.0.2.{}", 10 + i);
        let id_number = id_number.as_deref();
        let (captcha, answer) = app.captcha().await;
        let mut body = json!({"account": account, "captchaId": captcha, "captchaAnswer": answer});
        if let Some(n) = id_number {
            body["idNumber"] = json!(n);
        }
        let started = std::time::Instant::now();
        let r = app
            .send(app.req("POST", "/password/reset/code").json(&body).ip(&ip))
            .await;
        took.push(started.elapsed().as_millis());
        first.push(comparable(&r));
        app.advance(1);
        again.push(comparable(
            &app.reset_code_as(account, id_number, &ip).await,
        ));
        app.advance(61); // the real account's own cooldown, before its next spelling
    }
    // Timing: every answer waits for the configured floor (the SMS send happens inside it), and
    // known and unknown accounts take the same time within a small margin.
    println!("reset-code answer times (ms): {took:?}");
    let floor = app.app().throttles.reset_code_min_ms as u128;
    assert!(took.iter().all(|t| *t >= floor), "{took:?}");
    let gap = took.iter().max().unwrap() - took.iter().min().unwrap();
    assert!(
        gap < 150,
        "known and unknown accounts answer {gap} ms apart: {took:?}"
    );
    assert_eq!(first[0].0, 202);
    assert!(first.iter().all(|a| *a == first[0]), "{first:#?}");
    assert_eq!(again[0].0, 429);
    assert!(again.iter().all(|a| *a == again[0]), "{again:#?}");
    // Only the real account's number got codes: by ID and by number with the right ID number.
    let texts = app.sms_to(&mobile).await;
    assert_eq!(
        texts.len(),
        3,
        "the bind code and two reset codes: {texts:?}"
    );
});

app_test!(
    reset_codes_need_a_captcha_and_are_limited_per_address,
    |app| {
        let r = app
        .post(
            "/password/reset/code",
            json!({"account": DEMO_ID, "captchaId": "0123456789abcdef0123456789abcdef", "captchaAnswer": "7"}),
            None,
        )
        .await;
        assert_eq!((r.status, r.code()), (400, "CAPTCHA_INVALID"));
        // Ten a minute from one address, that one included (different accounts: no identifier
        // cooldown).
        let mut statuses = Vec::new();
        for _ in 0..9 {
            statuses.push(app.reset_code(&unique_id_number()).await.status);
        }
        assert!(statuses.iter().all(|s| *s == 202), "{statuses:?}");
        let r = app.reset_code(&unique_id_number()).await;
        assert_eq!((r.status, r.code()), (429, "RATE_LIMITED"));
        assert!(r.headers.contains_key("retry-after"));
        assert_eq!(
            app.reset_code_from(&unique_id_number(), "192.0.2.99")
                .await
                .status,
            202,
            "another address"
        );
    }
);

app_test!(
    reset_codes_fail_when_unknown_wrong_spent_or_expired,
    |app| {
        let (_, mobile) = app.activate(DEMO_ID, PASSWORD).await;
        app.advance(61);
        // Unknown account, no code sent: SMS_CODE_INVALID like any wrong code.
        let r = app.reset(&unique_id_number(), "123456", NEWER).await;
        assert_eq!((r.status, r.code()), (400, "SMS_CODE_INVALID"));
        app.reset_code(DEMO_ID).await;
        let code = app.last_code(&mobile).await;
        // A weak password: the reason, and the code stays good.
        let r = app.reset(DEMO_ID, &code, "password").await;
        assert_eq!((r.status, r.code()), (400, "PASSWORD_WEAK"));
        assert!(r.body["error"]["reason"].is_string());
        // The first-login code purpose is no good here.
        let wrong = if code == "000000" { "000001" } else { "000000" };
        for _ in 0..5 {
            let r = app.reset(DEMO_ID, wrong, NEWER).await;
            assert_eq!(r.code(), "SMS_CODE_INVALID");
        }
        let r = app.reset(DEMO_ID, &code, NEWER).await;
        assert_eq!(
            (r.status, r.code()),
            (400, "SMS_CODE_INVALID"),
            "five wrong tries void it"
        );
        // Expired after five minutes: a second code arrives, and five minutes later it is no good.
        app.advance(61);
        let sent = app.sms_to(&mobile).await.len();
        assert_eq!(app.reset_code(DEMO_ID).await.status, 202);
        assert_eq!(
            app.sms_to(&mobile).await.len(),
            sent + 1,
            "the second code arrived"
        );
        let code = app.last_code(&mobile).await;
        app.advance(301);
        assert_eq!(
            app.reset(DEMO_ID, &code, NEWER).await.code(),
            "SMS_CODE_INVALID"
        );
    }
);

app_test!(a_reset_clears_the_lockout, |app| {
    let (_, mobile) = app.activate(DEMO_ID, PASSWORD).await;
    for _ in 0..5 {
        app.login(DEMO_ID, "not-the-password").await;
    }
    assert_eq!(app.login(DEMO_ID, PASSWORD).await.code(), "ACCOUNT_LOCKED");
    // One lockout per learner: by the number, the account is just as locked.
    let r = app.login(&mobile, "nope-nope-nope").await;
    assert_eq!((r.status, r.code()), (429, "ACCOUNT_LOCKED"));
    app.advance(61);
    app.reset_code(DEMO_ID).await;
    let code = app.last_code(&mobile).await;
    assert_eq!(app.reset(DEMO_ID, &code, NEWER).await.status, 204);
    assert_eq!(app.login(DEMO_ID, NEWER).await.status, 200);
});

app_test!(two_resets_with_one_code_exactly_one_succeeds, |app| {
    let (_, mobile) = app.activate(DEMO_ID, PASSWORD).await;
    app.advance(61);
    app.reset_code(DEMO_ID).await;
    let code = app.last_code(&mobile).await;
    let app = Arc::new(app);
    let tries = (0..4).map(|i| {
        let app = app.clone();
        let code = code.clone();
        tokio::spawn(async move {
            let r = app
                .reset(DEMO_ID, &code, &format!("Racing-password-{i}"))
                .await;
            (r.status, r.code().to_string(), i)
        })
    });
    let results: Vec<_> = join_all(tries)
        .await
        .into_iter()
        .map(|r| r.unwrap())
        .collect();
    let won: Vec<_> = results.iter().filter(|r| r.0 == 204).collect();
    assert_eq!(won.len(), 1, "{results:?}");
    assert!(results
        .iter()
        .filter(|r| r.0 != 204)
        .all(|r| (r.0, r.1.as_str()) == (400, "SMS_CODE_INVALID")));
    let winner = format!("Racing-password-{}", won[0].2);
    assert_eq!(app.login(DEMO_ID, &winner).await.status, 200);
});

app_test!(a_password_change_needs_the_current_one, |app| {
    let (token, mobile) = app.activate(DEMO_ID, PASSWORD).await;
    let other = app.token(DEMO_ID, PASSWORD).await;
    let r = app
        .put_json(
            "/password",
            json!({"currentPassword": PASSWORD, "newPassword": NEWER}),
            &token,
        )
        .await;
    assert_eq!(r.status, 204, "{:?}", r.body);
    assert_eq!(
        app.get("/me", Some(&token)).await.status,
        200,
        "this session goes on"
    );
    assert_eq!(
        app.get("/me", Some(&other)).await.status,
        401,
        "the others end"
    );
    assert_eq!(app.login(DEMO_ID, PASSWORD).await.status, 401);
    assert_eq!(app.login(DEMO_ID, NEWER).await.status, 200);
    assert_eq!(notices(&app.sms_to(&mobile).await, "密码已修改"), 1);
    // Weak passwords as anywhere else.
    let r = app
        .put_json(
            "/password",
            json!({"currentPassword": NEWER, "newPassword": "12345678"}),
            &token,
        )
        .await;
    assert_eq!((r.status, r.code()), (400, "PASSWORD_WEAK"));
    // A wrong current password counts toward the lockout.
    for _ in 0..5 {
        let r = app
            .put_json(
                "/password",
                json!({"currentPassword": "wrong-wrong", "newPassword": PASSWORD}),
                &token,
            )
            .await;
        assert_eq!((r.status, r.code()), (401, "CREDENTIALS_INVALID"));
    }
    let r = app
        .put_json(
            "/password",
            json!({"currentPassword": NEWER, "newPassword": PASSWORD}),
            &token,
        )
        .await;
    assert_eq!((r.status, r.code()), (429, "ACCOUNT_LOCKED"));
    assert!(r.headers.contains_key("retry-after"));
    assert_eq!(app.login(DEMO_ID, NEWER).await.code(), "ACCOUNT_LOCKED");
});

app_test!(
    a_password_change_racing_a_login_with_the_old_password,
    |app| {
        let (token, _) = app.activate(DEMO_ID, PASSWORD).await;
        let app = Arc::new(app);
        for round in 0..3 {
            let (old, new) = if round % 2 == 0 {
                (PASSWORD, NEWER)
            } else {
                (NEWER, PASSWORD)
            };
            let (captcha, answer) = app.captcha().await;
            let login = {
                let app = app.clone();
                tokio::spawn(async move {
                    app.post(
                    "/login",
                    json!({"account": DEMO_ID, "password": old, "captchaId": captcha, "captchaAnswer": answer}),
                    None,
                )
                .await
                })
            };
            let change = {
                let app = app.clone();
                let token = token.clone();
                tokio::spawn(async move {
                    app.put_json(
                        "/password",
                        json!({"currentPassword": old, "newPassword": new}),
                        &token,
                    )
                    .await
                })
            };
            let (login, change) = (login.await.unwrap(), change.await.unwrap());
            assert_eq!(change.status, 204, "{:?}", change.body);
            // Whatever the order, the old password opens no session that outlives the change.
            if login.status == 200 {
                let t = login.body["token"].as_str().unwrap();
                assert_eq!(app.get("/profile", Some(t)).await.status, 401);
            } else {
                assert_eq!(login.code(), "CREDENTIALS_INVALID");
            }
            assert_eq!(app.get("/me", Some(&token)).await.status, 200);
        }
    }
);

app_test!(the_mobile_changes_with_password_and_code, |app| {
    let (token, old) = app.activate(DEMO_ID, PASSWORD).await;
    let elsewhere = app.token(DEMO_ID, PASSWORD).await;
    let new = unique_mobile();
    let code = app.change_mobile_code(&token, &new).await;
    let body =
        |pw: &str, code: &str| json!({"currentPassword": pw, "mobile": new, "smsCode": code});
    let r = app
        .put_json("/mobile", body("wrong-password", &code), &token)
        .await;
    assert_eq!((r.status, r.code()), (401, "CREDENTIALS_INVALID"));
    let r = app.put_json("/mobile", body(PASSWORD, &code), &token).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    let masked = format!("{}****{}", &new[..3], &new[7..]);
    assert_eq!(r.body, json!({"mobileMasked": masked}));
    // The number is a credential: every other session ends, this one goes on.
    let r = app.get("/me", Some(&elsewhere)).await;
    assert_eq!((r.status, r.code()), (401, "UNAUTHENTICATED"));
    assert_eq!(app.get("/me", Some(&token)).await.status, 200);
    assert_eq!(app.login(&new, PASSWORD).await.status, 200);
    assert_eq!(
        app.login(&old, PASSWORD).await.code(),
        "CREDENTIALS_INVALID"
    );
    assert_eq!(notices(&app.sms_to(&old).await, "更换绑定手机号"), 1);
    assert_eq!(
        app.get("/profile", Some(&token)).await.body["mobileMasked"],
        masked
    );
    // Reset codes now go to the new number, and no longer to the old one.
    let (to_new, to_old) = (app.sms_to(&new).await.len(), app.sms_to(&old).await.len());
    app.advance(61);
    assert_eq!(app.reset_code(DEMO_ID).await.status, 202);
    let texts = app.sms_to(&new).await;
    assert_eq!(texts.len(), to_new + 1, "one reset code to the new number");
    assert!(texts.last().unwrap().contains("验证码为"));
    assert_eq!(
        app.sms_to(&old).await.len(),
        to_old,
        "nothing to the old one"
    );
    let code = app.last_code(&new).await;
    assert_eq!(app.reset(DEMO_ID, &code, NEWER).await.status, 204);
});

app_test!(change_mobile_codes_are_for_active_learners_only, |app| {
    let token = app.token(DEMO_ID, DEMO_PASSWORD).await;
    let r = app
        .post(
            "/sms/code",
            json!({"mobile": unique_mobile(), "purpose": "CHANGE_MOBILE"}),
            Some(&token),
        )
        .await;
    assert_eq!((r.status, r.code()), (403, "PROFILE_INCOMPLETE"));
    let r = app
        .post(
            "/sms/code",
            json!({"mobile": unique_mobile(), "purpose": "RESET_PASSWORD"}),
            Some(&token),
        )
        .await;
    assert_eq!((r.status, r.code()), (400, "VALIDATION_FAILED"));
    let r = app
        .put_json("/mobile", json!({"currentPassword": DEMO_PASSWORD, "mobile": unique_mobile(), "smsCode": "123456"}), &token)
        .await;
    assert_eq!((r.status, r.code()), (403, "PROFILE_INCOMPLETE"));
});

app_test!(two_learners_taking_one_number_at_once_one_wins, |app| {
    let (t1, _) = app.activate(DEMO_ID, PASSWORD).await;
    let second = unique_id_number();
    app.add_learner(&second, "赵六").await;
    let (t2, _) = app.activate(&second, PASSWORD).await;
    let wanted = unique_mobile();
    let c1 = app.change_mobile_code(&t1, &wanted).await;
    app.advance(61);
    let c2 = app.change_mobile_code(&t2, &wanted).await;
    let app = Arc::new(app);
    let tries = [(t1, c1), (t2, c2)].into_iter().map(|(t, c)| {
        let app = app.clone();
        let wanted = wanted.clone();
        tokio::spawn(async move {
            let r = app
                .put_json(
                    "/mobile",
                    json!({"currentPassword": PASSWORD, "mobile": wanted, "smsCode": c}),
                    &t,
                )
                .await;
            (r.status, r.code().to_string())
        })
    });
    let mut results: Vec<_> = join_all(tries)
        .await
        .into_iter()
        .map(|r| r.unwrap())
        .collect();
    results.sort();
    assert_eq!(
        results,
        vec![(200, String::new()), (409, "MOBILE_TAKEN".to_string())]
    );
    assert_eq!(app.login(&wanted, PASSWORD).await.status, 200);
});

app_test!(a_complete_profile_changes_only_the_validity, |app| {
    let (token, mobile) = app.activate(DEMO_ID, PASSWORD).await;
    let mut body = TestApp::profile_body(&mobile, "", "");
    body["smsCode"] = serde_json::Value::Null;
    body["newPassword"] = json!(NEWER);
    body["mobile"] = serde_json::Value::Null;
    let r = app.put_profile(&token, body.clone()).await;
    assert_eq!((r.status, r.code()), (400, "VALIDATION_FAILED"));
    assert_eq!(r.body["error"]["field"], "newPassword");
    body["newPassword"] = serde_json::Value::Null;
    body["mobile"] = json!(unique_mobile());
    let r = app.put_profile(&token, body.clone()).await;
    assert_eq!(r.body["error"]["field"], "mobile");
    // A stolen token alone cannot take the account.
    let r = app.put_profile(&token, json!({"newPassword": NEWER})).await;
    assert_eq!(r.status, 400);
    assert_eq!(app.login(DEMO_ID, PASSWORD).await.status, 200);
    body["mobile"] = serde_json::Value::Null;
    body["idValidFrom"] = json!("2016-05-01");
    body["idValidTo"] = json!("2036-05-01");
    let r = app.put_profile(&token, body).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["idValidTo"], "2036-05-01");
    assert_eq!(app.get("/me", Some(&token)).await.status, 200);
});

app_test!(captchas_are_limited_per_address, |app| {
    let mut statuses = Vec::new();
    for _ in 0..app.app().throttles.captcha[0].max {
        statuses.push(app.get("/captcha", None).await.status);
    }
    assert!(statuses.iter().all(|s| *s == 200));
    let r = app.get("/captcha", None).await;
    assert_eq!((r.status, r.code()), (429, "RATE_LIMITED"));
    let retry: u64 = r.headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&retry), "{retry}");
    assert_eq!(r.body["error"]["retryAfter"], retry);
    assert_eq!(
        app.send(app.req("GET", "/captcha").ip("192.0.2.50"))
            .await
            .status,
        200
    );
    app.advance(61);
    assert_eq!(app.get("/captcha", None).await.status, 200);
});

app_test!(
    a_school_opens_three_hundred_accounts_from_one_address,
    |app| {
        // A school's computer rooms behind one address: 300 learners each fetch a captcha, log in
        // with the initial password, get their binding code and complete the profile, in classes of
        // 50 at once, all within the hour. Not one request may be refused.
        let mut ids = Vec::new();
        for i in 0..300 {
            let id = unique_id_number();
            app.add_learner(&id, &format!("学生{i}")).await;
            ids.push(id);
        }
        let app = Arc::new(app);
        let mut statuses = std::collections::BTreeMap::<u16, usize>::new();
        for class in ids.chunks(50) {
            let opened = class.iter().cloned().map(|id| {
                let app = app.clone();
                tokio::spawn(async move {
                    let login = app.login(&id, &id[12..]).await;
                    let Some(token) = login.body["token"].as_str() else {
                        return vec![login.status];
                    };
                    let mobile = unique_mobile();
                    let sent = app
                        .post("/sms/code", json!({ "mobile": mobile }), Some(token))
                        .await;
                    if sent.status != 200 {
                        return vec![login.status, sent.status];
                    }
                    let code = app.last_code(&mobile).await;
                    let body = TestApp::profile_body(&mobile, &code, PASSWORD);
                    let saved = app.put_profile(token, body).await;
                    vec![login.status, sent.status, saved.status]
                })
            });
            for r in join_all(opened).await {
                for status in r.unwrap() {
                    *statuses.entry(status).or_default() += 1;
                }
            }
            app.advance(60); // the next class, a minute later
        }
        assert_eq!(statuses, [(200, 900)].into(), "every request answered 200");
    }
);

app_test!(failed_resets_are_bounded_per_account_across_codes, |app| {
    let (_, mobile) = app.activate(DEMO_ID, PASSWORD).await;
    app.advance(61);
    assert_eq!(app.reset_code(DEMO_ID).await.status, 202);
    let code = app.last_code(&mobile).await;
    let wrong = if code == "000000" { "111111" } else { "000000" };
    // Ten failures a day, across codes: a new code does not start a new count.
    for i in 0..10 {
        if i == 4 {
            app.advance(61);
            assert_eq!(app.reset_code(DEMO_ID).await.status, 202);
        }
        let r = app.reset(DEMO_ID, wrong, NEWER).await;
        assert_eq!(
            (r.status, r.code()),
            (400, "SMS_CODE_INVALID"),
            "failure {i}"
        );
    }
    // A fresh code, right this time: the eleventh attempt is refused all the same, and the
    // number was told.
    app.advance(61);
    assert_eq!(app.reset_code(DEMO_ID).await.status, 202);
    let code = app.last_code(&mobile).await;
    let r = app.reset(DEMO_ID, &code, NEWER).await;
    assert_eq!((r.status, r.code()), (429, "RATE_LIMITED"), "{:?}", r.body);
    let retry: u64 = r.headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!(retry > 23 * 3600 && retry <= 86_400, "{retry}");
    assert_eq!(notices(&app.sms_to(&mobile).await, "暂停找回"), 1);
    // By the number with the ID number: the same account, the same count.
    let r = app.reset_as(&mobile, Some(DEMO_ID), &code, NEWER).await;
    assert_eq!(r.code(), "RATE_LIMITED");
    // Unknown accounts are counted and refused the same way.
    let unknown = unique_id_number();
    for _ in 0..10 {
        assert_eq!(
            app.reset(&unknown, "123456", NEWER).await.code(),
            "SMS_CODE_INVALID"
        );
    }
    assert_eq!(
        app.reset(&unknown, "123456", NEWER).await.code(),
        "RATE_LIMITED"
    );
    // A day later the account can reset again; nothing changed meanwhile.
    assert_eq!(app.login(DEMO_ID, PASSWORD).await.status, 200);
    app.advance(86_400);
    assert_eq!(app.reset_code(DEMO_ID).await.status, 202);
    let code = app.last_code(&mobile).await;
    assert_eq!(app.reset(DEMO_ID, &code, NEWER).await.status, 204);
});

app_test!(resets_are_limited_per_address, |app| {
    let limit = app.app().throttles.reset[0].max;
    for _ in 0..limit {
        let r = app.reset(&unique_id_number(), "123456", NEWER).await;
        assert_eq!(r.code(), "SMS_CODE_INVALID");
    }
    let r = app.reset(&unique_id_number(), "123456", NEWER).await;
    assert_eq!((r.status, r.code()), (429, "RATE_LIMITED"));
    let other = app.send(
        app.req("POST", "/password/reset")
            .json(
                &json!({"account": unique_id_number(), "smsCode": "123456", "newPassword": NEWER}),
            )
            .ip("192.0.2.77"),
    );
    assert_eq!(other.await.code(), "SMS_CODE_INVALID");
});

app_test!(one_lockout_per_learner_whichever_way_it_is_typed, |app| {
    let (_, mobile) = app.activate(DEMO_ID, PASSWORD).await;
    for _ in 0..5 {
        assert_eq!(app.login(DEMO_ID, "not-the-password").await.status, 401);
    }
    // Five wrong by ID number, then one by the number: locked, even with the right password.
    let r = app.login(&mobile, PASSWORD).await;
    assert_eq!((r.status, r.code()), (429, "ACCOUNT_LOCKED"));
    // The second lock lasts an hour: after the first (15 minutes), five more wrong by number.
    app.advance(15 * 60);
    for _ in 0..5 {
        assert_eq!(app.login(&mobile, "still-not-it").await.status, 401);
    }
    let r = app.login(DEMO_ID, PASSWORD).await;
    assert_eq!(r.code(), "ACCOUNT_LOCKED");
    let retry: u64 = r.headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!(
        retry > 15 * 60 && retry <= 3600,
        "the second lock is longer: {retry}"
    );
    // Unknown accounts lock the same way.
    let unknown = unique_id_number();
    for _ in 0..5 {
        assert_eq!(app.login(&unknown, "whatever-1").await.status, 401);
    }
    assert_eq!(
        app.login(&unknown, "whatever-1").await.code(),
        "ACCOUNT_LOCKED"
    );
    // A success clears it all.
    app.advance(3600);
    assert_eq!(app.login(&mobile, PASSWORD).await.status, 200);
    assert_eq!(app.login(DEMO_ID, "wrong-again-1").await.status, 401);
});

app_test!(
    a_school_given_number_is_the_only_one_the_first_login_binds,
    |app| {
        let id = unique_id_number();
        let given = unique_mobile();
        let result = app
            .import(json!({
                "institution": {"code": "DEMO-SCHOOL", "name": "示例职业技术学院"},
                "learners": [
                    {"idNumber": id, "name": "赵六", "mobile": given},
                    {"idNumber": unique_id_number(), "name": "钱七", "mobile": "12345"}
                ]
            }))
            .await;
        assert_eq!(result["learnersCreated"], 1, "{result}");
        assert_eq!(result["errors"][0]["code"], "MOBILE_INVALID", "{result}");
        let token = app.token(&id, &id[12..]).await;
        let r = app
            .post(
                "/sms/code",
                json!({ "mobile": unique_mobile() }),
                Some(&token),
            )
            .await;
        assert_eq!((r.status, r.code()), (400, "VALIDATION_FAILED"));
        assert_eq!(r.body["error"]["field"], "mobile");
        let code = app.send_code(&token, &given).await;
        let r = app
            .put_profile(
                &token,
                TestApp::profile_body(&unique_mobile(), &code, PASSWORD),
            )
            .await;
        assert_eq!(r.body["error"]["field"], "mobile");
        let r = app
            .put_profile(&token, TestApp::profile_body(&given, &code, PASSWORD))
            .await;
        assert_eq!(r.status, 200, "{:?}", r.body);
    }
);

app_test!(
    the_initial_password_expires_and_a_new_import_renews_it,
    |app| {
        let id = unique_id_number();
        let event = json!({
            "institution": {"code": "DEMO-SCHOOL", "name": "示例职业技术学院"},
            "learners": [{"idNumber": id, "name": "孙八"}]
        });
        app.import(event.clone()).await;
        let days = app.app().accounts.initial_password_days;
        app.advance(days * 86_400);
        assert_eq!(
            app.login(&id, &id[12..]).await.status,
            200,
            "still within the days"
        );
        app.advance(2);
        let r = app.login(&id, &id[12..]).await;
        assert_eq!((r.status, r.code()), (403, "ACTIVATION_EXPIRED"));
        // A wrong password says only that: the expiry is told to whoever knows the initial one.
        assert_eq!(
            app.login(&id, "not-the-initial").await.code(),
            "CREDENTIALS_INVALID"
        );
        let result = app.import(event).await;
        assert_eq!(result["learnersExisting"], 1, "{result}");
        assert_eq!(
            app.login(&id, &id[12..]).await.status,
            200,
            "renewed by the import"
        );
    }
);

app_test!(concurrent_failed_resets_are_each_counted_once, |app| {
    // Fifteen wrong codes at once for one account: every failure is counted exactly once (the
    // count is a conditional write), so exactly ten are answered as wrong codes and the other
    // five find the day's failures used up.
    let (_, mobile) = app.activate(DEMO_ID, PASSWORD).await;
    app.advance(61);
    assert_eq!(app.reset_code(DEMO_ID).await.status, 202);
    let code = app.last_code(&mobile).await;
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let app = Arc::new(app);
    let tries = (0..15).map(|_| {
        let app = app.clone();
        tokio::spawn(async move { app.reset(DEMO_ID, wrong, NEWER).await.code().to_string() })
    });
    let mut codes: Vec<String> = join_all(tries)
        .await
        .into_iter()
        .map(|r| r.unwrap())
        .collect();
    codes.sort();
    let invalid = codes.iter().filter(|c| *c == "SMS_CODE_INVALID").count();
    let limited = codes.iter().filter(|c| *c == "RATE_LIMITED").count();
    assert_eq!((invalid, limited), (10, 5), "{codes:?}");
    assert_eq!(
        notices(&app.sms_to(&mobile).await, "暂停找回"),
        1,
        "one notice"
    );
    let r = app.reset(DEMO_ID, &code, NEWER).await;
    assert_eq!(r.code(), "RATE_LIMITED");
});
