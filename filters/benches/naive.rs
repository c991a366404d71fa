//! The naive baseline the one-pass scrubber is measured against: decode the
//! whole request with prost into the opentelemetry-proto types, edit the tree
//! with the same key rules and detectors (`Scrubber::key_policy`,
//! `key_replacement`, `scrub_str`) following /work/walker-semantics.md, and
//! re-encode. It is a straightforward, reasonable implementation of that
//! approach, not a deliberately slow one.
//!
//! Known difference: a non-UTF-8 `bytes_value` cannot go through the
//! value-level `scrub_str` API, so it is left unscanned (the corpus only
//! carries UTF-8 text in bytes values).

use opentelemetry_proto::tonic::collector::logs::v1::ExportLogsServiceRequest;
use opentelemetry_proto::tonic::collector::metrics::v1::ExportMetricsServiceRequest;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::{
    any_value::Value, AnyValue, InstrumentationScope, KeyValue,
};
use opentelemetry_proto::tonic::metrics::v1::{metric::Data, Exemplar};
use opentelemetry_proto::tonic::resource::v1::Resource;
use planeguard_filters::{KeyPolicy, Location, Reason, Report, Scrubber, Signal};
use prost::Message;

/// Scrubs one protobuf export request by decode / edit / encode.
pub fn scrub(
    s: &Scrubber,
    signal: Signal,
    input: &[u8],
    out: &mut Vec<u8>,
) -> Result<Report, Box<dyn std::error::Error>> {
    let mut w = Walker {
        s,
        report: Report::default(),
    };
    w.report.bytes_in = input.len() as u64;
    out.clear();
    match signal {
        Signal::Logs => {
            let mut req = ExportLogsServiceRequest::decode(input)?;
            w.logs(&mut req);
            req.encode(out)?;
        }
        Signal::Metrics => {
            let mut req = ExportMetricsServiceRequest::decode(input)?;
            w.metrics(&mut req);
            req.encode(out)?;
        }
        Signal::Traces => {
            let mut req = ExportTraceServiceRequest::decode(input)?;
            w.traces(&mut req);
            req.encode(out)?;
        }
    }
    w.report.bytes_out = out.len() as u64;
    Ok(w.report)
}

struct Walker<'a> {
    s: &'a Scrubber,
    report: Report,
}

