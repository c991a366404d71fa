//! Detector throughput on the text values of the synthetic corpus.
//! `cargo bench -p planeguard-filters --features corpus --bench detect`
use criterion::{criterion_group, criterion_main, Criterion};

fn bench(c: &mut Criterion) {
    let _ = c;
}

criterion_group!(benches, bench);
criterion_main!(benches);
