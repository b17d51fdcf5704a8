//! The school's inbox and the credit bank's: list, read, reply, and (the school) forward. A
//! school reads only its own learners' tickets, the credit bank only those forwarded to it
//! (anything else reads as `NOT_FOUND`). A reply or a forwarding is one transaction over the
//! ticket (on its version: of two changes at once, each is decided on what the other left),
//! the new message, the inbox entries and, for a reply, the learner's notice count; at most
//! three round trips: the ticket's pointer, the ticket (with the learner, for the notice), the
//! write.

use super::command::{ListQuery, MessageCommand};
use super::{
    thread_of, AnswerLimit, Author, Category, IndexEntry, Reader, Status, Ticket, TicketView,
};
use crate::account::learner::{self, School};
use crate::account::staff::Staff;
use crate::app::App;
use crate::error::DomainError;
use crate::store::retry::optimistic;
use crate::store::schema;
use crate::store::{Item, Step};
use crate::values::lang::Lang;
use crate::workflow::{self, LearnerView, Pointer, QueuePage};
use serde::Serialize;

/// Where staff answer from: their school's inbox, or the credit bank's.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Desk {
    School,
    Platform,
}

impl Desk {
    fn author(self) -> Author {
        match self {
            Desk::School => Author::School,
            Desk::Platform => Author::Platform,
        }
    }

    fn reader(self) -> Reader {
        match self {
            Desk::School => Reader::School,
            Desk::Platform => Reader::Platform,
        }
    }

    /// The inbox's partition.
    fn inbox_pk(self, staff: &Staff) -> String {
        match self {
            Desk::School => schema::institution_feedback_pk(&staff.institution),
            Desk::Platform => schema::PLATFORM_FEEDBACK_PK.to_string(),
        }
    }

    /// What the inbox shows when the query names no status: what awaits this desk.
    fn awaiting(self) -> Status {
        match self {
            Desk::School => Status::Submitted,
            Desk::Platform => Status::Forwarded,
        }
    }

    /// Whether this desk may read `ticket` (the school's own; the credit bank's once forwarded).
    fn reads(self, staff: &Staff, ticket: &Ticket) -> bool {
        match self {
            Desk::School => ticket.institution.code == staff.institution,
            Desk::Platform => ticket.forwarded,
        }
    }
}

/// An inbox line.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct InboxItem {
    pub id: String,
    pub ticket_no: String,
    pub learner: LearnerView,
    pub institution: School,
    pub category: Category,
    pub category_label: &'static str,
    pub title: String,
    pub status: Status,
    pub status_label: &'static str,
    pub message_count: usize,
    pub submitted_at: String,
    /// Since when it waits for this desk.
    pub waiting_since: String,
    pub answer_limit: AnswerLimit,
}

pub type InboxResponse = QueuePage<Status, InboxItem>;

/// `GET /institution/feedback?status=…` and `GET /platform/feedback?status=…`: the tickets in
/// one status (by default, those awaiting this desk), longest waiting first; one query.
pub async fn inbox(
    app: &App,
    staff: &Staff,
    desk: Desk,
    q: ListQuery,
    lang: Lang,
) -> Result<InboxResponse, DomainError> {
    let now = app.now_unix();
    let pk = desk.inbox_pk(staff);
    workflow::queue(app, &pk, q, desk.awaiting(), |e: IndexEntry| InboxItem {
        learner: LearnerView {
            name: e.learner_name,
            id_number_masked: e.learner_id_masked,
        },
        category_label: e.category.label(lang),
        status_label: e.status.label(lang),
        submitted_at: workflow::time_text(e.submitted_ms / 1000),
        waiting_since: workflow::time_text(e.waiting_ms / 1000),
        answer_limit: AnswerLimit::for_staff(
            desk.reader(),
            &e.school_deadline,
            e.platform_deadline.as_ref(),
            now,
        ),
        id: e.id,
        ticket_no: e.ticket_no,
        institution: e.institution,
        category: e.category,
        title: e.title,
        status: e.status,
        message_count: e.message_count,
    })
    .await
}

/// Whose ticket `id` is (none: `NOT_FOUND`); a school's desk reads only its own.
async fn pointer(app: &App, staff: &Staff, desk: Desk, id: &str) -> Result<Pointer, DomainError> {
    if !workflow::is_record_id(id) {
        return Err(DomainError::NotFound);
    }
    let item = app
        .store
        .get(
            &schema::feedback_pointer_pk(id),
            schema::FEEDBACK_POINTER_SK,
        )
        .await?
        .ok_or(DomainError::NotFound)?;
    let pointer: Pointer = item.parse()?;
    if desk == Desk::School && pointer.institution != staff.institution {
        return Err(DomainError::NotFound);
    }
    Ok(pointer)
}

