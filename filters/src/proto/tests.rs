//! Protobuf walker tests against the reference types (opentelemetry-proto/prost).
//! Detector-driven cases live in the crate's integration tests.

use opentelemetry_proto::tonic::collector::logs::v1::ExportLogsServiceRequest;
use opentelemetry_proto::tonic::collector::metrics::v1::ExportMetricsServiceRequest;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::{
    any_value::Value, AnyValue, ArrayValue, InstrumentationScope, KeyValue, KeyValueList,
};
use opentelemetry_proto::tonic::logs::v1::{LogRecord, ResourceLogs, ScopeLogs};
use opentelemetry_proto::tonic::metrics::v1::{
    exponential_histogram_data_point, metric, number_data_point, Exemplar, ExponentialHistogram,
    ExponentialHistogramDataPoint, Gauge, Histogram, HistogramDataPoint, Metric, NumberDataPoint,
    ResourceMetrics, ScopeMetrics, Summary, SummaryDataPoint,
};
use opentelemetry_proto::tonic::resource::v1::Resource;
use opentelemetry_proto::tonic::trace::v1::{span, ResourceSpans, ScopeSpans, Span, Status};
use prost::Message;

use crate::{Encoding, Profile, ScrubErrorKind, Scrubber, Signal};

fn s(v: &str) -> AnyValue {
    AnyValue {
        value: Some(Value::StringValue(v.into())),
    }
}
fn kv(k: &str, v: AnyValue) -> KeyValue {
    KeyValue {
        key: k.into(),
        value: Some(v),
        ..Default::default()
    }
}
fn str_of(v: &Option<AnyValue>) -> &str {
    match v.as_ref().and_then(|v| v.value.as_ref()) {
        Some(Value::StringValue(s)) => s,
        _ => "<not a string>",
    }
}

fn logs(attrs: Vec<KeyValue>, body: AnyValue) -> ExportLogsServiceRequest {
    ExportLogsServiceRequest {
        resource_logs: vec![ResourceLogs {
            resource: Some(Resource {
                attributes: vec![
                    kv("service.name", s("query-server")),
                    kv("customer.region", s("eu-1")),
                ],
                ..Default::default()
            }),
            scope_logs: vec![ScopeLogs {
                scope: Some(InstrumentationScope {
                    name: "chalk.engine".into(),
                    attributes: vec![kv("tenant.id", s("t-42"))],
                    ..Default::default()
                }),
                log_records: vec![LogRecord {
                    time_unix_nano: 1_700_000_000_000_000_000,
                    severity_text: "INFO".into(),
                    body: Some(body),
                    attributes: attrs,
                    trace_id: vec![7; 16],
                    span_id: vec![9; 8],
                    ..Default::default()
                }],
                ..Default::default()
            }],
            ..Default::default()
        }],
    }
}

fn strict() -> Scrubber {
    let mut p = Profile::strict_default();
    p.features = vec!["user.*".into(), "transaction.*".into()];
    p.hash_keys = vec!["query.id".into()];
    p.hash_key = Some(b"test-key".to_vec());
    Scrubber::new(&p).unwrap()
}

fn scrub_logs(sc: &Scrubber, req: &ExportLogsServiceRequest) -> ExportLogsServiceRequest {
    let mut out = Vec::new();
    sc.scrub(
        Signal::Logs,
        Encoding::Protobuf,
        &req.encode_to_vec(),
        &mut out,
    )
    .unwrap();
    ExportLogsServiceRequest::decode(out.as_slice()).unwrap()
}

