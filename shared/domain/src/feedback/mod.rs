//! 问题反馈: a learner asks one of their schools a question (consultation, complaint,
//! suggestion, request for help, other), with up to three attachments and, if it is about one,
//! a registration or conversion application of theirs; the school answers (直办) or forwards it to
//! the credit bank (转办), whose staff answer; the learner follows up and closes it with a rating.
//! Every reply sends the learner a notice SMS, at most one an hour per ticket.
//!
//! A ticket lives in its learner's partition (`FB#<id>`), its thread beside it (`FBM#<id>#<n>`,
//! one item a message, so the learner's list reads no thread); a pointer (`FBID#<id>`) names its
//! learner and school for staff; a claim (`FBNO#<ticket number>`) keeps numbers unique. The
//! school's inbox is an index partition (`INSTFB#<school>`), the credit bank's another
//! (`PLATFB`), both by status then the time the ticket began waiting. Every change writes the
//! ticket on its version, with the new message, the index entries and the notice count in one
//! transaction: each change is decided exactly once.
//!
//! States: `SUBMITTED` (awaiting the school) → `REPLIED` (school) | `FORWARDED` (school; then
//! awaiting the credit bank); `FORWARDED` → `REPLIED` (credit bank); a follow-up puts a ticket
//! back to whoever handles it (`SUBMITTED` or `FORWARDED`); any → `CLOSED` (learner).

pub mod command;
pub mod learner;
pub mod staff;

use crate::account::learner::School;
use crate::app::App;
use crate::error::DomainError;
use crate::store::schema;
use crate::store::{Condition, Item, WriteOp};
use crate::uploads::{Evidence, EvidenceView};
use crate::values::lang::Lang;
use crate::workflow::{time_text, LearnerView};
use chrono::{Datelike, Duration, TimeZone, Weekday};
use serde::{Deserialize, Serialize};

/// New tickets one learner may file a day (China Standard Time calendar day).
pub const DAILY_TICKETS: u64 = 5;
/// Messages one ticket may hold (the learner's first included), its closing aside: a full thread
/// can still be closed, which is what `TOO_MANY_MESSAGES` asks the learner to do.
pub const MAX_MESSAGES: usize = 50;
/// The least time between two reply notices of one ticket.
pub const NOTICE_GAP_SECONDS: i64 = 3600;

macro_rules! codes {
    ($(#[$m:meta])* $name:ident { $($variant:ident = $code:literal, $zh:literal, $en:literal;)+ }) => {
        $(#[$m])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
        pub enum $name {
            $(#[serde(rename = $code)] $variant,)+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $code,)+ }
            }

            pub fn parse(text: &str) -> Option<$name> {
                Self::ALL.iter().copied().find(|v| v.as_str() == text)
            }

            pub fn label(self, lang: Lang) -> &'static str {
                match self { $($name::$variant => lang.pick($zh, $en),)+ }
            }
        }
    };
}

codes! {
    /// What a question is (the categories of government service mailboxes).
    Category {
        Consult = "CONSULT", "咨询", "Question";
        Complaint = "COMPLAINT", "投诉", "Complaint";
        Suggestion = "SUGGESTION", "建议", "Suggestion";
        Help = "HELP", "求助", "Request for help";
        Other = "OTHER", "其他", "Other";
    }
}

codes! {
    Status {
        Submitted = "SUBMITTED", "待院校答复", "Awaiting the school";
        Forwarded = "FORWARDED", "已转平台处理", "Forwarded to the credit bank";
        Replied = "REPLIED", "已答复", "Replied";
        Closed = "CLOSED", "已关闭", "Closed";
    }
}

codes! {
    /// Who wrote a message.
    Author {
        Learner = "LEARNER", "学习者", "Learner";
        School = "SCHOOL", "院校", "School";
        Platform = "PLATFORM", "学分银行平台", "Credit bank";
    }
}

codes! {
    /// What a message is.
    Kind {
        Message = "MESSAGE", "留言", "Message";
        Forward = "FORWARD", "转交平台", "Forwarded to the credit bank";
        Close = "CLOSE", "关闭问题", "Closed";
    }
}

codes! {
    /// What a ticket may be about besides its text.
    RelatedKind {
        Registration = "REGISTRATION", "成果登记", "Achievement registration";
        Conversion = "CONVERSION", "成果转换申请", "Conversion application";
    }
}

impl crate::workflow::ListStatus for Status {
    fn parse(text: &str) -> Option<Status> {
        Status::parse(text)
    }

    fn as_str(self) -> &'static str {
        Status::as_str(self)
    }
}

