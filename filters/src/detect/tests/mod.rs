//! Detector tests: table tests per detector (one module each), log-line noise
//! that must survive, and properties of `scan` on arbitrary bytes.

mod api;
mod apikeys;
mod dob;
mod email;
mod features;
mod ip;
mod labels;
mod names;
mod noise;
mod numbers;
mod pass;
mod passwords;
mod pem;
mod phone;
mod props;
mod tokens;
mod urls;

use super::{BuiltinDetector, DetectorSet, Match};

/// Every built-in, features `user.*` and `transaction.*`, no custom detectors.
pub(super) fn all() -> DetectorSet {
    DetectorSet::new(
        &BuiltinDetector::ALL,
        &["user.*".to_string(), "transaction.*".to_string()],
        &[],
    )
    .expect("valid set")
}

/// `(detector name, matched text)` for every match of `text` under `key`.
pub(super) fn scan_key(key: &str, text: &str) -> Vec<(String, String)> {
    let set = all();
    let mut out: Vec<Match> = Vec::new();
    set.scan(key.as_bytes(), text.as_bytes(), &mut out);
    out.iter()
        .map(|m| {
            (
                set.name(m.detector).to_string(),
                text[m.start..m.end].to_string(),
            )
        })
        .collect()
}

/// Matches of free text (no key).
pub(super) fn scan(text: &str) -> Vec<(String, String)> {
    scan_key("", text)
}

/// Asserts that `text` yields exactly one match, of `detector`, covering `want`.
#[track_caller]
pub(super) fn assert_one(detector: &str, text: &str, want: &str) {
    assert_eq!(
        scan(text),
        vec![(detector.to_string(), want.to_string())],
        "text: {text:?}"
    );
}

/// Asserts that `text` yields no match at all.
#[track_caller]
pub(super) fn assert_none(text: &str) {
    assert_eq!(scan(text), vec![], "text: {text:?}");
}

/// Asserts that `text` yields no match of `detector` (others may match).
#[track_caller]
pub(super) fn assert_not(detector: &str, text: &str) {
    let found = scan(text);
    assert!(
        found.iter().all(|(d, _)| d != detector),
        "{detector} matched in {text:?}: {found:?}"
    );
}
