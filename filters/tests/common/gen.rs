//! proptest strategies for arbitrary OTLP export requests built from the
//! reference types (opentelemetry-proto): every message and field of the logs,
//! metrics and traces schemas, nested AnyValue arrays/kvlists, bytes values,
//! every metric point type, exemplars, span events/links/status, entity refs,
//! empty and large strings, unicode, and text that the detectors match.
//!
//! Two knobs keep the generated messages inside what a given test can compare:
//! [`Shape::json_safe`] leaves out the two constructs that opentelemetry-proto's
//! serde mapping cannot round-trip (an `AnyValue` with no value set inside an
//! array, and `string_value_strindex`, which its deserializer ignores), so that
//! the protobuf-vs-JSON property compares like with like.

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
use proptest::collection::vec;
use proptest::option;
use proptest::prelude::*;
use proptest::sample::select;

/// What the generated messages may contain.
#[derive(Clone, Copy, Debug)]
pub struct Shape {
    /// Leave out constructs opentelemetry-proto's serde cannot round-trip.
    pub json_safe: bool,
    /// Nesting of AnyValue arrays/kvlists (the default limit is 32).
    pub max_depth: u32,
    /// Attribute keys may contain text the detectors match (`tenant.<email>`).
    pub sensitive_keys: bool,
}

impl Shape {
    pub const ANY: Shape = Shape {
        json_safe: false,
        max_depth: 4,
        sensitive_keys: true,
    };
    pub const JSON: Shape = Shape {
        json_safe: true,
        max_depth: 4,
        sensitive_keys: true,
    };
    /// For idempotence: a key rewritten by the detectors may get another key
    /// rule on a second pass (see `key_rule_of_a_rewritten_key` in properties.rs).
    pub const PLAIN_KEYS: Shape = Shape {
        json_safe: false,
        max_depth: 4,
        sensitive_keys: false,
    };
}

/// Ordinary operational text: must survive the detectors (ids, timestamps,
/// latencies, versions, routes).
pub const BENIGN: &[&str] = &[
    "GET /api/v1/features",
    "resolver done",
    "6f1c2a9e-3b7d-4c1a-9f7e-2d5b8c4a1e90",
    "2024-05-29T16:26:40.123Z",
    "latency_ms=12.5",
    "took 250ms",
    "v1.29.0",
    "1.42.7-rc.1",
    "status=200",
    "retry 3/5",
    "chalk-engine",
    "us-east1",
    "0",
    "-17",
    "café 日本 😀",
    "«ctx»",
    "\"quoted\" \\ back\tslash",
    "a.b.c",
];

/// Text the built-in detectors are meant to catch.
pub const SENSITIVE: &[&str] = &[
    "maria.garcia@example.com",
    "4111 1111 1111 1111",
    "SSN 123-45-6789",
    "call +1 415 555 0134",
    "DE89370400440532013000",
    "from 10.20.30.40",
    "2001:db8:85a3::8a2e:370:7334",
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
    "AKIAIOSFODNN7EXAMPLE",
    "aws_secret_access_key=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    "Authorization: Bearer abcDEF123456ghiJKL7890mnoPQR",
    "https://admin:hunter2@db.internal:5432/x",
    "https://api.example.com/v1?api_key=sk_live_51HxYzAbCdEf0123456789",
    "customer Maria Garcia",
    "[REDACTED:email]",
    "hmac:0123456789abcdef",
];

/// Attribute keys: allowed, unlisted, feature, denied, name-bearing, secret-bearing.
pub const KEYS: &[&str] = &[
    "service.name",
    "http.route",
    "exception.message",
    "k8s.pod.name",
    "event.context",
    "query.id",
    "customer.note",
    "customer.full_name",
    "user.email",
    "user.risk_score",
    "transaction.amount",
    "db.password",
    "auth_token",
    "http.request.header.authorization",
    "aws.secret_access_key",
    "phone",
    "ssn",
    "note",
    "",
];

fn atom() -> BoxedStrategy<String> {
    prop_oneof![
        3 => select(BENIGN).prop_map(str::to_string),
        3 => select(SENSITIVE).prop_map(str::to_string),
        2 => "\\PC{0,24}",
        1 => "(?s).{0,12}",
    ]
    .boxed()
}

