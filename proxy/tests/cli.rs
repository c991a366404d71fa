//! The binary as a user runs it: `check`, `flows`, `run` and SIGTERM.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_planeguard");

fn examples_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../config/examples")
}

#[test]
fn check_accepts_every_example() {
    let mut n = 0;
    for entry in std::fs::read_dir(examples_dir()).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "yaml") {
            let out = Command::new(BIN)
                .args(["check", "--config"])
                .arg(&path)
                .env("MP_TOKEN", "test-token")
                .env("DD_API_KEY", "test-key")
                .env("DT_API_TOKEN", "test-token")
                .env("PLANEGUARD_HMAC_KEY", "test-hmac-key")
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "{}: {}",
                path.display(),
                String::from_utf8_lossy(&out.stderr)
            );
            n += 1;
        }
    }
    assert!(n >= 4, "expected the example files, found {n}");
}

#[test]
fn check_points_at_file_line_column_and_key() {
    let dir = std::env::temp_dir().join(format!("pg-check-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("bad.yaml");
    std::fs::write(&file, "otlp:\n  http:\n    listne: 127.0.0.1:4318\n").unwrap();
    let out = Command::new(BIN)
        .args(["check", "--config"])
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("bad.yaml:3:5"), "{err}");
    assert!(err.contains("listen"), "suggests the right key: {err}");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn flows_prints_the_table() {
    let out = Command::new(BIN)
        .args(["flows", "--config"])
        .arg(examples_dir().join("restricted.yaml"))
        .env("MP_TOKEN", "t")
        .env("PLANEGUARD_HMAC_KEY", "k")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout).to_lowercase();
    assert!(text.contains("query execution"), "{text}");
    let out = Command::new(BIN)
        .args(["flows", "--format", "json"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(v.as_array().is_some_and(|a| a.len() >= 5));
}

#[test]
fn sigterm_drains_and_exits_zero() {
    let dir = std::env::temp_dir().join(format!("pg-run-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("run.yaml");
    std::fs::write(
        &file,
        "admin: { listen: \"127.0.0.1:0\" }\notlp:\n  grpc: { listen: \"127.0.0.1:0\" }\n  http: { listen: \"127.0.0.1:0\" }\nprofiles:\n  strict: { mode: strict }\ndestinations:\n  out: { protocol: debug, profile: strict }\nflows:\n  logs: { to: [out] }\n",
    )
    .unwrap();
    let started = Instant::now();
    let mut child = Command::new(BIN)
        .args(["run", "--config"])
        .arg(&file)
        .env("RUST_LOG", "info")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    loop {
        line.clear();
        assert!(
            stderr.read_line(&mut line).unwrap() > 0,
            "exited before ready"
        );
        if line.contains("planeguard ready") {
            break;
        }
    }
    assert!(started.elapsed() < Duration::from_secs(5));
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(st) = child.try_wait().unwrap() {
            assert!(st.success(), "exit status {st:?}");
            break;
        }
        assert!(Instant::now() < deadline, "did not exit after SIGTERM");
        std::thread::sleep(Duration::from_millis(20));
    }
    std::fs::remove_dir_all(&dir).ok();
}
