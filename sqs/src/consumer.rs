//! The SQS consumer: receive, decode, handle, delete.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use bridgecraft_factory::{DecodeError, EventFactory};
use bridgecraft_router::{Delivery, Handler};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, mpsc};
use tokio::task::JoinSet;
use tracing::Instrument;

use crate::queue::{MAX_BATCH, MAX_WAIT, Queue, Received, SqsError};
use crate::retry::{Backoff, RetryPolicy};
use crate::settle::{Settled, settle};
use crate::tracker::{Admission, Groups, Tracker};

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

/// Counts of what a consumer did, returned when it stops.
///
/// Each message received ends as exactly one of `handled`, `failed`, `decode_errors`,
/// `duplicates` and `handed_back`, so those add up to `received`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ConsumerStats {
    /// Messages received, redeliveries included.
    pub received: u64,
    /// Messages whose handler succeeded.
    pub handled: u64,
    /// Messages whose handler failed (returned an error or panicked).
    pub failed: u64,
    /// Messages that did not decode.
    pub decode_errors: u64,
    /// Messages received again while held, or after their handler had succeeded (their delete
    /// had not reached SQS): not handled again.
    pub duplicates: u64,
    /// Messages made visible again at once without being handled: received after shutdown
    /// began, held back behind a failure in their FIFO group, or abandoned when handlers
    /// overran the shutdown grace.
    pub handed_back: u64,
    /// Messages deleted.
    pub deleted: u64,
    /// Messages SQS did not delete even after retries, which will be delivered again.
    pub delete_failures: u64,
    /// Visibility changes (retry delays, hand-backs) SQS did not make: those messages come back
    /// when their visibility timeout ends instead.
    pub visibility_failures: u64,
    /// Visibility extensions made for slow handlers.
    pub extensions: u64,
    /// Receives that failed.
    pub receive_errors: u64,
    /// Times receiving started failing after it had worked (or from the start).
    pub outages: u64,
    /// The longest time receiving kept failing before it worked again.
    pub longest_outage: Duration,
}

#[derive(Default)]
struct Counters {
    received: AtomicU64,
    handled: AtomicU64,
    failed: AtomicU64,
    decode_errors: AtomicU64,
    duplicates: AtomicU64,
    handed_back: AtomicU64,
    deleted: AtomicU64,
    delete_failures: AtomicU64,
    visibility_failures: AtomicU64,
    extensions: AtomicU64,
    receive_errors: AtomicU64,
    outages: AtomicU64,
    longest_outage_micros: AtomicU64,
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
            duplicates: get(&self.duplicates),
            handed_back: get(&self.handed_back),
            deleted: get(&self.deleted),
            delete_failures: get(&self.delete_failures),
            visibility_failures: get(&self.visibility_failures),
            extensions: get(&self.extensions),
            receive_errors: get(&self.receive_errors),
            outages: get(&self.outages),
            longest_outage: Duration::from_micros(get(&self.longest_outage_micros)),
        }
    }
}

/// Why a consumer stopped before it was asked to.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConsumerError {
    /// Receiving failed in a way no retry fixes (the queue does not exist, the credentials are
    /// refused), or failed more times in a row than allowed.
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

/// How long an SQS call may take, beyond its long poll, unless told otherwise.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
/// How long handlers in flight may run on after shutdown, unless told otherwise.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(30);

