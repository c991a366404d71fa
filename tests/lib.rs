//! Shared helpers for planeguard's end-to-end tests: a recording OTLP sink,
//! an in-process planeguard on ephemeral ports, and raw OTLP clients.
//! Everything listens on 127.0.0.1 only.

pub mod clients;

use std::convert::Infallible;
use std::io::Read;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http::{Request, Response, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use planeguard::app::Running;
use planeguard::otlp::grpc::ChunksBody;
use planeguard_config::Config;
use tokio::net::TcpListener;

/// One request as the sink received it (body decompressed and unframed).
#[derive(Debug, Clone)]
pub struct Received {
    pub path: String,
    pub content_type: String,
    pub body: Bytes,
    pub headers: http::HeaderMap,
}

/// How the sink answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SinkMode {
    Ok,
    /// HTTP status (and for gRPC, UNAVAILABLE).
    Fail(u16),
    /// Answer after a delay.
    Slow(Duration),
}

/// A recording OTLP receiver (HTTP/1.1, h2c and gRPC on one port).
#[derive(Debug, Clone)]
pub struct Sink {
    pub addr: SocketAddr,
    pub received: Arc<Mutex<Vec<Received>>>,
    pub connections: Arc<AtomicUsize>,
    mode: Arc<Mutex<SinkMode>>,
}

fn gunzip(b: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::MultiGzDecoder::new(b)
        .read_to_end(&mut out)
        .expect("sink: bad gzip");
    out
}

