//! Byte-level helpers shared by the generator and the sink: gzip and gRPC
//! message framing (1 byte compressed flag, 4 bytes big-endian length).

use std::io::{Read, Write};

use bytes::{BufMut, Bytes, BytesMut};
use flate2::read::GzDecoder;
use flate2::write::GzEncoder;
use flate2::Compression;

/// gzip-compresses `data` (default level, like the OTel SDKs).
pub fn gzip(data: &[u8]) -> Vec<u8> {
    let mut enc = GzEncoder::new(
        Vec::with_capacity(data.len() / 4 + 64),
        Compression::default(),
    );
    // Writing to a Vec cannot fail.
    let _ = enc.write_all(data);
    enc.finish().unwrap_or_default()
}

/// Decompresses gzip `data`, refusing output larger than `limit` bytes.
pub fn gunzip(data: &[u8], limit: usize) -> Result<Vec<u8>, String> {
    let mut out = Vec::with_capacity(data.len().saturating_mul(4).min(limit));
    let mut dec = GzDecoder::new(data).take(limit as u64 + 1);
    dec.read_to_end(&mut out)
        .map_err(|e| format!("bad gzip: {e}"))?;
    if out.len() > limit {
        return Err(format!("decompressed body exceeds {limit} bytes"));
    }
    Ok(out)
}

/// One gRPC length-prefixed message.
pub fn grpc_frame(msg: &[u8], compressed: bool) -> Bytes {
    let mut b = BytesMut::with_capacity(5 + msg.len());
    b.put_u8(u8::from(compressed));
    b.put_u32(msg.len() as u32);
    b.put_slice(msg);
    b.freeze()
}

/// The messages of a gRPC body: `(compressed, message)` pairs.
pub fn grpc_messages(mut body: &[u8]) -> Result<Vec<(bool, &[u8])>, String> {
    let mut out = Vec::new();
    while !body.is_empty() {
        if body.len() < 5 {
            return Err("truncated gRPC message prefix".into());
        }
        let compressed = match body[0] {
            0 => false,
            1 => true,
            f => return Err(format!("bad gRPC compressed flag {f}")),
        };
        let len = u32::from_be_bytes([body[1], body[2], body[3], body[4]]) as usize;
        let rest = &body[5..];
        if rest.len() < len {
            return Err("truncated gRPC message".into());
        }
        out.push((compressed, &rest[..len]));
        body = &rest[len..];
    }
    Ok(out)
}

/// The gRPC status code for an HTTP status, per the gRPC HTTP mapping, so
/// that the sink's `--fail-status` means the same thing on both transports.
pub fn grpc_code_for_http(status: u16) -> u32 {
    match status {
        400 => 3,        // INVALID_ARGUMENT (the OTLP "bad data, do not retry" answer)
        401 => 16,       // UNAUTHENTICATED
        403 => 7,        // PERMISSION_DENIED
        404 => 12,       // UNIMPLEMENTED
        429 => 8,        // RESOURCE_EXHAUSTED
        502..=504 => 14, // UNAVAILABLE
        _ => 2,          // UNKNOWN
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gzip_round_trip_and_limit() {
        let data = b"hello hello hello hello".repeat(100);
        let z = gzip(&data);
        assert!(z.len() < data.len());
        assert_eq!(gunzip(&z, data.len()).unwrap(), data);
        assert!(gunzip(&z, data.len() - 1).is_err());
        assert!(gunzip(b"not gzip", 100).is_err());
    }

    #[test]
    fn grpc_framing_round_trip() {
        let mut body = grpc_frame(b"abc", false).to_vec();
        body.extend_from_slice(&grpc_frame(b"", true));
        let msgs = grpc_messages(&body).unwrap();
        assert_eq!(msgs, vec![(false, &b"abc"[..]), (true, &b""[..])]);
        assert!(grpc_messages(&body[..4]).is_err());
        assert!(grpc_messages(&body[..7]).is_err());
        assert!(grpc_messages(&[2, 0, 0, 0, 0]).is_err());
    }
}
