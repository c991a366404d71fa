//! OTLP/gRPC: the three Export methods over HTTP/2 (unary, gzip allowed).

use std::sync::Arc;

use bytes::Bytes;
use http::header::CONTENT_TYPE;
use http::{HeaderValue, Request, Response, StatusCode};
use hyper::body::Incoming;
use planeguard_filters::{Encoding, Signal};

use super::body::{self, BodyError};
use super::grpc::{self, code, ChunksBody};
use super::{response, RequestLimits};
use crate::pipeline::{Outcome, Pipeline};
use crate::telemetry::metrics as m;
use crate::telemetry::scrub_metrics as sm;

#[derive(Debug)]
pub struct OtlpGrpc {
    pub pipeline: Arc<Pipeline>,
    pub limits: RequestLimits,
}

fn signal_of(path: &str) -> Option<Signal> {
    match path {
        "/opentelemetry.proto.collector.logs.v1.LogsService/Export" => Some(Signal::Logs),
        "/opentelemetry.proto.collector.metrics.v1.MetricsService/Export" => Some(Signal::Metrics),
        "/opentelemetry.proto.collector.trace.v1.TraceService/Export" => Some(Signal::Traces),
        _ => None,
    }
}

/// A trailers-only answer: the status travels in the response headers.
fn status_only(code: i32, message: &str, details: Option<&[u8]>) -> Response<ChunksBody> {
    let mut r = Response::new(ChunksBody::default());
    r.headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/grpc"));
    r.headers_mut()
        .extend(grpc::status_trailers(code, message, details));
    r
}

fn ok(message: Bytes) -> Response<ChunksBody> {
    let mut r = Response::new(ChunksBody::new(
        [grpc::frame(&message)],
        Some(grpc::status_trailers(code::OK, "", None)),
    ));
    r.headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/grpc"));
    r
}

impl OtlpGrpc {
    pub async fn handle(self: Arc<Self>, req: Request<Incoming>) -> Response<ChunksBody> {
        let (parts, body) = req.into_parts();
        let is_grpc = parts.headers.get(CONTENT_TYPE).is_some_and(|v| {
            v.as_bytes().starts_with(b"application/grpc")
                && !v.as_bytes().starts_with(b"application/grpc-web")
        });
        if !is_grpc {
            let mut r = Response::new(ChunksBody::default());
            *r.status_mut() = StatusCode::UNSUPPORTED_MEDIA_TYPE;
            return r;
        }
        let Some(signal) = signal_of(parts.uri.path()) else {
            return status_only(
                code::UNIMPLEMENTED,
                "unknown method; this port serves the OTLP Export methods",
                None,
            );
        };
        let gzip = match parts.headers.get("grpc-encoding").map(|v| v.as_bytes()) {
            None => false,
            Some(b"identity") => false,
            Some(b"gzip") => true,
            Some(_) => {
                m::request(signal, "grpc", "unsupported_encoding");
                let mut r = status_only(
                    code::UNIMPLEMENTED,
                    "grpc-encoding must be gzip or identity",
                    None,
                );
                r.headers_mut().insert(
                    "grpc-accept-encoding",
                    HeaderValue::from_static("gzip,identity"),
                );
                return r;
            }
        };
        let limit = self.limits.max_request_bytes;
        let raw = match body::read(
            body,
            None,
            limit.saturating_add(5),
            self.limits.body_timeout,
        )
        .await
        {
            Ok(b) => b,
            Err(e) => return self.body_error(signal, e),
        };
        let (compressed, message) = match grpc::unframe(&raw, limit) {
            Ok(x) => x,
            Err(grpc::FrameError::TooLarge) => {
                return self.body_error(signal, BodyError::TooLarge { limit })
            }
            Err(e) => {
                m::request(signal, "grpc", "bad_frame");
                return status_only(code::INVALID_ARGUMENT, e.as_str(), None);
            }
        };
        let payload = if compressed {
            if !gzip {
                m::request(signal, "grpc", "bad_frame");
                return status_only(
                    code::INTERNAL,
                    "compressed message without grpc-encoding",
                    None,
                );
            }
            match body::gunzip(&message, limit) {
                Ok(b) => b,
                Err(e) => return self.body_error(signal, e),
            }
        } else {
            message
        };
        match self.pipeline.submit(signal, Encoding::Protobuf, payload) {
            Outcome::Accepted { rejected, message } => {
                sm::accepted(signal, "grpc");
                ok(response::export(
                    signal,
                    Encoding::Protobuf,
                    rejected,
                    &message,
                ))
            }
            Outcome::Invalid(msg) => {
                m::request(signal, "grpc", "invalid");
                status_only(
                    code::INVALID_ARGUMENT,
                    &format!("payload rejected: {msg}"),
                    None,
                )
            }
            Outcome::Busy { retry_after } => {
                m::request(signal, "grpc", "busy");
                let details = response::status_proto(
                    code::RESOURCE_EXHAUSTED,
                    "a destination queue is full",
                    Some(retry_after),
                );
                status_only(
                    code::RESOURCE_EXHAUSTED,
                    "a destination queue is full; retry later",
                    Some(&details),
                )
            }
            Outcome::Unavailable { retry_after } => {
                m::request(signal, "grpc", "unavailable");
                let details =
                    response::status_proto(code::UNAVAILABLE, "shutting down", Some(retry_after));
                status_only(
                    code::UNAVAILABLE,
                    "shutting down; retry later",
                    Some(&details),
                )
            }
        }
    }

    fn body_error(&self, signal: Signal, e: BodyError) -> Response<ChunksBody> {
        let (c, reason) = match e {
            // Message too large: RESOURCE_EXHAUSTED without RetryInfo is not retried.
            BodyError::TooLarge { .. } => (code::RESOURCE_EXHAUSTED, "too_large"),
            BodyError::Timeout => (code::DEADLINE_EXCEEDED, "body_timeout"),
            BodyError::Aborted => (code::CANCELLED, "aborted"),
            BodyError::BadGzip => (code::INVALID_ARGUMENT, "bad_gzip"),
        };
        m::request(signal, "grpc", reason);
        m::rejected(signal, reason);
        status_only(c, &e.to_string(), None)
    }
}
