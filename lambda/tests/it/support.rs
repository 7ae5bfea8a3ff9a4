//! The factory, events, Lambda payloads and a handler that notes what it saw.

use std::sync::{Arc, Mutex};

use aws_lambda_events::event::sns::{SnsEvent, SnsRecord};
use aws_lambda_events::event::sqs::{SqsEvent, SqsMessage};
use bridgecraft_events::Event;
use bridgecraft_events::aws_ec2::Ec2InstanceStateChangeNotification as StateChange;
use bridgecraft_factory::{Decoded, Factory, Known};
use bridgecraft_lambda::{Context, LambdaEvent};
use bridgecraft_router::{HandlerError, Router};

/// Decodes EC2 state changes; everything else is unknown.
pub fn factory() -> Factory<StateChange, Known<StateChange>> {
    Factory::new(Known::new())
}

/// An `EC2 Instance State-change Notification` as EventBridge writes it.
pub fn state_change(id: &str, state: &str) -> String {
    format!(
        r#"{{"version":"0","id":"{id}","detail-type":"EC2 Instance State-change Notification","source":"aws.ec2","account":"123456789012","time":"2024-05-01T12:00:00Z","region":"us-east-1","resources":[],"detail":{{"instance-id":"i-{id}","state":"{state}"}}}}"#
    )
}

/// An event no factory in these tests knows.
pub fn custom_event(id: &str) -> String {
    format!(
        r#"{{"version":"0","id":"{id}","detail-type":"Order Placed","source":"com.example.orders","account":"123456789012","time":"2024-05-01T12:00:00Z","region":"us-east-1","resources":[],"detail":{{"order":"{id}"}}}}"#
    )
}

/// An SNS notification holding `message`, as SNS puts it in an SQS body with raw delivery off.
pub fn notification(message: &str) -> String {
    serde_json::json!({"Type": "Notification", "MessageId": "n-1", "Message": message}).to_string()
}

/// What the routes saw, in order.
#[derive(Clone, Default)]
pub struct Probe(Arc<Mutex<Vec<String>>>);

impl Probe {
    pub fn note(&self, line: String) {
        self.0.lock().unwrap().push(line);
    }

    pub fn take(&self) -> Vec<String> {
        std::mem::take(&mut *self.0.lock().unwrap())
    }
}

/// A router that notes each event (typed state changes by instance and state, others by id)
/// and fails the state changes to `error` and the events whose id starts with `fail`.
pub fn router() -> Router<StateChange, Probe> {
    Router::new()
        .on(|event: Event<StateChange>, probe: Probe| async move {
            let instance = event.detail.instance_id.unwrap_or_default();
            let state = event
                .detail
                .state
                .map(|s| s.to_string())
                .unwrap_or_default();
            probe.note(format!("{instance} {state}"));
            let id = event.id.unwrap_or_default();
            if state == "error" || id.starts_with("fail") {
                return Err::<(), HandlerError>(format!("{id} refused").into());
            }
            Ok(())
        })
        .fallback(|event: Decoded<StateChange>, probe: Probe| async move {
            probe.note(format!("unknown {}", event.id().unwrap_or_default()));
            Ok(())
        })
}

/// An invocation of `payload`, with a context as the runtime makes one.
pub fn invocation<T>(payload: T) -> LambdaEvent<T> {
    let mut context = Context::default();
    context.request_id = "request-1".into();
    LambdaEvent::new(payload, context)
}

/// An SQS record as Lambda's SQS trigger sends it.
pub fn sqs_record(message_id: Option<&str>, body: &str, group: Option<&str>) -> SqsMessage {
    let mut record = SqsMessage::default();
    record.message_id = message_id.map(str::to_owned);
    record.body = Some(body.to_owned());
    record
        .attributes
        .insert("ApproximateReceiveCount".into(), "2".into());
    if let Some(group) = group {
        record
            .attributes
            .insert("MessageGroupId".into(), group.to_owned());
    }
    record.event_source = Some("aws:sqs".into());
    record
}

pub fn sqs_event(records: Vec<SqsMessage>) -> SqsEvent {
    let mut event = SqsEvent::default();
    event.records = records;
    event
}

/// An SNS event with one record per message, as Lambda's SNS trigger sends it.
pub fn sns_event(messages: &[(&str, &str)]) -> SnsEvent {
    let mut event = SnsEvent::default();
    event.records = messages
        .iter()
        .map(|(message_id, message)| {
            let mut record = SnsRecord::default();
            record.event_source = "aws:sns".into();
            record.sns.sns_message_type = "Notification".into();
            record.sns.message_id = (*message_id).to_owned();
            record.sns.message = (*message).to_owned();
            record
        })
        .collect();
    event
}
