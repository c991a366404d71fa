//! Detectors: find sensitive values in text (and text-like bytes).
//!
//! A [`DetectorSet`] is compiled once per profile and scans a value in as few
//! passes as possible. Detectors work on bytes so that `bytes_value` payloads
//! are covered too; every match boundary falls on a UTF-8 character boundary.
//!
//! Built-ins are hand-written scanners, not regexes, driven by one pass over
//! the value (`words`) that stops only at trigger bytes: a digit or non-ASCII
//! byte at a word start, an uppercase letter, `= : @ + (`, and `b`/`k` of the
//! bearer keywords. It finds them 64 bytes at a time with branch-free
//! word-at-a-time arithmetic, so the lowercase words, spaces and `. _ - /` that
//! make up most of a log line cost about one operation per byte. At a trigger
//! it tries only the detectors that such a byte can anchor (the word's number
//! shape, a capitalized word pair, `eyJ`, `AKIA`, the identifier before `=`/`:`,
//! the `@` of an email, a vendor key prefix before a word glued to it by `_`
//! or `-`, `-----BEGIN`, a birth label before a date...), each rejecting
//! ordinary log text within a few bytes. Custom detectors use the `regex` crate. Candidates from all of them
//! are then sorted and de-overlapped in place in the caller's buffer, so a scan
//! allocates nothing of its own.

mod apikeys;
mod classes;
mod dob;
mod email;
mod ip;
mod keyctx;
mod kv;
mod labels;
mod names;
mod numbers;
mod pem;
mod phone;
mod redacted;
mod simd;
mod tokens;
mod words;

#[cfg(test)]
mod tests;

use regex::bytes::Regex;

use crate::keys::KeyPatterns;

pub use keyctx::KeyFacts;

/// The built-in detectors, in a fixed order (their index is their id).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(u8)]
pub enum BuiltinDetector {
    Email,
    CreditCard,
    UsSsn,
    Phone,
    Iban,
    Ipv4,
    Ipv6,
    Jwt,
    AwsAccessKeyId,
    AwsSecretAccessKey,
    BearerToken,
    UrlCredentials,
    UrlSecret,
    PersonName,
    FeatureValue,
    ApiKey,
    PrivateKey,
    DateOfBirth,
}

impl BuiltinDetector {
    pub const ALL: [BuiltinDetector; 18] = [
        Self::Email,
        Self::CreditCard,
        Self::UsSsn,
        Self::Phone,
        Self::Iban,
        Self::Ipv4,
        Self::Ipv6,
        Self::Jwt,
        Self::AwsAccessKeyId,
        Self::AwsSecretAccessKey,
        Self::BearerToken,
        Self::UrlCredentials,
        Self::UrlSecret,
        Self::PersonName,
        Self::FeatureValue,
        Self::ApiKey,
        Self::PrivateKey,
        Self::DateOfBirth,
    ];

    /// The name used in configuration and in `[REDACTED:<name>]`.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Email => "email",
            Self::CreditCard => "credit_card",
            Self::UsSsn => "us_ssn",
            Self::Phone => "phone",
            Self::Iban => "iban",
            Self::Ipv4 => "ipv4",
            Self::Ipv6 => "ipv6",
            Self::Jwt => "jwt",
            Self::AwsAccessKeyId => "aws_access_key_id",
            Self::AwsSecretAccessKey => "aws_secret_access_key",
            Self::BearerToken => "bearer_token",
            Self::UrlCredentials => "url_credentials",
            Self::UrlSecret => "url_secret",
            Self::PersonName => "person_name",
            Self::FeatureValue => "feature_value",
            Self::ApiKey => "api_key",
            Self::PrivateKey => "private_key",
            Self::DateOfBirth => "date_of_birth",
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|d| d.name() == name)
    }

    /// Id of this detector inside any [`DetectorSet`].
    pub const fn id(self) -> DetectorId {
        self as DetectorId
    }
}

/// Index of a detector in a [`DetectorSet`]: built-ins first (by their enum
/// order), then custom detectors in configuration order.
pub type DetectorId = u16;

/// Number of built-in detector ids (custom ids start here).
pub const BUILTIN_COUNT: usize = BuiltinDetector::ALL.len();

/// One sensitive range `start..end` of the scanned bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Match {
    pub start: usize,
    pub end: usize,
    pub detector: DetectorId,
}

/// Every detector of one profile, compiled.
#[derive(Debug)]
pub struct DetectorSet {
    enabled: [bool; BUILTIN_COUNT],
    names: Vec<String>,
    /// Feature-namespace globs for `feature_value` (empty: detector inactive).
    features: KeyPatterns,
    custom: Vec<Custom>,
    /// Scanners of the pass, derived from `enabled` and `features`.
    active: Active,
    /// Whether the pass runs at all (some built-in scanner is active).
    pass: bool,
}

