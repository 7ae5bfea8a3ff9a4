//! The consumer's one backoff: capped exponential delays with random jitter, from `backon`.

use std::time::Duration;

use backon::{BackoffBuilder, ExponentialBackoff, ExponentialBuilder};

use crate::queue::MAX_VISIBILITY;

/// Delays that start at `first` and double up to `max`, each lengthened by a random part of
/// itself (up to as much again, so never more than twice `max`), drawn from a randomly seeded
/// generator: consumers that lost the same endpoint do not come back in step.
pub(crate) fn exponential(first: Duration, max: Duration) -> ExponentialBackoff {
    ExponentialBuilder::new()
        .with_min_delay(first)
        .with_max_delay(max.max(first))
        .with_jitter()
        .without_max_times()
        .build()
}

/// How long a message whose handler failed stays invisible before it is delivered again.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Backoff {
    /// The same delay every time.
    Fixed(Duration),
    /// `first` after the first failure, doubling with each delivery up to `max`, with random
    /// jitter of up to as much again, so that messages that failed together do not all come
    /// back together.
    Exponential {
        /// The delay after the first delivery failed.
        first: Duration,
        /// The longest delay before jitter.
        max: Duration,
    },
}

impl Backoff {
    /// The delay after the delivery numbered `receive_count` (from 1) failed.
    pub fn delay(&self, receive_count: u32) -> Duration {
        let delay = match *self {
            Backoff::Fixed(delay) => delay,
            Backoff::Exponential { first, max } => {
                // Doubling more than 32 times passes any cap SQS allows.
                let failures_before = receive_count.saturating_sub(1).min(32) as usize;
                exponential(first, max).nth(failures_before).unwrap_or(max)
            }
        };
        delay.min(MAX_VISIBILITY)
    }
}

/// The pauses between attempts at an SQS call that failed for a passing reason.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct RetryPolicy {
    pub first: Duration,
    pub max: Duration,
}

impl RetryPolicy {
    pub fn pauses(&self) -> ExponentialBackoff {
        exponential(self.first, self.max)
    }
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            first: Duration::from_millis(200),
            max: Duration::from_secs(10),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exponential_backoff_doubles_up_to_its_cap_with_jitter() {
        let backoff = Backoff::Exponential {
            first: Duration::from_secs(2),
            max: Duration::from_secs(30),
        };
        for (receive_count, base) in [(1, 2), (2, 4), (3, 8), (4, 16), (5, 30), (6, 30), (0, 2)] {
            let delay = backoff.delay(receive_count);
            assert!(
                delay >= Duration::from_secs(base) && delay < Duration::from_secs(2 * base),
                "{receive_count}: {delay:?}"
            );
        }
        let delay = backoff.delay(u32::MAX);
        assert!(delay >= Duration::from_secs(30) && delay < Duration::from_secs(60));
    }

    #[test]
    fn jitter_is_random_not_a_fixed_sequence() {
        let draws: std::collections::BTreeSet<_> = (0..20)
            .map(|_| exponential(Duration::from_secs(1), Duration::from_secs(8)).nth(2))
            .collect();
        assert!(draws.len() > 10, "{draws:?}");
    }

    #[test]
    fn backoff_never_exceeds_the_sqs_maximum() {
        let backoff = Backoff::Fixed(Duration::from_secs(1 << 20));
        assert_eq!(backoff.delay(1), MAX_VISIBILITY);
    }
}
