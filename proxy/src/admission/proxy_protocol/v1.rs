//! PROXY v1: one human-readable line.
//!
//! ```text
//! PROXY TCP4 <src-ip> <dst-ip> <src-port> <dst-port>\r\n
//! PROXY TCP6 <src-ip> <dst-ip> <src-port> <dst-port>\r\n
//! PROXY UNKNOWN[ <anything printable>]\r\n
//! ```
//!
//! Fields are separated by exactly one space; ports are decimal without sign or leading zero.
//! A partial line is checked field by field, so a byte that no continuation could make valid is
//! rejected immediately.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use super::{Command, Family, Parsed, ProxyError, ProxyHeader, Transport, Version, V1_MAX_LEN};

const PREFIX: &[u8] = b"PROXY ";

/// `PROXY UNKNOWN\r\n`: the shortest valid line.
pub(super) const MIN_LEN: usize = 15;

/// Longest textual IPv4 address (`255.255.255.255`).
const MAX_V4_TEXT: usize = 15;
/// Longest textual IPv6 address (full form with an embedded IPv4 tail).
const MAX_V6_TEXT: usize = 45;
const MAX_PORT_TEXT: usize = 5;

pub(super) fn parse(buf: &[u8]) -> Result<Parsed, ProxyError> {
    let seen = buf.len().min(PREFIX.len());
    if buf[..seen] != PREFIX[..seen] {
        return Err(ProxyError::NotProxy);
    }
    let window = &buf[..buf.len().min(V1_MAX_LEN)];
    let (body, line_len) = match memchr::memchr(b'\n', window) {
        Some(lf) => {
            // The prefix holds no LF, so `lf >= PREFIX.len()` and the slice below is in range.
            if window[lf - 1] != b'\r' {
                return Err(ProxyError::BadV1("line does not end with CRLF"));
            }
            (&window[PREFIX.len()..lf - 1], Some(lf + 1))
        }
        None if buf.len() >= V1_MAX_LEN => {
            return Err(ProxyError::TooLong {
                limit: V1_MAX_LEN,
                declared: None,
            })
        }
        None => {
            let mut body = &window[seen..];
            // A trailing CR may be the first half of the terminator; judge the rest.
            if let Some((b'\r', rest)) = body.split_last() {
                body = rest;
            }
            (body, None)
        }
    };
    let Some(consumed) = line_len else {
        parse_body(body, false)?;
        return Ok(Parsed::Incomplete {
            needed_hint: MIN_LEN.saturating_sub(buf.len()).max(1),
        });
    };
    let addresses = match parse_body(body, true)? {
        Body::Tcp(src, dst) => Some((src, dst)),
        Body::Unknown => None,
        Body::Partial => return Err(ProxyError::BadV1("incomplete line")),
    };
    let (family, transport) = match addresses {
        None => (Family::Unspec, Transport::Unspec),
        Some((src, _)) if src.is_ipv4() => (Family::Inet, Transport::Stream),
        Some(_) => (Family::Inet6, Transport::Stream),
    };
    Ok(Parsed::Complete {
        header: ProxyHeader {
            version: Version::V1,
            command: Command::Proxy,
            family,
            transport,
            source: addresses.map(|(s, _)| s),
            destination: addresses.map(|(_, d)| d),
            endpoint: None,
            unique_id: None,
            alpn: None,
            authority: None,
            ssl: None,
            crc_verified: false,
        },
        consumed,
    })
}

/// What the text between `PROXY ` and CRLF turned out to be.
enum Body {
    /// A valid prefix of some line; more bytes are needed.
    Partial,
    Unknown,
    Tcp(SocketAddr, SocketAddr),
}

