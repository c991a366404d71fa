//! Forwarding to the upstream query server over a pooled HTTP/1.1 or h2c
//! client: hop-by-hop headers removed, X-Forwarded-For/Forwarded set from the
//! verified source, and the verified identity header added after stripping
//! any client-supplied copy.

use std::net::IpAddr;
use std::time::Duration;

use bytes::Bytes;
use http::header::{self, HeaderMap, HeaderName, HeaderValue};
use http::uri::{Authority, PathAndQuery, Scheme};
use http::{Request, Response, Uri};
use hyper::body::Incoming;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;

use super::h1pool::H1Pool;
use super::rawpool::RawPool;
use crate::otlp::grpc::ChunksBody;

/// Idle upstream connections kept, and for how long.
const POOL_MAX_IDLE: usize = 256;
const POOL_IDLE_TIMEOUT: Duration = Duration::from_secs(60);

/// The identity header planeguard adds; any copy sent by the client is removed first.
pub const PEER_HEADER: &str = "x-planeguard-peer";

#[derive(Debug)]
pub struct Upstream {
    transport: Transport,
    scheme: Scheme,
    authority: Authority,
    /// The Host header sent when the client sent none (host, and the port
    /// unless it is 80), as hyper-util's client would set it.
    host: HeaderValue,
    timeout: Duration,
}

/// How requests reach the upstream.
#[derive(Debug)]
enum Transport {
    /// hyper's HTTP/1.1 client for the hyper path, raw connections for the fast path.
    H1(H1Pool, RawPool),
    /// h2c with prior knowledge: one multiplexed connection.
    H2(Box<Client<HttpConnector, ChunksBody>>),
}

/// Why forwarding failed (mapped to 502/504).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ForwardError {
    Connect,
    Timeout,
}

impl ForwardError {
    /// What the client is answered, and the audit/metric reason.
    pub fn status_and_reason(self) -> (http::StatusCode, &'static str) {
        match self {
            ForwardError::Connect => (http::StatusCode::BAD_GATEWAY, "upstream_unreachable"),
            ForwardError::Timeout => (http::StatusCode::GATEWAY_TIMEOUT, "upstream_timeout"),
        }
    }
}

impl Upstream {
    /// `url` is `http://host:port`; `http2` uses h2c with prior knowledge.
    pub fn new(url: &str, http2: bool, timeout: Duration) -> Result<Self, String> {
        let uri: Uri = url
            .parse()
            .map_err(|e| format!("admission.upstream `{url}`: {e}"))?;
        let scheme = uri.scheme().cloned().unwrap_or(Scheme::HTTP);
        if scheme != Scheme::HTTP {
            return Err(format!("admission.upstream `{url}`: only http:// upstreams (the query server in the same pod) are supported"));
        }
        let authority = uri
            .authority()
            .cloned()
            .ok_or_else(|| format!("admission.upstream `{url}`: missing host:port"))?;
        let port = authority.port_u16().unwrap_or(80);
        let transport = if http2 {
            let mut http = HttpConnector::new();
            http.set_nodelay(true);
            let mut builder = Client::builder(TokioExecutor::new());
            builder.pool_idle_timeout(POOL_IDLE_TIMEOUT);
            builder.pool_max_idle_per_host(POOL_MAX_IDLE);
            builder.http2_only(true);
            Transport::H2(Box::new(builder.build(http)))
        } else {
            let addr = format!("{}:{port}", authority.host());
            Transport::H1(
                H1Pool::new(addr.clone(), POOL_MAX_IDLE, POOL_IDLE_TIMEOUT),
                RawPool::new(addr, POOL_MAX_IDLE, POOL_IDLE_TIMEOUT),
            )
        };
        let host = if port == 80 {
            authority.host()
        } else {
            authority.as_str()
        };
        let host =
            HeaderValue::from_str(host).map_err(|e| format!("admission.upstream `{url}`: {e}"))?;
        Ok(Self {
            transport,
            scheme,
            authority,
            host,
            timeout,
        })
    }

    /// Sends `parts` + `body` to `path_and_query` on the upstream.
    /// Raw HTTP/1.1 connections for the fast path (`None` for an h2 upstream).
    pub fn raw_pool(&self) -> Option<&RawPool> {
        match &self.transport {
            Transport::H1(_, raw) => Some(raw),
            Transport::H2(_) => None,
        }
    }

    /// Host header sent when the client sent none.
    pub fn host(&self) -> &HeaderValue {
        &self.host
    }