#[test]
fn strict_redacts_values_of_keys_not_allowed() {
    let req = logs(
        vec![
            kv("resolver.name", s("get_user_score")),
            kv(
                "latency_ms",
                AnyValue {
                    value: Some(Value::IntValue(12)),
                },
            ),
            kv("customer.note", s("VIP since 2019")),
            kv("db.password", s("hunter2")),
            kv("user.email", s("a@b.c")),
            kv("query.id", s("q-123")),
            kv(
                "payload",
                AnyValue {
                    value: Some(Value::IntValue(99)),
                },
            ),
        ],
        s("resolver finished"),
    );
    let out = scrub_logs(&strict(), &req);
    let rl = &out.resource_logs[0];
    let res = rl.resource.as_ref().unwrap();
    assert_eq!(str_of(&res.attributes[0].value), "query-server");
    assert_eq!(str_of(&res.attributes[1].value), "[REDACTED:not_allowed]");
    let scope = rl.scope_logs[0].scope.as_ref().unwrap();
    assert_eq!(scope.name, "chalk.engine");
    assert_eq!(str_of(&scope.attributes[0].value), "[REDACTED:not_allowed]");
    let rec = &rl.scope_logs[0].log_records[0];
    let a = &rec.attributes;
    assert_eq!(str_of(&a[0].value), "get_user_score");
    assert_eq!(
        a[1].value.as_ref().unwrap().value,
        Some(Value::IntValue(12))
    );
    assert_eq!(str_of(&a[2].value), "[REDACTED:not_allowed]");
    assert_eq!(str_of(&a[3].value), "[REDACTED:denied_key]");
    assert_eq!(str_of(&a[4].value), "[REDACTED:feature_value]");
    assert!(str_of(&a[5].value).starts_with("hmac:"));
    assert_eq!(str_of(&a[5].value).len(), 21);
    assert_eq!(str_of(&a[6].value), "[REDACTED:not_allowed]");
    assert_eq!(a[4].key, "user.email", "keys survive");
    assert_eq!(rec.trace_id, vec![7; 16]);
    assert_eq!(rec.span_id, vec![9; 8]);
    assert_eq!(rec.time_unix_nano, 1_700_000_000_000_000_000);
    assert_eq!(str_of(&rec.body), "resolver finished");
}

#[test]
fn passthrough_output_is_the_input() {
    let req = logs(vec![kv("user.email", s("a@b.c"))], s("hello a@b.c"));
    let bytes = req.encode_to_vec();
    let sc = Scrubber::new(&Profile::passthrough()).unwrap();
    let mut out = Vec::new();
    let report = sc
        .scrub(Signal::Logs, Encoding::Protobuf, &bytes, &mut out)
        .unwrap();
    assert_eq!(out, bytes);
    assert_eq!(report.records_in, 1);
    assert_eq!(report.total_redactions(), 0);
}

#[test]
fn structured_body_gets_key_rules_by_dotted_path() {
    let body = AnyValue {
        value: Some(Value::KvlistValue(KeyValueList {
            values: vec![
                kv(
                    "user",
                    AnyValue {
                        value: Some(Value::KvlistValue(KeyValueList {
                            values: vec![kv("email", s("x@y.z"))],
                        })),
                    },
                ),
                kv(
                    "http",
                    AnyValue {
                        value: Some(Value::KvlistValue(KeyValueList {
                            values: vec![kv("route", s("/v1/query")), kv("token", s("abc"))],
                        })),
                    },
                ),
                kv("msg", s("done")),
            ],
        })),
    };
    let mut p = Profile::strict_default();
    p.allow_keys.push("http.*".into());
    p.allow_keys.push("http".into());
    p.allow_keys.push("user".into());
    p.features = vec!["user.*".into()];
    let sc = Scrubber::new(&p).unwrap();
    let out = scrub_logs(&sc, &logs(vec![], body));
    let body = out.resource_logs[0].scope_logs[0].log_records[0]
        .body
        .clone()
        .unwrap();
    let Some(Value::KvlistValue(kvs)) = body.value else {
        panic!("kvlist expected")
    };
    let user = match &kvs.values[0].value.as_ref().unwrap().value {
        Some(Value::KvlistValue(l)) => l.clone(),
        other => panic!("{other:?}"),
    };
    assert_eq!(str_of(&user.values[0].value), "[REDACTED:feature_value]");
    let http = match &kvs.values[1].value.as_ref().unwrap().value {
        Some(Value::KvlistValue(l)) => l.clone(),
        other => panic!("{other:?}"),
    };
    assert_eq!(str_of(&http.values[0].value), "/v1/query");
    assert_eq!(str_of(&http.values[1].value), "[REDACTED:denied_key]");
    assert_eq!(str_of(&kvs.values[2].value), "[REDACTED:not_allowed]");
}

