//! The first-login information (信息完善): document validity, a mobile number confirmed by SMS,
//! and the mandatory change of the initial password, saved in one transaction.

use crate::account::binding::Binding;
use crate::account::learner::{self, Learner, Stored};
use crate::account::session::Authenticated;
use crate::app::App;
use crate::error::{DomainError, Problem};
use crate::sms_code::Purpose;
use crate::sms_code::VerifiedCode;
use crate::store::retry::optimistic;
use crate::store::{Condition, Step, WriteOp};
use crate::values::input::{absent, max, required, SecretText};
use crate::values::mobile::Mobile;
use crate::values::secret::{ExposeSecret, SecretString};
use chrono::{Months, NaiveDate};
use serde::{Deserialize, Serialize};

pub const ID_TYPES: &[&str] = &["RESIDENT_ID_CARD"];
/// The terms a resident ID card is issued for (5年 / 10年 / 20年), besides long-term.
pub const TERMS_YEARS: [u32; 3] = [5, 10, 20];

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ProfileResponse {
    pub name: String,
    pub id_type: String,
    pub id_number_masked: String,
    pub id_valid_from: Option<NaiveDate>,
    pub id_valid_to: Option<NaiveDate>,
    pub id_long_term: bool,
    pub mobile_masked: Option<String>,
    pub profile_completed: bool,
    pub password_change_required: bool,
}

impl From<&Learner> for ProfileResponse {
    fn from(l: &Learner) -> Self {
        ProfileResponse {
            name: l.name.clone(),
            id_type: l.id_type.clone(),
            id_number_masked: l.id_masked.clone(),
            id_valid_from: l.id_valid_from,
            id_valid_to: l.id_valid_to,
            id_long_term: l.id_long_term,
            mobile_masked: l.mobile_masked.clone(),
            profile_completed: l.profile_completed,
            password_change_required: l.password_change_required(),
        }
    }
}

/// `PUT /profile`'s body as sent.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProfileRequest {
    pub id_type: Option<String>,
    pub id_valid_from: Option<String>,
    pub id_valid_to: Option<String>,
    pub id_long_term: Option<bool>,
    pub mobile: Option<String>,
    pub sms_code: Option<SecretText>,
    pub new_password: Option<SecretString>,
}

/// A submission whose fields are each well-formed (what needs today's date, the learner or
/// storage is checked by [`put`]).
#[derive(Debug)]
pub struct ProfileCommand {
    pub from: NaiveDate,
    pub to: Option<NaiveDate>,
    pub long_term: bool,
    /// Required on the first login; not allowed once the profile is complete.
    pub mobile: Option<Mobile>,
    pub sms_code: Option<SecretString>,
    pub new_password: Option<SecretString>,
}

impl TryFrom<ProfileRequest> for ProfileCommand {
    type Error = DomainError;

    fn try_from(body: ProfileRequest) -> Result<Self, DomainError> {
        let id_type = required("idType", body.id_type, max::ENUM_CODE)?;
        if !ID_TYPES.contains(&id_type.trim()) {
            return Err(DomainError::validation("idType", Problem::Invalid));
        }
        let from = date("idValidFrom", body.id_valid_from)?
            .ok_or_else(|| DomainError::validation("idValidFrom", Problem::Missing))?;
        let to = date("idValidTo", body.id_valid_to)?;
        let mobile = match body.mobile {
            None => None,
            Some(m) => {
                let m = required("mobile", Some(m), max::MOBILE)?;
                Some(
                    Mobile::parse(&m)
                        .map_err(|_| DomainError::validation("mobile", Problem::Invalid))?,
                )
            }
        };
        Ok(ProfileCommand {
            from,
            to,
            long_term: body.id_long_term.unwrap_or(false),
            mobile,
            sms_code: body.sms_code.map(|c| c.0),
            new_password: body.new_password.filter(|p| !p.expose_secret().is_empty()),
        })
    }
}

