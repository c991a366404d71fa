//! `date_of_birth`: a calendar date that a birth label in the same text
//! names (`dob: 1985-03-12`, `DOB=03/12/1985`, `date of birth: 12.03.1985`,
//! `born 1985-03-12`, `birthday: March 12, 1985`, `D.O.B. 12 Mar 1985`), or
//! any date under a key that names one (`patient.birth_date`). Logs are
//! full of dates and timestamps: without such a label none is touched.
//!
//! Shapes: `YYYY-MM-DD` (also `/` `.`, and the date part of a timestamp
//! `1985-03-12T00:00:00Z`), `DD.MM.YYYY` / `MM/DD/YYYY` (also `-`, and a
//! two-digit year), `DD-Mon-YYYY`, `YYYYMMDD`, `Month DD[,] YYYY` and
//! `DD Month YYYY` (English month names and their abbreviations, ordinal
//! days `12th`). Month and day must be in range; a year has four digits
//! from 1900 to 2099 (or two, after a day and a month).
//!
//! The pass stops at the first digit group of a numeric date, and at the
//! year of a written one (the day before a month name is one or two digits
//! before a space, which the pass skips); the label is read backwards from
//! where the date starts ([`super::labels`]).

use super::classes::{at, decimal, is, ALNUM, DIGIT};
use super::labels;
use super::words::Ctx;

/// The date of birth whose first digit group (numeric shapes) or year
/// (written shapes) is the digit word `i..dend`: its range.
///
/// Out of line: few numbers get here.
#[inline(never)]
pub(super) fn at_digit(cx: &Ctx, i: usize, dend: usize) -> Option<(usize, usize)> {
    let t = cx.text;
    let (s, e) = match numeric(t, i, dend) {
        Some(e) => (i, e),
        None if dend - i == 4 && i >= 2 && t[i - 1] == b' ' => written(t, i)?,
        None => return None,
    };
    let keyed = !cx.key.is_empty() && cx.facts.dob();
    (keyed || labels::before(t, s) & labels::DOB != 0).then_some((s, e))
}

/// Whether the digit word `i..dend` (`len` digits, then `next`) may start a
/// numeric date or be the year of a written one: the pass's cheap test.
#[inline(always)]
pub(super) fn may_start(t: &[u8], i: usize, dend: usize, next: u8) -> (bool, bool) {
    let len = dend - i;
    // One test for most numbers: a date group has 1, 2, 4 or 8 digits.
    if len > 8 || (1u32 << len) & 0b1_0001_0110 == 0 {
        return (false, false);
    }
    match next {
        _ if len == 8 => (true, false),
        // A second group of one or two digits and the same separator
        // again (decimals such as `14.2ms` have none), or a month name.
        b'/' | b'.' | b'-' => {
            let sep_at = |k: usize| t.get(k) == Some(&next);
            let second = at(t, dend + 1) & DIGIT != 0
                && (sep_at(dend + 2) || (at(t, dend + 2) & DIGIT != 0 && sep_at(dend + 3)));
            let named =
                len <= 2 && next != b'.' && t.get(dend + 1).is_some_and(u8::is_ascii_alphabetic);
            (second || named, false)
        }
        // The year of a written date (`March 12, 1985`).
        _ => {
            let year = len == 4
                && i >= 2
                && t[i - 1] == b' '
                && matches!((t[i], t[i + 1]), (b'1', b'9') | (b'2', b'0'));
            (false, year)
        }
    }
}

/// The value of the digits `t[s..e]`.
fn value(t: &[u8], s: usize, e: usize) -> u32 {
    decimal(&t[s..e])
}

/// A run of one or two digits at `s`: its end and value.
fn small(t: &[u8], s: usize) -> Option<(usize, u32)> {
    let n = t
        .get(s..)?
        .iter()
        .take(3)
        .take_while(|b| b.is_ascii_digit())
        .count();
    (1..=2).contains(&n).then(|| (s + n, value(t, s, s + n)))
}

fn year_ok(y: u32) -> bool {
    (1900..=2099).contains(&y)
}

fn month_ok(m: u32) -> bool {
    (1..=12).contains(&m)
}

fn day_ok(d: u32) -> bool {
    (1..=31).contains(&d)
}

/// Whether a date ending at `e` ends there: no word or further number
/// group follows, except the `T` of a timestamp.
fn ends(t: &[u8], e: usize) -> bool {
    match t.get(e) {
        None => true,
        Some(b'T') => at(t, e + 1) & DIGIT != 0,
        Some(b'.' | b'-' | b'/' | b',') => at(t, e + 1) & DIGIT == 0,
        Some(&b) => !is(b, ALNUM),
    }
}