#[test]
fn arrays_inherit_their_key() {
    let arr = AnyValue {
        value: Some(Value::ArrayValue(ArrayValue {
            values: vec![s("a"), s("b")],
        })),
    };
    let out = scrub_logs(
        &strict(),
        &logs(
            vec![kv("user.ids", arr.clone()), kv("k8s.labels", arr)],
            s("x"),
        ),
    );
    let a = &out.resource_logs[0].scope_logs[0].log_records[0].attributes;
    assert_eq!(str_of(&a[0].value), "[REDACTED:feature_value]");
    match &a[1].value.as_ref().unwrap().value {
        Some(Value::ArrayValue(v)) => assert_eq!(v.values.len(), 2),
        other => panic!("{other:?}"),
    }
}

#[test]
fn long_values_shrink_and_lengths_are_fixed() {
    let long = "v".repeat(20_000);
    let req = logs(
        vec![
            kv("customer.blob", s(&long)),
            kv("service.version", s("1.2.3")),
        ],
        s(&long),
    );
    let out = scrub_logs(&strict(), &req);
    let rec = &out.resource_logs[0].scope_logs[0].log_records[0];
    assert_eq!(str_of(&rec.attributes[0].value), "[REDACTED:not_allowed]");
    assert_eq!(str_of(&rec.attributes[1].value), "1.2.3");
    assert_eq!(str_of(&rec.body).len(), 20_000);
}

#[test]
fn unknown_fields_are_dropped_and_counted() {
    let mut bytes = logs(vec![], s("x")).encode_to_vec();
    // Field 99 (varint) and field 100 (bytes) at the top level.
    bytes.extend_from_slice(&[0x98, 0x06, 0x01, 0xA2, 0x06, 0x03, b'a', b'b', b'c']);
    let mut out = Vec::new();
    let r = strict()
        .scrub(Signal::Logs, Encoding::Protobuf, &bytes, &mut out)
        .unwrap();
    assert_eq!(r.unknown_fields_dropped, 2);
    assert!(!out.windows(3).any(|w| w == b"abc"));
    ExportLogsServiceRequest::decode(out.as_slice()).unwrap();
}

/// An unknown field as the last field of a nested message (here the
/// Resource, followed by more data in its parent): the message's length is
/// rewritten although nothing after the field reveals the gap inside it.
#[test]
fn unknown_last_field_of_a_nested_message_shrinks_its_length() {
    let resource = Resource {
        attributes: vec![kv("service.name", s("api"))],
        ..Default::default()
    };
    let mut res_bytes = resource.encode_to_vec();
    // Field 10 (bytes) at the end of the Resource.
    res_bytes.extend_from_slice(&[0x52, 0x03, b'x', b'y', b'z']);
    let scope_logs = ScopeLogs {
        log_records: vec![LogRecord {
            body: Some(s("hello")),
            ..Default::default()
        }],
        ..Default::default()
    }
    .encode_to_vec();
    // ResourceLogs { 1: resource, 2: scope_logs }
    let mut rl = Vec::new();
    rl.push(0x0A);
    prost::encoding::encode_varint(res_bytes.len() as u64, &mut rl);
    rl.extend_from_slice(&res_bytes);
    rl.push(0x12);
    prost::encoding::encode_varint(scope_logs.len() as u64, &mut rl);
    rl.extend_from_slice(&scope_logs);
    let mut req = vec![0x0A];
    prost::encoding::encode_varint(rl.len() as u64, &mut req);
    req.extend_from_slice(&rl);

    let mut out = Vec::new();
    let r = strict()
        .scrub(Signal::Logs, Encoding::Protobuf, &req, &mut out)
        .unwrap();
    assert_eq!(r.unknown_fields_dropped, 1);
    assert!(!out.windows(3).any(|w| w == b"xyz"));
    let decoded = ExportLogsServiceRequest::decode(out.as_slice()).unwrap();
    let rl = &decoded.resource_logs[0];
    assert_eq!(rl.resource.as_ref().map(|r| r.attributes.len()), Some(1));
    assert_eq!(str_of(&rl.scope_logs[0].log_records[0].body), "hello");
}

