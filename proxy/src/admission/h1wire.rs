//! HTTP/1.1 heads for the fast forwarding path, sans IO: which requests it
//! may take, the head sent upstream, the response head sent back, and where
//! a response body ends.
//!
//! The fast path takes only requests whose framing leaves no room for
//! interpretation: HTTP/1.1, origin-form target, no Transfer-Encoding, at most
//! one all-digit Content-Length, no Expect, no Upgrade, one Host. Anything else
//! (and anything httparse cannot parse) goes to the hyper path with its framing
//! guard, so the smuggling defences and error answers stay in one place.

use std::ops::Range;

/// Headers a request or response may carry on the fast path (more: hyper path).
pub const MAX_HEADERS: usize = 64;
/// Largest upstream response head; a longer one is a bad gateway.
pub const MAX_RESPONSE_HEAD: usize = 64 * 1024;
/// Connection-header tokens naming further hop-by-hop headers.
const MAX_CONNECTION_TOKENS: usize = 8;

/// Headers that describe one hop and are never forwarded as received.
fn is_hop_by_hop(name: &[u8]) -> bool {
    const HOP: [&[u8]; 8] = [
        b"connection",
        b"keep-alive",
        b"proxy-connection",
        b"te",
        b"trailer",
        b"transfer-encoding",
        b"upgrade",
        b"proxy-authorization",
    ];
    HOP.iter().any(|h| h.eq_ignore_ascii_case(name))
}

/// The tokens of the Connection headers: `close`, and names of headers that
/// are hop-by-hop for this message only.
#[derive(Default)]
struct ConnectionTokens<'b> {
    close: bool,
    keep_alive: bool,
    upgrade: bool,
    named: [&'b [u8]; MAX_CONNECTION_TOKENS],
    len: usize,
}

impl<'b> ConnectionTokens<'b> {
    /// The tokens of every Connection header (beyond the limit: the first ones).
    fn of(headers: &[httparse::Header<'b>]) -> Self {
        let mut conn = Self::default();
        for h in headers {
            if h.name.eq_ignore_ascii_case("connection") {
                conn.add(h.value);
            }
        }
        conn
    }

    /// Adds one Connection header value; false if it names too many headers.
    fn add(&mut self, value: &'b [u8]) -> bool {
        for token in value.split(|b| *b == b',') {
            let token = token.trim_ascii();
            if token.is_empty() {
                continue;
            }
            if token.eq_ignore_ascii_case(b"close") {
                self.close = true;
            } else if token.eq_ignore_ascii_case(b"keep-alive") {
                self.keep_alive = true;
            } else if token.eq_ignore_ascii_case(b"upgrade") {
                self.upgrade = true;
            } else {
                if self.len == MAX_CONNECTION_TOKENS {
                    return false;
                }
                self.named[self.len] = token;
                self.len += 1;
            }
        }
        true
    }

    fn names(&self, name: &[u8]) -> bool {
        self.named[..self.len]
            .iter()
            .any(|n| n.eq_ignore_ascii_case(name))
    }
}

/// A Content-Length value: ASCII digits only (no sign, list or spaces).
fn content_length(value: &[u8]) -> Option<u64> {
    if value.is_empty() || value.len() > 18 || !value.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(value.iter().fold(0u64, |n, d| n * 10 + u64::from(d - b'0')))
}

/// A request head the fast path takes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestHead {
    /// Bytes of the head, CRLFCRLF included.
    pub len: usize,
    pub method: Range<usize>,
    /// The origin-form target (path and query) as received.
    pub target: Range<usize>,
    pub content_length: u64,
    /// The client asked for the connection to end after this exchange.
    pub close: bool,
    pub authorization: Option<Range<usize>>,
}

