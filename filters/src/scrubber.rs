//! A compiled profile, and the per-value decisions shared by the protobuf and
//! JSON walkers: which rule applies to a key, and how a text value is rewritten.

use hmac::{KeyInit, Mac};

use crate::detect::{BuiltinDetector, DetectorId, DetectorSet, KeyFacts, Match};
use crate::keycache::{self, KeyCache, KeyInfo};
use crate::keys::KeyPatterns;
use crate::{
    Action, Encoding, Location, Mode, Profile, ProfileError, Reason, Report, ScrubError, Signal,
};

type HmacSha256 = hmac::Hmac<sha2::Sha256>;

/// What a key rule decides for the value under a key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyPolicy {
    /// The value may pass; free-text detectors still run on it.
    Scan,
    /// The whole value is replaced with `[REDACTED:<reason>]`.
    Redact(Reason),
    /// The whole value is replaced with its keyed hash.
    Hash,
}

/// A [`Profile`] compiled for fast scrubbing. Cheap to share between threads.
#[derive(Debug)]
pub struct Scrubber {
    mode: Mode,
    allow: KeyPatterns,
    deny: KeyPatterns,
    hash: KeyPatterns,
    features: KeyPatterns,
    hmac: Option<HmacSha256>,
    detectors: DetectorSet,
    /// Action per detector id.
    actions: Vec<Action>,
    /// `[REDACTED:<name>]` per detector id, then per key reason.
    tokens: Vec<Box<[u8]>>,
    /// Each of `tokens` as an encoded `KeyValue.value` field (tag 2,
    /// `AnyValue { string_value }`): a redacted pair is then one copy.
    token_values: Vec<Box<[u8]>>,
    pub(crate) limits: crate::Limits,
    /// Tags this scrubber's entries in the per-thread key cache.
    cache_owner: u64,
}

impl Scrubber {
    /// Compiles a profile; fails on unknown detector names, bad regexes, or a
    /// hash action without a hash key.
    pub fn new(profile: &Profile) -> Result<Self, ProfileError> {
        let builtins: Vec<BuiltinDetector> = match &profile.detectors {
            None => BuiltinDetector::ALL.to_vec(),
            Some(names) => names
                .iter()
                .map(|n| {
                    BuiltinDetector::from_name(n).ok_or_else(|| {
                        ProfileError(format!(
                            "unknown detector `{n}`; built-in detectors are: {}",
                            BuiltinDetector::ALL.map(|d| d.name()).join(", ")
                        ))
                    })
                })
                .collect::<Result<_, _>>()?,
        };
        let custom: Vec<(String, String)> = profile
            .custom
            .iter()
            .map(|c| (c.name.clone(), c.regex.clone()))
            .collect();
        let detectors =
            DetectorSet::new(&builtins, &profile.features, &custom).map_err(ProfileError)?;

        let mut actions = vec![profile.on_match; detectors.len()];
        for (name, action) in &profile.actions {
            let id = (0..detectors.len())
                .find(|&i| detectors.name(i as DetectorId) == name)
                .ok_or_else(|| {
                    ProfileError(format!("action override for unknown detector `{name}`"))
                })?;
            actions[id] = *action;
        }
        for (i, c) in profile.custom.iter().enumerate() {
            if let Some(a) = c.action {
                actions[crate::detect::BUILTIN_COUNT + i] = a;
            }
        }
        let needs_key = !profile.hash_keys.is_empty() || actions.contains(&Action::Hash);
        let hmac = match &profile.hash_key {
            Some(k) if !k.is_empty() => Some(
                HmacSha256::new_from_slice(k)
                    .map_err(|e| ProfileError(format!("hash_key: {e}")))?,
            ),
            _ if needs_key && profile.mode != Mode::Passthrough => {
                return Err(ProfileError(
                    "hash_keys or a `hash` action need a non-empty hash_key".into(),
                ))
            }
            _ => None,
        };
        let mut tokens: Vec<Box<[u8]>> = (0..detectors.len())
            .map(|i| redaction_token(detectors.name(i as DetectorId)))
            .collect();
        tokens.push(redaction_token("not_allowed"));
        tokens.push(redaction_token("denied_key"));
        tokens.push(redaction_token("hashed_key"));
        let token_values = tokens.iter().map(|t| token_value(t)).collect();
        Ok(Self {
            mode: profile.mode,
            allow: KeyPatterns::new(&profile.allow_keys),
            deny: KeyPatterns::new(&profile.deny_keys),
            hash: KeyPatterns::new(&profile.hash_keys),
            features: KeyPatterns::new(&profile.features),
            hmac,
            detectors,
            actions,
            tokens,
            token_values,
            limits: profile.limits,
            cache_owner: keycache::new_owner(),
        })
    }

    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// Whether this scrubber changes anything (false for passthrough).
    pub fn is_scrubbing(&self) -> bool {
        self.mode != Mode::Passthrough
    }

