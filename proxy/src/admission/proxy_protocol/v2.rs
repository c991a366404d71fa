//! PROXY v2: the binary header.
//!
//! ```text
//! 0      12        13        14      16             16+addr_len          16+len
//! | sig  | ver|cmd | fam|tr  | len BE | address block | TLVs ...           |
//! ```
//!
//! Each fixed byte is checked the moment it arrives, and the declared length is checked against
//! the limit before the body is buffered, so a hostile peer cannot make us wait for 64 KiB.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use super::tlv;
use super::{
    Command, Family, Limits, Parsed, ProxyError, ProxyHeader, Transport, Version, V2_FIXED_LEN,
    V2_SIGNATURE,
};

const INET_ADDR_LEN: usize = 12;
const INET6_ADDR_LEN: usize = 36;
const UNIX_ADDR_LEN: usize = 216;

pub(super) fn parse(buf: &[u8], limits: &Limits) -> Result<Parsed, ProxyError> {
    let seen = buf.len().min(V2_SIGNATURE.len());
    if buf[..seen] != V2_SIGNATURE[..seen] {
        return Err(ProxyError::BadSignature);
    }
    let command = buf.get(12).map(|&b| command(b)).transpose()?;
    let family = buf.get(13).map(|&b| family(b)).transpose()?;
    let (Some(command), Some((family, transport)), Some(len_bytes)) =
        (command, family, buf.get(14..V2_FIXED_LEN))
    else {
        return Ok(Parsed::Incomplete {
            needed_hint: V2_FIXED_LEN - buf.len(),
        });
    };
    let declared = usize::from(u16::from_be_bytes([len_bytes[0], len_bytes[1]]));
    let total = V2_FIXED_LEN + declared;
    let limit = limits.effective_max_len();
    if total > limit {
        return Err(ProxyError::TooLong {
            limit,
            declared: Some(total),
        });
    }
    let addr_len = address_len(family);
    if declared < addr_len {
        return Err(ProxyError::BadAddressLength {
            family: buf[13],
            needed: addr_len,
            declared,
        });
    }
    let Some(header) = buf.get(..total) else {
        return Ok(Parsed::Incomplete {
            needed_hint: total - buf.len(),
        });
    };
    let addr_end = V2_FIXED_LEN + addr_len;
    let addresses = match command {
        // LOCAL: the receiver must use the real connection endpoints; the block is ignored.
        Command::Local => None,
        Command::Proxy => addresses(family, &header[V2_FIXED_LEN..addr_end]),
    };
    let tlvs = tlv::parse_all(header, addr_end)?;
    Ok(Parsed::Complete {
        header: ProxyHeader {
            version: Version::V2,
            command,
            family,
            transport,
            source: addresses.map(|(s, _)| s),
            destination: addresses.map(|(_, d)| d),
            endpoint: tlvs.endpoint,
            unique_id: tlvs.unique_id,
            alpn: tlvs.alpn,
            authority: tlvs.authority,
            ssl: tlvs.ssl,
            crc_verified: tlvs.crc_verified,
        },
        consumed: total,
    })
}

fn command(byte: u8) -> Result<Command, ProxyError> {
    match (byte >> 4, byte & 0x0F) {
        (2, 0) => Ok(Command::Local),
        (2, 1) => Ok(Command::Proxy),
        (2, other) => Err(ProxyError::BadCommand(other)),
        (version, _) => Err(ProxyError::BadVersion(version)),
    }
}

fn family(byte: u8) -> Result<(Family, Transport), ProxyError> {
    let family = match byte >> 4 {
        0 => Family::Unspec,
        1 => Family::Inet,
        2 => Family::Inet6,
        3 => Family::Unix,
        _ => return Err(ProxyError::BadFamily(byte)),
    };
    let transport = match (family, byte & 0x0F) {
        (Family::Unspec, 0) => Transport::Unspec,
        (Family::Unspec, _) => return Err(ProxyError::BadFamily(byte)),
        (_, 1) => Transport::Stream,
        (_, 2) => Transport::Datagram,
        _ => return Err(ProxyError::BadFamily(byte)),
    };
    Ok((family, transport))
}

fn address_len(family: Family) -> usize {
    match family {
        Family::Unspec => 0,
        Family::Inet => INET_ADDR_LEN,
        Family::Inet6 => INET6_ADDR_LEN,
        Family::Unix => UNIX_ADDR_LEN,
    }
}

/// Decodes the address block; `block` is exactly [`address_len`] bytes long.
/// AF_UNIX paths are not socket addresses and are not surfaced.
fn addresses(family: Family, block: &[u8]) -> Option<(SocketAddr, SocketAddr)> {
    let (src_ip, dst_ip, ports): (IpAddr, IpAddr, &[u8]) = match family {
        Family::Inet => {
            let (src, rest) = block.split_first_chunk::<4>()?;
            let (dst, ports) = rest.split_first_chunk::<4>()?;
            (
                Ipv4Addr::from(*src).into(),
                Ipv4Addr::from(*dst).into(),
                ports,
            )
        }
        Family::Inet6 => {
            let (src, rest) = block.split_first_chunk::<16>()?;
            let (dst, ports) = rest.split_first_chunk::<16>()?;
            (
                Ipv6Addr::from(*src).into(),
                Ipv6Addr::from(*dst).into(),
                ports,
            )
        }
        Family::Unspec | Family::Unix => return None,
    };
    let (sport, rest) = ports.split_first_chunk::<2>()?;
    let (dport, _) = rest.split_first_chunk::<2>()?;
    Some((
        SocketAddr::new(src_ip, u16::from_be_bytes(*sport)),
        SocketAddr::new(dst_ip, u16::from_be_bytes(*dport)),
    ))
}
