//! Unit tests over the public `parse`/`encode_*` API with hand-crafted bytes.

use std::net::SocketAddr;

use super::*;

const AWS_ID: &str = "vpce-0a1b2c3d4e5f60718";

fn sa(s: &str) -> SocketAddr {
    s.parse().unwrap()
}

fn parse_default(buf: &[u8]) -> Result<Parsed, ProxyError> {
    parse(buf, &Limits::default())
}

/// Parses `buf` expecting a complete header; returns it with the consumed length.
fn complete(buf: &[u8]) -> (ProxyHeader, usize) {
    match parse_default(buf) {
        Ok(Parsed::Complete { header, consumed }) => (header, consumed),
        other => panic!("expected Complete for {buf:?}, got {other:?}"),
    }
}

fn reason(buf: &[u8]) -> &'static str {
    match parse_default(buf) {
        Err(e) => e.reason(),
        Ok(p) => panic!("expected an error for {buf:?}, got {p:?}"),
    }
}

/// A v2 header with arbitrary fixed bytes; the length field is computed from `body`.
fn v2_raw(ver_cmd: u8, fam: u8, body: &[u8]) -> Vec<u8> {
    let mut out = V2_SIGNATURE.to_vec();
    out.push(ver_cmd);
    out.push(fam);
    out.extend_from_slice(&u16::try_from(body.len()).unwrap().to_be_bytes());
    out.extend_from_slice(body);
    out
}

/// TCP4 address block 10.0.0.1:1234 -> 10.0.0.2:443.
fn tcp4_block() -> Vec<u8> {
    vec![10, 0, 0, 1, 10, 0, 0, 2, 0x04, 0xD2, 0x01, 0xBB]
}

fn tlv(kind: u8, value: &[u8]) -> Vec<u8> {
    let mut out = vec![kind];
    out.extend_from_slice(&u16::try_from(value.len()).unwrap().to_be_bytes());
    out.extend_from_slice(value);
    out
}

/// A PROXY TCP4 v2 header carrying the given raw TLV bytes.
fn v2_with_tlvs(tlvs: &[u8]) -> Vec<u8> {
    let mut body = tcp4_block();
    body.extend_from_slice(tlvs);
    v2_raw(0x21, 0x11, &body)
}

fn aws_tlv(id: &str) -> Vec<u8> {
    let mut v = vec![0x01];
    v.extend_from_slice(id.as_bytes());
    tlv(0xEA, &v)
}

fn spec_tcp4() -> V2Spec {
    V2Spec {
        addresses: Some((sa("10.0.0.1:1234"), sa("10.0.0.2:443"))),
        ..V2Spec::default()
    }
}

/// Feeds `bytes` one byte at a time: Incomplete until the last byte, then Complete.
fn assert_split_everywhere(bytes: &[u8]) {
    let (want, len) = complete(bytes);
    assert_eq!(len, bytes.len(), "the fixture must be exactly one header");
    for cut in 0..bytes.len() {
        match parse_default(&bytes[..cut]) {
            Ok(Parsed::Incomplete { needed_hint }) => {
                assert!(needed_hint >= 1 && needed_hint <= bytes.len() - cut);
            }
            other => panic!("prefix of {cut} bytes of {bytes:?}: {other:?}"),
        }
    }
    assert_eq!(complete(bytes).0, want);
}

// ---------------------------------------------------------------- v1

#[test]
fn v1_tcp4() {
    let (h, used) = complete(b"PROXY TCP4 192.168.0.1 10.0.0.2 56324 443\r\nGET / HTTP/1.1\r\n");
    assert_eq!(used, 43);
    assert_eq!(h.version, Version::V1);
    assert_eq!(h.command, Command::Proxy);
    assert_eq!(h.family, Family::Inet);
    assert_eq!(h.transport, Transport::Stream);
    assert_eq!(h.source, Some(sa("192.168.0.1:56324")));
    assert_eq!(h.destination, Some(sa("10.0.0.2:443")));
    assert_eq!(h.endpoint, None);
}

#[test]
fn v1_tcp6() {
    let (h, _) = complete(b"PROXY TCP6 2001:db8::1 ::ffff:10.0.0.1 0 65535\r\n");
    assert_eq!(h.family, Family::Inet6);
    assert_eq!(h.source, Some(sa("[2001:db8::1]:0")));
    assert_eq!(h.destination, Some(sa("[::ffff:10.0.0.1]:65535")));
}

