//! The generator's HTTP/1.1 connection: one request at a time, written with
//! its pre-encoded head in one vectored write, the answer parsed in place
//! with httparse and its body skipped without being kept.
//!
//! Why not hyper's client: the generator shares one core with the sink, and
//! in the plain-proxying scenarios that core, not the proxy under test, set
//! the pace. hyper's client runs every connection as two tasks (the caller
//! and the connection driver, woken in turn for each request) and builds a
//! `Request` and a `HeaderMap` per request; this does neither.

use std::io::{self, IoSlice};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Largest answer head accepted; more is a broken peer.
const MAX_HEAD: usize = 64 << 10;
/// Initial read buffer: a typical answer fits whole.
const READ_BUF: usize = 16 << 10;
/// Headers parsed per answer; more is a broken peer.
const MAX_HEADERS: usize = 64;

/// Why an exchange failed; the connection is not reusable after any of them.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum H1Error {
    /// The socket failed or closed before the answer was complete.
    Io,
    /// The answer is not HTTP/1.1 as this client reads it.
    BadResponse,
}

impl H1Error {
    pub fn kind(&self) -> &'static str {
        match self {
            H1Error::Io => "io",
            H1Error::BadResponse => "bad_response",
        }
    }
}

impl From<io::Error> for H1Error {
    fn from(_: io::Error) -> Self {
        H1Error::Io
    }
}

/// How the answer's body is delimited (RFC 9112 section 6.3).
enum Framing {
    Length(u64),
    Chunked,
    /// Until the server closes the connection.
    ToEof,
}

/// One client connection.
pub(crate) struct H1Conn {
    stream: TcpStream,
    /// Head of the next request (`head_prefix` + content length + CRLFs).
    head: Vec<u8>,
    buf: Vec<u8>,
    /// Unread bytes are `buf[start..end]`.
    start: usize,
    end: usize,
    /// The server asked to close after the last answer (or its body ran to
    /// the end of the stream).
    closed: bool,
}

impl H1Conn {
    pub fn new(stream: TcpStream) -> Self {
        Self {
            stream,
            head: Vec::with_capacity(512),
            buf: vec![0; READ_BUF],
            start: 0,
            end: 0,
            closed: false,
        }
    }

    pub fn closed(&self) -> bool {
        self.closed
    }

    /// Sends `POST` with `head_prefix` (request line and headers, up to and
    /// including `content-length: `) and `body`, then reads the answer;
    /// returns its status.
    pub async fn exchange(&mut self, head_prefix: &[u8], body: &[u8]) -> Result<u16, H1Error> {
        self.head.clear();
        self.head.extend_from_slice(head_prefix);
        push_decimal(&mut self.head, body.len() as u64);
        self.head.extend_from_slice(b"\r\n\r\n");
        write_both(&mut self.stream, &self.head, body).await?;
        self.read_answer().await
    }

    async fn read_answer(&mut self) -> Result<u16, H1Error> {
        loop {
            let (status, framing, close) = self.read_head().await?;
            // Interim answers (100 Continue and the like) precede the real one.
            if (100..200).contains(&status) && status != 101 {
                continue;
            }
            let no_body = status == 204 || status == 304;
            let closed = match framing {
                _ if no_body => close,
                Framing::Length(n) => {
                    self.skip(n).await?;
                    close
                }
                Framing::Chunked => {
                    self.skip_chunked().await?;
                    close
                }
                Framing::ToEof => {
                    while self.fill().await? > 0 {
                        self.start = self.end;
                    }
                    true
                }
            };
            self.closed = closed;
            return Ok(status);
        }
    }

    /// Parses one answer head, reading until it is complete.
    async fn read_head(&mut self) -> Result<(u16, Framing, bool), H1Error> {
        loop {
            let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
            let mut resp = httparse::Response::new(&mut headers);
            match resp.parse(&self.buf[self.start..self.end]) {
                Ok(httparse::Status::Complete(n)) => {
                    let status = resp.code.ok_or(H1Error::BadResponse)?;
                    let (framing, close) = framing_of(resp.version, resp.headers)?;
                    self.start += n;
                    return Ok((status, framing, close));
                }
                Ok(httparse::Status::Partial) => {
                    if self.end - self.start >= MAX_HEAD {
                        return Err(H1Error::BadResponse);
                    }
                    if self.fill().await? == 0 {
                        return Err(H1Error::Io);
                    }
                }
                Err(_) => return Err(H1Error::BadResponse),
            }
        }
    }

