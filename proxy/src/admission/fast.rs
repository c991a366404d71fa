//! The fast HTTP/1.1 forwarding path of the admission and direct listeners.
//!
//! Plain request/response exchanges (see [`h1wire`] for which) are proxied
//! by one task per client connection that reads the request head into a
//! connection buffer, applies the same policy as the hyper path
//! ([`Policy::admit`]: kill switch, path, routes, JWT), reads the bounded
//! body, writes head and body to a pooled upstream connection and relays the
//! response as it arrives. No per-request task, channel, header map or body
//! frame: hyper's general machinery cost a third of the proxy's CPU per
//! request in the plain-proxy benchmark.
//!
//! Anything else — HTTP/2, HTTP/1.0, chunked or ambiguous framing, Expect,
//! Upgrade, heads httparse refuses — is handed to the hyper path (with the
//! framing guard) together with the bytes already read, at a request boundary.

use std::io;
use std::time::{Duration, Instant};

use bytes::{Buf, Bytes, BytesMut};
use http::{Method, StatusCode};
use metrics::counter;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::watch;
use tokio::time::timeout_at;

use super::forward::ForwardError;
use super::h1wire::{
    self, BodyFraming, ChunkedEnd, Forwarding, RequestParse, ResponseHead, ResponseParse,
};
use super::rawpool::RawPool;
use super::service::{deny, Audit, ConnInfo, Policy, Refusal, Verdict};
use crate::otlp::body::BodyError;

/// Bodies up to this size are copied behind the head and sent in one write.
const COALESCE: usize = 32 * 1024;
/// Read buffer growth step.
const READ_CHUNK: usize = 16 * 1024;

/// Client-side limits of a listener.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub max_header_bytes: usize,
    /// From the first byte of a head to its end.
    pub header_read_timeout: Duration,
    /// Waiting for the next request, and for a write to make progress.
    pub idle_timeout: Duration,
}

/// How the fast path left a connection.
pub enum Exit<IO> {
    /// Closed (by either side, a timeout, an error, or shutdown).
    Done,
    /// Not for the fast path: serve the rest with hyper, replaying these bytes
    /// first (they start at a request boundary).
    Fallback(IO, Bytes),
}

/// Serves HTTP/1.1 requests on `io` until the connection ends or a request
/// needs the hyper path.
pub async fn serve<IO>(
    mut io: IO,
    policy: &Policy,
    info: &ConnInfo,
    limits: Limits,
    mut shutdown: watch::Receiver<bool>,
) -> Exit<IO>
where
    IO: AsyncRead + AsyncWrite + Unpin,
{
    let Some(pool) = policy.upstream.as_ref().and_then(|u| u.raw_pool()) else {
        return Exit::Fallback(io, Bytes::new());
    };
    let mut conn = Conn {
        policy,
        info,
        pool,
        limits,
        buf: BytesMut::with_capacity(READ_CHUNK),
        out: Vec::with_capacity(1024),
        resp: BytesMut::with_capacity(READ_CHUNK),
    };
    loop {
        conn.shrink_idle_buffers();
        let head = match conn.read_head(&mut io, &mut shutdown).await {
            Ok(h) => h,
            Err(Next::Fallback(reason)) => {
                counter!("planeguard_admission_http1_fallbacks_total", "listener" => policy.listener, "reason" => reason).increment(1);
                return Exit::Fallback(io, conn.buf.freeze());
            }
            Err(Next::Closed) => return Exit::Done,
        };
        let shutting_down = *shutdown.borrow();
        let keep = conn.exchange(&mut io, head, shutting_down).await;
        if !keep {
            let _ = io.shutdown().await;
            return Exit::Done;
        }
    }
}

/// Per-connection state; the buffers live as long as the connection.
struct Conn<'a> {
    policy: &'a Policy,
    info: &'a ConnInfo,
    pool: &'a RawPool,
    limits: Limits,
    /// Bytes read from the client not yet handled.
    buf: BytesMut,
    /// Heads being written (upstream request, client response).
    out: Vec<u8>,
    /// Bytes read from the upstream not yet relayed.
    resp: BytesMut,
}

