//! Rules, their matching and the state machines, without I/O.

use super::command::*;
use super::rules::*;
use super::*;
use chrono::NaiveDate;
use serde_json::json;

fn date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn rule_request() -> serde_json::Value {
    json!({
        "name": "电梯维修保养证书转换《电梯维护与保养》",
        "source": {"type": "NON_ACADEMIC", "subtype": "X_CERTIFICATE",
                   "name": "电梯维修保养职业技能等级证书", "minLevel": "INTERMEDIATE"},
        "target": {"courseCode": "ele-201", "courseName": "电梯维护与保养", "credits": 4, "mode": "EXEMPT"},
        "maxCredits": 8,
        "effectiveFrom": "2024-01-01",
        "effectiveTo": "2027-12-31"
    })
}

fn body(v: serde_json::Value) -> Result<RuleBody, DomainError> {
    RuleBody::try_from(serde_json::from_value::<RuleRequest>(v).unwrap())
}

fn field(r: Result<impl std::fmt::Debug, DomainError>) -> String {
    match r {
        Err(DomainError::Validation { field, .. }) => field,
        other => panic!("{other:?}"),
    }
}

fn achievement(name: &str, subtype: &str, tenths: i64) -> Achievement {
    Achievement {
        id: "0123456789abcdef".into(),
        institution: "DEMO-SCHOOL".into(),
        external_id: "X-1".into(),
        name: name.into(),
        kind: "NON_ACADEMIC".into(),
        subtype: subtype.into(),
        issuer: "杭州西奥电梯有限公司".into(),
        credit_tenths: tenths,
        points: 640,
        source: "personal".into(),
        obtained_at: date("2023-06-30"),
        conversion: None,
    }
}

fn school() -> School {
    School {
        code: "DEMO-SCHOOL".into(),
        name: "学分银行演示院校".into(),
    }
}

fn published(v: serde_json::Value) -> Rule {
    let mut r = Rule::new("00000000000000aa".into(), school(), body(v).unwrap(), 0);
    r.publish(date("2026-12-01"), 1).unwrap();
    r
}

fn with(path: &[&str], value: serde_json::Value) -> Result<RuleBody, DomainError> {
    let mut v = rule_request();
    let mut at = &mut v;
    for p in &path[..path.len() - 1] {
        at = at.get_mut(*p).unwrap();
    }
    at[path[path.len() - 1]] = value;
    body(v)
}

#[test]
fn a_rule_body_is_checked_field_by_field_with_nested_names() {
    let ok = body(rule_request()).unwrap();
    assert_eq!(ok.target.course_code, "ELE-201");
    assert_eq!(ok.target.credit_tenths, 40);
    assert_eq!(ok.max_credit_tenths, 80);
    assert_eq!(ok.source.min_level, Some(Level::Intermediate));
    let cases: &[(&[&str], serde_json::Value, &str)] = &[
        (&["source", "type"], json!("NOPE"), "source.type"),
        (&["source", "subtype"], json!("COURSE"), "source.subtype"),
        (&["source", "minLevel"], json!("MASTER"), "source.minLevel"),
        (&["source", "name"], json!("(中级)"), "source.name"),
        (&["target", "courseCode"], json!("A B"), "target.courseCode"),
        (&["target", "credits"], json!(0), "target.credits"),
        (&["target", "credits"], json!(4.25), "target.credits"),
        (&["target", "credits"], json!(30.5), "target.credits"),
        (&["target", "mode"], json!("SWAP"), "target.mode"),
        (&["maxCredits"], json!(-1), "maxCredits"),
        (&["effectiveFrom"], json!("2024/01/01"), "effectiveFrom"),
        (&["effectiveTo"], json!("2023-12-31"), "effectiveTo"),
        (&["name"], json!("x"), "name"),
        (&["target"], json!(null), "target"),
    ];
    for (path, value, name) in cases {
        assert_eq!(
            field(with(path, value.clone())),
            *name,
            "{path:?} = {value}"
        );
    }
    // Optional parts may be absent or empty.
    assert!(with(&["effectiveTo"], json!(null))
        .unwrap()
        .effective_to
        .is_none());
    assert!(with(&["source", "name"], json!(""))
        .unwrap()
        .source
        .name
        .is_none());
}

