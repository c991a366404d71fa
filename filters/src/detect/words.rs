//! The word-by-word pass: walks the value once, and at each place where a
//! detector's anchor can start (the first byte of a word, `+`, `(`, `::`)
//! tries only the detectors that such a byte can start. Words where nothing
//! matched are skipped whole, so every byte is classified about once.

use super::classes::{before, class, run, DIGIT, HEX, HIGH, LOWER, UPPER, WORD};
use super::{ip, kv, names, numbers, phone, tokens};
use super::{Active, BuiltinDetector as B, DetectorId, DetectorSet, Match};

/// What one scan of one value needs to know, passed to every scanner.
pub(super) struct Ctx<'a> {
    pub set: &'a DetectorSet,
    pub on: &'a Active,
    pub key: &'a [u8],
    pub text: &'a [u8],
}

/// Longest candidate starting at one position.
#[derive(Default)]
struct Best(Option<(usize, DetectorId)>);

impl Best {
    fn offer(&mut self, end: Option<usize>, d: B) {
        if let Some(e) = end {
            if self.0.is_none_or(|(be, _)| e > be) {
                self.0 = Some((e, d.id()));
            }
        }
    }
}

pub(super) fn scan(set: &DetectorSet, on: &Active, key: &[u8], text: &[u8], out: &mut Vec<Match>) {
    let cx = Ctx { set, on, key, text };
    let n = text.len();
    let mut i = 0;
    while i < n {
        let b = text[i];
        let c = class(b);
        if c & WORD == 0 {
            let end = match b {
                b'+' | b'(' if on.phone => phone::at_punct(&cx, i),
                b':' if on.ipv6 => ip::ipv6_at(text, i),
                _ => None,
            };
            match end {
                Some(e) => {
                    let d = if b == b':' { B::Ipv6 } else { B::Phone };
                    out.push(Match {
                        start: i,
                        end: e,
                        detector: d.id(),
                    });
                    i = e;
                }
                None => i += 1,
            }
            continue;
        }
        // `i` starts a word: everything before it was skipped as non-word bytes
        // or as a whole word or match.
        let wend = run(text, i, WORD);
        let mut best = Best::default();
        if c & DIGIT != 0 {
            digit_word(&cx, i, wend, &mut best);
        } else if c & (UPPER | LOWER) != 0 {
            letter_word(&cx, i, wend, c, &mut best, out);
        } else if c & HIGH != 0 && on.name {
            best.offer(names::at(text, i), B::PersonName);
        }
        match best.0 {
            Some((e, d)) => {
                out.push(Match {
                    start: i,
                    end: e,
                    detector: d,
                });
                i = e.max(i + 1);
            }
            None => i = wend,
        }
    }
}

fn digit_word(cx: &Ctx, i: usize, wend: usize, best: &mut Best) {
    let t = cx.text;
    let on = cx.on;
    if on.ipv6 && maybe_ipv6(t, i, wend) {
        best.offer(ip::ipv6_at(t, i), B::Ipv6);
    }
    // `12ms`, `3f9a...` (hex ids), `5xx`: a digit run glued to letters is not a number.
    let dend = run(t, i, DIGIT);
    if dend < wend || numbers::continues_number(t, i) {
        return;
    }
    if on.ipv4 {
        best.offer(ip::ipv4_at(t, i, dend), B::Ipv4);
    }
    if on.card {
        best.offer(numbers::card_at(t, i, dend), B::CreditCard);
    }
    if on.ssn {
        best.offer(numbers::ssn_at(t, i, dend, cx.key), B::UsSsn);
    }
    if on.phone {
        best.offer(phone::at_digit(cx, i, dend), B::Phone);
    }
}

fn letter_word(cx: &Ctx, i: usize, wend: usize, c: u32, best: &mut Best, out: &mut Vec<Match>) {
    let t = cx.text;
    let on = cx.on;
    let b = t[i];
    if c & UPPER != 0 {
        if on.iban {
            best.offer(numbers::iban_at(t, i), B::Iban);
        }
        if on.aws_id && b == b'A' {
            best.offer(tokens::aws_key_id_at(t, i, wend), B::AwsAccessKeyId);
        }
        if on.name {
            best.offer(names::at(t, i), B::PersonName);
        }
    }
    if on.ipv6 && maybe_ipv6(t, i, wend) {
        best.offer(ip::ipv6_at(t, i), B::Ipv6);
    }
    if on.jwt && b == b'e' {
        best.offer(tokens::jwt_at(t, i), B::Jwt);
    }
    if on.bearer && matches!(b, b'B' | b'b' | b'T' | b't') {
        if let Some((s, e)) = tokens::bearer_at(t, i, wend) {
            // The match starts at the token, not at the keyword.
            out.push(Match {
                start: s,
                end: e,
                detector: B::BearerToken.id(),
            });
        }
    }
    if (on.kv || on.url_credentials) && before(t, i) & WORD == 0 && kv_candidate(t, wend) {
        kv::at_ident(cx, i, out);
    }
}

/// Whether an IPv6 address can start at the word `i..wend`: a group of 1-4
/// hex digits then `:`.
fn maybe_ipv6(t: &[u8], i: usize, wend: usize) -> bool {
    wend - i <= 4 && t.get(wend) == Some(&b':') && run(t, i, HEX) == wend
}

/// Whether the word ending at `wend` can be (the start of) an identifier
/// followed by `=`, `:` or `://`: cheap rejection of ordinary prose words.
fn kv_candidate(t: &[u8], wend: usize) -> bool {
    match t.get(wend) {
        Some(b'=' | b':' | b'.' | b'_' | b'-' | b'"' | b'\'' | b'\\') => true,
        Some(b' ' | b'\t') => {
            let mut k = wend + 1;
            while matches!(t.get(k), Some(b' ' | b'\t')) && k < wend + 8 {
                k += 1;
            }
            matches!(t.get(k), Some(b'=' | b':'))
        }
        _ => false,
    }
}
