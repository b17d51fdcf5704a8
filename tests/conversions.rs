//! 查看转换规则 and 成果转换 end to end, on memory and on moto: a school drafts and publishes a
//! rule, anyone lists it, the demo learner's elevator certificate meets it, the learner applies,
//! the school approves 4 credits, and `/me` shows one more converted achievement with 总学分
//! unchanged; the refusals (a rule not met, a draft or retired rule, another school's rule or
//! decision, a duplicate application or course); and the races (two decisions at once, two
//! applications at once).

use integration_tests::*;
use serde_json::{json, Value};

const PW: &str = "Convers1on-Pw";
const SCHOOL: &str = "DEMO-SCHOOL";
const OTHER: &str = "OTHER-SCHOOL";
const DEMO_ID: &str = "440883200305125051";
const ELEVATOR: &str = "电梯维修保养职业技能等级证书";

fn rule(course: &str, cert: Option<&str>, min_level: Option<&str>) -> Value {
    let mut source = json!({"type": "NON_ACADEMIC", "subtype": "X_CERTIFICATE"});
    if let Some(c) = cert {
        source["name"] = json!(c);
    }
    if let Some(l) = min_level {
        source["minLevel"] = json!(l);
    }
    json!({
        "name": format!("{course} 证书转换"),
        "source": source,
        "target": {"courseCode": course, "courseName": "电梯维护与保养", "credits": 4, "mode": "EXEMPT"},
        "maxCredits": 8,
        "effectiveFrom": "2024-01-01",
        "effectiveTo": "2099-12-31"
    })
}

/// A rule of `school` drafted and published; returns its id.
async fn publish(app: &TestApp, staff: &str, body: Value) -> String {
    let r = app
        .post("/institution/conversion-rules", body, Some(staff))
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    assert_eq!(r.body["status"], "DRAFT");
    let id = r.body["id"].as_str().unwrap().to_string();
    let path = format!("/institution/conversion-rules/{id}/publish");
    let r = app.post(&path, json!({}), Some(staff)).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["status"], "PUBLISHED");
    id
}

struct Demo {
    token: String,
    mobile: String,
    elevator: String,
    converted_before: String,
}

/// The demo learner, imported by the demo school and active, and their achievements' ids.
async fn demo(app: &TestApp) -> Demo {
    app.import_demo().await;
    let (token, mobile) = app.activate(DEMO_ID, PW).await;
    let list = app.get("/achievements?pageSize=50", Some(&token)).await;
    let id_of = |source: &str| {
        list.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["source"] == source)
            .map(|a| a["id"].as_str().unwrap().to_string())
            .unwrap()
    };
    Demo {
        elevator: id_of("personal"),
        converted_before: id_of("converted"),
        token,
        mobile,
    }
}

async fn apply(app: &TestApp, token: &str, achievement: &str, rule: &str) -> TestResponse {
    app.post(
        "/conversions",
        json!({"achievementId": achievement, "ruleId": rule}),
        Some(token),
    )
    .await
}

async fn decide(app: &TestApp, staff: &str, id: &str, decision: Value) -> TestResponse {
    let path = format!("/institution/conversions/{id}/decision");
    app.post(&path, decision, Some(staff)).await
}

fn field(r: &TestResponse) -> &str {
    r.body["error"]["field"].as_str().unwrap_or("")
}

