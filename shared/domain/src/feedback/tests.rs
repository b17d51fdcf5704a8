use super::*;

/// A ticket holding `messages` messages, answered by the school.
fn replied(messages: usize) -> Ticket {
    Ticket {
        id: "b7e2c4a6d8f01357".into(),
        ticket_no: "FK20260301000001".into(),
        learner: "k".into(),
        learner_name: "陈晓明".into(),
        learner_id_masked: "4401**********2168".into(),
        institution: School {
            code: "DEMO-SCHOOL".into(),
            name: "学分银行演示院校".into(),
        },
        category: Category::Consult,
        title: "如何修改已登记的成果".into(),
        related: None,
        attachments: Vec::new(),
        status: Status::Replied,
        forwarded: false,
        message_count: messages,
        rating: None,
        submitted_ms: 0,
        waiting_ms: 0,
        answer_due: 0,
        first_answered_at: Some(60),
        last_notice_at: None,
        updated_at: 60,
    }
}

#[test]
fn a_full_thread_takes_no_message_but_its_closing() {
    let mut t = replied(MAX_MESSAGES);
    assert!(matches!(
        t.follow_up(120_000, "还有一个问题".into()),
        Err(DomainError::TooManyMessages)
    ));
    assert!(matches!(
        t.reply(120, Author::School, "staff", "答复".into()),
        Err(DomainError::TooManyMessages)
    ));
    // What TOO_MANY_MESSAGES asks the learner to do: close it (and ask again).
    let m = t.close(120, Some(3)).expect("a full thread can be closed");
    assert_eq!(
        (m.seq, m.kind, t.status),
        (MAX_MESSAGES + 1, Kind::Close, Status::Closed)
    );
    assert!(matches!(
        t.close(180, None),
        Err(DomainError::StateConflict)
    ));
}

#[test]
fn a_thread_below_the_limit_takes_a_message() {
    let mut t = replied(MAX_MESSAGES - 1);
    let m = t.follow_up(120_000, "还有一个问题".into()).unwrap();
    assert_eq!((m.seq, t.status), (MAX_MESSAGES, Status::Submitted));
}
