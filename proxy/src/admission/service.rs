//! One request on an admission or direct listener, top to bottom:
//! framing checks → kill switch → path normalization → route allowlist →
//! JWT + roles → body (bounded) → forward → audit.

use std::net::SocketAddr;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant, SystemTime};

use bytes::Bytes;
use http::header::{CONNECTION, CONTENT_LENGTH, CONTENT_TYPE, TRANSFER_ENCODING, WWW_AUTHENTICATE};
use http::{HeaderValue, Request, Response, StatusCode};
use http_body_util::Either;
use hyper::body::Incoming;
use metrics::{counter, histogram};

use super::audit::{rfc3339, AuditLog, Entry};
use super::forward::{self, ForwardedValues, Upstream};
use super::jwt::{authorize, JwtValidator};
use super::path::{self, RouteTable};
use super::proxy_protocol::EndpointId;
use crate::otlp::body::{self as body_reader, BodyError};
use crate::otlp::grpc::ChunksBody;

pub type ProxyBody = Either<ChunksBody, Incoming>;

/// What a listener enforces.
#[derive(Debug)]
pub struct Policy {
    /// `metadata-plane` or `direct` (audit and metrics label).
    pub listener: &'static str,
    /// Metadata-plane rules apply (false on the direct listener: never filtered).
    pub filtered: bool,
    /// `flows.query_execution.enabled`; when false every filtered request is refused.
    pub query_execution: bool,
    pub routes: RouteTable,
    pub jwt: Option<JwtValidator>,
    /// `None` under the kill switch: no upstream connection is ever opened.
    pub upstream: Option<Upstream>,
    pub audit: AuditLog,
    pub max_request_bytes: usize,
    pub body_timeout: Duration,
    /// Hot-path metric handles, resolved once (no registry lookup per request).
    pub hot: HotMetrics,
}

/// Metric handles of the admitted path.
#[derive(Debug)]
pub struct HotMetrics {
    admitted: metrics::Counter,
    pub(super) upstream_seconds: metrics::Histogram,
}

impl HotMetrics {
    pub fn new(listener: &'static str) -> Self {
        Self {
            admitted: counter!("planeguard_admission_requests_total", "listener" => listener, "decision" => "admit", "reason" => "ok"),
            upstream_seconds: histogram!("planeguard_upstream_duration_seconds", "listener" => listener),
        }
    }
}

/// What is known about the connection before the first request.
#[derive(Debug, Clone)]
pub struct ConnInfo {
    pub peer: SocketAddr,
    /// The client address from a verified PROXY header.
    pub source: Option<SocketAddr>,
    pub endpoint: Option<EndpointId>,
    pub tls: bool,
    pub tls_identity: Option<String>,
    /// The forwarding headers of `source` (or `peer`), made on first use.
    pub forwarded: OnceLock<ForwardedValues>,
}

impl ConnInfo {
    /// The forwarding header values of this connection's client, worked out
    /// once for all its requests.
    pub(super) fn forwarded(&self) -> &ForwardedValues {
        self.forwarded
            .get_or_init(|| ForwardedValues::new(self.source.unwrap_or(self.peer).ip(), self.tls))
    }
}

pub(super) struct Verdict {
    pub status: StatusCode,
    pub reason: &'static str,
    pub message: String,
}

pub(super) fn deny(
    status: StatusCode,
    reason: &'static str,
    message: impl Into<String>,
) -> Verdict {
    Verdict {
        status,
        reason,
        message: message.into(),
    }
}

fn plain(status: StatusCode, reason: &str, message: &str, close: bool) -> Response<ProxyBody> {
    let body = serde_json::json!({ "error": reason, "message": message }).to_string();
    let mut r = Response::new(Either::Left(ChunksBody::new([Bytes::from(body)], None)));
    *r.status_mut() = status;
    r.headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    if close {
        r.headers_mut()
            .insert(CONNECTION, HeaderValue::from_static("close"));
    }
    r
}

/// Request shapes used for smuggling: refused before anything else is read.
fn framing_error(req: &Request<Incoming>) -> Option<Verdict> {
    let h = req.headers();
    let cl = h.get_all(CONTENT_LENGTH).iter().count();
    let te = h.get_all(TRANSFER_ENCODING).iter().count();
    if cl > 1
        || h.get(CONTENT_LENGTH)
            .is_some_and(|v| v.as_bytes().contains(&b','))
    {
        return Some(deny(
            StatusCode::BAD_REQUEST,
            "duplicate_content_length",
            "more than one Content-Length",
        ));
    }
    if cl > 0 && te > 0 {
        return Some(deny(
            StatusCode::BAD_REQUEST,
            "content_length_with_transfer_encoding",
            "Content-Length together with Transfer-Encoding",
        ));
    }
    if te > 1
        || h.get(TRANSFER_ENCODING)
            .is_some_and(|v| !v.as_bytes().eq_ignore_ascii_case(b"chunked"))
    {
        return Some(deny(
            StatusCode::BAD_REQUEST,
            "bad_transfer_encoding",
            "only a single `Transfer-Encoding: chunked` is accepted",
        ));
    }
    None
}

