//! The official OpenTelemetry **Python** SDK as the client
//! (`tests/python/otel_canaries.py`): a second real implementation next to
//! the Rust one (grpcio's HTTP/2 and requests' HTTP/1.1 instead of tonic and
//! hyper). It plants fresh canaries of every kind in every place an
//! application puts data (span names, attribute values and keys, events,
//! exceptions, links, status messages, formatted and structured log bodies,
//! resource and scope attributes, metric data points, feature keys), over
//! OTLP/gRPC and OTLP/HTTP, each with and without gzip.
//!
//! The interpreter is `$PLANEGUARD_PYTHON`, else `tests/python/.venv/bin/python`
//! (made by `.ci/run`). Without it the test is skipped with a note, except
//! under CI (`CI` set), where it fails.

use std::process::Command;

use planeguard_tests::clients::*;
use planeguard_tests::*;

const SETUP: &str = "python3 -m venv tests/python/.venv && tests/python/.venv/bin/pip install -r tests/python/requirements.txt";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_sdk_canaries_never_reach_the_metadata_plane() {
    let python = tool("PLANEGUARD_PYTHON", "python/.venv/bin/python");
    let ready = Command::new(&python)
        .args(["-c", "import opentelemetry.sdk, opentelemetry.exporter.otlp.proto.grpc, opentelemetry.exporter.otlp.proto.http"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !available("the OpenTelemetry Python SDK", ready, SETUP) {
        return;
    }
    let (mp, cust) = (Sink::start().await, Sink::start().await);
    let pg = start_planeguard(&client_config(&mp, &cust)).await;
    let (grpc, http) = (pg.bound.otlp_grpc.unwrap(), pg.bound.otlp_http.unwrap());
    let file = CanaryFile::new(u64::from(std::process::id()));
    let mut cmd = Command::new(python);
    cmd.arg(tool("PLANEGUARD_PYTHON_SCRIPT", "python/otel_canaries.py"))
        .arg("--grpc")
        .arg(grpc.to_string())
        .arg("--http")
        .arg(format!("http://{http}"))
        .arg("--canaries")
        .arg(&file.path);
    let report = run_client(cmd).await;
    let transports = ["grpc", "grpc+gzip", "http", "http+gzip"];
    assert_exports(&report, &transports);
    // Per transport: a span and a log record per canary, plus the
    // logging.exception record and the Logs API record; two metrics.
    let expected = Expected {
        transports: transports.len(),
        extra_logs: 2,
        metrics: 2,
    };
    assert_scrubbed("Python SDK", &file, &mp, &cust, expected).await;
    pg.shutdown().await;
}
