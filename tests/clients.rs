//! Real OpenTelemetry SDKs of other languages as clients of planeguard
//! (`tests/python`, `tests/js`): the test makes fresh canaries with the
//! corpus generator, hands them to a client script as a JSON file, and checks
//! what reached each destination. The scripts only place the values; which
//! values exist and what their context is (a label, a key name, a URL) stays
//! in one place, the corpus.

use std::path::{Path, PathBuf};
use std::process::Command;

use planeguard_filters::corpus::{canary_set, Pii};
use serde_json::{json, Value};

use crate::{contains, log_records, metric_count, spans, Received, Sink};

/// planeguard in front of two sinks: the metadata plane (strict, over gRPC)
/// and the customer's backend (passthrough, over HTTP), every signal to
/// both. The allowed keys include ones that carry free text in the clients'
/// records, so that their values reach the detectors instead of the
/// `not_allowed` rule.
pub fn client_config(mp: &Sink, cust: &Sink) -> String {
    format!(
        r#"
admin: {{ listen: "127.0.0.1:0" }}
otlp:
  grpc: {{ listen: "127.0.0.1:0" }}
  http: {{ listen: "127.0.0.1:0" }}
profiles:
  metadata-plane:
    mode: strict
    allow_keys: [service.name, "telemetry.*", "http.*", note, "exception.*", resolver.name]
    features: ["user.*", "transaction.*"]
  passthrough: {{ mode: passthrough }}
destinations:
  metadata-plane: {{ endpoint: "{}", protocol: grpc, profile: metadata-plane, boundary: metadata-plane }}
  customer: {{ endpoint: "{}", protocol: http/protobuf, profile: passthrough, boundary: customer }}
flows:
  logs: {{ to: [metadata-plane, customer] }}
  traces: {{ to: [metadata-plane, customer] }}
  metrics: {{ to: [metadata-plane, customer] }}
"#,
        mp.url(),
        cust.url()
    )
}

/// Fresh canaries (every kind, both generators) and the JSON file the client
/// scripts read them from.
pub struct CanaryFile {
    pub canaries: Vec<Pii>,
    pub path: PathBuf,
}

impl CanaryFile {
    pub fn new(seed: u64) -> Self {
        let canaries = canary_set(seed, 1);
        let list: Vec<Value> = canaries
            .iter()
            .map(|p| {
                json!({
                    "kind": p.kind.name(),
                    "value": p.value,
                    "bare": p.bare,
                    "phrase": p.phrase,
                    "feature_key": p.feature_key,
                })
            })
            .collect();
        let path = std::env::temp_dir().join(format!(
            "planeguard-canaries-{}-{seed}.json",
            std::process::id()
        ));
        std::fs::write(&path, serde_json::to_vec(&list).expect("JSON")).expect("write canaries");
        Self { canaries, path }
    }
}

impl Drop for CanaryFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Runs a client script to completion; returns its JSON report (the exports
/// it made and their results). Panics with the script's stderr if it failed.
pub async fn run_client(mut cmd: Command) -> Value {
    let out = tokio::task::spawn_blocking(move || cmd.output())
        .await
        .expect("client thread")
        .expect("run the client");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let report: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "client output is not JSON ({e}): {}\nstderr:\n{stderr}",
            String::from_utf8_lossy(&out.stdout)
        )
    });
    assert!(
        out.status.success(),
        "a client export failed: {report}\n{stderr}"
    );
    report
}

/// Every signal went out over every transport and planeguard accepted each
/// export (`exports`: `[signal, transport, result]`, result `SUCCESS`).
pub fn assert_exports(report: &Value, transports: &[&str]) {
    let exports = report["exports"].as_array().expect("exports");
    assert!(exports.iter().all(|e| e[2] == "SUCCESS"), "{report}");
    for transport in transports {
        for signal in ["traces", "logs", "metrics"] {
            assert!(
                exports
                    .iter()
                    .any(|e| e[0] == *signal && e[1] == *transport),
                "no {signal} export over {transport}: {report}"
            );
        }
    }
}

/// Records each client sends per transport: a span and a log record per
/// canary, plus `extra_logs`; `metrics` metrics per collection.
pub struct Expected {
    pub transports: usize,
    pub extra_logs: usize,
    pub metrics: usize,
}

/// Waits until both destinations got every record, then checks that no
/// canary reached the metadata plane and every one arrived intact at the
/// passthrough destination (so their absence means something).
pub async fn assert_scrubbed(client: &str, file: &CanaryFile, mp: &Sink, cust: &Sink, e: Expected) {
    let n = file.canaries.len();
    let (want_spans, want_logs, want_metrics) = (
        e.transports * n,
        e.transports * (n + e.extra_logs),
        e.transports * e.metrics,
    );
    let what = format!("{want_spans} spans, {want_logs} log records, {want_metrics} metrics");
    let enough = |g: &[Received]| {
        spans(g) >= want_spans && log_records(g) >= want_logs && metric_count(g) >= want_metrics
    };
    let got = mp.wait_until(&what, enough).await;
    let delivered = cust.wait_until(&what, enough).await;
    for c in &file.canaries {
        for r in &got {
            // Where a leak is, with the bytes around it for the message.
            let at = r
                .body
                .windows(c.value.len())
                .position(|w| w == c.value.as_bytes());
            let around = at.map(|i| {
                let from = i.saturating_sub(60);
                let to = (i + c.value.len() + 20).min(r.body.len());
                String::from_utf8_lossy(&r.body[from..to]).into_owned()
            });
            assert!(
                around.is_none(),
                "{} canary {:?} (planted as {:?}) reached the metadata plane via {} ({client}), in {:?}",
                c.kind.name(),
                c.value,
                c.phrase,
                r.path,
                around
            );
        }
        assert!(
            delivered.iter().any(|r| contains(&r.body, &c.value)),
            "{} canary {:?} never arrived at the passthrough destination ({client})",
            c.kind.name(),
            c.value
        );
    }
}

/// `$var`, else `default` under the tests crate, if it exists.
pub fn tool(var: &str, default: &str) -> PathBuf {
    std::env::var_os(var)
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join(default))
}

/// Skips (returns false) when a client's runtime is missing, except under
/// CI, where it fails.
pub fn available(what: &str, ok: bool, setup: &str) -> bool {
    if !ok {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must set up {what}: {setup}"
        );
        eprintln!("skipped: {what} not set up ({setup})");
    }
    ok
}