/// Validity as entered: long-term with no end, or an end exactly 5, 10 or 20 years after the
/// start; the start not in the future; an end already past is an expired document.
pub fn check_validity(
    from: NaiveDate,
    to: Option<NaiveDate>,
    long_term: bool,
    today: NaiveDate,
) -> Result<(), DomainError> {
    if from > today {
        return Err(DomainError::IdValidityInvalid);
    }
    match (long_term, to) {
        (true, None) => Ok(()),
        (true, Some(_)) | (false, None) => Err(DomainError::IdValidityInvalid),
        (false, Some(to)) => {
            let is_term = TERMS_YEARS
                .iter()
                .any(|y| from.checked_add_months(Months::new(y * 12)) == Some(to));
            if !is_term {
                Err(DomainError::IdValidityInvalid)
            } else if to < today {
                Err(DomainError::IdExpired)
            } else {
                Ok(())
            }
        }
    }
}

fn date(field: &str, value: Option<String>) -> Result<Option<NaiveDate>, DomainError> {
    match value.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(s) => NaiveDate::parse_from_str(s, "%Y-%m-%d")
            .map(Some)
            .map_err(|_| DomainError::validation(field, Problem::Invalid)),
    }
}

/// The first-login information of the learner.
pub fn get(authed: &Authenticated) -> ProfileResponse {
    ProfileResponse::from(&authed.learner.learner)
}

/// Saves a submission for the learner of `authed`. On the first login: validity, the mobile (with
/// its code unless it is already theirs) and, required while the initial password is in use, a
/// new password. Once the profile is complete, only the validity: passwords change through
/// `PUT /password` or a reset, numbers through `PUT /mobile` (both re-authenticate).
pub async fn put(
    app: &App,
    authed: Authenticated,
    body: ProfileCommand,
) -> Result<ProfileResponse, DomainError> {
    check_validity(body.from, body.to, body.long_term, app.today())?;
    if authed.learner.learner.profile_completed {
        absent("newPassword", &body.new_password)?;
        absent("mobile", &body.mobile)?;
        return save_validity(app, authed, body.from, body.to, body.long_term).await;
    }
    let changes = Changes::check(app, &authed.learner.learner, body).await?;
    let mut authed = authed;
    let saved = optimistic!("profile", |stale| {
        if stale {
            authed = authed.reload(app).await?;
        }
        try_save(app, &authed, &changes).await
    })?;
    Ok(ProfileResponse::from(&saved))
}

/// A complete profile's only change: the document validity.
async fn save_validity(
    app: &App,
    authed: Authenticated,
    from: NaiveDate,
    to: Option<NaiveDate>,
    long_term: bool,
) -> Result<ProfileResponse, DomainError> {
    let mut authed = authed;
    optimistic!("profile validity", |stale| {
        if stale {
            authed = authed.reload(app).await?;
        }
        let stored = &authed.learner;
        let mut next = stored.learner.clone();
        next.id_valid_from = Some(from);
        next.id_valid_to = to;
        next.id_long_term = long_term;
        let put = app.store.put(
            stored.replaced_by(&next),
            Condition::Version(stored.item.version),
        );
        Ok(Step::of(put.await, ProfileResponse::from(&next))?)
    })
}

/// A first-login submission checked against the learner: the new password's hash and the proof
/// of the number, ready to save.
struct Changes {
    from: NaiveDate,
    to: Option<NaiveDate>,
    long_term: bool,
    mobile: Mobile,
    mobile_key: String,
    new_hash: Option<String>,
    code: Option<VerifiedCode>,
}

impl Changes {
    async fn check(
        app: &App,
        current: &Learner,
        body: ProfileCommand,
    ) -> Result<Changes, DomainError> {
        let mobile = body
            .mobile
            .ok_or_else(|| DomainError::validation("mobile", Problem::Missing))?;
        let mobile_key = learner::mobile_key(app, &mobile);
        if !current.may_bind(&mobile_key) {
            // The school gave another number: only that one can be bound.
            return Err(DomainError::validation("mobile", Problem::Invalid));
        }
        if current.password_change_required() && body.new_password.is_none() {
            return Err(DomainError::validation("newPassword", Problem::Missing));
        }
        let new_hash = match body.new_password {
            Some(pw) => Some(
                current
                    .hash_new_password(app, pw, Some(mobile.digits()))
                    .await?,
            ),
            None => None,
        };
        // The code proves the number; a number already bound to this learner needs none.
        let rebinding = current.mobile_key.as_deref() != Some(mobile_key.as_str());
        let code = if rebinding || body.sms_code.is_some() {
            let (key, purpose) = (&current.id_key, Purpose::BindMobile);
            Some(crate::sms_code::verify_code(app, key, &mobile, purpose, body.sms_code).await?)
        } else {
            None
        };
        Ok(Changes {
            from: body.from,
            to: body.to,
            long_term: body.long_term,
            mobile,
            mobile_key,
            new_hash,
            code,
        })
    }
}