    /// Consumes `n` body bytes.
    async fn skip(&mut self, mut n: u64) -> Result<(), H1Error> {
        loop {
            let have = (self.end - self.start) as u64;
            let take = have.min(n);
            self.start += take as usize;
            n -= take;
            if n == 0 {
                return Ok(());
            }
            if self.fill().await? == 0 {
                return Err(H1Error::Io);
            }
        }
    }

    /// Consumes a chunked body and its trailers.
    async fn skip_chunked(&mut self) -> Result<(), H1Error> {
        loop {
            let line = self.read_line().await?;
            let size = chunk_size(line).ok_or(H1Error::BadResponse)?;
            self.start += line.len() + 2;
            if size == 0 {
                // Trailer fields, then an empty line.
                loop {
                    let line = self.read_line().await?;
                    let len = line.len();
                    self.start += len + 2;
                    if len == 0 {
                        return Ok(());
                    }
                }
            }
            self.skip(size).await?;
            if !self.read_line().await?.is_empty() {
                return Err(H1Error::BadResponse);
            }
            self.start += 2;
        }
    }

    /// The next line (without its CRLF) once it is buffered whole; not
    /// consumed.
    async fn read_line(&mut self) -> Result<&[u8], H1Error> {
        loop {
            let unread = &self.buf[self.start..self.end];
            if let Some(i) = memchr::memmem::find(unread, b"\r\n") {
                return Ok(&self.buf[self.start..self.start + i]);
            }
            if unread.len() >= MAX_HEAD {
                return Err(H1Error::BadResponse);
            }
            if self.fill().await? == 0 {
                return Err(H1Error::Io);
            }
        }
    }

    /// Reads more bytes after the unread ones, making room first; 0 = the
    /// server closed.
    async fn fill(&mut self) -> io::Result<usize> {
        if self.start == self.end {
            self.start = 0;
            self.end = 0;
        } else if self.end == self.buf.len() {
            if self.start > 0 {
                self.buf.copy_within(self.start..self.end, 0);
                self.end -= self.start;
                self.start = 0;
            } else {
                let grown = self.buf.len() * 2;
                self.buf.resize(grown, 0);
            }
        }
        let n = self.stream.read(&mut self.buf[self.end..]).await?;
        self.end += n;
        Ok(n)
    }
}