    /// Deadline for connecting and for the response head.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    pub async fn send(
        &self,
        mut parts: http::request::Parts,
        path_and_query: String,
        body: ChunksBody,
    ) -> Result<Response<Incoming>, ForwardError> {
        // Taken over as it is, not copied.
        let path_and_query = PathAndQuery::from_maybe_shared(Bytes::from(path_and_query))
            .map_err(|_| ForwardError::Connect)?;
        parts.version = http::Version::HTTP_11;
        match &self.transport {
            Transport::H1(pool, _) => {
                // Origin form, as a client talking to a server directly sends it.
                let mut uri = http::uri::Parts::default();
                uri.path_and_query = Some(path_and_query);
                parts.uri = Uri::from_parts(uri).map_err(|_| ForwardError::Connect)?;
                parts
                    .headers
                    .entry(header::HOST)
                    .or_insert_with(|| self.host.clone());
                let req = Request::from_parts(parts, body);
                match tokio::time::timeout(self.timeout, pool.send(req)).await {
                    Err(_) => Err(ForwardError::Timeout),
                    Ok(Err(_)) => Err(ForwardError::Connect),
                    Ok(Ok(r)) => Ok(r),
                }
            }
            Transport::H2(client) => {
                parts.uri = Uri::builder()
                    .scheme(self.scheme.clone())
                    .authority(self.authority.clone())
                    .path_and_query(path_and_query)
                    .build()
                    .map_err(|_| ForwardError::Connect)?;
                let req = Request::from_parts(parts, body);
                match tokio::time::timeout(self.timeout, client.request(req)).await {
                    Err(_) => Err(ForwardError::Timeout),
                    Ok(Err(_)) => Err(ForwardError::Connect),
                    Ok(Ok(r)) => Ok(r),
                }
            }
        }
    }
}

/// The hop-by-hop headers removed whatever `Connection` names.
fn is_hop_by_hop(n: &HeaderName) -> bool {
    n == header::CONNECTION
        || n == header::TE
        || n == header::TRAILER
        || n == header::TRANSFER_ENCODING
        || n == header::UPGRADE
        || n == header::PROXY_AUTHORIZATION
        || n.as_str() == "keep-alive"
        || n.as_str() == "proxy-connection"
}

/// Removes hop-by-hop headers (RFC 9110 §7.6.1), including those named in `Connection`.
pub fn strip_hop_by_hop(h: &mut HeaderMap) {
    // Most messages carry none: one pass over the names instead of eight
    // lookups by name (the names `Connection` lists need `Connection` itself).
    if !h.keys().any(is_hop_by_hop) {
        return;
    }
    let named: Vec<HeaderName> = h
        .get_all(header::CONNECTION)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|t| HeaderName::from_bytes(t.trim().as_bytes()).ok())
        .collect();
    for n in named {
        h.remove(n);
    }
    for n in [
        header::CONNECTION,
        header::TE,
        header::TRAILER,
        header::TRANSFER_ENCODING,
        header::UPGRADE,
        header::PROXY_AUTHORIZATION,
    ] {
        h.remove(n);
    }
    h.remove("keep-alive");
    h.remove("proxy-connection");
}

/// The forwarding header values of one client address, worked out once per
/// connection rather than formatted for every request on it.
#[derive(Debug, Clone)]
pub struct ForwardedValues {
    /// The address as text (the X-Forwarded-For entry).
    ip: HeaderValue,
    /// `for=<node>;proto=<http|https>`.
    forwarded: HeaderValue,
    proto: HeaderValue,
}

impl ForwardedValues {
    pub fn new(source: IpAddr, tls: bool) -> Self {
        let ip = source.to_string();
        let proto = if tls { "https" } else { "http" };
        let forwarded = match source {
            IpAddr::V6(_) => format!("for=\"[{ip}]\";proto={proto}"),
            IpAddr::V4(_) => format!("for={ip};proto={proto}"),
        };
        Self {
            // An address and these two formats are always valid header text.
            ip: HeaderValue::from_str(&ip).unwrap_or_else(|_| HeaderValue::from_static("unknown")),
            forwarded: HeaderValue::from_str(&forwarded)
                .unwrap_or_else(|_| HeaderValue::from_static("for=unknown")),
            proto: HeaderValue::from_static(proto),
        }
    }

    /// Sets the forwarding headers. `authoritative`: the source comes from a
    /// verified PROXY header, so client-supplied forwarding headers are replaced
    /// rather than appended to.
    /// `(x-forwarded-for, forwarded, x-forwarded-proto)` values of this hop.
    pub fn as_bytes(&self) -> (&[u8], &[u8], &[u8]) {
        (
            self.ip.as_bytes(),
            self.forwarded.as_bytes(),
            self.proto.as_bytes(),
        )
    }

