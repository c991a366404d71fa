//! The single pass over a value. It finds candidate bytes 64 at a time with
//! branch-free arithmetic on 8-byte words ([`candidates`]) and stops only at
//! triggers ([`triggers`]): a digit, non-ASCII byte or `b` at a word start, an
//! uppercase letter or `k` in the first bytes of a word (`INFO`, `eyJ`,
//! `tOKEN`, `token`), and `=` `:` `@` `+` `(`. Lowercase words, spaces,
//! `. _ - /` and digits inside words (most of a log line: resolver names,
//! paths, hex ids) cost about one operation per byte and no branch. Nor does
//! a number that fits no detector's shape by its next bytes (`3 `, `17`,
//! `50ms`; see `simd::Short`), nor a short value of letters alone (`INFO`).
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

use super::classes::{
    at, class, digit_run, is, run, DIGIT, HEX, HIGH, IDENT_PUNCT, LOWER, UPPER, WORD,
};
use super::keyctx::KeyFacts;
use super::{apikeys, dob, email, ip, kv, labels, names, numbers, pem, phone, simd, tokens};
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
    // Digit words: numbers, IPv6 groups that start with a digit, dates,
    // and the bodies of API keys after their prefix.
    set(
        on.card() || on.ssn() || on.phone() || on.ipv4() || on.ipv6() || on.api_key() || on.dob(),
        &|b| b.is_ascii_digit(),
    );
    // Uppercase: IBAN, AWS key ids and names start with one, `eyJ` has one,
    // and a keyword with an uppercase letter (`bEARER`) has one; so do some
    // API key prefixes and most key bodies, and the `BEGIN` of a PEM block.
    set(
        on.iban()
            || on.aws_id()
            || on.name()
            || on.jwt()
            || on.bearer()
            || on.api_key()
            || on.private_key(),
        &|b| b.is_ascii_uppercase(),
    );
    set(on.name(), &|b| b >= 0x80);
    // All-lowercase `bearer`/`basic` contain `b`, `token` contains `k`.
    set(on.bearer(), &|b| b == b'b' || b == b'k');
    set(on.kv(), &|b| b == b'=' || b == b':');
    set(on.url_credentials() || on.ipv6(), &|b| b == b':');
    set(on.phone(), &|b| b == b'+' || b == b'(');
    set(on.email(), &|b| b == b'@');
    t
}

/// Whether every byte that [`simd::candidates`] can flag is a trigger, or
/// one whose handling in [`at_trigger`] does nothing but move past it (a
/// byte outside words other than `@ = : + (`). Then the pass needs no
/// trigger lookup per candidate: true for every set with the word-start
/// detectors on (the defaults), whose triggers cover the candidates but for
/// `) * ; < > ?`.
pub(super) fn candidates_all_trigger(trigger: &[bool; 256]) -> bool {
    (0..=255u8).all(|b| {
        let candidate =
            matches!(b, b'('..=b'+' | b':'..=b'Z' | b'k' | b'b' | b'0'..=b'9') || b >= 0x80;
        let inert = !is(b, WORD) && !matches!(b, b'@' | b'=' | b':' | b'+' | b'(');
        !candidate || trigger[b as usize] || inert
    })
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
    /// End of the last word whose capitals past its sixth byte were looked
    /// at for an API key body (see [`deep_capital`]).
    deep_until: usize,
}

/// Longest block whose trigger positions are collected at once.
pub(super) const BLOCK: usize = 64;

/// Runs the pass over `cx.text`. Inlined into the caller so that a short
/// value without any candidate byte (most attribute keys and many values)
/// costs one mask computation and no call; the [`Ctx`] is built only past
/// that test (its stores were a tenth of such a value's scan).
#[inline]
pub(super) fn scan(
    set: &DetectorSet,
    key: &[u8],
    facts: KeyFacts,
    text: &[u8],
    out: &mut Vec<Match>,
) {
    let end = text.len().min(BLOCK);
    // The phone fact alone (`phone_key` without its test of the key, which
    // cost as much): it keeps more candidates, never fewer.
    let first = simd::candidates(text, 0, end, facts.phone());
    if first != 0 || end < text.len() {
        if letters_only(text) {
            return;
        }
        let cx = Ctx {
            set,
            on: &set.active,
            key,
            facts,
            text,
        };
        scan_blocks(&cx, first, out);
    }
}

