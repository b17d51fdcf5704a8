//! The personal centre, achievement queries and the bulk import.

use futures::future::join_all;
use integration_tests::*;
use serde_json::{json, Value};
use std::sync::Arc;

const PW: &str = "Gd7-river-lantern";
const WANG: &str = "330106199808151233";
const CHEN: &str = "440106199903072168";

/// Demo data imported, and `id` logged in with a completed profile.
async fn active(app: &TestApp, id: &str) -> String {
    app.import_demo().await;
    app.activate(id, PW).await.0
}

async fn list(app: &TestApp, token: &str, query: &str) -> TestResponse {
    app.send(app.req("GET", "/achievements").query(query).bearer(token))
        .await
}

fn ids(r: &TestResponse) -> Vec<String> {
    r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["name"].as_str().unwrap().to_string())
        .collect()
}

app_test!(routes_need_a_completed_profile, |app| {
    app.import_demo().await;
    for path in ["/me", "/achievements"] {
        let r = app.get(path, None).await;
        assert_eq!((r.status, r.code()), (401, "UNAUTHENTICATED"), "{path}");
    }
    let token = app.token(DEMO_ID, DEMO_PASSWORD).await;
    for path in ["/me", "/achievements"] {
        let r = app.get(path, Some(&token)).await;
        assert_eq!((r.status, r.code()), (403, "PROFILE_INCOMPLETE"), "{path}");
    }
    // The ones that stay open while incomplete.
    assert_eq!(app.get("/profile", Some(&token)).await.status, 200);
    assert_eq!(app.get("/achievement-types", None).await.status, 200);
});

app_test!(the_personal_centre_shows_the_learning_card, |app| {
    app.import_demo().await;
    app.advance(1);
    app.login(DEMO_ID, "wrong-one").await;
    app.advance(1);
    let token = app.activate(DEMO_ID, PW).await.0;
    let r = app.get("/me", Some(&token)).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["name"], "李嘉民");
    assert_eq!(r.body["idNumberMasked"], "4408**********5051");
    let card = r.body["cardId"].as_str().unwrap();
    assert!(
        card.len() == 12 && card.bytes().all(|b| b.is_ascii_hexdigit()),
        "{card}"
    );
    assert_eq!(r.body["totalCredits"], 7);
    assert_eq!(r.body["totalPoints"], 1280);
    assert_eq!(
        r.body["achievementCounts"],
        json!({"personal": 1, "converted": 1})
    );
    let logins = r.body["recentLogins"].as_array().unwrap();
    assert_eq!(logins.len(), 2);
    assert_eq!(logins[0]["result"], "SUCCESS");
    assert_eq!(logins[1]["result"], "FAILURE");
    assert_eq!(logins[0]["ip"], "198.51.100.7");
    for _ in 0..6 {
        app.advance(1);
        app.login(DEMO_ID, PW).await;
    }
    let r = app.get("/me", Some(&token)).await;
    assert_eq!(
        r.body["recentLogins"].as_array().unwrap().len(),
        5,
        "the last five"
    );
});

app_test!(the_guide_row_appears_as_on_the_screen, |app| {
    let token = active(&app, DEMO_ID).await;
    let r = list(&app, &token, "type=NON_ACADEMIC&subtype=X_CERTIFICATE").await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    let item = &r.body["items"][0];
    assert_eq!(item["seq"], 1);
    assert_eq!(item["name"], "电梯维修保养职业技能等级证书(中级)");
    assert_eq!(item["type"], "NON_ACADEMIC");
    assert_eq!(item["typeLabel"], "非学历成果");
    assert_eq!(item["subtype"], "X_CERTIFICATE");
    assert_eq!(item["subtypeLabel"], "职业技能等级证书(X证书)");
    assert_eq!(item["issuer"], "杭州西奥电梯有限公司");
    assert_eq!(item["credits"], 7);
    assert_eq!(item["points"], 640);
    assert_eq!(item["source"], "personal");
    assert_eq!(item["obtainedAt"], "2023-06-30");
    assert_eq!(
        (r.body["total"].as_u64(), r.body["totalPages"].as_u64()),
        (Some(1), Some(1))
    );
    assert_eq!(
        r.body["counts"],
        json!({"personal": 1, "converted": 1}),
        "counts ignore filters"
    );
    let en = app
        .send(
            app.req("GET", "/achievements")
                .header("accept-language", "en")
                .bearer(&token),
        )
        .await;
    assert_eq!(
        en.body["items"][1]["typeLabel"],
        "Non-academic achievements"
    );
});