/// A custom detector: its regex, the shortest text it can match (values
/// shorter than that, most attribute values, skip the regex call), and the
/// bytes every match starts with, when the pattern fixes some: a text
/// without them skips the regex, whose per-call setup costs more than a
/// substring search.
#[derive(Debug)]
struct Custom {
    regex: Regex,
    min_len: usize,
    prefix: Option<memchr::memmem::Finder<'static>>,
}

impl Custom {
    fn new(pattern: &str) -> Result<Self, regex::Error> {
        let regex = Regex::new(pattern)?;
        // The same syntax as the regex crate; a pattern it parses differently
        // (bytes-only classes) gets no shortcut.
        let hir = regex_syntax::ParserBuilder::new()
            .utf8(false)
            .build()
            .parse(pattern)
            .ok();
        let min_len = hir
            .as_ref()
            .and_then(|h| h.properties().minimum_len())
            .unwrap_or(0);
        let prefix = hir.as_ref().and_then(required_prefix);
        Ok(Self {
            regex,
            min_len,
            prefix,
        })
    }

    /// Whether `text` may hold a match (false: certainly none).
    #[inline]
    fn may_match(&self, text: &[u8]) -> bool {
        text.len() >= self.min_len && self.prefix.as_ref().is_none_or(|f| f.find(text).is_some())
    }
}

/// The bytes every match of `hir` starts with (the common prefix of its
/// finite prefix literals), if not empty.
fn required_prefix(hir: &regex_syntax::hir::Hir) -> Option<memchr::memmem::Finder<'static>> {
    use regex_syntax::hir::literal::{ExtractKind, Extractor};
    let seq = Extractor::new().kind(ExtractKind::Prefix).extract(hir);
    seq.literals()?;
    let common = seq.longest_common_prefix()?;
    (!common.is_empty()).then(|| memchr::memmem::Finder::new(common).into_owned())
}

/// Which scanners of the pass a set runs, and the bytes the pass stops at.
///
/// The scanners are bits of one word rather than a bool each: the pass
/// tests them in its loop, and the compiler copied every one of seventeen
/// bools to the stack at each scan that stopped anywhere.
#[derive(Clone, Debug)]
pub(super) struct Active {
    /// One bit per scanner, see [`Scanner`].
    flags: u32,
    /// Necessary condition on a feature name: by its first byte, the
    /// shortest length it can have (see [`feature_min_lens`]).
    pub feature_min_len: [u16; 256],
    /// Bytes where the pass stops (see [`words::triggers`]).
    pub trigger: [bool; 256],
    /// Whether the pass may skip the `trigger` lookup at each candidate (see
    /// [`words::candidates_all_trigger`]).
    pub all_trigger: bool,
}

/// The scanners of the pass, one bit each in [`Active`].
#[derive(Clone, Copy)]
#[repr(u32)]
pub(super) enum Scanner {
    Email,
    Card,
    Ssn,
    Phone,
    Iban,
    Ipv4,
    Ipv6,
    Jwt,
    AwsId,
    Bearer,
    UrlCredentials,
    Name,
    /// `ident=value` / `ident: value` checks (feature values, URL secrets,
    /// AWS secrets after their key name, `Authorization:` values).
    Kv,
    Feature,
    UrlSecret,
    AwsSecret,
    AuthHeader,
    /// Vendor keys with a fixed prefix (`sk_live_`, `ghp_`, `AIza`...).
    ApiKey,
    /// `-----BEGIN ... PRIVATE KEY-----` blocks.
    PrivateKey,
    /// Dates after a birth label (`dob: 1985-03-12`).
    Dob,
}

/// `Active::<name>()`: whether that scanner runs.
macro_rules! scanner_tests {
    ($($name:ident => $s:ident),* $(,)?) => {
        impl Active {
            $(
                #[inline(always)]
                pub(super) fn $name(&self) -> bool {
                    self.flags & (1 << Scanner::$s as u32) != 0
                }
            )*
        }
    };
}

scanner_tests! {
    email => Email,
    card => Card,
    ssn => Ssn,
    phone => Phone,
    iban => Iban,
    ipv4 => Ipv4,
    ipv6 => Ipv6,
    jwt => Jwt,
    aws_id => AwsId,
    bearer => Bearer,
    url_credentials => UrlCredentials,
    name => Name,
    kv => Kv,
    feature => Feature,
    url_secret => UrlSecret,
    aws_secret => AwsSecret,
    auth_header => AuthHeader,
    api_key => ApiKey,
    private_key => PrivateKey,
    dob => Dob,
}