/// One try: the learner, the number's claim, the code and (with a new password) this session in
/// one transaction, conditional on what was read.
async fn try_save(
    app: &App,
    authed: &Authenticated,
    changes: &Changes,
) -> Result<Step<Learner>, DomainError> {
    let Stored {
        learner: current,
        item,
    } = &authed.learner;
    let binding = Binding::read(app, &current.id_key, &changes.mobile_key).await?;
    let mut next = binding.bind(current, &changes.mobile);
    next.id_type = "RESIDENT_ID_CARD".into();
    next.id_valid_from = Some(changes.from);
    next.id_valid_to = changes.to;
    next.id_long_term = changes.long_term;
    next.profile_completed = true;
    if let Some(hash) = &changes.new_hash {
        next.password_hash = Some(hash.clone());
        next.cred_version += 1;
    }
    let mut ops = vec![WriteOp::Put {
        item: item.next(&next),
        condition: Condition::Version(item.version),
    }];
    ops.extend(binding.ops(current));
    ops.extend(changes.code.as_ref().map(VerifiedCode::consume));
    if changes.new_hash.is_some() {
        // This session lives on under the new credentials; every other one ends.
        ops.push(WriteOp::Put {
            item: authed.session_after_password_change(next.cred_version),
            condition: authed.session_condition(),
        });
    }
    let step = Step::of(app.store.transact(ops).await, next)?;
    match &step {
        Step::Done(_) => {
            tracing::info!(learner = %current.log_id(), mobile = %changes.mobile.masked(), password_changed = changes.new_hash.is_some(), "profile saved")
        }
        _ => binding.after_lost_race(app, changes.code.as_ref()).await?,
    }
    Ok(step)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn validity_presets_and_long_term() {
        let today = d("2026-03-01");
        for (from, to) in [
            ("2019-05-01", "2029-05-01"),
            ("2021-03-01", "2026-03-01"),
            ("2010-01-31", "2030-01-31"),
            ("2016-04-01", "2026-04-01"),
        ] {
            assert!(
                check_validity(d(from), Some(d(to)), false, today).is_ok(),
                "{from} {to}"
            );
        }
        assert!(check_validity(d("2000-01-01"), None, true, today).is_ok());
    }

    #[test]
    fn inconsistent_validity() {
        let today = d("2026-03-01");
        let invalid = |from: &str, to: Option<&str>, lt: bool| {
            matches!(
                check_validity(d(from), to.map(d), lt, today),
                Err(DomainError::IdValidityInvalid)
            )
        };
        assert!(
            invalid("2019-05-01", Some("2029-05-02"), false),
            "not a preset term"
        );
        assert!(invalid("2019-05-01", Some("2027-05-01"), false), "8 years");
        assert!(invalid("2019-05-01", None, false), "no end, not long-term");
        assert!(
            invalid("2019-05-01", Some("2029-05-01"), true),
            "long-term with an end"
        );
        assert!(
            invalid("2026-03-02", Some("2036-03-02"), false),
            "starts tomorrow"
        );
        assert!(
            invalid("2026-03-02", None, true),
            "starts tomorrow, long-term"
        );
    }

    #[test]
    fn expired_documents() {
        let today = d("2026-03-01");
        assert!(matches!(
            check_validity(d("2016-02-29"), Some(d("2026-02-28")), false, today),
            Err(DomainError::IdExpired)
        ));
        assert!(matches!(
            check_validity(d("2006-01-01"), Some(d("2016-01-01")), false, today),
            Err(DomainError::IdExpired)
        ));
        assert!(
            matches!(
                check_validity(d("2006-01-01"), Some(d("2016-01-02")), false, today),
                Err(DomainError::IdValidityInvalid)
            ),
            "inconsistent beats expired"
        );
    }
}