#[test]
fn v1_unknown() {
    for line in [
        &b"PROXY UNKNOWN\r\n"[..],
        b"PROXY UNKNOWN ffff:f::1 ffff:f::2 1 2\r\n",
    ] {
        let (h, used) = complete(line);
        assert_eq!(used, line.len());
        assert_eq!(h.family, Family::Unspec);
        assert_eq!(h.transport, Transport::Unspec);
        assert_eq!(h.source, None);
        assert_eq!(h.destination, None);
    }
}

#[test]
fn v1_longest_line_is_accepted() {
    // The specification's worst case: UNKNOWN followed by the longest TCP6 fields.
    let line = b"PROXY UNKNOWN ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff 65535 65535\r\n";
    assert_eq!(line.len(), V1_MAX_LEN);
    assert_eq!(complete(line).1, V1_MAX_LEN);
    let tcp6 = b"PROXY TCP6 ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff 65535 65535\r\n";
    assert_eq!(complete(tcp6).1, tcp6.len());
}

#[test]
fn v1_line_without_crlf_in_107_bytes_is_too_long() {
    let mut line = b"PROXY UNKNOWN ".to_vec();
    line.resize(V1_MAX_LEN - 1, b'x');
    assert!(matches!(
        parse_default(&line),
        Ok(Parsed::Incomplete { .. })
    ));
    line.push(b'x');
    assert_eq!(reason(&line), "too_long");
    line.extend_from_slice(b"\r\n");
    assert_eq!(reason(&line), "too_long");
}

#[test]
fn v1_grammar_is_strict() {
    let bad: &[&[u8]] = &[
        b"PROXY TCP4  1.2.3.4 5.6.7.8 1 2\r\n",
        b"PROXY TCP4 1.2.3.4 5.6.7.8 1 2 \r\n",
        b"PROXY TCP4 1.2.3.4 5.6.7.8 1  2\r\n",
        b"PROXY TCP4 1.2.3.4 5.6.7.8 01 2\r\n",
        b"PROXY TCP4 1.2.3.4 5.6.7.8 1 00\r\n",
        b"PROXY TCP4 1.2.3.4 5.6.7.8 +1 2\r\n",
        b"PROXY TCP4 1.2.3.4 5.6.7.8 -1 2\r\n",
        b"PROXY TCP4 1.2.3.4 5.6.7.8 65536 2\r\n",
        b"PROXY TCP4 1.2.3.4 5.6.7.8 123456 2\r\n",
        b"PROXY TCP4 1.2.3.4 5.6.7.8 1\r\n",
        b"PROXY TCP4 1.2.3.4 5.6.7.8 1 2 3\r\n",
        b"PROXY TCP4 1.2.3.4 5.6.7.8\r\n",
        b"PROXY TCP4\r\n",
        b"PROXY TCP4 010.0.0.1 5.6.7.8 1 2\r\n",
        b"PROXY TCP4 1.2.3 5.6.7.8 1 2\r\n",
        b"PROXY TCP4 256.2.3.4 5.6.7.8 1 2\r\n",
        b"PROXY TCP4 ::1 5.6.7.8 1 2\r\n",
        b"PROXY TCP6 1.2.3.4 ::1 1 2\r\n",
        b"PROXY TCP6 fe80::1%eth0 ::1 1 2\r\n",
        b"PROXY TCP5 1.2.3.4 5.6.7.8 1 2\r\n",
        b"PROXY tcp4 1.2.3.4 5.6.7.8 1 2\r\n",
        b"PROXY UDP4 1.2.3.4 5.6.7.8 1 2\r\n",
        b"PROXY UNKNOWNX\r\n",
        b"PROXY UNKNOWN\x01\r\n",
        b"PROXY UNKNOWN \x01\r\n",
        b"PROXY UNKNOWN \r\r\n",
        b"PROXY TCP4 1.2.3.4 5.6.7.8 1 2\n",
        b"PROXY TCP4 1.2.3.4 5.6.7.8 1 2\r\r\n",
        b"PROXY TCP4 1.2.3.4\t5.6.7.8 1 2\r\n",
        b"PROXY \r\n",
    ];
    for line in bad {
        assert_eq!(
            reason(line),
            "bad_v1",
            "{:?}",
            String::from_utf8_lossy(line)
        );
    }
}

