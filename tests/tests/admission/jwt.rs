//! JWTs signed in the test with ring (Ed25519), and the JWKS that verifies them.

use std::time::{SystemTime, UNIX_EPOCH};

use ring::rand::SystemRandom;
use ring::signature::{Ed25519KeyPair, KeyPair};
use serde_json::{json, Value};

pub const ISSUER: &str = "https://auth.metadata.example";
pub const AUDIENCE: &str = "planeguard-query";
pub const KID: &str = "test-key-1";
pub const SUBJECT: &str = "mp-query-svc";

/// Unpadded base64url (RFC 4648 §5).
pub fn b64url(data: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        let chars = chunk.len() + 1;
        for i in 0..chars {
            out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
        }
    }
    out
}

/// An Ed25519 signing key.
pub struct Signer {
    key: Ed25519KeyPair,
}

impl Signer {
    pub fn generate() -> Self {
        let rng = SystemRandom::new();
        let pkcs8 = Ed25519KeyPair::generate_pkcs8(&rng).expect("ed25519 keygen");
        Signer {
            key: Ed25519KeyPair::from_pkcs8(pkcs8.as_ref()).expect("ed25519 key"),
        }
    }

    /// The JWKS document publishing this key's public half under [`KID`].
    pub fn jwks(&self) -> String {
        json!({ "keys": [{
            "kty": "OKP", "crv": "Ed25519", "use": "sig", "alg": "EdDSA", "kid": KID,
            "x": b64url(self.key.public_key().as_ref()),
        }]})
        .to_string()
    }

    /// A compact JWS over `claims` with the given header.
    pub fn sign_with_header(&self, header: &Value, claims: &Value) -> String {
        let input = format!(
            "{}.{}",
            b64url(header.to_string().as_bytes()),
            b64url(claims.to_string().as_bytes())
        );
        let sig = self.key.sign(input.as_bytes());
        format!("{input}.{}", b64url(sig.as_ref()))
    }

    pub fn sign(&self, claims: &Value) -> String {
        self.sign_with_header(&json!({"alg": "EdDSA", "typ": "JWT", "kid": KID}), claims)
    }
}

pub fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock after 1970")
        .as_secs()
}

/// Claims that pass every check, with `roles`.
pub fn claims(roles: &[&str]) -> Value {
    let now = now();
    json!({
        "iss": ISSUER, "aud": AUDIENCE, "sub": SUBJECT,
        "iat": now - 10, "nbf": now - 10, "exp": now + 600,
        "roles": roles,
    })
}

/// An unsigned token: `alg: none` and an empty signature.
pub fn unsigned(claims: &Value) -> String {
    format!(
        "{}.{}.",
        b64url(json!({"alg": "none", "typ": "JWT"}).to_string().as_bytes()),
        b64url(claims.to_string().as_bytes())
    )
}

#[test]
fn b64url_known_vectors() {
    assert_eq!(b64url(b""), "");
    assert_eq!(b64url(b"f"), "Zg");
    assert_eq!(b64url(b"fo"), "Zm8");
    assert_eq!(b64url(b"foo"), "Zm9v");
    assert_eq!(b64url(b"foob"), "Zm9vYg");
    assert_eq!(b64url(&[0xfb, 0xff]), "-_8");
}
