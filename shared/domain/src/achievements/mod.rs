//! Achievements (certificates and credits registered by schools): the personal centre and the
//! filtered, paged list.

pub mod catalogue;

use crate::account::audit;
use crate::account::learner;
use crate::account::session::Authenticated;
use crate::app::App;
use crate::error::{DomainError, Problem};
use crate::store::schema::ACHIEVEMENT_SK_PREFIX as SK_PREFIX;
use crate::store::QueryOpts;
use crate::values::credits::Credits;
use crate::values::lang::Lang;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

pub const MAX_PAGE_SIZE: usize = 50;
pub const DEFAULT_PAGE_SIZE: usize = 10;
pub const RECENT_LOGINS: usize = 5;

/// An achievement as stored in its learner's partition (`SK = ACH#<id>`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Achievement {
    pub id: String,
    pub institution: String,
    pub external_id: String,
    pub name: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub subtype: String,
    pub issuer: String,
    pub credit_tenths: i64,
    pub points: i64,
    pub source: String,
    pub obtained_at: NaiveDate,
    /// A converted achievement's link to the application and the achievement it came from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conversion: Option<ConversionLink>,
}

/// What a 转换获取成果 was converted from and into: the school's course, the course credits it
/// granted (its own field: they add nothing to 总学分, which counts the source once).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConversionLink {
    pub application: String,
    pub source_achievement: String,
    /// The source achievement's name, as it was (a list shows it with no other read).
    #[serde(default)]
    pub source_name: String,
    pub rule: String,
    pub course_code: String,
    pub course_credit_tenths: i64,
    pub mode: crate::conversions::rules::Mode,
}

/// A converted achievement's link as clients see it.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ConversionLinkView {
    pub application_id: String,
    pub source_achievement_id: String,
    pub source_achievement_name: String,
    pub rule_id: String,
    pub course_code: String,
    pub course_credits: Credits,
    pub mode: crate::conversions::rules::Mode,
    pub mode_label: &'static str,
}

impl ConversionLinkView {
    pub fn of(link: &ConversionLink, lang: Lang) -> ConversionLinkView {
        ConversionLinkView {
            application_id: link.application.clone(),
            source_achievement_id: link.source_achievement.clone(),
            source_achievement_name: link.source_name.clone(),
            rule_id: link.rule.clone(),
            course_code: link.course_code.clone(),
            course_credits: Credits(link.course_credit_tenths),
            mode: link.mode,
            mode_label: link.mode.label(lang),
        }
    }
}

impl Achievement {
    pub fn sk(&self) -> String {
        crate::store::schema::achievement_sk(&self.id)
    }

