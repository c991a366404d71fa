//! Key policies on every `repeated KeyValue` and inside structured values.

use serde_json::{json, Value as J};

use super::fixtures::*;
use super::*;
use crate::detect::BuiltinDetector;
use crate::{KeyPolicy, Mode};
use opentelemetry_proto::tonic::collector::logs::v1::ExportLogsServiceRequest;
use opentelemetry_proto::tonic::collector::metrics::v1::ExportMetricsServiceRequest;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::any_value::Value;
use opentelemetry_proto::tonic::common::v1::KeyValue;

const NOT_ALLOWED: &str = "[REDACTED:not_allowed]";

/// The three attributes of `attrs(tag)` after strict scrubbing.
fn strict_attrs(tag: &str) -> J {
    json!([
        {"key": "service.name", "value": {"stringValue": format!("svc-{tag}")}},
        {"key": "customer.id", "value": {"stringValue": NOT_ALLOWED}},
        {"key": "note", "value": {"stringValue": NOT_ALLOWED}},
    ])
}

/// A logs request whose only record has these attributes.
fn logs_with(attributes: Vec<KeyValue>) -> ExportLogsServiceRequest {
    let mut req = logs();
    let records = &mut req.resource_logs[0].scope_logs[0].log_records;
    records.truncate(1);
    records[0].attributes = attributes;
    req
}

fn log_attrs(v: &J) -> &J {
    &v["resourceLogs"][0]["scopeLogs"][0]["logRecords"][0]["attributes"]
}

#[test]
fn strict_logs_redact_values_of_keys_not_allowed() {
    let s = scrubber(&strict());
    let (v, report) = run(&s, Signal::Logs, &to_json!(logs()));
    let rl = &v["resourceLogs"][0];
    assert_eq!(rl["resource"]["attributes"], strict_attrs("resource"));
    let sl = &rl["scopeLogs"][0];
    assert_eq!(sl["scope"]["attributes"], strict_attrs("scope"));
    let records = sl["logRecords"].as_array().unwrap();
    assert_eq!(records.len(), 2);
    for r in records {
        assert_eq!(r["attributes"], strict_attrs("log"));
    }
    // A string body is free text: no key, no key policy.
    assert_eq!(
        records[0]["body"],
        json!({"stringValue": "login failed for SECRET-7"})
    );
    // A structured body's entries get key policies, paths starting at its keys.
    assert_eq!(
        records[1]["body"],
        json!({"kvlistValue": {"values": [
            {"key": "service.name", "value": {"stringValue": "checkout"}},
            {"key": "customer.id", "value": {"stringValue": NOT_ALLOWED}},
            {"key": "message", "value": {"stringValue": NOT_ALLOWED}},
        ]}})
    );
    let r = Reason::KeyNotAllowed;
    assert_eq!(count(&s, &report, r, Location::ResourceAttribute), 2);
    assert_eq!(count(&s, &report, r, Location::ScopeAttribute), 2);
    assert_eq!(count(&s, &report, r, Location::LogAttribute), 4);
    assert_eq!(count(&s, &report, r, Location::LogBody), 2);
    assert_eq!(report.total_redactions(), 10);
    assert_eq!(
        (
            report.records_in,
            report.records_out,
            report.dropped_records
        ),
        (2, 2, 0)
    );
    // Still OTLP/JSON that an OTLP parser accepts.
    let parsed: ExportLogsServiceRequest = serde_json::from_value(v).unwrap();
    assert_eq!(parsed.resource_logs[0].scope_logs[0].log_records.len(), 2);
}

#[test]
fn strict_traces_cover_span_event_and_link_attributes() {
    let s = scrubber(&strict());
    let (v, report) = run(&s, Signal::Traces, &to_json!(traces()));
    let span = &v["resourceSpans"][0]["scopeSpans"][0]["spans"][0];
    assert_eq!(span["attributes"], strict_attrs("span"));
    assert_eq!(span["events"][0]["attributes"], strict_attrs("event"));
    assert_eq!(span["links"][0]["attributes"], strict_attrs("link"));
    assert_eq!(
        v["resourceSpans"][0]["resource"]["attributes"],
        strict_attrs("resource")
    );
    let r = Reason::KeyNotAllowed;
    for loc in [
        Location::ResourceAttribute,
        Location::ScopeAttribute,
        Location::SpanAttribute,
        Location::SpanEventAttribute,
        Location::SpanLinkAttribute,
    ] {
        assert_eq!(count(&s, &report, r, loc), 2, "{loc:?}");
    }
    assert_eq!((report.records_in, report.records_out), (1, 1));
    let _: ExportTraceServiceRequest = serde_json::from_value(v).unwrap();
}