/// The end of a numeric date starting with the digit word `i..dend`.
fn numeric(t: &[u8], i: usize, dend: usize) -> Option<usize> {
    let len = dend - i;
    if len == 8 {
        let (y, m, d) = (
            value(t, i, i + 4),
            value(t, i + 4, i + 6),
            value(t, i + 6, i + 8),
        );
        return (year_ok(y) && month_ok(m) && day_ok(d) && ends(t, dend)).then_some(dend);
    }
    let sep = *t.get(dend)?;
    if !matches!(sep, b'/' | b'.' | b'-') {
        return None;
    }
    let a = value(t, i, dend);
    if len == 4 {
        // YYYY-MM-DD
        let (me, m) = small(t, dend + 1)?;
        if t.get(me) != Some(&sep) {
            return None;
        }
        let (de, d) = small(t, me + 1)?;
        return (year_ok(a) && month_ok(m) && day_ok(d) && ends(t, de)).then_some(de);
    }
    // DD.MM.YYYY, MM/DD/YYYY, DD-Mon-YYYY.
    let (be, month_name) = match small(t, dend + 1) {
        Some((be, b)) => {
            let fits = (day_ok(a) && month_ok(b)) || (month_ok(a) && day_ok(b));
            if !fits {
                return None;
            }
            (be, false)
        }
        None => (month(t, dend + 1)?, true),
    };
    if month_name && !day_ok(a) {
        return None;
    }
    if t.get(be) != Some(&sep) {
        return None;
    }
    let ys = be + 1;
    let ye = ys
        + t.get(ys..)?
            .iter()
            .take(5)
            .take_while(|b| b.is_ascii_digit())
            .count();
    let year = match ye - ys {
        4 => year_ok(value(t, ys, ye)),
        2 => !month_name,
        _ => false,
    };
    (year && ends(t, ye)).then_some(ye)
}

/// English month names and abbreviations (lowercase).
const MONTHS: [&[u8]; 25] = [
    b"january",
    b"february",
    b"march",
    b"april",
    b"may",
    b"june",
    b"july",
    b"august",
    b"september",
    b"october",
    b"november",
    b"december",
    b"jan",
    b"feb",
    b"mar",
    b"apr",
    b"jun",
    b"jul",
    b"aug",
    b"sep",
    b"sept",
    b"oct",
    b"nov",
    b"dec",
    b"febr",
];

/// The end of a month name at `s` (any case, optionally with the `.` of an
/// abbreviation), not glued to a further letter.
fn month(t: &[u8], s: usize) -> Option<usize> {
    let n = t
        .get(s..)?
        .iter()
        .take(10)
        .take_while(|b| b.is_ascii_alphabetic())
        .count();
    let word = &t[s..s + n];
    if !MONTHS.iter().any(|m| word.eq_ignore_ascii_case(m)) {
        return None;
    }
    let e = s + n;
    Some(if t.get(e) == Some(&b'.') && n <= 4 {
        e + 1
    } else {
        e
    })
}

/// A month name ending at `e` (before it, after a non-letter): its start.
fn month_before(t: &[u8], e: usize) -> Option<usize> {
    let e = if e > 0 && t[e - 1] == b'.' { e - 1 } else { e };
    let mut s = e;
    while s > 0 && e - s < 10 && t[s - 1].is_ascii_alphabetic() {
        s -= 1;
    }
    let word = &t[s..e];
    let boundary = s == 0 || !t[s - 1].is_ascii_alphanumeric();
    (boundary && MONTHS.iter().any(|m| word.eq_ignore_ascii_case(m))).then_some(s)
}

/// A day (one or two digits, maybe an ordinal `st nd rd th`, maybe a `.`)
/// ending at `e`: its start.
fn day_before(t: &[u8], e: usize) -> Option<usize> {
    let mut k = e;
    if k > 0 && t[k - 1] == b'.' {
        k -= 1;
    }
    if k >= 2 {
        let suffix = [t[k - 2] | 0x20, t[k - 1] | 0x20];
        if matches!(&suffix, b"st" | b"nd" | b"rd" | b"th") {
            k -= 2;
        }
    }
    let mut s = k;
    while s > 0 && k - s < 3 && t[s - 1].is_ascii_digit() {
        s -= 1;
    }
    let boundary = s == 0 || !t[s - 1].is_ascii_alphanumeric();
    (boundary && (1..=2).contains(&(k - s)) && day_ok(value(t, s, k))).then_some(s)
}

/// A written date whose year is the digit word at `y` (after a space):
/// `Month DD[,] YYYY` or `DD Month YYYY`. Its range.
fn written(t: &[u8], y: usize) -> Option<(usize, usize)> {
    let ye = y + 4;
    if !year_ok(value(t, y, ye)) || !ends(t, ye) {
        return None;
    }
    // The space before the year, maybe a comma before it.
    let mut k = y - 1;
    if k > 0 && t[k - 1] == b',' {
        k -= 1;
    }
    if let Some(ds) = day_before(t, k) {
        // Month DD, YYYY
        let sp = ds.checked_sub(1)?;
        if t[sp] != b' ' {
            return None;
        }
        return month_before(t, sp).map(|ms| (ms, ye));
    }
    // DD Month YYYY, DD-Mon YYYY
    let ms = month_before(t, k)?;
    let sp = ms.checked_sub(1)?;
    if !matches!(t[sp], b' ' | b'-') {
        return None;
    }
    day_before(t, sp).map(|ds| (ds, ye))
}
