//! Adversarial batches for correctness tests: for every canary kind, a value
//! in every string-bearing location of the schema and in every form
//! (allowed/unlisted key, nested kvlist, array element, array inside kvlist,
//! bytes, attribute key, nested attribute key, feature key), surrounded by
//! non-ASCII and JSON-special characters; the JSON encoding escapes
//! aggressively and writes KeyValue members value-first. Each record carries
//! at most one canary so that drop-record actions can be checked per record.

use opentelemetry_proto::tonic::collector::logs::v1::ExportLogsServiceRequest;
use opentelemetry_proto::tonic::collector::metrics::v1::ExportMetricsServiceRequest;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::{
    any_value, AnyValue, ArrayValue, EntityRef, InstrumentationScope, KeyValue, KeyValueList,
};
use opentelemetry_proto::tonic::logs::v1::{ResourceLogs, ScopeLogs};
use opentelemetry_proto::tonic::metrics::v1::{
    exemplar, exponential_histogram_data_point::Buckets, metric::Data, number_data_point,
    summary_data_point::ValueAtQuantile, Exemplar, ExponentialHistogram,
    ExponentialHistogramDataPoint, Gauge, Histogram, HistogramDataPoint, Metric, NumberDataPoint,
    ResourceMetrics, ScopeMetrics, Sum, Summary, SummaryDataPoint,
};
use opentelemetry_proto::tonic::resource::v1::Resource;
use opentelemetry_proto::tonic::trace::v1::{
    span::{Event, Link},
    ResourceSpans, ScopeSpans, Status,
};

use super::json::{self, JsonStyle};
use super::pii::{CanaryKind, Pii};
use super::rng::Rng;
use super::{
    any_str, framed_bytes, kv_int, kv_str, logs, traces, Batch, Carrier, CorpusConfig, Gen, Planter,
};
use crate::{Location, Signal};

/// The adversarial batch of `signal` for `seed`.
pub fn adversarial(signal: Signal, seed: u64) -> Batch {
    let mut rng = Rng::derive(seed, &[0xad, signal as u64]);
    let mut b = Builder {
        gen: Gen {
            cfg: CorpusConfig {
                seed,
                ..CorpusConfig::default()
            },
            planter: Planter {
                extended: true,
                ..Planter::default()
            },
            base_time: super::BASE_TIME_NANOS,
        },
        records: 0,
    };
    let (protobuf, json) = match signal {
        Signal::Logs => {
            let req = b.logs(&mut rng);
            (
                prost::Message::encode_to_vec(&req),
                json::logs(&req, JsonStyle::Adversarial),
            )
        }
        Signal::Metrics => {
            let req = b.metrics(&mut rng);
            (
                prost::Message::encode_to_vec(&req),
                json::metrics(&req, JsonStyle::Adversarial),
            )
        }
        Signal::Traces => {
            let req = b.traces(&mut rng);
            (
                prost::Message::encode_to_vec(&req),
                json::traces(&req, JsonStyle::Adversarial),
            )
        }
    };
    Batch {
        signal,
        protobuf,
        json,
        records: b.records,
        canaries: b.gen.planter.canaries,
    }
}

pub fn adversarial_logs(seed: u64) -> Batch {
    adversarial(Signal::Logs, seed)
}

pub fn adversarial_metrics(seed: u64) -> Batch {
    adversarial(Signal::Metrics, seed)
}

pub fn adversarial_traces(seed: u64) -> Batch {
    adversarial(Signal::Traces, seed)
}

/// The forms a canary takes inside an attribute list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Form {
    Allowed,
    Unlisted,
    Nested,
    Array,
    ArrayInKvlist,
    Bytes,
    Key,
    NestedKey,
    Feature,
}

const FORMS: [Form; 9] = [
    Form::Allowed,
    Form::Unlisted,
    Form::Nested,
    Form::Array,
    Form::ArrayInKvlist,
    Form::Bytes,
    Form::Key,
    Form::NestedKey,
    Form::Feature,
];