impl Active {
    /// Whether the single pass has anything to do.
    fn any(&self) -> bool {
        self.trigger.iter().any(|&b| b)
    }
}

impl DetectorSet {
    /// Compiles the set. `features` are feature-namespace globs (`user.*`) used by
    /// `feature_value`; `custom` are `(name, regex)` pairs. Fails on a bad regex,
    /// an empty custom name, or a custom name already taken.
    pub fn new(
        builtins: &[BuiltinDetector],
        features: &[String],
        custom: &[(String, String)],
    ) -> Result<Self, String> {
        let mut enabled = [false; BUILTIN_COUNT];
        for d in builtins {
            enabled[*d as usize] = true;
        }
        let mut names: Vec<String> = BuiltinDetector::ALL
            .iter()
            .map(|d| d.name().to_string())
            .collect();
        let mut regexes = Vec::with_capacity(custom.len());
        for (name, pattern) in custom {
            if name.is_empty() {
                return Err("custom detector with an empty name".into());
            }
            if names.iter().any(|n| n == name) {
                return Err(format!("custom detector name `{name}` is already taken"));
            }
            let re = Custom::new(pattern)
                .map_err(|e| format!("custom detector `{name}`: invalid regex: {e}"))?;
            names.push(name.clone());
            regexes.push(re);
        }
        if names.len() > DetectorId::MAX as usize {
            return Err("too many custom detectors".into());
        }
        let features_src = features;
        let features = KeyPatterns::new(features);
        let active = Self::active(&enabled, &features, features_src);
        let pass = active.any();
        Ok(Self {
            enabled,
            names,
            features,
            custom: regexes,
            active,
            pass,
        })
    }

    /// Name of a detector id (built-in or custom).
    pub fn name(&self, id: DetectorId) -> &str {
        self.names
            .get(id as usize)
            .map(String::as_str)
            .unwrap_or("unknown")
    }

    /// Number of ids (built-in + custom).
    pub fn len(&self) -> usize {
        self.names.len()
    }

    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// Whether a built-in detector is part of this set.
    pub fn is_enabled(&self, d: BuiltinDetector) -> bool {
        self.enabled[d as usize]
    }

    /// Scans `text`, the value of `key` (empty for free text such as a log body or
    /// span name), appending matches to `out`: sorted by start, non-overlapping.
    /// Does not clear `out`.
    pub fn scan(&self, key: &[u8], text: &[u8], out: &mut Vec<Match>) {
        if text.is_empty() {
            return;
        }
        self.scan_with(key, KeyFacts::of(key), text, out);
    }

    /// [`scan`](Self::scan) with the facts of `key` already known
    /// (`KeyFacts::of(key)`, cached by the caller).
    pub fn scan_with(&self, key: &[u8], facts: KeyFacts, text: &[u8], out: &mut Vec<Match>) {
        if text.is_empty() {
            return;
        }
        let base = out.len();
        if keyctx::whole_value(self, facts, text, out) {
            redacted::skip_tokens(self, text, out, base);
            resolve(text, out, base);
            return;
        }
        if self.pass {
            words::scan(self, key, facts, text, out);
        }
        if !self.custom.is_empty() {
            self.scan_custom(text, out);
        }
        if out.len() > base {
            redacted::skip_tokens(self, text, out, base);
            resolve(text, out, base);
        }
    }

    /// The custom (regex) detectors' matches in `text`. Out of line: the
    /// regex iterator's state made the frame of every scan large.
    #[inline(never)]
    fn scan_custom(&self, text: &[u8], out: &mut Vec<Match>) {
        for (i, c) in self.custom.iter().enumerate() {
            if !c.may_match(text) {
                continue;
            }
            let id = (BUILTIN_COUNT + i) as DetectorId;
            for m in c.regex.find_iter(text) {
                if m.start() < m.end() {
                    out.push(Match {
                        start: m.start(),
                        end: m.end(),
                        detector: id,
                    });
                }
            }
        }
    }

