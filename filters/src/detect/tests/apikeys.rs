//! api_key: vendor keys and tokens with a well-known prefix, found whole in
//! free text, and identifiers that share a prefix left alone.

use super::{assert_not, assert_one, scan};

/// Keys in the vendors' real formats (made-up bodies).
const KEYS: [&str; 20] = [
    "sk_live_51HqLyjWDarjtT1zdp7dcXyZ",
    "sk_test_4eC39HqLyjWDarjtT1zdp7dc",
    "rk_live_9aB8cD7eF6gH5iJ4kL3mN2oP",
    "pk_test_TYooMQauvdEDq54NiTphI7jx",
    "whsec_Q2x9vTz8LmN4pR7sK1yW3bH6dF0gJ5cA",
    "ghp_R4nd0mT0k3nV4lu3W1thTh1rtyS1xCh4rz",
    "gho_16C7e42F292c6912E7710c838347Ae178B4a",
    "github_pat_11ABCDEFG0123456789abc_0123456789abcdefghijABCDEFGHIJ0123456789abcdefghijKLMNOPQRSTUV",
    "xoxb-17653672481-19874698323-pdFZKVeTuE8sk7oOcBrzbqgy",
    "xoxp-1234567890-1234567890-1234567890-abcdef0123456789abcdef0123456789",
    "xapp-1-A0123456789-1234567890123-abcdef0123456789abcdef0123456789abcdef",
    "AIzaSyDdI0hCZtE6vySjMm-WEfRq3CPzqKqqsHI",
    "sk-proj-Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4z-A_bC7dE0fG3hI6jK9lM",
    "sk-ant-api03-Xy7Zq2Wv9Ut4Sr1Qp6On3Ml8Kj5Ih0Gf-Ed2Cb7Az4Yx9Wv",
    "sk-T3BlbkFJx4Ab9Cd2Ef7Gh1Ij6Kl0Mn5Op8Qr3St7Uv2Wx9Yz4Ab1Cd",
    "glpat-xR4nd0mT0k3nV4lu3W1t",
    "npm_R4nd0mT0k3nV4lu3W1thTh1rtyS1xCh4rz",
    "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",
    "SK0123456789abcdef0123456789abcdef",
    "ya29.a0AfH6SMBx3R4nd0mT0k3nV4lu3W1thTh1rty",
];

#[test]
fn keys_alone_and_in_text() {
    for key in KEYS {
        assert_one("api_key", key, key);
        for text in [
            format!("using key {key} for checkout"),
            format!("STRIPE_KEY={key}"),
            format!("{{\"token\":\"{key}\"}}"),
            format!("config.{key} loaded"),
            format!("«ctx» \"{key}\"\t(ok)"),
        ] {
            let found = scan(&text);
            assert!(
                found.contains(&("api_key".to_string(), key.to_string())),
                "{text:?}: {found:?}"
            );
        }
    }
}

#[test]
fn every_body_position_of_the_first_capital_is_found() {
    // The pass reaches a body at its first capital wherever it stands (in
    // the first bytes of the word, or deep in it), or at a leading digit run.
    let body = "abcdefghijklmnopqrstuvwxyz0123456789";
    for k in 0..body.len() {
        let mut b = body.to_string();
        b.replace_range(k..=k, "Q");
        let key = format!("ghp_{b}");
        assert_one("api_key", &format!("key {key} rotated"), &key);
    }
    // Later segments of a base64url body, after segments with no stop
    // (or none at all).
    for key in [
        "sk-proj-abc-def_Q6WhQTVpzYCc9UTBvFJoNKOSOLu62M9o3zwgh4",
        "sk-proj-_UnT3Q6WhQTVpzY_Cc9UTBvFJoNKOSOLu62M9o3zwgh4oh",
        "sk-ant-api03--x9-Q6WhQTVpzYCc9UTBvFJoNKOSOLu62M9o3zwgh4",
    ] {
        assert_one("api_key", &format!("key {key} rotated"), key);
    }
    assert_one(
        "api_key",
        "npm_0123456789abcdefghijklmnopqrstuvwxyz",
        "npm_0123456789abcdefghijklmnopqrstuvwxyz",
    );
}

#[test]
fn identifiers_sharing_a_prefix_survive() {
    for text in [
        "sk_test_mode",
        "sk_live_enabled=true",
        "sk_test_connectionpoolsizelimit",
        "ghp_config",
        "ghp_ABCDEFGHIJ",
        "gho_Short1",
        "xoxb-bot",
        "xoxb-dev-workspace-channel-name",
        "sk-learn 1.3.2",
        "sk-learn-Pipeline-Transformer-Estimator-V2",
        "task-Runner-Worker-Thread-Pool-Size-Limit-01",
        "AIzaShort",
        "AIzaSyDdI0hCZtE6vySjMm-WEfRq3CPzqKqqsHIX",
        "SKU0123456789abcdef0123456789abcdef",
        "SK0123456789ABCDEF0123456789ABCDEF",
        "SG.short.value",
        "npm_config_cache=/tmp/npm",
        "hf_hub_download",
        "my_ghp_R4nd0mT0k3nV4lu3W1thTh1rtyS1xCh4rz",
        "xsk_live_51HqLyjWDarjtT1zdp7dcXyZ",
        "ya29.short",
        "glpat-abcdefghijklmnopqrstuvwxyz",
        "uuid=550e8400-e29b-41d4-a716-446655440000 sk_test_mode",
    ] {
        assert_not("api_key", text);
    }
}

#[test]
fn bearer_tokens_keep_their_kind() {
    // A key after `Bearer` is a bearer token, as before this detector.
    let key = KEYS[6];
    assert_one("bearer_token", &format!("Bearer {key}"), key);
    assert_one("bearer_token", &format!("Authorization: Bearer {key}"), key);
}

#[test]
fn keys_are_found_at_every_offset() {
    // Whatever byte of a vector of the pass the key and its first capital
    // fall on (a digit at a vector's end stays a stop, and its word is
    // then looked at from its start).
    for key in [
        "glpat-c-7hUG_JRTuHztq7KY9f",
        "ghp_7hUGJRTuHztq7KY9fJRTuHztq7KY9fJRTu",
        "sk-proj--5s9AG0g_b9EanzojLm-KUuz2HEOmi3ZOUNx7gNGlk_A3fZhh8nEKObw",
    ] {
        for n in 0..70 {
            let text = format!("{}{key} ok", " ".repeat(n));
            assert_one("api_key", &text, key);
        }
    }
}
