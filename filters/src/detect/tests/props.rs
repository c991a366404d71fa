//! Properties of `scan` on arbitrary input: no panics, sorted, non-overlapping,
//! in bounds, on UTF-8 character boundaries.

use proptest::prelude::*;

use super::super::{BuiltinDetector, DetectorSet, Match};

fn set() -> DetectorSet {
    DetectorSet::new(
        &BuiltinDetector::ALL,
        &["user.*".to_string()],
        &[("digits".to_string(), r"(?-u:[0-9\xC3]{3,})".to_string())],
    )
    .expect("set")
}

fn is_boundary(text: &[u8], i: usize) -> bool {
    i == 0 || i == text.len() || text[i] & 0xC0 != 0x80
}

fn check(set: &DetectorSet, key: &[u8], text: &[u8]) -> Result<(), TestCaseError> {
    let mut out: Vec<Match> = Vec::new();
    set.scan(key, text, &mut out);
    let mut last_end = 0;
    for m in &out {
        prop_assert!(
            m.start < m.end && m.end <= text.len(),
            "{m:?} out of bounds"
        );
        prop_assert!(m.start >= last_end, "overlap or unsorted at {m:?}");
        prop_assert!(
            is_boundary(text, m.start) && is_boundary(text, m.end),
            "{m:?} splits a char"
        );
        prop_assert!((m.detector as usize) < set.len());
        last_end = m.end;
    }
    Ok(())
}

/// Fragments that get detectors deep into their parsers, mixed with noise.
fn fragment() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..12),
        prop::sample::select(vec![
            "4111 1111 1111 1111",
            "123-45-6789",
            "+1 (555) 234-5678",
            "DE89 3704 0044 0532 0130 00",
            "10.0.0.1",
            "fe80::1",
            "::",
            "eyJhbGciOiJIUzI1NiJ9.eyJ4IjoxfQ.",
            "AKIAIOSFODNN7EXAMPLE",
            "Bearer ",
            "Authorization: ",
            "https://u:p@",
            "?token=",
            "user.email=",
            "\"user.x\": \"",
            "Zoë Müller",
            "John Smith",
            "a@b.example",
            "@",
            "\\\"",
            "é",
            "\u{1F600}",
            " ",
            ".",
            "-",
        ])
        .prop_map(|s| s.as_bytes().to_vec()),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes(text in proptest::collection::vec(any::<u8>(), 0..200)) {
        let set = set();
        check(&set, b"", &text)?;
        check(&set, b"customer.ssn", &text)?;
    }

    #[test]
    fn mixed_fragments(parts in proptest::collection::vec(fragment(), 0..12), key in prop::sample::select(vec![
        "", "user_phone", "customer.ssn", "authorization", "customer.full_name", "aws.secret_access_key",
    ])) {
        let text: Vec<u8> = parts.concat();
        check(&set(), key.as_bytes(), &text)?;
    }

    #[test]
    fn unicode_text(text in "\\PC{0,80}") {
        check(&set(), b"", text.as_bytes())?;
    }
}
