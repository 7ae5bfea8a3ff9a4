//! Batch calls that settle messages (deletes, hand-backs), retried for the entries that failed
//! for a passing reason and given up on, to the visibility timeout, when retries run out.

use std::collections::HashSet;
use std::future::Future;

use crate::queue::{EntryFailure, SqsError};

/// What became of a batch call's entries.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Settled {
    /// Entries SQS carried out.
    pub done: usize,
    /// Entries given up on: SQS blamed the request, or retries ran out.
    pub failed: usize,
    /// Calls repeated after the first.
    pub retries: usize,
}

/// Calls `call` with `receipts` (duplicates removed: SQS may deliver a message twice, and one
/// receipt handle twice in a batch is an error), then again with only the entries that failed
/// for a passing reason, pausing as `pauses` says, until none is left or the pauses run out.
pub(crate) async fn settle<C, Fut>(
    what: &'static str,
    receipts: Vec<String>,
    mut call: C,
    pauses: impl Iterator<Item = std::time::Duration>,
) -> Settled
where
    C: FnMut(Vec<String>) -> Fut,
    Fut: Future<Output = Result<Vec<EntryFailure>, SqsError>>,
{
    let mut seen = HashSet::new();
    let mut pending: Vec<String> = receipts
        .into_iter()
        .filter(|receipt| seen.insert(receipt.clone()))
        .collect();
    let mut settled = Settled::default();
    let mut pauses = pauses;
    loop {
        let attempted = pending.len();
        match call(pending.clone()).await {
            Ok(failures) => {
                let mut again = Vec::new();
                let mut refused = 0;
                for failure in failures {
                    if failure.retryable {
                        again.push(failure.receipt_handle);
                    } else {
                        tracing::warn!(code = failure.code, "SQS refused to {what} a message");
                        refused += 1;
                    }
                }
                settled.done += attempted - again.len() - refused;
                settled.failed += refused;
                pending = again;
            }
            Err(error) if error.transient => {
                tracing::warn!(%error, entries = attempted, "could not {what} messages; retrying");
            }
            Err(error) => {
                tracing::warn!(%error, entries = attempted, "could not {what} messages");
                settled.failed += attempted;
                return settled;
            }
        }
        if pending.is_empty() {
            return settled;
        }
        match pauses.next() {
            Some(pause) => {
                settled.retries += 1;
                tokio::time::sleep(pause).await;
            }
            None => {
                tracing::warn!(
                    entries = pending.len(),
                    "gave up trying to {what} messages; their visibility timeout will return them"
                );
                settled.failed += pending.len();
                return settled;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;
    use std::time::Duration;

    use super::*;

    fn failure(receipt: &str, retryable: bool) -> EntryFailure {
        EntryFailure {
            receipt_handle: receipt.to_owned(),
            code: if retryable {
                "InternalError"
            } else {
                "ReceiptHandleIsInvalid"
            }
            .to_owned(),
            retryable,
        }
    }

    fn receipts(names: &[&str]) -> Vec<String> {
        names.iter().map(|name| (*name).to_owned()).collect()
    }

    fn pauses() -> impl Iterator<Item = Duration> {
        std::iter::repeat_n(Duration::ZERO, 3)
    }

    #[tokio::test]
    async fn only_the_entries_that_failed_for_a_passing_reason_are_sent_again() {
        let calls = Mutex::new(Vec::new());
        let settled = settle(
            "delete",
            receipts(&["a", "b", "a", "c", "d"]),
            |batch: Vec<String>| {
                let first = calls.lock().unwrap().is_empty();
                calls.lock().unwrap().push(batch);
                async move {
                    Ok(if first {
                        vec![failure("b", true), failure("d", false)]
                    } else {
                        vec![]
                    })
                }
            },
            pauses(),
        )
        .await;
        assert_eq!(
            *calls.lock().unwrap(),
            [receipts(&["a", "b", "c", "d"]), receipts(&["b"])],
            "the duplicate receipt is sent once; only b is retried, d is refused for good"
        );
        assert_eq!(
            settled,
            Settled {
                done: 3,
                failed: 1,
                retries: 1
            }
        );
    }

    #[tokio::test]
    async fn a_call_that_fails_for_a_passing_reason_is_repeated_whole_until_pauses_run_out() {
        let calls = Mutex::new(0);
        let settled = settle(
            "delete",
            receipts(&["a", "b"]),
            |_| {
                *calls.lock().unwrap() += 1;
                async { Err(crate::queue::tests::unreachable("DeleteMessageBatch")) }
            },
            pauses(),
        )
        .await;
        assert_eq!(
            *calls.lock().unwrap(),
            4,
            "the first call and three retries"
        );
        assert_eq!(
            settled,
            Settled {
                done: 0,
                failed: 2,
                retries: 3
            }
        );
    }

    #[tokio::test]
    async fn a_call_refused_for_good_is_not_repeated() {
        let calls = Mutex::new(0);
        let settled = settle(
            "delete",
            receipts(&["a"]),
            |_| {
                *calls.lock().unwrap() += 1;
                async { Err(crate::queue::tests::refused("DeleteMessageBatch")) }
            },
            pauses(),
        )
        .await;
        assert_eq!(*calls.lock().unwrap(), 1);
        assert_eq!(
            settled,
            Settled {
                done: 0,
                failed: 1,
                retries: 0
            }
        );
    }
}
