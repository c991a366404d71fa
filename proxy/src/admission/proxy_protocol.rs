//! PROXY protocol v1 and v2 header parsing (sans-IO, incremental).
//!
//! The listener accumulates bytes from the socket (a header may arrive split across TCP segments,
//! even one byte at a time) and calls [`parse`] after each read:
//!
//! * [`Parsed::Incomplete`]: keep reading (the header timeout is the listener's job);
//! * [`Parsed::Complete`]: the header occupies `buf[..consumed]`, the client's bytes follow;
//! * `Err(_)`: close the connection without forwarding anything.
//!
//! An error is returned as soon as the bytes seen so far can no longer begin a valid header, so a
//! client that speaks plain HTTP to a listener requiring PROXY is refused on its first byte rather
//! than after a timeout. Once `parse` returns an error for a prefix it returns an error for every
//! extension of that prefix, and a `Complete` verdict never changes as more bytes arrive.
//!
//! Grammar is strict on purpose: this parser guards a trust boundary, and every leniency (extra
//! spaces, leading zeros, unknown families, truncated TLVs) is a place where two parsers could
//! disagree about what a header says.

mod encode;
mod error;
pub mod policy;
mod tlv;
mod v1;
mod v2;

#[cfg(test)]
mod prop_tests;
#[cfg(test)]
mod tests;

use std::fmt;
use std::net::SocketAddr;

pub use encode::{encode_v1, encode_v2, EncodeError, V2Spec};
pub use error::ProxyError;

/// The 12-byte signature that starts every v2 header.
pub const V2_SIGNATURE: [u8; 12] = [
    0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A,
];

/// Length of the fixed part of a v2 header (signature, version/command, family, length).
pub const V2_FIXED_LEN: usize = 16;

/// The largest v2 header the wire format can express (the length field is a u16).
pub const V2_MAX_LEN: usize = V2_FIXED_LEN + u16::MAX as usize;

/// The largest v1 header, CRLF included, as fixed by the specification.
pub const V1_MAX_LEN: usize = 107;

/// Size limits applied while parsing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Largest v2 header accepted, fixed part and TLVs included. A header declaring more is
    /// refused as soon as its length field arrives, before the body is buffered. Clamped to
    /// `16..=16 + 65535`. v1 headers are always bounded by [`V1_MAX_LEN`].
    pub max_header_len: usize,
}

impl Limits {
    /// Default bound: generous for addresses plus cloud TLVs, small enough to keep per-connection
    /// buffering trivial.
    pub const DEFAULT_MAX_HEADER_LEN: usize = 1024;

    /// The bound actually enforced for v2 headers.
    pub fn effective_max_len(&self) -> usize {
        self.max_header_len.clamp(V2_FIXED_LEN, V2_MAX_LEN)
    }
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_header_len: Self::DEFAULT_MAX_HEADER_LEN,
        }
    }
}

/// Outcome of a successful [`parse`] call.
#[derive(Clone, Debug, PartialEq, Eq)]
#[expect(
    clippy::large_enum_variant,
    reason = "parsed once per connection and moved straight out; a Box would only add an allocation"
)]
pub enum Parsed {
    /// The bytes so far are a valid beginning of a header; read at least `needed_hint` more
    /// bytes (a lower bound, never zero) and call again with the whole buffer.
    Incomplete { needed_hint: usize },
    /// A whole header was parsed from `buf[..consumed]`; the proxied stream starts after it.
    Complete {
        header: ProxyHeader,
        consumed: usize,
    },
}

/// Protocol version the header was written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Version {
    V1,
    V2,
}

/// What the sender asks the receiver to do with the connection.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Command {
    /// The connection was opened by the proxy itself (e.g. a load balancer health check): use the
    /// real socket endpoints, there are no client addresses.
    Local,
    /// The connection is relayed on behalf of the client named in the header.
    #[default]
    Proxy,
}

/// Address family announced by the header.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Family {
    Unspec,
    Inet,
    Inet6,
    Unix,
}

/// Transport protocol announced by the header.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Transport {
    Unspec,
    #[default]
    Stream,
    Datagram,
}

/// Identity of the private endpoint a connection came through, taken from a cloud TLV.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum EndpointId {
    /// AWS PrivateLink VPC endpoint id (`vpce-` followed by lowercase hex).
    Aws(String),
    /// GCP Private Service Connect connection id.
    Gcp(u64),
    /// Azure Private Link LINKID.
    Azure(u32),
}

impl fmt::Display for EndpointId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EndpointId::Aws(id) => write!(f, "aws:{id}"),
            EndpointId::Gcp(id) => write!(f, "gcp:{id}"),
            EndpointId::Azure(id) => write!(f, "azure:{id}"),
        }
    }
}

/// The PP2_TYPE_SSL TLV: what the sender knows about the client's TLS session.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SslInfo {
    /// PP2_CLIENT_* bit field (0x01 SSL, 0x02 certificate on connection, 0x04 on session).
    pub client: u8,
    /// Zero when the client presented a certificate that verified.
    pub verify: u32,
    /// PP2_SUBTYPE_SSL_VERSION, e.g. `TLSv1.3`.
    pub version: Option<String>,
    /// PP2_SUBTYPE_SSL_CN: the client certificate's common name.
    pub common_name: Option<String>,
}

/// A parsed PROXY header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProxyHeader {
    pub version: Version,
    pub command: Command,
    pub family: Family,
    pub transport: Transport,
    /// The original client address. `None` for LOCAL, UNSPEC/UNKNOWN and AF_UNIX headers.
    pub source: Option<SocketAddr>,
    /// The address the client connected to. `None` whenever `source` is.
    pub destination: Option<SocketAddr>,
    /// Private endpoint identity from an AWS, GCP or Azure TLV (v2 only).
    pub endpoint: Option<EndpointId>,
    /// PP2_TYPE_UNIQUE_ID: an opaque connection id of at most 128 bytes, useful for audit.
    pub unique_id: Option<Vec<u8>>,
    /// PP2_TYPE_ALPN: the protocol negotiated by the sender with the client.
    pub alpn: Option<Vec<u8>>,
    /// PP2_TYPE_AUTHORITY: the host name the client asked for (SNI).
    pub authority: Option<String>,
    /// PP2_TYPE_SSL, parsed minimally.
    pub ssl: Option<SslInfo>,
    /// True when a CRC32C TLV was present and matched (a mismatch is an error, not `false`).
    pub crc_verified: bool,
}

/// Parses a PROXY header from the start of `buf`.
///
/// Dispatches on the first byte: `P` can only start v1, `0x0D` only v2, anything else is
/// [`ProxyError::NotProxy`]. See the module docs for the incremental contract.
pub fn parse(buf: &[u8], limits: &Limits) -> Result<Parsed, ProxyError> {
    match buf.first() {
        None => Ok(Parsed::Incomplete {
            needed_hint: v1::MIN_LEN,
        }),
        Some(b'P') => v1::parse(buf),
        Some(&b) if b == V2_SIGNATURE[0] => v2::parse(buf, limits),
        Some(_) => Err(ProxyError::NotProxy),
    }
}
