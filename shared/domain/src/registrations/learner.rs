//! The learner's side: register, list, read, withdraw, resubmit. Each change is one transaction
//! after one batch read (besides the session's): at most three round trips a request.

use super::command::{ListQuery, RegistrationCommand};
use super::{
    Action, CertificateClaim, Detail, Evidence, Pointer, Registration, RegistrationView, Status,
    Step as HistoryStep, LEARNER, MAX_OPEN,
};
use crate::account::session::Authenticated;
use crate::app::App;
use crate::error::{DomainError, Problem, Subject};
use crate::store::retry::optimistic;
use crate::store::schema;
use crate::store::{Condition, Item, Step, StoreError, WriteOp};
use crate::uploads::{self, Upload};
use crate::values::lang::Lang;
use serde::Serialize;
use std::collections::HashSet;

/// What one batch read found for a change: the registration (when changing one), the uploads
/// the body names, and the claim of the body's certificate.
struct Read {
    registration: Option<(Item, Registration)>,
    uploads: Vec<(Item, Upload)>,
    claim: Option<CertificateClaim>,
}

/// Reads, in one round trip, registration `id` (if given), the uploads `ids` of the learner and
/// the certificate claim `claim_sk`. An upload that is missing, expired, or attached elsewhere
/// than to `id` is `UPLOAD_INVALID`.
async fn read(
    app: &App,
    learner: &str,
    id: Option<&str>,
    ids: &[String],
    claim_sk: Option<&str>,
) -> Result<Read, DomainError> {
    let pk = schema::learner_pk(learner);
    let mut sks: Vec<String> = ids.iter().map(|u| schema::upload_sk(u)).collect();
    sks.extend(claim_sk.map(str::to_string));
    sks.extend(id.map(schema::registration_sk));
    let keys: Vec<(&str, &str)> = sks.iter().map(|sk| (pk.as_str(), sk.as_str())).collect();
    let mut got = app.store.get_many(&keys).await?.into_iter();
    let uploads = uploads::from_batch(app, &mut got, EVIDENCE, ids.len(), id)?;
    let claim = match claim_sk {
        Some(_) => got.next().flatten().map(|i| i.parse()).transpose()?,
        None => None,
    };
    let registration = match id {
        Some(_) => {
            let item = got.next().flatten().ok_or(DomainError::NotFound)?;
            let r = item.parse()?;
            Some((item, r))
        }
        None => None,
    };
    Ok(Read {
        registration,
        uploads,
        claim,
    })
}

/// The body's list of upload ids.
const EVIDENCE: &str = "evidence";

/// A transaction's outcome: the claim's condition failing is `DUPLICATE`; another lost race is
/// tried again.
fn settled<T>(
    written: Result<(), StoreError>,
    claim_index: Option<usize>,
    value: T,
) -> Result<Step<T>, DomainError> {
    match written {
        Err(StoreError::ConditionFailed { index: Some(i) }) if Some(i) == claim_index => {
            Err(DomainError::Duplicate(Subject::Registration))
        }
        other => Ok(Step::of(other, value)?),
    }
}

/// The claim of `reg`'s certificate, as a write that fails when someone holds it.
fn claim_op(reg: &Registration) -> Option<WriteOp> {
    reg.claim_key().map(|(pk, sk)| WriteOp::Put {
        item: Item::new(
            pk,
            sk,
            &CertificateClaim {
                registration: reg.id.clone(),
            },
        ),
        condition: Condition::NotExists,
    })
}

/// `POST /achievement-registrations`: a new pending registration to one of the learner's
/// schools, its evidence checked and kept, the learner's open count up by one.
pub async fn submit(
    app: &App,
    authed: Authenticated,
    cmd: RegistrationCommand,
    lang: Lang,
) -> Result<RegistrationView, DomainError> {
    let id = app.rng().hex(8);
    let (mut authed, mut kept) = (authed, HashSet::new());
    let reg = optimistic!("submit a registration", |stale| {
        if stale {
            authed = authed.reload(app).await?;
        }
        let stored = &authed.learner;
        let learner = &stored.learner;
        let school = learner
            .institutions
            .iter()
            .find(|s| s.code == cmd.institution)
            .cloned()
            .ok_or_else(|| DomainError::validation("institution", Problem::Invalid))?;
        if learner.open_registrations >= MAX_OPEN {
            return Err(DomainError::TooManyOpen(Subject::Registration));
        }
        let claim_sk = cmd.details.claim_sk();
        let found = read(
            app,
            &learner.id_key,
            None,
            &cmd.evidence,
            claim_sk.as_deref(),
        )
        .await?;
        if found.claim.is_some() {
            return Err(DomainError::Duplicate(Subject::Registration));
        }
        let evidence = uploads::keep(app, EVIDENCE, &found.uploads, &mut kept).await?;
        let reg = new_registration(app, &id, learner, school, &cmd, evidence);
        let (ops, claim_index) = creation_ops(&reg, stored, &found.uploads);
        settled(app.store.transact(ops).await, claim_index, reg)
    })?;
    tracing::info!(learner = %authed.learner.learner.log_id(), registration = %reg.id, institution = %reg.institution.code, "registration submitted");
    RegistrationView::of(app, &reg, Detail::Learner, lang).await
}

