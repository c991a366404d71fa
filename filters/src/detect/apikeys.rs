//! `api_key`: vendor API keys and tokens that carry a well-known prefix
//! (`sk_live_...`, `ghp_...`, `xoxb-...`, `AIza...`, `SG.x.y`). The prefix
//! says what the token is; its body must then have the alphabet and length
//! of the vendor's real format, and mix at least two of capitals, small
//! letters and digits, so that identifiers sharing a prefix (`sk_test_mode`,
//! `ghp_config`, `sk-learn`) stay readable.
//!
//! The pass never stops at a lowercase prefix (no trigger byte in `sk_live_`),
//! so these keys are found from their body: the first capital or digit word
//! of it that the pass reaches follows a `_` or `-`, and from there the run
//! of token bytes is read backwards to its start, where the prefix must
//! stand. Random bodies have a capital in their first few bytes (or start
//! with a digit run) almost always, and a capital deeper in a word is a stop
//! too (`words::at_trigger`). Prefixes that start with a capital (`AIza`,
//! `SG.`, `SK`) are found at their own word start. Bodies of small hex digits
//! alone behind a lowercase prefix (`shpat_<32 hex>`) have no stop: not
//! listed.

use super::classes::{at, is, ALNUM, DIGIT, LOWER, UPPER};

/// The alphabet of a key's body.
#[derive(Clone, Copy)]
enum Body {
    /// `[A-Za-z0-9]`
    Alnum,
    /// `[A-Za-z0-9_-]` (base64url)
    Url,
    /// `[A-Za-z0-9-]` (Slack's numbered segments)
    AlnumDash,
    /// `[A-Za-z0-9_]`
    AlnumUnderscore,
    /// `[0-9a-f]`
    LowerHex,
}

impl Body {
    #[inline]
    fn has(self, b: u8) -> bool {
        match self {
            Self::Alnum => is(b, ALNUM),
            Self::Url => is(b, ALNUM) || b == b'_' || b == b'-',
            Self::AlnumDash => is(b, ALNUM) || b == b'-',
            Self::AlnumUnderscore => is(b, ALNUM) || b == b'_',
            Self::LowerHex => b.is_ascii_digit() || (b'a'..=b'f').contains(&b),
        }
    }
}

/// One vendor format: prefix, body alphabet, body length range.
struct Vendor {
    prefix: &'static [u8],
    body: Body,
    min: usize,
    max: usize,
}

const fn v(prefix: &'static [u8], body: Body, min: usize, max: usize) -> Vendor {
    Vendor {
        prefix,
        body,
        min,
        max,
    }
}

/// Longest body considered (Google OAuth tokens run to a few hundred bytes).
const MAX_BODY: usize = 2048;

/// The formats, by prefix (case-sensitive, as the vendors issue them).
const VENDORS: [Vendor; 39] = [
    // Stripe: secret, restricted and publishable keys, webhook secrets.
    v(b"sk_live_", Body::Alnum, 20, 255),
    v(b"sk_test_", Body::Alnum, 20, 255),
    v(b"rk_live_", Body::Alnum, 20, 255),
    v(b"rk_test_", Body::Alnum, 20, 255),
    v(b"pk_live_", Body::Alnum, 20, 255),
    v(b"pk_test_", Body::Alnum, 20, 255),
    v(b"whsec_", Body::Alnum, 24, 255),
    // GitHub: classic personal, OAuth, user-to-server, server-to-server and
    // refresh tokens (36 characters), fine-grained personal tokens.
    v(b"ghp_", Body::Alnum, 30, 255),
    v(b"gho_", Body::Alnum, 30, 255),
    v(b"ghu_", Body::Alnum, 30, 255),
    v(b"ghs_", Body::Alnum, 30, 255),
    v(b"ghr_", Body::Alnum, 30, 255),
    v(b"github_pat_", Body::AlnumUnderscore, 40, 255),
    // Slack: bot, user, app-level, refresh and legacy workspace tokens.
    v(b"xoxb-", Body::AlnumDash, 20, 255),
    v(b"xoxp-", Body::AlnumDash, 20, 255),
    v(b"xoxa-", Body::AlnumDash, 20, 255),
    v(b"xoxr-", Body::AlnumDash, 20, 255),
    v(b"xoxs-", Body::AlnumDash, 20, 255),
    v(b"xoxe-", Body::AlnumDash, 20, 255),
    v(b"xapp-", Body::AlnumDash, 20, 255),
    // OpenAI (`sk-` and 48 characters, `sk-proj-...`, `sk-svcacct-...`,
    // `sk-admin-...`), Anthropic (`sk-ant-...`) and the services that copied
    // the `sk-` form: after the bare prefix no `-` or `_` (`sk-learn-...` is
    // a package), after the longer ones a long base64url body.
    v(b"sk-", Body::Alnum, 32, 255),
    v(b"sk-proj-", Body::Url, 32, 512),
    v(b"sk-svcacct-", Body::Url, 32, 512),
    v(b"sk-admin-", Body::Url, 32, 512),
    v(b"sk-ant-", Body::Url, 32, 512),
    // GitLab: personal, runner, deploy and pipeline trigger tokens.
    v(b"glpat-", Body::Url, 20, 255),
    v(b"glrt-", Body::Url, 20, 255),
    v(b"gldt-", Body::Url, 20, 255),
    v(b"glptt-", Body::Url, 20, 255),
    // npm, PyPI (a macaroon), Hugging Face, Linear, Grafana.
    v(b"npm_", Body::Alnum, 30, 255),
    v(b"pypi-", Body::Url, 60, MAX_BODY),
    v(b"hf_", Body::Alnum, 30, 255),
    v(b"lin_api_", Body::Alnum, 32, 255),
    v(b"glsa_", Body::AlnumUnderscore, 32, 255),
    // Google API keys: `AIza` and 35 characters, 39 in all.
    v(b"AIza", Body::Url, 35, 35),
    // Twilio API key SIDs: `SK` and 32 small hex digits.
    v(b"SK", Body::LowerHex, 32, 32),
    // Postman, New Relic user keys, age secret keys.
    v(b"PMAK-", Body::AlnumDash, 40, 80),
    v(b"NRAK-", Body::Alnum, 27, 27),
    v(b"AGE-SECRET-KEY-1", Body::Alnum, 50, 70),
];

