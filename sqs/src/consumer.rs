//! The SQS consumer: receive, decode, handle, delete.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use bridgecraft_factory::{DecodeError, EventFactory};
use bridgecraft_router::{Delivery, Handler};
use tokio::sync::{Semaphore, mpsc};
use tokio::task::JoinSet;
use tracing::Instrument;

use crate::queue::{MAX_BATCH, MAX_VISIBILITY, MAX_WAIT, Queue, Received, SqsError};

/// What the consumer does with a message that does not decode.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum OnDecodeError {
    /// Leave it on the queue: it comes back after its visibility timeout until the queue's
    /// redrive policy moves it to the dead-letter queue.
    #[default]
    Leave,
    /// Delete it.
    Delete,
    /// Send its body to this queue URL, then delete it.
    SendTo(String),
}

/// How long a message whose handler failed stays invisible before it is delivered again.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backoff {
    /// The same delay every time.
    Fixed(Duration),
    /// `first` after the first failure, doubling with each delivery up to `max`.
    Exponential {
        /// The delay after the first delivery failed.
        first: Duration,
        /// The longest delay.
        max: Duration,
    },
}

impl Backoff {
    /// The delay after the delivery numbered `receive_count` (from 1) failed.
    pub fn delay(&self, receive_count: u32) -> Duration {
        let delay = match *self {
            Backoff::Fixed(delay) => delay,
            Backoff::Exponential { first, max } => {
                let doublings = receive_count.saturating_sub(1).min(31);
                first.saturating_mul(1 << doublings).min(max)
            }
        };
        delay.min(MAX_VISIBILITY)
    }
}

/// Counts of what a consumer did, returned when it stops.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ConsumerStats {
    /// Messages received, redeliveries included.
    pub received: u64,
    /// Messages whose handler succeeded.
    pub handled: u64,
    /// Messages whose handler failed (returned an error or panicked).
    pub failed: u64,
    /// Messages that did not decode.
    pub decode_errors: u64,
    /// Messages deleted.
    pub deleted: u64,
    /// Messages SQS did not delete, which will be delivered again.
    pub delete_failures: u64,
    /// Visibility extensions made for slow handlers.
    pub extensions: u64,
}

#[derive(Default)]
struct Counters {
    received: AtomicU64,
    handled: AtomicU64,
    failed: AtomicU64,
    decode_errors: AtomicU64,
    deleted: AtomicU64,
    delete_failures: AtomicU64,
    extensions: AtomicU64,
}

impl Counters {
    fn add(counter: &AtomicU64, n: u64) {
        counter.fetch_add(n, Ordering::Relaxed);
    }

    fn snapshot(&self) -> ConsumerStats {
        let get = |counter: &AtomicU64| counter.load(Ordering::Relaxed);
        ConsumerStats {
            received: get(&self.received),
            handled: get(&self.handled),
            failed: get(&self.failed),
            decode_errors: get(&self.decode_errors),
            deleted: get(&self.deleted),
            delete_failures: get(&self.delete_failures),
            extensions: get(&self.extensions),
        }
    }
}

/// Why a consumer stopped before it was asked to.
#[derive(Debug, thiserror::Error)]
pub enum ConsumerError {
    /// Receiving kept failing.
    #[error("receiving failed {attempts} times in a row: {last}")]
    Receive {
        /// Consecutive failed receives.
        attempts: u32,
        /// The last failure.
        last: SqsError,
    },
}

type DecodeErrorReport = dyn Fn(&str, &DecodeError) + Send + Sync;

/// Keeps extending a message's visibility while its handler runs.
#[derive(Clone, Copy, Debug)]
struct Extension {
    every: Duration,
    to: Duration,
}