/// Why no request head came for the fast path.
enum Next {
    /// The connection ended (EOF, timeout, error or shutdown).
    Closed,
    /// The hyper path takes over (the metric's `reason`).
    Fallback(&'static str),
}

impl From<io::Error> for Next {
    fn from(_: io::Error) -> Self {
        Next::Closed
    }
}

/// Reads what is there (at least one byte, 0 at EOF) before `deadline`;
/// a missed deadline is `TimedOut`.
async fn read_more<R: AsyncRead + Unpin>(
    io: &mut R,
    buf: &mut BytesMut,
    deadline: Instant,
) -> io::Result<usize> {
    if buf.capacity() - buf.len() < READ_CHUNK / 4 {
        buf.reserve(READ_CHUNK);
    }
    match timeout_at(deadline.into(), io.read_buf(buf)).await {
        Ok(r) => r,
        Err(_) => Err(io::ErrorKind::TimedOut.into()),
    }
}

async fn write_all<W: AsyncWrite + Unpin>(
    io: &mut W,
    bytes: &[u8],
    idle: Duration,
) -> io::Result<()> {
    write_both(io, bytes, &[], idle).await
}

/// Writes `a` then `b` with vectored writes (one syscall for both when the
/// socket takes them), giving up when the whole write takes longer than `idle`.
async fn write_both<W: AsyncWrite + Unpin>(
    io: &mut W,
    mut a: &[u8],
    mut b: &[u8],
    idle: Duration,
) -> io::Result<()> {
    let write = async {
        while !a.is_empty() || !b.is_empty() {
            let n = if a.is_empty() {
                io.write(b).await?
            } else if b.is_empty() {
                io.write(a).await?
            } else {
                io.write_vectored(&[io::IoSlice::new(a), io::IoSlice::new(b)])
                    .await?
            };
            if n == 0 {
                return Err(io::ErrorKind::WriteZero.into());
            }
            let from_a = n.min(a.len());
            a = &a[from_a..];
            b = &b[n - from_a..];
        }
        Ok(())
    };
    match tokio::time::timeout(idle, write).await {
        Ok(r) => r,
        Err(_) => Err(io::ErrorKind::TimedOut.into()),
    }
}

/// A bare LF ends lines only where httparse is lenient; such heads go to the
/// hyper path and its guard rather than being forwarded rewritten.
fn has_bare_lf(head: &[u8]) -> bool {
    memchr::memchr_iter(b'\n', head).any(|i| i == 0 || head[i - 1] != b'\r')
}

impl Conn<'_> {
    /// After a large body, a kept-alive connection gives its grown buffers
    /// back instead of holding megabytes while it idles. Up to 256 KiB stay:
    /// a connection that keeps sending 64 KiB bodies must not reallocate and
    /// fault in a buffer per request.
    fn shrink_idle_buffers(&mut self) {
        const KEEP: usize = 16 * READ_CHUNK;
        if self.buf.is_empty() && self.buf.capacity() > KEEP {
            self.buf = BytesMut::with_capacity(READ_CHUNK);
        }
        if self.resp.is_empty() && self.resp.capacity() > KEEP {
            self.resp = BytesMut::with_capacity(READ_CHUNK);
        }
    }

    /// Waits for a complete request head.
    async fn read_head<IO: AsyncRead + Unpin>(
        &mut self,
        io: &mut IO,
        shutdown: &mut watch::Receiver<bool>,
    ) -> Result<h1wire::RequestHead, Next> {
        let mut deadline = None;
        loop {
            if !self.buf.is_empty() {
                match h1wire::parse_request(&self.buf) {
                    RequestParse::Head(h) if !has_bare_lf(&self.buf[..h.len]) => return Ok(h),
                    RequestParse::Head(_) => return Err(Next::Fallback("bare_lf")),
                    RequestParse::Fallback(reason) => return Err(Next::Fallback(reason)),
                    RequestParse::Partial if self.buf.len() >= self.limits.max_header_bytes => {
                        return Err(Next::Fallback("head_too_large"))
                    }
                    RequestParse::Partial => {}
                }
            }
            let deadline = match deadline {
                Some(d) => d,
                None if self.buf.is_empty() => {
                    // Between requests: idle until the next one, or shutdown.
                    if *shutdown.borrow() {
                        return Err(Next::Closed);
                    }
                    let idle = Instant::now() + self.limits.idle_timeout;
                    let n = tokio::select! {
                        r = read_more(io, &mut self.buf, idle) => r?,
                        _ = shutdown.changed() => return Err(Next::Closed),
                    };
                    if n == 0 {
                        return Err(Next::Closed);
                    }
                    deadline = Some(Instant::now() + self.limits.header_read_timeout);
                    continue;
                }
                None => *deadline.insert(Instant::now() + self.limits.header_read_timeout),
            };
            if read_more(io, &mut self.buf, deadline).await? == 0 {
                return Err(Next::Closed);
            }
        }
    }