#[test]
fn strict_metrics_cover_metadata_data_points_and_exemplars() {
    let s = scrubber(&strict());
    let (v, report) = run(&s, Signal::Metrics, &to_json!(metrics()));
    let metrics = v["resourceMetrics"][0]["scopeMetrics"][0]["metrics"]
        .as_array()
        .unwrap();
    assert_eq!(metrics.len(), 5);
    for (m, kind) in metrics.iter().zip([
        "gauge",
        "sum",
        "histogram",
        "exponentialHistogram",
        "summary",
    ]) {
        assert_eq!(m["metadata"], strict_attrs("metadata"));
        let point = &m[kind]["dataPoints"][0];
        assert_eq!(point["attributes"], strict_attrs("point"), "{kind}");
        if kind != "summary" {
            assert_eq!(
                point["exemplars"][0]["filteredAttributes"],
                strict_attrs("exemplar")
            );
        }
    }
    let r = Reason::KeyNotAllowed;
    assert_eq!(count(&s, &report, r, Location::MetricMetadata), 10);
    assert_eq!(count(&s, &report, r, Location::DataPointAttribute), 10);
    assert_eq!(count(&s, &report, r, Location::ExemplarAttribute), 8);
    assert_eq!((report.records_in, report.records_out), (5, 5));
    let _: ExportMetricsServiceRequest = serde_json::from_value(v).unwrap();
}

#[test]
fn every_value_type_is_redacted_whole() {
    let s = scrubber(&strict());
    let attributes = vec![
        kv("a.int", Value::IntValue(7)),
        kv("a.double", Value::DoubleValue(2.5)),
        kv("a.bool", Value::BoolValue(true)),
        kv("a.bytes", Value::BytesValue(b"raw".to_vec())),
        kv("a.array", array(vec![text("x"), Value::IntValue(1)])),
        kv("a.kvlist", kvlist(vec![kv("service.name", text("n"))])),
    ];
    let (v, report) = run(&s, Signal::Logs, &to_json!(logs_with(attributes)));
    for a in log_attrs(&v).as_array().unwrap() {
        assert_eq!(a["value"], json!({"stringValue": NOT_ALLOWED}), "{a}");
    }
    assert_eq!(
        count(&s, &report, Reason::KeyNotAllowed, Location::LogAttribute),
        6
    );
}

#[test]
fn deny_features_and_hash_rules() {
    let mut p = strict();
    p.features = vec!["user.*".into()];
    p.hash_keys = vec!["query.id".into()];
    p.hash_key = Some(b"k1".to_vec());
    let s = scrubber(&p);
    let attributes = vec![
        kv("db.password", text("hunter2")),
        kv("user.email", text("a@b.example")),
        kv("query.id", text("q-1")),
        kv("service.name", text("svc")),
    ];
    let (v, report) = run(&s, Signal::Logs, &to_json!(logs_with(attributes)));
    let mut expected_hash = Report::default();
    let hash = s
        .key_replacement(
            KeyPolicy::Hash,
            Location::LogAttribute,
            b"q-1",
            &mut expected_hash,
        )
        .unwrap();
    assert!(hash.starts_with("hmac:"));
    assert_eq!(
        *log_attrs(&v),
        json!([
            {"key": "db.password", "value": {"stringValue": "[REDACTED:denied_key]"}},
            {"key": "user.email", "value": {"stringValue": "[REDACTED:feature_value]"}},
            {"key": "query.id", "value": {"stringValue": hash}},
            {"key": "service.name", "value": {"stringValue": "svc"}},
        ])
    );
    let l = Location::LogAttribute;
    assert_eq!(count(&s, &report, Reason::DeniedKey, l), 1);
    assert_eq!(
        count(
            &s,
            &report,
            Reason::Detector(BuiltinDetector::FeatureValue.id()),
            l
        ),
        1
    );
    assert_eq!(count(&s, &report, Reason::HashedKey, l), 1);
}