    pub fn is_personal(&self) -> bool {
        self.source == "personal"
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub personal: u64,
    pub converted: u64,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RecentLogin {
    pub at: String,
    pub ip: String,
    pub result: audit::LoginResult,
}

/// `GET /me`: the learning card and totals.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MeResponse {
    pub name: String,
    pub id_number_masked: String,
    pub card_id: String,
    pub total_credits: Credits,
    pub total_points: i64,
    pub achievement_counts: Counts,
    pub recent_logins: Vec<RecentLogin>,
    /// The schools that imported the learner (a registration goes to one of them).
    pub institutions: Vec<crate::account::learner::School>,
}

/// The personal centre of an active learner.
pub async fn me(app: &App, authed: &Authenticated) -> Result<MeResponse, DomainError> {
    let l = &authed.learner.learner;
    let recent = audit::recent(app, &l.id_key, RECENT_LOGINS).await?;
    Ok(MeResponse {
        name: l.name.clone(),
        id_number_masked: l.id_masked.clone(),
        card_id: l.card_id.clone(),
        total_credits: Credits(l.total_credit_tenths),
        total_points: l.total_points,
        achievement_counts: Counts {
            personal: l.personal_count,
            converted: l.converted_count,
        },
        recent_logins: recent
            .into_iter()
            .map(|a| RecentLogin {
                at: a.at,
                ip: a.ip,
                result: a.result,
            })
            .collect(),
        institutions: l.institutions.clone(),
    })
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ItemView {
    pub seq: usize,
    pub id: String,
    pub name: String,
    #[serde(flatten)]
    pub kind: catalogue::KindView,
    pub issuer: String,
    pub credits: Credits,
    pub points: i64,
    pub source: String,
    pub obtained_at: NaiveDate,
    /// Converted achievements only: the course and its credits, and the source achievement.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub conversion: Option<ConversionLinkView>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AchievementsResponse {
    pub items: Vec<ItemView>,
    pub page: usize,
    pub page_size: usize,
    pub total: usize,
    pub total_pages: usize,
    pub counts: Counts,
}

/// What `GET /achievements` filters and pages by, validated.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AchievementsQuery {
    pub name: Option<String>,
    pub kind: Option<String>,
    pub subtype: Option<String>,
    pub source: Option<String>,
    pub page: usize,
    pub page_size: usize,
}

fn positive(
    field: &str,
    value: Option<String>,
    default: usize,
    max: usize,
) -> Result<usize, DomainError> {
    let Some(v) = value else { return Ok(default) };
    match v.parse::<usize>() {
        Ok(n) if (1..=max).contains(&n) => Ok(n),
        Ok(_) => Err(DomainError::validation(field, Problem::OutOfRange)),
        Err(_) => Err(DomainError::validation(field, Problem::Invalid)),
    }
}

impl AchievementsQuery {
    pub fn from_query(
        get: impl Fn(&str) -> Option<String>,
    ) -> Result<AchievementsQuery, DomainError> {
        let kind = get("type");
        if let Some(k) = &kind {
            catalogue::find_type(k)
                .ok_or_else(|| DomainError::validation("type", Problem::Invalid))?;
        }
        let subtype = get("subtype");
        if let Some(s) = &subtype {
            let owner = catalogue::type_of_subtype(s)
                .ok_or_else(|| DomainError::validation("subtype", Problem::Invalid))?;
            if kind.as_deref().is_some_and(|k| k != owner.entry.code) {
                return Err(DomainError::validation("subtype", Problem::Invalid));
            }
        }
        let source = get("source");
        if let Some(s) = &source {
            catalogue::find_source(s)
                .ok_or_else(|| DomainError::validation("source", Problem::Invalid))?;
        }
        let name = get("name");
        if name.as_ref().is_some_and(|n| n.chars().count() > 100) {
            return Err(DomainError::validation("name", Problem::TooLong));
        }
        Ok(AchievementsQuery {
            name,
            kind,
            subtype,
            source,
            page: positive("page", get("page"), 1, 1_000_000)?,
            page_size: positive(
                "pageSize",
                get("pageSize"),
                DEFAULT_PAGE_SIZE,
                MAX_PAGE_SIZE,
            )?,
        })
    }