/// A registration or conversion application of the learner's, as it was when the ticket was
/// filed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Related {
    pub kind: RelatedKind,
    pub id: String,
    pub name: String,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RelatedView {
    pub kind: RelatedKind,
    pub kind_label: &'static str,
    pub id: String,
    pub name: String,
}

/// One message of a thread (`FBM#<ticket>#<n>`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Message {
    pub seq: usize,
    pub at: i64,
    pub author: Author,
    /// `LEARNER`, or the staff member's user pool subject (kept for the record, never shown).
    pub by: String,
    pub kind: Kind,
    /// As written (shown as text by every client); empty for a closing without words.
    pub content: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rating: Option<u8>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MessageView {
    pub seq: usize,
    pub at: String,
    pub author: Author,
    pub author_label: &'static str,
    pub kind: Kind,
    pub kind_label: &'static str,
    /// Absent where the reader may not see it (a forwarding note, for the learner).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rating: Option<u8>,
}

/// Who reads a ticket: what they see of it differs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reader {
    Learner,
    School,
    Platform,
}

impl MessageView {
    pub fn of(m: &Message, reader: Reader, lang: Lang) -> MessageView {
        let hidden = reader == Reader::Learner && m.kind == Kind::Forward;
        MessageView {
            seq: m.seq,
            at: time_text(m.at),
            author: m.author,
            author_label: m.author.label(lang),
            kind: m.kind,
            kind_label: m.kind.label(lang),
            content: (!hidden && !m.content.is_empty()).then(|| m.content.clone()),
            rating: m.rating,
        }
    }
}

/// A ticket as stored (`LEARNER#<idKey>`, `FB#<id>`); its messages are items of their own.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Ticket {
    pub id: String,
    pub ticket_no: String,
    pub learner: String,
    pub learner_name: String,
    pub learner_id_masked: String,
    pub institution: School,
    pub category: Category,
    pub title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub related: Option<Related>,
    #[serde(default)]
    pub attachments: Vec<Evidence>,
    pub status: Status,
    /// Whether the credit bank handles it (it was forwarded).
    #[serde(default)]
    pub forwarded: bool,
    pub message_count: usize,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rating: Option<u8>,
    /// Milliseconds: when it was filed.
    pub submitted_ms: i64,
    /// Milliseconds: when it began waiting for its handler (the inboxes are ordered by it).
    pub waiting_ms: i64,
    /// The school's first answer: due working days after filing.
    pub school_deadline: Deadline,
    /// The credit bank's first answer: due working days after forwarding.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub platform_deadline: Option<Deadline>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_notice_at: Option<i64>,
    pub updated_at: i64,
}

/// When a desk's first answer is due, and when it came.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Deadline {
    pub due: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answered_at: Option<i64>,
}

impl Deadline {
    /// `days` working days from `from`.
    pub fn after(from: i64, days: u32) -> Deadline {
        Deadline {
            due: answer_due(from, days),
            answered_at: None,
        }
    }

    fn answered(&mut self, now: i64) {
        self.answered_at.get_or_insert(now);
    }
}

