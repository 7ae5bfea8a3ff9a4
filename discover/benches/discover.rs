//! Discovery's cost per event against reading the same events into `serde_json::Value`, the
//! least any inference from JSON has to do, in one run: the ratios are what to read.
//!
//! `cargo bench -p bridgecraft-discover --bench discover`

use std::path::Path;

use bridgecraft_discover::Catalog;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

/// The shared corpus's events, or a few written here when it is missing.
fn events() -> Vec<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus/events");
    let files = bridgecraft_discover::files(&[dir], &["json"]);
    let events: Vec<String> = files
        .iter()
        .filter_map(|file| std::fs::read_to_string(file).ok())
        .collect();
    if !events.is_empty() {
        return events;
    }
    eprintln!("the shared corpus is missing: benchmarking three events written here");
    (0..3)
        .map(|n| {
            format!(
                r#"{{"version":"0","id":"{n}","detail-type":"Ping","source":"my.app","account":"1","time":"2024-01-01T00:00:00Z","region":"eu-west-1","resources":[],"detail":{{"n":{n},"tags":["a"],"at":"2024-01-01T00:00:00Z"}}}}"#
            )
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let events = events();
    let mut group = c.benchmark_group("per pass over the events");
    group.throughput(Throughput::Elements(events.len() as u64));
    group.bench_function("value (serde_json::Value, the baseline)", |b| {
        b.iter(|| {
            for event in &events {
                std::hint::black_box(serde_json::from_str::<serde_json::Value>(event).unwrap());
            }
        })
    });
    let mut catalog = Catalog::new();
    group.bench_function("discover (unwrapped, merged into the catalog)", |b| {
        b.iter(|| {
            for event in &events {
                std::hint::black_box(catalog.add_json(event));
            }
        })
    });
    group.bench_function("documents (rendering every type's document)", |b| {
        b.iter(|| std::hint::black_box(catalog.documents()))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