app_test!(
    a_published_rule_converts_the_demo_certificate_and_total_credits_stay,
    |app| {
        let d = demo(&app).await;
        let staff = app.staff_token(SCHOOL, "REVIEWER").await;
        let me = app.get("/me", Some(&d.token)).await;
        assert_eq!(me.body["totalCredits"], 7);
        assert_eq!(me.body["achievementCounts"]["converted"], 1);

        let draft = app
            .post(
                "/institution/conversion-rules",
                rule("ELE-201", Some(ELEVATOR), Some("INTERMEDIATE")),
                Some(&staff),
            )
            .await;
        assert_eq!(draft.status, 201, "{:?}", draft.body);
        let rule_id = draft.body["id"].as_str().unwrap().to_string();
        let public = app.get("/conversion-rules", None).await;
        assert_eq!(public.status, 200, "{:?}", public.body);
        assert!(
            public.body["items"].as_array().unwrap().is_empty(),
            "a draft is not public"
        );
        let r = app
            .post(
                &format!("/institution/conversion-rules/{rule_id}/publish"),
                json!({}),
                Some(&staff),
            )
            .await;
        assert_eq!(r.status, 200, "{:?}", r.body);

        // 查看转换规则, without a login, in both languages.
        let public = app
            .get("/conversion-rules?subtype=X_CERTIFICATE", None)
            .await;
        let items = public.body["items"].as_array().unwrap();
        assert_eq!(items.len(), 1, "{:?}", public.body);
        assert_eq!(items[0]["institution"]["name"], "学分银行演示院校");
        assert_eq!(items[0]["source"]["minLevelLabel"], "中级");
        assert_eq!(items[0]["target"]["modeLabel"], "免修/免考");
        let en = app
            .send(
                app.req("GET", "/conversion-rules")
                    .header("accept-language", "en"),
            )
            .await;
        assert_eq!(
            en.body["items"][0]["source"]["minLevelLabel"],
            "Intermediate"
        );
        assert_eq!(en.body["items"][0]["target"]["modeLabel"], "Exemption");

        // The elevator certificate (中级, 7 credits) meets it; the converted one does not.
        let path = format!("/achievements/{}/conversion-rules", d.elevator);
        let met = app.get(&path, Some(&d.token)).await;
        assert_eq!(met.status, 200, "{:?}", met.body);
        assert_eq!(met.body["items"][0]["id"], rule_id.as_str());
        assert_eq!(met.body["items"][0]["maxGrantable"], 4);
        let path = format!("/achievements/{}/conversion-rules", d.converted_before);
        let none = app.get(&path, Some(&d.token)).await;
        assert!(none.body["items"].as_array().unwrap().is_empty());

        let applied = apply(&app, &d.token, &d.elevator, &rule_id).await;
        assert_eq!(applied.status, 201, "{:?}", applied.body);
        assert_eq!(applied.body["status"], "PENDING");
        let id = applied.body["id"].as_str().unwrap().to_string();
        let mine = app.get("/conversions", Some(&d.token)).await;
        assert_eq!(mine.body["total"], 1);
        assert_eq!(mine.body["open"], 1);

        let queue = app.get("/institution/conversions", Some(&staff)).await;
        assert_eq!(queue.status, 200, "{:?}", queue.body);
        assert_eq!(queue.body["items"][0]["id"], id.as_str());
        assert_eq!(queue.body["items"][0]["learner"]["name"], "李嘉民");
        assert_eq!(queue.body["items"][0]["maxCredits"], 4);

        let over = decide(
            &app,
            &staff,
            &id,
            json!({"decision": "APPROVE", "credits": 4.5}),
        )
        .await;
        assert_eq!((over.status, field(&over)), (400, "credits"));
        let ok = decide(
            &app,
            &staff,
            &id,
            json!({"decision": "APPROVE", "credits": 4}),
        )
        .await;
        assert_eq!(ok.status, 200, "{:?}", ok.body);
        assert_eq!(ok.body["status"], "APPROVED");
        assert_eq!(ok.body["grantedCredits"], 4);

        let me = app.get("/me", Some(&d.token)).await;
        assert_eq!(me.body["totalCredits"], 7, "总学分 unchanged");
        assert_eq!(me.body["achievementCounts"]["converted"], 2);
        let converted = app
            .get("/achievements?source=converted", Some(&d.token))
            .await;
        let course = converted.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["name"] == "电梯维护与保养")
            .cloned()
            .expect("the converted course");
        assert_eq!(course["credits"], 0);
        assert_eq!(course["issuer"], "学分银行演示院校");
        assert_eq!(course["conversion"]["courseCredits"], 4);
        assert_eq!(
            course["conversion"]["sourceAchievementId"],
            d.elevator.as_str()
        );
        assert_eq!(
            course["conversion"]["sourceAchievementName"],
            "电梯维修保养职业技能等级证书(中级)"
        );
        let detail = app.get(&format!("/conversions/{id}"), Some(&d.token)).await;
        assert_eq!(detail.body["history"].as_array().unwrap().len(), 2);
        assert_eq!(detail.body["convertedAchievementId"], course["id"]);
        let sms = app.sms_to(&d.mobile).await;
        assert!(
            sms.iter()
                .any(|m| m.contains("成果转换") && m.contains("已通过")),
            "{sms:?}"
        );
        // Applied again after approval: a duplicate.
        let again = apply(&app, &d.token, &d.elevator, &rule_id).await;
        assert_eq!((again.status, again.code()), (409, "DUPLICATE"));
    }
);

