//! The fast HTTP/1.1 path against a scripted raw upstream: response framings
//! (chunked with trailers, until close, interim 1xx, HEAD), upstream
//! connection reuse and replacement, pipelining, the hand-over to hyper in
//! the middle of a connection, and the failures it must fail closed on.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use super::harness::{request, Pg, Setup};
use super::raw::{exchange_all, exchange_n, Send};

/// What the upstream answers to one request.
#[derive(Clone)]
struct Reply {
    bytes: &'static [u8],
    /// Close the connection after writing.
    close: bool,
}

const fn reply(bytes: &'static [u8]) -> Reply {
    Reply {
        bytes,
        close: false,
    }
}

const fn reply_close(bytes: &'static [u8]) -> Reply {
    Reply { bytes, close: true }
}

const OK: Reply = reply(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");

/// A raw upstream answering requests, in arrival order, from a script.
struct Scripted {
    addr: SocketAddr,
    accepted: Arc<AtomicUsize>,
    /// Raw requests as received (head and body).
    received: Arc<Mutex<Vec<Vec<u8>>>>,
}

impl Scripted {
    async fn start(script: Vec<Reply>) -> Scripted {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let accepted = Arc::new(AtomicUsize::new(0));
        let received = Arc::new(Mutex::new(Vec::new()));
        let script = Arc::new(Mutex::new(VecDeque::from(script)));
        let (a, r) = (Arc::clone(&accepted), Arc::clone(&received));
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                a.fetch_add(1, Ordering::SeqCst);
                tokio::spawn(serve(stream, Arc::clone(&script), Arc::clone(&r)));
            }
        });
        Scripted {
            addr,
            accepted,
            received,
        }
    }

    fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    fn received(&self) -> Vec<String> {
        self.received
            .lock()
            .expect("lock")
            .iter()
            .map(|r| String::from_utf8_lossy(r).into_owned())
            .collect()
    }
}

/// Length of the request at the start of `buf` (Content-Length or chunked), if complete.
fn request_len(buf: &[u8]) -> Option<usize> {
    let head_end = buf.windows(4).position(|w| w == b"\r\n\r\n")? + 4;
    let head = String::from_utf8_lossy(&buf[..head_end]).to_ascii_lowercase();
    if head.contains("transfer-encoding: chunked") {
        let end = buf[head_end..].windows(5).position(|w| w == b"0\r\n\r\n")?;
        return Some(head_end + end + 5);
    }
    let len = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length: "))
        .and_then(|v| v.trim().parse::<usize>().ok())
        .unwrap_or(0);
    (buf.len() >= head_end + len).then_some(head_end + len)
}

async fn serve(
    mut stream: TcpStream,
    script: Arc<Mutex<VecDeque<Reply>>>,
    received: Arc<Mutex<Vec<Vec<u8>>>>,
) {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 16384];
    loop {
        while let Some(n) = request_len(&buf) {
            received
                .lock()
                .expect("lock")
                .push(buf.drain(..n).collect());
            let Some(r) = script.lock().expect("lock").pop_front() else {
                return;
            };
            if stream.write_all(r.bytes).await.is_err() || r.close {
                return;
            }
        }
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => return,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
}

