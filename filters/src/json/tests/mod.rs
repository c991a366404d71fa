//! Tests of the OTLP/JSON walker against real OTLP JSON.
//!
//! - `policy`: key policies (strict, deny, hash, features), nested key paths,
//!   key-after-value, escapes. Independent of detectors.
//! - `structure`: round trips, passthrough, validate-only, unknown members,
//!   snake_case input, number/enum encodings. Independent of detectors.
//! - `malformed`: every rejected shape, with kind, path and offset.
//! - `detectors`: free-text locations, attribute keys, bytes, escapes and record
//!   drop through a custom regex detector. These need the detector set (merged
//!   separately); until then each test detects that the set finds nothing and
//!   returns early, saying so on stderr.
//! - `fuzz`: property tests over arbitrary strings and mutated payloads.
//! - `perf`: an ignored throughput measurement (release, `--ignored --nocapture`).

#[macro_use]
mod macros {
    /// OTLP/JSON bytes of an opentelemetry-proto request.
    macro_rules! to_json {
        ($request:expr) => {
            serde_json::to_vec(&$request).expect("serializable")
        };
    }
}

mod detectors;
mod fixtures;
mod fuzz;
mod malformed;
mod perf;
mod policy;
mod structure;

use crate::{
    CustomDetector, Encoding, Location, Profile, Reason, Report, ScrubError, Scrubber, Signal,
};

/// Strict default rules with the built-in detectors off, so key-policy outcomes
/// stay the same once detectors are merged.
pub fn strict() -> Profile {
    Profile {
        detectors: Some(vec![]),
        ..Profile::strict_default()
    }
}

/// Detect mode, no built-in detectors, no key rules: nothing should change.
pub fn neutral() -> Profile {
    Profile {
        mode: crate::Mode::Detect,
        detectors: Some(vec![]),
        ..Profile::default()
    }
}

/// The custom detector used by the detector tests: `SECRET-<digits>`.
pub fn ticket(action: Option<crate::Action>) -> CustomDetector {
    CustomDetector {
        name: "ticket".into(),
        regex: "SECRET-[0-9]+".into(),
        action,
    }
}

pub fn scrubber(p: &Profile) -> Scrubber {
    Scrubber::new(p).expect("profile compiles")
}

/// Scrubs, requires success and valid JSON output; returns it parsed.
pub fn run(s: &Scrubber, signal: Signal, input: &[u8]) -> (serde_json::Value, Report) {
    let mut out = Vec::new();
    let report = s
        .scrub(signal, Encoding::Json, input, &mut out)
        .unwrap_or_else(|e| panic!("scrub failed: {e}"));
    let v = serde_json::from_slice(&out).unwrap_or_else(|e| {
        panic!(
            "output is not JSON ({e}): {}",
            String::from_utf8_lossy(&out)
        )
    });
    (v, report)
}

/// Scrubs, requires failure; also checks validate-only fails the same way and
/// that nothing is left in the output.
pub fn fail(s: &Scrubber, signal: Signal, input: &[u8]) -> ScrubError {
    let mut out = Vec::new();
    let e = match s.scrub(signal, Encoding::Json, input, &mut out) {
        Ok(_) => panic!(
            "accepted: {}\noutput: {}",
            String::from_utf8_lossy(input),
            String::from_utf8_lossy(&out)
        ),
        Err(e) => e,
    };
    assert!(out.is_empty());
    let v = s
        .validate(signal, Encoding::Json, input)
        .expect_err("validate must reject too");
    assert_eq!(v.kind, e.kind);
    e
}

/// Redactions counted for `reason` at `loc`.
pub fn count(s: &Scrubber, report: &Report, reason: Reason, loc: Location) -> u32 {
    report
        .redactions(s.detector_count())
        .filter(|(r, l, _)| *r == reason && *l == loc)
        .map(|(_, _, c)| c)
        .sum()
}

/// Whether the detector set is merged: the custom detector finds its pattern.
pub fn detectors_live(s: &Scrubber) -> bool {
    let live = s
        .scrub_str(
            Location::LogBody,
            "",
            "x SECRET-1 y",
            &mut Report::default(),
        )
        .is_some();
    if !live {
        eprintln!("detector set not merged yet: detector-driven assertions skipped");
    }
    live
}
