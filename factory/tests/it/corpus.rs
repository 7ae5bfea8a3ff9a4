//! Every real event in the shared corpus, bare or in its SQS/SNS envelope, decodes typed or
//! unknown; the only errors are the localstack recordings whose `time` was replaced by the
//! placeholder `"date"`, each named below. Unknown events re-serialize byte for byte.

use bridgecraft_factory::{AwsFactory, Decoded, Envelope, EventFactory, Layer};

use crate::support::{corpus, json_files};

/// Files whose `time` is the placeholder `"date"`: the envelope is read up to it, and decoding
/// stops there, at path `time`, in the innermost `event` layer.
const PLACEHOLDER_TIME: &[&str] = &[
    "envelopes/localstack-snapshots/sns-to-sqs-receive-message/test_events_targets__011.json",
    "envelopes/localstack-snapshots/sqs-receive-message/test_archive_and_replay__001.json",
    "envelopes/localstack-snapshots/sqs-receive-message/test_archive_and_replay__002.json",
    "envelopes/localstack-snapshots/sqs-receive-message/test_archive_and_replay__003.json",
    "envelopes/localstack-snapshots/sqs-receive-message/test_events__001.json",
    "envelopes/localstack-snapshots/sqs-receive-message/test_events__002.json",
    "envelopes/localstack-snapshots/sqs-receive-message/test_events__003.json",
    "envelopes/localstack-snapshots/sqs-receive-message/test_events__004.json",
    "envelopes/localstack-snapshots/sqs-receive-message/test_events__005.json",
    "envelopes/localstack-snapshots/sqs-receive-message/test_events__006.json",
    "envelopes/localstack-snapshots/sqs-receive-message/test_events__007.json",
    "envelopes/localstack-snapshots/sqs-receive-message/test_events__008.json",
    "envelopes/localstack-snapshots/sqs-receive-message/test_events__009.json",
    "envelopes/localstack-snapshots/sqs-receive-message/test_events_cross_account_region__001.json",
    "envelopes/localstack-snapshots/sqs-receive-message/test_events_cross_account_region__002.json",
    "envelopes/localstack-snapshots/sqs-receive-message/test_events_cross_account_region__003.json",
    "envelopes/localstack-snapshots/sqs-receive-message/test_events_cross_account_region__004.json",
    "envelopes/localstack-snapshots/sqs-receive-message/test_events_cross_account_region__005.json",
    "envelopes/localstack-snapshots/sqs-receive-message/test_events_cross_account_region__006.json",
    "envelopes/localstack-snapshots/sqs-receive-message/test_events_inputs__001.json",
    "envelopes/localstack-snapshots/sqs-receive-message/test_events_patterns__001.json",
    "envelopes/localstack-snapshots/sqs-receive-message/test_events_patterns__002.json",
    "envelopes/localstack-snapshots/sqs-receive-message/test_events_patterns__003.json",
    "envelopes/localstack-snapshots/sqs-receive-message/test_events_patterns__004.json",
    "envelopes/localstack-snapshots/sqs-receive-message/test_events_schedule__001.json",
    "envelopes/localstack-snapshots/sqs-receive-message/test_events_schedule__002.json",
    "envelopes/localstack-snapshots/sqs-receive-message/test_sns_filter_policy__001.json",
    "envelopes/localstack-snapshots/sqs-receive-message/test_sns_filter_policy__002.json",
    "envelopes/localstack-snapshots/sqs-receive-message/test_sns_filter_policy__003.json",
    "events/localstack-snapshots/test_base__001__aws.states__Step-Functions-Execution-Status-Change.json",
    "events/localstack-snapshots/test_base__002__aws.states__Step-Functions-Execution-Status-Change.json",
    "events/localstack-snapshots/test_events__010__core.update-account-command__core.update-account-command.json",
    "events/localstack-snapshots/test_events__011__source-one__core.update-account-command.json",
    "events/localstack-snapshots/test_events__012__source-two__core.update-account-command.json",
    "events/localstack-snapshots/test_events__013__source-three__core.update-account-command.json",
    "events/localstack-snapshots/test_events_inputs__002__core.update-account-command__core.update-account-command.json",
    "events/localstack-snapshots/test_events_targets__001__core.update-account-command__core.update-account-command.json",
    "events/localstack-snapshots/test_events_targets__002__core.update-account-command__core.update-account-command.json",
    "events/localstack-snapshots/test_events_targets__003__core.update-account-command__core.update-account-command.json",
    "events/localstack-snapshots/test_events_targets__004__core.update-account-command__core.update-account-command.json",
    "events/localstack-snapshots/test_events_targets__005__core.update-account-command__core.update-account-command.json",
    "events/localstack-snapshots/test_events_targets__006__core.update-account-command__core.update-account-command.json",
    "events/localstack-snapshots/test_events_targets__007__core.update-account-command__core.update-account-command.json",
    "events/localstack-snapshots/test_events_targets__008__core.update-account-command__core.update-account-command.json",
    "events/localstack-snapshots/test_events_targets__009__core.update-account-command__core.update-account-command.json",
    "events/localstack-snapshots/test_events_targets__010__core.update-account-command__core.update-account-command.json",
    "events/localstack-snapshots/test_events_targets__012__core.update-account-command__core.update-account-command.json",
    "events/localstack-snapshots/test_events_task_service__001__some.source__detail-type.json",
    "events/localstack-snapshots/test_events_task_service__002__some.source__detail-type.json",
    "events/localstack-snapshots/test_events_task_service__003__some.source__detail-type.json",
    "events/localstack-snapshots/test_events_task_service__004__some.source__detail-type.json",
    "events/localstack-snapshots/test_lambda_destinations__001__lambda__Lambda-Function-Invocation-Result---Succ.json",
    "events/localstack-snapshots/test_lambda_destinations__002__lambda__Lambda-Function-Invocation-Result---Fail.json",
    "events/localstack-snapshots/test_s3_notifications_eventbridge__001__aws.s3__Object-Deleted.json",
    "events/localstack-snapshots/test_s3_notifications_eventbridge__002__aws.s3__Object-Created.json",
    "events/localstack-snapshots/test_s3_notifications_eventbridge__003__aws.s3__Object-ACL-Updated.json",
    "events/localstack-snapshots/test_s3_notifications_eventbridge__004__aws.s3__Object-ACL-Updated.json",
    "events/localstack-snapshots/test_s3_notifications_eventbridge__005__aws.s3__Object-ACL-Updated.json",
    "events/localstack-snapshots/test_s3_notifications_eventbridge__006__aws.s3__Object-Created.json",
    "events/localstack-snapshots/test_s3_notifications_eventbridge__007__aws.s3__Object-Restore-Initiated.json",
    "events/localstack-snapshots/test_s3_notifications_eventbridge__008__aws.s3__Object-Restore-Completed.json",
    "events/localstack-snapshots/test_s3_notifications_eventbridge__009__aws.s3__Object-Created.json",
    "events/localstack-snapshots/test_s3_notifications_eventbridge__010__aws.s3__Object-Created.json",
    "events/localstack-snapshots/test_s3_notifications_eventbridge__011__aws.s3__Object-Created.json",
    "events/localstack-snapshots/test_s3_notifications_eventbridge__012__aws.s3__Object-Deleted.json",
];