impl Walker<'_> {
    /// Runs the detectors over a free-text (or keyed) string; returns the drop flag.
    fn text(&mut self, location: Location, key: &str, text: &mut String) -> bool {
        match self.s.scrub_str(location, key, text, &mut self.report) {
            Some((new, drop)) => {
                *text = new;
                drop
            }
            None => false,
        }
    }

    fn bytes(&mut self, location: Location, key: &str, bytes: &mut Vec<u8>) -> bool {
        let Ok(text) = std::str::from_utf8(bytes) else {
            return false;
        };
        match self.s.scrub_str(location, key, text, &mut self.report) {
            Some((new, drop)) => {
                *bytes = new.into_bytes();
                drop
            }
            None => false,
        }
    }

    /// Every `repeated KeyValue`: key rule on the (nested) path, then the key itself.
    fn attributes(&mut self, location: Location, parent: &str, attrs: &mut [KeyValue]) -> bool {
        let mut drop = false;
        for kv in attrs {
            let path = if parent.is_empty() {
                kv.key.clone()
            } else {
                format!("{parent}.{}", kv.key)
            };
            if let Some(v) = kv.value.as_mut() {
                drop |= self.keyed_value(location, &path, v);
            }
            drop |= self.text(Location::AttributeKey, "", &mut kv.key);
        }
        drop
    }

    fn keyed_value(&mut self, location: Location, path: &str, v: &mut AnyValue) -> bool {
        let policy = self.s.key_policy(path.as_bytes());
        match policy {
            KeyPolicy::Scan => self.scan(location, path, v),
            KeyPolicy::Redact(_) => {
                if let Some(t) = self
                    .s
                    .key_replacement(policy, location, b"", &mut self.report)
                {
                    v.value = Some(Value::StringValue(t));
                }
                false
            }
            KeyPolicy::Hash => {
                let replacement = match &v.value {
                    Some(Value::StringValue(x)) => {
                        self.s
                            .key_replacement(policy, location, x.as_bytes(), &mut self.report)
                    }
                    Some(Value::BoolValue(b)) => {
                        let t = if *b { "true" } else { "false" };
                        self.s
                            .key_replacement(policy, location, t.as_bytes(), &mut self.report)
                    }
                    Some(Value::IntValue(i)) => self.s.key_replacement(
                        policy,
                        location,
                        i.to_string().as_bytes(),
                        &mut self.report,
                    ),
                    Some(Value::DoubleValue(d)) => self.s.key_replacement(
                        policy,
                        location,
                        format!("{d}").as_bytes(),
                        &mut self.report,
                    ),
                    Some(Value::BytesValue(b)) => {
                        self.s
                            .key_replacement(policy, location, b, &mut self.report)
                    }
                    Some(Value::ArrayValue(_)) | Some(Value::KvlistValue(_)) => {
                        self.s.key_replacement(
                            KeyPolicy::Redact(Reason::HashedKey),
                            location,
                            b"",
                            &mut self.report,
                        )
                    }
                    Some(Value::StringValueStrindex(_)) | None => None,
                };
                if let Some(t) = replacement {
                    v.value = Some(Value::StringValue(t));
                }
                false
            }
        }
    }

    /// A value that may pass: detectors on strings and bytes, recursion into
    /// kvlists (key rules per entry) and arrays (same path).
    fn scan(&mut self, location: Location, path: &str, v: &mut AnyValue) -> bool {
        match v.value.as_mut() {
            Some(Value::StringValue(x)) => self.text(location, path, x),
            Some(Value::BytesValue(b)) => self.bytes(location, path, b),
            Some(Value::KvlistValue(list)) => self.attributes(location, path, &mut list.values),
            Some(Value::ArrayValue(arr)) => {
                let mut drop = false;
                for e in &mut arr.values {
                    drop |= self.scan(location, path, e);
                }
                drop
            }
            _ => false,
        }
    }

    fn resource(&mut self, r: &mut Resource) {
        self.attributes(Location::ResourceAttribute, "", &mut r.attributes);
        for e in &mut r.entity_refs {
            self.text(Location::EntityRef, "", &mut e.schema_url);
            self.text(Location::EntityRef, "", &mut e.r#type);
            for k in e.id_keys.iter_mut().chain(e.description_keys.iter_mut()) {
                self.text(Location::EntityRef, "", k);
            }
        }
    }

    fn scope(&mut self, s: &mut InstrumentationScope) {
        self.text(Location::ScopeName, "", &mut s.name);
        self.text(Location::ScopeName, "", &mut s.version);
        self.attributes(Location::ScopeAttribute, "", &mut s.attributes);
    }

    /// Counts a record and tells whether it stays.
    fn keep(&mut self, drop: bool) -> bool {
        self.report.records_in += 1;
        if drop {
            self.report.dropped_records += 1;
        } else {
            self.report.records_out += 1;
        }
        !drop
    }

    fn logs(&mut self, req: &mut ExportLogsServiceRequest) {
        for rl in &mut req.resource_logs {
            if let Some(r) = rl.resource.as_mut() {
                self.resource(r);
            }
            self.text(Location::SchemaUrl, "", &mut rl.schema_url);
            for sl in &mut rl.scope_logs {
                if let Some(s) = sl.scope.as_mut() {
                    self.scope(s);
                }
                self.text(Location::SchemaUrl, "", &mut sl.schema_url);
                sl.log_records.retain_mut(|r| {
                    let mut drop = false;
                    if let Some(b) = r.body.as_mut() {
                        drop |= self.scan(Location::LogBody, "", b);
                    }
                    drop |= self.attributes(Location::LogAttribute, "", &mut r.attributes);
                    drop |= self.text(Location::LogSeverityText, "", &mut r.severity_text);
                    drop |= self.text(Location::LogEventName, "", &mut r.event_name);
                    self.keep(drop)
                });
            }
        }
    }

    fn traces(&mut self, req: &mut ExportTraceServiceRequest) {
        for rs in &mut req.resource_spans {
            if let Some(r) = rs.resource.as_mut() {
                self.resource(r);
            }
            self.text(Location::SchemaUrl, "", &mut rs.schema_url);
            for ss in &mut rs.scope_spans {
                if let Some(s) = ss.scope.as_mut() {
                    self.scope(s);
                }
                self.text(Location::SchemaUrl, "", &mut ss.schema_url);
                ss.spans.retain_mut(|sp| {
                    let mut drop = self.text(Location::SpanName, "", &mut sp.name);
                    drop |= self.attributes(Location::SpanAttribute, "", &mut sp.attributes);
                    drop |= self.text(Location::SpanTraceState, "", &mut sp.trace_state);
                    for e in &mut sp.events {
                        drop |= self.text(Location::SpanEventName, "", &mut e.name);
                        drop |=
                            self.attributes(Location::SpanEventAttribute, "", &mut e.attributes);
                    }
                    for l in &mut sp.links {
                        drop |= self.attributes(Location::SpanLinkAttribute, "", &mut l.attributes);
                        drop |= self.text(Location::SpanLinkTraceState, "", &mut l.trace_state);
                    }
                    if let Some(st) = sp.status.as_mut() {
                        drop |= self.text(Location::SpanStatusMessage, "", &mut st.message);
                    }
                    self.keep(drop)
                });
            }
        }
    }

    fn exemplars(&mut self, exemplars: &mut [Exemplar]) -> bool {
        let mut drop = false;
        for e in exemplars {
            drop |= self.attributes(Location::ExemplarAttribute, "", &mut e.filtered_attributes);
        }
        drop
    }

    fn metrics(&mut self, req: &mut ExportMetricsServiceRequest) {
        for rm in &mut req.resource_metrics {
            if let Some(r) = rm.resource.as_mut() {
                self.resource(r);
            }
            self.text(Location::SchemaUrl, "", &mut rm.schema_url);
            for sm in &mut rm.scope_metrics {
                if let Some(s) = sm.scope.as_mut() {
                    self.scope(s);
                }
                self.text(Location::SchemaUrl, "", &mut sm.schema_url);
                for m in &mut sm.metrics {
                    self.text(Location::MetricName, "", &mut m.name);
                    self.text(Location::MetricDescription, "", &mut m.description);
                    self.text(Location::MetricUnit, "", &mut m.unit);
                    self.attributes(Location::MetricMetadata, "", &mut m.metadata);
                    let dp = Location::DataPointAttribute;
                    match m.data.as_mut() {
                        Some(Data::Gauge(g)) => g.data_points.retain_mut(|p| {
                            let drop = self.attributes(dp, "", &mut p.attributes)
                                | self.exemplars(&mut p.exemplars);
                            self.keep(drop)
                        }),
                        Some(Data::Sum(g)) => g.data_points.retain_mut(|p| {
                            let drop = self.attributes(dp, "", &mut p.attributes)
                                | self.exemplars(&mut p.exemplars);
                            self.keep(drop)
                        }),
                        Some(Data::Histogram(g)) => g.data_points.retain_mut(|p| {
                            let drop = self.attributes(dp, "", &mut p.attributes)
                                | self.exemplars(&mut p.exemplars);
                            self.keep(drop)
                        }),
                        Some(Data::ExponentialHistogram(g)) => g.data_points.retain_mut(|p| {
                            let drop = self.attributes(dp, "", &mut p.attributes)
                                | self.exemplars(&mut p.exemplars);
                            self.keep(drop)
                        }),
                        Some(Data::Summary(g)) => g.data_points.retain_mut(|p| {
                            let drop = self.attributes(dp, "", &mut p.attributes);
                            self.keep(drop)
                        }),
                        None => {}
                    }
                }
            }
        }
    }
}
