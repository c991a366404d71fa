//! Scrubbing throughput on the synthetic corpus (issue 2, point 10).
//!
//! Per signal (logs, metrics, traces), over the same 16 requests of 100
//! records: `strict` (one-pass scrubber, strict default profile plus feature
//! namespaces, protobuf), `keys_only` (same without detectors: what the
//! detectors cost is the difference), `strict_json` (same, OTLP/JSON), `naive` (prost
//! decode / edit / encode with the same detectors, see naive.rs), `validate`
//! (walk without detectors: the floor) and `memcpy` (copying the bytes).
//! Criterion reports MB/s; a table of MB/s, records/s and the bar of the issue
//! ((a) >= 3x (b) and (a) >= 0.5x (c) on logs) is printed at the end.
//!
//! Run: `cargo bench -p planeguard-filters --features corpus [-- <filter>]`.

#[path = "naive.rs"]
mod naive;

use std::cell::RefCell;
use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{BenchmarkGroup, Criterion, Throughput};
use planeguard_filters::corpus::{self, Batch, CorpusConfig};
use planeguard_filters::{Encoding, Profile, Scrubber, Signal};

/// Requests per signal in one benchmark iteration.
const REQUESTS: u64 = 16;

/// Time and iterations measured through `iter_custom`, per benchmark.
struct Measured {
    group: &'static str,
    function: &'static str,
    bytes: u64,
    records: u64,
    elapsed: Duration,
    iterations: u64,
}

/// The corpus of one signal, with its totals.
struct Corpus {
    signal: Signal,
    batches: Vec<Batch>,
    protobuf_bytes: u64,
    json_bytes: u64,
    records: u64,
}

impl Corpus {
    fn new(signal: Signal) -> Self {
        let batches = corpus::batches(&CorpusConfig::default(), signal, REQUESTS);
        Self {
            signal,
            protobuf_bytes: batches.iter().map(|b| b.protobuf.len() as u64).sum(),
            json_bytes: batches.iter().map(|b| b.json.len() as u64).sum(),
            records: batches.iter().map(|b| b.records as u64).sum(),
            batches,
        }
    }
}

fn strict_scrubber() -> Scrubber {
    scrubber_with(None)
}

/// The strict profile with feature namespaces; `detectors: Some(vec![])`
/// turns every detector off (key rules only: the walker's own cost).
fn scrubber_with(detectors: Option<Vec<String>>) -> Scrubber {
    let mut profile = Profile::strict_default();
    profile.features = vec!["user.*".into(), "transaction.*".into()];
    if detectors.is_some() {
        profile.detectors = detectors;
    }
    match Scrubber::new(&profile) {
        Ok(s) => s,
        Err(e) => panic!("strict profile does not compile: {e:?}"),
    }
}

fn main() {
    let mut c = Criterion::default()
        .measurement_time(Duration::from_secs(3))
        .warm_up_time(Duration::from_secs(1))
        .sample_size(20)
        .configure_from_args();
    let scrubber = strict_scrubber();
    let keys_only = scrubber_with(Some(Vec::new()));
    let results = RefCell::new(Vec::new());
    for signal in Signal::ALL {
        let corpus = Corpus::new(signal);
        describe(&corpus, &scrubber);
        let mut group = c.benchmark_group(signal.as_str());
        bench_signal(&mut group, &corpus, &scrubber, &keys_only, &results);
        group.finish();
    }
    c.final_summary();
    summarize(&results.borrow());
    if filter_allows_interleaved() {
        for signal in Signal::ALL {
            interleaved(&Corpus::new(signal), &scrubber, &keys_only);
        }
    }
}

/// Whether the command line's filter (if any) asks for the interleaved
/// rounds: no filter, or one that mentions `interleaved`.
fn filter_allows_interleaved() -> bool {
    let filters: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    filters.is_empty() || filters.iter().any(|f| f.contains("interleaved"))
}

