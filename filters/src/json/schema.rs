//! The OTLP schema as static tables for the JSON walker: every message reachable
//! from `Export{Logs,Metrics,Traces}ServiceRequest`, each field with its
//! lowerCamelCase JSON name, its original proto name (accepted on input, used in
//! error paths), and what the walker does with its value.
//!
//! `AnyValue`, `KeyValue`, `ArrayValue` and `KeyValueList` are not tables: the
//! walker handles them itself because of key policies (see `walker.rs`).

use crate::{Location, Signal};

use super::values::IntType;

/// What a field's value is, and so how the walker treats it.
#[derive(Clone, Copy, Debug)]
pub(super) enum Kind {
    /// A string scrubbed as free text at this location.
    Text(Location),
    /// `repeated string`, each element free text.
    TextList(Location),
    /// `repeated KeyValue`: key policies apply.
    Attributes(Location),
    /// An `AnyValue` with no key (the log body).
    Body(Location),
    /// Bytes carried as hex: a trace id (16 bytes) or span id (8 bytes), or empty.
    HexId(usize),
    Int(IntType),
    IntList(IntType),
    /// `double`: a number or `"NaN"`, `"Infinity"`, `"-Infinity"`.
    Double,
    DoubleList,
    Bool,
    /// An enum: an int32 or one of these names (index = value).
    Enum(&'static [&'static str]),
    Message(&'static Msg),
    MessageList(&'static Msg),
}

/// One field of a message.
#[derive(Debug)]
pub(super) struct Field {
    /// lowerCamelCase JSON name.
    pub json: &'static str,
    /// Original proto name (also accepted on input; used in error paths).
    pub proto: &'static str,
    /// `"json":`, written to the output before the value.
    pub quoted: &'static str,
    pub kind: Kind,
    /// Members of the same non-zero oneof group exclude each other.
    pub oneof: u8,
}

/// One message: its fields and whether it is a record (log record, span, data point).
#[derive(Debug)]
pub(super) struct Msg {
    pub fields: &'static [Field],
    pub record: bool,
}

impl Msg {
    /// The index of the field named `name` (JSON or proto name).
    #[inline]
    pub fn find(&self, name: &[u8]) -> Option<usize> {
        self.fields
            .iter()
            .position(|f| f.json.as_bytes() == name || f.proto.as_bytes() == name)
    }
}

macro_rules! field {
    ($json:literal, $proto:literal, $kind:expr) => {
        field!($json, $proto, $kind, 0)
    };
    ($json:literal, $proto:literal, $kind:expr, $oneof:literal) => {
        Field {
            json: $json,
            proto: $proto,
            quoted: concat!("\"", $json, "\":"),
            kind: $kind,
            oneof: $oneof,
        }
    };
}

use IntType::{I32, I64, U32, U64};
use Kind::*;
use Location as L;

/// The request message of a signal.
pub(super) fn request(signal: Signal) -> &'static Msg {
    match signal {
        Signal::Logs => &EXPORT_LOGS,
        Signal::Metrics => &EXPORT_METRICS,
        Signal::Traces => &EXPORT_TRACES,
    }
}

// ---- common / resource ----

static RESOURCE: Msg = Msg {
    record: false,
    fields: &[
        field!("attributes", "attributes", Attributes(L::ResourceAttribute)),
        field!(
            "droppedAttributesCount",
            "dropped_attributes_count",
            Int(U32)
        ),
        field!("entityRefs", "entity_refs", MessageList(&ENTITY_REF)),
    ],
};

static ENTITY_REF: Msg = Msg {
    record: false,
    fields: &[
        field!("schemaUrl", "schema_url", Text(L::EntityRef)),
        field!("type", "type", Text(L::EntityRef)),
        field!("idKeys", "id_keys", TextList(L::EntityRef)),
        field!(
            "descriptionKeys",
            "description_keys",
            TextList(L::EntityRef)
        ),
    ],
};

