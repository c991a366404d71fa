//! Taking an `Authorization` value apart: the `Bearer` scheme (RFC 6750 §2.1), the
//! three-part JWS compact serialization (RFC 7515 §7.1) and the protected header.
//!
//! Nothing here trusts the token: it only establishes which algorithm and key the
//! signature must be checked with. The payload is decoded but left unparsed until the
//! signature has been verified.

use serde_json::Value;

use super::{base64url, json, Alg, JwtError};

/// Largest accepted token (after `Bearer `). Real access tokens are well under 4 KiB;
/// the bound keeps base64, JSON and signature work per request small.
pub const MAX_TOKEN_LEN: usize = 16 * 1024;

/// A structurally valid JWS whose header passed the allowlist.
pub(crate) struct Parsed<'a> {
    pub(crate) alg: Alg,
    pub(crate) kid: Option<String>,
    /// `BASE64URL(header) '.' BASE64URL(payload)`, the bytes the signature covers.
    pub(crate) signing_input: &'a [u8],
    pub(crate) payload: Vec<u8>,
    pub(crate) signature: Vec<u8>,
}

/// Extracts the token from an `Authorization` value.
pub(crate) fn bearer_token(value: &[u8]) -> Result<&[u8], JwtError> {
    const SCHEME: &[u8] = b"bearer";
    if value.iter().all(u8::is_ascii_whitespace) {
        return Err(JwtError::MissingToken);
    }
    let Some(scheme) = value.get(..SCHEME.len()) else {
        return Err(JwtError::UnsupportedScheme);
    };
    if !scheme.eq_ignore_ascii_case(SCHEME) {
        return Err(JwtError::UnsupportedScheme);
    }
    match value.get(SCHEME.len()) {
        None => return Err(JwtError::MissingToken),
        Some(b' ') => {}
        Some(b) if b.is_ascii_whitespace() => {
            return Err(JwtError::Malformed("scheme must be followed by one space"))
        }
        // e.g. "Bearerx": a different scheme that happens to start with "bearer".
        Some(_) => return Err(JwtError::UnsupportedScheme),
    }
    let token = &value[SCHEME.len() + 1..];
    if token.is_empty() {
        return Err(JwtError::MissingToken);
    }
    if token.len() > MAX_TOKEN_LEN {
        return Err(JwtError::TokenTooLarge);
    }
    Ok(token)
}

/// Splits and decodes a compact JWS and checks its header against `allowed`.
pub(crate) fn parse<'a>(token: &'a [u8], allowed: &[Alg]) -> Result<Parsed<'a>, JwtError> {
    let mut parts = token.split(|&b| b == b'.');
    let (Some(header_b64), Some(payload_b64), Some(signature_b64), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(JwtError::Malformed("token must have exactly three parts"));
    };
    let header =
        base64url::decode(header_b64).ok_or(JwtError::Malformed("header is not base64url"))?;
    let payload =
        base64url::decode(payload_b64).ok_or(JwtError::Malformed("payload is not base64url"))?;
    let signature = base64url::decode(signature_b64)
        .ok_or(JwtError::Malformed("signature is not base64url"))?;
    let header =
        json::parse_object(&header).ok_or(JwtError::Malformed("header is not a JSON object"))?;

    let alg = match header.get("alg") {
        Some(Value::String(name)) => Alg::from_name(name)
            .filter(|alg| allowed.contains(alg))
            .ok_or(JwtError::AlgNotAllowed)?,
        Some(_) => return Err(JwtError::Malformed("header alg is not a string")),
        None => return Err(JwtError::Malformed("header has no alg")),
    };
    // RFC 7515 §4.1.11: recipients must reject critical extensions they do not
    // understand, and we understand none.
    if header.contains_key("crit") {
        return Err(JwtError::CritUnsupported);
    }
    let kid = match header.get("kid") {
        None => None,
        Some(Value::String(kid)) => Some(kid.clone()),
        Some(_) => return Err(JwtError::Malformed("header kid is not a string")),
    };
    // `jku`, `x5u`, `jwk` and `x5c` are deliberately ignored: keys only ever come from
    // the configured JWKS, never from the token or a URL it names.
    if signature.is_empty() {
        return Err(JwtError::Malformed("signature is empty"));
    }
    let signing_input = &token[..header_b64.len() + 1 + payload_b64.len()];
    Ok(Parsed {
        alg,
        kid,
        signing_input,
        payload,
        signature,
    })
}

#[cfg(test)]
mod tests {
    use super::{bearer_token, MAX_TOKEN_LEN};
    use crate::admission::jwt::JwtError;

    #[test]
    fn bearer_scheme_is_case_insensitive_with_one_space() {
        assert_eq!(bearer_token(b"Bearer abc"), Ok(&b"abc"[..]));
        assert_eq!(bearer_token(b"bearer abc"), Ok(&b"abc"[..]));
        assert_eq!(bearer_token(b"BEARER abc"), Ok(&b"abc"[..]));
        assert!(matches!(
            bearer_token(b"Bearer\tabc"),
            Err(JwtError::Malformed(_))
        ));
    }

    #[test]
    fn missing_and_foreign_schemes() {
        assert_eq!(bearer_token(b""), Err(JwtError::MissingToken));
        assert_eq!(bearer_token(b"   "), Err(JwtError::MissingToken));
        assert_eq!(bearer_token(b"Bearer"), Err(JwtError::MissingToken));
        assert_eq!(bearer_token(b"Bearer "), Err(JwtError::MissingToken));
        assert_eq!(
            bearer_token(b"Basic dXNlcjpwYXNz"),
            Err(JwtError::UnsupportedScheme)
        );
        assert_eq!(bearer_token(b"Bearerabc"), Err(JwtError::UnsupportedScheme));
        assert_eq!(bearer_token(b"Bear"), Err(JwtError::UnsupportedScheme));
    }

    #[test]
    fn size_limit() {
        let mut value = b"Bearer ".to_vec();
        value.extend(std::iter::repeat_n(b'a', MAX_TOKEN_LEN));
        assert!(bearer_token(&value).is_ok());
        value.push(b'a');
        assert_eq!(bearer_token(&value), Err(JwtError::TokenTooLarge));
    }
}
