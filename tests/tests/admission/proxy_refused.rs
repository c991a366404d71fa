//! PROXY v2 headers the listener must refuse: the connection is closed
//! without a byte of response and without a byte reaching the upstream.

use std::time::Duration;

use serde_json::Value;

use super::harness::{query, Pg, Setup};
use super::proxy_v2::{self as pp, addr, aws_header, with, CLIENT, CMD_LOCAL, CMD_PROXY};
use super::raw::{exchange, send_once, Outcome, Send};

#[tokio::test]
async fn unknown_endpoint_ids_are_refused() {
    let pg = Pg::start(Setup::default()).await;
    let cases = [
        ("aws", pp::aws("vpce-0ffffffffffffffff")),
        ("aws 8-digit", pp::aws("vpce-0a1b2c3d")),
        ("gcp", pp::gcp(pp::GCP_ID + 1)),
        ("azure", pp::azure(pp::AZURE_ID ^ 1)),
        // The right number under the wrong cloud.
        ("azure id as gcp", pp::gcp(u64::from(pp::AZURE_ID))),
    ];
    for (what, tlv) in cases.clone() {
        let header = pp::v2(CMD_PROXY, addr(CLIENT), addr(pp::LB_FRONT), &[tlv]);
        send_once(pg.admission, with(header, &query(&[])))
            .await
            .closed(what);
    }
    pg.assert_upstream_untouched("unknown endpoints").await;
    let denied = pg.audit_reason("endpoint_not_allowed");
    assert_eq!(denied.len(), cases.len(), "{:#?}", pg.audit());
    assert_eq!(denied[0]["endpoint"], "aws:vpce-0ffffffffffffffff");
    assert_eq!(denied[0]["source"], CLIENT);
    assert_eq!(denied[0]["decision"], "deny");
    pg.stop().await;
}

#[tokio::test]
async fn header_without_endpoint_tlv_is_refused() {
    let pg = Pg::start(Setup::default()).await;
    let v2_none = pp::v2(CMD_PROXY, addr(CLIENT), addr(pp::LB_FRONT), &[]);
    let v2_noop = pp::v2(
        CMD_PROXY,
        addr(CLIENT),
        addr(pp::LB_FRONT),
        &[(pp::TLV_NOOP, vec![])],
    );
    // AWS TLV with a subtype other than the VPC endpoint id carries no identity.
    let mut other_subtype = pp::aws(pp::AWS_ID);
    other_subtype.1[0] = 0x02;
    let v2_other = pp::v2(
        CMD_PROXY,
        addr(CLIENT),
        addr(pp::LB_FRONT),
        &[other_subtype],
    );
    let v1 = b"PROXY TCP4 203.0.113.7 10.0.64.10 51234 8443\r\n".to_vec();
    for (what, header) in [
        ("no TLV", v2_none),
        ("NOOP only", v2_noop),
        ("AWS other subtype", v2_other),
        ("v1", v1),
    ] {
        send_once(pg.admission, with(header, &query(&[])))
            .await
            .closed(what);
    }
    // A LOCAL command (load balancer health check) never reaches HTTP either.
    let local = pp::raw(CMD_LOCAL, 0x00, &[]);
    send_once(pg.admission, with(local, &query(&[])))
        .await
        .closed("LOCAL");
    pg.assert_upstream_untouched("missing endpoint").await;
    assert_eq!(
        pg.audit_reason("missing_endpoint_id").len(),
        4,
        "{:#?}",
        pg.audit()
    );
    assert_eq!(pg.audit_reason("proxy_local_command").len(), 1);
    pg.stop().await;
}

#[tokio::test]
async fn proxy_header_from_untrusted_peer_is_refused() {
    let pg = Pg::start(Setup {
        trusted: "10.0.64.0/20, \"fd00::/8\"",
        ..Setup::default()
    })
    .await;
    // A perfectly valid header, but 127.0.0.1 is not the load balancer.
    let t0 = std::time::Instant::now();
    let after = send_once(pg.admission, with(aws_header(), &query(&[])))
        .await
        .closed("untrusted");
    assert!(
        after < Duration::from_secs(1),
        "refused at accept, took {after:?}"
    );
    // Also when it sends nothing at all: refused without waiting for the timeout.
    let send = Send {
        wait: Duration::from_secs(2),
        ..Send::once(Vec::new())
    };
    exchange(pg.admission, send)
        .await
        .closed("untrusted, silent");
    assert!(t0.elapsed() < Duration::from_secs(2));
    pg.assert_upstream_untouched("untrusted").await;
    let denied = pg.audit_reason("untrusted_source");
    assert_eq!(denied.len(), 2, "{:#?}", pg.audit());
    // The PROXY header of an untrusted peer is never read, so no claimed source.
    assert_eq!(denied[0]["source"], Value::Null);
    assert_eq!(
        denied[0]["peer"]
            .as_str()
            .map(|p| p.starts_with("127.0.0.1:")),
        Some(true)
    );
    pg.stop().await;
}

