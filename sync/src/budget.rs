//! The sync's share of the account's rate limit: at most `share × N` requests in any window of the
//! account's limit, counted in a sliding log of send times (the client's own limiter, local or
//! fleet-wide, still applies to every request on top of it).
//!
//! The log is kept in the database too (`sync_requests`), written before each request leaves, so
//! a process that restarts right after a crash counts what the dead one sent in the last window.

use std::collections::VecDeque;
use std::time::Duration;

use baijiayun::RateLimit;

use crate::error::{Result, SyncError};

/// The sync's share of the account's limit.
#[derive(Clone, Debug)]
pub(crate) struct Budget {
    limit: usize,
    window_ms: i64,
    log: VecDeque<i64>,
}

impl Budget {
    /// `share` (in `(0, 1]`) of `account`'s requests per window, at least one.
    pub(crate) fn new(account: RateLimit, share: f64) -> Result<Budget> {
        if !(share > 0.0 && share <= 1.0) {
            return Err(SyncError::Config(format!(
                "the budget is a share of the account's limit in (0, 1], not {share}"
            )));
        }
        let limit = (f64::from(account.requests()) * share).floor().max(1.0);
        Ok(Budget {
            // `limit` is at most u32::MAX.
            limit: limit as usize,
            window_ms: i64::try_from(account.window().as_millis()).unwrap_or(i64::MAX),
            log: VecDeque::new(),
        })
    }

    /// Requests allowed per window.
    pub(crate) fn limit(&self) -> usize {
        self.limit
    }

    /// The window, in milliseconds.
    pub(crate) fn window_ms(&self) -> i64 {
        self.window_ms
    }

    /// Permits free at `now_ms`, without taking one.
    pub(crate) fn free(&mut self, now_ms: i64) -> usize {
        self.expire(now_ms);
        self.limit.saturating_sub(self.log.len())
    }

    fn expire(&mut self, now_ms: i64) {
        while self
            .log
            .front()
            .is_some_and(|&t| t <= now_ms - self.window_ms)
        {
            self.log.pop_front();
        }
    }

    /// Counts requests sent earlier (by this or a dead process), at their send times.
    pub(crate) fn seed(&mut self, sent: impl IntoIterator<Item = i64>) {
        self.log.extend(sent);
        self.log.make_contiguous().sort_unstable();
    }

    /// Takes a permit at `now_ms` (`None`), or says how long to wait before asking again.
    pub(crate) fn take(&mut self, now_ms: i64) -> Option<Duration> {
        self.expire(now_ms);
        if self.log.len() < self.limit {
            self.log.push_back(now_ms);
            return None;
        }
        // The oldest of the last `limit` requests leaves the window at `oldest + window`.
        let oldest = self.log[self.log.len() - self.limit];
        let wait = (oldest + self.window_ms - now_ms).max(1);
        Some(Duration::from_millis(u64::try_from(wait).unwrap_or(1)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_share_of_the_vendor_limit() {
        let b = Budget::new(RateLimit::VENDOR, 0.8).expect("budget");
        assert_eq!(b.limit(), 160);
        assert!(Budget::new(RateLimit::VENDOR, 0.0).is_err());
        assert!(Budget::new(RateLimit::VENDOR, 1.5).is_err());
        assert!(Budget::new(RateLimit::VENDOR, f64::NAN).is_err());
        assert_eq!(Budget::new(RateLimit::VENDOR, 0.001).expect("b").limit(), 1);
    }

    #[test]
    fn never_more_than_the_limit_in_any_window() {
        let mut b = Budget::new(RateLimit::new(10, Duration::from_millis(1000)), 0.5).expect("b");
        let mut sent = Vec::new();
        let mut now = 0;
        while sent.len() < 40 {
            match b.take(now) {
                None => sent.push(now),
                Some(wait) => now += i64::try_from(wait.as_millis()).expect("small"),
            }
        }
        for (i, &t) in sent.iter().enumerate() {
            let in_window = sent[i..].iter().take_while(|&&u| u < t + 1000).count();
            assert!(
                in_window <= 5,
                "{in_window} requests in the window from {t}"
            );
        }
        // And the rate is used: 40 requests need 7 windows and a bit, not more.
        assert!(now < 8000, "{now}");
    }

    #[test]
    fn requests_of_a_dead_process_count() {
        let mut b = Budget::new(RateLimit::new(10, Duration::from_millis(1000)), 0.5).expect("b");
        b.seed([900, 100, 500, 700, 300]);
        assert_eq!(b.take(950), Some(Duration::from_millis(150)));
        assert_eq!(b.take(1100), None);
    }
}
