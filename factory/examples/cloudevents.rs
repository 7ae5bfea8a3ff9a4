//! Decodes CloudEvents (structured JSON, bare or in SQS, SNS and Lambda envelopes) from the
//! files named on the command line, typed by their `type`:
//!
//! ```text
//! cargo run -p bridgecraft-factory --example cloudevents -- events.json
//! ```

use bridgecraft_factory::keyed::cloudevents::CloudEventFactory;
use bridgecraft_factory::{Chain, Envelope, Kind, OfKind, Payload};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
struct OrderPlaced {
    order_id: String,
    total: u64,
}

impl Kind for OrderPlaced {
    const KIND: &'static str = "com.example.order.placed";
}

#[derive(Debug, Deserialize)]
struct OrderShipped {
    order_id: String,
}

impl Kind for OrderShipped {
    const KIND: &'static str = "com.example.order.shipped";
}

#[derive(Debug)]
enum Orders {
    Placed(OrderPlaced),
    Shipped(OrderShipped),
}

impl From<OrderPlaced> for Orders {
    fn from(placed: OrderPlaced) -> Self {
        Orders::Placed(placed)
    }
}

impl From<OrderShipped> for Orders {
    fn from(shipped: OrderShipped) -> Self {
        Orders::Shipped(shipped)
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let factory = CloudEventFactory::<Orders, _>::new(
        OfKind::<OrderPlaced>::new().or(OfKind::<OrderShipped>::new()),
    );
    for path in std::env::args().skip(1) {
        let input = std::fs::read(&path)?;
        for received in factory.decode(&input, Envelope::Auto) {
            match received.result {
                Ok(event) => match event.data {
                    Payload::Typed(Orders::Placed(order)) => {
                        println!("{path}: {} placed, {}", order.order_id, order.total)
                    }
                    Payload::Typed(Orders::Shipped(order)) => {
                        println!("{path}: {} shipped", order.order_id)
                    }
                    _ => println!("{path}: {} from {} (not typed)", event.kind, event.source),
                },
                Err(error) => eprintln!("{path}: {error}"),
            }
        }
    }
    Ok(())
}