#[test]
fn not_proxy_is_detected_on_the_first_differing_byte() {
    assert_eq!(reason(b"G"), "not_proxy");
    assert_eq!(reason(b"\x16\x03\x01"), "not_proxy");
    assert_eq!(reason(b"PO"), "not_proxy");
    assert_eq!(reason(b"POST /v1/query HTTP/1.1\r\n"), "not_proxy");
    // A valid prefix of "PROXY " is not refused early.
    for prefix in [&b"P"[..], b"PROX", b"PROXY", b"PROXY "] {
        assert!(matches!(
            parse_default(prefix),
            Ok(Parsed::Incomplete { .. })
        ));
    }
    assert_eq!(reason(b"PROXY!"), "not_proxy");
    assert_eq!(reason(b"\r\n\r\n\x00\r\nQUIX"), "bad_signature");
    assert_eq!(reason(b"\r\nGET"), "bad_signature");
}

#[test]
fn v1_errors_arrive_before_the_line_ends() {
    // Each of these is a prefix no continuation can rescue.
    let cases: &[&[u8]] = &[
        b"PROXY X",
        b"PROXY TCP4X",
        b"PROXY TCP4  ",
        b"PROXY TCP4 1.2.3.4x",
        b"PROXY TCP4 1.2.3.4 5.6.7.8 01",
        b"PROXY TCP4 1.2.3.4 5.6.7.8 65536",
        b"PROXY TCP4 1.2.3.4 5.6.7.8 1 2 ",
        b"PROXY UNKNOWN\x00",
        b"PROXY TCP4 1.2.3.4 5.6.7.8 1 2\rX",
    ];
    for prefix in cases {
        assert_eq!(
            parse_default(prefix).map_err(|e| e.reason()),
            Err("bad_v1"),
            "{prefix:?}"
        );
    }
    // "0" is a complete port, so it is still a valid prefix; "01" is not.
    let zero = b"PROXY TCP4 1.2.3.4 5.6.7.8 0";
    assert!(matches!(parse_default(zero), Ok(Parsed::Incomplete { .. })));
}

#[test]
fn v1_split_at_every_offset() {
    assert_split_everywhere(b"PROXY TCP4 192.168.0.1 10.0.0.2 56324 443\r\n");
    assert_split_everywhere(b"PROXY TCP6 2001:db8::1 2001:db8::2 1 65535\r\n");
    assert_split_everywhere(b"PROXY UNKNOWN\r\n");
    assert_split_everywhere(b"PROXY UNKNOWN whatever goes here\r\n");
}

#[test]
fn encode_v1_roundtrips() {
    for pair in [
        (sa("1.2.3.4:5"), sa("6.7.8.9:65535")),
        (sa("[2001:db8::1]:0"), sa("[::1]:443")),
    ] {
        let bytes = encode_v1(Some(pair)).unwrap();
        let (h, used) = complete(&bytes);
        assert_eq!(used, bytes.len());
        assert_eq!((h.source, h.destination), (Some(pair.0), Some(pair.1)));
    }
    assert_eq!(encode_v1(None).unwrap(), b"PROXY UNKNOWN\r\n");
    assert_eq!(
        encode_v1(Some((sa("1.2.3.4:5"), sa("[::1]:5")))),
        Err(EncodeError::MixedFamilies)
    );
}

// ---------------------------------------------------------------- v2 framing

#[test]
fn v2_tcp4() {
    let mut bytes = v2_raw(0x21, 0x11, &tcp4_block());
    let header_len = bytes.len();
    bytes.extend_from_slice(b"GET / HTTP/1.1\r\n");
    let (h, used) = complete(&bytes);
    assert_eq!(used, header_len);
    assert_eq!(h.version, Version::V2);
    assert_eq!(h.command, Command::Proxy);
    assert_eq!(h.family, Family::Inet);
    assert_eq!(h.transport, Transport::Stream);
    assert_eq!(h.source, Some(sa("10.0.0.1:1234")));
    assert_eq!(h.destination, Some(sa("10.0.0.2:443")));
    assert!(!h.crc_verified);
}

