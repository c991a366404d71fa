//! OTLP/HTTP: POST /v1/{logs,metrics,traces}, protobuf or JSON, optional gzip.
//! Answers in the request's content type, per the OTLP spec.

use std::sync::Arc;

use bytes::Bytes;
use http::header::{CONTENT_ENCODING, CONTENT_LENGTH, CONTENT_TYPE, RETRY_AFTER};
use http::{Method, Request, Response, StatusCode};
use hyper::body::Incoming;
use planeguard_filters::{Encoding, Signal};

use super::body::{self, BodyError};
use super::grpc::{code, ChunksBody};
use super::{response, RequestLimits};
use crate::pipeline::{Outcome, Pipeline};
use crate::telemetry::metrics as m;
use crate::telemetry::scrub_metrics as sm;

#[derive(Debug)]
pub struct OtlpHttp {
    pub pipeline: Arc<Pipeline>,
    pub limits: RequestLimits,
}

fn signal_of(path: &str) -> Option<Signal> {
    match path {
        "/v1/logs" => Some(Signal::Logs),
        "/v1/metrics" => Some(Signal::Metrics),
        "/v1/traces" => Some(Signal::Traces),
        _ => None,
    }
}

fn encoding_of(content_type: Option<&[u8]>) -> Option<Encoding> {
    let ct = content_type?;
    let media = ct.split(|&b| b == b';').next().unwrap_or(ct);
    let media = media.trim_ascii();
    if media.eq_ignore_ascii_case(b"application/x-protobuf")
        || media.eq_ignore_ascii_case(b"application/protobuf")
    {
        Some(Encoding::Protobuf)
    } else if media.eq_ignore_ascii_case(b"application/json") {
        Some(Encoding::Json)
    } else {
        None
    }
}

fn content_type(encoding: Encoding) -> &'static str {
    match encoding {
        Encoding::Protobuf => "application/x-protobuf",
        Encoding::Json => "application/json",
    }
}

fn reply(status: StatusCode, encoding: Encoding, body: Bytes) -> Response<ChunksBody> {
    let mut r = Response::new(ChunksBody::new([body], None));
    *r.status_mut() = status;
    r.headers_mut().insert(
        CONTENT_TYPE,
        http::HeaderValue::from_static(content_type(encoding)),
    );
    r
}

fn error(
    status: StatusCode,
    encoding: Encoding,
    grpc_code: i32,
    msg: &str,
) -> Response<ChunksBody> {
    reply(status, encoding, response::status(encoding, grpc_code, msg))
}

impl OtlpHttp {
    pub async fn handle(self: Arc<Self>, req: Request<Incoming>) -> Response<ChunksBody> {
        let (parts, body) = req.into_parts();
        let Some(signal) = signal_of(parts.uri.path()) else {
            return error(
                StatusCode::NOT_FOUND,
                Encoding::Json,
                code::NOT_FOUND,
                "unknown path; OTLP/HTTP paths are /v1/logs, /v1/metrics, /v1/traces",
            );
        };
        let Some(encoding) = encoding_of(parts.headers.get(CONTENT_TYPE).map(|v| v.as_bytes()))
        else {
            m::request(signal, "http", "unsupported_media_type");
            return error(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                Encoding::Json,
                code::INVALID_ARGUMENT,
                "content-type must be application/x-protobuf or application/json",
            );
        };
        if parts.method != Method::POST {
            m::request(signal, "http", "method_not_allowed");
            let mut r = error(
                StatusCode::METHOD_NOT_ALLOWED,
                encoding,
                code::INVALID_ARGUMENT,
                "OTLP export requires POST",
            );
            r.headers_mut()
                .insert(http::header::ALLOW, http::HeaderValue::from_static("POST"));
            return r;
        }
        let gzip = match parts.headers.get(CONTENT_ENCODING).map(|v| v.as_bytes()) {
            None => false,
            Some(v) if v.eq_ignore_ascii_case(b"identity") => false,
            Some(v) if v.eq_ignore_ascii_case(b"gzip") => true,
            Some(_) => {
                m::request(signal, "http", "unsupported_encoding");
                return error(
                    StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    encoding,
                    code::INVALID_ARGUMENT,
                    "content-encoding must be gzip or identity",
                );
            }
        };
        let content_length = parts
            .headers
            .get(CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
        let limit = self.limits.max_request_bytes;
        let raw = match body::read(body, content_length, limit, self.limits.body_timeout).await {
            Ok(b) => b,
            Err(e) => return self.body_error(signal, encoding, e),
        };
        let payload = if gzip {
            match body::gunzip(&raw, limit) {
                Ok(b) => b,
                Err(e) => return self.body_error(signal, encoding, e),
            }
        } else {
            raw
        };
        match self.pipeline.submit(signal, encoding, payload) {
            Outcome::Accepted { rejected, message } => {
                sm::accepted(signal, "http");
                reply(
                    StatusCode::OK,
                    encoding,
                    response::export(signal, encoding, rejected, &message),
                )
            }
            Outcome::Invalid(msg) => {
                m::request(signal, "http", "invalid");
                error(
                    StatusCode::BAD_REQUEST,
                    encoding,
                    code::INVALID_ARGUMENT,
                    &format!("payload rejected: {msg}"),
                )
            }
            Outcome::Busy { retry_after } => {
                m::request(signal, "http", "busy");
                let mut r = error(
                    StatusCode::TOO_MANY_REQUESTS,
                    encoding,
                    code::RESOURCE_EXHAUSTED,
                    "a destination queue is full; retry later",
                );
                r.headers_mut()
                    .insert(RETRY_AFTER, retry_after.as_secs().max(1).into());
                r
            }
            Outcome::Unavailable { retry_after } => {
                m::request(signal, "http", "unavailable");
                let mut r = error(
                    StatusCode::SERVICE_UNAVAILABLE,
                    encoding,
                    code::UNAVAILABLE,
                    "shutting down; retry later",
                );
                r.headers_mut()
                    .insert(RETRY_AFTER, retry_after.as_secs().max(1).into());
                r
            }
        }
    }

    fn body_error(&self, signal: Signal, encoding: Encoding, e: BodyError) -> Response<ChunksBody> {
        let (status, code, reason) = match e {
            BodyError::TooLarge { .. } => (
                StatusCode::PAYLOAD_TOO_LARGE,
                code::INVALID_ARGUMENT,
                "too_large",
            ),
            BodyError::Timeout => (
                StatusCode::REQUEST_TIMEOUT,
                code::DEADLINE_EXCEEDED,
                "body_timeout",
            ),
            BodyError::Aborted => (StatusCode::BAD_REQUEST, code::CANCELLED, "aborted"),
            BodyError::BadGzip => (StatusCode::BAD_REQUEST, code::INVALID_ARGUMENT, "bad_gzip"),
        };
        m::request(signal, "http", reason);
        m::rejected(signal, reason);
        error(status, encoding, code, &e.to_string())
    }
}