    /// Number of detector ids (for [`Report::redactions`]).
    pub fn detector_count(&self) -> usize {
        self.detectors.len()
    }

    /// Name of a detector id, for metrics labels.
    pub fn detector_name(&self, id: DetectorId) -> &str {
        self.detectors.name(id)
    }

    /// Label of a reason, for metrics and reports.
    pub fn reason_name(&self, reason: Reason) -> &str {
        match reason {
            Reason::Detector(id) => self.detectors.name(id),
            Reason::KeyNotAllowed => "not_allowed",
            Reason::DeniedKey => "denied_key",
            Reason::HashedKey => "hashed_key",
        }
    }

    /// Scrubs one OTLP export request (`Export{Logs,Metrics,Traces}ServiceRequest`).
    ///
    /// `out` is cleared and receives the scrubbed payload in the same encoding.
    /// On error `out` holds nothing usable and must not be forwarded.
    pub fn scrub(
        &self,
        signal: Signal,
        encoding: Encoding,
        input: &[u8],
        out: &mut Vec<u8>,
    ) -> Result<Report, ScrubError> {
        out.clear();
        let mut report = Report::default();
        report.bytes_in = input.len() as u64;
        let result = match encoding {
            Encoding::Protobuf => crate::proto::scrub(self, signal, input, out, &mut report, true),
            Encoding::Json => crate::json::scrub(self, signal, input, out, &mut report, true),
        };
        if let Err(e) = result {
            out.clear();
            return Err(e);
        }
        if !self.is_scrubbing() {
            out.clear();
            out.extend_from_slice(input);
        }
        report.bytes_out = out.len() as u64;
        Ok(report)
    }

    /// Walks and validates the payload without detectors or output: the floor
    /// that scrubbing is measured against, and the check passthrough uses.
    pub fn validate(
        &self,
        signal: Signal,
        encoding: Encoding,
        input: &[u8],
    ) -> Result<Report, ScrubError> {
        let mut report = Report::default();
        report.bytes_in = input.len() as u64;
        let mut sink = Vec::new();
        match encoding {
            Encoding::Protobuf => {
                crate::proto::scrub(self, signal, input, &mut sink, &mut report, false)?
            }
            Encoding::Json => {
                crate::json::scrub(self, signal, input, &mut sink, &mut report, false)?
            }
        }
        Ok(report)
    }

    /// The rule for the value under `key` (a full dotted path for nested kvlists).
    pub fn key_policy(&self, key: &[u8]) -> KeyPolicy {
        match self.mode {
            Mode::Passthrough => KeyPolicy::Scan,
            Mode::Strict | Mode::Detect => {
                if self.deny.matches(key) {
                    KeyPolicy::Redact(Reason::DeniedKey)
                } else if self.features.matches(key) {
                    KeyPolicy::Redact(Reason::Detector(BuiltinDetector::FeatureValue.id()))
                } else if self.hash.matches(key) {
                    KeyPolicy::Hash
                } else if self.mode == Mode::Strict && !self.allow.matches(key) {
                    KeyPolicy::Redact(Reason::KeyNotAllowed)
                } else {
                    KeyPolicy::Scan
                }
            }
        }
    }

    /// The key rule for `key` and whether its text is clean, remembered in
    /// `cache` (see [`crate::keycache`]). `matches` is scratch space.
    #[inline]
    pub(crate) fn key_info(
        &self,
        cache: &mut KeyCache,
        key: &[u8],
        matches: &mut Vec<Match>,
    ) -> KeyInfo {
        cache.get_or(self.cache_owner, key, || KeyInfo {
            policy: self.key_policy(key),
            key_clean: self.text_is_clean(b"", KeyFacts::NONE, key, matches),
            facts: KeyFacts::of(key),
        })
    }

    /// [`Self::key_info`] if `cache` holds it already (nothing computed).
    #[inline]
    pub(crate) fn cached_key_info(&self, cache: &KeyCache, key: &[u8]) -> Option<KeyInfo> {
        cache.get(self.cache_owner, key)
    }

    /// `[REDACTED:<reason>]`.
    pub(crate) fn token(&self, reason: Reason) -> &[u8] {
        &self.tokens[self.token_index(reason)]
    }

