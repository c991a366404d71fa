//! Detectors anchored on an identifier: `name=value`, `name: value` and
//! `"name": "value"` (feature values, URL/query secrets, AWS secret keys after
//! their key name, `Authorization` values) and `scheme://user:pass@` userinfo.
//!
//! They run at the separator (`=` or `:`), which is rarer than identifiers:
//! the identifier is read backwards from it (over blanks, an optional closing
//! quote, then the name), and must be a whole identifier starting with a
//! letter at a word start that the pass reached. Cheap tests on the name
//! (which detectors can want it) come before the value is parsed.

use super::classes::{
    at, ends_with_ci, is, run, with_last_two_letters, ALNUM, IDENT_PUNCT, LOWER, SECRET_PUNCT,
    SPACE, UPPER, WORD,
};
use super::words::{Ctx, Regions};
use super::{keyctx, names, simd, tokens};
use super::{BuiltinDetector as B, Match};

/// Longest identifier considered (longer runs are not key names).
const MAX_IDENT: usize = 128;
/// Longest userinfo considered in `scheme://userinfo@`.
const MAX_USERINFO: usize = 256;
/// Most blanks between a name (or its closing quote) and the separator, and
/// between the separator and the value.
const MAX_BLANKS: usize = 8;
/// Bytes of an identifier.
const IDENT: u32 = ALNUM | IDENT_PUNCT;

/// Start of the identifier run that ends at `e` (exclusive), or None when it
/// is longer than [`MAX_IDENT`]. The run may be empty (`Some(e)`).
pub(super) fn ident_run_start(t: &[u8], e: usize) -> Option<usize> {
    ident_run(t, e).map(|(s, _)| s)
}

/// [`ident_run_start`], and whether the run contains a `.` (a dotted name,
/// whose last segments may be a feature name). Inline: a call cost more
/// than the vector steps of a short name.
#[inline(always)]
fn ident_run(t: &[u8], e: usize) -> Option<(usize, bool)> {
    simd::ident_run(t, e, MAX_IDENT)
}

/// [`at_sep`] as a call, for the separators inside a skipped match (rare):
/// the pass's own sites inline it.
#[inline(never)]
pub(super) fn at_sep_outlined(cx: &Ctx, regions: &Regions, p: usize, out: &mut Vec<Match>) {
    at_sep(cx, regions, p, out);
}

/// Tries every identifier-anchored detector whose separator (`=` or `:`) is
/// at `p`. Inline (always) into the pass: the call and its register saves
/// were a sixth of the cost at every separator, most of which no detector
/// wants.
#[inline(always)]
pub(super) fn at_sep(cx: &Ctx, regions: &Regions, p: usize, out: &mut Vec<Match>) {
    let t = cx.text;
    // Most separators follow the name directly (`topic=`): one test, and
    // the blanks and quotes are looked for only otherwise.
    let (e, quote, blanks) = match p.checked_sub(1).and_then(|k| t.get(k)) {
        Some(&b) if is(b, IDENT) => (p, None, 0),
        Some(_) => match quoted_name_end(t, p) {
            Some(x) => x,
            None => return,
        },
        None => return,
    };
    let Some((s, dotted)) = ident_run(t, e) else {
        return;
    };
    let sep = t[p];
    if sep == b':' && t.get(p + 1..p + 3) == Some(b"//") && blanks == 0 && cx.on.url_credentials() {
        if !whole_name(t, s, e, quote, regions) {
            return;
        }
        if let Some((us, ua)) = userinfo(t, p + 3) {
            out.push(Match {
                start: us,
                end: ua,
                detector: B::UrlCredentials.id(),
            });
        }
        return;
    }
    if !cx.on.kv() {
        return;
    }
    // `a==b` comparisons and `a::b` paths are not assignments.
    if t.get(p + 1) == Some(&sep) {
        return;
    }
    // Which detectors can want this name, before the value is parsed, and
    // before the tests of where it starts: most names (`retries=`) no
    // detector wants.
    let name = &t[s..e];
    let feature = cx.on.feature() && is_feature_name(cx, name, dotted);
    // Query and `name=value` parameters that hold secrets, and, with `=` or
    // `:`, the names that say "password" or "secret" (`password: hunter2`,
    // `db_password=...`, `"clientSecret": "..."`).
    let url_secret =
        cx.on.url_secret() && ((sep == b'=' && is_secret_param(name)) || is_secret_name(name));
    let aws_secret = cx.on.aws_secret() && maybe_aws_secret_name(name);
    let auth = cx.on.auth_header() && ends_with_ci(name, b"authorization");
    // `first_name=Sarah`, `"lastName": "Connor"`, `customer.full_name: Jane
    // Roe`: the same names that make an attribute's whole value a person's
    // name (`keyctx`), in free text.
    let person =
        cx.on.name() && name.last().is_some_and(|&b| b | 0x20 == b'e') && keyctx::is_name_key(name);
    if !(feature || url_secret || aws_secret || auth || person)
        || !whole_name(t, s, e, quote, regions)
    {
        return;
    }
    let v = skip_blanks(t, p + 1);
    let Some((vs, ve)) = value(t, v) else { return };
    let mut push = |s: usize, e: usize, d: B| {
        if s < e {
            out.push(Match {
                start: s,
                end: e,
                detector: d.id(),
            });
        }
    };
    if feature {
        push(vs, ve, B::FeatureValue);
    }
    if url_secret {
        let cut = t[vs..ve]
            .iter()
            .position(|&b| b == b'&' || b == b'#')
            .map_or(ve, |p| vs + p);
        push(vs, cut, B::UrlSecret);
    }
    if aws_secret && ve - vs >= 40 && is_aws_secret_name(name) {
        // 40 characters of the key alphabet; when more of it follows (an
        // unquoted value running on into `/features`, or binary framing after
        // it), the whole run goes: failing closed costs a few bytes of context.
        let run = t[vs..ve]
            .iter()
            .take_while(|&&b| is(b, ALNUM | SECRET_PUNCT))
            .count();
        if run >= 40 {
            push(vs, vs + run, B::AwsSecretAccessKey);
        }
    }
    if auth {
        if let Some((s, e)) = tokens::authorization_value(t, v) {
            push(s, e, B::BearerToken);
        }
    }
    if person {
        push(vs, name_value_end(t, v, ve), B::PersonName);
    }
}

