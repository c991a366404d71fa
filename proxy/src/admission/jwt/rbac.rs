//! Route-level role check for metadata-plane queries.

use super::{JwtError, Verified};

/// Admits `verified` to a route that requires `required_roles`: holding any one of them
/// suffices, and an empty list admits every authenticated caller. Role names compare
/// exactly (case-sensitive), as issuers emit them.
pub fn authorize(required_roles: &[String], verified: &Verified) -> Result<(), JwtError> {
    if required_roles.is_empty()
        || required_roles
            .iter()
            .any(|required| verified.roles.iter().any(|held| held == required))
    {
        Ok(())
    } else {
        Err(JwtError::MissingRole)
    }
}

#[cfg(test)]
mod tests {
    use super::authorize;
    use crate::admission::jwt::{JwtError, Verified};
    use http::StatusCode;

    fn caller(roles: &[&str]) -> Verified {
        Verified {
            subject: Some("svc".to_owned()),
            roles: roles.iter().map(|r| (*r).to_owned()).collect(),
        }
    }

    fn required(roles: &[&str]) -> Vec<String> {
        roles.iter().map(|r| (*r).to_owned()).collect()
    }

    #[test]
    fn any_required_role_suffices() {
        let route = required(&["admin", "metadata-reader"]);
        assert_eq!(authorize(&route, &caller(&["metadata-reader"])), Ok(()));
        assert_eq!(authorize(&route, &caller(&["x", "admin"])), Ok(()));
    }

    #[test]
    fn missing_role_is_403() {
        let route = required(&["admin"]);
        for roles in [&[][..], &["Admin"][..], &["reader"][..]] {
            let err = authorize(&route, &caller(roles)).err();
            assert_eq!(err, Some(JwtError::MissingRole));
            assert_eq!(err.map(|e| e.status()), Some(StatusCode::FORBIDDEN));
        }
    }

    #[test]
    fn empty_requirement_admits_any_authenticated_caller() {
        assert_eq!(authorize(&[], &caller(&[])), Ok(()));
    }
}
