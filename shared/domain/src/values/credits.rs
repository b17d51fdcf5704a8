//! Credit-bank credits: non-negative with at most one decimal place, kept in tenths so sums are
//! exact (never binary floating point in storage or sums).

use serde::{Serialize, Serializer};

/// Credits in tenths: `Credits(75)` is 7.5.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Credits(pub i64);

/// The largest credit value one achievement may carry.
pub const MAX_TENTHS: i64 = 99_999;

#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("credits are a number from 0 to 9999.9 with at most one decimal place")]
pub struct CreditsError;

impl Credits {
    /// Parses a JSON number exactly from its shortest decimal form (`7`, `0.5`, `12.0`);
    /// negatives, more than one decimal place, exponents and huge values are refused.
    pub fn parse(n: &serde_json::Number) -> Result<Credits, CreditsError> {
        let text = match (n.as_u64(), n.as_i64(), n.as_f64()) {
            (Some(u), _, _) => u.to_string(),
            (None, Some(_), _) => return Err(CreditsError),
            (None, None, Some(f)) => format!("{f}"),
            _ => return Err(CreditsError),
        };
        Self::parse_decimal(&text)
    }

    pub fn parse_decimal(text: &str) -> Result<Credits, CreditsError> {
        let (whole, frac) = text.split_once('.').unwrap_or((text, ""));
        if whole.is_empty() || !whole.bytes().all(|b| b.is_ascii_digit()) || whole.len() > 5 {
            return Err(CreditsError);
        }
        let frac = frac.trim_end_matches('0');
        if frac.len() > 1 || !frac.bytes().all(|b| b.is_ascii_digit()) {
            return Err(CreditsError);
        }
        let tenths =
            whole.parse::<i64>().map_err(|_| CreditsError)? * 10 + frac.parse::<i64>().unwrap_or(0);
        if tenths > MAX_TENTHS {
            return Err(CreditsError);
        }
        Ok(Credits(tenths))
    }

    /// `7`, `7.5`.
    pub fn to_decimal_string(self) -> String {
        if self.0 % 10 == 0 {
            (self.0 / 10).to_string()
        } else {
            format!("{}.{}", self.0 / 10, self.0 % 10)
        }
    }
}

impl Serialize for Credits {
    /// A JSON number: an integer when whole, else one decimal place (`7`, `0.5`).
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if self.0 % 10 == 0 {
            s.serialize_i64(self.0 / 10)
        } else {
            // One decimal place round-trips exactly through f64's shortest representation.
            s.serialize_f64(self.0 as f64 / 10.0)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(json: &str) -> Result<Credits, CreditsError> {
        let v: serde_json::Value = serde_json::from_str(json).unwrap();
        Credits::parse(v.as_number().unwrap())
    }

    #[test]
    fn parses_exactly() {
        assert_eq!(parse("7"), Ok(Credits(70)));
        assert_eq!(parse("0.5"), Ok(Credits(5)));
        assert_eq!(parse("12.0"), Ok(Credits(120)));
        assert_eq!(parse("0"), Ok(Credits(0)));
        assert_eq!(parse("0.1"), Ok(Credits(1)));
        assert_eq!(parse("9999.9"), Ok(Credits(99_999)));
    }

    #[test]
    fn refuses_negative_over_precise_and_huge() {
        for bad in ["-1", "-0.5", "0.55", "0.05", "1e5", "10000", "1.25"] {
            assert_eq!(parse(bad), Err(CreditsError), "{bad}");
        }
    }

    #[test]
    fn sums_are_exact_and_serialise_as_numbers() {
        let sum: i64 = std::iter::repeat_n(1, 10).sum();
        assert_eq!(Credits(sum).to_decimal_string(), "1");
        assert_eq!(serde_json::to_string(&Credits(75)).unwrap(), "7.5");
        assert_eq!(serde_json::to_string(&Credits(70)).unwrap(), "7");
        assert_eq!(serde_json::to_string(&Credits(3)).unwrap(), "0.3");
        assert_eq!(Credits(12_345).to_decimal_string(), "1234.5");
    }
}
