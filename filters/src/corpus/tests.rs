use std::collections::{BTreeSet, HashSet};

use opentelemetry_proto::tonic::collector::logs::v1::ExportLogsServiceRequest;
use opentelemetry_proto::tonic::collector::metrics::v1::ExportMetricsServiceRequest;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use prost::Message;

use super::*;

fn cfg() -> CorpusConfig {
    CorpusConfig::default()
}

/// Decodes the protobuf and the JSON of `b` and checks they are the same message.
fn assert_decodes_and_json_agrees(b: &Batch) {
    match b.signal {
        Signal::Logs => {
            let p = ExportLogsServiceRequest::decode(b.protobuf.as_slice()).unwrap();
            assert_eq!(logs::count(&p), b.records);
            let j: ExportLogsServiceRequest = serde_json::from_slice(&b.json).unwrap();
            assert_same(&p, &j);
        }
        Signal::Metrics => {
            let p = ExportMetricsServiceRequest::decode(b.protobuf.as_slice()).unwrap();
            assert_eq!(metrics::count(&p), b.records);
            let j: ExportMetricsServiceRequest = serde_json::from_slice(&b.json).unwrap();
            assert_same(&p, &j);
        }
        Signal::Traces => {
            let p = ExportTraceServiceRequest::decode(b.protobuf.as_slice()).unwrap();
            assert_eq!(traces::count(&p), b.records);
            let j: ExportTraceServiceRequest = serde_json::from_slice(&b.json).unwrap();
            assert_same(&p, &j);
        }
    }
}

/// `assert_eq!` that shows where two huge messages first differ.
fn assert_same<T: std::fmt::Debug + PartialEq>(a: &T, b: &T) {
    if a != b {
        let (x, y) = (format!("{a:?}"), format!("{b:?}"));
        let at = x
            .bytes()
            .zip(y.bytes())
            .position(|(p, q)| p != q)
            .unwrap_or(0);
        let from = at.saturating_sub(200);
        panic!(
            "messages differ at {at}:\n{}\n{}",
            &x[from..(at + 100).min(x.len())],
            &y[from..(at + 100).min(y.len())]
        );
    }
}

#[test]
fn batches_decode_and_json_matches_protobuf() {
    for signal in Signal::ALL {
        for i in 0..5 {
            let b = batch(&cfg(), signal, i);
            assert_eq!(b.records, 100);
            assert_decodes_and_json_agrees(&b);
        }
    }
}

#[test]
fn adversarial_batches_decode_and_json_matches_protobuf() {
    for signal in Signal::ALL {
        let b = adversarial(signal, 11);
        assert_decodes_and_json_agrees(&b);
    }
}

