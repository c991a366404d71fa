//! `phone`: E.164 numbers (`+` and 8-15 digits with optional separators),
//! NANP formats (`(555) 234-5678`, `555-234-5678`, `555.234.5678`,
//! `1-800-555-0199`, `001-555-234-5678`, `+1 555 234 5678`, with a glued
//! extension `x123`), NANP numbers in single-space groups (`415 555 2671`)
//! whose area code and exchange follow the numbering plan, and bare or
//! national digit runs (`4155552671`, `07911 123456`) when the key names a
//! phone (`*phone*`, `*mobile*`, `*tel*`) or a label in the text does
//! (`call 4155552671`, `phone: 06 12 34 56 78`, see [`super::labels`]).
//!
//! The punctuated NANP shapes (`-`, `.`, parentheses, a `+1`/`1-`/`001-`
//! prefix) are phone numbers whatever their digits: nothing else in logs
//! looks like them, and generated test numbers (`(012) 345-6789`) need not
//! follow the plan. The space-separated shape is weaker (`256 512 1024` is
//! a list), so there the plan's rules apply and the groups must stand alone.

use super::classes::{at, before, is, run, DIGIT, DOT, WORD};
use super::labels;
use super::numbers::number_ends;
use super::words::Ctx;

/// Most digits in an E.164 number.
const MAX_DIGITS: usize = 15;

/// Digits read from a formatted number.
struct Digits {
    d: [u8; MAX_DIGITS],
    n: usize,
    /// (digit count, end) after each group of digits, in reading order.
    groups: [(usize, usize); MAX_DIGITS],
    g: usize,
}

impl Digits {
    /// The longest prefix ending at a group boundary that `ok` accepts and
    /// that ends as a number. A phone number is often followed by another
    /// number (`+1 415 555 0134 2024`, a year, an IPv6 address): reading on
    /// into it used to reject the phone number, and a rescan after the next
    /// number was redacted found it (scrubbing was not idempotent).
    fn longest(&self, t: &[u8], ok: impl Fn(&[u8]) -> bool) -> Option<usize> {
        self.groups[..self.g]
            .iter()
            .rev()
            .filter(|&&(n, _)| ok(&self.d[..n]))
            .find_map(|&(_, end)| phone_ends(t, end))
    }

    /// Whether the groups read look like a date (`2024-01-15`, `15.01.2024`,
    /// `1/2/2024` is not read): a four-digit group first or third, the
    /// others of one or two digits. A label such as `called at` may be
    /// followed by one.
    fn date_like(&self) -> bool {
        let len = |k: usize| {
            let prev = if k == 0 { 0 } else { self.groups[k - 1].0 };
            self.groups[k].0 - prev
        };
        if self.g < 3 {
            return false;
        }
        let (a, b, c) = (len(0), len(1), len(2));
        (a == 4 && b <= 2 && c <= 2) || (a <= 2 && b <= 2 && c == 4)
    }
}

/// Reads digits from `j` joined by single separators (` `, `-`, `.`) and
/// parenthesized groups (`(555)`, `(0)`), up to 15 digits.
fn read(t: &[u8], mut j: usize) -> Digits {
    let mut out = Digits {
        d: [0; MAX_DIGITS],
        n: 0,
        groups: [(0, 0); MAX_DIGITS],
        g: 0,
    };
    let mut in_paren = false;
    while let Some(&b) = t.get(j) {
        match b {
            b'0'..=b'9' => {
                if out.n == MAX_DIGITS {
                    // Too many digits: only a prefix ending at an earlier group boundary
                    // may be a number (a group cut here was never recorded).
                    break;
                }
                out.d[out.n] = b - b'0';
                out.n += 1;
                j += 1;
                if at(t, j) & DIGIT == 0 {
                    out.groups[out.g] = (out.n, j);
                    out.g += 1;
                }
            }
            b' ' | b'-' | b'.'
                if out.n > 0 && (at(t, j + 1) & DIGIT != 0 || t.get(j + 1) == Some(&b'(')) =>
            {
                j += 1
            }
            b'(' if !in_paren && at(t, j + 1) & DIGIT != 0 => {
                in_paren = true;
                j += 1;
            }
            b')' if in_paren => {
                in_paren = false;
                j += 1;
            }
            _ => break,
        }
    }
    out
}

/// The numbering plan's rules for a number in space-separated groups: area
/// code and exchange start with 2-9, neither is an N11 service code
/// (`411`, `911`), and no area code has 9 in the middle (reserved).
fn nanp_ok(d: &[u8]) -> bool {
    let n11 = |k: usize| d[k + 1] == 1 && d[k + 2] == 1;
    d.len() == 10 && d[0] >= 2 && d[3] >= 2 && !n11(0) && !n11(3) && d[1] != 9
}

/// Where a phone number that ends at `e` ends: at `e` when no word or
/// further group follows, or after a glued extension (`x123`, `X4567`).
fn phone_ends(t: &[u8], e: usize) -> Option<usize> {
    if number_ends(t, e) {
        return Some(e);
    }
    if !matches!(t.get(e), Some(b'x' | b'X')) {
        return None;
    }
    let x = run(t, e + 1, DIGIT);
    ((1..=6).contains(&(x - e - 1)) && number_ends(t, x)).then_some(x)
}

