//! HTTP/2 (h2c, prior knowledge) on the metadata-plane listener: after a valid
//! PROXY v2 header written on the raw socket, the same connection is handed to
//! hyper's HTTP/2 client. Route allowlist, identity header, kill switch and
//! audit must hold per stream exactly as they do per HTTP/1.1 request.

use std::net::SocketAddr;
use std::time::Duration;

use bytes::Bytes;
use http::{Request, StatusCode, Version};
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http2::SendRequest;
use hyper_util::rt::{TokioExecutor, TokioIo};
use serde_json::Value;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

use super::harness::{Pg, Setup};
use super::proxy_v2::{aws_header, CLIENT};

/// One HTTP/2 response, read to the end.
pub struct H2Resp {
    pub status: StatusCode,
    pub version: Version,
    pub body: Bytes,
}

impl H2Resp {
    /// The `error` member of planeguard's JSON refusal body.
    pub fn error(&self) -> String {
        serde_json::from_slice::<Value>(&self.body)
            .ok()
            .and_then(|v| v.get("error").and_then(|e| e.as_str()).map(str::to_owned))
            .unwrap_or_default()
    }
}

/// Connects, writes `proxy_header`, then speaks h2c with prior knowledge.
pub async fn h2_connect(addr: SocketAddr, proxy_header: &[u8]) -> SendRequest<Full<Bytes>> {
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    stream.set_nodelay(true).expect("nodelay");
    stream
        .write_all(proxy_header)
        .await
        .expect("write PROXY header");
    let (sender, conn) =
        hyper::client::conn::http2::handshake(TokioExecutor::new(), TokioIo::new(stream))
            .await
            .expect("h2 handshake");
    tokio::spawn(async move {
        let _ = conn.await;
    });
    sender
}

