//! What a consumer or a Lambda batch hands each decoded message to.

use std::future::Future;
use std::pin::Pin;

use bridgecraft_factory::Decoded;

/// The error a handler returns; any error type converts into it with `?`.
pub type HandlerError = Box<dyn std::error::Error + Send + Sync>;

/// A boxed future, as routes store their handlers.
pub(crate) type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;

/// One decoded message, with what the queue says about it.
#[derive(Clone, Debug)]
pub struct Delivery<D> {
    /// The decoded event: typed, or unknown with its raw JSON kept.
    pub event: Decoded<D>,
    /// The SQS message id.
    pub message_id: String,
    /// How many times the queue has handed this message out, this time included, when known.
    /// A value above 1 means an earlier attempt failed or timed out.
    pub receive_count: Option<u32>,
}

/// Handles decoded messages. `Ok` means the message is done and may be deleted; `Err` leaves it
/// on the queue to be delivered again.
///
/// Implemented by async closures `Fn(Delivery<D>) -> impl Future<Output = Result<(),
/// HandlerError>>`, by [`Router`](crate::Router) through [`Router::handler`](crate::Router::handler)
/// and by [`Subscriptions`](crate::Subscriptions).
pub trait Handler<D>: Send + Sync + 'static {
    /// Handles one message.
    fn handle(
        &self,
        delivery: Delivery<D>,
    ) -> impl Future<Output = Result<(), HandlerError>> + Send;
}

impl<D, F, Fut> Handler<D> for F
where
    F: Fn(Delivery<D>) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<(), HandlerError>> + Send,
{
    fn handle(
        &self,
        delivery: Delivery<D>,
    ) -> impl Future<Output = Result<(), HandlerError>> + Send {
        self(delivery)
    }
}
