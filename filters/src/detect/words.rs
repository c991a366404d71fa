//! The single pass over a value. It finds candidate bytes 64 at a time with
//! branch-free arithmetic on 8-byte words ([`candidates`]) and stops only at
//! triggers ([`triggers`]): a digit, non-ASCII byte or `b` at a word start, an
//! uppercase letter or `k` in the first bytes of a word (`INFO`, `eyJ`,
//! `tOKEN`, `token`), and `=` `:` `@` `+` `(`. Lowercase words, spaces,
//! `. _ - /` and digits inside words (most of a log line: resolver names,
//! paths, hex ids) cost about one operation per byte and no branch.
//!
//! At a trigger in a word, the word is handled as a whole from its start
//! (every detector anchored at a word start is tried once) and skipped; a
//! word without a trigger cannot start a match, except an IPv6 group of
//! letters such as `fe:`, which the `:` after it picks up. `=` and `:` run the
//! identifier-anchored detectors (`kv`), which read the identifier backwards
//! from the separator, and `@` runs `email`.
//!
//! Semantics are those of a walk over every word start in order: a match that
//! a word start yields (the longest of its candidates) is skipped whole, so no
//! word inside it is tried; bearer tokens and `kv` values are reported without
//! skipping. [`Regions`] remembers the skipped ranges for `kv`, whose
//! identifier may start before the separator's own position was reached.

use super::classes::{at, class, is, run, DIGIT, HEX, HIGH, IDENT_PUNCT, LOWER, UPPER, WORD};
use super::keyctx::KeyFacts;
use super::{email, ip, kv, names, numbers, phone, tokens};
use super::{Active, BuiltinDetector as B, DetectorId, DetectorSet, Match};

/// What one scan of one value needs to know, passed to every scanner.
pub(super) struct Ctx<'a> {
    pub set: &'a DetectorSet,
    pub on: &'a Active,
    pub key: &'a [u8],
    /// What `key` says about the value.
    pub facts: KeyFacts,
    pub text: &'a [u8],
}

/// The bytes at which the pass stops for a set of active scanners. A byte is a
/// trigger when some active scanner can need it; everything else is skipped
/// without a look at its context.
pub(super) fn triggers(on: &Active) -> [bool; 256] {
    let mut t = [false; 256];
    let mut set = |cond: bool, f: &dyn Fn(u8) -> bool| {
        if cond {
            for b in 0..=255u8 {
                if f(b) {
                    t[b as usize] = true;
                }
            }
        }
    };
    // Digit words: numbers, and IPv6 groups that start with a digit.
    set(on.card || on.ssn || on.phone || on.ipv4 || on.ipv6, &|b| {
        b.is_ascii_digit()
    });
    // Uppercase: IBAN, AWS key ids and names start with one, `eyJ` has one,
    // and a keyword with an uppercase letter (`bEARER`) has one.
    set(
        on.iban || on.aws_id || on.name || on.jwt || on.bearer,
        &|b| b.is_ascii_uppercase(),
    );
    set(on.name, &|b| b >= 0x80);
    // All-lowercase `bearer`/`basic` contain `b`, `token` contains `k`.
    set(on.bearer, &|b| b == b'b' || b == b'k');
    set(on.kv, &|b| b == b'=' || b == b':');
    set(on.url_credentials || on.ipv6, &|b| b == b':');
    set(on.phone, &|b| b == b'+' || b == b'(');
    set(on.email, &|b| b == b'@');
    t
}

/// Longest candidate starting at one position.
#[derive(Default)]
struct Best(Option<(usize, DetectorId)>);

impl Best {
    #[inline]
    fn offer(&mut self, end: Option<usize>, d: B) {
        if let Some(e) = end {
            if self.0.is_none_or(|(be, _)| e > be) {
                self.0 = Some((e, d.id()));
            }
        }
    }
}

/// The ranges skipped so far (matches found at a word start or at `+ ( :`),
/// as much as `kv` needs to tell whether an identifier start was reached.
///
/// Ranges are found in order and do not overlap. `last` is the latest one;
/// `cache` holds, for the identifier run containing the start of `last` (when
/// that start is inside one), the run's start and whether it was reached.
#[derive(Default)]
pub(super) struct Regions {
    last: Option<(usize, usize)>,
    cache: Option<(usize, bool)>,
}