fn forms(kind: CanaryKind) -> impl Iterator<Item = Form> {
    FORMS
        .into_iter()
        .filter(move |f| *f != Form::Feature || kind == CanaryKind::FeatureValue)
}

/// Wraps a phrase in characters a JSON encoder must escape and multi-byte
/// UTF-8, with non-word characters right next to it.
fn noisy(text: &str) -> String {
    format!("«ctx» café 日本 \"{text}\"\t\\ (ok) 😀")
}

fn kv_value(key: &str, value: any_value::Value) -> KeyValue {
    super::kv(key, value)
}

fn list(values: Vec<KeyValue>) -> any_value::Value {
    any_value::Value::KvlistValue(KeyValueList { values })
}

fn array(values: Vec<AnyValue>) -> any_value::Value {
    any_value::Value::ArrayValue(ArrayValue { values })
}

struct Builder {
    gen: Gen,
    /// Records created so far (the next record's index).
    records: usize,
}

impl Builder {
    fn fresh(&mut self, rng: &mut Rng, kind: CanaryKind) -> Pii {
        self.gen.planter.fresh(rng, kind)
    }

    fn record(&mut self, pii: &Pii, location: Location, carrier: Carrier, record: Option<usize>) {
        self.gen.planter.record(pii, location, carrier, record);
    }

    /// A free-text value carrying a fresh canary of `kind`.
    fn text(
        &mut self,
        rng: &mut Rng,
        kind: CanaryKind,
        location: Location,
        record: Option<usize>,
    ) -> String {
        let pii = self.fresh(rng, kind);
        self.record(&pii, location, Carrier::Text, record);
        noisy(&pii.phrase)
    }

    /// One attribute carrying a fresh canary of `kind` in `form`.
    fn attr(
        &mut self,
        rng: &mut Rng,
        kind: CanaryKind,
        form: Form,
        location: Location,
        record: Option<usize>,
    ) -> KeyValue {
        let pii = self.fresh(rng, kind);
        let phrase = noisy(&pii.phrase);
        let (attr, carrier, location) = match form {
            Form::Allowed => (
                kv_str("exception.message", &phrase),
                Carrier::Value,
                location,
            ),
            Form::Unlisted => (
                kv_str("customer.note", &phrase),
                Carrier::UnlistedKeyValue,
                location,
            ),
            Form::Nested => (
                kv_value(
                    "event.context",
                    list(vec![
                        kv_int("attempt", 2),
                        kv_value("detail", list(vec![kv_str("note", &phrase)])),
                    ]),
                ),
                Carrier::NestedValue,
                location,
            ),
            Form::Array => (
                kv_value(
                    "event.notes",
                    array(vec![
                        any_str("retry"),
                        AnyValue {
                            value: Some(any_value::Value::IntValue(3)),
                        },
                        any_str(&phrase),
                    ]),
                ),
                Carrier::ArrayElement,
                location,
            ),
            Form::ArrayInKvlist => (
                kv_value(
                    "event.batch",
                    list(vec![kv_value(
                        "items",
                        array(vec![AnyValue {
                            value: Some(list(vec![kv_str("text", &phrase)])),
                        }]),
                    )]),
                ),
                Carrier::NestedValue,
                location,
            ),
            Form::Bytes => (
                kv_value(
                    "log.record.original",
                    any_value::Value::BytesValue(framed_bytes(rng, &pii.bare)),
                ),
                Carrier::Bytes,
                location,
            ),
            Form::Key => (
                kv_int(&format!("tenant.{}", pii.bare), 7),
                Carrier::Key,
                Location::AttributeKey,
            ),
            Form::NestedKey => (
                kv_value(
                    "event.context",
                    list(vec![kv_int(&format!("tenant.{}", pii.bare), 7)]),
                ),
                Carrier::Key,
                Location::AttributeKey,
            ),
            Form::Feature => (
                kv_str(
                    pii.feature_key.as_deref().unwrap_or("user.segment"),
                    &pii.value,
                ),
                Carrier::FeatureKey,
                location,
            ),
        };
        self.record(&pii, location, carrier, record);
        attr
    }