    /// [`Self::token`] as a `KeyValue.value` field: tag 2 and
    /// `AnyValue { string_value: <token> }`.
    pub(crate) fn token_value(&self, reason: Reason) -> &[u8] {
        &self.token_values[self.token_index(reason)]
    }

    fn token_index(&self, reason: Reason) -> usize {
        let n = self.detectors.len();
        match reason {
            Reason::Detector(id) => id as usize,
            Reason::KeyNotAllowed => n,
            Reason::DeniedKey => n + 1,
            Reason::HashedKey => n + 2,
        }
    }

    /// Appends `hmac:<16 hex>` of `value`.
    pub(crate) fn write_hash(&self, value: &[u8], out: &mut Vec<u8>) {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        out.extend_from_slice(b"hmac:");
        match &self.hmac {
            Some(mac) => {
                let mut mac = mac.clone();
                mac.update(value);
                let digest = mac.finalize().into_bytes();
                for b in &digest[..8] {
                    out.push(HEX[(b >> 4) as usize]);
                    out.push(HEX[(b & 15) as usize]);
                }
            }
            // Unreachable by construction (Scrubber::new requires a key); still never leak.
            None => out.extend_from_slice(b"0000000000000000"),
        }
    }

    /// Runs the detectors over `text` (the value of `key`, empty for free text;
    /// `facts` are those of `key`). Returns `None` when nothing matched (copy
    /// the original), otherwise writes the rewritten text to `scratch` and
    /// returns whether a `drop_record` fired. Inline (always): the walkers
    /// call it for every string, and most strings need only the scan; left to
    /// the compiler, a larger detector pass made it a call (about 75
    /// instructions per log record, detectors on or off).
    #[allow(clippy::too_many_arguments)]
    #[inline(always)]
    pub(crate) fn scrub_text(
        &self,
        location: Location,
        key: &[u8],
        facts: KeyFacts,
        text: &[u8],
        matches: &mut Vec<Match>,
        scratch: &mut Vec<u8>,
        report: &mut Report,
    ) -> Option<bool> {
        if self.text_is_clean(key, facts, text, matches) {
            return None;
        }
        Some(self.rewrite(location, text, matches, scratch, report))
    }

    /// `text` with every match replaced by its action's text, into `scratch`
    /// (cleared first), counted in `report`. Returns whether a `drop_record`
    /// fired.
    fn rewrite(
        &self,
        location: Location,
        text: &[u8],
        matches: &[Match],
        scratch: &mut Vec<u8>,
        report: &mut Report,
    ) -> bool {
        scratch.clear();
        let mut drop = false;
        let mut pos = 0;
        for m in matches {
            scratch.extend_from_slice(&text[pos..m.start]);
            let value = &text[m.start..m.end];
            let action = self.actions[m.detector as usize];
            report.count(Reason::Detector(m.detector), location, self.detectors.len());
            match action {
                Action::Redact => {
                    scratch.extend_from_slice(self.token(Reason::Detector(m.detector)))
                }
                Action::DropRecord => {
                    drop = true;
                    scratch.extend_from_slice(self.token(Reason::Detector(m.detector)));
                }
                Action::Hash => self.write_hash(value, scratch),
                Action::Mask => write_mask(value, scratch),
            }
            pos = m.end;
        }
        scratch.extend_from_slice(&text[pos..]);
        drop
    }

    /// Value-level API (used by the naive decode-edit-encode baseline and by tests):
    /// the rewritten text, or `None` when no detector matched. The flag is true when a
    /// `drop_record` action fired.
    pub fn scrub_str(
        &self,
        location: Location,
        key: &str,
        text: &str,
        report: &mut Report,
    ) -> Option<(String, bool)> {
        let mut matches = Vec::new();
        let mut scratch = Vec::new();
        let drop = self.scrub_text(
            location,
            key.as_bytes(),
            KeyFacts::of(key.as_bytes()),
            text.as_bytes(),
            &mut matches,
            &mut scratch,
            report,
        )?;
        // Replacements are ASCII and matches fall on char boundaries, so this holds.
        String::from_utf8(scratch).ok().map(|s| (s, drop))
    }

    /// The replacement text for a whole value under a key rule (`[REDACTED:<reason>]`
    /// or `hmac:<16 hex>` of `value`), counted in `report`.
    pub fn key_replacement(
        &self,
        policy: KeyPolicy,
        location: Location,
        value: &[u8],
        report: &mut Report,
    ) -> Option<String> {
        let mut out = Vec::new();
        match policy {
            KeyPolicy::Scan => return None,
            KeyPolicy::Redact(reason) => {
                self.count(reason, location, report);
                out.extend_from_slice(self.token(reason));
            }
            KeyPolicy::Hash => {
                self.count(Reason::HashedKey, location, report);
                self.write_hash(value, &mut out);
            }
        }
        String::from_utf8(out).ok()
    }

