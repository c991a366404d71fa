//! Writing PROXY headers: for tests, the load generator, and anything that must impersonate a
//! cloud load balancer. The encoder writes well-formed framing; it does not police TLV contents,
//! so tests can also build headers the parser must refuse (e.g. via `extra_tlvs`).

use std::fmt;
use std::net::{IpAddr, SocketAddr};

use super::tlv::{
    crc32c_with_hole, PP2_SUBTYPE_AWS_VPCE_ID, PP2_SUBTYPE_AZURE_LINKID, PP2_TYPE_ALPN,
    PP2_TYPE_AUTHORITY, PP2_TYPE_AWS, PP2_TYPE_AZURE, PP2_TYPE_CRC32C, PP2_TYPE_GCP,
    PP2_TYPE_UNIQUE_ID,
};
use super::{Command, EndpointId, Transport, V2_FIXED_LEN, V2_SIGNATURE};

/// What to put in a v2 header.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct V2Spec {
    pub command: Command,
    /// STREAM or DGRAM; only written when `addresses` is set (no addresses means AF_UNSPEC).
    pub transport: Transport,
    /// Source and destination; both IPv4 or both IPv6.
    pub addresses: Option<(SocketAddr, SocketAddr)>,
    pub endpoint: Option<EndpointId>,
    pub unique_id: Option<Vec<u8>>,
    pub alpn: Option<Vec<u8>>,
    pub authority: Option<String>,
    /// Raw TLVs appended after the typed ones, in order (type, value).
    pub extra_tlvs: Vec<(u8, Vec<u8>)>,
    /// Append a CRC32C TLV covering the whole header.
    pub crc32c: bool,
}

/// A header that cannot be framed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EncodeError {
    /// Source and destination are of different IP families.
    MixedFamilies,
    /// Addresses were given with `Transport::Unspec`.
    UnspecTransportWithAddresses,
    /// A TLV value or the whole header exceeds the 16-bit length field.
    TooLong,
}

impl fmt::Display for EncodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            EncodeError::MixedFamilies => "source and destination must both be IPv4 or both IPv6",
            EncodeError::UnspecTransportWithAddresses => {
                "addresses need a STREAM or DGRAM transport"
            }
            EncodeError::TooLong => "PROXY v2 header or TLV exceeds 65535 bytes",
        })
    }
}

impl std::error::Error for EncodeError {}

/// Writes a v1 line: `PROXY TCP4|TCP6 ...` for addresses, `PROXY UNKNOWN` without.
pub fn encode_v1(addresses: Option<(SocketAddr, SocketAddr)>) -> Result<Vec<u8>, EncodeError> {
    let line = match addresses {
        None => "PROXY UNKNOWN\r\n".to_owned(),
        Some((src, dst)) => {
            let proto = match (src.ip(), dst.ip()) {
                (IpAddr::V4(_), IpAddr::V4(_)) => "TCP4",
                (IpAddr::V6(_), IpAddr::V6(_)) => "TCP6",
                _ => return Err(EncodeError::MixedFamilies),
            };
            format!(
                "PROXY {proto} {} {} {} {}\r\n",
                src.ip(),
                dst.ip(),
                src.port(),
                dst.port()
            )
        }
    };
    Ok(line.into_bytes())
}

/// Writes a v2 header as described by `spec`.
pub fn encode_v2(spec: &V2Spec) -> Result<Vec<u8>, EncodeError> {
    let mut out = Vec::with_capacity(64);
    out.extend_from_slice(&V2_SIGNATURE);
    out.push(match spec.command {
        Command::Local => 0x20,
        Command::Proxy => 0x21,
    });
    out.push(family_byte(spec)?);
    // Length placeholder, patched below.
    out.extend_from_slice(&[0, 0]);
    if let Some((src, dst)) = spec.addresses {
        match (src.ip(), dst.ip()) {
            (IpAddr::V4(s), IpAddr::V4(d)) => {
                out.extend_from_slice(&s.octets());
                out.extend_from_slice(&d.octets());
            }
            (IpAddr::V6(s), IpAddr::V6(d)) => {
                out.extend_from_slice(&s.octets());
                out.extend_from_slice(&d.octets());
            }
            _ => return Err(EncodeError::MixedFamilies),
        }
        out.extend_from_slice(&src.port().to_be_bytes());
        out.extend_from_slice(&dst.port().to_be_bytes());
    }
    match &spec.endpoint {
        Some(EndpointId::Aws(id)) => {
            let mut value = vec![PP2_SUBTYPE_AWS_VPCE_ID];
            value.extend_from_slice(id.as_bytes());
            push_tlv(&mut out, PP2_TYPE_AWS, &value)?;
        }
        Some(EndpointId::Gcp(id)) => push_tlv(&mut out, PP2_TYPE_GCP, &id.to_be_bytes())?,
        Some(EndpointId::Azure(id)) => {
            let mut value = vec![PP2_SUBTYPE_AZURE_LINKID];
            value.extend_from_slice(&id.to_le_bytes());
            push_tlv(&mut out, PP2_TYPE_AZURE, &value)?;
        }
        None => {}
    }
    if let Some(authority) = &spec.authority {
        push_tlv(&mut out, PP2_TYPE_AUTHORITY, authority.as_bytes())?;
    }
    if let Some(alpn) = &spec.alpn {
        push_tlv(&mut out, PP2_TYPE_ALPN, alpn)?;
    }
    if let Some(id) = &spec.unique_id {
        push_tlv(&mut out, PP2_TYPE_UNIQUE_ID, id)?;
    }
    for (kind, value) in &spec.extra_tlvs {
        push_tlv(&mut out, *kind, value)?;
    }
    let crc_at = if spec.crc32c {
        push_tlv(&mut out, PP2_TYPE_CRC32C, &[0; 4])?;
        Some(out.len() - 4)
    } else {
        None
    };
    let body_len = u16::try_from(out.len() - V2_FIXED_LEN).map_err(|_| EncodeError::TooLong)?;
    out[14..V2_FIXED_LEN].copy_from_slice(&body_len.to_be_bytes());
    if let Some(at) = crc_at {
        let crc = crc32c_with_hole(&out[..at], &out[at + 4..]);
        out[at..at + 4].copy_from_slice(&crc.to_be_bytes());
    }
    Ok(out)
}

fn family_byte(spec: &V2Spec) -> Result<u8, EncodeError> {
    let Some((src, _)) = spec.addresses else {
        return Ok(0x00);
    };
    let family = if src.is_ipv4() { 0x10 } else { 0x20 };
    let transport = match spec.transport {
        Transport::Unspec => return Err(EncodeError::UnspecTransportWithAddresses),
        Transport::Stream => 0x01,
        Transport::Datagram => 0x02,
    };
    Ok(family | transport)
}

fn push_tlv(out: &mut Vec<u8>, kind: u8, value: &[u8]) -> Result<(), EncodeError> {
    let len = u16::try_from(value.len()).map_err(|_| EncodeError::TooLong)?;
    out.push(kind);
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(value);
    Ok(())
}