/// Google OAuth access tokens: `ya29.` and a base64url body. The `.` ends
/// a token run, so this prefix is compared apart.
const YA29: Vendor = v(b"ya29.", Body::Url, 20, MAX_BODY);

/// A byte of a token run: letters, digits, `_` and `-`.
#[inline(always)]
fn token_byte(b: u8) -> bool {
    is(b, ALNUM) || b == b'_' || b == b'-'
}

/// Entry `[g][c - 'a']`, bit `b - 'a'`: some lowercase prefix ends with
/// the small letters `b c` and the glue byte `g` (0: `_`, 1: `-`), as
/// `xoxb-` ends with `o b -`. Hex ids (`...e2b-`) and identifiers rarely
/// end so.
const GLUED_ENDS: [[u32; 26]; 2] = {
    let mut t = [[0u32; 26]; 2];
    let mut k = 0;
    while k < VENDORS.len() {
        let p = VENDORS[k].prefix;
        let n = p.len();
        if p[0].is_ascii_lowercase() && n >= 3 {
            let g = if p[n - 1] == b'_' { 0 } else { 1 };
            t[g][(p[n - 2] - b'a') as usize] |= 1 << (p[n - 3] - b'a');
        }
        k += 1;
    }
    t
};

/// Whether the word at `w` may be the body of a key whose lowercase
/// prefix ends before it: right before it (`sk_live_<here>`, `xoxb-<here>`,
/// `ya29.<here>`), or, when the word has a capital (`capital`, asked only
/// then), before earlier segments of small letters and digits
/// (`sk-proj-abc-<here>`, whose first segment has no stop; hex ids such as
/// `...-5540-4eda-` have no capitals). The test the pass makes at every
/// word it stops at.
#[inline(always)]
pub(super) fn may_follow_prefix(t: &[u8], w: usize, capital: impl FnOnce() -> bool) -> bool {
    if w < 3 {
        return false;
    }
    match t[w - 1] {
        b'_' | b'-' => {
            ends_prefix(t, w - 1)
                || ((t[w - 2].is_ascii_lowercase()
                    || t[w - 2].is_ascii_digit()
                    || matches!(t[w - 2], b'_' | b'-'))
                    && capital())
        }
        b'.' => t[w - 2] == b'9',
        _ => false,
    }
}

/// Whether the word `w..wend` has a capital (the pass may have stopped at
/// its start, a digit, and skipped it whole).
#[inline(never)]
pub(super) fn has_capital(t: &[u8], w: usize, wend: usize) -> bool {
    t.get(w..wend)
        .is_some_and(|word| word.iter().any(u8::is_ascii_uppercase))
}

/// Whether the glue byte at `g` (after two small letters) may end a
/// prefix.
#[inline(always)]
fn ends_prefix(t: &[u8], g: usize) -> bool {
    let glue = match t[g] {
        b'_' => 0,
        b'-' => 1,
        _ => return false,
    };
    let (a, b) = (t[g - 2], t[g - 1]);
    a.is_ascii_lowercase()
        && b.is_ascii_lowercase()
        && GLUED_ENDS[glue][(b - b'a') as usize] >> (a - b'a') & 1 != 0
}

/// Most bytes of earlier body segments read back from a word to its key's
/// prefix: a segment the pass did not stop at has no capital and no digit
/// run, which gets unlikely within a few bytes of a random body.
const MAX_SEGMENTS: usize = 32;