/// Consumes an SQS queue: long-polls it, decodes each message with an [`EventFactory`], hands
/// the events to a [`Handler`] with bounded concurrency and deletes each message once its handler
/// succeeded.
///
/// Delivery is at least once: a message is deleted only after its handler returned `Ok`; one
/// whose handler failed or panicked, or that was in hand when the consumer was dropped, is
/// delivered again once its visibility timeout expires. A message SQS delivers again while it
/// is held, or after its handler succeeded but before its delete reached SQS, is recognised by
/// its message id and not handled twice ([`ConsumerStats::duplicates`]).
///
/// # Faults
///
/// Receives that fail for a passing reason (the endpoint refuses connections, drops them,
/// stalls past [`request_timeout`](Self::request_timeout), throttles or answers 5xx) are
/// retried for as long as it takes, with capped, jittered exponential pauses; the outage is
/// logged when it starts and when it ends, and counted in [`ConsumerStats`]. Deletes and
/// visibility changes are retried the same way for the entries that failed, a few times: a
/// message whose delete never succeeds is counted in
/// [`delete_failures`](ConsumerStats::delete_failures), never as deleted, and comes back after
/// its visibility timeout.
///
/// # FIFO queues
///
/// Messages of one message group are handled one at a time, in order; groups run in parallel.
/// When one fails, the messages of its group received with it are handed back unhandled, so the
/// failed one is delivered again before them: a group never skips ahead.
///
/// # Shutdown
///
/// When `shutdown` completes, no new receive starts. A long poll in progress is awaited (at
/// most the [`wait_time`](Self::wait_time) plus the request timeout) and whatever it returns is
/// handed back at once (visibility 0), as are FIFO messages waiting for their turn. Handlers in
/// flight get [`shutdown_grace`](Self::shutdown_grace) to finish; those still running then are
/// stopped and their messages handed back. Stopping therefore takes at most the wait time plus
/// the grace plus a few request timeouts for the last deletes and hand-backs.
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
    client: aws_sdk_sqs::Client,
    queue_url: String,
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
    max_receive_failures: Option<u32>,
    retry: RetryPolicy,
    request_timeout: Duration,
    shutdown_grace: Duration,
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
            client,
            queue_url: queue_url.into(),
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
            max_receive_failures: None,
            retry: RetryPolicy::default(),
            request_timeout: REQUEST_TIMEOUT,
            shutdown_grace: SHUTDOWN_GRACE,
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

    /// Gives up after this many receives in a row failed (at least 1). By default receives
    /// that fail for a passing reason are retried for as long as it takes; a queue that does
    /// not exist, refused credentials and other errors no retry fixes stop the consumer at once.
    pub fn max_receive_failures(mut self, attempts: u32) -> Self {
        self.max_receive_failures = Some(attempts.max(1));
        self
    }

    /// The pauses between attempts at a failed SQS call: `first`, doubling up to `max`, each
    /// with random jitter of up to as much again. 200 ms and 10 s by default.
    pub fn retry_backoff(mut self, first: Duration, max: Duration) -> Self {
        self.retry = RetryPolicy { first, max };
        self
    }

    /// How long an SQS call may take, on top of its long poll, before it is abandoned as
    /// stalled and retried; 10 seconds by default.
    pub fn request_timeout(mut self, timeout: Duration) -> Self {
        self.request_timeout = timeout;
        self
    }

    /// How long handlers in flight may run on once shutdown began; 30 seconds by default.
    pub fn shutdown_grace(mut self, grace: Duration) -> Self {
        self.shutdown_grace = grace;
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
    /// [`idle_timeout`](Self::idle_timeout) given are reached), then stops as the type's
    /// documentation says and returns what it did.
    pub async fn run(
        self,
        shutdown: impl Future<Output = ()> + Send,
    ) -> Result<ConsumerStats, ConsumerError> {
        let queue = Queue::new(
            self.client.clone(),
            self.queue_url.as_str(),
            self.request_timeout,
        );
        let counters = Arc::new(Counters::default());
        let slots = Arc::new(Semaphore::new(self.concurrency));
        let (delete_tx, delete_rx) = mpsc::unbounded_channel();
        let deleter = tokio::spawn(delete_loop(
            queue.clone(),
            delete_rx,
            counters.clone(),
            self.retry,
        ));
        let work = Arc::new(Work {
            queue: queue.clone(),
            factory: self.factory.clone(),
            handler: self.handler.clone(),
            extension: self.extension,
            failure_backoff: self.failure_backoff,
            on_decode_error: self.on_decode_error.clone(),
            report_decode_error: self.report_decode_error.clone(),
            deletes: delete_tx,
            counters: counters.clone(),
            tracker: Tracker::new(self.delete_handled),
            groups: Groups::default(),
            stopping: AtomicBool::new(false),
            retry: self.retry,
            delete_handled: self.delete_handled,
        });

        let mut in_flight = JoinSet::new();
        let mut receive_failures = 0;
        let mut outage_started = Instant::now();
        let mut pauses = self.retry.pauses();
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
            let receive = queue.receive(permits.len(), wait, self.visibility_timeout);
            tokio::pin!(receive);
            let mut stopping = false;
            let received = tokio::select! {
                biased;
                received = &mut receive => received,
                () = &mut shutdown => {
                    // Messages the poll returns now are invisible to everyone else: wait for
                    // them and hand them back rather than leave them to their timeout.
                    stopping = true;
                    tracing::info!("stopping: waiting for the receive in progress");
                    receive.await
                }
            };
            let messages = match received {
                Ok(messages) => {
                    if receive_failures > 0 {
                        let outage = outage_started.elapsed();
                        tracing::warn!(
                            ?outage,
                            failed_receives = receive_failures,
                            "SQS answers again"
                        );
                        counters
                            .longest_outage_micros
                            .fetch_max(outage.as_micros() as u64, Ordering::Relaxed);
                        receive_failures = 0;
                        pauses = self.retry.pauses();
                    }
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
                    Counters::add(&counters.receive_errors, 1);
                    if receive_failures == 1 {
                        outage_started = started;
                        Counters::add(&counters.outages, 1);
                    }
                    let give_up = !error.transient
                        || self
                            .max_receive_failures
                            .is_some_and(|max| receive_failures >= max);
                    if give_up {
                        tracing::error!(%error, attempt = receive_failures, "receive failed; stopping");
                        outcome = Err(ConsumerError::Receive {
                            attempts: receive_failures,
                            last: error,
                        });
                        break;
                    }
                    let pause = pauses.next().unwrap_or(self.retry.max);
                    if receive_failures == 1 {
                        tracing::warn!(%error, "receive failed; retrying until SQS answers");
                    } else {
                        tracing::debug!(%error, attempt = receive_failures, ?pause, "receive failed again");
                    }
                    drop(permits);
                    if stopping {
                        break;
                    }
                    tokio::select! {
                        () = &mut shutdown => break,
                        () = tokio::time::sleep(pause) => continue,
                    }
                }
            };
            Counters::add(&counters.received, messages.len() as u64);
            if stopping {
                work.hand_back(messages.into_iter().map(|m| m.receipt_handle).collect())
                    .await;
                break;
            }
            for (group, messages) in work.admit(messages, permits) {
                let work = work.clone();
                in_flight.spawn(async move { work.process_in_turn(group, messages).await });
            }
            while in_flight.try_join_next().is_some() {}
        }

        work.stopping.store(true, Ordering::Relaxed);
        let finished = tokio::time::timeout(self.shutdown_grace, async {
            while in_flight.join_next().await.is_some() {}
        })
        .await;
        if finished.is_err() {
            tracing::warn!(
                handlers = in_flight.len(),
                grace = ?self.shutdown_grace,
                "handlers still running after the shutdown grace are stopped; their messages are handed back"
            );
            in_flight.shutdown().await;
        }
        // Whatever is still held was never finished: make it visible again for someone else.
        let abandoned = work.tracker.release_all();
        work.hand_back(abandoned).await;
        drop(work);
        deleter.await.expect("the delete loop does not panic");
        outcome.map(|()| counters.snapshot())
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
    counters: Arc<Counters>,
    tracker: Tracker,
    groups: Groups,
    stopping: AtomicBool,
    retry: RetryPolicy,
    delete_handled: bool,
}

