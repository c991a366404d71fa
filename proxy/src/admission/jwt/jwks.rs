//! JSON Web Key Sets (RFC 7517) loaded from a file, converted once into ring public keys.
//!
//! Only asymmetric signature keys are kept: RSA, EC P-256/P-384 and OKP Ed25519. A
//! symmetric (`oct`) key or any private-key member makes the whole document refused,
//! because either means a secret was put where only public material belongs. Keys meant
//! for something else (`use` other than `sig`, `key_ops` without `verify`, an
//! encryption `alg`, an unsupported curve or key type) are skipped, since a provider's
//! published set legitimately contains them.

use std::path::Path;

use ring::signature::{self, RsaPublicKeyComponents, UnparsedPublicKey};
use serde_json::{Map, Value};

use super::alg::{Alg, KeyFamily};
use super::{base64url, json, JwtError};

/// Largest JWKS document accepted; real sets are a few KiB.
pub const MAX_JWKS_LEN: usize = 1024 * 1024;

/// Bounds ring's RSA verifiers accept (`RSA_*_2048_8192_*`); checked at load so a weak
/// or oversized key is reported then, not as a signature failure on every request.
const RSA_MIN_BITS: usize = 2048;
const RSA_MAX_BITS: usize = 8192;

/// A parsed set of verification keys.
#[derive(Debug, Clone)]
pub struct Jwks {
    keys: Vec<Jwk>,
    skipped: usize,
}

/// One verification key: its selectors and the ring key it verifies with.
#[derive(Debug, Clone)]
pub(crate) struct Jwk {
    kid: Option<String>,
    alg: Option<Alg>,
    key: PublicKey,
}

/// Public key material, already in the form ring verifies with.
///
/// ring 0.17 validates a verification key as part of each `verify` call, so what can be
/// checked up front (sizes, RSA bit length and exponent) is checked in [`Jwks::from_json`].
#[derive(Debug, Clone)]
enum PublicKey {
    Rsa(RsaPublicKeyComponents<Vec<u8>>),
    P256(UnparsedPublicKey<Vec<u8>>),
    P384(UnparsedPublicKey<Vec<u8>>),
    Ed25519(UnparsedPublicKey<Vec<u8>>),
}

impl Jwks {
    /// Parses a JWKS document (`{"keys":[...]}`).
    pub fn from_json(bytes: &[u8]) -> Result<Jwks, JwtError> {
        if bytes.len() > MAX_JWKS_LEN {
            return Err(JwtError::InvalidJwks("document too large"));
        }
        let doc = json::parse_object(bytes).ok_or(JwtError::InvalidJwks(
            "not a JSON object (or duplicate member names)",
        ))?;
        let entries = match doc.get("keys") {
            Some(Value::Array(entries)) => entries,
            _ => return Err(JwtError::InvalidJwks("`keys` must be an array")),
        };
        let mut keys: Vec<Jwk> = Vec::with_capacity(entries.len());
        let mut skipped = 0;
        for entry in entries {
            let Value::Object(member) = entry else {
                return Err(JwtError::InvalidJwks("key entry is not an object"));
            };
            match Jwk::parse(member)? {
                Some(jwk) => {
                    if jwk.kid.is_some() && keys.iter().any(|k| k.kid == jwk.kid) {
                        return Err(JwtError::InvalidJwks("duplicate kid"));
                    }
                    keys.push(jwk);
                }
                None => skipped += 1,
            }
        }
        if keys.is_empty() {
            return Err(JwtError::InvalidJwks(
                "no usable signature verification keys",
            ));
        }
        Ok(Jwks { keys, skipped })
    }

    /// Reads and parses a JWKS file.
    pub fn load(path: impl AsRef<Path>) -> Result<Jwks, JwtError> {
        let path = path.as_ref();
        let len = std::fs::metadata(path)
            .map_err(|e| JwtError::JwksIo(e.kind()))?
            .len();
        if len > MAX_JWKS_LEN as u64 {
            return Err(JwtError::InvalidJwks("document too large"));
        }
        let bytes = std::fs::read(path).map_err(|e| JwtError::JwksIo(e.kind()))?;
        Jwks::from_json(&bytes)
    }

    /// Number of usable keys.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Always false for a loaded set (loading refuses an empty one); here for API symmetry.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// Number of entries ignored as not meant for signature verification or unsupported;
    /// worth logging at load so an operator notices a set that lost its keys.
    pub fn skipped(&self) -> usize {
        self.skipped
    }

