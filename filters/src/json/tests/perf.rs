//! Throughput measurement (not a pass/fail test): run with
//! `cargo test --release -p planeguard-filters --lib json::tests::perf -- --ignored --nocapture`.

use std::time::Instant;

use super::fixtures::*;
use super::*;
use opentelemetry_proto::tonic::common::v1::any_value::Value;

/// ~300-byte log records with a handful of typical attributes.
fn corpus(records: usize) -> Vec<u8> {
    let mut req = logs();
    let template = req.resource_logs[0].scope_logs[0].log_records[0].clone();
    req.resource_logs[0].scope_logs[0].log_records = (0..records)
        .map(|i| {
            let mut r = template.clone();
            r.body = any(text(&format!(
                "request {i} served for tenant acme in 12ms, cache=hit, shard=eu-west-1"
            )));
            r.attributes = vec![
                kv("http.route", text("/api/v1/items/{id}")),
                kv("http.response.status_code", Value::IntValue(200)),
                kv("customer.id", text(&format!("c-{i}"))),
                kv("latency_ms", Value::DoubleValue(12.5)),
            ];
            r.severity_text = "INFO".into();
            r.event_name.clear();
            r
        })
        .collect();
    to_json!(req)
}

fn measure(label: &str, bytes: usize, mut f: impl FnMut()) {
    f();
    let rounds = 200;
    let start = Instant::now();
    for _ in 0..rounds {
        f();
    }
    let secs = start.elapsed().as_secs_f64();
    eprintln!(
        "{label:>28}: {:8.1} MB/s",
        (bytes * rounds) as f64 / secs / 1e6
    );
}

#[test]
#[ignore = "throughput measurement; run in release with --ignored --nocapture"]
fn throughput() {
    let input = corpus(1000);
    eprintln!(
        "corpus: {} bytes, {} per record",
        input.len(),
        input.len() / 1000
    );
    let mut out = Vec::with_capacity(input.len());
    for (label, p) in [
        ("strict scrub", strict()),
        ("neutral (detect) scrub", neutral()),
    ] {
        let s = scrubber(&p);
        measure(label, input.len(), || {
            s.scrub(Signal::Logs, Encoding::Json, &input, &mut out)
                .unwrap();
        });
    }
    let s = scrubber(&strict());
    measure("validate only", input.len(), || {
        s.validate(Signal::Logs, Encoding::Json, &input).unwrap();
    });
    measure("serde_json::Value parse", input.len(), || {
        let _: serde_json::Value = serde_json::from_slice(&input).unwrap();
    });
}
