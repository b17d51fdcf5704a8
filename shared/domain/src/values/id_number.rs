//! Resident ID numbers (GB 11643-1999): 6-digit address code, 8-digit birth date, 3-digit
//! sequence, ISO 7064 MOD 11-2 check character.
//!
//! An [`IdNumber`] exists only once it has passed every check. Its `Debug` output is masked, and
//! the clear number leaves it only through [`IdNumber::expose`], for keyed hashing.

use chrono::NaiveDate;

const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK_CHARS: [u8; 11] = *b"10X98765432";

#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum IdNumberError {
    #[error("an ID number has 18 characters")]
    Length,
    #[error("an ID number is 17 digits and a digit or X")]
    Characters,
    #[error("the address code is not valid")]
    Address,
    #[error("the birth date is not a real date")]
    BirthDate,
    #[error("the birth date is in the future")]
    FutureBirthDate,
    #[error("the check character does not match")]
    Checksum,
}

#[derive(Clone, PartialEq, Eq)]
pub struct IdNumber(String);

impl IdNumber {
    /// Parses a typed ID number: trimmed, a lower-case `x` accepted and upper-cased. `today`
    /// bounds the birth date.
    pub fn parse(input: &str, today: NaiveDate) -> Result<IdNumber, IdNumberError> {
        let s = input.trim().to_ascii_uppercase();
        if s.chars().count() != 18 {
            return Err(IdNumberError::Length);
        }
        let b = s.as_bytes();
        if !b[..17].iter().all(u8::is_ascii_digit) || !(b[17].is_ascii_digit() || b[17] == b'X') {
            return Err(IdNumberError::Characters);
        }
        if b[0] == b'0' || b[0] == b'9' {
            return Err(IdNumberError::Address);
        }
        let birth =
            NaiveDate::parse_from_str(&s[6..14], "%Y%m%d").map_err(|_| IdNumberError::BirthDate)?;
        if birth < NaiveDate::from_ymd_opt(1900, 1, 1).expect("valid date") {
            return Err(IdNumberError::BirthDate);
        }
        if birth > today {
            return Err(IdNumberError::FutureBirthDate);
        }
        if check_char(&b[..17]) != b[17] {
            return Err(IdNumberError::Checksum);
        }
        Ok(IdNumber(s))
    }

    /// The clear number. Only for keyed hashing and the initial-password check: never log,
    /// store or return it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// First four and last four characters: `4408**********5051`.
    pub fn masked(&self) -> String {
        format!("{}**********{}", &self.0[..4], &self.0[14..])
    }

    /// The last six characters: the initial password.
    pub fn last_six(&self) -> &str {
        &self.0[12..]
    }

    pub fn birth_date(&self) -> NaiveDate {
        NaiveDate::parse_from_str(&self.0[6..14], "%Y%m%d").expect("checked at parse")
    }
}

impl std::fmt::Debug for IdNumber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "IdNumber({})", self.masked())
    }
}

/// The check character for the first 17 digits.
pub fn check_char(first17: &[u8]) -> u8 {
    let sum: u32 = first17
        .iter()
        .zip(WEIGHTS)
        .map(|(d, w)| u32::from(d - b'0') * w)
        .sum();
    CHECK_CHARS[(sum % 11) as usize]
}

/// The form of a masked ID number that logs show: its first four characters and stars, so that
/// nothing of the last six (the initial password) is ever written out.
pub fn log_mask(masked: &str) -> String {
    let head: String = masked.chars().take(4).collect();
    format!(
        "{head}{}",
        "*".repeat(masked.chars().count().saturating_sub(4))
    )
}

