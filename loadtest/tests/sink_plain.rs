//! The sink's plain HTTP/1.1 port over real loopback: the generator and
//! curl-shaped clients are served, bodies of every framing are counted, and
//! what it cannot serve is refused with a status and a closed connection.

mod common;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::any_port;
use planeguard_loadtest::corpus::CanaryBook;
use planeguard_loadtest::gen::{self, GenConfig, Protocol};
use planeguard_loadtest::sink::{Fault, Sink, SinkConfig};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

async fn plain_sink() -> (Sink, SocketAddr) {
    let mut cfg = SinkConfig::new(any_port(), Arc::new(CanaryBook::empty()));
    cfg.plain_listen = Some(any_port());
    cfg.max_body_bytes = 1 << 20;
    let sink = Sink::start(cfg).await.expect("sink starts");
    let plain = sink.plain_addr().expect("plain port");
    assert_ne!(plain, sink.addr());
    (sink, plain)
}

/// Writes `bytes` and reads until the server closes or `want` answers have
/// arrived (counted by status lines).
async fn exchange(addr: SocketAddr, bytes: &[u8], want: usize) -> String {
    let mut s = TcpStream::connect(addr).await.unwrap();
    s.write_all(bytes).await.unwrap();
    let mut got = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(5);
    let mut buf = [0u8; 4096];
    while String::from_utf8_lossy(&got).matches("HTTP/1.1 ").count() < want {
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, s.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => break,
            Ok(Ok(n)) => got.extend_from_slice(&buf[..n]),
            Err(_) => panic!("no answer in 5 s; got {:?}", String::from_utf8_lossy(&got)),
        }
    }
    String::from_utf8(got).unwrap()
}

/// Whether the server closed the connection after answering.
async fn closed_after(addr: SocketAddr, bytes: &[u8]) -> (String, bool) {
    let mut s = TcpStream::connect(addr).await.unwrap();
    s.write_all(bytes).await.unwrap();
    let mut got = Vec::new();
    let closed = tokio::time::timeout(Duration::from_secs(5), s.read_to_end(&mut got))
        .await
        .is_ok();
    (String::from_utf8_lossy(&got).into_owned(), closed)
}

#[tokio::test]
async fn generator_load_is_counted_on_the_plain_port_only() {
    let (sink, plain) = plain_sink().await;
    let mut g = GenConfig::new(plain, Protocol::Http);
    g.size = 4096;
    g.connections = 4;
    g.warmup = Duration::ZERO;
    g.duration = Duration::from_secs(5);
    g.max_requests = Some(400);
    let r = gen::run(&g).await.unwrap();
    assert_eq!((r.total_requests, r.errors), (400, 0));
    let st = sink.stats();
    assert_eq!(st.other_requests, 400);
    assert_eq!(st.other_bytes, 400 * 4096);
    assert_eq!(st.decode_errors, 0);
}

#[tokio::test]
async fn every_body_framing_is_read_and_pipelined_requests_are_answered_in_order() {
    let (sink, plain) = plain_sink().await;
    let out = exchange(
        plain,
        b"POST /a HTTP/1.1\r\nhost: x\r\ncontent-length: 5\r\n\r\nhello\
          POST /b HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked\r\n\r\n3;ext\r\nabc\r\n4\r\ndefg\r\n0\r\ntrailer: t\r\n\r\n\
          GET /c HTTP/1.1\r\nhost: x\r\n\r\n\
          POST /d HTTP/1.1\r\nhost: x\r\nexpect: 100-continue\r\ncontent-length: 2\r\n\r\nhi",
        5,
    )
    .await;
    assert_eq!(out.matches("HTTP/1.1 200 OK").count(), 4, "{out}");
    assert!(
        out.contains("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK"),
        "{out}"
    );
    assert!(out.ends_with("ok\n"));
    let st = sink.stats();
    assert_eq!(st.other_requests, 4);
    assert_eq!(st.other_bytes, 5 + 7 + 2);
}

#[tokio::test]
async fn what_cannot_be_served_is_refused_and_the_connection_closed() {
    let (sink, plain) = plain_sink().await;
    let big_head = format!("GET / HTTP/1.1\r\nx-big: {}\r\n\r\n", "a".repeat(70 << 10));
    for (request, status) in [
        (&b"NOT HTTP AT ALL\r\n\r\n"[..], "400"),
        (
            b"POST / HTTP/1.1\r\ncontent-length: 1\r\ncontent-length: 2\r\n\r\nxx",
            "400",
        ),
        (
            b"POST / HTTP/1.1\r\ncontent-length: 3\r\ntransfer-encoding: chunked\r\n\r\n0\r\n\r\n",
            "400",
        ),
        (b"POST / HTTP/1.1\r\ntransfer-encoding: gzip\r\n\r\n", "501"),
        (
            b"POST / HTTP/1.1\r\ntransfer-encoding: chunked\r\n\r\nzz\r\nab\r\n0\r\n\r\n",
            "400",
        ),
        (b"POST / HTTP/1.1\r\ncontent-length: 2000000\r\n\r\n", "413"),
        (big_head.as_bytes(), "431"),
    ] {
        let (out, closed) = closed_after(plain, request).await;
        assert!(
            out.starts_with(&format!("HTTP/1.1 {status} ")),
            "{status}: {out:?}"
        );
        assert!(closed, "{status}: connection left open");
    }
    let st = sink.stats();
    assert_eq!((st.other_requests, st.decode_errors), (0, 7));
}

#[tokio::test]
async fn connection_close_and_http_1_0_end_the_connection() {
    let (_sink, plain) = plain_sink().await;
    for request in [
        &b"POST / HTTP/1.1\r\nconnection: close\r\ncontent-length: 1\r\n\r\nx"[..],
        b"GET / HTTP/1.0\r\n\r\n",
    ] {
        let (out, closed) = closed_after(plain, request).await;
        assert!(out.starts_with("HTTP/1.1 200 OK"), "{out}");
        assert!(closed);
    }
}

#[tokio::test]
async fn fault_modes_apply_to_the_plain_port() {
    let (sink, plain) = plain_sink().await;
    sink.set_fault(Fault::Status(503));
    let out = exchange(plain, b"POST / HTTP/1.1\r\ncontent-length: 1\r\n\r\nx", 1).await;
    assert!(
        out.starts_with("HTTP/1.1 503 Service Unavailable\r\n"),
        "{out}"
    );
    assert!(out.contains("retry-after: 1\r\n"));
    assert!(out.ends_with("\r\n\r\nsink fault injection\n"));
    assert_eq!(sink.stats().fault_responses, 1);

    sink.set_fault(Fault::Delay(Duration::from_millis(150)));
    let t0 = Instant::now();
    let out = exchange(plain, b"POST / HTTP/1.1\r\ncontent-length: 1\r\n\r\nx", 1).await;
    assert!(out.starts_with("HTTP/1.1 200 OK"));
    assert!(t0.elapsed() >= Duration::from_millis(150));

    sink.set_fault(Fault::Refuse);
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(
        TcpStream::connect(plain).await.is_err(),
        "refuse stops the plain port too"
    );
    sink.set_fault(Fault::None);
    let deadline = Instant::now() + Duration::from_secs(5);
    while TcpStream::connect(plain).await.is_err() {
        assert!(Instant::now() < deadline, "plain port listens again");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
