//! private_key: PEM private key blocks, whole, with real or escaped line
//! breaks, and cut short; certificates and public keys left alone.

use super::{assert_none, assert_not, assert_one, scan};

const BODY: &str = "MIIBOgIBAAJBAKj34GkxFhD90vcNLYLInFEX6Ppy1tPf9Cnzj4p4WGeKLs1Pt8Qu\nKUpRKfFLfRYC9AIKjbJTWit+CqvjWYzvQwECAwEAAQJAIJLixBy2qpFoS4DSmoEm\no3qGy0t6z09AIJtH+5OeRV1be+N4cDYJKffGzDa88vQENZiRm0GRq6a+HPGQMd2k";

fn block(label: &str, sep: &str) -> String {
    format!(
        "-----BEGIN {label}-----{sep}{}{sep}-----END {label}-----",
        BODY.replace('\n', sep)
    )
}

#[test]
fn whole_blocks() {
    for label in [
        "PRIVATE KEY",
        "RSA PRIVATE KEY",
        "EC PRIVATE KEY",
        "DSA PRIVATE KEY",
        "OPENSSH PRIVATE KEY",
        "ENCRYPTED PRIVATE KEY",
        "PGP PRIVATE KEY BLOCK",
    ] {
        for sep in ["\n", "\r\n", "\\n", " ", "\\\\n"] {
            let b = block(label, sep);
            assert_one("private_key", &b, &b);
            assert_one("private_key", &format!("loaded key: {b} ok"), &b);
            assert_one(
                "private_key",
                &format!("{{\"key\":\"{b}\",\"kid\":\"k1\"}}"),
                &b,
            );
        }
    }
}

#[test]
fn encrypted_legacy_headers_are_inside_the_block() {
    let b = format!(
        "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,3F17F5316E2BAC89\n\n{BODY}\n-----END RSA PRIVATE KEY-----"
    );
    assert_one("private_key", &format!("x {b} y"), &b);
}

#[test]
fn blocks_cut_short_are_redacted_to_the_end_of_the_key_text() {
    let begin = "-----BEGIN RSA PRIVATE KEY-----\\n";
    let cut = format!("{begin}{}", BODY.replace('\n', "\\n"));
    assert_one("private_key", &cut, &cut);
    assert_one("private_key", &format!("\"{cut}\" (truncated)"), &cut);
    // Cut inside the END line.
    let partial = format!("{cut}\\n-----END RSA PRIV");
    assert_one("private_key", &partial, &partial);
}

#[test]
fn public_material_and_look_alikes_survive() {
    for text in [
        "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUQ1\n-----END CERTIFICATE-----",
        "-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE\n-----END PUBLIC KEY-----",
        "-----BEGIN RSA PUBLIC KEY-----\nMEgCQQCo9+BpMRYQ/dL3DS2CyJxRF+j6\n-----END RSA PUBLIC KEY-----",
        "BEGIN PRIVATE KEY",
        "--BEGIN PRIVATE KEY--",
        "-----BEGIN PRIVATE KEY",
        "private key rotation scheduled",
    ] {
        assert_not("private_key", text);
    }
    assert_none("-----BEGIN CERTIFICATE-----");
}

#[test]
fn text_after_a_whole_block_is_still_scanned() {
    let b = block("PRIVATE KEY", "\n");
    let found = scan(&format!("{b} owner jane.doe@example.com"));
    assert_eq!(
        found,
        vec![
            ("private_key".to_string(), b),
            ("email".to_string(), "jane.doe@example.com".to_string())
        ]
    );
}
