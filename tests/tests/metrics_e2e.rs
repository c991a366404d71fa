//! planeguard's own metrics as /metrics serves them after real traffic: the
//! per-request and per-export counters (registered handles on the hot path)
//! count what happened, and no payload value ever shows up. Its own test
//! binary: the Prometheus recorder is process-wide, so counts here are this
//! test's alone.

use opentelemetry_proto::tonic::collector::logs::v1::ExportLogsServiceRequest;
use opentelemetry_proto::tonic::common::v1::{any_value::Value, AnyValue, KeyValue};
use opentelemetry_proto::tonic::logs::v1::{LogRecord, ResourceLogs, ScopeLogs};
use planeguard_tests::*;
use prost::Message;

const EMAIL: &str = "metrics.canary@example.org";

fn logs(records: usize) -> ExportLogsServiceRequest {
    let record = LogRecord {
        body: Some(AnyValue {
            value: Some(Value::StringValue(format!("login ok for {EMAIL}"))),
        }),
        attributes: vec![KeyValue {
            key: "customer.email".into(),
            value: Some(AnyValue {
                value: Some(Value::StringValue(EMAIL.into())),
            }),
            ..Default::default()
        }],
        ..Default::default()
    };
    ExportLogsServiceRequest {
        resource_logs: vec![ResourceLogs {
            scope_logs: vec![ScopeLogs {
                log_records: vec![record; records],
                ..Default::default()
            }],
            ..Default::default()
        }],
    }
}

/// The value of the sample of `name` whose labels include every `labels` pair.
fn sample(text: &str, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .filter(|l| l.starts_with(name) && l[name.len()..].starts_with(['{', ' ']))
        .find(|l| {
            labels
                .iter()
                .all(|(k, v)| l.contains(&format!("{k}=\"{v}\"")))
        })
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
}

async fn scrape(admin: std::net::SocketAddr) -> String {
    let client = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
        .build_http::<http_body_util::Full<bytes::Bytes>>();
    let resp = client
        .get(format!("http://{admin}/metrics").parse().expect("uri"))
        .await
        .expect("GET /metrics");
    assert_eq!(resp.status(), 200);
    use http_body_util::BodyExt;
    let body = resp.into_body().collect().await.expect("body").to_bytes();
    String::from_utf8(body.to_vec()).expect("utf-8")
}

#[tokio::test]
async fn request_and_export_counters_count_real_traffic_and_carry_no_values() {
    let sink = Sink::start().await;
    let yaml = format!(
        r#"
admin: {{ listen: "127.0.0.1:0" }}
otlp:
  grpc: {{ listen: "127.0.0.1:0" }}
  http: {{ listen: "127.0.0.1:0" }}
profiles:
  metadata-plane: {{ mode: strict, allow_keys: [service.name] }}
destinations:
  metadata-plane:
    endpoint: "{}"
    protocol: http/protobuf
    profile: metadata-plane
    boundary: metadata-plane
    compression: none
flows:
  logs: {{ to: [metadata-plane] }}
  query_execution: {{ enabled: false }}
"#,
        sink.url()
    );
    let pg = start_planeguard(&yaml).await;
    let (http, grpc) = (pg.bound.otlp_http.unwrap(), pg.bound.otlp_grpc.unwrap());
    let admin = pg.bound.admin.unwrap();
    let body = logs(3).encode_to_vec();
    for _ in 0..2 {
        let (status, _, _) = post(
            http,
            "/v1/logs",
            &[("content-type", "application/x-protobuf")],
            body.clone(),
        )
        .await;
        assert_eq!(status, 200);
    }
    assert_eq!(grpc_call(grpc, GRPC_LOGS, &body, false).await.0, 0);
    sink.wait_for_log_records(9).await;

    // Exports are counted after the sink answered: poll until they show.
    let mut text = String::new();
    for _ in 0..100 {
        text = scrape(admin).await;
        let exported = sample(
            &text,
            "planeguard_records_exported_total",
            &[("signal", "logs"), ("destination", "metadata-plane")],
        );
        if exported == Some(9.0) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let ok = |transport| {
        sample(
            &text,
            "planeguard_otlp_requests_total",
            &[
                ("signal", "logs"),
                ("transport", transport),
                ("outcome", "ok"),
            ],
        )
    };
    assert_eq!(ok("http"), Some(2.0), "{text}");
    assert_eq!(ok("grpc"), Some(1.0), "{text}");
    assert_eq!(
        sample(
            &text,
            "planeguard_records_exported_total",
            &[("signal", "logs"), ("destination", "metadata-plane")]
        ),
        Some(9.0),
        "{text}"
    );
    let attempts = sample(
        &text,
        "planeguard_export_attempts_total",
        &[("destination", "metadata-plane"), ("outcome", "ok")],
    );
    assert!(attempts.is_some_and(|n| (1.0..=3.0).contains(&n)), "{text}");
    assert!(
        sample(
            &text,
            "planeguard_bytes_exported_total",
            &[("signal", "logs")]
        )
        .is_some_and(|n| n > 0.0),
        "{text}"
    );
    assert_eq!(
        sample(
            &text,
            "planeguard_queue_bytes",
            &[("destination", "metadata-plane")]
        ),
        Some(0.0),
        "queue drained: {text}"
    );
    assert!(
        sample(
            &text,
            "planeguard_records_received_total",
            &[("signal", "logs")]
        ) == Some(9.0),
        "{text}"
    );
    assert!(!text.contains(EMAIL), "a payload value in /metrics");
    assert!(
        !text.contains("metrics.canary"),
        "a payload value in /metrics"
    );
    pg.shutdown().await;
}
