//! A request-smuggling guard on HTTP/1.1 connections of the metadata-plane
//! listener. hyper resolves ambiguous framing itself (Transfer-Encoding wins
//! over Content-Length; identical repeated lengths fold into one), which keeps
//! the upstream safe but hides the shapes from the request handler. This
//! wrapper sees the raw request heads as they are read, tracks message bodies
//! (Content-Length or chunked) to find the next head on a kept-alive
//! connection, and when a head carries Content-Length together with
//! Transfer-Encoding, or more than one Content-Length, answers 400 itself and
//! ends the connection: hyper never sees that head, nothing is forwarded.
//!
//! Because the request handler never sees a refused head, it cannot audit it
//! either: the guard reports each refusal to an optional [`OnRefusal`] callback
//! (the listener's audit log) with the method and path of the head, which it
//! already parsed to decide.

use std::fmt;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

use super::path::split_query;

/// Largest request head tracked; beyond it hyper's own limit applies.
const MAX_HEAD: usize = 64 * 1024;

#[derive(Debug)]
enum State {
    /// Collecting a request head.
    Head(Vec<u8>),
    /// Skipping a body of known length.
    Body(u64),
    /// Inside a chunked body.
    Chunked(Chunk),
    /// Not tracking any more (HTTP/2, or framing hyper rejects itself).
    Off,
    /// An ambiguous head was refused: answer 400, then end of stream.
    Refused,
}

/// The audit and metric reason of a refused head (also the `error` of [`REFUSAL`]).
pub const REASON: &str = "ambiguous_framing";

/// The status of [`REFUSAL`].
pub const STATUS: u16 = 400;

/// The answer to an ambiguous request head.
const REFUSAL: &[u8] = b"HTTP/1.1 400 Bad Request\r\ncontent-type: application/json\r\nconnection: close\r\ncontent-length: 118\r\n\r\n{\"error\":\"ambiguous_framing\",\"message\":\"Content-Length together with Transfer-Encoding, or a repeated Content-Length\"}";

#[derive(Debug)]
enum Chunk {
    /// Reading the size line (digits, extensions) up to LF.
    Size {
        value: u64,
        digits: usize,
        ext: bool,
    },
    /// Chunk data left, then CRLF.
    Data(u64),
    /// The CRLF after chunk data: bytes left.
    DataEnd(u8),
    /// Trailer section after the last chunk: bytes of the current line.
    Trailers(usize),
}

/// What the guard tells about a head it refused. Only the request line is
/// read from it, and the query string is cut off: never a header value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RefusedHead<'a> {
    /// The method token as sent.
    pub method: Option<&'a str>,
    /// The request target up to its `?`, raw (not normalized).
    pub path: Option<&'a str>,
}

/// Hears of the refused head of a connection; called at most once, since a
/// refusal ends the connection. Built per connection, so a connection that is
/// never refused costs nothing per request.
pub type OnRefusal = Box<dyn FnOnce(RefusedHead<'_>) + Send>;

/// A reading side that inspects request framing.
pub struct FramingGuard<S> {
    inner: S,
    state: State,
    on_refusal: Option<OnRefusal>,
}

impl<S: fmt::Debug> fmt::Debug for FramingGuard<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FramingGuard")
            .field("inner", &self.inner)
            .field("state", &self.state)
            .field("on_refusal", &self.on_refusal.is_some())
            .finish()
    }
}

/// What a complete request head says about its body, or why it is refused
/// (then with its method and path, which the audit log records).
fn inspect(head: &[u8]) -> Result<State, RefusedHead<'_>> {
    let mut headers = [httparse::EMPTY_HEADER; 128];
    let mut req = httparse::Request::new(&mut headers);
    match req.parse(head) {
        Ok(httparse::Status::Complete(_)) => {}
        // Malformed or not HTTP/1 (e.g. the HTTP/2 preface): hyper decides.
        _ => return Ok(State::Off),
    }
    let refused = RefusedHead {
        method: req.method,
        path: req.path.map(|target| split_query(target).0),
    };
    let mut lengths = 0;
    let mut length: Option<u64> = None;
    let mut chunked = false;
    let mut te = false;
    for h in req.headers.iter() {
        if h.name.eq_ignore_ascii_case("content-length") {
            lengths += 1;
            length = std::str::from_utf8(h.value)
                .ok()
                .and_then(|v| v.trim().parse().ok());
            if h.value.contains(&b',') {
                return Err(refused);
            }
        } else if h.name.eq_ignore_ascii_case("transfer-encoding") {
            te = true;
            chunked = h.value.eq_ignore_ascii_case(b"chunked");
        }
    }
    if lengths > 1 || (lengths == 1 && te) {
        return Err(refused);
    }
    Ok(match (te, chunked, length) {
        (true, true, _) => State::Chunked(Chunk::Size {
            value: 0,
            digits: 0,
            ext: false,
        }),
        // Other transfer codings: hyper refuses them.
        (true, false, _) => State::Off,
        (false, _, Some(n)) if n > 0 => State::Body(n),
        _ => State::Head(Vec::new()),
    })
}

