//! Digit-based detectors with checksums or range rules: `credit_card` (Luhn +
//! IIN/brand length rules), `us_ssn` (SSA area/group/serial rules) and `iban`
//! (per-country length + mod-97). All are tried at the start of a digit word
//! (IBAN at an uppercase word) and reject typical log numbers within a few bytes.

use super::classes::{at, before, is, run, ALNUM, DIGIT, UPPER, WORD};

/// Whether the number starting at `i` merely continues a longer one: `2024-01-15`
/// seen from `01`, `1.2.3.4.5` seen from `2`, `1,234` seen from `234`.
///
/// After a comma only a group of exactly three digits continues (a thousands
/// group, not followed by a dashed or spaced group); anything else starts a
/// new value: lists and CSV rows such as `10.0.0.1,10.0.0.2` or
/// `3,4111111111111111` hid their second value before.
pub(super) fn continues_number(t: &[u8], i: usize) -> bool {
    if i < 2 || !is(t[i - 2], DIGIT) {
        return false;
    }
    match t[i - 1] {
        b'.' | b'-' | b'/' => true,
        b',' => {
            let e = run(t, i, DIGIT);
            // `7,078-05-1120`, `9,415 555 2671`: a dashed or spaced group
            // after three digits makes them the start of a new value.
            e - i == 3 && !(matches!(t.get(e), Some(b'-' | b' ')) && at(t, e + 1) & DIGIT != 0)
        }
        _ => false,
    }
}

/// Whether a number ending at `e` ends there, rather than running on as a word,
/// a decimal (`.5`), or another separated group.
pub(super) fn number_ends(t: &[u8], e: usize) -> bool {
    at(t, e) & WORD == 0
        && !(matches!(t.get(e), Some(b'.' | b',' | b'-')) && at(t, e + 1) & DIGIT != 0)
}

/// Credit card numbers: 13-19 digits, plain or grouped with one kind of
/// separator (`4111 1111 1111 1111`, `3782-822463-10005`), with a real brand
/// prefix for its length and a valid Luhn check digit.
///
/// Out of line: few numbers get this far, and inlined into `words::word`
/// it made the frame every number pays for larger.
#[inline(never)]
pub(super) fn card_at(t: &[u8], i: usize, dend: usize) -> Option<usize> {
    let mut d = [0u8; 19];
    let first = dend - i;
    if (13..=19).contains(&first) {
        for (k, &b) in t[i..dend].iter().enumerate() {
            d[k] = b - b'0';
        }
        let digits = &d[..first];
        return (number_ends(t, dend) && brand_ok(digits) && luhn_ok(digits)).then_some(dend);
    }
    if first != 4 {
        return None;
    }
    let sep = *t.get(dend)?;
    if sep != b' ' && sep != b'-' {
        return None;
    }
    for (k, &b) in t[i..dend].iter().enumerate() {
        d[k] = b - b'0';
    }
    let mut n = 4;
    let mut j = dend;
    // Candidate ends: group boundaries with 13+ digits, longest first. A card
    // is often followed by more digits in the same style (`4111 1111 1111 1111
    // 12/27`, a CVV, a year, the next card of a list); an extra group used to
    // reject the whole card, so all but the last card of a list leaked, one
    // more being found by each rescan.
    let mut ends = [(0usize, 0usize); 6];
    let mut k = 0;
    while t.get(j) == Some(&sep) && at(t, j + 1) & DIGIT != 0 {
        let ge = run(t, j + 1, DIGIT);
        let glen = ge - (j + 1);
        if !(3..=6).contains(&glen) || n + glen > 19 {
            break;
        }
        for &b in &t[j + 1..ge] {
            d[n] = b - b'0';
            n += 1;
        }
        j = ge;
        if n >= 13 && k < ends.len() {
            ends[k] = (n, j);
            k += 1;
        }
    }
    ends[..k]
        .iter()
        .rev()
        .find(|&&(n, e)| number_ends(t, e) && brand_ok(&d[..n]) && luhn_ok(&d[..n]))
        .map(|&(_, e)| e)
}

/// Value of the first `k` digits.
fn prefix(d: &[u8], k: usize) -> u32 {
    d.iter().take(k).fold(0, |acc, &x| acc * 10 + x as u32)
}