/// Attribute keys skip their UTF-8 check when the key cache knows them; a key
/// with invalid UTF-8 is never in the cache, so it still fails, with its
/// path, also after valid keys were cached.
#[test]
fn invalid_utf8_in_an_attribute_key_fails_after_valid_keys_were_cached() {
    let sc = strict();
    let good = logs(vec![kv("service.nam\u{e9}", s("x"))], s("hello")).encode_to_vec();
    let mut out = Vec::new();
    sc.scrub(Signal::Logs, Encoding::Protobuf, &good, &mut out)
        .expect("valid");
    // Same key bytes, except the last byte of `é` replaced by an invalid one.
    let pos = good
        .windows(2)
        .position(|w| w == "\u{e9}".as_bytes())
        .expect("key bytes");
    let mut bad = good.clone();
    bad[pos + 1] = 0x28;
    let e = expect_err_with(&sc, &bad);
    assert_eq!(e.kind, ScrubErrorKind::InvalidUtf8);
    assert_eq!(
        e.path,
        "resource_logs.scope_logs.log_records.attributes.key"
    );
    // And the valid payload still scrubs (the failure cached nothing).
    sc.scrub(Signal::Logs, Encoding::Protobuf, &good, &mut out)
        .expect("valid again");
}

fn expect_err_with(s: &Scrubber, bytes: &[u8]) -> crate::ScrubError {
    let mut out = vec![1, 2, 3];
    let e = s
        .scrub(Signal::Logs, Encoding::Protobuf, bytes, &mut out)
        .unwrap_err();
    assert!(out.is_empty(), "no partial output");
    e
}

fn expect_err(bytes: &[u8], signal: Signal) -> crate::ScrubError {
    let mut out = vec![1, 2, 3];
    let e = strict()
        .scrub(signal, Encoding::Protobuf, bytes, &mut out)
        .unwrap_err();
    assert!(out.is_empty(), "no partial output");
    e
}

#[test]
fn malformed_inputs_fail_closed() {
    let good = logs(vec![kv("a", s("b"))], s("hello")).encode_to_vec();
    for cut in 1..good.len() {
        let e = expect_err(&good[..cut], Signal::Logs);
        assert!(
            matches!(
                e.kind,
                ScrubErrorKind::Truncated
                    | ScrubErrorKind::BadValue
                    | ScrubErrorKind::WrongWireType
                    | ScrubErrorKind::InvalidTag
                    | ScrubErrorKind::InvalidUtf8
            ),
            "{e}"
        );
    }
    // Invalid UTF-8 in the body string.
    let bad = logs(vec![], s("hello")).encode_to_vec();
    let pos = bad.windows(5).position(|w| w == b"hello").unwrap();
    let mut bad2 = bad.clone();
    bad2[pos] = 0xFF;
    let e = expect_err(&bad2, Signal::Logs);
    assert_eq!(e.kind, ScrubErrorKind::InvalidUtf8);
    assert_eq!(e.path, "resource_logs.scope_logs.log_records.body");
    assert_eq!(e.offset, pos);
    // Wrong wire type: resource_logs as a varint.
    let e = expect_err(&[0x08, 0x01], Signal::Logs);
    assert_eq!(e.kind, ScrubErrorKind::WrongWireType);
    // Group wire type.
    assert_eq!(
        expect_err(&[0x0B], Signal::Logs).kind,
        ScrubErrorKind::InvalidTag
    );
}

#[test]
fn ids_of_the_wrong_length_are_rejected() {
    let mut req = logs(vec![], s("x"));
    req.resource_logs[0].scope_logs[0].log_records[0].trace_id =
        b"secret smuggled in a trace id".to_vec();
    let e = expect_err(&req.encode_to_vec(), Signal::Logs);
    assert_eq!(e.kind, ScrubErrorKind::BadValue);
    assert!(e.path.ends_with("trace_id"), "{}", e.path);
}

