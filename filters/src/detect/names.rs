//! `person_name` in free text: a capitalized given name followed by a
//! capitalized surname (optionally a second surname, a middle given name, or a
//! hyphenated double name), both found in embedded multi-locale name lists
//! generated from Faker (see `filters/data/`). Two capitalized list words in a
//! row is the main guard: "Query Failed" or "Bad Request" are not names.

use std::cmp::Ordering;
use std::sync::OnceLock;

use super::classes::{class, is, DIGIT, HIGH, LOWER, UPPER};

static GIVEN_SRC: &str = include_str!("../../data/given_names.txt");
static SURNAME_SRC: &str = include_str!("../../data/surnames.txt");

static GIVEN: OnceLock<Vec<&'static str>> = OnceLock::new();
static SURNAMES: OnceLock<Vec<&'static str>> = OnceLock::new();

/// Longest name word considered, in bytes.
const MAX_WORD: usize = 40;

/// Lowercase fold of one character, the same one the lists are sorted by.
fn fold(c: char) -> char {
    if c.is_ascii() {
        c.to_ascii_lowercase()
    } else {
        c.to_lowercase().next().unwrap_or(c)
    }
}

/// Case-insensitive order of two names; allocation-free.
fn cmp_fold(a: &str, b: &str) -> Ordering {
    a.chars().map(fold).cmp(b.chars().map(fold))
}

/// A sorted, deduplicated list built once from an embedded file.
fn list(cell: &'static OnceLock<Vec<&'static str>>, src: &'static str) -> &'static [&'static str] {
    cell.get_or_init(|| {
        let mut v: Vec<&'static str> = src
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect();
        v.sort_unstable_by(|a, b| cmp_fold(a, b));
        v.dedup_by(|a, b| cmp_fold(a, b) == Ordering::Equal);
        v
    })
}

pub(super) fn is_given(word: &str) -> bool {
    list(&GIVEN, GIVEN_SRC)
        .binary_search_by(|p| cmp_fold(p, word))
        .is_ok()
}

pub(super) fn is_surname(word: &str) -> bool {
    list(&SURNAMES, SURNAME_SRC)
        .binary_search_by(|p| cmp_fold(p, word))
        .is_ok()
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
    let c = class(t[i]);
    if c & (UPPER | HIGH) == 0 {
        return None;
    }
    let (w1, e1) = cap_word(t, i)?;
    if t.get(e1) != Some(&b' ') || !starts_cap(t, e1 + 1) {
        return None;
    }
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
        e3
    } else {
        return None;
    };
    Some(end)
}

/// A second surname after `e` (` Lopez` or `-Schmidt`), returning its end.
fn next_surname(t: &[u8], e: usize) -> Option<usize> {
    if !matches!(t.get(e), Some(b' ' | b'-')) || !starts_cap(t, e + 1) {
        return None;
    }
    let (w, e2) = cap_word(t, e + 1)?;
    is_surname(w).then_some(e2)
}

/// Whether a capitalized word may start at `s` (ASCII uppercase, or any
/// non-ASCII lead byte: checked properly by `cap_word`).
fn starts_cap(t: &[u8], s: usize) -> bool {
    matches!(t.get(s), Some(&b) if is(b, UPPER) || b >= 0xC0)
}