fn record(listener: &'static str, decision: &'static str, reason: &'static str) {
    counter!("planeguard_admission_requests_total", "listener" => listener, "decision" => decision, "reason" => reason).increment(1);
}

/// A refused request: what the client is told and whether its connection ends.
pub(super) struct Refusal {
    pub verdict: Verdict,
    pub close: bool,
    /// `WWW-Authenticate` challenge of a refused bearer token.
    pub challenge: Option<&'static str>,
}

impl Refusal {
    pub(super) fn new(verdict: Verdict, close: bool) -> Self {
        Self {
            verdict,
            close,
            challenge: None,
        }
    }
}

/// A request the policy lets through (before its body is read).
pub(super) struct Admitted<'p> {
    /// Normalized path plus the original query: the request target upstream.
    pub target: String,
    /// The `x-planeguard-peer` value the listener vouches for (metadata-plane only).
    pub vouched: Option<String>,
    pub upstream: &'p Upstream,
}

impl Policy {
    /// The checks every request passes before its body is read, shared by the
    /// hyper path and the fast HTTP/1.1 path: kill switch, path normalization,
    /// route allowlist, bearer token and roles. A refusal is counted and audited
    /// here; the caller only sends it.
    pub(super) fn admit(
        &self,
        conn: &ConnInfo,
        path_and_query: &str,
        authorization: Option<&[u8]>,
        ctx: &mut Audit<'_>,
    ) -> Result<Admitted<'_>, Refusal> {
        let refuse = |ctx: &Audit<'_>, r: Refusal| {
            ctx.deny(&r.verdict);
            r
        };
        if self.filtered && !self.query_execution {
            return Err(refuse(ctx, Refusal::new(
                deny(StatusCode::FORBIDDEN, "query_execution_disabled", "query execution from the metadata plane is disabled by policy (flows.query_execution.enabled: false, restricted connectivity)"),
                false,
            )));
        }
        let (raw_path, query) = path::split_query(path_and_query);
        let normalized = if self.filtered {
            match path::normalize(raw_path) {
                Ok(p) => p,
                Err(e) => {
                    let v = deny(
                        StatusCode::BAD_REQUEST,
                        e.reason(),
                        "the request path is ambiguous or invalid",
                    );
                    return Err(refuse(ctx, Refusal::new(v, true)));
                }
            }
        } else {
            raw_path.to_owned()
        };
        if !self.audit.is_off() {
            ctx.path = Some(normalized.clone());
        }
        let mut identity = conn.endpoint.as_ref().map(|e| e.to_string());
        if self.filtered {
            let Some(route) = self.routes.find(ctx.method, &normalized) else {
                let v = deny(
                    StatusCode::FORBIDDEN,
                    "route_not_allowed",
                    "method and path are not in the admission route allowlist",
                );
                return Err(refuse(ctx, Refusal::new(v, false)));
            };
            if let Some(jwt) = &self.jwt {
                let verified = match jwt.validate(authorization.unwrap_or(b""), SystemTime::now()) {
                    Ok(v) => v,
                    Err(e) => {
                        let mut r = Refusal::new(
                            deny(e.status(), e.reason(), "bearer token refused"),
                            false,
                        );
                        r.challenge = e.www_authenticate();
                        return Err(refuse(ctx, r));
                    }
                };
                ctx.subject = verified.subject.clone();
                if let Err(e) = authorize(&route.roles, &verified) {
                    let v = deny(
                        e.status(),
                        e.reason(),
                        "the caller lacks a role this route requires",
                    );
                    return Err(refuse(ctx, Refusal::new(v, false)));
                }
                if let Some(sub) = &verified.subject {
                    identity = Some(match identity {
                        Some(i) => format!("{i}; sub={sub}"),
                        None => format!("sub={sub}"),
                    });
                }
            }
        }
        let Some(upstream) = &self.upstream else {
            let v = deny(
                StatusCode::FORBIDDEN,
                "query_execution_disabled",
                "no upstream",
            );
            return Err(refuse(ctx, Refusal::new(v, false)));
        };
        let target = match query {
            Some(q) => format!("{normalized}?{q}"),
            None => normalized,
        };
        // Only the metadata-plane listener vouches for an identity; on the direct
        // listener a client-supplied copy is removed so nobody can impersonate one.
        let vouched = if self.filtered { identity } else { None };
        Ok(Admitted {
            target,
            vouched,
            upstream,
        })
    }

    pub async fn handle(
        self: Arc<Self>,
        conn: Arc<ConnInfo>,
        req: Request<Incoming>,
    ) -> Response<ProxyBody> {
        let method = req.method().clone();
        let mut ctx = Audit::new(&self, &conn, method.as_str());
        if self.filtered {
            if let Some(v) = framing_error(&req) {
                ctx.deny(&v);
                return refusal_response(Refusal::new(v, true));
            }
        }
        let admitted = {
            let path_and_query = req
                .uri()
                .path_and_query()
                .map(|p| p.as_str())
                .unwrap_or("/");
            let authorization = req
                .headers()
                .get(http::header::AUTHORIZATION)
                .map(|v| v.as_bytes());
            self.admit(&conn, path_and_query, authorization, &mut ctx)
        };
        let Admitted {
            target,
            vouched,
            upstream,
        } = match admitted {
            Ok(a) => a,
            Err(r) => return refusal_response(r),
        };
        let (mut parts, body) = req.into_parts();
        let content_length = parts
            .headers
            .get(CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse().ok());
        let (body, body_len) = match body_reader::read_frames(
            body,
            content_length,
            self.max_request_bytes,
            self.body_timeout,
        )
        .await
        {
            Ok(b) => b,
            Err(e) => {
                let (status, reason) = match e {
                    BodyError::TooLarge { .. } => (StatusCode::PAYLOAD_TOO_LARGE, "body_too_large"),
                    BodyError::Timeout => (StatusCode::REQUEST_TIMEOUT, "body_timeout"),
                    _ => (StatusCode::BAD_REQUEST, "bad_body_framing"),
                };
                let v = deny(status, reason, e.to_string());
                ctx.deny(&v);
                return refusal_response(Refusal::new(v, true));
            }
        };
        ctx.bytes_in = body_len as u64;
        forward::strip_hop_by_hop(&mut parts.headers);
        conn.forwarded().apply(&mut parts.headers, self.filtered);
        forward::set_peer_identity(&mut parts.headers, vouched.as_deref());
        let t0 = Instant::now();
        let result = upstream
            .send(parts, target, ChunksBody::new(body, None))
            .await;
        self.hot.upstream_seconds.record(t0.elapsed().as_secs_f64());
        match result {
            Ok(resp) => {
                let (mut parts, body) = resp.into_parts();
                forward::strip_hop_by_hop(&mut parts.headers);
                let out = parts
                    .headers
                    .get(CONTENT_LENGTH)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.parse().ok());
                ctx.admitted(parts.status, out);
                Response::from_parts(parts, Either::Right(body))
            }
            Err(e) => {
                let (status, reason) = e.status_and_reason();
                ctx.upstream_failed(status, reason);
                plain(status, reason, "the query server did not answer", false)
            }
        }
    }
}