#[test]
fn json_follows_otlp_mapping() {
    let b = logs(&cfg(), 0);
    let v: serde_json::Value = serde_json::from_slice(&b.json).unwrap();
    let rec = &v["resourceLogs"][0]["scopeLogs"][0]["logRecords"][0];
    assert!(rec["timeUnixNano"].is_string(), "{rec}");
    assert!(rec["severityNumber"].is_number(), "{rec}");
    assert!(rec["body"]["stringValue"].is_string(), "{rec}");
    if let Some(id) = rec.get("traceId") {
        let id = id.as_str().unwrap();
        assert_eq!(id.len(), 32);
        assert!(id
            .bytes()
            .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
    }
    // Defaults are omitted.
    assert!(rec.get("droppedAttributesCount").is_none());
    let text = String::from_utf8(b.json.clone()).unwrap();
    assert!(!text.contains("null"));
    // Ints are strings.
    let m = metrics(&cfg(), 0);
    let mtext = String::from_utf8(m.json.clone()).unwrap();
    assert!(mtext.contains("\"count\":\""), "{}", &mtext[..400]);
}

#[test]
fn adversarial_json_escapes_and_reorders() {
    let b = adversarial_logs(3);
    let text = String::from_utf8(b.json.clone()).unwrap();
    assert!(text.contains("\\u0040") || text.contains("\\u002E"));
    assert!(text.contains("\\uD83D\\uDE00"), "emoji as a surrogate pair");
    assert!(text.contains("{\"value\":"), "KeyValue written value-first");
    assert!(text.is_ascii());
}

#[test]
fn log_records_average_about_300_bytes() {
    let mut bytes = 0;
    let mut records = 0;
    for i in 0..20 {
        let b = logs(&cfg(), i);
        bytes += b.protobuf.len();
        records += b.records;
    }
    let avg = bytes as f64 / records as f64;
    assert!((280.0..=330.0).contains(&avg), "avg {avg} bytes/record");
}

#[test]
fn pii_share_is_within_bounds() {
    for signal in Signal::ALL {
        for i in 0..10 {
            let b = batch(&cfg(), signal, i);
            let share = b.pii_records() as f64 / b.records as f64;
            assert!((0.05..=0.10).contains(&share), "{signal:?} {i}: {share}");
            // One canary per PII record, plus resource/scope-level ones.
            let record_level = b.canaries.iter().filter(|c| c.record.is_some()).count();
            assert_eq!(record_level, b.pii_records());
        }
    }
    let none = CorpusConfig {
        pii_share: 0.0,
        ..cfg()
    };
    for signal in Signal::ALL {
        let b = batch(&none, signal, 0);
        assert!(b.canaries.is_empty());
        // The benign vocabulary has no e-mail addresses at all.
        assert!(!b.json.contains(&b'@'), "{signal:?}");
    }
    let all = CorpusConfig {
        pii_share: 1.0,
        records_per_request: 50,
        ..cfg()
    };
    assert_eq!(logs(&all, 0).pii_records(), 50);
}

#[test]
fn same_seed_same_bytes() {
    for signal in Signal::ALL {
        let a = batch(&cfg(), signal, 4);
        let b = batch(&cfg(), signal, 4);
        assert_eq!(a, b);
        let c = batch(&cfg(), signal, 5);
        assert_ne!(a.protobuf, c.protobuf);
        let other = CorpusConfig { seed: 1, ..cfg() };
        assert_ne!(a.protobuf, batch(&other, signal, 4).protobuf);
    }
    assert_eq!(adversarial_traces(9), adversarial_traces(9));
}

#[test]
fn canaries_are_in_the_raw_payloads_and_unique() {
    for signal in Signal::ALL {
        for i in 0..10 {
            let b = batch(&cfg(), signal, i);
            assert!(!b.canaries.is_empty());
            for payload in [&b.protobuf, &b.json] {
                assert_eq!(find_canaries(payload, &b.canaries).len(), b.canaries.len());
            }
            let values: HashSet<&str> = b.canaries.iter().map(|c| c.value.as_str()).collect();
            assert_eq!(values.len(), b.canaries.len());
        }
    }
    for signal in Signal::ALL {
        let b = adversarial(signal, 5);
        for payload in [&b.protobuf, &b.json] {
            let found = find_canaries(payload, &b.canaries);
            let missing: Vec<_> = b.canaries.iter().filter(|c| !found.contains(c)).collect();
            assert!(missing.is_empty(), "{signal:?}: {missing:?}");
        }
    }
}

#[test]
fn canaries_do_not_match_other_batches() {
    // Canary values are distinctive: none of request 0's values occurs in
    // requests 1..5 (which carry their own canaries).
    for signal in Signal::ALL {
        let b0 = batch(&cfg(), signal, 0);
        let persons: Vec<Canary> = b0
            .canaries
            .iter()
            .filter(|c| c.kind != CanaryKind::PersonName)
            .cloned()
            .collect();
        for i in 1..5 {
            let b = batch(&cfg(), signal, i);
            assert!(find_canaries(&b.protobuf, &persons).is_empty());
            assert!(find_canaries(&b.json, &persons).is_empty());
        }
    }
}

#[test]
fn removing_a_canary_is_detected() {
    let b = logs(&cfg(), 2);
    let c = &b.canaries[0];
    let needle = c.value.as_bytes();
    let pos = memchr::memmem::find(&b.protobuf, needle).unwrap();
    let mut scrubbed = b.protobuf.clone();
    scrubbed[pos..pos + needle.len()].fill(b'x');
    let found = find_canaries(&scrubbed, &b.canaries);
    assert!(!found.contains(&c));
    assert_eq!(found.len(), b.canaries.len() - 1);
}

#[test]
fn corpus_covers_every_kind_and_many_locations() {
    for signal in Signal::ALL {
        let mut kinds = BTreeSet::new();
        let mut places = BTreeSet::new();
        for b in batches(&cfg(), signal, 40) {
            for c in &b.canaries {
                kinds.insert(c.kind);
                places.insert((c.location, c.carrier));
            }
        }
        assert_eq!(kinds.len(), CanaryKind::BASE.len(), "{signal:?}");
        assert!(places.len() >= 8, "{signal:?}: {places:?}");
    }
}

#[test]
fn adversarial_covers_every_kind_location_and_form() {
    let expect: &[(Signal, &[Location])] = &[
        (
            Signal::Logs,
            &[
                Location::LogBody,
                Location::LogAttribute,
                Location::LogSeverityText,
                Location::LogEventName,
            ],
        ),
        (
            Signal::Traces,
            &[
                Location::SpanName,
                Location::SpanAttribute,
                Location::SpanTraceState,
                Location::SpanEventName,
                Location::SpanEventAttribute,
                Location::SpanLinkAttribute,
                Location::SpanLinkTraceState,
                Location::SpanStatusMessage,
            ],
        ),
        (
            Signal::Metrics,
            &[
                Location::MetricName,
                Location::MetricDescription,
                Location::MetricUnit,
                Location::MetricMetadata,
                Location::DataPointAttribute,
                Location::ExemplarAttribute,
            ],
        ),
    ];
    let common = [
        Location::ResourceAttribute,
        Location::ScopeName,
        Location::ScopeAttribute,
        Location::SchemaUrl,
        Location::EntityRef,
        Location::AttributeKey,
    ];
    for (signal, locations) in expect {
        let b = adversarial(*signal, 1);
        let seen: HashSet<(CanaryKind, Location)> =
            b.canaries.iter().map(|c| (c.kind, c.location)).collect();
        for kind in CanaryKind::ALL {
            for loc in locations.iter().chain(&common) {
                assert!(seen.contains(&(kind, *loc)), "{signal:?} {kind:?} {loc:?}");
            }
        }
        let carriers: HashSet<Carrier> = b.canaries.iter().map(|c| c.carrier).collect();
        assert_eq!(carriers.len(), 8, "{signal:?}: {carriers:?}");
        // At most one canary per record, and record indices are in range.
        let mut per_record = HashSet::new();
        for c in &b.canaries {
            if let Some(r) = c.record {
                assert!(r < b.records);
                assert!(per_record.insert(r), "record {r} carries two canaries");
            }
        }
    }
}

#[test]
fn canary_kinds_map_to_detectors() {
    for kind in CanaryKind::ALL {
        assert_eq!(kind.name(), kind.detector().name());
    }
}

#[test]
fn canary_sets_cover_every_kind_with_distinct_values() {
    let set = canary_set(11, 2);
    assert_eq!(set.len(), CanaryKind::ALL.len() * 4);
    for kind in CanaryKind::ALL {
        assert_eq!(set.iter().filter(|p| p.kind == kind).count(), 4, "{kind:?}");
    }
    for (i, a) in set.iter().enumerate() {
        assert!(
            a.phrase.contains(&a.value) && a.bare.contains(&a.value),
            "{a:?}"
        );
        for b in &set[i + 1..] {
            assert!(
                !a.value.contains(&b.value) && !b.value.contains(&a.value),
                "{a:?} overlaps {b:?}"
            );
        }
    }
    assert_eq!(canary_set(11, 2), set, "reproducible from the seed");
    assert_ne!(canary_set(12, 2), set);
}