static SCOPE: Msg = Msg {
    record: false,
    fields: &[
        field!("name", "name", Text(L::ScopeName)),
        field!("version", "version", Text(L::ScopeName)),
        field!("attributes", "attributes", Attributes(L::ScopeAttribute)),
        field!(
            "droppedAttributesCount",
            "dropped_attributes_count",
            Int(U32)
        ),
    ],
};

// ---- logs ----

static EXPORT_LOGS: Msg = Msg {
    record: false,
    fields: &[field!(
        "resourceLogs",
        "resource_logs",
        MessageList(&RESOURCE_LOGS)
    )],
};

static RESOURCE_LOGS: Msg = Msg {
    record: false,
    fields: &[
        field!("resource", "resource", Message(&RESOURCE)),
        field!("scopeLogs", "scope_logs", MessageList(&SCOPE_LOGS)),
        field!("schemaUrl", "schema_url", Text(L::SchemaUrl)),
    ],
};

static SCOPE_LOGS: Msg = Msg {
    record: false,
    fields: &[
        field!("scope", "scope", Message(&SCOPE)),
        field!("logRecords", "log_records", MessageList(&LOG_RECORD)),
        field!("schemaUrl", "schema_url", Text(L::SchemaUrl)),
    ],
};

static SEVERITY_NUMBER: &[&str] = &[
    "SEVERITY_NUMBER_UNSPECIFIED",
    "SEVERITY_NUMBER_TRACE",
    "SEVERITY_NUMBER_TRACE2",
    "SEVERITY_NUMBER_TRACE3",
    "SEVERITY_NUMBER_TRACE4",
    "SEVERITY_NUMBER_DEBUG",
    "SEVERITY_NUMBER_DEBUG2",
    "SEVERITY_NUMBER_DEBUG3",
    "SEVERITY_NUMBER_DEBUG4",
    "SEVERITY_NUMBER_INFO",
    "SEVERITY_NUMBER_INFO2",
    "SEVERITY_NUMBER_INFO3",
    "SEVERITY_NUMBER_INFO4",
    "SEVERITY_NUMBER_WARN",
    "SEVERITY_NUMBER_WARN2",
    "SEVERITY_NUMBER_WARN3",
    "SEVERITY_NUMBER_WARN4",
    "SEVERITY_NUMBER_ERROR",
    "SEVERITY_NUMBER_ERROR2",
    "SEVERITY_NUMBER_ERROR3",
    "SEVERITY_NUMBER_ERROR4",
    "SEVERITY_NUMBER_FATAL",
    "SEVERITY_NUMBER_FATAL2",
    "SEVERITY_NUMBER_FATAL3",
    "SEVERITY_NUMBER_FATAL4",
];

static LOG_RECORD: Msg = Msg {
    record: true,
    fields: &[
        field!("timeUnixNano", "time_unix_nano", Int(U64)),
        field!("observedTimeUnixNano", "observed_time_unix_nano", Int(U64)),
        field!("severityNumber", "severity_number", Enum(SEVERITY_NUMBER)),
        field!("severityText", "severity_text", Text(L::LogSeverityText)),
        field!("body", "body", Body(L::LogBody)),
        field!("attributes", "attributes", Attributes(L::LogAttribute)),
        field!(
            "droppedAttributesCount",
            "dropped_attributes_count",
            Int(U32)
        ),
        field!("flags", "flags", Int(U32)),
        field!("traceId", "trace_id", HexId(16)),
        field!("spanId", "span_id", HexId(8)),
        field!("eventName", "event_name", Text(L::LogEventName)),
    ],
};

// ---- traces ----

static EXPORT_TRACES: Msg = Msg {
    record: false,
    fields: &[field!(
        "resourceSpans",
        "resource_spans",
        MessageList(&RESOURCE_SPANS)
    )],
};

static RESOURCE_SPANS: Msg = Msg {
    record: false,
    fields: &[
        field!("resource", "resource", Message(&RESOURCE)),
        field!("scopeSpans", "scope_spans", MessageList(&SCOPE_SPANS)),
        field!("schemaUrl", "schema_url", Text(L::SchemaUrl)),
    ],
};

