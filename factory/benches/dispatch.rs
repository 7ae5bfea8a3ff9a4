//! What decoding with the factory costs, against the floors and the alternatives, on the same
//! bytes in one run.
//!
//! Group `decode`, over seven real event shapes from the shared corpus, and group
//! `decode_cloudtrail`, over the CloudTrail calls in `examples/events`:
//! - `ignored_any`: serde_json merely validating the bytes (`serde::de::IgnoredAny`), the floor;
//! - `value`: serde_json into `serde_json::Value`, what untyped code does;
//! - `plain`: serde_json into plain derived structs of the same fields, every one optional,
//!   with no catch-all and no tolerance (`benches/plain/`, generated from the same schemas by
//!   the generator's `plain` option): what a strict typed model costs;
//! - `serde_direct`: serde_json into `Event<T>` for the known generated type `T`;
//! - `factory`: `AwsFactory` on the bytes, dispatching on `source` and `detail-type` into the
//!   generated enums in the same pass.
//!
//! `ratios` then prints each way's time over `plain`'s, and the factory's over `ignored_any`'s
//! and `value`'s, measured interleaved round by round, so that the machine's drifting speed does
//! not sway them.
//!
//! Group `envelopes` measures the same events in an SQS `ReceiveMessage` message (Body a JSON
//! string) and in a Lambda SQS batch.
//!
//! The corpus events are read at start-up; when the corpus is missing the benchmarks say so and
//! measure nothing.

use std::hint::black_box;
use std::path::Path;

use bridgecraft_events::aws_transcribe;
use bridgecraft_events::{Event, EventDetail};
use bridgecraft_events::{aws_codedeploy, aws_ec2, aws_ecr, aws_ecs, aws_events, aws_kms, aws_s3};
use bridgecraft_factory::{AwsFactory, Decoded, EventFactory};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use serde::Deserialize;

/// Plain serde types of the same fields, generated for this bench.
#[allow(dead_code)]
#[rustfmt::skip]
mod plain;

/// Decodes `json` straight into a type, the way a caller that knows it would; `false` when it
/// does not fit.
type Decode = fn(&str) -> bool;

fn direct<T: EventDetail>(json: &str) -> bool {
    black_box(serde_json::from_str::<Event<T>>(json)).is_ok()
}

/// The envelope as a plain derived struct, around a plain detail.
#[derive(Deserialize)]
#[allow(dead_code)]
struct PlainEvent<D> {
    version: Option<String>,
    id: Option<String>,
    #[serde(rename = "detail-type")]
    detail_type: String,
    source: String,
    account: Option<String>,
    time: Option<String>,
    region: Option<String>,
    #[serde(default)]
    resources: Vec<String>,
    detail: D,
}

fn plain<T: for<'de> Deserialize<'de>>(json: &str) -> bool {
    black_box(serde_json::from_str::<PlainEvent<T>>(json)).is_ok()
}

