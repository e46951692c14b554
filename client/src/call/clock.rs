//! The clocks the drivers read and hand to the call core, which reads none itself.
//!
//! [`now`] is tokio's clock: on a thread inside a tokio runtime whose clock is paused
//! (`#[tokio::test(start_paused = true)]`), the limiter's windows, the retry budget, the waits and
//! the latency in the span all follow that paused clock together; anywhere else it is the
//! monotonic system clock. [`unix_now`] is the wall clock, for the `timestamp` a request is signed
//! with: the core takes it once when a call starts and moves it on by the monotonic time that
//! passes, so every attempt carries a fresh one.

use std::time::{Instant, SystemTime, UNIX_EPOCH};

/// Now, on tokio's clock: paused and advanced with it under `tokio::time::pause`, the monotonic
/// system clock everywhere else (including threads without a runtime).
pub(crate) fn now() -> Instant {
    tokio::time::Instant::now().into_std()
}

/// Seconds since the unix epoch, now.
pub fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}
