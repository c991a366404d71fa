//! The JWS signature algorithms planeguard can verify (RFC 7518 §3, RFC 8037).
//!
//! Only asymmetric algorithms exist in [`Alg`]: `none` and the `HS*` family have no
//! variant, so no configuration can put them on the allowlist and the classic
//! "HMAC keyed with the RSA public key" confusion cannot be expressed.

use std::fmt;
use std::str::FromStr;

use super::JwtError;

/// An allowed JWS `alg` value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Alg {
    /// RSASSA-PKCS1-v1_5 with SHA-256.
    Rs256,
    /// RSASSA-PKCS1-v1_5 with SHA-384.
    Rs384,
    /// RSASSA-PKCS1-v1_5 with SHA-512.
    Rs512,
    /// RSASSA-PSS with SHA-256.
    Ps256,
    /// RSASSA-PSS with SHA-384.
    Ps384,
    /// RSASSA-PSS with SHA-512.
    Ps512,
    /// ECDSA on P-256 with SHA-256.
    Es256,
    /// ECDSA on P-384 with SHA-384.
    Es384,
    /// EdDSA; only the Ed25519 curve is supported.
    EdDsa,
}

/// Which kind of public key an algorithm verifies with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum KeyFamily {
    Rsa,
    P256,
    P384,
    Ed25519,
}

impl Alg {
    /// Every supported algorithm; also the default allowlist.
    pub const ALL: [Alg; 9] = [
        Alg::Rs256,
        Alg::Rs384,
        Alg::Rs512,
        Alg::Ps256,
        Alg::Ps384,
        Alg::Ps512,
        Alg::Es256,
        Alg::Es384,
        Alg::EdDsa,
    ];

    /// The registered JWS name, e.g. `"RS256"`.
    pub fn name(self) -> &'static str {
        match self {
            Alg::Rs256 => "RS256",
            Alg::Rs384 => "RS384",
            Alg::Rs512 => "RS512",
            Alg::Ps256 => "PS256",
            Alg::Ps384 => "PS384",
            Alg::Ps512 => "PS512",
            Alg::Es256 => "ES256",
            Alg::Es384 => "ES384",
            Alg::EdDsa => "EdDSA",
        }
    }

    /// Exact, case-sensitive lookup of a JWS name (JOSE names are case-sensitive, so
    /// `"rs256"` or `"None"` match nothing).
    pub fn from_name(name: &str) -> Option<Alg> {
        Alg::ALL.into_iter().find(|a| a.name() == name)
    }

    /// True for names that must never be honoured anywhere: `none` and HMAC, in any case.
    pub(crate) fn is_refused_name(name: &str) -> bool {
        name.eq_ignore_ascii_case("none")
            || name
                .get(..2)
                .is_some_and(|prefix| prefix.eq_ignore_ascii_case("HS"))
    }

    pub(crate) fn family(self) -> KeyFamily {
        match self {
            Alg::Rs256 | Alg::Rs384 | Alg::Rs512 | Alg::Ps256 | Alg::Ps384 | Alg::Ps512 => {
                KeyFamily::Rsa
            }
            Alg::Es256 => KeyFamily::P256,
            Alg::Es384 => KeyFamily::P384,
            Alg::EdDsa => KeyFamily::Ed25519,
        }
    }
}

impl fmt::Display for Alg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Parses a configured allowlist entry; `none`/`HS*` get their own refusal so the
/// operator learns why rather than seeing "unknown".
impl FromStr for Alg {
    type Err = JwtError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if Alg::is_refused_name(s) {
            return Err(JwtError::InvalidPolicy(
                "algorithms `none` and HS* can never be allowed",
            ));
        }
        Alg::from_name(s).ok_or(JwtError::InvalidPolicy("unsupported JWS algorithm"))
    }
}

#[cfg(test)]
mod tests {
    use super::Alg;

    #[test]
    fn names_round_trip() {
        for alg in Alg::ALL {
            assert_eq!(Alg::from_name(alg.name()), Some(alg));
            assert_eq!(alg.name().parse::<Alg>(), Ok(alg));
        }
    }

    #[test]
    fn none_and_hmac_are_never_algorithms() {
        for name in ["none", "None", "NONE", "HS256", "HS384", "HS512", "hs256"] {
            assert_eq!(Alg::from_name(name), None, "{name}");
            assert!(Alg::is_refused_name(name), "{name}");
            let err = name.parse::<Alg>().err().map(|e| e.reason());
            assert_eq!(err, Some("invalid_policy"), "{name}");
        }
    }

    #[test]
    fn lookup_is_case_sensitive() {
        assert_eq!(Alg::from_name("rs256"), None);
        assert_eq!(Alg::from_name("EDDSA"), None);
        assert_eq!(Alg::from_name("ES512"), None);
        assert!(!Alg::is_refused_name("RS256"));
    }
}
