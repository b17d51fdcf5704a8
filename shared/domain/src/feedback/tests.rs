use super::command::{
    CloseCommand, CloseRequest, MessageCommand, MessageRequest, TicketCommand, TicketRequest,
};
use super::*;
use crate::error::Problem;
use chrono::NaiveDate;

/// Unix seconds of a China Standard Time wall clock.
fn cst(y: i32, m: u32, d: u32, h: u32) -> i64 {
    NaiveDate::from_ymd_opt(y, m, d)
        .and_then(|d| d.and_hms_opt(h, 0, 0))
        .unwrap()
        .and_utc()
        .timestamp()
        - 8 * 3600
}

#[test]
fn the_answer_is_due_three_working_days_later() {
    // 2026-11-30 is a Monday.
    assert_eq!(answer_due(cst(2026, 11, 30, 10), 3), cst(2026, 12, 3, 10));
    // Friday afternoon: the weekend does not count.
    assert_eq!(answer_due(cst(2026, 12, 4, 15), 3), cst(2026, 12, 9, 15));
    // Filed on a weekend: counted from Monday's start.
    assert_eq!(answer_due(cst(2026, 12, 5, 10), 3), cst(2026, 12, 10, 0));
    assert_eq!(answer_due(cst(2026, 12, 6, 23), 1), cst(2026, 12, 8, 0));
    // Late on Sunday in UTC is Monday in China: an ordinary working day.
    assert_eq!(answer_due(cst(2026, 12, 7, 2), 1), cst(2026, 12, 8, 2));
}

fn ticket() -> Ticket {
    Ticket {
        id: "0123456789abcdef".into(),
        ticket_no: "FK20261201000001".into(),
        learner: "k".into(),
        learner_name: "学习者".into(),
        learner_id_masked: "1101**********0012".into(),
        institution: School {
            code: "DEMO-SCHOOL".into(),
            name: "演示院校".into(),
        },
        category: Category::Consult,
        title: "登记为何未通过".into(),
        related: None,
        attachments: Vec::new(),
        status: Status::Submitted,
        forwarded: false,
        message_count: 1,
        rating: None,
        submitted_ms: 1_000_000,
        waiting_ms: 1_000_000,
        school_deadline: Deadline {
            due: 1_000 + 3 * 86_400,
            answered_at: None,
        },
        platform_deadline: None,
        last_notice_at: None,
        updated_at: 1_000,
    }
}

fn conflict<T: std::fmt::Debug>(r: Result<T, DomainError>) -> bool {
    matches!(r, Err(DomainError::StateConflict))
}

#[test]
fn a_ticket_goes_to_the_school_then_the_credit_bank_and_closes() {
    let mut t = ticket();
    assert!(conflict(t.reply(2_000, Author::Platform, "p", "早".into())));
    let m = t.reply(2_000, Author::School, "s", "答复".into()).unwrap();
    assert_eq!(
        (m.seq, t.status, t.school_deadline.answered_at),
        (2, Status::Replied, Some(2_000))
    );
    t.follow_up(3_000_000, "追问".into()).unwrap();
    assert_eq!((t.status, t.waiting_ms), (Status::Submitted, 3_000_000));
    let f = t.forward(4_000_000, "s", "请平台核验".into(), 3).unwrap();
    assert_eq!((f.kind, f.author), (Kind::Forward, Author::School));
    assert_eq!(
        (t.status, t.forwarded, t.school_deadline.answered_at),
        (Status::Forwarded, true, Some(2_000))
    );
    assert!(conflict(t.forward(4_000_001, "s", "again".into(), 3)));
    assert!(conflict(t.reply(
        4_100,
        Author::School,
        "s",
        "还想答".into()
    )));
    t.reply(5_000, Author::Platform, "p", "已核验".into())
        .unwrap();
    assert_eq!(t.status, Status::Replied);
    // A follow-up now waits for the credit bank.
    t.follow_up(6_000_000, "谢谢".into()).unwrap();
    assert_eq!(t.status, Status::Forwarded);
    let c = t.close(7_000, Some(5)).unwrap();
    assert_eq!(
        (c.kind, c.rating, t.rating, t.status),
        (Kind::Close, Some(5), Some(5), Status::Closed)
    );
    assert_eq!(t.message_count, 7);
    assert!(conflict(t.follow_up(8_000_000, "再问".into())));
    assert!(conflict(t.reply(
        8_000,
        Author::Platform,
        "p",
        "再答".into()
    )));
    assert!(conflict(t.close(8_000, None)));
}

#[test]
fn forwarding_first_is_the_first_answer_and_learners_never_reply_as_staff() {
    let mut t = ticket();
    t.forward(9_000_000, "s", "转办".into(), 3).unwrap();
    assert_eq!(t.school_deadline.answered_at, Some(9_000));
    assert!(conflict(t.reply(
        9_001,
        Author::Learner,
        "LEARNER",
        "冒充".into()
    )));
}

#[test]
fn a_thread_holds_fifty_messages_and_still_closes() {
    let mut t = ticket();
    for i in 1..MAX_MESSAGES {
        t.follow_up(i as i64 * 1000, "追问".into()).unwrap();
    }
    assert_eq!(t.message_count, MAX_MESSAGES);
    let full = t.follow_up(99_000_000, "再追问".into());
    assert!(matches!(full, Err(DomainError::TooManyMessages)));
    assert_eq!(t.message_count, MAX_MESSAGES);
    let closing = t.close(99_000, Some(3)).unwrap();
    assert_eq!((closing.seq, t.status), (MAX_MESSAGES + 1, Status::Closed));
}