    /// True when at least one key could verify `alg`.
    pub(crate) fn supports(&self, alg: Alg) -> bool {
        self.keys.iter().any(|k| k.accepts(alg))
    }

    /// Picks the key for a token: by `kid` when the token names one, otherwise the
    /// single key able to verify `alg`.
    pub(crate) fn select(&self, alg: Alg, kid: Option<&str>) -> Result<&Jwk, JwtError> {
        match kid {
            Some(kid) => {
                let key = self
                    .keys
                    .iter()
                    .find(|k| k.kid.as_deref() == Some(kid))
                    .ok_or(JwtError::UnknownKid)?;
                if key.accepts(alg) {
                    Ok(key)
                } else {
                    Err(JwtError::KeyAlgMismatch)
                }
            }
            None => {
                let mut candidates = self.keys.iter().filter(|k| k.accepts(alg));
                match (candidates.next(), candidates.next()) {
                    (Some(key), None) => Ok(key),
                    _ => Err(JwtError::NoMatchingKey),
                }
            }
        }
    }
}

impl Jwk {
    /// `Ok(None)` for an entry that is skipped rather than refused.
    fn parse(m: &Map<String, Value>) -> Result<Option<Jwk>, JwtError> {
        let kty = opt_str(m, "kty")?.ok_or(JwtError::InvalidJwks("key without kty"))?;
        if kty == "oct" {
            return Err(JwtError::InvalidJwks(
                "symmetric (oct) keys are not accepted",
            ));
        }
        if m.contains_key("d") || m.contains_key("k") {
            return Err(JwtError::InvalidJwks("private key material in JWKS"));
        }
        if opt_str(m, "use")?.is_some_and(|u| u != "sig") {
            return Ok(None);
        }
        if let Some(ops) = m.get("key_ops") {
            let Value::Array(ops) = ops else {
                return Err(JwtError::InvalidJwks("`key_ops` must be an array"));
            };
            if !ops.iter().any(|op| op.as_str() == Some("verify")) {
                return Ok(None);
            }
        }
        let alg = match opt_str(m, "alg")? {
            None => None,
            Some(name) if Alg::is_refused_name(name) => {
                return Err(JwtError::InvalidJwks("key declares alg none or HS*"));
            }
            Some(name) => match Alg::from_name(name) {
                Some(alg) => Some(alg),
                None => return Ok(None),
            },
        };
        let kid = opt_str(m, "kid")?.map(str::to_owned);
        let key = match kty {
            "RSA" => PublicKey::rsa(m)?,
            "EC" => match opt_str(m, "crv")? {
                Some("P-256") => {
                    PublicKey::P256(ec_key(m, 32, &signature::ECDSA_P256_SHA256_FIXED)?)
                }
                Some("P-384") => {
                    PublicKey::P384(ec_key(m, 48, &signature::ECDSA_P384_SHA384_FIXED)?)
                }
                Some(_) => return Ok(None),
                None => return Err(JwtError::InvalidJwks("EC key without crv")),
            },
            "OKP" => match opt_str(m, "crv")? {
                Some("Ed25519") => {
                    let x = b64_member(m, "x")?;
                    if x.len() != signature::ED25519_PUBLIC_KEY_LEN {
                        return Err(JwtError::InvalidJwks("Ed25519 key has wrong length"));
                    }
                    PublicKey::Ed25519(UnparsedPublicKey::new(&signature::ED25519, x))
                }
                Some(_) => return Ok(None),
                None => return Err(JwtError::InvalidJwks("OKP key without crv")),
            },
            _ => return Ok(None),
        };
        if alg.is_some_and(|a| a.family() != key.family()) {
            return Err(JwtError::InvalidJwks("key alg does not fit its key type"));
        }
        Ok(Some(Jwk { kid, alg, key }))
    }

    /// True when this key may verify a token signed with `alg`: the key type fits and,
    /// if the key pins an `alg`, it is that one.
    fn accepts(&self, alg: Alg) -> bool {
        self.key.family() == alg.family() && self.alg.is_none_or(|own| own == alg)
    }

