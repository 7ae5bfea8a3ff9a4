//! Routes and subscriptions for typed EventBridge events, whatever delivered them.
//!
//! Nothing here knows SQS, SNS or Lambda: an SQS consumer (`bridgecraft-sqs`), a Lambda
//! function (`bridgecraft-lambda`) or a test hands each decoded event, as a [`Delivery`], to a
//! [`Handler`]:
//!
//! - [`Router`] sends each event to the handlers registered for its type, its source or a
//!   [`Filter`], lists its routes and can be triggered with a synthetic event;
//! - [`Subscriptions`] lets code wait for the next event matching a filter, across several
//!   subscriptions at once.
//!
//! Filters are a source, a source and detail-type, an EventBridge event pattern
//! ([`Filter::pattern`], feature `patterns`) or a CEL expression ([`Filter::cel`], feature
//! `cel`), both matched against the event's JSON text as it arrived; a filter that does not
//! compile is an error when it is made.
//!
//! ```
//! use bridgecraft_events::{Event, EventDetail};
//! use bridgecraft_factory::{Decoded, Factory, Known};
//! use bridgecraft_router::{Filter, HandlerError, Router};
//! use serde::{Deserialize, Serialize};
//!
//! #[derive(Clone, Debug, Deserialize, Serialize)]
//! struct OrderPlaced {
//!     order_id: String,
//!     total: f64,
//! }
//!
//! impl EventDetail for OrderPlaced {
//!     const SOURCE: &'static str = "com.example.orders";
//!     const DETAIL_TYPE: &'static str = "Order Placed";
//! }
//!
//! let router = Router::new()
//!     .on(|event: Event<OrderPlaced>, ()| async move {
//!         println!("order {}", event.detail.order_id);
//!         Ok::<(), HandlerError>(())
//!     })
//!     .on_filter(Filter::cel("detail.total > 100.0")?, |event: Decoded<OrderPlaced>, ()| async move {
//!         println!("a big order: {}", event.id().unwrap_or_default());
//!         Ok(())
//!     });
//!
//! let factory = Factory::new(Known::<OrderPlaced>::new());
//! let json = r#"{"version":"0","id":"1","detail-type":"Order Placed","source":"com.example.orders",
//!     "account":"123456789012","time":"2024-01-01T00:00:00Z","region":"eu-west-1",
//!     "resources":[],"detail":{"order_id":"o-1","total":250.0}}"#;
//! # tokio::runtime::Builder::new_current_thread().build()?.block_on(async {
//! let report = router.trigger_json(&factory, json, ()).await?;
//! assert_eq!(report.matched.len(), 2);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! # })?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![warn(missing_docs)]

#[cfg(feature = "cel")]
mod cel_filter;
mod delivery;
mod filter;
mod handler;
mod router;
mod subscriptions;

#[cfg(feature = "cel")]
pub use cel_filter::{CelError, CelEvalError, CelExpression};
pub use delivery::Delivery;
pub use filter::Filter;
pub use handler::{Handler, HandlerError};
pub use router::{RouteInfo, Router, RouterHandler, TriggerReport};
pub use subscriptions::{SubscriptionHandle, Subscriptions};

#[cfg(test)]
mod tests {
    use bridgecraft_events::EventDetail;
    use bridgecraft_factory::{Factory, Known};
    use serde::{Deserialize, Serialize};

    use crate::Delivery;

    /// The detail type of the unit tests; any other pair is unknown to their factory.
    #[derive(Clone, Debug, Deserialize, Serialize)]
    pub struct Ping {
        pub n: Option<u32>,
    }

    impl EventDetail for Ping {
        const SOURCE: &'static str = "test.app";
        const DETAIL_TYPE: &'static str = "Ping";
    }

    /// An event of `source` and `detail_type` with `detail`, as EventBridge writes it.
    pub fn ping(source: &str, detail_type: &str, detail: &str) -> String {
        format!(
            r#"{{"id":"1","detail-type":"{detail_type}","source":"{source}","time":"2024-01-01T00:00:00Z","region":"us-east-1","detail":{detail}}}"#
        )
    }

    /// That event decoded by a factory that knows [`Ping`].
    pub fn delivery(source: &str, detail_type: &str, detail: &str) -> Delivery<Ping> {
        let factory = Factory::<Ping, _>::new(Known::<Ping>::new());
        Delivery::from_event(&factory, &ping(source, detail_type, detail)).unwrap()
    }
}
