//! Token validation end to end: accepted tokens and every refusal the issue names.

use std::time::Duration;

use http::StatusCode;
use ring::hmac;
use ring::signature::{self, KeyPair};
use serde_json::{json, Value};

use super::fixtures::*;
use crate::admission::jwt::{authorize, Alg, Jwks, JwtError, JwtPolicy, JwtValidator, Verified};

fn with(mut claims: Value, key: &str, value: Value) -> Value {
    claims[key] = value;
    claims
}

fn without(mut claims: Value, key: &str) -> Value {
    claims.as_object_mut().map(|m| m.remove(key));
    claims
}

fn expected() -> Verified {
    Verified {
        subject: Some(SUBJECT.to_owned()),
        roles: vec!["metadata-reader".to_owned()],
    }
}

#[test]
fn valid_rs256_es256_and_eddsa_tokens_are_accepted() {
    let f = Fixture::new();
    assert_eq!(f.check(&f.rs256(&claims())), Ok(expected()));
    assert_eq!(f.check(&f.es256(&claims())), Ok(expected()));
    assert_eq!(f.check(&f.eddsa(&claims())), Ok(expected()));
}

#[test]
fn every_rsa_variant_and_es384_verify() {
    let f = Fixture::new();
    let rsa: [(&str, &'static dyn signature::RsaEncoding); 6] = [
        ("RS256", &signature::RSA_PKCS1_SHA256),
        ("RS384", &signature::RSA_PKCS1_SHA384),
        ("RS512", &signature::RSA_PKCS1_SHA512),
        ("PS256", &signature::RSA_PSS_SHA256),
        ("PS384", &signature::RSA_PSS_SHA384),
        ("PS512", &signature::RSA_PSS_SHA512),
    ];
    for (alg, padding) in rsa {
        let tok = token(&json!({"alg": alg, "kid": "rsa-1"}), &claims(), |m| {
            sign_rsa(&f.rsa, padding, m)
        });
        assert_eq!(f.check(&tok), Ok(expected()), "{alg}");
    }
    // Same RSA signature bytes presented under another hash or padding must fail.
    let rs256 = f.rs256(&claims());
    let relabelled = relabel(&rs256, &json!({"alg": "PS256", "kid": "rsa-1"}));
    assert_eq!(f.reason(&relabelled), Some("bad_signature"));
    let es384 = token(&json!({"alg": "ES384", "kid": "ec384-1"}), &claims(), |m| {
        sign_ec(&f.ec384, m)
    });
    assert_eq!(f.check(&es384), Ok(expected()));
}

/// Replaces the header of `tok`, keeping payload and signature.
fn relabel(tok: &str, header: &Value) -> String {
    let rest = tok
        .split_once('.')
        .map(|(_, rest)| rest)
        .unwrap_or_default();
    format!("{}.{rest}", b64(header.to_string()))
}

#[test]
fn expired_token_is_401() {
    let f = Fixture::new();
    let err = f.check(&f.rs256(&with(claims(), "exp", json!(NOW - 3600))));
    assert_eq!(err, Err(JwtError::Expired));
    assert_eq!(
        err.err().map(|e| e.status()),
        Some(StatusCode::UNAUTHORIZED)
    );
}

#[test]
fn not_yet_valid_token_is_refused() {
    let f = Fixture::new();
    let tok = f.es256(&with(claims(), "nbf", json!(NOW + 3600)));
    assert_eq!(f.reason(&tok), Some("not_yet_valid"));
    let tok = f.es256(&with(claims(), "iat", json!(NOW + 3600)));
    assert_eq!(f.reason(&tok), Some("issued_in_future"));
}

#[test]
fn leeway_is_honoured_and_bounded() {
    let f = Fixture::new(); // default 60 s
    assert!(f
        .check(&f.eddsa(&with(claims(), "exp", json!(NOW - 30))))
        .is_ok());
    assert_eq!(
        f.reason(&f.eddsa(&with(claims(), "exp", json!(NOW - 60)))),
        Some("expired")
    );
    assert!(f
        .check(&f.eddsa(&with(claims(), "nbf", json!(NOW + 59))))
        .is_ok());
    assert_eq!(
        f.reason(&f.eddsa(&with(claims(), "nbf", json!(NOW + 61)))),
        Some("not_yet_valid")
    );

    let strict = Fixture::with_policy(|p| p.leeway = Duration::ZERO);
    assert_eq!(
        strict.reason(&strict.eddsa(&with(claims(), "exp", json!(NOW)))),
        Some("expired")
    );
    assert!(strict
        .check(&strict.eddsa(&with(claims(), "exp", json!(NOW + 1))))
        .is_ok());

    let lax = Fixture::with_policy(|p| p.leeway = Duration::from_secs(3600));
    assert!(lax
        .check(&lax.eddsa(&with(claims(), "exp", json!(NOW - 299))))
        .is_ok());
    assert_eq!(
        lax.reason(&lax.eddsa(&with(claims(), "exp", json!(NOW - 301)))),
        Some("expired"),
        "leeway must be capped at 300 s"
    );
}

#[test]
fn validity_window_moves_with_the_clock() {
    let f = Fixture::new();
    let tok = f.rs256(&claims()); // exp = NOW + 300
    assert!(f.check_at(&tok, now() + Duration::from_secs(359)).is_ok());
    assert_eq!(
        f.check_at(&tok, now() + Duration::from_secs(360)),
        Err(JwtError::Expired)
    );
}

#[test]
fn issuer_must_match_exactly() {
    let f = Fixture::new();
    for iss in [
        "https://evil.example.com",
        "https://idp.example.com/realms/planeguard/",
    ] {
        let tok = f.rs256(&with(claims(), "iss", json!(iss)));
        assert_eq!(f.reason(&tok), Some("wrong_issuer"), "{iss}");
    }
    assert_eq!(
        f.check(&f.rs256(&without(claims(), "iss"))),
        Err(JwtError::MissingClaim("iss"))
    );
}

#[test]
fn audience_string_or_array() {
    let f = Fixture::new();
    let err = f.check(&f.es256(&with(claims(), "aud", json!("another-service"))));
    assert_eq!(err, Err(JwtError::WrongAudience));
    assert_eq!(
        err.err().map(|e| e.status()),
        Some(StatusCode::UNAUTHORIZED)
    );
    let tok = f.es256(&with(claims(), "aud", json!(["other", AUDIENCE])));
    assert_eq!(f.check(&tok), Ok(expected()));
    let tok = f.es256(&with(claims(), "aud", json!(["other", "third"])));
    assert_eq!(f.reason(&tok), Some("wrong_audience"));
    assert_eq!(
        f.check(&f.es256(&without(claims(), "aud"))),
        Err(JwtError::MissingClaim("aud"))
    );

    let multi = Fixture::with_policy(|p| p.audiences = vec!["a".to_owned(), "b".to_owned()]);
    let tok = multi.es256(&with(claims(), "aud", json!("b")));
    assert!(multi.check(&tok).is_ok());
}

#[test]
fn alg_none_is_refused_with_or_without_signature() {
    let f = Fixture::new();
    let unsigned = format!(
        "{}.{}.",
        b64(json!({"alg": "none"}).to_string()),
        b64(claims().to_string())
    );
    assert_eq!(f.reason(&unsigned), Some("alg_not_allowed"));
    for spelling in ["none", "None", "NONE", "nOnE"] {
        let signed = relabel(
            &f.rs256(&claims()),
            &json!({"alg": spelling, "kid": "rsa-1"}),
        );
        assert_eq!(f.reason(&signed), Some("alg_not_allowed"), "{spelling}");
        let signed = relabel(&f.rs256(&claims()), &json!({"alg": spelling}));
        assert_eq!(f.reason(&signed), Some("alg_not_allowed"), "{spelling}");
    }
}

#[test]
fn hs256_signed_with_the_rsa_public_key_is_refused() {
    let f = Fixture::new();
    let c = rsa_components(&f.rsa);
    // Every form an attacker might feed as the HMAC secret: the PKCS#1 DER the key
    // serializes to, the raw modulus, and the JWKS document itself.
    let secrets: [Vec<u8>; 3] = [
        f.rsa.public_key().as_ref().to_vec(),
        c.n.clone(),
        f.jwks_json.clone().into_bytes(),
    ];
    for secret in &secrets {
        let key = hmac::Key::new(hmac::HMAC_SHA256, secret);
        for header in [
            json!({"alg": "HS256", "kid": "rsa-1"}),
            json!({"alg": "HS256"}),
        ] {
            let tok = token(&header, &claims(), |m| {
                hmac::sign(&key, m).as_ref().to_vec()
            });
            let err = f.check(&tok);
            assert_eq!(err, Err(JwtError::AlgNotAllowed));
            assert_eq!(
                err.err().map(|e| e.status()),
                Some(StatusCode::UNAUTHORIZED)
            );
        }
        // The HMAC bytes relabelled as RS256 are just a bad signature.
        let tok = token(&json!({"alg": "RS256", "kid": "rsa-1"}), &claims(), |m| {
            hmac::sign(&key, m).as_ref().to_vec()
        });
        assert_eq!(f.reason(&tok), Some("bad_signature"));
    }
}

#[test]
fn algorithms_outside_the_allowlist_are_refused() {
    let f = Fixture::with_policy(|p| p.algorithms = vec![Alg::Es256, Alg::EdDsa]);
    assert_eq!(f.reason(&f.rs256(&claims())), Some("alg_not_allowed"));
    assert!(f.check(&f.es256(&claims())).is_ok());
    let unknown = relabel(&f.eddsa(&claims()), &json!({"alg": "ES512", "kid": "ed-1"}));
    assert_eq!(f.reason(&unknown), Some("alg_not_allowed"));
    let lower = relabel(&f.eddsa(&claims()), &json!({"alg": "eddsa", "kid": "ed-1"}));
    assert_eq!(f.reason(&lower), Some("alg_not_allowed"));
}

#[test]
fn key_selection_by_kid() {
    let f = Fixture::new();
    let unknown = token(&json!({"alg": "EdDSA", "kid": "ed-2"}), &claims(), |m| {
        sign_ed(&f.ed, m)
    });
    assert_eq!(f.reason(&unknown), Some("unknown_kid"));
    // kid of an EC key with an RSA algorithm.
    let mismatch = token(&json!({"alg": "RS256", "kid": "ec256-1"}), &claims(), |m| {
        sign_rsa(&f.rsa, &signature::RSA_PKCS1_SHA256, m)
    });
    assert_eq!(f.reason(&mismatch), Some("key_alg_mismatch"));
    // No kid: the only key able to verify EdDSA / RS256 is used.
    let no_kid = token(&json!({"alg": "EdDSA"}), &claims(), |m| sign_ed(&f.ed, m));
    assert!(f.check(&no_kid).is_ok());
    let no_kid = token(&json!({"alg": "RS256"}), &claims(), |m| {
        sign_rsa(&f.rsa, &signature::RSA_PKCS1_SHA256, m)
    });
    assert!(f.check(&no_kid).is_ok());
}

#[test]
fn no_kid_with_several_candidate_keys_is_refused() {
    let (a, b) = (ed_pair(), ed_pair());
    let doc = json!({"keys": [ed_jwk(&a, "a"), ed_jwk(&b, "b")]}).to_string();
    let validator = JwtValidator::new(
        Jwks::from_json(doc.as_bytes()).expect("loads"),
        JwtPolicy::new(ISSUER, vec![AUDIENCE.to_owned()]),
    )
    .expect("valid");
    let tok = token(&json!({"alg": "EdDSA"}), &claims(), |m| sign_ed(&a, m));
    let err = validator.validate(format!("Bearer {tok}").as_bytes(), now());
    assert_eq!(err, Err(JwtError::NoMatchingKey));
}

#[test]
fn key_pinned_alg_is_enforced() {
    let rsa = rsa_pair();
    let mut jwk = rsa_jwk(&rsa, "rsa-1");
    jwk["alg"] = json!("RS256");
    let doc = json!({"keys": [jwk]}).to_string();
    let validator = JwtValidator::new(
        Jwks::from_json(doc.as_bytes()).expect("loads"),
        JwtPolicy::new(ISSUER, vec![AUDIENCE.to_owned()]),
    )
    .expect("valid");
    let check = |alg: &str, padding: &'static dyn signature::RsaEncoding| {
        let tok = token(&json!({"alg": alg, "kid": "rsa-1"}), &claims(), |m| {
            sign_rsa(&rsa, padding, m)
        });
        validator.validate(format!("Bearer {tok}").as_bytes(), now())
    };
    assert!(check("RS256", &signature::RSA_PKCS1_SHA256).is_ok());
    assert_eq!(
        check("PS256", &signature::RSA_PSS_SHA256),
        Err(JwtError::KeyAlgMismatch)
    );
}