    fn matches(&self, a: &Achievement) -> bool {
        let name_ok = self
            .name
            .as_ref()
            .is_none_or(|n| a.name.to_lowercase().contains(&n.to_lowercase()));
        name_ok
            && self.kind.as_ref().is_none_or(|k| *k == a.kind)
            && self.subtype.as_ref().is_none_or(|s| *s == a.subtype)
            && self.source.as_ref().is_none_or(|s| *s == a.source)
    }
}

/// Filters, orders (newest `obtainedAt` first, ties by id) and pages; `seq` numbers the filtered
/// list across pages; `counts` are over everything.
pub fn page(all: &[Achievement], filter: &AchievementsQuery, lang: Lang) -> AchievementsResponse {
    let counts = Counts {
        personal: all.iter().filter(|a| a.is_personal()).count() as u64,
        converted: all.iter().filter(|a| !a.is_personal()).count() as u64,
    };
    let mut hits: Vec<&Achievement> = all.iter().filter(|a| filter.matches(a)).collect();
    hits.sort_by(|a, b| {
        b.obtained_at
            .cmp(&a.obtained_at)
            .then_with(|| a.id.cmp(&b.id))
    });
    let total = hits.len();
    let start = (filter.page - 1).saturating_mul(filter.page_size);
    let items = hits
        .into_iter()
        .enumerate()
        .skip(start)
        .take(filter.page_size)
        .map(|(i, a)| ItemView {
            seq: i + 1,
            id: a.id.clone(),
            name: a.name.clone(),
            kind: catalogue::KindView::of(&a.kind, &a.subtype, lang),
            issuer: a.issuer.clone(),
            credits: Credits(a.credit_tenths),
            points: a.points,
            source: a.source.clone(),
            obtained_at: a.obtained_at,
            conversion: a
                .conversion
                .as_ref()
                .map(|c| ConversionLinkView::of(c, lang)),
        })
        .collect();
    AchievementsResponse {
        items,
        page: filter.page,
        page_size: filter.page_size,
        total,
        total_pages: total.div_ceil(filter.page_size),
        counts,
    }
}

/// All achievements of a learner.
pub async fn all_of(app: &App, learner_key: &str) -> Result<Vec<Achievement>, DomainError> {
    let items = app
        .store
        .query(&learner::pk(learner_key), SK_PREFIX, QueryOpts::ALL)
        .await?;
    items
        .iter()
        .map(|i| i.parse().map_err(DomainError::from))
        .collect()
}

/// One page of an active learner's achievements.
pub async fn list(
    app: &App,
    authed: &Authenticated,
    filter: &AchievementsQuery,
    lang: Lang,
) -> Result<AchievementsResponse, DomainError> {
    let all = all_of(app, &authed.learner.learner.id_key).await?;
    Ok(page(&all, filter, lang))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ach(id: &str, name: &str, date: &str, source: &str) -> Achievement {
        Achievement {
            id: id.into(),
            institution: "I".into(),
            external_id: id.into(),
            name: name.into(),
            kind: "NON_ACADEMIC".into(),
            subtype: "X_CERTIFICATE".into(),
            issuer: "X".into(),
            credit_tenths: 10,
            points: 1,
            source: source.into(),
            obtained_at: NaiveDate::parse_from_str(date, "%Y-%m-%d").unwrap(),
            conversion: None,
        }
    }

    fn filter(page: usize, page_size: usize) -> AchievementsQuery {
        AchievementsQuery {
            page,
            page_size,
            ..Default::default()
        }
    }

    #[test]
    fn orders_newest_first_then_by_id_and_numbers_across_pages() {
        let all = vec![
            ach("b", "Web", "2023-01-01", "personal"),
            ach("a", "web", "2023-01-01", "converted"),
            ach("c", "Other", "2024-01-01", "personal"),
        ];
        let p = page(&all, &filter(1, 2), Lang::Zh);
        let ids: Vec<&str> = p.items.iter().map(|i| i.id.as_str()).collect();
        assert_eq!(ids, ["c", "a"]);
        assert_eq!((p.total, p.total_pages), (3, 2));
        let p2 = page(&all, &filter(2, 2), Lang::Zh);
        assert_eq!(p2.items[0].seq, 3);
        assert_eq!(p2.items[0].id, "b");
        let past = page(&all, &filter(9, 2), Lang::Zh);
        assert!(past.items.is_empty());
        assert_eq!(
            (past.total, past.counts.personal, past.counts.converted),
            (3, 2, 1)
        );
    }

    #[test]
    fn name_matches_substrings_ignoring_latin_case() {
        let all = vec![
            ach("a", "Web前端开发", "2023-01-01", "personal"),
            ach("b", "电梯", "2023-01-01", "personal"),
        ];
        let f = AchievementsQuery {
            name: Some("WEB".into()),
            ..filter(1, 10)
        };
        assert_eq!(page(&all, &f, Lang::Zh).total, 1);
        let f = AchievementsQuery {
            name: Some("电".into()),
            ..filter(1, 10)
        };
        assert_eq!(page(&all, &f, Lang::Zh).items[0].id, "b");
    }

    #[test]
    fn query_validation() {
        let q = |pairs: &'static [(&'static str, &'static str)]| {
            AchievementsQuery::from_query(move |k| {
                pairs
                    .iter()
                    .find(|(n, _)| *n == k)
                    .map(|(_, v)| v.to_string())
            })
        };
        assert!(q(&[]).is_ok());
        assert_eq!(q(&[]).unwrap().page_size, 10);
        assert!(q(&[("type", "NON_ACADEMIC"), ("subtype", "X_CERTIFICATE")]).is_ok());
        assert!(q(&[("subtype", "COURSE")]).is_ok());
        let field = |r: Result<AchievementsQuery, DomainError>| match r {
            Err(DomainError::Validation { field, .. }) => field,
            other => panic!("{other:?}"),
        };
        assert_eq!(field(q(&[("type", "NOPE")])), "type");
        assert_eq!(
            field(q(&[("type", "ACADEMIC"), ("subtype", "X_CERTIFICATE")])),
            "subtype"
        );
        assert_eq!(field(q(&[("source", "stolen")])), "source");
        assert_eq!(field(q(&[("pageSize", "51")])), "pageSize");
        assert_eq!(field(q(&[("pageSize", "0")])), "pageSize");
        assert_eq!(field(q(&[("page", "0")])), "page");
        assert_eq!(field(q(&[("page", "-1")])), "page");
        assert_eq!(field(q(&[("page", "x")])), "page");
        assert_eq!(q(&[("pageSize", "50")]).unwrap().page_size, 50);
    }
}
