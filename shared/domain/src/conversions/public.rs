//! 查看转换规则, for anyone: the published rules in force, filtered, a page at a time. One query
//! a page however many rules there are: the page reads at most [`SCAN`] published rules of the
//! range its type and subtype select, from where the previous page ended, keeps those in force
//! that match the other filters, and ends where it stopped reading — so a page may hold fewer
//! rules than asked for while `nextCursor` says more may follow.

use super::command::{encode_cursor, PublicQuery};
use super::rules::{Rule, RuleView};
use crate::app::App;
use crate::error::{DomainError, Problem};
use crate::store::schema;
use crate::values::lang::Lang;
use serde::Serialize;

/// Published rules one page reads at most (about 60 KB).
pub const SCAN: usize = 100;

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PublicRulesResponse {
    pub items: Vec<RuleView>,
    pub page_size: usize,
    /// Where the next page starts (`null` on the last page).
    pub next_cursor: Option<String>,
}

fn matches(rule: &Rule, q: &PublicQuery) -> bool {
    let name_ok = q.name.as_ref().is_none_or(|n| {
        let n = n.to_lowercase();
        rule.body.name.to_lowercase().contains(&n)
            || rule.body.target.course_name.to_lowercase().contains(&n)
            || rule
                .body
                .source
                .name
                .as_ref()
                .is_some_and(|s| s.to_lowercase().contains(&n))
    });
    name_ok
        && q.institution
            .as_ref()
            .is_none_or(|i| *i == rule.institution.code)
}

/// `GET /conversion-rules`.
pub async fn list(
    app: &App,
    q: PublicQuery,
    lang: Lang,
) -> Result<PublicRulesResponse, DomainError> {
    let prefix = match &q.kind {
        Some(kind) => schema::public_rule_prefix(kind, q.subtype.as_deref(), None),
        None => String::new(),
    };
    if q.after.as_ref().is_some_and(|a| !a.starts_with(&prefix)) {
        return Err(DomainError::validation("cursor", Problem::Invalid));
    }
    let (items, more) = app
        .store
        .query_after(schema::PUBLIC_RULES_PK, &prefix, q.after.as_deref(), SCAN)
        .await?;
    let today = app.today();
    let mut page = Vec::with_capacity(q.page_size);
    let mut last = None;
    let mut full = false;
    for item in &items {
        let rule: Rule = item.parse()?;
        last = Some(item.sk.as_str());
        if rule.in_force(today) && matches(&rule, &q) {
            page.push(RuleView::of(&rule, today, lang));
            if page.len() == q.page_size {
                full = true;
                break;
            }
        }
    }
    let stopped_early = full && last != items.last().map(|i| i.sk.as_str());
    let next_cursor = match (more || stopped_early, last) {
        (true, Some(sk)) => Some(encode_cursor(sk)),
        _ => None,
    };
    Ok(PublicRulesResponse {
        items: page,
        page_size: q.page_size,
        next_cursor,
    })
}