#[test]
fn v2_tcp6_and_udp() {
    let mut block = Vec::new();
    block.extend_from_slice(
        &"2001:db8::1"
            .parse::<std::net::Ipv6Addr>()
            .unwrap()
            .octets(),
    );
    block.extend_from_slice(
        &"2001:db8::2"
            .parse::<std::net::Ipv6Addr>()
            .unwrap()
            .octets(),
    );
    block.extend_from_slice(&[0xFF, 0xFF, 0x00, 0x50]);
    let (h, _) = complete(&v2_raw(0x21, 0x21, &block));
    assert_eq!(h.family, Family::Inet6);
    assert_eq!(h.source, Some(sa("[2001:db8::1]:65535")));
    assert_eq!(h.destination, Some(sa("[2001:db8::2]:80")));
    let (h, _) = complete(&v2_raw(0x21, 0x12, &tcp4_block()));
    assert_eq!(h.transport, Transport::Datagram);
    let (h, _) = complete(&v2_raw(0x21, 0x22, &block));
    assert_eq!(
        (h.family, h.transport),
        (Family::Inet6, Transport::Datagram)
    );
}

#[test]
fn v2_unix_and_unspec_have_no_socket_addresses() {
    let (h, used) = complete(&v2_raw(0x21, 0x31, &[b'/'; 216]));
    assert_eq!(used, 16 + 216);
    assert_eq!(
        (h.family, h.source, h.destination),
        (Family::Unix, None, None)
    );
    let (h, _) = complete(&v2_raw(0x21, 0x00, &[]));
    assert_eq!(
        (h.family, h.transport, h.source),
        (Family::Unspec, Transport::Unspec, None)
    );
}

#[test]
fn v2_local_is_a_health_check_without_addresses() {
    let (h, used) = complete(&v2_raw(0x20, 0x00, &[]));
    assert_eq!(used, 16);
    assert_eq!(h.command, Command::Local);
    assert_eq!(
        (h.source, h.destination, h.endpoint.clone()),
        (None, None, None)
    );
    // LOCAL with an address block: the block is skipped, never reported.
    let (h, used) = complete(&v2_raw(0x20, 0x11, &tcp4_block()));
    assert_eq!((h.command, h.source, used), (Command::Local, None, 28));
    let encoded = encode_v2(&V2Spec {
        command: Command::Local,
        ..V2Spec::default()
    })
    .unwrap();
    assert_eq!(encoded, v2_raw(0x20, 0x00, &[]));
}

#[test]
fn v2_fixed_bytes_are_checked_as_they_arrive() {
    let sig = V2_SIGNATURE.to_vec();
    for cut in 1..sig.len() {
        let mut wrong = sig[..cut].to_vec();
        wrong[cut - 1] ^= 0x40;
        let expect = if cut == 1 {
            "not_proxy"
        } else {
            "bad_signature"
        };
        assert_eq!(reason(&wrong), expect, "cut {cut}");
    }
    let with = |extra: &[u8]| [&sig[..], extra].concat();
    assert_eq!(reason(&with(&[0x11])), "bad_version");
    assert_eq!(reason(&with(&[0x31])), "bad_version");
    assert_eq!(reason(&with(&[0x01])), "bad_version");
    assert_eq!(reason(&with(&[0x22])), "bad_command");
    assert_eq!(reason(&with(&[0x2F])), "bad_command");
    for fam in [0x01, 0x02, 0x10, 0x13, 0x40, 0x41, 0xF1, 0x33] {
        assert_eq!(
            reason(&with(&[0x21, fam])),
            "bad_family",
            "family {fam:#04x}"
        );
    }
    let partial = with(&[0x21, 0x11]);
    assert_eq!(
        parse_default(&partial),
        Ok(Parsed::Incomplete { needed_hint: 2 })
    );
}

#[test]
fn v2_address_block_must_fit_the_declared_length() {
    assert_eq!(reason(&v2_raw(0x21, 0x11, &[0; 11])), "bad_address_length");
    assert_eq!(reason(&v2_raw(0x21, 0x21, &[0; 35])), "bad_address_length");
    assert_eq!(reason(&v2_raw(0x21, 0x31, &[0; 215])), "bad_address_length");
    assert_eq!(reason(&v2_raw(0x20, 0x11, &[])), "bad_address_length");
    // Detected from the 16 fixed bytes alone, before the body arrives.
    let header = v2_raw(0x21, 0x21, &[0; 20]);
    assert_eq!(reason(&header[..16]), "bad_address_length");
}

