//! Envelopes: SQS messages (Body as a string or an object), SNS notifications with raw delivery
//! on and off, Lambda SQS and SNS batches with one result per record.

use bridgecraft_factory::{Decoded, Envelope, EventFactory, Layer, Record};

use crate::support::{AppDetail, app_factory, example, order_event};

fn ids<D>(records: &[Record<D>]) -> Vec<&str> {
    records
        .iter()
        .map(|record| record.message_id.as_deref().unwrap_or("-"))
        .collect()
}

fn placed_type(record: &Record<AppDetail>) -> bool {
    matches!(
        &record.result,
        Ok(Decoded::Typed(event)) if matches!(event.detail, AppDetail::Placed(_))
    )
}

#[test]
fn lambda_sqs_gives_one_result_per_record_with_its_message_id() {
    let records = app_factory().decode_lambda_sqs(&example("lambda-sqs-batch.json"));
    assert_eq!(
        ids(&records),
        [
            "059f36b4-87a3-44ab-83d2-661975830a7d",
            "2e1424d4-f796-459a-8184-9c92662be6db",
            "c80e8021-a70a-42c7-a470-796e1186f753"
        ]
    );
    assert!(records.iter().all(|record| record.result.is_ok()));
    assert!(placed_type(&records[1]));
    // The third body is an SNS notification: the event inside it is an EC2 one.
    assert_eq!(records[2].result.as_ref().unwrap().source(), "aws.ec2");
}

#[test]
fn a_bad_record_does_not_sink_the_batch() {
    let good = serde_json::to_string(&order_event(
        "Order Placed",
        r#"{"order_id":"o-1","customer":"c","total_cents":1,"currency":"EUR"}"#,
    ))
    .unwrap();
    // Record 1 has a body that is no event; record 2 has no body at all.
    let batch = format!(
        r#"{{"Records":[{{"messageId":"a","body":{good}}},{{"messageId":"b","body":"not json"}},{{"messageId":"c"}},{{"messageId":"d","body":{good}}}]}}"#
    );
    let records = app_factory().decode_lambda_sqs(&batch);
    assert_eq!(ids(&records), ["a", "b", "c", "d"]);
    assert!(placed_type(&records[0]) && placed_type(&records[3]));
    let error = records[1].result.as_ref().unwrap_err();
    assert_eq!(
        error.layers(),
        [
            Layer::LambdaSqsEvent,
            Layer::Record { index: 1 },
            Layer::Event
        ]
    );
    let error = records[2].result.as_ref().unwrap_err();
    assert_eq!(
        error.layers(),
        [Layer::LambdaSqsEvent, Layer::Record { index: 2 }]
    );
    assert_eq!(error.message(), "missing field `body`");
}