/// Phone numbers starting at `+` or `(`.
pub(super) fn at_punct(cx: &Ctx, i: usize) -> Option<usize> {
    let t = cx.text;
    if before(t, i) & WORD != 0 || matches!(before_byte(t, i), Some(b'+' | b')' | b'-')) {
        return None;
    }
    if t[i] == b'+' {
        let first = *t.get(i + 1)?;
        if !(b'1'..=b'9').contains(&first) {
            return None;
        }
        // `+1` and ten digits first: a NANP number followed by more
        // digits (`+1 415 555 0134 2024`) ends after its own.
        let d = read(t, i + 1);
        if first == b'1' {
            if let Some(e) = d.longest(t, |d| d.len() == 11) {
                return Some(e);
            }
        }
        return d.longest(t, |d| (8..=MAX_DIGITS).contains(&d.len()));
    }
    // `(555) 234-5678`, `(555)234-5678`, `(555) 234 5678`
    let a = i + 1;
    if run(t, a, DIGIT) != a + 3 || t.get(a + 3) != Some(&b')') {
        return None;
    }
    let mut x = a + 4;
    if t.get(x) == Some(&b' ') {
        x += 1;
    }
    if run(t, x, DIGIT) != x + 3 {
        return None;
    }
    let mut l = x + 3;
    if matches!(t.get(l), Some(b'-' | b'.' | b' ')) {
        l += 1;
    }
    if run(t, l, DIGIT) != l + 4 {
        return None;
    }
    phone_ends(t, l + 4)
}

fn before_byte(t: &[u8], i: usize) -> Option<u8> {
    i.checked_sub(1).map(|p| t[p])
}

/// Phone numbers starting at a digit word `i..dend`: NANP `555-234-5678`,
/// `555.234.5678`, `1-800-555-0199`, `415 555 2671`; any 7-15 digit number
/// (maybe in groups) under a phone key or after a phone label.
///
/// Out of line: few numbers get this far, and inlined into `words::word`
/// it made the frame every number pays for larger.
#[inline(never)]
pub(super) fn at_digit(cx: &Ctx, i: usize, dend: usize) -> Option<usize> {
    let t = cx.text;
    if let Some(e) = nanp(t, i, dend) {
        return Some(e);
    }
    if !cx.key.is_empty() && cx.facts.phone() {
        return read(t, i).longest(t, |d| (7..=MAX_DIGITS).contains(&d.len()));
    }
    // Free text (or a key that says nothing): a bare or national number
    // only after a label that names a phone, when it has the digits for
    // one (the NANP shapes get here with decimals such as `120.5ms`). Most
    // numbers that do (`offset 4821907`) have a word before them that no
    // label ends like, which costs less to see than reading their digits.
    if !seven_digits(t, dend, dend - i) || labels::before(t, i) & labels::PHONE == 0 {
        return None;
    }
    labeled(t, i)
}

/// Whether the groups of digits joined by single ` - .` from the separator
/// at `k` bring the `n` digits before it to the seven of the shortest
/// phone number a label can name, at a group that is not glued to a word.
/// Decimals, versions and durations (`14.2ms`, `1.24.0`, `200 120.5ms`),
/// most numbers with a separator in logs, stop short.
#[inline(always)]
pub(super) fn seven_digits(t: &[u8], mut k: usize, mut n: usize) -> bool {
    loop {
        if n >= 7 && at(t, k) & WORD == 0 {
            return true;
        }
        if !matches!(t.get(k), Some(b' ' | b'-' | b'.')) {
            return false;
        }
        let e = run(t, k + 1, DIGIT);
        if e == k + 1 {
            return false;
        }
        n += e - k - 1;
        k = e;
    }
}

/// The number at `i` after a phone label: 7-15 digits in groups, not a date.
fn labeled(t: &[u8], i: usize) -> Option<usize> {
    let d = read(t, i);
    if d.n < 7 || d.date_like() {
        return None;
    }
    d.longest(t, |d| (7..=MAX_DIGITS).contains(&d.len()))
}

/// The NANP shapes at a digit word: `AAA-EEE-LLLL` or `AAA.EEE.LLLL` (one
/// separator throughout), optionally after `1-` / `1.` / `001-`, any digits;
/// `AAA EEE LLLL` (optionally after `1 `) under the plan's rules and alone
/// (no number group right before or after it).
fn nanp(t: &[u8], i: usize, dend: usize) -> Option<usize> {
    let mut a = i;
    let len = dend - i;
    let sep = *t.get(dend)?;
    if !matches!(sep, b'-' | b'.' | b' ') {
        return None;
    }
    // A country prefix: `1-`, `1 `, `001-` (dialled from the US).
    let prefixed = (len == 1 && t[i] == b'1') || (len == 3 && &t[i..dend] == b"001");
    if prefixed && run(t, dend + 1, DIGIT) == dend + 4 && t.get(dend + 4) == Some(&sep) {
        a = dend + 1;
    } else if len != 3 {
        return None;
    }
    if run(t, a, DIGIT) != a + 3 || t.get(a + 3) != Some(&sep) {
        return None;
    }
    let x = a + 4;
    if run(t, x, DIGIT) != x + 3 || t.get(x + 3) != Some(&sep) {
        return None;
    }
    let l = x + 4;
    if run(t, l, DIGIT) != l + 4 {
        return None;
    }
    if sep != b' ' {
        return phone_ends(t, l + 4);
    }
    let mut d = [0u8; 10];
    for (k, &b) in t[a..a + 3]
        .iter()
        .chain(&t[x..x + 3])
        .chain(&t[l..l + 4])
        .enumerate()
    {
        d[k] = b - b'0';
    }
    // A group before it other than a lone country code `1` makes a list.
    let lone_one = |k: usize| t[k] == b'1' && (k == 0 || !is(t[k - 1], WORD | DOT));
    let alone_before =
        !(a == i && i >= 2 && t[i - 1] == b' ' && is(t[i - 2], DIGIT)) || lone_one(i - 2);
    let alone_after = !(t.get(l + 4) == Some(&b' ') && at(t, l + 5) & DIGIT != 0);
    (nanp_ok(&d) && alone_before && alone_after)
        .then(|| phone_ends(t, l + 4))
        .flatten()
}