app_test!(
    rules_not_met_not_in_force_or_not_theirs_are_refused_by_field,
    |app| {
        let d = demo(&app).await;
        let staff = app.staff_token(SCHOOL, "REVIEWER").await;
        let other = app.staff_token(OTHER, "REVIEWER").await;
        // Not met: another certificate; a higher minimum level.
        let web = publish(
            &app,
            &staff,
            rule("WEB-101", Some("Web前端开发职业技能等级证书"), None),
        )
        .await;
        let r = apply(&app, &d.token, &d.elevator, &web).await;
        assert_eq!(
            (r.status, field(&r)),
            (400, "achievementId"),
            "{:?}",
            r.body
        );
        let senior = publish(
            &app,
            &staff,
            rule("ELE-301", Some(ELEVATOR), Some("SENIOR")),
        )
        .await;
        let r = apply(&app, &d.token, &d.elevator, &senior).await;
        assert_eq!((r.status, field(&r)), (400, "achievementId"));
        // Not in force: a draft, a retired rule, an unknown one.
        let draft = app
            .post(
                "/institution/conversion-rules",
                rule("ELE-401", None, None),
                Some(&staff),
            )
            .await;
        let draft = draft.body["id"].as_str().unwrap().to_string();
        let r = apply(&app, &d.token, &d.elevator, &draft).await;
        assert_eq!((r.status, field(&r)), (400, "ruleId"));
        let retired = publish(&app, &staff, rule("ELE-501", None, None)).await;
        let path = format!("/institution/conversion-rules/{retired}/retire");
        assert_eq!(app.post(&path, json!({}), Some(&staff)).await.status, 200);
        let r = apply(&app, &d.token, &d.elevator, &retired).await;
        assert_eq!((r.status, field(&r)), (400, "ruleId"));
        let public = app.get("/conversion-rules?pageSize=50", None).await;
        assert!(public.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i["id"] != retired.as_str()));
        let r = apply(&app, &d.token, &d.elevator, "0000000000000000").await;
        assert_eq!((r.status, field(&r)), (400, "ruleId"));
        // A school the learner does not belong to.
        let foreign = publish(&app, &other, rule("ELE-601", Some(ELEVATOR), None)).await;
        let r = apply(&app, &d.token, &d.elevator, &foreign).await;
        assert_eq!((r.status, field(&r)), (400, "ruleId"));
        let path = format!("/achievements/{}/conversion-rules", d.elevator);
        let met = app.get(&path, Some(&d.token)).await;
        let ids: Vec<&str> = met.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["id"].as_str().unwrap())
            .collect();
        assert!(
            !ids.contains(&foreign.as_str()) && !ids.contains(&retired.as_str()),
            "{ids:?}"
        );
        // Another learner's achievement, or none.
        let r = apply(&app, &d.token, "0123456789abcdef", &retired).await;
        assert_eq!(r.status, 404);
        let r = app
            .get(
                "/achievements/0123456789abcdef/conversion-rules",
                Some(&d.token),
            )
            .await;
        assert_eq!(r.status, 404);
        // Only the owner changes a rule; a published rule is never edited.
        let path = format!("/institution/conversion-rules/{web}/retire");
        assert_eq!(app.post(&path, json!({}), Some(&other)).await.status, 404);
        let put = app
            .send(
                app.req("PUT", &format!("/institution/conversion-rules/{web}"))
                    .bearer(&staff)
                    .json(&rule("WEB-102", None, None)),
            )
            .await;
        assert_eq!((put.status, put.code()), (409, "STATE_CONFLICT"));
        let put = app
            .send(
                app.req("PUT", &format!("/institution/conversion-rules/{draft}"))
                    .bearer(&staff)
                    .json(&rule("ELE-402", None, None)),
            )
            .await;
        assert_eq!(put.status, 200, "{:?}", put.body);
        assert_eq!(put.body["target"]["courseCode"], "ELE-402");
        let mine = app.get("/institution/conversion-rules", Some(&staff)).await;
        assert_eq!(mine.body["total"], 4);
        let theirs = app.get("/institution/conversion-rules", Some(&other)).await;
        assert_eq!(theirs.body["total"], 1);
        // A learner's token is no staff token.
        let r = app
            .get("/institution/conversion-rules", Some(&d.token))
            .await;
        assert_eq!(r.status, 401);
    }
);

