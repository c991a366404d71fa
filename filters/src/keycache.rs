//! What a scrubber decided about an attribute key, remembered across calls.
//!
//! Attribute keys repeat: the same few dozen names (`service.name`,
//! `http.route`, ...) arrive in every request, while deciding a key costs a
//! case-folded match against every rule list and a detector scan of the key
//! text. Each thread keeps one small direct-mapped table of recent decisions,
//! tagged with the scrubber that made them, so a repeated key costs one hash
//! and one comparison. The table is taken out of its thread-local slot for
//! the length of a call (one TLS access per call, none per key) and is bounded:
//! keys of unbounded cardinality only evict each other.

use std::cell::Cell;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::detect::KeyFacts;
use crate::scrubber::KeyPolicy;

/// What is known about an attribute key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct KeyInfo {
    pub policy: KeyPolicy,
    /// No detector matches the key text itself: it may be copied verbatim.
    pub key_clean: bool,
    /// What the key says about its value, for the detectors.
    pub facts: KeyFacts,
}

/// Slots of the table (a power of two).
const SLOTS: usize = 512;
/// Longest key remembered (longer keys are decided every time).
const MAX_KEY: usize = 54;

#[derive(Clone, Copy)]
struct Entry {
    /// Id of the scrubber that decided (0: empty slot).
    owner: u64,
    len: u8,
    key: [u8; MAX_KEY],
    info: KeyInfo,
}

const EMPTY: Entry = Entry {
    owner: 0,
    len: 0,
    key: [0; MAX_KEY],
    info: KeyInfo {
        policy: KeyPolicy::Scan,
        key_clean: false,
        facts: KeyFacts::NONE,
    },
};

/// One thread's table of key decisions.
pub(crate) struct KeyCache {
    entries: Box<[Entry; SLOTS]>,
}

thread_local! {
    static TABLE: Cell<Option<KeyCache>> = const { Cell::new(None) };
}

static NEXT_OWNER: AtomicU64 = AtomicU64::new(1);

/// A fresh id for a scrubber (never 0, never reused within a process).
pub(crate) fn new_owner() -> u64 {
    NEXT_OWNER.fetch_add(1, Ordering::Relaxed)
}

impl KeyCache {
    /// This thread's table (a new one on first use, or when a call on this
    /// thread holds it already, e.g. a nested call).
    pub(crate) fn take() -> Self {
        TABLE.with(Cell::take).unwrap_or_else(Self::new_table)
    }

    /// An empty table. Out of line: inlined into a caller, the ~40 KB array
    /// built before it is boxed gave that caller a stack frame as large, whose
    /// probing cost every call (the walker's key lookups) about 45
    /// instructions even when the table already existed.
    #[cold]
    #[inline(never)]
    fn new_table() -> Self {
        KeyCache {
            entries: Box::new([EMPTY; SLOTS]),
        }
    }

    /// Gives the table back to this thread for the next call.
    pub(crate) fn give_back(self) {
        TABLE.with(|t| t.set(Some(self)));
    }

    /// The remembered decision of scrubber `owner` about `key`, if any.
    /// Inline: it runs for every top-level attribute key.
    #[inline(always)]
    pub(crate) fn get(&self, owner: u64, key: &[u8]) -> Option<KeyInfo> {
        if key.len() > MAX_KEY {
            return None;
        }
        let slot = &self.entries[slot_of(owner, key)];
        (slot.owner == owner && usize::from(slot.len) == key.len() && same_key(&slot.key, key))
            .then_some(slot.info)
    }

    /// The decision of scrubber `owner` about `key`, computed by `decide` on a
    /// miss and remembered when the key is short enough.
    #[inline]
    pub(crate) fn get_or(
        &mut self,
        owner: u64,
        key: &[u8],
        decide: impl FnOnce() -> KeyInfo,
    ) -> KeyInfo {
        if key.len() > MAX_KEY {
            return decide();
        }
        let slot = &mut self.entries[slot_of(owner, key)];
        if slot.owner == owner && usize::from(slot.len) == key.len() && same_key(&slot.key, key) {
            return slot.info;
        }
        let info = decide();
        slot.owner = owner;
        slot.len = key.len() as u8;
        slot.key[..key.len()].copy_from_slice(key);
        slot.info = info;
        info
    }
}

/// Whether `stored` starts with `key` (at most [`MAX_KEY`] bytes): eight
/// bytes a time and an overlapping last word, inline, where the slice
/// comparison was a `memcmp` call costing more than the hash.
#[inline(always)]
fn same_key(stored: &[u8; MAX_KEY], key: &[u8]) -> bool {
    let n = key.len();
    let Some(stored) = stored.get(..n) else {
        return false;
    };
    if n < 8 {
        return stored == key;
    }
    let mut i = 0;
    while i + 8 < n {
        if word_at(stored, i) != word_at(key, i) {
            return false;
        }
        i += 8;
    }
    word_at(stored, n - 8) == word_at(key, n - 8)
}

