//! The one error type of JWT admission, with a stable machine-readable reason.
//!
//! Reasons feed audit logs and metric labels, so they are fixed strings and the
//! variants never carry the token, claim values or attacker-chosen header values: only
//! static descriptions written in this module's code.

use std::fmt;

use http::StatusCode;

/// Why a bearer token, a JWKS document or a policy was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum JwtError {
    /// No `Authorization` value, or `Bearer` with nothing after it.
    MissingToken,
    /// An `Authorization` scheme other than `Bearer`.
    UnsupportedScheme,
    /// The token is larger than [`super::MAX_TOKEN_LEN`].
    TokenTooLarge,
    /// Not a well-formed JWS compact token; the detail is a static description.
    Malformed(&'static str),
    /// The header `alg` is not in the allowlist (always the case for `none` and `HS*`).
    AlgNotAllowed,
    /// The header carries `crit`; no critical extensions are understood.
    CritUnsupported,
    /// The header `kid` names no key in the JWKS.
    UnknownKid,
    /// No `kid` and the JWKS does not hold exactly one key usable with the `alg`.
    NoMatchingKey,
    /// The key selected by `kid` cannot be used with the header `alg`.
    KeyAlgMismatch,
    /// The signature does not verify.
    BadSignature,
    /// A required claim is absent; the detail names the claim.
    MissingClaim(&'static str),
    /// A claim has the wrong JSON type; the detail names the claim.
    InvalidClaim(&'static str),
    /// `exp` is past, even allowing for the leeway.
    Expired,
    /// `nbf` is in the future, even allowing for the leeway.
    NotYetValid,
    /// `iat` is in the future, even allowing for the leeway.
    IssuedInFuture,
    /// `iss` differs from the configured issuer.
    WrongIssuer,
    /// `aud` contains none of the configured audiences.
    WrongAudience,
    /// Authenticated, but holding none of the roles the route requires.
    MissingRole,
    /// The JWKS document was refused at load time.
    InvalidJwks(&'static str),
    /// The JWKS file could not be read.
    JwksIo(std::io::ErrorKind),
    /// The validator policy was refused at construction time.
    InvalidPolicy(&'static str),
}

impl JwtError {
    /// Stable identifier for audit records and metric labels.
    pub fn reason(&self) -> &'static str {
        match self {
            Self::MissingToken => "missing_token",
            Self::UnsupportedScheme => "unsupported_scheme",
            Self::TokenTooLarge => "token_too_large",
            Self::Malformed(_) => "malformed",
            Self::AlgNotAllowed => "alg_not_allowed",
            Self::CritUnsupported => "crit_unsupported",
            Self::UnknownKid => "unknown_kid",
            Self::NoMatchingKey => "no_matching_key",
            Self::KeyAlgMismatch => "key_alg_mismatch",
            Self::BadSignature => "bad_signature",
            Self::MissingClaim(_) => "missing_claim",
            Self::InvalidClaim(_) => "invalid_claim",
            Self::Expired => "expired",
            Self::NotYetValid => "not_yet_valid",
            Self::IssuedInFuture => "issued_in_future",
            Self::WrongIssuer => "wrong_issuer",
            Self::WrongAudience => "wrong_audience",
            Self::MissingRole => "missing_role",
            Self::InvalidJwks(_) => "invalid_jwks",
            Self::JwksIo(_) => "jwks_io",
            Self::InvalidPolicy(_) => "invalid_policy",
        }
    }

    /// HTTP status for a request refused with this error: 401 when the caller is not
    /// authenticated, 403 when authenticated but not authorized. Load-time errors map to
    /// 500 because they mean the proxy itself is misconfigured.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::MissingRole => StatusCode::FORBIDDEN,
            Self::InvalidJwks(_) | Self::JwksIo(_) | Self::InvalidPolicy(_) => {
                StatusCode::INTERNAL_SERVER_ERROR
            }
            _ => StatusCode::UNAUTHORIZED,
        }
    }

    /// `WWW-Authenticate` value for the response (RFC 6750 §3), if one is due.
    pub fn www_authenticate(&self) -> Option<&'static str> {
        match self {
            Self::MissingToken | Self::UnsupportedScheme => Some("Bearer"),
            Self::MissingRole => Some("Bearer error=\"insufficient_scope\""),
            Self::InvalidJwks(_) | Self::JwksIo(_) | Self::InvalidPolicy(_) => None,
            _ => Some("Bearer error=\"invalid_token\""),
        }
    }
}

impl fmt::Display for JwtError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Malformed(detail) => write!(f, "jwt malformed: {detail}"),
            Self::MissingClaim(claim) => write!(f, "jwt missing claim: {claim}"),
            Self::InvalidClaim(claim) => write!(f, "jwt claim has invalid type: {claim}"),
            Self::InvalidJwks(detail) => write!(f, "invalid JWKS: {detail}"),
            Self::JwksIo(kind) => write!(f, "reading JWKS file failed: {kind}"),
            Self::InvalidPolicy(detail) => write!(f, "invalid JWT policy: {detail}"),
            other => write!(f, "jwt rejected: {}", other.reason()),
        }
    }
}

impl std::error::Error for JwtError {}

#[cfg(test)]
mod tests {
    use super::JwtError;
    use http::StatusCode;

    #[test]
    fn authentication_failures_are_401_and_missing_role_is_403() {
        for e in [
            JwtError::MissingToken,
            JwtError::Malformed("x"),
            JwtError::AlgNotAllowed,
            JwtError::BadSignature,
            JwtError::Expired,
            JwtError::WrongAudience,
        ] {
            assert_eq!(e.status(), StatusCode::UNAUTHORIZED, "{}", e.reason());
            assert!(e.www_authenticate().is_some());
        }
        assert_eq!(JwtError::MissingRole.status(), StatusCode::FORBIDDEN);
        assert_eq!(
            JwtError::MissingRole.www_authenticate(),
            Some("Bearer error=\"insufficient_scope\"")
        );
        assert_eq!(
            JwtError::InvalidJwks("x").status(),
            StatusCode::INTERNAL_SERVER_ERROR
        );
    }

    #[test]
    fn display_carries_only_static_text() {
        assert_eq!(
            JwtError::MissingClaim("exp").to_string(),
            "jwt missing claim: exp"
        );
        assert_eq!(JwtError::Expired.to_string(), "jwt rejected: expired");
    }
}
