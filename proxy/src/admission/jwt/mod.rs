//! Optional JWT bearer validation and role-based access for metadata-plane queries.
//!
//! When configured, every query must carry `Authorization: Bearer <JWS>` signed by a key
//! from a JWKS file, issued by the configured issuer for one of the configured
//! audiences, and currently valid (with a bounded clock-skew leeway). Each route then
//! names the roles allowed to call it ([`authorize`]).
//!
//! Hardening choices, each guarding a known class of JWT bugs:
//! * `none` and HMAC algorithms cannot be configured ([`Alg`] has no such variants) and
//!   symmetric JWKS keys are refused, so an HS256 token "signed" with a public key can
//!   never verify.
//! * A key is used only for algorithms matching its type and its own `alg`, if any.
//! * `jku`/`x5u`/`jwk`/`x5c` header parameters are ignored; keys come only from the file.
//! * `crit` is refused, duplicate JSON member names are refused, base64url is strict.
//! * Errors carry a stable [`JwtError::reason`] and never the token or claim values.
//!
//! Signatures are verified with `ring`, already in the tree through rustls.
#![forbid(unsafe_code)]

mod alg;
mod base64url;
mod claims;
mod error;
mod json;
mod jwks;
mod policy;
mod rbac;
mod token;
mod validator;

#[cfg(test)]
mod tests;

pub use alg::Alg;
pub use error::JwtError;
pub use jwks::{Jwks, MAX_JWKS_LEN};
pub use policy::{JwtPolicy, DEFAULT_LEEWAY, MAX_LEEWAY};
pub use rbac::authorize;
pub use token::MAX_TOKEN_LEN;
pub use validator::{JwtValidator, Verified};
