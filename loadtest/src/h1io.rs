//! HTTP/1.1 message plumbing shared by the generator's client and the sink's
//! plain port: a read buffer that messages are parsed from in place, body
//! skipping by length or chunks, and the framing facts of a parsed head.
//!
//! Both ends of the plain-proxying benchmark share one core; hyper's
//! general machinery (tasks woken per message, header maps, body frames)
//! cost more there than the proxies under test did on theirs. Bodies are
//! counted and skipped, never kept.

use std::io::{self, IoSlice};

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

/// Largest head (and chunk-size or trailer line) accepted.
pub const MAX_HEAD: usize = 64 << 10;
/// Headers parsed per message.
pub const MAX_HEADERS: usize = 64;
/// Initial read buffer: a typical small message fits whole.
const READ_BUF: usize = 16 << 10;

/// Why an exchange failed; the connection is not reusable after any of them.
#[derive(Debug, PartialEq, Eq)]
pub enum H1Error {
    /// The socket failed or closed before the message was complete.
    Io,
    /// The message is not HTTP/1.1 as this code reads it.
    Malformed,
    /// A head or line longer than [`MAX_HEAD`].
    TooLarge,
}

impl From<io::Error> for H1Error {
    fn from(_: io::Error) -> Self {
        H1Error::Io
    }
}

/// Bytes read from a connection; the unread ones are `buf[start..end]`.
pub struct ReadBuf {
    buf: Vec<u8>,
    start: usize,
    end: usize,
}

impl Default for ReadBuf {
    fn default() -> Self {
        Self {
            buf: vec![0; READ_BUF],
            start: 0,
            end: 0,
        }
    }
}

impl ReadBuf {
    /// The bytes read and not yet consumed.
    pub fn unread(&self) -> &[u8] {
        &self.buf[self.start..self.end]
    }

    pub fn consume(&mut self, n: usize) {
        self.start = (self.start + n).min(self.end);
    }

    /// Reads more bytes after the unread ones, making room first; 0 = the
    /// peer closed.
    pub async fn fill<R: AsyncRead + Unpin>(&mut self, r: &mut R) -> io::Result<usize> {
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
        let n = r.read(&mut self.buf[self.end..]).await?;
        self.end += n;
        Ok(n)
    }

    /// Like [`fill`](Self::fill), with the peer closing an error.
    pub async fn fill_more<R: AsyncRead + Unpin>(&mut self, r: &mut R) -> Result<(), H1Error> {
        match self.fill(r).await? {
            0 => Err(H1Error::Io),
            _ => Ok(()),
        }
    }

    /// Consumes `n` body bytes.
    pub async fn skip<R: AsyncRead + Unpin>(
        &mut self,
        r: &mut R,
        mut n: u64,
    ) -> Result<(), H1Error> {
        loop {
            let take = ((self.end - self.start) as u64).min(n);
            self.start += take as usize;
            n -= take;
            if n == 0 {
                return Ok(());
            }
            self.fill_more(r).await?;
        }
    }

    /// Consumes a chunked body and its trailers; returns the body's size.
    pub async fn skip_chunked<R: AsyncRead + Unpin>(&mut self, r: &mut R) -> Result<u64, H1Error> {
        let mut total = 0u64;
        loop {
            let line = self.line(r).await?;
            let (size, len) = (chunk_size(line).ok_or(H1Error::Malformed)?, line.len());
            self.consume(len + 2);
            if size == 0 {
                // Trailer fields, then an empty line.
                loop {
                    let len = self.line(r).await?.len();
                    self.consume(len + 2);
                    if len == 0 {
                        return Ok(total);
                    }
                }
            }
            self.skip(r, size).await?;
            total = total.saturating_add(size);
            if !self.line(r).await?.is_empty() {
                return Err(H1Error::Malformed);
            }
            self.consume(2);
        }
    }

    /// The next line (without its CRLF) once it is buffered whole; not
    /// consumed.
    async fn line<R: AsyncRead + Unpin>(&mut self, r: &mut R) -> Result<&[u8], H1Error> {
        loop {
            let unread = self.unread();
            if let Some(i) = memchr::memmem::find(unread, b"\r\n") {
                return Ok(&self.buf[self.start..self.start + i]);
            }
            if unread.len() >= MAX_HEAD {
                return Err(H1Error::TooLarge);
            }
            self.fill_more(r).await?;
        }
    }
}

/// What a message head says about its body and its connection.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct HeadFacts {
    pub content_length: Option<u64>,
    /// `Transfer-Encoding` ends in `chunked` (it then overrides the length).
    pub chunked: bool,
    /// Some other transfer coding was named last: the length is unknown.
    pub other_coding: bool,
    /// The connection ends after this message (`Connection: close`, or
    /// HTTP/1.0 without `keep-alive`).
    pub close: bool,
    /// `Expect: 100-continue`.
    pub expect_continue: bool,
}

