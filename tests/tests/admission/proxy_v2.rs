//! PROXY protocol v2 headers written byte by byte from the specification,
//! independently of planeguard's own encoder (which one test cross-checks).

use std::net::{IpAddr, SocketAddr};

pub const SIGNATURE: [u8; 12] = [
    0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A,
];
/// Version 2, command PROXY.
pub const CMD_PROXY: u8 = 0x21;
/// Version 2, command LOCAL (a load balancer health check).
pub const CMD_LOCAL: u8 = 0x20;

pub const TLV_AWS: u8 = 0xEA;
pub const TLV_GCP: u8 = 0xE0;
pub const TLV_AZURE: u8 = 0xEE;
pub const TLV_NOOP: u8 = 0x04;

/// The client as the load balancer saw it (TEST-NET-3), and the address it dialed.
pub const CLIENT: &str = "203.0.113.7:51234";
pub const LB_FRONT: &str = "10.0.64.10:8443";

pub const AWS_ID: &str = "vpce-0a1b2c3d4e5f60718";
pub const GCP_ID: u64 = 0x0102_0304_0506_0708;
pub const AZURE_ID: u32 = 0x0A0B_0C0D;

pub fn addr(s: &str) -> SocketAddr {
    s.parse().expect("test address")
}

/// AWS: subtype 0x01 then the VPC endpoint id in ASCII.
pub fn aws(id: &str) -> (u8, Vec<u8>) {
    let mut v = vec![0x01];
    v.extend_from_slice(id.as_bytes());
    (TLV_AWS, v)
}

/// GCP: the PSC connection id, u64 big-endian.
pub fn gcp(id: u64) -> (u8, Vec<u8>) {
    (TLV_GCP, id.to_be_bytes().to_vec())
}

/// Azure: subtype 0x01 then the LINKID, u32 little-endian.
pub fn azure(id: u32) -> (u8, Vec<u8>) {
    let mut v = vec![0x01];
    v.extend_from_slice(&id.to_le_bytes());
    (TLV_AZURE, v)
}

/// A v2 header: `cmd`, TCP over the addresses' family, then the TLVs.
pub fn v2(cmd: u8, src: SocketAddr, dst: SocketAddr, tlvs: &[(u8, Vec<u8>)]) -> Vec<u8> {
    let mut body = Vec::new();
    let family = match (src.ip(), dst.ip()) {
        (IpAddr::V4(s), IpAddr::V4(d)) => {
            body.extend_from_slice(&s.octets());
            body.extend_from_slice(&d.octets());
            0x11
        }
        (IpAddr::V6(s), IpAddr::V6(d)) => {
            body.extend_from_slice(&s.octets());
            body.extend_from_slice(&d.octets());
            0x21
        }
        _ => panic!("mixed address families"),
    };
    body.extend_from_slice(&src.port().to_be_bytes());
    body.extend_from_slice(&dst.port().to_be_bytes());
    for (kind, value) in tlvs {
        body.push(*kind);
        body.extend_from_slice(&(value.len() as u16).to_be_bytes());
        body.extend_from_slice(value);
    }
    raw(cmd, family, &body)
}

/// Signature, command byte, family byte, big-endian length of `body`, `body`.
pub fn raw(cmd: u8, family: u8, body: &[u8]) -> Vec<u8> {
    let mut out = SIGNATURE.to_vec();
    out.push(cmd);
    out.push(family);
    out.extend_from_slice(&(body.len() as u16).to_be_bytes());
    out.extend_from_slice(body);
    out
}

/// A PROXY header for the default client through the AWS endpoint.
pub fn aws_header() -> Vec<u8> {
    v2(CMD_PROXY, addr(CLIENT), addr(LB_FRONT), &[aws(AWS_ID)])
}

/// `header` followed by `request`.
pub fn with(header: Vec<u8>, request: &[u8]) -> Vec<u8> {
    let mut out = header;
    out.extend_from_slice(request);
    out
}
