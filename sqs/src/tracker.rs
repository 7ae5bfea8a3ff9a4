//! Which messages the consumer holds and which it recently finished, so that SQS's duplicate
//! deliveries are recognised, and whose turn it is in each FIFO message group.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::{Arc, Mutex};

use tokio::sync::OwnedMutexGuard;

/// How many handled message ids are remembered to recognise redeliveries.
const REMEMBERED: usize = 100_000;

/// What to do with a message just received.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Admission {
    /// Not held nor recently handled: process it.
    New,
    /// Already held (its visibility ran out while its handler ran, or SQS sent it twice): the
    /// newer receipt handle is kept for its delete.
    Held,
    /// Handled already; its delete had not reached SQS. Delete it, do not handle it again.
    Handled,
}

#[derive(Default)]
struct State {
    /// Message id to its newest receipt handle.
    held: HashMap<String, String>,
    handled: HashSet<String>,
    handled_order: VecDeque<String>,
}

/// Messages held and recently handled, by message id.
#[derive(Default)]
pub(crate) struct Tracker {
    state: Mutex<State>,
    remember_handled: bool,
}

impl Tracker {
    /// A tracker; `remember_handled` is false when handled messages are not deleted, since
    /// seeing them again is then expected.
    pub fn new(remember_handled: bool) -> Self {
        Self {
            state: Mutex::default(),
            remember_handled,
        }
    }

    pub fn admit(&self, message_id: &str, receipt_handle: &str) -> Admission {
        // A server that sends no ids gives nothing to recognise messages by.
        if message_id.is_empty() {
            return Admission::New;
        }
        let mut state = self.state.lock().expect("never poisoned");
        if let Some(receipt) = state.held.get_mut(message_id) {
            receipt_handle.clone_into(receipt);
            return Admission::Held;
        }
        if state.handled.contains(message_id) {
            return Admission::Handled;
        }
        state
            .held
            .insert(message_id.to_owned(), receipt_handle.to_owned());
        Admission::New
    }

    /// Lets go of a message; returns its newest receipt handle, if it was held.
    pub fn release(&self, message_id: &str, handled: bool) -> Option<String> {
        let mut state = self.state.lock().expect("never poisoned");
        let receipt = state.held.remove(message_id);
        if handled && self.remember_handled && !message_id.is_empty() {
            if state.handled_order.len() == REMEMBERED
                && let Some(oldest) = state.handled_order.pop_front()
            {
                state.handled.remove(&oldest);
            }
            if state.handled.insert(message_id.to_owned()) {
                state.handled_order.push_back(message_id.to_owned());
            }
        }
        receipt
    }

    /// The newest receipt handle of a held message.
    pub fn receipt(&self, message_id: &str) -> Option<String> {
        let state = self.state.lock().expect("never poisoned");
        state.held.get(message_id).cloned()
    }

    /// Lets go of every message still held, returning their receipt handles.
    pub fn release_all(&self) -> Vec<String> {
        let mut state = self.state.lock().expect("never poisoned");
        state.held.drain().map(|(_, receipt)| receipt).collect()
    }
}

/// One turn at a time per FIFO message group.
#[derive(Default)]
pub(crate) struct Groups {
    turns: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
}

impl Groups {
    /// Waits until no other message of `group` is being processed; the group's turn lasts until
    /// the guard is dropped.
    pub async fn turn(&self, group: &str) -> OwnedMutexGuard<()> {
        let lock = {
            let mut turns = self.turns.lock().expect("never poisoned");
            // Forget groups no one holds or waits for, so that the map does not grow forever.
            if turns.len() > 1024 {
                turns.retain(|_, lock| Arc::strong_count(lock) > 1);
            }
            turns.entry(group.to_owned()).or_default().clone()
        };
        lock.lock_owned().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_held_or_handled_is_recognised_when_it_comes_again() {
        let tracker = Tracker::new(true);
        assert_eq!(tracker.admit("m1", "r1"), Admission::New);
        assert_eq!(tracker.admit("m1", "r2"), Admission::Held);
        assert_eq!(tracker.receipt("m1").as_deref(), Some("r2"));
        assert_eq!(tracker.release("m1", true).as_deref(), Some("r2"));
        assert_eq!(tracker.admit("m1", "r3"), Admission::Handled);

        assert_eq!(tracker.admit("m2", "r1"), Admission::New);
        assert_eq!(tracker.release("m2", false).as_deref(), Some("r1"));
        assert_eq!(
            tracker.admit("m2", "r2"),
            Admission::New,
            "a failed message is tried again"
        );
        assert_eq!(tracker.release_all(), ["r2"]);
        assert_eq!(tracker.admit("", "r"), Admission::New);
        assert_eq!(tracker.admit("", "r"), Admission::New);
    }

    #[test]
    fn handled_messages_are_not_remembered_when_they_are_not_deleted() {
        let tracker = Tracker::new(false);
        tracker.admit("m1", "r1");
        tracker.release("m1", true);
        assert_eq!(tracker.admit("m1", "r2"), Admission::New);
    }

    #[test]
    fn only_the_most_recent_handled_ids_are_remembered() {
        let tracker = Tracker::new(true);
        for n in 0..=REMEMBERED {
            let id = n.to_string();
            tracker.admit(&id, "r");
            tracker.release(&id, true);
        }
        assert_eq!(tracker.admit("0", "r"), Admission::New);
        assert_eq!(tracker.admit("1", "r"), Admission::Handled);
    }

    #[tokio::test]
    async fn a_group_has_one_turn_at_a_time() {
        let groups = Groups::default();
        let first = groups.turn("g").await;
        let other = groups.turn("h").await;
        let waiting = groups.turn("g");
        tokio::pin!(waiting);
        assert!(
            tokio::time::timeout(std::time::Duration::from_millis(20), &mut waiting)
                .await
                .is_err()
        );
        drop(first);
        drop(other);
        waiting.await;
    }
}