static SCOPE_SPANS: Msg = Msg {
    record: false,
    fields: &[
        field!("scope", "scope", Message(&SCOPE)),
        field!("spans", "spans", MessageList(&SPAN)),
        field!("schemaUrl", "schema_url", Text(L::SchemaUrl)),
    ],
};

static SPAN_KIND: &[&str] = &[
    "SPAN_KIND_UNSPECIFIED",
    "SPAN_KIND_INTERNAL",
    "SPAN_KIND_SERVER",
    "SPAN_KIND_CLIENT",
    "SPAN_KIND_PRODUCER",
    "SPAN_KIND_CONSUMER",
];

static SPAN: Msg = Msg {
    record: true,
    fields: &[
        field!("traceId", "trace_id", HexId(16)),
        field!("spanId", "span_id", HexId(8)),
        field!("traceState", "trace_state", Text(L::SpanTraceState)),
        field!("parentSpanId", "parent_span_id", HexId(8)),
        field!("flags", "flags", Int(U32)),
        field!("name", "name", Text(L::SpanName)),
        field!("kind", "kind", Enum(SPAN_KIND)),
        field!("startTimeUnixNano", "start_time_unix_nano", Int(U64)),
        field!("endTimeUnixNano", "end_time_unix_nano", Int(U64)),
        field!("attributes", "attributes", Attributes(L::SpanAttribute)),
        field!(
            "droppedAttributesCount",
            "dropped_attributes_count",
            Int(U32)
        ),
        field!("events", "events", MessageList(&SPAN_EVENT)),
        field!("droppedEventsCount", "dropped_events_count", Int(U32)),
        field!("links", "links", MessageList(&SPAN_LINK)),
        field!("droppedLinksCount", "dropped_links_count", Int(U32)),
        field!("status", "status", Message(&STATUS)),
    ],
};

static SPAN_EVENT: Msg = Msg {
    record: false,
    fields: &[
        field!("timeUnixNano", "time_unix_nano", Int(U64)),
        field!("name", "name", Text(L::SpanEventName)),
        field!(
            "attributes",
            "attributes",
            Attributes(L::SpanEventAttribute)
        ),
        field!(
            "droppedAttributesCount",
            "dropped_attributes_count",
            Int(U32)
        ),
    ],
};

static SPAN_LINK: Msg = Msg {
    record: false,
    fields: &[
        field!("traceId", "trace_id", HexId(16)),
        field!("spanId", "span_id", HexId(8)),
        field!("traceState", "trace_state", Text(L::SpanLinkTraceState)),
        field!("attributes", "attributes", Attributes(L::SpanLinkAttribute)),
        field!(
            "droppedAttributesCount",
            "dropped_attributes_count",
            Int(U32)
        ),
        field!("flags", "flags", Int(U32)),
    ],
};

static STATUS_CODE: &[&str] = &["STATUS_CODE_UNSET", "STATUS_CODE_OK", "STATUS_CODE_ERROR"];

static STATUS: Msg = Msg {
    record: false,
    fields: &[
        field!("message", "message", Text(L::SpanStatusMessage)),
        field!("code", "code", Enum(STATUS_CODE)),
    ],
};

// ---- metrics ----

static EXPORT_METRICS: Msg = Msg {
    record: false,
    fields: &[field!(
        "resourceMetrics",
        "resource_metrics",
        MessageList(&RESOURCE_METRICS)
    )],
};

static RESOURCE_METRICS: Msg = Msg {
    record: false,
    fields: &[
        field!("resource", "resource", Message(&RESOURCE)),
        field!("scopeMetrics", "scope_metrics", MessageList(&SCOPE_METRICS)),
        field!("schemaUrl", "schema_url", Text(L::SchemaUrl)),
    ],
};

static SCOPE_METRICS: Msg = Msg {
    record: false,
    fields: &[
        field!("scope", "scope", Message(&SCOPE)),
        field!("metrics", "metrics", MessageList(&METRIC)),
        field!("schemaUrl", "schema_url", Text(L::SchemaUrl)),
    ],
};

