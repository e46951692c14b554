//! The vendor's rate limit as the fake counts it: at most `requests` arrivals in any rolling
//! `window`, counted on arrival. Its memory is the last `requests` arrival times, no more.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// A sliding-window log of admitted arrivals.
#[derive(Debug)]
pub(crate) struct Limiter {
    requests: usize,
    window: Duration,
    admitted: Mutex<VecDeque<Instant>>,
}

impl Limiter {
    pub(crate) fn new(requests: u32, window: Duration) -> Self {
        let requests = usize::try_from(requests).unwrap_or(usize::MAX);
        Limiter {
            requests,
            window,
            admitted: Mutex::new(VecDeque::with_capacity(requests.min(4096))),
        }
    }

    /// Admits (and counts) one arrival at `now`, or refuses it when the window is full.
    pub(crate) fn admit(&self, now: Instant) -> bool {
        let mut admitted = crate::lock(&self.admitted);
        while admitted
            .front()
            .is_some_and(|t| now.saturating_duration_since(*t) >= self.window)
        {
            admitted.pop_front();
        }
        if admitted.len() >= self.requests {
            return false;
        }
        admitted.push_back(now);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_more_than_n_in_any_window() {
        let limiter = Limiter::new(3, Duration::from_secs(10));
        let start = Instant::now();
        let at = |s: u64| start + Duration::from_secs(s);
        assert!(limiter.admit(at(0)));
        assert!(limiter.admit(at(1)));
        assert!(limiter.admit(at(2)));
        assert!(!limiter.admit(at(9)));
        // The first arrival leaves the window at 10 s: one place frees.
        assert!(limiter.admit(at(10)));
        assert!(!limiter.admit(at(10)));
        assert!(limiter.admit(at(11)));
    }

    #[test]
    fn zero_admits_nothing() {
        let limiter = Limiter::new(0, Duration::from_secs(1));
        assert!(!limiter.admit(Instant::now()));
    }
}
