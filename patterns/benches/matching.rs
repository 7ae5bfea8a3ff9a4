//! Matching throughput, in events per second (criterion's `elem/s`).
//!
//! - `citylots_5_rules`: five rules over San Francisco city-lot GeoJSON records, the workload
//!   aws/event-ruler publishes numbers for (26k to 72k events/s there).
//! - `rule_set_size`: EventBridge-style events against 1 to 10,000 patterns, to show how the
//!   cost grows with the number of patterns.
//! - `single_pattern`: one pattern on raw JSON text, on an already parsed `Value`, and on text
//!   parsed into a `Value` first (what the raw path saves).
//! - `wildcard`: one wildcard pattern of increasing complexity.
//!
//! Records are generated here (deterministically) rather than shipped, and runs are kept short
//! because the machine is shared.

use std::hint::black_box;
use std::time::Duration;

use bridgecraft_patterns::{Pattern, RuleSet};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};

/// A small deterministic generator, so runs compare.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

const STREETS: &[&str] = &[
    "CRANLEIGH",
    "MARKET",
    "MISSION",
    "VALENCIA",
    "GEARY",
    "UNKNOWN",
    "JACKSON",
    "POWELL",
];
const ST_TYPES: &[&str] = &["\"ST\"", "\"AVE\"", "\"DR\"", "null"];

/// A record shaped like the features of event-ruler's `citylots.json`.
fn city_lot(rng: &mut Lcg) -> String {
    let block = rng.below(9000);
    let lot = rng.below(200);
    let points: Vec<String> = (0..6 + rng.below(20))
        .map(|_| {
            let lon = -122.52 + rng.below(10_000) as f64 * 1e-5;
            let lat = 37.70 + rng.below(10_000) as f64 * 1e-5;
            format!("[{lon:.12}, {lat:.12}, 0.0]")
        })
        .collect();
    format!(
        r#"{{"type": "Feature", "properties": {{"MAPBLKLOT": "{block:04}{lot:03}", "BLKLOT": "{block:04}{lot:03}", "BLOCK_NUM": "{block:04}", "LOT_NUM": "{lot:03}", "FROM_ST": "{}", "TO_ST": "{}", "STREET": "{}", "ST_TYPE": {}, "ODD_EVEN": "{}"}}, "geometry": {{"type": "Polygon", "coordinates": [[{}]]}}}}"#,
        rng.below(3000),
        rng.below(3000),
        STREETS[rng.below(STREETS.len() as u64) as usize],
        ST_TYPES[rng.below(ST_TYPES.len() as u64) as usize],
        if rng.below(2) == 0 { "E" } else { "O" },
        points.join(", "),
    )
}

fn citylots(c: &mut Criterion) {
    let mut rng = Lcg(7);
    let events: Vec<String> = (0..1000).map(|_| city_lot(&mut rng)).collect();
    let rules = RuleSet::new(
        [
            r#"{"properties": {"STREET": ["CRANLEIGH"]}}"#,
            r#"{"properties": {"STREET": ["MARKET"], "ODD_EVEN": ["E"]}}"#,
            r#"{"properties": {"MAPBLKLOT": [{"prefix": "0001"}]}}"#,
            r#"{"properties": {"ST_TYPE": [{"anything-but": ["ST", "AVE"]}]}, "type": ["Feature"]}"#,
            r#"{"geometry": {"coordinates": [{"numeric": ["<", -122.51]}]}}"#,
        ]
        .iter()
        .enumerate()
        .map(|(i, p)| (i, Pattern::parse(p).expect("valid pattern"))),
    );
    let mut group = c.benchmark_group("citylots_5_rules");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    group.throughput(Throughput::Elements(events.len() as u64));
    group.bench_function("rule_set_raw_json", |b| {
        b.iter(|| {
            events
                .iter()
                .map(|e| rules.matching_json(e).map(|m| m.len()).unwrap_or(0))
                .sum::<usize>()
        })
    });
    group.finish();
}

/// Pattern `i` of a rule set: mostly exact values, one in ten with prefix and numeric operators.
fn service_pattern(i: usize) -> String {
    let source = format!("aws.svc{}", i % 20);
    let detail_type = format!("Thing {} Changed", i % 50);
    if i % 10 == 9 {
        format!(
            r#"{{"source": ["{source}"], "detail-type": ["{detail_type}"], "detail": {{"name": [{{"prefix": "n{}"}}], "count": [{{"numeric": [">", {}]}}]}}}}"#,
            i % 7,
            i % 100
        )
    } else {
        format!(
            r#"{{"source": ["{source}"], "detail-type": ["{detail_type}"], "detail": {{"id": ["id-{i}"], "state": ["running", "stopped"]}}}}"#
        )
    }
}