#[test]
fn certificate_names_meet_across_brackets_widths_spaces_and_their_level() {
    let base = base_name("电梯维修保养职业技能等级证书");
    for spelling in [
        "电梯维修保养职业技能等级证书(中级)",
        "电梯维修保养职业技能等级证书（中级）",
        "电梯维修保养 职业技能等级证书 【高级】",
        "电梯维修保养职业技能等级证书初级",
    ] {
        assert_eq!(base_name(spelling), base, "{spelling}");
        assert_eq!(
            name_key(Some(spelling)),
            name_key(Some("电梯维修保养职业技能等级证书"))
        );
    }
    assert_ne!(base_name("Web前端开发职业技能等级证书(中级)"), base);
    // A level inside a name is part of it.
    assert_eq!(base_name("高级维修电工证"), "高级维修电工证");
    assert_eq!(name_key(None), ANY_NAME);
    assert_eq!(base_name("ＷＥＢ Front-End"), "webfront-end");
}

#[test]
fn the_level_is_the_last_one_a_name_states() {
    assert_eq!(
        Level::of_name("电梯维修保养职业技能等级证书(中级)"),
        Some(Level::Intermediate)
    );
    assert_eq!(Level::of_name("高级维修电工(初级)"), Some(Level::Junior));
    assert_eq!(Level::of_name("Python程序设计"), None);
    assert!(Level::Senior > Level::Intermediate && Level::Intermediate > Level::Junior);
}

#[test]
fn a_rule_accepts_its_subtype_name_and_level_and_nothing_converted() {
    let rule = published(rule_request());
    let elevator = achievement("电梯维修保养职业技能等级证书(中级)", "X_CERTIFICATE", 70);
    assert!(rule.accepts(&elevator));
    let senior = achievement("电梯维修保养职业技能等级证书(高级)", "X_CERTIFICATE", 70);
    assert!(rule.accepts(&senior));
    let junior = achievement("电梯维修保养职业技能等级证书(初级)", "X_CERTIFICATE", 70);
    assert!(!rule.accepts(&junior), "below the minimum level");
    let unlevelled = achievement("电梯维修保养职业技能等级证书", "X_CERTIFICATE", 70);
    assert!(
        !rule.accepts(&unlevelled),
        "a minimum level needs a stated level"
    );
    let other = achievement("Web前端开发职业技能等级证书(中级)", "X_CERTIFICATE", 70);
    assert!(!rule.accepts(&other));
    let wrong_subtype = achievement(
        "电梯维修保养职业技能等级证书(中级)",
        "TRAINING_CERTIFICATE",
        70,
    );
    assert!(!rule.accepts(&wrong_subtype));
    let mut converted = elevator.clone();
    converted.source = "converted".into();
    assert!(!rule.accepts(&converted));
    let mut v = rule_request();
    v["source"] = json!({"type": "NON_ACADEMIC", "subtype": "X_CERTIFICATE"});
    let any = published(v);
    assert!(any.accepts(&other) && any.accepts(&unlevelled));
}

#[test]
fn the_cap_is_the_least_of_course_credits_rule_cap_and_recognised_credits() {
    let rule = published(rule_request());
    assert_eq!(rule.cap(70), 40);
    assert_eq!(rule.cap(25), 25);
    let mut v = rule_request();
    v["maxCredits"] = json!(3);
    assert_eq!(published(v).cap(70), 30);
}

