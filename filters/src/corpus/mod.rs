//! A reproducible synthetic OTLP corpus (feature `corpus`), shared by the
//! benchmarks, `loadtest/` and `tests/`.
//!
//! Every batch is a pure function of ([`CorpusConfig`], signal, request index):
//! the same seed gives the same bytes on every machine, and request `i` can be
//! built without building requests `0..i`. Batches look like the telemetry of
//! a feature-serving platform (query servers, resolvers, stream workers); a
//! configurable share of records carries one planted sensitive value
//! (a [`Canary`]) of a random [`CanaryKind`] in a random location, and every
//! canary is listed in the [`Batch`] so that a sink can assert that none of
//! them arrives ([`find_canaries`]).
//!
//! The `adversarial_*` generators hide canaries in every location of the
//! schema in every form (nested kvlists, arrays, bytes, keys, JSON escapes) and
//! are meant for correctness tests, not for throughput numbers.

mod adversarial;
mod json;
mod logs;
mod metrics;
mod pii;
mod rng;
mod text;
mod traces;

#[cfg(test)]
mod tests;

use std::collections::HashSet;

use opentelemetry_proto::tonic::common::v1::{
    any_value, AnyValue, ArrayValue, EntityRef, InstrumentationScope, KeyValue, KeyValueList,
};
use opentelemetry_proto::tonic::resource::v1::Resource;

use crate::{Encoding, Location, Signal};

pub use adversarial::{adversarial, adversarial_logs, adversarial_metrics, adversarial_traces};
pub use json::JsonStyle;
pub use pii::{base64, iban_valid, luhn_valid, CanaryKind, Pii, STD_ALPHABET, URL_ALPHABET};
pub use rng::Rng;

/// What to generate. `Default` is the benchmark corpus of issue 2.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CorpusConfig {
    /// Everything derives from this seed.
    pub seed: u64,
    /// Records per export request: log records, spans, or metric data points.
    pub records_per_request: usize,
    /// Share of records that carry a canary (exact per batch, rounded). Also
    /// the chance that a resource or scope carries one. `0.0` = no canaries.
    pub pii_share: f64,
    /// `Resource{Logs,Metrics,Spans}` entries per request (at least 1).
    pub resources: usize,
    /// Scopes per resource (at least 1).
    pub scopes: usize,
}

impl Default for CorpusConfig {
    fn default() -> Self {
        Self {
            seed: 0x5eed_0fc0_4905,
            records_per_request: 100,
            pii_share: 0.07,
            resources: 1,
            scopes: 2,
        }
    }
}

/// How a canary is carried at its location.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Carrier {
    /// Inside a free-text field (log body string, span name, status message...).
    Text,
    /// A string attribute value under a key that is allowed in strict mode, so
    /// only the detectors can catch it.
    Value,
    /// A string attribute value under a key that strict mode does not allow.
    UnlistedKeyValue,
    /// A string nested in a kvlist value (key path `a.b.c`).
    NestedValue,
    /// A string element of an array value.
    ArrayElement,
    /// Inside a `bytes_value`.
    Bytes,
    /// The attribute key itself.
    Key,
    /// A value under a feature-namespace key (`user.*`, `transaction.*`).
    FeatureKey,
}

/// One planted sensitive value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Canary {
    pub kind: CanaryKind,
    /// The sensitive text: it must not reach a sink in any form.
    pub value: String,
    /// The location the scrubber reports it under.
    pub location: Location,
    pub carrier: Carrier,
    /// Index of the record (log record, span, data point) carrying it, in
    /// payload order; `None` for resource-, scope- or metric-level fields.
    pub record: Option<usize>,
}

impl Canary {
    /// Byte strings whose presence in a payload means this canary leaked: the
    /// raw text, its OTLP/JSON-escaped forms and, for bytes values, its base64
    /// forms at each of the three alignments.
    pub fn needles(&self) -> Vec<Vec<u8>> {
        let mut out: Vec<Vec<u8>> = vec![self.value.as_bytes().to_vec()];
        for style in [JsonStyle::Plain, JsonStyle::Adversarial] {
            let mut escaped = Vec::new();
            json::escape_into(&mut escaped, &self.value, style);
            if !out.contains(&escaped) {
                out.push(escaped);
            }
        }
        if self.carrier == Carrier::Bytes {
            let bytes = self.value.as_bytes();
            for skip in 0..3 {
                let rest = &bytes[skip.min(bytes.len())..];
                let whole = rest.len() / 3 * 3;
                if whole >= 6 {
                    out.push(base64(&rest[..whole], STD_ALPHABET, false).into_bytes());
                }
            }
        }
        out
    }
}

