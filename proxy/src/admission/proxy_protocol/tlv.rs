//! PROXY v2 TLVs: walk every one, keep what admission needs, verify the CRC.
//!
//! Every TLV is walked (not only the ones we use) so that a truncated or overlapping TLV anywhere
//! rejects the header: a header two parsers could read differently must not be trusted.

use super::{EndpointId, ProxyError, SslInfo};

pub(super) const PP2_TYPE_ALPN: u8 = 0x01;
pub(super) const PP2_TYPE_AUTHORITY: u8 = 0x02;
pub(super) const PP2_TYPE_CRC32C: u8 = 0x03;
pub(super) const PP2_TYPE_NOOP: u8 = 0x04;
pub(super) const PP2_TYPE_UNIQUE_ID: u8 = 0x05;
pub(super) const PP2_TYPE_SSL: u8 = 0x20;
pub(super) const PP2_TYPE_GCP: u8 = 0xE0;
pub(super) const PP2_TYPE_AWS: u8 = 0xEA;
pub(super) const PP2_TYPE_AZURE: u8 = 0xEE;

/// AWS subtype carrying the VPC endpoint id.
pub(super) const PP2_SUBTYPE_AWS_VPCE_ID: u8 = 0x01;
/// Azure subtype carrying the private endpoint LINKID.
pub(super) const PP2_SUBTYPE_AZURE_LINKID: u8 = 0x01;

const PP2_SUBTYPE_SSL_VERSION: u8 = 0x21;
const PP2_SUBTYPE_SSL_CN: u8 = 0x22;

/// The specification caps UNIQUE_ID at 128 bytes.
pub(super) const MAX_UNIQUE_ID_LEN: usize = 128;

/// Type byte + 16-bit length.
const TLV_HEAD_LEN: usize = 3;

/// Hex digits after `vpce-`: 17 today, 8 for older endpoints; allow a little headroom.
const VPCE_HEX_LEN: std::ops::RangeInclusive<usize> = 8..=32;

/// What the TLV walk collected.
#[derive(Default)]
pub(super) struct Tlvs {
    pub endpoint: Option<EndpointId>,
    pub unique_id: Option<Vec<u8>>,
    pub alpn: Option<Vec<u8>>,
    pub authority: Option<String>,
    pub ssl: Option<SslInfo>,
    pub crc_verified: bool,
}

/// One TLV borrowed from its container; `offset` is where its type byte sits.
struct Tlv<'a> {
    kind: u8,
    value: &'a [u8],
    offset: usize,
}

/// Iterates over TLVs in `data[start..]`, yielding an error (once) for a truncated one.
struct Walk<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Iterator for Walk<'a> {
    type Item = Result<Tlv<'a>, ProxyError>;

    fn next(&mut self) -> Option<Self::Item> {
        let rest = self.data.get(self.pos..)?;
        if rest.is_empty() {
            return None;
        }
        let offset = self.pos;
        // Stop iterating after an error: nothing after a truncated TLV is meaningful.
        self.pos = self.data.len();
        let [kind, hi, lo, ..] = *rest else {
            return Some(Err(ProxyError::TruncatedTlv { offset }));
        };
        let len = usize::from(u16::from_be_bytes([hi, lo]));
        let Some(value) = rest.get(TLV_HEAD_LEN..TLV_HEAD_LEN + len) else {
            return Some(Err(ProxyError::TruncatedTlv { offset }));
        };
        self.pos = offset + TLV_HEAD_LEN + len;
        Some(Ok(Tlv {
            kind,
            value,
            offset,
        }))
    }
}

/// Walks the TLVs of a complete v2 `header` starting at byte `start`.
pub(super) fn parse_all(header: &[u8], start: usize) -> Result<Tlvs, ProxyError> {
    let mut out = Tlvs::default();
    let mut crc_at = None;
    for tlv in (Walk {
        data: header,
        pos: start,
    }) {
        let tlv = tlv?;
        match tlv.kind {
            PP2_TYPE_ALPN => set_once(&mut out.alpn, tlv.kind, tlv.value.to_vec())?,
            PP2_TYPE_AUTHORITY => {
                let host = std::str::from_utf8(tlv.value).map_err(|_| ProxyError::BadTlv {
                    tlv_type: tlv.kind,
                    detail: "authority is not UTF-8",
                })?;
                set_once(&mut out.authority, tlv.kind, host.to_owned())?;
            }
            PP2_TYPE_CRC32C => {
                if tlv.value.len() != 4 {
                    return Err(ProxyError::BadCrcLength(tlv.value.len()));
                }
                set_once(&mut crc_at, tlv.kind, tlv.offset + TLV_HEAD_LEN)?;
            }
            PP2_TYPE_NOOP => {}
            PP2_TYPE_UNIQUE_ID => {
                if tlv.value.len() > MAX_UNIQUE_ID_LEN {
                    return Err(ProxyError::BadTlv {
                        tlv_type: tlv.kind,
                        detail: "unique id longer than 128 bytes",
                    });
                }
                set_once(&mut out.unique_id, tlv.kind, tlv.value.to_vec())?;
            }
            PP2_TYPE_SSL => set_once(&mut out.ssl, tlv.kind, ssl(tlv.value, tlv.offset)?)?,
            PP2_TYPE_AWS | PP2_TYPE_GCP | PP2_TYPE_AZURE => {
                if let Some(id) = endpoint(tlv.kind, tlv.value)? {
                    // Two identities (even from different clouds) make the header ambiguous.
                    set_once(&mut out.endpoint, tlv.kind, id)?;
                }
            }
            // Unknown and reserved types carry nothing admission relies on.
            _ => {}
        }
    }
    if let Some(at) = crc_at {
        verify_crc(header, at)?;
        out.crc_verified = true;
    }
    Ok(out)
}

