//! The metrics corpus: request counters, latency histograms (explicit and
//! exponential), gauges and summaries of a feature platform. A record is one
//! data point.

use opentelemetry_proto::tonic::collector::metrics::v1::ExportMetricsServiceRequest;
use opentelemetry_proto::tonic::common::v1::KeyValue;
use opentelemetry_proto::tonic::metrics::v1::{
    exemplar, exponential_histogram_data_point::Buckets, metric::Data, number_data_point,
    summary_data_point::ValueAtQuantile, Exemplar, ExponentialHistogram,
    ExponentialHistogramDataPoint, Gauge, Histogram, HistogramDataPoint, Metric, NumberDataPoint,
    ResourceMetrics, ScopeMetrics, Sum, Summary, SummaryDataPoint,
};

use super::rng::Rng;
use super::{attribute_carrier, kv_int, kv_str, plant_attribute, text};
use super::{pii::CanaryKind, Carrier, Gen};
use crate::Location;

/// The shape of one generated metric.
#[derive(Clone, Copy)]
enum Shape {
    RequestDuration,
    ResolverLatency,
    QueryCount,
    ConsumerLag,
    CacheHitRatio,
    RpcDuration,
}

const SHAPES: [Shape; 6] = [
    Shape::RequestDuration,
    Shape::ResolverLatency,
    Shape::QueryCount,
    Shape::ConsumerLag,
    Shape::CacheHitRatio,
    Shape::RpcDuration,
];

/// What the planter adds to one data point.
#[derive(Default)]
struct Extra {
    attributes: Vec<KeyValue>,
    exemplar_attributes: Option<Vec<KeyValue>>,
}

pub(crate) fn build(gen: &mut Gen, rng: &mut Rng) -> ExportMetricsServiceRequest {
    let sizes = gen.group_sizes();
    let total: usize = sizes.iter().flatten().sum();
    let pii_records = rng.sample_indices(total, gen.pii_count(total));
    let mut next_pii = pii_records.iter().peekable();
    let mut index = 0;
    let mut resource_metrics = Vec::new();
    for (r, scopes) in sizes.iter().enumerate() {
        let resource = gen.resource(rng, r);
        let mut scope_metrics = Vec::new();
        for &n in scopes {
            let scope = gen.scope(rng);
            let mut metrics = Vec::new();
            let mut left = n;
            while left > 0 {
                let points = (rng.range(2, 10) as usize).min(left);
                let shape = *rng.pick(&SHAPES);
                let mut extras = Vec::with_capacity(points);
                for _ in 0..points {
                    let mut extra = Extra::default();
                    if next_pii.peek() == Some(&&index) {
                        next_pii.next();
                        plant(
                            gen,
                            rng,
                            &mut extra,
                            index,
                            !matches!(shape, Shape::RpcDuration),
                        );
                    }
                    extras.push(extra);
                    index += 1;
                }
                metrics.push(metric(gen, rng, shape, extras));
                left -= points;
            }
            scope_metrics.push(ScopeMetrics {
                scope: Some(scope),
                metrics,
                schema_url: String::new(),
            });
        }
        resource_metrics.push(ResourceMetrics {
            resource: Some(resource),
            scope_metrics,
            schema_url: "https://opentelemetry.io/schemas/1.26.0".into(),
        });
    }
    ExportMetricsServiceRequest { resource_metrics }
}

pub(crate) fn count(req: &ExportMetricsServiceRequest) -> usize {
    req.resource_metrics
        .iter()
        .flat_map(|r| &r.scope_metrics)
        .flat_map(|s| &s.metrics)
        .map(|m| match &m.data {
            Some(Data::Gauge(g)) => g.data_points.len(),
            Some(Data::Sum(s)) => s.data_points.len(),
            Some(Data::Histogram(h)) => h.data_points.len(),
            Some(Data::ExponentialHistogram(h)) => h.data_points.len(),
            Some(Data::Summary(s)) => s.data_points.len(),
            None => 0,
        })
        .sum()
}