    /// Every form of `kind` in one attribute list (resource, scope, metadata).
    fn all_forms(&mut self, rng: &mut Rng, kind: CanaryKind, location: Location) -> Vec<KeyValue> {
        let mut attrs = vec![kv_str("service.name", "adversarial")];
        for form in forms(kind) {
            attrs.push(self.attr(rng, kind, form, location, None));
        }
        attrs
    }

    fn resource(&mut self, rng: &mut Rng, kind: CanaryKind) -> Resource {
        let attributes = self.all_forms(rng, kind, Location::ResourceAttribute);
        let entity = EntityRef {
            schema_url: self.text(rng, kind, Location::EntityRef, None),
            r#type: self.text(rng, kind, Location::EntityRef, None),
            id_keys: vec![
                "service.name".into(),
                self.text(rng, kind, Location::EntityRef, None),
            ],
            description_keys: vec![self.text(rng, kind, Location::EntityRef, None)],
        };
        Resource {
            attributes,
            dropped_attributes_count: 0,
            entity_refs: vec![entity],
        }
    }

    fn scope(&mut self, rng: &mut Rng, kind: CanaryKind) -> InstrumentationScope {
        InstrumentationScope {
            name: self.text(rng, kind, Location::ScopeName, None),
            version: self.text(rng, kind, Location::ScopeName, None),
            attributes: self.all_forms(rng, kind, Location::ScopeAttribute),
            dropped_attributes_count: 1,
        }
    }

    fn next_record(&mut self) -> usize {
        self.records += 1;
        self.records - 1
    }

    fn logs(&mut self, rng: &mut Rng) -> ExportLogsServiceRequest {
        let mut resource_logs = Vec::new();
        for kind in CanaryKind::ALL {
            let resource = self.resource(rng, kind);
            let resource_schema = self.text(rng, kind, Location::SchemaUrl, None);
            let scope = self.scope(rng, kind);
            let scope_schema = self.text(rng, kind, Location::SchemaUrl, None);
            let mut log_records = Vec::new();
            let new_record = |b: &mut Self, rng: &mut Rng| {
                let i = b.next_record();
                (i, logs::record(&b.gen, rng, i))
            };
            // A benign record first.
            log_records.push(new_record(self, rng).1);
            // Free-text fields.
            let (i, mut r) = new_record(self, rng);
            r.body = Some(any_str(&self.text(rng, kind, Location::LogBody, Some(i))));
            log_records.push(r);
            let (i, mut r) = new_record(self, rng);
            r.severity_text = self.text(rng, kind, Location::LogSeverityText, Some(i));
            log_records.push(r);
            let (i, mut r) = new_record(self, rng);
            r.event_name = self.text(rng, kind, Location::LogEventName, Some(i));
            log_records.push(r);
            // An array body: elements are free text.
            let (i, mut r) = new_record(self, rng);
            let pii = self.fresh(rng, kind);
            self.record(&pii, Location::LogBody, Carrier::ArrayElement, Some(i));
            r.body = Some(AnyValue {
                value: Some(array(vec![any_str("step 1"), any_str(&noisy(&pii.phrase))])),
            });
            log_records.push(r);
            // A bytes body.
            let (i, mut r) = new_record(self, rng);
            let pii = self.fresh(rng, kind);
            self.record(&pii, Location::LogBody, Carrier::Bytes, Some(i));
            r.body = Some(AnyValue {
                value: Some(any_value::Value::BytesValue(framed_bytes(rng, &pii.bare))),
            });
            log_records.push(r);
            for form in forms(kind) {
                // A structured (kvlist) body.
                let (i, mut r) = new_record(self, rng);
                let attr = self.attr(rng, kind, form, Location::LogBody, Some(i));
                r.body = Some(AnyValue {
                    value: Some(list(vec![kv_str("message", "structured"), attr])),
                });
                log_records.push(r);
                // Log attributes.
                let (i, mut r) = new_record(self, rng);
                let attr = self.attr(rng, kind, form, Location::LogAttribute, Some(i));
                r.attributes.push(attr);
                log_records.push(r);
            }
            resource_logs.push(ResourceLogs {
                resource: Some(resource),
                scope_logs: vec![ScopeLogs {
                    scope: Some(scope),
                    log_records,
                    schema_url: scope_schema,
                }],
                schema_url: resource_schema,
            });
        }
        ExportLogsServiceRequest { resource_logs }
    }