/// The writes creating `reg`: the record and its pointer (both new), the school's index entry,
/// the certificate claim (its index returned: its condition failing is a duplicate), the
/// uploads attached, and the learner's open count, conditional on the version read.
fn creation_ops(
    reg: &Registration,
    stored: &crate::account::learner::Stored,
    uploads: &[(Item, Upload)],
) -> (Vec<WriteOp>, Option<usize>) {
    let mut next = stored.learner.clone();
    next.open_registrations += 1;
    let pointer = Pointer {
        learner: reg.learner.clone(),
        institution: reg.institution.code.clone(),
    };
    let pointer_pk = schema::registration_pointer_pk(&reg.id);
    let mut ops = vec![
        WriteOp::put_over(None, reg.item()),
        WriteOp::put_over(
            None,
            Item::new(pointer_pk, schema::REGISTRATION_POINTER_SK, &pointer),
        ),
    ];
    ops.extend(reg.index_ops(None));
    let claim_index = claim_op(reg).map(|op| {
        ops.push(op);
        ops.len() - 1
    });
    ops.extend(uploads::attach_ops(uploads, &reg.id));
    ops.push(WriteOp::Put {
        item: stored.replaced_by(&next),
        condition: Condition::Version(stored.item.version),
    });
    (ops, claim_index)
}

fn new_registration(
    app: &App,
    id: &str,
    learner: &crate::account::learner::Learner,
    institution: crate::account::learner::School,
    cmd: &RegistrationCommand,
    evidence: Vec<Evidence>,
) -> Registration {
    let now_ms = app.now().timestamp_millis();
    Registration {
        id: id.to_string(),
        learner: learner.id_key.clone(),
        learner_name: learner.name.clone(),
        learner_id_masked: learner.id_masked.clone(),
        institution,
        details: cmd.details.clone(),
        evidence,
        status: Status::Pending,
        reason: None,
        credit_tenths: None,
        points: None,
        achievement_id: None,
        submitted_ms: now_ms,
        updated_at: now_ms / 1000,
        history: vec![HistoryStep {
            at: now_ms / 1000,
            action: Action::Submitted,
            by: LEARNER.into(),
            reason: None,
        }],
    }
}

/// `PUT /achievement-registrations/{id}`: a returned registration, corrected, pending again
/// (the same school; evidence it had may stay, new uploads are checked and kept).
pub async fn resubmit(
    app: &App,
    authed: Authenticated,
    id: &str,
    cmd: RegistrationCommand,
    lang: Lang,
) -> Result<RegistrationView, DomainError> {
    if !super::is_registration_id(id) {
        return Err(DomainError::NotFound);
    }
    let (mut authed, mut kept) = (authed, HashSet::new());
    let reg = optimistic!("resubmit a registration", |stale| {
        if stale {
            authed = authed.reload(app).await?;
        }
        let key = authed.learner.learner.id_key.clone();
        let claim_sk = cmd.details.claim_sk();
        let found = read(app, &key, Some(id), &cmd.evidence, claim_sk.as_deref()).await?;
        let (item, before) = found.registration.clone().ok_or(DomainError::NotFound)?;
        if before.status != Status::Returned {
            return Err(DomainError::StateConflict);
        }
        if before.institution.code != cmd.institution {
            return Err(DomainError::validation("institution", Problem::NotAllowed));
        }
        if found.claim.as_ref().is_some_and(|c| c.registration != id) {
            return Err(DomainError::Duplicate(Subject::Registration));
        }
        let evidence = uploads::keep(app, EVIDENCE, &found.uploads, &mut kept).await?;
        let mut reg = before.clone();
        reg.resubmit(cmd.details.clone(), evidence, app.now().timestamp_millis())?;
        let mut ops = vec![WriteOp::put_over(Some(&item), reg.item())];
        ops.extend(reg.index_ops(Some(&before)));
        let mut claim_index = None;
        if before.claim_key() != reg.claim_key() {
            if let Some((pk, sk)) = before.claim_key() {
                let condition = Condition::None;
                ops.push(WriteOp::Delete { pk, sk, condition });
            }
            claim_index = claim_op(&reg).map(|op| {
                ops.push(op);
                ops.len() - 1
            });
        }
        ops.extend(uploads::attach_ops(&found.uploads, id));
        settled(app.store.transact(ops).await, claim_index, reg)
    })?;
    tracing::info!(learner = %authed.learner.learner.log_id(), registration = %reg.id, "registration resubmitted");
    RegistrationView::of(app, &reg, Detail::Learner, lang).await
}

