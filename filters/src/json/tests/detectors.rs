//! Detector-driven paths, through a custom regex detector (`SECRET-<digits>`):
//! free text in every location, attribute keys, escaped text, bytes values and
//! record drop.
//!
//! DEPENDS ON THE DETECTOR SET (merged separately). Until it is merged
//! `DetectorSet::scan` finds nothing, `detectors_live` reports that, and each test
//! returns early; once merged they run in full.

use serde_json::{json, Value as J};

use super::fixtures::*;
use super::*;
use crate::detect::BUILTIN_COUNT;
use crate::json::values::{base64_decode, base64_encode};
use crate::{Action, Mode};
use opentelemetry_proto::tonic::collector::logs::v1::ExportLogsServiceRequest;
use opentelemetry_proto::tonic::common::v1::any_value::Value;

const T: &str = "[REDACTED:ticket]";
const TICKET: Reason = Reason::Detector(BUILTIN_COUNT as u16);

fn profile(action: Option<Action>) -> Profile {
    Profile {
        mode: Mode::Detect,
        detectors: Some(vec![]),
        custom: vec![ticket(action)],
        ..Profile::default()
    }
}

/// The ticket detector's counts by location, sorted.
fn ticket_counts(s: &Scrubber, report: &Report) -> Vec<(Location, u32)> {
    let mut c: Vec<(Location, u32)> = report
        .redactions(s.detector_count())
        .filter(|(r, _, _)| *r == TICKET)
        .map(|(_, l, n)| (l, n))
        .collect();
    c.sort();
    c
}

fn sorted(mut v: Vec<(Location, u32)>) -> Vec<(Location, u32)> {
    v.sort();
    v
}

fn assert_clean(v: &J) {
    let text = v.to_string();
    assert!(!text.contains("SECRET-"), "a secret survived: {text}");
}

#[test]
fn free_text_is_scanned_in_every_location() {
    use Location as L;
    let s = scrubber(&profile(None));
    if !detectors_live(&s) {
        return;
    }
    let common = [
        (L::ResourceAttribute, 1),
        (L::ScopeName, 2),
        (L::ScopeAttribute, 1),
        (L::SchemaUrl, 2),
        (L::EntityRef, 4),
    ];

    let (v, report) = run(&s, Signal::Logs, &to_json!(logs()));
    assert_clean(&v);
    let mut want = common.to_vec();
    want.extend([
        (L::LogBody, 2),
        (L::LogAttribute, 2),
        (L::LogSeverityText, 1),
        (L::LogEventName, 2),
    ]);
    assert_eq!(ticket_counts(&s, &report), sorted(want));
    let rl = &v["resourceLogs"][0];
    assert_eq!(
        rl["resource"]["entityRefs"][0]["idKeys"],
        json!(["service.name", T])
    );
    assert_eq!(
        rl["scopeLogs"][0]["logRecords"][0]["body"],
        json!({"stringValue": format!("login failed for {T}")})
    );

    let (v, report) = run(&s, Signal::Traces, &to_json!(traces()));
    assert_clean(&v);
    let mut want = common.to_vec();
    want.extend([
        (L::SpanName, 1),
        (L::SpanAttribute, 1),
        (L::SpanTraceState, 1),
        (L::SpanEventName, 1),
        (L::SpanEventAttribute, 1),
        (L::SpanLinkAttribute, 1),
        (L::SpanLinkTraceState, 1),
        (L::SpanStatusMessage, 1),
    ]);
    assert_eq!(ticket_counts(&s, &report), sorted(want));
    let span = &v["resourceSpans"][0]["scopeSpans"][0]["spans"][0];
    assert_eq!(span["name"], json!(format!("GET /{T}")));
    assert_eq!(span["status"]["message"], json!(format!("failed {T}")));

    let (v, report) = run(&s, Signal::Metrics, &to_json!(metrics()));
    assert_clean(&v);
    let mut want = common.to_vec();
    want.extend([
        (L::MetricName, 5),
        (L::MetricDescription, 5),
        (L::MetricUnit, 5),
        (L::MetricMetadata, 5),
        (L::DataPointAttribute, 5),
        (L::ExemplarAttribute, 4),
    ]);
    assert_eq!(ticket_counts(&s, &report), sorted(want));
}