/// A file, and how to decode it as its known type, directly and plainly.
type Shape = (&'static str, Decode, Decode);

/// The mix: corpus files, from small to large details.
const MIX: &[Shape] = &[
    (
        "events/lambda-rust-runtime/example-eventbridge-schedule.json",
        direct::<aws_events::ScheduledEvent>,
        plain::<plain::aws_events::ScheduledEvent>,
    ),
    (
        "events/awsdocs-eventbridge-guide/eb-events__block000.json",
        direct::<aws_ec2::Ec2InstanceStateChangeNotification>,
        plain::<plain::aws_ec2::Ec2InstanceStateChangeNotification>,
    ),
    (
        "events/powertools-typescript/eventbridge-object-created.json",
        direct::<aws_s3::ObjectCreated>,
        plain::<plain::aws_s3::ObjectCreated>,
    ),
    (
        "events/aws-lambda-go/codedeploy-deployment-event.json",
        direct::<aws_codedeploy::CodeDeployDeploymentStateChangeNotification>,
        plain::<plain::aws_codedeploy::CodeDeployDeploymentStateChangeNotification>,
    ),
    (
        "events/aws-lambda-dotnet/cloudwatchevents-transcribejobstatechangecompleted.json",
        direct::<aws_transcribe::TranscribeJobStateChange>,
        plain::<plain::aws_transcribe::TranscribeJobStateChange>,
    ),
    (
        "events/lambda-rust-runtime/example-ecr-image-scan-event.json",
        direct::<aws_ecr::EcrImageScan>,
        plain::<plain::aws_ecr::EcrImageScan>,
    ),
    (
        "events/aws-lambda-go/ecs-container-instance-state-change.json",
        direct::<aws_ecs::EcsContainerInstanceStateChange>,
        plain::<plain::aws_ecs::EcsContainerInstanceStateChange>,
    ),
];

/// CloudTrail calls, from the project's example events.
const CLOUDTRAIL: &[Shape] = &[
    (
        "cloudtrail-ec2-run-instances.json",
        direct::<aws_ec2::AwsApiCallViaCloudTrail>,
        plain::<plain::aws_ec2::AwsApiCallViaCloudTrail>,
    ),
    (
        "cloudtrail-s3-put-object.json",
        direct::<aws_s3::AwsApiCallViaCloudTrail>,
        plain::<plain::aws_s3::AwsApiCallViaCloudTrail>,
    ),
    (
        "cloudtrail-kms-decrypt-denied.json",
        direct::<aws_kms::AwsApiCallViaCloudTrail>,
        plain::<plain::aws_kms::AwsApiCallViaCloudTrail>,
    ),
];

/// Reads the files of `shapes` below `dir`, checking that every way of decoding them decodes
/// them whole: a baseline that fails early would measure nothing.
fn read(dir: &Path, shapes: &[Shape]) -> Vec<(String, Decode, Decode)> {
    let factory = AwsFactory::aws();
    shapes
        .iter()
        .map(|(file, direct, plain)| {
            let text = std::fs::read_to_string(dir.join(file)).expect("an event file");
            assert!(
                matches!(factory.decode_event(&text), Ok(Decoded::Typed(_))),
                "{file} does not decode typed"
            );
            assert!(direct(&text), "{file} does not decode as its type");
            assert!(plain(&text), "{file} does not decode as the plain type");
            (text, *direct, *plain)
        })
        .collect()
}

fn load() -> Option<Vec<(String, Decode, Decode)>> {
    let corpus = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/corpus"));
    if !corpus.is_dir() {
        eprintln!(
            "the shared corpus is missing at {}: nothing to measure",
            corpus.display()
        );
        return None;
    }
    Some(read(corpus, MIX))
}

fn compare(c: &mut Criterion, name: &str, events: &[(String, Decode, Decode)]) {
    let factory = AwsFactory::aws();
    let mut group = c.benchmark_group(name);
    group.throughput(Throughput::Elements(events.len() as u64));
    group.bench_function("ignored_any", |b| {
        b.iter(|| {
            for (json, ..) in events {
                black_box(serde_json::from_str::<serde::de::IgnoredAny>(black_box(json)).ok());
            }
        })
    });
    group.bench_function("value", |b| {
        b.iter(|| {
            for (json, ..) in events {
                black_box(serde_json::from_str::<serde_json::Value>(black_box(json)).ok());
            }
        })
    });
    group.bench_function("plain", |b| {
        b.iter(|| {
            for (json, _, plain) in events {
                plain(black_box(json));
            }
        })
    });
    group.bench_function("serde_direct", |b| {
        b.iter(|| {
            for (json, direct, _) in events {
                direct(black_box(json));
            }
        })
    });
    group.bench_function("factory", |b| {
        b.iter(|| {
            for (json, ..) in events {
                black_box(factory.decode_event(black_box(json)).ok());
            }
        })
    });
    group.finish();
}

fn decode(c: &mut Criterion) {
    if let Some(events) = load() {
        compare(c, "decode", &events);
    }
    let examples = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/events"));
    compare(c, "decode_cloudtrail", &read(examples, CLOUDTRAIL));
}

/// A way of decoding, by name, as one pass over the events.
type Pass<'a> = (&'static str, Box<dyn Fn() + 'a>);

/// The ways of decoding that `compare` measures, as one pass over `events` each.
fn passes(events: &[(String, Decode, Decode)]) -> Vec<Pass<'_>> {
    let factory = AwsFactory::aws();
    vec![
        (
            "ignored_any",
            Box::new(move || {
                for (json, ..) in events {
                    black_box(serde_json::from_str::<serde::de::IgnoredAny>(black_box(json)).ok());
                }
            }),
        ),
        (
            "value",
            Box::new(move || {
                for (json, ..) in events {
                    black_box(serde_json::from_str::<serde_json::Value>(black_box(json)).ok());
                }
            }),
        ),
        (
            "plain",
            Box::new(move || {
                for (json, _, plain) in events {
                    plain(black_box(json));
                }
            }),
        ),
        (
            "factory",
            Box::new(move || {
                for (json, ..) in events {
                    black_box(factory.decode_event(black_box(json)).ok());
                }
            }),
        ),
    ]
}