#[test]
fn a_broken_batch_is_one_error_record() {
    let records = app_factory().decode_lambda_sqs(r#"{"Records": 5}"#);
    assert_eq!(records.len(), 1);
    let error = records[0].result.as_ref().unwrap_err();
    assert_eq!(
        (error.layers(), error.path()),
        (&[Layer::LambdaSqsEvent][..], "Records")
    );
}

#[test]
fn an_sqs_message_body_may_be_a_string_or_an_object() {
    let factory = app_factory();
    let wire = example("sqs-message.json");
    let record = factory.decode_sqs_message(&wire);
    assert_eq!(
        record.message_id.as_deref(),
        Some("2e1424d4-f796-459a-8184-9c92662be6da")
    );
    let from_string = record.result.unwrap();
    assert_eq!(from_string.detail_type(), "Object Created");

    // The same message with Body recorded as an object, as the shared corpus has it.
    let mut value: serde_json::Value = serde_json::from_str(&wire).unwrap();
    let body: serde_json::Value = serde_json::from_str(value["Body"].as_str().unwrap()).unwrap();
    value["Body"] = body;
    let record = factory.decode_sqs_message(&value.to_string());
    assert_eq!(record.result.unwrap().id(), from_string.id());
}

/// The whole output of `ReceiveMessage`, as `aws sqs receive-message` prints it: a result per
/// message, a broken one in its place, with the error naming every layer.
#[test]
fn a_receive_message_output_gives_each_message() {
    let event = order_event(
        "Order Placed",
        r#"{"order_id":"o","customer":"c","total_cents":1,"currency":"EUR"}"#,
    );
    let message: serde_json::Value = serde_json::from_str(&example("sqs-message.json")).unwrap();
    let notification: serde_json::Value =
        serde_json::from_str(&example("sns-in-sqs-message.json")).unwrap();
    let output = serde_json::json!({"Messages": [
        {"MessageId": "m-1", "ReceiptHandle": "r-1", "MD5OfBody": "x", "Body": event.to_string()},
        notification,
        {"MessageId": "m-3", "ReceiptHandle": "r-3", "Body": "not json"},
        message,
    ]})
    .to_string();
    let factory = app_factory();
    for envelope in [Envelope::Auto, Envelope::Sqs] {
        let records = factory.decode(output.as_bytes(), envelope);
        assert_eq!(
            ids(&records),
            [
                "m-1",
                notification["MessageId"].as_str().unwrap(),
                "m-3",
                "2e1424d4-f796-459a-8184-9c92662be6da"
            ],
            "{envelope}"
        );
        assert!(placed_type(&records[0]));
        assert_eq!(records[1].result.as_ref().unwrap().source(), "aws.ec2");
        let error = records[2].result.as_ref().unwrap_err();
        assert_eq!(
            error.layers(),
            [
                Layer::SqsReceive,
                Layer::Record { index: 2 },
                Layer::SqsMessage,
                Layer::Event
            ]
        );
        assert_eq!(
            records[3].result.as_ref().unwrap().detail_type(),
            "Object Created"
        );
    }
}

/// A record of a Lambda batch saved on its own decodes as the batch's only record.
#[test]
fn a_lambda_record_on_its_own_decodes() {
    let factory = app_factory();
    let batch: serde_json::Value = serde_json::from_str(&example("lambda-sqs-batch.json")).unwrap();
    let record = batch["Records"][1].to_string();
    for envelope in [Envelope::Auto, Envelope::LambdaSqs] {
        let records = factory.decode(record.as_bytes(), envelope);
        assert_eq!(ids(&records), ["2e1424d4-f796-459a-8184-9c92662be6db"]);
        assert!(placed_type(&records[0]), "{envelope}");
    }
    let broken = r#"{"messageId": "x", "body": "not json"}"#;
    let records = factory.decode(broken.as_bytes(), Envelope::Auto);
    let error = records[0].result.as_ref().unwrap_err();
    assert_eq!(error.layers(), [Layer::Record { index: 0 }, Layer::Event]);

    let batch: serde_json::Value = serde_json::from_str(&example("lambda-sns.json")).unwrap();
    let record = batch["Records"][0].to_string();
    for envelope in [Envelope::Auto, Envelope::LambdaSns] {
        let records = factory.decode(record.as_bytes(), envelope);
        assert_eq!(ids(&records), ["95df01b4-ee98-5cb9-9903-4c221d41eb5e"]);
        assert!(records[0].result.is_ok(), "{envelope}");
    }
}

#[test]
fn sns_inside_sqs_with_raw_delivery_off_and_on() {
    let factory = app_factory();
    let off = example("sns-in-sqs-message.json");
    for envelope in [Envelope::Auto, Envelope::Sqs, Envelope::Sns] {
        let records = factory.decode(off.as_bytes(), envelope);
        assert_eq!(records.len(), 1);
        let decoded = records[0].result.as_ref().unwrap();
        assert_eq!(decoded.source(), "aws.ec2", "{envelope}");
    }
    // Raw delivery on: SNS puts the event itself in the body.
    let event = order_event(
        "Order Placed",
        r#"{"order_id":"o","customer":"c","total_cents":1,"currency":"EUR"}"#,
    );
    let on = serde_json::json!({"MessageId": "m", "Body": event}).to_string();
    let records = factory.decode(on.as_bytes(), Envelope::Auto);
    assert!(placed_type(&records[0]));
}

#[test]
fn an_sqs_body_string_holding_a_notification_decodes() {
    let off: serde_json::Value = serde_json::from_str(&example("sns-in-sqs-message.json")).unwrap();
    let body = off["Body"].as_str().unwrap();
    let decoded = app_factory().decode_sqs_body(body).unwrap();
    assert_eq!(
        decoded.detail_type(),
        "EC2 Instance State-change Notification"
    );
}

#[test]
fn lambda_sns_gives_the_notification_message_id() {
    let records = app_factory().decode(example("lambda-sns.json").as_bytes(), Envelope::Auto);
    assert_eq!(ids(&records), ["95df01b4-ee98-5cb9-9903-4c221d41eb5e"]);
    assert_eq!(records[0].result.as_ref().unwrap().source(), "aws.ec2");
}

#[test]
fn only_notifications_carry_events() {
    let confirmation = r#"{"Type":"SubscriptionConfirmation","MessageId":"m","Message":"You have chosen to subscribe"}"#;
    let record = app_factory().decode_sns_notification(confirmation);
    let error = record.result.unwrap_err();
    assert_eq!(
        (error.layers(), error.path()),
        (&[Layer::SnsNotification][..], "Type")
    );
}

#[test]
fn errors_inside_envelopes_name_every_layer() {
    let event = order_event("Order Placed", r#"{"order_id":7}"#);
    let note =
        serde_json::json!({"Type": "Notification", "MessageId": "n", "Message": event}).to_string();
    let message = serde_json::json!({"MessageId": "m", "Body": note}).to_string();
    let factory = app_factory().strictness(bridgecraft_factory::Strictness::Strict);
    let record = factory.decode_sqs_message(&message);
    assert_eq!(record.message_id.as_deref(), Some("m"));
    let error = record.result.unwrap_err();
    assert_eq!(
        error.layers(),
        [Layer::SqsMessage, Layer::SnsNotification, Layer::Event]
    );
    assert_eq!(error.path(), "detail.order_id");
    assert!(
        error
            .to_string()
            .starts_with("sqs message > sns notification > event at `detail.order_id`"),
        "{error}"
    );
}

#[test]
fn every_example_decodes_without_error() {
    let factory = app_factory();
    let dir = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/events"));
    let files = crate::support::json_files(dir);
    assert_eq!(files.len(), 11);
    for file in files {
        let bytes = std::fs::read(&file).unwrap();
        for record in factory.decode(&bytes, Envelope::Auto) {
            assert!(
                record.result.is_ok(),
                "{}: {:?}",
                file.display(),
                record.result
            );
        }
    }
}
