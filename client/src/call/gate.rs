//! The gate: the contract between the call core and a limiter.
//!
//! The call core ([`crate::call`]) does not know what limits it. Before each attempt it asks the
//! driver to take a permit from the client's [`Gate`], and after the vendor refuses for rate it
//! asks the driver to pause the gate. A gate holds one limiter, of any kind that implements
//! [`Limit`]: four methods, an async and a blocking twin of two operations:
//!
//! * **acquire** (`acquire_async(now)` / `acquire_blocking(now)`): try to take one permit at `now`
//!   and answer at once with a [`Permit`]: [`Permit::Granted`] (send now), [`Permit::Wait`] (none
//!   is free; the core sleeps that long, or fails fast with [`crate::Error::RateLimited`], and asks
//!   again), or [`Permit::Failed`] (the limiter itself failed; the call ends with that error).
//!   Acquire never sleeps: waiting is the core's decision, so that fail-fast, the retry budget and
//!   the time recorded as `limiter_wait_ms` are handled in one place. It may do I/O (a fleet-wide
//!   limiter asks a shared store), hence the async twin; the blocking twin runs on a thread that
//!   may block and has no runtime context.
//! * **pause** (`pause_async(now)` / `pause_blocking(now)`): the vendor refused a request for rate;
//!   let nothing through for a window. Best effort: a limiter that cannot record the pause logs it
//!   and returns, and the refused call still backs off by its retry policy.
//!
//! `now` is the call core's clock ([`super::clock`]); a limiter that keeps time itself (a
//! shared store's clock) may use its own instead, and answer in durations.
//!
//! An async answer is [`Ready::Now`] when the limiter has it at once (the local limiter, which
//! allocates nothing per call) or [`Ready::Later`], a boxed future, when it must ask a shared
//! store first. The gate names no limiter: adding one is an implementation of [`Limit`] in its own
//! module and a place in the builder that makes it. The limiters: the local sliding window
//! (`crate::limit::local`), and with feature `redis` the fleet-wide one (`crate::limit::fleet`).

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::error::Error;

/// A limiter's answer to a permit request.
#[derive(Debug)]
pub(crate) enum Permit {
    /// Send now.
    Granted,
    /// No permit is free for this long; ask again then.
    Wait(Duration),
    /// The limiter failed; the call ends with this error.
    #[cfg_attr(
        not(feature = "redis"),
        allow(
            dead_code,
            reason = "the answer of limiters that do I/O (the fleet-wide one); the local limiter cannot fail"
        )
    )]
    Failed(Error),
}

impl From<Result<(), Duration>> for Permit {
    fn from(r: Result<(), Duration>) -> Self {
        match r {
            Ok(()) => Permit::Granted,
            Err(wait) => Permit::Wait(wait),
        }
    }
}

/// An async answer: at once, or after a round trip to a shared store.
pub(crate) enum Ready<'a, T> {
    /// The answer, with nothing to wait for.
    Now(T),
    /// The answer once the store has replied.
    #[cfg_attr(
        not(feature = "redis"),
        allow(
            dead_code,
            reason = "the answer of limiters that do I/O (the fleet-wide one); the local limiter answers at once"
        )
    )]
    Later(Pin<Box<dyn Future<Output = T> + Send + 'a>>),
}

/// A limiter the gate can hold: see the module docs for the contract.
pub(crate) trait Limit: Send + Sync + fmt::Debug {
    /// Takes a permit at `now`, or says how long until one is free (async drivers).
    fn acquire_async(&self, now: Instant) -> Ready<'_, Permit>;

    /// The vendor refused for rate at `now`: let nothing through for a window (async drivers).
    fn pause_async(&self, now: Instant) -> Ready<'_, ()>;

    /// Takes a permit at `now`, or says how long until one is free (the blocking driver).
    #[cfg(feature = "blocking")]
    fn acquire_blocking(&self, now: Instant) -> Permit;

    /// The vendor refused for rate at `now`: let nothing through for a window (the blocking
    /// driver).
    #[cfg(feature = "blocking")]
    fn pause_blocking(&self, now: Instant);

    /// The limiter itself, for reading a kind's own state (the fleet's).
    #[cfg(feature = "redis")]
    fn as_any(&self) -> &dyn std::any::Any;
}

/// What limits the calls of a client: one limiter, shared by every client it was built for.
#[derive(Clone, Debug)]
pub(crate) struct Gate(Arc<dyn Limit>);

impl Gate {
    /// The gate of `limiter`.
    pub(crate) fn new(limiter: Arc<dyn Limit>) -> Self {
        Gate(limiter)
    }

    /// The limiter, when it is a `T`.
    #[cfg(feature = "redis")]
    pub(crate) fn limiter<T: 'static>(&self) -> Option<&T> {
        self.0.as_any().downcast_ref()
    }

    /// Takes a permit at `now`, or says how long until one is free (async drivers).
    pub(crate) async fn acquire_async(&self, now: Instant) -> Permit {
        match self.0.acquire_async(now) {
            Ready::Now(permit) => permit,
            Ready::Later(permit) => permit.await,
        }
    }

    /// Takes a permit at `now`, or says how long until one is free (the blocking driver).
    #[cfg(feature = "blocking")]
    pub(crate) fn acquire_blocking(&self, now: Instant) -> Permit {
        self.0.acquire_blocking(now)
    }

    /// The vendor refused for rate at `now`: let nothing through for a window (async drivers).
    pub(crate) async fn pause_async(&self, now: Instant) {
        match self.0.pause_async(now) {
            Ready::Now(()) => {}
            Ready::Later(paused) => paused.await,
        }
    }

    /// The vendor refused for rate at `now`: let nothing through for a window (the blocking
    /// driver).
    #[cfg(feature = "blocking")]
    pub(crate) fn pause_blocking(&self, now: Instant) {
        self.0.pause_blocking(now);
    }
}
