//! Fail closed: every rejected shape gives a kind, a schema path and an offset.

use super::*;
use crate::{Limits, ScrubErrorKind as K};

const LR: &str = "resource_logs.scope_logs.log_records";

/// A logs request with one record whose members are `record`.
fn record(record: &str) -> Vec<u8> {
    format!(r#"{{"resourceLogs":[{{"scopeLogs":[{{"logRecords":[{{{record}}}]}}]}}]}}"#)
        .into_bytes()
}

fn check(s: &Scrubber, signal: Signal, input: &[u8], kind: K, path: &str) -> ScrubError {
    let e = fail(s, signal, input);
    assert_eq!(
        (e.kind, e.path.as_str()),
        (kind, path),
        "input: {}",
        String::from_utf8_lossy(input)
    );
    assert!(e.offset <= input.len());
    e
}

#[test]
fn malformed_json_is_rejected() {
    let s = scrubber(&strict());
    for (input, path) in [
        ("", ""),
        ("   ", ""),
        ("[]", ""),
        ("nul", ""),
        (r#"{"resourceLogs":[]"#, ""),
        (r#"{"resourceLogs":[]} x"#, ""),
        (r#"{"resourceLogs":[]}}"#, ""),
        (r#"{"resourceLogs":[],}"#, ""),
        (r#"{"resourceLogs":[{},]}"#, "resource_logs"),
        (r#"{"resourceLogs" []}"#, ""),
        (r#"{resourceLogs:[]}"#, ""),
        (r#"{'resourceLogs':[]}"#, ""),
        (r#"{"resourceLogs":[{}{}]}"#, "resource_logs"),
        (r#"{"unknown":[1,2}"#, ""),
        (r#"{"unknown":01}"#, ""),
        (r#"{"unknown":1.}"#, ""),
        (r#"{"unknown":-}"#, ""),
        (r#"{"unknown":1e}"#, ""),
        (r#"{"unknown":tru}"#, ""),
        (r#"{"unknown":"a\x"}"#, ""),
        (r#"{"unknown":"a\u12"}"#, ""),
        (r#"{"unknown":"unterminated}"#, ""),
        ("{\"unknown\":\"tab\there\"}", ""),
    ] {
        check(&s, Signal::Logs, input.as_bytes(), K::BadJson, path);
    }
    let e = check(
        &s,
        Signal::Logs,
        br#"{"resourceLogs":[]} x"#,
        K::BadJson,
        "",
    );
    assert_eq!(e.offset, 20);
}

#[test]
fn wrong_json_types_are_rejected() {
    let s = scrubber(&strict());
    for (members, path) in [
        (r#""timeUnixNano":true"#, "time_unix_nano"),
        (r#""timeUnixNano":{}"#, "time_unix_nano"),
        (r#""severityText":5"#, "severity_text"),
        (r#""body":"text""#, "body"),
        (r#""body":[]"#, "body"),
        (r#""attributes":{}"#, "attributes"),
        (r#""attributes":[null]"#, "attributes"),
        (r#""attributes":[{"key":5}]"#, "attributes.key"),
        (
            r#""attributes":[{"value":{"stringValue":"v"},"key":5}]"#,
            "attributes.key",
        ),
        (
            r#""attributes":[{"key":"k","value":"v"}]"#,
            "attributes.value",
        ),
        (
            r#""attributes":[{"key":"k","value":{"stringValue":1}}]"#,
            "attributes.value.string_value",
        ),
        (
            r#""attributes":[{"key":"k","value":{"boolValue":"true"}}]"#,
            "attributes.value.bool_value",
        ),
        (
            r#""attributes":[{"key":"k","value":{"arrayValue":[]}}]"#,
            "attributes.value.array_value",
        ),
        (
            r#""attributes":[{"key":"k","value":{"kvlistValue":{"values":{}}}}]"#,
            "attributes.value.kvlist_value.values",
        ),
        (r#""traceId":16"#, "trace_id"),
        (r#""flags":"x""#, "flags"),
    ] {
        check(
            &s,
            Signal::Logs,
            &record(members),
            if path.ends_with("flags") {
                K::BadValue
            } else {
                K::BadJson
            },
            &format!("{LR}.{path}"),
        );
    }
    check(
        &s,
        Signal::Logs,
        br#"{"resourceLogs":[{"scopeLogs":[{"logRecords":[null]}]}]}"#,
        K::BadJson,
        LR,
    );
    check(
        &s,
        Signal::Metrics,
        br#"{"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"sum":{"isMonotonic":1}}]}]}]}"#,
        K::BadJson,
        "resource_metrics.scope_metrics.metrics.sum.is_monotonic",
    );
}

#[test]
fn bad_values_are_rejected() {
    let s = scrubber(&strict());
    for (members, path) in [
        (r#""traceId":"5b8efff798038103d269b633813fc60""#, "trace_id"),
        (
            r#""traceId":"5b8efff798038103d269b633813fc60cc0""#,
            "trace_id",
        ),
        (
            r#""traceId":"zb8efff798038103d269b633813fc60c""#,
            "trace_id",
        ),
        (r#""spanId":"5b8efff798038103d269b633813fc60c""#, "span_id"),
        (r#""spanId":"AAECAwQFBgc=""#, "span_id"),
        (r#""timeUnixNano":"12x""#, "time_unix_nano"),
        (r#""timeUnixNano":1.5"#, "time_unix_nano"),
        (r#""timeUnixNano":1e3"#, "time_unix_nano"),
        (r#""timeUnixNano":-1"#, "time_unix_nano"),
        (r#""timeUnixNano":"""#, "time_unix_nano"),
        (r#""timeUnixNano":18446744073709551616"#, "time_unix_nano"),
        (
            r#""droppedAttributesCount":4294967296"#,
            "dropped_attributes_count",
        ),
        (
            r#""severityNumber":"SEVERITY_NUMBER_LOUD""#,
            "severity_number",
        ),
        (r#""severityNumber":2147483648"#, "severity_number"),
        (
            r#""body":{"intValue":"9223372036854775808"}"#,
            "body.int_value",
        ),
        (r#""body":{"doubleValue":"1.5x"}"#, "body.double_value"),
        (r#""body":{"doubleValue":"inf"}"#, "body.double_value"),
        (r#""body":{"bytesValue":"a"}"#, "body.bytes_value"),
        (r#""body":{"bytesValue":"ab=c"}"#, "body.bytes_value"),
        (r#""body":{"bytesValue":"a b="}"#, "body.bytes_value"),
        (
            r#""body":{"stringValueStrindex":2147483648}"#,
            "body.string_value_strindex",
        ),
        (
            r#""attributes":[{"key":"k","keyStrindex":"x"}]"#,
            "attributes.key_strindex",
        ),
    ] {
        check(
            &s,
            Signal::Logs,
            &record(members),
            K::BadValue,
            &format!("{LR}.{path}"),
        );
    }
    let input = record(r#""traceId":"zz""#);
    let e = check(
        &s,
        Signal::Logs,
        &input,
        K::BadValue,
        &format!("{LR}.trace_id"),
    );
    let at = input.windows(4).position(|w| w == b"\"zz\"").unwrap();
    assert_eq!(e.offset, at);
}

#[test]
fn duplicates_and_double_oneofs_are_rejected() {
    let s = scrubber(&strict());
    for (members, path) in [
        (r#""timeUnixNano":"1","timeUnixNano":"2""#, "time_unix_nano"),
        (
            r#""timeUnixNano":"1","time_unix_nano":"2""#,
            "time_unix_nano",
        ),
        (r#""body":null,"body":{}"#, "body"),
        (
            r#""body":{"stringValue":"a","intValue":1}"#,
            "body.int_value",
        ),
        (
            r#""body":{"stringValue":"a","string_value":"b"}"#,
            "body.string_value",
        ),
        (
            r#""body":{"arrayValue":{"values":[],"values":[]}}"#,
            "body.array_value.values",
        ),
        (r#""attributes":[{"key":"a","key":"b"}]"#, "attributes.key"),
        (
            r#""attributes":[{"value":{},"key":"a","key":"b"}]"#,
            "attributes.key",
        ),
        (
            r#""attributes":[{"key":"a","value":{},"value":{}}]"#,
            "attributes.value",
        ),
        (
            r#""attributes":[{"keyStrindex":1,"key_strindex":1}]"#,
            "attributes.key_strindex",
        ),
    ] {
        check(
            &s,
            Signal::Logs,
            &record(members),
            K::BadJson,
            &format!("{LR}.{path}"),
        );
    }
    check(
        &s,
        Signal::Metrics,
        br#"{"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"gauge":{},"sum":{}}]}]}]}"#,
        K::BadJson,
        "resource_metrics.scope_metrics.metrics.sum",
    );
    check(
        &s,
        Signal::Metrics,
        br#"{"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"gauge":{"dataPoints":[{"asInt":1,"asDouble":1}]}}]}]}]}"#,
        K::BadJson,
        "resource_metrics.scope_metrics.metrics.gauge.data_points.as_double",
    );
}

#[test]
fn strings_must_be_valid_utf8() {
    let s = scrubber(&strict());
    for members in [
        r#""severityText":"\ud800""#,
        r#""severityText":"\udc00x""#,
        r#""severityText":"\ud800\u0041""#,
        r#""severityText":"\ud800\n""#,
    ] {
        check(
            &s,
            Signal::Logs,
            &record(members),
            K::InvalidUtf8,
            &format!("{LR}.severity_text"),
        );
    }
    let mut input = record(r#""severityText":"ab""#);
    let at = input.windows(2).position(|w| w == b"ab").unwrap();
    input[at + 1] = 0xff;
    let e = check(
        &s,
        Signal::Logs,
        &input,
        K::InvalidUtf8,
        &format!("{LR}.severity_text"),
    );
    assert_eq!(e.offset, at + 1);
    // Invalid UTF-8 in a member name or an unknown member fails too.
    let mut input = br#"{"x":"ab"}"#.to_vec();
    input[7] = 0xc3;
    check(&s, Signal::Logs, &input, K::InvalidUtf8, "");
    // A valid pair decodes.
    let (v, _) = run(
        &s,
        Signal::Logs,
        &record(r#""severityText":"\ud83d\ude00""#),
    );
    assert_eq!(
        v["resourceLogs"][0]["scopeLogs"][0]["logRecords"][0]["severityText"],
        "\u{1F600}"
    );
}

#[test]
fn limits_are_enforced() {
    let mut p = strict();
    p.limits = Limits {
        max_value_depth: 2,
        max_string_bytes: 8,
    };
    let s = scrubber(&p);
    let ok = r#""body":{"arrayValue":{"values":[{"kvlistValue":{"values":[{"key":"k","value":{"stringValue":"12345678"}}]}}]}}"#;
    run(&s, Signal::Logs, &record(ok));
    let deep = r#""body":{"arrayValue":{"values":[{"arrayValue":{"values":[{"arrayValue":{"values":[]}}]}}]}}"#;
    check(
        &s,
        Signal::Logs,
        &record(deep),
        K::TooDeep,
        &format!("{LR}.body.array_value.values.array_value.values.array_value"),
    );
    let deep_kv = r#""attributes":[{"key":"a","value":{"kvlistValue":{"values":[{"key":"b","value":{"kvlistValue":{"values":[{"key":"c","value":{"kvlistValue":{}}}]}}}]}}}]"#;
    check(
        &s,
        Signal::Logs,
        &record(deep_kv),
        K::TooDeep,
        &format!("{LR}.attributes.value.kvlist_value.values.value.kvlist_value.values.value.kvlist_value"),
    );
    // Also when the value precedes its key (look-ahead path) and when redacted.
    let deep_late_key = r#""attributes":[{"value":{"arrayValue":{"values":[{"arrayValue":{"values":[{"arrayValue":{}}]}}]}},"key":"cust"}]"#;
    assert_eq!(
        fail(&s, Signal::Logs, &record(deep_late_key)).kind,
        K::TooDeep
    );

    for members in [
        r#""severityText":"123456789""#,
        r#""severityText":"1234567\u00e9""#,
        r#""body":{"stringValue":"123456789"}"#,
        r#""body":{"bytesValue":"MTIzNDU2Nzg5"}"#,
        r#""attributes":[{"key":"123456789"}]"#,
        r#""attributes":[{"key":"customer.id","value":{"stringValue":"123456789"}}]"#,
    ] {
        assert_eq!(
            fail(&s, Signal::Logs, &record(members)).kind,
            K::TooLarge,
            "{members}"
        );
    }
    // Eight decoded bytes are within the limit, however long their base64 is.
    run(
        &s,
        Signal::Logs,
        &record(r#""body":{"bytesValue":"MTIzNDU2Nzg="}"#),
    );
    // An escaped string is measured decoded.
    run(
        &s,
        Signal::Logs,
        &record(r#""severityText":"\u0031\u0032\u0033""#),
    );
}

#[test]
fn unknown_members_have_a_depth_bound() {
    let s = scrubber(&strict());
    let nested = |n: usize| format!(r#"{{"u":{}1{}}}"#, "[".repeat(n), "]".repeat(n));
    run(&s, Signal::Logs, nested(64).as_bytes());
    let e = fail(&s, Signal::Logs, nested(65).as_bytes());
    assert_eq!((e.kind, e.path.as_str()), (K::TooDeep, ""));
    // Deep nesting far beyond any limit fails fast without exhausting the stack.
    let huge = nested(1_000_000);
    assert_eq!(fail(&s, Signal::Logs, huge.as_bytes()).kind, K::TooDeep);
    let deep_values = format!(
        "{}{}",
        r#"{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"body":"#,
        r#"{"arrayValue":{"values":["#.repeat(100_000)
    );
    assert_eq!(
        fail(&s, Signal::Logs, deep_values.as_bytes()).kind,
        K::TooDeep
    );
}
