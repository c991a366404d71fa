//! Detector throughput on the text values of the synthetic corpus.
//!
//! The logs corpus (the same 16 requests as the scrub bench) is decoded with
//! prost, and every text the one-pass scrubber hands to the detectors is
//! collected: log bodies, severity texts, event names, scope names, attribute
//! keys (scanned as free text) and the string/bytes values of attributes whose
//! key the strict profile scans (allowed keys). Groups:
//!
//! - `corpus/all`: every collected text, in order, through the strict profile's
//!   detector set (all built-ins, features `user.*` and `transaction.*`);
//! - `corpus/values`, `corpus/keys`: the values only, the keys only;
//!   `corpus/free_text` and `corpus/attr_values`: the values without a key
//!   (log bodies, severity texts...) and the attribute values;
//! - `line/*`: single representative strings (a typical log line without PII,
//!   with an email, with a card number, a UUID-heavy line, a key).
//!
//! Criterion reports MB/s of scanned text.
//!
//! Run: `cargo bench -p planeguard-filters --features corpus --bench detect`.

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use opentelemetry_proto::tonic::collector::logs::v1::ExportLogsServiceRequest;
use opentelemetry_proto::tonic::common::v1::{any_value::Value, AnyValue, KeyValue};
use planeguard_filters::corpus::{self, CorpusConfig};
use planeguard_filters::detect::{BuiltinDetector, DetectorSet, Match};
use planeguard_filters::{KeyPolicy, Profile, Scrubber, Signal};
use prost::Message;

/// Requests of the logs corpus, as in the scrub bench.
const REQUESTS: u64 = 16;

/// One text handed to `DetectorSet::scan`: the key it is the value of (empty
/// for free text and for attribute keys) and the text.
#[derive(Clone)]
struct Item {
    key: Vec<u8>,
    text: Vec<u8>,
}

/// The strict profile of the scrub bench: all built-ins plus feature namespaces.
fn profile() -> Profile {
    let mut p = Profile::strict_default();
    p.features = vec!["user.*".into(), "transaction.*".into()];
    p
}

fn detectors() -> DetectorSet {
    match DetectorSet::new(&BuiltinDetector::ALL, &profile().features, &[]) {
        Ok(s) => s,
        Err(e) => panic!("detector set does not compile: {e}"),
    }
}

/// Collects the texts of the logs corpus in the order the scrubber scans them.
struct Collector {
    scrubber: Scrubber,
    values: Vec<Item>,
    keys: Vec<Item>,
    all: Vec<Item>,
}

impl Collector {
    fn push_value(&mut self, key: &str, text: &[u8]) {
        if text.is_empty() {
            return;
        }
        let item = || Item {
            key: key.as_bytes().to_vec(),
            text: text.to_vec(),
        };
        self.values.push(item());
        self.all.push(item());
    }

    fn push_key(&mut self, key: &str) {
        let item = || Item {
            key: Vec::new(),
            text: key.as_bytes().to_vec(),
        };
        self.keys.push(item());
        self.all.push(item());
    }

    fn attributes(&mut self, prefix: &str, attrs: &[KeyValue]) {
        for kv in attrs {
            let path = if prefix.is_empty() {
                kv.key.clone()
            } else {
                format!("{prefix}.{}", kv.key)
            };
            self.push_key(&kv.key);
            if self.scrubber.key_policy(path.as_bytes()) == KeyPolicy::Scan {
                if let Some(v) = &kv.value {
                    self.any_value(&path, v);
                }
            }
        }
    }

    fn any_value(&mut self, key: &str, v: &AnyValue) {
        match &v.value {
            Some(Value::StringValue(s)) => self.push_value(key, s.as_bytes()),
            Some(Value::BytesValue(b)) => self.push_value(key, b),
            Some(Value::ArrayValue(a)) => {
                for e in &a.values {
                    self.any_value(key, e);
                }
            }
            Some(Value::KvlistValue(l)) => self.attributes(key, &l.values),
            _ => {}
        }
    }

    fn request(&mut self, req: &ExportLogsServiceRequest) {
        for rl in &req.resource_logs {
            if let Some(r) = &rl.resource {
                self.attributes("", &r.attributes);
            }
            for sl in &rl.scope_logs {
                if let Some(scope) = &sl.scope {
                    self.push_value("", scope.name.as_bytes());
                    self.push_value("", scope.version.as_bytes());
                    self.attributes("", &scope.attributes);
                }
                for rec in &sl.log_records {
                    self.push_value("", rec.severity_text.as_bytes());
                    if let Some(body) = &rec.body {
                        self.any_value("", body);
                    }
                    self.attributes("", &rec.attributes);
                    self.push_value("", rec.event_name.as_bytes());
                }
            }
        }
    }
}

