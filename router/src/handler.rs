//! What a consumer or a Lambda function hands each decoded event to.

use std::future::Future;
use std::pin::Pin;

use crate::Delivery;

/// The error a handler returns; any error type converts into it with `?`.
pub type HandlerError = Box<dyn std::error::Error + Send + Sync>;

/// A boxed future, as routes store their handlers.
pub(crate) type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;

/// Handles decoded events. `Ok` means the event is done (an SQS message may be deleted, a Lambda
/// record is not reported failed); `Err` means it should be delivered again.
///
/// Implemented by async closures `Fn(Delivery<D>) -> impl Future<Output = Result<(),
/// HandlerError>>`, by [`Router`](crate::Router) (directly, or with a context through
/// [`Router::handler`](crate::Router::handler)) and by [`Subscriptions`](crate::Subscriptions).
pub trait Handler<D>: Send + Sync + 'static {
    /// Handles one event.
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
