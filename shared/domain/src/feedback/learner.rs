//! The learner's side: file a ticket, list and read them, follow up, close. Each route reads
//! what it needs in the session's round trip (`session::require_with`) and writes once: at most
//! two round trips, and the thread's query where the answer shows it: three.

use super::command::{CloseCommand, ListQuery, MessageCommand, TicketCommand};
use super::{
    thread, Author, Kind, Message, Reader, Related, RelatedKind, Status, Ticket, TicketView,
    DAILY_TICKETS,
};
use crate::account::learner::{Learner, School};
use crate::account::session::{self, Authenticated, Gate};
use crate::app::App;
use crate::error::{Daily, DomainError, Problem};
use crate::store::retry::optimistic;
use crate::store::schema;
use crate::store::{Condition, Item, Step, StoreError, WriteOp};
use crate::uploads::{self, Evidence, Upload};
use crate::values::lang::Lang;
use crate::workflow::{self, LEARNER};
use serde::Serialize;
use std::collections::HashSet;

/// The body's list of upload ids.
const ATTACHMENTS: &str = "attachments";

/// What filing a ticket reads besides the session: the attachments' uploads, the related
/// registration and application (one of them may exist), the day's ticket count.
fn filing_keys(learner: &str, app: &App, cmd: &TicketCommand) -> Vec<(String, String)> {
    let pk = schema::learner_pk(learner);
    let mut keys: Vec<(String, String)> = cmd
        .attachments
        .iter()
        .map(|u| (pk.clone(), schema::upload_sk(u)))
        .collect();
    if let Some(id) = &cmd.related_id {
        keys.push((pk.clone(), schema::registration_sk(id)));
        keys.push((pk.clone(), schema::conversion_sk(id)));
    }
    let (day, _) = uploads::china_day(app);
    keys.push((schema::feedback_quota_pk(learner), schema::day_sk(&day)));
    keys
}

/// The related record `cmd` names, of the learner's and filed with the same school (anything
/// else is 400 `relatedId`), from the next two items of a batch read.
fn related(
    got: &mut impl Iterator<Item = Option<Item>>,
    cmd: &TicketCommand,
) -> Result<Option<Related>, DomainError> {
    let Some(id) = &cmd.related_id else {
        return Ok(None);
    };
    let invalid = || DomainError::validation("relatedId", Problem::Invalid);
    let (registration, application) = (got.next().flatten(), got.next().flatten());
    let (kind, school, name) = match (registration, application) {
        (Some(item), _) => {
            let r: crate::registrations::Registration = item.parse()?;
            (
                RelatedKind::Registration,
                r.institution.code,
                r.details.name,
            )
        }
        (None, Some(item)) => {
            let a: crate::conversions::Application = item.parse()?;
            let name = a.rule.body.name.clone();
            (RelatedKind::Conversion, a.institution.code, name)
        }
        (None, None) => return Err(invalid()),
    };
    if school != cmd.institution {
        return Err(invalid());
    }
    Ok(Some(Related {
        kind,
        id: id.clone(),
        name,
    }))
}

/// The day's ticket count as read (none yet: 0).
fn filed_today(item: Option<Item>) -> Result<u64, DomainError> {
    #[derive(serde::Deserialize)]
    struct Count {
        count: u64,
    }
    Ok(item
        .map(|i| i.parse::<Count>())
        .transpose()?
        .map_or(0, |c| c.count))
}

/// `POST /feedback`: a ticket to one of the learner's schools, its attachments checked and
/// kept, the first message, the school's inbox entry and the day's count, in one transaction
/// after the session's read (which brings everything the ticket is checked against).
pub async fn submit(
    app: &App,
    token: &str,
    cmd: TicketCommand,
    lang: Lang,
) -> Result<TicketView, DomainError> {
    let keys = |learner: &str| filing_keys(learner, app, &cmd);
    let (authed, found) = session::require_with(app, token, Gate::ActiveLearner, &keys).await?;
    let learner = &authed.learner.learner;
    let school = learner
        .institutions
        .iter()
        .find(|s| s.code == cmd.institution)
        .cloned()
        .ok_or_else(|| DomainError::validation("institution", Problem::Invalid))?;
    let (mut batch, mut kept) = (Some(found), HashSet::new());
    let ticket = optimistic!("file a feedback ticket", |stale| {
        let found = match batch.take().filter(|_| !stale) {
            Some(found) => found,
            None => get_all(app, &keys(&learner.id_key)).await?,
        };
        let mut got = found.into_iter();
        let uploads = uploads::from_batch(app, &mut got, ATTACHMENTS, cmd.attachments.len(), None)?;
        let related = related(&mut got, &cmd)?;
        let retry_after = (uploads::china_day(app).1 - app.now_unix()).max(1) as u64;
        if filed_today(got.next().flatten())? >= DAILY_TICKETS {
            return Err(DomainError::DailyLimit {
                what: Daily::Tickets,
                retry_after,
            });
        }
        let attachments = uploads::keep(app, ATTACHMENTS, &uploads, &mut kept).await?;
        let (ticket, first) = new_ticket(app, learner, &school, &cmd, related, attachments);
        let (ops, quota, number) = creation_ops(app, &ticket, &first, &uploads);
        match app.store.transact(ops).await {
            Err(StoreError::ConditionFailed { index: Some(i) }) if i == quota => {
                Err(DomainError::DailyLimit {
                    what: Daily::Tickets,
                    retry_after,
                })
            }
            // Another ticket took the number: the next try draws another.
            Err(StoreError::ConditionFailed { index: Some(i) }) if i == number => Ok(Step::Again),
            written => Ok(Step::of(written, (ticket, first))?),
        }
    })?;
    let (ticket, first) = ticket;
    tracing::info!(learner = %learner.log_id(), feedback = %ticket.id, ticket_no = %ticket.ticket_no, institution = %ticket.institution.code, "feedback filed");
    TicketView::full(app, &ticket, &[first], Reader::Learner, lang).await
}