static METRIC: Msg = Msg {
    record: false,
    fields: &[
        field!("name", "name", Text(L::MetricName)),
        field!("description", "description", Text(L::MetricDescription)),
        field!("unit", "unit", Text(L::MetricUnit)),
        field!("gauge", "gauge", Message(&GAUGE), 1),
        field!("sum", "sum", Message(&SUM), 1),
        field!("histogram", "histogram", Message(&HISTOGRAM), 1),
        field!(
            "exponentialHistogram",
            "exponential_histogram",
            Message(&EXPONENTIAL_HISTOGRAM),
            1
        ),
        field!("summary", "summary", Message(&SUMMARY), 1),
        field!("metadata", "metadata", Attributes(L::MetricMetadata)),
    ],
};

static AGGREGATION_TEMPORALITY: &[&str] = &[
    "AGGREGATION_TEMPORALITY_UNSPECIFIED",
    "AGGREGATION_TEMPORALITY_DELTA",
    "AGGREGATION_TEMPORALITY_CUMULATIVE",
];

static GAUGE: Msg = Msg {
    record: false,
    fields: &[field!(
        "dataPoints",
        "data_points",
        MessageList(&NUMBER_DATA_POINT)
    )],
};

static SUM: Msg = Msg {
    record: false,
    fields: &[
        field!("dataPoints", "data_points", MessageList(&NUMBER_DATA_POINT)),
        field!(
            "aggregationTemporality",
            "aggregation_temporality",
            Enum(AGGREGATION_TEMPORALITY)
        ),
        field!("isMonotonic", "is_monotonic", Bool),
    ],
};

static HISTOGRAM: Msg = Msg {
    record: false,
    fields: &[
        field!(
            "dataPoints",
            "data_points",
            MessageList(&HISTOGRAM_DATA_POINT)
        ),
        field!(
            "aggregationTemporality",
            "aggregation_temporality",
            Enum(AGGREGATION_TEMPORALITY)
        ),
    ],
};

static EXPONENTIAL_HISTOGRAM: Msg = Msg {
    record: false,
    fields: &[
        field!(
            "dataPoints",
            "data_points",
            MessageList(&EXPONENTIAL_HISTOGRAM_DATA_POINT)
        ),
        field!(
            "aggregationTemporality",
            "aggregation_temporality",
            Enum(AGGREGATION_TEMPORALITY)
        ),
    ],
};

static SUMMARY: Msg = Msg {
    record: false,
    fields: &[field!(
        "dataPoints",
        "data_points",
        MessageList(&SUMMARY_DATA_POINT)
    )],
};

static NUMBER_DATA_POINT: Msg = Msg {
    record: true,
    fields: &[
        field!(
            "attributes",
            "attributes",
            Attributes(L::DataPointAttribute)
        ),
        field!("startTimeUnixNano", "start_time_unix_nano", Int(U64)),
        field!("timeUnixNano", "time_unix_nano", Int(U64)),
        field!("asDouble", "as_double", Double, 1),
        field!("asInt", "as_int", Int(I64), 1),
        field!("exemplars", "exemplars", MessageList(&EXEMPLAR)),
        field!("flags", "flags", Int(U32)),
    ],
};

static HISTOGRAM_DATA_POINT: Msg = Msg {
    record: true,
    fields: &[
        field!(
            "attributes",
            "attributes",
            Attributes(L::DataPointAttribute)
        ),
        field!("startTimeUnixNano", "start_time_unix_nano", Int(U64)),
        field!("timeUnixNano", "time_unix_nano", Int(U64)),
        field!("count", "count", Int(U64)),
        field!("sum", "sum", Double),
        field!("bucketCounts", "bucket_counts", IntList(U64)),
        field!("explicitBounds", "explicit_bounds", DoubleList),
        field!("exemplars", "exemplars", MessageList(&EXEMPLAR)),
        field!("flags", "flags", Int(U32)),
        field!("min", "min", Double),
        field!("max", "max", Double),
    ],
};

