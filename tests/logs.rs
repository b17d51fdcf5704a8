//! No full ID number, password, SMS code, captcha answer, token or full mobile number ever
//! reaches the logs: login, first login, reset, password and number changes.
//! (Its own test binary: it installs the global log subscriber.)

use integration_tests::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn secrets_never_reach_the_logs() {
    let capture = LogCapture::default();
    // The production format itself, at the most verbose level.
    std::env::set_var("RUST_LOG", "trace");
    http_edge::logging::init_with_writer(capture.clone());

    let app = TestApp::spawn(Backend::Memory).await.unwrap();
    let mut secrets: Vec<String> = vec![DEMO_ID.into(), "11010519491231002X".into()];
    app.add_learner("11010519491231002X", "王五").await;

    // Failures, a lock, successes, logout: every logging path of login.
    let (id, answer) = app.captcha().await;
    secrets.push(format!("\"captchaAnswer\":\"{answer}\""));
    app.post("/login", serde_json::json!({"account": DEMO_ID, "password": "Wr0ng-Passw0rd", "captchaId": id, "captchaAnswer": answer}), None).await;
    secrets.push("Wr0ng-Passw0rd".into());
    for _ in 0..5 {
        app.login("11010519491231002X", "An0ther-Secret").await;
    }
    secrets.push("An0ther-Secret".into());
    let token = app.token(DEMO_ID, DEMO_PASSWORD).await;
    secrets.push(token.clone());
    app.post("/logout", serde_json::json!({}), Some(&token))
        .await;
    app.login("330106199808151233", "151233").await;
    secrets.push("330106199808151233".into());

    // The first-login flow: the SMS code, the new password and the full mobile number.
    let token = app.token(DEMO_ID, DEMO_PASSWORD).await;
    let mobile = unique_mobile();
    let code = app.send_code(&token, &mobile).await;
    let r = app
        .put_profile(
            &token,
            TestApp::profile_body(&mobile, "000000", "N3w-Secret-Phrase"),
        )
        .await;
    assert_eq!(r.code(), "SMS_CODE_INVALID");
    let r = app
        .put_profile(
            &token,
            TestApp::profile_body(&mobile, &code, "N3w-Secret-Phrase"),
        )
        .await;
    assert_eq!(r.status, 200);
    app.login(&mobile, "N3w-Secret-Phrase").await;
    secrets.extend([
        format!("\"{code}\""),
        format!("为{code}"),
        "N3w-Secret-Phrase".into(),
        mobile.clone(),
        token,
    ]);

    // Forgotten password, password change, number change: codes, passwords and numbers.
    app.advance(61);
    assert_eq!(app.reset_code(DEMO_ID).await.status, 202);
    assert_eq!(app.reset_code("330106199808151233").await.status, 202);
    let reset_code = app.last_code(&mobile).await;
    assert_eq!(
        app.reset(DEMO_ID, "000000", "R3set-Secret-Phrase")
            .await
            .status,
        400
    );
    assert_eq!(
        app.reset(DEMO_ID, &reset_code, "R3set-Secret-Phrase")
            .await
            .status,
        204
    );
    let token = app.token(DEMO_ID, "R3set-Secret-Phrase").await;
    let r = app
        .put_json(
            "/password",
            serde_json::json!({"currentPassword": "R3set-Secret-Phrase", "newPassword": "Ch4nged-Secret-Phrase"}),
            &token,
        )
        .await;
    assert_eq!(r.status, 204);
    let new_mobile = unique_mobile();
    let change_code = app.change_mobile_code(&token, &new_mobile).await;
    let r = app
        .put_json(
            "/mobile",
            serde_json::json!({"currentPassword": "Ch4nged-Secret-Phrase", "mobile": new_mobile, "smsCode": change_code}),
            &token,
        )
        .await;
    assert_eq!(r.status, 200);
    secrets.extend([
        format!("\"{reset_code}\""),
        format!("为{reset_code}"),
        format!("\"{change_code}\""),
        format!("为{change_code}"),
        "R3set-Secret-Phrase".into(),
        "Ch4nged-Secret-Phrase".into(),
        new_mobile,
        token,
    ]);

    let logs = capture.text();
    assert!(logs.lines().count() > 10, "logging works at all:\n{logs}");
    assert!(
        logs.contains("4408**************"),
        "masked forms are logged"
    );
    // Nothing of the ID number's last six (the initial password): no masked form ends in them.
    assert!(
        !logs.contains("*5051"),
        "a mask shows the ID's end:\n{logs}"
    );
    for secret in &secrets {
        assert!(
            !logs.contains(secret.as_str()),
            "{secret} leaked into the logs:\n{logs}"
        );
    }
    // The initial password is the ID's last six: never logged as a field either.
    assert!(!logs.contains("\"password\""));
}
