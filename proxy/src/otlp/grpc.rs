//! gRPC over HTTP/2 without a framework: length-prefixed messages, status
//! trailers, and the OTLP retry rules (RetryInfo in grpc-status-details-bin).

use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::{BufMut, Bytes, BytesMut};
use http::{HeaderMap, HeaderValue};
use http_body::{Body, Frame, SizeHint};

/// gRPC status codes used by OTLP.
pub mod code {
    pub const OK: i32 = 0;
    pub const CANCELLED: i32 = 1;
    pub const UNKNOWN: i32 = 2;
    pub const INVALID_ARGUMENT: i32 = 3;
    pub const DEADLINE_EXCEEDED: i32 = 4;
    pub const NOT_FOUND: i32 = 5;
    pub const PERMISSION_DENIED: i32 = 7;
    pub const RESOURCE_EXHAUSTED: i32 = 8;
    pub const ABORTED: i32 = 10;
    pub const OUT_OF_RANGE: i32 = 11;
    pub const UNIMPLEMENTED: i32 = 12;
    pub const INTERNAL: i32 = 13;
    pub const UNAVAILABLE: i32 = 14;
    pub const DATA_LOSS: i32 = 15;
    pub const UNAUTHENTICATED: i32 = 16;
}

/// Whether an OTLP exporter may retry this status (RESOURCE_EXHAUSTED only with RetryInfo).
pub fn is_retryable(code: i32, has_retry_info: bool) -> bool {
    matches!(
        code,
        code::CANCELLED
            | code::DEADLINE_EXCEEDED
            | code::ABORTED
            | code::OUT_OF_RANGE
            | code::UNAVAILABLE
            | code::DATA_LOSS
    ) || (code == code::RESOURCE_EXHAUSTED && has_retry_info)
}

#[derive(Debug, PartialEq, Eq)]
pub enum FrameError {
    Truncated,
    TrailingData,
    TooLarge,
}

impl FrameError {
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Truncated => "truncated gRPC message frame",
            Self::TrailingData => "more than one gRPC message in a unary request",
            Self::TooLarge => "gRPC message exceeds the size limit",
        }
    }
}

/// Splits the single length-prefixed message of a unary call: (compressed, message).
pub fn unframe(body: &Bytes, limit: usize) -> Result<(bool, Bytes), FrameError> {
    if body.len() < 5 {
        return Err(FrameError::Truncated);
    }
    let compressed = body[0] == 1;
    let len = u32::from_be_bytes([body[1], body[2], body[3], body[4]]) as usize;
    if len > limit {
        return Err(FrameError::TooLarge);
    }
    if body.len() < 5 + len {
        return Err(FrameError::Truncated);
    }
    if body.len() > 5 + len {
        return Err(FrameError::TrailingData);
    }
    Ok((compressed, body.slice(5..5 + len)))
}

/// The 5-byte prefix for a message of `len` bytes.
pub fn prefix(compressed: bool, len: usize) -> [u8; 5] {
    let l = (len as u32).to_be_bytes();
    [u8::from(compressed), l[0], l[1], l[2], l[3]]
}

/// A prefixed message as one buffer (responses are small).
pub fn frame(msg: &[u8]) -> Bytes {
    let mut b = BytesMut::with_capacity(msg.len() + 5);
    b.put_slice(&prefix(false, msg.len()));
    b.put_slice(msg);
    b.freeze()
}

/// Trailers carrying a status, message and optional details.
pub fn status_trailers(code: i32, message: &str, details: Option<&[u8]>) -> HeaderMap {
    let mut h = HeaderMap::new();
    h.insert("grpc-status", HeaderValue::from(code));
    if !message.is_empty() {
        if let Ok(v) = HeaderValue::from_str(&percent_encode(message)) {
            h.insert("grpc-message", v);
        }
    }
    if let Some(d) = details {
        if let Ok(v) = HeaderValue::from_str(&crate::base64::encode(d)) {
            h.insert("grpc-status-details-bin", v);
        }
    }
    h
}