/// A string value: empty, words, sensitive snippets, arbitrary unicode, or large.
pub fn text() -> BoxedStrategy<String> {
    prop_oneof![
        1 => Just(String::new()),
        8 => vec(atom(), 1..4).prop_map(|v| v.join(" ")),
        1 => (atom(), 1usize..400).prop_map(|(s, n)| {
            let unit = if s.is_empty() { "x".to_string() } else { s };
            let mut big = String::new();
            while big.len() < 4096 + n {
                big.push_str(&unit);
                big.push(' ');
            }
            big
        }),
    ]
    .boxed()
}

pub fn key(shape: Shape) -> BoxedStrategy<String> {
    let plain = prop_oneof![
        6 => select(KEYS).prop_map(str::to_string),
        1 => "[a-z_.]{0,12}",
    ];
    if !shape.sensitive_keys {
        return plain.boxed();
    }
    prop_oneof![
        7 => plain,
        1 => select(SENSITIVE).prop_map(|s| format!("tenant.{s}")),
        1 => "\\PC{0,12}",
    ]
    .boxed()
}

pub fn bytes() -> BoxedStrategy<Vec<u8>> {
    prop_oneof![
        2 => vec(any::<u8>(), 0..32),
        1 => select(SENSITIVE).prop_map(|s| {
            let mut b = vec![0x0a, s.len() as u8];
            b.extend_from_slice(s.as_bytes());
            b.push(0xff);
            b
        }),
    ]
    .boxed()
}

/// A finite double (NaN is not equal to itself; non-finite values have no
/// plain JSON number form in the reference serde mapping).
pub fn double() -> BoxedStrategy<f64> {
    prop_oneof![
        3 => any::<f64>().prop_filter("finite", |d| d.is_finite()),
        1 => select(&[0.0, -0.0, 0.1, 1.5, 1e300, 5e-324, -2.5e-8][..]),
    ]
    .boxed()
}

fn trace_id() -> BoxedStrategy<Vec<u8>> {
    prop_oneof![1 => Just(Vec::new()), 4 => vec(any::<u8>(), 16)].boxed()
}

fn span_id() -> BoxedStrategy<Vec<u8>> {
    prop_oneof![1 => Just(Vec::new()), 4 => vec(any::<u8>(), 8)].boxed()
}

fn scalar_value(shape: Shape) -> BoxedStrategy<AnyValue> {
    let mut choices: Vec<(u32, BoxedStrategy<Option<Value>>)> = vec![
        (6, text().prop_map(|s| Some(Value::StringValue(s))).boxed()),
        (
            1,
            any::<bool>()
                .prop_map(|b| Some(Value::BoolValue(b)))
                .boxed(),
        ),
        (
            1,
            any::<i64>().prop_map(|i| Some(Value::IntValue(i))).boxed(),
        ),
        (
            1,
            double().prop_map(|d| Some(Value::DoubleValue(d))).boxed(),
        ),
        (2, bytes().prop_map(|b| Some(Value::BytesValue(b))).boxed()),
    ];
    if !shape.json_safe {
        choices.push((1, Just(None).boxed()));
        choices.push((
            1,
            any::<i32>()
                .prop_map(|i| Some(Value::StringValueStrindex(i)))
                .boxed(),
        ));
    }
    proptest::strategy::Union::new_weighted(choices)
        .prop_map(|value| AnyValue { value })
        .boxed()
}

/// An AnyValue with up to `shape.max_depth` nested arrays/kvlists.
pub fn any_value(shape: Shape) -> BoxedStrategy<AnyValue> {
    scalar_value(shape)
        .prop_recursive(shape.max_depth, 48, 4, move |inner| {
            prop_oneof![
                vec(inner.clone(), 0..4).prop_map(|values| AnyValue {
                    value: Some(Value::ArrayValue(ArrayValue { values })),
                }),
                vec((key(shape), option::of(inner), any::<bool>()), 0..4).prop_map(|entries| {
                    AnyValue {
                        value: Some(Value::KvlistValue(KeyValueList {
                            values: entries.into_iter().map(key_value_of).collect(),
                        })),
                    }
                }),
            ]
        })
        .boxed()
}

