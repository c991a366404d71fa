//! What a token must satisfy besides a good signature.

use std::time::Duration;

use super::{Alg, JwtError};

/// Default tolerance for clock differences between the issuer and this host.
pub const DEFAULT_LEEWAY: Duration = Duration::from_secs(60);

/// Upper bound on the leeway: a larger value would let expired tokens live on for
/// longer than an operator revoking access would expect.
pub const MAX_LEEWAY: Duration = Duration::from_secs(300);

/// Validation policy. Build with [`JwtPolicy::new`] and override fields as needed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JwtPolicy {
    /// Required exact value of `iss`.
    pub issuer: String,
    /// `aud` must contain at least one of these.
    pub audiences: Vec<String>,
    /// Algorithm allowlist. `none`/`HS*` are not representable.
    pub algorithms: Vec<Alg>,
    /// Clock skew tolerated on `exp`, `nbf` and `iat`; capped at [`MAX_LEEWAY`].
    pub leeway: Duration,
    /// Claim holding the caller's roles: a top-level name, or a dotted path into nested
    /// objects (e.g. `realm_access.roles`). A top-level claim whose name itself contains
    /// dots (namespaced claims such as `https://example.com/roles`) wins over the path.
    /// The value is an array of strings or one space-separated string.
    pub roles_claim: String,
    /// Claim reported as the subject, for audit.
    pub subject_claim: String,
}

impl JwtPolicy {
    /// Policy for `issuer` and `audiences` with the defaults: every supported asymmetric
    /// algorithm, 60 s leeway, roles in `roles`, subject in `sub`.
    pub fn new(issuer: impl Into<String>, audiences: Vec<String>) -> JwtPolicy {
        JwtPolicy {
            issuer: issuer.into(),
            audiences,
            algorithms: Alg::ALL.to_vec(),
            leeway: DEFAULT_LEEWAY,
            roles_claim: "roles".to_owned(),
            subject_claim: "sub".to_owned(),
        }
    }

    /// The leeway actually applied.
    pub fn effective_leeway(&self) -> Duration {
        self.leeway.min(MAX_LEEWAY)
    }

    /// Refuses policies that would accept every token or none.
    pub(crate) fn check(&self) -> Result<(), JwtError> {
        if self.issuer.is_empty() {
            return Err(JwtError::InvalidPolicy("issuer must not be empty"));
        }
        if self.audiences.is_empty() || self.audiences.iter().any(String::is_empty) {
            return Err(JwtError::InvalidPolicy(
                "at least one non-empty audience is required",
            ));
        }
        if self.algorithms.is_empty() {
            return Err(JwtError::InvalidPolicy("algorithm allowlist is empty"));
        }
        if self.roles_claim.is_empty() || self.roles_claim.split('.').any(str::is_empty) {
            return Err(JwtError::InvalidPolicy(
                "roles claim path is empty or has an empty segment",
            ));
        }
        if self.subject_claim.is_empty() {
            return Err(JwtError::InvalidPolicy("subject claim must not be empty"));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::{JwtPolicy, MAX_LEEWAY};
    use std::time::Duration;

    fn policy() -> JwtPolicy {
        JwtPolicy::new("https://issuer.example", vec!["planeguard".to_owned()])
    }

    #[test]
    fn defaults() {
        let p = policy();
        assert_eq!(p.effective_leeway(), Duration::from_secs(60));
        assert_eq!(p.roles_claim, "roles");
        assert_eq!(p.subject_claim, "sub");
        assert_eq!(p.algorithms.len(), 9);
        assert_eq!(p.check(), Ok(()));
    }

    #[test]
    fn leeway_is_capped() {
        let mut p = policy();
        p.leeway = Duration::from_secs(3600);
        assert_eq!(p.effective_leeway(), MAX_LEEWAY);
    }

    #[test]
    fn refuses_policies_that_cannot_work() {
        let reasons = |p: JwtPolicy| p.check().err().map(|e| e.reason());
        let mut p = policy();
        p.issuer.clear();
        assert_eq!(reasons(p), Some("invalid_policy"));
        let mut p = policy();
        p.audiences.clear();
        assert_eq!(reasons(p), Some("invalid_policy"));
        let mut p = policy();
        p.audiences.push(String::new());
        assert_eq!(reasons(p), Some("invalid_policy"));
        let mut p = policy();
        p.algorithms.clear();
        assert_eq!(reasons(p), Some("invalid_policy"));
        let mut p = policy();
        p.roles_claim = "realm_access..roles".to_owned();
        assert_eq!(reasons(p), Some("invalid_policy"));
    }
}