#[test]
fn v2_length_limit_is_enforced_from_the_length_field() {
    let big = v2_with_tlvs(&tlv(0x04, &[0; 1100 - 12 - 3]));
    // Only the fixed 16 bytes are needed to refuse it.
    assert_eq!(
        parse_default(&big[..16]),
        Err(ProxyError::TooLong {
            limit: 1024,
            declared: Some(1116)
        })
    );
    let exact = v2_raw(
        0x21,
        0x11,
        &[[0u8; 12].as_slice(), &tlv(0x04, &[0; 1024 - 16 - 12 - 3])].concat(),
    );
    assert_eq!(exact.len(), 1024);
    assert_eq!(complete(&exact).1, 1024);
    let one_more = v2_raw(0x21, 0x11, &[0; 1024 - 16 + 1]);
    assert_eq!(reason(&one_more), "too_long");

    let roomy = Limits {
        max_header_len: 4096,
    };
    assert!(matches!(
        parse(&big, &roomy),
        Ok(Parsed::Complete { consumed: 1116, .. })
    ));
    let huge = Limits {
        max_header_len: usize::MAX,
    };
    assert_eq!(huge.effective_max_len(), V2_MAX_LEN);
    let max = v2_raw(
        0x21,
        0x11,
        &[[0u8; 12].as_slice(), &tlv(0x04, &[0; 65535 - 12 - 3])].concat(),
    );
    assert!(matches!(
        parse(&max, &huge),
        Ok(Parsed::Complete {
            consumed: V2_MAX_LEN,
            ..
        })
    ));
    let tiny = Limits { max_header_len: 0 };
    assert_eq!(tiny.effective_max_len(), V2_FIXED_LEN);
    assert!(matches!(
        parse(&v2_raw(0x20, 0x00, &[]), &tiny),
        Ok(Parsed::Complete { .. })
    ));
}

#[test]
fn v2_incomplete_hints_are_lower_bounds() {
    let bytes = v2_raw(0x21, 0x11, &tcp4_block());
    assert_eq!(
        parse_default(&[]),
        Ok(Parsed::Incomplete { needed_hint: 15 })
    );
    assert_eq!(
        parse_default(&bytes[..5]),
        Ok(Parsed::Incomplete { needed_hint: 11 })
    );
    assert_eq!(
        parse_default(&bytes[..16]),
        Ok(Parsed::Incomplete { needed_hint: 12 })
    );
    assert_eq!(
        parse_default(&bytes[..27]),
        Ok(Parsed::Incomplete { needed_hint: 1 })
    );
}

#[test]
fn v2_split_at_every_offset() {
    assert_split_everywhere(&v2_raw(0x20, 0x00, &[]));
    assert_split_everywhere(&encode_v2(&spec_tcp4()).unwrap());
    let full = V2Spec {
        addresses: Some((sa("[2001:db8::1]:1"), sa("[2001:db8::2]:2"))),
        endpoint: Some(EndpointId::Aws(AWS_ID.into())),
        unique_id: Some(b"conn-42".to_vec()),
        alpn: Some(b"h2".to_vec()),
        authority: Some("query.example.com".into()),
        extra_tlvs: vec![(0x04, vec![0; 7])],
        crc32c: true,
        ..V2Spec::default()
    };
    assert_split_everywhere(&encode_v2(&full).unwrap());
}

// ---------------------------------------------------------------- v2 TLVs

#[test]
fn aws_vpce_id() {
    let (h, _) = complete(&v2_with_tlvs(&aws_tlv(AWS_ID)));
    assert_eq!(h.endpoint, Some(EndpointId::Aws(AWS_ID.into())));
    assert_eq!(
        h.endpoint.unwrap().to_string(),
        "aws:vpce-0a1b2c3d4e5f60718"
    );
    // Older 8-hex-digit ids.
    let (h, _) = complete(&v2_with_tlvs(&aws_tlv("vpce-0123abcd")));
    assert_eq!(h.endpoint, Some(EndpointId::Aws("vpce-0123abcd".into())));
}

#[test]
fn malformed_aws_tlvs_are_refused() {
    for id in [
        "vpce-0A1B2C3D4E5F60718",
        "vpc-0a1b2c3d4e5f60718",
        "vpce-",
        "vpce-0a1b2c3",
        "vpce-0a1b2c3d4e5f6071g",
        "vpce-0a1b2c3d4e5f60718\0",
        " vpce-0a1b2c3d4e5f60718",
        "vpce-0a1b2c3d4e5f607180a1b2c3d4e5f60718",
    ] {
        assert_eq!(
            reason(&v2_with_tlvs(&aws_tlv(id))),
            "bad_endpoint_tlv",
            "{id:?}"
        );
    }
    assert_eq!(reason(&v2_with_tlvs(&tlv(0xEA, &[]))), "bad_endpoint_tlv");
}