#[test]
fn attribute_keys_are_scanned_and_policies_use_the_original_key() {
    let mut p = profile(None);
    p.deny_keys = vec!["*secret-1*".into()];
    let s = scrubber(&p);
    if !detectors_live(&s) {
        return;
    }
    let input = br#"{"resourceLogs":[{"scopeLogs":[{"logRecords":[{
        "body":{"kvlistValue":{"values":[{"key":"in SECRET-2","value":{"stringValue":"b"}}]}},
        "attributes":[{"key":"x-SECRET-1","value":{"stringValue":"v"}},
                      {"value":{"stringValue":"w"},"key":"SECRET-3"}]}]}]}]}"#;
    let (v, report) = run(&s, Signal::Logs, input);
    let r = &v["resourceLogs"][0]["scopeLogs"][0]["logRecords"][0];
    assert_eq!(
        r["attributes"],
        json!([
            {"key": format!("x-{T}"), "value": {"stringValue": "[REDACTED:denied_key]"}},
            {"key": T, "value": {"stringValue": "w"}},
        ])
    );
    assert_eq!(
        r["body"]["kvlistValue"]["values"][0]["key"],
        json!(format!("in {T}"))
    );
    assert_eq!(count(&s, &report, TICKET, Location::AttributeKey), 3);
    assert_eq!(
        count(&s, &report, Reason::DeniedKey, Location::LogAttribute),
        1
    );
}

#[test]
fn escaped_text_is_decoded_before_scanning_and_escaped_after() {
    let s = scrubber(&profile(None));
    if !detectors_live(&s) {
        return;
    }
    let input = br#"{"resourceLogs":[{"scopeLogs":[{"logRecords":[
        {"body":{"stringValue":"SECRET\u002d42 and \"SECRET-7\"\n\u0001\\"}},
        {"body":{"arrayValue":{"values":[{"stringValue":"S\u0045CRET-1"},{"intValue":1}]}}}
    ]}]}]}"#;
    let (v, report) = run(&s, Signal::Logs, input);
    let records = &v["resourceLogs"][0]["scopeLogs"][0]["logRecords"];
    assert_eq!(
        records[0]["body"]["stringValue"],
        json!(format!("{T} and \"{T}\"\n\u{1}\\"))
    );
    assert_eq!(
        records[1]["body"]["arrayValue"]["values"],
        json!([{"stringValue": T}, {"intValue": 1}])
    );
    assert_eq!(count(&s, &report, TICKET, Location::LogBody), 3);
}

#[test]
fn bytes_values_are_scanned_decoded_and_reencoded() {
    let s = scrubber(&profile(None));
    if !detectors_live(&s) {
        return;
    }
    let mut req = logs();
    req.resource_logs[0].scope_logs[0].log_records.truncate(1);
    let record = &mut req.resource_logs[0].scope_logs[0].log_records[0];
    record.body = any(Value::BytesValue(b"token SECRET-5 end".to_vec()));
    record.attributes = vec![
        kv("blob", Value::BytesValue(b"\x00\xffSECRET-6".to_vec())),
        kv("clean", Value::BytesValue(b"\x00\x01".to_vec())),
    ];
    let (v, report) = run(&s, Signal::Logs, &to_json!(req));
    let r = &v["resourceLogs"][0]["scopeLogs"][0]["logRecords"][0];
    let decoded = |j: &J| {
        let mut out = Vec::new();
        assert!(base64_decode(j.as_str().unwrap().as_bytes(), &mut out));
        out
    };
    assert_eq!(
        decoded(&r["body"]["bytesValue"]),
        format!("token {T} end").into_bytes()
    );
    let mut want = b"\x00\xff".to_vec();
    want.extend_from_slice(T.as_bytes());
    assert_eq!(decoded(&r["attributes"][0]["value"]["bytesValue"]), want);
    let mut clean = Vec::new();
    base64_encode(b"\x00\x01", &mut clean);
    assert_eq!(
        r["attributes"][1]["value"]["bytesValue"],
        json!(String::from_utf8(clean).unwrap())
    );
    assert_eq!(count(&s, &report, TICKET, Location::LogBody), 1);
    assert_eq!(count(&s, &report, TICKET, Location::LogAttribute), 1);
}

