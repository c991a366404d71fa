//! A small OTLP/JSON encoder for the generated messages.
//!
//! opentelemetry-proto's serde output is close to OTLP/JSON but not exact: it
//! writes every default-valued field (`"eventName":""`, `"droppedAttributesCount":0`)
//! and unset optional doubles as `null`, and it cannot produce the escaping
//! variations the adversarial corpus needs. This encoder follows the OTLP/JSON
//! mapping: lowerCamelCase names, hex trace/span ids, 64-bit integers as
//! decimal strings, enums as numbers, bytes as padded base64, default values
//! omitted.

use opentelemetry_proto::tonic::collector::logs::v1::ExportLogsServiceRequest;
use opentelemetry_proto::tonic::collector::metrics::v1::ExportMetricsServiceRequest;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::{any_value, AnyValue, InstrumentationScope, KeyValue};
use opentelemetry_proto::tonic::logs::v1::LogRecord;
use opentelemetry_proto::tonic::metrics::v1::{
    exemplar, exponential_histogram_data_point::Buckets, metric::Data, number_data_point, Exemplar,
    Metric,
};
use opentelemetry_proto::tonic::resource::v1::Resource;
use opentelemetry_proto::tonic::trace::v1::Span;

use super::pii::{base64, STD_ALPHABET};

/// How strings are escaped and members ordered.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum JsonStyle {
    /// Minimal escaping (`"`, `\`, control characters), UTF-8 kept as is,
    /// members in schema order.
    Plain,
    /// Every ASCII character other than letters, digits and space escaped as
    /// `\u00XX` (`/` as `\/`), every non-ASCII character as `\uXXXX` (surrogate
    /// pairs beyond the BMP), and KeyValue members written value-first: a
    /// walker must decode escapes and must not rely on member order.
    Adversarial,
}

/// Appends the JSON string body (without quotes) of `s` in `style`.
pub(crate) fn escape_into(out: &mut Vec<u8>, s: &str, style: JsonStyle) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let unicode = |out: &mut Vec<u8>, unit: u16| {
        out.extend_from_slice(b"\\u");
        for shift in [12, 8, 4, 0] {
            out.push(HEX[usize::from((unit >> shift) & 15)]);
        }
    };
    for c in s.chars() {
        match c {
            '"' => out.extend_from_slice(b"\\\""),
            '\\' => out.extend_from_slice(b"\\\\"),
            '\n' => out.extend_from_slice(b"\\n"),
            '\r' => out.extend_from_slice(b"\\r"),
            '\t' => out.extend_from_slice(b"\\t"),
            c if (c as u32) < 0x20 => unicode(out, c as u16),
            c if style == JsonStyle::Plain || c.is_ascii_alphanumeric() || c == ' ' => {
                let mut buf = [0u8; 4];
                out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
            }
            '/' => out.extend_from_slice(b"\\/"),
            c => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    unicode(out, *unit);
                }
            }
        }
    }
}

pub(crate) fn logs(req: &ExportLogsServiceRequest, style: JsonStyle) -> Vec<u8> {
    let mut w = Writer::new(style);
    w.open_obj();
    w.arr("resourceLogs", &req.resource_logs, |w, rl| {
        w.open_obj();
        if let Some(r) = &rl.resource {
            w.key("resource");
            w.resource(r);
        }
        w.arr("scopeLogs", &rl.scope_logs, |w, sl| {
            w.open_obj();
            if let Some(s) = &sl.scope {
                w.key("scope");
                w.scope(s);
            }
            w.arr("logRecords", &sl.log_records, |w, r| w.log_record(r));
            w.str_field("schemaUrl", &sl.schema_url);
            w.close_obj();
        });
        w.str_field("schemaUrl", &rl.schema_url);
        w.close_obj();
    });
    w.close_obj();
    w.out
}

pub(crate) fn traces(req: &ExportTraceServiceRequest, style: JsonStyle) -> Vec<u8> {
    let mut w = Writer::new(style);
    w.open_obj();
    w.arr("resourceSpans", &req.resource_spans, |w, rs| {
        w.open_obj();
        if let Some(r) = &rs.resource {
            w.key("resource");
            w.resource(r);
        }
        w.arr("scopeSpans", &rs.scope_spans, |w, ss| {
            w.open_obj();
            if let Some(s) = &ss.scope {
                w.key("scope");
                w.scope(s);
            }
            w.arr("spans", &ss.spans, |w, s| w.span(s));
            w.str_field("schemaUrl", &ss.schema_url);
            w.close_obj();
        });
        w.str_field("schemaUrl", &rs.schema_url);
        w.close_obj();
    });
    w.close_obj();
    w.out
}

