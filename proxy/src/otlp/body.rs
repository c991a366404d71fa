//! Reading a request body once into `Bytes`, within limits, and bounded gzip
//! decompression (a gzip bomb stops at the limit, it is never inflated whole).

use std::io::Read;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use http_body::Body;
use http_body_util::BodyExt;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BodyError {
    /// The body (or its decompressed form) exceeds the limit.
    TooLarge { limit: usize },
    /// The client stopped sending before the deadline.
    Timeout,
    /// The connection failed mid-body.
    Aborted,
    /// Not valid gzip.
    BadGzip,
}

impl std::fmt::Display for BodyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::TooLarge { limit } => {
                write!(f, "request body exceeds the limit of {limit} bytes")
            }
            Self::Timeout => f.write_str("request body not received within the read timeout"),
            Self::Aborted => f.write_str("request body aborted"),
            Self::BadGzip => f.write_str("request body is not valid gzip"),
        }
    }
}

/// Collects a body, refusing early when `Content-Length` or the running total
/// exceeds `limit`. A single-chunk body is kept without a copy; more chunks
/// are joined into one buffer of the exact size.
pub async fn read<B>(
    body: B,
    content_length: Option<u64>,
    limit: usize,
    timeout: Duration,
) -> Result<Bytes, BodyError>
where
    B: Body<Data = Bytes>,
{
    let (mut frames, total) = read_frames(body, content_length, limit, timeout).await?;
    Ok(match frames.len() {
        0 => Bytes::new(),
        1 => frames.swap_remove(0),
        _ => {
            let mut joined = BytesMut::with_capacity(total);
            for f in &frames {
                joined.extend_from_slice(f);
            }
            joined.freeze()
        }
    })
}

/// Like [`read`], but keeps the body as the frames it arrived in, for a
/// caller that only passes it on (the admission proxy): no copy into one
/// buffer, and no buffer as large as the body allocated per request.
/// Returns the frames and their total length.
pub async fn read_frames<B>(
    body: B,
    content_length: Option<u64>,
    limit: usize,
    timeout: Duration,
) -> Result<(Vec<Bytes>, usize), BodyError>
where
    B: Body<Data = Bytes>,
{
    if content_length.is_some_and(|n| n > limit as u64) {
        return Err(BodyError::TooLarge { limit });
    }
    match tokio::time::timeout(timeout, collect_frames(body, limit)).await {
        Ok(r) => r,
        Err(_) => Err(BodyError::Timeout),
    }
}

async fn collect_frames<B>(body: B, limit: usize) -> Result<(Vec<Bytes>, usize), BodyError>
where
    B: Body<Data = Bytes>,
{
    let mut body = std::pin::pin!(body);
    let mut frames = Vec::new();
    let mut total = 0usize;
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|_| BodyError::Aborted)?;
        let Ok(data) = frame.into_data() else {
            continue;
        };
        total += data.len();
        if total > limit {
            return Err(BodyError::TooLarge { limit });
        }
        if !data.is_empty() {
            frames.push(data);
        }
    }
    Ok((frames, total))
}

/// Inflates gzip (multi-member allowed) up to `limit` bytes of output.
pub fn gunzip(data: &[u8], limit: usize) -> Result<Bytes, BodyError> {
    let mut decoder = flate2::read::MultiGzDecoder::new(data).take(limit as u64 + 1);
    let mut out = Vec::with_capacity(data.len().saturating_mul(4).min(limit).min(1 << 20));
    decoder
        .read_to_end(&mut out)
        .map_err(|_| BodyError::BadGzip)?;
    if out.len() > limit {
        return Err(BodyError::TooLarge { limit });
    }
    Ok(Bytes::from(out))
}

/// Compresses with gzip (exporters).
pub fn gzip(data: &[u8]) -> Bytes {
    gzip_parts(&[data])
}

/// Compresses buffers sent back to back as one gzip member (an export
/// batch), without joining them first.
pub fn gzip_parts<T: AsRef<[u8]>>(parts: &[T]) -> Bytes {
    use std::io::Write;
    let len: usize = parts.iter().map(|p| p.as_ref().len()).sum();
    let mut enc = flate2::write::GzEncoder::new(
        Vec::with_capacity(len / 4 + 64),
        flate2::Compression::fast(),
    );
    for p in parts {
        // Writing into a Vec cannot fail.
        let _ = enc.write_all(p.as_ref());
    }
    Bytes::from(enc.finish().unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gzip_of_parts_is_gzip_of_the_whole() {
        let parts = [&b"first part "[..], b"", b"second"];
        let z = gzip_parts(&parts);
        assert_eq!(gunzip(&z, 1000).unwrap().as_ref(), b"first part second");
    }

    #[test]
    fn gzip_roundtrip_and_bomb_limit() {
        let data = vec![b'a'; 100_000];
        let z = gzip(&data);
        assert_eq!(gunzip(&z, 100_000).unwrap().len(), 100_000);
        assert_eq!(
            gunzip(&z, 99_999),
            Err(BodyError::TooLarge { limit: 99_999 })
        );
        assert_eq!(gunzip(b"not gzip", 10), Err(BodyError::BadGzip));
    }

    #[tokio::test]
    async fn frames_are_kept_and_limited() {
        use crate::otlp::grpc::ChunksBody;
        let frames = |parts: &[&'static [u8]]| {
            ChunksBody::new(parts.iter().map(|p| Bytes::from_static(p)), None)
        };
        let (got, total) = read_frames(
            frames(&[b"ab", b"", b"cde"]),
            None,
            5,
            Duration::from_secs(1),
        )
        .await
        .unwrap();
        assert_eq!(
            got,
            vec![Bytes::from_static(b"ab"), Bytes::from_static(b"cde")]
        );
        assert_eq!(total, 5);
        assert_eq!(
            read_frames(frames(&[b"ab", b"cdef"]), None, 5, Duration::from_secs(1)).await,
            Err(BodyError::TooLarge { limit: 5 })
        );
        assert_eq!(
            read_frames(frames(&[b"ab"]), Some(6), 5, Duration::from_secs(1)).await,
            Err(BodyError::TooLarge { limit: 5 })
        );
    }

    #[tokio::test]
    async fn content_length_checked_before_reading() {
        let body = http_body_util::Full::new(Bytes::from_static(b"hello"));
        let r = read(body, Some(10_000), 100, Duration::from_secs(1)).await;
        assert_eq!(r, Err(BodyError::TooLarge { limit: 100 }));
        let body = http_body_util::Full::new(Bytes::from_static(b"hello"));
        assert_eq!(
            read(body, None, 100, Duration::from_secs(1)).await.unwrap(),
            "hello"
        );
    }
}
