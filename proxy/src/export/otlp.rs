//! OTLP exporters over HTTP (protobuf or JSON) and gRPC, with the OTLP
//! rules for what may be retried.

use std::time::Duration;

use bytes::Bytes;
use http::header::{CONTENT_ENCODING, CONTENT_TYPE, RETRY_AFTER};
use http::{HeaderMap, HeaderName, HeaderValue, Method, Request, Uri};
use http_body_util::BodyExt;
use planeguard_filters::Encoding;

use super::batch::Batch;
use super::client::HttpClient;
use crate::otlp::body::gzip_parts;
use crate::otlp::grpc::{self, ChunksBody};

/// Result of one export attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Attempt {
    /// Accepted; `rejected` records reported as partial success by the destination.
    Delivered { rejected: u64 },
    /// May be retried (after the server's delay when it gave one).
    Retry {
        after: Option<Duration>,
        reason: &'static str,
    },
    /// Must not be retried: the data is dropped with this reason.
    Fail { reason: &'static str },
}

/// An OTLP/HTTP or OTLP/gRPC endpoint.
#[derive(Debug)]
pub struct OtlpTarget {
    client: HttpClient,
    uris: [Uri; 3],
    headers: HeaderMap,
    gzip: bool,
    timeout: Duration,
    kind: Wire,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wire {
    Grpc,
    HttpProtobuf,
    HttpJson,
}

impl Wire {
    pub fn encoding(self) -> Encoding {
        match self {
            Wire::HttpJson => Encoding::Json,
            _ => Encoding::Protobuf,
        }
    }
}

/// Request URIs for the three signals under a base endpoint.
pub fn signal_uris(endpoint: &str, wire: Wire) -> Result<[Uri; 3], String> {
    let base = endpoint.trim_end_matches('/');
    let uri = |suffix: &str| -> Result<Uri, String> {
        format!("{base}{suffix}")
            .parse::<Uri>()
            .map_err(|e| format!("endpoint `{endpoint}`: {e}"))
    };
    Ok(match wire {
        Wire::Grpc => [
            uri("/opentelemetry.proto.collector.logs.v1.LogsService/Export")?,
            uri("/opentelemetry.proto.collector.metrics.v1.MetricsService/Export")?,
            uri("/opentelemetry.proto.collector.trace.v1.TraceService/Export")?,
        ],
        _ => [uri("/v1/logs")?, uri("/v1/metrics")?, uri("/v1/traces")?],
    })
}

impl OtlpTarget {
    pub fn new(
        client: HttpClient,
        endpoint: &str,
        wire: Wire,
        headers: &[(String, String)],
        gzip: bool,
        timeout: Duration,
    ) -> Result<Self, String> {
        let uris = signal_uris(endpoint, wire)?;
        let mut map = HeaderMap::new();
        for (k, v) in headers {
            let name = HeaderName::from_bytes(k.as_bytes())
                .map_err(|_| format!("header name `{k}` is not valid"))?;
            // The value is a secret: never echo it in the error.
            let mut value = HeaderValue::from_str(v)
                .map_err(|_| format!("header `{k}`: value is not a valid header value"))?;
            value.set_sensitive(true);
            map.append(name, value);
        }
        Ok(Self {
            client,
            uris,
            headers: map,
            gzip,
            timeout,
            kind: wire,
        })
    }

    pub fn wire(&self) -> Wire {
        self.kind
    }

