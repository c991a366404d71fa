//! Runs one scrubber mode over the logs corpus a fixed number of times, for
//! instruction counting under `valgrind --tool=callgrind` (repeatable on a
//! shared, noisy machine where wall-clock benches are not):
//!
//! `valgrind --tool=callgrind --callgrind-out-file=/dev/null \
//!    target/release/examples/scrub_cost strict|validate|naive|strict_json [signal]`
#[path = "../benches/naive.rs"]
mod naive;

use std::hint::black_box;

use planeguard_filters::corpus::{self, CorpusConfig};
use planeguard_filters::{Encoding, Profile, Scrubber, Signal};

fn main() {
    let mode = std::env::args().nth(1).unwrap_or_else(|| "strict".into());
    let signal = match std::env::args().nth(2).as_deref() {
        Some("metrics") => Signal::Metrics,
        Some("traces") => Signal::Traces,
        _ => Signal::Logs,
    };
    let batches = corpus::batches(&CorpusConfig::default(), signal, 16);
    let mut profile = Profile::strict_default();
    profile.features = vec!["user.*".into(), "transaction.*".into()];
    if mode == "strict_nodetect" {
        profile.detectors = Some(Vec::new());
    }
    let scrubber = match Scrubber::new(&profile) {
        Ok(s) => s,
        Err(e) => panic!("profile: {e}"),
    };
    let mut out = Vec::new();
    // Warm up one-time initialization (the name lists, built on the first
    // capitalized word pair) so every mode, and `setup`, includes it equally:
    // one batch may hold no such pair, so scrub them all once.
    let warm = match Scrubber::new(&Profile::strict_default()) {
        Ok(s) => s,
        Err(e) => panic!("profile: {e}"),
    };
    for b in &batches {
        let _ = warm.scrub(signal, Encoding::Protobuf, &b.protobuf, &mut out);
    }
    let _ = scrubber.scrub(signal, Encoding::Protobuf, &batches[0].protobuf, &mut out);
    let records: usize = batches.iter().map(|b| b.records).sum();
    measured(&mode, signal, &scrubber, &batches, &mut out);
    eprintln!("{mode}: {} records x 4", records);
}

/// The counted work, apart from setup: `--toggle-collect=scrub_cost::measured`
/// gives a per-function profile of one mode alone.
#[inline(never)]
fn measured(
    mode: &str,
    signal: Signal,
    scrubber: &Scrubber,
    batches: &[corpus::Batch],
    out: &mut Vec<u8>,
) {
    for _ in 0..4 {
        for b in batches {
            match mode {
                "strict" | "strict_nodetect" => {
                    let _ = black_box(scrubber.scrub(signal, Encoding::Protobuf, &b.protobuf, out));
                }
                "strict_json" => {
                    let _ = black_box(scrubber.scrub(signal, Encoding::Json, &b.json, out));
                }
                "validate" => {
                    let _ = black_box(scrubber.validate(signal, Encoding::Protobuf, &b.protobuf));
                }
                "naive" => {
                    let _ = black_box(naive::scrub(scrubber, signal, &b.protobuf, out));
                }
                "setup" => {}
                other => panic!("unknown mode {other}"),
            }
        }
    }
}