static EXPONENTIAL_HISTOGRAM_DATA_POINT: Msg = Msg {
    record: true,
    fields: &[
        field!(
            "attributes",
            "attributes",
            Attributes(L::DataPointAttribute)
        ),
        field!("startTimeUnixNano", "start_time_unix_nano", Int(U64)),
        field!("timeUnixNano", "time_unix_nano", Int(U64)),
        field!("count", "count", Int(U64)),
        field!("sum", "sum", Double),
        field!("scale", "scale", Int(I32)),
        field!("zeroCount", "zero_count", Int(U64)),
        field!("positive", "positive", Message(&BUCKETS)),
        field!("negative", "negative", Message(&BUCKETS)),
        field!("flags", "flags", Int(U32)),
        field!("exemplars", "exemplars", MessageList(&EXEMPLAR)),
        field!("min", "min", Double),
        field!("max", "max", Double),
        field!("zeroThreshold", "zero_threshold", Double),
    ],
};

static BUCKETS: Msg = Msg {
    record: false,
    fields: &[
        field!("offset", "offset", Int(I32)),
        field!("bucketCounts", "bucket_counts", IntList(U64)),
    ],
};

static SUMMARY_DATA_POINT: Msg = Msg {
    record: true,
    fields: &[
        field!(
            "attributes",
            "attributes",
            Attributes(L::DataPointAttribute)
        ),
        field!("startTimeUnixNano", "start_time_unix_nano", Int(U64)),
        field!("timeUnixNano", "time_unix_nano", Int(U64)),
        field!("count", "count", Int(U64)),
        field!("sum", "sum", Double),
        field!(
            "quantileValues",
            "quantile_values",
            MessageList(&VALUE_AT_QUANTILE)
        ),
        field!("flags", "flags", Int(U32)),
    ],
};

static VALUE_AT_QUANTILE: Msg = Msg {
    record: false,
    fields: &[
        field!("quantile", "quantile", Double),
        field!("value", "value", Double),
    ],
};

static EXEMPLAR: Msg = Msg {
    record: false,
    fields: &[
        field!(
            "filteredAttributes",
            "filtered_attributes",
            Attributes(L::ExemplarAttribute)
        ),
        field!("timeUnixNano", "time_unix_nano", Int(U64)),
        field!("asDouble", "as_double", Double, 1),
        field!("asInt", "as_int", Int(I64), 1),
        field!("spanId", "span_id", HexId(8)),
        field!("traceId", "trace_id", HexId(16)),
    ],
};

#[cfg(test)]
mod tests {
    use super::*;

    /// Every table: names are unique, camelCase differs from snake_case only in
    /// form, and a message has at most 32 fields (the walker's duplicate bitmask).
    #[test]
    fn tables_are_consistent() {
        fn check(msg: &'static Msg, seen: &mut Vec<*const Msg>) {
            if seen.contains(&(msg as *const Msg)) {
                return;
            }
            seen.push(msg);
            assert!(msg.fields.len() <= 32);
            for (i, f) in msg.fields.iter().enumerate() {
                assert_eq!(msg.find(f.json.as_bytes()), Some(i), "{}", f.json);
                assert_eq!(msg.find(f.proto.as_bytes()), Some(i), "{}", f.proto);
                assert_eq!(f.json.replace('_', "").len(), f.json.len());
                assert_eq!(
                    f.proto.replace('_', "").to_ascii_lowercase(),
                    f.json.to_ascii_lowercase()
                );
                assert_eq!(f.quoted, format!("\"{}\":", f.json));
                match f.kind {
                    Kind::Message(m) | Kind::MessageList(m) => check(m, seen),
                    _ => {}
                }
            }
        }
        let mut seen = Vec::new();
        for signal in Signal::ALL {
            check(request(signal), &mut seen);
        }
        // logs: 7 messages (with resource, entity ref, scope); traces: 7; metrics: 16.
        assert_eq!(seen.len(), 30);
    }
}
