//! Queued payloads leave as one export request (a batch) when the
//! destination is busy, sent as the queued buffers back to back: over gRPC and
//! OTLP/HTTP, with and without gzip, the sink gets every record exactly once,
//! in messages that decode, with a correct gRPC length prefix.

use std::time::Duration;

use opentelemetry_proto::tonic::collector::logs::v1::ExportLogsServiceRequest;
use opentelemetry_proto::tonic::common::v1::{any_value::Value, AnyValue};
use opentelemetry_proto::tonic::logs::v1::{LogRecord, ResourceLogs, ScopeLogs};
use planeguard_tests::*;
use prost::Message;

const RECORDS_PER_REQUEST: usize = 5;
/// The exporter runs 4 workers: 4 requests occupy them, the rest queue up.
const REQUESTS: usize = 10;

fn logs(n: usize, tag: usize) -> Vec<u8> {
    let record = |i: usize| LogRecord {
        body: Some(AnyValue {
            value: Some(Value::StringValue(format!("request {tag} record {i} done"))),
        }),
        ..Default::default()
    };
    ExportLogsServiceRequest {
        resource_logs: vec![ResourceLogs {
            scope_logs: vec![ScopeLogs {
                log_records: (0..n).map(record).collect(),
                ..Default::default()
            }],
            ..Default::default()
        }],
    }
    .encode_to_vec()
}

async fn batched_export(protocol: &str, compression: &str) {
    let sink = Sink::start().await;
    sink.set_mode(SinkMode::Slow(Duration::from_millis(300)));
    let yaml = format!(
        r#"
admin: {{ enabled: false }}
otlp:
  grpc: {{ enabled: false }}
  http: {{ listen: "127.0.0.1:0" }}
profiles:
  metadata-plane: {{ mode: strict, allow_keys: [service.name] }}
destinations:
  metadata-plane:
    endpoint: "{}"
    protocol: {protocol}
    profile: metadata-plane
    boundary: metadata-plane
    compression: {compression}
flows:
  logs: {{ to: [metadata-plane] }}
  query_execution: {{ enabled: false }}
"#,
        sink.url()
    );
    let pg = start_planeguard(&yaml).await;
    let http = pg.bound.otlp_http.unwrap();
    for tag in 0..REQUESTS {
        let (status, _, _) = post(
            http,
            "/v1/logs",
            &[("content-type", "application/x-protobuf")],
            logs(RECORDS_PER_REQUEST, tag),
        )
        .await;
        assert_eq!(status, 200);
    }
    let got = sink
        .wait_until("every record", |g| {
            log_records(g) >= REQUESTS * RECORDS_PER_REQUEST
        })
        .await;
    assert_eq!(log_records(&got), REQUESTS * RECORDS_PER_REQUEST);
    assert!(
        got.len() < REQUESTS,
        "{protocol}/{compression}: queued requests were batched ({} exports for {REQUESTS} requests)",
        got.len()
    );
    // Each record once: the batch is the queued messages, none lost or doubled.
    let mut bodies: Vec<String> = got
        .iter()
        .filter_map(|r| ExportLogsServiceRequest::decode(r.body.clone()).ok())
        .flat_map(|m| m.resource_logs)
        .flat_map(|rl| rl.scope_logs)
        .flat_map(|sl| sl.log_records)
        .filter_map(|lr| match lr.body?.value? {
            Value::StringValue(s) => Some(s),
            _ => None,
        })
        .collect();
    bodies.sort();
    bodies.dedup();
    assert_eq!(bodies.len(), REQUESTS * RECORDS_PER_REQUEST);
    pg.shutdown().await;
}

#[tokio::test]
async fn grpc_batch_without_gzip() {
    batched_export("grpc", "none").await;
}

#[tokio::test]
async fn grpc_batch_with_gzip() {
    batched_export("grpc", "gzip").await;
}

#[tokio::test]
async fn http_batch_without_gzip() {
    batched_export("http/protobuf", "none").await;
}

#[tokio::test]
async fn http_batch_with_gzip() {
    batched_export("http/protobuf", "gzip").await;
}
