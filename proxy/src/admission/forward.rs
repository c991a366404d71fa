//! Forwarding to the upstream query server over a pooled HTTP/1.1 or h2c
//! client: hop-by-hop headers removed, X-Forwarded-For/Forwarded set from the
//! verified source, and the verified identity header added after stripping
//! any client-supplied copy.

use std::net::IpAddr;
use std::time::Duration;

use bytes::Bytes;
use http::header::{self, HeaderMap, HeaderName, HeaderValue};
use http::uri::{Authority, Scheme};
use http::{Request, Response, Uri};
use http_body_util::Full;
use hyper::body::Incoming;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;

/// The identity header planeguard adds; any copy sent by the client is removed first.
pub const PEER_HEADER: &str = "x-planeguard-peer";

#[derive(Debug)]
pub struct Upstream {
    client: Client<HttpConnector, Full<Bytes>>,
    scheme: Scheme,
    authority: Authority,
    timeout: Duration,
}

/// Why forwarding failed (mapped to 502/504).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ForwardError {
    Connect,
    Timeout,
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
        let mut http = HttpConnector::new();
        http.set_nodelay(true);
        let mut builder = Client::builder(TokioExecutor::new());
        builder.pool_idle_timeout(Duration::from_secs(60));
        builder.pool_max_idle_per_host(256);
        if http2 {
            builder.http2_only(true);
        }
        Ok(Self {
            client: builder.build(http),
            scheme,
            authority,
            timeout,
        })
    }

    /// Sends `parts` + `body` to `path_and_query` on the upstream.
    pub async fn send(
        &self,
        mut parts: http::request::Parts,
        path_and_query: &str,
        body: Bytes,
    ) -> Result<Response<Incoming>, ForwardError> {
        let uri = Uri::builder()
            .scheme(self.scheme.clone())
            .authority(self.authority.clone())
            .path_and_query(path_and_query)
            .build()
            .map_err(|_| ForwardError::Connect)?;
        parts.uri = uri;
        parts.version = http::Version::HTTP_11;
        let req = Request::from_parts(parts, Full::new(body));
        match tokio::time::timeout(self.timeout, self.client.request(req)).await {
            Err(_) => Err(ForwardError::Timeout),
            Ok(Err(_)) => Err(ForwardError::Connect),
            Ok(Ok(r)) => Ok(r),
        }
    }
}

/// Removes hop-by-hop headers (RFC 9110 §7.6.1), including those named in `Connection`.
pub fn strip_hop_by_hop(h: &mut HeaderMap) {
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

/// Sets the forwarding headers. `authoritative`: the source comes from a
/// verified PROXY header, so client-supplied forwarding headers are replaced
/// rather than appended to.
pub fn set_forwarded(h: &mut HeaderMap, source: IpAddr, tls: bool, authoritative: bool) {
    let ip = source.to_string();
    let xff = match (
        authoritative,
        h.get("x-forwarded-for").and_then(|v| v.to_str().ok()),
    ) {
        (false, Some(prev)) if !prev.is_empty() => format!("{prev}, {ip}"),
        _ => ip.clone(),
    };
    if let Ok(v) = HeaderValue::from_str(&xff) {
        h.insert("x-forwarded-for", v);
    }
    let node = match source {
        IpAddr::V6(_) => format!("\"[{ip}]\""),
        IpAddr::V4(_) => ip,
    };
    let fwd = format!("for={node};proto={}", if tls { "https" } else { "http" });
    if authoritative {
        h.remove(header::FORWARDED);
    }
    if let Ok(v) = HeaderValue::from_str(&fwd) {
        h.append(header::FORWARDED, v);
    }
    h.insert(
        "x-forwarded-proto",
        HeaderValue::from_static(if tls { "https" } else { "http" }),
    );
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
