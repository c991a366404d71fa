//! Detectors anchored on an identifier: `name=value`, `name: value` and
//! `"name": "value"` (feature values, URL/query secrets, AWS secret keys after
//! their key name, `Authorization` values) and `scheme://user:pass@` userinfo.
//!
//! The identifier is read once at the start of a word and every detector that
//! keys on it looks at the same parse.

use super::classes::{before, ends_with_ci, is, run, ALNUM, IDENT_PUNCT, SECRET_PUNCT, SPACE};
use super::tokens;
use super::words::Ctx;
use super::{BuiltinDetector as B, Match};

/// Longest identifier considered (longer runs are not key names).
const MAX_IDENT: usize = 128;
/// Longest userinfo considered in `scheme://userinfo@`.
const MAX_USERINFO: usize = 256;

/// Tries every identifier-anchored detector at the word starting at `i`.
pub(super) fn at_ident(cx: &Ctx, i: usize, out: &mut Vec<Match>) {
    let t = cx.text;
    // Only whole identifiers: `x.token=` is not `token=`.
    if before(t, i) & IDENT_PUNCT != 0 {
        return;
    }
    let e = run(t, i, ALNUM | IDENT_PUNCT);
    if e - i > MAX_IDENT {
        return;
    }
    let name = &t[i..e];
    let mut k = e;
    // Closing quote of `"name"` / `'name'` / `\"name\"`.
    if t.get(k) == Some(&b'\\') && matches!(t.get(k + 1), Some(b'"')) {
        k += 1;
    }
    if matches!(t.get(k), Some(b'"' | b'\'')) && i > 0 && t[i - 1] == t[k] {
        k += 1;
    }
    if cx.on.url_credentials && t.get(k..k + 3) == Some(b"://") {
        if let Some((s, a)) = userinfo(t, k + 3) {
            out.push(Match {
                start: s,
                end: a,
                detector: B::UrlCredentials.id(),
            });
        }
        return;
    }
    if !cx.on.kv {
        return;
    }
    k = skip_blanks(t, k);
    let sep = match t.get(k) {
        Some(&s @ (b'=' | b':')) => s,
        _ => return,
    };
    // `a==b` comparisons and `a::b` paths are not assignments.
    if t.get(k + 1) == Some(&sep) {
        return;
    }
    let v = skip_blanks(t, k + 1);
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
    if cx.on.feature && cx.set.features.matches(name) {
        push(vs, ve, B::FeatureValue);
    }
    if cx.on.url_secret && sep == b'=' && is_secret_param(name) {
        let cut = t[vs..ve]
            .iter()
            .position(|&b| b == b'&' || b == b'#')
            .map_or(ve, |p| vs + p);
        push(vs, cut, B::UrlSecret);
    }
    if cx.on.aws_secret
        && ve - vs == 40
        && t[vs..ve].iter().all(|&b| is(b, ALNUM | SECRET_PUNCT))
        && is_aws_secret_name(name)
    {
        push(vs, ve, B::AwsSecretAccessKey);
    }
    if cx.on.auth_header && ends_with_ci(name, b"authorization") {
        if let Some((s, e)) = tokens::authorization_value(t, v) {
            push(s, e, B::BearerToken);
        }
    }
}

fn skip_blanks(t: &[u8], mut k: usize) -> usize {
    let limit = k + 8;
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
fn is_secret_param(name: &[u8]) -> bool {
    let mut buf = [0u8; 24];
    let Some(dst) = buf.get_mut(..name.len()) else {
        return false;
    };
    for (d, s) in dst.iter_mut().zip(name) {
        *d = s.to_ascii_lowercase();
    }
    matches!(
        &buf[..name.len()],
        b"token"
            | b"api_key"
            | b"apikey"
            | b"api-key"
            | b"password"
            | b"passwd"
            | b"pwd"
            | b"secret"
            | b"client_secret"
            | b"sig"
            | b"signature"
            | b"access_token"
            | b"refresh_token"
            | b"id_token"
            | b"auth"
            | b"x-amz-signature"
            | b"x-amz-credential"
            | b"x-amz-security-token"
            | b"x-goog-signature"
            | b"x-goog-credential"
    )
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