pub(crate) fn metrics(req: &ExportMetricsServiceRequest, style: JsonStyle) -> Vec<u8> {
    let mut w = Writer::new(style);
    w.open_obj();
    w.arr("resourceMetrics", &req.resource_metrics, |w, rm| {
        w.open_obj();
        if let Some(r) = &rm.resource {
            w.key("resource");
            w.resource(r);
        }
        w.arr("scopeMetrics", &rm.scope_metrics, |w, sm| {
            w.open_obj();
            if let Some(s) = &sm.scope {
                w.key("scope");
                w.scope(s);
            }
            w.arr("metrics", &sm.metrics, |w, m| w.metric(m));
            w.str_field("schemaUrl", &sm.schema_url);
            w.close_obj();
        });
        w.str_field("schemaUrl", &rm.schema_url);
        w.close_obj();
    });
    w.close_obj();
    w.out
}

/// A streaming writer that tracks where commas go: `key` and array elements
/// write the separator; value writers never do.
struct Writer {
    out: Vec<u8>,
    style: JsonStyle,
    /// Per open object/array: whether a member/element was written.
    nonempty: Vec<bool>,
}

impl Writer {
    fn new(style: JsonStyle) -> Self {
        Self {
            out: Vec::with_capacity(64 * 1024),
            style,
            nonempty: Vec::new(),
        }
    }

    fn sep(&mut self) {
        if let Some(n) = self.nonempty.last_mut() {
            if *n {
                self.out.push(b',');
            }
            *n = true;
        }
    }

    fn open_obj(&mut self) {
        self.out.push(b'{');
        self.nonempty.push(false);
    }

    fn close_obj(&mut self) {
        self.nonempty.pop();
        self.out.push(b'}');
    }

    fn key(&mut self, name: &str) {
        self.sep();
        self.out.push(b'"');
        self.out.extend_from_slice(name.as_bytes());
        self.out.extend_from_slice(b"\":");
    }

    /// `"name":[...]`, omitted when empty (the OTLP/JSON default).
    fn arr<T>(&mut self, name: &str, items: &[T], mut f: impl FnMut(&mut Self, &T)) {
        if items.is_empty() {
            return;
        }
        self.key(name);
        self.out.push(b'[');
        self.nonempty.push(false);
        for item in items {
            self.sep();
            f(self, item);
        }
        self.nonempty.pop();
        self.out.push(b']');
    }

    fn string(&mut self, s: &str) {
        self.out.push(b'"');
        escape_into(&mut self.out, s, self.style);
        self.out.push(b'"');
    }

    fn str_field(&mut self, name: &str, s: &str) {
        if !s.is_empty() {
            self.key(name);
            self.string(s);
        }
    }

    /// A 64-bit integer: a decimal string in OTLP/JSON.
    fn u64_field(&mut self, name: &str, v: u64) {
        if v != 0 {
            self.key(name);
            self.out.extend_from_slice(format!("\"{v}\"").as_bytes());
        }
    }

    fn i64_value(&mut self, v: i64) {
        self.out.extend_from_slice(format!("\"{v}\"").as_bytes());
    }

    /// 32-bit integers and enums: JSON numbers.
    fn int_field(&mut self, name: &str, v: i64) {
        if v != 0 {
            self.key(name);
            self.out.extend_from_slice(v.to_string().as_bytes());
        }
    }

    fn bool_field(&mut self, name: &str, v: bool) {
        if v {
            self.key(name);
            self.out.extend_from_slice(b"true");
        }
    }

    fn f64_value(&mut self, v: f64) {
        if v.is_nan() {
            self.out.extend_from_slice(b"\"NaN\"");
        } else if v.is_infinite() {
            let s: &[u8] = if v > 0.0 {
                b"\"Infinity\""
            } else {
                b"\"-Infinity\""
            };
            self.out.extend_from_slice(s);
        } else {
            // Rust's shortest round-trip text; never an exponent, always valid JSON.
            self.out.extend_from_slice(format!("{v}").as_bytes());
        }
    }