fn plant(gen: &mut Gen, rng: &mut Rng, extra: &mut Extra, index: usize, has_exemplars: bool) {
    let kind = *rng.pick(&CanaryKind::BASE);
    let pii = gen.planter.fresh(rng, kind);
    if has_exemplars && rng.chance(0.3) {
        // In an exemplar's filtered attributes.
        let carrier = if kind == CanaryKind::FeatureValue {
            Carrier::FeatureKey
        } else {
            Carrier::UnlistedKeyValue
        };
        let attr = match carrier {
            Carrier::FeatureKey => kv_str(
                pii.feature_key.as_deref().unwrap_or("user.segment"),
                &pii.value,
            ),
            _ => kv_str("enduser.id", &pii.bare),
        };
        gen.planter
            .record(&pii, Location::ExemplarAttribute, carrier, Some(index));
        extra.exemplar_attributes = Some(vec![attr]);
    } else if kind != CanaryKind::FeatureValue && rng.chance(0.5) {
        // A high-cardinality route label: the classic accidental PII in metrics.
        extra.attributes.push(kv_str(
            "http.route",
            format!("/v1/customers/{}/features", pii.bare),
        ));
        gen.planter.record(
            &pii,
            Location::DataPointAttribute,
            Carrier::Value,
            Some(index),
        );
    } else {
        let carrier = attribute_carrier(rng, kind);
        let attr = plant_attribute(
            gen,
            rng,
            &pii,
            carrier,
            Location::DataPointAttribute,
            "error.type",
            Some(index),
        );
        extra.attributes.push(attr);
    }
}

