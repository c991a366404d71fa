//! The checks of the six cargo-fuzz targets (filters/fuzz/), run on stable as
//! proptests so that CI exercises them without nightly or libFuzzer: arbitrary
//! bytes, mutated corpus payloads of both encodings, and valid generated
//! requests, for each signal and encoding.

mod common;

#[path = "../fuzz/src/lib.rs"]
mod fuzz_check;

use common::gen::{self, Shape};
use planeguard_filters::corpus::{self, CorpusConfig};
use planeguard_filters::{Encoding, Signal};
use proptest::collection::vec;
use proptest::prelude::*;

/// Small corpus payloads to mutate: a few records each, half of them with a
/// planted value, in both encodings.
fn seeds(signal: Signal, encoding: Encoding) -> Vec<Vec<u8>> {
    let cfg = CorpusConfig {
        records_per_request: 4,
        pii_share: 0.5,
        scopes: 1,
        ..CorpusConfig::default()
    };
    (0..4)
        .map(|i| corpus::batch(&cfg, signal, i).payload(encoding).to_vec())
        .collect()
}

/// One edit of a payload; positions are fractions of its length so that a
/// mutation applies to any seed.
#[derive(Clone, Debug)]
enum Edit {
    Set(f64, u8),
    Insert(f64, Vec<u8>),
    Delete(f64, usize),
    Truncate(f64),
    /// Copies a slice elsewhere (repeats fields, nests structure deeper).
    Splice(f64, usize, f64),
}

fn edit() -> impl Strategy<Value = Edit> {
    let at = 0.0..1.0f64;
    prop_oneof![
        4 => (at.clone(), any::<u8>()).prop_map(|(p, b)| Edit::Set(p, b)),
        2 => (at.clone(), prop_oneof![
            vec(any::<u8>(), 1..4),
            // Tokens that make JSON or protobuf interesting rather than just broken.
            prop::sample::select(vec![
                b"{".to_vec(), b"}".to_vec(), b"[".to_vec(), b"]".to_vec(), b",".to_vec(),
                b"\"".to_vec(), b"\\u00".to_vec(), b"\\ud83d".to_vec(), b"null".to_vec(),
                b"\"stringValue\":\"a@b.co\"".to_vec(), b"\"kvlistValue\":{\"values\":[".to_vec(),
                b"\"arrayValue\":{\"values\":[".to_vec(), vec![0x0a, 0x00], vec![0x12, 0x7f],
                vec![0x2a, 0x05, 0x0a, 0x03], vec![0xff, 0xff, 0xff, 0xff, 0x0f], vec![0x0b],
            ]),
        ]).prop_map(|(p, b)| Edit::Insert(p, b)),
        2 => (at.clone(), 1usize..16).prop_map(|(p, n)| Edit::Delete(p, n)),
        1 => at.clone().prop_map(Edit::Truncate),
        1 => (at.clone(), 1usize..64, at).prop_map(|(p, n, q)| Edit::Splice(p, n, q)),
    ]
}

fn apply(data: &mut Vec<u8>, e: &Edit) {
    let pos = |f: f64, len: usize| ((f * len as f64) as usize).min(len);
    match e {
        Edit::Set(p, b) => {
            if !data.is_empty() {
                let i = pos(*p, data.len() - 1);
                data[i] = *b;
            }
        }
        Edit::Insert(p, b) => {
            let i = pos(*p, data.len());
            data.splice(i..i, b.iter().copied());
        }
        Edit::Delete(p, n) => {
            let i = pos(*p, data.len());
            let end = (i + n).min(data.len());
            data.drain(i..end);
        }
        Edit::Truncate(p) => data.truncate(pos(*p, data.len())),
        Edit::Splice(p, n, q) => {
            let i = pos(*p, data.len());
            let end = (i + n).min(data.len());
            let chunk = data[i..end].to_vec();
            let j = pos(*q, data.len());
            data.splice(j..j, chunk);
        }
    }
}

const TARGETS: [(Signal, Encoding); 6] = [
    (Signal::Logs, Encoding::Protobuf),
    (Signal::Metrics, Encoding::Protobuf),
    (Signal::Traces, Encoding::Protobuf),
    (Signal::Logs, Encoding::Json),
    (Signal::Metrics, Encoding::Json),
    (Signal::Traces, Encoding::Json),
];

fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases,
        max_shrink_iters: 4000,
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config(128))]

    /// Arbitrary bytes, to every target.
    #[test]
    fn arbitrary_bytes(data in vec(any::<u8>(), 0..256)) {
        for (signal, encoding) in TARGETS {
            fuzz_check::check(signal, encoding, &data);
        }
    }

}

proptest! {
    #![proptest_config(config(512))]

    /// A corpus payload with a few edits, to its own target.
    #[test]
    fn mutated_corpus(target in 0usize..6, seed in 0usize..4, edits in vec(edit(), 1..6)) {
        let (signal, encoding) = TARGETS[target];
        let mut data = seeds(signal, encoding).swap_remove(seed);
        for e in &edits {
            apply(&mut data, e);
        }
        fuzz_check::check(signal, encoding, &data);
    }
}

proptest! {
    #![proptest_config(config(48))]

    /// Valid generated requests take the success path of every check.
    #[test]
    fn generated_logs(msg in gen::logs_request(Shape::JSON)) {
        for encoding in [Encoding::Protobuf, Encoding::Json] {
            fuzz_check::check(Signal::Logs, encoding, &common::encode(&msg, encoding));
        }
    }
    #[test]
    fn generated_metrics(msg in gen::metrics_request(Shape::JSON)) {
        for encoding in [Encoding::Protobuf, Encoding::Json] {
            fuzz_check::check(Signal::Metrics, encoding, &common::encode(&msg, encoding));
        }
    }
    #[test]
    fn generated_traces(msg in gen::traces_request(Shape::JSON)) {
        for encoding in [Encoding::Protobuf, Encoding::Json] {
            fuzz_check::check(Signal::Traces, encoding, &common::encode(&msg, encoding));
        }
    }
}

/// The unmutated seeds pass (so a mutated failure is about the mutation).
#[test]
fn seeds_pass_every_check() {
    for (signal, encoding) in TARGETS {
        for data in seeds(signal, encoding) {
            fuzz_check::check(signal, encoding, &data);
        }
    }
}

/// Writes libFuzzer seed corpora to `$PLANEGUARD_FUZZ_SEEDS/<target>/` (see
/// README.md, "Fuzzing"): small corpus batches and one adversarial batch.
#[test]
#[ignore = "writes files; run on demand"]
fn write_fuzz_seeds() {
    let Ok(dir) = std::env::var("PLANEGUARD_FUZZ_SEEDS") else {
        panic!("set PLANEGUARD_FUZZ_SEEDS to the corpus directory");
    };
    for (signal, encoding) in TARGETS {
        let enc = match encoding {
            Encoding::Protobuf => "proto",
            Encoding::Json => "json",
        };
        let target = format!("{dir}/scrub_{enc}_{}", signal.as_str());
        std::fs::create_dir_all(&target).expect("create seed dir");
        let mut payloads = seeds(signal, encoding);
        payloads.push(corpus::adversarial(signal, 1).payload(encoding).to_vec());
        for (i, p) in payloads.iter().enumerate() {
            std::fs::write(format!("{target}/seed-{i}"), p).expect("write seed");
        }
    }
}