/// Masks an account identifier as typed, for logs and the audit trail: an ID number-sized
/// string keeps its first four only, a mobile-sized one its first three and last four, anything
/// else only its length.
pub fn mask_account(account: &str) -> String {
    let chars: Vec<char> = account.trim().chars().collect();
    let n = chars.len();
    let keep = |head: usize, tail: usize| {
        let mid = "*".repeat(n - head - tail);
        let h: String = chars[..head].iter().collect();
        let t: String = chars[n - tail..].iter().collect();
        format!("{h}{mid}{t}")
    };
    match n {
        // None of the last six (the initial password) in a log or an audit entry.
        18 => keep(4, 0),
        11 => keep(3, 4),
        _ => "*".repeat(n.min(32)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 3, 1).unwrap()
    }

    #[test]
    fn accepts_the_worked_examples() {
        for id in [
            "11010519491231002X",
            "440883200305125051",
            "330106199808151233",
        ] {
            let parsed = IdNumber::parse(id, today()).unwrap();
            assert_eq!(parsed.expose(), id);
        }
    }

    #[test]
    fn accepts_lower_case_x_and_spaces_and_upper_cases() {
        let id = IdNumber::parse("  11010519491231002x ", today()).unwrap();
        assert_eq!(id.expose(), "11010519491231002X");
        assert_eq!(id.last_six(), "31002X");
    }

    #[test]
    fn rejects_a_bad_checksum() {
        assert_eq!(
            IdNumber::parse("440883200305125052", today()),
            Err(IdNumberError::Checksum)
        );
        assert_eq!(
            IdNumber::parse("110105194912310021", today()),
            Err(IdNumberError::Checksum)
        );
    }

    #[test]
    fn rejects_impossible_dates() {
        // 2003-02-30 and month 13, with correct check characters for the rest.
        for body in [
            "44088320030230512",
            "44088320031312512",
            "44088318991231512",
        ] {
            let id = format!("{body}{}", check_char(body.as_bytes()) as char);
            assert_eq!(
                IdNumber::parse(&id, today()),
                Err(IdNumberError::BirthDate),
                "{id}"
            );
        }
    }

    #[test]
    fn rejects_future_birth_dates() {
        let body = "44088320260302512";
        let id = format!("{body}{}", check_char(body.as_bytes()) as char);
        assert_eq!(
            IdNumber::parse(&id, today()),
            Err(IdNumberError::FutureBirthDate)
        );
        let body = "44088320260301512";
        let id = format!("{body}{}", check_char(body.as_bytes()) as char);
        assert!(IdNumber::parse(&id, today()).is_ok(), "born today is fine");
    }

    #[test]
    fn rejects_wrong_length_and_characters() {
        assert_eq!(
            IdNumber::parse("44088320030512505", today()),
            Err(IdNumberError::Length)
        );
        assert_eq!(
            IdNumber::parse("4408832003051250511", today()),
            Err(IdNumberError::Length)
        );
        assert_eq!(
            IdNumber::parse("44088320030512505A", today()),
            Err(IdNumberError::Characters)
        );
        assert_eq!(
            IdNumber::parse("4408832003051X5051", today()),
            Err(IdNumberError::Characters)
        );
        assert_eq!(
            IdNumber::parse("４４０８８３２００３０５１２５０５１", today()),
            Err(IdNumberError::Characters)
        );
        assert_eq!(IdNumber::parse("", today()), Err(IdNumberError::Length));
    }

    #[test]
    fn masks_and_never_debug_prints_the_number() {
        let id = IdNumber::parse("440883200305125051", today()).unwrap();
        assert_eq!(id.masked(), "4408**********5051");
        assert_eq!(format!("{id:?}"), "IdNumber(4408**********5051)");
        assert_eq!(
            id.birth_date(),
            NaiveDate::from_ymd_opt(2003, 5, 12).unwrap()
        );
    }

    #[test]
    fn masks_accounts_as_typed() {
        // None of the last six (the initial password) in a log or an audit entry.
        assert_eq!(mask_account("440883200305125051"), "4408**************");
        assert_eq!(log_mask("4408**********5051"), "4408**************");
        assert_eq!(mask_account("13800138000"), "138****8000");
        assert_eq!(mask_account("abc"), "***");
    }
}