impl Regions {
    /// Whether the pass reached position `s` (not strictly inside a skipped
    /// range). `s` is the start of an identifier run that ends at or before
    /// the position being handled, and every range starting before that
    /// position is known.
    pub(super) fn reached(&self, s: usize) -> bool {
        match self.last {
            None => true,
            Some((q, e)) if q < s => s >= e,
            Some((q, _)) if q == s => true,
            // The latest range starts inside the identifier run that starts
            // at `s`: `record` stored the answer for `s` then.
            Some(_) => matches!(self.cache, Some((c, v)) if c == s && v),
        }
    }

    /// Records the range `q..e`.
    fn record(&mut self, t: &[u8], q: usize, e: usize) {
        if q > 0 && is(t[q - 1], IDENT_PUNCT) {
            if let Some(s) = kv::ident_run_start(t, q) {
                self.cache = Some((s, self.reached(s)));
            }
        }
        self.last = Some((q, e));
    }
}

/// Per-scan state of the pass.
#[derive(Default)]
struct State {
    regions: Regions,
    /// End of the last email: an `@` inside it starts no other one.
    email_resume: usize,
}

/// Longest block whose trigger positions are collected at once.
const BLOCK: usize = 64;

/// Runs the pass over `cx.text`. Inlined into the caller so that a short
/// value without any candidate byte (most attribute keys and many values)
/// costs one mask computation and no call.
#[inline]
pub(super) fn scan(cx: &Ctx, out: &mut Vec<Match>) {
    let t = cx.text;
    let end = t.len().min(BLOCK);
    let first = candidates(t, 0, end);
    if first != 0 || end < t.len() {
        scan_blocks(cx, first, out);
    }
}

/// The pass, given the candidate mask of the first block.
fn scan_blocks(cx: &Ctx, first: u64, out: &mut Vec<Match>) {
    let t = cx.text;
    let trig = &cx.on.trigger;
    let mut st = State::default();
    // Everything before `i` is handled.
    let mut i: usize = 0;
    let mut block = 0;
    let mut first = Some(first);
    while block < t.len() {
        let end = (block + BLOCK).min(t.len());
        // Bit k: `t[block + k]` may be a trigger. One branch-free pass per
        // block, then one step per candidate instead of a branch per byte.
        let all = match first.take() {
            Some(m) => m,
            None => candidates(t, block, end),
        };
        let mut mask = all & from(i.saturating_sub(block));
        while mask != 0 {
            let p = block + mask.trailing_zeros() as usize;
            if trig[t[p] as usize] {
                i = at_trigger(cx, &mut st, i, p, out);
            }
            // Past `p`, and past whatever the trigger consumed.
            mask &= from(i.max(p + 1) - block);
        }
        block = end.max(i);
    }
}

/// Whether the byte before `k` is a digit or a lowercase letter.
#[inline]
fn after_word(t: &[u8], k: usize) -> bool {
    k > 0 && matches!(t[k - 1], b'0'..=b'9' | b'a'..=b'z')
}

/// Bits `k..64` set (none when `k >= 64`).
#[inline(always)]
fn from(k: usize) -> u64 {
    if k >= BLOCK {
        0
    } else {
        !0u64 << k
    }
}

/// Bit k set when `t[start + k]` (`end - start` is at most 64) may be a
/// trigger.
///
/// On x86_64 sixteen bytes at a time with SSE2 (part of the x86_64 baseline):
/// about half the instructions of the portable eight-byte version, which is
/// the fallback elsewhere.
#[inline]
fn candidates(t: &[u8], start: usize, end: usize) -> u64 {
    #[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
    {
        // SAFETY: the only requirement of `sse2::candidates` is that the CPU
        // has SSE2, and this branch is compiled only for targets where SSE2 is
        // enabled at compile time (every x86_64 CPU has it).
        #[allow(unsafe_code)]
        unsafe {
            sse2::candidates(t, start, end)
        }
    }
    #[cfg(not(all(target_arch = "x86_64", target_feature = "sse2")))]
    {
        candidates_swar(&t[start..end], after_word(t, start))
    }
}