/// Issuer identification number ranges and the lengths each brand issues.
/// Epoch timestamps (`17...`) and most random ids fall outside all of them.
fn brand_ok(d: &[u8]) -> bool {
    let len = d.len();
    let (p2, p3, p4) = (prefix(d, 2), prefix(d, 3), prefix(d, 4));
    let r16_19 = (16..=19).contains(&len);
    (d[0] == 4 && matches!(len, 13 | 16 | 19)) // Visa
        || (((51..=55).contains(&p2) || (2221..=2720).contains(&p4)) && len == 16) // Mastercard
        || ((p2 == 34 || p2 == 37) && len == 15) // Amex
        || ((p4 == 6011 || (644..=649).contains(&p3) || p2 == 65) && r16_19) // Discover
        || (((300..=305).contains(&p3) || p2 == 36 || p2 == 38 || p2 == 39) && (14..=19).contains(&len)) // Diners
        || ((3528..=3589).contains(&p4) && r16_19) // JCB
        || (p2 == 62 && r16_19) // UnionPay
        || ((2200..=2204).contains(&p4) && r16_19) // Mir
        || (matches!(p4, 5018 | 5020 | 5038 | 5893 | 6304 | 6759 | 6761 | 6762 | 6763)
            && (13..=19).contains(&len)) // Maestro
        || ((p2 == 60 || p2 == 81 || p2 == 82 || p3 == 508) && len == 16) // RuPay
}

fn luhn_ok(d: &[u8]) -> bool {
    let sum: u32 = d
        .iter()
        .rev()
        .enumerate()
        .map(|(k, &x)| {
            let x = x as u32;
            if k % 2 == 1 {
                let y = x * 2;
                if y > 9 {
                    y - 9
                } else {
                    y
                }
            } else {
                x
            }
        })
        .sum();
    sum % 10 == 0
}

/// US SSNs: `AAA-GG-SSSS` or `AAA GG SSSS`, where area 000, 666 and
/// 900-999, group 00 and serial 0000 are never issued, so they are not SSNs;
/// a bare 9-digit run only in context, when the key or a label before it
/// names an SSN (`named`, asked only for a number of that shape). In context
/// the shape alone decides: a value someone labelled as an SSN is one even
/// outside the issued ranges (`987-65-4321`, an advertising number, is
/// still what a form asked for).
///
/// Out of line: few numbers get this far, and inlined into `words::word`
/// it made the frame every number pays for larger.
#[inline(never)]
pub(super) fn ssn_at(
    t: &[u8],
    i: usize,
    dend: usize,
    named: impl FnOnce() -> bool,
) -> Option<usize> {
    let mut d = [0u8; 9];
    let (end, grouped) = match dend - i {
        3 => {
            let sep = *t.get(dend)?;
            if sep != b'-' && sep != b' ' {
                return None;
            }
            let g = dend + 1;
            if run(t, g, DIGIT) != g + 2 || t.get(g + 2) != Some(&sep) {
                return None;
            }
            let s = g + 3;
            if run(t, s, DIGIT) != s + 4 {
                return None;
            }
            let src = t[i..dend].iter().chain(&t[g..g + 2]).chain(&t[s..s + 4]);
            for (k, &b) in src.enumerate() {
                d[k] = b - b'0';
            }
            (s + 4, true)
        }
        9 => (dend, false),
        _ => return None,
    };
    if !number_ends(t, end) {
        return None;
    }
    let (area, group, serial) = (prefix(&d, 3), prefix(&d[3..], 2), prefix(&d[5..], 4));
    let issued = grouped && area != 0 && area != 666 && area < 900 && group != 0 && serial != 0;
    (issued || named()).then_some(end)
}

