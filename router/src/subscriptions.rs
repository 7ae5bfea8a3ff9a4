//! Subscriptions: wait for the next event matching a filter.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use tokio::sync::Notify;

use crate::handler::{Handler, HandlerError};
use crate::{Delivery, Filter};

/// Names one subscription of a [`Subscriptions`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SubscriptionHandle(u64);

/// Queues the events [`publish`](Self::publish)ed to it for each subscription whose filter
/// matches, so that code can wait for them with [`next_event`](Self::next_event).
///
/// Each subscription gets the events published after it subscribed, in the order they were
/// published. It is a [`Handler`] too: give it (or a clone, which shares the subscriptions) to
/// an SQS consumer or a Lambda function and every event they receive is published.
pub struct Subscriptions<D> {
    shared: Arc<Shared<D>>,
}

impl<D> Clone for Subscriptions<D> {
    fn clone(&self) -> Self {
        Self {
            shared: self.shared.clone(),
        }
    }
}

impl<D> Default for Subscriptions<D> {
    fn default() -> Self {
        Self {
            shared: Arc::new(Shared {
                state: Mutex::new(State {
                    next_handle: 0,
                    next_sequence: 0,
                    subscriptions: HashMap::new(),
                }),
                published: Notify::new(),
            }),
        }
    }
}

struct Shared<D> {
    state: Mutex<State<D>>,
    published: Notify,
}

struct State<D> {
    next_handle: u64,
    /// Numbers events as published, so that waiting on several handles keeps that order.
    next_sequence: u64,
    subscriptions: HashMap<SubscriptionHandle, Subscription<D>>,
}

struct Subscription<D> {
    filter: Filter,
    queue: VecDeque<(u64, Arc<Delivery<D>>)>,
}

impl<D> Subscriptions<D> {
    /// No subscriptions yet.
    pub fn new() -> Self {
        Self::default()
    }

    fn state(&self) -> MutexGuard<'_, State<D>> {
        // A panic while holding the lock leaves the queues consistent: keep going.
        self.shared
            .state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Starts queueing the events `filter` accepts. Filters are checked when made
    /// ([`Filter::pattern`], [`Filter::cel`]), so a subscription never fails on an event.
    pub fn subscribe(&self, filter: Filter) -> SubscriptionHandle {
        let mut state = self.state();
        let handle = SubscriptionHandle(state.next_handle);
        state.next_handle += 1;
        state.subscriptions.insert(
            handle,
            Subscription {
                filter,
                queue: VecDeque::new(),
            },
        );
        handle
    }

    /// Stops the subscription and drops the events queued for it; `false` if it was not
    /// subscribed.
    pub fn unsubscribe(&self, handle: SubscriptionHandle) -> bool {
        self.state().subscriptions.remove(&handle).is_some()
    }

    /// How many events wait for `handle`; `None` if it is not subscribed.
    pub fn pending(&self, handle: SubscriptionHandle) -> Option<usize> {
        self.state()
            .subscriptions
            .get(&handle)
            .map(|subscription| subscription.queue.len())
    }

    /// Queues `delivery` for every subscription that matches it; returns how many did.
    pub fn publish(&self, delivery: Delivery<D>) -> usize {
        let event = Arc::new(delivery);
        let mut state = self.state();
        let sequence = state.next_sequence;
        state.next_sequence += 1;
        let mut matched = 0;
        for subscription in state.subscriptions.values_mut() {
            if subscription.filter.matches(&event) {
                subscription.queue.push_back((sequence, event.clone()));
                matched += 1;
            }
        }
        drop(state);
        if matched > 0 {
            self.shared.published.notify_waiters();
        }
        matched
    }

    /// Waits at most `timeout` for the next event queued for any of `handles` and takes it:
    /// the earliest published among them. `None` on timeout, or when none of them is
    /// subscribed any more.
    pub async fn next_event(
        &self,
        handles: &[SubscriptionHandle],
        timeout: Duration,
    ) -> Option<(SubscriptionHandle, Arc<Delivery<D>>)> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let published = self.shared.published.notified();
            tokio::pin!(published);
            // Registered before looking, so a publish in between still wakes us.
            published.as_mut().enable();
            match self.take_next(handles) {
                Taken::Event(handle, event) => return Some((handle, event)),
                Taken::NoneSubscribed => return None,
                Taken::Nothing => {}
            }
            if tokio::time::timeout_at(deadline, published).await.is_err() {
                return None;
            }
        }
    }

    fn take_next(&self, handles: &[SubscriptionHandle]) -> Taken<D> {
        let mut state = self.state();
        let mut earliest: Option<(u64, SubscriptionHandle)> = None;
        let mut any_subscribed = false;
        for handle in handles {
            let Some(subscription) = state.subscriptions.get(handle) else {
                continue;
            };
            any_subscribed = true;
            if let Some((sequence, _)) = subscription.queue.front()
                && earliest.is_none_or(|(first, _)| *sequence < first)
            {
                earliest = Some((*sequence, *handle));
            }
        }
        match earliest {
            Some((_, handle)) => {
                let subscription = state.subscriptions.get_mut(&handle).expect("found above");
                let (_, event) = subscription.queue.pop_front().expect("found above");
                Taken::Event(handle, event)
            }
            None if any_subscribed => Taken::Nothing,
            None => Taken::NoneSubscribed,
        }
    }
}