    fn traces(&mut self, rng: &mut Rng) -> ExportTraceServiceRequest {
        let mut resource_spans = Vec::new();
        for kind in CanaryKind::ALL {
            let resource = self.resource(rng, kind);
            let resource_schema = self.text(rng, kind, Location::SchemaUrl, None);
            let scope = self.scope(rng, kind);
            let scope_schema = self.text(rng, kind, Location::SchemaUrl, None);
            let trace_id = rng.bytes(16);
            let mut spans = Vec::new();
            let new_span = |b: &mut Self, rng: &mut Rng| {
                let i = b.next_record();
                (i, traces::span(&b.gen, rng, i, &trace_id, &[]))
            };
            spans.push(new_span(self, rng).1);
            let (i, mut s) = new_span(self, rng);
            s.name = self.text(rng, kind, Location::SpanName, Some(i));
            spans.push(s);
            let (i, mut s) = new_span(self, rng);
            s.trace_state = self.text(rng, kind, Location::SpanTraceState, Some(i));
            spans.push(s);
            let (i, mut s) = new_span(self, rng);
            s.status = Some(Status {
                message: self.text(rng, kind, Location::SpanStatusMessage, Some(i)),
                code: 2,
            });
            spans.push(s);
            let (i, mut s) = new_span(self, rng);
            s.events.push(Event {
                time_unix_nano: s.start_time_unix_nano,
                name: self.text(rng, kind, Location::SpanEventName, Some(i)),
                attributes: Vec::new(),
                dropped_attributes_count: 0,
            });
            spans.push(s);
            let (i, mut s) = new_span(self, rng);
            s.links.push(Link {
                trace_id: rng.bytes(16),
                span_id: rng.bytes(8),
                trace_state: self.text(rng, kind, Location::SpanLinkTraceState, Some(i)),
                attributes: Vec::new(),
                dropped_attributes_count: 0,
                flags: 0,
            });
            spans.push(s);
            for form in forms(kind) {
                let (i, mut s) = new_span(self, rng);
                s.attributes
                    .push(self.attr(rng, kind, form, Location::SpanAttribute, Some(i)));
                spans.push(s);
                let (i, mut s) = new_span(self, rng);
                let attr = self.attr(rng, kind, form, Location::SpanEventAttribute, Some(i));
                s.events.push(Event {
                    time_unix_nano: s.start_time_unix_nano,
                    name: "exception".into(),
                    attributes: vec![kv_str("exception.type", "ValueError"), attr],
                    dropped_attributes_count: 0,
                });
                spans.push(s);
                let (i, mut s) = new_span(self, rng);
                let attr = self.attr(rng, kind, form, Location::SpanLinkAttribute, Some(i));
                s.links.push(Link {
                    trace_id: rng.bytes(16),
                    span_id: rng.bytes(8),
                    trace_state: String::new(),
                    attributes: vec![attr],
                    dropped_attributes_count: 0,
                    flags: 1,
                });
                spans.push(s);
            }
            resource_spans.push(ResourceSpans {
                resource: Some(resource),
                scope_spans: vec![ScopeSpans {
                    scope: Some(scope),
                    spans,
                    schema_url: scope_schema,
                }],
                schema_url: resource_schema,
            });
        }
        ExportTraceServiceRequest { resource_spans }
    }