app_test!(
    one_course_and_one_achievement_under_a_rule_are_applied_for_once,
    |app| {
        let d = demo(&app).await;
        let staff = app.staff_token(SCHOOL, "REVIEWER").await;
        let other = app.staff_token(OTHER, "REVIEWER").await;
        let a = publish(&app, &staff, rule("ELE-201", Some(ELEVATOR), None)).await;
        let b = publish(&app, &staff, rule("ELE-201", None, None)).await;
        let first = apply(&app, &d.token, &d.elevator, &a).await;
        assert_eq!(first.status, 201, "{:?}", first.body);
        let id = first.body["id"].as_str().unwrap().to_string();
        let same = apply(&app, &d.token, &d.elevator, &a).await;
        assert_eq!((same.status, same.code()), (409, "DUPLICATE"));
        let same_course = apply(&app, &d.token, &d.elevator, &b).await;
        assert_eq!((same_course.status, same_course.code()), (409, "DUPLICATE"));
        // Another school neither reads nor decides it.
        let r = app
            .get(&format!("/institution/conversions/{id}"), Some(&other))
            .await;
        assert_eq!(r.status, 404);
        let r = decide(
            &app,
            &other,
            &id,
            json!({"decision": "APPROVE", "credits": 1}),
        )
        .await;
        assert_eq!(r.status, 404);
        // Withdrawn, it frees the course: the other rule may be applied for.
        let path = format!("/conversions/{id}/withdraw");
        let w = app.post(&path, json!({}), Some(&d.token)).await;
        assert_eq!(
            (w.status, w.body["status"].as_str()),
            (200, Some("WITHDRAWN"))
        );
        assert_eq!(app.post(&path, json!({}), Some(&d.token)).await.status, 409);
        let next = apply(&app, &d.token, &d.elevator, &b).await;
        assert_eq!(next.status, 201, "{:?}", next.body);
        // A rejection frees it too.
        let id = next.body["id"].as_str().unwrap().to_string();
        let r = decide(
            &app,
            &staff,
            &id,
            json!({"decision": "REJECT", "reason": "课程已修"}),
        )
        .await;
        assert_eq!(
            (r.status, r.body["status"].as_str()),
            (200, Some("REJECTED"))
        );
        assert_eq!(apply(&app, &d.token, &d.elevator, &a).await.status, 201);
        let me = app.get("/conversions", Some(&d.token)).await;
        assert_eq!(
            (me.body["total"].as_u64(), me.body["open"].as_u64()),
            (Some(3), Some(1))
        );
    }
);

