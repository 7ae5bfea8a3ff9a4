//! Any text as the innermost layer of every envelope an event travels in (an SNS notification's
//! `Message`, an SQS `Body`, Lambda records, SNS inside SQS inside Lambda), so that the fuzzer's
//! bytes reach the unwrapping of each layer as escaped strings, the way they arrive.
#![no_main]

use std::sync::OnceLock;

use bridgecraft_factory::{AwsFactory, EventFactory};
use libfuzzer_sys::fuzz_target;
use serde_json::json;

/// Built once: building the factory costs more than decoding a small input.
fn factory() -> &'static AwsFactory {
    static FACTORY: OnceLock<AwsFactory> = OnceLock::new();
    FACTORY.get_or_init(AwsFactory::aws)
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let factory = factory();
    let notification =
        json!({"Type": "Notification", "MessageId": "m-1", "Message": text}).to_string();
    let _ = factory.decode_sqs_body(text);
    let _ = factory.decode_sqs_body(&notification);
    let _ = factory.decode_sns_notification(&notification);
    let _ = factory.decode_sqs_message(&json!({"MessageId": "m-2", "Body": text}).to_string());
    let _ = factory.decode_sqs_message(&json!({"MessageId": "m-3", "Body": notification}).to_string());
    let _ = factory.decode_lambda_sqs(
        &json!({"Records": [{"messageId": "r-1", "body": text}, {"messageId": "r-2", "body": notification}]})
            .to_string(),
    );
    let _ = factory.decode_lambda_sns(
        &json!({"Records": [{"Sns": {"MessageId": "s-1", "Message": text}}]}).to_string(),
    );
    // And the text as a whole envelope of each kind.
    let _ = factory.decode_sns_notification(text);
    let _ = factory.decode_sqs_message(text);
    let _ = factory.decode_lambda_sqs(text);
    let _ = factory.decode_lambda_sns(text);
});