/// What the bytes read so far hold.
#[derive(Debug, PartialEq, Eq)]
pub enum RequestParse {
    /// No complete head yet.
    Partial,
    Head(RequestHead),
    /// Not for the fast path (why, for tests and debugging).
    Fallback(&'static str),
}

fn range_of(buf: &[u8], part: &[u8]) -> Range<usize> {
    let start = part.as_ptr() as usize - buf.as_ptr() as usize;
    start..start + part.len()
}

/// Parses the request head at the start of `buf`.
pub fn parse_request(buf: &[u8]) -> RequestParse {
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut req = httparse::Request::new(&mut headers);
    let len = match req.parse(buf) {
        Ok(httparse::Status::Complete(n)) => n,
        Ok(httparse::Status::Partial) => return RequestParse::Partial,
        Err(_) => return RequestParse::Fallback("unparsed"),
    };
    if req.version != Some(1) {
        return RequestParse::Fallback("version");
    }
    let (Some(method), Some(target)) = (req.method, req.path) else {
        return RequestParse::Fallback("unparsed");
    };
    if !target.starts_with('/') {
        return RequestParse::Fallback("target_form");
    }
    let mut cl: Option<u64> = None;
    let mut hosts = 0;
    let mut authorization = None;
    let mut conn = ConnectionTokens::default();
    for h in req.headers.iter() {
        let name = h.name.as_bytes();
        if name.eq_ignore_ascii_case(b"content-length") {
            if cl.is_some() {
                return RequestParse::Fallback("framing");
            }
            match content_length(h.value) {
                Some(n) => cl = Some(n),
                None => return RequestParse::Fallback("framing"),
            }
        } else if name.eq_ignore_ascii_case(b"transfer-encoding")
            || name.eq_ignore_ascii_case(b"expect")
            || name.eq_ignore_ascii_case(b"upgrade")
        {
            return RequestParse::Fallback("framing");
        } else if name.eq_ignore_ascii_case(b"host") {
            hosts += 1;
        } else if name.eq_ignore_ascii_case(b"authorization") {
            if authorization.is_some() {
                return RequestParse::Fallback("authorization");
            }
            authorization = Some(range_of(buf, h.value));
        } else if name.eq_ignore_ascii_case(b"connection") && !conn.add(h.value) {
            return RequestParse::Fallback("connection");
        }
    }
    if hosts > 1 || conn.upgrade {
        return RequestParse::Fallback("framing");
    }
    RequestParse::Head(RequestHead {
        len,
        method: range_of(buf, method.as_bytes()),
        target: range_of(buf, target.as_bytes()),
        content_length: cl.unwrap_or(0),
        close: conn.close,
        authorization,
    })
}

/// What planeguard adds to a forwarded request.
pub struct Forwarding<'a> {
    /// `x-forwarded-for` value (the client address).
    pub client_ip: &'a [u8],
    /// Complete `forwarded` element for this hop.
    pub forwarded: &'a [u8],
    pub proto: &'a [u8],
    /// Replace (true: metadata-plane listener) or extend client-sent values.
    pub authoritative: bool,
    /// `x-planeguard-peer` value; any client-sent copy is always removed.
    pub peer: Option<&'a [u8]>,
    /// Host sent when the client sent none.
    pub default_host: &'a [u8],
}

/// Writes the upstream request head for `head` (parsed from `buf`) into `out`:
/// the normalized `target`, the client's end-to-end headers, and the
/// forwarding headers. The same rewriting as the hyper path.
pub fn write_upstream_request(
    buf: &[u8],
    head: &RequestHead,
    target: &str,
    fwd: &Forwarding<'_>,
    out: &mut Vec<u8>,
) {
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut req = httparse::Request::new(&mut headers);
    // The head parsed before; parse it again rather than keep borrowed ranges.
    if !matches!(
        req.parse(&buf[..head.len]),
        Ok(httparse::Status::Complete(_))
    ) {
        return;
    }
    let conn = ConnectionTokens::of(req.headers);
    out.extend_from_slice(&buf[head.method.clone()]);
    out.push(b' ');
    out.extend_from_slice(target.as_bytes());
    out.extend_from_slice(b" HTTP/1.1\r\n");
    let mut host = false;
    let mut prior_xff: Option<&[u8]> = None;
    for h in req.headers.iter() {
        let name = h.name.as_bytes();
        if is_hop_by_hop(name)
            || conn.names(name)
            || name.eq_ignore_ascii_case(b"x-forwarded-proto")
            || name.eq_ignore_ascii_case(b"x-planeguard-peer")
            || (fwd.authoritative && name.eq_ignore_ascii_case(b"forwarded"))
        {
            continue;
        }
        if name.eq_ignore_ascii_case(b"x-forwarded-for") {
            prior_xff.get_or_insert(h.value);
            continue;
        }
        host |= name.eq_ignore_ascii_case(b"host");
        put_header(out, name, h.value);
    }
    if !host {
        put_header(out, b"host", fwd.default_host);
    }
    out.extend_from_slice(b"x-forwarded-for: ");
    if let Some(prev) = prior_xff.filter(|p| !fwd.authoritative && !p.is_empty()) {
        out.extend_from_slice(prev);
        out.extend_from_slice(b", ");
    }
    out.extend_from_slice(fwd.client_ip);
    out.extend_from_slice(b"\r\n");
    put_header(out, b"forwarded", fwd.forwarded);
    put_header(out, b"x-forwarded-proto", fwd.proto);
    if let Some(peer) = fwd.peer {
        put_header(out, b"x-planeguard-peer", peer);
    }
    out.extend_from_slice(b"\r\n");
}

