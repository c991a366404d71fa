//! JWKS loading: accepted key types, refused and skipped entries.

use ring::signature::{self, KeyPair};
use serde_json::{json, Value};

use super::fixtures::*;
use crate::admission::jwt::{Alg, Jwks, JwtError, JwtPolicy, JwtValidator};

fn load(doc: &Value) -> Result<Jwks, JwtError> {
    Jwks::from_json(doc.to_string().as_bytes())
}

fn refusal(doc: &Value) -> Option<JwtError> {
    load(doc).err()
}

#[test]
fn loads_rsa_ec_and_okp_keys() {
    let f = Fixture::new();
    let jwks = Jwks::from_json(f.jwks_json.as_bytes()).expect("loads");
    assert_eq!(jwks.len(), 4);
    assert_eq!(jwks.skipped(), 0);
    assert!(!jwks.is_empty());
}

#[test]
fn symmetric_keys_are_refused() {
    let doc = json!({"keys": [
        rsa_jwk(&rsa_pair(), "rsa-1"),
        {"kty": "oct", "kid": "h", "k": b64(b"secret-secret-secret")}
    ]});
    assert_eq!(
        refusal(&doc),
        Some(JwtError::InvalidJwks(
            "symmetric (oct) keys are not accepted"
        ))
    );
}

#[test]
fn private_key_material_is_refused() {
    let mut key = ed_jwk(&ed_pair(), "ed-1");
    key["d"] = json!(b64([7u8; 32]));
    assert_eq!(
        refusal(&json!({"keys": [key]})),
        Some(JwtError::InvalidJwks("private key material in JWKS"))
    );
}

#[test]
fn keys_for_other_uses_and_unsupported_kinds_are_skipped() {
    let rsa = rsa_pair();
    let mut enc = rsa_jwk(&rsa, "enc-1");
    enc["use"] = json!("enc");
    let mut wrap = rsa_jwk(&rsa, "wrap-1");
    wrap.as_object_mut().map(|m| m.remove("use"));
    wrap["key_ops"] = json!(["wrapKey"]);
    let mut oaep = rsa_jwk(&rsa, "oaep-1");
    oaep.as_object_mut().map(|m| m.remove("use"));
    oaep["alg"] = json!("RSA-OAEP-256");
    let p521 = json!({"kty": "EC", "crv": "P-521", "kid": "p521", "x": b64([1u8; 66]), "y": b64([2u8; 66])});
    let x25519 = json!({"kty": "OKP", "crv": "X25519", "kid": "x", "x": b64([3u8; 32])});
    let future = json!({"kty": "PQ", "kid": "pq"});
    let usable = ed_jwk(&ed_pair(), "ed-1");
    let doc = json!({"keys": [enc, wrap, oaep, p521, x25519, future, usable]});
    let jwks = load(&doc).expect("loads with the usable key");
    assert_eq!(jwks.len(), 1);
    assert_eq!(jwks.skipped(), 6);
}

#[test]
fn set_without_usable_keys_is_refused() {
    let mut enc = rsa_jwk(&rsa_pair(), "enc-1");
    enc["use"] = json!("enc");
    assert_eq!(
        refusal(&json!({"keys": [enc]})),
        Some(JwtError::InvalidJwks(
            "no usable signature verification keys"
        ))
    );
    assert!(refusal(&json!({"keys": []})).is_some());
    assert!(refusal(&json!({"key": []})).is_some());
    assert!(Jwks::from_json(b"not json").is_err());
}

#[test]
fn key_alg_must_fit_key_type_and_never_be_hmac_or_none() {
    let mut ec = ec_jwk(
        &ec_pair(&signature::ECDSA_P256_SHA256_FIXED_SIGNING),
        "P-256",
        "k",
    );
    ec["alg"] = json!("RS256");
    assert_eq!(
        refusal(&json!({"keys": [ec]})),
        Some(JwtError::InvalidJwks("key alg does not fit its key type"))
    );
    for refused in ["HS256", "none"] {
        let mut rsa = rsa_jwk(&rsa_pair(), "r");
        rsa["alg"] = json!(refused);
        assert_eq!(
            refusal(&json!({"keys": [rsa]})),
            Some(JwtError::InvalidJwks("key declares alg none or HS*"))
        );
    }
}