#[test]
fn nesting_beyond_the_limit_is_rejected() {
    let mut v = s("deep");
    for _ in 0..40 {
        v = AnyValue {
            value: Some(Value::ArrayValue(ArrayValue { values: vec![v] })),
        };
    }
    let e = expect_err(&logs(vec![], v).encode_to_vec(), Signal::Logs);
    assert_eq!(e.kind, ScrubErrorKind::TooDeep);
}

#[test]
fn validate_counts_records_without_output() {
    let bytes = logs(vec![kv("user.email", s("a@b.c"))], s("x")).encode_to_vec();
    let r = strict()
        .validate(Signal::Logs, Encoding::Protobuf, &bytes)
        .unwrap();
    assert_eq!(r.records_in, 1);
    assert_eq!(r.total_redactions(), 0);
}

fn metrics_req() -> ExportMetricsServiceRequest {
    let attrs = || vec![kv("user.id", s("u-1")), kv("service.name", s("svc"))];
    let ex = || Exemplar {
        filtered_attributes: vec![kv("customer.email", s("e@x.io"))],
        span_id: vec![1; 8],
        trace_id: vec![2; 16],
        value: Some(opentelemetry_proto::tonic::metrics::v1::exemplar::Value::AsInt(3)),
        ..Default::default()
    };
    let m = |name: &str, data| Metric {
        name: name.into(),
        description: "d".into(),
        unit: "ms".into(),
        metadata: vec![kv("owner.email", s("o@x.io"))],
        data: Some(data),
    };
    ExportMetricsServiceRequest {
        resource_metrics: vec![ResourceMetrics {
            resource: Some(Resource::default()),
            scope_metrics: vec![ScopeMetrics {
                metrics: vec![
                    m(
                        "g",
                        metric::Data::Gauge(Gauge {
                            data_points: vec![NumberDataPoint {
                                attributes: attrs(),
                                exemplars: vec![ex()],
                                value: Some(number_data_point::Value::AsDouble(1.5)),
                                ..Default::default()
                            }],
                        }),
                    ),
                    m(
                        "h",
                        metric::Data::Histogram(Histogram {
                            data_points: vec![HistogramDataPoint {
                                attributes: attrs(),
                                bucket_counts: vec![1, 2, 3],
                                explicit_bounds: vec![0.5, 1.0],
                                exemplars: vec![ex()],
                                ..Default::default()
                            }],
                            aggregation_temporality: 2,
                        }),
                    ),
                    m(
                        "e",
                        metric::Data::ExponentialHistogram(ExponentialHistogram {
                            data_points: vec![ExponentialHistogramDataPoint {
                                attributes: attrs(),
                                scale: -3,
                                positive: Some(exponential_histogram_data_point::Buckets {
                                    offset: -2,
                                    bucket_counts: vec![5, 300, 70000],
                                }),
                                ..Default::default()
                            }],
                            aggregation_temporality: 1,
                        }),
                    ),
                    m(
                        "s",
                        metric::Data::Summary(Summary {
                            data_points: vec![SummaryDataPoint {
                                attributes: attrs(),
                                count: 4,
                                ..Default::default()
                            }],
                        }),
                    ),
                ],
                ..Default::default()
            }],
            ..Default::default()
        }],
    }
}

