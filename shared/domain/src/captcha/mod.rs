//! Arithmetic image captchas ("9+8=?"): the answer stays server-side, expires after two minutes
//! and is consumed by the first attempt, right or wrong.

pub mod image;

use crate::app::App;
use crate::error::DomainError;
use crate::limits::throttle::{Action, Throttle};
use crate::ports::random::Random;
use crate::store::retry::optimistic;
use crate::store::{Condition, Item, Step, StoreError, WriteOp};
use base64::Engine;
use serde::{Deserialize, Serialize};

pub const TTL_SECONDS: i64 = 120;
const ID_BYTES: usize = 16;
use crate::store::schema::{captcha_pk as pk, CAPTCHA_SK as SK};
use crate::values::input::{max, required, required_secret, SecretText};
use crate::values::secret::SecretString;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct CaptchaRecord {
    answer: u32,
}

/// A question and its answer: `a+b` with two-digit operands (answers 20 to 198), or `a-b` with
/// two-digit operands and `a > b` (answers 1 to 89), each half the time. The answers spread over
/// 198 values and the most frequent one (1) comes about once in 90 captchas: guessing it passes
/// about 1.1% of them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Question {
    pub text: String,
    pub answer: u32,
}

/// The operands' range.
pub const OPERAND_MIN: u32 = 10;
pub const OPERAND_MAX: u32 = 99;

impl Question {
    pub fn generate(rng: &dyn Random) -> Question {
        let span = OPERAND_MAX - OPERAND_MIN + 1;
        let a = OPERAND_MIN + rng.below(span);
        if rng.below(2) == 0 {
            let b = OPERAND_MIN + rng.below(span);
            Question {
                text: format!("{a}+{b}=?"),
                answer: a + b,
            }
        } else {
            // b uniform among the other operands: every ordered pair with a ≠ b equally likely.
            let mut b = OPERAND_MIN + rng.below(span - 1);
            if b >= a {
                b += 1;
            }
            let (hi, lo) = if a > b { (a, b) } else { (b, a) };
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

/// A new captcha for `client_ip`, counted against the address's captcha windows in the same
/// round trip that stores it (one `TransactWriteItems`).
pub async fn issue_to(app: &App, client_ip: &str) -> Result<CaptchaResponse, DomainError> {
    issue_counted(app, Throttle::new(app, Action::Captcha, client_ip)).await
}

/// A new captcha, counted nowhere (fixtures and tests).
pub async fn issue(app: &App) -> Result<CaptchaResponse, DomainError> {
    issue_counted(app, Throttle::none()).await
}

async fn issue_counted(app: &App, mut throttle: Throttle) -> Result<CaptchaResponse, DomainError> {
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
    optimistic!("captcha", |_| {
        let mut ops = throttle.ops();
        ops.push(WriteOp::Put {
            item: item.clone(),
            condition: Condition::NotExists,
        });
        match app.store.transact(ops).await {
            Ok(()) => Ok(Step::Done(())),
            Err(e) if throttle.on_failure(&e)? => Ok(Step::Again),
            Err(StoreError::Conflict) => Ok(Step::Lost),
            Err(e) => Err(e.into()),
        }
    })?;
    let png = crate::captcha::image::render_png(&question.text, app.rng());
    Ok(CaptchaResponse {
        captcha_id: id,
        image: format!(
            "data:image/png;base64,{}",
            base64::engine::general_purpose::STANDARD.encode(png)
        ),
        expires_in: TTL_SECONDS,
    })
}

/// A captcha as a request names it: its id and the answer typed, both present and short.
#[derive(Debug)]
pub struct Solved {
    pub id: String,
    pub answer: SecretString,
}

impl Solved {
    /// The `captchaId` and `captchaAnswer` fields of a request body, checked.
    pub fn from_fields(
        id: Option<String>,
        answer: Option<SecretText>,
    ) -> Result<Self, DomainError> {
        Ok(Solved {
            id: required("captchaId", id, max::CAPTCHA_ID)?,
            answer: required_secret("captchaAnswer", answer.map(|t| t.0), max::SHORT_CODE)?,
        })
    }
}

fn well_formed_id(id: &str) -> bool {
    id.len() == ID_BYTES * 2 && id.bytes().all(|b| b.is_ascii_hexdigit())
}

/// The key of the captcha `id` names, if it is well-formed (anything else is not looked up).
pub fn key(id: &str) -> Option<(String, &'static str)> {
    let id = id.trim();
    well_formed_id(id).then(|| (pk(id), SK))
}

/// Whether `item`, the captcha as read at `now`, is live and answered by `answer`. Reading it does
/// not redeem it: the redeeming write is [`consume`], conditional on the version read.
pub fn answered(item: Option<&Item>, answer: &str, now: i64) -> Result<bool, DomainError> {
    let Some(item) = item.filter(|i| i.is_live(now)) else {
        return Ok(false);
    };
    let record: CaptchaRecord = item.parse()?;
    Ok(matches!(answer.trim().parse::<u32>(), Ok(given) if given == record.answer))
}

/// The write that uses up the captcha read as `item`, right or wrong: it fails when another
/// attempt used it first, so exactly one of any number of concurrent attempts gets it.
pub fn consume(item: &Item) -> WriteOp {
    WriteOp::Delete {
        pk: item.pk.clone(),
        sk: item.sk.clone(),
        condition: Condition::Version(item.version),
    }
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
    if answered(Some(&taken), answer, app.now_unix())? {
        Ok(())
    } else {
        Err(DomainError::CaptchaInvalid)
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
    use crate::ports::random::SeededRandom;

    #[test]
    fn questions_are_well_formed_and_never_negative() {
        let rng = SeededRandom::new(3);
        let mut ops = std::collections::HashSet::new();
        for _ in 0..2000 {
            let q = Question::generate(&rng);
            assert!((1..=198).contains(&q.answer), "{q:?}");
            assert!(q.text.ends_with("=?"));
            let op = if q.text.contains('+') { '+' } else { '-' };
            ops.insert(op);
            let (a, b) = q.text.trim_end_matches("=?").split_once(op).unwrap();
            let (a, b): (u32, u32) = (a.parse().unwrap(), b.parse().unwrap());
            assert!((OPERAND_MIN..=OPERAND_MAX).contains(&a));
            assert!((OPERAND_MIN..=OPERAND_MAX).contains(&b));
            assert_eq!(q.answer, if op == '+' { a + b } else { a - b });
        }
        assert_eq!(ops.len(), 2);
    }

    /// The distribution of answers over many draws: at least 100 distinct answers, and the most
    /// frequent one under 2% (guessing it passes at most 2% of captchas).
    #[test]
    fn answers_spread_wide_enough_that_guessing_fails() {
        let rng = SeededRandom::new(11);
        const DRAWS: usize = 20_000;
        let mut counts = std::collections::HashMap::<u32, usize>::new();
        for _ in 0..DRAWS {
            *counts.entry(Question::generate(&rng).answer).or_default() += 1;
        }
        let (top, max) = counts.iter().max_by_key(|(_, n)| **n).unwrap();
        let share = *max as f64 / DRAWS as f64;
        println!(
            "captcha answers over {DRAWS} draws: {} distinct, most frequent {top} at {:.2}%",
            counts.len(),
            share * 100.0
        );
        assert!(counts.len() >= 100, "{} distinct answers", counts.len());
        assert!(
            share <= 0.02,
            "answer {top} in {:.2}% of captchas",
            share * 100.0
        );
    }
}