fn service_event(rng: &mut Lcg, patterns: usize) -> String {
    let i = rng.below(patterns.max(1) as u64 * 2);
    let state = if rng.below(2) == 0 {
        "running"
    } else {
        "pending"
    };
    format!(
        r#"{{"version": "0", "id": "6a7e8feb-b491-4cf7-a9f1-bf3703467718", "detail-type": "Thing {} Changed", "source": "aws.svc{}", "account": "111122223333", "time": "2017-12-22T18:43:48Z", "region": "us-west-1", "resources": ["arn:aws:svc:us-west-1:111122223333:thing/{i}"], "detail": {{"id": "id-{i}", "state": "{state}", "name": "n{}-thing", "count": {}, "tags": ["a", "b"]}}}}"#,
        i % 50,
        i % 20,
        i % 7,
        rng.below(200)
    )
}

fn rule_set_size(c: &mut Criterion) {
    let mut group = c.benchmark_group("rule_set_size");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    for n in [1usize, 10, 100, 1_000, 10_000] {
        let rules = RuleSet::new((0..n).map(|i| {
            (
                i,
                Pattern::parse(&service_pattern(i)).expect("valid pattern"),
            )
        }));
        let mut rng = Lcg(42);
        let events: Vec<String> = (0..500).map(|_| service_event(&mut rng, n)).collect();
        group.throughput(Throughput::Elements(events.len() as u64));
        group.bench_with_input(BenchmarkId::from_parameter(n), &events, |b, events| {
            b.iter(|| {
                events
                    .iter()
                    .map(|e| rules.matching_json(e).map(|m| m.len()).unwrap_or(0))
                    .sum::<usize>()
            })
        });
    }
    group.finish();
}

fn single_pattern(c: &mut Criterion) {
    let mut group = c.benchmark_group("single_pattern");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(1));
    let pattern = Pattern::parse(&service_pattern(3)).expect("valid pattern");
    let mut rng = Lcg(3);
    let events: Vec<String> = (0..500).map(|_| service_event(&mut rng, 10)).collect();
    let values: Vec<serde_json::Value> = events
        .iter()
        .map(|e| serde_json::from_str(e).expect("valid event"))
        .collect();
    group.throughput(Throughput::Elements(events.len() as u64));
    group.bench_function("raw_json", |b| {
        b.iter(|| {
            events
                .iter()
                .filter(|e| pattern.matches_json(e).unwrap_or(false))
                .count()
        })
    });
    group.bench_function("parsed_value", |b| {
        b.iter(|| values.iter().filter(|v| pattern.matches_value(v)).count())
    });
    group.bench_function("parse_then_value", |b| {
        b.iter(|| {
            events
                .iter()
                .filter(|e| {
                    serde_json::from_str::<serde_json::Value>(e)
                        .is_ok_and(|v| pattern.matches_value(&v))
                })
                .count()
        })
    });
    group.finish();
}

fn wildcard(c: &mut Criterion) {
    let mut group = c.benchmark_group("wildcard");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(1));
    let arns: Vec<String> = (0..500)
        .map(|i| {
            format!(
                r#"{{"EventBusArn": "arn:aws:events:us-east-{}:{:012}:event-bus/bus-{i}", "FileName": "/Users/user{i}/dir/dir/dir/dir/dir/doc{}.txt"}}"#,
                i % 3,
                i * 7919,
                i % 2
            )
        })
        .collect();
    let cases = [
        (
            "literal",
            r#"{"EventBusArn": ["arn:aws:events:us-east-1:000000007919:event-bus/bus-1"]}"#,
        ),
        (
            "one_star",
            r#"{"EventBusArn": [{"wildcard": "arn:aws:events:us-east-1:*"}]}"#,
        ),
        (
            "two_stars",
            r#"{"EventBusArn": [{"wildcard": "arn:aws:events:*:*:event-bus/*"}]}"#,
        ),
        (
            "repeating_after_star",
            r#"{"FileName": [{"wildcard": "/Users/*/dir/dir/dir/dir/dir/doc.txt"}]}"#,
        ),
    ];
    for (name, text) in cases {
        let pattern = Pattern::parse(text).expect("accepted wildcard pattern");
        group.throughput(Throughput::Elements(arns.len() as u64));
        group.bench_function(name, |b| {
            b.iter(|| {
                arns.iter()
                    .filter(|e| black_box(&pattern).matches_json(e).unwrap_or(false))
                    .count()
            })
        });
    }
    group.finish();
}

criterion_group!(benches, citylots, rule_set_size, single_pattern, wildcard);
criterion_main!(benches);