    fn f64_field(&mut self, name: &str, v: f64) {
        if v != 0.0 {
            self.key(name);
            self.f64_value(v);
        }
    }

    fn opt_f64_field(&mut self, name: &str, v: Option<f64>) {
        if let Some(v) = v {
            self.key(name);
            self.f64_value(v);
        }
    }

    fn hex_field(&mut self, name: &str, bytes: &[u8]) {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        if bytes.is_empty() {
            return;
        }
        self.key(name);
        self.out.push(b'"');
        for b in bytes {
            self.out.push(HEX[usize::from(b >> 4)]);
            self.out.push(HEX[usize::from(b & 15)]);
        }
        self.out.push(b'"');
    }

    fn u64_list(&mut self, name: &str, v: &[u64]) {
        self.arr(name, v, |w, x| {
            w.out.extend_from_slice(format!("\"{x}\"").as_bytes())
        });
    }

    fn f64_list(&mut self, name: &str, v: &[f64]) {
        self.arr(name, v, |w, x| w.f64_value(*x));
    }

    fn attributes(&mut self, name: &str, attrs: &[KeyValue]) {
        self.arr(name, attrs, |w, kv| w.key_value(kv));
    }

    fn key_value(&mut self, kv: &KeyValue) {
        self.open_obj();
        let value_first = self.style == JsonStyle::Adversarial;
        if !value_first {
            self.key("key");
            self.string(&kv.key);
        }
        if let Some(v) = &kv.value {
            self.key("value");
            self.any_value(v);
        }
        if value_first {
            self.key("key");
            self.string(&kv.key);
        }
        self.int_field("keyStrindex", i64::from(kv.key_strindex));
        self.close_obj();
    }

    fn any_value(&mut self, v: &AnyValue) {
        self.open_obj();
        match &v.value {
            None => {}
            Some(any_value::Value::StringValue(s)) => {
                self.key("stringValue");
                self.string(s);
            }
            Some(any_value::Value::BoolValue(b)) => {
                self.key("boolValue");
                self.out
                    .extend_from_slice(if *b { b"true" } else { b"false" });
            }
            Some(any_value::Value::IntValue(i)) => {
                self.key("intValue");
                self.i64_value(*i);
            }
            Some(any_value::Value::DoubleValue(d)) => {
                self.key("doubleValue");
                self.f64_value(*d);
            }
            Some(any_value::Value::ArrayValue(a)) => {
                self.key("arrayValue");
                self.open_obj();
                self.arr("values", &a.values, |w, x| w.any_value(x));
                self.close_obj();
            }
            Some(any_value::Value::KvlistValue(l)) => {
                self.key("kvlistValue");
                self.open_obj();
                self.attributes("values", &l.values);
                self.close_obj();
            }
            Some(any_value::Value::BytesValue(b)) => {
                self.key("bytesValue");
                let text = base64(b, STD_ALPHABET, true);
                self.string(&text);
            }
            Some(any_value::Value::StringValueStrindex(i)) => {
                self.key("stringValueStrindex");
                self.out.extend_from_slice(i.to_string().as_bytes());
            }
        }
        self.close_obj();
    }