/// Where the head in `buf` ends (just past its blank line), searching from `from`.
fn head_end(buf: &[u8], from: usize) -> Option<usize> {
    memchr::memmem::find(&buf[from..], b"\r\n\r\n").map(|p| from + p + 4)
}

impl<S> FramingGuard<S> {
    pub fn new(inner: S) -> Self {
        Self {
            inner,
            state: State::Head(Vec::new()),
            on_refusal: None,
        }
    }

    /// Reports the refused head, if any, to `f` (the listener's audit log).
    pub fn on_refusal(mut self, f: OnRefusal) -> Self {
        self.on_refusal = Some(f);
        self
    }

    /// A wrapper that inspects nothing (listeners whose traffic is never filtered).
    pub fn passthrough(inner: S) -> Self {
        Self {
            inner,
            state: State::Off,
            on_refusal: None,
        }
    }

    pub fn get_ref(&self) -> &S {
        &self.inner
    }

    /// Moves on after a complete head; false once the head is refused (then
    /// reported, before the client is answered, so the entry exists by the
    /// time anyone sees the 400).
    fn decide(&mut self, verdict: Result<State, RefusedHead<'_>>) -> bool {
        match verdict {
            Ok(next) => {
                self.state = next;
                true
            }
            Err(head) => {
                if let Some(report) = self.on_refusal.take() {
                    report(head);
                }
                self.state = State::Refused;
                false
            }
        }
    }

    /// Advances the framing state over newly read bytes; may poison the head.
    fn observe(&mut self, bytes: &mut [u8]) {
        let mut i = 0;
        while i < bytes.len() {
            match &mut self.state {
                State::Off | State::Refused => return,
                State::Head(buf) => {
                    // Leading empty lines before a request are allowed (RFC 9112 §2.2):
                    // they can only show while the head is shorter than two bytes.
                    if buf.len() < 2 {
                        let b = bytes[i];
                        // The common case: a whole head at the start of this read is
                        // inspected where it lies, without copying it.
                        if buf.is_empty() && b != b'\r' && b != b'\n' {
                            let window = &bytes[i..bytes.len().min(i + MAX_HEAD)];
                            if let Some(end) = head_end(window, 0) {
                                i += end;
                                let verdict = inspect(&window[..end]);
                                if !self.decide(verdict) {
                                    return;
                                }
                                continue;
                            }
                        }
                        buf.push(b);
                        i += 1;
                        if buf.as_slice() == b"\r\n" || buf.as_slice() == b"\n" {
                            buf.clear();
                        }
                        continue;
                    }
                    // Collect up to one byte past the limit, then look for the end of
                    // the head where it may straddle the previous read.
                    let old = buf.len();
                    let take = (MAX_HEAD + 1 - old).min(bytes.len() - i);
                    buf.extend_from_slice(&bytes[i..i + take]);
                    match head_end(buf, old.saturating_sub(3)) {
                        Some(end) if end <= MAX_HEAD => {
                            i += end - old;
                            let head = std::mem::take(buf);
                            if !self.decide(inspect(&head[..end])) {
                                return;
                            }
                        }
                        Some(_) => self.state = State::Off,
                        None => {
                            i += take;
                            if buf.len() > MAX_HEAD {
                                self.state = State::Off;
                            }
                        }
                    }
                }
                State::Body(left) => {
                    let take = (*left).min((bytes.len() - i) as u64);
                    *left -= take;
                    i += take as usize;
                    if *left == 0 {
                        self.state = State::Head(Vec::new());
                    }
                }
                State::Chunked(chunk) => {
                    let b = bytes[i];
                    i += 1;
                    match chunk {
                        Chunk::Size { value, digits, ext } => match b {
                            b'\n' if *digits > 0 => {
                                *chunk = if *value == 0 {
                                    Chunk::Trailers(0)
                                } else {
                                    Chunk::Data(*value)
                                };
                            }
                            b'\r' => {}
                            _ if *ext => {}
                            b';' | b' ' | b'\t' => *ext = true,
                            _ => match (b as char).to_digit(16) {
                                Some(d) if *digits < 16 => {
                                    *value = (*value << 4) | u64::from(d);
                                    *digits += 1;
                                }
                                // Invalid chunk size: hyper refuses it.
                                _ => self.state = State::Off,
                            },
                        },
                        Chunk::Data(left) => {
                            i -= 1;
                            let take = (*left).min((bytes.len() - i) as u64);
                            *left -= take;
                            i += take as usize;
                            if *left == 0 {
                                *chunk = Chunk::DataEnd(2);
                            }
                        }
                        Chunk::DataEnd(n) => {
                            *n -= 1;
                            if *n == 0 {
                                *chunk = Chunk::Size {
                                    value: 0,
                                    digits: 0,
                                    ext: false,
                                };
                            }
                        }
                        Chunk::Trailers(line) => {
                            if b == b'\n' {
                                if *line == 0 {
                                    self.state = State::Head(Vec::new());
                                } else {
                                    *line = 0;
                                }
                            } else if b != b'\r' {
                                *line += 1;
                            }
                        }
                    }
                }
            }
        }
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> AsyncRead for FramingGuard<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        if matches!(self.state, State::Refused) {
            return Poll::Ready(Ok(()));
        }
        let before = buf.filled().len();
        let r = Pin::new(&mut self.inner).poll_read(cx, buf);
        if let Poll::Ready(Ok(())) = r {
            let filled = buf.filled_mut();
            let new = &mut filled[before..];
            if !new.is_empty() {
                self.observe(new);
            }
            if matches!(self.state, State::Refused) {
                // hyper never sees this head: it gets the end of the stream, and the
                // client gets the refusal (a small write the socket buffer takes).
                buf.set_filled(before);
                metrics::counter!(
                    "planeguard_admission_requests_total",
                    "listener" => "metadata-plane",
                    "decision" => "deny",
                    "reason" => REASON
                )
                .increment(1);
                let _ = Pin::new(&mut self.inner).poll_write(cx, REFUSAL);
                let _ = Pin::new(&mut self.inner).poll_flush(cx);
                return Poll::Ready(Ok(()));
            }
        }
        r
    }
}

