//! Shared helpers of the integration tests: profiles, the three request types
//! behind one trait, scrub/decode shorthands. Each test binary uses a subset.
#![allow(dead_code)]

pub mod gen;

use std::collections::HashMap;
use std::fmt::Debug;

use opentelemetry_proto::tonic::collector::logs::v1::ExportLogsServiceRequest;
use opentelemetry_proto::tonic::collector::metrics::v1::ExportMetricsServiceRequest;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use planeguard_filters::corpus::{find_canaries, Canary};
use planeguard_filters::{Encoding, Mode, Profile, Report, Scrubber, Signal};
use serde::de::DeserializeOwned;
use serde::Serialize;

/// The feature namespaces the corpus plants `feature_value` canaries under.
pub const FEATURES: [&str; 2] = ["user.*", "transaction.*"];

/// The strict default profile with the corpus' feature namespaces.
pub fn strict() -> Profile {
    Profile {
        features: FEATURES.iter().map(|s| s.to_string()).collect(),
        ..Profile::strict_default()
    }
}

/// Detect mode: deny/feature rules and detectors, every other value passes.
pub fn detect() -> Profile {
    Profile {
        mode: Mode::Detect,
        ..strict()
    }
}

pub fn passthrough() -> Profile {
    Profile::passthrough()
}

pub fn scrubber(p: &Profile) -> Scrubber {
    Scrubber::new(p).expect("profile compiles")
}

/// One OTLP export request type.
pub trait Request:
    prost::Message + Default + PartialEq + Debug + Clone + Serialize + DeserializeOwned
{
    const SIGNAL: Signal;
}

impl Request for ExportLogsServiceRequest {
    const SIGNAL: Signal = Signal::Logs;
}
impl Request for ExportMetricsServiceRequest {
    const SIGNAL: Signal = Signal::Metrics;
}
impl Request for ExportTraceServiceRequest {
    const SIGNAL: Signal = Signal::Traces;
}

/// OTLP/JSON of `msg` through opentelemetry-proto's serde mapping.
pub fn to_json<T: Request>(msg: &T) -> Vec<u8> {
    serde_json::to_vec(msg).expect("reference serde encodes")
}

/// `msg` in `encoding`.
pub fn encode<T: Request>(msg: &T, encoding: Encoding) -> Vec<u8> {
    match encoding {
        Encoding::Protobuf => msg.encode_to_vec(),
        Encoding::Json => to_json(msg),
    }
}

/// Decodes a payload of `encoding` with the reference types.
pub fn decode<T: Request>(bytes: &[u8], encoding: Encoding) -> Result<T, String> {
    match encoding {
        Encoding::Protobuf => T::decode(bytes).map_err(|e| format!("prost: {e}")),
        Encoding::Json => serde_json::from_slice(bytes).map_err(|e| format!("serde: {e}")),
    }
}

/// Scrubs and returns the output; a scrub error is a test failure.
pub fn scrub(s: &Scrubber, signal: Signal, encoding: Encoding, input: &[u8]) -> (Vec<u8>, Report) {
    let mut out = Vec::new();
    match s.scrub(signal, encoding, input, &mut out) {
        Ok(report) => (out, report),
        Err(e) => panic!("{signal:?} {encoding:?}: scrub failed: {e}"),
    }
}

/// A report without the byte counts (they differ between encodings).
pub fn counts(s: &Scrubber, r: &Report) -> (u64, u64, u64, u64, Vec<String>) {
    let mut redactions: Vec<String> = r
        .redactions(s.detector_count())
        .map(|(reason, loc, n)| format!("{}@{}={n}", s.reason_name(reason), loc.as_str()))
        .collect();
    redactions.sort();
    (
        r.records_in,
        r.records_out,
        r.dropped_records,
        r.unknown_fields_dropped,
        redactions,
    )
}

/// Where two renderings first differ, with some context around it.
pub fn first_diff(a: &str, b: &str) -> String {
    let at = a
        .char_indices()
        .zip(b.chars())
        .find(|((_, x), y)| x != y)
        .map_or(a.len().min(b.len()), |((i, _), _)| i);
    let around = |s: &str| {
        let mut from = at.saturating_sub(300).min(s.len());
        while !s.is_char_boundary(from) {
            from -= 1;
        }
        let mut to = (at + 200).min(s.len());
        while !s.is_char_boundary(to) {
            to += 1;
        }
        s[from..to].to_string()
    };
    format!(
        "at byte {at}:\n  first:  ...{}...\n  second: ...{}...",
        around(a),
        around(b)
    )
}

/// The canaries of `canaries` found in `payload`: the same answer as
/// [`find_canaries`] (checked by `survivors_agrees_with_find_canaries`), but
/// one pass over the payload with a hash of 4-byte needle prefixes instead of
/// one substring search per needle (a debug build of the latter takes seconds
/// per adversarial batch).
pub fn survivors<'a>(payload: &[u8], canaries: &'a [Canary]) -> Vec<&'a Canary> {
    let mut index: HashMap<[u8; 4], Vec<(usize, Vec<u8>)>> = HashMap::new();
    let mut hit = vec![false; canaries.len()];
    for (i, c) in canaries.iter().enumerate() {
        for n in c.needles() {
            match <[u8; 4]>::try_from(n.get(..4).unwrap_or_default()) {
                Ok(prefix) => index.entry(prefix).or_default().push((i, n)),
                // Too short to index: ask the corpus matcher directly.
                Err(_) => hit[i] |= !find_canaries(payload, std::slice::from_ref(c)).is_empty(),
            }
        }
    }
    for p in 0..payload.len().saturating_sub(3) {
        let window = [payload[p], payload[p + 1], payload[p + 2], payload[p + 3]];
        if let Some(needles) = index.get(&window) {
            for (i, n) in needles {
                if !hit[*i] && payload[p..].starts_with(n) {
                    hit[*i] = true;
                }
            }
        }
    }
    canaries
        .iter()
        .zip(&hit)
        .filter(|(_, h)| **h)
        .map(|(c, _)| c)
        .collect()
}
