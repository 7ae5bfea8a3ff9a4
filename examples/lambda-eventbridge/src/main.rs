//! A Lambda function that is the target of an EventBridge rule on EC2 state changes.

use bridgecraft::events::Event;
use bridgecraft::events::aws_ec2::Ec2InstanceStateChangeNotification as StateChange;
use bridgecraft::factory::{Factory, Known};
use bridgecraft::router::{HandlerError, Router};

#[tokio::main]
async fn main() -> Result<(), bridgecraft::lambda::Error> {
    let router = Router::new().on(|event: Event<StateChange>, ()| async move {
        if let (Some(instance), Some(state)) = (event.detail.instance_id, event.detail.state) {
            println!("{instance} is {state}");
        }
        Ok::<(), HandlerError>(())
    });
    let factory = Factory::<StateChange, _>::new(Known::new());
    bridgecraft::lambda::run_eventbridge(factory, router).await
}
