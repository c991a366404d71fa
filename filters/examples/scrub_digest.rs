//! Prints a digest of everything the scrubber produces (output bytes, report,
//! error) over the corpus and the adversarial batches, every signal, both
//! encodings and several profiles. A speed change must leave every line
//! unchanged: run it before and after and `diff` the two outputs.
//!
//! `cargo run --release -p planeguard-filters --features corpus --example scrub_digest`
use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};

use planeguard_filters::corpus::{self, CorpusConfig};
use planeguard_filters::{
    Action, CustomDetector, Encoding, Mode, Profile, Report, Scrubber, Signal,
};

fn profiles() -> Vec<(&'static str, Profile)> {
    let mut strict = Profile::strict_default();
    strict.features = vec!["user.*".into(), "transaction.*".into()];
    strict.hash_keys = vec!["query.id".into()];
    strict.hash_key = Some(b"digest-key".to_vec());
    strict.deny_keys = vec!["*.password".into()];
    strict.custom = vec![CustomDetector {
        name: "order_id".into(),
        regex: "ORD-[0-9]{10}".into(),
        action: None,
    }];
    let mut hashed = strict.clone();
    hashed.on_match = Action::Hash;
    let mut masked = strict.clone();
    masked.mode = Mode::Detect;
    masked.on_match = Action::Mask;
    let mut dropping = strict.clone();
    dropping.on_match = Action::DropRecord;
    vec![
        ("strict", strict),
        ("strict_hash", hashed),
        ("detect_mask", masked),
        ("strict_drop", dropping),
        ("passthrough", Profile::passthrough()),
    ]
}

/// A report as text that does not depend on detector ids: its record and
/// byte counts, and its redaction counts by reason name and location, in
/// name order. Adding a built-in detector shifts the ids (and the slots of
/// the raw counts) without changing what was redacted.
fn named(scrubber: &Scrubber, report: &Report) -> String {
    let mut counts: Vec<(String, &str, u32)> = report
        .redactions(scrubber.detector_count())
        .map(|(r, l, n)| (scrubber.reason_name(r).to_string(), l.as_str(), n))
        .collect();
    counts.sort();
    format!(
        "in {} out {} dropped {} unknown {} bytes {}/{} {counts:?}",
        report.records_in,
        report.records_out,
        report.dropped_records,
        report.unknown_fields_dropped,
        report.bytes_in,
        report.bytes_out,
    )
}

fn main() {
    let mut all = DefaultHasher::new();
    let mut out = Vec::new();
    for (name, profile) in profiles() {
        let scrubber = match Scrubber::new(&profile) {
            Ok(s) => s,
            Err(e) => panic!("profile {name}: {e}"),
        };
        for signal in Signal::ALL {
            let mut batches = corpus::batches(&CorpusConfig::default(), signal, 24);
            batches.extend((0..24).map(|seed| corpus::adversarial(signal, seed)));
            for encoding in [Encoding::Protobuf, Encoding::Json] {
                let mut h = DefaultHasher::new();
                for b in &batches {
                    match scrubber.scrub(signal, encoding, b.payload(encoding), &mut out) {
                        Ok(report) => {
                            out.hash(&mut h);
                            named(&scrubber, &report).hash(&mut h);
                        }
                        Err(e) => format!("{e:?}").hash(&mut h),
                    }
                }
                let d = h.finish();
                d.hash(&mut all);
                println!("{name} {signal:?} {encoding:?} {d:016x}");
            }
        }
    }
    println!("all {:016x}", all.finish());
}