#[test]
fn a_rule_is_in_force_when_published_and_within_its_period() {
    let today = date("2026-12-01");
    let mut draft = Rule::new(
        "00000000000000aa".into(),
        school(),
        body(rule_request()).unwrap(),
        0,
    );
    assert!(!draft.in_force(today));
    assert!(matches!(draft.retire(2), Err(DomainError::StateConflict)));
    draft.publish(today, 1).unwrap();
    assert!(draft.in_force(today));
    assert!(!draft.in_force(date("2028-01-01")));
    assert!(!draft.in_force(date("2023-12-31")));
    assert!(matches!(
        draft.update(body(rule_request()).unwrap(), 2),
        Err(DomainError::StateConflict)
    ));
    assert!(matches!(
        draft.publish(today, 2),
        Err(DomainError::StateConflict)
    ));
    draft.retire(3).unwrap();
    assert!(!draft.in_force(today));
    // A period that ended cannot be published.
    let mut v = rule_request();
    v["effectiveFrom"] = json!("2020-01-01");
    v["effectiveTo"] = json!("2020-12-31");
    let mut old = Rule::new("00000000000000ab".into(), school(), body(v).unwrap(), 0);
    assert_eq!(field(old.publish(today, 1)), "effectiveTo");
}

#[test]
fn publishing_writes_the_public_copy_and_retiring_removes_it() {
    let today = date("2026-12-01");
    let draft = Rule::new(
        "00000000000000aa".into(),
        school(),
        body(rule_request()).unwrap(),
        0,
    );
    let ops = draft.writes(None);
    assert_eq!(ops.len(), 2, "a draft: the rule and the school's copy");
    let item = draft.item();
    let mut rule = draft.clone();
    rule.publish(today, 1).unwrap();
    let ops = rule.writes(Some((&item, &draft)));
    let public = ops
        .iter()
        .find(|op| op.keys().0 == crate::store::schema::PUBLIC_RULES_PK);
    let public = public.expect("a public copy");
    if let WriteOp::Put { item, .. } = public {
        // 2027-12-31 ends at 2028-01-01T00:00+08:00.
        assert_eq!(item.expires_at, Some(1_830_268_800));
    }
    let (_, sk) = public.keys();
    let key = name_key(Some("电梯维修保养职业技能等级证书"));
    assert_eq!(
        sk,
        format!("NON_ACADEMIC#X_CERTIFICATE#{key}#DEMO-SCHOOL#00000000000000aa")
    );
    let before = rule.clone();
    rule.retire(2).unwrap();
    let ops = rule.writes(Some((&before.item(), &before)));
    assert!(ops
        .iter()
        .any(|op| matches!(op, WriteOp::Delete { pk, .. } if pk == "PUBRULES")));
}

fn application(rule: Rule, tenths: i64) -> Application {
    Application {
        id: "00000000000000c1".into(),
        learner: "k".into(),
        learner_name: "李嘉民".into(),
        learner_id_masked: "4408**********5051".into(),
        institution: school(),
        achievement: SourceAchievement::of(&achievement(
            "电梯维修保养职业技能等级证书(中级)",
            "X_CERTIFICATE",
            tenths,
        )),
        rule,
        status: Status::Pending,
        reason: None,
        granted_tenths: None,
        converted_achievement: None,
        submitted_ms: 1_000,
        updated_at: 1,
        history: vec![],
    }
}

#[test]
fn an_approval_grants_at_most_the_cap_and_makes_a_converted_course_worth_no_total_credits() {
    let today = date("2026-12-01");
    let mut a = application(published(rule_request()), 70);
    let too_much = DecisionCommand::Approve { credit_tenths: 45 };
    assert_eq!(field(a.decide(&too_much, "sub", today, 5)), "credits");
    assert_eq!(a.status, Status::Pending);
    let ok = DecisionCommand::Approve { credit_tenths: 40 };
    let c = a.decide(&ok, "sub", today, 5).unwrap().unwrap();
    assert_eq!(a.status, Status::Approved);
    assert_eq!((c.source.as_str(), c.credit_tenths), ("converted", 0));
    assert_eq!(
        (c.name.as_str(), c.issuer.as_str()),
        ("电梯维护与保养", "学分银行演示院校")
    );
    let link = c.conversion.as_ref().unwrap();
    assert_eq!(link.course_credit_tenths, 40);
    assert_eq!(link.source_achievement, a.achievement.id);
    assert_eq!(a.converted_achievement.as_deref(), Some(c.id.as_str()));
    assert!(matches!(
        a.decide(&ok, "sub", today, 6),
        Err(DomainError::StateConflict)
    ));
    assert!(matches!(a.withdraw(7), Err(DomainError::StateConflict)));
}