crate::delegate::delegate_async_write!(FramingGuard);

#[cfg(test)]
mod tests {
    use super::*;

    /// Feeds chunks; returns the bytes passed on and whether the stream was refused.
    fn run(chunks: &[&[u8]]) -> (Vec<u8>, bool) {
        let mut g = FramingGuard::new(());
        let mut out = Vec::new();
        for c in chunks {
            let mut v = c.to_vec();
            g.observe(&mut v);
            if matches!(g.state, State::Refused) {
                return (out, true);
            }
            out.extend(v);
        }
        (out, false)
    }

    #[test]
    fn smuggling_heads_are_poisoned() {
        let cl_te = b"POST /q HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n";
        assert!(run(&[cl_te]).1);
        let dup =
            b"POST /q HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\nhello";
        assert!(run(&[dup]).1);
        let list = b"POST /q HTTP/1.1\r\nContent-Length: 5, 5\r\n\r\nhello";
        assert!(run(&[list]).1);
        // Split anywhere, still caught.
        for cut in 1..cl_te.len() {
            assert!(run(&[&cl_te[..cut], &cl_te[cut..]]).1, "cut at {cut}");
        }
    }

    #[test]
    fn keep_alive_bodies_are_skipped_to_the_next_head() {
        let ok = b"POST /q HTTP/1.1\r\nContent-Length: 4\r\n\r\nCL: \r\n";
        let chunked = b"POST /q HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5;x=y\r\nab\r\nc\r\n0\r\nT: v\r\n\r\n";
        let bad = b"GET / HTTP/1.1\r\nContent-Length: 0\r\nTransfer-Encoding: chunked\r\n\r\n";
        let mut all = Vec::new();
        all.extend_from_slice(ok);
        all.extend_from_slice(chunked);
        let (out, poisoned) = run(&[&all]);
        assert!(!poisoned, "{:?}", String::from_utf8_lossy(&out));
        all.extend_from_slice(bad);
        assert!(
            run(&[&all]).1,
            "the third request on the connection is checked too"
        );
        // Body bytes that look like headers are never inspected.
        let tricky = b"POST /q HTTP/1.1\r\nContent-Length: 46\r\n\r\nX: 1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n";
        assert!(!run(&[tricky]).1);
    }

    /// A refused head padded with one header to end exactly `len` bytes in.
    fn bad_head_of_len(len: usize) -> Vec<u8> {
        let start = b"POST /q HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 1\r\nX: ";
        let mut h = start.to_vec();
        h.resize(len - 4, b'a');
        h.extend_from_slice(b"\r\n\r\n");
        h
    }

    #[test]
    fn head_limit_is_exact_whatever_the_reads() {
        let at_limit = bad_head_of_len(MAX_HEAD);
        let past_limit = bad_head_of_len(MAX_HEAD + 1);
        for cut in [0, 1, 2, 3, 100, MAX_HEAD - 2, MAX_HEAD - 1] {
            let (a, b) = at_limit.split_at(cut);
            assert!(run(&[a, b]).1, "head of MAX_HEAD bytes, cut at {cut}");
            let (a, b) = past_limit.split_at(cut);
            assert!(
                !run(&[a, b]).1,
                "head past MAX_HEAD is left to hyper, cut at {cut}"
            );
        }
    }

