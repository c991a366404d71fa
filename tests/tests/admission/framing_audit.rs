//! Heads refused by the framing guard (Content-Length with Transfer-Encoding,
//! repeated Content-Length) never reach the request handler, yet each gets one
//! audit line with the connection's context and nothing of the request beyond
//! its method and normalized path.

use std::time::Duration;

use serde_json::Value;

use super::harness::{Pg, Setup};
use super::proxy_v2::{self as pp, addr, aws_header, with, CLIENT, CMD_PROXY, GCP_ID, LB_FRONT};
use super::raw::{exchange_all, Send};

/// Sends on one connection; expects `answered` responses, the last a 400
/// `ambiguous_framing`, then the close.
async fn refused_send(pg: &Pg, what: &str, send: Send, answered: usize) {
    let (resps, closed) = exchange_all(pg.admission, send).await;
    assert_eq!(resps.len(), answered, "{what}: responses");
    assert!(closed, "{what}: connection must close");
    let last = &resps[answered - 1];
    assert_eq!(last.status, 400, "{what}");
    assert_eq!(last.error(), "ambiguous_framing", "{what}");
}

/// [`refused_send`] of `raw` in one write, one response.
async fn refused(pg: &Pg, what: &str, raw: Vec<u8>) {
    refused_send(pg, what, Send::once(raw), 1).await;
}

/// The one audit line of the `n`-th framing refusal so far.
fn nth_refusal(pg: &Pg, n: usize) -> Value {
    let all = pg.audit_reason("ambiguous_framing");
    assert_eq!(all.len(), n + 1, "{:#?}", pg.audit());
    all[n].clone()
}

#[tokio::test]
async fn framing_refusals_are_audited_with_connection_context() {
    let pg = Pg::start(Setup::default()).await;
    let secrets = [
        "QUERY-CANARY-91",
        "HEADER-CANARY-42",
        "BODY-CANARY-13",
        "Bearer",
    ];
    // CL + TE, with a query string and header values that must not be logged.
    let cl_te = "POST /v1/query/./online?api_key=QUERY-CANARY-91 HTTP/1.1\r\nHost: q\r\n\
        Authorization: Bearer HEADER-CANARY-42\r\nContent-Length: 20\r\n\
        Transfer-Encoding: chunked\r\n\r\n10\r\nBODY-CANARY-13..\r\n0\r\n\r\n";
    refused(&pg, "CL + TE", with(aws_header(), cl_te.as_bytes())).await;
    let e = nth_refusal(&pg, 0);
    assert_eq!(e["listener"], "metadata-plane");
    assert_eq!(e["decision"], "deny");
    assert_eq!(e["status"], 400);
    assert_eq!(e["source"], CLIENT);
    assert_eq!(e["endpoint"], format!("aws:{}", pp::AWS_ID));
    assert_eq!(e["method"], "POST");
    assert_eq!(e["path"], "/v1/query/online", "the normalized path: {e}");
    assert!(e["tls_identity"].is_null() && e["jwt_subject"].is_null());
    assert_eq!(e["bytes_in"], 0);
    assert!(e["latency_ms"].is_number(), "{e}");
    let time = e["time"].as_str().expect("time");
    assert!(time.len() == 24 && time.ends_with('Z'), "{time}");

    // Repeated Content-Length, through another cloud's endpoint.
    let gcp = pp::v2(CMD_PROXY, addr(CLIENT), addr(LB_FRONT), &[pp::gcp(GCP_ID)]);
    let dup = "PUT /v1/query/plans/7 HTTP/1.1\r\nHost: q\r\nContent-Length: 2\r\n\
        Content-Length: 2\r\n\r\n{}";
    refused(&pg, "repeated CL", with(gcp, dup.as_bytes())).await;
    let e = nth_refusal(&pg, 1);
    assert_eq!(e["endpoint"], format!("gcp:{GCP_ID}"));
    assert_eq!(
        (&e["method"], &e["path"]),
        (&"PUT".into(), &"/v1/query/plans/7".into())
    );

    // The second request of a kept-alive connection, sent once the first is
    // answered: the first is admitted and audited by the handler, the second
    // refused and audited by the guard.
    let first = with(
        aws_header(),
        b"POST /v1/query/online HTTP/1.1\r\nHost: q\r\nContent-Length: 2\r\n\r\n{}",
    );
    let second = "GET /v1/query/plans/1 HTTP/1.1\r\nHost: q\r\nTransfer-Encoding: chunked\r\n\
        Content-Length: 0\r\n\r\n0\r\n\r\n";
    let both = with(first.clone(), second.as_bytes());
    let send = Send::split(&both, &[first.len()], Duration::from_millis(300));
    refused_send(&pg, "second on keep-alive", send, 2).await;
    let e = nth_refusal(&pg, 2);
    assert_eq!(
        (&e["method"], &e["path"]),
        (&"GET".into(), &"/v1/query/plans/1".into())
    );
    assert_eq!(pg.audit_reason("ok").len(), 1, "{:#?}", pg.audit());

    // A path that does not normalize is left out rather than logged raw.
    let odd = "POST /v1/%2e%2e/admin HTTP/1.1\r\nHost: q\r\nContent-Length: 0\r\n\
        Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n";
    refused(&pg, "odd path", with(aws_header(), odd.as_bytes())).await;
    let e = nth_refusal(&pg, 3);
    assert_eq!(e["method"], "POST");
    assert!(e["path"].is_null(), "{e}");

    let text = pg.audit_text();
    for secret in secrets {
        assert!(
            !text.contains(secret),
            "audit log leaks {secret:?}:\n{text}"
        );
    }
    assert_eq!(
        pg.sink.count(),
        1,
        "only the kept-alive first request is forwarded"
    );
    pg.stop().await;
}

#[tokio::test]
async fn framing_refusals_are_audited_without_a_proxy_header() {
    let pg = Pg::start(Setup {
        proxy_off: true,
        ..Setup::default()
    })
    .await;
    let raw = "POST /v1/query/online HTTP/1.1\r\nHost: q\r\nContent-Length: 1\r\n\
        Content-Length: 2\r\n\r\n{}";
    refused(&pg, "no PROXY header", raw.as_bytes().to_vec()).await;
    let e = nth_refusal(&pg, 0);
    assert!(e["source"].is_null() && e["endpoint"].is_null(), "{e}");
    assert!(
        e["peer"]
            .as_str()
            .is_some_and(|p| p.starts_with("127.0.0.1:")),
        "{e}"
    );
    assert_eq!(
        (&e["decision"], &e["status"]),
        (&"deny".into(), &400.into())
    );
    pg.assert_upstream_untouched("no PROXY header").await;
    pg.stop().await;
}