async fn get_all(app: &App, keys: &[(String, String)]) -> Result<Vec<Option<Item>>, DomainError> {
    let keys: Vec<(&str, &str)> = keys.iter().map(|(p, s)| (p.as_str(), s.as_str())).collect();
    Ok(app.store.get_many(&keys).await?)
}

/// A new ticket (fresh id and number: every try draws both) and its first message.
fn new_ticket(
    app: &App,
    learner: &Learner,
    school: &School,
    cmd: &TicketCommand,
    related: Option<Related>,
    attachments: Vec<Evidence>,
) -> (Ticket, Message) {
    let now_ms = app.now().timestamp_millis();
    let now = now_ms / 1000;
    let ticket_no = format!("FK{}{}", app.today().format("%Y%m%d"), app.rng().digits(6));
    let ticket = Ticket {
        id: app.rng().hex(8),
        ticket_no,
        learner: learner.id_key.clone(),
        learner_name: learner.name.clone(),
        learner_id_masked: learner.id_masked.clone(),
        institution: school.clone(),
        category: cmd.category,
        title: cmd.title.clone(),
        related,
        attachments,
        status: Status::Submitted,
        forwarded: false,
        message_count: 1,
        rating: None,
        submitted_ms: now_ms,
        waiting_ms: now_ms,
        school_deadline: super::Deadline::after(now, app.accounts.feedback_answer_days),
        platform_deadline: None,
        last_notice_at: None,
        updated_at: now,
    };
    let first = Message {
        seq: 1,
        at: now,
        author: Author::Learner,
        by: LEARNER.into(),
        kind: Kind::Message,
        content: cmd.content.clone(),
        rating: None,
    };
    (ticket, first)
}

