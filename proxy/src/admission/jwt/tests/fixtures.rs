//! Keys, JWKS documents and signed tokens for the tests.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use ring::rand::SystemRandom;
use ring::signature::{
    self, EcdsaKeyPair, Ed25519KeyPair, KeyPair, RsaEncoding, RsaKeyPair, RsaPublicKeyComponents,
};
use serde_json::{json, Value};

use crate::admission::jwt::base64url;
use crate::admission::jwt::{Jwks, JwtError, JwtPolicy, JwtValidator, Verified};

/// 2048-bit RSA key generated with `openssl genpkey -algorithm RSA`, PKCS#8 DER.
const RSA_PKCS8: &[u8] = include_bytes!("../testdata/rsa2048.pk8.der");

pub(super) const NOW: u64 = 1_700_000_000;
pub(super) const ISSUER: &str = "https://idp.example.com/realms/planeguard";
pub(super) const AUDIENCE: &str = "planeguard-metadata";
pub(super) const SUBJECT: &str = "svc-metadata-reader-7f3a";

pub(super) fn now() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(NOW)
}

pub(super) fn b64(bytes: impl AsRef<[u8]>) -> String {
    base64url::encode(bytes.as_ref())
}

pub(super) fn rsa_pair() -> RsaKeyPair {
    RsaKeyPair::from_pkcs8(RSA_PKCS8).expect("test RSA key parses")
}

pub(super) fn ec_pair(alg: &'static signature::EcdsaSigningAlgorithm) -> EcdsaKeyPair {
    let rng = SystemRandom::new();
    let pkcs8 = EcdsaKeyPair::generate_pkcs8(alg, &rng).expect("generate EC key");
    EcdsaKeyPair::from_pkcs8(alg, pkcs8.as_ref(), &rng).expect("parse EC key")
}

pub(super) fn ed_pair() -> Ed25519KeyPair {
    let pkcs8 = Ed25519KeyPair::generate_pkcs8(&SystemRandom::new()).expect("generate Ed25519");
    Ed25519KeyPair::from_pkcs8(pkcs8.as_ref()).expect("parse Ed25519")
}

pub(super) fn rsa_components(kp: &RsaKeyPair) -> RsaPublicKeyComponents<Vec<u8>> {
    kp.public().into()
}

pub(super) fn rsa_jwk(kp: &RsaKeyPair, kid: &str) -> Value {
    let c = rsa_components(kp);
    json!({"kty": "RSA", "kid": kid, "use": "sig", "n": b64(&c.n), "e": b64(&c.e)})
}

pub(super) fn ec_jwk(kp: &EcdsaKeyPair, crv: &str, kid: &str) -> Value {
    // ring's public key is the SEC1 uncompressed point 0x04 || x || y.
    let point = kp.public_key().as_ref();
    let half = (point.len() - 1) / 2;
    json!({
        "kty": "EC", "crv": crv, "kid": kid,
        "x": b64(&point[1..1 + half]), "y": b64(&point[1 + half..])
    })
}

pub(super) fn ed_jwk(kp: &Ed25519KeyPair, kid: &str) -> Value {
    json!({"kty": "OKP", "crv": "Ed25519", "kid": kid, "x": b64(kp.public_key().as_ref())})
}

/// Signs `BASE64URL(header).BASE64URL(claims)` with `sign` and returns the compact JWS.
pub(super) fn token(header: &Value, claims: &Value, sign: impl FnOnce(&[u8]) -> Vec<u8>) -> String {
    raw_token(&header.to_string(), &claims.to_string(), sign)
}

/// Like [`token`] but with the JSON given verbatim (for duplicate-member tests).
pub(super) fn raw_token(header: &str, claims: &str, sign: impl FnOnce(&[u8]) -> Vec<u8>) -> String {
    let input = format!("{}.{}", b64(header), b64(claims));
    let sig = sign(input.as_bytes());
    format!("{input}.{}", b64(sig))
}