    /// One request and its response; false when the connection ends after it.
    async fn exchange<IO: AsyncRead + AsyncWrite + Unpin>(
        &mut self,
        io: &mut IO,
        head: h1wire::RequestHead,
        shutting_down: bool,
    ) -> bool {
        let policy = self.policy;
        let Ok(method) = Method::from_bytes(&self.buf[head.method.clone()]) else {
            return false;
        };
        let mut ctx = Audit::new(policy, self.info, method.as_str());
        let body_end = head
            .len
            .saturating_add(usize::try_from(head.content_length).unwrap_or(usize::MAX));
        // The policy decision and the upstream head, while the head is borrowed.
        let admitted = {
            let Ok(target) = std::str::from_utf8(&self.buf[head.target.clone()]) else {
                return false;
            };
            let authorization = head.authorization.clone().map(|r| &self.buf[r]);
            policy.admit(self.info, target, authorization, &mut ctx)
        };
        let admitted = match admitted {
            Ok(a) => a,
            Err(r) => return self.refuse(io, r, body_end).await,
        };
        self.out.clear();
        {
            let (client_ip, forwarded, proto) = self.info.forwarded().as_bytes();
            let peer = admitted
                .vouched
                .as_deref()
                .and_then(|v| http::HeaderValue::from_str(v).ok());
            let fwd = Forwarding {
                client_ip,
                forwarded,
                proto,
                authoritative: policy.filtered,
                peer: peer.as_ref().map(|p| p.as_bytes()),
                default_host: admitted.upstream.host().as_bytes(),
            };
            h1wire::write_upstream_request(&self.buf, &head, &admitted.target, &fwd, &mut self.out);
        }
        // The body, bounded in size and time.
        if head.content_length > policy.max_request_bytes as u64 {
            let e = BodyError::TooLarge {
                limit: policy.max_request_bytes,
            };
            let v = deny(
                StatusCode::PAYLOAD_TOO_LARGE,
                "body_too_large",
                e.to_string(),
            );
            ctx.deny(&v);
            return self
                .refuse_sent(io, Refusal::new(v, true), usize::MAX)
                .await;
        }
        let deadline = Instant::now() + policy.body_timeout;
        while self.buf.len() < body_end {
            self.buf.reserve(body_end - self.buf.len());
            match read_more(io, &mut self.buf, deadline).await {
                Ok(n) if n > 0 => {}
                Err(e) if e.kind() == io::ErrorKind::TimedOut => {
                    let v = deny(
                        StatusCode::REQUEST_TIMEOUT,
                        "body_timeout",
                        BodyError::Timeout.to_string(),
                    );
                    ctx.deny(&v);
                    return self
                        .refuse_sent(io, Refusal::new(v, true), usize::MAX)
                        .await;
                }
                // EOF or a failed read: the client is gone mid-body.
                _ => {
                    let v = deny(
                        StatusCode::BAD_REQUEST,
                        "bad_body_framing",
                        BodyError::Aborted.to_string(),
                    );
                    ctx.deny(&v);
                    return false;
                }
            }
        }
        ctx.bytes_in = head.content_length;
        let body_len = body_end - head.len;
        if body_len <= COALESCE {
            self.out.extend_from_slice(&self.buf[head.len..body_end]);
        }
        let rest = if body_len <= COALESCE {
            head.len..head.len
        } else {
            head.len..body_end
        };
        let upstream = admitted.upstream;
        let t0 = Instant::now();
        let sent = send(
            self.pool,
            upstream.timeout(),
            &self.out,
            &self.buf[rest],
            &mut self.resp,
            &method,
        )
        .await;
        policy
            .hot
            .upstream_seconds
            .record(t0.elapsed().as_secs_f64());
        self.buf.advance(body_end);
        let (mut stream, rhead) = match sent {
            Ok(x) => x,
            Err(e) => {
                let (status, reason) = e.status_and_reason();
                ctx.upstream_failed(status, reason);
                let v = deny(status, reason, "the query server did not answer");
                self.out.clear();
                error_response(&Refusal::new(v, false), &mut self.out);
                return write_all(io, &self.out, self.limits.idle_timeout)
                    .await
                    .is_ok()
                    && !head.close;
            }
        };
        let close = head.close || shutting_down || rhead.framing == BodyFraming::UntilClose;
        ctx.admitted(
            StatusCode::from_u16(rhead.status).unwrap_or(StatusCode::BAD_GATEWAY),
            rhead.content_length,
        );
        match self.relay(io, &mut stream, &rhead, close).await {
            Relayed::Reusable => self.pool.checkin(stream),
            Relayed::UpstreamDone => {}
            Relayed::ClientGone => return false,
        }
        !close
    }

