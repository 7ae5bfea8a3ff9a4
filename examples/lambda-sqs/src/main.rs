//! A Lambda function triggered by an SQS queue that an EventBridge rule delivers EC2 events to:
//! the records whose handler fails are reported in `batchItemFailures` and come back.

use bridgecraft::events::Event;
use bridgecraft::events::aws_ec2::Ec2InstanceStateChangeNotification as StateChange;
use bridgecraft::factory::{Decoded, Factory, Known};
use bridgecraft::router::{Filter, HandlerError, Router};

#[tokio::main]
async fn main() -> Result<(), bridgecraft::lambda::Error> {
    let router = Router::new()
        .on(|event: Event<StateChange>, ()| async move {
            if let (Some(instance), Some(state)) = (event.detail.instance_id, event.detail.state) {
                println!("{instance} is {state}");
            }
            Ok::<(), HandlerError>(())
        })
        .on_filter(
            Filter::cel(
                "detail_type.startsWith('EC2') && detail.state in ['stopped', 'terminated']",
            )?,
            |event: Decoded<StateChange>, ()| async move {
                println!("went down: {}", event.id().unwrap_or("an event without id"));
                Ok(())
            },
        );
    let factory = Factory::<StateChange, _>::new(Known::new());
    bridgecraft::lambda::run_sqs(factory, router).await
}
