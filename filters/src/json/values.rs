//! Domain checks and codecs for OTLP/JSON scalar encodings: integers carried as
//! numbers or decimal strings, doubles with their special strings, hex ids, and
//! base64 bytes. Written by hand: the walker must not allocate per value.

use super::tokenizer::{hex_digit, scan_number};

/// The integer types of the OTLP schema, by the range they accept.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum IntType {
    U64,
    I64,
    U32,
    I32,
}

/// Parses an optionally signed run of ASCII digits (proto3 JSON accepts leading
/// zeros in quoted integers) and checks it fits `ty`. Returns the value as i128.
pub(super) fn parse_int(text: &[u8], ty: IntType) -> Option<i128> {
    let (neg, digits) = match text.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, text),
    };
    if digits.is_empty() {
        return None;
    }
    let mut magnitude: u64 = 0;
    for &d in digits {
        if !d.is_ascii_digit() {
            return None;
        }
        magnitude = magnitude
            .checked_mul(10)?
            .checked_add(u64::from(d - b'0'))?;
    }
    let v = if neg {
        -i128::from(magnitude)
    } else {
        i128::from(magnitude)
    };
    let (lo, hi) = match ty {
        IntType::U64 => (0, i128::from(u64::MAX)),
        IntType::I64 => (i128::from(i64::MIN), i128::from(i64::MAX)),
        IntType::U32 => (0, i128::from(u32::MAX)),
        IntType::I32 => (i128::from(i32::MIN), i128::from(i32::MAX)),
    };
    (lo..=hi).contains(&v).then_some(v)
}

/// A double given as a JSON string: `NaN`, `Infinity`, `-Infinity`, or a JSON number.
pub(super) fn parse_double_string(text: &[u8]) -> Option<f64> {
    match text {
        b"NaN" => Some(f64::NAN),
        b"Infinity" => Some(f64::INFINITY),
        b"-Infinity" => Some(f64::NEG_INFINITY),
        _ => parse_double_number(text),
    }
}

/// A JSON number token as f64 (the JSON grammar is a subset of Rust's float syntax).
pub(super) fn parse_double_number(text: &[u8]) -> Option<f64> {
    match scan_number(text, 0) {
        Some((end, _)) if end == text.len() => std::str::from_utf8(text).ok()?.parse().ok(),
        _ => None,
    }
}

/// A hex id of exactly `bytes` bytes (`2 * bytes` hex digits, either case), or empty.
pub(super) fn is_hex_id(text: &[u8], bytes: usize) -> bool {
    text.is_empty() || (text.len() == 2 * bytes && text.iter().all(|&d| hex_digit(d).is_some()))
}

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Value of one base64 digit, standard or URL-safe alphabet (proto3 JSON parsers
/// accept both).
#[inline]
fn b64_digit(c: u8) -> Option<u32> {
    Some(u32::from(match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' | b'-' => 62,
        b'/' | b'_' => 63,
        _ => return None,
    }))
}

/// Decodes base64 (padded or not) into `out` (cleared first). `false` on any
/// character outside the alphabet, a wrong length, or misplaced padding.
pub(super) fn base64_decode(text: &[u8], out: &mut Vec<u8>) -> bool {
    out.clear();
    let body = match text.len() % 4 {
        0 if text.ends_with(b"==") => &text[..text.len() - 2],
        0 if text.ends_with(b"=") => &text[..text.len() - 1],
        1 => return false,
        _ => text,
    };
    out.reserve(body.len() / 4 * 3 + 2);
    let mut chunks = body.chunks_exact(4);
    for c in &mut chunks {
        let (Some(a), Some(b), Some(x), Some(y)) = (
            b64_digit(c[0]),
            b64_digit(c[1]),
            b64_digit(c[2]),
            b64_digit(c[3]),
        ) else {
            return false;
        };
        let n = (a << 18) | (b << 12) | (x << 6) | y;
        out.extend_from_slice(&[(n >> 16) as u8, (n >> 8) as u8, n as u8]);
    }
    let rest = chunks.remainder();
    let mut n = 0u32;
    for (i, &c) in rest.iter().enumerate() {
        let Some(d) = b64_digit(c) else {
            return false;
        };
        n |= d << (18 - 6 * i);
    }
    match rest.len() {
        0 => {}
        2 => out.push((n >> 16) as u8),
        3 => out.extend_from_slice(&[(n >> 16) as u8, (n >> 8) as u8]),
        _ => return false,
    }
    true
}

