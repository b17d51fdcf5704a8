//! The one table's item keys, all of them. Every `PK`/`SK` format is written here and nowhere
//! else (the tests use these functions too). Secrets and personal data never appear in a key in
//! clear: ID numbers, mobiles, identifiers and addresses are keyed hashes
//! ([`crate::security::crypto::Keys`]), tokens are SHA-256 digests.
//!
//! | item | PK | SK |
//! |---|---|---|
//! | learner | `LEARNER#<idKey>` | `PROFILE` |
//! | login audit entry | `LEARNER#<idKey>` | `AUDIT#<ms, 15 digits>#<rand>` |
//! | achievement | `LEARNER#<idKey>` | `ACH#<achievementId>` |
//! | SMS code | `LEARNER#<idKey>` | `SMSCODE#<PURPOSE>` |
//! | attempts on unknown accounts | `AUDIT#UNMATCHED#<yyyy-mm-dd>` | `AUDIT#…` |
//! | session | `SESSION#<sha256(token)>` | `SESSION` |
//! | captcha | `CAPTCHA#<id>` | `CAPTCHA` |
//! | login lock | `LOCK#<identifierKey>` | `LOCK` |
//! | mobile claim | `MOBILE#<mobileKey>` | `MOBILE` |
//! | account event (password reset or changed, mobile changed) | `LEARNER#<idKey>` | `EVENT#<ms, 15 digits>#<rand>` |
//! | SMS code send log | `SMSQ#MOBILE#<PURPOSE>#<mobileKey>`, `SMSQ#LNUM#<PURPOSE>#<pairKey>`, `SMSQ#LEARNER#<idKey>` | `QUOTA` |
//! | failed password resets per account | `SMSQ#RESETFAIL#<identifierKey>` | `QUOTA` |
//! | reset-code log per typed identifier | `SMSQ#RESET#<identifierKey>` | `QUOTA` |
//! | notice SMS log per number | `SMSQ#NOTICE#<mobileKey>` | `QUOTA` |
//! | per-address request counter | `RATE#<ROUTE>#<ipKey>` | `WIN#<seconds>#<window start>#<shard 0-3>` |
//! | external-id claim | `EXT#<sha256(institution, externalId)>` | `EXT` |
//! | evidence upload | `LEARNER#<idKey>` | `UPLOAD#<uploadId>` |
//! | uploads per learner per day | `UPLOADQ#<idKey>` | `DAY#<yyyy-mm-dd>` |
//! | achievement registration | `LEARNER#<idKey>` | `REG#<registrationId>` |
//! | registration's owner (by id) | `REGID#<registrationId>` | `REGID` |
//! | certificate claim (one open or approved registration per issuer and number) | `LEARNER#<idKey>` | `REGCERT#<sha256(issuer, number)>` |
//! | a school's registrations by status | `INSTREG#<institution>` | `<STATUS>#<submitted ms, 15 digits>#<registrationId>` |
//! | decision notices per number per day | `SMSQ#NOTICE#<mobileKey>` | `DECISION#<yyyy-mm-dd>` |
//! | school (its name, as its latest import gave it) | `SCHOOL#<institution>` | `PROFILE` |
//! | conversion rule | `RULE#<ruleId>` | `RULE` |
//! | a school's rules (a copy of each, every status) | `INSTRULE#<institution>` | `RULE#<ruleId>` |
//! | rules a school has created (a counter) | `INSTRULE#<institution>` | `COUNT` |
//! | published rules (a copy of each, for the public list and the match) | `PUBRULES` | `<TYPE>#<SUBTYPE>#<nameKey or *>#<institution>#<ruleId>` |
//! | conversion application | `LEARNER#<idKey>` | `CONVAPP#<applicationId>` |
//! | application's owner (by id) | `CONVID#<applicationId>` | `CONVID` |
//! | claims of an open or approved application (achievement under rule; the school's course) | `LEARNER#<idKey>` | `CONVCLAIM#RULE#<ruleId>#<achievementId>`, `CONVCLAIM#COURSE#<institution>#<courseCode>` |
//! | a school's applications by status | `INSTCONV#<institution>` | `<STATUS>#<submitted ms, 15 digits>#<applicationId>` |

use crate::security::crypto::sha256_hex;

pub const PROFILE_SK: &str = "PROFILE";
pub const AUDIT_SK_PREFIX: &str = "AUDIT#";
pub const ACHIEVEMENT_SK_PREFIX: &str = "ACH#";
pub const SESSION_SK: &str = "SESSION";
pub const CAPTCHA_SK: &str = "CAPTCHA";
pub const LOCK_SK: &str = "LOCK";
pub const MOBILE_SK: &str = "MOBILE";
pub const QUOTA_SK: &str = "QUOTA";
pub const EXT_SK: &str = "EXT";

