//! A 256-entry byte-class table, built at compile time.
//!
//! Every scanner asks "what kind of byte is this?" many times per value; one
//! table lookup answers all of those questions at once, and OR-ing the classes
//! of a whole value tells which detectors can possibly match before any of
//! them runs.

pub(super) const DIGIT: u32 = 1 << 0;
pub(super) const UPPER: u32 = 1 << 1;
pub(super) const LOWER: u32 = 1 << 2;
/// Any byte >= 0x80 (part of a multi-byte UTF-8 character, or not UTF-8 at all).
pub(super) const HIGH: u32 = 1 << 3;
pub(super) const HEX: u32 = 1 << 4;
/// `_ . -`: joins the words of an identifier such as `user.email` or `x-amz-signature`.
pub(super) const IDENT_PUNCT: u32 = 1 << 5;
/// `. _ % + -`: allowed in an email local part besides letters and digits.
pub(super) const EMAIL_PUNCT: u32 = 1 << 6;
/// `A-Z 2-7`: the base32 alphabet of AWS access key ids.
pub(super) const B32: u32 = 1 << 7;
/// `- . _ ~ + /`: RFC 6750 b64token punctuation (plus trailing `=`, handled apart).
pub(super) const TOKEN_PUNCT: u32 = 1 << 8;
/// `/ +`: the non-alphanumeric bytes of an AWS secret access key.
pub(super) const SECRET_PUNCT: u32 = 1 << 9;
/// `- _`: the non-alphanumeric bytes of base64url.
pub(super) const B64URL_PUNCT: u32 = 1 << 10;
pub(super) const AT: u32 = 1 << 11;
pub(super) const COLON: u32 = 1 << 12;
pub(super) const EQ: u32 = 1 << 13;
pub(super) const DOT: u32 = 1 << 14;
pub(super) const PLUS: u32 = 1 << 15;
pub(super) const LPAREN: u32 = 1 << 16;
pub(super) const SPACE: u32 = 1 << 17;

/// Bytes that make up a "word" for the scanner: a run of these is skipped as a
/// unit, and detectors are only tried where such a run starts.
pub(super) const WORD: u32 = DIGIT | UPPER | LOWER | HIGH;
pub(super) const ALNUM: u32 = DIGIT | UPPER | LOWER;

const fn build() -> [u32; 256] {
    let mut t = [0u32; 256];
    let mut i = 0;
    while i < 256 {
        let b = i as u8;
        let mut c = 0;
        if b.is_ascii_digit() {
            c |= DIGIT | HEX;
            if b >= b'2' && b <= b'7' {
                c |= B32;
            }
        }
        if b.is_ascii_uppercase() {
            c |= UPPER | B32;
            if b <= b'F' {
                c |= HEX;
            }
        }
        if b.is_ascii_lowercase() {
            c |= LOWER;
            if b <= b'f' {
                c |= HEX;
            }
        }
        if b >= 0x80 {
            c |= HIGH;
        }
        c |= match b {
            b'_' => IDENT_PUNCT | EMAIL_PUNCT | TOKEN_PUNCT | B64URL_PUNCT,
            b'-' => IDENT_PUNCT | EMAIL_PUNCT | TOKEN_PUNCT | B64URL_PUNCT,
            b'.' => IDENT_PUNCT | EMAIL_PUNCT | TOKEN_PUNCT | DOT,
            b'%' => EMAIL_PUNCT,
            b'+' => EMAIL_PUNCT | TOKEN_PUNCT | SECRET_PUNCT | PLUS,
            b'~' => TOKEN_PUNCT,
            b'/' => TOKEN_PUNCT | SECRET_PUNCT,
            b'@' => AT,
            b':' => COLON,
            b'=' => EQ,
            b'(' => LPAREN,
            b' ' | b'\t' | b'\n' | b'\r' => SPACE,
            _ => 0,
        };
        t[i] = c;
        i += 1;
    }
    t
}

pub(super) static CLASS: [u32; 256] = build();

#[inline(always)]
pub(super) fn class(b: u8) -> u32 {
    CLASS[b as usize]
}

#[inline(always)]
pub(super) fn is(b: u8, mask: u32) -> bool {
    CLASS[b as usize] & mask != 0
}

