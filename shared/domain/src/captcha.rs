//! Arithmetic image captchas ("9+8=?"): the answer stays server-side, expires after two minutes
//! and is consumed by the first attempt, right or wrong.

use crate::app::App;
use crate::error::DomainError;
use crate::random::Random;
use crate::store::{Condition, Item};
use base64::Engine;
use serde::{Deserialize, Serialize};

pub const TTL_SECONDS: i64 = 120;
const ID_BYTES: usize = 16;
use crate::schema::{captcha_pk as pk, CAPTCHA_SK as SK};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct CaptchaRecord {
    answer: u32,
}

/// A question and its answer: `a+b` or `a-b` with single digits, never negative.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Question {
    pub text: String,
    pub answer: u32,
}

impl Question {
    pub fn generate(rng: &dyn Random) -> Question {
        let a = 1 + rng.below(9);
        let b = 1 + rng.below(9);
        if rng.below(2) == 0 {
            Question {
                text: format!("{a}+{b}=?"),
                answer: a + b,
            }
        } else {
            let (hi, lo) = if a >= b { (a, b) } else { (b, a) };
            Question {
                text: format!("{hi}-{lo}=?"),
                answer: hi - lo,
            }
        }
    }
}

/// `GET /captcha`'s body.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CaptchaResponse {
    pub captcha_id: String,
    /// `data:image/png;base64,…`
    pub image: String,
    pub expires_in: i64,
}

pub async fn issue(app: &App) -> Result<CaptchaResponse, DomainError> {
    let question = Question::generate(app.rng());
    let id = app.rng().hex(ID_BYTES);
    let item = Item::new(
        pk(&id),
        SK,
        &CaptchaRecord {
            answer: question.answer,
        },
    )
    .expiring(app.now_unix() + TTL_SECONDS);
    app.store.put(item, Condition::NotExists).await?;
    let png = crate::captcha_image::render_png(&question.text, app.rng());
    Ok(CaptchaResponse {
        captcha_id: id,
        image: format!(
            "data:image/png;base64,{}",
            base64::engine::general_purpose::STANDARD.encode(png)
        ),
        expires_in: TTL_SECONDS,
    })
}

fn well_formed_id(id: &str) -> bool {
    id.len() == ID_BYTES * 2 && id.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Consumes the captcha and checks the answer. Wrong, expired, unknown or already used: all
/// `CAPTCHA_INVALID`. Exactly one of any number of concurrent attempts can succeed.
pub async fn redeem(app: &App, id: &str, answer: &str) -> Result<(), DomainError> {
    if !well_formed_id(id) {
        return Err(DomainError::CaptchaInvalid);
    }
    let taken = match app.store.delete(&pk(id), SK, Condition::Exists).await {
        Ok(Some(item)) => item,
        Ok(None) => return Err(DomainError::CaptchaInvalid),
        Err(e) if e.is_contention() => return Err(DomainError::CaptchaInvalid),
        Err(e) => return Err(e.into()),
    };
    if !taken.is_live(app.now_unix()) {
        return Err(DomainError::CaptchaInvalid);
    }
    let record: CaptchaRecord = taken.parse()?;
    match answer.trim().parse::<u32>() {
        Ok(given) if given == record.answer => Ok(()),
        _ => Err(DomainError::CaptchaInvalid),
    }
}

/// The answer of a live captcha, for the local dev server's `devAnswer` only: no Lambda route
/// calls this.
pub async fn peek_answer_for_dev(app: &App, id: &str) -> Result<Option<u32>, DomainError> {
    let item = app.store.get(&pk(id), SK).await?;
    Ok(match item {
        Some(item) if item.is_live(app.now_unix()) => Some(item.parse::<CaptchaRecord>()?.answer),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::random::SeededRandom;

    #[test]
    fn questions_are_small_and_never_negative() {
        let rng = SeededRandom::new(3);
        let mut ops = std::collections::HashSet::new();
        for _ in 0..500 {
            let q = Question::generate(&rng);
            assert!(q.answer <= 18);
            assert!(q.text.ends_with("=?"));
            let op = if q.text.contains('+') { '+' } else { '-' };
            ops.insert(op);
            let (a, b) = q.text.trim_end_matches("=?").split_once(op).unwrap();
            let (a, b): (u32, u32) = (a.parse().unwrap(), b.parse().unwrap());
            assert_eq!(q.answer, if op == '+' { a + b } else { a - b });
        }
        assert_eq!(ops.len(), 2);
    }
}