/// Whether `text` is one short word of ASCII letters (a severity text such
/// as `INFO`, a method): no built-in detector matches one, as IBANs, cards
/// and addresses need digits, names and bearer tokens a space after a word,
/// JWTs a dot, `kv` a separator, emails an `@`, and AWS key ids are 20 bytes
/// long. Its capitals are all triggers, and the pass over them cost about
/// 110 instructions per log record more than this test.
#[inline(always)]
fn letters_only(text: &[u8]) -> bool {
    text.len() < tokens::AWS_KEY_ID_LEN && text.iter().all(u8::is_ascii_alphabetic)
}

/// The pass, given the candidate mask of the first block.
fn scan_blocks(cx: &Ctx, first: u64, out: &mut Vec<Match>) {
    let t = cx.text;
    let trig = &cx.on.trigger;
    let lookup = !cx.on.all_trigger;
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
            None => simd::later_candidates(t, block, end, cx.facts.phone()),
        };
        let mut mask = all & from(i.saturating_sub(block));
        while mask != 0 {
            let p = block + mask.trailing_zeros() as usize;
            if !lookup || trig[t[p] as usize] {
                i = at_trigger(cx, &mut st, i, p, out);
            }
            // Past `p`, and past whatever the trigger consumed.
            mask &= from(i.max(p + 1) - block);
        }
        block = end.max(i);
    }
}

/// Whether the value is under a phone key, where a bare number may be a
/// phone number (see [`digit_tries`]).
#[inline(always)]
fn phone_key(key: &[u8], facts: KeyFacts) -> bool {
    !key.is_empty() && facts.phone()
}

