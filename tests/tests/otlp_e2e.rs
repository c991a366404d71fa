//! End to end over loopback: every transport and encoding, through planeguard,
//! to a metadata-plane sink (strict profile) and a customer sink (passthrough).

use std::time::Duration;

use opentelemetry_proto::tonic::collector::logs::v1::{
    ExportLogsServiceRequest, ExportLogsServiceResponse,
};
use opentelemetry_proto::tonic::collector::metrics::v1::ExportMetricsServiceRequest;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::{any_value::Value, AnyValue, KeyValue};
use opentelemetry_proto::tonic::logs::v1::{LogRecord, ResourceLogs, ScopeLogs};
use opentelemetry_proto::tonic::metrics::v1::{
    metric, Gauge, Metric, NumberDataPoint, ResourceMetrics, ScopeMetrics,
};
use opentelemetry_proto::tonic::resource::v1::Resource;
use opentelemetry_proto::tonic::trace::v1::{ResourceSpans, ScopeSpans, Span};
use planeguard_tests::*;
use prost::Message;

const EMAIL: &str = "maria.garcia@example.org";
const CARD: &str = "4111 1111 1111 1111";
const FEATURE: &str = "user.credit_score=812";

fn config(mp: &Sink, cust: &Sink, extra_flows: &str) -> String {
    format!(
        r#"
admin: {{ listen: "127.0.0.1:0" }}
otlp:
  grpc: {{ listen: "127.0.0.1:0" }}
  http: {{ listen: "127.0.0.1:0" }}
  max_request_bytes: 1048576
profiles:
  metadata-plane:
    mode: strict
    allow_keys: [service.name, resolver.name, latency_ms, "http.*"]
    features: ["user.*", "transaction.*"]
  passthrough: {{ mode: passthrough }}
destinations:
  metadata-plane:
    endpoint: "{mp}"
    protocol: http/protobuf
    profile: metadata-plane
    boundary: metadata-plane
    compression: none
    retry: {{ initial_interval: 50ms, max_interval: 200ms, max_elapsed_time: 2s }}
  customer:
    endpoint: "{cust}"
    protocol: grpc
    profile: passthrough
    boundary: customer
    retry: {{ initial_interval: 50ms, max_interval: 200ms, max_elapsed_time: 2s }}
flows:
{extra_flows}
  query_execution: {{ enabled: false }}
"#,
        mp = mp.url(),
        cust = cust.url()
    )
}

const ALL_FLOWS: &str = "  logs: { to: [metadata-plane, customer] }\n  metrics: { to: [metadata-plane, customer] }\n  traces: { to: [customer] }";

fn s(v: &str) -> AnyValue {
    AnyValue {
        value: Some(Value::StringValue(v.into())),
    }
}
fn kv(k: &str, v: &str) -> KeyValue {
    KeyValue {
        key: k.into(),
        value: Some(s(v)),
        ..Default::default()
    }
}

fn logs() -> ExportLogsServiceRequest {
    ExportLogsServiceRequest {
        resource_logs: vec![ResourceLogs {
            resource: Some(Resource {
                attributes: vec![kv("service.name", "query-server")],
                ..Default::default()
            }),
            scope_logs: vec![ScopeLogs {
                log_records: vec![LogRecord {
                    body: Some(s(&format!(
                        "resolver get_score done for {EMAIL} card {CARD} {FEATURE}"
                    ))),
                    attributes: vec![
                        kv("resolver.name", "get_score"),
                        kv("customer.email", EMAIL),
                    ],
                    ..Default::default()
                }],
                ..Default::default()
            }],
            ..Default::default()
        }],
    }
}

fn metrics() -> ExportMetricsServiceRequest {
    ExportMetricsServiceRequest {
        resource_metrics: vec![ResourceMetrics {
            scope_metrics: vec![ScopeMetrics {
                metrics: vec![Metric {
                    name: "query.latency".into(),
                    data: Some(metric::Data::Gauge(Gauge {
                        data_points: vec![NumberDataPoint {
                            attributes: vec![kv("user.email", EMAIL), kv("resolver.name", "r")],
                            ..Default::default()
                        }],
                    })),
                    ..Default::default()
                }],
                ..Default::default()
            }],
            ..Default::default()
        }],
    }
}