    fn resource(&mut self, r: &Resource) {
        self.open_obj();
        self.attributes("attributes", &r.attributes);
        self.int_field(
            "droppedAttributesCount",
            i64::from(r.dropped_attributes_count),
        );
        self.arr("entityRefs", &r.entity_refs, |w, e| {
            w.open_obj();
            w.str_field("schemaUrl", &e.schema_url);
            w.str_field("type", &e.r#type);
            w.arr("idKeys", &e.id_keys, |w, k| w.string(k));
            w.arr("descriptionKeys", &e.description_keys, |w, k| w.string(k));
            w.close_obj();
        });
        self.close_obj();
    }

    fn scope(&mut self, s: &InstrumentationScope) {
        self.open_obj();
        self.str_field("name", &s.name);
        self.str_field("version", &s.version);
        self.attributes("attributes", &s.attributes);
        self.int_field(
            "droppedAttributesCount",
            i64::from(s.dropped_attributes_count),
        );
        self.close_obj();
    }

    fn log_record(&mut self, r: &LogRecord) {
        self.open_obj();
        self.u64_field("timeUnixNano", r.time_unix_nano);
        self.u64_field("observedTimeUnixNano", r.observed_time_unix_nano);
        self.int_field("severityNumber", i64::from(r.severity_number));
        self.str_field("severityText", &r.severity_text);
        if let Some(b) = &r.body {
            self.key("body");
            self.any_value(b);
        }
        self.attributes("attributes", &r.attributes);
        self.int_field(
            "droppedAttributesCount",
            i64::from(r.dropped_attributes_count),
        );
        self.int_field("flags", i64::from(r.flags));
        self.hex_field("traceId", &r.trace_id);
        self.hex_field("spanId", &r.span_id);
        self.str_field("eventName", &r.event_name);
        self.close_obj();
    }

    fn span(&mut self, s: &Span) {
        self.open_obj();
        self.hex_field("traceId", &s.trace_id);
        self.hex_field("spanId", &s.span_id);
        self.str_field("traceState", &s.trace_state);
        self.hex_field("parentSpanId", &s.parent_span_id);
        self.int_field("flags", i64::from(s.flags));
        self.str_field("name", &s.name);
        self.int_field("kind", i64::from(s.kind));
        self.u64_field("startTimeUnixNano", s.start_time_unix_nano);
        self.u64_field("endTimeUnixNano", s.end_time_unix_nano);
        self.attributes("attributes", &s.attributes);
        self.int_field(
            "droppedAttributesCount",
            i64::from(s.dropped_attributes_count),
        );
        self.arr("events", &s.events, |w, e| {
            w.open_obj();
            w.u64_field("timeUnixNano", e.time_unix_nano);
            w.str_field("name", &e.name);
            w.attributes("attributes", &e.attributes);
            w.int_field(
                "droppedAttributesCount",
                i64::from(e.dropped_attributes_count),
            );
            w.close_obj();
        });
        self.int_field("droppedEventsCount", i64::from(s.dropped_events_count));
        self.arr("links", &s.links, |w, l| {
            w.open_obj();
            w.hex_field("traceId", &l.trace_id);
            w.hex_field("spanId", &l.span_id);
            w.str_field("traceState", &l.trace_state);
            w.attributes("attributes", &l.attributes);
            w.int_field(
                "droppedAttributesCount",
                i64::from(l.dropped_attributes_count),
            );
            w.int_field("flags", i64::from(l.flags));
            w.close_obj();
        });
        self.int_field("droppedLinksCount", i64::from(s.dropped_links_count));
        if let Some(st) = &s.status {
            self.key("status");
            self.open_obj();
            self.str_field("message", &st.message);
            self.int_field("code", i64::from(st.code));
            self.close_obj();
        }
        self.close_obj();
    }

    fn metric(&mut self, m: &Metric) {
        self.open_obj();
        self.str_field("name", &m.name);
        self.str_field("description", &m.description);
        self.str_field("unit", &m.unit);
        self.attributes("metadata", &m.metadata);
        match &m.data {
            None => {}
            Some(Data::Gauge(g)) => {
                self.key("gauge");
                self.open_obj();
                self.arr("dataPoints", &g.data_points, |w, p| {
                    w.number_point(
                        &p.attributes,
                        p.start_time_unix_nano,
                        p.time_unix_nano,
                        p.value,
                        &p.exemplars,
                        p.flags,
                    )
                });
                self.close_obj();
            }
            Some(Data::Sum(s)) => {
                self.key("sum");
                self.open_obj();
                self.arr("dataPoints", &s.data_points, |w, p| {
                    w.number_point(
                        &p.attributes,
                        p.start_time_unix_nano,
                        p.time_unix_nano,
                        p.value,
                        &p.exemplars,
                        p.flags,
                    )
                });
                self.int_field(
                    "aggregationTemporality",
                    i64::from(s.aggregation_temporality),
                );
                self.bool_field("isMonotonic", s.is_monotonic);
                self.close_obj();
            }
            Some(Data::Histogram(h)) => {
                self.key("histogram");
                self.open_obj();
                self.arr("dataPoints", &h.data_points, |w, p| {
                    w.open_obj();
                    w.attributes("attributes", &p.attributes);
                    w.u64_field("startTimeUnixNano", p.start_time_unix_nano);
                    w.u64_field("timeUnixNano", p.time_unix_nano);
                    w.u64_field("count", p.count);
                    w.opt_f64_field("sum", p.sum);
                    w.u64_list("bucketCounts", &p.bucket_counts);
                    w.f64_list("explicitBounds", &p.explicit_bounds);
                    w.arr("exemplars", &p.exemplars, |w, e| w.exemplar(e));
                    w.int_field("flags", i64::from(p.flags));
                    w.opt_f64_field("min", p.min);
                    w.opt_f64_field("max", p.max);
                    w.close_obj();
                });
                self.int_field(
                    "aggregationTemporality",
                    i64::from(h.aggregation_temporality),
                );
                self.close_obj();
            }
            Some(Data::ExponentialHistogram(h)) => {
                self.key("exponentialHistogram");
                self.open_obj();
                self.arr("dataPoints", &h.data_points, |w, p| {
                    w.open_obj();
                    w.attributes("attributes", &p.attributes);
                    w.u64_field("startTimeUnixNano", p.start_time_unix_nano);
                    w.u64_field("timeUnixNano", p.time_unix_nano);
                    w.u64_field("count", p.count);
                    w.opt_f64_field("sum", p.sum);
                    w.int_field("scale", i64::from(p.scale));
                    w.u64_field("zeroCount", p.zero_count);
                    w.buckets("positive", p.positive.as_ref());
                    w.buckets("negative", p.negative.as_ref());
                    w.int_field("flags", i64::from(p.flags));
                    w.arr("exemplars", &p.exemplars, |w, e| w.exemplar(e));
                    w.opt_f64_field("min", p.min);
                    w.opt_f64_field("max", p.max);
                    w.f64_field("zeroThreshold", p.zero_threshold);
                    w.close_obj();
                });
                self.int_field(
                    "aggregationTemporality",
                    i64::from(h.aggregation_temporality),
                );
                self.close_obj();
            }
            Some(Data::Summary(s)) => {
                self.key("summary");
                self.open_obj();
                self.arr("dataPoints", &s.data_points, |w, p| {
                    w.open_obj();
                    w.attributes("attributes", &p.attributes);
                    w.u64_field("startTimeUnixNano", p.start_time_unix_nano);
                    w.u64_field("timeUnixNano", p.time_unix_nano);
                    w.u64_field("count", p.count);
                    w.f64_field("sum", p.sum);
                    w.arr("quantileValues", &p.quantile_values, |w, q| {
                        w.open_obj();
                        w.f64_field("quantile", q.quantile);
                        w.f64_field("value", q.value);
                        w.close_obj();
                    });
                    w.int_field("flags", i64::from(p.flags));
                    w.close_obj();
                });
                self.close_obj();
            }
        }
        self.close_obj();
    }

    fn number_point(
        &mut self,
        attributes: &[KeyValue],
        start: u64,
        time: u64,
        value: Option<number_data_point::Value>,
        exemplars: &[Exemplar],
        flags: u32,
    ) {
        self.open_obj();
        self.attributes("attributes", attributes);
        self.u64_field("startTimeUnixNano", start);
        self.u64_field("timeUnixNano", time);
        match value {
            Some(number_data_point::Value::AsDouble(d)) => {
                self.key("asDouble");
                self.f64_value(d);
            }
            Some(number_data_point::Value::AsInt(i)) => {
                self.key("asInt");
                self.i64_value(i);
            }
            None => {}
        }
        self.arr("exemplars", exemplars, |w, e| w.exemplar(e));
        self.int_field("flags", i64::from(flags));
        self.close_obj();
    }

    fn buckets(&mut self, name: &str, b: Option<&Buckets>) {
        if let Some(b) = b {
            self.key(name);
            self.open_obj();
            self.int_field("offset", i64::from(b.offset));
            self.u64_list("bucketCounts", &b.bucket_counts);
            self.close_obj();
        }
    }

    fn exemplar(&mut self, e: &Exemplar) {
        self.open_obj();
        self.attributes("filteredAttributes", &e.filtered_attributes);
        self.u64_field("timeUnixNano", e.time_unix_nano);
        match e.value {
            Some(exemplar::Value::AsDouble(d)) => {
                self.key("asDouble");
                self.f64_value(d);
            }
            Some(exemplar::Value::AsInt(i)) => {
                self.key("asInt");
                self.i64_value(i);
            }
            None => {}
        }
        self.hex_field("spanId", &e.span_id);
        self.hex_field("traceId", &e.trace_id);
        self.close_obj();
    }
}