fn collect() -> Collector {
    let scrubber = match Scrubber::new(&profile()) {
        Ok(s) => s,
        Err(e) => panic!("strict profile does not compile: {e:?}"),
    };
    let mut c = Collector {
        scrubber,
        values: Vec::new(),
        keys: Vec::new(),
        all: Vec::new(),
    };
    for b in corpus::batches(&CorpusConfig::default(), Signal::Logs, REQUESTS) {
        match ExportLogsServiceRequest::decode(b.protobuf.as_slice()) {
            Ok(req) => c.request(&req),
            Err(e) => panic!("corpus request does not decode: {e}"),
        }
    }
    c
}

fn bytes(items: &[Item]) -> u64 {
    items.iter().map(|i| i.text.len() as u64).sum()
}

/// Scans every item once; returns the number of matches (kept alive).
fn scan_all(set: &DetectorSet, items: &[Item], out: &mut Vec<Match>) -> usize {
    let mut n = 0;
    for it in items {
        out.clear();
        set.scan(black_box(&it.key), black_box(&it.text), out);
        n += out.len();
    }
    n
}

/// Representative single strings: `(name, key, text)`.
const LINES: &[(&str, &str, &str)] = &[
    (
        "plain",
        "",
        "resolver fraud_txn_velocity_1h completed in 14.2ms inputs=3 outputs=17 retries=0",
    ),
    (
        "query_uuid",
        "",
        "query 5f0c3a9e-8d2b-4c1f-9a7e-2b6d4e8f0a1c served resolvers=12 latency_ms=6.3 cache=hit rows=120",
    ),
    (
        "uuid_heavy",
        "",
        "trace 4bf92f3577b34da6a3ce929d0e0e4736 span 00f067aa0ba902b7 query 550e8400-e29b-41d4-a716-446655440000 parent 6ba7b810-9dad-11d1-80b4-00c04fd430c8 run_3k9x2m7q1z",
    ),
    (
        "http",
        "",
        "POST /v1/resolvers/merchant_category_stats/run 200 40.1ms req_id=x7k2p9q4m1z8 bytes=18342",
    ),
    (
        "email",
        "",
        "upstream model-gateway returned 503 after 12.5ms, retrying (2/3) notify jane.doe@example.com",
    ),
    (
        "card",
        "",
        "resolver get_account_features exceeded budget: elapsed=120.4ms card 4111 1111 1111 1111 declined",
    ),
    (
        "name",
        "",
        "stream worker 7 committed offset 4821907 topic=events.logins for Maria Garcia partition=3",
    ),
    ("key", "", "http.response.status_code"),
];

fn bench(c: &mut Criterion) {
    let set = detectors();
    let corpus = collect();
    // Free text (bodies, severity texts, event and scope names) and attribute values.
    let (free, keyed): (Vec<Item>, Vec<Item>) = corpus
        .values
        .iter()
        .cloned()
        .partition(|i| i.key.is_empty());
    println!(
        "logs corpus: {} texts ({} B): {} keys ({} B), {} free-text values ({} B), {} attribute values ({} B)",
        corpus.all.len(),
        bytes(&corpus.all),
        corpus.keys.len(),
        bytes(&corpus.keys),
        free.len(),
        bytes(&free),
        keyed.len(),
        bytes(&keyed),
    );
    let mut out = Vec::with_capacity(64);
    println!(
        "matches: all {}, values {}, keys {}",
        scan_all(&set, &corpus.all, &mut out),
        scan_all(&set, &corpus.values, &mut out),
        scan_all(&set, &corpus.keys, &mut out),
    );

    let mut group = c.benchmark_group("corpus");
    for (name, items) in [
        ("all", &corpus.all),
        ("values", &corpus.values),
        ("free_text", &free),
        ("attr_values", &keyed),
        ("keys", &corpus.keys),
    ] {
        group.throughput(Throughput::Bytes(bytes(items)));
        group.bench_function(name, |b| {
            b.iter(|| black_box(scan_all(&set, items, &mut out)))
        });
    }
    group.finish();

    let mut group = c.benchmark_group("line");
    for (name, key, text) in LINES {
        group.throughput(Throughput::Bytes(text.len() as u64));
        group.bench_function(*name, |b| {
            b.iter(|| {
                out.clear();
                set.scan(
                    black_box(key.as_bytes()),
                    black_box(text.as_bytes()),
                    &mut out,
                );
                black_box(out.len())
            })
        });
    }
    group.finish();
}

fn config() -> Criterion {
    Criterion::default()
        .measurement_time(Duration::from_secs(3))
        .warm_up_time(Duration::from_secs(1))
        .sample_size(30)
}

criterion_group! {
    name = benches;
    config = config();
    targets = bench
}
criterion_main!(benches);
