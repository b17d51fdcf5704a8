//! What a new password must not be: short, long, the initial password, built on the ID number's
//! last six or the mobile number, or common (30,000-entry list shipped in `shared/domain/data`).

use crate::error::WeakReason;
use std::collections::HashSet;
use std::sync::OnceLock;

pub const MIN_CHARS: usize = 8;
pub const MAX_CHARS: usize = 64;

static COMMON_LIST: &str = include_str!("../../data/common-passwords.txt");

fn common() -> &'static HashSet<&'static str> {
    static SET: OnceLock<HashSet<&'static str>> = OnceLock::new();
    SET.get_or_init(|| {
        COMMON_LIST
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .collect()
    })
}

/// Number of entries in the common-password list.
pub fn common_list_len() -> usize {
    common().len()
}

/// Checks `new` against the policy. `is_last_six` tells whether a six-character string is the
/// ID number's last six (it compares keyed digests: the number itself is not stored);
/// `mobile` is the number being bound, if any.
pub fn check(
    new: &str,
    is_last_six: impl Fn(&str) -> bool,
    mobile: Option<&str>,
) -> Result<(), WeakReason> {
    let chars: Vec<char> = new.chars().collect();
    let upper = |s: &str| s.to_uppercase();
    if chars.len() == 6 && is_last_six(&upper(new)) {
        return Err(WeakReason::InitialPassword);
    }
    if chars.len() < MIN_CHARS {
        return Err(WeakReason::TooShort);
    }
    if chars.len() > MAX_CHARS {
        return Err(WeakReason::TooLong);
    }
    let contains_last_six = chars.windows(6).any(|w| {
        let window: String = w.iter().collect();
        is_last_six(&upper(&window))
    });
    if contains_last_six {
        return Err(WeakReason::ContainsIdNumber);
    }
    if mobile.is_some_and(|m| new.contains(m)) {
        return Err(WeakReason::ContainsMobile);
    }
    if common().contains(new.to_lowercase().as_str()) {
        return Err(WeakReason::Common);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check_for_demo(pw: &str) -> Result<(), WeakReason> {
        check(pw, |six| six == "125051", Some("13800138000"))
    }

    #[test]
    fn the_list_is_large_enough() {
        assert!(common_list_len() >= 10_000, "{}", common_list_len());
    }

    #[test]
    fn each_reason() {
        assert_eq!(check_for_demo("125051"), Err(WeakReason::InitialPassword));
        assert_eq!(check_for_demo("short1"), Err(WeakReason::TooShort));
        assert_eq!(check_for_demo(&"x".repeat(65)), Err(WeakReason::TooLong));
        assert_eq!(
            check_for_demo("abc125051xyz"),
            Err(WeakReason::ContainsIdNumber)
        );
        assert_eq!(
            check_for_demo("me13800138000"),
            Err(WeakReason::ContainsMobile)
        );
        assert_eq!(check_for_demo("password"), Err(WeakReason::Common));
        assert_eq!(
            check_for_demo("PassWord1"),
            Err(WeakReason::Common),
            "case-insensitive"
        );
        assert_eq!(check_for_demo("woaini1314"), Err(WeakReason::Common));
        assert_eq!(check_for_demo("correct horse battery"), Ok(()));
        assert_eq!(
            check_for_demo("学分银行很好用的密码"),
            Ok(()),
            "characters, not bytes"
        );
        assert_eq!(check_for_demo(&"x".repeat(64)), Ok(()));
    }

    #[test]
    fn an_x_check_character_matches_either_case() {
        let r = check("my31002xpass", |six| six == "31002X", None);
        assert_eq!(r, Err(WeakReason::ContainsIdNumber));
    }
}