#[tokio::test]
async fn malformed_headers_are_refused() {
    let pg = Pg::start(Setup::default()).await;
    let good = aws_header();
    let mut bad_sig = good.clone();
    bad_sig[11] = 0x0B;
    let mut bad_version = good.clone();
    bad_version[12] = 0x11;
    let mut bad_command = good.clone();
    bad_command[12] = 0x2F;
    let mut bad_family = good.clone();
    bad_family[13] = 0x41;
    // The TLV claims one byte more than the header's length leaves it (truncated TLV).
    let mut tlv_overrun = good.clone();
    let tlv_len_lo = 16 + 12 + 2;
    tlv_overrun[tlv_len_lo] += 1;
    // Length shorter than the IPv4 address block.
    let short_addr = pp::raw(CMD_PROXY, 0x11, &[10, 0, 0, 1, 10, 0, 0, 2]);
    // Declared length far beyond any sane header.
    let mut huge = pp::raw(CMD_PROXY, 0x11, &[]);
    huge[14..16].copy_from_slice(&60_000u16.to_be_bytes());
    let bad_aws = pp::v2(
        CMD_PROXY,
        addr(CLIENT),
        addr(pp::LB_FRONT),
        &[pp::aws("vpce-NOT-HEX")],
    );
    let bad_gcp = pp::v2(
        CMD_PROXY,
        addr(CLIENT),
        addr(pp::LB_FRONT),
        &[(pp::TLV_GCP, vec![1, 2, 3])],
    );
    let two_ids = pp::v2(
        CMD_PROXY,
        addr(CLIENT),
        addr(pp::LB_FRONT),
        &[pp::aws(pp::AWS_ID), pp::gcp(pp::GCP_ID)],
    );
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("plain HTTP, no header", Vec::new()),
        ("bad signature", bad_sig),
        ("bad version", bad_version),
        ("bad command", bad_command),
        ("bad family", bad_family),
        ("truncated TLV", tlv_overrun),
        ("length below address block", short_addr),
        ("huge length", huge),
        ("AWS id not hex", bad_aws),
        ("GCP id not 8 bytes", bad_gcp),
        ("two endpoint ids", two_ids),
        ("v1 garbage", b"PROXY TCP4 1.2.3.4\r\n".to_vec()),
    ];
    for (what, header) in &cases {
        let send = Send {
            wait: Duration::from_secs(2),
            ..Send::once(with(header.clone(), &query(&[])))
        };
        let after = exchange(pg.admission, send).await.closed(what);
        assert!(
            after < Duration::from_secs(1),
            "{what}: refused late ({after:?})"
        );
    }
    pg.assert_upstream_untouched("malformed").await;
    let denials = pg
        .audit()
        .into_iter()
        .filter(|e| e["decision"] == "deny" && e["status"].is_null())
        .count();
    assert_eq!(denials, cases.len(), "{:#?}", pg.audit());
    pg.stop().await;
}

#[tokio::test]
async fn truncated_header_followed_by_eof_is_refused() {
    let pg = Pg::start(Setup::default()).await;
    let header = aws_header();
    for cut in [6, 16, 30, header.len() - 1] {
        let send = Send {
            shutdown_write: true,
            wait: Duration::from_secs(2),
            ..Send::once(header[..cut].to_vec())
        };
        exchange(pg.admission, send)
            .await
            .closed(&format!("truncated at {cut}"));
    }
    pg.assert_upstream_untouched("truncated").await;
    assert_eq!(
        pg.audit_reason("proxy_header_eof").len(),
        4,
        "{:#?}",
        pg.audit()
    );
    pg.stop().await;
}

#[tokio::test]
async fn slow_clients_are_cut_off_at_the_header_timeout() {
    let pg = Pg::start(Setup {
        header_read_timeout: "700ms",
        ..Setup::default()
    })
    .await;
    let wait = Duration::from_secs(4);
    // Nothing at all.
    let silent = Send {
        wait,
        ..Send::once(Vec::new())
    };
    // Half a PROXY header, then nothing (the connection stays open).
    let half = Send {
        wait,
        ..Send::once(aws_header()[..20].to_vec())
    };
    // A header that trickles in slower than the deadline allows.
    let header = aws_header();
    let cuts: Vec<usize> = (1..header.len()).step_by(4).collect();
    let trickle = Send {
        wait,
        ..Send::split(&header, &cuts, Duration::from_millis(150))
    };
    let (a, b, c) = tokio::join!(
        exchange(pg.admission, silent),
        exchange(pg.admission, half),
        exchange(pg.admission, trickle)
    );
    for (what, o) in [("silent", a), ("half header", b), ("trickle", c)] {
        let after = o.closed(what);
        assert!(
            after >= Duration::from_millis(600) && after < Duration::from_secs(3),
            "{what}: closed after {after:?}, expected about 700ms"
        );
    }
    // PROXY header on time, then HTTP request headers that never finish.
    let slow_http = Send {
        wait,
        ..Send::once(with(
            aws_header(),
            b"POST /v1/query/online HTTP/1.1\r\nHost: q\r\n",
        ))
    };
    match exchange(pg.admission, slow_http).await {
        Outcome::Closed { .. } => {}
        Outcome::Response(r) => assert_eq!(r.status, 408, "slow HTTP headers"),
        other => panic!("slow HTTP headers: {other:?}"),
    }
    pg.assert_upstream_untouched("slow clients").await;
    assert_eq!(
        pg.audit_reason("proxy_header_timeout").len(),
        3,
        "{:#?}",
        pg.audit()
    );
    pg.stop().await;
}

#[tokio::test]
async fn second_proxy_header_from_the_client_is_not_trusted() {
    let pg = Pg::start(Setup::default()).await;
    // The load balancer's header, then one the client wrote itself claiming another endpoint.
    let inner = pp::v2(
        CMD_PROXY,
        addr("192.0.2.66:1000"),
        addr(pp::LB_FRONT),
        &[pp::gcp(pp::GCP_ID)],
    );
    let bytes = with(aws_header(), &with(inner, &query(&[])));
    match send_once(pg.admission, bytes).await {
        Outcome::Closed { .. } => {}
        Outcome::Response(r) => assert_eq!(r.status, 400),
        other => panic!("nested PROXY header: {other:?}"),
    }
    pg.assert_upstream_untouched("nested header").await;
    pg.stop().await;
}
