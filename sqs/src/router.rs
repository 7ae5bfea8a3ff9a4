//! Routes: handlers registered per event type, per source or per filter.

use std::future::Future;
use std::sync::Arc;

use bridgecraft_events::{Event, EventDetail};
use bridgecraft_factory::{Decoded, EventFactory};
use serde::Serialize;

use crate::filter::Filter;
use crate::handler::{BoxFuture, Delivery, Handler, HandlerError};

type RouteFn<D, C> = dyn Fn(&Decoded<D>, C) -> BoxFuture<Result<(), HandlerError>> + Send + Sync;

struct Route<D, C> {
    info: RouteInfo,
    filter: Filter,
    call: Box<RouteFn<D, C>>,
}

/// A registered route, as [`Router::routes`] lists it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RouteInfo {
    /// Position in registration order, from 0; routes run in this order.
    pub index: usize,
    /// What the route matches, such as `aws.ec2 / EC2 Instance State-change Notification`
    /// or `source aws.ec2`.
    pub filter: String,
    /// The detail type a typed route decodes into, as Rust names it.
    pub detail_type: Option<&'static str>,
}

/// What [`Router::trigger`] did.
#[derive(Debug)]
pub struct TriggerReport {
    /// The routes that matched, in the order they ran; empty when the fallback ran.
    pub matched: Vec<RouteInfo>,
    /// Whether the fallback ran because no route matched.
    pub fallback: bool,
    /// The routes that failed, by index, with their errors.
    pub errors: Vec<(usize, HandlerError)>,
}

/// Sends each event to every route that matches it, in registration order.
///
/// Routes are async closures that receive the event and a context value `C` (application
/// state, a test probe) that the caller passes to [`dispatch`](Self::dispatch) or
/// [`trigger`](Self::trigger), or that [`handler`](Self::handler) fixes for a consumer.
///
/// A message succeeds when every matching route succeeded. When one fails, the message is
/// delivered again and *every* matching route runs again: routes must tolerate repeats, as
/// any at-least-once handler must. Events no route matches go to the
/// [`fallback`](Self::fallback), or else are acknowledged and logged.
pub struct Router<D, C = ()> {
    routes: Vec<Route<D, C>>,
    fallback: Option<Box<RouteFn<D, C>>>,
}

impl<D, C> Default for Router<D, C> {
    fn default() -> Self {
        Self {
            routes: Vec::new(),
            fallback: None,
        }
    }
}

impl<D, C> Router<D, C>
where
    D: Serialize + Clone + Send + Sync + 'static,
    C: Clone + Send + Sync + 'static,
{
    /// A router with no routes.
    pub fn new() -> Self {
        Self::default()
    }

    /// Routes events of `T`'s source and detail-type to `handler`, with the detail as a `T`.
    ///
    /// The detail is taken from the decoded event as the factory made it: an unknown event's
    /// raw detail, or a typed event's detail written back to JSON, is decoded as `T`. An
    /// event whose detail is not a valid `T` fails the route, so it is retried and ends in
    /// the dead-letter queue rather than being dropped.
    pub fn on<T, F, Fut>(mut self, handler: F) -> Self
    where
        T: EventDetail + Send + 'static,
        F: Fn(Event<T>, C) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<(), HandlerError>> + Send + 'static,
    {
        let filter = Filter::detail_type(T::SOURCE, T::DETAIL_TYPE);
        let call = move |event: &Decoded<D>, context: C| -> BoxFuture<Result<(), HandlerError>> {
            match detail_as::<D, T>(event) {
                Ok(event) => Box::pin(handler(event, context)),
                Err(error) => Box::pin(std::future::ready(Err(error))),
            }
        };
        let detail_type = Some(short_type_name::<T>());
        self.push(filter, detail_type, Box::new(call));
        self
    }

    /// Routes every event from `source` to `handler`, typed or not.
    pub fn on_source<F, Fut>(self, source: impl Into<String>, handler: F) -> Self
    where
        F: Fn(Decoded<D>, C) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<(), HandlerError>> + Send + 'static,
    {
        self.on_filter(Filter::source(source), handler)
    }

    /// Routes the events `filter` accepts to `handler`; with [`Filter::json`] this takes an
    /// event pattern.
    pub fn on_filter<F, Fut>(mut self, filter: Filter, handler: F) -> Self
    where
        F: Fn(Decoded<D>, C) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<(), HandlerError>> + Send + 'static,
    {
        self.push(filter, None, whole_event(handler));
        self
    }

    /// Handles the events no route matches; without one they are acknowledged.
    pub fn fallback<F, Fut>(mut self, handler: F) -> Self
    where
        F: Fn(Decoded<D>, C) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<(), HandlerError>> + Send + 'static,
    {
        self.fallback = Some(whole_event(handler));
        self
    }

    fn push(
        &mut self,
        filter: Filter,
        detail_type: Option<&'static str>,
        call: Box<RouteFn<D, C>>,
    ) {
        let info = RouteInfo {
            index: self.routes.len(),
            filter: filter.to_string(),
            detail_type,
        };
        self.routes.push(Route { info, filter, call });
    }

    /// The registered routes, in the order they run.
    pub fn routes(&self) -> Vec<RouteInfo> {
        self.routes.iter().map(|route| route.info.clone()).collect()
    }

    /// Runs the routes that match `event`, one after the other, with `context`; `Err` when
    /// any failed (the others still ran).
    pub async fn dispatch(&self, event: &Decoded<D>, context: C) -> Result<(), HandlerError> {
        let report = self.trigger(event, context).await;
        match report.errors.into_iter().next() {
            None => Ok(()),
            Some((index, error)) => Err(format!("route {index} failed: {error}").into()),
        }
    }

    /// Runs the routes that match `event` now, as a message would, and says which ran and how
    /// they did: for tests, with a synthetic event and a context that observes the handlers.
    pub async fn trigger(&self, event: &Decoded<D>, context: C) -> TriggerReport {
        let mut report = TriggerReport {
            matched: Vec::new(),
            fallback: false,
            errors: Vec::new(),
        };
        for route in &self.routes {
            if route.filter.matches(event) {
                report.matched.push(route.info.clone());
                if let Err(error) = (route.call)(event, context.clone()).await {
                    report.errors.push((route.info.index, error));
                }
            }
        }
        if report.matched.is_empty() {
            match &self.fallback {
                Some(fallback) => {
                    report.fallback = true;
                    if let Err(error) = fallback(event, context).await {
                        report.errors.push((usize::MAX, error));
                    }
                }
                None => tracing::debug!(
                    source = event.source(),
                    detail_type = event.detail_type(),
                    "no route matches; acknowledged"
                ),
            }
        }
        report
    }

    /// Decodes `json` (a bare event or any envelope the factory reads in an SQS body) with
    /// `factory` and triggers the routes with it, as a consumer would.
    pub async fn trigger_json<F>(
        &self,
        factory: &F,
        json: &str,
        context: C,
    ) -> Result<TriggerReport, bridgecraft_factory::DecodeError>
    where
        F: EventFactory<Detail = D> + ?Sized,
    {
        let event = factory.decode_sqs_body(json)?;
        Ok(self.trigger(&event, context).await)
    }

    /// A [`Handler`] for a consumer or a Lambda batch, passing `context` to every route.
    pub fn handler(self, context: C) -> RouterHandler<D, C> {
        RouterHandler {
            router: Arc::new(self),
            context,
        }
    }
}