/// The moment `days` working days (Monday to Friday, China Standard Time) after `from`: the same
/// time of day, counted from the next working day's start when `from` falls on a weekend.
pub fn answer_due(from: i64, days: u32) -> i64 {
    let offset = crate::app::china_offset();
    let Some(mut t) = offset.timestamp_opt(from, 0).single() else {
        return from;
    };
    let weekend = |w: Weekday| matches!(w, Weekday::Sat | Weekday::Sun);
    if weekend(t.weekday()) {
        while weekend(t.weekday()) {
            t += Duration::days(1);
        }
        t = t
            .date_naive()
            .and_hms_opt(0, 0, 0)
            .and_then(|d| offset.from_local_datetime(&d).single())
            .unwrap_or(t);
    }
    let mut left = days;
    while left > 0 {
        t += Duration::days(1);
        if !weekend(t.weekday()) {
            left -= 1;
        }
    }
    t.timestamp()
}

impl Ticket {
    /// A message by `author` at `now` (the next in the thread); an error once the ticket is closed,
    /// or the thread full (but for the closing).
    fn message(
        &mut self,
        now: i64,
        author: Author,
        by: &str,
        kind: Kind,
        content: String,
    ) -> Result<Message, DomainError> {
        if self.status == Status::Closed {
            return Err(DomainError::StateConflict);
        }
        // A full thread can still be closed (its closing is one past the cap).
        if self.message_count >= MAX_MESSAGES && kind != Kind::Close {
            return Err(DomainError::TooManyMessages);
        }
        self.message_count += 1;
        self.updated_at = now;
        Ok(Message {
            seq: self.message_count,
            at: now,
            author,
            by: by.to_string(),
            kind,
            content,
            rating: None,
        })
    }

    /// The learner follows up: the ticket waits again for whoever handles it.
    pub fn follow_up(&mut self, now_ms: i64, content: String) -> Result<Message, DomainError> {
        let m = self.message(
            now_ms / 1000,
            Author::Learner,
            crate::workflow::LEARNER,
            Kind::Message,
            content,
        )?;
        self.status = if self.forwarded {
            Status::Forwarded
        } else {
            Status::Submitted
        };
        self.waiting_ms = now_ms;
        Ok(m)
    }

    /// A reply by the school (while it handles the ticket) or the credit bank (once forwarded).
    pub fn reply(
        &mut self,
        now: i64,
        author: Author,
        by: &str,
        content: String,
    ) -> Result<Message, DomainError> {
        let handles = match author {
            Author::School => !self.forwarded,
            Author::Platform => self.forwarded,
            Author::Learner => false,
        };
        if !handles {
            return Err(DomainError::StateConflict);
        }
        let m = self.message(now, author, by, Kind::Message, content)?;
        self.status = Status::Replied;
        match &mut self.platform_deadline {
            Some(d) if author == Author::Platform => d.answered(now),
            _ => self.school_deadline.answered(now),
        }
        Ok(m)
    }

    /// The school passes the ticket to the credit bank, with a note for it: that is the school's
    /// answer, and the credit bank's first answer is due `days` working days later.
    pub fn forward(
        &mut self,
        now_ms: i64,
        by: &str,
        note: String,
        days: u32,
    ) -> Result<Message, DomainError> {
        if self.forwarded {
            return Err(DomainError::StateConflict);
        }
        let now = now_ms / 1000;
        let m = self.message(now, Author::School, by, Kind::Forward, note)?;
        self.forwarded = true;
        self.status = Status::Forwarded;
        self.waiting_ms = now_ms;
        self.school_deadline.answered(now);
        self.platform_deadline = Some(Deadline::after(now, days));
        Ok(m)
    }

    /// The learner closes the ticket, rating the answers or not.
    pub fn close(&mut self, now: i64, rating: Option<u8>) -> Result<Message, DomainError> {
        let mut m = self.message(
            now,
            Author::Learner,
            crate::workflow::LEARNER,
            Kind::Close,
            String::new(),
        )?;
        m.rating = rating;
        self.status = Status::Closed;
        self.rating = rating;
        Ok(m)
    }

    /// Whether a reply at `now` may send a notice (none to this ticket in the past hour); if so,
    /// records it as sent.
    pub fn take_notice(&mut self, now: i64) -> bool {
        let due = self
            .last_notice_at
            .is_none_or(|at| now - at >= NOTICE_GAP_SECONDS);
        if due {
            self.last_notice_at = Some(now);
        }
        due
    }