app_test!(every_filter_and_their_combinations, |app| {
    let token = active(&app, WANG).await;
    let all = list(&app, &token, "").await;
    assert_eq!(all.body["total"], 4);
    // Newest first, ties by id.
    assert_eq!(ids(&all)[0], "Web前端开发职业技能等级证书(初级)");
    let cases: &[(&str, usize)] = &[
        ("name=web", 1),
        ("name=WEB%E5%89%8D%E7%AB%AF", 1),
        ("name=%E5%9F%BA%E7%A1%80", 1),
        ("name=nothing-like-it", 0),
        ("type=ACADEMIC", 3),
        ("type=NON_ACADEMIC", 1),
        ("subtype=COURSE", 3),
        ("subtype=X_CERTIFICATE", 1),
        ("subtype=DIPLOMA", 0),
        ("source=personal", 3),
        ("source=converted", 1),
        ("type=ACADEMIC&source=converted", 1),
        ("type=ACADEMIC&subtype=COURSE&source=personal", 2),
        (
            "name=%E7%A8%8B%E5%BA%8F&type=ACADEMIC&subtype=COURSE&source=personal",
            1,
        ),
        ("name=%E7%A8%8B%E5%BA%8F&source=converted", 0),
    ];
    for (query, expected) in cases {
        let r = list(&app, &token, query).await;
        assert_eq!(r.status, 200, "{query}: {:?}", r.body);
        assert_eq!(
            r.body["total"].as_u64().unwrap() as usize,
            *expected,
            "{query}"
        );
        assert_eq!(
            r.body["items"].as_array().unwrap().len(),
            *expected,
            "{query}"
        );
        assert_eq!(
            r.body["counts"],
            json!({"personal": 3, "converted": 1}),
            "{query}"
        );
    }
});

app_test!(bad_filters_are_validation_errors, |app| {
    let token = active(&app, WANG).await;
    for (query, field) in [
        ("type=SPORTS", "type"),
        ("subtype=NOPE", "subtype"),
        ("type=ACADEMIC&subtype=X_CERTIFICATE", "subtype"),
        ("source=found", "source"),
        ("page=0", "page"),
        ("page=abc", "page"),
        ("pageSize=0", "pageSize"),
        ("pageSize=51", "pageSize"),
        ("pageSize=-3", "pageSize"),
    ] {
        let r = list(&app, &token, query).await;
        assert_eq!((r.status, r.code()), (400, "VALIDATION_FAILED"), "{query}");
        assert_eq!(r.body["error"]["field"], field, "{query}");
    }
});

app_test!(paging_edges, |app| {
    let token = active(&app, CHEN).await;
    let r = list(&app, &token, "pageSize=5").await;
    assert_eq!(
        (r.body["total"].as_u64(), r.body["totalPages"].as_u64()),
        (Some(13), Some(3))
    );
    assert_eq!(r.body["items"].as_array().unwrap().len(), 5);
    let last = list(&app, &token, "pageSize=5&page=3").await;
    let seqs: Vec<u64> = last.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["seq"].as_u64().unwrap())
        .collect();
    assert_eq!(seqs, vec![11, 12, 13], "seq continues across pages");
    let past = list(&app, &token, "pageSize=5&page=4").await;
    assert_eq!(past.status, 200);
    assert!(past.body["items"].as_array().unwrap().is_empty());
    assert_eq!(
        (
            past.body["total"].as_u64(),
            past.body["totalPages"].as_u64(),
            past.body["page"].as_u64()
        ),
        (Some(13), Some(3), Some(4))
    );
    let one = list(&app, &token, "pageSize=1&page=13").await;
    assert_eq!(one.body["items"][0]["seq"], 13);
    let max = list(&app, &token, "pageSize=50").await;
    assert_eq!(max.body["items"].as_array().unwrap().len(), 13);
    assert_eq!(
        list(&app, &token, "").await.body["pageSize"],
        10,
        "default page size"
    );
    // The whole list, paged, equals the unpaged list.
    let mut paged = Vec::new();
    for page in 1..=3 {
        paged.extend(ids(
            &list(&app, &token, &format!("pageSize=5&page={page}")).await
        ));
    }
    assert_eq!(paged, ids(&max));
});

