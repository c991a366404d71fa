//! A raw TCP client: writes crafted bytes (optionally in several TCP segments)
//! and reads back whatever the server does — an HTTP/1.1 response, a close
//! without a byte, or silence — without any HTTP library smoothing it over.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Header names (lower-cased) and values, in wire order.
pub type Headers = Vec<(String, String)>;

/// One parsed HTTP/1.1 response.
#[derive(Debug, Clone)]
pub struct Resp {
    pub status: u16,
    /// Header names lower-cased, in wire order.
    pub headers: Headers,
    pub body: Vec<u8>,
}

impl Resp {
    /// The first value of `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The `error` member of planeguard's JSON refusal body.
    pub fn error(&self) -> String {
        serde_json::from_slice::<serde_json::Value>(&self.body)
            .ok()
            .and_then(|v| v.get("error").and_then(|e| e.as_str()).map(str::to_owned))
            .unwrap_or_default()
    }
}

/// What the server did with the bytes.
#[derive(Debug)]
pub enum Outcome {
    /// A complete HTTP response (the first one, when several were read).
    Response(Resp),
    /// The connection was closed (FIN or RST) before the server sent a single byte.
    Closed { after: Duration },
    /// Nothing came back and the connection stayed open until the client gave up.
    Open,
    /// Bytes that are not an HTTP/1.1 response.
    Garbage(Vec<u8>),
}

impl Outcome {
    /// The response, or a panic naming what happened instead.
    pub fn resp(self, what: &str) -> Resp {
        match self {
            Outcome::Response(r) => r,
            Outcome::Garbage(bytes) => panic!(
                "{what}: expected an HTTP response, got {:?}",
                String::from_utf8_lossy(&bytes)
            ),
            other => panic!("{what}: expected an HTTP response, got {other:?}"),
        }
    }

    pub fn status(self, what: &str) -> u16 {
        self.resp(what).status
    }

    /// Asserts the server closed without answering; returns how long that took.
    pub fn closed(self, what: &str) -> Duration {
        match self {
            Outcome::Closed { after } => after,
            Outcome::Response(r) => panic!(
                "{what}: expected a close without response, got HTTP {} {:?}",
                r.status,
                String::from_utf8_lossy(&r.body)
            ),
            other => panic!("{what}: expected a close without response, got {other:?}"),
        }
    }
}

/// How to send: segments written one by one with `gap` between them.
pub struct Send {
    pub segments: Vec<Vec<u8>>,
    pub gap: Duration,
    /// Half-close the write side after the last segment (the client sent EOF).
    pub shutdown_write: bool,
    /// How long to wait for the server before reporting [`Outcome::Open`].
    pub wait: Duration,
}

impl Send {
    /// All bytes in one write.
    pub fn once(bytes: Vec<u8>) -> Self {
        Send {
            segments: vec![bytes],
            gap: Duration::ZERO,
            shutdown_write: false,
            wait: Duration::from_secs(5),
        }
    }

    /// `bytes` cut at `cuts` (byte offsets), each piece its own segment, `gap` apart.
    pub fn split(bytes: &[u8], cuts: &[usize], gap: Duration) -> Self {
        let mut segments = Vec::new();
        let mut at = 0;
        for &c in cuts {
            segments.push(bytes[at..c].to_vec());
            at = c;
        }
        segments.push(bytes[at..].to_vec());
        Send {
            segments,
            gap,
            shutdown_write: false,
            wait: Duration::from_secs(5),
        }
    }
}

/// Connects, sends, reads the first response (or the close / silence).
pub async fn exchange(addr: SocketAddr, send: Send) -> Outcome {
    let (mut stream, started) = write_all(addr, &send).await;
    let (buf, ended) = read_until(&mut stream, send.wait, |b| parse(b).is_some()).await;
    outcome(buf, ended, started)
}

/// Connects, sends, and reads `n` responses from the same connection.
pub async fn exchange_n(addr: SocketAddr, send: Send, n: usize) -> Vec<Resp> {
    let (mut stream, _) = write_all(addr, &send).await;
    let (buf, _) = read_until(&mut stream, send.wait, |b| parse_many(b).len() >= n).await;
    let all = parse_many(&buf);
    assert!(
        all.len() >= n,
        "expected {n} responses, parsed {} from {:?}",
        all.len(),
        String::from_utf8_lossy(&buf)
    );
    all
}

/// Connects, sends, reads until the server closes (or `wait`); returns every
/// complete response and whether the server closed the connection.
pub async fn exchange_all(addr: SocketAddr, send: Send) -> (Vec<Resp>, bool) {
    let (mut stream, _) = write_all(addr, &send).await;
    let (buf, ended) = read_until(&mut stream, send.wait, |_| false).await;
    (parse_many(&buf), ended)
}

/// Convenience: one write, one outcome.
pub async fn send_once(addr: SocketAddr, bytes: Vec<u8>) -> Outcome {
    exchange(addr, Send::once(bytes)).await
}

