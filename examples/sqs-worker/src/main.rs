//! A long-running worker consuming EC2 events from the SQS queue `QUEUE_URL` names, deleting
//! each message once its routes succeeded, until Ctrl-C.

use bridgecraft::events::Event;
use bridgecraft::events::aws_ec2::Ec2InstanceStateChangeNotification as StateChange;
use bridgecraft::factory::{Decoded, Factory, Known};
use bridgecraft::router::{HandlerError, Router};
use bridgecraft::sqs::Consumer;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let queue_url = std::env::var("QUEUE_URL")?;
    let router = Router::new()
        .on(|event: Event<StateChange>, ()| async move {
            if let (Some(instance), Some(state)) = (event.detail.instance_id, event.detail.state) {
                println!("{instance} is {state}");
            }
            Ok::<(), HandlerError>(())
        })
        .fallback(|event: Decoded<StateChange>, ()| async move {
            println!("not handled: {} / {}", event.source(), event.detail_type());
            Ok(())
        });
    let factory = Factory::<StateChange, _>::new(Known::new());
    let client = bridgecraft::sqs::client(None, None).await;
    let stats = Consumer::new(client, queue_url, factory, router)
        .run(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    println!("{stats:?}");
    Ok(())
}