#[test]
fn unknown_cloud_subtypes_are_not_identities() {
    let (h, _) = complete(&v2_with_tlvs(&tlv(0xEA, b"\x02anything")));
    assert_eq!(h.endpoint, None);
    let (h, _) = complete(&v2_with_tlvs(&tlv(0xEE, &[0x02, 1, 2, 3, 4, 5, 6])));
    assert_eq!(h.endpoint, None);
    // ... and do not count as a duplicate of the real one.
    let tlvs = [tlv(0xEA, b"\x02x"), aws_tlv(AWS_ID)].concat();
    assert_eq!(
        complete(&v2_with_tlvs(&tlvs)).0.endpoint,
        Some(EndpointId::Aws(AWS_ID.into()))
    );
}

#[test]
fn gcp_psc_connection_id() {
    let (h, _) = complete(&v2_with_tlvs(&tlv(0xE0, &1234u64.to_be_bytes())));
    assert_eq!(h.endpoint, Some(EndpointId::Gcp(1234)));
    assert_eq!(h.endpoint.unwrap().to_string(), "gcp:1234");
    let (h, _) = complete(&v2_with_tlvs(&tlv(0xE0, &[0x01, 0, 0, 0, 0, 0, 0, 0x02])));
    assert_eq!(h.endpoint, Some(EndpointId::Gcp(0x0100_0000_0000_0002)));
    for len in [0, 4, 7, 9, 16] {
        assert_eq!(
            reason(&v2_with_tlvs(&tlv(0xE0, &vec![1; len]))),
            "bad_endpoint_tlv"
        );
    }
}

#[test]
fn azure_linkid_is_little_endian() {
    let (h, _) = complete(&v2_with_tlvs(&tlv(0xEE, &[0x01, 0x2E, 0x16, 0, 0])));
    assert_eq!(h.endpoint, Some(EndpointId::Azure(5678)));
    assert_eq!(h.endpoint.unwrap().to_string(), "azure:5678");
    for value in [&[0x01][..], &[0x01, 1, 2, 3], &[0x01, 1, 2, 3, 4, 5], &[]] {
        assert_eq!(reason(&v2_with_tlvs(&tlv(0xEE, value))), "bad_endpoint_tlv");
    }
}

#[test]
fn duplicate_identity_tlvs_are_refused() {
    let twice = [aws_tlv(AWS_ID), aws_tlv(AWS_ID)].concat();
    assert_eq!(
        parse_default(&v2_with_tlvs(&twice)),
        Err(ProxyError::DuplicateTlv(0xEA))
    );
    let two_clouds = [aws_tlv(AWS_ID), tlv(0xE0, &7u64.to_be_bytes())].concat();
    assert_eq!(
        parse_default(&v2_with_tlvs(&two_clouds)),
        Err(ProxyError::DuplicateTlv(0xE0))
    );
    let azure_gcp = [tlv(0xEE, &[1, 1, 0, 0, 0]), tlv(0xE0, &[0; 8])].concat();
    assert_eq!(reason(&v2_with_tlvs(&azure_gcp)), "duplicate_tlv");
}

#[test]
fn crc32c_good_and_bad() {
    let spec = V2Spec {
        endpoint: Some(EndpointId::Gcp(99)),
        crc32c: true,
        ..spec_tcp4()
    };
    let good = encode_v2(&spec).unwrap();
    let (h, _) = complete(&good);
    assert!(h.crc_verified);
    assert_eq!(h.endpoint, Some(EndpointId::Gcp(99)));

    // Flipping any byte covered by the checksum (outside the fixed/length/TLV framing that
    // would fail first) is caught: address bytes, the GCP id, and the checksum itself.
    for at in [16, 20, 27, 28 + 3, good.len() - 1] {
        let mut bad = good.clone();
        bad[at] ^= 0x01;
        assert_eq!(reason(&bad), "bad_crc", "flipped byte {at}");
    }
    // Checksum field as specified: CRC32C over the header with the value zeroed, big-endian.
    let mut zeroed = good.clone();
    let at = good.len() - 4;
    zeroed[at..].fill(0);
    assert_eq!(crc32c::crc32c(&zeroed).to_be_bytes(), good[at..]);
}

#[test]
fn crc32c_must_be_four_bytes() {
    for len in [0, 3, 5, 8] {
        let bytes = v2_with_tlvs(&tlv(0x03, &vec![0; len]));
        assert_eq!(parse_default(&bytes), Err(ProxyError::BadCrcLength(len)));
    }
    let twice = [tlv(0x03, &[0; 4]), tlv(0x03, &[0; 4])].concat();
    assert_eq!(reason(&v2_with_tlvs(&twice)), "duplicate_tlv");
}