/// The JSON error response of a refusal (hyper path).
fn refusal_response(r: Refusal) -> Response<ProxyBody> {
    let mut resp = plain(
        r.verdict.status,
        r.verdict.reason,
        &r.verdict.message,
        r.close,
    );
    if let Some(w) = r.challenge {
        resp.headers_mut()
            .insert(WWW_AUTHENTICATE, HeaderValue::from_static(w));
    }
    resp
}

/// Audit context of one request.
pub(super) struct Audit<'a> {
    policy: &'a Policy,
    conn: &'a ConnInfo,
    started: Instant,
    method: &'a str,
    path: Option<String>,
    subject: Option<String>,
    pub bytes_in: u64,
}

impl<'a> Audit<'a> {
    /// Starts the clock of a request whose head has just been parsed.
    pub(super) fn new(policy: &'a Policy, conn: &'a ConnInfo, method: &'a str) -> Self {
        Self {
            policy,
            conn,
            started: Instant::now(),
            method,
            path: None,
            subject: None,
            bytes_in: 0,
        }
    }

    /// Counts and audits a refusal.
    pub(super) fn deny(&self, v: &Verdict) {
        record(self.policy.listener, "deny", v.reason);
        self.finish("deny", v.reason, v.status, None);
    }

    /// Counts and audits a request admitted whose upstream did not answer.
    pub(super) fn upstream_failed(&self, status: StatusCode, reason: &'static str) {
        self.finish("admit", reason, status, None);
        record(self.policy.listener, "admit", reason);
    }

    pub(super) fn admitted(&self, status: StatusCode, bytes_out: Option<u64>) {
        self.policy.hot.admitted.increment(1);
        self.finish("admit", "ok", status, bytes_out);
    }

    fn finish(&self, decision: &str, reason: &str, status: StatusCode, bytes_out: Option<u64>) {
        if self.policy.audit.is_off() {
            return;
        }
        let endpoint = self.conn.endpoint.as_ref().map(|e| e.to_string());
        self.policy.audit.write(&Entry {
            time: rfc3339(SystemTime::now()),
            listener: self.policy.listener,
            source: self.conn.source,
            peer: self.conn.peer,
            endpoint,
            tls_identity: self.conn.tls_identity.as_deref(),
            jwt_subject: self.subject.as_deref(),
            method: Some(self.method),
            path: self.path.as_deref(),
            decision,
            reason,
            status: Some(status.as_u16()),
            latency_ms: self.started.elapsed().as_secs_f64() * 1000.0,
            bytes_in: self.bytes_in,
            bytes_out,
        });
    }
}
