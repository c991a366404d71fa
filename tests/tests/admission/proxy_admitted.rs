//! PROXY v2 headers the listener must admit: AWS, GCP (over IPv6) and Azure
//! endpoints, split across TCP segments, several requests per connection; and
//! what the upstream then sees (source address and verified identity).

use std::time::Duration;

use planeguard::admission::proxy_protocol::{encode_v2, Command, EndpointId, Transport, V2Spec};

use super::harness::{query, request, Pg, Setup, CANARY_BODY};
use super::proxy_v2::{self as pp, addr, aws_header, with, CLIENT, CMD_PROXY};
use super::raw::{exchange, exchange_n, send_once, Outcome, Send};

#[tokio::test]
async fn aws_endpoint_is_admitted_with_proxy_source_and_verified_identity() {
    let pg = Pg::start(Setup::default()).await;
    let body = format!(r#"{{"q":"{CANARY_BODY}"}}"#);
    let req = request(
        "POST",
        "/v1/query/online?limit=5",
        &[
            ("Content-Type", "application/json"),
            // Spoofing attempts: all replaced by what the PROXY header proved.
            ("X-Planeguard-Peer", "aws:vpce-00000000000000bad"),
            ("x-planeguard-peer", "gcp:1"),
            ("X-Forwarded-For", "6.6.6.6"),
            ("Forwarded", "for=6.6.6.6"),
        ],
        body.as_bytes(),
    );
    let r = send_once(pg.admission, with(aws_header(), &req))
        .await
        .resp("aws");
    assert_eq!(r.status, 200, "{:?}", String::from_utf8_lossy(&r.body));

    let got = pg.sink.wait_for(1).await;
    assert_eq!(got.len(), 1);
    let h = &got[0].headers;
    assert_eq!(got[0].path, "/v1/query/online");
    assert_eq!(got[0].body, body.as_bytes(), "body forwarded unchanged");
    assert_eq!(
        h["x-forwarded-for"], "203.0.113.7",
        "XFF from the PROXY source, not 127.0.0.1"
    );
    assert_eq!(h.get_all("forwarded").iter().count(), 1);
    assert_eq!(h["forwarded"], "for=203.0.113.7;proto=http");
    assert_eq!(h["x-forwarded-proto"], "http");
    assert_eq!(h.get_all("x-planeguard-peer").iter().count(), 1);
    assert_eq!(h["x-planeguard-peer"], "aws:vpce-0a1b2c3d4e5f60718");
    assert_eq!(pg.upstream_connections(), 1);
    pg.stop().await;
}

#[tokio::test]
async fn gcp_endpoint_over_ipv6_is_admitted() {
    let pg = Pg::start(Setup::default()).await;
    let header = pp::v2(
        CMD_PROXY,
        addr("[2001:db8::7]:40000"),
        addr("[2001:db8::10]:8443"),
        &[pp::gcp(pp::GCP_ID)],
    );
    let status = send_once(pg.admission, with(header, &query(&[])))
        .await
        .status("gcp");
    assert_eq!(status, 200);
    let got = pg.sink.wait_for(1).await;
    let h = &got[0].headers;
    assert_eq!(h["x-forwarded-for"], "2001:db8::7");
    assert_eq!(h["forwarded"], "for=\"[2001:db8::7]\";proto=http");
    assert_eq!(h["x-planeguard-peer"], format!("gcp:{}", pp::GCP_ID));
    pg.stop().await;
}

#[tokio::test]
async fn azure_endpoint_is_admitted() {
    let pg = Pg::start(Setup::default()).await;
    let header = pp::v2(
        CMD_PROXY,
        addr("198.51.100.23:61000"),
        addr(pp::LB_FRONT),
        // A NOOP TLV before the endpoint TLV must not matter.
        &[(pp::TLV_NOOP, vec![0; 3]), pp::azure(pp::AZURE_ID)],
    );
    let status = send_once(pg.admission, with(header, &query(&[])))
        .await
        .status("azure");
    assert_eq!(status, 200);
    let got = pg.sink.wait_for(1).await;
    assert_eq!(got[0].headers["x-forwarded-for"], "198.51.100.23");
    assert_eq!(
        got[0].headers["x-planeguard-peer"],
        format!("azure:{}", pp::AZURE_ID)
    );
    pg.stop().await;
}

#[tokio::test]
async fn keep_alive_requests_on_one_connection_keep_the_proxy_identity() {
    let pg = Pg::start(Setup::default()).await;
    let keep = [("Connection", "keep-alive")];
    let first = request("GET", "/v1/query/plans/1", &keep, b"");
    let second = request("GET", "/v1/query/plans/2", &[], b"");
    let bytes = with(aws_header(), &[first, second].concat());
    let resps = exchange_n(pg.admission, Send::once(bytes), 2).await;
    assert_eq!((resps[0].status, resps[1].status), (200, 200));
    let got = pg.sink.wait_for(2).await;
    let paths: Vec<_> = got.iter().map(|g| g.path.as_str()).collect();
    assert_eq!(paths, ["/v1/query/plans/1", "/v1/query/plans/2"]);
    for g in &got {
        assert_eq!(g.headers["x-forwarded-for"], "203.0.113.7");
        assert_eq!(g.headers["x-planeguard-peer"], "aws:vpce-0a1b2c3d4e5f60718");
    }
    pg.stop().await;
}

#[tokio::test]
async fn header_split_across_many_tcp_segments_is_admitted() {
    let pg = Pg::start(Setup::default()).await;
    let header = aws_header();
    let bytes = with(header.clone(), &query(&[]));
    // Cut inside the signature, between length bytes, inside the TLV, right at
    // the header's end and inside the HTTP request line.
    let hl = header.len();
    let cuts = [1, 5, 12, 13, 15, 16, 20, 29, hl - 3, hl, hl + 4];
    let send = Send::split(&bytes, &cuts, Duration::from_millis(15));
    let r = exchange(pg.admission, send).await.resp("split");
    assert_eq!(r.status, 200);
    let got = pg.sink.wait_for(1).await;
    assert_eq!(got[0].headers["x-forwarded-for"], "203.0.113.7");
    pg.stop().await;
}

#[tokio::test]
async fn handcrafted_header_matches_planeguard_encoder() {
    let spec = V2Spec {
        command: Command::Proxy,
        transport: Transport::Stream,
        addresses: Some((addr(CLIENT), addr(pp::LB_FRONT))),
        endpoint: Some(EndpointId::Aws(pp::AWS_ID.into())),
        ..V2Spec::default()
    };
    assert_eq!(encode_v2(&spec).expect("encode"), aws_header());
    let spec = V2Spec {
        endpoint: Some(EndpointId::Azure(pp::AZURE_ID)),
        ..spec
    };
    assert_eq!(
        encode_v2(&spec).expect("encode"),
        pp::v2(
            CMD_PROXY,
            addr(CLIENT),
            addr(pp::LB_FRONT),
            &[pp::azure(pp::AZURE_ID)]
        )
    );
}

#[tokio::test]
async fn proxy_protocol_off_takes_plain_http_and_refuses_a_proxy_header() {
    let pg = Pg::start(Setup {
        proxy_off: true,
        ..Setup::default()
    })
    .await;
    // A PROXY header where none is expected is not HTTP: nothing is forwarded.
    match send_once(pg.admission, with(aws_header(), &query(&[]))).await {
        Outcome::Closed { .. } => {}
        Outcome::Response(r) => assert_eq!(r.status, 400, "PROXY header on an `off` listener"),
        other => panic!("PROXY header on an `off` listener: {other:?}"),
    }
    pg.assert_upstream_untouched("proxy off, header sent").await;
    // Plain HTTP is admitted on the route rules alone; no endpoint identity exists.
    let req = query(&[("X-Planeguard-Peer", "aws:vpce-0a1b2c3d4e5f60718")]);
    assert_eq!(send_once(pg.admission, req).await.status("plain"), 200);
    let got = pg.sink.wait_for(1).await;
    assert_eq!(got[0].headers["x-forwarded-for"], "127.0.0.1");
    assert!(
        !got[0].headers.contains_key("x-planeguard-peer"),
        "a client-supplied identity must not pass: {:?}",
        got[0].headers
    );
    pg.stop().await;
}