/// The partition of everything that belongs to one learner.
pub fn learner_pk(id_key: &str) -> String {
    format!("LEARNER#{id_key}")
}

pub fn audit_sk(at_millis: i64, rand_hex: &str) -> String {
    format!("{AUDIT_SK_PREFIX}{at_millis:015}#{rand_hex}")
}

/// Attempts on accounts nobody has, one partition a day.
pub fn unmatched_audit_pk(day: &str) -> String {
    format!("AUDIT#UNMATCHED#{day}")
}

pub const EVENT_SK_PREFIX: &str = "EVENT#";

/// An account event (password reset or change, mobile change) in the learner's partition.
pub fn account_event_sk(at_millis: i64, rand_hex: &str) -> String {
    format!("{EVENT_SK_PREFIX}{at_millis:015}#{rand_hex}")
}

pub fn achievement_sk(achievement_id: &str) -> String {
    format!("{ACHIEVEMENT_SK_PREFIX}{achievement_id}")
}

pub fn sms_code_sk(purpose: &str) -> String {
    format!("SMSCODE#{purpose}")
}

/// A session's partition: the SHA-256 of its token, never the token.
pub fn session_pk(token: &str) -> String {
    format!("SESSION#{}", sha256_hex(token.as_bytes()))
}

pub fn captcha_pk(id: &str) -> String {
    format!("CAPTCHA#{id}")
}

pub fn lock_pk(identifier_key: &str) -> String {
    format!("LOCK#{identifier_key}")
}

pub fn mobile_pk(mobile_key: &str) -> String {
    format!("MOBILE#{mobile_key}")
}

/// Codes sent to one number for one purpose, whoever asked.
pub fn quota_mobile_pk(purpose: &str, mobile_key: &str) -> String {
    format!("SMSQ#MOBILE#{purpose}#{mobile_key}")
}

/// Codes one learner asked for one number and purpose (`pair_key` hashes both).
pub fn quota_learner_number_pk(purpose: &str, pair_key: &str) -> String {
    format!("SMSQ#LNUM#{purpose}#{pair_key}")
}

pub fn quota_learner_pk(id_key: &str) -> String {
    format!("SMSQ#LEARNER#{id_key}")
}

/// Reset codes asked for one typed identifier (known or not).
pub fn quota_reset_pk(identifier_key: &str) -> String {
    format!("SMSQ#RESET#{identifier_key}")
}

/// Failed password resets of one account (by its identifier, known or not).
pub fn reset_failures_pk(identifier_key: &str) -> String {
    format!("SMSQ#RESETFAIL#{identifier_key}")
}

/// Notices sent to one number (their own cap, apart from the codes').
pub fn quota_notice_pk(mobile_key: &str) -> String {
    format!("SMSQ#NOTICE#{mobile_key}")
}

/// Requests of one route from one client address, one item per window.
pub fn rate_pk(route: &str, ip_key: &str) -> String {
    format!("RATE#{route}#{ip_key}")
}

/// One shard of a window's count (see `throttle`).
pub fn rate_sk(window_seconds: i64, window_start: i64, shard: u32) -> String {
    format!("WIN#{window_seconds}#{window_start}#{shard}")
}

pub fn external_claim_pk(institution: &str, external_id: &str) -> String {
    format!(
        "EXT#{}",
        sha256_hex(format!("{institution}\0{external_id}").as_bytes())
    )
}

pub fn upload_sk(upload_id: &str) -> String {
    format!("UPLOAD#{upload_id}")
}

pub fn upload_quota_pk(id_key: &str) -> String {
    format!("UPLOADQ#{id_key}")
}

/// One calendar day's counter item.
pub fn day_sk(day: &str) -> String {
    format!("DAY#{day}")
}

pub const REGISTRATION_SK_PREFIX: &str = "REG#";
pub const REGISTRATION_POINTER_SK: &str = "REGID";

pub fn registration_sk(id: &str) -> String {
    format!("{REGISTRATION_SK_PREFIX}{id}")
}

pub fn registration_pointer_pk(id: &str) -> String {
    format!("REGID#{id}")
}

/// The claim of one certificate (issuer and number, normalised by the caller) by a learner.
pub fn certificate_claim_sk(issuer: &str, number: &str) -> String {
    format!(
        "REGCERT#{}",
        sha256_hex(format!("{issuer}\0{number}").as_bytes())
    )
}