#[test]
fn crc_placed_before_other_tlvs_still_verifies() {
    // Build by hand: CRC TLV first, then an AWS TLV, then fill in the checksum.
    let tlvs = [tlv(0x03, &[0; 4]), aws_tlv(AWS_ID)].concat();
    let mut bytes = v2_with_tlvs(&tlvs);
    let at = 16 + 12 + 3;
    let crc = crc32c::crc32c(&bytes);
    bytes[at..at + 4].copy_from_slice(&crc.to_be_bytes());
    assert!(complete(&bytes).0.crc_verified);
}

#[test]
fn truncated_tlvs_are_refused() {
    // One or two stray bytes after the last TLV: not even a TLV header.
    assert_eq!(
        parse_default(&v2_with_tlvs(&[0x04])),
        Err(ProxyError::TruncatedTlv { offset: 28 })
    );
    assert_eq!(reason(&v2_with_tlvs(&[0x04, 0x00])), "truncated_tlv");
    // A TLV whose length runs past the header's declared end.
    let mut long = tlv(0x04, &[0; 10]);
    long.truncate(long.len() - 1);
    assert_eq!(reason(&v2_with_tlvs(&long)), "truncated_tlv");
    // A valid TLV followed by a truncated one.
    let tlvs = [aws_tlv(AWS_ID), vec![0xE0, 0x00, 0x08, 1, 2]].concat();
    assert_eq!(reason(&v2_with_tlvs(&tlvs)), "truncated_tlv");
    // The same cut inside a LOCAL header is refused too.
    let body = [tcp4_block(), vec![0x05, 0x00, 0x05, 1]].concat();
    assert_eq!(reason(&v2_raw(0x20, 0x11, &body)), "truncated_tlv");
}

#[test]
fn unique_id_alpn_authority_noop_and_unknown_tlvs() {
    let tlvs = [
        tlv(0x04, &[0xFF; 9]),
        tlv(0x05, &[7; 128]),
        tlv(0x01, b"h2"),
        tlv(0x02, b"query.example.com"),
        tlv(0x30, b"netns"),
        tlv(0xE5, b"custom"),
        tlv(0x04, &[]),
    ]
    .concat();
    let (h, _) = complete(&v2_with_tlvs(&tlvs));
    assert_eq!(h.unique_id, Some(vec![7; 128]));
    assert_eq!(h.alpn, Some(b"h2".to_vec()));
    assert_eq!(h.authority.as_deref(), Some("query.example.com"));
    assert_eq!(h.endpoint, None);

    assert_eq!(reason(&v2_with_tlvs(&tlv(0x05, &[7; 129]))), "bad_tlv");
    assert_eq!(reason(&v2_with_tlvs(&tlv(0x02, &[0xC3, 0x28]))), "bad_tlv");
    let twice = [tlv(0x05, b"a"), tlv(0x05, b"b")].concat();
    assert_eq!(
        parse_default(&v2_with_tlvs(&twice)),
        Err(ProxyError::DuplicateTlv(0x05))
    );
}

#[test]
fn ssl_tlv_is_parsed_minimally() {
    let subs = [
        tlv(0x21, b"TLSv1.3"),
        tlv(0x22, b"metadata-plane"),
        tlv(0x23, b"TLS_AES_128_GCM_SHA256"),
    ]
    .concat();
    let value = [&[0x07, 0, 0, 0, 0][..], &subs].concat();
    let (h, _) = complete(&v2_with_tlvs(&tlv(0x20, &value)));
    assert_eq!(
        h.ssl,
        Some(SslInfo {
            client: 0x07,
            verify: 0,
            version: Some("TLSv1.3".into()),
            common_name: Some("metadata-plane".into()),
        })
    );
    let (h, _) = complete(&v2_with_tlvs(&tlv(0x20, &[0x01, 0, 0, 0, 1])));
    assert_eq!(h.ssl.map(|s| (s.verify, s.version)), Some((1, None)));

    assert_eq!(
        reason(&v2_with_tlvs(&tlv(0x20, &[0x01, 0, 0, 0]))),
        "bad_tlv"
    );
    let truncated_sub = [&[0x01, 0, 0, 0, 0][..], &[0x21, 0x00, 0x09, b'T']].concat();
    assert_eq!(
        parse_default(&v2_with_tlvs(&tlv(0x20, &truncated_sub))),
        Err(ProxyError::TruncatedTlv { offset: 28 + 3 + 5 })
    );
    let twice = [tlv(0x20, &[0, 0, 0, 0, 0]), tlv(0x20, &[0, 0, 0, 0, 0])].concat();
    assert_eq!(reason(&v2_with_tlvs(&twice)), "duplicate_tlv");
}