#[test]
fn every_corpus_event_decodes_or_is_a_named_placeholder() {
    let Some(corpus) = corpus() else { return };
    let factory = AwsFactory::aws();
    let mut seen = Vec::new();
    let mut unexpected = Vec::new();
    let mut counts = (0, 0, 0);
    for dir in ["events", "envelopes"] {
        for file in json_files(&corpus.join(dir)) {
            let name = file
                .strip_prefix(&corpus)
                .unwrap()
                .to_string_lossy()
                .into_owned();
            let bytes = std::fs::read(&file).unwrap();
            for record in factory.decode(&bytes, Envelope::Auto) {
                match record.result {
                    Ok(Decoded::Typed(_)) => counts.0 += 1,
                    Ok(Decoded::Unknown(_)) => counts.1 += 1,
                    Err(error) => {
                        counts.2 += 1;
                        let placeholder = PLACEHOLDER_TIME.contains(&name.as_str())
                            && error.layers().last() == Some(&Layer::Event)
                            && error.path() == "time";
                        if !placeholder {
                            unexpected.push(format!("{name}: {error}"));
                        }
                        seen.push(name.clone());
                    }
                }
            }
        }
    }
    assert!(
        unexpected.is_empty(),
        "unexpected errors:\n{}",
        unexpected.join("\n")
    );
    let missing: Vec<_> = PLACEHOLDER_TIME
        .iter()
        .filter(|name| !seen.iter().any(|seen| seen == *name))
        .collect();
    assert!(
        missing.is_empty(),
        "named exceptions that now decode: {missing:?}"
    );
    eprintln!(
        "corpus: {} typed, {} unknown, {} placeholder errors",
        counts.0, counts.1, counts.2
    );
    assert_eq!(counts.0 + counts.1 + counts.2, 116 + 29);
}

#[test]
fn unknown_corpus_events_serialize_back_byte_for_byte() {
    let Some(corpus) = corpus() else { return };
    let factory = AwsFactory::aws();
    for file in json_files(&corpus.join("events")) {
        let text = std::fs::read_to_string(&file).unwrap();
        if let Ok(Decoded::Unknown(unknown)) = factory.decode_event(&text) {
            assert_eq!(
                serde_json::to_string(&unknown).unwrap(),
                text.trim(),
                "{}",
                file.display()
            );
        }
    }
}