/// Each way's time over `plain`'s, and the factory's over the floor's (`ignored_any`) and over
/// `value`'s, measured interleaved: every round times a batch of passes of each way in turn, and
/// the ratio reported is the median over the rounds. A shared machine's speed drifts over the
/// seconds that separate criterion's benchmarks; within a round every way sees about the same
/// machine.
fn interleaved(name: &str, events: &[(String, Decode, Decode)]) {
    const ROUNDS: usize = 41;
    const PASSES: usize = 200;
    let ways = passes(events);
    let at = |name: &str| {
        ways.iter()
            .position(|(way, _)| *way == name)
            .expect("a way of decoding")
    };
    let rounds: Vec<Vec<f64>> = (0..ROUNDS)
        .map(|_| {
            ways.iter()
                .map(|(_, pass)| {
                    let start = std::time::Instant::now();
                    for _ in 0..PASSES {
                        pass();
                    }
                    start.elapsed().as_secs_f64()
                })
                .collect()
        })
        .collect();
    let median = |way: usize, over: usize| {
        let mut ratios: Vec<f64> = rounds.iter().map(|t| t[way] / t[over]).collect();
        ratios.sort_by(f64::total_cmp);
        ratios[ROUNDS / 2]
    };
    let plain = at("plain");
    for (way, (label, _)) in ways.iter().enumerate() {
        println!(
            "{name}/{label}: {:.3} of plain's time (median of {ROUNDS} interleaved rounds)",
            median(way, plain)
        );
    }
    let factory = at("factory");
    println!(
        "{name}/factory: {:.2}x the time of ignored_any, {:.2}x that of value (medians of \
         {ROUNDS} interleaved rounds)",
        median(factory, at("ignored_any")),
        median(factory, at("value"))
    );
}

fn ratios(_: &mut Criterion) {
    if let Some(events) = load() {
        interleaved("decode", &events);
    }
    let examples = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/events"));
    interleaved("decode_cloudtrail", &read(examples, CLOUDTRAIL));
}

fn envelopes(c: &mut Criterion) {
    let Some(events) = load() else { return };
    let factory = AwsFactory::aws();
    let messages: Vec<String> = events
        .iter()
        .enumerate()
        .map(|(i, (json, ..))| {
            serde_json::json!({
                "MessageId": format!("00000000-0000-0000-0000-{i:012}"),
                "ReceiptHandle": "AQEBwJnKyrHigUMZj6rYigCgxlaS3SLy0a",
                "MD5OfBody": "e4e68fb7bd0e697a0ae8f1bb342846b3",
                "Body": json,
            })
            .to_string()
        })
        .collect();
    let records: Vec<serde_json::Value> = events
        .iter()
        .enumerate()
        .map(|(i, (json, ..))| {
            serde_json::json!({
                "messageId": format!("00000000-0000-0000-0000-{i:012}"),
                "receiptHandle": "AQEBwJnKyrHigUMZj6rYigCgxlaS3SLy0a",
                "body": json,
                "attributes": {"ApproximateReceiveCount": "1", "SentTimestamp": "1710753694000"},
                "messageAttributes": {},
                "md5OfBody": "e4e68fb7bd0e697a0ae8f1bb342846b3",
                "eventSource": "aws:sqs",
                "eventSourceARN": "arn:aws:sqs:eu-west-1:123456789012:events-queue",
                "awsRegion": "eu-west-1",
            })
        })
        .collect();
    let batch = serde_json::json!({ "Records": records }).to_string();

    let mut group = c.benchmark_group("envelopes");
    group.throughput(Throughput::Elements(events.len() as u64));
    group.bench_function("sqs_message", |b| {
        b.iter(|| {
            for message in &messages {
                black_box(factory.decode_sqs_message(black_box(message)));
            }
        })
    });
    group.bench_function("lambda_sqs_batch", |b| {
        b.iter(|| black_box(factory.decode_lambda_sqs(black_box(&batch))))
    });
    group.finish();
}

criterion_group!(benches, decode, ratios, envelopes);
criterion_main!(benches);
