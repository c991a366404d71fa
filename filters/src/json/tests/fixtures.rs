//! Real OTLP requests built with opentelemetry-proto, whose serde output follows
//! the OTLP/JSON mapping (lowerCamelCase, hex ids, int64 as strings, AnyValue
//! as `{"stringValue": ...}`). Every message and every string field of the
//! schema appears at least once.
//!
//! Attribute lists carry one allowed key (`service.name`) and two keys that strict
//! mode does not allow (`customer.id`, `note`). Free-text fields carry `SECRET-<n>`,
//! which the custom detector of the detector tests finds.

use opentelemetry_proto::tonic::collector::logs::v1::ExportLogsServiceRequest;
use opentelemetry_proto::tonic::collector::metrics::v1::ExportMetricsServiceRequest;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::{
    any_value::Value, AnyValue, ArrayValue, EntityRef, InstrumentationScope, KeyValue, KeyValueList,
};
use opentelemetry_proto::tonic::logs::v1::{LogRecord, ResourceLogs, ScopeLogs};
use opentelemetry_proto::tonic::metrics::v1::{
    exemplar, exponential_histogram_data_point::Buckets, metric::Data, number_data_point,
    summary_data_point::ValueAtQuantile, Exemplar, ExponentialHistogram,
    ExponentialHistogramDataPoint, Gauge, Histogram, HistogramDataPoint, Metric, NumberDataPoint,
    ResourceMetrics, ScopeMetrics, Sum, Summary, SummaryDataPoint,
};
use opentelemetry_proto::tonic::resource::v1::Resource;
use opentelemetry_proto::tonic::trace::v1::{
    span::{Event, Link},
    ResourceSpans, ScopeSpans, Span, Status,
};

pub const TRACE_ID: [u8; 16] = [
    0x5b, 0x8e, 0xff, 0xf7, 0x98, 0x03, 0x81, 0x03, 0xd2, 0x69, 0xb6, 0x33, 0x81, 0x3f, 0xc6, 0x0c,
];
pub const SPAN_ID: [u8; 8] = [0xee, 0xe1, 0x9b, 0x7e, 0xc3, 0xc1, 0xb1, 0x74];
pub const PARENT_ID: [u8; 8] = [0x1a, 0x2b, 0x3c, 0x4d, 0x5e, 0x6f, 0x70, 0x81];

pub fn any(v: Value) -> Option<AnyValue> {
    Some(AnyValue { value: Some(v) })
}

pub fn text(text: &str) -> Value {
    Value::StringValue(text.to_string())
}

pub fn kv(key: &str, v: Value) -> KeyValue {
    KeyValue {
        key: key.to_string(),
        value: any(v),
        key_strindex: 0,
    }
}

pub fn kvlist(entries: Vec<KeyValue>) -> Value {
    Value::KvlistValue(KeyValueList { values: entries })
}

pub fn array(values: Vec<Value>) -> Value {
    Value::ArrayValue(ArrayValue {
        values: values
            .into_iter()
            .map(|v| AnyValue { value: Some(v) })
            .collect(),
    })
}

/// One allowed and two not-allowed (strict) attributes; `note` carries a secret
/// for the detector tests.
pub fn attrs(tag: &str) -> Vec<KeyValue> {
    vec![
        kv("service.name", text(&format!("svc-{tag}"))),
        kv("customer.id", text(&format!("cust-{tag}"))),
        kv("note", text(&format!("{tag} SECRET-0"))),
    ]
}

pub fn resource() -> Resource {
    Resource {
        attributes: attrs("resource"),
        dropped_attributes_count: 1,
        entity_refs: vec![EntityRef {
            schema_url: "https://e.example/SECRET-1".into(),
            r#type: "service SECRET-2".into(),
            id_keys: vec!["service.name".into(), "SECRET-3".into()],
            description_keys: vec!["SECRET-4".into()],
        }],
    }
}

pub fn scope() -> InstrumentationScope {
    InstrumentationScope {
        name: "lib SECRET-5".into(),
        version: "1.0 SECRET-6".into(),
        attributes: attrs("scope"),
        dropped_attributes_count: 2,
    }
}

pub fn log_record(body: Value, severity_text: &str) -> LogRecord {
    LogRecord {
        time_unix_nano: 1_700_000_000_000_000_001,
        observed_time_unix_nano: 1_700_000_000_000_000_002,
        severity_number: 9,
        severity_text: severity_text.into(),
        body: any(body),
        attributes: attrs("log"),
        dropped_attributes_count: 3,
        flags: 1,
        trace_id: TRACE_ID.to_vec(),
        span_id: SPAN_ID.to_vec(),
        event_name: "evt SECRET-9".into(),
    }
}

/// Logs: a string body and a structured (kvlist) body.
pub fn logs() -> ExportLogsServiceRequest {
    ExportLogsServiceRequest {
        resource_logs: vec![ResourceLogs {
            resource: Some(resource()),
            scope_logs: vec![ScopeLogs {
                scope: Some(scope()),
                log_records: vec![
                    log_record(text("login failed for SECRET-7"), "INFO SECRET-8"),
                    log_record(
                        kvlist(vec![
                            kv("service.name", text("checkout")),
                            kv("customer.id", text("c-42")),
                            kv("message", text("msg SECRET-10")),
                        ]),
                        "WARN",
                    ),
                ],
                schema_url: "https://scope.example/SECRET-11".into(),
            }],
            schema_url: "https://resource.example/SECRET-12".into(),
        }],
    }
}