    pub fn item(&self) -> Item {
        Item::new(
            schema::learner_pk(&self.learner),
            schema::feedback_sk(&self.id),
            self,
        )
    }

    /// A message's item (new: its place in the thread is taken once).
    pub fn message_op(&self, m: &Message) -> WriteOp {
        WriteOp::Put {
            item: Item::new(
                schema::learner_pk(&self.learner),
                schema::feedback_message_sk(&self.id, m.seq),
                m,
            ),
            condition: Condition::NotExists,
        }
    }

    /// The inbox entries' keys: the school's always, the credit bank's once forwarded.
    fn index_keys(&self) -> Vec<(String, String)> {
        let sk =
            schema::institution_registration_sk(self.status.as_str(), self.waiting_ms, &self.id);
        let mut keys = vec![(
            schema::institution_feedback_pk(&self.institution.code),
            sk.clone(),
        )];
        if self.forwarded {
            keys.push((schema::PLATFORM_FEEDBACK_PK.to_string(), sk));
        }
        keys
    }

    /// The inbox entries' writes after a change from `before`: old entries out, new ones in.
    pub fn index_ops(&self, before: Option<&Ticket>) -> Vec<WriteOp> {
        let entry = IndexEntry::of(self);
        let old = before.map(Ticket::index_keys).unwrap_or_default();
        self.index_keys()
            .into_iter()
            .enumerate()
            .flat_map(|(i, key)| crate::workflow::queue_moves(old.get(i).cloned(), key, &entry))
            .collect()
    }

    /// The whole change from `before` (none for a new ticket): the ticket on its version (or
    /// new), the message, the inbox entries.
    pub fn change_ops(&self, before: Option<(&Item, &Ticket)>, m: &Message) -> Vec<WriteOp> {
        let mut ops = vec![
            WriteOp::put_over(before.map(|(i, _)| i), self.item()),
            self.message_op(m),
        ];
        ops.extend(self.index_ops(before.map(|(_, t)| t)));
        ops
    }
}

impl crate::workflow::Request for Ticket {
    type Status = Status;
    fn status(&self) -> Status {
        self.status
    }
    fn submitted_ms(&self) -> i64 {
        self.submitted_ms
    }
    fn id(&self) -> &str {
        &self.id
    }
}

/// What an inbox keeps of a ticket (its list needs nothing else).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IndexEntry {
    pub id: String,
    pub ticket_no: String,
    pub learner_name: String,
    pub learner_id_masked: String,
    pub institution: School,
    pub category: Category,
    pub title: String,
    pub status: Status,
    pub message_count: usize,
    pub submitted_ms: i64,
    pub waiting_ms: i64,
    pub school_deadline: Deadline,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub platform_deadline: Option<Deadline>,
}

impl IndexEntry {
    fn of(t: &Ticket) -> IndexEntry {
        IndexEntry {
            id: t.id.clone(),
            ticket_no: t.ticket_no.clone(),
            learner_name: t.learner_name.clone(),
            learner_id_masked: t.learner_id_masked.clone(),
            institution: t.institution.clone(),
            category: t.category,
            title: t.title.clone(),
            status: t.status,
            message_count: t.message_count,
            submitted_ms: t.submitted_ms,
            waiting_ms: t.waiting_ms,
            school_deadline: t.school_deadline,
            platform_deadline: t.platform_deadline,
        }
    }
}

/// The first-answer limit as the school sees it: when it is due, how long is left (negative
/// when overdue), or when it was met.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AnswerLimit {
    pub due_at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seconds_left: Option<i64>,
    pub overdue: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub answered_at: Option<String>,
}

impl AnswerLimit {
    pub fn of(d: &Deadline, now: i64) -> AnswerLimit {
        AnswerLimit {
            due_at: time_text(d.due),
            seconds_left: d.answered_at.is_none().then_some(d.due - now),
            overdue: d.answered_at.map_or(now > d.due, |at| at > d.due),
            answered_at: d.answered_at.map(time_text),
        }
    }

