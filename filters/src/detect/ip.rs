//! `ipv4` (dotted quads, not inside longer dotted runs or version strings) and
//! `ipv6` (full, compressed and IPv4-embedded forms, validated by
//! `std::net::Ipv6Addr`; clock times and MAC addresses never parse as such).

use std::net::Ipv6Addr;

use super::classes::{
    at, before, decimal, is, run, ALNUM, COLON, DIGIT, DOT, HEX, HIGH, LOWER, SPACE, UPPER,
};
use super::numbers::dotted_or_versioned;

/// Longest textual IPv6 address (`ffff:...:255.255.255.255`).
const MAX_IPV6: usize = 45;

/// A dotted quad starting at `i`, whose first digit run ends at `dend`.
pub(super) fn ipv4_at(t: &[u8], i: usize, dend: usize) -> Option<usize> {
    if dend - i > 3 || t.get(dend) != Some(&b'.') || dotted_or_versioned(t, i) {
        return None;
    }
    let mut j = i;
    for k in 0..4 {
        if k > 0 {
            if t.get(j) != Some(&b'.') {
                return None;
            }
            j += 1;
        }
        let e = run(t, j, DIGIT);
        let len = e - j;
        // No leading zeros (`01.02.03.04` is a date-ish code, not an address).
        if len == 0 || len > 3 || (len > 1 && t[j] == b'0') {
            return None;
        }
        if decimal(&t[j..e]) > 255 {
            return None;
        }
        j = e;
    }
    // Not followed by more of the same (`1.2.3.4.5`, `1.2.3.4a`, `1.2.3.4.tar`).
    if at(t, j) & (ALNUM | HIGH) != 0 || (t.get(j) == Some(&b'.') && at(t, j + 1) & ALNUM != 0) {
        return None;
    }
    (!after_version_word(t, i)).then_some(j)
}

/// Whether the word before `i` (across spaces, `=`, `:`, quotes) says
/// "version": `version 1.2.3.4`, `build=10.0.0.1`, `"sdk.version": "1.2.3.4"`.
fn after_version_word(t: &[u8], i: usize) -> bool {
    let mut j = i;
    let mut skipped = 0;
    while j > 0
        && skipped < 4
        && (is(t[j - 1], SPACE) || matches!(t[j - 1], b'=' | b':' | b'"' | b'\''))
    {
        j -= 1;
        skipped += 1;
    }
    let mut s = j;
    while s > 0 && j - s < 16 && is(t[s - 1], UPPER | LOWER) {
        s -= 1;
    }
    let word = &t[s..j];
    ["version", "release", "build", "firmware"]
        .iter()
        .any(|w| super::classes::ends_with_ci(word, w.as_bytes()))
        || ["v", "ver", "fw"]
            .iter()
            .any(|w| word.eq_ignore_ascii_case(w.as_bytes()))
}

/// An IPv6 address starting at `i` (at a hex word, or at `::`).
pub(super) fn ipv6_at(t: &[u8], i: usize) -> Option<usize> {
    if before(t, i) & (ALNUM | HIGH | COLON) != 0 {
        return None;
    }
    if t[i] == b':' && t.get(i + 1) != Some(&b':') {
        return None;
    }
    let mut e = run(t, i, HEX | COLON | DOT);
    if e - i > MAX_IPV6 {
        return None;
    }
    // A sentence-ending dot or a `:port`-less trailing colon is not part of it.
    while e > i && t[e - 1] == b'.' {
        e -= 1;
    }
    if e - i >= 2 && t[e - 1] == b':' && t[e - 2] != b':' {
        e -= 1;
    }
    let span = &t[i..e];
    // Must end here: `fe80::1g`, `Add::new` are something else.
    if at(t, e) & (ALNUM | HIGH) != 0 || t.get(e) == Some(&b'_') {
        return None;
    }
    let colons = span.iter().filter(|&&b| b == b':').count();
    let compressed = span.windows(2).any(|w| w == b"::");
    let embedded4 = span.contains(&b'.');
    // Cheap shape check before parsing: 7 colons (full), 6 + IPv4 tail, or `::`.
    if !(compressed || colons == 7 || (colons == 6 && embedded4)) || span == b"::" {
        return None;
    }
    // `Cafe::Bad`-like words are code, not addresses.
    if !span.iter().any(|&b| is(b, DIGIT)) {
        return None;
    }
    let s = std::str::from_utf8(span).ok()?;
    s.parse::<Ipv6Addr>().ok().map(|_| e)
}