fn metric(gen: &Gen, rng: &mut Rng, shape: Shape, extras: Vec<Extra>) -> Metric {
    let start = gen.base_time - 60_000_000_000;
    let time = gen.base_time;
    let (name, description, unit) = match shape {
        Shape::RequestDuration => (
            "http.server.request.duration",
            "Duration of HTTP server requests.",
            "s",
        ),
        Shape::ResolverLatency => ("chalk.resolver.latency", "Resolver run latency.", "ms"),
        Shape::QueryCount => ("chalk.query.count", "Online queries served.", "{query}"),
        Shape::ConsumerLag => (
            "chalk.stream.consumer.lag",
            "Messages behind the head.",
            "{message}",
        ),
        Shape::CacheHitRatio => ("chalk.cache.hit_ratio", "Feature cache hit ratio.", "1"),
        Shape::RpcDuration => ("rpc.server.duration", "Duration of inbound RPCs.", "ms"),
    };
    let exemplar = |rng: &mut Rng, attrs: Option<Vec<KeyValue>>, value: f64| -> Vec<Exemplar> {
        if attrs.is_none() && !rng.chance(0.15) {
            return Vec::new();
        }
        let mut filtered_attributes = vec![kv_str("query.id", rng.uuid())];
        filtered_attributes.extend(attrs.unwrap_or_default());
        vec![Exemplar {
            filtered_attributes,
            time_unix_nano: time - rng.below(60_000_000_000),
            span_id: rng.bytes(8),
            trace_id: rng.bytes(16),
            value: Some(exemplar::Value::AsDouble(value)),
        }]
    };
    let data = match shape {
        Shape::RequestDuration => Data::Histogram(Histogram {
            aggregation_temporality: 2,
            data_points: extras
                .into_iter()
                .map(|e| {
                    let bounds = vec![0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5];
                    let counts: Vec<u64> = (0..=bounds.len()).map(|_| rng.below(400)).collect();
                    let count = counts.iter().sum();
                    let mut attributes = vec![
                        kv_str("http.request.method", rng.pick(text::METHODS)),
                        kv_str("http.route", rng.pick(text::ROUTES)),
                        kv_int(
                            "http.response.status_code",
                            *rng.pick(&[200, 201, 404, 429, 503]),
                        ),
                    ];
                    attributes.extend(e.attributes);
                    HistogramDataPoint {
                        attributes,
                        start_time_unix_nano: start,
                        time_unix_nano: time,
                        count,
                        // Few significant digits, so that JSON parsers without exact
                        // float parsing read back the same double.
                        sum: Some((count as f64 * 31.0).round() / 1000.0),
                        bucket_counts: counts,
                        explicit_bounds: bounds,
                        exemplars: exemplar(rng, e.exemplar_attributes, 0.042),
                        flags: 0,
                        min: Some(0.0007),
                        max: Some(2.9),
                    }
                })
                .collect(),
        }),
        Shape::ResolverLatency => Data::ExponentialHistogram(ExponentialHistogram {
            aggregation_temporality: 2,
            data_points: extras
                .into_iter()
                .map(|e| {
                    let positive: Vec<u64> =
                        (0..rng.range(4, 12)).map(|_| rng.below(200)).collect();
                    let count = positive.iter().sum::<u64>() + 3;
                    let mut attributes = vec![
                        kv_str("resolver.name", rng.pick(text::RESOLVERS)),
                        kv_str("feature_set", rng.pick(text::FEATURE_SETS)),
                    ];
                    attributes.extend(e.attributes);
                    ExponentialHistogramDataPoint {
                        attributes,
                        start_time_unix_nano: start,
                        time_unix_nano: time,
                        count,
                        sum: Some(count as f64 * 12.5),
                        scale: 3,
                        zero_count: 3,
                        positive: Some(Buckets {
                            offset: rng.range(0, 20) as i32,
                            bucket_counts: positive,
                        }),
                        negative: None,
                        flags: 0,
                        exemplars: exemplar(rng, e.exemplar_attributes, 13.25),
                        min: Some(0.4),
                        max: Some(480.0),
                        zero_threshold: 0.0,
                    }
                })
                .collect(),
        }),
        Shape::QueryCount | Shape::ConsumerLag | Shape::CacheHitRatio => {
            let points = extras
                .into_iter()
                .map(|e| {
                    let mut attributes = match shape {
                        Shape::QueryCount => vec![
                            kv_str("feature_set", rng.pick(text::FEATURE_SETS)),
                            kv_str("status", rng.pick(&["ok", "ok", "error"])),
                        ],
                        Shape::ConsumerLag => vec![
                            kv_str("messaging.system", "kafka"),
                            kv_str("messaging.destination.name", rng.pick(text::TOPICS)),
                            kv_int("messaging.destination.partition.id", rng.below(32) as i64),
                        ],
                        _ => vec![kv_str("component", rng.pick(&["online", "offline", "l1"]))],
                    };
                    attributes.extend(e.attributes);
                    let value = match shape {
                        Shape::CacheHitRatio => number_data_point::Value::AsDouble(
                            (rng.unit() * 1000.0).round() / 1000.0,
                        ),
                        _ => number_data_point::Value::AsInt(rng.range(0, 1_000_000) as i64),
                    };
                    NumberDataPoint {
                        attributes,
                        start_time_unix_nano: start,
                        time_unix_nano: time,
                        exemplars: exemplar(rng, e.exemplar_attributes, 1.0),
                        flags: 0,
                        value: Some(value),
                    }
                })
                .collect();
            match shape {
                Shape::QueryCount => Data::Sum(Sum {
                    data_points: points,
                    aggregation_temporality: 2,
                    is_monotonic: true,
                }),
                _ => Data::Gauge(Gauge {
                    data_points: points,
                }),
            }
        }
        Shape::RpcDuration => Data::Summary(Summary {
            data_points: extras
                .into_iter()
                .map(|e| {
                    let mut attributes = vec![
                        kv_str("rpc.system", "grpc"),
                        kv_str(
                            "rpc.method",
                            rng.pick(&["OnlineQuery", "UploadFeatures", "GetRun"]),
                        ),
                    ];
                    attributes.extend(e.attributes);
                    let count = rng.range(10, 10_000);
                    SummaryDataPoint {
                        attributes,
                        start_time_unix_nano: start,
                        time_unix_nano: time,
                        count,
                        sum: count as f64 * 7.5,
                        quantile_values: [0.5, 0.9, 0.99]
                            .iter()
                            .map(|q| ValueAtQuantile {
                                quantile: *q,
                                value: (rng.unit() * 400.0).round() / 10.0,
                            })
                            .collect(),
                        flags: 0,
                    }
                })
                .collect(),
        }),
    };
    Metric {
        name: name.into(),
        description: description.into(),
        unit: unit.into(),
        metadata: Vec::new(),
        data: Some(data),
    }
}