/// Consumes an SQS queue: long-polls it, decodes each message with an [`EventFactory`], hands
/// the events to a [`Handler`] with bounded concurrency and deletes each message once its handler
/// succeeded.
///
/// Delivery is at least once: a message is deleted only after its handler returned `Ok`; one
/// whose handler failed or panicked, or that was in hand when the consumer was dropped, is
/// delivered again once its visibility timeout expires.
///
/// ```no_run
/// # async fn example(client: aws_sdk_sqs::Client) -> Result<(), Box<dyn std::error::Error>> {
/// use bridgecraft_factory::AwsFactory;
/// use bridgecraft_router::{Delivery, HandlerError};
/// use bridgecraft_sqs::Consumer;
///
/// let handler = |delivery: Delivery<bridgecraft_events::Detail>| async move {
///     println!("{} {}", delivery.event.source(), delivery.event.detail_type());
///     Ok::<(), HandlerError>(())
/// };
/// let stats = Consumer::new(client, "https://sqs.eu-west-1.amazonaws.com/123/q", AwsFactory::aws(), handler)
///     .concurrency(16)
///     .run(std::future::pending()) // or a signal handler's future
///     .await?;
/// println!("{stats:?}");
/// # Ok(()) }
/// ```
pub struct Consumer<F, H> {
    queue: Queue,
    factory: Arc<F>,
    handler: Arc<H>,
    batch_size: usize,
    wait_time: Duration,
    concurrency: usize,
    visibility_timeout: Option<Duration>,
    extension: Option<Extension>,
    failure_backoff: Option<Backoff>,
    on_decode_error: OnDecodeError,
    report_decode_error: Option<Arc<DecodeErrorReport>>,
    max_receive_failures: u32,
    max_messages: Option<u64>,
    idle_timeout: Option<Duration>,
    delete_handled: bool,
}

