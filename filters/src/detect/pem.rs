//! `private_key`: PEM (and PGP armor) private key blocks,
//! `-----BEGIN [RSA |EC |DSA |OPENSSH |ENCRYPTED |PGP ]PRIVATE KEY[ BLOCK]-----`
//! up to the matching `-----END ...-----` line, whatever separates the lines
//! (newlines, `\n` escapes of a JSON string logged as text, spaces).
//!
//! The pass stops at the capital `B` of `BEGIN` (a word start after the
//! dashes). A block cut short without its `END` line (a truncated log
//! message) is redacted over the rest of its base64 text, headers and line
//! breaks: failing closed costs at most the text that follows it up to a
//! byte no key text has. Public material (`CERTIFICATE`, `PUBLIC KEY`) is
//! left alone: it is published anyway, and certificates are common in logs.

use super::classes::{is, ALNUM, SPACE};

const DASHES: &[u8] = b"-----";
/// Longest label between `BEGIN ` and the closing dashes.
const MAX_LABEL: usize = 48;

/// The block whose `BEGIN` starts at `i` (a word start after five dashes):
/// from the first dash to the end of the `END` line.
///
/// Out of line: few words get here.
#[inline(never)]
pub(super) fn at_begin(t: &[u8], i: usize) -> Option<(usize, usize)> {
    let s = i.checked_sub(DASHES.len())?;
    if &t[s..i] != DASHES || t.get(i..i + 6) != Some(b"BEGIN ") {
        return None;
    }
    let (label_end, closed) = label(t, i + 6)?;
    if !closed {
        return None;
    }
    let body = label_end + DASHES.len();
    let rest = t.get(body..).unwrap_or_default();
    let mut from = 0;
    while let Some(k) = memchr::memmem::find(&rest[from..], b"-----END ") {
        let end_label = body + from + k + 9;
        if let Some((le, closed)) = label(t, end_label) {
            return Some((s, if closed { le + DASHES.len() } else { le }));
        }
        from += k + 9;
    }
    // Cut short: the rest of the key text.
    let e = body
        + rest
            .iter()
            .take_while(|&&b| {
                is(b, ALNUM | SPACE) || matches!(b, b'+' | b'/' | b'=' | b'\\' | b':' | b',' | b'-')
            })
            .count();
    Some((s, e))
}

/// The label of a private key starting at `l` (`RSA PRIVATE KEY`): where it
/// ends, and whether the five closing dashes follow. None for any other
/// label, or when the label does not end as a private key's.
fn label(t: &[u8], l: usize) -> Option<(usize, bool)> {
    let mut k = l;
    while k < t.len()
        && k - l <= MAX_LABEL
        && (t[k].is_ascii_uppercase() || t[k].is_ascii_digit() || t[k] == b' ')
    {
        k += 1;
    }
    let name = &t[l..k];
    let private = name.ends_with(b"PRIVATE KEY") || name.ends_with(b"PRIVATE KEY BLOCK");
    private.then(|| (k, t.get(k..k + DASHES.len()) == Some(DASHES)))
}