/// One generated export request in both encodings.
#[derive(Clone, Debug, PartialEq)]
pub struct Batch {
    pub signal: Signal,
    /// `Export{Logs,Metrics,Trace}ServiceRequest`, protobuf-encoded.
    pub protobuf: Vec<u8>,
    /// The same request in OTLP/JSON.
    pub json: Vec<u8>,
    /// Number of records (log records, spans, metric data points).
    pub records: usize,
    /// Every planted value, each unique within the batch.
    pub canaries: Vec<Canary>,
}

impl Batch {
    /// The payload in `encoding`.
    pub fn payload(&self, encoding: Encoding) -> &[u8] {
        match encoding {
            Encoding::Protobuf => &self.protobuf,
            Encoding::Json => &self.json,
        }
    }

    /// Number of distinct records that carry at least one canary.
    pub fn pii_records(&self) -> usize {
        let set: HashSet<usize> = self.canaries.iter().filter_map(|c| c.record).collect();
        set.len()
    }
}

/// Request `request_index` of the logs corpus.
pub fn logs(cfg: &CorpusConfig, request_index: u64) -> Batch {
    batch(cfg, Signal::Logs, request_index)
}

/// Request `request_index` of the metrics corpus.
pub fn metrics(cfg: &CorpusConfig, request_index: u64) -> Batch {
    batch(cfg, Signal::Metrics, request_index)
}

/// Request `request_index` of the traces corpus.
pub fn traces(cfg: &CorpusConfig, request_index: u64) -> Batch {
    batch(cfg, Signal::Traces, request_index)
}

/// Request `request_index` of the corpus of `signal`.
pub fn batch(cfg: &CorpusConfig, signal: Signal, request_index: u64) -> Batch {
    let mut rng = Rng::derive(cfg.seed, &[signal as u64, request_index]);
    let mut gen = Gen {
        cfg: *cfg,
        planter: Planter::default(),
        base_time: BASE_TIME_NANOS + request_index * 10_000_000_000,
    };
    let (protobuf, json, records) = match signal {
        Signal::Logs => {
            let req = logs::build(&mut gen, &mut rng);
            let records = logs::count(&req);
            (
                prost::Message::encode_to_vec(&req),
                json::logs(&req, JsonStyle::Plain),
                records,
            )
        }
        Signal::Metrics => {
            let req = metrics::build(&mut gen, &mut rng);
            let records = metrics::count(&req);
            (
                prost::Message::encode_to_vec(&req),
                json::metrics(&req, JsonStyle::Plain),
                records,
            )
        }
        Signal::Traces => {
            let req = traces::build(&mut gen, &mut rng);
            let records = traces::count(&req);
            (
                prost::Message::encode_to_vec(&req),
                json::traces(&req, JsonStyle::Plain),
                records,
            )
        }
    };
    Batch {
        signal,
        protobuf,
        json,
        records,
        canaries: gen.planter.canaries,
    }
}

/// Requests `0..count` of the corpus of `signal`.
pub fn batches(cfg: &CorpusConfig, signal: Signal, count: u64) -> Vec<Batch> {
    (0..count).map(|i| batch(cfg, signal, i)).collect()
}

/// The canaries whose value (in any of its [`Canary::needles`] forms) occurs in
/// `payload`: empty means nothing leaked.
pub fn find_canaries<'a>(payload: &[u8], canaries: &'a [Canary]) -> Vec<&'a Canary> {
    canaries
        .iter()
        .filter(|c| {
            c.needles()
                .iter()
                .any(|n| memchr::memmem::find(payload, n).is_some())
        })
        .collect()
}

/// 2024-05-29T16:26:40Z: timestamps are fixed so that batches are reproducible.
const BASE_TIME_NANOS: u64 = 1_717_000_000_000_000_000;

/// Shared state of one batch being generated.
pub(crate) struct Gen {
    pub cfg: CorpusConfig,
    pub planter: Planter,
    pub base_time: u64,
}

impl Gen {
    /// How many of `n` records carry a canary (exact share, rounded).
    pub fn pii_count(&self, n: usize) -> usize {
        let share = self.cfg.pii_share.clamp(0.0, 1.0);
        (n as f64 * share).round() as usize
    }

    /// Records split across resources x scopes, in payload order.
    pub fn group_sizes(&self) -> Vec<Vec<usize>> {
        let resources = self.cfg.resources.max(1);
        let scopes = self.cfg.scopes.max(1);
        let groups = resources * scopes;
        let n = self.cfg.records_per_request;
        (0..resources)
            .map(|r| {
                (0..scopes)
                    .map(|s| {
                        let g = r * scopes + s;
                        n / groups + usize::from(g < n % groups)
                    })
                    .collect()
            })
            .collect()
    }