#[test]
fn metrics_every_point_type_and_exemplar() {
    let req = metrics_req();
    let mut out = Vec::new();
    let r = strict()
        .scrub(
            Signal::Metrics,
            Encoding::Protobuf,
            &req.encode_to_vec(),
            &mut out,
        )
        .unwrap();
    assert_eq!(r.records_in, 4);
    assert_eq!(r.records_out, 4);
    let got = ExportMetricsServiceRequest::decode(out.as_slice()).unwrap();
    let mut expected = req.clone();
    for m in &mut expected.resource_metrics[0].scope_metrics[0].metrics {
        m.metadata[0].value = Some(s("[REDACTED:not_allowed]"));
        let fix_attrs = |a: &mut Vec<KeyValue>| a[0].value = Some(s("[REDACTED:feature_value]"));
        let fix_ex = |e: &mut Vec<Exemplar>| {
            for e in e {
                e.filtered_attributes[0].value = Some(s("[REDACTED:not_allowed]"));
            }
        };
        match m.data.as_mut().unwrap() {
            metric::Data::Gauge(g) => g.data_points.iter_mut().for_each(|d| {
                fix_attrs(&mut d.attributes);
                fix_ex(&mut d.exemplars)
            }),
            metric::Data::Histogram(h) => h.data_points.iter_mut().for_each(|d| {
                fix_attrs(&mut d.attributes);
                fix_ex(&mut d.exemplars)
            }),
            metric::Data::ExponentialHistogram(h) => h
                .data_points
                .iter_mut()
                .for_each(|d| fix_attrs(&mut d.attributes)),
            metric::Data::Summary(s) => s
                .data_points
                .iter_mut()
                .for_each(|d| fix_attrs(&mut d.attributes)),
            metric::Data::Sum(_) => unreachable!(),
        }
    }
    assert_eq!(got, expected);
}

#[test]
fn traces_events_links_status() {
    let req = ExportTraceServiceRequest {
        resource_spans: vec![ResourceSpans {
            resource: Some(Resource::default()),
            scope_spans: vec![ScopeSpans {
                spans: vec![Span {
                    trace_id: vec![1; 16],
                    span_id: vec![2; 8],
                    parent_span_id: vec![3; 8],
                    trace_state: "vendor=abc".into(),
                    name: "GET /v1/query".into(),
                    attributes: vec![kv("http.route", s("/v1/query")), kv("enduser.id", s("u-9"))],
                    events: vec![span::Event {
                        name: "exception".into(),
                        attributes: vec![
                            kv("exception.type", s("KeyError")),
                            kv("user.ssn", s("x")),
                        ],
                        ..Default::default()
                    }],
                    links: vec![span::Link {
                        trace_id: vec![4; 16],
                        span_id: vec![5; 8],
                        attributes: vec![kv("peer.note", s("x"))],
                        ..Default::default()
                    }],
                    status: Some(Status {
                        message: "boom".into(),
                        code: 2,
                    }),
                    ..Default::default()
                }],
                ..Default::default()
            }],
            ..Default::default()
        }],
    };
    let mut out = Vec::new();
    strict()
        .scrub(
            Signal::Traces,
            Encoding::Protobuf,
            &req.encode_to_vec(),
            &mut out,
        )
        .unwrap();
    let got = ExportTraceServiceRequest::decode(out.as_slice()).unwrap();
    let mut exp = req.clone();
    let sp = &mut exp.resource_spans[0].scope_spans[0].spans[0];
    sp.attributes[1].value = Some(s("[REDACTED:not_allowed]"));
    sp.events[0].attributes[1].value = Some(s("[REDACTED:feature_value]"));
    sp.links[0].attributes[0].value = Some(s("[REDACTED:not_allowed]"));
    assert_eq!(got, exp);
}

#[test]
fn key_after_value_still_gets_its_rule() {
    // KeyValue encoded as value (field 2) before key (field 1).
    let value = s("secret").encode_to_vec();
    let mut kvb = vec![0x12, value.len() as u8];
    kvb.extend(&value);
    kvb.extend([0x0A, 10]);
    kvb.extend(b"user.email");
    let mut rec = vec![0x32, kvb.len() as u8];
    rec.extend(&kvb);
    let mut scope = vec![0x12, rec.len() as u8];
    scope.extend(&rec);
    let mut rl = vec![0x12, scope.len() as u8];
    rl.extend(&scope);
    let mut req = vec![0x0A, rl.len() as u8];
    req.extend(&rl);
    let mut out = Vec::new();
    strict()
        .scrub(Signal::Logs, Encoding::Protobuf, &req, &mut out)
        .unwrap();
    let got = ExportLogsServiceRequest::decode(out.as_slice()).unwrap();
    let a = &got.resource_logs[0].scope_logs[0].log_records[0].attributes[0];
    assert_eq!(a.key, "user.email");
    assert_eq!(str_of(&a.value), "[REDACTED:feature_value]");
}