/// The portable version of [`candidates`], eight bytes at a time (see [`swar`]).
#[cfg_attr(all(target_arch = "x86_64", target_feature = "sse2"), allow(dead_code))]
fn candidates_swar(chunk: &[u8], after_word: bool) -> u64 {
    let mut m = 0u64;
    let mut carry = if after_word { 0x80 } else { 0 };
    let mut words = chunk.chunks_exact(8);
    let mut k = 0;
    for w in &mut words {
        let x = w
            .iter()
            .rev()
            .fold(0u64, |acc, &b| (acc << 8) | u64::from(b));
        m |= swar(x, &mut carry) << k;
        k += 8;
    }
    // Zero padding is not a candidate.
    let rest = words.remainder();
    if !rest.is_empty() {
        let x = rest
            .iter()
            .rev()
            .fold(0u64, |acc, &b| (acc << 8) | u64::from(b));
        m |= swar(x, &mut carry) << k;
    }
    m
}

#[cfg_attr(all(target_arch = "x86_64", target_feature = "sse2"), allow(dead_code))]
const LOW: u64 = 0x0101_0101_0101_0101;
#[cfg_attr(all(target_arch = "x86_64", target_feature = "sse2"), allow(dead_code))]
const HIGH_BITS: u64 = 0x8080_8080_8080_8080;

/// The 8-bit candidate mask of eight bytes (bit k: byte k, little-endian).
///
/// Anywhere: `( ) * +`, `: ; < = > ? @ A-Z`, `k`. At a word start only (the
/// previous byte is not a digit or lowercase letter; `carry` has the high
/// bit set when the byte before these eight is one): digits, bytes >= 0x80
/// and `b`. The ranges are a little wider than the triggers and the word test
/// a little narrower than [`WORD`], to save operations; [`at_trigger`] and
/// the trigger table sort out the extra candidates.
#[cfg_attr(all(target_arch = "x86_64", target_feature = "sse2"), allow(dead_code))]
#[inline(always)]
fn swar(x: u64, carry: &mut u64) -> u64 {
    // Per-byte arithmetic on the low 7 bits never carries into the next byte;
    // only the high bit of each byte is used.
    let x7 = x & !HIGH_BITS;
    let ge = |lo: u8| x7 + LOW * (0x80 - u64::from(lo));
    let gt = |hi: u8| x7 + LOW * (0x7F - u64::from(hi));
    let ne = |c: u8| (x7 ^ (LOW * u64::from(c))) + LOW * 0x7F;
    let digit = ge(b'0') & !gt(b'9');
    let lower = ge(b'a') & !gt(b'z');
    let anywhere = (ge(b'(') & !gt(b'+')) | (ge(b':') & !gt(b'Z')) | !ne(b'k');
    let start = x | digit | !ne(b'b');
    // Byte k's "after a word" flag is byte k-1's word flag.
    let word = (digit | lower) & HIGH_BITS;
    let after_word = (word << 8) | *carry;
    *carry = word >> 56;
    let hit = (anywhere | (start & !after_word)) & HIGH_BITS;
    // Gather the high bit of each byte into the low 8 bits.
    ((hit >> 7).wrapping_mul(0x0102_0408_1020_4080)) >> 56
}

/// [`candidates`] with SSE2 compares. Candidates are exact here: `( ) * +`,
/// `: ; < = > ? @ A-Z` and `k` anywhere; digits, bytes >= 0x80 and `b` where
/// the previous byte is not a digit or lowercase letter.
#[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
mod sse2 {
    use std::arch::x86_64::{
        __m128i, _mm_and_si128, _mm_andnot_si128, _mm_cmpeq_epi8, _mm_movemask_epi8, _mm_or_si128,
        _mm_set1_epi8, _mm_set_epi64x, _mm_setzero_si128, _mm_slli_si128, _mm_srli_si128,
        _mm_sub_epi8, _mm_subs_epu8,
    };

    /// Sixteen bytes as a vector, without an unsafe pointer load: two
    /// little-endian u64 halves.
    #[inline]
    #[target_feature(enable = "sse2")]
    fn load16(b: &[u8; 16]) -> __m128i {
        let mut lo = [0u8; 8];
        let mut hi = [0u8; 8];
        lo.copy_from_slice(&b[..8]);
        hi.copy_from_slice(&b[8..]);
        _mm_set_epi64x(i64::from_le_bytes(hi), i64::from_le_bytes(lo))
    }