    /// Which scanners the pass runs for this set, and where it stops. Each
    /// trigger is there only if an enabled detector needs it, so a set with
    /// few detectors also stops less often.
    fn active(
        enabled: &[bool; BUILTIN_COUNT],
        features: &KeyPatterns,
        features_src: &[String],
    ) -> Active {
        use BuiltinDetector as B;
        let on = |d: B| enabled[d as usize];
        let feature = on(B::FeatureValue) && !features.is_empty();
        let url_secret = on(B::UrlSecret);
        let aws_secret = on(B::AwsSecretAccessKey);
        let auth_header = on(B::BearerToken);
        use Scanner as S;
        let flags = [
            (S::Email, on(B::Email)),
            (S::Card, on(B::CreditCard)),
            (S::Ssn, on(B::UsSsn)),
            (S::Phone, on(B::Phone)),
            (S::Iban, on(B::Iban)),
            (S::Ipv4, on(B::Ipv4)),
            (S::Ipv6, on(B::Ipv6)),
            (S::Jwt, on(B::Jwt)),
            (S::AwsId, on(B::AwsAccessKeyId)),
            (S::Bearer, on(B::BearerToken)),
            (S::UrlCredentials, on(B::UrlCredentials)),
            (S::Name, on(B::PersonName)),
            (S::Kv, feature || url_secret || aws_secret || auth_header),
            (S::Feature, feature),
            (S::UrlSecret, url_secret),
            (S::AwsSecret, aws_secret),
            (S::AuthHeader, auth_header),
            (S::ApiKey, on(B::ApiKey)),
            (S::PrivateKey, on(B::PrivateKey)),
            (S::Dob, on(B::DateOfBirth)),
        ]
        .into_iter()
        .fold(0u32, |f, (s, on)| f | u32::from(on) << s as u32);
        let mut active = Active {
            flags,
            feature_min_len: feature_min_lens(features_src),
            trigger: [false; 256],
            all_trigger: false,
        };
        active.trigger = words::triggers(&active);
        active.all_trigger = words::candidates_all_trigger(&active.trigger);
        active
    }
}

/// By first byte, the shortest name a pattern can match (`u16::MAX`: none).
/// `KeyPatterns` anchors globs at the start and `*` is their only wildcard,
/// so a name matches a pattern only if it starts with the pattern's first
/// byte (either case; any byte for a leading `*`) and is at least as long as
/// the pattern without its stars. Most identifiers in logs are rejected here
/// without running the glob matcher: by their first byte, or by their length
/// (`topic` is too short for `transaction.*`).
fn feature_min_lens(patterns: &[String]) -> [u16; 256] {
    let mut min = [u16::MAX; 256];
    for p in patterns {
        let literal = p.bytes().filter(|&b| b != b'*').count();
        let len = u16::try_from(literal).unwrap_or(u16::MAX - 1);
        let mut lower = |b: u8| min[b as usize] = min[b as usize].min(len);
        match p.as_bytes().first() {
            None => {}
            Some(b'*') => (0..=255).for_each(&mut lower),
            Some(&b) => {
                lower(b.to_ascii_lowercase());
                lower(b.to_ascii_uppercase());
            }
        }
    }
    min
}

/// Tie-break rank among matches with the same range: a feature value is
/// reported as such (its action is the feature policy), then by id.
fn rank(id: DetectorId) -> u32 {
    if id == BuiltinDetector::FeatureValue.id() {
        0
    } else {
        1 + id as u32
    }
}

/// Sorts `out[base..]` by start (then longest, then rank), widens each match to
/// UTF-8 character boundaries and drops every match overlapping an earlier kept
/// one. In place: no allocation.
fn resolve(text: &[u8], out: &mut Vec<Match>, base: usize) {
    match out.len() - base {
        0 => return,
        1 => {
            // Nothing to sort or de-overlap (the common case with a match).
            widen_to_char_boundaries(text, &mut out[base]);
            if out[base].start >= out[base].end {
                out.truncate(base);
            }
            return;
        }
        _ => {}
    }
    for m in &mut out[base..] {
        widen_to_char_boundaries(text, m);
    }
    out[base..].sort_unstable_by(|a, b| {
        a.start
            .cmp(&b.start)
            .then(b.end.cmp(&a.end))
            .then(rank(a.detector).cmp(&rank(b.detector)))
    });
    let mut keep = base;
    let mut last_end = 0;
    for r in base..out.len() {
        let m = out[r];
        if m.start >= m.end || (keep > base && m.start < last_end) {
            continue;
        }
        out[keep] = m;
        keep += 1;
        last_end = m.end;
    }
    out.truncate(keep);
}

/// Moves `start` back and `end` forward off UTF-8 continuation bytes, so a
/// match never splits a character (custom byte regexes can stop mid-character).
fn widen_to_char_boundaries(text: &[u8], m: &mut Match) {
    let len = text.len();
    m.end = m.end.min(len);
    m.start = m.start.min(m.end);
    while m.start > 0 && m.start < len && text[m.start] & 0xC0 == 0x80 {
        m.start -= 1;
    }
    while m.end < len && text[m.end] & 0xC0 == 0x80 {
        m.end += 1;
    }
}
