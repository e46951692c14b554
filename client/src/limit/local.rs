//! The client-side rate limit: at most N requests in any rolling window, per partner id.
//!
//! The vendor's rule is "单个账号所有 openapi 接口 10s 内的请求不可超过 200 次": 200 requests in
//! any 10 s, per account. This module keeps the send times of the last N requests (a sliding-window
//! log) and lets a request go when the oldest of them is a full window old. That is exact: never
//! more than N in any window, and N in every window under load. A token bucket (GCRA, as in the
//! `governor` crate) cannot be both: a bucket that holds N lets 2N through in some windows, and one
//! that never does caps throughput below the limit. The log costs one timestamp per allowed
//! request, N at most.
//!
//! One limiter serves every client of the process built for the same service (base URL), partner id
//! and limit, clones and threads included, so separately built async and blocking clients share
//! the budget.
//!
//! The limiter implements the gate ([`crate::call::gate`]), the contract between the call core
//! and a limiter.

use std::collections::VecDeque;
use std::sync::{Arc, LazyLock, Mutex, Weak};
use std::time::{Duration, Instant};

use crate::call::gate::{Limit, Permit, Ready};

/// The client-side rate limit: `requests` in any rolling `window`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct RateLimit {
    requests: u32,
    window: Duration,
    fail_fast: bool,
}

impl RateLimit {
    /// The vendor's limit, 200 requests in any 10 s, kept with a margin: the client counts
    /// requests when they leave, the vendor when they arrive, and network jitter moves one against
    /// the other. A window of 10.25 s absorbs that and still uses 97.6% of the allowed rate.
    pub const VENDOR: RateLimit = RateLimit {
        requests: 200,
        window: Duration::from_millis(10_250),
        fail_fast: false,
    };

    /// `requests` in any rolling `window` (at least one request per window).
    pub fn new(requests: u32, window: Duration) -> Self {
        RateLimit {
            requests: requests.max(1),
            window,
            fail_fast: false,
        }
    }

    /// Over the limit, return [`crate::Error::RateLimited`] at once instead of waiting.
    #[must_use]
    pub fn fail_fast(mut self) -> Self {
        self.fail_fast = true;
        self
    }

    /// Requests allowed per window.
    pub fn requests(&self) -> u32 {
        self.requests
    }

    /// The window.
    pub fn window(&self) -> Duration {
        self.window
    }

    /// Whether it fails fast instead of waiting.
    pub fn is_fail_fast(&self) -> bool {
        self.fail_fast
    }
}

impl Default for RateLimit {
    fn default() -> Self {
        RateLimit::VENDOR
    }
}

/// The local limiter answers at once and never fails.
impl Limit for Limiter {
    fn acquire_async(&self, now: Instant) -> Ready<'_, Permit> {
        Ready::Now(self.try_acquire(now).into())
    }

    fn pause_async(&self, now: Instant) -> Ready<'_, ()> {
        self.pause(now);
        Ready::Now(())
    }

    #[cfg(feature = "blocking")]
    fn acquire_blocking(&self, now: Instant) -> Permit {
        self.try_acquire(now).into()
    }

    #[cfg(feature = "blocking")]
    fn pause_blocking(&self, now: Instant) {
        self.pause(now);
    }

    #[cfg(feature = "redis")]
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

#[derive(Debug)]
struct State {
    /// Send times of the requests of the last window, oldest first.
    sent: VecDeque<Instant>,
    /// After the vendor refused for rate: nothing goes before this.
    paused_until: Option<Instant>,
}

/// A sliding-window limiter.
#[derive(Debug)]
pub(crate) struct Limiter {
    requests: usize,
    window: Duration,
    state: Mutex<State>,
}

/// A service, a partner id and its limit.
type Key = (String, i64, u32, Duration);

/// The limiters alive in the process.
type Registry = Mutex<Vec<(Key, Weak<Limiter>)>>;

/// The value alive in `registry` under `key`, or a new one from `make` (kept there while it is
/// alive): how clients built separately share a limiter.
pub(crate) fn shared_in<K: PartialEq, T>(
    registry: &Mutex<Vec<(K, Weak<T>)>>,
    key: K,
    make: impl FnOnce() -> T,
) -> Arc<T> {
    let mut all = registry
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    all.retain(|(_, w)| w.strong_count() > 0);
    if let Some(l) = all
        .iter()
        .find(|(k, _)| *k == key)
        .and_then(|(_, w)| w.upgrade())
    {
        return l;
    }
    let l = Arc::new(make());
    all.push((key, Arc::downgrade(&l)));
    l
}

/// Limiters alive in the process, by partner id and limit.
static LIMITERS: LazyLock<Registry> = LazyLock::new(|| Mutex::new(Vec::new()));

impl Limiter {
    /// A limiter of its own (tests, benchmarks).
    pub(crate) fn new(limit: RateLimit) -> Self {
        Limiter {
            requests: usize::try_from(limit.requests).unwrap_or(usize::MAX),
            window: limit.window,
            state: Mutex::new(State {
                sent: VecDeque::with_capacity(limit.requests.min(4096) as usize),
                paused_until: None,
            }),
        }
    }

    /// The limiter every client of `partner_id` at `base_url` with this limit shares (whether they
    /// wait or fail fast when it is full).
    pub(crate) fn shared(base_url: &str, partner_id: i64, limit: RateLimit) -> Arc<Limiter> {
        let key = (
            base_url.to_owned(),
            partner_id,
            limit.requests,
            limit.window,
        );
        shared_in(&LIMITERS, key, || Limiter::new(limit))
    }

