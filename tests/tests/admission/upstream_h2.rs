//! `admission.upstream_protocol: http2`: planeguard talks h2c (prior
//! knowledge) to the query server. The upstream here is HTTP/2-only, so an
//! HTTP/1.1 forward fails the request instead of passing unnoticed, and it
//! records the protocol version and headers of every request.
//!
//! On an HTTP/2 hop hyper's client itself drops the connection-specific
//! headers (Connection and the names it lists, Keep-Alive, Upgrade,
//! Proxy-Connection, TE other than `trailers`); planeguard's own stripping
//! shows in Proxy-Authorization. The test asserts what reaches the upstream,
//! whichever layer removed it.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderMap, Request, Response, Version};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::net::TcpListener;

use super::harness::{query, request, Pg, Setup};
use super::http2::{h2_connect, h2_send};
use super::proxy_v2::{aws_header, with};
use super::raw::send_once;

/// One request as the HTTP/2-only upstream saw it.
#[derive(Debug, Clone)]
struct Seen {
    version: Version,
    path: String,
    headers: HeaderMap,
    body: Bytes,
}

/// A recording upstream that speaks nothing but HTTP/2 over cleartext.
#[derive(Clone)]
struct H2Upstream {
    addr: SocketAddr,
    seen: Arc<Mutex<Vec<Seen>>>,
    connections: Arc<AtomicUsize>,
}

