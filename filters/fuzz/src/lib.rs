//! The check every scrub fuzz target runs on its input. Shared with the stable
//! test `filters/tests/fuzz_like.rs` (which includes this file as a module), so
//! CI exercises the same logic without libFuzzer.
//!
//! For any input bytes, with a strict profile:
//! - scrubbing never panics;
//! - the validate-only walk accepts exactly the inputs scrubbing accepts, and
//!   counts the same records;
//! - on error the output buffer is empty (never partial output);
//! - on success the output decodes: protobuf with prost into the reference
//!   `Export*ServiceRequest` type, JSON with serde_json; and the output is
//!   itself a valid payload for the scrubber.
#![forbid(unsafe_code)]

use std::sync::OnceLock;

use opentelemetry_proto::tonic::collector::logs::v1::ExportLogsServiceRequest;
use opentelemetry_proto::tonic::collector::metrics::v1::ExportMetricsServiceRequest;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use planeguard_filters::{Encoding, Limits, Profile, Scrubber, Signal};
use prost::Message;

/// AnyValue nesting allowed by the fuzzed profile. Below the default (32) so
/// that every accepted payload stays within the reference decoders' own
/// recursion limits (prost: 100 messages, serde_json: 128 levels); a kvlist
/// level costs 3 protobuf messages and 4 JSON levels.
pub const MAX_DEPTH: u32 = 24;

/// Strict default profile with the corpus' feature namespaces.
pub fn scrubber() -> &'static Scrubber {
    static S: OnceLock<Scrubber> = OnceLock::new();
    S.get_or_init(|| {
        let profile = Profile {
            features: vec!["user.*".into(), "transaction.*".into()],
            limits: Limits {
                max_value_depth: MAX_DEPTH,
                ..Limits::default()
            },
            ..Profile::strict_default()
        };
        match Scrubber::new(&profile) {
            Ok(s) => s,
            Err(e) => panic!("the fuzz profile must compile: {e}"),
        }
    })
}

/// Runs the checks; panics (a libFuzzer crash) when one fails.
pub fn check(signal: Signal, encoding: Encoding, data: &[u8]) {
    let s = scrubber();
    let mut out = Vec::new();
    let scrubbed = s.scrub(signal, encoding, data, &mut out);
    let validated = s.validate(signal, encoding, data);
    let report = match (scrubbed, validated) {
        (Ok(r), Ok(v)) => {
            assert_eq!(
                r.records_in, v.records_in,
                "scrub and validate count records alike"
            );
            assert_eq!(r.records_in, r.records_out + r.dropped_records);
            r
        }
        (Err(_), Err(_)) => {
            assert!(out.is_empty(), "no partial output on error");
            return;
        }
        (scrubbed, validated) => panic!(
            "scrub and validate disagree on {signal:?} {encoding:?}: scrub {:?}, validate {:?}",
            scrubbed.map(drop),
            validated.map(drop)
        ),
    };
    assert_eq!(report.bytes_out as usize, out.len());
    match encoding {
        Encoding::Protobuf => decode_proto(signal, &out),
        Encoding::Json => {
            if let Err(e) = serde_json::from_slice::<serde_json::Value>(&out) {
                panic!("scrubbed JSON does not parse: {e}");
            }
        }
    }
    if let Err(e) = s.validate(signal, encoding, &out) {
        panic!("scrubbed output is not a valid {signal:?} {encoding:?} payload: {e}");
    }
}

fn decode_proto(signal: Signal, out: &[u8]) {
    let result = match signal {
        Signal::Logs => ExportLogsServiceRequest::decode(out).map(drop),
        Signal::Metrics => ExportMetricsServiceRequest::decode(out).map(drop),
        Signal::Traces => ExportTraceServiceRequest::decode(out).map(drop),
    };
    if let Err(e) = result {
        panic!("scrubbed protobuf does not decode with prost: {e}");
    }
}