impl<F, H> Consumer<F, H>
where
    F: EventFactory + 'static,
    F::Detail: Send + 'static,
    H: Handler<F::Detail>,
{
    /// A consumer of the queue at `queue_url`, with 10-message batches, 20-second long polls,
    /// 10 handlers at a time and the queue's own visibility timeout.
    pub fn new(
        client: aws_sdk_sqs::Client,
        queue_url: impl Into<String>,
        factory: F,
        handler: H,
    ) -> Self {
        Self {
            queue: Queue::new(client, queue_url.into()),
            factory: Arc::new(factory),
            handler: Arc::new(handler),
            batch_size: MAX_BATCH,
            wait_time: MAX_WAIT,
            concurrency: 10,
            visibility_timeout: None,
            extension: None,
            failure_backoff: None,
            on_decode_error: OnDecodeError::default(),
            report_decode_error: None,
            max_receive_failures: 5,
            max_messages: None,
            idle_timeout: None,
            delete_handled: true,
        }
    }

    /// Receives at most this many messages per call, 1 to 10.
    pub fn batch_size(mut self, messages: usize) -> Self {
        self.batch_size = messages.clamp(1, MAX_BATCH);
        self
    }

    /// Long-polls for at most this long, up to 20 seconds; zero is a short poll.
    pub fn wait_time(mut self, wait: Duration) -> Self {
        self.wait_time = wait.min(MAX_WAIT);
        self
    }

    /// Runs at most this many handlers at once (at least 1); no more messages than this are
    /// received and in hand at a time.
    pub fn concurrency(mut self, handlers: usize) -> Self {
        self.concurrency = handlers.max(1);
        self
    }

    /// Asks for this visibility timeout on each receive instead of the queue's own.
    pub fn visibility_timeout(mut self, timeout: Duration) -> Self {
        self.visibility_timeout = Some(timeout);
        self
    }

    /// While a handler runs, sets its message's visibility timeout to `to` every `every`, so
    /// that a slow handler does not see its message delivered to someone else. `every` should
    /// be well below `to`.
    pub fn extend_visibility(mut self, every: Duration, to: Duration) -> Self {
        self.extension = Some(Extension {
            every: every.max(Duration::from_millis(100)),
            to,
        });
        self
    }

    /// When a handler fails, makes its message visible again after the backoff's delay instead
    /// of after the rest of its visibility timeout.
    pub fn failure_backoff(mut self, backoff: Backoff) -> Self {
        self.failure_backoff = Some(backoff);
        self
    }

    /// What to do with messages that do not decode; by default they are left for the queue's
    /// dead-letter policy.
    pub fn on_decode_error(mut self, action: OnDecodeError) -> Self {
        self.on_decode_error = action;
        self
    }

    /// Calls `report` with the message id and the error for each message that does not
    /// decode, besides logging it.
    pub fn report_decode_errors(
        mut self,
        report: impl Fn(&str, &DecodeError) + Send + Sync + 'static,
    ) -> Self {
        self.report_decode_error = Some(Arc::new(report));
        self
    }

    /// Gives up after this many receives in a row failed (at least 1; 5 by default), with
    /// a growing pause between them. A queue that does not exist fails at once.
    pub fn max_receive_failures(mut self, attempts: u32) -> Self {
        self.max_receive_failures = attempts.max(1);
        self
    }

    /// Stops after receiving this many messages (redeliveries included), once their handlers
    /// finished; no receive asks for more than are left.
    pub fn max_messages(mut self, messages: u64) -> Self {
        self.max_messages = Some(messages);
        self
    }

    /// Stops once receives have returned nothing for this long in a row, as a job that drains
    /// a queue does; long polls are shortened so as not to wait past it.
    pub fn idle_timeout(mut self, idle: Duration) -> Self {
        self.idle_timeout = Some(idle);
        self
    }

    /// Whether a message whose handler succeeded is deleted (it is by default). Left, it is
    /// delivered again once its visibility timeout expires: for looking at a queue without
    /// consuming it.
    pub fn delete_handled(mut self, delete: bool) -> Self {
        self.delete_handled = delete;
        self
    }

    /// Consumes until `shutdown` completes (or the [`max_messages`](Self::max_messages) or
    /// [`idle_timeout`](Self::idle_timeout) given are reached), then stops receiving, lets the handlers in flight
    /// finish, deletes what succeeded and returns what it did.
    ///
    /// A long poll in progress when `shutdown` completes is abandoned: any messages it was
    /// about to return stay invisible until their visibility timeout and are then delivered
    /// again, so nothing is lost.
    pub async fn run(
        self,
        shutdown: impl Future<Output = ()> + Send,
    ) -> Result<ConsumerStats, ConsumerError> {
        let counters = Arc::new(Counters::default());
        let slots = Arc::new(Semaphore::new(self.concurrency));
        let (delete_tx, delete_rx) = mpsc::unbounded_channel();
        let deleter = tokio::spawn(delete_loop(self.queue.clone(), delete_rx, counters.clone()));
        let work = Arc::new(Work {
            queue: self.queue.clone(),
            factory: self.factory.clone(),
            handler: self.handler.clone(),
            extension: self.extension,
            failure_backoff: self.failure_backoff,
            on_decode_error: self.on_decode_error.clone(),
            report_decode_error: self.report_decode_error.clone(),
            deletes: delete_tx,
            delete_handled: self.delete_handled,
            counters: counters.clone(),
        });

        let mut in_flight = JoinSet::new();
        let mut receive_failures = 0;
        let mut received_total = 0;
        let mut idle = Duration::ZERO;
        let mut outcome = Ok(());
        tokio::pin!(shutdown);
        loop {
            let room = match self.max_messages {
                Some(max) if received_total >= max => break,
                Some(max) => (max - received_total).min(self.batch_size as u64) as usize,
                None => self.batch_size,
            };
            let wait = match self.idle_timeout {
                Some(timeout) if idle >= timeout => break,
                Some(timeout) => self.wait_time.min(timeout - idle),
                None => self.wait_time,
            };
            let first = tokio::select! {
                () = &mut shutdown => break,
                permit = slots.clone().acquire_owned() => permit.expect("the semaphore is never closed"),
            };
            let mut permits = vec![first];
            while permits.len() < room {
                match slots.clone().try_acquire_owned() {
                    Ok(permit) => permits.push(permit),
                    Err(_) => break,
                }
            }
            let started = Instant::now();
            let received = tokio::select! {
                () = &mut shutdown => break,
                received = self.queue.receive(permits.len(), wait, self.visibility_timeout) => received,
            };
            let messages = match received {
                Ok(messages) => {
                    receive_failures = 0;
                    if messages.is_empty() {
                        idle += started.elapsed();
                    } else {
                        idle = Duration::ZERO;
                    }
                    received_total += messages.len() as u64;
                    messages
                }
                Err(error) => {
                    receive_failures += 1;
                    tracing::warn!(%error, attempt = receive_failures, "receive failed");
                    if error.queue_missing || receive_failures >= self.max_receive_failures {
                        outcome = Err(ConsumerError::Receive {
                            attempts: receive_failures,
                            last: error,
                        });
                        break;
                    }
                    drop(permits);
                    let pause = Duration::from_millis(200 << receive_failures.min(6));
                    tokio::select! {
                        () = &mut shutdown => break,
                        () = tokio::time::sleep(pause) => continue,
                    }
                }
            };
            Counters::add(&counters.received, messages.len() as u64);
            for (message, permit) in messages.into_iter().zip(permits.drain(..)) {
                let work = work.clone();
                let span = tracing::info_span!(
                    "sqs_message",
                    message_id = %message.message_id,
                    receive_count = message.receive_count,
                );
                in_flight.spawn(
                    async move {
                        work.process(message).await;
                        drop(permit);
                    }
                    .instrument(span),
                );
            }
            while let Some(finished) = in_flight.try_join_next() {
                note_panic(finished, &counters);
            }
        }

        while let Some(finished) = in_flight.join_next().await {
            note_panic(finished, &counters);
        }
        drop(work);
        deleter.await.expect("the delete loop does not panic");
        outcome.map(|()| counters.snapshot())
    }
}

