//! One request to the sink: apply the fault mode, read the body, decode the
//! envelope (gzip, gRPC framing, protobuf or JSON), count records and look
//! for canaries, answer in the request's protocol.

use std::convert::Infallible;
use std::sync::Arc;

use bytes::Bytes;
use http::header::{HeaderValue, CONTENT_ENCODING, CONTENT_TYPE, RETRY_AFTER};
use http::{HeaderMap, Method, Request, Response, StatusCode};
use http_body_util::{BodyExt, Limited};
use hyper::body::Incoming;
use planeguard_filters::Signal;
use tokio::sync::watch;

use super::body::SinkBody;
use super::stats::Stats;
use super::Fault;
use crate::corpus::CanaryBook;
use crate::{otlp, wire};

/// Shared by every connection of one sink.
#[derive(Debug)]
pub(crate) struct State {
    pub stats: Arc<Stats>,
    pub canaries: Arc<CanaryBook>,
    pub fault: watch::Receiver<Fault>,
    pub max_body_bytes: usize,
}

pub(crate) async fn handle(
    state: Arc<State>,
    req: Request<Incoming>,
) -> Result<Response<SinkBody>, Infallible> {
    let fault = state.fault.borrow().clone();
    if let Fault::Delay(d) = fault {
        tokio::time::sleep(d).await;
    }
    let (parts, body) = req.into_parts();
    if parts.method == Method::GET && parts.uri.path() == "/stats" {
        let json = serde_json::to_vec(&state.stats.snapshot()).unwrap_or_default();
        return Ok(respond(StatusCode::OK, "application/json", json));
    }
    let grpc = parts
        .headers
        .get(CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/grpc"));
    let body = match Limited::new(body, state.max_body_bytes).collect().await {
        Ok(c) => c.to_bytes(),
        Err(e) => {
            state.stats.decode_error();
            let msg = format!("cannot read body: {e}");
            return Ok(if grpc {
                grpc_error(8, &msg)
            } else {
                respond(StatusCode::PAYLOAD_TOO_LARGE, "text/plain", msg)
            });
        }
    };
    if let Fault::Status(code) = fault {
        state.stats.fault();
        return Ok(fault_response(code, grpc));
    }
    let path = parts.uri.path();
    Ok(if grpc {
        match otlp::signal_of_grpc_path(path) {
            Some(signal) => receive_grpc(&state, signal, &parts.headers, &body),
            None => grpc_error(12, "unknown gRPC method"),
        }
    } else {
        match otlp::signal_of_http_path(path) {
            Some(signal) => receive_http(&state, signal, &parts.headers, &body),
            // Anything else is a plain HTTP body (proxying benchmarks).
            None => {
                state.stats.other(body.len());
                respond(StatusCode::OK, "text/plain", "ok\n")
            }
        }
    })
}

/// OTLP/HTTP: protobuf or JSON, identity or gzip.
fn receive_http(
    state: &State,
    signal: Signal,
    headers: &HeaderMap,
    body: &Bytes,
) -> Response<SinkBody> {
    let json = headers
        .get(CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    let decoded = match headers.get(CONTENT_ENCODING).map(HeaderValue::as_bytes) {
        None | Some(b"identity") => Ok(body.to_vec()),
        Some(b"gzip") => wire::gunzip(body, state.max_body_bytes),
        Some(_) => Err("unsupported content-encoding".to_string()),
    };
    let counted = decoded.and_then(|msg| {
        let n = if json {
            otlp::count_json(signal, &msg)
        } else {
            otlp::count_protobuf(signal, &msg)
        }?;
        Ok((msg, n))
    });
    match counted {
        Ok((msg, records)) => {
            state.stats.otlp(signal, body.len(), msg.len(), records);
            let index = state.canaries.for_signal(signal);
            state.stats.canaries(signal, &index.scan(&msg), index);
            if json {
                respond(StatusCode::OK, "application/json", "{}")
            } else {
                respond(StatusCode::OK, "application/x-protobuf", Bytes::new())
            }
        }
        Err(e) => {
            state.stats.decode_error();
            respond(StatusCode::BAD_REQUEST, "text/plain", e)
        }
    }
}

/// OTLP/gRPC: length-prefixed protobuf messages, compressed per message.
fn receive_grpc(
    state: &State,
    signal: Signal,
    headers: &HeaderMap,
    body: &Bytes,
) -> Response<SinkBody> {
    let gzip = headers
        .get("grpc-encoding")
        .is_some_and(|v| v.as_bytes() == b"gzip");
    let decoded = wire::grpc_messages(body).and_then(|msgs| {
        msgs.into_iter()
            .map(|(compressed, m)| match (compressed, gzip) {
                (false, _) => Ok(m.to_vec()),
                (true, true) => wire::gunzip(m, state.max_body_bytes),
                (true, false) => Err("compressed message without grpc-encoding".to_string()),
            })
            .collect::<Result<Vec<_>, _>>()
    });
    let counted = decoded.and_then(|msgs| {
        msgs.into_iter()
            .map(|m| otlp::count_protobuf(signal, &m).map(|n| (m, n)))
            .collect::<Result<Vec<_>, _>>()
    });
    match counted {
        Ok(msgs) => {
            for (i, (m, records)) in msgs.iter().enumerate() {
                let wire = if i == 0 { body.len() } else { 0 };
                state.stats.otlp(signal, wire, m.len(), *records);
                let index = state.canaries.for_signal(signal);
                state.stats.canaries(signal, &index.scan(m), index);
            }
            let mut trailers = HeaderMap::new();
            trailers.insert("grpc-status", HeaderValue::from_static("0"));
            let mut resp = Response::new(SinkBody::with_trailers(
                wire::grpc_frame(&[], false),
                trailers,
            ));
            resp.headers_mut()
                .insert(CONTENT_TYPE, HeaderValue::from_static("application/grpc"));
            resp
        }
        Err(e) => {
            state.stats.decode_error();
            grpc_error(3, &e)
        }
    }
}

fn respond(
    status: StatusCode,
    content_type: &'static str,
    body: impl Into<Bytes>,
) -> Response<SinkBody> {
    let mut resp = Response::new(SinkBody::data(body));
    *resp.status_mut() = status;
    resp.headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    resp
}

/// A trailers-only gRPC answer.
fn grpc_error(code: u32, message: &str) -> Response<SinkBody> {
    let mut resp = Response::new(SinkBody::default());
    let h = resp.headers_mut();
    h.insert(CONTENT_TYPE, HeaderValue::from_static("application/grpc"));
    h.insert("grpc-status", HeaderValue::from(code));
    if let Ok(v) =
        HeaderValue::from_str(&message.replace(|c: char| !c.is_ascii_graphic() && c != ' ', "_"))
    {
        h.insert("grpc-message", v);
    }
    resp
}

/// The answer of `--fail-status CODE`; retryable codes carry a short
/// Retry-After so that well-behaved clients back off without stalling a test.
fn fault_response(code: u16, grpc: bool) -> Response<SinkBody> {
    if grpc {
        return grpc_error(wire::grpc_code_for_http(code), "sink fault injection");
    }
    let status = StatusCode::from_u16(code).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
    let mut resp = respond(status, "text/plain", "sink fault injection\n");
    if matches!(code, 429 | 503) {
        resp.headers_mut()
            .insert(RETRY_AFTER, HeaderValue::from_static("1"));
    }
    resp
}