fn set_once<T>(slot: &mut Option<T>, kind: u8, value: T) -> Result<(), ProxyError> {
    if slot.is_some() {
        return Err(ProxyError::DuplicateTlv(kind));
    }
    *slot = Some(value);
    Ok(())
}

/// Decodes a cloud endpoint TLV. Unknown subtypes of AWS/Azure TLVs are not identities and yield
/// `None`; a known subtype with a malformed value is an error.
fn endpoint(kind: u8, value: &[u8]) -> Result<Option<EndpointId>, ProxyError> {
    let bad = |detail| ProxyError::BadEndpointTlv {
        tlv_type: kind,
        detail,
    };
    match kind {
        PP2_TYPE_GCP => {
            let bytes: [u8; 8] = value
                .try_into()
                .map_err(|_| bad("GCP PSC connection id must be 8 bytes"))?;
            Ok(Some(EndpointId::Gcp(u64::from_be_bytes(bytes))))
        }
        PP2_TYPE_AWS => match value.split_first() {
            None => Err(bad("AWS TLV has no subtype")),
            Some((&PP2_SUBTYPE_AWS_VPCE_ID, id)) => {
                let hex = id
                    .strip_prefix(b"vpce-")
                    .ok_or(bad("AWS VPC endpoint id must start with vpce-"))?;
                let hex_ok = VPCE_HEX_LEN.contains(&hex.len())
                    && hex.iter().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
                if !hex_ok {
                    return Err(bad("AWS VPC endpoint id must be vpce- and lowercase hex"));
                }
                // Checked ASCII above.
                let id = String::from_utf8(id.to_vec()).map_err(|_| bad("not ASCII"))?;
                Ok(Some(EndpointId::Aws(id)))
            }
            Some(_) => Ok(None),
        },
        PP2_TYPE_AZURE => match value.split_first() {
            None => Err(bad("Azure TLV has no subtype")),
            Some((&PP2_SUBTYPE_AZURE_LINKID, id)) => {
                let bytes: [u8; 4] = id
                    .try_into()
                    .map_err(|_| bad("Azure LINKID must be 4 bytes"))?;
                Ok(Some(EndpointId::Azure(u32::from_le_bytes(bytes))))
            }
            Some(_) => Ok(None),
        },
        _ => Ok(None),
    }
}

/// PP2_TYPE_SSL: client flags (1 byte), verify result (4 bytes BE), then sub-TLVs. Only the
/// version and client CN are kept; every sub-TLV is still bounds-checked.
fn ssl(value: &[u8], offset: usize) -> Result<SslInfo, ProxyError> {
    let Some((&client, rest)) = value.split_first() else {
        return Err(ProxyError::BadTlv {
            tlv_type: PP2_TYPE_SSL,
            detail: "SSL TLV shorter than 5 bytes",
        });
    };
    let Some((verify, subs)) = rest.split_first_chunk::<4>() else {
        return Err(ProxyError::BadTlv {
            tlv_type: PP2_TYPE_SSL,
            detail: "SSL TLV shorter than 5 bytes",
        });
    };
    let mut info = SslInfo {
        client,
        verify: u32::from_be_bytes(*verify),
        version: None,
        common_name: None,
    };
    let sub_start = offset + TLV_HEAD_LEN + 5;
    for sub in (Walk { data: subs, pos: 0 }) {
        let sub = sub.map_err(|e| match e {
            ProxyError::TruncatedTlv { offset } => ProxyError::TruncatedTlv {
                offset: sub_start + offset,
            },
            other => other,
        })?;
        let slot = match sub.kind {
            PP2_SUBTYPE_SSL_VERSION => &mut info.version,
            PP2_SUBTYPE_SSL_CN => &mut info.common_name,
            _ => continue,
        };
        let text = std::str::from_utf8(sub.value).map_err(|_| ProxyError::BadTlv {
            tlv_type: sub.kind,
            detail: "SSL sub-TLV is not UTF-8",
        })?;
        set_once(slot, sub.kind, text.to_owned())?;
    }
    Ok(info)
}

/// Checks the CRC32C TLV whose 4-byte value starts at `value_at`: the checksum covers the whole
/// header with those 4 bytes taken as zero (RFC 4960 CRC32c, stored big-endian).
fn verify_crc(header: &[u8], value_at: usize) -> Result<(), ProxyError> {
    let (before, rest) = header
        .split_at_checked(value_at)
        .ok_or(ProxyError::BadCrcLength(0))?;
    let (stored, after) = rest
        .split_first_chunk::<4>()
        .ok_or(ProxyError::BadCrcLength(rest.len()))?;
    let expected = u32::from_be_bytes(*stored);
    let computed = crc32c_with_hole(before, after);
    if computed != expected {
        return Err(ProxyError::BadCrc { expected, computed });
    }
    Ok(())
}

/// CRC32C of `before ++ [0; 4] ++ after`, without copying the header.
pub(super) fn crc32c_with_hole(before: &[u8], after: &[u8]) -> u32 {
    let crc = crc32c::crc32c(before);
    let crc = crc32c::crc32c_append(crc, &[0; 4]);
    crc32c::crc32c_append(crc, after)
}