/// grpc-message is percent-encoded outside printable ASCII.
fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if (0x20..0x7F).contains(&b) && b != b'%' {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Reads the retry delay of a `google.rpc.Status` carrying `google.rpc.RetryInfo`.
pub fn retry_delay_from_status(status: &[u8]) -> Option<Duration> {
    for (num, val) in fields(status) {
        if num != 3 {
            continue;
        }
        let mut is_retry_info = false;
        let mut info: &[u8] = &[];
        for (n, v) in fields(val) {
            match n {
                1 => is_retry_info = v == super::response::RETRY_INFO_TYPE.as_bytes(),
                2 => info = v,
                _ => {}
            }
        }
        if !is_retry_info {
            continue;
        }
        for (n, dur) in fields(info) {
            if n == 1 {
                let (mut secs, mut nanos) = (0u64, 0u64);
                for (k, v) in varints(dur) {
                    match k {
                        1 => secs = v,
                        2 => nanos = v,
                        _ => {}
                    }
                }
                return Some(
                    Duration::from_secs(secs.min(3600))
                        + Duration::from_nanos(nanos.min(999_999_999)),
                );
            }
        }
    }
    None
}

fn read_varint(b: &[u8], pos: &mut usize) -> Option<u64> {
    let mut v = 0u64;
    for i in 0..10 {
        let byte = *b.get(*pos)?;
        *pos += 1;
        v |= u64::from(byte & 0x7F) << (7 * i);
        if byte < 0x80 {
            return Some(v);
        }
    }
    None
}

/// Length-delimited fields of a message (other wire types skipped); stops on malformed input.
fn fields(b: &[u8]) -> impl Iterator<Item = (u64, &[u8])> {
    let mut pos = 0;
    std::iter::from_fn(move || loop {
        let tag = read_varint(b, &mut pos)?;
        match tag & 7 {
            0 => {
                read_varint(b, &mut pos)?;
            }
            1 => pos += 8,
            5 => pos += 4,
            2 => {
                let len = read_varint(b, &mut pos)? as usize;
                let v = b.get(pos..pos.checked_add(len)?)?;
                pos += len;
                return Some((tag >> 3, v));
            }
            _ => return None,
        }
    })
}

/// Varint fields of a message; stops on malformed input.
fn varints(b: &[u8]) -> impl Iterator<Item = (u64, u64)> + '_ {
    let mut pos = 0;
    std::iter::from_fn(move || loop {
        let tag = read_varint(b, &mut pos)?;
        match tag & 7 {
            0 => return Some((tag >> 3, read_varint(b, &mut pos)?)),
            1 => pos += 8,
            5 => pos += 4,
            2 => {
                let len = read_varint(b, &mut pos)? as usize;
                pos += len;
            }
            _ => return None,
        }
    })
}

/// A response body of data chunks followed by trailers (gRPC needs both).
#[derive(Debug, Default)]
pub struct ChunksBody {
    chunks: std::collections::VecDeque<Bytes>,
    trailers: Option<HeaderMap>,
}

impl ChunksBody {
    pub fn new(chunks: impl IntoIterator<Item = Bytes>, trailers: Option<HeaderMap>) -> Self {
        Self {
            chunks: chunks.into_iter().filter(|c| !c.is_empty()).collect(),
            trailers,
        }
    }
}

impl Body for ChunksBody {
    type Data = Bytes;
    type Error = std::convert::Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        if let Some(c) = self.chunks.pop_front() {
            return Poll::Ready(Some(Ok(Frame::data(c))));
        }
        Poll::Ready(self.trailers.take().map(|t| Ok(Frame::trailers(t))))
    }

    fn is_end_stream(&self) -> bool {
        self.chunks.is_empty() && self.trailers.is_none()
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.chunks.iter().map(|c| c.len() as u64).sum())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unframe_rules() {
        let f = frame(b"abc");
        assert_eq!(unframe(&f, 10), Ok((false, Bytes::from_static(b"abc"))));
        assert_eq!(unframe(&f.slice(..6), 10), Err(FrameError::Truncated));
        let mut two = f.to_vec();
        two.extend_from_slice(&f);
        assert_eq!(
            unframe(&Bytes::from(two), 10),
            Err(FrameError::TrailingData)
        );
        assert_eq!(unframe(&f, 2), Err(FrameError::TooLarge));
    }

    #[test]
    fn retry_info_roundtrip() {
        let st = super::super::response::status_proto(
            code::RESOURCE_EXHAUSTED,
            "full",
            Some(Duration::from_millis(2500)),
        );
        assert_eq!(
            retry_delay_from_status(&st),
            Some(Duration::from_millis(2500))
        );
        assert_eq!(retry_delay_from_status(b"\x08\x08"), None);
        assert!(is_retryable(code::UNAVAILABLE, false));
        assert!(!is_retryable(code::RESOURCE_EXHAUSTED, false));
        assert!(is_retryable(code::RESOURCE_EXHAUSTED, true));
        assert!(!is_retryable(code::INVALID_ARGUMENT, true));
    }

    #[test]
    fn grpc_message_is_percent_encoded() {
        assert_eq!(percent_encode("a b%ü"), "a b%25%C3%BC");
    }
}