/// `POST /achievement-registrations/{id}/withdraw`: an open registration withdrawn, its
/// certificate claim released, the learner's open count down by one.
pub async fn withdraw(
    app: &App,
    authed: Authenticated,
    id: &str,
    lang: Lang,
) -> Result<RegistrationView, DomainError> {
    let mut authed = authed;
    let reg = optimistic!("withdraw a registration", |stale| {
        if stale {
            authed = authed.reload(app).await?;
        }
        let stored = &authed.learner;
        let (item, before) = load(app, &stored.learner.id_key, id).await?;
        let mut reg = before.clone();
        reg.withdraw(app.now_unix())?;
        let mut next = stored.learner.clone();
        next.open_registrations = next.open_registrations.saturating_sub(1);
        let mut ops = vec![WriteOp::put_over(Some(&item), reg.item())];
        ops.extend(reg.index_ops(Some(&before)));
        if let Some((pk, sk)) = reg.claim_key() {
            let condition = Condition::None;
            ops.push(WriteOp::Delete { pk, sk, condition });
        }
        ops.push(WriteOp::Put {
            item: stored.replaced_by(&next),
            condition: Condition::Version(stored.item.version),
        });
        Ok(Step::of(app.store.transact(ops).await, reg)?)
    })?;
    tracing::info!(learner = %authed.learner.learner.log_id(), registration = %reg.id, "registration withdrawn");
    RegistrationView::of(app, &reg, Detail::Learner, lang).await
}

/// One of the learner's registrations (another learner's, or none: `NOT_FOUND`).
async fn load(app: &App, learner: &str, id: &str) -> Result<(Item, Registration), DomainError> {
    if !super::is_registration_id(id) {
        return Err(DomainError::NotFound);
    }
    let item = app
        .store
        .get(&schema::learner_pk(learner), &schema::registration_sk(id))
        .await?
        .ok_or(DomainError::NotFound)?;
    let reg = item.parse()?;
    Ok((item, reg))
}

/// `GET /achievement-registrations/{id}`: with its evidence (read URLs) and history.
pub async fn get(
    app: &App,
    authed: &Authenticated,
    id: &str,
    lang: Lang,
) -> Result<RegistrationView, DomainError> {
    let (_, reg) = load(app, &authed.learner.learner.id_key, id).await?;
    RegistrationView::of(app, &reg, Detail::Learner, lang).await
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RegistrationsResponse {
    pub items: Vec<RegistrationView>,
    pub page: usize,
    pub page_size: usize,
    pub total: usize,
    pub total_pages: usize,
    /// Open registrations, and how many may be open at once.
    pub open: u64,
    pub max_open: u64,
}

/// `GET /achievement-registrations`: newest submission first, filtered by status, paged.
pub async fn list(
    app: &App,
    authed: &Authenticated,
    q: ListQuery,
    lang: Lang,
) -> Result<RegistrationsResponse, DomainError> {
    let learner = &authed.learner.learner;
    let prefix = schema::REGISTRATION_SK_PREFIX;
    let all: Vec<Registration> =
        crate::workflow::learner_requests(app, &learner.id_key, prefix, q.status).await?;
    let (page, total_pages) = q.page_of(&all);
    let mut items = Vec::with_capacity(page.len());
    for r in page {
        items.push(RegistrationView::of(app, r, Detail::Summary, lang).await?);
    }
    Ok(RegistrationsResponse {
        items,
        page: q.page,
        page_size: q.page_size,
        total: all.len(),
        total_pages,
        open: learner.open_registrations,
        max_open: MAX_OPEN,
    })
}
