//! Bulk import of learners and achievements by a school: idempotent, record by record (a bad
//! record is reported and the rest proceed), totals kept equal to the sum of achievements by
//! updating them in the same transaction as the achievements, conditionally on the learner's
//! version.

use crate::achievements::Achievement;
use crate::app::App;
use crate::catalogue;
use crate::config::sha256_hex;
use crate::credits::Credits;
use crate::error::{AppError, Problem};
use crate::id_number::IdNumber;
use crate::learner::{self, Learner};
use crate::store::{Condition, Item, StoreError, WriteOp, MAX_TRANSACTION_ITEMS};
use chrono::{Datelike, NaiveDate};
use futures::stream::{self, StreamExt};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::{HashMap, HashSet};

/// Learners (or learner groups) written at the same time.
pub const CONCURRENCY: usize = 16;
/// Achievements per transaction: each takes two items (claim, achievement) beside the learner.
pub const ACHIEVEMENTS_PER_TRANSACTION: usize = (MAX_TRANSACTION_ITEMS - 1) / 2;
const MAX_TRIES: usize = 32;
const EXT_SK: &str = "EXT";

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

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RecordError {
    pub index: usize,
    pub kind: &'static str,
    pub code: &'static str,
    pub message: &'static str,
}

#[derive(Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
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

type Bad = (&'static str, &'static str);

const RECORD_INVALID: Bad = ("RECORD_INVALID", "记录格式不正确（须为对象，字段类型正确）");
const ID_NUMBER_INVALID: Bad = (
    "ID_NUMBER_INVALID",
    "身份证号无效（长度、出生日期或校验位不正确）",
);
const NAME_INVALID: Bad = ("NAME_INVALID", "名称不能为空，且不能过长");
const EXTERNAL_ID_INVALID: Bad = ("EXTERNAL_ID_INVALID", "成果编号不能为空，且不超过64个字符");
const TYPE_UNKNOWN: Bad = ("TYPE_UNKNOWN", "成果类型不存在");
const SUBTYPE_UNKNOWN: Bad = ("SUBTYPE_UNKNOWN", "成果子类型不存在或不属于该成果类型");
const SOURCE_UNKNOWN: Bad = ("SOURCE_UNKNOWN", "成果来源须为 personal 或 converted");
const ISSUER_INVALID: Bad = ("ISSUER_INVALID", "颁证机构不能为空，且不能过长");
const CREDITS_INVALID: Bad = (
    "CREDITS_INVALID",
    "学分须为 0 到 9999.9 之间、最多一位小数的数",
);
const POINTS_INVALID: Bad = ("POINTS_INVALID", "积分须为 0 到 1000000 之间的整数");
const DATE_INVALID: Bad = ("DATE_INVALID", "获得日期须为 YYYY-MM-DD 格式且不晚于今天");
const LEARNER_NOT_FOUND: Bad = ("LEARNER_NOT_FOUND", "该学习者不存在，且不在本次导入中");
const DUPLICATE_IN_EVENT: Bad = ("DUPLICATE_IN_EVENT", "本次导入中重复的记录");
const EXTERNAL_ID_CONFLICT: Bad = ("EXTERNAL_ID_CONFLICT", "该成果编号已登记给另一位学习者");

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

fn check_learner(app: &App, v: &Value) -> Result<(IdNumber, String), Bad> {
    let r: LearnerRecord = record(v)?;
    let id = IdNumber::parse(r.id_number.as_deref().unwrap_or(""), app.today())
        .map_err(|_| ID_NUMBER_INVALID)?;
    Ok((id, text(r.name, 50, NAME_INVALID)?))
}

/// The stable id of an achievement: the same institution and external id always give the same.
pub fn achievement_id(institution: &str, external_id: &str) -> String {
    sha256_hex(format!("{institution}\0{external_id}").as_bytes())[..16].to_string()
}

fn claim_pk(institution: &str, external_id: &str) -> String {
    format!(
        "EXT#{}",
        sha256_hex(format!("{institution}\0{external_id}").as_bytes())
    )
}

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
    let external_id = text(r.external_id, 64, EXTERNAL_ID_INVALID)?;
    let id = IdNumber::parse(r.id_number.as_deref().unwrap_or(""), app.today())
        .map_err(|_| ID_NUMBER_INVALID)?;
    let name = text(r.name, 200, NAME_INVALID)?;
    let kind = r.kind.unwrap_or_default();
    let kind_entry = catalogue::find_type(&kind).ok_or(TYPE_UNKNOWN)?;
    let subtype = r.subtype.unwrap_or_default();
    if !kind_entry.subtypes.iter().any(|s| s.code == subtype) {
        return Err(SUBTYPE_UNKNOWN);
    }
    let source = r.source.unwrap_or_default();
    catalogue::find_source(&source).ok_or(SOURCE_UNKNOWN)?;
    let issuer = text(r.issuer, 200, ISSUER_INVALID)?;
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
        },
    ))
}

