//! A function triggered by SQS: the partial batch response, and FIFO batches.

use bridgecraft_lambda::{Fifo, FunctionError, SqsFunction};

use crate::support::*;

fn failed_ids(response: &aws_lambda_events::event::sqs::SqsBatchResponse) -> Vec<&str> {
    response
        .batch_item_failures
        .iter()
        .map(|failure| failure.item_identifier.as_str())
        .collect()
}

#[tokio::test]
async fn failed_and_undecodable_records_are_reported_by_message_id() {
    let probe = Probe::default();
    let function = SqsFunction::new(factory(), router().handler(probe.clone()));
    let event = sqs_event(vec![
        sqs_record(Some("m1"), &state_change("ok-1", "running"), None),
        sqs_record(Some("m2"), &state_change("fail-2", "running"), None),
        sqs_record(Some("m3"), "not json", None),
        sqs_record(Some("m4"), &custom_event("ok-4"), None),
        sqs_record(
            Some("m5"),
            &notification(&state_change("ok-5", "stopped")),
            None,
        ),
    ]);
    let response = function.call(invocation(event)).await.unwrap();
    assert_eq!(failed_ids(&response), ["m2", "m3"]);
    assert_eq!(
        probe.take(),
        [
            "i-ok-1 running",
            "i-fail-2 running",
            "unknown ok-4",
            "i-ok-5 stopped"
        ]
    );
    assert_eq!(
        serde_json::to_string(&response).unwrap(),
        r#"{"batchItemFailures":[{"itemIdentifier":"m2"},{"itemIdentifier":"m3"}]}"#
    );
}

#[tokio::test]
async fn deliveries_carry_the_message_id_and_receive_count() {
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let handler = {
        let seen = seen.clone();
        move |delivery: bridgecraft_router::Delivery<_>| {
            let seen = seen.clone();
            async move {
                seen.lock()
                    .unwrap()
                    .push((delivery.message_id, delivery.receive_count));
                Ok(())
            }
        }
    };
    let function = SqsFunction::new(factory(), handler);
    let event = sqs_event(vec![sqs_record(Some("m1"), &custom_event("a"), None)]);
    let response = function.call(invocation(event)).await.unwrap();
    assert!(response.batch_item_failures.is_empty());
    assert_eq!(*seen.lock().unwrap(), [(Some("m1".to_owned()), Some(2))]);
}

#[tokio::test]
async fn fifo_batches_stop_at_the_first_failure() {
    let probe = Probe::default();
    let function =
        SqsFunction::new(factory(), router().handler(probe.clone())).fifo(Fifo::StopAtFirstFailure);
    let event = sqs_event(vec![
        sqs_record(Some("m1"), &state_change("ok-1", "running"), Some("a")),
        sqs_record(Some("m2"), &state_change("fail-2", "running"), Some("a")),
        sqs_record(Some("m3"), &state_change("ok-3", "running"), Some("b")),
        sqs_record(Some("m4"), &state_change("ok-4", "running"), Some("a")),
    ]);
    let response = function.call(invocation(event)).await.unwrap();
    assert_eq!(failed_ids(&response), ["m2", "m3", "m4"]);
    assert_eq!(
        probe.take(),
        ["i-ok-1 running", "i-fail-2 running"],
        "nothing after the failure was handled"
    );
}

#[tokio::test]
async fn fifo_batches_can_skip_only_the_failed_group() {
    let probe = Probe::default();
    let function =
        SqsFunction::new(factory(), router().handler(probe.clone())).fifo(Fifo::SkipGroup);
    let event = sqs_event(vec![
        sqs_record(Some("m1"), &state_change("ok-1", "running"), Some("a")),
        sqs_record(Some("m2"), &state_change("fail-2", "running"), Some("a")),
        sqs_record(Some("m3"), &state_change("ok-3", "running"), Some("b")),
        sqs_record(Some("m4"), &state_change("ok-4", "running"), Some("a")),
        sqs_record(Some("m5"), "not json", Some("b")),
        sqs_record(Some("m6"), &state_change("ok-6", "running"), Some("b")),
        sqs_record(Some("m7"), &state_change("ok-7", "running"), Some("c")),
    ]);
    let response = function.call(invocation(event)).await.unwrap();
    assert_eq!(failed_ids(&response), ["m2", "m4", "m5", "m6"]);
    assert_eq!(
        probe.take(),
        [
            "i-ok-1 running",
            "i-fail-2 running",
            "i-ok-3 running",
            "i-ok-7 running"
        ]
    );
}

#[tokio::test]
async fn a_failed_record_without_message_id_fails_the_whole_batch() {
    let probe = Probe::default();
    let function = SqsFunction::new(factory(), router().handler(probe.clone()));
    let event = sqs_event(vec![
        sqs_record(Some("m1"), &state_change("ok-1", "running"), None),
        sqs_record(None, &state_change("fail-2", "running"), None),
    ]);
    let error = function.call(invocation(event)).await.unwrap_err();
    assert!(matches!(error, FunctionError::Unidentified(_)), "{error:?}");
    assert!(error.to_string().contains("fail-2 refused"), "{error}");

    let empty = function.call(invocation(sqs_event(Vec::new()))).await;
    assert!(empty.unwrap().batch_item_failures.is_empty());
}