impl HeadFacts {
    /// From a parsed head's version (`1` = HTTP/1.1) and headers; repeated
    /// `Content-Length` values that differ are malformed.
    pub fn of(version: Option<u8>, headers: &[httparse::Header<'_>]) -> Result<Self, H1Error> {
        let mut f = HeadFacts {
            close: version != Some(1),
            ..HeadFacts::default()
        };
        for h in headers {
            let name = h.name.as_bytes();
            if name.eq_ignore_ascii_case(b"content-length") {
                let n = parse_decimal(h.value).ok_or(H1Error::Malformed)?;
                if f.content_length.is_some_and(|m| m != n) {
                    return Err(H1Error::Malformed);
                }
                f.content_length = Some(n);
            } else if name.eq_ignore_ascii_case(b"transfer-encoding") {
                let last = h.value.rsplit(|&b| b == b',').next().unwrap_or_default();
                f.chunked = last.trim_ascii().eq_ignore_ascii_case(b"chunked");
                f.other_coding = !f.chunked;
            } else if name.eq_ignore_ascii_case(b"connection") {
                for token in h.value.split(|&b| b == b',') {
                    let token = token.trim_ascii();
                    if token.eq_ignore_ascii_case(b"close") {
                        f.close = true;
                    } else if token.eq_ignore_ascii_case(b"keep-alive") {
                        f.close = false;
                    }
                }
            } else if name.eq_ignore_ascii_case(b"expect") {
                f.expect_continue = h.value.trim_ascii().eq_ignore_ascii_case(b"100-continue");
            }
        }
        Ok(f)
    }
}

/// A decimal `Content-Length`; `None` when not all digits or too large.
pub fn parse_decimal(v: &[u8]) -> Option<u64> {
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
pub fn chunk_size(line: &[u8]) -> Option<u64> {
    let hex = line.split(|&b| b == b';').next()?.trim_ascii();
    if hex.is_empty() || hex.len() > 15 {
        return None;
    }
    hex.iter().try_fold(0u64, |n, &b| {
        let d = (b as char).to_digit(16)?;
        Some(n << 4 | u64::from(d))
    })
}

pub fn push_decimal(out: &mut Vec<u8>, mut n: u64) {
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
pub async fn write_both<W: AsyncWrite + Unpin>(w: &mut W, a: &[u8], b: &[u8]) -> io::Result<()> {
    let n = w
        .write_vectored(&[IoSlice::new(a), IoSlice::new(b)])
        .await?;
    if n == 0 {
        return Err(io::ErrorKind::WriteZero.into());
    }
    if n < a.len() {
        w.write_all(&a[n..]).await?;
        w.write_all(b).await
    } else {
        w.write_all(&b[n - a.len()..]).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers() {
        let mut v = Vec::new();
        for n in [0u64, 7, 10, 4096, u64::MAX] {
            v.clear();
            push_decimal(&mut v, n);
            assert_eq!(v, n.to_string().as_bytes());
            assert_eq!(parse_decimal(&v), Some(n));
        }
        assert_eq!(parse_decimal(b"18446744073709551616"), None);
        assert_eq!(parse_decimal(b"1x"), None);
        assert_eq!(parse_decimal(b""), None);
        assert_eq!(chunk_size(b"1aF ; x=y"), Some(0x1af));
        assert_eq!(chunk_size(b""), None);
        assert_eq!(chunk_size(b"10000000000000000"), None);
    }

    fn facts(head: &[u8]) -> Result<HeadFacts, H1Error> {
        let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
        let mut req = httparse::Request::new(&mut headers);
        assert!(req.parse(head).unwrap().is_complete());
        HeadFacts::of(req.version, req.headers)
    }

    #[test]
    fn head_facts() {
        let f = facts(b"POST / HTTP/1.1\r\nContent-Length: 5\r\nExpect: 100-Continue\r\n\r\n");
        assert_eq!(
            f,
            Ok(HeadFacts {
                content_length: Some(5),
                expect_continue: true,
                ..HeadFacts::default()
            })
        );
        let f = facts(b"POST / HTTP/1.1\r\ntransfer-encoding: gzip, chunked\r\n\r\n").unwrap();
        assert!(f.chunked && !f.other_coding && !f.close);
        let f = facts(b"POST / HTTP/1.1\r\ntransfer-encoding: chunked, gzip\r\n\r\n").unwrap();
        assert!(!f.chunked && f.other_coding);
        assert!(facts(b"GET / HTTP/1.0\r\n\r\n").unwrap().close);
        assert!(
            !facts(b"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
                .unwrap()
                .close
        );
        assert!(
            facts(b"GET / HTTP/1.1\r\nConnection: foo, close\r\n\r\n")
                .unwrap()
                .close
        );
        assert_eq!(
            facts(b"POST / HTTP/1.1\r\ncontent-length: 1\r\ncontent-length: 2\r\n\r\n"),
            Err(H1Error::Malformed)
        );
        // The same value twice is one length.
        let f = facts(b"POST / HTTP/1.1\r\ncontent-length: 2\r\ncontent-length: 2\r\n\r\n");
        assert_eq!(f.unwrap().content_length, Some(2));
    }
}