fn key_value_of((key, value, strindex): (String, Option<AnyValue>, bool)) -> KeyValue {
    KeyValue {
        key,
        value,
        key_strindex: i32::from(strindex) * 7,
    }
}

pub fn key_value(shape: Shape) -> BoxedStrategy<KeyValue> {
    (
        key(shape),
        prop_oneof![1 => Just(None), 12 => any_value(shape).prop_map(Some)],
        prop::bool::weighted(0.1),
    )
        .prop_map(key_value_of)
        .boxed()
}

pub fn attributes(shape: Shape) -> BoxedStrategy<Vec<KeyValue>> {
    vec(key_value(shape), 0..4).boxed()
}

fn count() -> BoxedStrategy<u32> {
    prop_oneof![3 => Just(0u32), 1 => any::<u32>()].boxed()
}

pub fn resource(shape: Shape) -> BoxedStrategy<Resource> {
    let entity = (text(), text(), vec(text(), 0..3), vec(text(), 0..3)).prop_map(
        |(schema_url, r#type, id_keys, description_keys)| EntityRef {
            schema_url,
            r#type,
            id_keys,
            description_keys,
        },
    );
    (attributes(shape), count(), vec(entity, 0..2))
        .prop_map(
            |(attributes, dropped_attributes_count, entity_refs)| Resource {
                attributes,
                dropped_attributes_count,
                entity_refs,
            },
        )
        .boxed()
}

pub fn scope(shape: Shape) -> BoxedStrategy<InstrumentationScope> {
    (text(), text(), attributes(shape), count())
        .prop_map(
            |(name, version, attributes, dropped_attributes_count)| InstrumentationScope {
                name,
                version,
                attributes,
                dropped_attributes_count,
            },
        )
        .boxed()
}

// ---- logs ----

pub fn log_record(shape: Shape) -> BoxedStrategy<LogRecord> {
    (
        (any::<u64>(), any::<u64>(), 0i32..25, text()),
        prop_oneof![1 => Just(None), 4 => any_value(shape).prop_map(Some)],
        attributes(shape),
        (count(), any::<u32>(), trace_id(), span_id(), text()),
    )
        .prop_map(
            |(
                (time_unix_nano, observed_time_unix_nano, severity_number, severity_text),
                body,
                attributes,
                (dropped_attributes_count, flags, trace_id, span_id, event_name),
            )| LogRecord {
                time_unix_nano,
                observed_time_unix_nano,
                severity_number,
                severity_text,
                body,
                attributes,
                dropped_attributes_count,
                flags,
                trace_id,
                span_id,
                event_name,
            },
        )
        .boxed()
}

pub fn logs_request(shape: Shape) -> BoxedStrategy<ExportLogsServiceRequest> {
    let scope_logs = (
        option::of(scope(shape)),
        vec(log_record(shape), 0..4),
        text(),
    )
        .prop_map(|(scope, log_records, schema_url)| ScopeLogs {
            scope,
            log_records,
            schema_url,
        });
    let resource_logs = (option::of(resource(shape)), vec(scope_logs, 0..3), text()).prop_map(
        |(resource, scope_logs, schema_url)| ResourceLogs {
            resource,
            scope_logs,
            schema_url,
        },
    );
    vec(resource_logs, 0..3)
        .prop_map(|resource_logs| ExportLogsServiceRequest { resource_logs })
        .boxed()
}

// ---- traces ----

fn event(shape: Shape) -> BoxedStrategy<Event> {
    (any::<u64>(), text(), attributes(shape), count())
        .prop_map(
            |(time_unix_nano, name, attributes, dropped_attributes_count)| Event {
                time_unix_nano,
                name,
                attributes,
                dropped_attributes_count,
            },
        )
        .boxed()
}

fn link(shape: Shape) -> BoxedStrategy<Link> {
    (
        trace_id(),
        span_id(),
        text(),
        attributes(shape),
        count(),
        any::<u32>(),
    )
        .prop_map(
            |(trace_id, span_id, trace_state, attributes, dropped_attributes_count, flags)| Link {
                trace_id,
                span_id,
                trace_state,
                attributes,
                dropped_attributes_count,
                flags,
            },
        )
        .boxed()
}