    #[test]
    fn leading_empty_lines_are_skipped_in_any_split() {
        let bad = b"\r\n\n\r\nGET / HTTP/1.1\r\nContent-Length: 0\r\nContent-Length: 0\r\n\r\n";
        for cut in 0..bad.len() {
            assert!(run(&[&bad[..cut], &bad[cut..]]).1, "cut at {cut}");
        }
        let ok = b"\r\nGET / HTTP/1.1\r\n\r\nGET /x HTTP/1.1\r\nContent-Length: 1\r\n\r\nz";
        for cut in 0..ok.len() {
            let (out, refused) = run(&[&ok[..cut], &ok[cut..]]);
            assert!(!refused, "cut at {cut}");
            assert_eq!(out, ok, "bytes pass unchanged");
        }
    }

    #[test]
    fn refusal_is_a_well_formed_response() {
        let text = std::str::from_utf8(REFUSAL).unwrap();
        let (head, body) = text.split_once("\r\n\r\n").unwrap();
        assert!(head.contains(&format!("content-length: {}", body.len())));
        assert!(head.starts_with(&format!("HTTP/1.1 {STATUS} ")), "{head}");
        let json = serde_json::from_str::<serde_json::Value>(body).unwrap();
        assert_eq!(json["error"], REASON);
    }

    type Reports = std::sync::Arc<std::sync::Mutex<Vec<(Option<String>, Option<String>)>>>;

    /// A guard whose refusal reports land in the returned list.
    fn reporting_guard() -> (FramingGuard<()>, Reports) {
        let reports = Reports::default();
        let sink = std::sync::Arc::clone(&reports);
        let g = FramingGuard::new(()).on_refusal(Box::new(move |h: RefusedHead<'_>| {
            sink.lock()
                .unwrap()
                .push((h.method.map(str::to_owned), h.path.map(str::to_owned)));
        }));
        (g, reports)
    }

    #[test]
    fn refusal_is_reported_once_with_method_and_path_but_no_query() {
        let (mut g, reports) = reporting_guard();
        let mut bytes = b"PUT /v1/q/../x?token=SECRET HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\nx".to_vec();
        g.observe(&mut bytes);
        assert!(matches!(g.state, State::Refused));
        // Nothing after the refusal is inspected or reported again.
        let mut more =
            b"POST / HTTP/1.1\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
        g.observe(&mut more);
        assert_eq!(
            *reports.lock().unwrap(),
            vec![(Some("PUT".to_owned()), Some("/v1/q/../x".to_owned()))]
        );
    }

    #[test]
    fn admitted_heads_are_not_reported() {
        let (mut g, reports) = reporting_guard();
        let mut ok =
            b"POST /q HTTP/1.1\r\nContent-Length: 2\r\n\r\n{}GET /p HTTP/1.1\r\n\r\n".to_vec();
        g.observe(&mut ok);
        assert!(matches!(g.state, State::Head(_)), "{:?}", g.state);
        assert!(reports.lock().unwrap().is_empty());
        // The later refused head on the same connection is the one reported.
        let mut bad =
            b"GET /r?x=1 HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 0\r\n\r\n"
                .to_vec();
        g.observe(&mut bad);
        assert_eq!(
            *reports.lock().unwrap(),
            vec![(Some("GET".to_owned()), Some("/r".to_owned()))]
        );
    }

    #[test]
    fn http2_preface_is_left_alone() {
        let preface: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\x00\x00\x12\x04";
        assert_eq!(run(&[preface]).0, preface, "bytes pass unchanged");
    }
}

#[cfg(test)]
mod io_tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    #[tokio::test]
    async fn refused_head_is_answered_and_hidden() {
        let (client, server) = tokio::io::duplex(4096);
        let reported = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let count = std::sync::Arc::clone(&reported);
        let mut guard = FramingGuard::new(server).on_refusal(Box::new(move |h| {
            assert_eq!(h.method, Some("POST"));
            count.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        }));
        let mut client = client;
        client
            .write_all(b"POST /q HTTP/1.1\r\nHost: q\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n")
            .await
            .unwrap();
        let mut seen = Vec::new();
        guard.read_to_end(&mut seen).await.unwrap();
        // Earlier reads of a head may pass, but never a complete head: hyper waits
        // for its end, gets the end of the stream instead, and forwards nothing.
        assert!(
            !seen.windows(4).any(|w| w == b"\r\n\r\n"),
            "a refused head must never be complete: {:?}",
            String::from_utf8_lossy(&seen)
        );
        let mut answer = vec![0u8; REFUSAL.len()];
        client.read_exact(&mut answer).await.unwrap();
        assert_eq!(answer, REFUSAL);
        assert_eq!(reported.load(std::sync::atomic::Ordering::SeqCst), 1);
    }
}