    /// Whether no detector matches `text` (the value of `key`; empty for free text).
    /// Counts nothing; `matches` holds the matches afterwards.
    #[inline]
    pub(crate) fn text_is_clean(
        &self,
        key: &[u8],
        facts: KeyFacts,
        text: &[u8],
        matches: &mut Vec<Match>,
    ) -> bool {
        if self.mode == Mode::Passthrough {
            return true;
        }
        matches.clear();
        self.detectors.scan_with(key, facts, text, matches);
        matches.is_empty()
    }

    pub(crate) fn count(&self, reason: Reason, location: Location, report: &mut Report) {
        report.count(reason, location, self.detectors.len());
    }
}

/// `token` encoded as a `KeyValue.value` field (see [`Scrubber::token_value`]).
fn token_value(token: &[u8]) -> Box<[u8]> {
    let mut inner = vec![0x0A];
    crate::proto::put_varint(&mut inner, token.len() as u64);
    inner.extend_from_slice(token);
    let mut out = vec![0x12];
    crate::proto::put_varint(&mut out, inner.len() as u64);
    out.extend_from_slice(&inner);
    out.into_boxed_slice()
}

fn redaction_token(name: &str) -> Box<[u8]> {
    format!("[REDACTED:{name}]").into_bytes().into_boxed_slice()
}

/// `****` followed by the last four characters (fewer if the value is shorter).
fn write_mask(value: &[u8], out: &mut Vec<u8>) {
    out.extend_from_slice(b"****");
    // Walk back four UTF-8 characters so a multi-byte character is never split.
    let mut start = value.len();
    let mut chars = 0;
    while start > 0 && chars < 4 {
        start -= 1;
        if value[start] & 0xC0 != 0x80 {
            chars += 1;
        }
    }
    if value.len() - start >= value.len() {
        // Never reveal a whole value of four characters or fewer.
        return;
    }
    out.extend_from_slice(&value[start..]);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mask_keeps_last_four() {
        let mut out = Vec::new();
        write_mask(b"4111111111111111", &mut out);
        assert_eq!(out, b"****1111");
        out.clear();
        write_mask(b"abc", &mut out);
        assert_eq!(out, b"****");
        out.clear();
        write_mask("xxxxxüñíç".as_bytes(), &mut out);
        assert_eq!(out, "****üñíç".as_bytes());
    }

    #[test]
    fn key_policy_order() {
        let mut p = Profile::strict_default();
        p.allow_keys.push("user.tier".into());
        p.features = vec!["user.*".into()];
        p.hash_keys = vec!["query.id".into()];
        p.hash_key = Some(b"k".to_vec());
        let s = Scrubber::new(&p).unwrap();
        assert_eq!(
            s.key_policy(b"db.password"),
            KeyPolicy::Redact(Reason::DeniedKey)
        );
        assert_eq!(
            s.key_policy(b"user.tier"),
            KeyPolicy::Redact(Reason::Detector(BuiltinDetector::FeatureValue.id()))
        );
        assert_eq!(s.key_policy(b"query.id"), KeyPolicy::Hash);
        assert_eq!(s.key_policy(b"service.name"), KeyPolicy::Scan);
        assert_eq!(
            s.key_policy(b"customer.ssn"),
            KeyPolicy::Redact(Reason::KeyNotAllowed)
        );
    }

    #[test]
    fn hash_is_deterministic_and_keyed() {
        let mut p = Profile::strict_default();
        p.hash_key = Some(b"k1".to_vec());
        let a = Scrubber::new(&p).unwrap();
        p.hash_key = Some(b"k2".to_vec());
        let b = Scrubber::new(&p).unwrap();
        let (mut x, mut y, mut z) = (Vec::new(), Vec::new(), Vec::new());
        a.write_hash(b"q-1", &mut x);
        a.write_hash(b"q-1", &mut y);
        b.write_hash(b"q-1", &mut z);
        assert_eq!(x, y);
        assert_ne!(x, z);
        assert_eq!(x.len(), 5 + 16);
    }

    #[test]
    fn hash_without_key_is_an_error() {
        let mut p = Profile::strict_default();
        p.hash_keys = vec!["query.id".into()];
        assert!(Scrubber::new(&p).is_err());
    }
}
