//! The OTLP protobuf schema as static tables: for every message reachable from an
//! Export*ServiceRequest, which fields exist and how each one is treated.
//! `KeyValue`, `AnyValue`, `ArrayValue` and `KeyValueList` are walked by code
//! (they carry the key-rule logic), everything else by these tables.

use crate::Location;

#[derive(Clone, Copy, Debug)]
pub(crate) enum Kind {
    /// A nested message.
    Msg(&'static Schema),
    /// A free-text string scanned by the detectors.
    Text(Location),
    /// `repeated KeyValue`: key rules, then detectors.
    Attrs(Location),
    /// A log record body (`AnyValue` without a key).
    Body,
    /// Trace id: 16 bytes or empty.
    TraceId,
    /// Span id: 8 bytes or empty.
    SpanId,
    Varint,
    Fixed64,
    Fixed32,
    /// `repeated fixed64/double`: packed or not.
    PackedFixed64,
    /// `repeated uint64`: packed or not.
    PackedVarint,
}

#[derive(Debug)]
pub(crate) struct Field {
    pub number: u32,
    pub name: &'static str,
    pub kind: Kind,
}

/// Highest field number in any table (`Span.flags`).
const MAX_NUMBER: usize = 16;

#[derive(Debug)]
pub(crate) struct Schema {
    /// Log records, spans and data points: the unit of `drop_record`.
    pub record: bool,
    /// The fields by number: one load per field read, where a search of the
    /// list cost a compare per field before the one sought.
    by_number: [Option<&'static Field>; MAX_NUMBER + 1],
}

impl Schema {
    /// A table of `fields` (numbers unique and at most [`MAX_NUMBER`], checked
    /// at compile time).
    const fn new(record: bool, fields: &'static [Field]) -> Self {
        let mut by_number = [None; MAX_NUMBER + 1];
        let mut i = 0;
        while i < fields.len() {
            let n = fields[i].number as usize;
            assert!(n <= MAX_NUMBER && by_number[n].is_none());
            by_number[n] = Some(&fields[i]);
            i += 1;
        }
        Self { record, by_number }
    }