    pub async fn send(&self, item: &Batch) -> Attempt {
        let (parts, len) = if self.gzip {
            let z = gzip_parts(&item.parts);
            let len = z.len();
            (vec![z], len)
        } else {
            (item.parts.clone(), item.len)
        };
        let mut req = Request::builder()
            .method(Method::POST)
            .uri(self.uris[item.signal.index()].clone());
        let body = match self.kind {
            Wire::Grpc => {
                req = req
                    .header(CONTENT_TYPE, "application/grpc")
                    .header("te", "trailers")
                    .header(
                        "grpc-timeout",
                        format!("{}m", self.timeout.as_millis().max(1)),
                    );
                if self.gzip {
                    req = req.header("grpc-encoding", "gzip");
                }
                let prefix = Bytes::copy_from_slice(&grpc::prefix(self.gzip, len));
                ChunksBody::new(std::iter::once(prefix).chain(parts), None)
            }
            Wire::HttpProtobuf | Wire::HttpJson => {
                let ct = if self.kind == Wire::HttpJson {
                    "application/json"
                } else {
                    "application/x-protobuf"
                };
                req = req.header(CONTENT_TYPE, ct);
                if self.gzip {
                    req = req.header(CONTENT_ENCODING, "gzip");
                }
                ChunksBody::new(parts, None)
            }
        };
        let Ok(mut req) = req.body(body) else {
            return Attempt::Fail {
                reason: "bad_request",
            };
        };
        for (k, v) in &self.headers {
            req.headers_mut().append(k, v.clone());
        }
        let resp = match tokio::time::timeout(self.timeout, self.client.request(req)).await {
            Err(_) => {
                return Attempt::Retry {
                    after: None,
                    reason: "timeout",
                }
            }
            Ok(Err(_)) => {
                return Attempt::Retry {
                    after: None,
                    reason: "connect",
                }
            }
            Ok(Ok(r)) => r,
        };
        match self.kind {
            Wire::Grpc => grpc_outcome(resp, self.timeout).await,
            _ => http_outcome(resp, self.timeout).await,
        }
    }
}

fn retry_after(h: &HeaderMap) -> Option<Duration> {
    let v = h.get(RETRY_AFTER)?.to_str().ok()?;
    v.trim()
        .parse::<u64>()
        .ok()
        .map(|s| Duration::from_secs(s.min(3600)))
}

async fn read_small(
    body: hyper::body::Incoming,
    timeout: Duration,
) -> Option<(Bytes, Option<HeaderMap>)> {
    let limited = http_body_util::Limited::new(body, 1 << 20);
    let collected = tokio::time::timeout(timeout, limited.collect())
        .await
        .ok()?
        .ok()?;
    let trailers = collected.trailers().cloned();
    Some((collected.to_bytes(), trailers))
}

async fn http_outcome(resp: http::Response<hyper::body::Incoming>, timeout: Duration) -> Attempt {
    let status = resp.status();
    let after = retry_after(resp.headers());
    let is_json = resp
        .headers()
        .get(CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    let body = read_small(resp.into_body(), timeout).await;
    if status.is_success() {
        let rejected = body.map(|(b, _)| rejected_count(&b, is_json)).unwrap_or(0);
        return Attempt::Delivered { rejected };
    }
    match status.as_u16() {
        429 | 502 | 503 | 504 => Attempt::Retry {
            after,
            reason: "http_retryable",
        },
        400..=499 => Attempt::Fail { reason: "http_4xx" },
        _ => Attempt::Fail { reason: "http_5xx" },
    }
}

async fn grpc_outcome(resp: http::Response<hyper::body::Incoming>, timeout: Duration) -> Attempt {
    if !resp.status().is_success() {
        // HTTP-level failure of a gRPC call (e.g. a proxy's 503): map like gRPC does.
        return match resp.status().as_u16() {
            429 | 502 | 503 | 504 => Attempt::Retry {
                after: retry_after(resp.headers()),
                reason: "grpc_http_unavailable",
            },
            _ => Attempt::Fail {
                reason: "grpc_http_error",
            },
        };
    }
    let head = resp.headers().clone();
    let (body, trailers) = read_small(resp.into_body(), timeout)
        .await
        .unwrap_or_default();
    let meta = match trailers {
        Some(t) if t.contains_key("grpc-status") => t,
        _ => head,
    };
    let code = meta
        .get("grpc-status")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<i32>().ok());
    match code {
        Some(grpc::code::OK) => {
            let rejected = grpc::unframe(&body, 1 << 20)
                .map(|(_, m)| rejected_count(&m, false))
                .unwrap_or(0);
            Attempt::Delivered { rejected }
        }
        Some(c) => {
            let delay = meta
                .get("grpc-status-details-bin")
                .and_then(|v| crate::base64::decode(v.as_bytes()))
                .and_then(|d| grpc::retry_delay_from_status(&d));
            if grpc::is_retryable(c, delay.is_some()) {
                Attempt::Retry {
                    after: delay,
                    reason: "grpc_retryable",
                }
            } else {
                Attempt::Fail {
                    reason: "grpc_error",
                }
            }
        }
        None => Attempt::Retry {
            after: None,
            reason: "grpc_no_status",
        },
    }
}

/// `partial_success.rejected_*` of an Export*ServiceResponse (0 when absent or unreadable).
fn rejected_count(body: &[u8], json: bool) -> u64 {
    if json {
        let v: serde_json::Value = match serde_json::from_slice(body) {
            Ok(v) => v,
            Err(_) => return 0,
        };
        let p = &v["partialSuccess"];
        for k in ["rejectedLogRecords", "rejectedDataPoints", "rejectedSpans"] {
            match &p[k] {
                serde_json::Value::String(s) => return s.parse().unwrap_or(0),
                serde_json::Value::Number(n) => return n.as_u64().unwrap_or(0),
                _ => {}
            }
        }
        return 0;
    }
    // field 1 (partial_success) → field 1 (rejected, varint)
    let mut pos = 0;
    let read = |b: &[u8], pos: &mut usize| -> Option<u64> {
        let mut v = 0u64;
        for i in 0..10 {
            let byte = *b.get(*pos)?;
            *pos += 1;
            v |= u64::from(byte & 0x7F) << (7 * i);
            if byte < 0x80 {
                return Some(v);
            }
        }
        None
    };
    if body.first() != Some(&0x0A) {
        return 0;
    }
    pos += 1;
    let Some(len) = read(body, &mut pos) else {
        return 0;
    };
    let Some(inner) = body.get(pos..pos + len as usize) else {
        return 0;
    };
    let mut p = 0;
    if inner.first() == Some(&0x08) {
        p += 1;
        return read(inner, &mut p).unwrap_or(0);
    }
    0
}

#[cfg(test)]
mod tests {
    use super::*;
    use planeguard_filters::Signal;

    #[test]
    fn uris_per_wire() {
        let u = signal_uris("https://otel.example.com:4317/", Wire::Grpc).unwrap();
        assert_eq!(
            u[0].path(),
            "/opentelemetry.proto.collector.logs.v1.LogsService/Export"
        );
        let u = signal_uris("http://127.0.0.1:4318/base", Wire::HttpProtobuf).unwrap();
        assert_eq!(u[2].path(), "/base/v1/traces");
    }

    #[test]
    fn rejected_counts() {
        let b = crate::otlp::response::export(Signal::Logs, Encoding::Protobuf, 7, "x");
        assert_eq!(rejected_count(&b, false), 7);
        let j = crate::otlp::response::export(Signal::Traces, Encoding::Json, 4, "x");
        assert_eq!(rejected_count(&j, true), 4);
        assert_eq!(rejected_count(b"", false), 0);
    }
}