#[test]
fn malformed_key_members_are_refused() {
    let ec = ec_pair(&signature::ECDSA_P256_SHA256_FIXED_SIGNING);
    // A P-256 key declared as P-384 has coordinates of the wrong length.
    let wrong_curve = ec_jwk(&ec, "P-384", "k");
    assert_eq!(
        refusal(&json!({"keys": [wrong_curve]})),
        Some(JwtError::InvalidJwks("EC coordinate has wrong length"))
    );
    let mut padded = ec_jwk(&ec, "P-256", "k");
    padded["x"] = json!(format!("{}=", padded["x"].as_str().unwrap_or_default()));
    assert!(refusal(&json!({"keys": [padded]})).is_some());
    let mut no_y = ec_jwk(&ec, "P-256", "k");
    no_y.as_object_mut().map(|m| m.remove("y"));
    assert!(refusal(&json!({"keys": [no_y]})).is_some());
    let short_ed = json!({"kty": "OKP", "crv": "Ed25519", "x": b64([1u8; 31])});
    assert!(refusal(&json!({"keys": [short_ed]})).is_some());
    let numeric_kid = json!({"kty": "OKP", "crv": "Ed25519", "kid": 5, "x": b64([1u8; 32])});
    assert!(refusal(&json!({"keys": [numeric_kid]})).is_some());
    assert!(refusal(&json!({"keys": [{"crv": "Ed25519", "x": b64([1u8; 32])}]})).is_some());
}

#[test]
fn weak_or_broken_rsa_keys_are_refused() {
    let mut small_n = vec![0xc5u8; 128];
    small_n[127] = 0x01;
    let small = json!({"kty": "RSA", "n": b64(&small_n), "e": "AQAB"});
    assert_eq!(
        refusal(&json!({"keys": [small]})),
        Some(JwtError::InvalidJwks(
            "RSA modulus must be 2048 to 8192 bits"
        ))
    );
    let c = rsa_components(&rsa_pair());
    let mut even_e = json!({"kty": "RSA", "n": b64(&c.n), "e": b64([0x01, 0x00, 0x00])});
    assert_eq!(
        refusal(&json!({"keys": [even_e.clone()]})),
        Some(JwtError::InvalidJwks("unsupported RSA public exponent"))
    );
    even_e["e"] = json!(b64([0x01]));
    assert!(refusal(&json!({"keys": [even_e]})).is_some());
}

#[test]
fn rsa_modulus_with_leading_zero_octet_still_verifies() {
    let rsa = rsa_pair();
    let c = rsa_components(&rsa);
    let mut n = vec![0u8];
    n.extend_from_slice(&c.n);
    let doc = json!({"keys": [{"kty": "RSA", "kid": "rsa-1", "n": b64(&n), "e": b64(&c.e)}]});
    let validator = JwtValidator::new(
        load(&doc).expect("loads"),
        JwtPolicy::new(ISSUER, vec![AUDIENCE.to_owned()]),
    )
    .expect("valid policy");
    let tok = token(&json!({"alg": "RS256", "kid": "rsa-1"}), &claims(), |m| {
        sign_rsa(&rsa, &signature::RSA_PKCS1_SHA256, m)
    });
    assert!(validator
        .validate(format!("Bearer {tok}").as_bytes(), now())
        .is_ok());
}

#[test]
fn duplicate_kids_and_duplicate_members_are_refused() {
    let ed = ed_pair();
    assert_eq!(
        refusal(&json!({"keys": [ed_jwk(&ed, "same"), rsa_jwk(&rsa_pair(), "same")]})),
        Some(JwtError::InvalidJwks("duplicate kid"))
    );
    let x = b64(ed.public_key().as_ref());
    let dup = format!(r#"{{"keys":[{{"kty":"OKP","crv":"Ed25519","x":"{x}","x":"{x}"}}]}}"#);
    assert!(Jwks::from_json(dup.as_bytes()).is_err());
}

#[test]
fn load_reads_a_file_and_reports_io_errors() {
    let f = Fixture::new();
    let path =
        std::env::temp_dir().join(format!("planeguard-jwks-test-{}.json", std::process::id()));
    std::fs::write(&path, &f.jwks_json).expect("write temp JWKS");
    let loaded = Jwks::load(&path);
    let _ = std::fs::remove_file(&path);
    assert_eq!(loaded.map(|j| j.len()).ok(), Some(4));
    let missing = Jwks::load(path.with_extension("absent"));
    assert_eq!(
        missing.err(),
        Some(JwtError::JwksIo(std::io::ErrorKind::NotFound))
    );
}

#[test]
fn validator_refuses_keys_that_fit_no_allowed_algorithm() {
    let doc = json!({"keys": [ed_jwk(&ed_pair(), "ed-1")]});
    let mut policy = JwtPolicy::new(ISSUER, vec![AUDIENCE.to_owned()]);
    policy.algorithms = vec![Alg::Rs256, Alg::Es256];
    let err = JwtValidator::new(load(&doc).expect("loads"), policy).err();
    assert_eq!(err.map(|e| e.reason()), Some("invalid_policy"));
}