    /// Sends a refusal decided before the body was read. The connection stays
    /// open only if the unread body is already buffered (then skipped).
    async fn refuse<IO: AsyncWrite + Unpin>(
        &mut self,
        io: &mut IO,
        mut r: Refusal,
        body_end: usize,
    ) -> bool {
        if self.buf.len() < body_end {
            r.close = true;
        }
        self.refuse_sent(io, r, body_end).await
    }

    async fn refuse_sent<IO: AsyncWrite + Unpin>(
        &mut self,
        io: &mut IO,
        r: Refusal,
        body_end: usize,
    ) -> bool {
        self.out.clear();
        error_response(&r, &mut self.out);
        if write_all(io, &self.out, self.limits.idle_timeout)
            .await
            .is_err()
            || r.close
        {
            return false;
        }
        self.buf.advance(body_end.min(self.buf.len()));
        true
    }

    /// Relays the response whose head is at the start of `self.resp`.
    async fn relay<IO: AsyncWrite + Unpin>(
        &mut self,
        io: &mut IO,
        upstream: &mut TcpStream,
        head: &ResponseHead,
        close: bool,
    ) -> Relayed {
        self.out.clear();
        h1wire::write_client_response(&self.resp, head, close, &mut self.out);
        self.resp.advance(head.len);
        let idle = self.limits.idle_timeout;
        let mut chunked = ChunkedEnd::default();
        let mut left = match head.framing {
            BodyFraming::Length(n) => n,
            _ => 0,
        };
        loop {
            // How much of `resp` belongs to this body, and whether it ends there.
            let (take, done) = match head.framing {
                BodyFraming::Empty => (0, true),
                BodyFraming::Length(_) => {
                    let take = self
                        .resp
                        .len()
                        .min(usize::try_from(left).unwrap_or(usize::MAX));
                    left -= take as u64;
                    (take, left == 0)
                }
                BodyFraming::Chunked => match chunked.feed(&self.resp) {
                    Ok(Some(end)) => (end, true),
                    Ok(None) => (self.resp.len(), false),
                    Err(_) => {
                        // The upstream broke its framing: relay nothing more.
                        let _ = write_all(io, &self.out, idle).await;
                        return Relayed::ClientGone;
                    }
                },
                BodyFraming::UntilClose => (self.resp.len(), false),
            };
            let wrote = if self.out.len() + take <= COALESCE {
                self.out.extend_from_slice(&self.resp[..take]);
                write_all(io, &self.out, idle).await
            } else {
                write_both(io, &self.out, &self.resp[..take], idle).await
            };
            self.out.clear();
            self.resp.advance(take);
            if wrote.is_err() {
                return Relayed::ClientGone;
            }
            if done {
                // Bytes after the response: the upstream cannot be trusted with another.
                return if head.reusable && self.resp.is_empty() {
                    Relayed::Reusable
                } else {
                    self.resp.clear();
                    Relayed::UpstreamDone
                };
            }
            match read_more(upstream, &mut self.resp, Instant::now() + idle).await {
                Ok(n) if n > 0 => {}
                _ if head.framing == BodyFraming::UntilClose => return Relayed::UpstreamDone,
                // Truncated body: the client must not take it as complete.
                _ => return Relayed::ClientGone,
            }
        }
    }
}

enum Relayed {
    /// Response complete; the upstream connection can serve another request.
    Reusable,
    /// Response complete; the upstream connection is dropped.
    UpstreamDone,
    /// The client connection must end now.
    ClientGone,
}

