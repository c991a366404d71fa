//! jwt, aws_access_key_id, aws_secret_access_key, bearer_token.

use super::{assert_none, assert_not, assert_one, scan, scan_key};

const JWT: &str = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U";
const JWT_UNSIGNED: &str = "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.";
const SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

#[test]
fn jwt_positives() {
    assert_one("jwt", JWT, JWT);
    assert_one("jwt", &format!("token={JWT};"), JWT);
    assert_one("jwt", &format!("{{\"id_token_hint\":\"{JWT}\"}}"), JWT);
    assert_one("jwt", &format!("got {JWT_UNSIGNED} here"), JWT_UNSIGNED);
}

#[test]
fn jwt_look_alikes_survive() {
    for text in [
        "eyJmb28iOiJiYXIifQ==",                 // base64 JSON, not a JWT
        "eyJhbGciOiJIUzI1NiJ9",                 // header only
        "eyJhbGciOiJIUzI1NiJ9.",                // header and dot
        "eyJh.eyJzdWIiOiIxMjM0NTY3ODkwIn0.sig", // header too short
        "SGVsbG8gd29ybGQhIFRoaXMgaXMgYmFzZTY0Lg==",
        "xeyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.abc",
    ] {
        assert_not("jwt", text);
    }
}

#[test]
fn aws_access_key_ids() {
    assert_one(
        "aws_access_key_id",
        "AKIAIOSFODNN7EXAMPLE",
        "AKIAIOSFODNN7EXAMPLE",
    );
    assert_one(
        "aws_access_key_id",
        "key=ASIAY34FZKBOKMUTVV7A,",
        "ASIAY34FZKBOKMUTVV7A",
    );
    assert_one(
        "aws_access_key_id",
        "(AROAJQABLZS4A3QDU576)",
        "AROAJQABLZS4A3QDU576",
    );
    for text in [
        "AKIAIOSFODNN7EXAMPL",   // 19 chars
        "AKIAIOSFODNN7EXAMPLEX", // 21 chars
        "XAKIAIOSFODNN7EXAMPLE",
        "AKIAIOSFODNN1EXAMPLE", // 1 is not base32
        "AKIAiosfodnn7example",
        "AXXAIOSFODNN7EXAMPLE",
    ] {
        assert_not("aws_access_key_id", text);
    }
}

#[test]
fn aws_secret_after_key_names() {
    for text in [
        format!("aws_secret_access_key={SECRET}"),
        format!("AWS_SECRET_ACCESS_KEY={SECRET}\n"),
        format!("{{\"SecretAccessKey\":\"{SECRET}\"}}"),
        format!("secret_access_key: {SECRET}"),
        format!("aws_secret_access_key = '{SECRET}'"),
    ] {
        assert_one("aws_secret_access_key", &text, SECRET);
    }
    // The same 40 characters without a telling key name are left alone.
    assert_none(&format!("blob {SECRET}"));
    // Under the name, a value that runs on past 40 characters of the key
    // alphabet (a URL path, binary framing) goes whole: fail closed.
    assert_one(
        "aws_secret_access_key",
        &format!("aws_secret_access_key={SECRET}/features?x=1"),
        &format!("{SECRET}/features"),
    );
    assert_one(
        "aws_secret_access_key",
        &format!("aws_secret_access_key={SECRET}\u{10}\u{1}rest"),
        SECRET,
    );
    // Shorter than a key: not one.
    assert_not(
        "aws_secret_access_key",
        &format!("aws_secret_access_key={}", &SECRET[..39]),
    );
}

#[test]
fn aws_secret_in_key_context() {
    let hit = vec![("aws_secret_access_key".to_string(), SECRET.to_string())];
    assert_eq!(scan_key("aws.secret_access_key", SECRET), hit);
    assert_eq!(scan_key("AWS_SECRET", SECRET), hit);
    assert_eq!(scan_key("config.secretAccessKey", SECRET), hit);
    assert_eq!(scan_key("aws.region", SECRET), vec![]);
    assert_eq!(scan_key("aws.secret_access_key", "short"), vec![]);
}