pub fn span(shape: Shape) -> BoxedStrategy<Span> {
    let status = (text(), 0i32..3).prop_map(|(message, code)| Status { message, code });
    (
        (trace_id(), span_id(), text(), span_id(), any::<u32>()),
        (text(), 0i32..6, any::<u64>(), any::<u64>()),
        (attributes(shape), count(), vec(event(shape), 0..3), count()),
        (vec(link(shape), 0..3), count(), option::of(status)),
    )
        .prop_map(
            |(
                (trace_id, span_id, trace_state, parent_span_id, flags),
                (name, kind, start_time_unix_nano, end_time_unix_nano),
                (attributes, dropped_attributes_count, events, dropped_events_count),
                (links, dropped_links_count, status),
            )| Span {
                trace_id,
                span_id,
                trace_state,
                parent_span_id,
                flags,
                name,
                kind,
                start_time_unix_nano,
                end_time_unix_nano,
                attributes,
                dropped_attributes_count,
                events,
                dropped_events_count,
                links,
                dropped_links_count,
                status,
            },
        )
        .boxed()
}

pub fn traces_request(shape: Shape) -> BoxedStrategy<ExportTraceServiceRequest> {
    let scope_spans = (option::of(scope(shape)), vec(span(shape), 0..4), text()).prop_map(
        |(scope, spans, schema_url)| ScopeSpans {
            scope,
            spans,
            schema_url,
        },
    );
    let resource_spans = (option::of(resource(shape)), vec(scope_spans, 0..3), text()).prop_map(
        |(resource, scope_spans, schema_url)| ResourceSpans {
            resource,
            scope_spans,
            schema_url,
        },
    );
    vec(resource_spans, 0..3)
        .prop_map(|resource_spans| ExportTraceServiceRequest { resource_spans })
        .boxed()
}

// ---- metrics ----

fn exemplar(shape: Shape) -> BoxedStrategy<Exemplar> {
    let value = prop_oneof![
        1 => Just(None),
        2 => double().prop_map(|d| Some(exemplar::Value::AsDouble(d))),
        2 => any::<i64>().prop_map(|i| Some(exemplar::Value::AsInt(i))),
    ];
    (
        attributes(shape),
        any::<u64>(),
        span_id(),
        trace_id(),
        value,
    )
        .prop_map(
            |(filtered_attributes, time_unix_nano, span_id, trace_id, value)| Exemplar {
                filtered_attributes,
                time_unix_nano,
                span_id,
                trace_id,
                value,
            },
        )
        .boxed()
}

/// (attributes, start time, time, exemplars, flags): shared by the point types.
type PointCommon = (Vec<KeyValue>, u64, u64, Vec<Exemplar>, u32);

fn point_common(shape: Shape) -> BoxedStrategy<PointCommon> {
    (
        attributes(shape),
        any::<u64>(),
        any::<u64>(),
        vec(exemplar(shape), 0..3),
        prop_oneof![Just(0u32), Just(1u32), any::<u32>()],
    )
        .boxed()
}

fn number_point(shape: Shape) -> BoxedStrategy<NumberDataPoint> {
    let value = prop_oneof![
        1 => Just(None),
        2 => double().prop_map(|d| Some(number_data_point::Value::AsDouble(d))),
        2 => any::<i64>().prop_map(|i| Some(number_data_point::Value::AsInt(i))),
    ];
    (point_common(shape), value)
        .prop_map(
            |((attributes, start_time_unix_nano, time_unix_nano, exemplars, flags), value)| {
                NumberDataPoint {
                    attributes,
                    start_time_unix_nano,
                    time_unix_nano,
                    exemplars,
                    flags,
                    value,
                }
            },
        )
        .boxed()
}

fn histogram_point(shape: Shape) -> BoxedStrategy<HistogramDataPoint> {
    (
        point_common(shape),
        any::<u64>(),
        option::of(double()),
        vec(any::<u64>(), 0..5),
        vec(double(), 0..4),
        (option::of(double()), option::of(double())),
    )
        .prop_map(
            |(
                (attributes, start_time_unix_nano, time_unix_nano, exemplars, flags),
                count,
                sum,
                bucket_counts,
                explicit_bounds,
                (min, max),
            )| HistogramDataPoint {
                attributes,
                start_time_unix_nano,
                time_unix_nano,
                count,
                sum,
                bucket_counts,
                explicit_bounds,
                exemplars,
                flags,
                min,
                max,
            },
        )
        .boxed()
}