impl H2Upstream {
    async fn start() -> H2Upstream {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind upstream");
        let up = H2Upstream {
            addr: listener.local_addr().expect("addr"),
            seen: Arc::default(),
            connections: Arc::default(),
        };
        let u = up.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                u.connections.fetch_add(1, Ordering::SeqCst);
                let seen = Arc::clone(&u.seen);
                tokio::spawn(async move {
                    let svc = service_fn(move |req: Request<Incoming>| {
                        let seen = Arc::clone(&seen);
                        async move {
                            let (parts, body) = req.into_parts();
                            let body = body
                                .collect()
                                .await
                                .map(|c| c.to_bytes())
                                .unwrap_or_default();
                            seen.lock().expect("seen").push(Seen {
                                version: parts.version,
                                path: parts.uri.path().to_owned(),
                                headers: parts.headers,
                                body,
                            });
                            let mut r = Response::new(Full::new(Bytes::from_static(b"{\"ok\":1}")));
                            r.headers_mut()
                                .insert("content-type", "application/json".parse().expect("ct"));
                            r.headers_mut()
                                .insert("x-upstream", "h2-only".parse().expect("hdr"));
                            Ok::<_, Infallible>(r)
                        }
                    });
                    let _ = hyper::server::conn::http2::Builder::new(TokioExecutor::new())
                        .serve_connection(TokioIo::new(stream), svc)
                        .await;
                });
            }
        });
        up
    }

    fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Waits until `n` requests arrived (or panics after 10 s).
    async fn wait_for(&self, n: usize) -> Vec<Seen> {
        for _ in 0..1000 {
            let seen = self.seen.lock().expect("seen").clone();
            if seen.len() >= n {
                return seen;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!("h2 upstream: expected {n} requests");
    }
}

async fn start(upstream: &H2Upstream) -> Pg {
    Pg::start(Setup {
        upstream_http2: true,
        upstream_url: Some(upstream.url()),
        ..Setup::default()
    })
    .await
}

#[tokio::test]
async fn http1_client_is_forwarded_over_h2c_without_hop_by_hop_headers() {
    let up = H2Upstream::start().await;
    let pg = start(&up).await;
    let req = query(&[
        ("Connection", "keep-alive, X-Hop-Secret"),
        ("X-Hop-Secret", "1"),
        ("Keep-Alive", "timeout=5"),
        ("TE", "gzip, trailers"),
        ("Upgrade", "websocket"),
        ("Proxy-Connection", "keep-alive"),
        ("Proxy-Authorization", "Basic cHJveHk6c2VjcmV0"),
        ("X-Planeguard-Peer", "aws:vpce-00000000000000bad"),
        ("X-End-To-End", "kept"),
    ]);
    let r = send_once(pg.admission, with(aws_header(), &req))
        .await
        .resp("h1 → h2c");
    assert_eq!(r.status, 200, "{:?}", String::from_utf8_lossy(&r.body));
    assert_eq!(r.body, b"{\"ok\":1}");
    assert_eq!(r.header("x-upstream"), Some("h2-only"));

    let seen = up.wait_for(1).await;
    let s = &seen[0];
    assert_eq!(s.version, Version::HTTP_2, "forwarded over HTTP/2");
    assert_eq!(s.path, "/v1/query/online");
    assert_eq!(&s.body[..], br#"{"q":"select 1"}"#);
    let h = &s.headers;
    for name in [
        "connection",
        "keep-alive",
        "upgrade",
        "proxy-connection",
        "proxy-authorization",
        "transfer-encoding",
        "x-hop-secret",
    ] {
        assert!(!h.contains_key(name), "{name} reached the upstream: {h:?}");
    }
    assert!(
        h.get_all("te").iter().all(|v| v == "trailers"),
        "TE other than `trailers` reached the upstream: {h:?}"
    );
    assert_eq!(h["x-end-to-end"], "kept");
    assert_eq!(h.get_all("x-planeguard-peer").iter().count(), 1);
    assert_eq!(h["x-planeguard-peer"], "aws:vpce-0a1b2c3d4e5f60718");
    assert_eq!(h["x-forwarded-for"], "203.0.113.7");
    pg.stop().await;
}

#[tokio::test]
async fn h2c_client_to_h2c_upstream_multiplexes_and_filters() {
    let up = H2Upstream::start().await;
    let pg = start(&up).await;
    let h2 = h2_connect(pg.admission, &aws_header()).await;
    let refused = h2_send(&h2, "GET", "/v1/admin", &[], b"").await;
    assert_eq!(refused.status, 403);
    let (a, b, c) = tokio::join!(
        h2_send(
            &h2,
            "GET",
            "/v1/query/plans/1",
            &[("x-end-to-end", "a")],
            b""
        ),
        h2_send(
            &h2,
            "GET",
            "/v1/query/plans/2",
            &[("x-end-to-end", "b")],
            b""
        ),
        h2_send(
            &h2,
            "POST",
            "/v1/query/online",
            &[("te", "trailers"), ("x-planeguard-peer", "gcp:1")],
            b"{}"
        ),
    );
    for r in [&a, &b, &c] {
        assert_eq!(r.status, 200, "{:?}", String::from_utf8_lossy(&r.body));
        assert_eq!(&r.body[..], b"{\"ok\":1}");
    }
    let seen = up.wait_for(3).await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(
        up.seen.lock().expect("seen").len(),
        3,
        "the 403 was forwarded"
    );
    let mut paths: Vec<_> = seen.iter().map(|s| s.path.as_str()).collect();
    paths.sort_unstable();
    assert_eq!(
        paths,
        ["/v1/query/online", "/v1/query/plans/1", "/v1/query/plans/2"]
    );
    for s in &seen {
        assert_eq!(s.version, Version::HTTP_2);
        assert_eq!(s.headers["x-planeguard-peer"], "aws:vpce-0a1b2c3d4e5f60718");
        assert_eq!(s.headers.get_all("x-planeguard-peer").iter().count(), 1);
    }
    assert_eq!(
        pg.audit_reason("ok").len(),
        3,
        "three admitted requests: {:#?}",
        pg.audit()
    );
    assert!(pg.sink.count() == 0 && pg.upstream_connections() == 0);
    pg.stop().await;
}

#[tokio::test]
async fn http1_forward_to_an_h2_only_upstream_fails_without_the_option() {
    // The control for the tests above: without `upstream_protocol: http2`,
    // the same HTTP/2-only upstream cannot be reached, so they do observe the option.
    let up = H2Upstream::start().await;
    let pg = Pg::start(Setup {
        upstream_url: Some(up.url()),
        ..Setup::default()
    })
    .await;
    let req = request("GET", "/v1/query/plans/1", &[], b"");
    let r = send_once(pg.admission, with(aws_header(), &req))
        .await
        .resp("h1 upstream");
    assert_eq!(r.status, 502, "{:?}", String::from_utf8_lossy(&r.body));
    assert_eq!(r.error(), "upstream_unreachable");
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(up.seen.lock().expect("seen").is_empty());
    pg.stop().await;
}