/// Appends standard base64 with padding.
pub(super) fn base64_encode(data: &[u8], out: &mut Vec<u8>) {
    out.reserve(data.len().div_ceil(3) * 4);
    let mut chunks = data.chunks_exact(3);
    for c in &mut chunks {
        let n = (u32::from(c[0]) << 16) | (u32::from(c[1]) << 8) | u32::from(c[2]);
        out.extend_from_slice(&[
            B64[(n >> 18) as usize & 63],
            B64[(n >> 12) as usize & 63],
            B64[(n >> 6) as usize & 63],
            B64[n as usize & 63],
        ]);
    }
    match *chunks.remainder() {
        [a] => {
            let n = u32::from(a) << 16;
            out.extend_from_slice(&[B64[(n >> 18) as usize & 63], B64[(n >> 12) as usize & 63]]);
            out.extend_from_slice(b"==");
        }
        [a, b] => {
            let n = (u32::from(a) << 16) | (u32::from(b) << 8);
            out.extend_from_slice(&[
                B64[(n >> 18) as usize & 63],
                B64[(n >> 12) as usize & 63],
                B64[(n >> 6) as usize & 63],
            ]);
            out.push(b'=');
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_round_trip() {
        let mut enc = Vec::new();
        let mut dec = Vec::new();
        for len in 0..10 {
            let data: Vec<u8> = (0..len).map(|i| (i * 37 + 250) as u8).collect();
            enc.clear();
            base64_encode(&data, &mut enc);
            assert!(base64_decode(&enc, &mut dec));
            assert_eq!(dec, data);
            // Unpadded input decodes too.
            let unpadded: Vec<u8> = enc.iter().copied().filter(|&c| c != b'=').collect();
            assert!(base64_decode(&unpadded, &mut dec));
            assert_eq!(dec, data);
        }
        enc.clear();
        base64_encode(b"hello", &mut enc);
        assert_eq!(enc, b"aGVsbG8=");
    }

    #[test]
    fn base64_rejects_garbage() {
        let mut dec = Vec::new();
        for bad in [
            &b"a"[..],
            b"ab=c",
            b"a===",
            b"ab!d",
            b"abcde",
            b"=abc",
            b"ab==cd==",
        ] {
            assert!(!base64_decode(bad, &mut dec), "{:?}", bad);
        }
    }

    #[test]
    fn ints() {
        assert_eq!(
            parse_int(b"18446744073709551615", IntType::U64),
            Some(u64::MAX.into())
        );
        assert_eq!(parse_int(b"18446744073709551616", IntType::U64), None);
        assert_eq!(parse_int(b"-1", IntType::U64), None);
        assert_eq!(
            parse_int(b"-9223372036854775808", IntType::I64),
            Some(i64::MIN.into())
        );
        assert_eq!(parse_int(b"2147483648", IntType::I32), None);
        assert_eq!(parse_int(b"007", IntType::U32), Some(7));
        assert_eq!(parse_int(b"", IntType::U32), None);
        assert_eq!(parse_int(b"-", IntType::I32), None);
        assert_eq!(parse_int(b"1.0", IntType::I32), None);
    }

    #[test]
    fn doubles_and_ids() {
        assert!(parse_double_string(b"NaN").is_some_and(f64::is_nan));
        assert_eq!(parse_double_string(b"-Infinity"), Some(f64::NEG_INFINITY));
        assert_eq!(parse_double_string(b"1.5e3"), Some(1500.0));
        assert_eq!(parse_double_string(b"inf"), None);
        assert_eq!(parse_double_string(b"1."), None);
        assert!(is_hex_id(b"", 8));
        assert!(is_hex_id(b"0123456789ABCDEF", 8));
        assert!(!is_hex_id(b"0123456789abcdeg", 8));
        assert!(!is_hex_id(b"0123", 8));
    }
}