/// Messages to process one after the other, with the slots they hold.
type Run = Vec<(Received, OwnedSemaphorePermit)>;

impl<F, H> Work<F, H>
where
    F: EventFactory + 'static,
    F::Detail: Send + 'static,
    H: Handler<F::Detail>,
{
    /// Sorts out a received batch: drops duplicate deliveries (deleting those already handled)
    /// and returns the rest as runs: one per FIFO message group, in order, and one per other
    /// message.
    fn admit(
        &self,
        messages: Vec<Received>,
        permits: Vec<OwnedSemaphorePermit>,
    ) -> Vec<(Option<String>, Run)> {
        let mut runs: Vec<(Option<String>, Run)> = Vec::new();
        for (message, permit) in messages.into_iter().zip(permits) {
            match self
                .tracker
                .admit(&message.message_id, &message.receipt_handle)
            {
                Admission::New => {}
                Admission::Held => {
                    tracing::debug!(message_id = message.message_id, "received again while held");
                    Counters::add(&self.counters.duplicates, 1);
                    continue;
                }
                Admission::Handled => {
                    tracing::debug!(
                        message_id = message.message_id,
                        "received again after it was handled; deleting it"
                    );
                    Counters::add(&self.counters.duplicates, 1);
                    let _ = self.deletes.send(message.receipt_handle);
                    continue;
                }
            }
            let group = message.group_id.clone();
            match runs
                .iter_mut()
                .find(|(run_group, _)| group.is_some() && *run_group == group)
            {
                Some((_, run)) => run.push((message, permit)),
                None => runs.push((group, vec![(message, permit)])),
            }
        }
        runs
    }

    /// Processes a run in order, in its group's turn; after a failure, or once shutdown began,
    /// hands back the rest unhandled.
    async fn process_in_turn(self: Arc<Self>, group: Option<String>, run: Run) {
        let _turn = match &group {
            Some(group) => Some(self.groups.turn(group).await),
            None => None,
        };
        let mut run = run.into_iter();
        while let Some((message, permit)) = run.next() {
            if self.stopping.load(Ordering::Relaxed) && group.is_some() {
                let rest = std::iter::once(message).chain(run.map(|(message, _)| message));
                self.release_unhandled(rest).await;
                return;
            }
            let done = self.clone().process_guarded(message).await;
            drop(permit);
            if !done {
                let rest: Vec<Received> = run.map(|(message, _)| message).collect();
                if !rest.is_empty() {
                    tracing::info!(
                        group,
                        held_back = rest.len(),
                        "a message of the group failed; the rest of the group waits for it"
                    );
                    self.release_unhandled(rest).await;
                }
                return;
            }
        }
    }

    /// Hands back messages that were admitted but will not be handled.
    async fn release_unhandled(&self, messages: impl IntoIterator<Item = Received>) {
        let receipts = messages
            .into_iter()
            .map(|message| {
                self.tracker
                    .release(&message.message_id, false)
                    .unwrap_or(message.receipt_handle)
            })
            .collect();
        self.hand_back(receipts).await;
    }

    /// Makes messages visible again at once.
    async fn hand_back(&self, receipts: Vec<String>) {
        if receipts.is_empty() {
            return;
        }
        Counters::add(&self.counters.handed_back, receipts.len() as u64);
        for chunk in receipts.chunks(MAX_BATCH) {
            let settled = settle(
                "hand back",
                chunk.to_vec(),
                |batch| {
                    let queue = self.queue.clone();
                    async move { queue.hand_back_batch(&batch).await }
                },
                self.retry.pauses().take(3),
            )
            .await;
            Counters::add(&self.counters.visibility_failures, settled.failed as u64);
        }
    }

    /// Processes one message in a task of its own, so that a handler that panics fails only
    /// its message; true when the message is done with.
    async fn process_guarded(self: Arc<Self>, message: Received) -> bool {
        let message_id = message.message_id.clone();
        let span = tracing::info_span!(
            "sqs_message",
            message_id = %message.message_id,
            receive_count = message.receive_count,
            group = message.group_id,
        );
        let mut task = AbortOnDrop(tokio::spawn(self.clone().process(message).instrument(span)));
        match (&mut task.0).await {
            Ok(done) => done,
            Err(error) => {
                tracing::error!(%error, "a handler panicked; its message will be delivered again");
                Counters::add(&self.counters.failed, 1);
                self.tracker.release(&message_id, false);
                false
            }
        }
    }

    async fn process(self: Arc<Self>, message: Received) -> bool {
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
        let extending = self
            .extension
            .map(|extension| self.keep_invisible(&message, extension));
        let result = self.handler.handle(delivery).await;
        drop(extending);
        match result {
            Ok(()) => {
                Counters::add(&self.counters.handled, 1);
                let receipt = self.newest_receipt(&message, true);
                if self.delete_handled {
                    let _ = self.deletes.send(receipt);
                }
                true
            }
            Err(error) => {
                Counters::add(&self.counters.failed, 1);
                tracing::warn!(%error, "handler failed; the message will be delivered again");
                let receipt = self.newest_receipt(&message, false);
                if let Some(backoff) = self.failure_backoff {
                    let delay = backoff.delay(message.receive_count.unwrap_or(1));
                    if let Err(error) = self.queue.change_visibility(&receipt, delay).await {
                        Counters::add(&self.counters.visibility_failures, 1);
                        tracing::warn!(%error, "could not set the retry delay; the visibility timeout applies");
                    }
                }
                false
            }
        }
    }

    /// Lets go of the message and returns its newest receipt handle.
    fn newest_receipt(&self, message: &Received, handled: bool) -> String {
        self.tracker
            .release(&message.message_id, handled)
            .unwrap_or_else(|| message.receipt_handle.clone())
    }

    async fn decode_failed(&self, message: Received, error: DecodeError) -> bool {
        Counters::add(&self.counters.decode_errors, 1);
        tracing::warn!(%error, action = ?self.on_decode_error, "message does not decode");
        if let Some(report) = &self.report_decode_error {
            report(&message.message_id, &error);
        }
        let receipt = self.newest_receipt(&message, false);
        match &self.on_decode_error {
            OnDecodeError::Leave => false,
            OnDecodeError::Delete => {
                let _ = self.deletes.send(receipt);
                true
            }
            OnDecodeError::SendTo(url) => {
                match self.queue.with_url(url.as_str()).send(&message.body).await {
                    Ok(()) => {
                        let _ = self.deletes.send(receipt);
                        true
                    }
                    Err(error) => {
                        tracing::warn!(%error, "could not move the message; it stays on its queue");
                        false
                    }
                }
            }
        }
    }

    /// Extends the message's visibility until the returned guard is dropped, with its newest
    /// receipt handle (the only one SQS accepts for visibility changes).
    fn keep_invisible(
        self: &Arc<Self>,
        message: &Received,
        extension: Extension,
    ) -> AbortOnDrop<()> {
        let work = self.clone();
        let message_id = message.message_id.clone();
        let first_receipt = message.receipt_handle.clone();
        let task = tokio::spawn(
            async move {
                let mut ticks = tokio::time::interval(extension.every);
                ticks.tick().await;
                loop {
                    ticks.tick().await;
                    let receipt = work
                        .tracker
                        .receipt(&message_id)
                        .unwrap_or_else(|| first_receipt.clone());
                    match work.queue.change_visibility(&receipt, extension.to).await {
                        Ok(()) => Counters::add(&work.counters.extensions, 1),
                        Err(error) => tracing::warn!(%error, "could not extend visibility"),
                    }
                }
            }
            .in_current_span(),
        );
        AbortOnDrop(task)
    }
}