#[test]
fn hash_covers_every_value_type() {
    let p = Profile {
        mode: Mode::Detect,
        detectors: Some(vec![]),
        hash_keys: vec!["h.*".into()],
        hash_key: Some(b"secret key".to_vec()),
        ..Profile::default()
    };
    let s = scrubber(&p);
    // Hand-written: ints as numbers and strings, special doubles.
    let input = br#"{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"attributes":[
        {"key":"h.s","value":{"stringValue":"abc"}},
        {"key":"h.esc","value":{"stringValue":"a\u0062c"}},
        {"key":"h.i","value":{"intValue":"-42"}},
        {"key":"h.n","value":{"intValue":-42}},
        {"key":"h.d","value":{"doubleValue":1.50}},
        {"key":"h.nan","value":{"doubleValue":"NaN"}},
        {"key":"h.inf","value":{"doubleValue":"-Infinity"}},
        {"key":"h.b","value":{"boolValue":false}},
        {"key":"h.bytes","value":{"bytesValue":"cmF3"}},
        {"key":"h.arr","value":{"arrayValue":{"values":[{"stringValue":"x"}]}}},
        {"key":"h.kv","value":{"kvlistValue":{"values":[]}}},
        {"key":"h.empty","value":{}},
        {"key":"other","value":{"stringValue":"kept"}}
    ]}]}]}]}"#;
    let (v, report) = run(&s, Signal::Logs, input);
    let hash = |text: &[u8]| {
        s.key_replacement(
            KeyPolicy::Hash,
            Location::LogAttribute,
            text,
            &mut Report::default(),
        )
        .unwrap()
    };
    let token = "[REDACTED:hashed_key]";
    let expected = [
        hash(b"abc"),
        hash(b"abc"),
        hash(b"-42"),
        hash(b"-42"),
        hash(b"1.5"),
        hash(b"NaN"),
        hash(b"-inf"),
        hash(b"false"),
        hash(b"raw"),
        token.to_string(),
        token.to_string(),
        token.to_string(),
        "kept".to_string(),
    ];
    let attrs = log_attrs(&v).as_array().unwrap();
    assert_eq!(attrs.len(), expected.len());
    for (a, want) in attrs.iter().zip(&expected) {
        assert_eq!(a["value"], json!({"stringValue": want}), "{a}");
    }
    assert_ne!(expected[0], expected[2]);
    assert_eq!(
        count(&s, &report, Reason::HashedKey, Location::LogAttribute),
        12
    );
}

#[test]
fn nested_key_paths_through_kvlists_and_arrays() {
    let mut p = strict();
    p.allow_keys.extend(["outer".into(), "outer.inner".into()]);
    p.features = vec!["cfg.list.inner".into()];
    let s = scrubber(&p);
    let nested = || {
        kvlist(vec![kv(
            "list",
            array(vec![kvlist(vec![
                kv("inner", text("feature value")),
                kv("service.name", text("x")),
            ])]),
        )])
    };
    // cfg is not allowed in strict mode: use Detect for the feature path check.
    let mut detect = p.clone();
    detect.mode = Mode::Detect;
    let d = scrubber(&detect);
    let attributes = vec![
        kv("cfg", nested()),
        kv("inner", text("top-level inner is another path")),
        kv(
            "outer",
            kvlist(vec![
                kv("inner", text("allowed")),
                kv("other", text("not allowed")),
            ]),
        ),
    ];
    let input = to_json!(logs_with(attributes));

    let (v, report) = run(&d, Signal::Logs, &input);
    let a = log_attrs(&v);
    // Array elements inherit the array's path: cfg.list.inner.
    let inner = &a[0]["value"]["kvlistValue"]["values"][0]["value"]["arrayValue"]["values"][0]
        ["kvlistValue"]["values"];
    assert_eq!(
        inner[0]["value"],
        json!({"stringValue": "[REDACTED:feature_value]"})
    );
    assert_eq!(inner[1]["value"], json!({"stringValue": "x"}));
    assert_eq!(
        a[1]["value"],
        json!({"stringValue": "top-level inner is another path"})
    );
    assert_eq!(report.total_redactions(), 1);

    // Strict: a parent that is allowed lets its allowed children through.
    let (v, _) = run(&s, Signal::Logs, &input);
    let a = log_attrs(&v);
    assert_eq!(a[0]["value"], json!({"stringValue": NOT_ALLOWED}));
    assert_eq!(
        a[2]["value"]["kvlistValue"]["values"],
        json!([
            {"key": "inner", "value": {"stringValue": "allowed"}},
            {"key": "other", "value": {"stringValue": NOT_ALLOWED}},
        ])
    );
}