app_test!(decimal_credits_sum_exactly, |app| {
    let token = active(&app, WANG).await;
    let me = app.get("/me", Some(&token)).await;
    assert_eq!(me.body["totalCredits"], json!(10.5));
    assert_eq!(me.body["totalPoints"], 370);
    let r = list(&app, &token, "source=converted").await;
    assert_eq!(r.body["items"][0]["credits"], json!(0.5));
    // Ten achievements of 0.1 credits are exactly one credit.
    let id = unique_id_number();
    let achievements: Vec<Value> = (0..10)
        .map(|i| json!({"externalId": format!("TENTH-{i}"), "idNumber": id, "name": format!("微课 {i}"), "type": "ACADEMIC",
                        "subtype": "COURSE", "issuer": "学分银行", "credits": 0.1, "points": 1, "source": "personal", "obtainedAt": "2024-01-01"}))
        .collect();
    app.import(json!({"institution": {"code": "T", "name": "T"}, "learners": [{"idNumber": id, "name": "小数"}], "achievements": achievements})).await;
    let token = app.activate(&id, PW).await.0;
    assert_eq!(
        app.get("/me", Some(&token)).await.body["totalCredits"],
        json!(1)
    );
});

app_test!(the_catalogue_in_both_languages, |app| {
    let r = app.get("/achievement-types", None).await;
    assert_eq!(r.status, 200);
    let types = r.body["types"].as_array().unwrap();
    let non = types.iter().find(|t| t["code"] == "NON_ACADEMIC").unwrap();
    assert_eq!(non["label"], "非学历成果");
    let subtypes: Vec<&str> = non["subtypes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["code"].as_str().unwrap())
        .collect();
    assert_eq!(
        subtypes,
        [
            "X_CERTIFICATE",
            "VOCATIONAL_QUALIFICATION",
            "TRAINING_CERTIFICATE",
            "COMPETITION_AWARD",
            "WORK_EXPERIENCE",
            "OTHER"
        ]
    );
    assert_eq!(non["subtypes"][0]["label"], "职业技能等级证书(X证书)");
    let academic = types.iter().find(|t| t["code"] == "ACADEMIC").unwrap();
    assert_eq!(
        academic["subtypes"],
        json!([{"code": "COURSE", "label": "课程学分"}, {"code": "DIPLOMA", "label": "学历证书"}])
    );
    assert_eq!(
        r.body["sources"],
        json!([{"code": "personal", "label": "个人获取"}, {"code": "converted", "label": "转换获取"}])
    );
    let en = app
        .send(
            app.req("GET", "/achievement-types")
                .header("accept-language", "en-US"),
        )
        .await;
    assert_eq!(en.body["sources"][0]["label"], "Obtained personally");
});

app_test!(import_is_idempotent_and_keeps_existing_learners, |app| {
    let first = app.import_demo().await;
    // The test app already has the demo learner: it is kept as it is.
    assert_eq!(
        (
            first["learnersCreated"].as_u64(),
            first["learnersExisting"].as_u64()
        ),
        (Some(4), Some(1))
    );
    assert_eq!(first["achievementsCreated"], 24);
    assert_eq!(first["errors"], json!([]));
    let token = app.activate(DEMO_ID, PW).await.0;
    let card = app.get("/me", Some(&token)).await.body["cardId"].clone();
    let again = app.import_demo().await;
    assert_eq!(
        again,
        json!({"learnersCreated": 0, "learnersExisting": 5, "achievementsCreated": 0, "achievementsExisting": 24, "errors": []})
    );
    let me = app.get("/me", Some(&token)).await;
    assert_eq!(
        me.status, 200,
        "the profile and session survive a re-import"
    );
    assert_eq!(
        (
            me.body["totalCredits"].clone(),
            me.body["totalPoints"].clone(),
            me.body["cardId"].clone()
        ),
        (json!(7), json!(1280), card)
    );
    assert_eq!(
        app.login(DEMO_ID, PW).await.status,
        200,
        "the password survives"
    );
    assert_eq!(app.login(DEMO_ID, DEMO_PASSWORD).await.status, 401);
});

app_test!(
    each_kind_of_bad_record_is_reported_and_the_rest_proceed,
    |app| {
        let r = app.import(event_file("import-bad-records.json")).await;
        let errors: Vec<(String, u64, String)> = r["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                (
                    e["kind"].as_str().unwrap().into(),
                    e["index"].as_u64().unwrap(),
                    e["code"].as_str().unwrap().into(),
                )
            })
            .collect();
        let expected: Vec<(String, u64, String)> = [
            ("achievement", 0, "TYPE_UNKNOWN"),
            ("achievement", 1, "SUBTYPE_UNKNOWN"),
            ("achievement", 2, "CREDITS_INVALID"),
            ("achievement", 3, "CREDITS_INVALID"),
            ("achievement", 4, "SOURCE_UNKNOWN"),
            ("achievement", 5, "LEARNER_NOT_FOUND"),
            ("learner", 0, "ID_NUMBER_INVALID"),
            ("learner", 1, "NAME_INVALID"),
        ]
        .iter()
        .map(|(k, i, c)| (k.to_string(), *i, c.to_string()))
        .collect();
        assert_eq!(errors, expected);
        assert!(r["errors"][0]["message"].as_str().unwrap().len() > 3);
        assert_eq!(
            (
                r["learnersCreated"].as_u64(),
                r["achievementsCreated"].as_u64()
            ),
            (Some(1), Some(1))
        );

        let id = unique_id_number();
        let base = json!({"externalId": "E-1", "idNumber": id, "name": "课程", "type": "ACADEMIC", "subtype": "COURSE",
                      "issuer": "学校", "credits": 1, "points": 1, "source": "personal", "obtainedAt": "2024-01-01"});
        let with = |k: &str, v: Value| {
            let mut a = base.clone();
            a[k] = v;
            a
        };
        let r = app
        .import(json!({"institution": {"code": "S1", "name": "学校"}, "learners": [{"idNumber": id, "name": "甲"}, "not an object", {"idNumber": 12}],
                       "achievements": [base.clone(), base.clone(), with("externalId", json!("E-2")).as_object().map(|o| { let mut o = o.clone(); o.remove("name"); Value::Object(o) }).unwrap(),
                                        with("obtainedAt", json!("2099-01-01")), with("obtainedAt", json!("2024/01/01")), with("points", json!(-5)),
                                        with("points", json!(1.5)), with("issuer", json!("")), with("externalId", json!("")), with("credits", json!("7")), 42]}))
        .await;
        let codes: Vec<String> = r["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                format!(
                    "{}{}:{}",
                    e["kind"].as_str().unwrap(),
                    e["index"],
                    e["code"].as_str().unwrap()
                )
            })
            .collect();
        assert_eq!(
            codes,
            [
                "achievement1:DUPLICATE_IN_EVENT",
                "achievement2:NAME_INVALID",
                "achievement3:DATE_INVALID",
                "achievement4:DATE_INVALID",
                "achievement5:POINTS_INVALID",
                "achievement6:POINTS_INVALID",
                "achievement7:ISSUER_INVALID",
                "achievement8:EXTERNAL_ID_INVALID",
                "achievement9:RECORD_INVALID",
                "achievement10:RECORD_INVALID",
                "learner1:RECORD_INVALID",
                "learner2:RECORD_INVALID",
            ]
        );
        assert_eq!(r["achievementsCreated"], 1);
        // The same external id of the same institution, for another learner: a conflict.
        let other = unique_id_number();
        let r = app
        .import(json!({"institution": {"code": "S1", "name": "学校"}, "learners": [{"idNumber": other, "name": "乙"}], "achievements": [with("idNumber", json!(other))]}))
        .await;
        assert_eq!(r["errors"][0]["code"], "EXTERNAL_ID_CONFLICT");
        // Another institution may use the same external id.
        let r = app
        .import(json!({"institution": {"code": "S2", "name": "另一学校"}, "learners": [], "achievements": [with("idNumber", json!(other))]}))
        .await;
        assert_eq!(
            (r["achievementsCreated"].as_u64(), r["errors"].clone()),
            (Some(1), json!([]))
        );
    }
);