struct AbortOnDrop<T>(tokio::task::JoinHandle<T>);

impl<T> Drop for AbortOnDrop<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// How long a delete waits for more successes to share its batch call: each call costs about
/// a millisecond of the client's CPU, so fuller batches matter more than a prompt delete.
const DELETE_LINGER: Duration = Duration::from_millis(20);
/// Delete calls in flight at once.
const DELETE_CALLS: usize = 4;
/// Retries of a delete before it is left to the visibility timeout.
const DELETE_RETRIES: usize = 6;

/// Deletes succeeded messages in batches of up to 10 until every sender is gone.
async fn delete_loop(
    queue: Queue,
    mut receipts: mpsc::UnboundedReceiver<String>,
    counters: Arc<Counters>,
    retry: RetryPolicy,
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
            let Settled { done, failed, .. } = settle(
                "delete",
                batch,
                |batch| {
                    let queue = queue.clone();
                    async move { queue.delete_batch(&batch).await }
                },
                retry.pauses().take(DELETE_RETRIES),
            )
            .await;
            Counters::add(&counters.deleted, done as u64);
            Counters::add(&counters.delete_failures, failed as u64);
            drop(permit);
        });
        while in_flight.try_join_next().is_some() {}
    }
    while in_flight.join_next().await.is_some() {}
}