/// Most further words of an unquoted name value (`full_name=Jane Ann Roe`).
const MAX_NAME_WORDS: usize = 3;

/// Where a person's name given as an unquoted value ends: the value stops at
/// the first blank or apostrophe, so the capitalized words after it join
/// (`first_name=Mary Ann`, `name: Jane Roe`, `O'Brien`); a quoted value (`ve`
/// at its quote) stays as is.
#[inline(never)]
fn name_value_end(t: &[u8], v: usize, ve: usize) -> usize {
    if matches!(t.get(v), Some(b'"' | b'\\' | b'\'')) {
        return ve;
    }
    let mut e = ve;
    // `O'Brien`, `D'Angelo`: the value stopped at the apostrophe.
    while t.get(e) == Some(&b'\'') && at(t, e + 1) & (UPPER | LOWER) != 0 {
        e = run(t, e + 1, UPPER | LOWER);
    }
    for _ in 0..MAX_NAME_WORDS {
        if t.get(e) != Some(&b' ') || !names::starts_cap(t, e + 1) {
            break;
        }
        let w = e
            + 1
            + t[e + 1..]
                .iter()
                .take_while(|&&b| is(b, UPPER | LOWER) || b >= 0x80 || b == b'-' || b == b'\'')
                .count();
        // A capitalized word, not an identifier running on (`Jane Roe_2`).
        if w == e + 2 || at(t, w) & WORD != 0 {
            break;
        }
        e = w;
    }
    e
}

/// Whether the identifier run `s..e` is a name: a whole identifier (`x.token=`
/// is not `token=`) that starts with a letter at a word start the pass
/// reached, after the opening `quote` when the name had a closing one.
#[inline(always)]
fn whole_name(t: &[u8], s: usize, e: usize, quote: Option<u8>, regions: &Regions) -> bool {
    if s == e || !is(t[s], UPPER | LOWER) || (s > 0 && is(t[s - 1], WORD)) {
        return false;
    }
    if let Some(q) = quote {
        if s == 0 || t[s - 1] != q {
            return false;
        }
    }
    regions.reached(s)
}

/// Where the name before the separator at `p` ends when blanks or a closing
/// quote come between them: the end, the quote, and the number of blanks.
fn quoted_name_end(t: &[u8], p: usize) -> Option<(usize, Option<u8>, usize)> {
    // Blanks before the separator (a name is followed by at most 8).
    let mut r = p;
    while r > 0 && matches!(t[r - 1], b' ' | b'\t') {
        r -= 1;
        if p - r > MAX_BLANKS {
            return None;
        }
    }
    let blanks = p - r;
    // Closing quote of `"name"` / `'name'` / `\"name\"`, or the name itself.
    match r.checked_sub(1).map(|k| t[k]) {
        Some(q @ (b'"' | b'\'')) => {
            let e = r - 1;
            if q == b'"' && e > 0 && t[e - 1] == b'\\' {
                Some((e - 1, Some(q), blanks))
            } else {
                Some((e, Some(q), blanks))
            }
        }
        Some(b) if is(b, IDENT) => Some((r, None, blanks)),
        _ => None,
    }
}