#[test]
fn tampered_tokens_fail_signature_verification() {
    let f = Fixture::new();
    for tok in [f.rs256(&claims()), f.es256(&claims()), f.eddsa(&claims())] {
        let parts: Vec<&str> = tok.split('.').collect();
        let forged_claims = with(claims(), "roles", json!(["admin"]));
        let tampered = format!(
            "{}.{}.{}",
            parts[0],
            b64(forged_claims.to_string()),
            parts[2]
        );
        assert_eq!(f.reason(&tampered), Some("bad_signature"));

        let mut sig =
            crate::admission::jwt::base64url::decode(parts[2].as_bytes()).unwrap_or_default();
        sig[0] ^= 0x01;
        let flipped = format!("{}.{}.{}", parts[0], parts[1], b64(&sig));
        assert_eq!(f.reason(&flipped), Some("bad_signature"));

        let truncated = format!("{}.{}.{}", parts[0], parts[1], b64(&sig[..sig.len() - 1]));
        assert_eq!(f.reason(&truncated), Some("bad_signature"));
    }
}

#[test]
fn signature_by_another_key_with_a_known_kid_is_refused() {
    let f = Fixture::new();
    let attacker = ed_pair();
    let tok = token(&json!({"alg": "EdDSA", "kid": "ed-1"}), &claims(), |m| {
        sign_ed(&attacker, m)
    });
    assert_eq!(f.reason(&tok), Some("bad_signature"));
    // Embedding the attacker's key or a key URL in the header changes nothing: keys
    // come only from the configured JWKS.
    let header = json!({
        "alg": "EdDSA", "kid": "ed-1",
        "jwk": ed_jwk(&attacker, "ed-1"),
        "jku": "https://attacker.example/jwks.json",
        "x5u": "https://attacker.example/cert.pem",
    });
    let tok = token(&header, &claims(), |m| sign_ed(&attacker, m));
    assert_eq!(f.reason(&tok), Some("bad_signature"));
    let tok = token(&header, &claims(), |m| sign_ed(&f.ed, m));
    assert!(
        f.check(&tok).is_ok(),
        "ignored header parameters do not block valid tokens"
    );
}

