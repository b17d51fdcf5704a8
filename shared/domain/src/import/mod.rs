//! Bulk import of learners and achievements by a school: idempotent, record by record (a bad
//! record is reported and the rest proceed), totals kept equal to the sum of achievements by
//! updating them in the same transaction as the achievements, conditionally on the learner's
//! version.

use crate::account::learner::{self, Learner, School};
use crate::achievements::catalogue;
use crate::achievements::Achievement;
use crate::app::App;
use crate::error::{DomainError, Problem};
use crate::security::crypto::sha256_hex;
use crate::store::retry::optimistic;
use crate::store::{Condition, Item, Step, WriteOp, MAX_TRANSACTION_ITEMS};
use crate::values::credits::Credits;
use crate::values::id_number::IdNumber;
use crate::values::input::max;
use crate::values::mobile::Mobile;
use chrono::{Datelike, NaiveDate};
use futures::stream::{self, StreamExt};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::{HashMap, HashSet};

/// Learners (or learner groups) written at the same time.
pub const CONCURRENCY: usize = 16;
/// Achievements per transaction: each takes two items (claim, achievement) beside the learner.
pub const ACHIEVEMENTS_PER_TRANSACTION: usize = (MAX_TRANSACTION_ITEMS - 1) / 2;

#[derive(Debug, Deserialize)]
pub struct Institution {
    pub code: String,
    pub name: String,
}

/// The import event. Records stay raw JSON until each is checked on its own, so one malformed
/// record cannot sink the rest.
#[derive(Debug, Deserialize)]
pub struct ImportEvent {
    pub institution: Institution,
    #[serde(default)]
    pub learners: Vec<Value>,
    #[serde(default)]
    pub achievements: Vec<Value>,
}

/// Why one record of an import event was refused (the rest proceed). `http-edge`'s message
/// table words each in both languages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RecordProblem {
    RecordInvalid,
    IdNumberInvalid,
    NameInvalid,
    ExternalIdInvalid,
    TypeUnknown,
    SubtypeUnknown,
    SourceUnknown,
    IssuerInvalid,
    CreditsInvalid,
    PointsInvalid,
    DateInvalid,
    LearnerNotFound,
    DuplicateInEvent,
    ExternalIdConflict,
    MobileInvalid,
}

impl RecordProblem {
    pub const ALL: [RecordProblem; 15] = [
        RecordProblem::RecordInvalid,
        RecordProblem::IdNumberInvalid,
        RecordProblem::NameInvalid,
        RecordProblem::ExternalIdInvalid,
        RecordProblem::TypeUnknown,
        RecordProblem::SubtypeUnknown,
        RecordProblem::SourceUnknown,
        RecordProblem::IssuerInvalid,
        RecordProblem::CreditsInvalid,
        RecordProblem::PointsInvalid,
        RecordProblem::DateInvalid,
        RecordProblem::LearnerNotFound,
        RecordProblem::DuplicateInEvent,
        RecordProblem::ExternalIdConflict,
        RecordProblem::MobileInvalid,
    ];

    pub fn code(self) -> &'static str {
        use RecordProblem::*;
        match self {
            RecordInvalid => "RECORD_INVALID",
            IdNumberInvalid => "ID_NUMBER_INVALID",
            NameInvalid => "NAME_INVALID",
            ExternalIdInvalid => "EXTERNAL_ID_INVALID",
            TypeUnknown => "TYPE_UNKNOWN",
            SubtypeUnknown => "SUBTYPE_UNKNOWN",
            SourceUnknown => "SOURCE_UNKNOWN",
            IssuerInvalid => "ISSUER_INVALID",
            CreditsInvalid => "CREDITS_INVALID",
            PointsInvalid => "POINTS_INVALID",
            DateInvalid => "DATE_INVALID",
            LearnerNotFound => "LEARNER_NOT_FOUND",
            DuplicateInEvent => "DUPLICATE_IN_EVENT",
            ExternalIdConflict => "EXTERNAL_ID_CONFLICT",
            MobileInvalid => "MOBILE_INVALID",
        }
    }
}