/// Runs one import event. Fails as a whole only for an unusable envelope (no institution) or
/// storage failures; bad records are reported in `errors`.
pub async fn run(app: &App, event: ImportEvent) -> Result<ImportResult, AppError> {
    let institution = event.institution.code.trim().to_string();
    let institution_ok = !institution.is_empty()
        && institution.len() <= 64
        && institution
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b));
    if !institution_ok {
        return Err(AppError::validation("institution.code", Problem::Invalid));
    }
    if event.institution.name.trim().is_empty() {
        return Err(AppError::validation("institution.name", Problem::Missing));
    }
    let started = std::time::Instant::now();
    let mut result = ImportResult::default();
    let bad = |index: usize, kind: &'static str, (code, message): Bad| RecordError {
        index,
        kind,
        code,
        message,
    };
    let mut errors = Vec::new();

    // 1. Learners.
    let mut seen_ids = HashSet::new();
    let mut new_learners = Vec::new();
    for (index, v) in event.learners.iter().enumerate() {
        match check_learner(app, v) {
            Ok((id, name)) => {
                if seen_ids.insert(id.expose().to_string()) {
                    new_learners.push(Learner::new(app, &id, &name));
                } else {
                    errors.push(bad(index, "learner", DUPLICATE_IN_EVENT));
                }
            }
            Err(b) => errors.push(bad(index, "learner", b)),
        }
    }
    let known: HashSet<String> = new_learners.iter().map(|l| l.id_key.clone()).collect();
    let outcomes: Vec<Result<bool, AppError>> = stream::iter(new_learners)
        .map(|l| async move { learner::create(app, &l).await })
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
    tracing::info!(
        created = result.learners_created,
        existing = result.learners_existing,
        ms = started.elapsed().as_millis() as u64,
        "import: learners done"
    );

    // 2. Achievements: check each, find its learner, group by learner.
    let mut checked = Vec::new();
    let mut seen_ext = HashSet::new();
    for (index, v) in event.achievements.iter().enumerate() {
        match check_achievement(app, &institution, v) {
            Ok((id, a)) if seen_ext.insert(a.external_id.clone()) => {
                checked.push((index, learner::id_key(app, &id), a));
            }
            Ok(_) => errors.push(bad(index, "achievement", DUPLICATE_IN_EVENT)),
            Err(b) => errors.push(bad(index, "achievement", b)),
        }
    }
    let unknown: Vec<String> = checked
        .iter()
        .map(|(_, k, _)| k.clone())
        .filter(|k| !known.contains(k))
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let found: Vec<(String, bool)> = stream::iter(unknown)
        .map(|k| async move {
            let exists = learner::load_by_key(app, &k).await?.is_some();
            Ok::<_, AppError>((k, exists))
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
    let mut groups: HashMap<String, Vec<(usize, Achievement)>> = HashMap::new();
    for (index, key, a) in checked {
        if missing.contains(&key) {
            errors.push(bad(index, "achievement", LEARNER_NOT_FOUND));
        } else {
            groups.entry(key).or_default().push((index, a));
        }
    }

    // 3. Write each learner's achievements with its totals; learners in parallel.
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
) -> Result<GroupOutcome, AppError> {
    let mut outcome = GroupOutcome::default();
    for chunk in items.chunks(ACHIEVEMENTS_PER_TRANSACTION) {
        let mut pending: Vec<(usize, Achievement)> = chunk.to_vec();
        let mut tries = 0;
        while !pending.is_empty() {
            tries += 1;
            if tries > MAX_TRIES {
                return Err(StoreError::Unavailable("import: too much contention".into()).into());
            }
            let stored = learner::load_by_key(app, learner_key)
                .await?
                .ok_or_else(|| AppError::internal("learner vanished during import"))?;
            let mut next = stored.learner.clone();
            let mut ops = Vec::with_capacity(1 + 2 * pending.len());
            for (_, a) in &pending {
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
            match app.store.transact(ops).await {
                Ok(()) => {
                    outcome.created += pending.len();
                    pending.clear();
                }
                Err(e) if e.is_contention() => {
                    // Drop what was imported before (by this or another run), then try again.
                    let before = pending.len();
                    let mut still = Vec::with_capacity(pending.len());
                    for (index, a) in pending {
                        match app
                            .store
                            .get(&claim_pk(&a.institution, &a.external_id), EXT_SK)
                            .await?
                        {
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
                    pending = still;
                    if pending.len() == before {
                        // The learner changed under us (a concurrent import): back off a little.
                        tokio::time::sleep(std::time::Duration::from_millis(5 * tries as u64))
                            .await;
                    }
                }
                Err(e) => return Err(e.into()),
            }
        }
    }
    Ok(outcome)
}