fn buckets() -> BoxedStrategy<Buckets> {
    (any::<i32>(), vec(any::<u64>(), 0..5))
        .prop_map(|(offset, bucket_counts)| Buckets {
            offset,
            bucket_counts,
        })
        .boxed()
}

fn exp_point(shape: Shape) -> BoxedStrategy<ExponentialHistogramDataPoint> {
    (
        point_common(shape),
        (
            any::<u64>(),
            option::of(double()),
            -10i32..=20,
            any::<u64>(),
        ),
        (option::of(buckets()), option::of(buckets())),
        (option::of(double()), option::of(double()), double()),
    )
        .prop_map(
            |(
                (attributes, start_time_unix_nano, time_unix_nano, exemplars, flags),
                (count, sum, scale, zero_count),
                (positive, negative),
                (min, max, zero_threshold),
            )| ExponentialHistogramDataPoint {
                attributes,
                start_time_unix_nano,
                time_unix_nano,
                count,
                sum,
                scale,
                zero_count,
                positive,
                negative,
                flags,
                exemplars,
                min,
                max,
                zero_threshold,
            },
        )
        .boxed()
}

fn summary_point(shape: Shape) -> BoxedStrategy<SummaryDataPoint> {
    let quantile =
        (double(), double()).prop_map(|(quantile, value)| ValueAtQuantile { quantile, value });
    (
        point_common(shape),
        any::<u64>(),
        double(),
        vec(quantile, 0..3),
    )
        .prop_map(
            |((attributes, start_time_unix_nano, time_unix_nano, _, flags), count, sum, q)| {
                SummaryDataPoint {
                    attributes,
                    start_time_unix_nano,
                    time_unix_nano,
                    count,
                    sum,
                    quantile_values: q,
                    flags,
                }
            },
        )
        .boxed()
}

fn metric_data(shape: Shape) -> BoxedStrategy<Option<Data>> {
    let points = |s: BoxedStrategy<NumberDataPoint>| vec(s, 0..3);
    prop_oneof![
        1 => Just(None),
        2 => points(number_point(shape)).prop_map(|data_points| Some(Data::Gauge(Gauge { data_points }))),
        2 => (points(number_point(shape)), 0i32..3, any::<bool>()).prop_map(
            |(data_points, aggregation_temporality, is_monotonic)| Some(Data::Sum(Sum {
                data_points,
                aggregation_temporality,
                is_monotonic,
            }))
        ),
        2 => (vec(histogram_point(shape), 0..3), 0i32..3).prop_map(
            |(data_points, aggregation_temporality)| Some(Data::Histogram(Histogram {
                data_points,
                aggregation_temporality,
            }))
        ),
        2 => (vec(exp_point(shape), 0..3), 0i32..3).prop_map(
            |(data_points, aggregation_temporality)| Some(Data::ExponentialHistogram(
                ExponentialHistogram { data_points, aggregation_temporality }
            ))
        ),
        2 => vec(summary_point(shape), 0..3)
            .prop_map(|data_points| Some(Data::Summary(Summary { data_points }))),
    ]
    .boxed()
}

pub fn metric(shape: Shape) -> BoxedStrategy<Metric> {
    (
        text(),
        text(),
        text(),
        attributes(shape),
        metric_data(shape),
    )
        .prop_map(|(name, description, unit, metadata, data)| Metric {
            name,
            description,
            unit,
            metadata,
            data,
        })
        .boxed()
}

pub fn metrics_request(shape: Shape) -> BoxedStrategy<ExportMetricsServiceRequest> {
    let scope_metrics = (option::of(scope(shape)), vec(metric(shape), 0..3), text()).prop_map(
        |(scope, metrics, schema_url)| ScopeMetrics {
            scope,
            metrics,
            schema_url,
        },
    );
    let resource_metrics = (
        option::of(resource(shape)),
        vec(scope_metrics, 0..3),
        text(),
    )
        .prop_map(|(resource, scope_metrics, schema_url)| ResourceMetrics {
            resource,
            scope_metrics,
            schema_url,
        });
    vec(resource_metrics, 0..3)
        .prop_map(|resource_metrics| ExportMetricsServiceRequest { resource_metrics })
        .boxed()
}