/// A refused record: which list (`learner` or `achievement`), where in it, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordError {
    pub index: usize,
    pub kind: &'static str,
    pub problem: RecordProblem,
}

#[derive(Debug, Default, PartialEq, Eq)]
pub struct ImportResult {
    pub learners_created: usize,
    pub learners_existing: usize,
    pub achievements_created: usize,
    pub achievements_existing: usize,
    pub errors: Vec<RecordError>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct LearnerRecord {
    id_number: Option<String>,
    name: Option<String>,
    /// The learner's mobile number as the school knows it: the first login binds only it.
    mobile: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct AchievementRecord {
    external_id: Option<String>,
    id_number: Option<String>,
    name: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
    subtype: Option<String>,
    issuer: Option<String>,
    credits: Option<serde_json::Number>,
    points: Option<serde_json::Number>,
    source: Option<String>,
    obtained_at: Option<String>,
}

type Bad = RecordProblem;
use RecordProblem::{
    CreditsInvalid as CREDITS_INVALID, DateInvalid as DATE_INVALID,
    DuplicateInEvent as DUPLICATE_IN_EVENT, ExternalIdConflict as EXTERNAL_ID_CONFLICT,
    ExternalIdInvalid as EXTERNAL_ID_INVALID, IdNumberInvalid as ID_NUMBER_INVALID,
    IssuerInvalid as ISSUER_INVALID, LearnerNotFound as LEARNER_NOT_FOUND,
    MobileInvalid as MOBILE_INVALID, NameInvalid as NAME_INVALID, PointsInvalid as POINTS_INVALID,
    RecordInvalid as RECORD_INVALID, SourceUnknown as SOURCE_UNKNOWN,
    SubtypeUnknown as SUBTYPE_UNKNOWN, TypeUnknown as TYPE_UNKNOWN,
};

fn text(value: Option<String>, max_chars: usize, bad: Bad) -> Result<String, Bad> {
    let v = value.map(|s| s.trim().to_string()).unwrap_or_default();
    if v.is_empty() || v.chars().count() > max_chars {
        Err(bad)
    } else {
        Ok(v)
    }
}

fn record<T: for<'de> Deserialize<'de>>(v: &Value) -> Result<T, Bad> {
    if !v.is_object() {
        return Err(RECORD_INVALID);
    }
    T::deserialize(v).map_err(|_| RECORD_INVALID)
}

fn check_learner(app: &App, school: &School, v: &Value) -> Result<(IdNumber, Learner), Bad> {
    let r: LearnerRecord = record(v)?;
    let id = IdNumber::parse(r.id_number.as_deref().unwrap_or(""), app.today())
        .map_err(|_| ID_NUMBER_INVALID)?;
    let name = text(r.name, max::LEARNER_NAME, NAME_INVALID)?;
    let mut learner = Learner::new(app, &id, &name);
    learner.join(school);
    if let Some(m) = r.mobile.filter(|m| !m.trim().is_empty()) {
        let mobile = Mobile::parse(&m).map_err(|_| MOBILE_INVALID)?;
        learner.expected_mobile_key = Some(learner::mobile_key(app, &mobile));
    }
    Ok((id, learner))
}

/// The stable id of an achievement: the same institution and external id always give the same.
pub fn achievement_id(institution: &str, external_id: &str) -> String {
    sha256_hex(format!("{institution}\0{external_id}").as_bytes())[..16].to_string()
}

use crate::store::schema::{external_claim_pk as claim_pk, EXT_SK};

#[derive(Debug, Serialize, Deserialize)]
struct ExternalClaim {
    learner: String,
    achievement: String,
}

fn check_achievement(
    app: &App,
    institution: &str,
    v: &Value,
) -> Result<(IdNumber, Achievement), Bad> {
    let r: AchievementRecord = record(v)?;
    let external_id = text(r.external_id, max::EXTERNAL_ID, EXTERNAL_ID_INVALID)?;
    let id = IdNumber::parse(r.id_number.as_deref().unwrap_or(""), app.today())
        .map_err(|_| ID_NUMBER_INVALID)?;
    let name = text(r.name, max::ACHIEVEMENT_NAME, NAME_INVALID)?;
    let kind = r.kind.unwrap_or_default();
    let kind_entry = catalogue::find_type(&kind).ok_or(TYPE_UNKNOWN)?;
    let subtype = r.subtype.unwrap_or_default();
    if !kind_entry.subtypes.iter().any(|s| s.code == subtype) {
        return Err(SUBTYPE_UNKNOWN);
    }
    let source = r.source.unwrap_or_default();
    catalogue::find_source(&source).ok_or(SOURCE_UNKNOWN)?;
    let issuer = text(r.issuer, max::ISSUER, ISSUER_INVALID)?;
    let credits = r
        .credits
        .as_ref()
        .ok_or(CREDITS_INVALID)
        .and_then(|n| Credits::parse(n).map_err(|_| CREDITS_INVALID))?;
    let points = r
        .points
        .as_ref()
        .and_then(serde_json::Number::as_u64)
        .filter(|p| *p <= 1_000_000)
        .ok_or(POINTS_INVALID)? as i64;
    let obtained_at = r
        .obtained_at
        .as_deref()
        .and_then(|d| NaiveDate::parse_from_str(d.trim(), "%Y-%m-%d").ok())
        .filter(|d| *d <= app.today() && d.year_ce().1 >= 1949)
        .ok_or(DATE_INVALID)?;
    Ok((
        id,
        Achievement {
            id: achievement_id(institution, &external_id),
            institution: institution.to_string(),
            external_id,
            name,
            kind,
            subtype,
            issuer,
            credit_tenths: credits.0,
            points,
            source,
            obtained_at,
            conversion: None,
        },
    ))
}

/// Runs one import event. Fails as a whole only for an unusable envelope (no institution) or
/// storage failures; bad records are reported in `errors`. Three parts: the learners, then the
/// achievements checked and grouped by learner, then each learner's achievements written with
/// its totals.
pub async fn run(app: &App, event: ImportEvent) -> Result<ImportResult, DomainError> {
    let institution = check_institution(&event.institution)?;
    let started = std::time::Instant::now();
    let mut result = ImportResult::default();
    let mut errors = Vec::new();
    let school = School {
        code: institution.clone(),
        name: event.institution.name.trim().to_string(),
    };
    // The school's name for its conversion rules and their lists.
    let record = Item::new(
        crate::store::schema::school_pk(&school.code),
        crate::store::schema::PROFILE_SK,
        &school,
    );
    app.store.put(record, Condition::None).await?;
    let known = import_learners(app, &school, &event.learners, &mut result, &mut errors).await?;
    tracing::info!(
        created = result.learners_created,
        existing = result.learners_existing,
        ms = started.elapsed().as_millis() as u64,
        "import: learners done"
    );
    let groups =
        group_achievements(app, &institution, &event.achievements, &known, &mut errors).await?;
    write_achievements(app, groups, started, &mut result, &mut errors).await?;
    errors.sort_by_key(|e| (e.kind, e.index));
    result.errors = errors;
    tracing::info!(
        learners_created = result.learners_created,
        learners_existing = result.learners_existing,
        achievements_created = result.achievements_created,
        achievements_existing = result.achievements_existing,
        errors = result.errors.len(),
        ms = started.elapsed().as_millis() as u64,
        "import: done"
    );
    Ok(result)
}

/// The institution's code, checked (the envelope; no record can be read without it).
fn check_institution(institution: &Institution) -> Result<String, DomainError> {
    let code = institution.code.trim().to_string();
    if !crate::values::input::is_institution_code(&code) {
        return Err(DomainError::validation(
            "institution.code",
            Problem::Invalid,
        ));
    }
    if institution.name.trim().is_empty() {
        return Err(DomainError::validation(
            "institution.name",
            Problem::Missing,
        ));
    }
    Ok(code)
}

fn bad(index: usize, kind: &'static str, problem: Bad) -> RecordError {
    RecordError {
        index,
        kind,
        problem,
    }
}

/// Learners (the first part): each checked, created unless it exists. Returns the keys of the
/// event's learners.
async fn import_learners(
    app: &App,
    school: &School,
    records: &[Value],
    result: &mut ImportResult,
    errors: &mut Vec<RecordError>,
) -> Result<HashSet<String>, DomainError> {
    let mut seen_ids = HashSet::new();
    let mut new_learners = Vec::new();
    for (index, v) in records.iter().enumerate() {
        match check_learner(app, school, v) {
            Ok((id, learner)) if seen_ids.insert(id.expose().to_string()) => {
                new_learners.push(learner);
            }
            Ok(_) => errors.push(bad(index, "learner", DUPLICATE_IN_EVENT)),
            Err(b) => errors.push(bad(index, "learner", b)),
        }
    }
    let known: HashSet<String> = new_learners.iter().map(|l| l.id_key.clone()).collect();
    let outcomes: Vec<Result<bool, DomainError>> = stream::iter(new_learners)
        .map(|l| async move { learner::create_or_refresh(app, &l).await })
        .buffer_unordered(CONCURRENCY)
        .collect()
        .await;
    for created in outcomes {
        if created? {
            result.learners_created += 1;
        } else {
            result.learners_existing += 1;
        }
    }
    Ok(known)
}

type Groups = HashMap<String, Vec<(usize, Achievement)>>;

/// Achievements (the second part): each checked, its learner found (in the event or the table),
/// grouped by learner.
async fn group_achievements(
    app: &App,
    institution: &str,
    records: &[Value],
    known: &HashSet<String>,
    errors: &mut Vec<RecordError>,
) -> Result<Groups, DomainError> {
    let mut checked = Vec::new();
    let mut seen_ext = HashSet::new();
    for (index, v) in records.iter().enumerate() {
        match check_achievement(app, institution, v) {
            Ok((id, a)) if seen_ext.insert(a.external_id.clone()) => {
                checked.push((index, learner::id_key(app, &id), a));
            }
            Ok(_) => errors.push(bad(index, "achievement", DUPLICATE_IN_EVENT)),
            Err(b) => errors.push(bad(index, "achievement", b)),
        }
    }
    let unknown: HashSet<String> = checked
        .iter()
        .map(|(_, k, _)| k.clone())
        .filter(|k| !known.contains(k))
        .collect();
    let found: Vec<(String, bool)> = stream::iter(unknown)
        .map(|k| async move {
            let exists = learner::load_by_key(app, &k).await?.is_some();
            Ok::<_, DomainError>((k, exists))
        })
        .buffer_unordered(CONCURRENCY)
        .collect::<Vec<_>>()
        .await
        .into_iter()
        .collect::<Result<_, _>>()?;
    let missing: HashSet<String> = found
        .into_iter()
        .filter(|(_, e)| !e)
        .map(|(k, _)| k)
        .collect();
    let mut groups = Groups::new();
    for (index, key, a) in checked {
        if missing.contains(&key) {
            errors.push(bad(index, "achievement", LEARNER_NOT_FOUND));
        } else {
            groups.entry(key).or_default().push((index, a));
        }
    }
    Ok(groups)
}

/// The third part: each learner's achievements with its totals; learners in parallel.
async fn write_achievements(
    app: &App,
    groups: Groups,
    started: std::time::Instant,
    result: &mut ImportResult,
    errors: &mut Vec<RecordError>,
) -> Result<(), DomainError> {
    let total_groups = groups.len();
    let mut done = 0usize;
    let mut runs = stream::iter(groups)
        .map(|(key, items)| async move { import_for_learner(app, &key, items).await })
        .buffer_unordered(CONCURRENCY);
    while let Some(outcome) = runs.next().await {
        let outcome = outcome?;
        result.achievements_created += outcome.created;
        result.achievements_existing += outcome.existing;
        for index in outcome.conflicts {
            errors.push(bad(index, "achievement", EXTERNAL_ID_CONFLICT));
        }
        done += 1;
        if done % 1000 == 0 {
            tracing::info!(
                done,
                total_groups,
                ms = started.elapsed().as_millis() as u64,
                "import: learners' achievements written"
            );
        }
    }
    Ok(())
}

#[derive(Default)]
struct GroupOutcome {
    created: usize,
    existing: usize,
    conflicts: Vec<usize>,
}

async fn import_for_learner(
    app: &App,
    learner_key: &str,
    items: Vec<(usize, Achievement)>,
) -> Result<GroupOutcome, DomainError> {
    let mut outcome = GroupOutcome::default();
    for chunk in items.chunks(ACHIEVEMENTS_PER_TRANSACTION) {
        let mut pending: Vec<(usize, Achievement)> = chunk.to_vec();
        optimistic!("import", |_| {
            let stored = learner::load_by_key(app, learner_key)
                .await?
                .ok_or_else(|| DomainError::internal("learner vanished during import"))?;
            let ops = achievement_ops(learner_key, &stored, &pending);
            match app.store.transact(ops).await {
                Ok(()) => {
                    outcome.created += pending.len();
                    Ok(Step::Done(()))
                }
                Err(e) if e.is_contention() => {
                    // Drop what was imported before (by this or another run), then try again.
                    let before = pending.len();
                    let tried = std::mem::take(&mut pending);
                    pending = not_yet_imported(app, learner_key, tried, &mut outcome).await?;
                    Ok(match pending.len() {
                        0 => Step::Done(()),
                        // The learner changed under us (a concurrent import): back off a little.
                        n if n == before => Step::Lost,
                        _ => Step::Again,
                    })
                }
                Err(e) => Err(e.into()),
            }
        })?;
    }
    Ok(outcome)
}

/// One transaction: each achievement with the claim of its external id, and the learner's totals
/// and counts, conditional on the learner's version.
fn achievement_ops(
    learner_key: &str,
    stored: &learner::Stored,
    pending: &[(usize, Achievement)],
) -> Vec<WriteOp> {
    let mut next = stored.learner.clone();
    let mut ops = Vec::with_capacity(1 + 2 * pending.len());
    for (_, a) in pending {
        next.total_credit_tenths += a.credit_tenths;
        next.total_points += a.points;
        if a.is_personal() {
            next.personal_count += 1;
        } else {
            next.converted_count += 1;
        }
        let claim = ExternalClaim {
            learner: learner_key.to_string(),
            achievement: a.id.clone(),
        };
        ops.push(WriteOp::Put {
            item: Item::new(claim_pk(&a.institution, &a.external_id), EXT_SK, &claim),
            condition: Condition::NotExists,
        });
        ops.push(WriteOp::Put {
            item: Item::new(learner::pk(learner_key), a.sk(), a),
            condition: Condition::NotExists,
        });
    }
    ops.push(WriteOp::Put {
        item: stored.replaced_by(&next),
        condition: Condition::Version(stored.item.version),
    });
    ops
}

/// The achievements of `pending` whose external id nobody claimed yet; the others are counted
/// as existing (claimed for this learner) or as conflicts (claimed for another).
async fn not_yet_imported(
    app: &App,
    learner_key: &str,
    pending: Vec<(usize, Achievement)>,
    outcome: &mut GroupOutcome,
) -> Result<Vec<(usize, Achievement)>, DomainError> {
    let mut still = Vec::with_capacity(pending.len());
    for (index, a) in pending {
        let claim = app
            .store
            .get(&claim_pk(&a.institution, &a.external_id), EXT_SK)
            .await?;
        match claim {
            Some(item) => {
                let claim: ExternalClaim = item.parse()?;
                if claim.learner == learner_key {
                    outcome.existing += 1;
                } else {
                    outcome.conflicts.push(index);
                }
            }
            None => still.push((index, a)),
        }
    }
    Ok(still)
}