/// The key whose body contains the word starting at `w` (reached by the
/// pass, [`may_follow_prefix`]): the range of prefix and body, which ends
/// past `w`. The prefix ends right before `w`, or before an earlier
/// segment of the body that has small letters and digits only (the pass
/// stops at none of them).
///
/// Out of line: few words after a `_` or `-` get here.
#[inline(never)]
pub(super) fn around(t: &[u8], w: usize) -> Option<(usize, usize)> {
    if t.get(w.wrapping_sub(1)) == Some(&b'.') {
        // `ya29.<body>`: the `.` ends the token run, so the prefix is
        // compared where it must stand.
        let s = w.checked_sub(5)?;
        if &t[s..w] != b"ya29." || (s > 0 && token_byte(t[s - 1])) {
            return None;
        }
        return body(t, s, &YA29).filter(|&(_, e)| e > w);
    }
    // Glue bytes from `w - 1` back over small letters, digits, `_`, `-`
    // (a body may start with one: `sk-proj-_Ab...`).
    let limit = w.saturating_sub(MAX_SEGMENTS);
    let mut g = w - 1;
    loop {
        if g >= 2 && ends_prefix(t, g) {
            if let Some(k) = prefixed_at(t, g + 1) {
                return Some(k).filter(|&(_, e)| e > w);
            }
        }
        // The next glue byte back, over a segment without capitals.
        let mut k = g;
        while k > limit && (t[k - 1].is_ascii_lowercase() || t[k - 1].is_ascii_digit()) {
            k -= 1;
        }
        if k <= limit || !matches!(t[k - 1], b'_' | b'-') {
            return None;
        }
        g = k - 1;
    }
}

/// The key whose lowercase prefix ends at `b` (its body starts there).
fn prefixed_at(t: &[u8], b: usize) -> Option<(usize, usize)> {
    let last = t[b - 2];
    VENDORS.iter().find_map(|k| {
        let n = k.prefix.len();
        if k.prefix[n - 2] != last || !k.prefix[0].is_ascii_lowercase() {
            return None;
        }
        let s = b.checked_sub(n)?;
        if t[s..b] != *k.prefix {
            return None;
        }
        if s > 0 && token_byte(t[s - 1]) {
            return None;
        }
        body(t, s, k)
    })
}

/// Whether a word starting with the capital `a` followed by `b` may start
/// a key (`AIza`, `AGE-`, `SG.`, `SK`, `PMAK-`, `NRAK-`).
#[inline(always)]
pub(super) fn may_start_upper(a: u8, b: Option<&u8>) -> bool {
    matches!(
        (a, b),
        (b'A', Some(b'I' | b'G'))
            | (b'S', Some(b'G' | b'K'))
            | (b'P', Some(b'M'))
            | (b'N', Some(b'R'))
    )
}

/// The key starting at the capital word start `i` (`AIza...`, `SG.x.y`).
///
/// Out of line: few capital words get here.
#[inline(never)]
pub(super) fn at_upper(t: &[u8], i: usize) -> Option<(usize, usize)> {
    if i > 0 && token_byte(t[i - 1]) {
        return None;
    }
    if t.get(i..i + 3) == Some(b"SG.") {
        return sendgrid(t, i);
    }
    VENDORS
        .iter()
        .filter(|k| k.prefix[0] == t[i])
        .find_map(|k| body(t, i, k))
}

/// SendGrid: `SG.` + 22 base64url + `.` + 43 base64url.
fn sendgrid(t: &[u8], i: usize) -> Option<(usize, usize)> {
    let seg = |s: usize, n: usize| {
        let e = s + t
            .get(s..)?
            .iter()
            .take_while(|&&b| Body::Url.has(b))
            .count();
        (e - s == n).then_some(e)
    };
    let a = seg(i + 3, 22)?;
    if t.get(a) != Some(&b'.') {
        return None;
    }
    let e = seg(a + 1, 43)?;
    (at(t, e) & ALNUM == 0 && mixed(&t[i + 3..e])).then_some((i, e))
}

/// The key of format `k` starting at `s` (where its prefix must stand).
fn body(t: &[u8], s: usize, k: &Vendor) -> Option<(usize, usize)> {
    let b = s + k.prefix.len();
    if t.get(s..b) != Some(k.prefix) {
        return None;
    }
    let rest = t.get(b..)?;
    let n = rest
        .iter()
        .take(k.max + 1)
        .take_while(|&&c| k.body.has(c))
        .count();
    if n < k.min || n > k.max {
        return None;
    }
    let e = b + n;
    // A fixed-length body must end the token; any other must not run on
    // into letters or digits outside its alphabet.
    let next = t.get(e).copied();
    let ends = match next {
        None => true,
        Some(c) if k.min == k.max => !token_byte(c),
        Some(c) => !is(c, ALNUM),
    };
    (ends && mixed(&t[b..e])).then_some((s, e))
}

/// Whether `body` has at least two of: capitals, small letters, digits.
fn mixed(body: &[u8]) -> bool {
    let mut seen = 0u32;
    for &c in body {
        seen |= super::classes::class(c);
    }
    let kinds = [UPPER, LOWER, DIGIT]
        .iter()
        .filter(|&&m| seen & m != 0)
        .count();
    kinds >= 2
}
