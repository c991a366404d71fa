//! `email`: anchored on `@` (a trigger byte of the pass), expanded left over the
//! local part and right over a dotted domain whose last label is alphabetic.

use super::classes::{at, class, ALNUM, EMAIL_PUNCT, LOWER, UPPER};

/// RFC 5321 limits: 64 bytes of local part, 253 of domain.
const MAX_LOCAL: usize = 64;
const MAX_DOMAIN: usize = 253;

/// The email around the `@` at `p`, if any.
pub(super) fn at_sign(t: &[u8], p: usize) -> Option<(usize, usize)> {
    // Local part: walk left over letters, digits and `._%+-`.
    let mut s = p;
    while s > 0 && p - s < MAX_LOCAL && class(t[s - 1]) & (ALNUM | EMAIL_PUNCT) != 0 {
        s -= 1;
    }
    // A local part never starts with a dot (`foo.@` and `..@` are not emails).
    while s < p && t[s] == b'.' {
        s += 1;
    }
    if s == p || t[p - 1] == b'.' {
        return None;
    }
    let end = domain_end(t, p + 1)?;
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
        while i < t.len() && i - d < MAX_DOMAIN && (class(t[i]) & ALNUM != 0 || t[i] == b'-') {
            if class(t[i]) & (UPPER | LOWER) == 0 {
                alpha = false;
            }
            i += 1;
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
        if i < t.len() && t[i] == b'.' && at(t, i + 1) & ALNUM != 0 {
            i += 1;
        } else {
            break;
        }
    }
    let e = end?;
    // The domain must not run on into a longer word (`a@b.cd_x`).
    if at(t, e) & ALNUM != 0 || t.get(e) == Some(&b'_') {
        return None;
    }
    Some(e)
}