/// IBAN length per ISO 3166 country code (SWIFT IBAN registry).
fn iban_len(cc: [u8; 2]) -> Option<usize> {
    Some(match &cc {
        b"NO" => 15,
        b"BE" => 16,
        b"DK" | b"FI" | b"FO" | b"GL" | b"NL" | b"SD" | b"FK" => 18,
        b"MK" | b"SI" => 19,
        b"AT" | b"BA" | b"EE" | b"KZ" | b"LT" | b"LU" | b"XK" | b"MN" => 20,
        b"CH" | b"HR" | b"LI" | b"LV" => 21,
        b"BG" | b"BH" | b"CR" | b"DE" | b"GB" | b"GE" | b"IE" | b"ME" | b"RS" | b"VA" => 22,
        b"AE" | b"GI" | b"IL" | b"IQ" | b"OM" | b"SO" | b"TL" => 23,
        b"AD" | b"CZ" | b"ES" | b"MD" | b"PK" | b"RO" | b"SA" | b"SE" | b"SK" | b"TN" | b"VG" => 24,
        b"LY" | b"PT" | b"ST" => 25,
        b"IS" | b"TR" => 26,
        b"BI" | b"DJ" | b"FR" | b"GR" | b"IT" | b"MC" | b"MR" | b"SM" => 27,
        b"AL" | b"AZ" | b"BY" | b"CY" | b"DO" | b"GT" | b"HN" | b"HU" | b"LB" | b"NI" | b"PL"
        | b"SV" => 28,
        b"BR" | b"EG" | b"PS" | b"QA" | b"UA" => 29,
        b"JO" | b"KW" | b"MU" | b"YE" => 30,
        b"MT" | b"SC" => 31,
        b"LC" => 32,
        b"RU" => 33,
        _ => return None,
    })
}

/// IBANs: country code, two check digits and the BBAN, unbroken or printed in
/// groups of four (`DE89 3704 0044 0532 0130 00`), of the country's length and
/// with the mod-97 remainder 1.
pub(super) fn iban_at(t: &[u8], i: usize) -> Option<usize> {
    let head = t.get(i..i + 4)?;
    if !is(head[0], UPPER) || !is(head[1], UPPER) || !is(head[2], DIGIT) || !is(head[3], DIGIT) {
        return None;
    }
    let len = iban_len([head[0], head[1]])?;
    let spaced = t.get(i + 4) == Some(&b' ');
    let mut rem: u32 = 0;
    let mut j = i + 4;
    for count in 4..len {
        if spaced && count % 4 == 0 {
            if t.get(j) != Some(&b' ') {
                return None;
            }
            j += 1;
        }
        rem = mod97_push(rem, *t.get(j)?)?;
        j += 1;
    }
    for &b in head {
        rem = mod97_push(rem, b)?;
    }
    (rem == 1 && at(t, j) & (ALNUM | super::classes::HIGH) == 0).then_some(j)
}

/// Appends one IBAN character (digit, or letter as 10..35) to a mod-97 remainder.
fn mod97_push(rem: u32, b: u8) -> Option<u32> {
    if b.is_ascii_digit() {
        Some((rem * 10 + (b - b'0') as u32) % 97)
    } else if b.is_ascii_uppercase() {
        Some((rem * 100 + (b - b'A' + 10) as u32) % 97)
    } else {
        None
    }
}

/// Whether a number at `i` is glued to the previous byte in a way that makes it
/// part of something else (used by IPv4: `a.1.2.3.4`, `Chrome/120.0.0.0`).
pub(super) fn dotted_or_versioned(t: &[u8], i: usize) -> bool {
    if i == 0 {
        return false;
    }
    match t[i - 1] {
        // Inside a longer numeric dotted run (`1.2.3.4.5`, `10.0.19041.1`); after a
        // word and a dot (`tenant.10.1.2.3` as an attribute key) it is an address.
        b'.' => before(t, i - 1) & DIGIT != 0,
        // A version after a product token (`Chrome/120.0.0.0`, `Edg/120.0.2210.91`
        // in a user agent: capitalized); after a lowercase path word
        // (`/customers/10.1.2.3/`) it is an address.
        b'/' => product_token_before(t, i - 1),
        _ => false,
    }
}

/// Whether the word that ends right before `slash` starts with an uppercase
/// letter (a user-agent product token such as `Chrome` or `AppleWebKit`).
fn product_token_before(t: &[u8], slash: usize) -> bool {
    let mut s = slash;
    while s > 0 && is(t[s - 1], ALNUM) {
        s -= 1;
    }
    s < slash && is(t[s], UPPER)
}
