//! Secret references: resolved at load time, errors name the key path and never the value.

use std::path::PathBuf;

use planeguard_config::Config;

/// A scratch directory unique to this test process and test name.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("planeguard-config-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
    dir
}

fn with_header(value: &str) -> String {
    format!(
        "profiles:\n  p: {{}}\ndestinations:\n  mp:\n    endpoint: https://otel.example.com\n    profile: p\n    headers:\n      authorization: \"{value}\"\n"
    )
}

#[test]
fn env_reference_present() {
    std::env::set_var("PLANEGUARD_TEST_ENV_PRESENT", "s3cr3t-env-value");
    let c = Config::from_yaml_str(
        &with_header("Bearer ${env:PLANEGUARD_TEST_ENV_PRESENT}"),
        "t.yaml",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let h = &c.destinations["mp"].headers["authorization"];
    assert_eq!(h.expose(), "Bearer s3cr3t-env-value");
    assert_eq!(h.to_string(), "[secret]");
    let debug = format!("{c:?}");
    assert!(
        !debug.contains("s3cr3t-env-value"),
        "Debug leaked the secret"
    );
    let json = serde_json::to_string(&c).unwrap_or_default();
    assert!(
        json.contains("[secret]") && !json.contains("s3cr3t-env-value"),
        "{json}"
    );
}

#[test]
fn env_reference_missing() {
    let err = Config::from_yaml_str(
        &with_header("Bearer ${env:PLANEGUARD_TEST_ENV_MISSING}"),
        "t.yaml",
    )
    .err()
    .map(|e| e.to_string())
    .unwrap_or_default();
    assert_eq!(
        err,
        "t.yaml:8:22: key path `destinations.mp.headers.authorization`: environment variable `PLANEGUARD_TEST_ENV_MISSING` (from `${env:PLANEGUARD_TEST_ENV_MISSING}`) is not set"
    );
}

#[test]
fn file_reference_present_trims_one_newline() {
    let dir = scratch("present");
    let key = dir.join("hmac.key");
    std::fs::write(&key, "file-secret-0123456789\n\n").unwrap_or_else(|e| panic!("{e}"));
    let src = format!(
        "profiles:\n  p:\n    hash_keys: [q]\n    hash_key: ${{file:{}}}\n",
        key.display()
    );
    let c = Config::from_yaml_str(&src, "t.yaml").unwrap_or_else(|e| panic!("{e}"));
    let k = c.profiles["p"]
        .hash_key
        .as_ref()
        .map(|s| s.expose().to_owned());
    assert_eq!(k.as_deref(), Some("file-secret-0123456789\n"));
    assert!(!format!("{c:?}").contains("file-secret"));
}

#[test]
fn relative_file_reference_is_taken_from_the_config_directory() {
    let dir = scratch("relative");
    std::fs::create_dir_all(dir.join("secrets")).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(dir.join("secrets/token"), "relative-token\n").unwrap_or_else(|e| panic!("{e}"));
    let cfg = dir.join("planeguard.yaml");
    std::fs::write(&cfg, with_header("${file:secrets/token}")).unwrap_or_else(|e| panic!("{e}"));
    let c = Config::load(&cfg).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        c.destinations["mp"].headers["authorization"].expose(),
        "relative-token"
    );
}

#[test]
fn file_reference_missing() {
    let err = Config::from_yaml_str(
        &with_header("${file:/nonexistent/planeguard/token}"),
        "t.yaml",
    )
    .err()
    .map(|e| e.to_string())
    .unwrap_or_default();
    assert_eq!(
        err,
        "t.yaml:8:22: key path `destinations.mp.headers.authorization`: cannot read secret file `/nonexistent/planeguard/token`: no such file"
    );
}

#[test]
fn all_secret_problems_are_reported_and_no_value_is_printed() {
    std::env::set_var("PLANEGUARD_TEST_SHORT_KEY", "tiny-key-value");
    let src = "profiles:\n  p:\n    hash_keys: [q]\n    hash_key: ${env:PLANEGUARD_TEST_SHORT_KEY}\ndestinations:\n  d:\n    endpoint: https://x.example.com\n    profile: p\n    headers:\n      a: \"literal-value ${vault:x}\"\n      b: ${env:PLANEGUARD_TEST_NOT_SET_EITHER}\n";
    let err = Config::from_yaml_str(src, "t.yaml")
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(
        lines,
        [
            "t.yaml:4:15: key path `profiles.p.hash_key`: the hash key is shorter than 16 bytes; hashes of short values could be guessed",
            "t.yaml:10:10: key path `destinations.d.headers.a`: unknown secret reference; write `${env:NAME}` or `${file:/path}` (`$${` for a literal `${`)",
            "t.yaml:11:10: key path `destinations.d.headers.b`: environment variable `PLANEGUARD_TEST_NOT_SET_EITHER` (from `${env:PLANEGUARD_TEST_NOT_SET_EITHER}`) is not set",
        ]
    );
    assert!(!err.contains("tiny-key-value") && !err.contains("literal-value"));
}