    #[inline]
    pub fn field(&self, number: u32) -> Option<&'static Field> {
        match self.by_number.get(number as usize) {
            Some(f) => *f,
            None => None,
        }
    }
}

const fn f(number: u32, name: &'static str, kind: Kind) -> Field {
    Field { number, name, kind }
}

use Kind::*;
use Location as L;

pub(crate) static EXPORT_LOGS: Schema =
    Schema::new(false, &[f(1, "resource_logs", Msg(&RESOURCE_LOGS))]);
pub(crate) static EXPORT_METRICS: Schema =
    Schema::new(false, &[f(1, "resource_metrics", Msg(&RESOURCE_METRICS))]);
pub(crate) static EXPORT_TRACES: Schema =
    Schema::new(false, &[f(1, "resource_spans", Msg(&RESOURCE_SPANS))]);

static RESOURCE: Schema = Schema::new(
    false,
    &[
        f(1, "attributes", Attrs(L::ResourceAttribute)),
        f(2, "dropped_attributes_count", Varint),
        f(3, "entity_refs", Msg(&ENTITY_REF)),
    ],
);
static ENTITY_REF: Schema = Schema::new(
    false,
    &[
        f(1, "schema_url", Text(L::EntityRef)),
        f(2, "type", Text(L::EntityRef)),
        f(3, "id_keys", Text(L::EntityRef)),
        f(4, "description_keys", Text(L::EntityRef)),
    ],
);
static SCOPE: Schema = Schema::new(
    false,
    &[
        f(1, "name", Text(L::ScopeName)),
        f(2, "version", Text(L::ScopeName)),
        f(3, "attributes", Attrs(L::ScopeAttribute)),
        f(4, "dropped_attributes_count", Varint),
    ],
);

// ---- logs ----
static RESOURCE_LOGS: Schema = Schema::new(
    false,
    &[
        f(1, "resource", Msg(&RESOURCE)),
        f(2, "scope_logs", Msg(&SCOPE_LOGS)),
        f(3, "schema_url", Text(L::SchemaUrl)),
    ],
);
static SCOPE_LOGS: Schema = Schema::new(
    false,
    &[
        f(1, "scope", Msg(&SCOPE)),
        f(2, "log_records", Msg(&LOG_RECORD)),
        f(3, "schema_url", Text(L::SchemaUrl)),
    ],
);
static LOG_RECORD: Schema = Schema::new(
    true,
    &[
        f(1, "time_unix_nano", Fixed64),
        f(11, "observed_time_unix_nano", Fixed64),
        f(2, "severity_number", Varint),
        f(3, "severity_text", Text(L::LogSeverityText)),
        f(5, "body", Body),
        f(6, "attributes", Attrs(L::LogAttribute)),
        f(7, "dropped_attributes_count", Varint),
        f(8, "flags", Fixed32),
        f(9, "trace_id", TraceId),
        f(10, "span_id", SpanId),
        f(12, "event_name", Text(L::LogEventName)),
    ],
);

// ---- traces ----
static RESOURCE_SPANS: Schema = Schema::new(
    false,
    &[
        f(1, "resource", Msg(&RESOURCE)),
        f(2, "scope_spans", Msg(&SCOPE_SPANS)),
        f(3, "schema_url", Text(L::SchemaUrl)),
    ],
);
static SCOPE_SPANS: Schema = Schema::new(
    false,
    &[
        f(1, "scope", Msg(&SCOPE)),
        f(2, "spans", Msg(&SPAN)),
        f(3, "schema_url", Text(L::SchemaUrl)),
    ],
);
static SPAN: Schema = Schema::new(
    true,
    &[
        f(1, "trace_id", TraceId),
        f(2, "span_id", SpanId),
        f(3, "trace_state", Text(L::SpanTraceState)),
        f(4, "parent_span_id", SpanId),
        f(16, "flags", Fixed32),
        f(5, "name", Text(L::SpanName)),
        f(6, "kind", Varint),
        f(7, "start_time_unix_nano", Fixed64),
        f(8, "end_time_unix_nano", Fixed64),
        f(9, "attributes", Attrs(L::SpanAttribute)),
        f(10, "dropped_attributes_count", Varint),
        f(11, "events", Msg(&SPAN_EVENT)),
        f(12, "dropped_events_count", Varint),
        f(13, "links", Msg(&SPAN_LINK)),
        f(14, "dropped_links_count", Varint),
        f(15, "status", Msg(&STATUS)),
    ],
);
static SPAN_EVENT: Schema = Schema::new(
    false,
    &[
        f(1, "time_unix_nano", Fixed64),
        f(2, "name", Text(L::SpanEventName)),
        f(3, "attributes", Attrs(L::SpanEventAttribute)),
        f(4, "dropped_attributes_count", Varint),
    ],
);
static SPAN_LINK: Schema = Schema::new(
    false,
    &[
        f(1, "trace_id", TraceId),
        f(2, "span_id", SpanId),
        f(3, "trace_state", Text(L::SpanLinkTraceState)),
        f(4, "attributes", Attrs(L::SpanLinkAttribute)),
        f(5, "dropped_attributes_count", Varint),
        f(6, "flags", Fixed32),
    ],
);
static STATUS: Schema = Schema::new(
    false,
    &[
        f(2, "message", Text(L::SpanStatusMessage)),
        f(3, "code", Varint),
    ],
);

// ---- metrics ----
static RESOURCE_METRICS: Schema = Schema::new(
    false,
    &[
        f(1, "resource", Msg(&RESOURCE)),
        f(2, "scope_metrics", Msg(&SCOPE_METRICS)),
        f(3, "schema_url", Text(L::SchemaUrl)),
    ],
);
static SCOPE_METRICS: Schema = Schema::new(
    false,
    &[
        f(1, "scope", Msg(&SCOPE)),
        f(2, "metrics", Msg(&METRIC)),
        f(3, "schema_url", Text(L::SchemaUrl)),
    ],
);
static METRIC: Schema = Schema::new(
    false,
    &[
        f(1, "name", Text(L::MetricName)),
        f(2, "description", Text(L::MetricDescription)),
        f(3, "unit", Text(L::MetricUnit)),
        f(5, "gauge", Msg(&GAUGE)),
        f(7, "sum", Msg(&SUM)),
        f(9, "histogram", Msg(&HISTOGRAM)),
        f(10, "exponential_histogram", Msg(&EXP_HISTOGRAM)),
        f(11, "summary", Msg(&SUMMARY)),
        f(12, "metadata", Attrs(L::MetricMetadata)),
    ],
);
static GAUGE: Schema = Schema::new(false, &[f(1, "data_points", Msg(&NUMBER_DP))]);
static SUM: Schema = Schema::new(
    false,
    &[
        f(1, "data_points", Msg(&NUMBER_DP)),
        f(2, "aggregation_temporality", Varint),
        f(3, "is_monotonic", Varint),
    ],
);
static HISTOGRAM: Schema = Schema::new(
    false,
    &[
        f(1, "data_points", Msg(&HISTOGRAM_DP)),
        f(2, "aggregation_temporality", Varint),
    ],
);
static EXP_HISTOGRAM: Schema = Schema::new(
    false,
    &[
        f(1, "data_points", Msg(&EXP_HISTOGRAM_DP)),
        f(2, "aggregation_temporality", Varint),
    ],
);
static SUMMARY: Schema = Schema::new(false, &[f(1, "data_points", Msg(&SUMMARY_DP))]);
static NUMBER_DP: Schema = Schema::new(
    true,
    &[
        f(7, "attributes", Attrs(L::DataPointAttribute)),
        f(2, "start_time_unix_nano", Fixed64),
        f(3, "time_unix_nano", Fixed64),
        f(4, "as_double", Fixed64),
        f(6, "as_int", Fixed64),
        f(5, "exemplars", Msg(&EXEMPLAR)),
        f(8, "flags", Varint),
    ],
);
static HISTOGRAM_DP: Schema = Schema::new(
    true,
    &[
        f(9, "attributes", Attrs(L::DataPointAttribute)),
        f(2, "start_time_unix_nano", Fixed64),
        f(3, "time_unix_nano", Fixed64),
        f(4, "count", Fixed64),
        f(5, "sum", Fixed64),
        f(6, "bucket_counts", PackedFixed64),
        f(7, "explicit_bounds", PackedFixed64),
        f(8, "exemplars", Msg(&EXEMPLAR)),
        f(10, "flags", Varint),
        f(11, "min", Fixed64),
        f(12, "max", Fixed64),
    ],
);
static EXP_HISTOGRAM_DP: Schema = Schema::new(
    true,
    &[
        f(1, "attributes", Attrs(L::DataPointAttribute)),
        f(2, "start_time_unix_nano", Fixed64),
        f(3, "time_unix_nano", Fixed64),
        f(4, "count", Fixed64),
        f(5, "sum", Fixed64),
        f(6, "scale", Varint),
        f(7, "zero_count", Fixed64),
        f(8, "positive", Msg(&BUCKETS)),
        f(9, "negative", Msg(&BUCKETS)),
        f(10, "flags", Varint),
        f(11, "exemplars", Msg(&EXEMPLAR)),
        f(12, "min", Fixed64),
        f(13, "max", Fixed64),
        f(14, "zero_threshold", Fixed64),
    ],
);
static BUCKETS: Schema = Schema::new(
    false,
    &[f(1, "offset", Varint), f(2, "bucket_counts", PackedVarint)],
);
static SUMMARY_DP: Schema = Schema::new(
    true,
    &[
        f(7, "attributes", Attrs(L::DataPointAttribute)),
        f(2, "start_time_unix_nano", Fixed64),
        f(3, "time_unix_nano", Fixed64),
        f(4, "count", Fixed64),
        f(5, "sum", Fixed64),
        f(6, "quantile_values", Msg(&VALUE_AT_QUANTILE)),
        f(8, "flags", Varint),
    ],
);
static VALUE_AT_QUANTILE: Schema =
    Schema::new(false, &[f(1, "quantile", Fixed64), f(2, "value", Fixed64)]);
static EXEMPLAR: Schema = Schema::new(
    false,
    &[
        f(7, "filtered_attributes", Attrs(L::ExemplarAttribute)),
        f(2, "time_unix_nano", Fixed64),
        f(3, "as_double", Fixed64),
        f(4, "span_id", SpanId),
        f(5, "trace_id", TraceId),
        f(6, "as_int", Fixed64),
    ],
);