fn bodies(v: &J) -> Vec<String> {
    v["resourceLogs"][0]["scopeLogs"][0]["logRecords"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["body"]["stringValue"].as_str().unwrap().to_string())
        .collect()
}

fn logs_with_bodies(texts: &[&str]) -> ExportLogsServiceRequest {
    let mut req = logs();
    let records = &mut req.resource_logs[0].scope_logs[0].log_records;
    let template = records[0].clone();
    *records = texts
        .iter()
        .map(|t| {
            let mut r = template.clone();
            r.body = any(text(t));
            r.attributes.clear();
            r.severity_text.clear();
            r.event_name.clear();
            r
        })
        .collect();
    req
}

#[test]
fn record_drop_removes_records_and_keeps_commas_right() {
    let s = scrubber(&profile(Some(Action::DropRecord)));
    if !detectors_live(&s) {
        return;
    }
    for (texts, kept) in [
        (
            &["a SECRET-1", "b", "c SECRET-2", "d SECRET-3"][..],
            &["b"][..],
        ),
        (&["a", "b SECRET-1", "c"][..], &["a", "c"][..]),
        (&["a SECRET-1", "b SECRET-2"][..], &[][..]),
        (&["a", "b", "c SECRET-3"][..], &["a", "b"][..]),
    ] {
        let (v, report) = run(&s, Signal::Logs, &to_json!(logs_with_bodies(texts)));
        assert_eq!(bodies(&v), kept);
        assert_eq!(report.records_in, texts.len() as u64);
        assert_eq!(report.records_out, kept.len() as u64);
        assert_eq!(report.dropped_records, (texts.len() - kept.len()) as u64);
        let _: ExportLogsServiceRequest = serde_json::from_value(v).unwrap();
    }
}

#[test]
fn record_drop_fires_from_anywhere_inside_the_record() {
    let s = scrubber(&profile(Some(Action::DropRecord)));
    if !detectors_live(&s) {
        return;
    }
    // Traces: the only secret is in an event name; resource/scope text is clean.
    let mut req = traces();
    let span = req.resource_spans[0].scope_spans[0].spans[0].clone();
    let mut clean = span.clone();
    clean.name = "clean".into();
    clean.trace_state.clear();
    clean.status = None;
    clean.attributes.clear();
    clean.links.clear();
    clean.events.clear();
    let mut dirty = clean.clone();
    dirty.events = span.events.clone();
    dirty.events[0].attributes.clear();
    req.resource_spans[0].scope_spans[0].spans = vec![clean.clone(), dirty, clean];
    let (v, report) = run(&s, Signal::Traces, &to_json!(req));
    let spans = v["resourceSpans"][0]["scopeSpans"][0]["spans"]
        .as_array()
        .unwrap();
    assert_eq!(spans.len(), 2);
    assert_eq!((report.records_in, report.dropped_records), (3, 1));

    // Metrics: exemplar attributes drop their data point; a secret in a metric
    // name (outside any record) is replaced but drops nothing.
    let (v, report) = run(&s, Signal::Metrics, &to_json!(metrics()));
    assert_eq!((report.records_in, report.dropped_records), (5, 5));
    let metrics = v["resourceMetrics"][0]["scopeMetrics"][0]["metrics"]
        .as_array()
        .unwrap();
    assert_eq!(metrics.len(), 5);
    assert_eq!(metrics[0]["name"], json!(format!("gauge {T}")));
    assert_eq!(metrics[0]["gauge"]["dataPoints"], json!([]));

    // A drop in an attribute key drops the record too.
    let input = br#"{"resourceLogs":[{"scopeLogs":[{"logRecords":[
        {"body":{"stringValue":"keep"}},
        {"body":{"stringValue":"x"},"attributes":[{"key":"k SECRET-9","value":{"intValue":"1"}}]}
    ]}]}]}"#;
    let (v, report) = run(&s, Signal::Logs, input);
    assert_eq!(bodies(&v), ["keep"]);
    assert_eq!(report.dropped_records, 1);
}
