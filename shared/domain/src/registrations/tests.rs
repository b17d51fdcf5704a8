//! The state machine and the commands, without I/O.

use super::command::*;
use super::*;
use chrono::NaiveDate;

fn date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn request() -> RegistrationRequest {
    RegistrationRequest {
        institution: Some("DEMO-SCHOOL".into()),
        name: Some("Web前端开发职业技能等级证书（中级）".into()),
        kind: Some("NON_ACADEMIC".into()),
        subtype: Some("X_CERTIFICATE".into()),
        issuer: Some("工业和信息化部教育与考试中心".into()),
        certificate_no: Some(" x-2024 0001 ".into()),
        obtained_at: Some("2024-06-30".into()),
        evidence: Some(vec!["a".repeat(32)]),
    }
}

fn field(r: Result<RegistrationCommand, DomainError>) -> String {
    match r {
        Err(DomainError::Validation { field, .. }) => field,
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_registration_names_a_catalogue_type_a_past_date_and_one_to_five_uploads() {
    let today = date("2026-03-01");
    let ok = RegistrationCommand::parse(request(), today).unwrap();
    assert_eq!(ok.details.certificate_no.as_deref(), Some("x-2024 0001"));
    let with = |f: fn(&mut RegistrationRequest)| {
        let mut r = request();
        f(&mut r);
        RegistrationCommand::parse(r, today)
    };
    assert_eq!(field(with(|r| r.kind = Some("NOPE".into()))), "type");
    assert_eq!(
        field(with(|r| r.subtype = Some("COURSE".into()))),
        "subtype"
    );
    assert_eq!(
        field(with(|r| r.obtained_at = Some("2026-03-02".into()))),
        "obtainedAt"
    );
    assert_eq!(
        field(with(|r| r.obtained_at = Some("1948-12-31".into()))),
        "obtainedAt"
    );
    assert_eq!(
        field(with(|r| r.obtained_at = Some("30/06/2024".into()))),
        "obtainedAt"
    );
    assert_eq!(
        field(with(|r| r.institution = Some("A B".into()))),
        "institution"
    );
    assert_eq!(field(with(|r| r.name = None)), "name");
    assert_eq!(field(with(|r| r.issuer = Some("x\u{0}".into()))), "issuer");
    assert_eq!(field(with(|r| r.evidence = Some(vec![]))), "evidence");
    assert_eq!(field(with(|r| r.evidence = None)), "evidence");
    assert_eq!(
        field(with(|r| r.evidence = Some(vec!["b".repeat(32); 6]))),
        "evidence"
    );
    assert_eq!(
        field(with(
            |r| r.evidence = Some(vec!["a".repeat(32), "a".repeat(32)])
        )),
        "evidence"
    );
    assert_eq!(
        field(with(|r| r.evidence = Some(vec!["../x".into()]))),
        "evidence"
    );
    assert!(with(|r| r.certificate_no = Some("  ".into()))
        .unwrap()
        .details
        .certificate_no
        .is_none());
}

#[test]
fn spellings_of_one_certificate_share_a_claim() {
    let today = date("2026-03-01");
    let a = RegistrationCommand::parse(request(), today).unwrap();
    let mut r = request();
    r.certificate_no = Some("X-20240001".into());
    r.issuer = Some(" 工业和信息化部教育与考试中心 ".into());
    let b = RegistrationCommand::parse(r, today).unwrap();
    assert_eq!(a.details.claim_sk(), b.details.claim_sk());
    let mut r = request();
    r.certificate_no = Some("X-20240002".into());
    let c = RegistrationCommand::parse(r, today).unwrap();
    assert_ne!(a.details.claim_sk(), c.details.claim_sk());
}

fn decision(json: serde_json::Value) -> Result<DecisionCommand, DomainError> {
    DecisionCommand::try_from(serde_json::from_value::<DecisionRequest>(json).unwrap())
}

#[test]
fn decisions_approve_with_credits_or_give_a_reason() {
    let ok = decision(serde_json::json!({"decision": "APPROVE", "credits": 3.5, "points": 0}));
    assert_eq!(
        ok.unwrap().verdict,
        Verdict::Approve {
            credits: crate::values::credits::Credits(35),
            points: 0
        }
    );
    let bad = |j| match decision(j) {
        Err(DomainError::Validation { field, .. }) => field,
        other => panic!("{other:?}"),
    };
    assert_eq!(bad(serde_json::json!({"decision": "APPROVE"})), "credits");
    assert_eq!(
        bad(serde_json::json!({"decision": "APPROVE", "credits": 1.25})),
        "credits"
    );
    assert_eq!(
        bad(serde_json::json!({"decision": "APPROVE", "credits": -1})),
        "credits"
    );
    assert_eq!(
        bad(serde_json::json!({"decision": "APPROVE", "credits": 1, "points": -1})),
        "points"
    );
    assert_eq!(bad(serde_json::json!({"decision": "REJECT"})), "reason");
    assert_eq!(
        bad(serde_json::json!({"decision": "RETURN", "reason": "x"})),
        "reason"
    );
    assert_eq!(bad(serde_json::json!({"decision": "MAYBE"})), "decision");
    assert_eq!(bad(serde_json::json!({})), "decision");
    assert!(
        decision(serde_json::json!({"decision": "RETURN", "reason": "请补充证书背面"})).is_ok()
    );
}

fn registration() -> Registration {
    let cmd = RegistrationCommand::parse(request(), date("2026-03-01")).unwrap();
    Registration {
        id: "0123456789abcdef".into(),
        learner: "k".repeat(64),
        learner_name: "李嘉民".into(),
        learner_id_masked: "4408**********5051".into(),
        institution: School {
            code: "DEMO-SCHOOL".into(),
            name: "演示院校".into(),
        },
        details: cmd.details,
        evidence: vec![],
        status: Status::Pending,
        reason: None,
        credit_tenths: None,
        points: None,
        achievement_id: None,
        submitted_ms: 1_000,
        updated_at: 1,
        history: vec![],
    }
}

#[test]
fn the_states_move_only_along_their_arrows() {
    let approve = decision(serde_json::json!({"decision": "APPROVE", "credits": 3.5})).unwrap();
    let ret = decision(serde_json::json!({"decision": "RETURN", "reason": "请补充"})).unwrap();
    let mut r = registration();
    let a = r.decide(&approve, "reviewer-1", 10).unwrap().unwrap();
    assert_eq!(
        (r.status, a.credit_tenths, a.source.as_str()),
        (Status::Approved, 35, "personal")
    );
    assert_eq!(r.achievement_id.as_deref(), Some(a.id.as_str()));
    assert_eq!(a.institution, "DEMO-SCHOOL");
    assert!(matches!(
        r.decide(&approve, "reviewer-2", 11),
        Err(DomainError::StateConflict)
    ));
    assert!(matches!(r.withdraw(12), Err(DomainError::StateConflict)));

    let mut r = registration();
    assert!(r.decide(&ret, "reviewer-1", 10).unwrap().is_none());
    assert_eq!(
        (r.status, r.reason.as_deref()),
        (Status::Returned, Some("请补充"))
    );
    assert!(matches!(
        r.decide(&approve, "x", 11),
        Err(DomainError::StateConflict)
    ));
    let details = r.details.clone();
    r.resubmit(details.clone(), vec![], 20_000).unwrap();
    assert_eq!((r.status, r.submitted_ms), (Status::Pending, 20_000));
    assert!(matches!(
        r.resubmit(details, vec![], 30_000),
        Err(DomainError::StateConflict)
    ));
    r.withdraw(40).unwrap();
    assert_eq!(r.status, Status::Withdrawn);
    let actions: Vec<Action> = r.history.iter().map(|s| s.action).collect();
    assert_eq!(
        actions,
        [Action::Returned, Action::Resubmitted, Action::Withdrawn]
    );
}

#[test]
fn a_change_moves_the_index_entry_to_its_new_status() {
    let mut r = registration();
    let before = r.clone();
    r.withdraw(5).unwrap();
    let ops = r.index_ops(Some(&before));
    assert_eq!(ops.len(), 2);
    assert!(matches!(&ops[0], WriteOp::Delete { sk, .. } if sk.starts_with("PENDING#")));
    assert!(matches!(&ops[1], WriteOp::Put { item, .. } if item.sk.starts_with("WITHDRAWN#")));
    assert_eq!(r.index_ops(None).len(), 1);
}