app_test!(
    two_decisions_at_once_one_wins_and_the_card_counts_one,
    |app| {
        let d = demo(&app).await;
        let staff = app.staff_token(SCHOOL, "REVIEWER").await;
        let rule_id = publish(&app, &staff, rule("ELE-201", Some(ELEVATOR), None)).await;
        let applied = apply(&app, &d.token, &d.elevator, &rule_id).await;
        let id = applied.body["id"].as_str().unwrap().to_string();
        let (x, y) = tokio::join!(
            decide(
                &app,
                &staff,
                &id,
                json!({"decision": "APPROVE", "credits": 4})
            ),
            decide(
                &app,
                &staff,
                &id,
                json!({"decision": "REJECT", "reason": "材料不符"})
            ),
        );
        let mut statuses = [x.status, y.status];
        statuses.sort();
        assert_eq!(statuses, [200, 409], "{:?} {:?}", x.body, y.body);
        let me = app.get("/me", Some(&d.token)).await;
        let approved = [&x, &y]
            .iter()
            .any(|r| r.status == 200 && r.body["status"] == "APPROVED");
        let expected = if approved { 2 } else { 1 };
        assert_eq!(me.body["achievementCounts"]["converted"], expected);
        assert_eq!(me.body["totalCredits"], 7);
        let list = app
            .get("/achievements?source=converted", Some(&d.token))
            .await;
        assert_eq!(list.body["total"], expected);
    }
);

app_test!(two_applications_at_once_are_one_application, |app| {
    let d = demo(&app).await;
    let staff = app.staff_token(SCHOOL, "REVIEWER").await;
    let rule_id = publish(&app, &staff, rule("ELE-201", Some(ELEVATOR), None)).await;
    let (x, y) = tokio::join!(
        apply(&app, &d.token, &d.elevator, &rule_id),
        apply(&app, &d.token, &d.elevator, &rule_id),
    );
    let mut statuses = [x.status, y.status];
    statuses.sort();
    assert_eq!(statuses, [201, 409], "{:?} {:?}", x.body, y.body);
    let mine = app.get("/conversions", Some(&d.token)).await;
    assert_eq!(
        (mine.body["total"].as_u64(), mine.body["open"].as_u64()),
        (Some(1), Some(1))
    );
    let queue = app.get("/institution/conversions", Some(&staff)).await;
    assert_eq!(queue.body["items"].as_array().unwrap().len(), 1);
});

app_test!(the_public_list_pages_with_a_cursor_and_filters, |app| {
    app.import_demo().await;
    let staff = app.staff_token(SCHOOL, "REVIEWER").await;
    for course in ["C-1", "C-2", "C-3"] {
        publish(&app, &staff, rule(course, None, None)).await;
    }
    let mut academic = rule("C-4", None, None);
    academic["source"] = json!({"type": "ACADEMIC", "subtype": "COURSE"});
    publish(&app, &staff, academic).await;
    let first = app
        .get("/conversion-rules?type=NON_ACADEMIC&pageSize=2", None)
        .await;
    assert_eq!(first.status, 200, "{:?}", first.body);
    assert_eq!(first.body["items"].as_array().unwrap().len(), 2);
    let cursor = first.body["nextCursor"]
        .as_str()
        .expect("a next page")
        .to_string();
    let second = app
        .get(
            &format!("/conversion-rules?type=NON_ACADEMIC&pageSize=2&cursor={cursor}"),
            None,
        )
        .await;
    assert_eq!(
        second.body["items"].as_array().unwrap().len(),
        1,
        "{:?}",
        second.body
    );
    assert!(second.body["nextCursor"].is_null());
    let courses = app.get("/conversion-rules?subtype=COURSE", None).await;
    assert_eq!(courses.body["items"].as_array().unwrap().len(), 1);
    let by_name = app.get("/conversion-rules?name=C-2", None).await;
    assert_eq!(by_name.body["items"].as_array().unwrap().len(), 1);
    let other = app
        .get(&format!("/conversion-rules?institution={OTHER}"), None)
        .await;
    assert!(other.body["items"].as_array().unwrap().is_empty());
    let bad = app.get("/conversion-rules?cursor=%25%25", None).await;
    assert_eq!(
        (bad.status, bad.body["error"]["field"].as_str()),
        (400, Some("cursor"))
    );
    // A cursor of another range is refused, not passed to the store.
    let bad = app
        .get(
            &format!("/conversion-rules?type=ACADEMIC&cursor={cursor}"),
            None,
        )
        .await;
    assert_eq!(
        (bad.status, bad.body["error"]["field"].as_str()),
        (400, Some("cursor"))
    );
});
