//! The kill switch (`flows.query_execution.enabled: false`) and the direct
//! listener, which no metadata-plane rule touches.

use super::harness::{query, request, Pg, Setup};
use super::proxy_v2::{self as pp, addr, aws_header, with, CLIENT, CMD_PROXY};
use super::raw::{send_once, Headers};

#[tokio::test]
async fn kill_switch_refuses_with_403_and_never_connects_upstream() {
    let pg = Pg::start(Setup {
        query_execution: false,
        direct: true,
        ..Setup::default()
    })
    .await;
    for (what, req) in [
        ("online query", query(&[])),
        ("plans", request("GET", "/v1/query/plans/1", &[], b"")),
        ("unlisted route", request("GET", "/v1/admin", &[], b"")),
    ] {
        let r = send_once(pg.admission, with(aws_header(), &req))
            .await
            .resp(what);
        assert_eq!(r.status, 403, "{what}");
        assert_eq!(r.error(), "query_execution_disabled", "{what}");
    }
    // The PROXY rules still hold under the kill switch.
    let header = pp::v2(CMD_PROXY, addr(CLIENT), addr(pp::LB_FRONT), &[]);
    send_once(pg.admission, with(header, &query(&[])))
        .await
        .closed("kill switch, no endpoint");
    pg.assert_upstream_untouched("kill switch").await;
    assert_eq!(pg.audit_reason("query_execution_disabled").len(), 3);

    // The direct listener is unaffected.
    let direct = pg.direct.expect("direct listener");
    let status = send_once(direct, query(&[])).await.status("direct");
    assert_eq!(status, 200);
    let got = pg.sink.wait_for(1).await;
    assert_eq!(got[0].path, "/v1/query/online");
    pg.stop().await;
}

/// What the upstream saw for one direct-listener request.
async fn direct_observation(query_execution: bool) -> (Vec<u16>, Vec<(String, Headers)>) {
    let pg = Pg::start(Setup {
        query_execution,
        direct: true,
        ..Setup::default()
    })
    .await;
    let direct = pg.direct.expect("direct listener");
    let requests = [
        query(&[("X-Forwarded-For", "10.1.2.3"), ("X-Request-Id", "r-1")]),
        // Not an admission route, not normalized: the direct listener does not filter.
        request(
            "GET",
            "/v1/admin/stats",
            &[("Authorization", "Bearer opaque")],
            b"",
        ),
        request("DELETE", "/v1/query/plans/9", &[], b""),
    ];
    let mut statuses = Vec::new();
    for req in requests.clone() {
        statuses.push(send_once(direct, req).await.status("direct"));
    }
    let got = pg.sink.wait_for(requests.len()).await;
    let seen = got
        .iter()
        .map(|g| {
            let mut headers: Vec<(String, String)> = g
                .headers
                .iter()
                .map(|(k, v)| {
                    (
                        k.to_string(),
                        String::from_utf8_lossy(v.as_bytes()).into_owned(),
                    )
                })
                .collect();
            headers.sort();
            (g.path.clone(), headers)
        })
        .collect();
    // The audit log records metadata-plane decisions only.
    assert_eq!(
        pg.audit_text(),
        "",
        "direct traffic in the admission audit log"
    );
    pg.stop().await;
    (statuses, seen)
}

#[tokio::test]
async fn direct_listener_is_identical_with_query_execution_on_and_off() {
    let (on_status, on_seen) = direct_observation(true).await;
    let (off_status, off_seen) = direct_observation(false).await;
    assert_eq!(on_status, vec![200, 200, 200]);
    assert_eq!(on_status, off_status);
    assert_eq!(on_seen, off_seen);
    let xff = on_seen[0]
        .1
        .iter()
        .find(|(k, _)| k == "x-forwarded-for")
        .map(|(_, v)| v.as_str());
    assert_eq!(
        xff,
        Some("10.1.2.3, 127.0.0.1"),
        "direct appends the real peer"
    );
    assert_eq!(on_seen[1].0, "/v1/admin/stats");
}
