//! An orders service's own events, typed as AWS's are.
//!
//! `schemas/` holds the service's registry documents: three of `com.example.orders`, written
//! for it, and one of `com.example.payments` exported from a type written by hand
//! ([`refund::RefundIssued`], through `schemars`). `build.rs` generates their types into
//! [`events`] with `bridgecraft-codegen`, again only when a schema changes. An order's
//! payment is a `oneOf` whose `kind` tells a card, a bank transfer and a voucher apart: the
//! enum `events::orders::order_placed::Payment`, with a variant for each and `Unknown` for a
//! kind the schema does not know. The [`factory`]
//! decodes them before the AWS types, and the [`router`] sends each to its handler.

use std::sync::{Arc, Mutex};

use bridgecraft_events::Event;
use bridgecraft_factory::{Aws, Chain, Decoded, Factory, Known, Or};
use bridgecraft_router::{HandlerError, Router};

mod address;
pub mod refund;

pub use address::Address;

/// The types generated from `schemas/`.
#[allow(missing_docs)]
pub mod events {
    include!(concat!(env!("OUT_DIR"), "/events.rs"));
}

use events::orders::{OrderCancelled, OrderPlaced, OrderShipped};
use events::payments::RefundIssued;

bridgecraft_factory::detail_enum! {
    /// Everything the service handles: its own events, and AWS's.
    #[derive(Clone, Debug)]
    pub enum AppDetail {
        Own(events::Detail) => [OrderPlaced, OrderShipped, OrderCancelled, RefundIssued],
        Aws(bridgecraft_events::Detail),
    }
}

/// The service's types first, then AWS's.
pub fn factory() -> Factory<AppDetail, Or<Known<events::Detail>, Aws>> {
    Factory::new(Known::<events::Detail>::new().or(Aws))
}

/// What the handlers did, a line each: the test's window on them.
pub type Ledger = Arc<Mutex<Vec<String>>>;

fn note(ledger: &Ledger, line: String) {
    ledger
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .push(line);
}

/// A route per event type of the service, and one for EC2's events.
pub fn router() -> Router<AppDetail, Ledger> {
    Router::new()
        .on(|event: Event<OrderPlaced>, ledger: Ledger| async move {
            let order = event.detail;
            let total = order.total_cents.unwrap_or_default();
            let currency = order
                .currency
                .map(|currency| currency.to_string())
                .unwrap_or_default();
            let city = order
                .shipping_address
                .map(|address| address.city)
                .unwrap_or_default();
            let items = order.items.map_or(0, |items| items.len());
            let id = order.order_id.unwrap_or_default();
            note(
                &ledger,
                format!("placed {id} {total} {currency}, {items} items, to {city:?}"),
            );
            Ok::<(), HandlerError>(())
        })
        .on(|event: Event<OrderShipped>, ledger: Ledger| async move {
            let carrier = event.detail.carrier.unwrap_or_default();
            let id = event.detail.order_id.unwrap_or_default();
            note(&ledger, format!("shipped {id} by {carrier}"));
            Ok(())
        })
        .on(|event: Event<OrderCancelled>, ledger: Ledger| async move {
            let refund = event.detail.refund.and_then(|refund| refund.amount_cents);
            let id = event.detail.order_id.unwrap_or_default();
            note(&ledger, format!("cancelled {id}, refunding {refund:?}"));
            Ok(())
        })
        .on(|event: Event<RefundIssued>, ledger: Ledger| async move {
            let order = event.detail.order_id.unwrap_or_default();
            note(&ledger, format!("refunded {order}"));
            Ok(())
        })
        .on_source(
            "aws.ec2",
            |event: Decoded<AppDetail>, ledger: Ledger| async move {
                note(&ledger, format!("aws.ec2 {}", event.detail_type()));
                Ok(())
            },
        )
}