#[test]
fn a_rejection_or_withdrawal_releases_both_claims() {
    let today = date("2026-12-01");
    let mut a = application(published(rule_request()), 70);
    let keys = a.claim_keys();
    assert!(keys[0].1.starts_with("CONVCLAIM#RULE#00000000000000aa#"));
    assert_eq!(keys[1].1, "CONVCLAIM#COURSE#DEMO-SCHOOL#ELE-201");
    let reject = DecisionCommand::Reject {
        reason: "证书等级不足".into(),
    };
    assert!(a.decide(&reject, "sub", today, 5).unwrap().is_none());
    assert_eq!(a.release_ops().len(), 2);
    let mut b = application(published(rule_request()), 70);
    b.withdraw(5).unwrap();
    assert_eq!(b.status, Status::Withdrawn);
    assert!(!b.status.holds_claims());
}

#[test]
fn decisions_and_applications_are_checked() {
    let d = |v: serde_json::Value| {
        DecisionCommand::try_from(serde_json::from_value::<DecisionRequest>(v).unwrap())
    };
    assert_eq!(
        d(json!({"decision": "APPROVE", "credits": 4})).unwrap(),
        DecisionCommand::Approve { credit_tenths: 40 }
    );
    assert_eq!(field(d(json!({"decision": "APPROVE"}))), "credits");
    assert_eq!(
        field(d(json!({"decision": "APPROVE", "credits": 0}))),
        "credits"
    );
    assert_eq!(
        field(d(json!({"decision": "RETURN", "reason": "补充"}))),
        "decision"
    );
    assert_eq!(
        field(d(json!({"decision": "REJECT", "reason": "x"}))),
        "reason"
    );
    let a = |v: serde_json::Value| {
        ApplyCommand::try_from(serde_json::from_value::<ApplyRequest>(v).unwrap())
    };
    assert_eq!(
        field(a(json!({"ruleId": "00000000000000aa"}))),
        "achievementId"
    );
    assert_eq!(
        field(a(
            json!({"achievementId": "00000000000000aa", "ruleId": "../x"})
        )),
        "ruleId"
    );
}

#[test]
fn public_queries_take_filters_a_page_size_and_an_opaque_cursor() {
    let q = |pairs: &[(&str, &str)]| {
        let pairs: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        PublicQuery::from_query(move |k| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone()))
    };
    let sub = q(&[("subtype", "X_CERTIFICATE")]).unwrap();
    assert_eq!(
        sub.kind.as_deref(),
        Some("NON_ACADEMIC"),
        "a subtype implies its type"
    );
    assert_eq!(sub.page_size, DEFAULT_PUBLIC_PAGE);
    assert_eq!(
        field(q(&[("type", "ACADEMIC"), ("subtype", "X_CERTIFICATE")])),
        "subtype"
    );
    assert_eq!(field(q(&[("pageSize", "51")])), "pageSize");
    assert_eq!(field(q(&[("cursor", "!!")])), "cursor");
    assert_eq!(field(q(&[("institution", "A B")])), "institution");
    let cursor = encode_cursor("NON_ACADEMIC#X_CERTIFICATE#*#S#00000000000000aa");
    let back = q(&[("cursor", cursor.as_str())]).unwrap();
    assert_eq!(
        back.after.as_deref(),
        Some("NON_ACADEMIC#X_CERTIFICATE#*#S#00000000000000aa")
    );
}