    /// A resource of service `index`, maybe carrying a canary.
    pub fn resource(&mut self, rng: &mut Rng, index: usize) -> Resource {
        let service =
            text::SERVICES[(index + rng.index(text::SERVICES.len())) % text::SERVICES.len()];
        let pod = format!("{service}-{}-{}", rng.lower_alnum(10), rng.lower_alnum(5));
        let mut attributes = vec![
            kv_str("service.name", service),
            kv_str("service.namespace", "chalk"),
            kv_str(
                "service.version",
                format!("1.{}.{}", rng.range(30, 48), rng.below(10)),
            ),
            kv_str(
                "deployment.environment.name",
                rng.pick(&["prod", "staging"]),
            ),
            kv_str("k8s.namespace.name", "chalk-engine"),
            kv_str("k8s.pod.name", &pod),
            kv_str("k8s.deployment.name", service),
            kv_str(
                "k8s.node.name",
                format!("gke-prod-pool-{}-{}", rng.below(4), rng.lower_alnum(6)),
            ),
            kv_str("cloud.provider", "gcp"),
            kv_str(
                "cloud.region",
                rng.pick(&["us-east1", "us-central1", "europe-west1"]),
            ),
            kv_str("telemetry.sdk.name", "opentelemetry"),
            kv_str(
                "telemetry.sdk.language",
                rng.pick(&["python", "go", "rust"]),
            ),
            kv_str("telemetry.sdk.version", "1.29.0"),
        ];
        if rng.chance(self.cfg.pii_share) {
            let kind = *rng.pick(&CanaryKind::BASE);
            let pii = self.planter.fresh(rng, kind);
            attributes.push(kv_str("k8s.pod.annotation.owner", &pii.bare));
            self.planter
                .record(&pii, Location::ResourceAttribute, Carrier::Value, None);
        }
        Resource {
            attributes,
            dropped_attributes_count: 0,
            // Every EntityRef field is set: opentelemetry-proto's serde
            // deserializer (used by tests) requires them all.
            entity_refs: vec![EntityRef {
                schema_url: "https://opentelemetry.io/schemas/1.26.0".into(),
                r#type: "service".into(),
                id_keys: vec!["service.name".into(), "service.namespace".into()],
                description_keys: vec!["service.version".into()],
            }],
        }
    }

    /// An instrumentation scope, maybe carrying a canary.
    pub fn scope(&mut self, rng: &mut Rng) -> InstrumentationScope {
        let mut attributes = Vec::new();
        if rng.chance(self.cfg.pii_share) {
            let kind = *rng.pick(&CanaryKind::BASE);
            let pii = self.planter.fresh(rng, kind);
            attributes.push(kv_str("otel.scope.note", &pii.bare));
            self.planter
                .record(&pii, Location::ScopeAttribute, Carrier::Value, None);
        }
        InstrumentationScope {
            name: rng.pick(text::SCOPES).to_string(),
            version: format!("0.{}.{}", rng.range(10, 60), rng.below(10)),
            attributes,
            dropped_attributes_count: 0,
        }
    }
}

/// Fresh canaries for planting through a real client (an OpenTelemetry SDK
/// in the end-to-end tests): for every kind, `per_kind` values from the
/// benchmark generator and as many from the adversarial one, no value
/// containing or contained in another, so a leak names its canary.
pub fn canary_set(seed: u64, per_kind: usize) -> Vec<Pii> {
    let mut rng = Rng::new(seed);
    let mut planter = Planter::default();
    let mut out = Vec::new();
    for extended in [false, true] {
        planter.extended = extended;
        for kind in CanaryKind::ALL {
            for _ in 0..per_kind {
                out.push(planter.fresh(&mut rng, kind));
            }
        }
    }
    out
}

/// Collects the canaries of one batch and keeps their values unique.
#[derive(Default)]
pub(crate) struct Planter {
    used: HashSet<String>,
    pub canaries: Vec<Canary>,
    /// Draw from [`pii::generate_adversarial`] (the adversarial batches),
    /// not [`pii::generate`] (the benchmark corpus, which stays as it was).
    pub extended: bool,
}

impl Planter {
    /// A value of `kind` not used before in this batch. Kinds drawn from small
    /// vocabularies (person names) could in principle run out; after a bounded
    /// number of attempts the last candidate is returned anyway.
    pub fn fresh(&mut self, rng: &mut Rng, kind: CanaryKind) -> pii::Pii {
        let generate = if self.extended {
            pii::generate_adversarial
        } else {
            pii::generate
        };
        let mut candidate = generate(rng, kind);
        for _ in 0..256 {
            if !self.used.contains(&candidate.value) && !self.overlaps(&candidate.value) {
                break;
            }
            candidate = generate(rng, kind);
        }
        self.used.insert(candidate.value.clone());
        candidate
    }