    /// Fewer than sixteen bytes, zero-padded (zero is never a candidate).
    #[inline]
    #[target_feature(enable = "sse2")]
    fn load_short(b: &[u8]) -> __m128i {
        let half = |h: &[u8]| {
            h.iter()
                .rev()
                .fold(0u64, |acc, &x| (acc << 8) | u64::from(x)) as i64
        };
        let (lo, hi) = b.split_at(b.len().min(8));
        _mm_set_epi64x(half(hi), half(lo))
    }

    /// Bytes in `lo..=hi` (unsigned): 0xFF, else 0.
    #[inline]
    #[target_feature(enable = "sse2")]
    fn in_range(x: __m128i, lo: u8, hi: u8) -> __m128i {
        let d = _mm_sub_epi8(x, _mm_set1_epi8(lo as i8));
        let over = _mm_subs_epu8(d, _mm_set1_epi8((hi - lo) as i8));
        _mm_cmpeq_epi8(over, _mm_setzero_si128())
    }

    #[inline]
    #[target_feature(enable = "sse2")]
    fn eq(x: __m128i, c: u8) -> __m128i {
        _mm_cmpeq_epi8(x, _mm_set1_epi8(c as i8))
    }

    /// The candidate flags of the sixteen bytes `x`, whose lane 0 follows a
    /// byte with word flag `prev_word` (lane 15 of that vector), and their
    /// word flags.
    #[inline]
    #[target_feature(enable = "sse2")]
    fn hits(x: __m128i, prev_word: __m128i) -> (u32, __m128i) {
        let digit = in_range(x, b'0', b'9');
        let lower = in_range(x, b'a', b'z');
        let word = _mm_or_si128(digit, lower);
        let anywhere = _mm_or_si128(
            _mm_or_si128(in_range(x, b'(', b'+'), in_range(x, b':', b'Z')),
            eq(x, b'k'),
        );
        // A digit glued to a letter (`4ms`, `3f9a`) starts no number: only an
        // IPv6 group, which the `:` after it finds. The byte after lane 15 is
        // not in this vector: that lane stays a candidate.
        let letter = _mm_or_si128(lower, in_range(x, b'A', b'Z'));
        let glued = _mm_and_si128(digit, _mm_srli_si128::<1>(letter));
        // Only the high bit of each byte counts: `x` itself has it for bytes
        // >= 0x80.
        let start = _mm_or_si128(_mm_or_si128(_mm_andnot_si128(glued, digit), eq(x, b'b')), x);
        let after = _mm_or_si128(_mm_slli_si128::<1>(word), _mm_srli_si128::<15>(prev_word));
        let hit = _mm_or_si128(anywhere, _mm_andnot_si128(after, start));
        (_mm_movemask_epi8(hit) as u32 & 0xFFFF, word)
    }

    #[target_feature(enable = "sse2")]
    pub(super) fn candidates(t: &[u8], start: usize, end: usize) -> u64 {
        let mut m = 0u64;
        // Lane 15: whether the byte before `start` is a digit or lowercase letter.
        let mut prev_word = if super::after_word(t, start) {
            _mm_set1_epi8(-1)
        } else {
            _mm_setzero_si128()
        };
        let mut k = start;
        while k + 16 <= end {
            let Some(b) = t.get(k..k + 16).and_then(|b| <&[u8; 16]>::try_from(b).ok()) else {
                break;
            };
            let (h, w) = hits(load16(b), prev_word);
            m |= u64::from(h) << (k - start);
            prev_word = w;
            k += 16;
        }
        if k < end {
            let n = end - k;
            match end.checked_sub(16).and_then(|s| t.get(s..end)) {
                // The last sixteen bytes up to `end`, overlapping bytes already
                // seen: their lanes are shifted out, and the first new byte's
                // "after a word" flag comes from the real byte before it.
                Some(b) => {
                    if let Ok(b) = <&[u8; 16]>::try_from(b) {
                        let (h, _) = hits(load16(b), _mm_setzero_si128());
                        m |= u64::from(h >> (16 - n)) << (k - start);
                    }
                }
                None => {
                    let (h, _) = hits(load_short(&t[k..end]), prev_word);
                    m |= u64::from(h) << (k - start);
                }
            }
        }
        m
    }
}

