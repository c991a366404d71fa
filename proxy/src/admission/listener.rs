//! The admission accept loop: trusted-source check, PROXY header (with a
//! deadline and size limit), endpoint allowlist, optional TLS with client
//! certificates — all before a single byte reaches the HTTP layer or the
//! upstream. A refused connection is audited and closed.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use bytes::{Bytes, BytesMut};
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use hyper_util::server::graceful::{GracefulShutdown, Watcher};
use metrics::counter;
use tokio::io::AsyncReadExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

use super::audit::{rfc3339, Entry};
use super::fast::{self, Exit};
use super::framing::{self, FramingGuard, OnRefusal, RefusedHead};
use super::path;
use super::proxy_protocol::policy::{EndpointAllowlist, TrustedSources};
use super::proxy_protocol::{self, Command, Limits, Parsed};
use super::rewind::Rewind;
use super::service::{ConnInfo, Policy};
use super::tls::{client_identity, TlsSettings};
use crate::server::{http_builder, ServerOptions};

/// PROXY protocol handling of a listener.
#[derive(Debug, Clone)]
pub enum ProxyMode {
    /// Every connection must open with a PROXY header from a trusted source.
    Required {
        trusted: TrustedSources,
        endpoints: EndpointAllowlist,
        limits: Limits,
    },
    /// No PROXY header (plain reverse proxy, or the direct listener).
    Off,
}

#[derive(Debug, Clone)]
pub struct ListenerSpec {
    pub policy: Arc<Policy>,
    pub proxy: ProxyMode,
    pub tls: Option<TlsSettings>,
    pub opts: ServerOptions,
    /// Deadline for the PROXY header and the TLS handshake.
    pub handshake_timeout: Duration,
}

/// Reads a PROXY header; returns it and the bytes read past it.
async fn read_proxy_header(
    stream: &mut TcpStream,
    limits: &Limits,
    deadline: Instant,
) -> Result<(proxy_protocol::ProxyHeader, Bytes), &'static str> {
    let mut buf = BytesMut::with_capacity(256);
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, stream.read_buf(&mut buf)).await {
            Err(_) => return Err("proxy_header_timeout"),
            Ok(Err(_)) => return Err("connection_error"),
            Ok(Ok(0)) => return Err("proxy_header_eof"),
            Ok(Ok(_)) => {}
        }
        match proxy_protocol::parse(&buf, limits) {
            Ok(Parsed::Incomplete { .. }) => {
                if buf.len() > limits.effective_max_len() {
                    return Err("too_long");
                }
            }
            Ok(Parsed::Complete { header, consumed }) => {
                let rest = buf.split_off(consumed).freeze();
                return Ok((header, rest));
            }
            Err(e) => return Err(e.reason()),
        }
    }
}

fn audit_connection(
    policy: &Policy,
    peer: SocketAddr,
    info: Option<&ConnInfo>,
    decision: &str,
    reason: &str,
    started: Instant,
) {
    counter!("planeguard_admission_connections_total", "listener" => policy.listener, "decision" => decision.to_string(), "reason" => reason.to_string())
        .increment(1);
    if policy.audit.is_off() {
        return;
    }
    policy.audit.write(&Entry {
        time: rfc3339(SystemTime::now()),
        listener: policy.listener,
        source: info.and_then(|i| i.source),
        peer,
        endpoint: info
            .and_then(|i| i.endpoint.as_ref())
            .map(|e| e.to_string()),
        tls_identity: info.and_then(|i| i.tls_identity.as_deref()),
        jwt_subject: None,
        method: None,
        path: None,
        decision,
        reason,
        status: None,
        latency_ms: started.elapsed().as_secs_f64() * 1000.0,
        bytes_in: 0,
        bytes_out: None,
    });
}