/// Rounds of the strict, naive and validate-only functions (and keys_only)
/// interleaved, each round in a rotated order, and the medians: the ratios of
/// the bars from one run on a shared machine, where a noisy second hits every
/// function alike instead of one criterion group.
fn interleaved(corpus: &Corpus, strict: &Scrubber, keys_only: &Scrubber) {
    const ROUNDS: usize = 21;
    const PASSES: usize = 8;
    let signal = corpus.signal;
    let mut out = Vec::with_capacity(1 << 20);
    let run = |which: usize, out: &mut Vec<u8>| {
        for b in &corpus.batches {
            let input = black_box(&b.protobuf[..]);
            match which {
                0 => {
                    let _ = black_box(strict.scrub(signal, Encoding::Protobuf, input, out));
                }
                1 => {
                    let _ = black_box(naive::scrub(strict, signal, input, out));
                }
                2 => {
                    let _ = black_box(strict.validate(signal, Encoding::Protobuf, input));
                }
                _ => {
                    let _ = black_box(keys_only.scrub(signal, Encoding::Protobuf, input, out));
                }
            }
        }
    };
    let names = ["strict", "naive", "validate", "keys_only"];
    // Warm-up: name lists, key caches, allocator.
    for which in 0..names.len() {
        run(which, &mut out);
    }
    let mut times: Vec<Vec<f64>> = vec![Vec::with_capacity(ROUNDS); names.len()];
    for round in 0..ROUNDS {
        for k in 0..names.len() {
            let which = (round + k) % names.len();
            let start = Instant::now();
            for _ in 0..PASSES {
                run(which, &mut out);
            }
            times[which].push(start.elapsed().as_secs_f64() / PASSES as f64);
        }
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let m: Vec<f64> = times.iter_mut().map(median).collect();
    println!(
        "\n{} interleaved ({ROUNDS} rounds x {PASSES} passes, medians per pass of {} records):",
        signal.as_str(),
        corpus.records
    );
    for (name, t) in names.iter().zip(&m) {
        println!(
            "  {name:<10} {:>8.3} ms  {:>10.0} records/s",
            t * 1e3,
            corpus.records as f64 / t
        );
    }
    println!(
        "  strict / naive = {:.2}x{}, strict / validate = {:.2}x{}",
        m[1] / m[0],
        if signal == Signal::Logs {
            " (bar >= 3.0)"
        } else {
            ""
        },
        m[2] / m[0],
        if signal == Signal::Logs {
            " (bar >= 0.5)"
        } else {
            ""
        },
    );
}

/// Prints the corpus shape and checks once, before timing, which functions
/// can run (the one-pass walker may be unavailable in a partial build).
fn describe(corpus: &Corpus, s: &Scrubber) {
    let canaries: usize = corpus.batches.iter().map(|b| b.canaries.len()).sum();
    println!(
        "{}: {} requests, {} records, {} B protobuf ({:.0} B/record), {} B JSON, {} canaries",
        corpus.signal.as_str(),
        corpus.batches.len(),
        corpus.records,
        corpus.protobuf_bytes,
        corpus.protobuf_bytes as f64 / corpus.records as f64,
        corpus.json_bytes,
        canaries
    );
    let mut out = Vec::new();
    let mut leaks = 0;
    for b in &corpus.batches {
        match naive::scrub(s, corpus.signal, &b.protobuf, &mut out) {
            Ok(_) => leaks += corpus::find_canaries(&out, &b.canaries).len(),
            Err(e) => println!("  naive: decode error {e}"),
        }
    }
    println!("  naive output still contains {leaks}/{canaries} canaries");
    if let Some(first) = corpus.batches.first() {
        for encoding in [Encoding::Protobuf, Encoding::Json] {
            if let Err(e) = s.scrub(corpus.signal, encoding, first.payload(encoding), &mut out) {
                println!("  strict ({encoding:?}) unavailable, skipped: {e:?}");
            }
        }
        if let Err(e) = s.validate(corpus.signal, Encoding::Protobuf, &first.protobuf) {
            println!("  validate unavailable, skipped: {e:?}");
        }
    }
}

fn bench_signal(
    group: &mut BenchmarkGroup<'_, criterion::measurement::WallTime>,
    corpus: &Corpus,
    s: &Scrubber,
    keys_only: &Scrubber,
    results: &RefCell<Vec<Measured>>,
) {
    let signal = corpus.signal;
    let group_name = signal.as_str();
    let first = &corpus.batches[0];
    let works = |encoding: Encoding| {
        let mut out = Vec::new();
        s.scrub(signal, encoding, first.payload(encoding), &mut out)
            .is_ok()
    };
    // Runs `f` over every request `iters` times and records the time.
    let run = |group: &mut BenchmarkGroup<'_, _>,
               function: &'static str,
               encoding: Encoding,
               f: &mut dyn FnMut(&[u8], &mut Vec<u8>)| {
        let bytes = match encoding {
            Encoding::Protobuf => corpus.protobuf_bytes,
            Encoding::Json => corpus.json_bytes,
        };
        group.throughput(Throughput::Bytes(bytes));
        group.bench_function(function, |b| {
            let mut out = Vec::with_capacity(1 << 20);
            b.iter_custom(|iters| {
                let start = Instant::now();
                for _ in 0..iters {
                    for batch in &corpus.batches {
                        f(black_box(batch.payload(encoding)), &mut out);
                        black_box(&out);
                    }
                }
                let elapsed = start.elapsed();
                record(
                    results,
                    group_name,
                    function,
                    bytes,
                    corpus.records,
                    elapsed,
                    iters,
                );
                elapsed
            });
        });
    };

    if works(Encoding::Protobuf) {
        run(group, "strict", Encoding::Protobuf, &mut |input, out| {
            let _ = black_box(s.scrub(signal, Encoding::Protobuf, input, out));
        });
    }
    if works(Encoding::Protobuf) {
        run(group, "keys_only", Encoding::Protobuf, &mut |input, out| {
            let _ = black_box(keys_only.scrub(signal, Encoding::Protobuf, input, out));
        });
    }
    if works(Encoding::Json) {
        run(group, "strict_json", Encoding::Json, &mut |input, out| {
            let _ = black_box(s.scrub(signal, Encoding::Json, input, out));
        });
    }
    run(group, "naive", Encoding::Protobuf, &mut |input, out| {
        let _ = black_box(naive::scrub(s, signal, input, out));
    });
    if s.validate(signal, Encoding::Protobuf, &first.protobuf)
        .is_ok()
    {
        run(group, "validate", Encoding::Protobuf, &mut |input, _out| {
            let _ = black_box(s.validate(signal, Encoding::Protobuf, input));
        });
    }
    run(group, "memcpy", Encoding::Protobuf, &mut |input, out| {
        out.clear();
        out.extend_from_slice(input);
    });
}

fn record(
    results: &RefCell<Vec<Measured>>,
    group: &'static str,
    function: &'static str,
    bytes: u64,
    records: u64,
    elapsed: Duration,
    iterations: u64,
) {
    let mut results = results.borrow_mut();
    match results
        .iter_mut()
        .find(|m| m.group == group && m.function == function)
    {
        Some(m) => {
            m.elapsed += elapsed;
            m.iterations += iterations;
        }
        None => results.push(Measured {
            group,
            function,
            bytes,
            records,
            elapsed,
            iterations,
        }),
    }
}

/// MB/s and records/s (mean over warm-up and measurement) and the bar.
fn summarize(results: &[Measured]) {
    if results.is_empty() {
        return;
    }
    let rate = |m: &Measured| {
        let secs = m.elapsed.as_secs_f64() / m.iterations.max(1) as f64;
        (m.bytes as f64 / secs / 1e6, m.records as f64 / secs)
    };
    println!(
        "\n{:<8} {:<12} {:>10} {:>14}",
        "signal", "function", "MB/s", "records/s"
    );
    for m in results {
        let (mbs, rps) = rate(m);
        println!(
            "{:<8} {:<12} {:>10.1} {:>14.0}",
            m.group, m.function, mbs, rps
        );
    }
    let find = |g: &str, f: &str| {
        results
            .iter()
            .find(|m| m.group == g && m.function == f)
            .map(|m| rate(m).0)
    };
    for signal in Signal::ALL {
        let g = signal.as_str();
        if let (Some(a), Some(b)) = (find(g, "strict"), find(g, "naive")) {
            let bar = if signal == Signal::Logs {
                " (bar: >= 3.0)"
            } else {
                ""
            };
            println!("{g}: strict / naive = {:.2}x{bar}", a / b);
        }
        if let (Some(a), Some(c)) = (find(g, "strict"), find(g, "validate")) {
            let bar = if signal == Signal::Logs {
                " (bar: >= 0.5)"
            } else {
                ""
            };
            println!("{g}: strict / validate = {:.2}x{bar}", a / c);
        }
    }
}