/// Writes the request to a pooled (or new) connection and reads the response
/// head into `resp` (1xx interim responses skipped). A reused connection that
/// fails before any response byte is replaced once for an idempotent request.
async fn send(
    pool: &RawPool,
    timeout: Duration,
    head_and_body: &[u8],
    body_rest: &[u8],
    resp: &mut BytesMut,
    method: &Method,
) -> Result<(TcpStream, ResponseHead), ForwardError> {
    let is_head = *method == Method::HEAD;
    // RFC 9110 section 9.2.2: these may be sent again when a connection fails.
    let idempotent = matches!(
        *method,
        Method::GET | Method::HEAD | Method::PUT | Method::DELETE | Method::OPTIONS | Method::TRACE
    );
    let deadline = Instant::now() + timeout;
    let mut retried = false;
    loop {
        let (mut stream, reused) = match pool.checkout() {
            Some(s) if !retried => (s, true),
            _ => match timeout_at(deadline.into(), pool.connect()).await {
                Ok(Ok(s)) => (s, false),
                Ok(Err(_)) => return Err(ForwardError::Connect),
                Err(_) => return Err(ForwardError::Timeout),
            },
        };
        resp.clear();
        let left = deadline.saturating_duration_since(Instant::now());
        let got = match write_both(&mut stream, head_and_body, body_rest, left).await {
            Ok(()) => read_response_head(&mut stream, resp, deadline, is_head).await,
            Err(e) if e.kind() == io::ErrorKind::TimedOut => Err(Some(ForwardError::Timeout)),
            Err(_) => Err(None),
        };
        match got {
            Ok(h) => return Ok((stream, h)),
            // Nothing came back on a reused connection, which the upstream
            // probably closed as it went idle: a request that is safe to
            // repeat goes once more, on a fresh connection.
            Err(None) if reused && idempotent && resp.is_empty() => retried = true,
            Err(None) => return Err(ForwardError::Connect),
            Err(Some(e)) => return Err(e),
        }
    }
}

/// `Err(None)`: the connection failed; `Err(Some(_))`: timeout or bad head.
async fn read_response_head(
    stream: &mut TcpStream,
    resp: &mut BytesMut,
    deadline: Instant,
    is_head: bool,
) -> Result<ResponseHead, Option<ForwardError>> {
    loop {
        if !resp.is_empty() {
            match h1wire::parse_response(resp, is_head) {
                ResponseParse::Head(h) => return Ok(h),
                ResponseParse::Interim(n) => {
                    resp.advance(n);
                    continue;
                }
                ResponseParse::Invalid(_) => return Err(Some(ForwardError::Connect)),
                ResponseParse::Partial if resp.len() > h1wire::MAX_RESPONSE_HEAD => {
                    return Err(Some(ForwardError::Connect))
                }
                ResponseParse::Partial => {}
            }
        }
        if resp.capacity() - resp.len() < READ_CHUNK / 4 {
            resp.reserve(READ_CHUNK);
        }
        match timeout_at(deadline.into(), stream.read_buf(resp)).await {
            Err(_) => return Err(Some(ForwardError::Timeout)),
            Ok(Ok(0)) | Ok(Err(_)) => return Err(None),
            Ok(Ok(_)) => {}
        }
    }
}

/// The JSON error answer of the fast path (same body as the hyper path's).
fn error_response(r: &Refusal, out: &mut Vec<u8>) {
    let v: &Verdict = &r.verdict;
    let body = serde_json::json!({ "error": v.reason, "message": v.message }).to_string();
    out.extend_from_slice(b"HTTP/1.1 ");
    out.extend_from_slice(v.status.as_str().as_bytes());
    out.push(b' ');
    out.extend_from_slice(v.status.canonical_reason().unwrap_or("").as_bytes());
    out.extend_from_slice(b"\r\ncontent-type: application/json\r\ncontent-length: ");
    out.extend_from_slice(body.len().to_string().as_bytes());
    out.extend_from_slice(b"\r\n");
    if r.close {
        out.extend_from_slice(b"connection: close\r\n");
    }
    if let Some(w) = r.challenge {
        out.extend_from_slice(b"www-authenticate: ");
        out.extend_from_slice(w.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(body.as_bytes());
}