/// Serves until `shutdown`, then lets open connections finish their requests.
pub async fn serve(listener: TcpListener, spec: ListenerSpec, mut shutdown: watch::Receiver<bool>) {
    let graceful = GracefulShutdown::new();
    let spec = Arc::new(spec);
    let (conn_tx, mut conn_rx) = tokio::sync::mpsc::unbounded_channel();
    if *shutdown.borrow() {
        return;
    }
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let (stream, peer) = match accepted {
                    Ok(x) => x,
                    Err(e) => {
                        tracing::warn!(error = %e, "admission accept failed");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                };
                let _ = stream.set_nodelay(true);
                let spec = Arc::clone(&spec);
                let tx = conn_tx.clone();
                // Handshakes run in their own task so a slow client never blocks accepts.
                tokio::spawn(async move {
                    if let Some(c) = handshake(&spec, stream, peer).await {
                        let _ = tx.send(c);
                    }
                });
            }
            Some(ready) = conn_rx.recv() => {
                let fut = serve_ready(&spec, ready, &graceful, shutdown.clone());
                tokio::spawn(fut);
            }
            _ = shutdown.changed() => break,
        }
    }
    drop(listener);
    graceful.shutdown().await;
}

/// A connection that passed the handshake, ready for HTTP.
enum Ready {
    Plain(Rewind<TcpStream>, Arc<ConnInfo>),
    /// TLS, and whether ALPN chose HTTP/2.
    Tls(
        Box<tokio_rustls::server::TlsStream<Rewind<TcpStream>>>,
        Arc<ConnInfo>,
        bool,
    ),
}

/// Metadata-plane connections get the request-smuggling guard; direct ones are
/// never filtered. A head the guard refuses never reaches the request handler,
/// so the guard itself reports it to the audit log (unless that is off).
fn guard<S>(policy: &Arc<Policy>, info: &Arc<ConnInfo>, io: S) -> FramingGuard<S> {
    if !policy.filtered {
        return FramingGuard::passthrough(io);
    }
    let g = FramingGuard::new(io);
    if policy.audit.is_off() {
        return g;
    }
    g.on_refusal(audit_refused_head(Arc::clone(policy), Arc::clone(info)))
}

/// The audit entry of a request head refused by the framing guard: a request-level
/// denial like the handler's own (connection context, method, normalized path,
/// status), without a body read or a token checked.
fn audit_refused_head(policy: Arc<Policy>, info: Arc<ConnInfo>) -> OnRefusal {
    Box::new(move |head: RefusedHead<'_>| {
        // Called at the guard's decision, the moment the head is complete (as the
        // handler's latency starts once hyper has parsed a head).
        let started = Instant::now();
        // A path that does not normalize is left out, as the handler does.
        let path = head.path.and_then(|p| path::normalize(p).ok());
        policy.audit.write(&Entry {
            time: rfc3339(SystemTime::now()),
            listener: policy.listener,
            source: info.source,
            peer: info.peer,
            endpoint: info.endpoint.as_ref().map(|e| e.to_string()),
            tls_identity: info.tls_identity.as_deref(),
            jwt_subject: None,
            method: head.method,
            path: path.as_deref(),
            decision: "deny",
            reason: framing::REASON,
            status: Some(framing::STATUS),
            latency_ms: started.elapsed().as_secs_f64() * 1000.0,
            bytes_in: 0,
            bytes_out: None,
        });
    })
}