enum Taken<D> {
    Event(SubscriptionHandle, Arc<Delivery<D>>),
    Nothing,
    NoneSubscribed,
}

impl<D> Handler<D> for Subscriptions<D>
where
    D: Send + Sync + 'static,
{
    async fn handle(&self, delivery: Delivery<D>) -> Result<(), HandlerError> {
        self.publish(delivery);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bridgecraft_factory::{Factory, Known};

    use crate::tests::Ping;

    fn event(source: &str, id: u32) -> Delivery<Ping> {
        let json = format!(
            r#"{{"id":"{id}","detail-type":"Tick","source":"{source}","time":"2024-01-01T00:00:00Z","region":"us-east-1","detail":{{}}}}"#
        );
        Delivery::from_event(&Factory::<Ping, _>::new(Known::<Ping>::new()), &json).unwrap()
    }

    const SHORT: Duration = Duration::from_millis(50);

    #[tokio::test]
    async fn events_after_subscribe_are_queued_in_order() {
        let subscriptions = Subscriptions::new();
        subscriptions.publish(event("a", 0));
        let a = subscriptions.subscribe(Filter::source("a"));
        for id in 1..=3 {
            subscriptions.publish(event("a", id));
            subscriptions.publish(event("b", id));
        }
        assert_eq!(subscriptions.pending(a), Some(3));
        for id in 1..=3 {
            let (handle, got) = subscriptions.next_event(&[a], SHORT).await.unwrap();
            assert_eq!(
                (handle, got.event.id().unwrap_or_default()),
                (a, id.to_string().as_str())
            );
        }
        assert!(subscriptions.next_event(&[a], SHORT).await.is_none());
    }

    #[tokio::test]
    async fn waiting_on_several_handles_takes_the_earliest_published() {
        let subscriptions = Subscriptions::new();
        let a = subscriptions.subscribe(Filter::source("a"));
        let b = subscriptions.subscribe(Filter::source("b"));
        let any = subscriptions.subscribe(Filter::Any);
        subscriptions.publish(event("b", 1));
        subscriptions.publish(event("a", 2));
        subscriptions.publish(event("b", 3));
        let mut order = Vec::new();
        while let Some((handle, got)) = subscriptions.next_event(&[a, b], SHORT).await {
            order.push((handle, got.event.id().unwrap_or_default().to_owned()));
        }
        let expected = [(b, "1"), (a, "2"), (b, "3")].map(|(h, id)| (h, id.to_owned()));
        assert_eq!(order, expected);
        assert_eq!(
            subscriptions.pending(any),
            Some(3),
            "each handle has its own queue"
        );
    }

    #[tokio::test]
    async fn next_event_wakes_when_an_event_is_published() {
        let subscriptions = Subscriptions::new();
        let a = subscriptions.subscribe(Filter::source("a"));
        let publisher = subscriptions.clone();
        let publish = tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(20)).await;
            publisher.publish(event("b", 1));
            publisher.publish(event("a", 2));
        });
        let (handle, got) = subscriptions
            .next_event(&[a], Duration::from_secs(5))
            .await
            .expect("published while waiting");
        assert_eq!((handle, got.event.id().unwrap_or_default()), (a, "2"));
        publish.await.unwrap();
    }

    #[tokio::test]
    async fn unsubscribe_drops_the_queue_and_stops_waiting() {
        let subscriptions = Subscriptions::new();
        let a = subscriptions.subscribe(Filter::Any);
        subscriptions.publish(event("a", 1));
        assert!(subscriptions.unsubscribe(a));
        assert!(!subscriptions.unsubscribe(a));
        assert_eq!(subscriptions.pending(a), None);
        assert_eq!(subscriptions.publish(event("a", 2)), 0);
        let started = std::time::Instant::now();
        assert!(
            subscriptions
                .next_event(&[a], Duration::from_secs(5))
                .await
                .is_none()
        );
        assert!(
            started.elapsed() < Duration::from_secs(1),
            "no live handle: no wait"
        );
    }
}