async fn write_all(addr: SocketAddr, send: &Send) -> (TcpStream, Instant) {
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    stream.set_nodelay(true).expect("nodelay");
    let started = Instant::now();
    for (i, seg) in send.segments.iter().enumerate() {
        if i > 0 && !send.gap.is_zero() {
            tokio::time::sleep(send.gap).await;
        }
        // A refusing server may already have closed: the read side reports what happened.
        if stream.write_all(seg).await.is_err() {
            break;
        }
        let _ = stream.flush().await;
    }
    if send.shutdown_write {
        let _ = stream.shutdown().await;
    }
    (stream, started)
}

/// Reads until `done(buf)`, EOF, an error, or `wait`; returns the bytes and whether it ended by EOF/error.
async fn read_until(
    stream: &mut TcpStream,
    wait: Duration,
    done: impl Fn(&[u8]) -> bool,
) -> (Vec<u8>, bool) {
    let deadline = tokio::time::Instant::now() + wait;
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    loop {
        match tokio::time::timeout_at(deadline, stream.read(&mut chunk)).await {
            Err(_) => return (buf, false),
            Ok(Ok(0)) | Ok(Err(_)) => return (buf, true),
            Ok(Ok(n)) => {
                buf.extend_from_slice(&chunk[..n]);
                if done(&buf) {
                    return (buf, false);
                }
            }
        }
    }
}

fn outcome(buf: Vec<u8>, ended: bool, started: Instant) -> Outcome {
    if buf.is_empty() {
        return if ended {
            Outcome::Closed {
                after: started.elapsed(),
            }
        } else {
            Outcome::Open
        };
    }
    match parse(&buf).or_else(|| parse_to_eof(&buf)) {
        Some((r, _)) => Outcome::Response(r),
        None => Outcome::Garbage(buf),
    }
}

fn find(hay: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    hay.get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|p| p + from)
}

/// Status line and headers; returns (status, headers, body start).
fn head(buf: &[u8]) -> Option<(u16, Headers, usize)> {
    let end = find(buf, b"\r\n\r\n", 0)?;
    let text = std::str::from_utf8(&buf[..end]).ok()?;
    let mut lines = text.split("\r\n");
    let status_line = lines.next()?;
    let mut parts = status_line.splitn(3, ' ');
    if !parts.next()?.starts_with("HTTP/1.") {
        return None;
    }
    let status = parts.next()?.parse().ok()?;
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    Some((status, headers, end + 4))
}

/// A complete response at the start of `buf`, framed by Content-Length or chunked.
fn parse(buf: &[u8]) -> Option<(Resp, usize)> {
    let (status, headers, start) = head(buf)?;
    let get = |n: &str| {
        headers
            .iter()
            .find(|(k, _)| k == n)
            .map(|(_, v)| v.as_str())
    };
    if get("transfer-encoding").is_some_and(|v| v.eq_ignore_ascii_case("chunked")) {
        let (body, used) = dechunk(&buf[start..])?;
        return Some((
            Resp {
                status,
                headers,
                body,
            },
            start + used,
        ));
    }
    let len: usize = match get("content-length") {
        Some(v) => v.parse().ok()?,
        None if status == 204 || status == 304 || status < 200 => 0,
        None => return None,
    };
    let body = buf.get(start..start + len)?.to_vec();
    Some((
        Resp {
            status,
            headers,
            body,
        },
        start + len,
    ))
}

/// A response delimited by the connection close.
fn parse_to_eof(buf: &[u8]) -> Option<(Resp, usize)> {
    let (status, headers, start) = head(buf)?;
    Some((
        Resp {
            status,
            headers,
            body: buf[start..].to_vec(),
        },
        buf.len(),
    ))
}

fn parse_many(buf: &[u8]) -> Vec<Resp> {
    let mut out = Vec::new();
    let mut at = 0;
    while let Some((r, used)) = parse(&buf[at..]) {
        out.push(r);
        at += used;
    }
    out
}

/// Decodes a chunked body; `None` until it is complete.
fn dechunk(buf: &[u8]) -> Option<(Vec<u8>, usize)> {
    let mut body = Vec::new();
    let mut at = 0;
    loop {
        let eol = find(buf, b"\r\n", at)?;
        let line = std::str::from_utf8(&buf[at..eol]).ok()?;
        let size = usize::from_str_radix(line.split(';').next()?.trim(), 16).ok()?;
        at = eol + 2;
        if size == 0 {
            // Trailers, then an empty line.
            let end = if buf.get(at..at + 2)? == b"\r\n" {
                at + 2
            } else {
                find(buf, b"\r\n\r\n", at)? + 4
            };
            return Some((body, end));
        }
        body.extend_from_slice(buf.get(at..at + size)?);
        at += size;
        if buf.get(at..at + 2)? != b"\r\n" {
            return None;
        }
        at += 2;
    }
}

#[test]
fn response_parser_frames_by_length_and_chunks() {
    let two = b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nhiHTTP/1.1 403 Forbidden\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n1\r\nd\r\n0\r\n\r\n";
    let all = parse_many(two);
    assert_eq!(all.len(), 2);
    assert_eq!((all[0].status, &all[0].body[..]), (200, &b"hi"[..]));
    assert_eq!((all[1].status, &all[1].body[..]), (403, &b"abcd"[..]));
    assert!(parse(b"HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nhi").is_none());
    assert!(parse(b"garbage\r\n\r\n").is_none());
}