async fn handshake(spec: &ListenerSpec, mut stream: TcpStream, peer: SocketAddr) -> Option<Ready> {
    let started = Instant::now();
    let deadline = started + spec.handshake_timeout;
    let policy = &spec.policy;
    let mut info = ConnInfo {
        peer,
        source: None,
        endpoint: None,
        tls: spec.tls.is_some(),
        tls_identity: None,
        forwarded: std::sync::OnceLock::new(),
    };
    let mut prefix = Bytes::new();
    if let ProxyMode::Required {
        trusted,
        endpoints,
        limits,
    } = &spec.proxy
    {
        if !trusted.contains(peer.ip()) {
            audit_connection(policy, peer, None, "deny", "untrusted_source", started);
            return None;
        }
        let (header, rest) = match read_proxy_header(&mut stream, limits, deadline).await {
            Ok(x) => x,
            Err(reason) => {
                audit_connection(policy, peer, None, "deny", reason, started);
                return None;
            }
        };
        if header.command == Command::Local {
            // The load balancer's own health check: no client behind it, nothing to forward.
            audit_connection(policy, peer, None, "deny", "proxy_local_command", started);
            return None;
        }
        info.source = header.source;
        info.endpoint = header.endpoint.clone();
        if let Err(d) = endpoints.check(&header.endpoint) {
            audit_connection(policy, peer, Some(&info), "deny", d.reason(), started);
            return None;
        }
        prefix = rest;
    }
    let io = Rewind::new(prefix, stream);
    let Some(tls) = &spec.tls else {
        audit_connection(policy, peer, Some(&info), "admit", "connection", started);
        return Some(Ready::Plain(io, Arc::new(info)));
    };
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::clone(&tls.config));
    let left = deadline.saturating_duration_since(Instant::now());
    let tls_stream = match tokio::time::timeout(left, acceptor.accept(io)).await {
        Ok(Ok(s)) => s,
        Ok(Err(_)) => {
            audit_connection(
                policy,
                peer,
                Some(&info),
                "deny",
                "tls_handshake_failed",
                started,
            );
            return None;
        }
        Err(_) => {
            audit_connection(
                policy,
                peer,
                Some(&info),
                "deny",
                "tls_handshake_timeout",
                started,
            );
            return None;
        }
    };
    if tls.client_auth {
        let cert = tls_stream
            .get_ref()
            .1
            .peer_certificates()
            .and_then(|c| c.first())
            .cloned();
        let Some(cert) = cert else {
            audit_connection(
                policy,
                peer,
                Some(&info),
                "deny",
                "client_certificate_missing",
                started,
            );
            return None;
        };
        match client_identity(tls, &cert) {
            Ok(id) => info.tls_identity = Some(id),
            Err(reason) => {
                audit_connection(policy, peer, Some(&info), "deny", reason, started);
                return None;
            }
        }
    }
    audit_connection(policy, peer, Some(&info), "admit", "connection", started);
    let h2 = tls_stream.get_ref().1.alpn_protocol() == Some(b"h2");
    Some(Ready::Tls(Box::new(tls_stream), Arc::new(info), h2))
}

/// Serves a connection: the fast HTTP/1.1 path first, hyper (behind the
/// framing guard) for whatever the fast path hands over, from the request
/// boundary where it did.
fn serve_ready(
    spec: &Arc<ListenerSpec>,
    ready: Ready,
    graceful: &GracefulShutdown,
    shutdown: watch::Receiver<bool>,
) -> impl std::future::Future<Output = ()> + Send + 'static {
    let spec = Arc::clone(spec);
    // Holding a watcher keeps the listener's drain waiting for this connection.
    let watcher = graceful.watcher();
    let limits = fast::Limits {
        max_header_bytes: spec.opts.max_header_bytes,
        header_read_timeout: spec.opts.header_read_timeout,
        idle_timeout: spec.opts.idle_timeout,
    };
    async move {
        let policy = &spec.policy;
        match ready {
            Ready::Plain(io, info) => {
                let io = match fast::serve(io, policy, &info, limits, shutdown).await {
                    Exit::Done => return,
                    Exit::Fallback(io, read) => io.rewound(read),
                };
                serve_hyper(&spec, guard(policy, &info, io), info, watcher).await;
            }
            Ready::Tls(io, info, true) => {
                serve_hyper(&spec, guard(policy, &info, io), info, watcher).await;
            }
            Ready::Tls(io, info, false) => {
                let (io, read) = match fast::serve(io, policy, &info, limits, shutdown).await {
                    Exit::Done => return,
                    Exit::Fallback(io, read) => (io, read),
                };
                let io = Rewind::new(read, io);
                serve_hyper(&spec, guard(policy, &info, io), info, watcher).await;
            }
        }
    }
}

async fn serve_hyper<IO>(
    spec: &ListenerSpec,
    io: FramingGuard<IO>,
    info: Arc<ConnInfo>,
    watcher: Watcher,
) where
    IO: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let policy = Arc::clone(&spec.policy);
    let svc = service_fn(move |req| {
        let f = Arc::clone(&policy).handle(Arc::clone(&info), req);
        async move { Ok::<_, std::convert::Infallible>(f.await) }
    });
    let builder = http_builder(&spec.opts);
    let _ = watcher
        .watch(builder.serve_connection(TokioIo::new(io), svc).into_owned())
        .await;
}