pub fn institution_registrations_pk(institution: &str) -> String {
    format!("INSTREG#{institution}")
}

/// A school's index entry of a registration: listed by status, oldest submission first.
pub fn institution_registration_sk(status: &str, submitted_ms: i64, id: &str) -> String {
    format!("{status}#{submitted_ms:015}#{id}")
}

/// Decision notices sent to one number on one day (beside its notice log).
pub fn decision_notice_sk(day: &str) -> String {
    format!("DECISION#{day}")
}

pub const RULE_SK: &str = "RULE";
pub const RULE_SK_PREFIX: &str = "RULE#";
pub const RULE_COUNT_SK: &str = "COUNT";
/// The partition of every published rule's copy, sorted so that a type, a subtype, and a
/// subtype with one certificate name are each one range of it.
pub const PUBLIC_RULES_PK: &str = "PUBRULES";

pub fn rule_pk(id: &str) -> String {
    format!("RULE#{id}")
}

pub fn institution_rules_pk(institution: &str) -> String {
    format!("INSTRULE#{institution}")
}

pub fn institution_rule_sk(id: &str) -> String {
    format!("{RULE_SK_PREFIX}{id}")
}

/// The sort-key prefix of published rules for `kind`, then `subtype`, then one certificate name
/// key (`*`: rules naming no certificate); each part only when the ones before are given.
pub fn public_rule_prefix(kind: &str, subtype: Option<&str>, name_key: Option<&str>) -> String {
    match (subtype, name_key) {
        (None, _) => format!("{kind}#"),
        (Some(s), None) => format!("{kind}#{s}#"),
        (Some(s), Some(n)) => format!("{kind}#{s}#{n}#"),
    }
}

pub fn public_rule_sk(
    kind: &str,
    subtype: &str,
    name_key: &str,
    institution: &str,
    id: &str,
) -> String {
    format!(
        "{}{institution}#{id}",
        public_rule_prefix(kind, Some(subtype), Some(name_key))
    )
}

pub const CONVERSION_SK_PREFIX: &str = "CONVAPP#";
pub const CONVERSION_POINTER_SK: &str = "CONVID";

pub fn conversion_sk(id: &str) -> String {
    format!("{CONVERSION_SK_PREFIX}{id}")
}

pub fn conversion_pointer_pk(id: &str) -> String {
    format!("CONVID#{id}")
}

/// An achievement's claim under one rule.
pub fn conversion_rule_claim_sk(rule: &str, achievement: &str) -> String {
    format!("CONVCLAIM#RULE#{rule}#{achievement}")
}

/// A school's course, claimed by one application (one course is replaced by one achievement).
pub fn conversion_course_claim_sk(institution: &str, course_code: &str) -> String {
    format!("CONVCLAIM#COURSE#{institution}#{course_code}")
}

pub fn institution_conversions_pk(institution: &str) -> String {
    format!("INSTCONV#{institution}")
}

pub fn school_pk(institution: &str) -> String {
    format!("SCHOOL#{institution}")
}

/// 问题反馈: a ticket in its learner's partition.
pub const FEEDBACK_SK_PREFIX: &str = "FB#";
pub const FEEDBACK_POINTER_SK: &str = "FBID";
pub const FEEDBACK_NUMBER_SK: &str = "FBNO";
/// The credit bank's own index of the tickets schools forwarded to it.
pub const PLATFORM_FEEDBACK_PK: &str = "PLATFB";

pub fn feedback_sk(id: &str) -> String {
    format!("{FEEDBACK_SK_PREFIX}{id}")
}

pub fn feedback_pointer_pk(id: &str) -> String {
    format!("FBID#{id}")
}

/// The claim of a ticket number (numbers are unique, decided by the store).
pub fn feedback_number_pk(ticket_no: &str) -> String {
    format!("FBNO#{ticket_no}")
}

pub fn institution_feedback_pk(institution: &str) -> String {
    format!("INSTFB#{institution}")
}

/// The tickets one learner filed on one day (beside [`day_sk`]).
pub fn feedback_quota_pk(id_key: &str) -> String {
    format!("FBQ#{id_key}")
}

/// One message of a ticket's thread (numbered from 1), beside the ticket in its learner's
/// partition: the ticket stays small, and the learner's list reads no thread.
pub fn feedback_message_sk(id: &str, seq: usize) -> String {
    format!("{}{seq:03}", feedback_messages_prefix(id))
}

pub fn feedback_messages_prefix(id: &str) -> String {
    format!("FBM#{id}#")
}