pub(super) fn sign_rsa(kp: &RsaKeyPair, padding: &'static dyn RsaEncoding, msg: &[u8]) -> Vec<u8> {
    let mut sig = vec![0; kp.public().modulus_len()];
    kp.sign(padding, &SystemRandom::new(), msg, &mut sig)
        .expect("RSA signing");
    sig
}

pub(super) fn sign_ec(kp: &EcdsaKeyPair, msg: &[u8]) -> Vec<u8> {
    kp.sign(&SystemRandom::new(), msg)
        .expect("ECDSA signing")
        .as_ref()
        .to_vec()
}

pub(super) fn sign_ed(kp: &Ed25519KeyPair, msg: &[u8]) -> Vec<u8> {
    kp.sign(msg).as_ref().to_vec()
}

/// Claims of a valid token at [`NOW`].
pub(super) fn claims() -> Value {
    json!({
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": SUBJECT,
        "iat": NOW - 10,
        "nbf": NOW - 10,
        "exp": NOW + 300,
        "roles": ["metadata-reader"],
    })
}

/// A validator over a JWKS with one key of each supported kind, plus their private
/// halves to sign with.
pub(super) struct Fixture {
    pub(super) rsa: RsaKeyPair,
    pub(super) ec256: EcdsaKeyPair,
    pub(super) ec384: EcdsaKeyPair,
    pub(super) ed: Ed25519KeyPair,
    pub(super) jwks_json: String,
    pub(super) validator: JwtValidator,
}

impl Fixture {
    pub(super) fn new() -> Fixture {
        Fixture::with_policy(|_| {})
    }

    pub(super) fn with_policy(adjust: impl FnOnce(&mut JwtPolicy)) -> Fixture {
        let rsa = rsa_pair();
        let ec256 = ec_pair(&signature::ECDSA_P256_SHA256_FIXED_SIGNING);
        let ec384 = ec_pair(&signature::ECDSA_P384_SHA384_FIXED_SIGNING);
        let ed = ed_pair();
        let jwks_json = json!({"keys": [
            rsa_jwk(&rsa, "rsa-1"),
            ec_jwk(&ec256, "P-256", "ec256-1"),
            ec_jwk(&ec384, "P-384", "ec384-1"),
            ed_jwk(&ed, "ed-1"),
        ]})
        .to_string();
        let jwks = Jwks::from_json(jwks_json.as_bytes()).expect("fixture JWKS loads");
        let mut policy = JwtPolicy::new(ISSUER, vec![AUDIENCE.to_owned()]);
        adjust(&mut policy);
        let validator = JwtValidator::new(jwks, policy).expect("fixture policy is valid");
        Fixture {
            rsa,
            ec256,
            ec384,
            ed,
            jwks_json,
            validator,
        }
    }

    pub(super) fn rs256(&self, claims: &Value) -> String {
        token(
            &json!({"alg": "RS256", "typ": "JWT", "kid": "rsa-1"}),
            claims,
            |m| sign_rsa(&self.rsa, &signature::RSA_PKCS1_SHA256, m),
        )
    }

    pub(super) fn es256(&self, claims: &Value) -> String {
        token(&json!({"alg": "ES256", "kid": "ec256-1"}), claims, |m| {
            sign_ec(&self.ec256, m)
        })
    }

    pub(super) fn eddsa(&self, claims: &Value) -> String {
        token(&json!({"alg": "EdDSA", "kid": "ed-1"}), claims, |m| {
            sign_ed(&self.ed, m)
        })
    }

    pub(super) fn check(&self, token: &str) -> Result<Verified, JwtError> {
        self.check_at(token, now())
    }

    pub(super) fn check_at(&self, token: &str, at: SystemTime) -> Result<Verified, JwtError> {
        self.validator
            .validate(format!("Bearer {token}").as_bytes(), at)
    }

    pub(super) fn reason(&self, token: &str) -> Option<&'static str> {
        self.check(token).err().map(|e| e.reason())
    }
}