fn parse_body(body: &[u8], complete: bool) -> Result<Body, ProxyError> {
    let (proto, rest) = match memchr::memchr(b' ', body) {
        Some(sp) => (&body[..sp], Some(&body[sp + 1..])),
        None => (body, None),
    };
    let proto_done = rest.is_some() || complete;
    match proto {
        b"UNKNOWN" if proto_done => {
            // The specification lets the sender put anything after UNKNOWN; we still insist on
            // printable ASCII so nothing odd reaches logs.
            if !rest
                .unwrap_or_default()
                .iter()
                .all(|b| (0x20..0x7f).contains(b))
            {
                return Err(ProxyError::BadV1("non-printable byte after UNKNOWN"));
            }
            Ok(if complete {
                Body::Unknown
            } else {
                Body::Partial
            })
        }
        b"TCP4" if proto_done => parse_tcp(false, rest, complete),
        b"TCP6" if proto_done => parse_tcp(true, rest, complete),
        p if !proto_done
            && [&b"TCP4"[..], b"TCP6", b"UNKNOWN"]
                .iter()
                .any(|k| k.starts_with(p)) =>
        {
            Ok(Body::Partial)
        }
        _ => Err(ProxyError::BadV1("protocol must be TCP4, TCP6 or UNKNOWN")),
    }
}

#[derive(Clone, Copy)]
enum Field {
    Addr,
    Port,
}

fn parse_tcp(v6: bool, rest: Option<&[u8]>, complete: bool) -> Result<Body, ProxyError> {
    const LAYOUT: [Field; 4] = [Field::Addr, Field::Addr, Field::Port, Field::Port];
    let Some(rest) = rest else {
        return Err(ProxyError::BadV1("missing addresses"));
    };
    let count = rest.split(|&b| b == b' ').count();
    if count > LAYOUT.len() {
        return Err(ProxyError::BadV1("too many fields"));
    }
    if complete && count < LAYOUT.len() {
        return Err(ProxyError::BadV1("too few fields"));
    }
    let mut ips = [IpAddr::V4(Ipv4Addr::UNSPECIFIED); 2];
    let mut ports = [0u16; 2];
    for (i, (text, kind)) in rest.split(|&b| b == b' ').zip(LAYOUT).enumerate() {
        let partial = !complete && i + 1 == count;
        match kind {
            Field::Addr if partial => check_partial_addr(v6, text)?,
            Field::Addr => ips[i] = parse_addr(v6, text)?,
            Field::Port if partial => check_partial_port(text)?,
            Field::Port => ports[i - 2] = parse_port(text)?,
        }
    }
    if !complete {
        return Ok(Body::Partial);
    }
    Ok(Body::Tcp(
        SocketAddr::new(ips[0], ports[0]),
        SocketAddr::new(ips[1], ports[1]),
    ))
}

fn addr_char_ok(v6: bool, b: u8) -> bool {
    b.is_ascii_digit() || b == b'.' || (v6 && (b.is_ascii_hexdigit() || b == b':'))
}

fn check_partial_addr(v6: bool, text: &[u8]) -> Result<(), ProxyError> {
    let max = if v6 { MAX_V6_TEXT } else { MAX_V4_TEXT };
    if text.len() > max || !text.iter().all(|&b| addr_char_ok(v6, b)) {
        return Err(ProxyError::BadV1("invalid address"));
    }
    Ok(())
}

fn parse_addr(v6: bool, text: &[u8]) -> Result<IpAddr, ProxyError> {
    check_partial_addr(v6, text)?;
    // The character check above guarantees ASCII.
    let s = std::str::from_utf8(text).map_err(|_| ProxyError::BadV1("invalid address"))?;
    // std rejects IPv4 octets with leading zeros, which some parsers read as octal.
    let ip = if v6 {
        s.parse::<Ipv6Addr>().map(IpAddr::V6)
    } else {
        s.parse::<Ipv4Addr>().map(IpAddr::V4)
    };
    ip.map_err(|_| ProxyError::BadV1("invalid address"))
}

fn check_partial_port(text: &[u8]) -> Result<(), ProxyError> {
    let ok = text.len() <= MAX_PORT_TEXT
        && text.iter().all(u8::is_ascii_digit)
        && !(text.len() > 1 && text[0] == b'0')
        && text.iter().fold(0u32, |n, &d| n * 10 + u32::from(d - b'0')) <= u32::from(u16::MAX);
    if ok {
        Ok(())
    } else {
        Err(ProxyError::BadV1("invalid port"))
    }
}

fn parse_port(text: &[u8]) -> Result<u16, ProxyError> {
    check_partial_port(text)?;
    if text.is_empty() {
        return Err(ProxyError::BadV1("invalid port"));
    }
    let value = text.iter().fold(0u32, |n, &d| n * 10 + u32::from(d - b'0'));
    u16::try_from(value).map_err(|_| ProxyError::BadV1("invalid port"))
}