async fn plain_pg(upstream: &Scripted) -> Pg {
    Pg::start(Setup {
        proxy_off: true,
        upstream_url: Some(upstream.url()),
        routes: r#"
    - { methods: [POST, GET, HEAD], path: /v1/* }"#,
        ..Setup::default()
    })
    .await
}

fn keep_alive(method: &str, target: &str, body: &[u8]) -> Vec<u8> {
    request(method, target, &[("Connection", "keep-alive")], body)
}

fn joined(parts: &[Vec<u8>]) -> Vec<u8> {
    parts.concat()
}

#[tokio::test]
async fn chunked_response_with_trailer_is_relayed_and_connections_are_reused() {
    let up = Scripted::start(vec![
        reply(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX-Up: 1\r\n\r\n5;x=y\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: t\r\n\r\n"),
        OK,
    ])
    .await;
    let pg = plain_pg(&up).await;
    let send = Send::split(
        &joined(&[
            keep_alive("POST", "/v1/a", b"first"),
            keep_alive("POST", "/v1/b", b"second"),
        ]),
        &[],
        Duration::ZERO,
    );
    let resps = exchange_n(pg.admission, send, 2).await;
    assert_eq!(resps[0].status, 200);
    assert_eq!(resps[0].body, b"hello world");
    assert_eq!(resps[0].header("x-up"), Some("1"));
    assert_eq!(resps[1].body, b"ok");
    assert_eq!(
        up.accepted.load(Ordering::SeqCst),
        1,
        "one upstream connection for both"
    );
    let got = up.received();
    assert!(got[0].starts_with("POST /v1/a HTTP/1.1\r\n") && got[0].ends_with("\r\n\r\nfirst"));
    assert!(got[1].starts_with("POST /v1/b HTTP/1.1\r\n") && got[1].ends_with("\r\n\r\nsecond"));
    pg.stop().await;
}

#[tokio::test]
async fn until_close_body_arrives_whole_with_connection_close() {
    let up = Scripted::start(vec![reply_close(
        b"HTTP/1.1 200 OK\r\nX-Up: 1\r\n\r\nall of it",
    )])
    .await;
    let pg = plain_pg(&up).await;
    let mut s = TcpStream::connect(pg.admission).await.expect("connect");
    s.write_all(&keep_alive("GET", "/v1/stream", b""))
        .await
        .expect("write");
    let mut raw = Vec::new();
    tokio::time::timeout(Duration::from_secs(5), s.read_to_end(&mut raw))
        .await
        .expect("closed in time")
        .expect("read");
    let text = String::from_utf8_lossy(&raw).to_ascii_lowercase();
    assert!(text.starts_with("http/1.1 200 ok\r\n"), "{text}");
    assert!(text.contains("connection: close\r\n"), "{text}");
    assert!(text.ends_with("\r\n\r\nall of it"), "{text}");
    pg.stop().await;
}

#[tokio::test]
async fn interim_responses_are_skipped_and_head_responses_have_no_body() {
    let up = Scripted::start(vec![
        reply(b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 3\r\n\r\nnew"),
        reply(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n"),
        OK,
    ])
    .await;
    let pg = plain_pg(&up).await;
    let mut s = TcpStream::connect(pg.admission).await.expect("connect");
    let reqs = joined(&[
        keep_alive("POST", "/v1/a", b"x"),
        keep_alive("HEAD", "/v1/b", b""),
        request("GET", "/v1/c", &[], b""),
    ]);
    s.write_all(&reqs).await.expect("write");
    let mut raw = Vec::new();
    tokio::time::timeout(Duration::from_secs(5), s.read_to_end(&mut raw))
        .await
        .expect("closed in time")
        .expect("read");
    let text = String::from_utf8_lossy(&raw);
    let statuses: Vec<&str> = text
        .match_indices("HTTP/1.1 ")
        .filter_map(|(i, _)| text[i..].split("\r\n").next())
        .collect();
    assert_eq!(
        statuses,
        ["HTTP/1.1 201 Created", "HTTP/1.1 200 OK", "HTTP/1.1 200 OK"],
        "{text}"
    );
    assert!(text.contains("\r\n\r\nnewHTTP/1.1 200 OK\r\n"), "{text}");
    assert!(text.ends_with("\r\n\r\nok"), "{text}");
    pg.stop().await;
}

#[tokio::test]
async fn a_pooled_connection_the_upstream_closed_is_replaced() {
    // Each reply closes its connection although it announced keep-alive.
    let closing_ok = reply_close(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
    let up = Scripted::start(vec![closing_ok.clone(), closing_ok.clone(), closing_ok]).await;
    let pg = plain_pg(&up).await;
    for (i, method) in ["GET", "POST", "GET"].into_iter().enumerate() {
        let resps = exchange_n(
            pg.admission,
            Send::once(request(method, "/v1/x", &[], b"")),
            1,
        )
        .await;
        assert_eq!(resps[0].status, 200, "request {i}");
        // Let the close reach planeguard's idle pool.
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(up.accepted.load(Ordering::SeqCst), 3);
    pg.stop().await;
}

#[tokio::test]
async fn chunked_request_midway_is_served_by_the_hyper_path() {
    let up = Scripted::start(vec![OK, OK, OK]).await;
    let pg = plain_pg(&up).await;
    let chunked = b"POST /v1/c HTTP/1.1\r\nHost: q\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nbody\r\n0\r\n\r\n".to_vec();
    let reqs = joined(&[
        keep_alive("POST", "/v1/a", b"one"),
        chunked,
        keep_alive("POST", "/v1/d", b"three"),
    ]);
    let resps = exchange_n(pg.admission, Send::once(reqs), 3).await;
    assert!(resps.iter().all(|r| r.status == 200), "{resps:?}");
    let got = up.received();
    assert_eq!(got.len(), 3);
    assert!(got[0].ends_with("\r\n\r\none"));
    assert!(got[1].starts_with("POST /v1/c "), "{}", got[1]);
    assert!(got[1].contains("body"), "{}", got[1]);
    assert!(got[2].ends_with("\r\n\r\nthree"));
    pg.stop().await;
}

#[tokio::test]
async fn oversized_body_is_refused_before_anything_is_forwarded() {
    let up = Scripted::start(vec![OK]).await;
    let pg = plain_pg(&up).await;
    let head = b"POST /v1/a HTTP/1.1\r\nHost: q\r\nContent-Length: 1000000\r\n\r\n".to_vec();
    let (resps, closed) = exchange_all(pg.admission, Send::once(head)).await;
    assert_eq!(resps.len(), 1);
    assert_eq!(resps[0].status, 413);
    assert_eq!(resps[0].error(), "body_too_large");
    assert!(closed);
    assert_eq!(up.accepted.load(Ordering::SeqCst), 0);
    assert_eq!(pg.audit_reason("body_too_large").len(), 1);
    pg.stop().await;
}

#[tokio::test]
async fn refusal_with_its_body_read_keeps_the_connection() {
    let up = Scripted::start(vec![OK]).await;
    let pg = plain_pg(&up).await;
    let reqs = joined(&[
        keep_alive("POST", "/other", b"not allowed"),
        keep_alive("POST", "/v1/a", b"allowed"),
    ]);
    let resps = exchange_n(pg.admission, Send::once(reqs), 2).await;
    assert_eq!(resps[0].status, 403);
    assert_eq!(resps[0].error(), "route_not_allowed");
    assert_eq!(resps[1].status, 200);
    assert_eq!(up.received().len(), 1);
    pg.stop().await;
}

#[tokio::test]
async fn bad_upstream_framing_is_a_bad_gateway() {
    let up = Scripted::start(vec![reply(
        b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\nok",
    )])
    .await;
    let pg = plain_pg(&up).await;
    let resps = exchange_n(
        pg.admission,
        Send::once(request("GET", "/v1/x", &[], b"")),
        1,
    )
    .await;
    assert_eq!(resps[0].status, 502);
    assert_eq!(resps[0].error(), "upstream_unreachable");
    pg.stop().await;
}

#[tokio::test]
async fn truncated_upstream_body_is_not_passed_off_as_complete() {
    let up = Scripted::start(vec![reply_close(
        b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhalf",
    )])
    .await;
    let pg = plain_pg(&up).await;
    let (resps, closed) =
        exchange_all(pg.admission, Send::once(keep_alive("GET", "/v1/x", b""))).await;
    assert!(resps.is_empty(), "no complete response: {resps:?}");
    assert!(closed, "the client connection ends");
    pg.stop().await;
}

#[tokio::test]
async fn body_split_across_segments_is_forwarded_whole() {
    let up = Scripted::start(vec![OK]).await;
    let pg = plain_pg(&up).await;
    let body = vec![b'z'; 40_000];
    let req = request("POST", "/v1/big", &[], &body);
    let cuts = [10, 60, 3000, 20_000];
    let resps = exchange_n(
        pg.admission,
        Send::split(&req, &cuts, Duration::from_millis(5)),
        1,
    )
    .await;
    assert_eq!(resps[0].status, 200);
    let got = up.received();
    assert!(got[0].ends_with(&"z".repeat(40_000)));
    assert!(got[0].contains("content-length: 40000") || got[0].contains("Content-Length: 40000"));
    pg.stop().await;
}

#[tokio::test]
async fn shutdown_closes_idle_kept_alive_connections_without_waiting_out_the_drain() {
    let up = Scripted::start(vec![OK]).await;
    let pg = plain_pg(&up).await;
    let mut s = TcpStream::connect(pg.admission).await.expect("connect");
    s.write_all(&keep_alive("GET", "/v1/x", b""))
        .await
        .expect("write");
    let mut buf = [0u8; 1024];
    let n = tokio::time::timeout(Duration::from_secs(5), s.read(&mut buf))
        .await
        .expect("answered")
        .expect("read");
    assert!(buf[..n].starts_with(b"HTTP/1.1 200"));
    // The connection now idles between requests; the drain timeout is 2 s.
    let started = std::time::Instant::now();
    pg.stop().await;
    assert!(
        started.elapsed() < Duration::from_millis(1500),
        "stop took {:?}",
        started.elapsed()
    );
    let closed = tokio::time::timeout(Duration::from_secs(2), s.read(&mut buf)).await;
    assert!(matches!(closed, Ok(Ok(0)) | Ok(Err(_))), "{closed:?}");
}

#[tokio::test]
async fn large_responses_are_relayed_whole() {
    // 200 KB with Content-Length, then 200 KB in 7 KB chunks: both go out in
    // several writes (head and body together, then the rest as it arrives).
    let body: Vec<u8> = (0..200_000u32).map(|i| b'a' + (i % 26) as u8).collect();
    let mut sized =
        format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n", body.len()).into_bytes();
    sized.extend_from_slice(&body);
    let mut chunked = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
    for part in body.chunks(7_000) {
        chunked.extend_from_slice(format!("{:x}\r\n", part.len()).as_bytes());
        chunked.extend_from_slice(part);
        chunked.extend_from_slice(b"\r\n");
    }
    chunked.extend_from_slice(b"0\r\n\r\n");
    let up = Scripted::start(vec![
        reply(Box::leak(sized.into_boxed_slice())),
        reply(Box::leak(chunked.into_boxed_slice())),
    ])
    .await;
    let pg = plain_pg(&up).await;
    let reqs = joined(&[
        keep_alive("GET", "/v1/sized", b""),
        keep_alive("GET", "/v1/chunked", b""),
    ]);
    let resps = exchange_n(pg.admission, Send::once(reqs), 2).await;
    assert_eq!(resps[0].body, body, "Content-Length body");
    assert_eq!(resps[1].body, body, "chunked body");
    assert_eq!(up.accepted.load(Ordering::SeqCst), 1);
    pg.stop().await;
}