#[test]
fn crit_header_is_refused() {
    let f = Fixture::new();
    let tok = token(
        &json!({"alg": "EdDSA", "kid": "ed-1", "crit": ["exp"], "exp": NOW}),
        &claims(),
        |m| sign_ed(&f.ed, m),
    );
    assert_eq!(f.reason(&tok), Some("crit_unsupported"));
}

#[test]
fn bad_base64_and_bad_structure_are_malformed() {
    let f = Fixture::new();
    let good = f.eddsa(&claims());
    let parts: Vec<&str> = good.split('.').collect();
    let cases = [
        format!("{}=.{}.{}", parts[0], parts[1], parts[2]),
        format!("{}.{}+.{}", parts[0], parts[1], parts[2]),
        format!("{}.{}.{}/", parts[0], parts[1], parts[2]),
        format!("{}.{}.{}==", parts[0], parts[1], parts[2]),
        format!("{} .{}.{}", parts[0], parts[1], parts[2]),
        format!("{}.{}", parts[0], parts[1]),
        format!(
            "{}.{}.{}.{}.{}",
            parts[0], parts[1], parts[2], parts[2], parts[2]
        ),
        format!("{}.{}.", parts[0], parts[1]),
        format!("{}.{}.{}", b64("not json"), parts[1], parts[2]),
        format!("{}.{}.{}", b64(r#"["EdDSA"]"#), parts[1], parts[2]),
        format!("{}.{}.{}", b64(r#"{"kid":"ed-1"}"#), parts[1], parts[2]),
        format!("{}.{}.{}", b64(r#"{"alg":256}"#), parts[1], parts[2]),
        "garbage".to_owned(),
    ];
    for case in &cases {
        let err = f.check(case);
        assert!(
            matches!(err, Err(JwtError::Malformed(_))),
            "{case}: {err:?}"
        );
        assert_eq!(
            err.err().map(|e| e.status()),
            Some(StatusCode::UNAUTHORIZED)
        );
    }
    // An empty payload is structurally fine; the signature (made over another payload)
    // is checked before the payload is looked at.
    let empty = format!("{}..{}", parts[0], parts[2]);
    assert_eq!(f.reason(&empty), Some("bad_signature"));
    // A validly signed payload that is not a JSON object.
    let tok = raw_token(r#"{"alg":"EdDSA","kid":"ed-1"}"#, "[1,2]", |m| {
        sign_ed(&f.ed, m)
    });
    assert_eq!(
        f.check(&tok),
        Err(JwtError::Malformed("payload is not a JSON object"))
    );
}

#[test]
fn duplicate_json_members_are_refused() {
    let f = Fixture::new();
    let tok = raw_token(
        r#"{"alg":"EdDSA","kid":"ed-1","alg":"none"}"#,
        &claims().to_string(),
        |m| sign_ed(&f.ed, m),
    );
    assert_eq!(f.reason(&tok), Some("malformed"));
    let claims_text = format!(
        r#"{{"iss":"{ISSUER}","aud":"{AUDIENCE}","exp":{},"roles":["reader"],"roles":["admin"]}}"#,
        NOW + 300
    );
    let tok = raw_token(r#"{"alg":"EdDSA","kid":"ed-1"}"#, &claims_text, |m| {
        sign_ed(&f.ed, m)
    });
    assert_eq!(f.reason(&tok), Some("malformed"));
}

#[test]
fn exp_is_required_and_numeric() {
    let f = Fixture::new();
    let err = f.check(&f.rs256(&without(claims(), "exp")));
    assert_eq!(err, Err(JwtError::MissingClaim("exp")));
    assert_eq!(
        err.err().map(|e| e.status()),
        Some(StatusCode::UNAUTHORIZED)
    );
    let tok = f.rs256(&with(claims(), "exp", json!((NOW + 300).to_string())));
    assert_eq!(f.check(&tok), Err(JwtError::InvalidClaim("exp")));
    let tok = f.rs256(&with(claims(), "nbf", json!("yesterday")));
    assert_eq!(f.check(&tok), Err(JwtError::InvalidClaim("nbf")));
    let tok = f.rs256(&with(claims(), "exp", json!(NOW as f64 + 300.5)));
    assert!(f.check(&tok).is_ok(), "fractional NumericDate is valid");
    let minimal = json!({"iss": ISSUER, "aud": AUDIENCE, "exp": NOW + 60});
    assert_eq!(
        f.check(&f.rs256(&minimal)),
        Ok(Verified {
            subject: None,
            roles: vec![]
        }),
        "nbf, iat, sub and roles are optional"
    );
}

#[test]
fn roles_claim_can_be_nested_or_space_separated() {
    let f = Fixture::with_policy(|p| p.roles_claim = "realm_access.roles".to_owned());
    let tok = f.eddsa(&with(
        claims(),
        "realm_access",
        json!({"roles": ["ops", "metadata-admin"]}),
    ));
    let verified = f.check(&tok).expect("valid");
    assert_eq!(
        verified.roles,
        vec!["ops".to_owned(), "metadata-admin".to_owned()]
    );
    assert_eq!(authorize(&["metadata-admin".to_owned()], &verified), Ok(()));

    let f = Fixture::with_policy(|p| {
        p.roles_claim = "scope".to_owned();
        p.subject_claim = "client_id".to_owned();
    });
    let c = with(
        with(claims(), "scope", json!("metadata:read metadata:list")),
        "client_id",
        json!("ci-bot"),
    );
    let verified = f.check(&f.es256(&c)).expect("valid");
    assert_eq!(
        verified.roles,
        vec!["metadata:read".to_owned(), "metadata:list".to_owned()]
    );
    assert_eq!(verified.subject.as_deref(), Some("ci-bot"));

    let tok = f.es256(&with(claims(), "scope", json!({"read": true})));
    assert_eq!(f.check(&tok), Err(JwtError::InvalidClaim("roles")));
}

#[test]
fn missing_role_is_403_after_successful_authentication() {
    let f = Fixture::new();
    let verified = f.check(&f.rs256(&claims())).expect("authenticated");
    let route = vec!["metadata-admin".to_owned(), "platform-owner".to_owned()];
    let err = authorize(&route, &verified);
    assert_eq!(err, Err(JwtError::MissingRole));
    let err = err.err();
    assert_eq!(
        err.as_ref().map(|e| e.status()),
        Some(StatusCode::FORBIDDEN)
    );
    assert_eq!(err.as_ref().map(|e| e.reason()), Some("missing_role"));
    assert_eq!(
        authorize(&["metadata-reader".to_owned()], &verified),
        Ok(())
    );
    assert_eq!(authorize(&[], &verified), Ok(()));

    let no_roles = f
        .check(&f.rs256(&without(claims(), "roles")))
        .expect("authenticated");
    assert_eq!(authorize(&route, &no_roles), Err(JwtError::MissingRole));
}

#[test]
fn authorization_header_forms() {
    let f = Fixture::new();
    let tok = f.eddsa(&claims());
    let at = now();
    let v = &f.validator;
    assert!(v.validate(format!("bearer {tok}").as_bytes(), at).is_ok());
    assert!(v.validate(format!("BEARER {tok}").as_bytes(), at).is_ok());
    assert_eq!(v.validate(b"", at), Err(JwtError::MissingToken));
    assert_eq!(v.validate(b"Bearer ", at), Err(JwtError::MissingToken));
    assert_eq!(
        v.validate(format!("Basic {tok}").as_bytes(), at),
        Err(JwtError::UnsupportedScheme)
    );
    assert!(matches!(
        v.validate(format!("Bearer  {tok}").as_bytes(), at),
        Err(JwtError::Malformed(_))
    ));
    assert!(matches!(
        v.validate(format!("Bearer {tok} ").as_bytes(), at),
        Err(JwtError::Malformed(_))
    ));
    let huge = format!(
        "Bearer {tok}.{}",
        "A".repeat(crate::admission::jwt::MAX_TOKEN_LEN)
    );
    assert_eq!(
        v.validate(huge.as_bytes(), at),
        Err(JwtError::TokenTooLarge)
    );
}

#[test]
fn errors_and_debug_output_never_carry_token_or_claim_values() {
    let f = Fixture::new();
    let bad = [
        f.rs256(&with(claims(), "exp", json!(NOW - 3600))),
        f.rs256(&with(claims(), "aud", json!("secret-audience-value"))),
        f.rs256(&with(claims(), "iss", json!("secret-issuer-value"))),
        relabel(&f.rs256(&claims()), &json!({"alg": "secret-alg-value"})),
        relabel(
            &f.rs256(&claims()),
            &json!({"alg": "RS256", "kid": "secret-kid-value"}),
        ),
    ];
    for tok in &bad {
        let err = f.check(tok).expect_err("refused");
        for text in [err.to_string(), format!("{err:?}")] {
            for leak in ["secret-", SUBJECT, "metadata-reader", &tok[..20]] {
                assert!(!text.contains(leak), "{text} leaks {leak}");
            }
        }
    }
    let verified = f.check(&f.rs256(&claims())).expect("valid");
    let debug = format!("{verified:?}");
    assert!(
        !debug.contains(SUBJECT) && !debug.contains("metadata-reader"),
        "{debug}"
    );
}
