//! The traces corpus: request traces of 3-8 spans through query servers,
//! resolvers and stores, with occasional events, links and error statuses.

use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::KeyValue;
use opentelemetry_proto::tonic::trace::v1::{
    span::{Event, Link},
    ResourceSpans, ScopeSpans, Span, Status,
};

use super::rng::Rng;
use super::{attribute_carrier, kv_double, kv_int, kv_str, plant_attribute, text};
use super::{pii::CanaryKind, Carrier, Gen};
use crate::Location;

pub(crate) fn build(gen: &mut Gen, rng: &mut Rng) -> ExportTraceServiceRequest {
    let sizes = gen.group_sizes();
    let total: usize = sizes.iter().flatten().sum();
    let pii_records = rng.sample_indices(total, gen.pii_count(total));
    let mut next_pii = pii_records.iter().peekable();
    let mut index = 0;
    let mut resource_spans = Vec::new();
    for (r, scopes) in sizes.iter().enumerate() {
        let resource = gen.resource(rng, r);
        let mut scope_spans = Vec::new();
        for &n in scopes {
            let scope = gen.scope(rng);
            let mut spans = Vec::with_capacity(n);
            let mut trace_id = rng.bytes(16);
            let mut root: Vec<u8> = Vec::new();
            let mut left_in_trace = 0;
            for _ in 0..n {
                if left_in_trace == 0 {
                    trace_id = rng.bytes(16);
                    root.clear();
                    left_in_trace = rng.range(3, 8);
                }
                left_in_trace -= 1;
                let mut s = span(gen, rng, index, &trace_id, &root);
                if root.is_empty() {
                    root = s.span_id.clone();
                }
                if next_pii.peek() == Some(&&index) {
                    next_pii.next();
                    plant(gen, rng, &mut s, index);
                }
                spans.push(s);
                index += 1;
            }
            scope_spans.push(ScopeSpans {
                scope: Some(scope),
                spans,
                schema_url: String::new(),
            });
        }
        resource_spans.push(ResourceSpans {
            resource: Some(resource),
            scope_spans,
            schema_url: "https://opentelemetry.io/schemas/1.26.0".into(),
        });
    }
    ExportTraceServiceRequest { resource_spans }
}

pub(crate) fn count(req: &ExportTraceServiceRequest) -> usize {
    req.resource_spans
        .iter()
        .flat_map(|r| &r.scope_spans)
        .map(|s| s.spans.len())
        .sum()
}

