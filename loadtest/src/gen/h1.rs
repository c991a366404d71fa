//! The generator's HTTP/1.1 connection: one request at a time, written with
//! its pre-encoded head in one vectored write, the answer parsed in place
//! with httparse and its body skipped without being kept.
//!
//! Why not hyper's client: the generator shares one core with the sink, and
//! in the plain-proxying scenarios that core, not the proxy under test, set
//! the pace. hyper's client runs every connection as two tasks (the caller
//! and the connection driver, woken in turn for each request) and builds a
//! `Request` and a `HeaderMap` per request; this does neither.

use tokio::net::TcpStream;

use crate::h1io::{self, H1Error, HeadFacts, ReadBuf, MAX_HEAD, MAX_HEADERS};

/// The error kind a failed exchange is counted under.
pub(crate) fn error_kind(e: &H1Error) -> &'static str {
    match e {
        H1Error::Io => "io",
        H1Error::Malformed | H1Error::TooLarge => "bad_response",
    }
}

/// One client connection.
pub(crate) struct H1Conn {
    stream: TcpStream,
    /// Head of the next request (`head_prefix` + content length + CRLFs).
    head: Vec<u8>,
    rb: ReadBuf,
    /// The server asked to close after the last answer (or its body ran to
    /// the end of the stream).
    closed: bool,
}

impl H1Conn {
    pub fn new(stream: TcpStream) -> Self {
        Self {
            stream,
            head: Vec::with_capacity(512),
            rb: ReadBuf::default(),
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
        h1io::push_decimal(&mut self.head, body.len() as u64);
        self.head.extend_from_slice(b"\r\n\r\n");
        h1io::write_both(&mut self.stream, &self.head, body).await?;
        loop {
            let (status, f) = self.read_head().await?;
            // Interim answers (100 Continue and the like) precede the real one.
            if (100..200).contains(&status) && status != 101 {
                continue;
            }
            self.closed = f.close;
            if status == 204 || status == 304 {
                return Ok(status);
            }
            if f.chunked {
                self.rb.skip_chunked(&mut self.stream).await?;
            } else if let (Some(n), false) = (f.content_length, f.other_coding) {
                self.rb.skip(&mut self.stream, n).await?;
            } else {
                // Delimited by the end of the stream (RFC 9112 section 6.3).
                while self.rb.fill(&mut self.stream).await? > 0 {
                    let n = self.rb.unread().len();
                    self.rb.consume(n);
                }
                self.closed = true;
            }
            return Ok(status);
        }
    }

    /// Parses one answer head, reading until it is complete.
    async fn read_head(&mut self) -> Result<(u16, HeadFacts), H1Error> {
        loop {
            let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
            let mut resp = httparse::Response::new(&mut headers);
            match resp.parse(self.rb.unread()) {
                Ok(httparse::Status::Complete(n)) => {
                    let status = resp.code.ok_or(H1Error::Malformed)?;
                    let facts = HeadFacts::of(resp.version, resp.headers)?;
                    self.rb.consume(n);
                    return Ok((status, facts));
                }
                Ok(httparse::Status::Partial) if self.rb.unread().len() >= MAX_HEAD => {
                    return Err(H1Error::TooLarge)
                }
                Ok(httparse::Status::Partial) => self.rb.fill_more(&mut self.stream).await?,
                Err(_) => return Err(H1Error::Malformed),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
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
            (&b"NOT HTTP\r\n\r\n"[..], H1Error::Malformed),
            (
                b"HTTP/1.1 200 OK\r\ncontent-length: 1x\r\n\r\n",
                H1Error::Malformed,
            ),
            (
                b"HTTP/1.1 200 OK\r\ncontent-length: 1\r\ncontent-length: 2\r\n\r\n",
                H1Error::Malformed,
            ),
            (
                b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\nzz\r\n",
                H1Error::Malformed,
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
}
