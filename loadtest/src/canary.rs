//! Finding planted canaries in received payloads: every needle form of every
//! canary ([`Canary::needles`]: raw, JSON-escaped, base64) in one Aho-Corasick
//! pass per payload, so the sink's cost does not grow with the number of
//! canaries the way one `memmem` pass per needle would.

use std::collections::HashMap;

use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};
use planeguard_filters::corpus::Canary;

/// Needles shorter than this are skipped: they could occur by chance in
/// legitimate output and turn the leak count into noise.
const MIN_NEEDLE: usize = 6;

/// At most this many matches are looked at per payload; a payload with that
/// many leaks is already a failure, and the cap bounds the sink's work.
const MAX_MATCHES: usize = 4096;

/// A multi-needle matcher over a set of canaries.
#[derive(Debug, Default)]
pub struct CanaryIndex {
    matcher: Option<AhoCorasick>,
    /// Pattern id -> canary number.
    owner: Vec<u32>,
    /// Canary number -> the canary (first of each value).
    canaries: Vec<Canary>,
}

/// What one scan found.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Found {
    /// Needle occurrences (capped).
    pub matches: usize,
    /// Distinct canaries among them (canary numbers, see [`CanaryIndex::canary`]).
    pub ids: Vec<u32>,
}

impl Found {
    /// Number of distinct canaries found.
    pub fn distinct(&self) -> usize {
        self.ids.len()
    }
}

impl CanaryIndex {
    /// Indexes `canaries`; duplicates (same value) count once.
    pub fn new(canaries: &[Canary]) -> Self {
        let mut by_value: HashMap<&str, u32> = HashMap::new();
        let mut patterns: Vec<Vec<u8>> = Vec::new();
        let mut owner = Vec::new();
        let mut unique = Vec::new();
        for c in canaries {
            if by_value.contains_key(c.value.as_str()) {
                continue;
            }
            let id = by_value.len() as u32;
            by_value.insert(c.value.as_str(), id);
            unique.push(c.clone());
            for needle in c.needles() {
                if needle.len() >= MIN_NEEDLE && !patterns.contains(&needle) {
                    patterns.push(needle);
                    owner.push(id);
                }
            }
        }
        let matcher = if patterns.is_empty() {
            None
        } else {
            build(&patterns, Some(AhoCorasickKind::DFA)).or_else(|| build(&patterns, None))
        };
        Self {
            matcher,
            owner,
            canaries: unique,
        }
    }

    /// Number of distinct canaries indexed.
    pub fn len(&self) -> usize {
        self.canaries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.canaries.is_empty()
    }

    /// The canary with number `id` (from [`Found::ids`]).
    pub fn canary(&self, id: u32) -> Option<&Canary> {
        self.canaries.get(id as usize)
    }

    /// Canary needles present in `payload`.
    pub fn scan(&self, payload: &[u8]) -> Found {
        let Some(m) = &self.matcher else {
            return Found::default();
        };
        let mut found = Found::default();
        for hit in m.find_iter(payload).take(MAX_MATCHES) {
            found.matches += 1;
            if let Some(&id) = self.owner.get(hit.pattern().as_usize()) {
                if !found.ids.contains(&id) {
                    found.ids.push(id);
                }
            }
        }
        found
    }
}

fn build(patterns: &[Vec<u8>], kind: Option<AhoCorasickKind>) -> Option<AhoCorasick> {
    AhoCorasick::builder()
        .match_kind(MatchKind::LeftmostLongest)
        .kind(kind)
        .build(patterns)
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use planeguard_filters::corpus::{self, CorpusConfig};
    use planeguard_filters::Encoding;

    #[test]
    fn finds_every_canary_of_a_batch_in_both_encodings() {
        let cfg = CorpusConfig::default();
        for signal in planeguard_filters::Signal::ALL {
            let b = corpus::batch(&cfg, signal, 3);
            assert!(!b.canaries.is_empty());
            let index = CanaryIndex::new(&b.canaries);
            for enc in [Encoding::Protobuf, Encoding::Json] {
                let found = index.scan(b.payload(enc));
                // The reference check of the filters crate agrees.
                let expected = corpus::find_canaries(b.payload(enc), &b.canaries).len();
                assert_eq!(found.distinct(), expected, "{signal:?} {enc:?}");
                assert!(found.distinct() > 0);
            }
        }
    }

    #[test]
    fn clean_payload_has_no_hits() {
        let cfg = CorpusConfig::default();
        let b = corpus::logs(&cfg, 0);
        let index = CanaryIndex::new(&b.canaries);
        let clean = corpus::logs(
            &CorpusConfig {
                pii_share: 0.0,
                ..cfg
            },
            0,
        );
        assert_eq!(index.scan(&clean.protobuf), Found::default());
        assert_eq!(CanaryIndex::default().scan(&b.protobuf), Found::default());
    }

    #[test]
    fn counts_a_single_planted_value() {
        let cfg = CorpusConfig::default();
        let b = corpus::logs(&cfg, 1);
        let index = CanaryIndex::new(&b.canaries);
        let mut payload = b"prefix ".to_vec();
        payload.extend_from_slice(b.canaries[0].value.as_bytes());
        payload.extend_from_slice(b" suffix");
        let f = index.scan(&payload);
        assert_eq!(f.distinct(), 1);
        assert!(f.matches >= 1);
        assert_eq!(index.canary(f.ids[0]), Some(&b.canaries[0]));
    }
}