/// Sends one request on the connection; panics if the stream fails.
pub async fn h2_send(
    sender: &SendRequest<Full<Bytes>>,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> H2Resp {
    let mut sender = sender.clone();
    let mut req = Request::builder()
        .method(method)
        .uri(format!("http://query.internal{path}"))
        .version(Version::HTTP_2);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let req = req
        .body(Full::new(Bytes::copy_from_slice(body)))
        .expect("request");
    let call = async {
        sender.ready().await.expect("h2 connection ready");
        let resp = sender.send_request(req).await.expect("h2 response");
        let status = resp.status();
        let version = resp.version();
        let body = resp
            .into_body()
            .collect()
            .await
            .expect("h2 body")
            .to_bytes();
        H2Resp {
            status,
            version,
            body,
        }
    };
    tokio::time::timeout(Duration::from_secs(10), call)
        .await
        .unwrap_or_else(|_| panic!("h2 {method} {path}: no response within 10 s"))
}

/// Request audit lines (those with a method) with this decision and reason.
fn requests_audited(pg: &Pg, decision: &str, reason: &str) -> Vec<Value> {
    pg.audit()
        .into_iter()
        .filter(|e| !e["method"].is_null() && e["decision"] == decision && e["reason"] == reason)
        .collect()
}

#[tokio::test]
async fn h2c_allowed_route_is_forwarded_with_verified_identity() {
    let pg = Pg::start(Setup::default()).await;
    let h2 = h2_connect(pg.admission, &aws_header()).await;
    let r = h2_send(
        &h2,
        "POST",
        "/v1/query/online?limit=5",
        &[
            ("content-type", "application/json"),
            ("x-planeguard-peer", "aws:vpce-00000000000000bad"),
            ("x-forwarded-for", "6.6.6.6"),
        ],
        br#"{"q":"select 1"}"#,
    )
    .await;
    assert_eq!(r.status, 200, "{:?}", String::from_utf8_lossy(&r.body));
    assert_eq!(r.version, Version::HTTP_2);

    let got = pg.sink.wait_for(1).await;
    let h = &got[0].headers;
    assert_eq!(got[0].path, "/v1/query/online");
    assert_eq!(&got[0].body[..], br#"{"q":"select 1"}"#);
    assert_eq!(h.get_all("x-planeguard-peer").iter().count(), 1, "{h:?}");
    assert_eq!(h["x-planeguard-peer"], "aws:vpce-0a1b2c3d4e5f60718");
    assert_eq!(h["x-forwarded-for"], "203.0.113.7");

    let admitted = requests_audited(&pg, "admit", "ok");
    assert_eq!(admitted.len(), 1, "{:#?}", pg.audit());
    assert_eq!(admitted[0]["method"], "POST");
    assert_eq!(admitted[0]["path"], "/v1/query/online");
    assert_eq!(admitted[0]["endpoint"], "aws:vpce-0a1b2c3d4e5f60718");
    assert_eq!(admitted[0]["source"], CLIENT);
    assert_eq!(admitted[0]["status"], 200);
    pg.stop().await;
}

#[tokio::test]
async fn h2c_disallowed_path_gets_403_and_is_not_forwarded() {
    let pg = Pg::start(Setup::default()).await;
    let h2 = h2_connect(pg.admission, &aws_header()).await;
    for (method, path) in [
        ("GET", "/v1/admin"),
        ("GET", "/v1/query/plans/../../admin"),
        // Allowed path, wrong method.
        ("DELETE", "/v1/query/online"),
    ] {
        let r = h2_send(&h2, method, path, &[], b"").await;
        assert_eq!(r.status, 403, "{method} {path}");
        assert_eq!(r.error(), "route_not_allowed", "{method} {path}");
    }
    // The connection is still usable after refusals: an allowed request passes.
    let ok = h2_send(&h2, "GET", "/v1/query/plans/7", &[], b"").await;
    assert_eq!(ok.status, 200);
    let got = pg.sink.wait_for(1).await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(pg.sink.count(), 1, "only the allowed request is forwarded");
    assert_eq!(got[0].path, "/v1/query/plans/7");

    let denied = requests_audited(&pg, "deny", "route_not_allowed");
    assert_eq!(denied.len(), 3, "{:#?}", pg.audit());
    assert_eq!(denied[0]["path"], "/v1/admin");
    assert_eq!(
        denied[1]["path"], "/v1/admin",
        "normalized before the check"
    );
    assert_eq!(denied[2]["method"], "DELETE");
    assert!(denied.iter().all(|e| e["status"] == 403));
    pg.stop().await;
}

#[tokio::test]
async fn h2c_under_kill_switch_gets_403_and_no_upstream_connection() {
    let pg = Pg::start(Setup {
        query_execution: false,
        ..Setup::default()
    })
    .await;
    let h2 = h2_connect(pg.admission, &aws_header()).await;
    for (method, path) in [
        ("POST", "/v1/query/online"),
        ("GET", "/v1/query/plans/1"),
        // Not even an allowed route: the kill switch answers first.
        ("GET", "/v1/admin"),
    ] {
        let r = h2_send(&h2, method, path, &[], b"{}").await;
        assert_eq!(r.status, 403, "{method} {path}");
        assert_eq!(r.error(), "query_execution_disabled", "{method} {path}");
    }
    pg.assert_upstream_untouched("kill switch over h2").await;
    assert_eq!(
        requests_audited(&pg, "deny", "query_execution_disabled").len(),
        3,
        "{:#?}",
        pg.audit()
    );
    pg.stop().await;
}

#[tokio::test]
async fn two_concurrent_h2_streams_on_one_connection_are_both_audited() {
    let pg = Pg::start(Setup::default()).await;
    let h2 = h2_connect(pg.admission, &aws_header()).await;
    let (a, b) = tokio::join!(
        h2_send(&h2, "GET", "/v1/query/plans/a", &[], b""),
        h2_send(
            &h2,
            "POST",
            "/v1/query/online",
            &[("content-type", "application/json")],
            b"{}"
        ),
    );
    assert_eq!((a.status, b.status), (StatusCode::OK, StatusCode::OK));

    let got = pg.sink.wait_for(2).await;
    let mut paths: Vec<_> = got.iter().map(|g| g.path.as_str()).collect();
    paths.sort_unstable();
    assert_eq!(paths, ["/v1/query/online", "/v1/query/plans/a"]);
    for g in &got {
        assert_eq!(g.headers["x-planeguard-peer"], "aws:vpce-0a1b2c3d4e5f60718");
    }

    // One admitted connection, two admitted requests.
    let audit = pg.audit();
    let connections = audit
        .iter()
        .filter(|e| e["decision"] == "admit" && e["reason"] == "connection")
        .count();
    assert_eq!(connections, 1, "{audit:#?}");
    let mut admitted: Vec<_> = requests_audited(&pg, "admit", "ok")
        .into_iter()
        .map(|e| (e["method"].clone(), e["path"].clone()))
        .collect();
    admitted.sort_by_key(|(_, p)| p.to_string());
    assert_eq!(
        admitted,
        [
            (Value::from("POST"), Value::from("/v1/query/online")),
            (Value::from("GET"), Value::from("/v1/query/plans/a")),
        ],
        "{audit:#?}"
    );
    pg.stop().await;
}
