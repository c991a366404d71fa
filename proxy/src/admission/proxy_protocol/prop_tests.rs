//! Property tests: no input panics the parser, verdicts are stable as bytes arrive, and what the
//! encoder writes the parser reads back.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use proptest::prelude::*;

use super::*;

/// Checks the incremental contract on every prefix of `bytes`:
/// an error never turns into success, and a Complete verdict never changes.
fn check_incremental(bytes: &[u8]) -> Result<(), TestCaseError> {
    let limits = Limits::default();
    let full = parse(bytes, &limits);
    if let Ok(Parsed::Complete { consumed, .. }) = &full {
        prop_assert!(*consumed <= bytes.len());
        prop_assert_eq!(&parse(&bytes[..*consumed], &limits), &full);
    }
    for cut in 0..bytes.len() {
        match parse(&bytes[..cut], &limits) {
            Err(_) => prop_assert!(full.is_err(), "prefix {} failed, full {:?}", cut, full),
            Ok(Parsed::Complete { consumed, .. }) => {
                prop_assert!(consumed <= cut);
                prop_assert_eq!(&parse(&bytes[..cut], &limits), &full);
            }
            Ok(Parsed::Incomplete { needed_hint }) => {
                prop_assert!(needed_hint >= 1);
                if let Ok(Parsed::Complete { consumed, .. }) = &full {
                    prop_assert!(cut + needed_hint <= *consumed);
                }
            }
        }
    }
    Ok(())
}

fn socket_pair() -> impl Strategy<Value = (SocketAddr, SocketAddr)> {
    prop_oneof![
        (
            any::<[u8; 4]>(),
            any::<u16>(),
            any::<[u8; 4]>(),
            any::<u16>()
        )
            .prop_map(|(s, sp, d, dp)| (
                SocketAddr::new(IpAddr::V4(Ipv4Addr::from(s)), sp),
                SocketAddr::new(IpAddr::V4(Ipv4Addr::from(d)), dp),
            )),
        (
            any::<[u8; 16]>(),
            any::<u16>(),
            any::<[u8; 16]>(),
            any::<u16>()
        )
            .prop_map(|(s, sp, d, dp)| (
                SocketAddr::new(IpAddr::V6(Ipv6Addr::from(s)), sp),
                SocketAddr::new(IpAddr::V6(Ipv6Addr::from(d)), dp),
            )),
    ]
}

fn endpoint() -> impl Strategy<Value = EndpointId> {
    prop_oneof![
        "vpce-[0-9a-f]{8,32}".prop_map(EndpointId::Aws),
        any::<u64>().prop_map(EndpointId::Gcp),
        any::<u32>().prop_map(EndpointId::Azure),
    ]
}

fn spec() -> impl Strategy<Value = V2Spec> {
    (
        prop_oneof![Just(Command::Local), Just(Command::Proxy)],
        prop_oneof![Just(Transport::Stream), Just(Transport::Datagram)],
        proptest::option::of(socket_pair()),
        proptest::option::of(endpoint()),
        proptest::option::of(proptest::collection::vec(any::<u8>(), 0..=128)),
        proptest::option::of(proptest::collection::vec(any::<u8>(), 0..16)),
        proptest::option::of("[a-z0-9.-]{0,40}"),
        proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..40), 0..3),
        any::<bool>(),
    )
        .prop_map(
            |(
                command,
                transport,
                addresses,
                endpoint,
                unique_id,
                alpn,
                authority,
                noops,
                crc32c,
            )| {
                V2Spec {
                    command,
                    transport,
                    addresses,
                    endpoint,
                    unique_id,
                    alpn,
                    authority,
                    extra_tlvs: noops.into_iter().map(|v| (0x04, v)).collect(),
                    crc32c,
                }
            },
        )
}

/// Byte strings that get past the first-byte dispatch often enough to exercise deep paths.
fn header_like() -> impl Strategy<Value = Vec<u8>> {
    let tail = proptest::collection::vec(any::<u8>(), 0..300);
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..300),
        tail.clone().prop_map(|t| [&V2_SIGNATURE[..], &t].concat()),
        (
            0x20u8..=0x21,
            prop_oneof![Just(0x00u8), Just(0x11), Just(0x21), Just(0x31)],
            tail.clone()
        )
            .prop_map(|(vc, fam, t)| {
                let len = u16::try_from(t.len()).unwrap_or(u16::MAX).to_be_bytes();
                [&V2_SIGNATURE[..], &[vc, fam], &len, &t].concat()
            }),
        "PROXY (TCP4|TCP6|UNKNOWN) [0-9a-f.: ]{0,60}\r?\n?".prop_map(String::into_bytes),
    ]
}

proptest! {
    #[test]
    fn parse_never_panics_and_is_incremental(bytes in header_like()) {
        check_incremental(&bytes)?;
    }

    #[test]
    fn encode_then_parse_roundtrips(spec in spec(), payload in proptest::collection::vec(any::<u8>(), 0..8)) {
        let bytes = encode_v2(&spec).unwrap();
        let mut stream = bytes.clone();
        stream.extend_from_slice(&payload);
        let limits = Limits { max_header_len: V2_MAX_LEN };
        let Ok(Parsed::Complete { header, consumed }) = parse(&stream, &limits) else {
            return Err(TestCaseError::fail(format!("{:?}", parse(&stream, &limits))));
        };
        prop_assert_eq!(consumed, bytes.len());
        prop_assert_eq!(header.version, Version::V2);
        prop_assert_eq!(header.command, spec.command);
        let proxied = spec.command == Command::Proxy;
        prop_assert_eq!(header.source, spec.addresses.filter(|_| proxied).map(|(s, _)| s));
        prop_assert_eq!(header.destination, spec.addresses.filter(|_| proxied).map(|(_, d)| d));
        let transport = if spec.addresses.is_some() { spec.transport } else { Transport::Unspec };
        prop_assert_eq!(header.transport, transport);
        prop_assert_eq!(header.endpoint, spec.endpoint);
        prop_assert_eq!(header.unique_id, spec.unique_id);
        prop_assert_eq!(header.alpn, spec.alpn);
        prop_assert_eq!(header.authority, spec.authority);
        prop_assert_eq!(header.crc_verified, spec.crc32c);
    }

    #[test]
    fn encoded_headers_survive_mutation_without_panicking(
        spec in spec(),
        flips in proptest::collection::vec((any::<prop::sample::Index>(), 1u8..=255), 1..4),
    ) {
        let mut bytes = encode_v2(&spec).unwrap();
        for (at, mask) in flips {
            let i = at.index(bytes.len());
            bytes[i] ^= mask;
        }
        check_incremental(&bytes)?;
    }

    #[test]
    fn v1_encode_then_parse_roundtrips(pair in socket_pair()) {
        let bytes = encode_v1(Some(pair)).unwrap();
        match parse(&bytes, &Limits::default()) {
            Ok(Parsed::Complete { header, consumed }) => {
                prop_assert_eq!(consumed, bytes.len());
                prop_assert_eq!(header.source, Some(pair.0));
                prop_assert_eq!(header.destination, Some(pair.1));
            }
            other => return Err(TestCaseError::fail(format!("{other:?}"))),
        }
        check_incremental(&bytes)?;
    }
}
