//! Shape of the output: round trips, passthrough, validate-only, unknown members,
//! accepted input encodings. No detectors involved.

use serde_json::{json, Value as J};

use super::fixtures::*;
use super::*;
use opentelemetry_proto::tonic::collector::logs::v1::ExportLogsServiceRequest;
use opentelemetry_proto::tonic::collector::metrics::v1::ExportMetricsServiceRequest;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// With no rule and no detector, the output is the same request (every field of
/// every message survives: ids, timestamps, enums, buckets, exemplars, ...).
#[test]
fn neutral_profile_round_trips_all_signals() {
    let s = scrubber(&neutral());
    let (v, report) = run(&s, Signal::Logs, &to_json!(logs()));
    assert_eq!(
        serde_json::from_value::<ExportLogsServiceRequest>(v).unwrap(),
        logs()
    );
    assert_eq!((report.records_in, report.records_out), (2, 2));
    assert_eq!(report.total_redactions(), 0);
    assert_eq!(report.unknown_fields_dropped, 0);

    let (v, report) = run(&s, Signal::Traces, &to_json!(traces()));
    let span = &v["resourceSpans"][0]["scopeSpans"][0]["spans"][0];
    assert_eq!(span["traceId"], json!(hex(&TRACE_ID)));
    assert_eq!(span["spanId"], json!(hex(&SPAN_ID)));
    assert_eq!(span["parentSpanId"], json!(hex(&PARENT_ID)));
    assert_eq!(
        serde_json::from_value::<ExportTraceServiceRequest>(v).unwrap(),
        traces()
    );
    assert_eq!(report.records_in, 1);

    let (v, report) = run(&s, Signal::Metrics, &to_json!(metrics()));
    assert_eq!(
        serde_json::from_value::<ExportMetricsServiceRequest>(v).unwrap(),
        metrics()
    );
    assert_eq!((report.records_in, report.records_out), (5, 5));
}

/// Untouched tokens are copied byte for byte: compact input comes out identical.
#[test]
fn compact_input_without_nulls_is_copied_verbatim() {
    let s = scrubber(&neutral());
    let input = br#"{"resourceLogs":[{"resource":{"attributes":[{"key":"k","value":{"stringValue":"a\u0040b"}}]},"scopeLogs":[{"logRecords":[{"timeUnixNano":1700000000000000000,"severityNumber":"SEVERITY_NUMBER_INFO","body":{"doubleValue":1.0E+2},"traceId":"5B8EFFF798038103D269B633813FC60C","spanId":"","flags":0}]}]}]}"#;
    let mut out = Vec::new();
    s.scrub(Signal::Logs, Encoding::Json, input, &mut out)
        .unwrap();
    assert_eq!(
        String::from_utf8(out).unwrap(),
        String::from_utf8(input.to_vec()).unwrap()
    );
}

#[test]
fn whitespace_and_nulls_are_not_preserved() {
    let s = scrubber(&strict());
    let compact = to_json!(logs());
    let pretty = serde_json::to_vec_pretty(&logs()).unwrap();
    let mut a = Vec::new();
    let mut b = Vec::new();
    s.scrub(Signal::Logs, Encoding::Json, &compact, &mut a)
        .unwrap();
    s.scrub(Signal::Logs, Encoding::Json, &pretty, &mut b)
        .unwrap();
    assert_eq!(a, b);
    assert!(!a.contains(&b'\n') && !a.windows(2).any(|w| w == b": "));

    let input = br#" { "resourceLogs" : [ { "resource" : null , "scopeLogs" : null , "schemaUrl" : null } ] } "#;
    let (v, _) = run(&s, Signal::Logs, input);
    assert_eq!(v, json!({"resourceLogs": [{}]}));
}

