//! Helpers shared by the integration tests: a sink on an ephemeral loopback
//! port and minimal HTTP/1.1 and HTTP/2 clients that send one request.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::sync::Arc;

use bytes::Bytes;
use http::{HeaderMap, Request, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper::client::conn::{http1, http2};
use hyper_util::rt::{TokioExecutor, TokioIo};
use planeguard_loadtest::corpus::{CanaryBook, CorpusArgs};
use planeguard_loadtest::sink::{Sink, SinkConfig};
use tokio::net::TcpStream;

pub fn any_port() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 0))
}

/// A small corpus so that building it and its canary index is quick.
pub fn small_corpus() -> CorpusArgs {
    CorpusArgs {
        pool: 4,
        batch: 50,
        ..CorpusArgs::default()
    }
}

pub async fn sink(corpus: &CorpusArgs) -> Sink {
    Sink::start(SinkConfig::new(
        any_port(),
        Arc::new(CanaryBook::new(corpus)),
    ))
    .await
    .expect("sink starts")
}

/// One HTTP/1.1 POST; returns status and body.
pub async fn post_h1(
    addr: SocketAddr,
    path: &str,
    headers: &[(&str, &str)],
    body: impl Into<Bytes>,
) -> (StatusCode, Bytes) {
    let stream = TcpStream::connect(addr).await.expect("connect");
    let (mut send, conn) = http1::handshake(TokioIo::new(stream)).await.expect("h1");
    tokio::spawn(conn);
    let mut req = Request::post(path).header("host", addr.to_string());
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let resp = send
        .send_request(req.body(Full::new(body.into())).expect("request"))
        .await
        .expect("response");
    let status = resp.status();
    let body = resp.into_body().collect().await.expect("body").to_bytes();
    (status, body)
}

/// One gRPC call over h2c; returns the HTTP status, headers, and trailers.
pub async fn post_grpc(
    addr: SocketAddr,
    path: &str,
    headers: &[(&str, &str)],
    body: impl Into<Bytes>,
) -> (StatusCode, HeaderMap, Option<HeaderMap>) {
    let stream = TcpStream::connect(addr).await.expect("connect");
    let (mut send, conn) = http2::handshake(TokioExecutor::new(), TokioIo::new(stream))
        .await
        .expect("h2");
    tokio::spawn(conn);
    let mut req = Request::post(format!("http://{addr}{path}"))
        .header("content-type", "application/grpc")
        .header("te", "trailers");
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let resp = send
        .send_request(req.body(Full::new(body.into())).expect("request"))
        .await
        .expect("response");
    let (parts, body) = resp.into_parts();
    let collected = body.collect().await.expect("body");
    (parts.status, parts.headers, collected.trailers().cloned())
}

/// grpc-status from trailers, or from headers for trailers-only answers.
pub fn grpc_status(headers: &HeaderMap, trailers: &Option<HeaderMap>) -> Option<String> {
    headers
        .get("grpc-status")
        .or_else(|| trailers.as_ref().and_then(|t| t.get("grpc-status")))
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}
