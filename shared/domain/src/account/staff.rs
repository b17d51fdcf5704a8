//! School staff and the credit bank's own staff: who they are comes from the identity provider
//! (an Amazon Cognito user pool), never from this service. API Gateway's JWT authorizer verifies
//! the ID token and hands its claims to the function; [`Staff::from_claims`] reads the caller's
//! institution and role from those claims only (never from a header or a body).

use crate::error::DomainError;

/// The claim carrying the staff member's institution code (a user pool custom attribute).
pub const INSTITUTION_CLAIM: &str = "custom:institution";
/// The claim carrying the role (a user pool custom attribute only administrators write).
pub const ROLE_CLAIM: &str = "custom:role";

/// What a staff member may do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// Reviews what learners of their institution submit.
    Reviewer,
    /// The credit bank's own staff (answers what schools forward).
    Platform,
}

impl Role {
    pub fn parse(text: &str) -> Option<Role> {
        match text {
            "REVIEWER" => Some(Role::Reviewer),
            "PLATFORM" => Some(Role::Platform),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Reviewer => "REVIEWER",
            Role::Platform => "PLATFORM",
        }
    }
}

/// A signed-in staff member, as the verified token says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Staff {
    /// The token's subject (the user pool's user id): who decided, in histories and logs.
    pub subject: String,
    pub institution: String,
    pub role: Role,
}

impl Staff {
    /// The staff member the verified claims name: an ID token (`token_use` `id`) with a subject,
    /// an institution code and a known role; anything else is `UNAUTHENTICATED`.
    pub fn from_claims(claim: impl Fn(&str) -> Option<String>) -> Result<Staff, DomainError> {
        let get = |name: &str| claim(name).filter(|v| !v.trim().is_empty());
        let unauthenticated = || DomainError::Unauthenticated;
        if get("token_use").as_deref() != Some("id") {
            return Err(unauthenticated());
        }
        let subject = get("sub").ok_or_else(unauthenticated)?;
        let institution = get(INSTITUTION_CLAIM).ok_or_else(unauthenticated)?;
        if !crate::values::input::is_institution_code(&institution) {
            return Err(unauthenticated());
        }
        let role = get(ROLE_CLAIM)
            .as_deref()
            .and_then(Role::parse)
            .ok_or_else(unauthenticated)?;
        Ok(Staff {
            subject,
            institution,
            role,
        })
    }

    /// Refuses staff without `role` (`FORBIDDEN`).
    pub fn require(self, role: Role) -> Result<Staff, DomainError> {
        if self.role == role {
            Ok(self)
        } else {
            Err(DomainError::Forbidden)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn claims(pairs: &[(&str, &str)]) -> Result<Staff, DomainError> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Staff::from_claims(|k| map.get(k).cloned())
    }

    #[test]
    fn staff_come_only_from_complete_id_token_claims() {
        let full = [
            ("token_use", "id"),
            ("sub", "u-1"),
            ("custom:institution", "DEMO-SCHOOL"),
            ("custom:role", "REVIEWER"),
        ];
        let staff = claims(&full).unwrap();
        assert_eq!(staff.institution, "DEMO-SCHOOL");
        assert_eq!(staff.role, Role::Reviewer);
        assert!(staff.clone().require(Role::Reviewer).is_ok());
        assert!(matches!(
            staff.require(Role::Platform),
            Err(DomainError::Forbidden)
        ));
        for drop in 0..full.len() {
            let partial: Vec<_> = full
                .iter()
                .enumerate()
                .filter(|(i, _)| *i != drop)
                .map(|(_, p)| *p)
                .collect();
            assert!(claims(&partial).is_err(), "without {}", full[drop].0);
        }
        let mut access = full;
        access[0] = ("token_use", "access");
        assert!(claims(&access).is_err());
        let mut boss = full;
        boss[3] = ("custom:role", "ADMIN");
        assert!(claims(&boss).is_err());
        let mut odd = full;
        odd[2] = ("custom:institution", "A B");
        assert!(claims(&odd).is_err());
    }
}
