//! Matching throughput in events per second (criterion's `elem/s`), bridgecraft's `RuleSet` and
//! the `quamina` crate (a Rust port of Tim Bray's automaton engine) side by side, on the same
//! events and patterns in one run. Before any case is timed, both engines match every event and
//! must report the same patterns; the bench stops if they do not.
//!
//! - `citylots`: San Francisco city-lot GeoJSON records, the workload event-ruler publishes
//!   numbers for, with its five rules together and each rule alone.
//!
//! bridgecraft runs twice on each: as it reads any JSON (`bridgecraft`), and taking each path to
//! occur once (`bridgecraft_unique`, [`EventKeys::Unique`]), as quamina does, which lets it stop
//! reading once every path the patterns name has been read.
//! - `rule_sets_exact`, `rule_sets_mixed`: EventBridge-style events against 1 to 100,000
//!   patterns, exact values only, or one pattern in ten with `prefix` and `numeric`. quamina runs
//!   where it can: it panics on the mixed sets from a few thousand patterns on.
//! - `single_pattern`: one `Pattern` on raw JSON text, on an already parsed `Value`, and on text
//!   parsed into a `Value` first.
//! - `wildcard`: one wildcard pattern of increasing complexity.
//!
//! The heap each engine keeps for its patterns is counted by a counting allocator and printed as
//! bytes per pattern (`memory:` lines). Records are generated here, deterministically. Runs are
//! kept short because the machine is shared: `cargo bench -p bridgecraft-patterns -- --warm-up-time
//! 1 --measurement-time 3`.

use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use bridgecraft_patterns::{EventKeys, Pattern, RuleSet};
use criterion::{BenchmarkGroup, BenchmarkId, Criterion, Throughput, measurement::WallTime};
use quamina::Quamina;

/// The system allocator, counting the bytes in use.
struct Counting;

static IN_USE: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every call is passed on to the system allocator unchanged; only a counter is updated.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        IN_USE.fetch_add(layout.size(), Ordering::Relaxed);
        // SAFETY: the caller's contract for `alloc` is passed on.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        IN_USE.fetch_sub(layout.size(), Ordering::Relaxed);
        // SAFETY: the caller's contract for `dealloc` is passed on.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        IN_USE.fetch_add(new_size, Ordering::Relaxed);
        IN_USE.fetch_sub(layout.size(), Ordering::Relaxed);
        // SAFETY: the caller's contract for `realloc` is passed on.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn in_use() -> usize {
    IN_USE.load(Ordering::Relaxed)
}

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

/// event-ruler's five city-lot rules: exact, exact pair, prefix, anything-but, numeric.
const CITY_RULES: &[&str] = &[
    r#"{"properties": {"STREET": ["CRANLEIGH"]}}"#,
    r#"{"properties": {"STREET": ["MARKET"], "ODD_EVEN": ["E"]}}"#,
    r#"{"properties": {"MAPBLKLOT": [{"prefix": "0001"}]}}"#,
    r#"{"properties": {"ST_TYPE": [{"anything-but": ["ST", "AVE"]}]}, "type": ["Feature"]}"#,
    r#"{"geometry": {"coordinates": [{"numeric": ["<", -122.51]}]}}"#,
];

