//! The official OpenTelemetry Rust SDK and OTLP exporter (gRPC and HTTP) as the
//! client: what an app in the pod really sends, through planeguard.

use std::time::Duration;

use opentelemetry::logs::{LogRecord as _, Logger as _, LoggerProvider as _, Severity};
use opentelemetry::trace::{Span as _, Tracer as _, TracerProvider as _};
use opentelemetry::KeyValue;
use opentelemetry_otlp::{LogExporter, SpanExporter, WithExportConfig};
use opentelemetry_sdk::logs::SdkLoggerProvider;
use opentelemetry_sdk::trace::SdkTracerProvider;
use planeguard_tests::*;

const EMAIL: &str = "jane.doe@example.com";

/// Runs the SDK on its own thread and runtime, as an application would. The
/// simple processors export synchronously on this thread; the runtime's workers
/// drive the exporters' I/O.
fn emit_with_sdk(grpc: std::net::SocketAddr, http: std::net::SocketAddr) {
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let _context = rt.enter();
        {
            for use_grpc in [true, false] {
                let exporter = if use_grpc {
                    LogExporter::builder()
                        .with_tonic()
                        .with_endpoint(format!("http://{grpc}"))
                        .build()
                        .unwrap()
                } else {
                    LogExporter::builder()
                        .with_http()
                        .with_endpoint(format!("http://{http}/v1/logs"))
                        .build()
                        .unwrap()
                };
                let provider = SdkLoggerProvider::builder()
                    .with_simple_exporter(exporter)
                    .build();
                let logger = provider.logger("planeguard-e2e");
                let mut rec = logger.create_log_record();
                rec.set_severity_number(Severity::Info);
                rec.set_body(format!("password reset requested by {EMAIL}").into());
                rec.add_attribute("user.email", EMAIL);
                rec.add_attribute("resolver.name", "reset_password");
                logger.emit(rec);
                provider.force_flush().unwrap();
                provider.shutdown().unwrap();

                let spans = if use_grpc {
                    SpanExporter::builder()
                        .with_tonic()
                        .with_endpoint(format!("http://{grpc}"))
                        .build()
                        .unwrap()
                } else {
                    SpanExporter::builder()
                        .with_http()
                        .with_endpoint(format!("http://{http}/v1/traces"))
                        .build()
                        .unwrap()
                };
                let tp = SdkTracerProvider::builder()
                    .with_simple_exporter(spans)
                    .build();
                let tracer = tp.tracer("planeguard-e2e");
                let mut span = tracer.start(format!("lookup {EMAIL}"));
                span.set_attribute(KeyValue::new("user.email", EMAIL));
                span.add_event("cache miss", vec![KeyValue::new("customer.email", EMAIL)]);
                span.end();
                tp.force_flush().unwrap();
                tp.shutdown().unwrap();
            }
        }
    })
    .join()
    .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn official_sdk_exporters_through_planeguard() {
    let (mp, cust) = (Sink::start().await, Sink::start().await);
    let pg = start_planeguard(&clients::client_config(&mp, &cust)).await;
    let (grpc, http) = (pg.bound.otlp_grpc.unwrap(), pg.bound.otlp_http.unwrap());
    tokio::task::spawn_blocking(move || emit_with_sdk(grpc, http))
        .await
        .unwrap();
    let got = mp
        .wait_until("2 log records and 2 spans", |g| {
            log_records(g) >= 2 && spans(g) >= 2
        })
        .await;
    for r in &got {
        assert!(
            !contains(&r.body, EMAIL),
            "PII reached the metadata plane via {}",
            r.path
        );
    }
    assert!(
        got.iter().any(|r| contains(&r.body, "reset_password")),
        "allowed values survive"
    );
    let c = cust
        .wait_until("2 log records and 2 spans", |g| {
            log_records(g) >= 2 && spans(g) >= 2
        })
        .await;
    assert!(
        c.iter().all(|r| contains(&r.body, EMAIL)),
        "customer backend gets everything intact"
    );
    tokio::time::sleep(Duration::from_millis(50)).await;
    pg.shutdown().await;
}
