//! When to send a request again, and after how long.
//!
//! A request is sent again only when that cannot do harm:
//!
//! * a connection that could not be made (the request never left), for any endpoint;
//! * a refusal for rate, by the vendor or HTTP 429 (the request was not processed), for any endpoint;
//! * for endpoints the spec marks `retry_safe` (reads) only: timeouts, broken connections,
//!   HTTP 408, 5xx, and bodies that do not decode (a proxy's error page, a cut-off response).
//!
//! A request that creates, deletes, replaces or crops is never resent once it may have reached the
//! server. Waits grow exponentially with full jitter, within a maximum number of attempts and a
//! total time budget; every attempt is signed afresh.

use std::time::{Duration, Instant};

use crate::call::error::Error;

/// How often and how long to retry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    max_attempts: u32,
    initial_backoff: Duration,
    max_backoff: Duration,
    budget: Duration,
}

impl Default for RetryPolicy {
    /// Up to 3 attempts, waits from 200 ms up to 5 s, all within 30 s.
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 3,
            initial_backoff: Duration::from_millis(200),
            max_backoff: Duration::from_secs(5),
            budget: Duration::from_secs(30),
        }
    }
}

impl RetryPolicy {
    /// Never retry.
    pub fn none() -> Self {
        RetryPolicy {
            max_attempts: 1,
            ..RetryPolicy::default()
        }
    }

    /// At most `attempts` attempts in all (1 means no retry).
    #[must_use]
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// The first wait is drawn from `0..initial`, doubling each time up to `max`.
    #[must_use]
    pub fn backoff(mut self, initial: Duration, max: Duration) -> Self {
        self.initial_backoff = initial;
        self.max_backoff = max.max(initial);
        self
    }

    /// No retry starts later than `budget` after the first attempt.
    #[must_use]
    pub fn budget(mut self, budget: Duration) -> Self {
        self.budget = budget;
        self
    }

    /// The largest number of attempts.
    pub fn attempts(&self) -> u32 {
        self.max_attempts
    }

    /// The wait before attempt `attempt + 1` (full jitter: uniform in `0..=cap`).
    fn delay(&self, attempt: u32) -> Duration {
        let cap = self
            .initial_backoff
            .saturating_mul(
                1u32.checked_shl(attempt.saturating_sub(1))
                    .unwrap_or(u32::MAX),
            )
            .min(self.max_backoff);
        let millis = u64::try_from(cap.as_millis()).unwrap_or(u64::MAX);
        Duration::from_millis(fastrand::u64(0..=millis))
    }
}

/// The attempts of one call.
#[derive(Debug)]
pub(crate) struct Attempts {
    policy: RetryPolicy,
    retry_safe: bool,
    started: Instant,
    /// Attempts made so far.
    pub(crate) made: u32,
}

impl Attempts {
    /// The attempts of a call starting at `now` (on the call core's clock).
    pub(crate) fn new(policy: RetryPolicy, retry_safe: bool, now: Instant) -> Self {
        Attempts {
            policy,
            retry_safe,
            started: now,
            made: 0,
        }
    }

    /// Counts one more attempt.
    pub(crate) fn begin(&mut self) {
        self.made += 1;
    }

    /// After an attempt that failed with `error`, at `now`: how long to wait before the next
    /// attempt, or `None` to stop here.
    pub(crate) fn retry_after(&self, error: &Error, now: Instant) -> Option<Duration> {
        if !self.may_retry(error) || self.made >= self.policy.max_attempts {
            return None;
        }
        let delay = self.policy.delay(self.made);
        (now.saturating_duration_since(self.started) + delay <= self.policy.budget).then_some(delay)
    }

    fn may_retry(&self, e: &Error) -> bool {
        e.is_safe_to_resend_to(self.retry_safe)
    }
}

#[cfg(test)]
mod tests {
    use bytes::Bytes;

    use super::*;

    fn http(status: u16) -> Error {
        Error::Http {
            endpoint: "x".into(),
            status,
            body: Bytes::new(),
        }
    }

    fn attempts(made: u32, policy: RetryPolicy, retry_safe: bool) -> Attempts {
        Attempts {
            made,
            ..Attempts::new(policy, retry_safe, Instant::now())
        }
    }

    /// `retry_after` right after the call started.
    fn after(a: &Attempts, e: &Error) -> Option<Duration> {
        a.retry_after(e, a.started)
    }

    #[test]
    fn writes_are_retried_only_when_they_surely_did_not_run() {
        let write = attempts(1, RetryPolicy::default(), false);
        let vendor_rate = Error::Api {
            endpoint: "x".into(),
            code: 429,
            message: String::new(),
            body: Bytes::new(),
        };
        let decode = Error::Decode {
            endpoint: "x".into(),
            path: ".".into(),
            message: String::new(),
            body: Bytes::new(),
        };
        assert!(after(&write, &http(503)).is_none());
        assert!(after(&write, &decode).is_none());
        assert!(after(&write, &http(429)).is_some());
        assert!(after(&write, &vendor_rate).is_some());
        let read = attempts(1, RetryPolicy::default(), true);
        assert!(after(&read, &http(503)).is_some());
        assert!(after(&read, &decode).is_some());
        assert!(after(&read, &http(404)).is_none());
    }

    #[test]
    fn attempts_and_budget_bound_the_retries() {
        assert!(after(&attempts(3, RetryPolicy::default(), true), &http(503)).is_none());
        let no_time = RetryPolicy::default().budget(Duration::ZERO);
        assert!(after(&attempts(1, no_time, true), &http(503)).is_none());
        // The budget runs on the clock the call core gives, not on the wall clock.
        let budget = RetryPolicy::default()
            .backoff(Duration::ZERO, Duration::ZERO)
            .budget(Duration::from_secs(30));
        let a = attempts(1, budget, true);
        let late = a.started + Duration::from_secs(31);
        assert!(
            a.retry_after(&http(503), a.started + Duration::from_secs(29))
                .is_some()
        );
        assert!(a.retry_after(&http(503), late).is_none());
    }

    #[test]
    fn backoff_grows_within_its_cap_with_full_jitter() {
        let p =
            RetryPolicy::default().backoff(Duration::from_millis(100), Duration::from_millis(400));
        for attempt in 1..8 {
            let cap =
                Duration::from_millis(100 * (1 << (attempt - 1))).min(Duration::from_millis(400));
            for _ in 0..50 {
                assert!(p.delay(attempt) <= cap);
            }
        }
        let spread: std::collections::BTreeSet<_> = (0..50).map(|_| p.delay(3)).collect();
        assert!(spread.len() > 10, "jitter draws from the whole range");
    }
}
