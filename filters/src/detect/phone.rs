//! `phone`: E.164 numbers (`+` and 8-15 digits with optional separators), NANP
//! formats (`(555) 234-5678`, `555-234-5678`, `555.234.5678`, `+1 555 234 5678`)
//! whose area code and exchange start with 2-9, and bare digit runs only when
//! the key names a phone (`*phone*`, `*mobile*`, `*tel*`).

use super::classes::{at, before, run, DIGIT, WORD};
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
            .find(|&&(n, end)| ok(&self.d[..n]) && number_ends(t, end))
            .map(|&(_, end)| end)
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

/// NANP area code / exchange rule: both start with 2-9.
fn nanp_ok(d: &[u8]) -> bool {
    d.len() == 10 && d[0] >= 2 && d[3] >= 2
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
        return read(t, i + 1).longest(t, |d| {
            if d[0] == 1 {
                d.len() == 11 && nanp_ok(&d[1..11])
            } else {
                (8..=MAX_DIGITS).contains(&d.len())
            }
        });
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
    let d = [
        t[a],
        t[a + 1],
        t[a + 2],
        t[x],
        t[x + 1],
        t[x + 2],
        t[l],
        t[l + 1],
        t[l + 2],
        t[l + 3],
    ];
    let d = d.map(|b| b - b'0');
    (nanp_ok(&d) && number_ends(t, l + 4)).then_some(l + 4)
}

fn before_byte(t: &[u8], i: usize) -> Option<u8> {
    i.checked_sub(1).map(|p| t[p])
}

/// Phone numbers starting at a digit word `i..dend`: NANP `555-234-5678`,
/// `555.234.5678`, `1-800-555-0199`; any 7-15 digit number under a phone key.
///
/// Out of line: few numbers get this far, and inlined into `words::word`
/// it made the frame every number pays for larger.
#[inline(never)]
pub(super) fn at_digit(cx: &Ctx, i: usize, dend: usize) -> Option<usize> {
    let t = cx.text;
    if let Some(e) = nanp_dashed(t, i, dend) {
        return Some(e);
    }
    // Bare digit runs count only under a phone key; free text has none.
    if cx.key.is_empty() || !cx.facts.phone() {
        return None;
    }
    read(t, i).longest(t, |d| (7..=MAX_DIGITS).contains(&d.len()))
}

/// `AAA-EEE-LLLL` or `AAA.EEE.LLLL` (one separator throughout), optionally
/// after `1-` / `1.`.
fn nanp_dashed(t: &[u8], i: usize, dend: usize) -> Option<usize> {
    let mut a = i;
    if dend - i == 1 && t[i] == b'1' {
        let sep = *t.get(dend)?;
        if sep != b'-' && sep != b'.' {
            return None;
        }
        a = dend + 1;
    } else if dend - i != 3 {
        return None;
    }
    let sep = *t.get(a + 3)?;
    if (sep != b'-' && sep != b'.') || run(t, a, DIGIT) != a + 3 {
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
    let mut d = [0u8; 10];
    for (k, &b) in t[a..a + 3]
        .iter()
        .chain(&t[x..x + 3])
        .chain(&t[l..l + 4])
        .enumerate()
    {
        d[k] = b - b'0';
    }
    (nanp_ok(&d) && number_ends(t, l + 4)).then_some(l + 4)
}