/// A feature name, alone or at the end of a longer dotted name
/// (`tenant.user.ltv_usd=…` names `user.ltv_usd`). `dotted`: `name` has a `.`.
/// Inline (always: as a call it cost more than its tests): an undotted name
/// is mostly rejected by its first byte or length.
#[inline(always)]
fn is_feature_name(cx: &Ctx, name: &[u8], dotted: bool) -> bool {
    is_feature_segment(cx, name) || (dotted && ends_in_feature_name(cx, name))
}

/// Whether `n` itself matches a feature pattern (the glob matcher runs only
/// for names of a length and first byte that some pattern can match).
#[inline]
fn is_feature_segment(cx: &Ctx, n: &[u8]) -> bool {
    n.first().is_some_and(|&b| {
        n.len() >= usize::from(cx.on.feature_min_len[b as usize]) && cx.set.features.matches(n)
    })
}

/// Whether a name after one of the `.` of `name` is a feature name.
fn ends_in_feature_name(cx: &Ctx, name: &[u8]) -> bool {
    name.iter()
        .enumerate()
        .any(|(i, &b)| b == b'.' && is_feature_segment(cx, &name[i + 1..]))
}

fn skip_blanks(t: &[u8], mut k: usize) -> usize {
    let limit = k + MAX_BLANKS;
    while k < limit && matches!(t.get(k), Some(b' ' | b'\t')) {
        k += 1;
    }
    k
}

/// The value at `v`: inside quotes up to the matching unescaped quote (also
/// `\"...\"` in escaped JSON), or unquoted up to whitespace `, ; ) ] }` or a quote.
fn value(t: &[u8], v: usize) -> Option<(usize, usize)> {
    let escaped = t.get(v) == Some(&b'\\') && t.get(v + 1) == Some(&b'"');
    let q = if escaped { b'"' } else { *t.get(v)? };
    if escaped || q == b'"' || q == b'\'' {
        let s = if escaped { v + 2 } else { v + 1 };
        let mut e = s;
        while e < t.len() {
            let b = t[e];
            if escaped && b == b'\\' && t.get(e + 1) == Some(&b'"') {
                break;
            }
            if !escaped && b == q {
                break;
            }
            if !escaped && b == b'\\' {
                e += 2;
                continue;
            }
            e += 1;
        }
        return Some((s, e.min(t.len())));
    }
    let mut e = v;
    while e < t.len()
        && !is(t[e], SPACE)
        && !matches!(t[e], b',' | b';' | b')' | b']' | b'}' | b'"' | b'\'')
    {
        e += 1;
    }
    Some((v, e))
}

/// Query parameters whose values are secrets (compared ASCII case-insensitively).
const SECRET_PARAMS: [&[u8]; 20] = [
    b"pwd",
    b"sig",
    b"auth",
    b"token",
    b"apikey",
    b"passwd",
    b"secret",
    b"api_key",
    b"api-key",
    b"password",
    b"id_token",
    b"signature",
    b"access_token",
    b"client_secret",
    b"refresh_token",
    b"x-amz-signature",
    b"x-amz-credential",
    b"x-goog-signature",
    b"x-goog-credential",
    b"x-amz-security-token",
];

/// Entry `n`, bit `c - 'a'`: some secret parameter `n` bytes long starts
/// with the letter `c`.
const SECRET_PARAM_STARTS: [u32; 21] = secret_param_letters(false);
/// The same for the letter a parameter ends with.
const SECRET_PARAM_ENDS: [u32; 21] = secret_param_letters(true);

/// Entry `n`, bit `c - 'a'`: some secret parameter `n` bytes long starts
/// (`last`: ends) with the letter `c`. Every parameter starts and ends with
/// a lowercase letter.
const fn secret_param_letters(last: bool) -> [u32; 21] {
    let mut letters = [0u32; 21];
    let mut i = 0;
    while i < SECRET_PARAMS.len() {
        let p = SECRET_PARAMS[i];
        let c = if last { p[p.len() - 1] } else { p[0] };
        letters[p.len()] |= 1 << (c - b'a');
        i += 1;
    }
    letters
}

