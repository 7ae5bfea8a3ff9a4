//! How much the factory's dispatch costs over decoding straight into the known type.
//!
//! Group `dispatch`: `serde_direct` decodes each event with `serde_json::from_str` into
//! `Event<T>` for its concrete detail type `T` (what a program that already knows the type
//! does); `factory` hands the same bytes to `AwsFactory`, which reads `source` and
//! `detail-type` and decodes the detail into the generated enums in the same pass. Group
//! `envelopes` measures the same events in an SQS `ReceiveMessage` message (Body a JSON
//! string) and in a Lambda SQS batch.
//!
//! The events are real ones from the shared corpus (`../shared/corpus`), read at start-up; when
//! it is missing the benchmarks say so and measure nothing.

use std::hint::black_box;
use std::path::Path;

use bridgecraft_events::aws_transcribe;
use bridgecraft_events::{Event, EventDetail};
use bridgecraft_events::{aws_codedeploy, aws_ec2, aws_ecr, aws_ecs, aws_events, aws_s3};
use bridgecraft_factory::{AwsFactory, Decoded, EventFactory};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

/// Decodes `json` straight into the event type, the way a caller that knows it would.
type Direct = fn(&str);

fn direct<T: EventDetail>(json: &str) {
    black_box(serde_json::from_str::<Event<T>>(json).ok());
}

/// The mix: corpus file and its concrete detail type, from small to large details.
const MIX: &[(&str, Direct)] = &[
    (
        "events/lambda-rust-runtime/example-eventbridge-schedule.json",
        direct::<aws_events::ScheduledEvent>,
    ),
    (
        "events/awsdocs-eventbridge-guide/eb-events__block000.json",
        direct::<aws_ec2::Ec2InstanceStateChangeNotification>,
    ),
    (
        "events/powertools-typescript/eventbridge-object-created.json",
        direct::<aws_s3::ObjectCreated>,
    ),
    (
        "events/aws-lambda-go/codedeploy-deployment-event.json",
        direct::<aws_codedeploy::CodeDeployDeploymentStateChangeNotification>,
    ),
    (
        "events/aws-lambda-dotnet/cloudwatchevents-transcribejobstatechangecompleted.json",
        direct::<aws_transcribe::TranscribeJobStateChange>,
    ),
    (
        "events/lambda-rust-runtime/example-ecr-image-scan-event.json",
        direct::<aws_ecr::EcrImageScan>,
    ),
    (
        "events/aws-lambda-go/ecs-container-instance-state-change.json",
        direct::<aws_ecs::EcsContainerInstanceStateChange>,
    ),
];

fn load() -> Option<Vec<(String, Direct)>> {
    let corpus = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/corpus"));
    if !corpus.is_dir() {
        eprintln!(
            "the shared corpus is missing at {}: nothing to measure",
            corpus.display()
        );
        return None;
    }
    let factory = AwsFactory::aws();
    let events = MIX
        .iter()
        .map(|(file, direct)| {
            let text = std::fs::read_to_string(corpus.join(file)).expect("a corpus file");
            // Both sides must do the full typed decode, or the comparison means nothing.
            assert!(
                matches!(factory.decode_event(&text), Ok(Decoded::Typed(_))),
                "{file} does not decode typed"
            );
            (text, *direct)
        })
        .collect();
    Some(events)
}

fn dispatch(c: &mut Criterion) {
    let Some(events) = load() else { return };
    let factory = AwsFactory::aws();
    let mut group = c.benchmark_group("dispatch");
    group.throughput(Throughput::Elements(events.len() as u64));
    group.bench_function("serde_direct", |b| {
        b.iter(|| {
            for (json, direct) in &events {
                direct(black_box(json));
            }
        })
    });
    group.bench_function("factory", |b| {
        b.iter(|| {
            for (json, _) in &events {
                black_box(factory.decode_event(black_box(json)).ok());
            }
        })
    });
    group.finish();
}

fn envelopes(c: &mut Criterion) {
    let Some(events) = load() else { return };
    let factory = AwsFactory::aws();
    let messages: Vec<String> = events
        .iter()
        .enumerate()
        .map(|(i, (json, _))| {
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
        .map(|(i, (json, _))| {
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

criterion_group!(benches, dispatch, envelopes);
criterion_main!(benches);