/// The slot of `key`: a multiplicative hash of its first and last eight
/// bytes (all of a shorter key), its length and the owner, reduced to its
/// top bits. Bytes in the middle of keys longer than sixteen are not read:
/// keys alike at both ends and of one length share a slot and evict each
/// other, costing a decision, never a wrong answer (the whole key is
/// compared). Attribute keys seldom are; a loop over every word cost more
/// than the rest of the lookup.
#[inline(always)]
fn slot_of(owner: u64, key: &[u8]) -> usize {
    const K: u64 = 0x9E37_79B9_7F4A_7C15;
    let n = key.len();
    let (first, last) = if n >= 8 {
        (word_at(key, 0), word_at(key, n - 8))
    } else {
        (tail_word(key), 0)
    };
    let h = (owner.wrapping_mul(K) ^ first).wrapping_mul(K);
    let h = (h.rotate_left(32) ^ last ^ n as u64).wrapping_mul(K);
    (h >> (64 - SLOTS.trailing_zeros())) as usize
}

/// The eight bytes of `b` at `i` as a little-endian word.
#[inline(always)]
fn word_at(b: &[u8], i: usize) -> u64 {
    let mut a = [0u8; 8];
    a.copy_from_slice(&b[i..i + 8]);
    u64::from_le_bytes(a)
}

/// The last eight bytes of `key` as a word (some of them hashed already), or
/// all its bytes when it is shorter (little-endian, zero-extended): loads
/// instead of a loop over the tail.
#[inline(always)]
fn tail_word(key: &[u8]) -> u64 {
    let n = key.len();
    if n >= 8 {
        return word_at(key, n - 8);
    }
    if n >= 4 {
        // Two overlapping halves; the bytes they share are the same in both.
        let half = |i: usize| {
            let mut a = [0u8; 4];
            a.copy_from_slice(&key[i..i + 4]);
            u64::from(u32::from_le_bytes(a))
        };
        return half(0) | half(n - 4) << ((n - 4) * 8);
    }
    key.iter()
        .rev()
        .fold(0u64, |acc, &b| (acc << 8) | u64::from(b))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Reason;

    fn info(clean: bool) -> KeyInfo {
        KeyInfo {
            policy: if clean {
                KeyPolicy::Scan
            } else {
                KeyPolicy::Redact(Reason::KeyNotAllowed)
            },
            key_clean: clean,
            facts: KeyFacts::NONE,
        }
    }

    #[test]
    fn remembers_per_owner_and_key() {
        let mut c = KeyCache::take();
        let (a, b) = (new_owner(), new_owner());
        let calls = std::cell::Cell::new(0);
        let get = |c: &mut KeyCache, owner, key: &[u8], v| {
            c.get_or(owner, key, || {
                calls.set(calls.get() + 1);
                info(v)
            })
        };
        assert_eq!(get(&mut c, a, b"service.name", true), info(true));
        // A hit does not decide again, even if the decision would differ.
        assert_eq!(get(&mut c, a, b"service.name", false), info(true));
        // Another scrubber, or another key, decides for itself.
        assert_eq!(get(&mut c, b, b"service.name", false), info(false));
        assert_eq!(get(&mut c, a, b"service.nam", false), info(false));
        assert_eq!(get(&mut c, a, b"", true), info(true));
        assert_eq!(get(&mut c, a, b"", false), info(true));
        assert_eq!(calls.get(), 4);
        c.give_back();
    }

    #[test]
    fn same_key_compares_every_byte() {
        let mut stored = [b'x'; MAX_KEY];
        for n in 0..=MAX_KEY {
            let key = vec![b'x'; n];
            assert!(same_key(&stored, &key), "{n}");
            for i in 0..n {
                stored[i] = b'y';
                assert!(!same_key(&stored, &key), "{n} {i}");
                stored[i] = b'x';
            }
        }
    }

    #[test]
    fn tail_word_is_the_last_bytes_zero_extended() {
        let key: Vec<u8> = (1..=20u8).collect();
        for n in 0..=key.len() {
            let k = &key[..n];
            let want = k[n.saturating_sub(8)..]
                .iter()
                .rev()
                .fold(0u64, |acc, &b| (acc << 8) | u64::from(b));
            assert_eq!(tail_word(k), want, "{n}");
        }
    }

    #[test]
    fn long_keys_are_decided_every_time() {
        let mut c = KeyCache::take();
        let owner = new_owner();
        let key = [b'k'; MAX_KEY + 1];
        let mut calls = 0;
        for _ in 0..3 {
            c.get_or(owner, &key, || {
                calls += 1;
                info(true)
            });
        }
        assert_eq!(calls, 3);
        c.give_back();
    }

    #[test]
    fn eviction_never_returns_another_keys_decision() {
        let mut c = KeyCache::take();
        let owner = new_owner();
        // Many more keys than slots: every answer is still the key's own.
        for round in 0..2 {
            for i in 0..(SLOTS * 4) {
                let key = format!("k{i}");
                let want = info(i % 3 == 0);
                let got = c.get_or(owner, key.as_bytes(), || want);
                assert_eq!(got, want, "round {round} key {key}");
            }
        }
        c.give_back();
    }

    #[test]
    fn the_table_survives_between_calls_on_a_thread() {
        let owner = new_owner();
        let mut c = KeyCache::take();
        c.get_or(owner, b"http.route", || info(true));
        c.give_back();
        let mut c = KeyCache::take();
        let mut decided = false;
        c.get_or(owner, b"http.route", || {
            decided = true;
            info(false)
        });
        assert!(!decided);
        c.give_back();
    }
}