/// Handles the trigger at `p`; everything in `i..p` is not a trigger.
/// Returns the position up to which everything is handled: `i` again when
/// the trigger needs nothing (a digit inside a word), else past `p`.
fn at_trigger(cx: &Ctx, st: &mut State, i: usize, p: usize, out: &mut Vec<Match>) -> usize {
    let t = cx.text;
    let on = cx.on;
    let b = t[p];
    let c = class(b);
    if c & WORD != 0 {
        if p > i && is(t[p - 1], WORD) {
            // Inside a word (which starts at or after `i` and is not handled).
            // Digits, non-ASCII bytes and `b` matter only at a word start; an
            // uppercase letter or `k` only in the first six bytes (`eyJ`, a
            // keyword such as `toKen` or `token`).
            if c & (DIGIT | HIGH) != 0 || b == b'b' {
                return i;
            }
            let near = i.max(p.saturating_sub(5));
            let mut w = p - 1;
            while w > near && is(t[w - 1], WORD) {
                w -= 1;
            }
            if w > i && is(t[w - 1], WORD) {
                return i;
            }
            return word(cx, &mut st.regions, w, p, out);
        }
        return word(cx, &mut st.regions, p, p, out);
    }
    match b {
        b'@' if p >= st.email_resume => {
            if let Some((s, e)) = email::at_sign(t, p) {
                push(out, s, e, B::Email);
                st.email_resume = e;
            }
        }
        b'=' => kv::at_sep(cx, &st.regions, p, out),
        b':' => {
            if on.kv || on.url_credentials {
                kv::at_sep(cx, &st.regions, p, out);
            }
            if on.ipv6 {
                if let Some((s, e)) = colon_ipv6(t, i, p) {
                    push(out, s, e, B::Ipv6);
                    after_region(cx, &mut st.regions, s, e, p + 1, out);
                    return e.max(p + 1);
                }
            }
        }
        b'+' | b'(' => {
            if let Some(e) = phone::at_punct(cx, p) {
                push(out, p, e, B::Phone);
                after_region(cx, &mut st.regions, p, e, p + 1, out);
                return e.max(p + 1);
            }
        }
        _ => {}
    }
    p + 1
}

/// IPv6 at the `:` at `p`: an address starting at the word before it when the
/// pass did not handle that word (a letters-only group such as `fe:`), else a
/// `::`-form starting at `p`. Returns the range.
fn colon_ipv6(t: &[u8], start: usize, p: usize) -> Option<(usize, usize)> {
    if p > start && is(t[p - 1], WORD) {
        let mut w = p;
        while w > start && is(t[w - 1], WORD) {
            w -= 1;
        }
        if maybe_ipv6(t, w, p) {
            if let Some(e) = ip::ipv6_at(t, w) {
                return Some((w, e));
            }
        }
        // The `:` follows a word: `before(p)` is a word byte, so no `::`
        // address starts at `p`.
        return None;
    }
    if t.get(p + 1) == Some(&b':') {
        return ip::ipv6_at(t, p).map(|e| (p, e));
    }
    None
}

#[inline]
fn push(out: &mut Vec<Match>, start: usize, end: usize, d: B) {
    out.push(Match {
        start,
        end,
        detector: d.id(),
    });
}

/// After a skipped range `q..e` was pushed: records it, and runs `kv` for the
/// separators inside it from `from` on (the pass jumps over them, but an
/// identifier that started before the range may end at one of them).
fn after_region(
    cx: &Ctx,
    regions: &mut Regions,
    q: usize,
    e: usize,
    from: usize,
    out: &mut Vec<Match>,
) {
    let t = cx.text;
    regions.record(t, q, e);
    if !(cx.on.kv || cx.on.url_credentials) {
        return;
    }
    let inside = t.get(from..e).unwrap_or_default();
    for (k, &b) in inside.iter().enumerate() {
        if b == b'=' || b == b':' {
            kv::at_sep(cx, regions, from + k, out);
        }
    }
}