fn traces() -> ExportTraceServiceRequest {
    ExportTraceServiceRequest {
        resource_spans: vec![ResourceSpans {
            scope_spans: vec![ScopeSpans {
                spans: vec![Span {
                    trace_id: vec![1; 16],
                    span_id: vec![2; 8],
                    name: format!("lookup {EMAIL}"),
                    ..Default::default()
                }],
                ..Default::default()
            }],
            ..Default::default()
        }],
    }
}

fn assert_scrubbed(body: &[u8]) {
    assert!(!contains(body, EMAIL), "email leaked to the metadata plane");
    assert!(!contains(body, CARD), "card leaked to the metadata plane");
    assert!(
        !contains(body, "812"),
        "feature value leaked to the metadata plane"
    );
}

#[tokio::test]
async fn http_protobuf_logs_scrubbed_for_metadata_plane_and_intact_for_customer() {
    let (mp, cust) = (Sink::start().await, Sink::start().await);
    let pg = start_planeguard(&config(&mp, &cust, ALL_FLOWS)).await;
    let http = pg.bound.otlp_http.unwrap();
    let (status, headers, body) = post(
        http,
        "/v1/logs",
        &[("content-type", "application/x-protobuf")],
        logs().encode_to_vec(),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(headers["content-type"], "application/x-protobuf");
    ExportLogsServiceResponse::decode(body).unwrap();
    let got = mp.wait_for(1).await;
    assert_eq!(got[0].path, "/v1/logs");
    let scrubbed = ExportLogsServiceRequest::decode(got[0].body.clone()).unwrap();
    assert_scrubbed(&got[0].body);
    let rec = &scrubbed.resource_logs[0].scope_logs[0].log_records[0];
    assert_eq!(
        rec.attributes[0].value,
        Some(s("get_score")),
        "allowed key kept"
    );
    assert!(
        contains(&got[0].body, "user.credit_score="),
        "feature name kept"
    );
    let c = cust.wait_for(1).await;
    assert_eq!(c[0].path, GRPC_LOGS);
    assert_eq!(
        ExportLogsServiceRequest::decode(c[0].body.clone()).unwrap(),
        logs(),
        "passthrough is intact"
    );
    pg.shutdown().await;
}

#[tokio::test]
async fn http_json_and_gzip() {
    let (mp, cust) = (Sink::start().await, Sink::start().await);
    let pg = start_planeguard(&config(&mp, &cust, ALL_FLOWS)).await;
    let http = pg.bound.otlp_http.unwrap();
    let json = serde_json::to_vec(&logs()).unwrap();
    let (status, headers, body) = post(
        http,
        "/v1/logs",
        &[("content-type", "application/json")],
        json.clone(),
    )
    .await;
    assert_eq!(status, 200, "{body:?}");
    assert_eq!(headers["content-type"], "application/json");
    let gz = {
        use std::io::Write;
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        e.write_all(&json).unwrap();
        e.finish().unwrap()
    };
    let (status, _, _) = post(
        http,
        "/v1/logs",
        &[
            ("content-type", "application/json"),
            ("content-encoding", "gzip"),
        ],
        gz,
    )
    .await;
    assert_eq!(status, 200);
    let got = mp.wait_for(2).await;
    for r in &got {
        assert_scrubbed(&r.body);
        ExportLogsServiceRequest::decode(r.body.clone())
            .expect("re-encoded as protobuf for an http/protobuf destination");
    }
    let c = cust.wait_for(2).await;
    assert_eq!(
        ExportLogsServiceRequest::decode(c[0].body.clone()).unwrap(),
        logs()
    );
    pg.shutdown().await;
}

#[tokio::test]
async fn grpc_all_signals_with_and_without_gzip() {
    let (mp, cust) = (Sink::start().await, Sink::start().await);
    let pg = start_planeguard(&config(&mp, &cust, ALL_FLOWS)).await;
    let grpc = pg.bound.otlp_grpc.unwrap();
    for gzip in [false, true] {
        assert_eq!(
            grpc_call(grpc, GRPC_LOGS, &logs().encode_to_vec(), gzip)
                .await
                .0,
            0
        );
        assert_eq!(
            grpc_call(grpc, GRPC_METRICS, &metrics().encode_to_vec(), gzip)
                .await
                .0,
            0
        );
        assert_eq!(
            grpc_call(grpc, GRPC_TRACES, &traces().encode_to_vec(), gzip)
                .await
                .0,
            0
        );
    }
    let got = mp
        .wait_until("2 log records and 2 metrics", |g| {
            log_records(g) >= 2 && metric_count(g) >= 2
        })
        .await;
    assert!(
        got.iter().all(|r| r.path != "/v1/traces"),
        "traces flow does not include the metadata plane"
    );
    for r in &got {
        assert_scrubbed(&r.body);
    }
    let c = cust
        .wait_until("everything", |g| {
            log_records(g) >= 2 && metric_count(g) >= 2 && spans(g) >= 2
        })
        .await;
    assert!(
        c.iter()
            .any(|r| r.path == GRPC_TRACES && contains(&r.body, EMAIL)),
        "customer gets traces intact"
    );
    pg.shutdown().await;
}

#[tokio::test]
async fn http_port_speaks_h2c_too() {
    use http_body_util::{BodyExt, Full};
    let (mp, cust) = (Sink::start().await, Sink::start().await);
    let pg = start_planeguard(&config(&mp, &cust, ALL_FLOWS)).await;
    let http = pg.bound.otlp_http.unwrap();
    let client = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
        .http2_only(true)
        .build_http::<Full<bytes::Bytes>>();
    let req = http::Request::post(format!("http://{http}/v1/logs"))
        .header("content-type", "application/x-protobuf")
        .body(Full::new(bytes::Bytes::from(logs().encode_to_vec())))
        .unwrap();
    let resp = client.request(req).await.expect("h2c request");
    assert_eq!(resp.version(), http::Version::HTTP_2);
    assert_eq!(resp.status(), 200);
    let _ = resp.into_body().collect().await;
    assert_scrubbed(&mp.wait_for(1).await[0].body);
    pg.shutdown().await;
}

#[tokio::test]
async fn bad_input_is_rejected_and_the_process_stays_healthy() {
    let (mp, cust) = (Sink::start().await, Sink::start().await);
    let pg = start_planeguard(&config(&mp, &cust, ALL_FLOWS)).await;
    let http = pg.bound.otlp_http.unwrap();
    let pb = [("content-type", "application/x-protobuf")];
    // Malformed protobuf: 400 with a google.rpc.Status body.
    let (status, _, body) = post(http, "/v1/logs", &pb, vec![0x0A, 0x05, 0x01]).await;
    assert_eq!(status, 400);
    assert!(
        String::from_utf8_lossy(&body).contains("truncated"),
        "{body:?}"
    );
    // Malformed JSON.
    let (status, _, _) = post(
        http,
        "/v1/logs",
        &[("content-type", "application/json")],
        "{\"resourceLogs\": [",
    )
    .await;
    assert_eq!(status, 400);
    // Unknown content type.
    let (status, _, _) = post(http, "/v1/logs", &[("content-type", "text/plain")], "x").await;
    assert_eq!(status, 415);
    // Too large.
    let (status, _, _) = post(http, "/v1/logs", &pb, vec![0u8; 2 << 20]).await;
    assert_eq!(status, 413);
    // Gzip bomb: 64 MiB of zeros compressed to ~64 KiB.
    let bomb = {
        use std::io::Write;
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        let zeros = vec![0u8; 1 << 20];
        for _ in 0..64 {
            e.write_all(&zeros).unwrap();
        }
        e.finish().unwrap()
    };
    assert!(bomb.len() < 1 << 20);
    let (status, _, _) = post(
        http,
        "/v1/logs",
        &[
            ("content-type", "application/x-protobuf"),
            ("content-encoding", "gzip"),
        ],
        bomb,
    )
    .await;
    assert_eq!(status, 413);
    // gRPC malformed.
    let (code, _, _) =
        grpc_call(pg.bound.otlp_grpc.unwrap(), GRPC_LOGS, &[0x0A, 0x05], false).await;
    assert_eq!(code, 3, "INVALID_ARGUMENT");
    // Nothing was forwarded, and the process still serves.
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(
        mp.count() + cust.count(),
        0,
        "rejected payloads reach no destination"
    );
    let (status, _, _) = post(http, "/v1/logs", &pb, logs().encode_to_vec()).await;
    assert_eq!(status, 200);
    pg.shutdown().await;
}

#[tokio::test]
async fn a_destination_in_no_flow_never_sees_a_connection() {
    let (mp, cust) = (Sink::start().await, Sink::start().await);
    let flows =
        "  logs: { to: [customer] }\n  metrics: { to: [customer] }\n  traces: { to: [customer] }";
    let pg = start_planeguard(&config(&mp, &cust, flows)).await;
    let grpc = pg.bound.otlp_grpc.unwrap();
    assert_eq!(
        grpc_call(grpc, GRPC_LOGS, &logs().encode_to_vec(), false)
            .await
            .0,
        0
    );
    assert_eq!(
        grpc_call(grpc, GRPC_METRICS, &metrics().encode_to_vec(), false)
            .await
            .0,
        0
    );
    cust.wait_for(2).await;
    pg.shutdown().await;
    assert_eq!(mp.connections.load(std::sync::atomic::Ordering::SeqCst), 0);
}

#[tokio::test]
async fn a_dead_destination_does_not_block_the_other() {
    let (mp, cust) = (Sink::start().await, Sink::start().await);
    mp.set_mode(SinkMode::Fail(503));
    let pg = start_planeguard(&config(&mp, &cust, ALL_FLOWS)).await;
    let http = pg.bound.otlp_http.unwrap();
    for _ in 0..5 {
        let (status, _, _) = post(
            http,
            "/v1/logs",
            &[("content-type", "application/x-protobuf")],
            logs().encode_to_vec(),
        )
        .await;
        assert_eq!(status, 200);
    }
    cust.wait_for_log_records(5).await;
    pg.shutdown().await;
}

#[tokio::test]
async fn shutdown_drains_in_flight_exports() {
    let (mp, cust) = (Sink::start().await, Sink::start().await);
    mp.set_mode(SinkMode::Slow(Duration::from_millis(300)));
    let pg = start_planeguard(&config(&mp, &cust, ALL_FLOWS)).await;
    let http = pg.bound.otlp_http.unwrap();
    let (status, _, _) = post(
        http,
        "/v1/logs",
        &[("content-type", "application/x-protobuf")],
        logs().encode_to_vec(),
    )
    .await;
    assert_eq!(status, 200);
    pg.shutdown().await;
    assert_eq!(mp.count(), 1, "queued data was flushed before exit");
    assert_eq!(cust.count(), 1);
}

#[tokio::test]
async fn a_full_queue_answers_retryable_errors() {
    let (mp, cust) = (Sink::start().await, Sink::start().await);
    mp.set_mode(SinkMode::Slow(Duration::from_secs(2)));
    let yaml = config(&mp, &cust, ALL_FLOWS).replace(
        "    profile: metadata-plane\n    boundary: metadata-plane\n",
        "    profile: metadata-plane\n    boundary: metadata-plane\n    queue_bytes: 2KiB\n",
    );
    let pg = start_planeguard(&yaml).await;
    let body = logs().encode_to_vec();
    let mut busy = None;
    for _ in 0..40 {
        let (status, headers, _) = post(
            pg.bound.otlp_http.unwrap(),
            "/v1/logs",
            &[("content-type", "application/x-protobuf")],
            body.clone(),
        )
        .await;
        if status == 429 {
            busy = Some(headers);
            break;
        }
        assert_eq!(status, 200);
    }
    let headers = busy.expect("a 2 KiB queue behind a slow sink fills up");
    assert!(headers.contains_key("retry-after"));
    let (code, _, _) = grpc_call(pg.bound.otlp_grpc.unwrap(), GRPC_LOGS, &body, false).await;
    assert_eq!(code, 8, "RESOURCE_EXHAUSTED");
    mp.set_mode(SinkMode::Ok);
    pg.shutdown().await;
}

#[tokio::test]
async fn drop_record_rules_answer_partial_success() {
    let (mp, cust) = (Sink::start().await, Sink::start().await);
    let yaml = config(&mp, &cust, ALL_FLOWS).replace(
        "    features: [\"user.*\", \"transaction.*\"]\n",
        "    features: [\"user.*\", \"transaction.*\"]\n    actions: { credit_card: drop_record }\n",
    );
    let pg = start_planeguard(&yaml).await;
    let mut two = logs();
    let mut clean = two.resource_logs[0].scope_logs[0].log_records[0].clone();
    clean.body = Some(s("resolver get_score done"));
    two.resource_logs[0].scope_logs[0].log_records.push(clean);
    let (status, _, body) = post(
        pg.bound.otlp_http.unwrap(),
        "/v1/logs",
        &[("content-type", "application/x-protobuf")],
        two.encode_to_vec(),
    )
    .await;
    assert_eq!(status, 200);
    let partial = ExportLogsServiceResponse::decode(body)
        .unwrap()
        .partial_success
        .expect("partial success");
    assert_eq!(partial.rejected_log_records, 1);
    assert!(
        partial.error_message.contains("drop_record"),
        "{}",
        partial.error_message
    );
    let got = mp.wait_for(1).await;
    let sent = ExportLogsServiceRequest::decode(got[0].body.clone()).unwrap();
    assert_eq!(
        sent.resource_logs[0].scope_logs[0].log_records.len(),
        1,
        "the record with a card was dropped"
    );
    assert_eq!(
        log_records(&cust.wait_for_log_records(2).await),
        2,
        "passthrough keeps both"
    );
    pg.shutdown().await;
}

/// The OTLP ports advertise 256 KiB HTTP/2 frames (an export of a few hundred
/// KiB is then one DATA frame, read at once and used without a join copy),
/// and a message that large goes through scrubbed.
#[tokio::test]
async fn otlp_ports_advertise_large_http2_frames() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let (mp, cust) = (Sink::start().await, Sink::start().await);
    let pg = start_planeguard(&config(&mp, &cust, ALL_FLOWS)).await;
    for port in [pg.bound.otlp_grpc.unwrap(), pg.bound.otlp_http.unwrap()] {
        let mut s = tokio::net::TcpStream::connect(port).await.unwrap();
        s.write_all(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\0\0\0\x04\0\0\0\0\0")
            .await
            .unwrap();
        let mut head = [0u8; 9];
        s.read_exact(&mut head).await.unwrap();
        assert_eq!(head[3], 0x4, "the server's first frame is SETTINGS");
        let len = usize::from(head[0]) << 16 | usize::from(head[1]) << 8 | usize::from(head[2]);
        let mut payload = vec![0u8; len];
        s.read_exact(&mut payload).await.unwrap();
        let max_frame = payload
            .chunks_exact(6)
            .find(|p| p[..2] == [0, 5])
            .map(|p| u32::from_be_bytes([p[2], p[3], p[4], p[5]]));
        assert_eq!(
            max_frame,
            Some(256 * 1024),
            "SETTINGS_MAX_FRAME_SIZE on {port}"
        );
    }
    let mut big = logs();
    let one = big.resource_logs[0].scope_logs[0].log_records[0].clone();
    while big.encoded_len() < 200 * 1024 {
        big.resource_logs[0].scope_logs[0]
            .log_records
            .push(one.clone());
    }
    let n = big.resource_logs[0].scope_logs[0].log_records.len();
    let grpc = pg.bound.otlp_grpc.unwrap();
    assert_eq!(
        grpc_call(grpc, GRPC_LOGS, &big.encode_to_vec(), false)
            .await
            .0,
        0
    );
    let got = mp
        .wait_until("the big export", |g| log_records(g) >= n)
        .await;
    for r in &got {
        assert_scrubbed(&r.body);
    }
    pg.shutdown().await;
}