/// `GET /institution/feedback/{id}` and `GET /platform/feedback/{id}`: the ticket with its
/// learner, its first-answer limit and the whole thread (the ticket and the thread at once).
pub async fn get(
    app: &App,
    staff: &Staff,
    desk: Desk,
    id: &str,
    lang: Lang,
) -> Result<TicketView, DomainError> {
    let pointer = pointer(app, staff, desk, id).await?;
    let pk = schema::learner_pk(&pointer.learner);
    let sk = schema::feedback_sk(id);
    let (item, messages) = futures::try_join!(
        async { Ok::<_, DomainError>(app.store.get(&pk, &sk).await?) },
        thread_of(app, &pointer.learner, id),
    )?;
    let ticket: Ticket = item
        .ok_or_else(|| DomainError::internal("a ticket's pointer without it"))?
        .parse()?;
    if !desk.reads(staff, &ticket) {
        return Err(DomainError::NotFound);
    }
    TicketView::full(app, &ticket, &messages, desk.reader(), lang).await
}

/// The ticket and, when asked, its learner: one round trip.
async fn read(
    app: &App,
    pointer: &Pointer,
    id: &str,
    with_learner: bool,
) -> Result<(Item, Ticket, Option<learner::Stored>), DomainError> {
    let pk = learner::pk(&pointer.learner);
    let sk = schema::feedback_sk(id);
    let mut keys = vec![(pk.as_str(), sk.as_str())];
    if with_learner {
        keys.push((pk.as_str(), learner::PROFILE_SK));
    }
    let mut got = app.store.get_many(&keys).await?.into_iter();
    let item = got
        .next()
        .flatten()
        .ok_or_else(|| DomainError::internal("a ticket's pointer without it"))?;
    let stored = got
        .next()
        .flatten()
        .map(learner::Stored::from_item)
        .transpose()?;
    let ticket = item.parse()?;
    Ok((item, ticket, stored))
}

/// The staff view after a change: the ticket with its learner and limit, without the thread
/// (the answer spends no read on it; `GET` shows it).
fn changed_view(ticket: &Ticket, desk: Desk, app: &App, lang: Lang) -> TicketView {
    let mut view = TicketView::summary(ticket, lang);
    view.learner = Some(LearnerView {
        name: ticket.learner_name.clone(),
        id_number_masked: ticket.learner_id_masked.clone(),
    });
    view.answer_limit = Some(AnswerLimit::for_staff(
        desk.reader(),
        &ticket.school_deadline,
        ticket.platform_deadline.as_ref(),
        app.now_unix(),
    ));
    view
}

/// `POST /institution/feedback/{id}/messages` (the school, while it handles the ticket) and
/// `POST /platform/feedback/{id}/messages` (the credit bank, once forwarded): `REPLIED`, and a
/// notice SMS to the learner unless this ticket sent one in the past hour or their number had
/// its notices for the day.
pub async fn reply(
    app: &App,
    staff: &Staff,
    desk: Desk,
    id: &str,
    cmd: MessageCommand,
    lang: Lang,
) -> Result<TicketView, DomainError> {
    let pointer = pointer(app, staff, desk, id).await?;
    let mut notify = true;
    let (ticket, notice) = optimistic!("reply to a feedback ticket", |_| {
        let (item, before, stored) = read(app, &pointer, id, true).await?;
        if !desk.reads(staff, &before) {
            return Err(DomainError::NotFound);
        }
        let now = app.now_unix();
        let mut ticket = before.clone();
        let m = ticket.reply(now, desk.author(), &staff.subject, cmd.content.clone())?;
        let learner =
            stored.ok_or_else(|| DomainError::internal("a ticket's learner is missing"))?;
        let to = notify
            .then(|| workflow::notice_op(app, &learner.learner))
            .flatten()
            .filter(|_| ticket.take_notice(now));
        let ops = ticket.change_ops(Some((&item, &before)), &m);
        workflow::transact_with_notice(app, ops, to, &mut notify, ticket).await
    })?;
    tracing::info!(feedback = %ticket.id, institution = %ticket.institution.code, staff = %staff.subject, desk = ?desk, notice = notice.is_some(), "feedback replied");
    if let Some(mobile) = notice {
        let template = &app.sms_config.feedback_notice;
        workflow::send_notice(
            app,
            &mobile,
            template,
            &ticket.ticket_no,
            "feedback",
            &ticket.id,
        )
        .await;
    }
    Ok(changed_view(&ticket, desk, app, lang))
}

/// `POST /institution/feedback/{id}/forward`: the school passes a ticket it handles to the credit
/// bank with a note (for the credit bank's staff; the learner sees that it was forwarded).
pub async fn forward(
    app: &App,
    staff: &Staff,
    id: &str,
    cmd: MessageCommand,
    lang: Lang,
) -> Result<TicketView, DomainError> {
    let pointer = pointer(app, staff, Desk::School, id).await?;
    let ticket = optimistic!("forward a feedback ticket", |_| {
        let (item, before, _) = read(app, &pointer, id, false).await?;
        let mut ticket = before.clone();
        let now_ms = app.now().timestamp_millis();
        let days = app.accounts.feedback_answer_days;
        let m = ticket.forward(now_ms, &staff.subject, cmd.content.clone(), days)?;
        let ops = ticket.change_ops(Some((&item, &before)), &m);
        Ok(Step::of(app.store.transact(ops).await, ticket)?)
    })?;
    tracing::info!(feedback = %ticket.id, institution = %ticket.institution.code, staff = %staff.subject, "feedback forwarded");
    Ok(changed_view(&ticket, Desk::School, app, lang))
}