fn put_header(out: &mut Vec<u8>, name: &[u8], value: &[u8]) {
    out.extend_from_slice(name);
    out.extend_from_slice(b": ");
    out.extend_from_slice(value);
    out.extend_from_slice(b"\r\n");
}

/// How the body of a response is delimited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyFraming {
    /// No body (HEAD, 204, 304).
    Empty,
    Length(u64),
    Chunked,
    /// Until the upstream closes (then the client connection closes too).
    UntilClose,
}

/// A response head from the upstream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResponseHead {
    pub len: usize,
    pub status: u16,
    pub framing: BodyFraming,
    /// The upstream connection can carry another request afterwards.
    pub reusable: bool,
    pub content_length: Option<u64>,
}

#[derive(Debug, PartialEq, Eq)]
pub enum ResponseParse {
    Partial,
    /// A 1xx interim response of this many bytes: skipped.
    Interim(usize),
    Head(ResponseHead),
    /// Fail closed: the client gets a 502, the connection is not reused.
    Invalid(&'static str),
}

/// Parses the response head at the start of `buf`, for a request made with
/// `head_request` (HEAD: no body whatever the headers say).
pub fn parse_response(buf: &[u8], head_request: bool) -> ResponseParse {
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut resp = httparse::Response::new(&mut headers);
    let len = match resp.parse(buf) {
        Ok(httparse::Status::Complete(n)) => n,
        Ok(httparse::Status::Partial) => return ResponseParse::Partial,
        Err(_) => return ResponseParse::Invalid("unparsed_response"),
    };
    let Some(status) = resp.code else {
        return ResponseParse::Invalid("unparsed_response");
    };
    if status == 101 {
        return ResponseParse::Invalid("unrequested_upgrade");
    }
    if (100..200).contains(&status) {
        return ResponseParse::Interim(len);
    }
    let mut cl: Option<u64> = None;
    let mut chunked = None;
    let mut conn = ConnectionTokens::default();
    for h in resp.headers.iter() {
        let name = h.name.as_bytes();
        if name.eq_ignore_ascii_case(b"content-length") {
            match (content_length(h.value), cl) {
                (Some(n), None) => cl = Some(n),
                (Some(n), Some(m)) if n == m => {}
                _ => return ResponseParse::Invalid("response_content_length"),
            }
        } else if name.eq_ignore_ascii_case(b"transfer-encoding") {
            let last = h.value.rsplit(|b| *b == b',').next().unwrap_or(b"");
            chunked = Some(last.trim_ascii().eq_ignore_ascii_case(b"chunked"));
        } else if name.eq_ignore_ascii_case(b"connection") && !conn.add(h.value) {
            return ResponseParse::Invalid("response_connection");
        }
    }
    if chunked.is_some() && cl.is_some() {
        return ResponseParse::Invalid("response_framing");
    }
    let http11 = resp.version == Some(1);
    let framing = if head_request || status == 204 || status == 304 {
        BodyFraming::Empty
    } else {
        match (chunked, cl) {
            (Some(true), _) => BodyFraming::Chunked,
            (Some(false), _) => BodyFraming::UntilClose,
            (None, Some(n)) => BodyFraming::Length(n),
            (None, None) => BodyFraming::UntilClose,
        }
    };
    let keep = if http11 { !conn.close } else { conn.keep_alive };
    ResponseParse::Head(ResponseHead {
        len,
        status,
        framing,
        reusable: keep && framing != BodyFraming::UntilClose,
        content_length: cl,
    })
}

/// Writes the client's response head for the upstream head at the start of
/// `buf`: end-to-end headers as received (Transfer-Encoding kept when the
/// body is relayed chunked), `connection: close` when the client connection
/// ends after it.
pub fn write_client_response(buf: &[u8], head: &ResponseHead, close: bool, out: &mut Vec<u8>) {
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut resp = httparse::Response::new(&mut headers);
    if !matches!(
        resp.parse(&buf[..head.len]),
        Ok(httparse::Status::Complete(_))
    ) {
        return;
    }
    let conn = ConnectionTokens::of(resp.headers);
    // httparse accepts three-digit codes only.
    let s = head.status;
    out.extend_from_slice(b"HTTP/1.1 ");
    out.extend_from_slice(&[
        b'0' + (s / 100 % 10) as u8,
        b'0' + (s / 10 % 10) as u8,
        b'0' + (s % 10) as u8,
        b' ',
    ]);
    out.extend_from_slice(resp.reason.unwrap_or("").as_bytes());
    out.extend_from_slice(b"\r\n");
    for h in resp.headers.iter() {
        let name = h.name.as_bytes();
        let relayed_chunked =
            head.framing == BodyFraming::Chunked && name.eq_ignore_ascii_case(b"transfer-encoding");
        if (is_hop_by_hop(name) && !relayed_chunked) || conn.names(name) {
            continue;
        }
        put_header(out, name, h.value);
    }
    if close {
        out.extend_from_slice(b"connection: close\r\n");
    }
    out.extend_from_slice(b"\r\n");
}

/// Finds the end of a chunked body in the bytes relayed through it, without
/// decoding: chunk sizes, extensions and trailers pass as received. Strict
/// (CRLF only; anything else ends the relay), unlike the framing guard's
/// tracker, which must follow whatever hyper itself accepts (bare LF) so that
/// it never loses the next request head.
#[derive(Debug, Default, Clone)]
pub struct ChunkedEnd {
    state: ChunkState,
    size: u64,
    digits: u8,
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
enum ChunkState {
    #[default]
    Size,
    Extension,
    SizeLf,
    Data,
    DataCr,
    DataLf,
    TrailerStart,
    Trailer,
    TrailerLf,
    FinalLf,
    Done,
}

/// The chunked body does not follow RFC 9112 section 7.1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChunkError;

impl ChunkedEnd {
    /// Feeds the next bytes; `Some(n)` when the body ends after `n` of them.
    pub fn feed(&mut self, input: &[u8]) -> Result<Option<usize>, ChunkError> {
        use ChunkState::*;
        let mut i = 0;
        while i < input.len() {
            let b = input[i];
            match self.state {
                Size => match b {
                    b'0'..=b'9' | b'a'..=b'f' | b'A'..=b'F' => {
                        if self.digits == 15 {
                            return Err(ChunkError);
                        }
                        let v = (b as char).to_digit(16).unwrap_or(0);
                        self.size = self.size * 16 + u64::from(v);
                        self.digits += 1;
                    }
                    b';' | b' ' | b'\t' if self.digits > 0 => self.state = Extension,
                    b'\r' if self.digits > 0 => self.state = SizeLf,
                    _ => return Err(ChunkError),
                },
                Extension => match b {
                    b'\r' => self.state = SizeLf,
                    b'\n' => return Err(ChunkError),
                    _ => {}
                },
                SizeLf => {
                    if b != b'\n' {
                        return Err(ChunkError);
                    }
                    self.state = if self.size == 0 { TrailerStart } else { Data };
                }
                Data => {
                    let take =
                        (input.len() - i).min(usize::try_from(self.size).unwrap_or(usize::MAX));
                    self.size -= take as u64;
                    i += take;
                    if self.size == 0 {
                        self.state = DataCr;
                    }
                    continue;
                }
                DataCr => {
                    if b != b'\r' {
                        return Err(ChunkError);
                    }
                    self.state = DataLf;
                }
                DataLf => {
                    if b != b'\n' {
                        return Err(ChunkError);
                    }
                    self.state = Size;
                    self.digits = 0;
                }
                TrailerStart => match b {
                    b'\r' => self.state = FinalLf,
                    b'\n' => return Err(ChunkError),
                    _ => self.state = Trailer,
                },
                Trailer => match b {
                    b'\r' => self.state = TrailerLf,
                    b'\n' => return Err(ChunkError),
                    _ => {}
                },
                TrailerLf => {
                    if b != b'\n' {
                        return Err(ChunkError);
                    }
                    self.state = TrailerStart;
                }
                FinalLf => {
                    if b != b'\n' {
                        return Err(ChunkError);
                    }
                    self.state = Done;
                    return Ok(Some(i + 1));
                }
                Done => return Ok(Some(i)),
            }
            i += 1;
        }
        Ok(if self.state == Done { Some(i) } else { None })
    }
}

#[cfg(test)]
mod tests;