app_test!(a_broken_envelope_is_refused_whole, |app| {
    for event in [
        json!({}),
        json!({"institution": {"code": "", "name": "x"}}),
        json!({"institution": {"code": "A B", "name": "x"}}),
        json!([1]),
    ] {
        assert!(
            fn_import::handle(app.app(), event.clone()).await.is_err(),
            "{event}"
        );
    }
});

app_test!(
    concurrent_imports_for_one_learner_keep_totals_equal_to_the_sum,
    |app| {
        let id = unique_id_number();
        let app = Arc::new(app);
        let runs = (0..6).map(|run| {
        let (app, id) = (app.clone(), id.clone());
        tokio::spawn(async move {
            // Each run: 20 own achievements and 10 shared with every other run.
            let achievements: Vec<Value> = (0..20)
                .map(|i| format!("R{run}-{i}"))
                .chain((0..10).map(|i| format!("SHARED-{i}")))
                .map(|ext| json!({"externalId": ext, "idNumber": id, "name": ext, "type": "ACADEMIC", "subtype": "COURSE",
                                  "issuer": "学校", "credits": 0.5, "points": 3, "source": if ext.starts_with('S') { "converted" } else { "personal" }, "obtainedAt": "2024-01-01"}))
                .collect();
            app.import(json!({"institution": {"code": "C", "name": "并发"}, "learners": [{"idNumber": id, "name": "并发"}], "achievements": achievements})).await
        })
    });
        let results: Vec<Value> = join_all(runs)
            .await
            .into_iter()
            .map(Result::unwrap)
            .collect();
        let created: u64 = results
            .iter()
            .map(|r| r["achievementsCreated"].as_u64().unwrap())
            .sum();
        let existing: u64 = results
            .iter()
            .map(|r| r["achievementsExisting"].as_u64().unwrap())
            .sum();
        assert_eq!(created, 6 * 20 + 10, "{results:?}");
        assert_eq!(existing, 5 * 10);
        let key = domain::account::learner::id_key(
            app.app(),
            &domain::values::id_number::IdNumber::parse(&id, app.app().today()).unwrap(),
        );
        let all = domain::achievements::all_of(app.app(), &key).await.unwrap();
        assert_eq!(all.len(), 130);
        let learner = domain::account::learner::load_by_key(app.app(), &key)
            .await
            .unwrap()
            .unwrap()
            .learner;
        assert_eq!(
            learner.total_credit_tenths,
            all.iter().map(|a| a.credit_tenths).sum::<i64>()
        );
        assert_eq!(learner.total_credit_tenths, 650);
        assert_eq!(learner.total_points, 390);
        assert_eq!((learner.personal_count, learner.converted_count), (120, 10));
    }
);

app_test!(
    more_than_one_transaction_of_achievements_for_one_learner,
    |app| {
        let id = unique_id_number();
        let achievements: Vec<Value> = (0..120)
        .map(|i| json!({"externalId": format!("BIG-{i}"), "idNumber": id, "name": format!("课程{i}"), "type": "ACADEMIC", "subtype": "COURSE",
                        "issuer": "学校", "credits": 1, "points": 2, "source": "personal", "obtainedAt": "2024-01-01"}))
        .collect();
        let r = app.import(json!({"institution": {"code": "B", "name": "B"}, "learners": [{"idNumber": id, "name": "多"}], "achievements": achievements})).await;
        assert_eq!(r["achievementsCreated"], 120);
        let token = app.activate(&id, PW).await.0;
        let me = app.get("/me", Some(&token)).await;
        assert_eq!(
            (
                me.body["totalCredits"].clone(),
                me.body["totalPoints"].clone()
            ),
            (json!(120), json!(240))
        );
    }
);