#[test]
fn key_may_follow_its_value() {
    let mut p = strict();
    p.allow_keys.extend(["outer".into(), "outer.x".into()]);
    let s = scrubber(&p);
    let input = br#"{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"attributes":[
        {"value":{"stringValue":"v1"},"key":"service.name"},
        {"value":{"stringValue":"v2"},"key":"customer.id"},
        {"value":{"kvlistValue":{"values":[
            {"value":{"stringValue":"in"},"key":"x"},
            {"value":{"stringValue":"in2"},"key":"y"}]}},"key":"outer"},
        {"value":{"stringValue":"v4"}},
        {"key":null,"value":{"stringValue":"v5"}},
        {"value":null,"key":"customer.id"},
        {"value":{"stringValue":"v7"},"junk":[1,{"key":"customer.id"}],"key":"service.version"},
        {"value":{"stringValue":"v8"},"keyStrindex":3,"key":"service.name"}
    ]}]}]}]}"#;
    let (v, report) = run(&s, Signal::Logs, input);
    assert_eq!(
        *log_attrs(&v),
        json!([
            {"key": "service.name", "value": {"stringValue": "v1"}},
            {"key": "customer.id", "value": {"stringValue": NOT_ALLOWED}},
            {"key": "outer", "value": {"kvlistValue": {"values": [
                {"key": "x", "value": {"stringValue": "in"}},
                {"key": "y", "value": {"stringValue": NOT_ALLOWED}},
            ]}}},
            {"value": {"stringValue": NOT_ALLOWED}},
            {"value": {"stringValue": NOT_ALLOWED}},
            {"key": "customer.id"},
            {"key": "service.version", "value": {"stringValue": "v7"}},
            {"key": "service.name", "value": {"stringValue": "v8"}, "keyStrindex": 3},
        ])
    );
    assert_eq!(report.unknown_fields_dropped, 1);
    assert_eq!(
        count(&s, &report, Reason::KeyNotAllowed, Location::LogAttribute),
        4
    );
}

#[test]
fn escaped_keys_and_values_are_decoded_before_policies() {
    let mut p = strict();
    p.features = vec!["user.*".into()];
    let s = scrubber(&p);
    let input = br#"{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"attributes":[
        {"key":"db.p\u0061ssword","value":{"stringValue":"hunter2"}},
        {"key":"us\u0065r.email","value":{"stringValue":"a@b.example"}},
        {"key":"service.n\u0061me","value":{"stringValue":"a\u0040b \"q\" \\ \/ \n\t \ud83d\ude00 \u00e9"}}
    ]}]}]}]}"#;
    let (v, _) = run(&s, Signal::Logs, input);
    assert_eq!(
        *log_attrs(&v),
        json!([
            {"key": "db.password", "value": {"stringValue": "[REDACTED:denied_key]"}},
            {"key": "user.email", "value": {"stringValue": "[REDACTED:feature_value]"}},
            {"key": "service.name", "value": {"stringValue": "a@b \"q\" \\ / \n\t \u{1F600} \u{e9}"}},
        ])
    );
}

#[test]
fn redacted_values_are_still_validated() {
    let s = scrubber(&strict());
    let input = br#"{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"attributes":[
        {"key":"customer.id","value":{"bytesValue":"not base64!"}}
    ]}]}]}]}"#;
    let e = fail(&s, Signal::Logs, input);
    assert_eq!(e.kind, crate::ScrubErrorKind::BadValue);
    assert_eq!(
        e.path,
        "resource_logs.scope_logs.log_records.attributes.value.bytes_value"
    );
}