#[test]
fn one_notice_an_hour_per_ticket() {
    let mut t = ticket();
    assert!(t.take_notice(10_000));
    assert!(!t.take_notice(10_000 + NOTICE_GAP_SECONDS - 1));
    assert_eq!(t.last_notice_at, Some(10_000));
    assert!(t.take_notice(10_000 + NOTICE_GAP_SECONDS));
}

#[test]
fn the_learner_sees_that_it_was_forwarded_not_the_note() {
    let mut t = ticket();
    let note = t.forward(9_000_000, "s", "内部说明".into(), 3).unwrap();
    let learner = MessageView::of(&note, Reader::Learner, Lang::Zh);
    let platform = MessageView::of(&note, Reader::Platform, Lang::Zh);
    assert_eq!((learner.content, learner.kind_label), (None, "转交平台"));
    assert_eq!(platform.content.as_deref(), Some("内部说明"));
}

#[test]
fn inbox_entries_follow_the_status_and_the_forwarding() {
    let before = ticket();
    let put_keys = |ops: &[WriteOp]| -> Vec<(String, String)> {
        ops.iter()
            .filter_map(|op| match op {
                WriteOp::Put { item, .. } => Some((item.pk.clone(), item.sk.clone())),
                _ => None,
            })
            .collect()
    };
    assert_eq!(
        put_keys(&before.index_ops(None)),
        [(
            "INSTFB#DEMO-SCHOOL".to_string(),
            "SUBMITTED#000000001000000#0123456789abcdef".to_string()
        )]
    );
    let mut after = before.clone();
    after.forward(2_000_000, "s", "转".into(), 3).unwrap();
    let ops = after.index_ops(Some(&before));
    let deletes = ops
        .iter()
        .filter(|op| matches!(op, WriteOp::Delete { .. }))
        .count();
    assert_eq!(deletes, 1, "the school's old entry out");
    let sk = "FORWARDED#000000002000000#0123456789abcdef".to_string();
    assert_eq!(
        put_keys(&ops),
        [
            ("INSTFB#DEMO-SCHOOL".to_string(), sk.clone()),
            ("PLATFB".to_string(), sk)
        ]
    );
}

fn request() -> TicketRequest {
    TicketRequest {
        institution: Some("DEMO-SCHOOL".into()),
        category: Some("HELP".into()),
        title: Some("  账号无法激活  ".into()),
        content: Some("我用身份证后六位登录，提示激活已过期。\r\n请帮忙。".into()),
        related_id: None,
        attachments: None,
    }
}

fn field_of(r: TicketRequest) -> String {
    match TicketCommand::try_from(r) {
        Err(DomainError::Validation { field, .. }) => field,
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_ticket_is_checked_field_by_field() {
    let cmd = TicketCommand::try_from(request()).unwrap();
    assert_eq!(cmd.title, "账号无法激活");
    assert_eq!(cmd.category, Category::Help);
    assert!(cmd.content.contains("\n请帮忙") && !cmd.content.contains('\r'));
    let with = |f: fn(&mut TicketRequest)| {
        let mut r = request();
        f(&mut r);
        field_of(r)
    };
    assert_eq!(with(|r| r.category = Some("PRAISE".into())), "category");
    assert_eq!(with(|r| r.institution = Some("a b".into())), "institution");
    assert_eq!(with(|r| r.title = Some("三个字".into())), "title");
    assert_eq!(with(|r| r.title = Some("字".repeat(31))), "title");
    assert_eq!(with(|r| r.title = Some("两行\n标题".into())), "title");
    assert_eq!(
        with(|r| r.content = Some("九个字九个字九个字".into())),
        "content"
    );
    assert_eq!(with(|r| r.content = Some("字".repeat(601))), "content");
    assert_eq!(
        with(|r| r.content = Some("控制字符\u{7}控制字符控制".into())),
        "content"
    );
    assert_eq!(with(|r| r.related_id = Some("REG-1".into())), "relatedId");
    assert_eq!(
        with(|r| r.attachments = Some(vec!["a".repeat(32), "a".repeat(32)])),
        "attachments"
    );
    assert_eq!(
        with(|r| r.attachments = Some((0..4).map(|i| i.to_string().repeat(32)).collect())),
        "attachments"
    );
    let mut r = request();
    r.title = Some("字".repeat(30));
    r.content = Some("字".repeat(600));
    assert!(
        TicketCommand::try_from(r).is_ok(),
        "the limits are characters"
    );
}

#[test]
fn messages_notes_and_ratings_are_checked() {
    let m = |content: Option<&str>, note: Option<&str>| MessageRequest {
        content: content.map(Into::into),
        note: note.map(Into::into),
    };
    assert_eq!(
        MessageCommand::message(m(Some(" 好 "), None))
            .unwrap()
            .content,
        "好"
    );
    assert!(MessageCommand::message(m(Some("  "), None)).is_err());
    assert!(MessageCommand::message(m(Some("x"), Some("y"))).is_err());
    assert_eq!(
        MessageCommand::note(m(None, Some("转办"))).unwrap().content,
        "转办"
    );
    assert!(MessageCommand::note(m(Some("转办"), None)).is_err());
    let rating = |n: serde_json::Value| {
        CloseCommand::try_from(CloseRequest {
            rating: serde_json::from_value(n).ok(),
        })
    };
    assert_eq!(rating(serde_json::json!(5)).unwrap().rating, Some(5));
    assert_eq!(rating(serde_json::Value::Null).unwrap().rating, None);
    for bad in [
        serde_json::json!(0),
        serde_json::json!(6),
        serde_json::json!(4.5),
    ] {
        assert!(matches!(
            rating(bad),
            Err(DomainError::Validation {
                problem: Problem::OutOfRange,
                ..
            })
        ));
    }
}