    pub fn apply(&self, h: &mut HeaderMap, authoritative: bool) {
        let appended = match (
            authoritative,
            h.get("x-forwarded-for").and_then(|v| v.to_str().ok()),
        ) {
            (false, Some(prev)) if !prev.is_empty() => {
                let mut v = String::with_capacity(prev.len() + 2 + self.ip.len());
                v.push_str(prev);
                v.push_str(", ");
                v.push_str(self.ip.to_str().unwrap_or_default());
                HeaderValue::from_str(&v).ok()
            }
            _ => None,
        };
        match appended {
            Some(v) => h.insert("x-forwarded-for", v),
            None => h.insert("x-forwarded-for", self.ip.clone()),
        };
        if authoritative {
            h.remove(header::FORWARDED);
        }
        h.append(header::FORWARDED, self.forwarded.clone());
        h.insert("x-forwarded-proto", self.proto.clone());
    }
}

/// Sets the forwarding headers (see [`ForwardedValues::apply`]).
pub fn set_forwarded(h: &mut HeaderMap, source: IpAddr, tls: bool, authoritative: bool) {
    ForwardedValues::new(source, tls).apply(h, authoritative);
}

/// Replaces any client-supplied identity header with the verified one.
pub fn set_peer_identity(h: &mut HeaderMap, identity: Option<&str>) {
    h.remove(PEER_HEADER);
    if let Some(v) = identity.and_then(|i| HeaderValue::from_str(i).ok()) {
        h.insert(PEER_HEADER, v);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hop_by_hop_and_connection_tokens_are_removed() {
        let mut h = HeaderMap::new();
        h.insert(
            header::CONNECTION,
            HeaderValue::from_static("keep-alive, x-secret-hop"),
        );
        h.insert("x-secret-hop", HeaderValue::from_static("1"));
        h.insert("keep-alive", HeaderValue::from_static("timeout=5"));
        h.insert(header::TE, HeaderValue::from_static("trailers"));
        h.insert("x-keep", HeaderValue::from_static("1"));
        strip_hop_by_hop(&mut h);
        assert_eq!(h.len(), 1);
        assert!(h.contains_key("x-keep"));
    }

    #[test]
    fn each_hop_by_hop_header_is_removed_on_its_own() {
        for name in [
            "connection",
            "te",
            "trailer",
            "transfer-encoding",
            "upgrade",
            "proxy-authorization",
            "keep-alive",
            "proxy-connection",
        ] {
            let mut h = HeaderMap::new();
            h.insert(name, HeaderValue::from_static("x"));
            h.insert("x-keep", HeaderValue::from_static("1"));
            strip_hop_by_hop(&mut h);
            assert_eq!(h.len(), 1, "{name}");
            assert!(h.contains_key("x-keep"), "{name}");
        }
    }

    #[test]
    fn cached_forwarded_values_match_per_request_ones() {
        let v = ForwardedValues::new("10.0.0.7".parse().unwrap(), false);
        for _ in 0..2 {
            let mut h = HeaderMap::new();
            h.insert("x-forwarded-for", HeaderValue::from_static("1.1.1.1"));
            v.apply(&mut h, false);
            assert_eq!(h["x-forwarded-for"], "1.1.1.1, 10.0.0.7");
            assert_eq!(h[header::FORWARDED], "for=10.0.0.7;proto=http");
            assert_eq!(h["x-forwarded-proto"], "http");
        }
    }

    #[test]
    fn forwarded_headers_replace_or_append() {
        let mut h = HeaderMap::new();
        h.insert("x-forwarded-for", HeaderValue::from_static("6.6.6.6"));
        set_forwarded(&mut h, "10.0.0.1".parse().unwrap(), false, true);
        assert_eq!(h["x-forwarded-for"], "10.0.0.1");
        assert_eq!(h[header::FORWARDED], "for=10.0.0.1;proto=http");
        let mut h = HeaderMap::new();
        h.insert("x-forwarded-for", HeaderValue::from_static("1.1.1.1"));
        set_forwarded(&mut h, "::1".parse().unwrap(), true, false);
        assert_eq!(h["x-forwarded-for"], "1.1.1.1, ::1");
        assert_eq!(h[header::FORWARDED], "for=\"[::1]\";proto=https");
    }

    #[test]
    fn spoofed_identity_is_replaced() {
        let mut h = HeaderMap::new();
        h.append(PEER_HEADER, HeaderValue::from_static("aws:vpce-spoofed"));
        h.append(PEER_HEADER, HeaderValue::from_static("x"));
        set_peer_identity(&mut h, Some("aws:vpce-0a1b2c3d4e5f60718"));
        assert_eq!(h.get_all(PEER_HEADER).iter().count(), 1);
        assert_eq!(h[PEER_HEADER], "aws:vpce-0a1b2c3d4e5f60718");
        set_peer_identity(&mut h, None);
        assert!(!h.contains_key(PEER_HEADER));
    }
}
