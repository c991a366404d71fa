//! PROXY v2 headers carrying a CRC32C TLV (PP2_TYPE_CRC32C, 0x03): a correct
//! checksum is admitted like any other header; a wrong one — the checksum
//! itself altered, or a covered byte altered after it was computed — closes
//! the connection before HTTP, with nothing reaching the upstream.
//!
//! The checksum is computed here with an independent bitwise CRC32C, not with
//! planeguard's (one test cross-checks the two).

use planeguard::admission::proxy_protocol::{encode_v2, Command, EndpointId, Transport, V2Spec};

use super::harness::{query, Pg, Setup};
use super::proxy_v2::{self as pp, addr, with, CLIENT, CMD_PROXY};
use super::raw::send_once;

const TLV_CRC32C: u8 = 0x03;

/// CRC32C (Castagnoli, RFC 4960 appendix B): reflected polynomial 0x82F63B78,
/// initial value and final XOR all ones; one bit at a time.
fn crc32c(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &byte in data {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0x82F6_3B78
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// Where the 4-byte value of the first CRC32C TLV starts in a v2 header.
fn crc_value_offset(header: &[u8]) -> usize {
    // 16-byte fixed part, then 12 bytes of IPv4 addresses and ports.
    let mut at = 16 + 12;
    while at + 3 <= header.len() {
        let len = usize::from(u16::from_be_bytes([header[at + 1], header[at + 2]]));
        if header[at] == TLV_CRC32C {
            return at + 3;
        }
        at += 3 + len;
    }
    panic!("no CRC32C TLV in {header:02x?}");
}

/// An IPv4 v2 header with `tlvs`, where a `(0x03, _)` entry gets the checksum
/// of the whole header computed over its value zeroed (stored big-endian).
fn with_crc(tlvs: &[(u8, Vec<u8>)]) -> Vec<u8> {
    let zeroed: Vec<(u8, Vec<u8>)> = tlvs
        .iter()
        .map(|(k, v)| {
            if *k == TLV_CRC32C {
                (*k, vec![0; 4])
            } else {
                (*k, v.clone())
            }
        })
        .collect();
    let mut header = pp::v2(CMD_PROXY, addr(CLIENT), addr(pp::LB_FRONT), &zeroed);
    let at = crc_value_offset(&header);
    let crc = crc32c(&header);
    header[at..at + 4].copy_from_slice(&crc.to_be_bytes());
    header
}

fn crc_tlv() -> (u8, Vec<u8>) {
    (TLV_CRC32C, vec![0; 4])
}

/// The header most load balancers would send: endpoint TLV, then the checksum.
fn aws_with_crc() -> Vec<u8> {
    with_crc(&[pp::aws(pp::AWS_ID), crc_tlv()])
}

#[test]
fn crc32c_matches_the_rfc_check_value() {
    // The standard check value of CRC-32C over "123456789", and RFC 3720 B.4's 32 zero bytes.
    assert_eq!(crc32c(b"123456789"), 0xE306_9283);
    assert_eq!(crc32c(&[0u8; 32]), 0x8A91_36AA);
    assert_eq!(crc32c(&[0xFFu8; 32]), 0x62A8_AB43);
}

#[test]
fn handcrafted_crc_header_matches_planeguard_encoder() {
    let spec = V2Spec {
        command: Command::Proxy,
        transport: Transport::Stream,
        addresses: Some((addr(CLIENT), addr(pp::LB_FRONT))),
        endpoint: Some(EndpointId::Aws(pp::AWS_ID.into())),
        crc32c: true,
        ..V2Spec::default()
    };
    assert_eq!(encode_v2(&spec).expect("encode"), aws_with_crc());
}

#[tokio::test]
async fn correct_crc32c_is_admitted_and_forwarded() {
    let pg = Pg::start(Setup::default()).await;
    let headers = [
        ("endpoint then crc", aws_with_crc()),
        // The checksum TLV may sit anywhere among the TLVs.
        (
            "crc first, noop after",
            with_crc(&[crc_tlv(), pp::aws(pp::AWS_ID), (pp::TLV_NOOP, vec![7; 5])]),
        ),
    ];
    for (i, (what, header)) in headers.iter().enumerate() {
        let r = send_once(pg.admission, with(header.clone(), &query(&[])))
            .await
            .resp(what);
        assert_eq!(
            r.status,
            200,
            "{what}: {}",
            String::from_utf8_lossy(&r.body)
        );
        let got = pg.sink.wait_for(i + 1).await;
        let last = &got[i];
        assert_eq!(last.path, "/v1/query/online", "{what}");
        assert_eq!(last.headers["x-forwarded-for"], "203.0.113.7", "{what}");
        assert_eq!(
            last.headers["x-planeguard-peer"], "aws:vpce-0a1b2c3d4e5f60718",
            "{what}"
        );
    }
    let admitted: Vec<_> = pg
        .audit()
        .into_iter()
        .filter(|e| e["decision"] == "admit" && e["reason"] == "ok")
        .collect();
    assert_eq!(admitted.len(), 2, "{:#?}", pg.audit());
    for e in &admitted {
        assert_eq!(e["endpoint"], "aws:vpce-0a1b2c3d4e5f60718");
        assert_eq!(e["source"], CLIENT);
        assert_eq!(e["path"], "/v1/query/online");
        assert_eq!(e["status"], 200);
    }
    assert!(pg.audit_reason("bad_crc").is_empty(), "{:#?}", pg.audit());
    pg.stop().await;
}

#[tokio::test]
async fn wrong_crc32c_closes_the_connection_and_forwards_nothing() {
    let pg = Pg::start(Setup::default()).await;
    let good = aws_with_crc();
    let crc_at = crc_value_offset(&good);

    // One bit of the stored checksum flipped.
    let mut bad_sum = good.clone();
    bad_sum[crc_at + 3] ^= 0x01;

    // The endpoint id's last character changed after the checksum was computed
    // (…718 → …719: still a well-formed id, so only the checksum can catch it).
    let mut bad_id = good.clone();
    let id_end = (0..good.len())
        .rev()
        .find(|&i| good[i..].starts_with(b"718"))
        .expect("endpoint id in header")
        + 2;
    assert_eq!(bad_id[id_end], b'8');
    bad_id[id_end] = b'9';

    // A checksum computed without zeroing its own field first.
    let mut not_zeroed = good.clone();
    let sum = crc32c(&good);
    not_zeroed[crc_at..crc_at + 4].copy_from_slice(&sum.to_be_bytes());

    let cases = [
        ("checksum bit flipped", bad_sum),
        ("endpoint id byte changed", bad_id),
        ("checksum over a non-zeroed field", not_zeroed),
    ];
    for (what, header) in &cases {
        assert_ne!(header, &good, "{what}: the header must differ");
        send_once(pg.admission, with(header.clone(), &query(&[])))
            .await
            .closed(what);
    }
    pg.assert_upstream_untouched("bad CRC32C").await;
    let refused = pg.audit_reason("bad_crc");
    assert_eq!(refused.len(), cases.len(), "{:#?}", pg.audit());
    for e in &refused {
        assert_eq!(e["decision"], "deny");
        assert!(e["method"].is_null() && e["path"].is_null(), "{e}");
    }
    // Refused for the checksum, not for the (unlisted) altered endpoint id.
    assert!(pg.audit_reason("endpoint_not_allowed").is_empty());
    assert!(
        !pg.audit().iter().any(|e| e["decision"] == "admit"),
        "{:#?}",
        pg.audit()
    );
    pg.stop().await;
}
