//! The Lambda batch handler with records made from real SQS messages.

use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent};
use bridgecraft_events::aws_ec2;
use bridgecraft_factory::Decoded;
use bridgecraft_sqs::lambda::BatchHandler;
use bridgecraft_sqs::{Delivery, HandlerError};
use serde_json::json;

use crate::support::*;

/// Receives what was sent and wraps it as Lambda's SQS trigger does.
async fn lambda_event_from_queue(bodies: &[String]) -> (SqsEvent, Vec<String>) {
    let client = sqs().await;
    let queue = queue(&client, "lambda").await;
    send_all(&client, &queue.url, bodies).await;
    let mut records = Vec::new();
    let mut message_ids = Vec::new();
    while records.len() < bodies.len() {
        let messages = client
            .receive_message()
            .queue_url(&queue.url)
            .max_number_of_messages(10)
            .wait_time_seconds(1)
            .message_system_attribute_names(
                aws_sdk_sqs::types::MessageSystemAttributeName::ApproximateReceiveCount,
            )
            .send()
            .await
            .unwrap()
            .messages
            .unwrap_or_default();
        for message in messages {
            let receive_count = message
                .attributes
                .as_ref()
                .and_then(|attributes| {
                    attributes.get(
                        &aws_sdk_sqs::types::MessageSystemAttributeName::ApproximateReceiveCount,
                    )
                })
                .cloned()
                .unwrap();
            message_ids.push(message.message_id.clone().unwrap());
            records.push(json!({
                "messageId": message.message_id,
                "receiptHandle": message.receipt_handle,
                "body": message.body,
                "attributes": {"ApproximateReceiveCount": receive_count},
                "messageAttributes": {},
                "md5OfBody": message.md5_of_body,
                "eventSource": "aws:sqs",
                "eventSourceARN": queue.arn,
                "awsRegion": "us-east-1",
            }));
        }
    }
    let event = serde_json::from_value(json!({ "Records": records })).unwrap();
    (event, message_ids)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_partial_batch_response_lists_the_records_that_failed() {
    let bodies = [
        ec2_state_change("ok-1", "running"),
        ec2_state_change("fail-2", "running"),
        "{\"not\": \"an event\"}".to_owned(),
        custom_event("ok-4"),
    ];
    let (event, ids) = lambda_event_from_queue(&bodies).await;
    // Which record is which: moto keeps the order it was sent in, but make sure.
    let id_of = |needle: &str| {
        let index = event
            .records
            .iter()
            .position(|record| record.body.as_deref().unwrap().contains(needle))
            .unwrap();
        ids[index].clone()
    };

    let handler = BatchHandler::new(
        ec2_factory(),
        |delivery: Delivery<aws_ec2::Detail>| async move {
            // The factory's records carry no attributes, so only SqsEvent gives the count.
            assert!(matches!(delivery.receive_count, Some(1) | None));
            if let Decoded::Typed(event) = &delivery.event {
                assert!(instance_id(&event.detail).is_some());
            }
            if delivery.event.id().unwrap_or_default().starts_with("fail") {
                return Err::<(), HandlerError>("refused".into());
            }
            Ok(())
        },
    );
    let mut expected = vec![id_of("fail-2"), id_of("not")];
    expected.sort();

    let from_struct = handler.handle_event(&event).await.unwrap();
    let mut failed = from_struct.failed_ids();
    failed.sort();
    assert_eq!(failed, expected);

    let json = serde_json::to_string(&event).unwrap();
    let from_json = handler.handle_json(&json).await.unwrap();
    assert_eq!(
        from_json, from_struct,
        "raw JSON and SqsEvent give the same answer"
    );

    let response: SqsBatchResponse = from_json.into();
    let written = serde_json::to_value(&response).unwrap();
    assert_eq!(written["batchItemFailures"].as_array().unwrap().len(), 2);
    assert!(written["batchItemFailures"][0]["itemIdentifier"].is_string());
}
