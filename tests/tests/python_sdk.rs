//! The official OpenTelemetry **Python** SDK as the client (`tests/python/otel_canaries.py`):
//! a second real implementation next to the Rust one (grpcio's HTTP/2 and
//! requests' HTTP/1.1 instead of tonic and hyper), sending freshly made canary
//! PII and secrets of many kinds in every place an application puts data
//! (resource and scope attributes, span names, events, exceptions, links,
//! status messages, formatted and structured log bodies, nested attributes,
//! metric data points), over
//! OTLP/gRPC and OTLP/HTTP, with and without gzip.
//!
//! The interpreter is `$PLANEGUARD_PYTHON`, else `tests/python/.venv/bin/python`
//! (made by `.ci/run`: `python3 -m venv tests/python/.venv && tests/python/.venv/bin/pip
//! install -r tests/python/requirements.txt`). Without it the test is skipped
//! with a note, except under CI (`CI` set), where it fails.

use std::path::PathBuf;
use std::process::Command;

use planeguard_tests::*;
use serde_json::Value;

fn config(mp: &Sink, cust: &Sink) -> String {
    format!(
        r#"
admin: {{ listen: "127.0.0.1:0" }}
otlp:
  grpc: {{ listen: "127.0.0.1:0" }}
  http: {{ listen: "127.0.0.1:0" }}
profiles:
  metadata-plane:
    mode: strict
    allow_keys: [service.name, "telemetry.*"]
    features: [user.segment]
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

/// The Python interpreter with the SDK installed, if any.
fn python() -> Option<PathBuf> {
    let candidate = std::env::var_os("PLANEGUARD_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("python/.venv/bin/python")
        });
    let usable = Command::new(&candidate)
        .args(["-c", "import opentelemetry.sdk, opentelemetry.exporter.otlp.proto.grpc, opentelemetry.exporter.otlp.proto.http"])
        .output()
        .is_ok_and(|o| o.status.success());
    usable.then_some(candidate)
}

/// The forms a canary can take in a payload: as planted, and for the
/// card its bare digits (a scrubber that keeps the digits leaks the card).
fn forms(kind: &str, value: &str) -> Vec<String> {
    let mut v = vec![value.to_string()];
    match kind {
        "card" => v.push(value.replace(' ', "")),
        // The JWT header is the same for every HS256 token: only the claims
        // and the signature are the secret.
        "jwt" => {
            v = value.split('.').skip(1).map(str::to_string).collect();
            v.push(value.to_string());
        }
        _ => {}
    }
    v
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_sdk_canaries_never_reach_the_metadata_plane() {
    let Some(python) = python() else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must install the Python SDK (tests/python/requirements.txt); see .ci/run"
        );
        eprintln!(
            "skipped: no Python with the OpenTelemetry SDK (see tests/python/requirements.txt)"
        );
        return;
    };
    let (mp, cust) = (Sink::start().await, Sink::start().await);
    let pg = start_planeguard(&config(&mp, &cust)).await;
    let (grpc, http) = (pg.bound.otlp_grpc.unwrap(), pg.bound.otlp_http.unwrap());
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("python/otel_canaries.py");
    let out = tokio::task::spawn_blocking(move || {
        Command::new(python)
            .arg(script)
            .arg("--grpc")
            .arg(grpc.to_string())
            .arg("--http")
            .arg(format!("http://{http}"))
            .arg("--seed")
            .arg(std::process::id().to_string())
            .output()
            .expect("run the Python SDK")
    })
    .await
    .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let report: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("script output is not JSON ({e}); stderr:\n{stderr}"));
    assert!(
        out.status.success(),
        "an SDK export failed: {report}\n{stderr}"
    );
    // Every signal went out over every transport, and planeguard accepted
    // each export.
    let exports = report["exports"].as_array().expect("exports");
    assert!(exports.iter().all(|e| e[2] == "SUCCESS"), "{report}");
    for transport in ["grpc", "grpc+gzip", "http", "http+gzip"] {
        for signal in ["traces", "logs", "metrics"] {
            assert!(
                exports.iter().any(|e| e[0] == signal && e[1] == transport),
                "no {signal} export over {transport}: {report}"
            );
        }
    }

    // Per transport 2 spans, 5 log records and 3 metrics: all of them must
    // arrive at both destinations (nothing dropped on the way).
    let enough = |g: &[Received]| spans(g) >= 8 && log_records(g) >= 20 && metric_count(g) >= 12;
    let got = mp
        .wait_until("8 spans, 20 log records, 12 metrics", enough)
        .await;
    let delivered = cust
        .wait_until("8 spans, 20 log records, 12 metrics", enough)
        .await;
    let canaries = report["canaries"].as_object().expect("canaries");
    assert!(canaries.len() >= 10, "{report}");
    for (kind, value) in canaries {
        let value = value.as_str().expect("canary string");
        for form in forms(kind, value) {
            for r in &got {
                assert!(
                    !contains(&r.body, &form),
                    "{kind} canary {form:?} reached the metadata plane via {} (Python SDK)",
                    r.path
                );
            }
        }
        // The customer's own backend gets the data intact: the canaries
        // were really sent, so their absence above means something.
        assert!(
            delivered.iter().any(|r| contains(&r.body, value)),
            "{kind} canary {value:?} never arrived at the passthrough destination"
        );
    }
    assert!(
        got.iter().any(|r| contains(&r.body, "py-canary")),
        "allowed values survive at the metadata plane"
    );
    pg.shutdown().await;
}
