//! url_secret in its `name: value` form: password-like names before `:`
//! (and `=`) hide the value after them; prose-like names do not.

use super::{assert_not, scan};

fn secrets(text: &str) -> Vec<String> {
    scan(text)
        .into_iter()
        .filter(|(d, _)| d == "url_secret")
        .map(|(_, v)| v)
        .collect()
}

#[track_caller]
fn assert_secret(text: &str, want: &str) {
    assert_eq!(secrets(text), vec![want.to_string()], "{text:?}");
}

#[test]
fn colon_forms() {
    for (text, want) in [
        ("password: hunter2", "hunter2"),
        ("Password:hunter2", "hunter2"),
        ("passwd : hunter2", "hunter2"),
        ("pwd: s3cr3t!", "s3cr3t!"),
        ("secret: abc123", "abc123"),
        ("client_secret: abc123", "abc123"),
        ("clientSecret: abc123", "abc123"),
        ("api_key: abc123", "abc123"),
        ("apiKey: abc123", "abc123"),
        ("x-api-key: abc123", "abc123"),
        ("X-Auth-Token: abc123", "abc123"),
        ("access_token: abc123", "abc123"),
        ("refreshToken: abc123", "abc123"),
        ("private_key: abc123", "abc123"),
        ("db.password: hunter2", "hunter2"),
        ("DB_PASSWORD: hunter2", "hunter2"),
        ("passphrase: correct horse", "correct"),
        ("password: \"hunter 2\"", "hunter 2"),
        ("{\"password\": \"hunter2\"}", "hunter2"),
        ("{\\\"password\\\":\\\"hunter2\\\"}", "hunter2"),
        (
            "login failed user=bob password: hunter2, retrying",
            "hunter2",
        ),
    ] {
        assert_secret(text, want);
    }
}

#[test]
fn equals_forms_with_password_like_names() {
    for (text, want) in [
        ("db_password=hunter2", "hunter2"),
        ("STRIPE_SECRET=abc123", "abc123"),
        ("github_token=abc123", "abc123"),
        ("password=hunter2", "hunter2"),
        ("token=abc123", "abc123"),
    ] {
        assert_secret(text, want);
    }
}

#[test]
fn prose_names_and_other_names_survive() {
    for text in [
        "token: expired",
        "auth: ok",
        "sig: none",
        "tokens: 512",
        "max_tokens: 4096",
        "mytoken: abc",
        "x.token: abc",
        "my-token=abc",
        "passwordless: true",
        "password_policy: strict",
        "secrets_count: 3",
        "budget: elapsed=5ms",
        "key: value",
        "cache_key=abc",
        "password reset requested for user",
        "password:",
    ] {
        assert_not("url_secret", text);
    }
}

#[test]
fn one_word_after_a_prose_colon_is_redacted() {
    // Accepted over-redaction: the word after `password:` goes.
    assert_secret("password: reset requested", "reset");
}