    /// The limit a staff reader answers to: the school's, or the credit bank's once forwarded.
    pub fn for_staff(
        reader: Reader,
        school: &Deadline,
        platform: Option<&Deadline>,
        now: i64,
    ) -> AnswerLimit {
        match (reader, platform) {
            (Reader::Platform, Some(d)) => AnswerLimit::of(d, now),
            _ => AnswerLimit::of(school, now),
        }
    }
}

/// A ticket as its learner, its school and the credit bank see it.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TicketView {
    pub id: String,
    pub ticket_no: String,
    pub institution: School,
    pub category: Category,
    pub category_label: &'static str,
    pub title: String,
    pub status: Status,
    pub status_label: &'static str,
    pub forwarded: bool,
    pub message_count: usize,
    pub rating: Option<u8>,
    pub related: Option<RelatedView>,
    pub submitted_at: String,
    pub updated_at: String,
    /// Absent from the learner's list.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attachments: Option<Vec<EvidenceView>>,
    /// The thread, oldest first (absent from lists).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub messages: Option<Vec<MessageView>>,
    /// Staff views only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub learner: Option<LearnerView>,
    /// Staff views only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub answer_limit: Option<AnswerLimit>,
}

impl TicketView {
    /// A list's view (no thread, no attachments).
    pub fn summary(t: &Ticket, lang: Lang) -> TicketView {
        TicketView {
            id: t.id.clone(),
            ticket_no: t.ticket_no.clone(),
            institution: t.institution.clone(),
            category: t.category,
            category_label: t.category.label(lang),
            title: t.title.clone(),
            status: t.status,
            status_label: t.status.label(lang),
            forwarded: t.forwarded,
            message_count: t.message_count,
            rating: t.rating,
            related: t.related.as_ref().map(|r| RelatedView {
                kind: r.kind,
                kind_label: r.kind.label(lang),
                id: r.id.clone(),
                name: r.name.clone(),
            }),
            submitted_at: time_text(t.submitted_ms / 1000),
            updated_at: time_text(t.updated_at),
            attachments: None,
            messages: None,
            learner: None,
            answer_limit: None,
        }
    }

    /// One ticket with its thread, as `reader` sees it; attachments with read URLs.
    pub async fn full(
        app: &App,
        t: &Ticket,
        thread: &[Message],
        reader: Reader,
        lang: Lang,
    ) -> Result<TicketView, DomainError> {
        let mut view = TicketView::summary(t, lang);
        view.attachments = Some(crate::uploads::views(app, &t.attachments, true).await?);
        view.messages = Some(
            thread
                .iter()
                .map(|m| MessageView::of(m, reader, lang))
                .collect(),
        );
        if reader != Reader::Learner {
            view.learner = Some(LearnerView {
                name: t.learner_name.clone(),
                id_number_masked: t.learner_id_masked.clone(),
            });
            view.answer_limit = Some(AnswerLimit::for_staff(
                reader,
                &t.school_deadline,
                t.platform_deadline.as_ref(),
                app.now_unix(),
            ));
        }
        Ok(view)
    }
}

/// A ticket's thread, oldest first: one query.
pub async fn thread(app: &App, t: &Ticket) -> Result<Vec<Message>, DomainError> {
    thread_of(app, &t.learner, &t.id).await
}

/// The thread of ticket `id` of learner `learner`, oldest first: one query.
pub async fn thread_of(app: &App, learner: &str, id: &str) -> Result<Vec<Message>, DomainError> {
    let items = app
        .store
        .query(
            &schema::learner_pk(learner),
            &schema::feedback_messages_prefix(id),
            crate::store::QueryOpts::ALL,
        )
        .await?;
    Ok(items
        .iter()
        .map(|i| i.parse::<Message>())
        .collect::<Result<_, _>>()?)
}

#[cfg(test)]
mod tests;