pub(crate) fn span(gen: &Gen, rng: &mut Rng, index: usize, trace_id: &[u8], parent: &[u8]) -> Span {
    let start = gen.base_time + index as u64 * 2_000_000 + rng.below(1_000_000);
    let duration = (text::latency(rng) * 1_000_000.0) as u64;
    let name = text::span_name(rng);
    let mut attributes: Vec<KeyValue> = Vec::new();
    if name.starts_with("GET ") || name.starts_with("POST ") || name.starts_with("PUT ") {
        attributes.push(kv_str(
            "http.request.method",
            &name[..name.find(' ').unwrap_or(0)],
        ));
        attributes.push(kv_str(
            "http.route",
            &name[name.find(' ').map_or(0, |i| i + 1)..],
        ));
        attributes.push(kv_int(
            "http.response.status_code",
            *rng.pick(&[200, 200, 201, 404, 503]),
        ));
    } else {
        attributes.push(kv_str("resolver.name", rng.pick(text::RESOLVERS)));
        attributes.push(kv_str("feature_set", rng.pick(text::FEATURE_SETS)));
    }
    if rng.chance(0.7) {
        attributes.push(kv_str("query.id", rng.uuid()));
    }
    if rng.chance(0.4) {
        attributes.push(kv_double(
            "latency_ms",
            (duration as f64 / 1e5).round() / 10.0,
        ));
    }
    if rng.chance(0.3) {
        attributes.push(kv_str(
            "db.system",
            rng.pick(&["redis", "postgresql", "bigtable"]),
        ));
    }
    let mut events = Vec::new();
    let error = rng.chance(0.05);
    if error {
        events.push(Event {
            time_unix_nano: start + duration / 2,
            name: "exception".into(),
            attributes: vec![
                kv_str("exception.type", "TimeoutError"),
                kv_str("exception.message", "deadline exceeded after 250ms"),
            ],
            dropped_attributes_count: 0,
        });
    } else if rng.chance(0.2) {
        events.push(Event {
            time_unix_nano: start + duration / 3,
            name: rng.pick(&["cache.miss", "cache.hit", "retry"]).to_string(),
            attributes: vec![kv_str("component", rng.pick(&["online", "l1"]))],
            dropped_attributes_count: 0,
        });
    }
    let mut links = Vec::new();
    if rng.chance(0.05) {
        links.push(Link {
            trace_id: rng.bytes(16),
            span_id: rng.bytes(8),
            trace_state: String::new(),
            attributes: vec![kv_str("otel.link.kind", "batch")],
            dropped_attributes_count: 0,
            flags: 1,
        });
    }
    Span {
        trace_id: trace_id.to_vec(),
        span_id: rng.bytes(8),
        trace_state: if rng.chance(0.1) {
            "chalk=p:1".into()
        } else {
            String::new()
        },
        parent_span_id: parent.to_vec(),
        flags: 1,
        name,
        kind: if parent.is_empty() {
            2
        } else {
            *rng.pick(&[1, 3])
        },
        start_time_unix_nano: start,
        end_time_unix_nano: start + duration,
        attributes,
        dropped_attributes_count: 0,
        events,
        dropped_events_count: 0,
        links,
        dropped_links_count: 0,
        status: Some(if error {
            Status {
                message: "deadline exceeded".into(),
                code: 2,
            }
        } else {
            Status {
                message: String::new(),
                code: 0,
            }
        }),
    }
}

fn plant(gen: &mut Gen, rng: &mut Rng, s: &mut Span, index: usize) {
    let kind = *rng.pick(&CanaryKind::BASE);
    let pii = gen.planter.fresh(rng, kind);
    let feature = kind == CanaryKind::FeatureValue;
    let time = s.start_time_unix_nano + 1_000;
    match rng.below(100) {
        0..=14 if !feature => {
            s.name = format!("GET /v1/customers/{}/features", pii.bare);
            gen.planter
                .record(&pii, Location::SpanName, Carrier::Text, Some(index));
        }
        15..=24 => {
            s.status = Some(Status {
                message: format!("request failed: {}", pii.phrase),
                code: 2,
            });
            gen.planter.record(
                &pii,
                Location::SpanStatusMessage,
                Carrier::Text,
                Some(index),
            );
        }
        25..=34 if !feature => {
            s.events.push(Event {
                time_unix_nano: time,
                name: format!("notify {}", pii.bare),
                attributes: Vec::new(),
                dropped_attributes_count: 0,
            });
            gen.planter
                .record(&pii, Location::SpanEventName, Carrier::Text, Some(index));
        }
        35..=54 => {
            let carrier = attribute_carrier(rng, kind);
            let attr = plant_attribute(
                gen,
                rng,
                &pii,
                carrier,
                Location::SpanEventAttribute,
                "exception.message",
                Some(index),
            );
            s.events.push(Event {
                time_unix_nano: time,
                name: "exception".into(),
                attributes: vec![kv_str("exception.type", "ValueError"), attr],
                dropped_attributes_count: 0,
            });
        }
        55..=62 => {
            let carrier = attribute_carrier(rng, kind);
            let attr = plant_attribute(
                gen,
                rng,
                &pii,
                carrier,
                Location::SpanLinkAttribute,
                "otel.link.note",
                Some(index),
            );
            s.links.push(Link {
                trace_id: rng.bytes(16),
                span_id: rng.bytes(8),
                trace_state: String::new(),
                attributes: vec![attr],
                dropped_attributes_count: 0,
                flags: 1,
            });
        }
        _ => {
            let carrier = attribute_carrier(rng, kind);
            let attr = plant_attribute(
                gen,
                rng,
                &pii,
                carrier,
                Location::SpanAttribute,
                "exception.message",
                Some(index),
            );
            s.attributes.push(attr);
        }
    }
}