/// Handles the word starting at `w` (reached by the pass; `p` is a trigger
/// inside it) with every detector anchored at a word start. Returns where the
/// pass continues: after the word, or after the match found at `w`.
fn word(cx: &Ctx, regions: &mut Regions, w: usize, p: usize, out: &mut Vec<Match>) -> usize {
    let t = cx.text;
    let c = class(t[w]);
    let mut best = Best::default();
    let wend;
    if c & DIGIT != 0 {
        let dend = run(t, w, DIGIT);
        wend = run(t, dend, WORD);
        digit_word(cx, w, dend, wend, &mut best);
    } else {
        wend = run(t, p, WORD);
        if c & (UPPER | LOWER) != 0 {
            letter_word(cx, w, wend, c, &mut best, out);
        } else if c & HIGH != 0 && cx.on.name {
            best.offer(names::at(t, w), B::PersonName);
        }
    }
    match best.0 {
        Some((e, d)) => {
            out.push(Match {
                start: w,
                end: e,
                detector: d,
            });
            after_region(cx, regions, w, e, w + 1, out);
            e.max(w + 1)
        }
        None => wend,
    }
}

/// The digit word `i..wend` whose digit run ends at `dend`.
fn digit_word(cx: &Ctx, i: usize, dend: usize, wend: usize, best: &mut Best) {
    let t = cx.text;
    let on = cx.on;
    if on.ipv6 && maybe_ipv6(t, i, wend) {
        best.offer(ip::ipv6_at(t, i), B::Ipv6);
    }
    // `12ms`, `3f9a...` (hex ids), `5xx`: a digit run glued to letters is not a number.
    if dend < wend || numbers::continues_number(t, i) {
        return;
    }
    // Dispatch on the shape (length, next byte) before any detector runs:
    // most numbers in logs (`200`, `14` of `14.2ms`, `4821907`) fit none.
    let len = dend - i;
    let next = t.get(dend).copied().unwrap_or(0);
    if on.ipv4 && len <= 3 && next == b'.' {
        best.offer(ip::ipv4_at(t, i, dend), B::Ipv4);
    }
    let digit_after_sep = at(t, dend + 1) & DIGIT != 0;
    if on.card
        && ((13..=19).contains(&len)
            || (len == 4 && matches!(next, b' ' | b'-') && digit_after_sep))
    {
        best.offer(numbers::card_at(t, i, dend), B::CreditCard);
    }
    if on.ssn && ((len == 3 && matches!(next, b'-' | b' ')) || len == 9) {
        best.offer(numbers::ssn_at(t, i, dend, cx.facts.ssn()), B::UsSsn);
    }
    // NANP `555-234-5678` / `1-800-...`, or a bare number of 7+ digits (maybe
    // in groups) under a phone key.
    let nanp = matches!(next, b'-' | b'.') && (len == 3 || (len == 1 && t[i] == b'1'));
    let bare = !cx.key.is_empty()
        && (len >= 7 || matches!(next, b' ' | b'-' | b'.' | b'('))
        && cx.facts.phone();
    if on.phone && (nanp || bare) {
        best.offer(phone::at_digit(cx, i, dend), B::Phone);
    }
}

fn letter_word(cx: &Ctx, i: usize, wend: usize, c: u32, best: &mut Best, out: &mut Vec<Match>) {
    let t = cx.text;
    let on = cx.on;
    let b = t[i];
    let len = wend - i;
    if c & UPPER != 0 {
        // `DE89...`: two letters, two digits.
        if on.iban && at(t, i + 2) & DIGIT != 0 && at(t, i + 3) & DIGIT != 0 {
            best.offer(numbers::iban_at(t, i), B::Iban);
        }
        if on.aws_id && b == b'A' && len == 20 {
            best.offer(tokens::aws_key_id_at(t, i, wend), B::AwsAccessKeyId);
        }
        // A name is a capitalized word, one space, another capitalized word.
        if on.name && t.get(wend) == Some(&b' ') && names::starts_cap(t, wend + 1) {
            best.offer(names::at(t, i), B::PersonName);
        }
    }
    if on.ipv6 && maybe_ipv6(t, i, wend) {
        best.offer(ip::ipv6_at(t, i), B::Ipv6);
    }
    if on.jwt && b == b'e' && t.get(i + 1..i + 3) == Some(b"yJ") {
        best.offer(tokens::jwt_at(t, i), B::Jwt);
    }
    if on.bearer && (len == 5 || len == 6) && matches!(b, b'B' | b'b' | b'T' | b't') {
        if let Some((s, e)) = tokens::bearer_at(t, i, wend) {
            // The match starts at the token, not at the keyword.
            push(out, s, e, B::BearerToken);
        }
    }
}

