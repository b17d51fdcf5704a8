//! What a use case can answer besides success: the domain's outcomes, with no HTTP in them.
//! `http-edge` maps each to a status, a code and a message in both languages; storage and SMS
//! failures keep their cause (`source()`), so a log line shows the whole chain.

use crate::ports::sms::SmsError;
use crate::store::StoreError;

/// Any error, kept as the cause of an unavailable or internal failure.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// What is wrong with a request field.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Problem {
    Missing,
    WrongType,
    TooLong,
    Invalid,
    OutOfRange,
    /// A field this request may not carry (e.g. a password change through the profile).
    NotAllowed,
    /// The achievement does not meet the rule's conditions.
    NotMet,
    /// The rule is not in force (a draft, retired, or outside its period).
    NotInForce,
    /// The rule is another school's than the learner's own.
    OtherSchool,
}

/// What a duplicate or a limit is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Subject {
    /// 登记学习成果.
    Registration,
    /// 成果转换.
    Conversion,
}

/// What a learner may do only so many times a day.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Daily {
    /// Upload forms (`crate::uploads::DAILY_UPLOADS`).
    Uploads,
    /// New feedback tickets (`crate::feedback::DAILY_TICKETS`).
    Tickets,
}

/// Why a new password was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WeakReason {
    TooShort,
    TooLong,
    InitialPassword,
    ContainsIdNumber,
    ContainsMobile,
    Common,
}

impl WeakReason {
    pub const ALL: [WeakReason; 6] = [
        WeakReason::TooShort,
        WeakReason::TooLong,
        WeakReason::InitialPassword,
        WeakReason::ContainsIdNumber,
        WeakReason::ContainsMobile,
        WeakReason::Common,
    ];

    pub fn code(self) -> &'static str {
        match self {
            WeakReason::TooShort => "TOO_SHORT",
            WeakReason::TooLong => "TOO_LONG",
            WeakReason::InitialPassword => "INITIAL_PASSWORD",
            WeakReason::ContainsIdNumber => "CONTAINS_ID_NUMBER",
            WeakReason::ContainsMobile => "CONTAINS_MOBILE",
            WeakReason::Common => "COMMON_PASSWORD",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum DomainError {
    #[error("field {field} {problem:?}")]
    Validation { field: String, problem: Problem },
    #[error("captcha invalid")]
    CaptchaInvalid,
    #[error("credentials invalid")]
    CredentialsInvalid,
    #[error("account locked for {retry_after}s")]
    AccountLocked { retry_after: u64 },
    #[error("unauthenticated")]
    Unauthenticated,
    #[error("profile incomplete")]
    ProfileIncomplete,
    /// The initial password was right but no longer works: the school imports the learner again.
    #[error("activation expired")]
    ActivationExpired,
    #[error("sms cooldown {retry_after}s")]
    SmsCooldown { retry_after: u64 },
    #[error("sms limit exceeded, retry in {retry_after}s")]
    SmsLimitExceeded { retry_after: u64 },
    #[error("sms code invalid")]
    SmsCodeInvalid,
    #[error("id document expired")]
    IdExpired,
    #[error("id document validity invalid")]
    IdValidityInvalid,
    #[error("password weak: {0:?}")]
    PasswordWeak(WeakReason),
    #[error("mobile taken")]
    MobileTaken,
    /// Too many requests of one kind from one client address.
    #[error("rate limited for {retry_after}s")]
    RateLimited { retry_after: u64 },
    /// A learner's daily allowance of something is used up (until the next day in China).
    #[error("daily limit of {what:?}, retry in {retry_after}s")]
    DailyLimit { what: Daily, retry_after: u64 },
    /// Signed in, but not allowed here (a staff role the route does not admit).
    #[error("forbidden")]
    Forbidden,
    /// No such record among the caller's own (another learner's or school's reads the same).
    #[error("not found")]
    NotFound,
    /// The record is not in a state that allows this (a decided registration decided again).
    #[error("state conflict")]
    StateConflict,
    /// The same thing is already open or done (a certificate registered twice; an achievement
    /// applied for under a rule twice, or a course claimed twice).
    #[error("duplicate {0:?}")]
    Duplicate(Subject),
    /// Too many open records of one kind (registrations or applications awaiting review).
    #[error("too many open {0:?}")]
    TooManyOpen(Subject),
    /// A feedback ticket's thread holds as many messages as it may.
    #[error("too many messages")]
    TooManyMessages,
    /// The school has created as many conversion rules as it may.
    #[error("too many rules")]
    TooManyRules,
    /// An attached upload is missing, or is not the size or type it was declared as: the
    /// `index`-th of the body's list `field` (the answer names the field `evidence[index]`,
    /// `attachments[index]`).
    #[error("upload {field}[{index}] invalid")]
    UploadInvalid { field: &'static str, index: usize },
    /// A dependency (storage, SMS provider) failed or is overloaded; trying again may work.
    #[error("dependency unavailable")]
    Unavailable(#[source] BoxError),
    /// A bug or corrupt data: the cause is logged, never returned.
    #[error("internal error")]
    Internal(#[source] BoxError),
}

/// A plain-text cause, where nothing better exists.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct Cause(pub String);

impl DomainError {
    pub fn validation(field: impl Into<String>, problem: Problem) -> Self {
        DomainError::Validation {
            field: field.into(),
            problem,
        }
    }

    pub fn internal(detail: impl std::fmt::Display) -> Self {
        DomainError::Internal(Box::new(Cause(detail.to_string())))
    }

    pub fn unavailable(detail: impl std::fmt::Display) -> Self {
        DomainError::Unavailable(Box::new(Cause(detail.to_string())))
    }
}

impl From<StoreError> for DomainError {
    fn from(e: StoreError) -> Self {
        if e.is_unavailable() {
            DomainError::Unavailable(Box::new(e))
        } else {
            DomainError::Internal(Box::new(e))
        }
    }
}

impl From<crate::ports::files::FileError> for DomainError {
    fn from(e: crate::ports::files::FileError) -> Self {
        DomainError::Unavailable(Box::new(e))
    }
}

impl From<SmsError> for DomainError {
    fn from(e: SmsError) -> Self {
        DomainError::Unavailable(Box::new(e))
    }
}

/// `error`, then each of its causes, joined with ": " (for logs).
pub fn chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut out = error.to_string();
    let mut next = error.source();
    while let Some(cause) = next {
        out.push_str(": ");
        out.push_str(&cause.to_string());
        next = cause.source();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unavailable_keeps_the_store_error_as_its_cause() {
        let e: DomainError = StoreError::unavailable("GetItem", Cause("timed out".into())).into();
        assert!(matches!(e, DomainError::Unavailable(_)));
        assert_eq!(
            chain(&e),
            "dependency unavailable: storage unavailable (GetItem): timed out"
        );
        let e: DomainError = StoreError::Corrupt("x".into()).into();
        assert!(matches!(e, DomainError::Internal(_)));
    }
}