/// Class of the byte at `i`, or 0 past either end (so bounds read as "nothing").
#[inline(always)]
pub(super) fn at(t: &[u8], i: usize) -> u32 {
    match t.get(i) {
        Some(&b) => CLASS[b as usize],
        None => 0,
    }
}

/// Class of the byte before `i` (0 at the start).
#[inline(always)]
pub(super) fn before(t: &[u8], i: usize) -> u32 {
    if i == 0 {
        0
    } else {
        at(t, i - 1)
    }
}

/// End of the run of ASCII digits starting at `i`: eight bytes per step
/// while eight are left (most numbers in logs take one step), then by byte.
#[inline]
pub(super) fn digit_run(t: &[u8], mut i: usize) -> usize {
    while let Some(w) = t.get(i..).and_then(|r| r.first_chunk::<8>()) {
        let others = !digit_bytes(u64::from_le_bytes(*w)) & HIGH_BITS;
        if others != 0 {
            return i + (others.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    run(t, i, DIGIT)
}

const LOW_BITS: u64 = 0x0101_0101_0101_0101;
const HIGH_BITS: u64 = 0x8080_8080_8080_8080;

/// The high bit of each byte of `x` that is an ASCII digit. The sums on the
/// low seven bits of a byte never carry into the next byte.
#[inline(always)]
fn digit_bytes(x: u64) -> u64 {
    let x7 = x & !HIGH_BITS;
    let at_least_0 = x7 + LOW_BITS * (0x80 - u64::from(b'0'));
    let above_9 = x7 + LOW_BITS * (0x7F - u64::from(b'9'));
    at_least_0 & !above_9 & !x & HIGH_BITS
}

/// End of the run of bytes in `mask` starting at `i`.
#[inline(always)]
pub(super) fn run(t: &[u8], mut i: usize, mask: u32) -> usize {
    while i < t.len() && CLASS[t[i] as usize] & mask != 0 {
        i += 1;
    }
    i
}

/// Whether `t[i..]` starts with `lit` (ASCII case-insensitive).
#[inline]
pub(super) fn starts_with_ci(t: &[u8], i: usize, lit: &[u8]) -> bool {
    t.get(i..i + lit.len())
        .is_some_and(|s| s.eq_ignore_ascii_case(lit))
}

/// Whether `hay` contains `needle` (lowercase ASCII), ignoring ASCII case.
pub(super) fn contains_ci(hay: &[u8], needle: &[u8]) -> bool {
    needle.is_empty()
        || hay
            .windows(needle.len())
            .any(|w| w.eq_ignore_ascii_case(needle))
}

/// Whether `hay` ends with `lit` (lowercase ASCII), ignoring ASCII case.
pub(super) fn ends_with_ci(hay: &[u8], lit: &[u8]) -> bool {
    hay.len() >= lit.len() && hay[hay.len() - lit.len()..].eq_ignore_ascii_case(lit)
}

/// The value of a short run of ASCII digits (callers pass at most a few).
pub(super) fn decimal(digits: &[u8]) -> u32 {
    digits.iter().fold(0u32, |n, &b| {
        n.wrapping_mul(10)
            .wrapping_add(u32::from(b.wrapping_sub(b'0')))
    })
}

/// Word-ending tables: entry `c - 'a'`, bit `p - 'a'` says some listed word
/// ends with the letters `p c`. The detectors that read back from a value
/// to a name (labels, secret names) reject most words with one lookup.
/// Returns `t` with the last two letters of `w` (lowercase, two or more).
pub(super) const fn with_last_two_letters(mut t: [u32; 26], w: &[u8]) -> [u32; 26] {
    let n = w.len();
    t[(w[n - 1] - b'a') as usize] |= 1 << (w[n - 2] - b'a');
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digit_run_is_the_run_of_digit_class_bytes() {
        // Each byte value after digit runs of every length, from every start.
        for b in 0..=255u8 {
            for n in 0..20 {
                let mut t = vec![b'7'; n];
                t.push(b);
                t.extend_from_slice(b"0123456789x");
                for i in 0..=t.len() {
                    assert_eq!(digit_run(&t, i), run(&t, i, DIGIT), "{t:?} from {i}");
                }
            }
        }
    }
}