    fn metrics(&mut self, rng: &mut Rng) -> ExportMetricsServiceRequest {
        let mut resource_metrics = Vec::new();
        let time = self.gen.base_time;
        for kind in CanaryKind::ALL {
            let resource = self.resource(rng, kind);
            let resource_schema = self.text(rng, kind, Location::SchemaUrl, None);
            let scope = self.scope(rng, kind);
            let scope_schema = self.text(rng, kind, Location::SchemaUrl, None);
            let mut metrics = Vec::new();
            // Metric-level free text and metadata, with one benign point.
            let name = self.text(rng, kind, Location::MetricName, None);
            let description = self.text(rng, kind, Location::MetricDescription, None);
            let unit = self.text(rng, kind, Location::MetricUnit, None);
            let metadata = self.all_forms(rng, kind, Location::MetricMetadata);
            self.next_record();
            metrics.push(Metric {
                name,
                description,
                unit,
                metadata,
                data: Some(Data::Gauge(Gauge {
                    data_points: vec![number_point(time, Vec::new(), Vec::new())],
                })),
            });
            // Data-point and exemplar attributes, in every point type.
            let mut gauge = Vec::new();
            let mut sum = Vec::new();
            let mut hist = Vec::new();
            let mut exp = Vec::new();
            let mut summary = Vec::new();
            for form in forms(kind) {
                for exemplar_slot in [false, true] {
                    // Records are numbered in payload order: all gauge points,
                    // then sum, histogram, exponential histogram, summary points,
                    // so indices are assigned after the loop.
                    let one = |b: &mut Self, rng: &mut Rng| {
                        let attr = b.attr(rng, kind, form, Location::DataPointAttribute, None);
                        let pos = b.gen.planter.canaries.len() - 1;
                        (attr, pos)
                    };
                    if exemplar_slot {
                        let ex = |b: &mut Self, rng: &mut Rng| {
                            let attr = b.attr(rng, kind, form, Location::ExemplarAttribute, None);
                            let pos = b.gen.planter.canaries.len() - 1;
                            (exemplar_with(time, rng, attr), pos)
                        };
                        let (e, pos) = ex(self, rng);
                        gauge.push((number_point(time, Vec::new(), vec![e]), Some(pos)));
                        let (e, pos) = ex(self, rng);
                        sum.push((number_point(time, Vec::new(), vec![e]), Some(pos)));
                        let (e, pos) = ex(self, rng);
                        hist.push((histogram_point(time, Vec::new(), vec![e]), Some(pos)));
                        let (e, pos) = ex(self, rng);
                        exp.push((exp_point(time, Vec::new(), vec![e]), Some(pos)));
                    } else {
                        let (a, pos) = one(self, rng);
                        gauge.push((number_point(time, vec![a], Vec::new()), Some(pos)));
                        let (a, pos) = one(self, rng);
                        sum.push((number_point(time, vec![a], Vec::new()), Some(pos)));
                        let (a, pos) = one(self, rng);
                        hist.push((histogram_point(time, vec![a], Vec::new()), Some(pos)));
                        let (a, pos) = one(self, rng);
                        exp.push((exp_point(time, vec![a], Vec::new()), Some(pos)));
                        let (a, pos) = one(self, rng);
                        summary.push((summary_point(time, vec![a]), Some(pos)));
                    }
                }
            }
            let number = |b: &mut Self, points: Vec<(NumberDataPoint, Option<usize>)>| {
                points
                    .into_iter()
                    .map(|(p, pos)| {
                        b.assign(pos);
                        p
                    })
                    .collect::<Vec<_>>()
            };
            let gauge = number(self, gauge);
            let sum = number(self, sum);
            let hist = hist
                .into_iter()
                .map(|(p, pos)| {
                    self.assign(pos);
                    p
                })
                .collect();
            let exp = exp
                .into_iter()
                .map(|(p, pos)| {
                    self.assign(pos);
                    p
                })
                .collect();
            let summary = summary
                .into_iter()
                .map(|(p, pos)| {
                    self.assign(pos);
                    p
                })
                .collect();
            let metric = |name: &str, data: Data| Metric {
                name: name.into(),
                description: String::new(),
                unit: "1".into(),
                metadata: Vec::new(),
                data: Some(data),
            };
            metrics.push(metric(
                "adv.gauge",
                Data::Gauge(Gauge { data_points: gauge }),
            ));
            metrics.push(metric(
                "adv.sum",
                Data::Sum(Sum {
                    data_points: sum,
                    aggregation_temporality: 2,
                    is_monotonic: true,
                }),
            ));
            metrics.push(metric(
                "adv.histogram",
                Data::Histogram(Histogram {
                    data_points: hist,
                    aggregation_temporality: 2,
                }),
            ));
            metrics.push(metric(
                "adv.exp_histogram",
                Data::ExponentialHistogram(ExponentialHistogram {
                    data_points: exp,
                    aggregation_temporality: 1,
                }),
            ));
            metrics.push(metric(
                "adv.summary",
                Data::Summary(Summary {
                    data_points: summary,
                }),
            ));
            resource_metrics.push(ResourceMetrics {
                resource: Some(resource),
                scope_metrics: vec![ScopeMetrics {
                    scope: Some(scope),
                    metrics,
                    schema_url: scope_schema,
                }],
                schema_url: resource_schema,
            });
        }
        ExportMetricsServiceRequest { resource_metrics }
    }

