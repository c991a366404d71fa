//! The official OpenTelemetry **JavaScript** SDK as the client
//! (`tests/js/otel_canaries.js`) with all three of its exporters: OTLP/HTTP
//! with JSON (the JSON transport as a real SDK encodes it), OTLP/HTTP with
//! protobuf, and OTLP/gRPC over grpc-js (a third HTTP/2 stack). It plants fresh canaries of every
//! kind in span names, attribute values and keys, events, exceptions, links,
//! status messages, string and structured log bodies, resource attributes,
//! metric data points and feature keys, with and without gzip.
//!
//! Node is `$PLANEGUARD_NODE`, else `node`; the packages are those of
//! `tests/js/package-lock.json` (`npm ci --prefix tests/js`, done by
//! `.ci/run`). Without them the test is skipped with a note, except under CI
//! (`CI` set), where it fails.

use std::process::Command;

use planeguard_tests::clients::*;
use planeguard_tests::*;

const SETUP: &str = "npm ci --prefix tests/js";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn js_sdk_canaries_never_reach_the_metadata_plane() {
    let node = std::env::var_os("PLANEGUARD_NODE").unwrap_or_else(|| "node".into());
    let script = tool("PLANEGUARD_JS_SCRIPT", "js/otel_canaries.js");
    let installed = script.parent().is_some_and(|d| {
        d.join("node_modules/@opentelemetry/sdk-trace-base")
            .is_dir()
    });
    let runs = Command::new(&node)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !available("the OpenTelemetry JavaScript SDK", installed && runs, SETUP) {
        return;
    }
    let (mp, cust) = (Sink::start().await, Sink::start().await);
    let pg = start_planeguard(&client_config(&mp, &cust)).await;
    let (grpc, http) = (pg.bound.otlp_grpc.unwrap(), pg.bound.otlp_http.unwrap());
    let file = CanaryFile::new(u64::from(std::process::id()) ^ 0x5eed);
    let mut cmd = Command::new(node);
    cmd.arg(script)
        .arg("--grpc")
        .arg(format!("http://{grpc}"))
        .arg("--http")
        .arg(format!("http://{http}"))
        .arg("--canaries")
        .arg(&file.path);
    let report = run_client(cmd).await;
    let transports = [
        "http/json",
        "http/json+gzip",
        "http/protobuf",
        "grpc",
        "grpc+gzip",
    ];
    assert_exports(&report, &transports);
    // Per transport: a span and a log record per canary, plus a structured
    // and an exception log record; two metrics.
    let expected = Expected {
        transports: transports.len(),
        extra_logs: 2,
        metrics: 2,
    };
    assert_scrubbed("JavaScript SDK", &file, &mp, &cust, expected).await;
    pg.shutdown().await;
}
