//! Why a PROXY header was refused.

use std::fmt;

/// A header that cannot be accepted. Every variant means "close the connection, forward nothing".
///
/// [`ProxyError::reason`] is a stable, low-cardinality label for metrics and audit records;
/// `Display` is for humans reading logs and includes the offending values.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ProxyError {
    /// The first bytes cannot start any PROXY header (e.g. the client spoke HTTP directly).
    NotProxy,
    /// The bytes started like the v2 signature but diverged from it.
    BadSignature,
    /// v2 version nibble was not 2.
    BadVersion(u8),
    /// v2 command nibble was neither LOCAL (0) nor PROXY (1).
    BadCommand(u8),
    /// v2 family/transport byte is not one of the defined combinations.
    BadFamily(u8),
    /// The header is longer than allowed: a v1 line without CRLF within 107 bytes, or a v2
    /// header whose declared length exceeds the configured limit.
    TooLong {
        limit: usize,
        declared: Option<usize>,
    },
    /// The v2 length cannot hold the address block its family requires.
    BadAddressLength {
        family: u8,
        needed: usize,
        declared: usize,
    },
    /// A TLV (or an SSL sub-TLV) runs past the end of its container.
    TruncatedTlv { offset: usize },
    /// A single-valued TLV appeared twice, or two endpoint-identity TLVs appeared.
    DuplicateTlv(u8),
    /// A TLV's value does not follow its type's format.
    BadTlv { tlv_type: u8, detail: &'static str },
    /// A cloud endpoint TLV (AWS 0xEA, GCP 0xE0, Azure 0xEE) is malformed.
    BadEndpointTlv { tlv_type: u8, detail: &'static str },
    /// The CRC32C TLV is not 4 bytes long.
    BadCrcLength(usize),
    /// The CRC32C TLV does not match the header.
    BadCrc { expected: u32, computed: u32 },
    /// The v1 line breaks the grammar.
    BadV1(&'static str),
}

impl ProxyError {
    /// Stable label for metrics and audit; never changes meaning between releases.
    pub fn reason(&self) -> &'static str {
        match self {
            ProxyError::NotProxy => "not_proxy",
            ProxyError::BadSignature => "bad_signature",
            ProxyError::BadVersion(_) => "bad_version",
            ProxyError::BadCommand(_) => "bad_command",
            ProxyError::BadFamily(_) => "bad_family",
            ProxyError::TooLong { .. } => "too_long",
            ProxyError::BadAddressLength { .. } => "bad_address_length",
            ProxyError::TruncatedTlv { .. } => "truncated_tlv",
            ProxyError::DuplicateTlv(_) => "duplicate_tlv",
            ProxyError::BadTlv { .. } => "bad_tlv",
            ProxyError::BadEndpointTlv { .. } => "bad_endpoint_tlv",
            ProxyError::BadCrcLength(_) | ProxyError::BadCrc { .. } => "bad_crc",
            ProxyError::BadV1(_) => "bad_v1",
        }
    }
}

impl fmt::Display for ProxyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProxyError::NotProxy => f.write_str(
                "connection did not start with a PROXY protocol header \
                 (is the client bypassing the load balancer?)",
            ),
            ProxyError::BadSignature => f.write_str("PROXY v2 signature mismatch"),
            ProxyError::BadVersion(v) => write!(f, "PROXY v2 version {v} is not supported"),
            ProxyError::BadCommand(c) => write!(f, "PROXY v2 command {c:#x} is not LOCAL or PROXY"),
            ProxyError::BadFamily(b) => write!(f, "PROXY v2 family/transport byte {b:#04x} is invalid"),
            ProxyError::TooLong {
                limit,
                declared: Some(declared),
            } => write!(f, "PROXY header of {declared} bytes exceeds the {limit}-byte limit"),
            ProxyError::TooLong {
                limit,
                declared: None,
            } => write!(f, "PROXY v1 line has no CRLF within {limit} bytes"),
            ProxyError::BadAddressLength {
                family,
                needed,
                declared,
            } => write!(
                f,
                "PROXY v2 family {family:#04x} needs {needed} address bytes but the header declares {declared}"
            ),
            ProxyError::TruncatedTlv { offset } => {
                write!(f, "PROXY v2 TLV at byte {offset} is truncated")
            }
            ProxyError::DuplicateTlv(t) => write!(f, "PROXY v2 TLV {t:#04x} appears more than once"),
            ProxyError::BadTlv { tlv_type, detail } => {
                write!(f, "PROXY v2 TLV {tlv_type:#04x} is malformed: {detail}")
            }
            ProxyError::BadEndpointTlv { tlv_type, detail } => {
                write!(f, "PROXY v2 endpoint TLV {tlv_type:#04x} is malformed: {detail}")
            }
            ProxyError::BadCrcLength(len) => {
                write!(f, "PROXY v2 CRC32C TLV has {len} bytes, expected 4")
            }
            ProxyError::BadCrc { expected, computed } => write!(
                f,
                "PROXY v2 CRC32C mismatch: header says {expected:#010x}, computed {computed:#010x}"
            ),
            ProxyError::BadV1(detail) => write!(f, "malformed PROXY v1 line: {detail}"),
        }
    }
}

impl std::error::Error for ProxyError {}
