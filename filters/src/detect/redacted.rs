//! Redaction tokens already in the text: `[REDACTED:<name>]` carries no data,
//! and scanning it again must not rewrite it. Without this, rescanning scrubbed
//! output is not idempotent: `api_key=[REDACTED:url_secret]` has the value
//! `[REDACTED:url_secret` (an unquoted value stops at `]`), so a second pass
//! (a second proxy hop, or a replayed payload) wrote
//! `api_key=[REDACTED:url_secret]]`, one more `]` per pass.
//!
//! Only tokens naming a reason of this detector set are recognized, so text
//! dressed up as a token (`[REDACTED:4111111111111111]`) is still scanned.

use super::{DetectorSet, Match};

const PREFIX: &[u8] = b"[REDACTED:";
/// Longest name looked at after the prefix.
const MAX_NAME: usize = 64;
/// Reasons of key rules, which have tokens but no detector id.
const KEY_REASONS: [&str; 3] = ["not_allowed", "denied_key", "hashed_key"];

/// Removes from `out[base..]` every match that lies wholly inside a redaction
/// token of `set`. Allocates nothing; costs one byte search when the text
/// holds no token.
pub(super) fn skip_tokens(set: &DetectorSet, text: &[u8], out: &mut Vec<Match>, base: usize) {
    if out.len() == base || !holds_prefix(text) {
        return;
    }
    let mut keep = base;
    for r in base..out.len() {
        let m = out[r];
        if !inside_token(set, text, m) {
            out[keep] = m;
            keep += 1;
        }
    }
    out.truncate(keep);
}

/// Whether `text` contains [`PREFIX`]: a search for its `[`, then a compare.
/// `memmem::find` builds a searcher on every call, which cost more than the
/// search itself on values of log size.
fn holds_prefix(text: &[u8]) -> bool {
    memchr::memchr_iter(b'[', text).any(|i| text[i..].starts_with(PREFIX))
}

/// Whether `m` lies within some `[REDACTED:<known name>]` of `text`.
fn inside_token(set: &DetectorSet, text: &[u8], m: Match) -> bool {
    // A token containing the match starts at most MAX_NAME + prefix bytes before it.
    let from = m.start.saturating_sub(PREFIX.len() + MAX_NAME + 1);
    let to = m.end.min(text.len());
    memchr::memmem::find_iter(&text[from..to], PREFIX).any(|p| {
        let start = from + p;
        let name_start = start + PREFIX.len();
        let window = &text[name_start..text.len().min(name_start + MAX_NAME + 1)];
        match memchr::memchr(b']', window) {
            Some(len) => {
                let end = name_start + len + 1;
                start <= m.start && m.end <= end && is_reason(set, &window[..len])
            }
            None => false,
        }
    })
}

fn is_reason(set: &DetectorSet, name: &[u8]) -> bool {
    KEY_REASONS.iter().any(|r| r.as_bytes() == name)
        || set.names.iter().any(|n| n.as_bytes() == name)
}

#[cfg(test)]
mod tests {
    use super::super::{BuiltinDetector, DetectorSet};

    fn scan(text: &str) -> Vec<String> {
        let set =
            DetectorSet::new(&BuiltinDetector::ALL, &["user.*".to_string()], &[]).expect("set");
        let mut out = Vec::new();
        set.scan(b"", text.as_bytes(), &mut out);
        out.iter()
            .map(|m| text[m.start..m.end].to_string())
            .collect()
    }

    #[test]
    fn tokens_are_not_rescanned() {
        assert!(scan("api_key=[REDACTED:url_secret]").is_empty());
        assert!(scan("user.email=[REDACTED:feature_value]&x").is_empty());
        assert!(scan("x [REDACTED:not_allowed] y [REDACTED:email]").is_empty());
    }

    #[test]
    fn look_alike_tokens_are_still_scanned() {
        assert_eq!(
            scan("api_key=[REDACTED:sk_live_51HxYz]"),
            ["[REDACTED:sk_live_51HxYz"]
        );
        assert_eq!(
            scan("[REDACTED:4111 1111 1111 1111]"),
            ["4111 1111 1111 1111"]
        );
        // A real token next to a secret does not shield the secret.
        assert_eq!(
            scan("[REDACTED:email] api_key=s3cr3tvalue"),
            ["s3cr3tvalue"]
        );
    }
}