// ---------------------------------------------------------------- encoder and errors

#[test]
fn encode_v2_writes_each_cloud_tlv() {
    let cases = [
        (EndpointId::Aws(AWS_ID.into()), aws_tlv(AWS_ID)),
        (
            EndpointId::Gcp(0x0102_0304_0506_0708),
            tlv(0xE0, &[1, 2, 3, 4, 5, 6, 7, 8]),
        ),
        (EndpointId::Azure(0x0102_0304), tlv(0xEE, &[1, 4, 3, 2, 1])),
    ];
    for (id, want_tlv) in cases {
        let bytes = encode_v2(&V2Spec {
            endpoint: Some(id.clone()),
            ..spec_tcp4()
        })
        .unwrap();
        assert_eq!(bytes, v2_with_tlvs(&want_tlv));
        assert_eq!(complete(&bytes).0.endpoint, Some(id));
    }
}

#[test]
fn encode_v2_rejects_unframeable_specs() {
    let mixed = V2Spec {
        addresses: Some((sa("1.2.3.4:1"), sa("[::1]:1"))),
        ..V2Spec::default()
    };
    assert_eq!(encode_v2(&mixed), Err(EncodeError::MixedFamilies));
    let unspec = V2Spec {
        transport: Transport::Unspec,
        ..spec_tcp4()
    };
    assert_eq!(
        encode_v2(&unspec),
        Err(EncodeError::UnspecTransportWithAddresses)
    );
    let huge = V2Spec {
        extra_tlvs: vec![(0x04, vec![0; 65536])],
        ..V2Spec::default()
    };
    assert_eq!(encode_v2(&huge), Err(EncodeError::TooLong));
    let total_too_big = V2Spec {
        extra_tlvs: vec![(0x04, vec![0; 40000]), (0x04, vec![0; 40000])],
        ..V2Spec::default()
    };
    assert_eq!(encode_v2(&total_too_big), Err(EncodeError::TooLong));
}

#[test]
fn error_reasons_and_messages_are_stable() {
    let cases: &[(ProxyError, &str, &str)] = &[
        (
            ProxyError::NotProxy,
            "not_proxy",
            "did not start with a PROXY protocol header",
        ),
        (ProxyError::BadSignature, "bad_signature", "signature"),
        (ProxyError::BadVersion(1), "bad_version", "version 1"),
        (ProxyError::BadCommand(2), "bad_command", "0x2"),
        (ProxyError::BadFamily(0x41), "bad_family", "0x41"),
        (
            ProxyError::TooLong {
                limit: 1024,
                declared: Some(2000),
            },
            "too_long",
            "2000 bytes exceeds the 1024",
        ),
        (
            ProxyError::TooLong {
                limit: 107,
                declared: None,
            },
            "too_long",
            "within 107",
        ),
        (
            ProxyError::BadAddressLength {
                family: 0x11,
                needed: 12,
                declared: 3,
            },
            "bad_address_length",
            "needs 12",
        ),
        (
            ProxyError::TruncatedTlv { offset: 30 },
            "truncated_tlv",
            "byte 30",
        ),
        (ProxyError::DuplicateTlv(0xEA), "duplicate_tlv", "0xea"),
        (
            ProxyError::BadTlv {
                tlv_type: 5,
                detail: "x",
            },
            "bad_tlv",
            "0x05",
        ),
        (
            ProxyError::BadEndpointTlv {
                tlv_type: 0xE0,
                detail: "y",
            },
            "bad_endpoint_tlv",
            "0xe0",
        ),
        (ProxyError::BadCrcLength(3), "bad_crc", "3 bytes"),
        (
            ProxyError::BadCrc {
                expected: 1,
                computed: 2,
            },
            "bad_crc",
            "0x00000001",
        ),
        (ProxyError::BadV1("invalid port"), "bad_v1", "invalid port"),
    ];
    for (err, reason, text) in cases {
        assert_eq!(err.reason(), *reason);
        assert!(
            err.to_string().contains(text),
            "{err} should contain {text}"
        );
    }
}