impl Sink {
    pub async fn start() -> Sink {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind sink");
        let sink = Sink {
            addr: listener.local_addr().expect("addr"),
            received: Arc::default(),
            connections: Arc::default(),
            mode: Arc::new(Mutex::new(SinkMode::Ok)),
        };
        let s = sink.clone();
        tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                s.connections.fetch_add(1, Ordering::SeqCst);
                let s2 = s.clone();
                tokio::spawn(async move {
                    let svc = service_fn(move |req| {
                        let s3 = s2.clone();
                        async move { Ok::<_, Infallible>(s3.handle(req).await) }
                    });
                    let _ = auto::Builder::new(TokioExecutor::new())
                        .serve_connection(TokioIo::new(stream), svc)
                        .await;
                });
            }
        });
        sink
    }

    pub fn set_mode(&self, m: SinkMode) {
        *self.mode.lock().unwrap() = m;
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn count(&self) -> usize {
        self.received.lock().unwrap().len()
    }

    /// Every body received so far, concatenated (for canary searches).
    pub fn all_bytes(&self) -> Vec<u8> {
        self.received
            .lock()
            .unwrap()
            .iter()
            .flat_map(|r| r.body.to_vec())
            .collect()
    }

    /// Waits until at least `n` requests arrived (or panics after 10 s).
    pub async fn wait_for(&self, n: usize) -> Vec<Received> {
        for _ in 0..1000 {
            if self.count() >= n {
                return self.received.lock().unwrap().clone();
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!(
            "sink {} got {} requests, expected {n}",
            self.addr,
            self.count()
        );
    }

    /// Waits until `done` holds for what was received (or panics after 10 s).
    /// planeguard may merge queued requests into one export, so tests count
    /// records rather than requests.
    pub async fn wait_until(
        &self,
        what: &str,
        done: impl Fn(&[Received]) -> bool,
    ) -> Vec<Received> {
        for _ in 0..1000 {
            let got = self.received.lock().unwrap().clone();
            if done(&got) {
                return got;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!("sink {}: timed out waiting for {what}", self.addr);
    }

    /// Waits until at least `n` log records arrived.
    pub async fn wait_for_log_records(&self, n: usize) -> Vec<Received> {
        self.wait_until(&format!("{n} log records"), |g| log_records(g) >= n)
            .await
    }

    async fn handle(&self, req: Request<Incoming>) -> Response<ChunksBody> {
        let mode = *self.mode.lock().unwrap();
        let (parts, body) = req.into_parts();
        let raw = body
            .collect()
            .await
            .map(|c| c.to_bytes())
            .unwrap_or_default();
        let ct = parts
            .headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        let grpc = ct.starts_with("application/grpc");
        if let SinkMode::Slow(d) = mode {
            tokio::time::sleep(d).await;
        }
        if let SinkMode::Fail(code) = mode {
            if grpc {
                let mut r = Response::new(ChunksBody::default());
                r.headers_mut()
                    .insert("content-type", "application/grpc".parse().unwrap());
                r.headers_mut().insert("grpc-status", "14".parse().unwrap());
                return r;
            }
            let mut r = Response::new(ChunksBody::default());
            *r.status_mut() = StatusCode::from_u16(code).unwrap();
            return r;
        }
        let framed = raw.len() >= 5
            && u32::from_be_bytes([raw[1], raw[2], raw[3], raw[4]]) as usize == raw.len() - 5;
        if grpc && !framed {
            // A message whose length prefix is wrong is not recorded: INTERNAL.
            let mut r = Response::new(ChunksBody::default());
            r.headers_mut()
                .insert("content-type", "application/grpc".parse().unwrap());
            r.headers_mut().insert("grpc-status", "13".parse().unwrap());
            return r;
        }
        let mut body = if grpc {
            let compressed = raw[0] == 1;
            let msg = raw.slice(5..);
            if compressed {
                Bytes::from(gunzip(&msg))
            } else {
                msg
            }
        } else {
            raw
        };
        if parts
            .headers
            .get("content-encoding")
            .is_some_and(|v| v == "gzip")
        {
            body = Bytes::from(gunzip(&body));
        }
        self.received.lock().unwrap().push(Received {
            path: parts.uri.path().to_string(),
            content_type: ct.clone(),
            body,
            headers: parts.headers.clone(),
        });
        if grpc {
            let mut trailers = http::HeaderMap::new();
            trailers.insert("grpc-status", "0".parse().unwrap());
            let mut r = Response::new(ChunksBody::new(
                [Bytes::from_static(&[0, 0, 0, 0, 0])],
                Some(trailers),
            ));
            r.headers_mut()
                .insert("content-type", "application/grpc".parse().unwrap());
            r
        } else {
            let mut r = Response::new(ChunksBody::new(
                [if ct.starts_with("application/json") {
                    Bytes::from_static(b"{}")
                } else {
                    Bytes::new()
                }],
                None,
            ));
            r.headers_mut().insert("content-type", ct.parse().unwrap());
            r
        }
    }
}

/// Whether `needle` occurs in `hay` (canary searches in received bodies).
pub fn contains(hay: &[u8], needle: &str) -> bool {
    hay.windows(needle.len()).any(|w| w == needle.as_bytes())
}

/// Log records in every logs request received.
pub fn log_records(got: &[Received]) -> usize {
    use prost::Message;
    got.iter()
        .filter(|r| r.path.ends_with("/v1/logs") || r.path == GRPC_LOGS)
        .filter_map(|r| {
            opentelemetry_proto::tonic::collector::logs::v1::ExportLogsServiceRequest::decode(
                r.body.clone(),
            )
            .ok()
        })
        .flat_map(|m| m.resource_logs)
        .flat_map(|rl| rl.scope_logs)
        .map(|sl| sl.log_records.len())
        .sum()
}

/// Spans in every traces request received.
pub fn spans(got: &[Received]) -> usize {
    use prost::Message;
    got.iter()
        .filter(|r| r.path.ends_with("/v1/traces") || r.path == GRPC_TRACES)
        .filter_map(|r| {
            opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest::decode(
                r.body.clone(),
            )
            .ok()
        })
        .flat_map(|m| m.resource_spans)
        .flat_map(|rs| rs.scope_spans)
        .map(|ss| ss.spans.len())
        .sum()
}

/// Metrics in every metrics request received.
pub fn metric_count(got: &[Received]) -> usize {
    use prost::Message;
    got.iter()
        .filter(|r| r.path.ends_with("/v1/metrics") || r.path == GRPC_METRICS)
        .filter_map(|r| {
            opentelemetry_proto::tonic::collector::metrics::v1::ExportMetricsServiceRequest::decode(
                r.body.clone(),
            )
            .ok()
        })
        .flat_map(|m| m.resource_metrics)
        .flat_map(|rm| rm.scope_metrics)
        .map(|sm| sm.metrics.len())
        .sum()
}

/// Starts planeguard in-process from YAML (use port 0 for every listener).
pub async fn start_planeguard(yaml: &str) -> Running {
    let config =
        Config::from_yaml_str(yaml, "test.yaml").unwrap_or_else(|e| panic!("test config: {e}"));
    planeguard::app::start(&config)
        .await
        .unwrap_or_else(|e| panic!("start: {e}"))
}

/// A plain HTTP/1.1 client for OTLP/HTTP requests.
pub async fn post(
    addr: SocketAddr,
    path: &str,
    headers: &[(&str, &str)],
    body: impl Into<Bytes>,
) -> (StatusCode, http::HeaderMap, Bytes) {
    let client = hyper_util::client::legacy::Client::builder(TokioExecutor::new())
        .build_http::<Full<Bytes>>();
    let mut req = Request::post(format!("http://{addr}{path}"));
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let resp = client
        .request(req.body(Full::new(body.into())).unwrap())
        .await
        .expect("request");
    let (parts, body) = resp.into_parts();
    let bytes = body
        .collect()
        .await
        .map(|c| c.to_bytes())
        .unwrap_or_default();
    (parts.status, parts.headers, bytes)
}

/// A unary gRPC call over h2c: (grpc-status, grpc-message, response message).
pub async fn grpc_call(
    addr: SocketAddr,
    path: &str,
    message: &[u8],
    gzip: bool,
) -> (i32, String, Bytes) {
    let client = hyper_util::client::legacy::Client::builder(TokioExecutor::new())
        .http2_only(true)
        .build_http::<Full<Bytes>>();
    let payload = if gzip {
        use std::io::Write;
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        e.write_all(message).unwrap();
        e.finish().unwrap()
    } else {
        message.to_vec()
    };
    let mut framed = vec![u8::from(gzip)];
    framed.extend_from_slice(&(payload.len() as u32).to_be_bytes());
    framed.extend_from_slice(&payload);
    let mut req = Request::post(format!("http://{addr}{path}"))
        .header("content-type", "application/grpc")
        .header("te", "trailers");
    if gzip {
        req = req.header("grpc-encoding", "gzip");
    }
    let resp = client
        .request(req.body(Full::new(Bytes::from(framed))).unwrap())
        .await
        .expect("grpc request");
    let headers = resp.headers().clone();
    let collected = resp.into_body().collect().await.expect("grpc body");
    let trailers = collected.trailers().cloned().unwrap_or_default();
    let body = collected.to_bytes();
    let meta = if trailers.contains_key("grpc-status") {
        trailers
    } else {
        headers
    };
    let status = meta
        .get("grpc-status")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .unwrap_or(-1);
    let msg = meta
        .get("grpc-message")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let message = if body.len() >= 5 {
        body.slice(5..)
    } else {
        Bytes::new()
    };
    (status, msg, message)
}

pub const GRPC_LOGS: &str = "/opentelemetry.proto.collector.logs.v1.LogsService/Export";
pub const GRPC_METRICS: &str = "/opentelemetry.proto.collector.metrics.v1.MetricsService/Export";
pub const GRPC_TRACES: &str = "/opentelemetry.proto.collector.trace.v1.TraceService/Export";