    /// Whether `value` contains or is contained in a value already planted
    /// (so one canary's leak is never counted as another's).
    fn overlaps(&self, value: &str) -> bool {
        self.used
            .iter()
            .any(|u| u.contains(value) || value.contains(u.as_str()))
    }

    pub fn record(
        &mut self,
        pii: &pii::Pii,
        location: Location,
        carrier: Carrier,
        record: Option<usize>,
    ) {
        self.canaries.push(Canary {
            kind: pii.kind,
            value: pii.value.clone(),
            location,
            carrier,
            record,
        });
    }
}

pub(crate) fn any_str(v: &str) -> AnyValue {
    AnyValue {
        value: Some(any_value::Value::StringValue(v.to_string())),
    }
}

pub(crate) fn kv(key: &str, value: any_value::Value) -> KeyValue {
    KeyValue {
        key: key.to_string(),
        value: Some(AnyValue { value: Some(value) }),
        key_strindex: 0,
    }
}

pub(crate) fn kv_str(key: &str, value: impl AsRef<str>) -> KeyValue {
    kv(
        key,
        any_value::Value::StringValue(value.as_ref().to_string()),
    )
}

pub(crate) fn kv_int(key: &str, value: i64) -> KeyValue {
    kv(key, any_value::Value::IntValue(value))
}

pub(crate) fn kv_double(key: &str, value: f64) -> KeyValue {
    kv(key, any_value::Value::DoubleValue(value))
}

pub(crate) fn kv_bytes(key: &str, value: Vec<u8>) -> KeyValue {
    kv(key, any_value::Value::BytesValue(value))
}

pub(crate) fn kv_list(key: &str, values: Vec<KeyValue>) -> KeyValue {
    kv(key, any_value::Value::KvlistValue(KeyValueList { values }))
}

pub(crate) fn kv_array(key: &str, values: Vec<AnyValue>) -> KeyValue {
    kv(key, any_value::Value::ArrayValue(ArrayValue { values }))
}

/// A `bytes_value` payload that embeds `text` between binary framing bytes.
pub(crate) fn framed_bytes(rng: &mut Rng, text: &str) -> Vec<u8> {
    let mut b = vec![0x0a, text.len().min(127) as u8];
    b.extend_from_slice(text.as_bytes());
    b.extend_from_slice(&[0x10, 0x01, 0x1a]);
    b.extend(rng.bytes(6));
    b
}

/// Canary placements inside one record's attribute list, shared by the three
/// signals: returns the attribute to append (and records the canary).
pub(crate) fn plant_attribute(
    gen: &mut Gen,
    rng: &mut Rng,
    pii: &pii::Pii,
    carrier: Carrier,
    location: Location,
    value_key: &str,
    record: Option<usize>,
) -> KeyValue {
    let (attr, location) = match carrier {
        Carrier::FeatureKey => {
            let key = pii.feature_key.as_deref().unwrap_or("user.segment");
            (kv_str(key, &pii.value), location)
        }
        Carrier::Key => (
            kv_int(&format!("tenant.{}", pii.bare), rng.range(1, 500) as i64),
            Location::AttributeKey,
        ),
        Carrier::Bytes => (
            kv_bytes("payload.raw", framed_bytes(rng, &pii.bare)),
            location,
        ),
        Carrier::NestedValue => (
            kv_list(
                "event.context",
                vec![
                    kv_str("stage", "enrich"),
                    kv_list("detail", vec![kv_str("note", &pii.phrase)]),
                ],
            ),
            location,
        ),
        Carrier::ArrayElement => (
            kv_array(
                "event.notes",
                vec![any_str("retry scheduled"), any_str(&pii.phrase)],
            ),
            location,
        ),
        Carrier::UnlistedKeyValue => (kv_str("customer.note", &pii.phrase), location),
        Carrier::Value | Carrier::Text => (kv_str(value_key, &pii.phrase), location),
    };
    gen.planter.record(pii, location, carrier, record);
    attr
}

/// Picks a carrier for a record-level attribute canary of `kind`.
pub(crate) fn attribute_carrier(rng: &mut Rng, kind: CanaryKind) -> Carrier {
    if kind == CanaryKind::FeatureValue {
        return Carrier::FeatureKey;
    }
    match rng.below(100) {
        0..=54 => Carrier::Value,
        55..=69 => Carrier::Key,
        70..=79 => Carrier::Bytes,
        80..=89 => Carrier::NestedValue,
        _ => Carrier::UnlistedKeyValue,
    }
}
