//! `person_name` in free text: a capitalized given name followed by a
//! capitalized surname (optionally a second surname, a middle given name, or a
//! hyphenated double name), both found in embedded multi-locale name lists
//! generated from Faker (see `filters/data/`). Two capitalized list words in a
//! row is the main guard: "Query Failed" or "Bad Request" are not names.

use std::sync::OnceLock;

use super::classes::{is, run, DIGIT, HIGH, LOWER, UPPER};

/// Faker-derived lists (see `data/gen_names.py`), then hand-written
/// supplements of frequent names Faker lacks (`data/extra_*.txt`).
static GIVEN_SRC: [&str; 2] = [
    include_str!("../../data/given_names.txt"),
    include_str!("../../data/extra_given_names.txt"),
];
static SURNAME_SRC: [&str; 2] = [
    include_str!("../../data/surnames.txt"),
    include_str!("../../data/extra_surnames.txt"),
];

static GIVEN: OnceLock<Vec<Box<[u8]>>> = OnceLock::new();
static SURNAMES: OnceLock<Vec<Box<[u8]>>> = OnceLock::new();

/// Longest name word considered, in bytes.
const MAX_WORD: usize = 40;

/// Lowercase fold of one character (the first char of its lowercase mapping,
/// as `gen_names.py` does).
fn fold(c: char) -> char {
    if c.is_ascii() {
        c.to_ascii_lowercase()
    } else {
        c.to_lowercase().next().unwrap_or(c)
    }
}

/// Folds `word` into `buf`; None if it does not fit.
fn fold_into<'b>(word: &str, buf: &'b mut [u8; 4 * MAX_WORD]) -> Option<&'b [u8]> {
    let mut n = 0;
    for c in word.chars() {
        let f = fold(c);
        let len = f.len_utf8();
        f.encode_utf8(buf.get_mut(n..n + len)?);
        n += len;
    }
    Some(&buf[..n])
}

/// A sorted, deduplicated list of folded names, built once from an embedded
/// file (folded again here so the lookup never depends on the file's casing).
fn list(
    cell: &'static OnceLock<Vec<Box<[u8]>>>,
    src: &'static [&'static str],
) -> &'static [Box<[u8]>] {
    cell.get_or_init(|| {
        let mut buf = [0u8; 4 * MAX_WORD];
        let mut v: Vec<Box<[u8]>> = src
            .iter()
            .flat_map(|s| s.lines())
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .filter_map(|l| fold_into(l, &mut buf).map(Box::<[u8]>::from))
            .collect();
        v.sort_unstable();
        v.dedup();
        v
    })
}

/// Looks `word` up case-insensitively: one fold into a stack buffer, then a
/// binary search of plain byte comparisons. No allocation.
fn contains(list: &[Box<[u8]>], word: &str) -> bool {
    let mut buf = [0u8; 4 * MAX_WORD];
    match fold_into(word, &mut buf) {
        Some(key) => list.binary_search_by(|p| (**p).cmp(key)).is_ok(),
        None => false,
    }
}

pub(super) fn is_given(word: &str) -> bool {
    contains(list(&GIVEN, &GIVEN_SRC), word)
}

pub(super) fn is_surname(word: &str) -> bool {
    contains(list(&SURNAMES, &SURNAME_SRC), word)
}

/// A capitalized word of letters at `s`: its text and end. The word must end at
/// a byte that cannot continue an identifier (`John2`, `Foo_bar` are not names).
fn cap_word(t: &[u8], s: usize) -> Option<(&str, usize)> {
    let mut e = s;
    while e < t.len() && e - s <= MAX_WORD && is(t[e], UPPER | LOWER | HIGH) {
        e += 1;
    }
    if e - s < 2 || e - s > MAX_WORD || matches!(t.get(e), Some(&b) if is(b, DIGIT) || b == b'_') {
        return None;
    }
    let w = std::str::from_utf8(&t[s..e]).ok()?;
    let mut chars = w.chars();
    let first = chars.next()?;
    if !first.is_uppercase() || !chars.all(char::is_alphabetic) || w.chars().count() < 2 {
        return None;
    }
    Some((w, e))
}

/// A name starting at `i` (a word start), returning its end.
pub(super) fn at(t: &[u8], i: usize) -> Option<usize> {
    // Cheap shape checks first: two capitalized words separated by one space.
    // Most capitalized words in logs (`INFO`, `GET`, `Failed`) are not followed
    // by a space and another capitalized word: reject those before any UTF-8
    // validation or list lookup.
    if !starts_cap(t, i) {
        return None;
    }
    let e1 = run(t, i, UPPER | LOWER | HIGH);
    if t.get(e1) != Some(&b' ') || !starts_cap(t, e1 + 1) {
        return None;
    }
    let (w1, e1) = cap_word(t, i)?;
    let (w2, e2) = cap_word(t, e1 + 1)?;
    if !is_given(w1) {
        return None;
    }
    let end = if is_surname(w2) {
        // `Maria Garcia Lopez`, `Zoë Müller-Schmidt`
        next_surname(t, e2).unwrap_or(e2)
    } else if is_given(w2) && t.get(e2) == Some(&b' ') {
        let (w3, e3) = cap_word(t, e2 + 1)?;
        if !is_surname(w3) {
            return None;
        }
        // `Maria José García-López`
        next_surname(t, e3).unwrap_or(e3)
    } else {
        return None;
    };
    Some(end)
}

/// A second surname after `e`, returning its end: ` Lopez` when the list
/// knows it; after a hyphen (`-Schmidt`, `-López`) any capitalized word, as
/// a glued double name is a name whatever its second half (the half the
/// lists lack stayed in clear text: `[REDACTED]-López`).
fn next_surname(t: &[u8], e: usize) -> Option<usize> {
    let sep = *t.get(e)?;
    if !matches!(sep, b' ' | b'-') || !starts_cap(t, e + 1) {
        return None;
    }
    let (w, e2) = cap_word(t, e + 1)?;
    (sep == b'-' || is_surname(w)).then_some(e2)
}

/// Whether a capitalized word may start at `s` (ASCII uppercase, or any
/// non-ASCII lead byte: checked properly by `cap_word`).
pub(super) fn starts_cap(t: &[u8], s: usize) -> bool {
    matches!(t.get(s), Some(&b) if is(b, UPPER) || b >= 0xC0)
}
