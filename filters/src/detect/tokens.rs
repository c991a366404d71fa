//! Credential-shaped tokens: `jwt`, `aws_access_key_id`, and the token after
//! `Bearer`/`Basic`/`Token` (`bearer_token`), alone or as an `Authorization` value.

use super::classes::{
    at, is, run, ALNUM, B32, B64URL_PUNCT, DIGIT, HIGH, LOWER, SECRET_PUNCT, SPACE, TOKEN_PUNCT,
    UPPER,
};

/// Access key id prefixes (IAM user, STS, role, group, ...).
const AWS_PREFIXES: [&[u8; 4]; 11] = [
    b"AKIA", b"ASIA", b"ABIA", b"ACCA", b"AGPA", b"AIDA", b"AROA", b"AIPA", b"ANPA", b"ANVA",
    b"APKA",
];

/// Length of an AWS access key id.
pub(super) const AWS_KEY_ID_LEN: usize = 20;

/// `AKIA` + 16 base32 characters, as a whole word (`wend` ends the word at `i`).
pub(super) fn aws_key_id_at(t: &[u8], i: usize, wend: usize) -> Option<usize> {
    if wend - i != AWS_KEY_ID_LEN || !AWS_PREFIXES.iter().any(|p| &t[i..i + 4] == *p) {
        return None;
    }
    t[i + 4..wend].iter().all(|&b| is(b, B32)).then_some(wend)
}

/// Length of an AWS secret access key (base64 of 30 bytes, no padding).
const AWS_SECRET_LEN: usize = 40;
/// Most bytes between a key id and its secret (glue and short words).
const MAX_PAIR_GAP: usize = 24;

/// The secret access key right after an access key id ending at `e`, as
/// credentials are written in pairs (`AKIA... wJalr...`, a CSV row
/// `AKIA...,wJalr...`, `key AKIA... secret: wJalr...`): across glue (blanks,
/// `: = , ; | /` and quotes) and at most two short words, a run of exactly
/// 40 key characters with capitals, small letters and a digit or `/ +`.
/// Alone such a run is indistinguishable from other base64; next to its key
/// id it is the key's secret.
pub(super) fn aws_secret_after_id(t: &[u8], e: usize) -> Option<(usize, usize)> {
    let mut i = e;
    let mut words = 0;
    while i < t.len() && i - e <= MAX_PAIR_GAP {
        let b = t[i];
        if is(b, SPACE) || matches!(b, b':' | b'=' | b',' | b';' | b'|' | b'/' | b'"' | b'\'') {
            i += 1;
            continue;
        }
        let w = run(t, i, ALNUM | SECRET_PUNCT);
        if w - i == AWS_SECRET_LEN {
            let key = &t[i..w];
            let has = |class| key.iter().any(|&b| is(b, class));
            let shaped = has(UPPER) && has(LOWER) && (has(DIGIT) || has(SECRET_PUNCT));
            // Not the start of a longer token (`=` padding or other token bytes).
            return (shaped
                && at(t, w) & (TOKEN_PUNCT | B64URL_PUNCT) == 0
                && t.get(w) != Some(&b'='))
            .then_some((i, w));
        }
        // A short word between them (`secret`, `sk`), then more glue.
        let letters = run(t, i, UPPER | LOWER);
        if words == 2 || letters == i || letters - i > 12 || letters != w {
            return None;
        }
        words += 1;
        i = letters;
    }
    None
}

/// Minimum lengths of a JWT header and payload segment (`{"alg":"none"}` is 19).
const JWT_MIN_HEADER: usize = 10;
const JWT_MIN_PAYLOAD: usize = 2;