/// Pattern `i` of a rule set: exact values, or (mixed, one in ten) prefix and numeric operators.
fn service_pattern(i: usize, mixed: bool) -> String {
    let source = format!("aws.svc{}", i % 20);
    let detail_type = format!("Thing {} Changed", i % 50);
    if mixed && i % 10 == 9 {
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

/// A rule set of the patterns (named by index), and the heap it keeps.
fn bridgecraft(patterns: &[String]) -> (RuleSet<usize>, usize) {
    let started = std::time::Instant::now();
    let parsed: Vec<Pattern> = patterns
        .iter()
        .map(|p| Pattern::parse(p).expect("valid pattern"))
        .collect();
    let before = in_use();
    let mut rules = RuleSet::default();
    for (i, pattern) in parsed.iter().enumerate() {
        rules.insert(i, pattern);
    }
    let kept = in_use().saturating_sub(before);
    if patterns.len() >= 10_000 {
        println!(
            "build: {} patterns parsed and inserted in {:?}",
            patterns.len(),
            started.elapsed()
        );
    }
    (rules, kept)
}

/// quamina with the same patterns and the heap it keeps, or why it cannot match them.
fn quamina(patterns: &[String], probe: &str) -> Result<(Quamina<usize>, usize), String> {
    let before = in_use();
    let mut q = Quamina::new();
    for (i, pattern) in patterns.iter().enumerate() {
        q.add_pattern(i, pattern)
            .map_err(|e| format!("rejects pattern {i}: {e}"))?;
    }
    let kept = in_use().saturating_sub(before);
    // Matching builds part of quamina's automaton lazily, and may panic there.
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let probed = catch_unwind(AssertUnwindSafe(|| q.matches_for_event(probe.as_bytes())));
    std::panic::set_hook(hook);
    match probed {
        Ok(Ok(_)) => Ok((q, kept)),
        Ok(Err(e)) => Err(format!("fails: {e}")),
        Err(panic) => Err(format!(
            "panics: {}",
            panic
                .downcast_ref::<String>()
                .map(String::as_str)
                .or_else(|| panic.downcast_ref::<&str>().copied())
                .unwrap_or("(no message)")
        )),
    }
}

/// The same rule set, taking each path of an event to occur once.
fn unique_keys(rules: &RuleSet<usize>) -> RuleSet<usize> {
    let mut unique = rules.clone();
    unique.set_keys(EventKeys::Unique);
    unique
}

/// Checks that both engines (bridgecraft both ways) report the same patterns for every event.
fn check_agreement(case: &str, events: &[String], rules: &RuleSet<usize>, q: &Quamina<usize>) {
    let unique = unique_keys(rules);
    let mut matches = 0;
    for event in events {
        let mut ours: Vec<usize> = rules
            .matching_json(event)
            .expect("valid event")
            .into_iter()
            .copied()
            .collect();
        let mut theirs = q.matches_for_event(event.as_bytes()).expect("valid event");
        ours.sort_unstable();
        theirs.sort_unstable();
        assert_eq!(ours, theirs, "{case}: the engines disagree on {event}");
        let mut unique: Vec<usize> = unique
            .matching_json(event)
            .expect("valid event")
            .into_iter()
            .copied()
            .collect();
        unique.sort_unstable();
        assert_eq!(unique, theirs, "{case}: unique keys disagree on {event}");
        matches += ours.len();
    }
    println!(
        "agreement: {case}: both report the same {matches} matches over {} events",
        events.len()
    );
}

fn memory_line(case: &str, patterns: usize, ours: usize, theirs: Option<usize>) {
    let per = |bytes: usize| bytes as f64 / patterns as f64;
    match theirs {
        Some(theirs) => println!(
            "memory: {case}: bridgecraft {:.0} bytes/pattern, quamina {:.0} bytes/pattern",
            per(ours),
            per(theirs)
        ),
        None => println!("memory: {case}: bridgecraft {:.0} bytes/pattern", per(ours)),
    }
}

fn bench_both(
    (group, label): (&mut BenchmarkGroup<'_, WallTime>, &str),
    case: &str,
    events: &[String],
    rules: &RuleSet<usize>,
    q: Option<&Quamina<usize>>,
) {
    group.throughput(Throughput::Elements(events.len() as u64));
    let unique = unique_keys(rules);
    for (name, rules) in [("bridgecraft", rules), ("bridgecraft_unique", &unique)] {
        group.bench_function(BenchmarkId::new(name, case), |b| {
            b.iter(|| bridgecraft_pass(rules, events))
        });
    }
    if let Some(q) = q {
        group.bench_function(BenchmarkId::new("quamina", case), |b| {
            b.iter(|| quamina_pass(q, events))
        });
        interleaved(&format!("{label}/{case}"), events, [rules, &unique], q);
    }
}

fn bridgecraft_pass(rules: &RuleSet<usize>, events: &[String]) -> usize {
    events
        .iter()
        .map(|e| rules.matching_json(e).map(|m| m.len()).unwrap_or(0))
        .sum()
}

fn quamina_pass(q: &Quamina<usize>, events: &[String]) -> usize {
    events
        .iter()
        .map(|e| {
            q.matches_for_event(e.as_bytes())
                .map(|m| m.len())
                .unwrap_or(0)
        })
        .sum()
}

/// bridgecraft's speed (both ways) over quamina's, measured interleaved: every round times
/// passes of each in turn; the ratios printed are medians over the rounds of the ratio within
/// each round, and the speeds medians of each engine's rounds. A shared machine's speed drifts
/// over the seconds that separate criterion's benchmarks; within a round all three see about
/// the same machine.
fn interleaved(case: &str, events: &[String], ours: [&RuleSet<usize>; 2], q: &Quamina<usize>) {
    const ROUNDS: usize = 41;
    const PASSES: usize = 5;
    let time = |pass: &dyn Fn() -> usize| {
        let start = std::time::Instant::now();
        for _ in 0..PASSES {
            black_box(pass());
        }
        start.elapsed().as_secs_f64()
    };
    // Per round: quamina's time, then bridgecraft's by default and with unique keys.
    let mut rounds = Vec::with_capacity(ROUNDS);
    for _ in 0..ROUNDS {
        let theirs = time(&|| quamina_pass(q, events));
        let [plain, unique] = ours.map(|rules| time(&|| bridgecraft_pass(rules, events)));
        rounds.push([theirs, plain, unique]);
    }
    let median = |value: &dyn Fn(&[f64; 3]) -> f64| {
        let mut values: Vec<f64> = rounds.iter().map(value).collect();
        values.sort_by(f64::total_cmp);
        values[ROUNDS / 2]
    };
    let speed = |way: usize| (events.len() * PASSES) as f64 / median(&|r| r[way]) / 1e3;
    println!(
        "ratio: {case}: bridgecraft {:.2}x quamina's speed, with unique keys {:.2}x; \
         events/s: bridgecraft {:.0}k, with unique keys {:.0}k, quamina {:.0}k \
         (medians of {ROUNDS} interleaved rounds)",
        median(&|r| r[0] / r[1]),
        median(&|r| r[0] / r[2]),
        speed(1),
        speed(2),
        speed(0),
    );
}

fn short(group: &mut BenchmarkGroup<'_, WallTime>) {
    group
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
}

fn citylots(c: &mut Criterion) {
    let mut rng = Lcg(7);
    let events: Vec<String> = (0..1000).map(|_| city_lot(&mut rng)).collect();
    let mut group = c.benchmark_group("citylots");
    short(&mut group);
    let mut cases: Vec<(String, Vec<String>)> = vec![(
        "5_rules".into(),
        CITY_RULES.iter().map(|r| r.to_string()).collect(),
    )];
    cases.extend(
        CITY_RULES
            .iter()
            .enumerate()
            .map(|(i, r)| (format!("rule_{}", i + 1), vec![r.to_string()])),
    );
    for (case, patterns) in cases {
        let (rules, ours) = bridgecraft(&patterns);
        let (q, theirs) = quamina(&patterns, &events[0])
            .unwrap_or_else(|e| panic!("quamina {e} on the city-lot rules"));
        check_agreement(&format!("citylots {case}"), &events, &rules, &q);
        memory_line(
            &format!("citylots {case}"),
            patterns.len(),
            ours,
            Some(theirs),
        );
        bench_both((&mut group, "citylots"), &case, &events, &rules, Some(&q));
    }
    group.finish();
}

fn rule_sets(c: &mut Criterion) {
    for (kind, mixed) in [("exact", false), ("mixed", true)] {
        let mut group = c.benchmark_group(format!("rule_sets_{kind}"));
        short(&mut group);
        for n in [1usize, 10, 100, 1_000, 10_000, 100_000] {
            let patterns: Vec<String> = (0..n).map(|i| service_pattern(i, mixed)).collect();
            let mut rng = Lcg(42);
            let events: Vec<String> = (0..500).map(|_| service_event(&mut rng, n)).collect();
            let case = format!("{kind} {n}");
            let (rules, ours) = bridgecraft(&patterns);
            let q = quamina(&patterns, &events[0]);
            match &q {
                Ok((q, _)) => check_agreement(&case, &events, &rules, q),
                Err(why) => {
                    let unique = unique_keys(&rules);
                    for event in &events {
                        assert_eq!(
                            unique.matching_json(event).expect("valid event"),
                            rules.matching_json(event).expect("valid event"),
                            "{case}: unique keys disagree on {event}"
                        );
                    }
                    println!(
                        "agreement: {case}: quamina 0.7.0 {why}; bridgecraft alone, both ways"
                    );
                }
            }
            memory_line(&case, n, ours, q.as_ref().ok().map(|(_, bytes)| *bytes));
            bench_both(
                (&mut group, &format!("rule_sets_{kind}")),
                &n.to_string(),
                &events,
                &rules,
                q.as_ref().ok().map(|(q, _)| q),
            );
        }
        group.finish();
    }
}

fn single_pattern(c: &mut Criterion) {
    let mut group = c.benchmark_group("single_pattern");
    short(&mut group);
    let pattern = Pattern::parse(&service_pattern(3, false)).expect("valid pattern");
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
    short(&mut group);
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

criterion::criterion_group!(benches, citylots, rule_sets, single_pattern, wildcard);
criterion::criterion_main!(benches);