/// The writes filing `t`: the ticket, its first message, its pointer and its number (all new),
/// the school's inbox entry, the attachments, and the day's count (its index returned, and the
/// number's: either failing decides the answer).
fn creation_ops(
    app: &App,
    t: &Ticket,
    first: &Message,
    uploads: &[(Item, Upload)],
) -> (Vec<WriteOp>, usize, usize) {
    let pointer = workflow::Pointer {
        learner: t.learner.clone(),
        institution: t.institution.code.clone(),
    };
    let mut ops = t.change_ops(None, first);
    ops.push(WriteOp::put_over(
        None,
        Item::new(
            schema::feedback_pointer_pk(&t.id),
            schema::FEEDBACK_POINTER_SK,
            &pointer,
        ),
    ));
    let number = ops.len();
    ops.push(WriteOp::Put {
        item: Item::new(
            schema::feedback_number_pk(&t.ticket_no),
            schema::FEEDBACK_NUMBER_SK,
            &serde_json::json!({ "ticket": t.id }),
        ),
        condition: Condition::NotExists,
    });
    ops.extend(uploads::attach_ops(uploads, &t.id));
    let (day, next_day) = uploads::china_day(app);
    let quota = ops.len();
    ops.push(WriteOp::Increment {
        pk: schema::feedback_quota_pk(&t.learner),
        sk: schema::day_sk(&day),
        field: "count".into(),
        max: DAILY_TICKETS,
        expires_at: Some(next_day + 86_400),
    });
    (ops, quota, number)
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TicketsResponse {
    pub items: Vec<TicketView>,
    pub page: usize,
    pub page_size: usize,
    pub total: usize,
    pub total_pages: usize,
    /// New tickets the learner may still file today.
    pub left_today: u64,
}

/// `GET /feedback`: the learner's tickets (in one status, or all), newest first, and how many
/// more they may file today (the day's count read with the session): the tickets' query.
pub async fn list(
    app: &App,
    token: &str,
    q: ListQuery,
    lang: Lang,
) -> Result<TicketsResponse, DomainError> {
    let (day, _) = uploads::china_day(app);
    let keys = |learner: &str| vec![(schema::feedback_quota_pk(learner), schema::day_sk(&day))];
    let (authed, found) = session::require_with(app, token, Gate::ActiveLearner, &keys).await?;
    let learner = &authed.learner.learner;
    let prefix = schema::FEEDBACK_SK_PREFIX;
    let all = workflow::learner_requests::<Ticket>(app, &learner.id_key, prefix, q.status).await?;
    let (page, total_pages) = q.page_of(&all);
    Ok(TicketsResponse {
        items: page.iter().map(|t| TicketView::summary(t, lang)).collect(),
        page: q.page,
        page_size: q.page_size,
        total: all.len(),
        total_pages,
        left_today: DAILY_TICKETS.saturating_sub(filed_today(found.into_iter().flatten().next())?),
    })
}

/// The learner's ticket `id` (another's, or none: `NOT_FOUND`), read with the session (an id
/// of another shape reads none, once the session is checked).
async fn own(
    app: &App,
    token: &str,
    id: &str,
) -> Result<(Authenticated, Item, Ticket), DomainError> {
    if !workflow::is_record_id(id) {
        session::require(app, token, Gate::ActiveLearner).await?;
        return Err(DomainError::NotFound);
    }
    let keys = |learner: &str| vec![(schema::learner_pk(learner), schema::feedback_sk(id))];
    let (authed, found) = session::require_with(app, token, Gate::ActiveLearner, &keys).await?;
    let item = found
        .into_iter()
        .next()
        .flatten()
        .ok_or(DomainError::NotFound)?;
    let ticket = item.parse()?;
    Ok((authed, item, ticket))
}

/// `GET /feedback/{id}`: the ticket and its whole thread.
pub async fn get(app: &App, token: &str, id: &str, lang: Lang) -> Result<TicketView, DomainError> {
    let (_, _, ticket) = own(app, token, id).await?;
    let messages = thread(app, &ticket).await?;
    TicketView::full(app, &ticket, &messages, Reader::Learner, lang).await
}

/// A learner's change of their ticket `id`: `change` decides it on the ticket as read (read
/// again after a lost race) and gives the message it adds.
async fn change(
    app: &App,
    token: &str,
    id: &str,
    what: &'static str,
    change: impl Fn(&mut Ticket) -> Result<Message, DomainError>,
) -> Result<(Ticket, Message), DomainError> {
    let (authed, item, ticket) = own(app, token, id).await?;
    let mut read = Some((item, ticket));
    let pk = schema::learner_pk(&authed.learner.learner.id_key);
    let done = optimistic!(what, |_| {
        let (item, before) = match read.take() {
            Some(found) => found,
            None => {
                let item = app.store.get(&pk, &schema::feedback_sk(id)).await?;
                let item = item.ok_or(DomainError::NotFound)?;
                let ticket = item.parse()?;
                (item, ticket)
            }
        };
        let mut ticket = before.clone();
        let m = change(&mut ticket)?;
        let ops = ticket.change_ops(Some((&item, &before)), &m);
        Ok(Step::of(app.store.transact(ops).await, (ticket, m))?)
    })?;
    tracing::info!(learner = %authed.learner.learner.log_id(), feedback = %id, status = done.0.status.as_str(), "{what}");
    Ok(done)
}

/// `POST /feedback/{id}/messages`: a follow-up; the ticket waits again for its handler.
pub async fn follow_up(
    app: &App,
    token: &str,
    id: &str,
    cmd: MessageCommand,
    lang: Lang,
) -> Result<TicketView, DomainError> {
    let now_ms = app.now().timestamp_millis();
    let (ticket, _) = change(app, token, id, "feedback followed up", |t| {
        t.follow_up(now_ms, cmd.content.clone())
    })
    .await?;
    let messages = thread(app, &ticket).await?;
    TicketView::full(app, &ticket, &messages, Reader::Learner, lang).await
}

/// `POST /feedback/{id}/close`: closed, with the learner's rating if given.
pub async fn close(
    app: &App,
    token: &str,
    id: &str,
    cmd: CloseCommand,
    lang: Lang,
) -> Result<TicketView, DomainError> {
    let now = app.now_unix();
    let (ticket, _) = change(app, token, id, "feedback closed", |t| {
        t.close(now, cmd.rating)
    })
    .await?;
    let messages = thread(app, &ticket).await?;
    TicketView::full(app, &ticket, &messages, Reader::Learner, lang).await
}