    /// Takes a permit at `now`, or says how long until one is free.
    pub(crate) fn try_acquire(&self, now: Instant) -> Result<(), Duration> {
        let mut s = self
            .state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(until) = s.paused_until {
            if until > now {
                return Err(until - now);
            }
            s.paused_until = None;
        }
        while s
            .sent
            .front()
            .is_some_and(|t| now.saturating_duration_since(*t) >= self.window)
        {
            s.sent.pop_front();
        }
        if s.sent.len() < self.requests {
            s.sent.push_back(now);
            return Ok(());
        }
        let oldest = s.sent.front().copied().unwrap_or(now);
        Err((oldest + self.window)
            .saturating_duration_since(now)
            .max(Duration::from_millis(1)))
    }

    /// The vendor refused for rate: let nothing through for a window, whatever the log says.
    pub(crate) fn pause(&self, now: Instant) {
        let mut s = self
            .state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let until = now + self.window;
        s.paused_until = Some(s.paused_until.map_or(until, |p| p.max(until)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::call::gate::Gate;

    /// The largest number of permits in any window of `window` over the sorted `times`.
    fn busiest_window(times: &[Instant], window: Duration) -> usize {
        redis_test_server::busiest_window(times, window, |a, b| b.duration_since(*a))
    }

    #[test]
    fn never_more_than_n_in_any_window_on_a_fake_clock() {
        let limiter = Limiter::new(RateLimit::new(200, Duration::from_secs(10)));
        let t0 = Instant::now();
        let mut now = t0;
        let mut granted = Vec::new();
        while granted.len() < 1000 {
            match limiter.try_acquire(now) {
                Ok(()) => granted.push(now),
                Err(wait) => now += wait,
            }
        }
        assert!(busiest_window(&granted, Duration::from_secs(10)) <= 200);
        // 1000 permits at 200 per 10 s need 4 full windows after the first burst.
        let span = granted[999].duration_since(t0);
        assert!(span >= Duration::from_secs(40), "{span:?}");
        let rate = 1000.0 / (span.as_secs_f64() + 10.0);
        assert!(rate >= 0.95 * 20.0, "{rate} per second");
    }

    #[tokio::test(start_paused = true)]
    async fn concurrent_waiters_on_the_paused_tokio_clock() {
        let gate = Arc::new(Gate::new(Arc::new(Limiter::new(RateLimit::new(
            200,
            Duration::from_secs(10),
        )))));
        let t0 = crate::call::clock::now();
        let tasks: Vec<_> = (0..1000)
            .map(|_| {
                let g = Arc::clone(&gate);
                tokio::spawn(async move {
                    // What the async driver does: ask, and sleep on the same clock as told.
                    for _ in 0..100 {
                        match g.acquire_async(crate::call::clock::now()).await {
                            Permit::Granted => return Some(crate::call::clock::now()),
                            Permit::Wait(wait) => tokio::time::sleep(wait).await,
                            Permit::Failed(e) => panic!("{e}"),
                        }
                    }
                    None
                })
            })
            .collect();
        let mut granted = Vec::new();
        for t in tasks {
            let at = t.await.unwrap_or_else(|e| panic!("{e}"));
            granted.push(at.unwrap_or_else(|| panic!("a waiter never got a permit")));
        }
        granted.sort();
        assert!(busiest_window(&granted, Duration::from_secs(10)) <= 200);
        let span = granted[999].duration_since(t0);
        // Full use of the limit: the 1000th goes as soon as 4 windows have passed.
        assert!(span <= Duration::from_millis(40_100), "{span:?}");
        let rate = 1000.0 / (span.as_secs_f64() + 10.0);
        assert!(rate >= 0.95 * 20.0, "{rate} per second");
    }

    #[test]
    fn fail_fast_says_when_the_next_permit_is_free() {
        let limiter = Limiter::new(RateLimit::new(2, Duration::from_secs(10)));
        let now = Instant::now();
        assert_eq!(limiter.try_acquire(now), Ok(()));
        assert_eq!(limiter.try_acquire(now + Duration::from_secs(1)), Ok(()));
        assert_eq!(
            limiter.try_acquire(now + Duration::from_secs(4)),
            Err(Duration::from_secs(6))
        );
        assert_eq!(limiter.try_acquire(now + Duration::from_secs(10)), Ok(()));
    }

    #[test]
    fn the_vendor_preset_keeps_a_margin_above_95_percent() {
        let rate =
            f64::from(RateLimit::VENDOR.requests()) / RateLimit::VENDOR.window().as_secs_f64();
        assert!((19.0..20.0).contains(&rate), "{rate} per second");
    }

    #[test]
    fn a_vendor_refusal_pauses_for_a_window() {
        let limiter = Limiter::new(RateLimit::new(100, Duration::from_secs(10)));
        let now = Instant::now();
        limiter.pause(now);
        assert_eq!(limiter.try_acquire(now), Err(Duration::from_secs(10)));
        assert_eq!(limiter.try_acquire(now + Duration::from_secs(10)), Ok(()));
    }

    #[test]
    fn clients_of_one_partner_share_a_limiter() {
        let url = "https://e4242.at.baijiayun.com";
        let a = Limiter::shared(url, 4242, RateLimit::VENDOR);
        let b = Limiter::shared(url, 4242, RateLimit::VENDOR);
        let other = Limiter::shared(url, 4243, RateLimit::VENDOR);
        let elsewhere = Limiter::shared("http://127.0.0.1:1", 4242, RateLimit::VENDOR);
        assert!(Arc::ptr_eq(&a, &b));
        assert!(!Arc::ptr_eq(&a, &other));
        assert!(!Arc::ptr_eq(&a, &elsewhere));
    }
}