#[test]
fn passthrough_returns_input_unchanged() {
    let s = scrubber(&Profile::passthrough());
    let mut input = serde_json::to_vec_pretty(&logs()).unwrap();
    // Unknown members stay: passthrough forwards the original bytes.
    input.splice(1..1, br#""extra":{"a":[1,2]},"#.iter().copied());
    let mut out = Vec::new();
    let report = s
        .scrub(Signal::Logs, Encoding::Json, &input, &mut out)
        .unwrap();
    assert_eq!(out, input);
    assert_eq!(report.records_in, 2);
    assert_eq!(report.unknown_fields_dropped, 0);
    assert_eq!(report.total_redactions(), 0);
    // Passthrough still rejects what it cannot parse.
    let e = fail(&s, Signal::Logs, br#"{"resourceLogs":[{]}"#);
    assert_eq!(e.kind, crate::ScrubErrorKind::BadJson);
}

#[test]
fn validate_only_walks_without_output() {
    let s = scrubber(&strict());
    let report = s
        .validate(Signal::Metrics, Encoding::Json, &to_json!(metrics()))
        .unwrap();
    assert_eq!((report.records_in, report.records_out), (5, 5));
    assert_eq!(report.total_redactions(), 0);
    let report = s
        .validate(Signal::Traces, Encoding::Json, &to_json!(traces()))
        .unwrap();
    assert_eq!(report.records_in, 1);
}

#[test]
fn unknown_members_are_dropped_and_counted() {
    let s = scrubber(&strict());
    let input = br#"{"u1":1,"resourceLogs":[{"u2":"x","resource":{"u3":[{"deep":[[[]]]}],
        "attributes":[{"key":"service.name","u4":null,"value":{"u5":true,"stringValue":"svc"}}]},
        "scopeLogs":[{"scope":{"name":"lib","u6":{}},"logRecords":[{"u7":-1.5e3,
        "body":{"arrayValue":{"u8":"x","values":[{"stringValue":"b"}]}},
        "attributes":[{"key":"customer.id","value":{"stringValue":"c","u9":1}}]}]}],
        "resourceSpans":[]}]}"#;
    let (v, report) = run(&s, Signal::Logs, input);
    assert_eq!(
        v,
        json!({"resourceLogs": [{
            "resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "svc"}}]},
            "scopeLogs": [{"scope": {"name": "lib"}, "logRecords": [{
                "body": {"arrayValue": {"values": [{"stringValue": "b"}]}},
                "attributes": [{"key": "customer.id", "value": {"stringValue": "[REDACTED:not_allowed]"}}],
            }]}],
        }]})
    );
    // u9 sits inside a value replaced whole: not counted on its own.
    assert_eq!(report.unknown_fields_dropped, 9);
}

#[test]
fn members_of_another_signal_are_unknown() {
    let s = scrubber(&strict());
    let (v, report) = run(&s, Signal::Traces, &to_json!(logs()));
    assert_eq!(v, json!({}));
    assert_eq!(report.unknown_fields_dropped, 1);
    assert_eq!(report.records_in, 0);
}

#[test]
fn proto_names_are_accepted_and_camel_case_is_written() {
    let s = scrubber(&strict());
    let input = br#"{"resource_spans":[{"scope_spans":[{"spans":[{
        "trace_id":"5b8efff798038103d269b633813fc60c","span_id":"eee19b7ec3c1b174",
        "parent_span_id":"","trace_state":"","start_time_unix_nano":"1","end_time_unix_nano":2,
        "kind":"SPAN_KIND_SERVER","dropped_attributes_count":0,"dropped_events_count":0,
        "dropped_links_count":0,"status":{"code":"STATUS_CODE_ERROR","message":"m"},
        "attributes":[{"key":"http.route","value":{"string_value":"/x"},"key_strindex":0}],
        "events":[{"time_unix_nano":"3","name":"e"}],
        "links":[{"trace_id":"","span_id":"","flags":256}]}],"schema_url":""}]}]}"#;
    let (v, _) = run(&s, Signal::Traces, input);
    let span = &v["resourceSpans"][0]["scopeSpans"][0]["spans"][0];
    let mut names: Vec<&str> = span
        .as_object()
        .unwrap()
        .keys()
        .map(|k| k.as_str())
        .collect();
    names.sort_unstable();
    assert_eq!(
        names,
        [
            "attributes",
            "droppedAttributesCount",
            "droppedEventsCount",
            "droppedLinksCount",
            "endTimeUnixNano",
            "events",
            "kind",
            "links",
            "parentSpanId",
            "spanId",
            "startTimeUnixNano",
            "status",
            "traceId",
            "traceState"
        ]
    );
    assert_eq!(
        span["attributes"][0],
        json!({"key": "http.route", "value": {"stringValue": "/x"}, "keyStrindex": 0})
    );
    assert_eq!(span["kind"], json!("SPAN_KIND_SERVER"));
    assert_eq!(span["events"][0], json!({"timeUnixNano": "3", "name": "e"}));
    assert!(v["resourceSpans"][0]["scopeSpans"][0]
        .get("schemaUrl")
        .is_some());
}