    /// Gives the next record index to the canary at `pos`.
    fn assign(&mut self, pos: Option<usize>) {
        let i = self.next_record();
        if let Some(c) = pos.and_then(|p| self.gen.planter.canaries.get_mut(p)) {
            c.record = Some(i);
        }
    }
}

fn exemplar_with(time: u64, rng: &mut Rng, attr: KeyValue) -> Exemplar {
    Exemplar {
        filtered_attributes: vec![attr],
        time_unix_nano: time,
        span_id: rng.bytes(8),
        trace_id: rng.bytes(16),
        value: Some(exemplar::Value::AsInt(42)),
    }
}

fn number_point(time: u64, attributes: Vec<KeyValue>, exemplars: Vec<Exemplar>) -> NumberDataPoint {
    NumberDataPoint {
        attributes,
        start_time_unix_nano: time - 1_000_000_000,
        time_unix_nano: time,
        exemplars,
        flags: 0,
        value: Some(number_data_point::Value::AsDouble(0.5)),
    }
}

fn histogram_point(
    time: u64,
    attributes: Vec<KeyValue>,
    exemplars: Vec<Exemplar>,
) -> HistogramDataPoint {
    HistogramDataPoint {
        attributes,
        start_time_unix_nano: time - 1_000_000_000,
        time_unix_nano: time,
        count: 3,
        sum: Some(1.5),
        bucket_counts: vec![1, 2],
        explicit_bounds: vec![0.5],
        exemplars,
        flags: 0,
        min: None,
        max: Some(1.0),
    }
}

fn exp_point(
    time: u64,
    attributes: Vec<KeyValue>,
    exemplars: Vec<Exemplar>,
) -> ExponentialHistogramDataPoint {
    ExponentialHistogramDataPoint {
        attributes,
        start_time_unix_nano: time - 1_000_000_000,
        time_unix_nano: time,
        count: 2,
        sum: None,
        scale: -1,
        zero_count: 1,
        positive: None,
        negative: Some(Buckets {
            offset: -2,
            bucket_counts: vec![1],
        }),
        flags: 1,
        exemplars,
        min: None,
        max: None,
        zero_threshold: 1e-9,
    }
}

fn summary_point(time: u64, attributes: Vec<KeyValue>) -> SummaryDataPoint {
    SummaryDataPoint {
        attributes,
        start_time_unix_nano: time - 1_000_000_000,
        time_unix_nano: time,
        count: 4,
        sum: 2.25,
        quantile_values: vec![ValueAtQuantile {
            quantile: 0.99,
            value: 1.0,
        }],
        flags: 0,
    }
}