/// Whether `letters[name.len()]` has the bit of `b` (ASCII letters of either
/// case; anything else has no bit).
#[inline(always)]
fn letter_listed(letters: &[u32; 21], name: &[u8], b: u8) -> bool {
    let c = b | 0x20;
    let set = letters.get(name.len()).copied().unwrap_or(0);
    c.is_ascii_lowercase() && (set >> (c - b'a')) & 1 != 0
}

/// Whether `name` is one of [`SECRET_PARAMS`]. Inline: it runs at every `=`,
/// and the length and first letter (names start with one, checked by the
/// caller) reject almost every name with one table lookup.
#[inline(always)]
fn is_secret_param(name: &[u8]) -> bool {
    let first = name.first().copied().unwrap_or(0);
    letter_listed(&SECRET_PARAM_STARTS, name, first) && is_listed_param(name)
}

/// The tests behind [`is_secret_param`]'s first one (rarely passed): the
/// last letter (`topic` has the length and first letter of `token`), then
/// the comparisons.
#[cold]
fn is_listed_param(name: &[u8]) -> bool {
    let last = name.last().copied().unwrap_or(0);
    letter_listed(&SECRET_PARAM_ENDS, name, last)
        && SECRET_PARAMS.iter().any(|p| name.eq_ignore_ascii_case(p))
}

/// Names whose value is a secret also after `:` (see [`is_secret_name`]),
/// alone or as the last word of a longer name (lowercase; `_` or `-` may
/// stand inside them: `api_key`, `private-key`). `token` counts only as a
/// last word (`access_token`, `refreshToken`): alone, `token:` is prose as
/// often as not.
const SECRET_WORDS: [&[u8]; 9] = [
    b"password",
    b"passwd",
    b"passphrase",
    b"pwd",
    b"secret",
    b"apikey",
    b"privatekey",
    b"secretkey",
    b"token",
];

/// Entry `c - 'a'`, bit `p - 'a'`: some word of [`SECRET_WORDS`] ends
/// with the letters `p c` (`rd`, `wd`, `se`, `et`, `ey`, `en`).
const SECRET_WORD_ENDS: [u32; 26] = {
    let mut t = [0u32; 26];
    let mut i = 0;
    while i < SECRET_WORDS.len() {
        t = with_last_two_letters(t, SECRET_WORDS[i]);
        i += 1;
    }
    t
};

/// Whether `name` says its value is a secret, with `=` or `:` after it: it
/// is one of [`SECRET_WORDS`] or ends with one as its last word, after a
/// `_ - .` or a step from a small letter or digit to a capital
/// (`db_password`, `user.pwd`, `clientSecret`, `x-api-key`,
/// `STRIPE_API_KEY`), `token` only after `_` or such a step, or in
/// `x-auth-token` (`access_token`, `refreshToken`; not `token` alone,
/// `x.token`, `my-token`). Inline: it runs at every `=` and `:`, and the
/// last byte rejects most names.
#[inline(always)]
fn is_secret_name(name: &[u8]) -> bool {
    match name {
        [.., p, c] if SECRET_LAST[*c as usize] => maybe_secret_name(*p, *c, name),
        _ => false,
    }
}

/// Bytes that some word of [`SECRET_WORDS`] ends with, in either case:
/// most names (`rows`, `latency_ms`, `topic`) are rejected by one lookup.
static SECRET_LAST: [bool; 256] = {
    let mut t = [false; 256];
    let mut i = 0;
    while i < SECRET_WORDS.len() {
        let w = SECRET_WORDS[i];
        let c = w[w.len() - 1];
        t[c as usize] = true;
        t[c.to_ascii_uppercase() as usize] = true;
        i += 1;
    }
    t
};

/// [`is_secret_name`] past its first test (`c`, the last byte, ends some
/// word; `p` is the one before it): the last two and three letters, then
/// the comparisons.
#[inline(always)]
fn maybe_secret_name(p: u8, c: u8, name: &[u8]) -> bool {
    let (p, c) = (p | 0x20, c | 0x20);
    name.len() >= 3
        && p.is_ascii_lowercase()
        && SECRET_WORD_ENDS[(c - b'a') as usize] >> (p - b'a') & 1 != 0
        && ends_like_secret_word(name)
        && is_listed_secret_name(name)
}