/// A [`Router`] with its context, as a [`Handler`].
pub struct RouterHandler<D, C> {
    router: Arc<Router<D, C>>,
    context: C,
}

impl<D, C> RouterHandler<D, C> {
    /// The router, to list its routes or trigger it.
    pub fn router(&self) -> &Router<D, C> {
        &self.router
    }
}

impl<D, C> Handler<D> for RouterHandler<D, C>
where
    D: Serialize + Clone + Send + Sync + 'static,
    C: Clone + Send + Sync + 'static,
{
    async fn handle(&self, delivery: Delivery<D>) -> Result<(), HandlerError> {
        self.router
            .dispatch(&delivery.event, self.context.clone())
            .await
    }
}

fn whole_event<D, C, F, Fut>(handler: F) -> Box<RouteFn<D, C>>
where
    D: Clone + 'static,
    F: Fn(Decoded<D>, C) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<(), HandlerError>> + Send + 'static,
{
    Box::new(
        move |event: &Decoded<D>, context: C| -> BoxFuture<Result<(), HandlerError>> {
            Box::pin(handler(event.clone(), context))
        },
    )
}

/// The event with its detail as a `T`.
fn detail_as<D: Serialize, T: EventDetail>(event: &Decoded<D>) -> Result<Event<T>, HandlerError> {
    let (envelope, detail) = match event {
        Decoded::Typed(typed) => {
            let json = serde_json::to_string(&typed.detail)?;
            (typed.clone_envelope(), serde_json::from_str::<T>(&json))
        }
        Decoded::Unknown(unknown) => (unknown.event.clone_envelope(), unknown.detail_as::<T>()),
    };
    let detail = detail.map_err(|error| {
        format!(
            "the detail of {} / {} is not a valid {}: {error}",
            T::SOURCE,
            T::DETAIL_TYPE,
            short_type_name::<T>()
        )
    })?;
    Ok(envelope.map_detail(|()| detail))
}

trait CloneEnvelope {
    fn clone_envelope(&self) -> Event<()>;
}

impl<X> CloneEnvelope for Event<X> {
    fn clone_envelope(&self) -> Event<()> {
        self.as_ref().map_detail(|_| ())
    }
}

/// `Ec2InstanceStateChangeNotification` rather than the full path.
fn short_type_name<T>() -> &'static str {
    let name = std::any::type_name::<T>();
    let base = name.split('<').next().unwrap_or(name);
    base.rsplit("::").next().unwrap_or(base)
}