/// Whether an IPv6 address can start at the word `i..wend`: a group of 1-4
/// hex digits then `:`.
#[inline]
fn maybe_ipv6(t: &[u8], i: usize, wend: usize) -> bool {
    wend - i <= 4 && t.get(wend) == Some(&b':') && run(t, i, HEX) == wend
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The widest candidate definition, byte by byte: `( ) * +`,
    /// `: ; < = > ? @ A-Z` and `k` anywhere; digits, bytes >= 0x80 and `b`
    /// where the previous byte is not a digit or lowercase letter.
    fn allowed(t: &[u8], p: usize) -> bool {
        let b = t[p];
        let anywhere = matches!(b, b'('..=b'+' | b':'..=b'Z' | b'k');
        let start = b.is_ascii_digit() || b >= 0x80 || b == b'b';
        anywhere || (start && !after_word(t, p))
    }

    /// What the pass must see: the bytes of [`allowed`] except a word-start
    /// byte inside a word (after any [`WORD`] byte), which `at_trigger` skips,
    /// and a digit glued to a letter, which starts no number (an IPv6 group
    /// is found from the `:` after it).
    fn needed(t: &[u8], p: usize) -> bool {
        let b = t[p];
        let anywhere = matches!(b, b'('..=b'+' | b':'..=b'Z' | b'k');
        let glued = b.is_ascii_digit() && t.get(p + 1).is_some_and(u8::is_ascii_alphabetic);
        let start = (b.is_ascii_digit() && !glued) || b >= 0x80 || b == b'b';
        anywhere || (start && !(p > 0 && is(t[p - 1], WORD)))
    }

    /// Every block split a scan can make of `t`: the mask of `candidates`
    /// (and of the portable version) holds every byte the pass needs, and
    /// nothing outside the widest definition.
    fn check(t: &[u8]) {
        let mut block = 0;
        while block < t.len() {
            let end = (block + BLOCK).min(t.len());
            for (s, e) in [
                (block, end),
                (0, end.min(BLOCK)),
                (block, (block + 5).min(end)),
            ] {
                let m = candidates(t, s, e);
                let swar = candidates_swar(&t[s..e], after_word(t, s));
                for p in s..e {
                    let bit = m >> (p - s) & 1 == 1;
                    assert!(!needed(t, p) || bit, "byte {p} of {t:?} in {s}..{e}");
                    if cfg!(all(target_arch = "x86_64", target_feature = "sse2")) {
                        assert!(!bit || allowed(t, p), "extra byte {p} of {t:?} in {s}..{e}");
                    }
                    assert!(
                        !needed(t, p) || swar >> (p - s) & 1 == 1,
                        "swar byte {p} of {t:?}"
                    );
                }
                assert_eq!(
                    m >> (e - s).min(63) >> u32::from(e - s == 64),
                    0,
                    "bits past the end"
                );
            }
            block = end;
        }
    }

    #[test]
    fn candidates_match_the_definition_at_every_length() {
        let line = "GET /v1/query 200 in 14.2ms bob=x k8s é3 (+1) b2b token:AKIA eyJ ~ü9 3f9a-2001:db8::1 4G";
        for n in 0..=line.len() {
            check(&line.as_bytes()[..n]);
        }
        check(&[0u8; 70]);
        check(&[0xFFu8; 70]);
    }

    proptest! {
        #[test]
        fn candidates_match_the_definition(t in proptest::collection::vec(any::<u8>(), 0..200)) {
            check(&t);
        }

        #[test]
        fn candidates_match_on_text(t in "[a-zA-Z0-9 .:=@+(bk_\\-]{0,160}") {
            check(t.as_bytes());
        }
    }
}
