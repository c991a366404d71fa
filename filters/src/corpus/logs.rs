//! The logs corpus: query-server, resolver and stream-worker log records of
//! ~300 bytes each (protobuf), a few percent carrying a canary.

use opentelemetry_proto::tonic::collector::logs::v1::ExportLogsServiceRequest;
use opentelemetry_proto::tonic::common::v1::{any_value, AnyValue, KeyValue, KeyValueList};
use opentelemetry_proto::tonic::logs::v1::{LogRecord, ResourceLogs, ScopeLogs};

use super::rng::Rng;
use super::{
    any_str, attribute_carrier, framed_bytes, kv_double, kv_int, kv_str, plant_attribute, text,
};
use super::{pii::CanaryKind, Carrier, Gen};
use crate::Location;

pub(crate) fn build(gen: &mut Gen, rng: &mut Rng) -> ExportLogsServiceRequest {
    let sizes = gen.group_sizes();
    let total: usize = sizes.iter().flatten().sum();
    let pii_records = rng.sample_indices(total, gen.pii_count(total));
    let mut next_pii = pii_records.iter().peekable();
    let mut index = 0;
    let mut resource_logs = Vec::new();
    for (r, scopes) in sizes.iter().enumerate() {
        let resource = gen.resource(rng, r);
        let mut scope_logs = Vec::new();
        for &n in scopes {
            let scope = gen.scope(rng);
            let mut log_records = Vec::with_capacity(n);
            for _ in 0..n {
                let mut rec = record(gen, rng, index);
                if next_pii.peek() == Some(&&index) {
                    next_pii.next();
                    plant(gen, rng, &mut rec, index);
                }
                log_records.push(rec);
                index += 1;
            }
            scope_logs.push(ScopeLogs {
                scope: Some(scope),
                log_records,
                schema_url: "https://opentelemetry.io/schemas/1.26.0".into(),
            });
        }
        resource_logs.push(ResourceLogs {
            resource: Some(resource),
            scope_logs,
            schema_url: String::new(),
        });
    }
    ExportLogsServiceRequest { resource_logs }
}

pub(crate) fn count(req: &ExportLogsServiceRequest) -> usize {
    req.resource_logs
        .iter()
        .flat_map(|r| &r.scope_logs)
        .map(|s| s.log_records.len())
        .sum()
}

/// A benign log record.
pub(crate) fn record(gen: &Gen, rng: &mut Rng, index: usize) -> LogRecord {
    let time = gen.base_time + index as u64 * 1_000_000 + rng.below(1_000_000);
    let (severity_number, severity_text) = text::severity(rng);
    let body = text::log_line(rng, severity_number);
    let traced = rng.chance(0.8);
    LogRecord {
        time_unix_nano: time,
        observed_time_unix_nano: time + rng.range(50_000, 2_000_000),
        severity_number,
        severity_text: severity_text.into(),
        body: Some(any_str(&body)),
        attributes: attributes(rng),
        dropped_attributes_count: 0,
        flags: u32::from(traced),
        trace_id: if traced { rng.bytes(16) } else { Vec::new() },
        span_id: if traced { rng.bytes(8) } else { Vec::new() },
        event_name: if rng.chance(0.1) {
            rng.pick(&["query.completed", "resolver.timeout", "stream.rebalance"])
                .to_string()
        } else {
            String::new()
        },
    }
}

/// 3-6 operational attributes, mostly under keys the strict profile allows.
fn attributes(rng: &mut Rng) -> Vec<KeyValue> {
    // Mostly 3-4, sometimes 5-6.
    let n = match rng.below(100) {
        0..=34 => 3,
        35..=69 => 4,
        70..=87 => 5,
        _ => 6,
    };
    let chosen = rng.sample_indices(8, n);
    chosen
        .into_iter()
        .map(|i| match i {
            0 => kv_str("resolver.name", rng.pick(text::RESOLVERS)),
            1 => kv_double("latency_ms", text::latency(rng)),
            2 => kv_str("http.route", text::route(rng)),
            3 => kv_str("query.id", rng.uuid()),
            4 => kv_str("feature_set", rng.pick(text::FEATURE_SETS)),
            5 => kv_int(
                "http.response.status_code",
                *rng.pick(&[200, 200, 201, 404, 429, 503]),
            ),
            6 => kv_str("thread.name", format!("worker-{}", rng.below(16))),
            _ => kv_str("request.id", format!("req_{}", rng.lower_alnum(12))),
        })
        .collect()
}

/// Plants one canary of a random kind in a random place of `rec`.
fn plant(gen: &mut Gen, rng: &mut Rng, rec: &mut LogRecord, index: usize) {
    let kind = *rng.pick(&CanaryKind::BASE);
    let pii = gen.planter.fresh(rng, kind);
    let body_text = |rec: &LogRecord| match rec.body.as_ref().and_then(|b| b.value.as_ref()) {
        Some(any_value::Value::StringValue(s)) => s.clone(),
        _ => String::new(),
    };
    let roll = rng.below(100);
    if roll < 50 {
        // In the log line itself.
        let line = body_text(rec);
        rec.body = Some(any_str(&format!("{line} {}", pii.phrase)));
        gen.planter
            .record(&pii, Location::LogBody, Carrier::Text, Some(index));
    } else if roll < 60 && kind != CanaryKind::FeatureValue {
        // A structured body.
        let line = body_text(rec);
        rec.body = Some(AnyValue {
            value: Some(any_value::Value::KvlistValue(KeyValueList {
                values: vec![
                    kv_str("message", &line),
                    kv_str("detail", &pii.phrase),
                    kv_int("attempt", rng.range(1, 3) as i64),
                ],
            })),
        });
        gen.planter
            .record(&pii, Location::LogBody, Carrier::NestedValue, Some(index));
    } else if roll < 65 && kind != CanaryKind::FeatureValue {
        rec.event_name = format!("notification.sent {}", pii.bare);
        gen.planter
            .record(&pii, Location::LogEventName, Carrier::Text, Some(index));
    } else if roll < 70 && kind != CanaryKind::FeatureValue {
        rec.attributes.push(kv_bytes_attr(rng, &pii.bare));
        gen.planter
            .record(&pii, Location::LogAttribute, Carrier::Bytes, Some(index));
    } else {
        let carrier = attribute_carrier(rng, kind);
        let attr = plant_attribute(
            gen,
            rng,
            &pii,
            carrier,
            Location::LogAttribute,
            "exception.message",
            Some(index),
        );
        rec.attributes.push(attr);
    }
}

fn kv_bytes_attr(rng: &mut Rng, text: &str) -> KeyValue {
    super::kv_bytes("log.record.original", framed_bytes(rng, text))
}
