//! Mainland China mobile numbers: `1[3-9]` and nine more digits.

#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("a mobile number is 11 digits starting with 13 to 19")]
pub struct MobileError;

#[derive(Clone, PartialEq, Eq)]
pub struct Mobile(String);

impl Mobile {
    /// Accepts `13800138000`, `+86 138 0013 8000`, `8613800138000` (spaces and dashes stripped,
    /// a `+86` or `86` prefix removed).
    pub fn parse(input: &str) -> Result<Mobile, MobileError> {
        let compact: String = input
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '-')
            .collect();
        let digits = compact
            .strip_prefix("+86")
            .or_else(|| compact.strip_prefix("86").filter(|rest| rest.len() == 11))
            .unwrap_or(&compact);
        let b = digits.as_bytes();
        let ok = b.len() == 11
            && b.iter().all(u8::is_ascii_digit)
            && b[0] == b'1'
            && (b'3'..=b'9').contains(&b[1]);
        if ok {
            Ok(Mobile(digits.to_string()))
        } else {
            Err(MobileError)
        }
    }

    /// The 11 digits. Never log them: use [`Mobile::masked`].
    pub fn digits(&self) -> &str {
        &self.0
    }

    /// E.164, as SNS takes it: `+8613800138000`.
    pub fn e164(&self) -> String {
        format!("+86{}", self.0)
    }

    /// `138****8000`.
    pub fn masked(&self) -> String {
        format!("{}****{}", &self.0[..3], &self.0[7..])
    }
}

impl std::fmt::Debug for Mobile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Mobile({})", self.masked())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_plain_and_prefixed_forms() {
        for input in [
            "13800138000",
            "+8613800138000",
            "8613800138000",
            "+86 138 0013 8000",
            " 138-0013-8000 ",
        ] {
            assert_eq!(
                Mobile::parse(input).unwrap().digits(),
                "13800138000",
                "{input}"
            );
        }
        assert_eq!(
            Mobile::parse("19912345678").unwrap().e164(),
            "+8619912345678"
        );
    }

    #[test]
    fn rejects_everything_else() {
        for input in [
            "",
            "12800138000",
            "1380013800",
            "138001380000",
            "1380013800a",
            "+8512345678901",
            "23800138000",
            "+86",
        ] {
            assert_eq!(Mobile::parse(input), Err(MobileError), "{input}");
        }
    }

    #[test]
    fn masks() {
        let m = Mobile::parse("13800138000").unwrap();
        assert_eq!(m.masked(), "138****8000");
        assert_eq!(format!("{m:?}"), "Mobile(138****8000)");
    }
}