#[test]
fn bearer_tokens() {
    for (text, want) in [
        ("Authorization: Bearer abc.def.ghi", "abc.def.ghi"),
        ("authorization=Bearer sk_live_51Hx", "sk_live_51Hx"),
        ("\"Authorization\":\"Basic dXNlcjpwYXNz\"", "dXNlcjpwYXNz"),
        (
            "Authorization: Token 9944b09199c62bcf9418ad846dd0e4bbdfc6ee4b",
            "9944b09199c62bcf9418ad846dd0e4bbdfc6ee4b",
        ),
        ("Authorization: abcdef123456", "abcdef123456"),
        (
            "sent Bearer abcDEF123456789xyz to api",
            "abcDEF123456789xyz",
        ),
        ("using bearer mF_9.B5f-4.1JqM", "mF_9.B5f-4.1JqM"),
        ("Basic dXNlcjpwYXNzd29yZA==.", "dXNlcjpwYXNzd29yZA=="),
        // Glued to a length byte of binary framing (a bytes value).
        ("\u{a}3Bearer abcDEF123456789xyz", "abcDEF123456789xyz"),
        (
            "\u{a}LBearer ya29.abcDEF123456789xyz",
            "ya29.abcDEF123456789xyz",
        ),
        (
            "xToken 9944b09199c62bcf9418ad846dd0e4bb",
            "9944b09199c62bcf9418ad846dd0e4bb",
        ),
    ] {
        assert_one("bearer_token", text, want);
    }
    assert_eq!(
        scan(&format!("Authorization: Bearer {JWT}")),
        vec![("jwt".to_string(), JWT.to_string())]
    );
}

#[test]
fn bearer_look_alikes_survive() {
    for text in [
        "Basic authentication failed",
        "Bearer token missing",
        "Token validation failed for request",
        "Token expired",
        "bearer abcdefgh",
        "Authorization: failed",
        "Authorization header missing",
    ] {
        assert_none(text);
    }
}

#[test]
fn authorization_keys_redact_whole_value() {
    let hit = |v: &str| vec![("bearer_token".to_string(), v.to_string())];
    assert_eq!(
        scan_key("http.request.header.authorization", "Bearer abc"),
        hit("Bearer abc")
    );
    assert_eq!(scan_key("Authorization", " xyz "), hit("xyz"));
    assert_eq!(
        scan_key("http.request.header.content-type", "Bearer abc"),
        vec![]
    );
}

/// An AWS secret access key written right after its key id is found without
/// its key name; the same run alone, or far from the id, is not.
#[test]
fn aws_secret_next_to_its_key_id() {
    const ID: &str = "AKIAIOSFODNN7EXAMPLE";
    const SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
    for text in [
        format!("{ID} {SECRET}"),
        format!("{ID},{SECRET},us-east-1"),
        format!("key {ID} secret: {SECRET}"),
        format!("\"{ID}\":\"{SECRET}\""),
        format!("{ID}\t{SECRET}\n"),
    ] {
        let found = super::scan(&text);
        assert!(
            found.contains(&("aws_secret_access_key".to_string(), SECRET.to_string())),
            "{text}: {found:?}"
        );
        assert!(
            found.contains(&("aws_access_key_id".to_string(), ID.to_string())),
            "{text}"
        );
    }
    for text in [
        SECRET.to_string(),
        format!("{ID} {SECRET}MORE"),
        format!("{ID} {SECRET}=="),
        format!("{ID} for the account of the customer {SECRET}"),
        format!("{ID} used by 3f9a8b7c6d5e4f3a2b1c3f9a8b7c6d5e4f3a2b1c"),
    ] {
        assert!(
            !super::scan(&text)
                .iter()
                .any(|(d, _)| d == "aws_secret_access_key"),
            "{text}"
        );
    }
}
