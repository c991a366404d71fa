//! Strict base64url without padding (RFC 4648 §5), the only encoding JWS compact
//! serialization allows (RFC 7515 §2).
//!
//! Written here rather than pulled in as a crate because the JWT path needs the strict
//! variant: padding, whitespace, non-alphabet characters and non-canonical trailing bits
//! are all rejected, so every token has exactly one accepted spelling.

/// Decodes unpadded base64url; `None` for anything that is not its canonical encoding.
pub(crate) fn decode(input: &[u8]) -> Option<Vec<u8>> {
    // A single leftover character carries only 6 bits: never a whole byte.
    if input.len() % 4 == 1 {
        return None;
    }
    let mut out = Vec::with_capacity(input.len() / 4 * 3 + 2);
    let mut acc: u32 = 0;
    let mut bits: u32 = 0;
    for &c in input {
        acc = (acc << 6) | u32::from(sextet(c)?);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push(((acc >> bits) & 0xff) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    // The 2 or 4 bits left over must be zero, otherwise several strings would decode to
    // the same bytes.
    if acc != 0 {
        return None;
    }
    Some(out)
}

fn sextet(c: u8) -> Option<u8> {
    match c {
        b'A'..=b'Z' => Some(c - b'A'),
        b'a'..=b'z' => Some(c - b'a' + 26),
        b'0'..=b'9' => Some(c - b'0' + 52),
        b'-' => Some(62),
        b'_' => Some(63),
        _ => None,
    }
}

/// Unpadded base64url encoder, used by the tests to build tokens and JWKS documents.
#[cfg(test)]
pub(crate) fn encode(input: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::with_capacity(input.len().div_ceil(3) * 4);
    for chunk in input.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        let chars = chunk.len() + 1;
        for i in 0..chars {
            let idx = (n >> (18 - 6 * i)) & 0x3f;
            out.push(char::from(ALPHABET[idx as usize]));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{decode, encode};

    #[test]
    fn rfc4648_vectors_round_trip() {
        let vectors: [(&str, &str); 7] = [
            ("", ""),
            ("f", "Zg"),
            ("fo", "Zm8"),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg"),
            ("fooba", "Zm9vYmE"),
            ("foobar", "Zm9vYmFy"),
        ];
        for (plain, encoded) in vectors {
            assert_eq!(encode(plain.as_bytes()), encoded);
            assert_eq!(
                decode(encoded.as_bytes()).as_deref(),
                Some(plain.as_bytes())
            );
        }
    }

    #[test]
    fn url_safe_alphabet_is_used() {
        assert_eq!(encode(&[0xfb, 0xff]), "-_8");
        assert_eq!(decode(b"-_8").as_deref(), Some(&[0xfb, 0xff][..]));
    }

    #[test]
    fn rejects_padding_whitespace_and_foreign_alphabet() {
        assert_eq!(decode(b"Zg=="), None);
        assert_eq!(decode(b"Zm8="), None);
        assert_eq!(decode(b"Zm9 v"), None);
        assert_eq!(decode(b"Zm9v\n"), None);
        assert_eq!(
            decode(b"+/8"),
            None,
            "standard base64 alphabet is not base64url"
        );
        assert_eq!(decode(b"Zm9\xc3\xa9"), None);
    }

    #[test]
    fn rejects_impossible_length_and_non_canonical_bits() {
        assert_eq!(decode(b"Z"), None);
        assert_eq!(decode(b"Zm9vY"), None);
        // "Zh" decodes to 'f' too if trailing bits were ignored; only "Zg" is canonical.
        assert_eq!(decode(b"Zh"), None);
        assert_eq!(decode(b"Zm9"), None);
    }

    #[test]
    fn round_trips_all_byte_values() {
        let data: Vec<u8> = (0..=255u8).collect();
        for len in 0..data.len() {
            let slice = &data[..len];
            assert_eq!(decode(encode(slice).as_bytes()).as_deref(), Some(slice));
        }
    }
}
