//! The bearer-token check run on every metadata-plane request when JWT is configured.

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::claims::{self, Millis};
use super::{json, token, Jwks, JwtError, JwtPolicy};

/// What admission learned from a valid token.
///
/// `Debug` hides the values: they are claim contents and must not reach logs by accident.
#[derive(Clone, PartialEq, Eq)]
pub struct Verified {
    /// The configured subject claim, when present.
    pub subject: Option<String>,
    /// The caller's roles from the configured roles claim.
    pub roles: Vec<String>,
}

impl fmt::Debug for Verified {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Verified")
            .field("subject", &self.subject.as_ref().map(|_| "<redacted>"))
            .field("roles", &format_args!("<{} redacted>", self.roles.len()))
            .finish()
    }
}

/// Validates bearer tokens against one JWKS and one policy. Immutable and cheap to
/// share; reloading keys means building a new validator.
#[derive(Debug, Clone)]
pub struct JwtValidator {
    jwks: Jwks,
    policy: JwtPolicy,
    leeway: Millis,
}

impl JwtValidator {
    /// Checks the policy and that the JWKS can verify at least one allowed algorithm
    /// (otherwise every request would fail, which is a configuration error).
    pub fn new(jwks: Jwks, policy: JwtPolicy) -> Result<JwtValidator, JwtError> {
        policy.check()?;
        if !policy.algorithms.iter().any(|&alg| jwks.supports(alg)) {
            return Err(JwtError::InvalidPolicy(
                "no JWKS key can verify any allowed algorithm",
            ));
        }
        let leeway = Millis::from(policy.effective_leeway().as_millis() as u64);
        Ok(JwtValidator {
            jwks,
            policy,
            leeway,
        })
    }

    /// The policy in force.
    pub fn policy(&self) -> &JwtPolicy {
        &self.policy
    }

    /// Validates an `Authorization` header value at time `now`.
    ///
    /// Order matters: the header is checked against the allowlist before any key is
    /// chosen, and the claims are parsed only after the signature verifies, so
    /// unauthenticated input reaches as little code as possible.
    pub fn validate(&self, authorization: &[u8], now: SystemTime) -> Result<Verified, JwtError> {
        let token = token::bearer_token(authorization)?;
        let parsed = token::parse(token, &self.policy.algorithms)?;
        let key = self.jwks.select(parsed.alg, parsed.kid.as_deref())?;
        key.verify(parsed.alg, parsed.signing_input, &parsed.signature)?;

        let claims = json::parse_object(&parsed.payload)
            .ok_or(JwtError::Malformed("payload is not a JSON object"))?;
        claims::check_times(&claims, unix_millis(now), self.leeway)?;
        claims::check_issuer(&claims, &self.policy.issuer)?;
        claims::check_audience(&claims, &self.policy.audiences)?;
        Ok(Verified {
            subject: claims::subject(&claims, &self.policy.subject_claim)?,
            roles: claims::roles(&claims, &self.policy.roles_claim)?,
        })
    }
}

/// A clock before 1970 is treated as the epoch: tokens then look not yet valid, which
/// fails closed.
fn unix_millis(now: SystemTime) -> Millis {
    let since = now.duration_since(UNIX_EPOCH).unwrap_or(Duration::ZERO);
    Millis::try_from(since.as_millis()).unwrap_or(Millis::MAX / 2)
}