/// Body framing and whether the server will close, from the answer headers.
fn framing_of(
    version: Option<u8>,
    headers: &[httparse::Header<'_>],
) -> Result<(Framing, bool), H1Error> {
    let mut length = None;
    let mut chunked = false;
    // HTTP/1.0 closes unless asked to keep alive.
    let mut close = version != Some(1);
    for h in headers {
        if h.name.eq_ignore_ascii_case("content-length") {
            let n = parse_decimal(h.value).ok_or(H1Error::BadResponse)?;
            if length.is_some_and(|m| m != n) {
                return Err(H1Error::BadResponse);
            }
            length = Some(n);
        } else if h.name.eq_ignore_ascii_case("transfer-encoding") {
            chunked = last_token(h.value).eq_ignore_ascii_case(b"chunked");
        } else if h.name.eq_ignore_ascii_case("connection") {
            for token in h.value.split(|&b| b == b',') {
                let token = token.trim_ascii();
                if token.eq_ignore_ascii_case(b"close") {
                    close = true;
                } else if token.eq_ignore_ascii_case(b"keep-alive") {
                    close = false;
                }
            }
        }
    }
    Ok(match (chunked, length) {
        (true, _) => (Framing::Chunked, close),
        (false, Some(n)) => (Framing::Length(n), close),
        (false, None) => (Framing::ToEof, close),
    })
}

fn last_token(value: &[u8]) -> &[u8] {
    value
        .rsplit(|&b| b == b',')
        .next()
        .unwrap_or_default()
        .trim_ascii()
}

fn parse_decimal(v: &[u8]) -> Option<u64> {
    let v = v.trim_ascii();
    if v.is_empty() {
        return None;
    }
    v.iter().try_fold(0u64, |n, &b| {
        if !b.is_ascii_digit() {
            return None;
        }
        n.checked_mul(10)?.checked_add(u64::from(b - b'0'))
    })
}

/// The size of a chunk from its size line (extensions after `;` ignored).
fn chunk_size(line: &[u8]) -> Option<u64> {
    let hex = line.split(|&b| b == b';').next()?.trim_ascii();
    if hex.is_empty() || hex.len() > 15 {
        return None;
    }
    hex.iter().try_fold(0u64, |n, &b| {
        let d = (b as char).to_digit(16)?;
        Some(n << 4 | u64::from(d))
    })
}

fn push_decimal(out: &mut Vec<u8>, mut n: u64) {
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(&digits[i..]);
}

/// Writes `a` then `b`, in one system call when the socket takes both.
async fn write_both(stream: &mut TcpStream, a: &[u8], b: &[u8]) -> io::Result<()> {
    let n = stream
        .write_vectored(&[IoSlice::new(a), IoSlice::new(b)])
        .await?;
    if n == 0 {
        return Err(io::ErrorKind::WriteZero.into());
    }
    if n < a.len() {
        stream.write_all(&a[n..]).await?;
        stream.write_all(b).await
    } else {
        stream.write_all(&b[n - a.len()..]).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::net::TcpListener;

    /// A server that reads one request (head + content-length body) per
    /// answer in `answers` and writes the answer in the given pieces.
    async fn serve(answers: Vec<Vec<&'static [u8]>>) -> std::net::SocketAddr {
        let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = l.local_addr().unwrap();
        tokio::spawn(async move {
            let (mut s, _) = l.accept().await.unwrap();
            let mut seen = Vec::new();
            for pieces in answers {
                read_request(&mut s, &mut seen).await;
                for p in pieces {
                    s.write_all(p).await.unwrap();
                    s.flush().await.unwrap();
                    tokio::time::sleep(std::time::Duration::from_millis(2)).await;
                }
            }
        });
        addr
    }

    async fn read_request(s: &mut TcpStream, buf: &mut Vec<u8>) {
        loop {
            if let Some(end) = memchr::memmem::find(buf, b"\r\n\r\n") {
                let head = std::str::from_utf8(&buf[..end])
                    .unwrap()
                    .to_ascii_lowercase();
                let len: usize = head
                    .lines()
                    .find_map(|l| l.strip_prefix("content-length: "))
                    .unwrap()
                    .parse()
                    .unwrap();
                if buf.len() >= end + 4 + len {
                    buf.drain(..end + 4 + len);
                    return;
                }
            }
            let mut chunk = [0u8; 4096];
            let n = s.read(&mut chunk).await.unwrap();
            assert!(n > 0, "client closed mid-request");
            buf.extend_from_slice(&chunk[..n]);
        }
    }

    async fn client(addr: std::net::SocketAddr) -> H1Conn {
        H1Conn::new(TcpStream::connect(addr).await.unwrap())
    }

    const PREFIX: &[u8] = b"POST /post HTTP/1.1\r\nhost: t\r\ncontent-length: ";

    #[tokio::test]
    async fn reads_length_chunked_and_interim_answers_on_one_connection() {
        let addr = serve(vec![
            vec![b"HTTP/1.1 200 OK\r\ncontent-length: 3\r\n\r\nok\n"],
            // Split everywhere a reader can go wrong: inside the head, the
            // size line, the data and the trailers.
            vec![
                b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chu",
                b"nked\r\n\r\n4;ext=1\r\nab",
                b"cd\r\n0\r\nx-trailer: 1\r",
                b"\n\r\n",
            ],
            vec![b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 503 Busy\r\ncontent-length: 0\r\n\r\n"],
            vec![b"HTTP/1.1 204 No Content\r\n\r\n"],
        ])
        .await;
        let mut c = client(addr).await;
        let body = vec![7u8; 100_000];
        for want in [200, 200, 503, 204] {
            assert_eq!(c.exchange(PREFIX, &body).await, Ok(want));
            assert!(!c.closed(), "after {want}");
        }
    }

    /// Two answers back to back, the stream cut in two at every byte: the
    /// reader must give the same statuses whatever arrives in which read.
    #[tokio::test]
    async fn every_split_point_reads_the_same() {
        const BOTH: &[u8] = b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n3\r\nabc\r\n10\r\n0123456789abcdef\r\n0\r\n\r\nHTTP/1.1 404 Not Found\r\ncontent-length: 5\r\n\r\nnope!";
        for cut in 1..BOTH.len() {
            let (a, b) = BOTH.split_at(cut);
            let a: &'static [u8] = a;
            let b: &'static [u8] = b;
            let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = l.local_addr().unwrap();
            let server = tokio::spawn(async move {
                let (mut s, _) = l.accept().await.unwrap();
                let mut seen = Vec::new();
                read_request(&mut s, &mut seen).await;
                s.write_all(a).await.unwrap();
                tokio::time::sleep(std::time::Duration::from_micros(200)).await;
                s.write_all(b).await.unwrap();
                read_request(&mut s, &mut seen).await;
            });
            let mut c = client(addr).await;
            assert_eq!(c.exchange(PREFIX, b"x").await, Ok(200), "cut at {cut}");
            assert_eq!(c.exchange(PREFIX, b"y").await, Ok(404), "cut at {cut}");
            assert!(!c.closed());
            server.await.unwrap();
        }
    }

    #[tokio::test]
    async fn close_is_reported_and_bodies_to_eof_are_read() {
        let addr = serve(vec![vec![
            b"HTTP/1.1 200 OK\r\nConnection: close\r\ncontent-length: 2\r\n\r\nok",
        ]])
        .await;
        let mut c = client(addr).await;
        assert_eq!(c.exchange(PREFIX, b"x").await, Ok(200));
        assert!(c.closed());
        let addr = serve(vec![vec![b"HTTP/1.0 200 OK\r\n\r\nuntil the end"]]).await;
        let mut c = client(addr).await;
        assert_eq!(c.exchange(PREFIX, b"x").await, Ok(200));
        assert!(c.closed());
    }

    #[tokio::test]
    async fn broken_answers_are_errors_not_hangs() {
        for (answer, want) in [
            (&b"NOT HTTP\r\n\r\n"[..], H1Error::BadResponse),
            (
                b"HTTP/1.1 200 OK\r\ncontent-length: 1x\r\n\r\n",
                H1Error::BadResponse,
            ),
            (
                b"HTTP/1.1 200 OK\r\ncontent-length: 1\r\ncontent-length: 2\r\n\r\n",
                H1Error::BadResponse,
            ),
            (
                b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\nzz\r\n",
                H1Error::BadResponse,
            ),
            // Closed mid-body and mid-head.
            (
                b"HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\nshort",
                H1Error::Io,
            ),
            (b"HTTP/1.1 200 OK\r\ncontent-le", H1Error::Io),
        ] {
            let addr = serve(vec![vec![answer]]).await;
            let got = client(addr).await.exchange(PREFIX, b"x").await;
            assert_eq!(
                got,
                Err(want),
                "answer {:?}",
                String::from_utf8_lossy(answer)
            );
        }
    }

    #[test]
    fn numbers() {
        let mut v = Vec::new();
        for n in [0u64, 7, 10, 4096, u64::MAX] {
            v.clear();
            push_decimal(&mut v, n);
            assert_eq!(v, n.to_string().as_bytes());
            assert_eq!(parse_decimal(&v), Some(n));
        }
        assert_eq!(parse_decimal(b"99999999999999999999"), None);
        assert_eq!(chunk_size(b"1aF ; x=y"), Some(0x1af));
        assert_eq!(chunk_size(b""), None);
        assert_eq!(chunk_size(b"10000000000000000"), None);
    }
}