#[test]
fn numbers_accept_the_proto3_json_forms() {
    let s = scrubber(&neutral());
    let input = br#"{"resourceMetrics":[{"scopeMetrics":[{"metrics":[
        {"gauge":{"dataPoints":[
            {"asDouble":"NaN","timeUnixNano":18446744073709551615},
            {"asDouble":"Infinity","startTimeUnixNano":"0018"},
            {"asDouble":"-Infinity","flags":4294967295},
            {"asDouble":"-2.5e-3"},
            {"asInt":"-9223372036854775808"},
            {"asInt":9223372036854775807}]}},
        {"histogram":{"aggregationTemporality":"AGGREGATION_TEMPORALITY_DELTA","dataPoints":[
            {"bucketCounts":["1",2],"explicitBounds":[1,"2.5","Infinity"],"sum":null,"min":-0.0}]}},
        {"exponentialHistogram":{"aggregationTemporality":7,"dataPoints":[
            {"scale":-2147483648,"positive":{"offset":"-3","bucketCounts":[]},"zeroThreshold":0}]}}
    ]}]}]}"#;
    let (v, report) = run(&s, Signal::Metrics, input);
    let metrics = &v["resourceMetrics"][0]["scopeMetrics"][0]["metrics"];
    let points = &metrics[0]["gauge"]["dataPoints"];
    assert_eq!(points[0]["asDouble"], json!("NaN"));
    assert_eq!(points[0]["timeUnixNano"], json!(u64::MAX));
    assert_eq!(points[1]["startTimeUnixNano"], json!("0018"));
    assert_eq!(points[3]["asDouble"], json!("-2.5e-3"));
    assert_eq!(points[5]["asInt"], json!(i64::MAX));
    let h = &metrics[1]["histogram"]["dataPoints"][0];
    assert_eq!(h["bucketCounts"], json!(["1", 2]));
    assert_eq!(h["explicitBounds"], json!([1, "2.5", "Infinity"]));
    assert!(h.get("sum").is_none());
    assert_eq!(
        metrics[2]["exponentialHistogram"]["dataPoints"][0]["positive"]["offset"],
        json!("-3")
    );
    assert_eq!(report.records_in, 8);
}

#[test]
fn empty_containers_and_values() {
    let s = scrubber(&strict());
    let input = br#"{"resourceLogs":[{},{"scopeLogs":[]},{"scopeLogs":[{"logRecords":[{},{"body":{}},{"attributes":[{}]}]}]}]}"#;
    let (v, report) = run(&s, Signal::Logs, input);
    assert_eq!(
        v,
        json!({"resourceLogs": [{}, {"scopeLogs": []}, {"scopeLogs": [{"logRecords": [
            {}, {"body": {}}, {"attributes": [{}]}
        ]}]}]})
    );
    assert_eq!(report.records_in, 3);
    assert_eq!(report.total_redactions(), 0);
    let e = fail(&s, Signal::Logs, b"{}{}");
    assert_eq!((e.kind, e.offset), (crate::ScrubErrorKind::BadJson, 2));
}

#[test]
fn empty_request_is_valid() {
    let s = scrubber(&strict());
    for signal in Signal::ALL {
        let (v, report) = run(&s, signal, b"{}");
        assert_eq!(v, J::Object(Default::default()));
        assert_eq!(report.records_in, 0);
    }
}
