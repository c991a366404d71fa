//! `email`: anchored on `@` (a trigger byte of the pass), expanded left over the
//! local part and right over a dotted domain whose last label is alphabetic.
//! Both may hold non-ASCII letters and digits (RFC 6531 local parts such as
//! `jörg.müller@`, IDN domains such as `@bücher.de`): stopping at the first
//! one would leave the rest of a name in clear text.

use super::classes::{at, class, ALNUM, EMAIL_PUNCT, LOWER, UPPER};

/// RFC 5321 limits: 64 bytes of local part, 253 of domain.
const MAX_LOCAL: usize = 64;
const MAX_DOMAIN: usize = 253;

/// The email around the `@` at `p`, if any.
pub(super) fn at_sign(t: &[u8], p: usize) -> Option<(usize, usize)> {
    around(t, p, p + 1)
}

/// The email around a percent-encoded `@` (`%40`) starting at `p`, as in a
/// URL's path or query (`/users/jane%40example.com`, `?email=jane%40...`).
pub(super) fn percent_at(t: &[u8], p: usize) -> Option<(usize, usize)> {
    if t.get(p + 1..p + 3) != Some(b"40") {
        return None;
    }
    around(t, p, p + 3)
}

/// The email whose local part ends at `p` and whose domain starts at `d`.
fn around(t: &[u8], p: usize, d: usize) -> Option<(usize, usize)> {
    // Local part: walk left over letters, digits and `._%+-`.
    let mut s = p;
    while s > 0 && p - s < MAX_LOCAL {
        if class(t[s - 1]) & (ALNUM | EMAIL_PUNCT) != 0 {
            s -= 1;
        } else if let Some(n) = alnum_char_before(t, s) {
            s -= n;
        } else {
            break;
        }
    }
    // A local part never starts with a dot (`foo.@` and `..@` are not emails).
    while s < p && t[s] == b'.' {
        s += 1;
    }
    if s == p || t[p - 1] == b'.' {
        return None;
    }
    let end = domain_end(t, d)?;
    Some((s, end))
}

/// End of a domain starting at `d`: labels of `[A-Za-z0-9-]` joined by single
/// dots, at least two labels, last label alphabetic and 2+ long.
fn domain_end(t: &[u8], d: usize) -> Option<usize> {
    let mut i = d;
    let mut labels = 0;
    let mut end = None;
    loop {
        let ls = i;
        let mut alpha = true;
        while i < t.len() && i - d < MAX_DOMAIN {
            if class(t[i]) & ALNUM != 0 || t[i] == b'-' {
                if class(t[i]) & (UPPER | LOWER) == 0 {
                    alpha = false;
                }
                i += 1;
            } else if let Some((n, letter)) = alnum_char_at(t, i) {
                alpha &= letter;
                i += n;
            } else {
                break;
            }
        }
        let len = i - ls;
        if len == 0 || t[ls] == b'-' || t[i - 1] == b'-' {
            break;
        }
        labels += 1;
        if labels >= 2 && alpha && len >= 2 {
            end = Some(i);
        }
        // Continue only over a dot followed by another label character.
        if i < t.len()
            && t[i] == b'.'
            && (at(t, i + 1) & ALNUM != 0 || alnum_char_at(t, i + 1).is_some())
        {
            i += 1;
        } else {
            break;
        }
    }
    let e = end?;
    // The domain must not run on into a longer word (`a@b.cd_x`).
    if at(t, e) & ALNUM != 0 || t.get(e) == Some(&b'_') || alnum_char_at(t, e).is_some() {
        return None;
    }
    Some(e)
}

/// A non-ASCII letter or digit starting at `i`: its length in bytes, and
/// whether it is a letter.
fn alnum_char_at(t: &[u8], i: usize) -> Option<(usize, bool)> {
    if t.get(i)? & 0x80 == 0 {
        return None;
    }
    let c = utf8_char(&t[i..t.len().min(i + 4)])?;
    c.is_alphanumeric()
        .then(|| (c.len_utf8(), c.is_alphabetic()))
}

/// The length in bytes of a non-ASCII letter or digit ending right before `i`.
fn alnum_char_before(t: &[u8], i: usize) -> Option<usize> {
    if i == 0 || t[i - 1] & 0x80 == 0 {
        return None;
    }
    // Back over continuation bytes (10xxxxxx) to the lead byte, at most 4.
    let mut s = i - 1;
    while s > 0 && i - s < 4 && t[s] & 0xC0 == 0x80 {
        s -= 1;
    }
    let c = utf8_char(&t[s..i])?;
    (c.len_utf8() == i - s && c.is_alphanumeric()).then_some(i - s)
}

/// The first char of `b` if `b` starts with a valid UTF-8 sequence.
fn utf8_char(b: &[u8]) -> Option<char> {
    let len = match b.first()? {
        0xC2..=0xDF => 2,
        0xE0..=0xEF => 3,
        0xF0..=0xF4 => 4,
        _ => return None,
    };
    std::str::from_utf8(b.get(..len)?).ok()?.chars().next()
}