    /// Verifies `signature` over `message`; callers have already checked [`Self::accepts`].
    pub(crate) fn verify(&self, alg: Alg, message: &[u8], sig: &[u8]) -> Result<(), JwtError> {
        let outcome = match (&self.key, alg) {
            (PublicKey::Rsa(k), Alg::Rs256) => {
                k.verify(&signature::RSA_PKCS1_2048_8192_SHA256, message, sig)
            }
            (PublicKey::Rsa(k), Alg::Rs384) => {
                k.verify(&signature::RSA_PKCS1_2048_8192_SHA384, message, sig)
            }
            (PublicKey::Rsa(k), Alg::Rs512) => {
                k.verify(&signature::RSA_PKCS1_2048_8192_SHA512, message, sig)
            }
            (PublicKey::Rsa(k), Alg::Ps256) => {
                k.verify(&signature::RSA_PSS_2048_8192_SHA256, message, sig)
            }
            (PublicKey::Rsa(k), Alg::Ps384) => {
                k.verify(&signature::RSA_PSS_2048_8192_SHA384, message, sig)
            }
            (PublicKey::Rsa(k), Alg::Ps512) => {
                k.verify(&signature::RSA_PSS_2048_8192_SHA512, message, sig)
            }
            (PublicKey::P256(k), Alg::Es256)
            | (PublicKey::P384(k), Alg::Es384)
            | (PublicKey::Ed25519(k), Alg::EdDsa) => k.verify(message, sig),
            _ => return Err(JwtError::KeyAlgMismatch),
        };
        outcome.map_err(|_| JwtError::BadSignature)
    }
}

impl PublicKey {
    fn family(&self) -> KeyFamily {
        match self {
            PublicKey::Rsa(_) => KeyFamily::Rsa,
            PublicKey::P256(_) => KeyFamily::P256,
            PublicKey::P384(_) => KeyFamily::P384,
            PublicKey::Ed25519(_) => KeyFamily::Ed25519,
        }
    }

    fn rsa(m: &Map<String, Value>) -> Result<PublicKey, JwtError> {
        let n = strip_leading_zeros(b64_member(m, "n")?);
        let e = strip_leading_zeros(b64_member(m, "e")?);
        let n_bits = match n.first() {
            Some(&top) => n.len() * 8 - top.leading_zeros() as usize,
            None => 0,
        };
        if !(RSA_MIN_BITS..=RSA_MAX_BITS).contains(&n_bits) {
            return Err(JwtError::InvalidJwks(
                "RSA modulus must be 2048 to 8192 bits",
            ));
        }
        if n.last().is_some_and(|b| b & 1 == 0) {
            return Err(JwtError::InvalidJwks("RSA modulus is even"));
        }
        // ring accepts odd exponents from 3 up to 2^33 - 1.
        let e_ok = match e.len() {
            1 => e[0] >= 3 && e[0] & 1 == 1,
            2..=4 => e[e.len() - 1] & 1 == 1,
            5 => e[0] == 1 && e[4] & 1 == 1,
            _ => false,
        };
        if !e_ok {
            return Err(JwtError::InvalidJwks("unsupported RSA public exponent"));
        }
        Ok(PublicKey::Rsa(RsaPublicKeyComponents { n, e }))
    }
}

/// Builds the SEC1 uncompressed point `0x04 || x || y` that ring verifies with; RFC 7518
/// §6.2.1 requires both coordinates at full field length. Whether the point lies on the
/// curve is checked by ring on each verification.
fn ec_key(
    m: &Map<String, Value>,
    coordinate_len: usize,
    alg: &'static signature::EcdsaVerificationAlgorithm,
) -> Result<UnparsedPublicKey<Vec<u8>>, JwtError> {
    let x = b64_member(m, "x")?;
    let y = b64_member(m, "y")?;
    if x.len() != coordinate_len || y.len() != coordinate_len {
        return Err(JwtError::InvalidJwks("EC coordinate has wrong length"));
    }
    let mut point = Vec::with_capacity(1 + 2 * coordinate_len);
    point.push(0x04);
    point.extend_from_slice(&x);
    point.extend_from_slice(&y);
    Ok(UnparsedPublicKey::new(alg, point))
}

fn opt_str<'a>(m: &'a Map<String, Value>, name: &str) -> Result<Option<&'a str>, JwtError> {
    match m.get(name) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(JwtError::InvalidJwks("key member has wrong JSON type")),
    }
}

fn b64_member(m: &Map<String, Value>, name: &str) -> Result<Vec<u8>, JwtError> {
    let text = opt_str(m, name)?.ok_or(JwtError::InvalidJwks("key member missing"))?;
    base64url::decode(text.as_bytes()).ok_or(JwtError::InvalidJwks("key member is not base64url"))
}

fn strip_leading_zeros(mut bytes: Vec<u8>) -> Vec<u8> {
    let zeros = bytes.iter().take_while(|&&b| b == 0).count();
    bytes.drain(..zeros);
    bytes
}