/// `eyJ<header>.<payload>.<signature>` in base64url; the signature may be empty.
pub(super) fn jwt_at(t: &[u8], i: usize) -> Option<usize> {
    if t.get(i..i + 3) != Some(b"eyJ") {
        return None;
    }
    let seg = ALNUM | B64URL_PUNCT;
    let e1 = run(t, i, seg);
    if e1 - i < JWT_MIN_HEADER || t.get(e1) != Some(&b'.') {
        return None;
    }
    let e2 = run(t, e1 + 1, seg);
    if e2 - (e1 + 1) < JWT_MIN_PAYLOAD || t.get(e2) != Some(&b'.') {
        return None;
    }
    let e3 = run(t, e2 + 1, seg);
    (at(t, e3) & HIGH == 0).then_some(e3)
}

/// The token after a standalone `Bearer `/`Basic `/`Token ` (any case) at the
/// word `i..wend`. Without an `Authorization` context the token must look like
/// one: 8+ characters with a digit, mixed case or token punctuation, so that
/// "Basic authentication failed" or "Token validation" stay readable.
pub(super) fn bearer_at(t: &[u8], i: usize, wend: usize) -> Option<(usize, usize)> {
    let kw = &t[i..wend];
    if !(kw.eq_ignore_ascii_case(b"bearer")
        || kw.eq_ignore_ascii_case(b"basic")
        || kw.eq_ignore_ascii_case(b"token"))
    {
        return None;
    }
    if t.get(wend) != Some(&b' ') {
        return None;
    }
    let s = run(t, wend, SPACE);
    let (s, e) = token(t, s)?;
    let tok = &t[s..e];
    let mut seen = 0;
    for &b in tok {
        seen |= super::classes::class(b);
    }
    let shaped = seen & DIGIT != 0
        || (seen & UPPER != 0 && seen & LOWER != 0)
        || seen & TOKEN_PUNCT != 0
        || tok.contains(&b'=');
    (e - s >= 8 && shaped).then_some((s, e))
}

/// An RFC 6750 b64token at `s` (`[A-Za-z0-9-._~+/]+=*`), without a trailing
/// sentence dot unless it is a JWT with an empty signature.
fn token(t: &[u8], s: usize) -> Option<(usize, usize)> {
    let mut e = run(t, s, ALNUM | TOKEN_PUNCT);
    while t.get(e) == Some(&b'=') {
        e += 1;
    }
    let dots = t[s..e].iter().filter(|&&b| b == b'.').count();
    while e > s
        && matches!(t[e - 1], b'.' | b',')
        && !(dots >= 2 && t[e - 1] == b'.' && t.get(s..s + 3) == Some(b"eyJ"))
    {
        e -= 1;
    }
    (e > s && at(t, e) & HIGH == 0).then_some((s, e))
}

/// The credential in an `Authorization` value starting at `v`: the token after
/// a scheme word (`Bearer abc`, `Basic dXNlcjpwYXNz`, `Digest ...` up to a
/// closing quote), or the value itself (8+ characters) when there is no scheme.
pub(super) fn authorization_value(t: &[u8], v: usize) -> Option<(usize, usize)> {
    let mut j = v;
    if t.get(j) == Some(&b'\\') && t.get(j + 1) == Some(&b'"') {
        j += 1;
    }
    let quote = match t.get(j) {
        Some(&q @ (b'"' | b'\'')) => {
            j += 1;
            Some(q)
        }
        _ => None,
    };
    let w = run(t, j, ALNUM | B64URL_PUNCT);
    let has_scheme =
        w > j && t.get(w) == Some(&b' ') && at(t, run(t, w, SPACE)) & (ALNUM | TOKEN_PUNCT) != 0;
    let s = if has_scheme { run(t, w, SPACE) } else { j };
    let e = match quote {
        Some(q) => {
            let mut e = s;
            while e < t.len() && t[e] != q && !(t[e] == b'\\' && t.get(e + 1) == Some(&q)) {
                e += 1;
            }
            e
        }
        None => token(t, s)?.1,
    };
    let long_enough = has_scheme || e - s >= 8;
    (e > s && long_enough).then_some((s, e))
}
