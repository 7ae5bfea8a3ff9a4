//! Routes: handlers registered per event type, per source or per filter.

use std::future::Future;
use std::sync::Arc;

use bridgecraft_events::{Event, EventDetail};
use bridgecraft_factory::{Decoded, EventFactory};

use crate::handler::{BoxFuture, Handler, HandlerError};
use crate::{Delivery, Filter};

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
/// [`trigger`](Self::trigger), or that [`handler`](Self::handler) fixes for a consumer or a
/// Lambda function. A router without a context (`C = ()`) is a [`Handler`] itself.
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
    D: Clone + Send + Sync + 'static,
    C: Clone + Send + Sync + 'static,
{
    /// A router with no routes.
    pub fn new() -> Self {
        Self::default()
    }

    /// Routes events of `T`'s source and detail-type to `handler`, with the detail as a `T`.
    ///
    /// A typed event's detail is taken out of `D` with `T::try_from`, never written back to
    /// JSON and read again: `D` is `T` itself (a factory of [`Known<T>`]), or an enum of
    /// [`detail_enum!`] holding `T`. An unknown event's raw detail (a factory that does not
    /// know `T`) is decoded as `T`. An event whose detail is not a valid `T` fails the route,
    /// so it is retried and ends in the dead-letter queue rather than being dropped.
    ///
    /// [`Known<T>`]: bridgecraft_factory::Known
    /// [`detail_enum!`]: bridgecraft_factory::detail_enum
    pub fn on<T, F, Fut>(mut self, handler: F) -> Self
    where
        T: EventDetail + TryFrom<D> + Send + 'static,
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

    /// Routes the events `filter` accepts to `handler`: an event pattern (`Filter::pattern`),
    /// a CEL expression (`Filter::cel`) or any [`Filter`].
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

    /// Runs the routes that match `delivery`, one after the other, with `context`; `Err` when
    /// any failed (the others still ran).
    pub async fn dispatch(&self, delivery: &Delivery<D>, context: C) -> Result<(), HandlerError> {
        let report = self.trigger(delivery, context).await;
        match report.errors.into_iter().next() {
            None => Ok(()),
            Some((index, error)) => Err(format!("route {index} failed: {error}").into()),
        }
    }

    /// Runs the routes that match `delivery` now, as a message would, and says which ran and
    /// how they did: for tests, with a synthetic event and a context that observes the
    /// handlers.
    pub async fn trigger(&self, delivery: &Delivery<D>, context: C) -> TriggerReport {
        let event = &delivery.event;
        let mut report = TriggerReport {
            matched: Vec::new(),
            fallback: false,
            errors: Vec::new(),
        };
        for route in &self.routes {
            if route.filter.matches(delivery) {
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

    /// Decodes `json` (a bare event, or an SNS notification holding one, as an SQS body may
    /// be) with `factory` and triggers the routes with it, as a consumer would.
    pub async fn trigger_json<F>(
        &self,
        factory: &F,
        json: &str,
        context: C,
    ) -> Result<TriggerReport, bridgecraft_factory::DecodeError>
    where
        F: EventFactory<Detail = D> + ?Sized,
    {
        let delivery = Delivery::from_sqs_body(factory, json)?;
        Ok(self.trigger(&delivery, context).await)
    }

    /// A [`Handler`] for a consumer or a Lambda function, passing `context` to every route.
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
    D: Clone + Send + Sync + 'static,
    C: Clone + Send + Sync + 'static,
{
    async fn handle(&self, delivery: Delivery<D>) -> Result<(), HandlerError> {
        self.router.dispatch(&delivery, self.context.clone()).await
    }
}

impl<D> Handler<D> for Router<D, ()>
where
    D: Clone + Send + Sync + 'static,
{
    async fn handle(&self, delivery: Delivery<D>) -> Result<(), HandlerError> {
        self.dispatch(&delivery, ()).await
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
fn detail_as<D, T>(event: &Decoded<D>) -> Result<Event<T>, HandlerError>
where
    D: Clone,
    T: EventDetail + TryFrom<D>,
{
    let wrong = |why: String| -> HandlerError {
        format!(
            "the detail of {} / {} is not a valid {}: {why}",
            T::SOURCE,
            T::DETAIL_TYPE,
            short_type_name::<T>()
        )
        .into()
    };
    match event {
        Decoded::Typed(typed) => {
            let event = typed.clone().map_detail(|detail| T::try_from(detail).ok());
            with_detail(event).ok_or_else(|| wrong("the factory decoded it as another type".into()))
        }
        Decoded::Unknown(unknown) => {
            let detail = unknown
                .detail_as::<T>()
                .map_err(|error| wrong(error.to_string()))?;
            Ok(unknown.event.clone().map_detail(|_| detail))
        }
    }
}

/// The event with its detail, if it has one.
fn with_detail<T>(event: Event<Option<T>>) -> Option<Event<T>> {
    let (envelope, detail) = event.split();
    detail.map(|detail| envelope.map_detail(|()| detail))
}

/// `Ec2InstanceStateChangeNotification` rather than the full path.
fn short_type_name<T>() -> &'static str {
    let name = std::any::type_name::<T>();
    let base = name.split('<').next().unwrap_or(name);
    base.rsplit("::").next().unwrap_or(base)
}