/// The last three letters of each of [`SECRET_WORDS`], as integers.
const SECRET_WORD_TAILS: [u32; 9] = {
    let mut t = [0u32; 9];
    let mut i = 0;
    while i < SECRET_WORDS.len() {
        let w = SECRET_WORDS[i];
        let n = w.len();
        t[i] = tail3(w[n - 3], w[n - 2], w[n - 1]);
        i += 1;
    }
    t
};

const fn tail3(a: u8, b: u8, c: u8) -> u32 {
    (a as u32) << 16 | (b as u32) << 8 | c as u32
}

/// Whether the last three bytes of `name` (three or more long), lowercased,
/// end one of [`SECRET_WORDS`]: `budget` has the `et` of `secret`, not its
/// `ret`.
#[inline]
fn ends_like_secret_word(name: &[u8]) -> bool {
    let n = name.len();
    let tail = tail3(name[n - 3] | 0x20, name[n - 2] | 0x20, name[n - 1] | 0x20);
    SECRET_WORD_TAILS.contains(&tail)
}

/// The comparisons behind [`is_secret_name`]'s first test (rarely passed).
#[cold]
fn is_listed_secret_name(name: &[u8]) -> bool {
    SECRET_WORDS.iter().any(|w| {
        let n = word_at_end(name, w);
        if n == 0 {
            return false;
        }
        let start = name.len() - n;
        let token = *w == b"token";
        if start == 0 {
            return !token;
        }
        let before = name[start - 1];
        let camel = name[start].is_ascii_uppercase()
            && (before.is_ascii_lowercase() || before.is_ascii_digit());
        if token {
            // `access_token`, `refreshToken`, `x-auth-token`; not a token
            // of something else (`x.token`, `my-token`).
            let auth = before == b'-' && super::classes::ends_with_ci(name, b"auth-token");
            return before == b'_' || camel || auth;
        }
        matches!(before, b'_' | b'-' | b'.') || camel
    })
}

/// How many bytes at the end of `name` spell `w` (lowercase; any case in
/// `name`), where `_` or `-` may stand between two of its letters; 0 when
/// `name` does not end so.
fn word_at_end(name: &[u8], w: &[u8]) -> usize {
    let mut k = name.len();
    let mut m = w.len();
    while m > 0 {
        let Some(&b) = k.checked_sub(1).and_then(|x| name.get(x)) else {
            return 0;
        };
        if b.to_ascii_lowercase() == w[m - 1] {
            m -= 1;
        } else if !(matches!(b, b'_' | b'-') && m < w.len()) {
            return 0;
        }
        k -= 1;
    }
    name.len() - k
}

/// Cheap necessary condition of [`is_aws_secret_name`]: at least `awssecret`
/// long, and the last letter (punctuation aside) is the `y` of `key` or the
/// `t` of `secret`.
fn maybe_aws_secret_name(name: &[u8]) -> bool {
    name.len() >= 9
        && name
            .iter()
            .rev()
            .find(|&&b| !is(b, IDENT_PUNCT))
            .is_some_and(|&b| matches!(b | 0x20, b'y' | b't'))
}

/// Key names that carry an AWS secret access key: `aws_secret_access_key`,
/// `AWS_SECRET_ACCESS_KEY`, `SecretAccessKey`, `aws.secret-key`...
fn is_aws_secret_name(name: &[u8]) -> bool {
    let mut buf = [0u8; 48];
    let mut n = 0;
    for &b in name {
        if is(b, IDENT_PUNCT) {
            continue;
        }
        let Some(slot) = buf.get_mut(n) else {
            return false;
        };
        *slot = b.to_ascii_lowercase();
        n += 1;
    }
    let norm = &buf[..n];
    norm.ends_with(b"secretaccesskey") || norm.ends_with(b"awssecretkey") || norm == b"awssecret"
}

/// The `user:pass` userinfo of a URL authority starting at `s` (right after
/// `://`): up to the last `@` before the path, with a non-empty password.
fn userinfo(t: &[u8], s: usize) -> Option<(usize, usize)> {
    let mut last_at = None;
    let mut colon = None;
    let mut j = s;
    while j < t.len() && j - s < MAX_USERINFO {
        match t[j] {
            b'@' => last_at = Some(j),
            b':' if colon.is_none() && last_at.is_none() => colon = Some(j),
            b'/' | b'?' | b'#' | b'"' | b'\'' | b'<' | b'>' | b'[' | b']' | b'{' | b'}' | b'\\'
            | b'|' | b'`' | b'^' => break,
            b if b <= b' ' => break,
            _ => {}
        }
        j += 1;
    }
    let a = last_at?;
    let c = colon?;
    (c + 1 < a).then_some((s, a))
}