/// A handler that panicked counts as failed: its message is not deleted.
fn note_panic(finished: Result<(), tokio::task::JoinError>, counters: &Counters) {
    if let Err(error) = finished {
        tracing::error!(%error, "a handler panicked; its message will be delivered again");
        Counters::add(&counters.failed, 1);
    }
}

/// What each message's task needs.
struct Work<F, H> {
    queue: Queue,
    factory: Arc<F>,
    handler: Arc<H>,
    extension: Option<Extension>,
    failure_backoff: Option<Backoff>,
    on_decode_error: OnDecodeError,
    report_decode_error: Option<Arc<DecodeErrorReport>>,
    deletes: mpsc::UnboundedSender<String>,
    delete_handled: bool,
    counters: Arc<Counters>,
}

impl<F, H> Work<F, H>
where
    F: EventFactory + 'static,
    F::Detail: Send + 'static,
    H: Handler<F::Detail>,
{
    async fn process(&self, message: Received) {
        let mut delivery = match Delivery::from_sqs_body(&*self.factory, &message.body) {
            Ok(delivery) => delivery.with_message_id(message.message_id.as_str()),
            Err(error) => return self.decode_failed(message, error).await,
        };
        delivery.receive_count = message.receive_count;
        tracing::debug!(
            source = delivery.event.source(),
            detail_type = delivery.event.detail_type(),
            "decoded"
        );
        let _extending = self
            .extension
            .map(|extension| self.keep_invisible(&message.receipt_handle, extension));
        match self.handler.handle(delivery).await {
            Ok(()) => {
                Counters::add(&self.counters.handled, 1);
                if self.delete_handled {
                    let _ = self.deletes.send(message.receipt_handle);
                }
            }
            Err(error) => {
                Counters::add(&self.counters.failed, 1);
                tracing::warn!(%error, "handler failed; the message will be delivered again");
                if let Some(backoff) = self.failure_backoff {
                    let delay = backoff.delay(message.receive_count.unwrap_or(1));
                    if let Err(error) = self
                        .queue
                        .change_visibility(&message.receipt_handle, delay)
                        .await
                    {
                        tracing::warn!(%error, "could not set the retry delay");
                    }
                }
            }
        }
    }

    async fn decode_failed(&self, message: Received, error: DecodeError) {
        Counters::add(&self.counters.decode_errors, 1);
        tracing::warn!(%error, action = ?self.on_decode_error, "message does not decode");
        if let Some(report) = &self.report_decode_error {
            report(&message.message_id, &error);
        }
        match &self.on_decode_error {
            OnDecodeError::Leave => {}
            OnDecodeError::Delete => {
                let _ = self.deletes.send(message.receipt_handle);
            }
            OnDecodeError::SendTo(url) => {
                match self.queue.with_url(url.as_str()).send(&message.body).await {
                    Ok(()) => {
                        let _ = self.deletes.send(message.receipt_handle);
                    }
                    Err(error) => {
                        tracing::warn!(%error, "could not move the message; it stays on its queue");
                    }
                }
            }
        }
    }

    /// Extends the message's visibility until the returned guard is dropped.
    fn keep_invisible(&self, receipt: &str, extension: Extension) -> AbortOnDrop {
        let queue = self.queue.clone();
        let receipt = receipt.to_owned();
        let counters = self.counters.clone();
        let task = tokio::spawn(
            async move {
                let mut ticks = tokio::time::interval(extension.every);
                ticks.tick().await;
                loop {
                    ticks.tick().await;
                    match queue.change_visibility(&receipt, extension.to).await {
                        Ok(()) => Counters::add(&counters.extensions, 1),
                        Err(error) => tracing::warn!(%error, "could not extend visibility"),
                    }
                }
            }
            .in_current_span(),
        );
        AbortOnDrop(task)
    }
}

struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// How long a delete waits for more successes to share its batch call: each call costs about
/// a millisecond of the client's CPU, so fuller batches matter more than a prompt delete.
const DELETE_LINGER: Duration = Duration::from_millis(20);
/// Delete calls in flight at once.
const DELETE_CALLS: usize = 4;

/// Deletes succeeded messages in batches of up to 10 until every sender is gone.
async fn delete_loop(
    queue: Queue,
    mut receipts: mpsc::UnboundedReceiver<String>,
    counters: Arc<Counters>,
) {
    let calls = Arc::new(Semaphore::new(DELETE_CALLS));
    let mut in_flight = JoinSet::new();
    while let Some(first) = receipts.recv().await {
        let mut batch = vec![first];
        let deadline = tokio::time::Instant::now() + DELETE_LINGER;
        while batch.len() < MAX_BATCH {
            match tokio::time::timeout_at(deadline, receipts.recv()).await {
                Ok(Some(receipt)) => batch.push(receipt),
                Ok(None) | Err(_) => break,
            }
        }
        let permit = calls.clone().acquire_owned().await.expect("never closed");
        let queue = queue.clone();
        let counters = counters.clone();
        in_flight.spawn(async move {
            let failed = match queue.delete_batch(&batch).await {
                Ok(failed) => failed.len(),
                Err(error) => {
                    tracing::warn!(%error, "messages will be delivered again");
                    batch.len()
                }
            };
            Counters::add(&counters.deleted, (batch.len() - failed) as u64);
            Counters::add(&counters.delete_failures, failed as u64);
            drop(permit);
        });
        while in_flight.try_join_next().is_some() {}
    }
    while in_flight.join_next().await.is_some() {}
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exponential_backoff_doubles_up_to_its_cap() {
        let backoff = Backoff::Exponential {
            first: Duration::from_secs(2),
            max: Duration::from_secs(30),
        };
        let delays: Vec<_> = (1..=6).map(|n| backoff.delay(n).as_secs()).collect();
        assert_eq!(delays, [2, 4, 8, 16, 30, 30]);
        assert_eq!(backoff.delay(0), Duration::from_secs(2));
        assert_eq!(backoff.delay(u32::MAX), Duration::from_secs(30));
    }

    #[test]
    fn backoff_never_exceeds_the_sqs_maximum() {
        let backoff = Backoff::Fixed(Duration::from_secs(1 << 20));
        assert_eq!(backoff.delay(1), MAX_VISIBILITY);
    }
}