pub fn traces() -> ExportTraceServiceRequest {
    let span = Span {
        trace_id: TRACE_ID.to_vec(),
        span_id: SPAN_ID.to_vec(),
        trace_state: "vendor=SECRET-13".into(),
        parent_span_id: PARENT_ID.to_vec(),
        flags: 0x301,
        name: "GET /SECRET-14".into(),
        kind: 2,
        start_time_unix_nano: 1_700_000_000_000_000_000,
        end_time_unix_nano: 1_700_000_000_500_000_000,
        attributes: attrs("span"),
        dropped_attributes_count: 4,
        events: vec![Event {
            time_unix_nano: 1_700_000_000_100_000_000,
            name: "exception SECRET-15".into(),
            attributes: attrs("event"),
            dropped_attributes_count: 5,
        }],
        dropped_events_count: 6,
        links: vec![Link {
            trace_id: TRACE_ID.to_vec(),
            span_id: PARENT_ID.to_vec(),
            trace_state: "link=SECRET-16".into(),
            attributes: attrs("link"),
            dropped_attributes_count: 7,
            flags: 0x100,
        }],
        dropped_links_count: 8,
        status: Some(Status {
            message: "failed SECRET-17".into(),
            code: 2,
        }),
    };
    ExportTraceServiceRequest {
        resource_spans: vec![ResourceSpans {
            resource: Some(resource()),
            scope_spans: vec![ScopeSpans {
                scope: Some(scope()),
                spans: vec![span],
                schema_url: "https://scope.example/SECRET-11".into(),
            }],
            schema_url: "https://resource.example/SECRET-12".into(),
        }],
    }
}

fn exemplar() -> Exemplar {
    Exemplar {
        filtered_attributes: attrs("exemplar"),
        time_unix_nano: 1_700_000_000_000_000_003,
        span_id: SPAN_ID.to_vec(),
        trace_id: TRACE_ID.to_vec(),
        value: Some(exemplar::Value::AsInt(-7)),
    }
}

fn metric(name: &str, data: Data) -> Metric {
    Metric {
        name: format!("{name} SECRET-18"),
        description: "desc SECRET-19".into(),
        unit: "ms SECRET-20".into(),
        metadata: attrs("metadata"),
        data: Some(data),
    }
}

/// One metric of each data kind; five data points in all.
pub fn metrics() -> ExportMetricsServiceRequest {
    let number = |v: number_data_point::Value| NumberDataPoint {
        attributes: attrs("point"),
        start_time_unix_nano: 1_700_000_000_000_000_000,
        time_unix_nano: 1_700_000_001_000_000_000,
        exemplars: vec![exemplar()],
        flags: 0,
        value: Some(v),
    };
    let metrics = vec![
        metric(
            "gauge",
            Data::Gauge(Gauge {
                data_points: vec![number(number_data_point::Value::AsDouble(0.25))],
            }),
        ),
        metric(
            "sum",
            Data::Sum(Sum {
                data_points: vec![number(number_data_point::Value::AsInt(i64::MIN))],
                aggregation_temporality: 2,
                is_monotonic: true,
            }),
        ),
        metric(
            "histogram",
            Data::Histogram(Histogram {
                data_points: vec![HistogramDataPoint {
                    attributes: attrs("point"),
                    start_time_unix_nano: 1,
                    time_unix_nano: 2,
                    count: 6,
                    sum: Some(12.5),
                    bucket_counts: vec![1, 2, 3],
                    explicit_bounds: vec![0.5, 1e3],
                    exemplars: vec![exemplar()],
                    flags: 1,
                    min: Some(-1.5),
                    max: Some(9.0),
                }],
                aggregation_temporality: 1,
            }),
        ),
        metric(
            "exp_histogram",
            Data::ExponentialHistogram(ExponentialHistogram {
                data_points: vec![ExponentialHistogramDataPoint {
                    attributes: attrs("point"),
                    start_time_unix_nano: 1,
                    time_unix_nano: 2,
                    count: u64::MAX,
                    sum: Some(3.0),
                    scale: -3,
                    zero_count: 4,
                    positive: Some(Buckets {
                        offset: -2,
                        bucket_counts: vec![5, 6],
                    }),
                    negative: Some(Buckets {
                        offset: 1,
                        bucket_counts: vec![7],
                    }),
                    flags: 0,
                    exemplars: vec![exemplar()],
                    min: Some(0.001),
                    max: Some(10.0),
                    zero_threshold: 1e-9,
                }],
                aggregation_temporality: 2,
            }),
        ),
        metric(
            "summary",
            Data::Summary(Summary {
                data_points: vec![SummaryDataPoint {
                    attributes: attrs("point"),
                    start_time_unix_nano: 1,
                    time_unix_nano: 2,
                    count: 10,
                    sum: 55.5,
                    quantile_values: vec![
                        ValueAtQuantile {
                            quantile: 0.5,
                            value: 5.0,
                        },
                        ValueAtQuantile {
                            quantile: 0.99,
                            value: 9.9,
                        },
                    ],
                    flags: 0,
                }],
            }),
        ),
    ];
    ExportMetricsServiceRequest {
        resource_metrics: vec![ResourceMetrics {
            resource: Some(resource()),
            scope_metrics: vec![ScopeMetrics {
                scope: Some(scope()),
                metrics,
                schema_url: "https://scope.example/SECRET-11".into(),
            }],
            schema_url: "https://resource.example/SECRET-12".into(),
        }],
    }
}