/// Whether the byte before `k` is a digit or a lowercase letter.
#[inline]
pub(super) fn after_word(t: &[u8], k: usize) -> bool {
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

/// Handles the trigger at `p`; everything in `i..p` is not a trigger.
/// Returns the position up to which everything is handled: `i` again when
/// the trigger needs nothing (a digit inside a word), else past `p`.
/// Inline (always): its one caller is the pass's loop, and as a call it
/// cost the setup of its frame at every candidate.
#[inline(always)]
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
            if on.bearer() && matches!(b, b'B' | b'T') {
                // A capitalized keyword glued to what precedes it: `3Bearer
                // <token>` after a length byte inside a bytes value.
                let kend = run(t, p, UPPER | LOWER);
                if let Some((s, e)) = tokens::bearer_at(t, p, kend) {
                    push(out, s, e, B::BearerToken);
                }
            }
            let near = i.max(p.saturating_sub(5));
            let mut w = p - 1;
            while w > near && is(t[w - 1], WORD) {
                w -= 1;
            }
            if w > i && is(t[w - 1], WORD) {
                if c & UPPER != 0 && on.api_key() && p >= st.deep_until {
                    return deep_capital(cx, st, i, w, p, out);
                }
                return i;
            }
            return word(cx, &mut st.regions, w, p, out);
        }
        // `jane%40example.com`: a percent-encoded `@` in a URL (the `%` is
        // no trigger, the `40` after it is).
        if b == b'4' && p > 0 && t[p - 1] == b'%' && on.email() && p >= st.email_resume {
            if let Some((s, e)) = email::percent_at(t, p - 1) {
                push(out, s, e, B::Email);
                st.email_resume = e;
                return e;
            }
        }
        // Most words at a trigger fit no detector's shape (`200`, `14` of
        // `14.2ms`, `INFO`, `GET`): skipped here, without the call.
        let (dend, wend) = word_ends(t, p, p, c);
        let want = tries(cx, p, dend, wend, c, c & UPPER != 0);
        if want == 0 && !glued_keyword(cx, p, wend) {
            return wend;
        }
        return word_with(cx, &mut st.regions, p, c, (dend, wend, want), out);
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
            if on.kv() || on.url_credentials() {
                kv::at_sep(cx, &st.regions, p, out);
            }
            if on.ipv6() {
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

/// The first capital past the sixth byte of a word that no trigger before
/// it handled (`w` is at most five bytes before `p`, and the word starts
/// before `w`, at `i` or later): the word may be the body of an API key
/// (`ghp_abcdefgH...`), checked when a `_` or `-` comes before it. Later
/// capitals of the word are not looked at again (`deep_until`), so a long
/// base64 run costs one walk over it. Returns where the pass continues:
/// past the key, or `i` (nothing handled).
#[inline(never)]
fn deep_capital(
    cx: &Ctx,
    st: &mut State,
    i: usize,
    w: usize,
    p: usize,
    out: &mut Vec<Match>,
) -> usize {
    let t = cx.text;
    let mut ws = w;
    while ws > i && is(t[ws - 1], WORD) {
        ws -= 1;
    }
    st.deep_until = run(t, p, WORD);
    if apikeys::may_follow_prefix(t, ws, || true) {
        if let Some((s, e)) = apikeys::around(t, ws) {
            push(out, s, e, B::ApiKey);
            after_region(cx, &mut st.regions, ws, e, ws + 1, out);
            return e;
        }
    }
    i
}

/// IPv6 at the `:` at `p`: an address starting at the word before it when the
/// pass did not handle that word (a letters-only group such as `fe:`), else a
/// `::`-form starting at `p`. Returns the range.
fn colon_ipv6(t: &[u8], start: usize, p: usize) -> Option<(usize, usize)> {
    if p > start && is(t[p - 1], WORD) {
        // A group is at most 4 bytes: the walk back stops after 5, as
        // `maybe_ipv6` rejects a longer word anyway.
        let near = start.max(p.saturating_sub(5));
        let mut w = p;
        while w > near && is(t[w - 1], WORD) {
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
    if !(cx.on.kv() || cx.on.url_credentials()) {
        return;
    }
    let inside = t.get(from..e).unwrap_or_default();
    for (k, &b) in inside.iter().enumerate() {
        if b == b'=' || b == b':' {
            kv::at_sep_outlined(cx, regions, from + k, out);
        }
    }
}

/// Handles the word starting at `w` (reached by the pass; `p` is a trigger
/// inside it) with every detector anchored at a word start. Returns where the
/// pass continues: after the word, or after the match found at `w`.
fn word(cx: &Ctx, regions: &mut Regions, w: usize, p: usize, out: &mut Vec<Match>) -> usize {
    let c = class(cx.text[w]);
    let (dend, wend) = word_ends(cx.text, w, p, c);
    let want = tries(cx, w, dend, wend, c, class(cx.text[p]) & UPPER != 0);
    word_with(cx, regions, w, c, (dend, wend, want), out)
}

/// [`word`] for the word at `w` of class `c` whose [`word_ends`] and
/// [`tries`] are known (the pass worked them out to skip it, and did not).
fn word_with(
    cx: &Ctx,
    regions: &mut Regions,
    w: usize,
    c: u32,
    (dend, wend, want): (usize, usize, u16),
    out: &mut Vec<Match>,
) -> usize {
    let t = cx.text;
    // Matches that start before the word: an API key whose prefix stands
    // before it, a PEM block from its dashes, a written date from its
    // month or day. Each is taken whole.
    let mut before = if want & (TRY_API_KEY | TRY_PEM) != 0 {
        prefixed(cx, w, c, want)
    } else {
        None
    };
    let mut best = Best::default();
    if before.is_none() {
        if c & DIGIT != 0 {
            before = digit_word(cx, w, dend, want, &mut best);
        } else {
            letter_word(cx, w, wend, want, &mut best, out);
        }
    }
    if let Some((s, e, d)) = before {
        push(out, s, e, d);
        after_region(cx, regions, w, e, w + 1, out);
        return e.max(w + 1);
    }
    if glued_keyword(cx, w, wend) {
        if let Some((s, e)) = tokens::bearer_at(t, w + 1, wend) {
            push(out, s, e, B::BearerToken);
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

/// An API key or PEM block that contains the word at `w` of class `c`
/// (`want` has [`TRY_API_KEY`] or [`TRY_PEM`]): its range and detector.
#[inline(never)]
fn prefixed(cx: &Ctx, w: usize, c: u32, want: u16) -> Option<(usize, usize, B)> {
    let t = cx.text;
    if want & TRY_PEM != 0 {
        if let Some((s, e)) = pem::at_begin(t, w) {
            return Some((s, e, B::PrivateKey));
        }
    }
    if want & TRY_API_KEY != 0 {
        let key = if apikeys::may_follow_prefix(t, w, || true) {
            apikeys::around(t, w)
        } else {
            None
        };
        let key = key.or_else(|| {
            (c & UPPER != 0 && apikeys::may_start_upper(t[w], t.get(w + 1)))
                .then(|| apikeys::at_upper(t, w))
                .flatten()
        });
        if let Some((s, e)) = key {
            return Some((s, e, B::ApiKey));
        }
    }
    None
}

/// Whether the word `w..wend` may be a bearer keyword glued to one byte
/// before it (`LBearer <token>`: the length byte of a framed bytes value).
#[inline(always)]
fn glued_keyword(cx: &Ctx, w: usize, wend: usize) -> bool {
    cx.on.bearer() && wend - w >= 6 && matches!(cx.text.get(w + 1), Some(b'B' | b'T'))
}

/// Detectors that a word can anchor, one bit each (see [`tries`]).
const TRY_IPV6: u16 = 1;
const TRY_IPV4: u16 = 2;
const TRY_CARD: u16 = 4;
const TRY_SSN: u16 = 8;
const TRY_PHONE: u16 = 16;
const TRY_IBAN: u16 = 32;
const TRY_AWS_ID: u16 = 64;
const TRY_NAME: u16 = 128;
const TRY_JWT: u16 = 256;
const TRY_BEARER: u16 = 512;
const TRY_API_KEY: u16 = 1024;
const TRY_PEM: u16 = 2048;
const TRY_DOB: u16 = 4096;

/// The end of the digit run (the word start for a letter word) and of the
/// word starting at `w`, of class `c`, with the trigger `p` inside it.
#[inline(always)]
fn word_ends(t: &[u8], w: usize, p: usize, c: u32) -> (usize, usize) {
    if c & DIGIT != 0 {
        // `t[w]` is a digit; most numbers in logs are one or two digits long
        // (`partition=0`, `inputs=35`), which a test per digit settles
        // faster than the eight-byte steps of `digit_run`; the class of the
        // byte after them also tells whether the word goes on.
        let mut dend = w + 1;
        let mut next = at(t, dend);
        if next & DIGIT != 0 {
            dend += 1;
            next = at(t, dend);
            if next & DIGIT != 0 {
                dend = digit_run(t, dend + 1);
                next = at(t, dend);
            }
        }
        let wend = if next & WORD == 0 {
            dend
        } else {
            run(t, dend, WORD)
        };
        (dend, wend)
    } else {
        (w, run(t, p, WORD))
    }
}

/// The detectors worth trying at the word `w..wend` of class `c` (`dend`:
/// see [`word_ends`]), by its shape alone. Inline: the pass skips a word
/// that fits none without calling [`word`].
#[inline(always)]
fn tries(cx: &Ctx, w: usize, dend: usize, wend: usize, c: u32, capital: bool) -> u16 {
    let want = if c & DIGIT != 0 {
        digit_tries(cx, w, dend, wend)
    } else {
        letter_tries(cx, w, wend, c)
    };
    // The body of an API key after its prefix (`sk_live_<here>`), or a
    // later segment of it that the pass stopped at for a capital.
    // A word that starts with digits and has no letters (`-5540-` of a
    // UUID) continues no body.
    let capital =
        || capital || ((c & DIGIT == 0 || dend < wend) && apikeys::has_capital(cx.text, w, wend));
    if cx.on.api_key() && apikeys::may_follow_prefix(cx.text, w, capital) {
        want | TRY_API_KEY
    } else {
        want
    }
}

/// The detectors worth trying at the digit word `i..wend` whose digit run
/// ends at `dend`, by its shape (length, next byte) alone: most numbers in
/// logs (`200`, `14` of `14.2ms`, `4821907`) fit none.
#[inline(always)]
fn digit_tries(cx: &Ctx, i: usize, dend: usize, wend: usize) -> u16 {
    let t = cx.text;
    let on = cx.on;
    let mut want = 0;
    if on.ipv6() && maybe_ipv6(t, i, wend) {
        want |= TRY_IPV6;
    }
    // `12ms`, `3f9a...` (hex ids), `5xx`: a digit run glued to letters is not a number.
    if dend < wend || numbers::continues_number(t, i) {
        return want;
    }
    let len = dend - i;
    let next = t.get(dend).copied().unwrap_or(0);
    // A date after a birth label (`dob: 1985-03-12`), or the year of a
    // written one (`born March 12, 1985`).
    if on.dob() {
        let (numeric, year) = dob::may_start(t, i, dend, next);
        let keyed = !cx.key.is_empty() && cx.facts.dob();
        if year || (numeric && (keyed || labels::may_follow_dob_label(t, i))) {
            want |= TRY_DOB;
        }
    }
    // By length and next byte alone, most numbers can start none of the
    // shapes below (a bare number under a phone key aside): one test
    // instead of each detector's.
    let bare_key = phone_key(cx.key, cx.facts);
    let grouped = matches!(next, b'.' | b'-' | b' ');
    let shaped = match len {
        1 => matches!(next, b'.' | b'-'),
        2..=6 => grouped,
        7..=19 => true,
        _ => false,
    };
    if !(shaped || bare_key) {
        return want;
    }
    if on.ipv4() && len <= 3 && next == b'.' && dotted_group_after(t, dend) {
        want |= TRY_IPV4;
    }
    let digit_after_sep = at(t, dend + 1) & DIGIT != 0;
    if on.card()
        && ((13..=19).contains(&len)
            || (len == 4 && matches!(next, b' ' | b'-') && digit_after_sep))
    {
        want |= TRY_CARD;
    }
    if on.ssn() && ((len == 3 && matches!(next, b'-' | b' ') && digit_after_sep) || len == 9) {
        want |= TRY_SSN;
    }
    // NANP `555-234-5678` / `415 555 2671` / `1-800-...` / `001-...`, a bare
    // number of 7+ digits (maybe in groups) under a phone key, or one that a
    // label before it may name (7-15 digits, or a first group of 2-6 digits:
    // `07911 123456`, `06.12.34.56.78`).
    // (The NANP shapes continue with a group of three digits: decimals such
    // as `120.5ms` stop here.)
    let phone_shape = (len == 3 || (len == 1 && t[i] == b'1'))
        && grouped
        && at(t, dend + 1) & at(t, dend + 2) & at(t, dend + 3) & DIGIT != 0;
    let bare = bare_key && (len >= 7 || matches!(next, b' ' | b'-' | b'.' | b'('));
    // The shape and digits of a number a label can name, and the end of a
    // word before it that a label can have: most numbers of seven digits
    // (`offset 4821907`) fail the last, most with a separator the first
    // (`120.5ms`, `1.24.0`).
    let labeled = len <= 15
        && (len >= 7
            || (grouped && at(t, dend + 2) & DIGIT != 0 && phone::seven_digits(t, dend, len)))
        && labels::may_follow_label(t, i);
    if on.phone() && (phone_shape || bare || labeled) {
        want |= TRY_PHONE;
    }
    want
}

/// Tries the detectors `want` (of [`tries`]) at the digit word at `i`
/// whose digit run ends at `dend`. Returns a written date whose year this
/// word is (it starts before `i`).
fn digit_word(
    cx: &Ctx,
    i: usize,
    dend: usize,
    want: u16,
    best: &mut Best,
) -> Option<(usize, usize, B)> {
    let t = cx.text;
    if want & TRY_IPV6 != 0 {
        best.offer(ip::ipv6_at(t, i), B::Ipv6);
    }
    if want & TRY_IPV4 != 0 {
        best.offer(ip::ipv4_at(t, i, dend), B::Ipv4);
    }
    if want & TRY_CARD != 0 {
        best.offer(numbers::card_at(t, i, dend), B::CreditCard);
    }
    if want & TRY_SSN != 0 {
        let named =
            || (!cx.key.is_empty() && cx.facts.ssn()) || labels::before(t, i) & labels::SSN != 0;
        best.offer(numbers::ssn_at(t, i, dend, named), B::UsSsn);
    }
    if want & TRY_PHONE != 0 {
        best.offer(phone::at_digit(cx, i, dend), B::Phone);
    }
    if want & TRY_DOB != 0 {
        match dob::at_digit(cx, i, dend) {
            Some((s, e)) if s == i => best.offer(Some(e), B::DateOfBirth),
            Some((s, e)) => return Some((s, e, B::DateOfBirth)),
            None => {}
        }
    }
    None
}

/// [`tries`] for a word starting with a letter or a byte >= 0x80.
#[inline(always)]
fn letter_tries(cx: &Ctx, i: usize, wend: usize, c: u32) -> u16 {
    let t = cx.text;
    let on = cx.on;
    if c & (UPPER | LOWER) == 0 {
        return if c & HIGH != 0 && on.name() {
            TRY_NAME
        } else {
            0
        };
    }
    let b = t[i];
    let len = wend - i;
    let mut want = 0;
    if c & UPPER != 0 {
        // `DE89...`: two letters, two digits.
        if on.iban() && at(t, i + 2) & DIGIT != 0 && at(t, i + 3) & DIGIT != 0 {
            want |= TRY_IBAN;
        }
        if on.aws_id() && b == b'A' && len == tokens::AWS_KEY_ID_LEN {
            want |= TRY_AWS_ID;
        }
        if on.api_key() && apikeys::may_start_upper(b, t.get(i + 1)) {
            want |= TRY_API_KEY;
        }
        // `-----BEGIN`
        if on.private_key() && b == b'B' && i >= 5 && t[i - 1] == b'-' {
            want |= TRY_PEM;
        }
        // A name is a capitalized word, one space, another capitalized word.
        if on.name() && t.get(wend) == Some(&b' ') && names::starts_cap(t, wend + 1) {
            want |= TRY_NAME;
        }
    }
    if on.ipv6() && maybe_ipv6(t, i, wend) {
        want |= TRY_IPV6;
    }
    if on.jwt() && b == b'e' && t.get(i + 1..i + 3) == Some(b"yJ") {
        want |= TRY_JWT;
    }
    if on.bearer() && (len == 5 || len == 6) && matches!(b, b'B' | b'b' | b'T' | b't') {
        want |= TRY_BEARER;
    }
    want
}

/// Tries the detectors `want` (of [`tries`]) at the letter word `i..wend`.
fn letter_word(cx: &Ctx, i: usize, wend: usize, want: u16, best: &mut Best, out: &mut Vec<Match>) {
    let t = cx.text;
    if want & TRY_IBAN != 0 {
        best.offer(numbers::iban_at(t, i), B::Iban);
    }
    if want & TRY_AWS_ID != 0 {
        let id = tokens::aws_key_id_at(t, i, wend);
        if let (Some(e), true) = (id, cx.on.aws_secret()) {
            if let Some((s, e)) = tokens::aws_secret_after_id(t, e) {
                push(out, s, e, B::AwsSecretAccessKey);
            }
        }
        best.offer(id, B::AwsAccessKeyId);
    }
    if want & TRY_NAME != 0 {
        best.offer(names::at(t, i), B::PersonName);
    }
    if want & TRY_IPV6 != 0 {
        best.offer(ip::ipv6_at(t, i), B::Ipv6);
    }
    if want & TRY_JWT != 0 {
        best.offer(tokens::jwt_at(t, i), B::Jwt);
    }
    if want & TRY_BEARER != 0 {
        if let Some((s, e)) = tokens::bearer_at(t, i, wend) {
            // The match starts at the token, not at the keyword.
            push(out, s, e, B::BearerToken);
        }
    }
}

/// Whether the `.` at `dot` is followed by 1-3 digits and another `.`, as in
/// a dotted quad: cheap to test, and most numbers with a `.` in logs are
/// decimals (`12.5ms`) that `ipv4_at` would reject after more work.
#[inline]
fn dotted_group_after(t: &[u8], dot: usize) -> bool {
    let e = run(t, dot + 1, DIGIT);
    (1..=3).contains(&(e - dot - 1)) && t.get(e) == Some(&b'.')
}

/// Whether an IPv6 address can start at the word `i..wend`: a group of 1-4
/// hex digits then `:`.
#[inline]
fn maybe_ipv6(t: &[u8], i: usize, wend: usize) -> bool {
    wend - i <= 4 && t.get(wend) == Some(&b':') && run(t, i, HEX) == wend
}

#[cfg(test)]
mod tests {
    use super::super::{BuiltinDetector, DetectorSet};

    /// The per-candidate trigger lookup is skipped only for sets whose
    /// triggers cover every word byte the vector pass can flag.
    #[test]
    fn trigger_lookup_is_skipped_only_when_it_changes_nothing() {
        let all = DetectorSet::new(&BuiltinDetector::ALL, &[], &[]).expect("set");
        assert!(all.active.all_trigger);
        // Digits, capitals and `b`/`k` are candidates but no triggers here.
        let email = DetectorSet::new(&[BuiltinDetector::Email], &[], &[]).expect("set");
        assert!(!email.active.all_trigger);
        // `b`/`k` and `=`/`:` are candidates that are triggers only with
        // bearer tokens and the `kv` and URL scanners on.
        let no_kv: Vec<_> = BuiltinDetector::ALL
            .into_iter()
            .filter(|d| {
                !matches!(
                    d,
                    BuiltinDetector::UrlSecret
                        | BuiltinDetector::AwsSecretAccessKey
                        | BuiltinDetector::BearerToken
                        | BuiltinDetector::FeatureValue
                        | BuiltinDetector::UrlCredentials
                        | BuiltinDetector::Ipv6
                )
            })
            .collect();
        let set = DetectorSet::new(&no_kv, &[], &[]).expect("set");
        assert!(!set.active.all_trigger);
    }
}
