//! The fleet-wide rate limit (feature `redis`): one budget of 200 requests in any 10 s shared by
//! every process of an account, kept in Redis.
//!
//! ```no_run
//! # fn run() -> baijiayun::Result<()> {
//! use baijiayun::{Client, fleet::{FleetLimit, OnRedisDown}};
//!
//! let fleet = FleetLimit::new("redis://10.0.0.5:6379/")?
//!     .on_redis_down(OnRedisDown::FallBack { instances: 4 });   // 4 processes share the account
//! let client = Client::builder(12345678, "partner-key")
//!     .private_domain("e12345678")
//!     .fleet_rate_limit(fleet)
//!     .build()?;
//! # let _ = client;
//! # Ok(())
//! # }
//! ```
//!
//! # How it counts
//!
//! An exact sliding-window log: a sorted set per account holds one member per request granted in
//! the last window, scored by the time Redis granted it. One Lua script, run atomically, reads the
//! time from the server (`TIME`: the hosts' clocks never enter), drops the members older than the
//! window, honours the fleet's pause, and grants (adds a member) if fewer than the limit remain, or
//! returns how long until the oldest member leaves. One round trip per request, on one connection
//! per process (`EVALSHA`, falling back to `EVAL` when the script cache is empty after a restart
//! or failover). A GCRA or token bucket is not used: with a burst of 200 it lets about 400 through
//! in some window.
//!
//! The limit and window are the client's [`RateLimit`] (by default 200 in any
//! 10.25 s, a margin over the vendor's 10 s for network jitter).
//!
//! # Keys
//!
//! `{prefix}{{partner_id}}` holds the log and `{prefix}{{partner_id}}:pause` the pause (default prefix
//! `baijiayun:rl:`; the braces keep both in one Redis Cluster slot). The key names the account
//! only, not the server: the vendor counts per account whatever domain a request goes to, so every
//! process of one account must share one key. Use another prefix to keep a test environment
//! apart from production on one Redis. Both keys expire on their own one window (plus a second)
//! after their last use.
//!
//! # A refusal for rate pauses the fleet
//!
//! When the vendor refuses a request for rate anyway (another tool on the account, clocks), the
//! instance that saw it sets the pause key for one window (`SET .. PX`, each refusal extending it)
//! and every instance waits it out.
//!
//! # When Redis is down
//!
//! A Redis round trip never takes longer than [`FleetLimit::timeout`] (default 500 ms); an error
//! or a timeout switches the process to the policy of [`OnRedisDown`] and logs the switch with
//! `tracing::warn!`. While down, one call per second at most tries Redis again (the others do not
//! wait for it); the first answer switches back, logged at `warn` too. Nothing ever fails open.
//!
//! What is exact, for a Redis that crashed or restarted empty, when every instance is configured
//! with the true number of instances:
//! * Every process keeps a log of its own grants of the last window, whoever granted them, timed on
//!   its monotonic clock.
//! * Entering the fall-back, a process sends nothing for one window from its first failed round
//!   trip: the requests other instances were granted just before Redis died are still in the
//!   vendor's window, and no one knows how many. After that, it sends at most
//!   `requests / instances` in any window (its own log decides).
//! * Back on Redis, a process first writes its own grants of the last window into the log, each
//!   scored at the server's time minus its age (ages come from the local monotonic clock, so clock
//!   skew does not enter). For one window after that it needs both Redis's grant and its local
//!   share, because an instance that has not reconnected yet may still be sending its share. Other
//!   instances reconnect within about a second, well inside that window.
//!
//! Not exact: a Redis reachable from some instances and not others (a network partition) lets the
//! cut-off instances send their shares on top of what Redis grants the rest; an instance that
//! stays cut off longer than one window after the others reconnect does so too. `FailClosed`
//! avoids the first by not sending at all. The vendor's margin (10.25 s windows) absorbs the
//! round-trip time between a grant and the request's arrival.

use std::fmt;
use std::time::Duration;

use crate::call::clock;
use crate::call::error::{Error, Result};
use crate::call::gate::{Limit, Permit, Ready};
use crate::limit::local::{RateLimit, shared_in};

/// How often, at most, a process that lost Redis tries it again.
const PROBE_EVERY: Duration = Duration::from_secs(1);

/// The default key prefix.
pub const DEFAULT_PREFIX: &str = "baijiayun:rl:";

/// What a process does while it cannot reach Redis.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum OnRedisDown {
    /// Keep to a local share of the limit, `requests / instances` in any window, after one window
    /// without requests (see the [module docs](self) for why). `instances` is how many processes
    /// share the account; too small a number overruns the vendor's limit while Redis is down.
    FallBack {
        /// How many processes share the account.
        instances: u32,
    },
    /// Fail every call with [`Error::LimiterUnavailable`] at once, sending nothing. The default:
    /// without knowing how many processes share the account no local share is safe.
    FailClosed,
}

/// The settings of the fleet-wide rate limit: which Redis, which key prefix, what to do when Redis
/// is down. Give it to [`ClientBuilder::fleet_rate_limit`](crate::ClientBuilder::fleet_rate_limit).
#[derive(Clone)]
pub struct FleetLimit {
    redis: redis::Client,
    prefix: String,
    on_down: OnRedisDown,
    timeout: Duration,
}

impl fmt::Debug for FleetLimit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The address only: the URL may hold a password.
        f.debug_struct("FleetLimit")
            .field("redis", &address(&self.redis))
            .field("prefix", &self.prefix)
            .field("on_down", &self.on_down)
            .field("timeout", &self.timeout)
            .finish()
    }
}

impl FleetLimit {
    /// The Redis at `url` (`redis://[:password@]host[:port][/db]`, or `rediss://` without TLS
    /// support: only plain TCP and Unix sockets are built in). Nothing connects until the first
    /// call.
    pub fn new(url: &str) -> Result<Self> {
        let redis = redis::Client::open(url)
            .map_err(|e| Error::Config(format!("Redis URL for the fleet rate limit: {e}")))?;
        Ok(Self::from_client(redis))
    }

    /// An already configured `redis::Client`.
    pub fn from_client(redis: redis::Client) -> Self {
        FleetLimit {
            redis,
            prefix: DEFAULT_PREFIX.to_owned(),
            on_down: OnRedisDown::FailClosed,
            timeout: Duration::from_millis(500),
        }
    }

    /// The prefix of the keys (default [`DEFAULT_PREFIX`]); the partner id follows it.
    #[must_use]
    pub fn prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }

    /// What to do while Redis cannot be reached (default [`OnRedisDown::FailClosed`]).
    #[must_use]
    pub fn on_redis_down(mut self, policy: OnRedisDown) -> Self {
        self.on_down = policy;
        self
    }

    /// The longest a round trip to Redis (connecting included) may take before Redis counts as
    /// down (default 500 ms).
    #[must_use]
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The process's async connection to this Redis, shared by everything made from it.
    pub(crate) fn connection(&self) -> SharedConnection {
        SharedConnection {
            key: format!("{:?}", self.redis.get_connection_info()),
            redis: self.redis.clone(),
            timeout: self.timeout,
        }
    }

    /// The key of the log for `partner_id`.
    pub fn key(&self, partner_id: i64) -> String {
        format!("{}{{{partner_id}}}", self.prefix)
    }

    pub(crate) fn check(&self) -> Result<()> {
        if let OnRedisDown::FallBack { instances: 0 } = self.on_down {
            return Err(Error::Config(
                "OnRedisDown::FallBack needs at least one instance".into(),
            ));
        }
        if self.timeout.is_zero() {
            return Err(Error::Config("the Redis timeout must be positive".into()));
        }
        Ok(())
    }
}

/// The address of `redis`, for `Debug` (its URL may hold a password).
fn address(redis: &redis::Client) -> String {
    redis.get_connection_info().addr().to_string()
}

/// Where the limiter stands, for tests and monitoring.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum FleetState {
    /// Redis decides.
    Shared,
    /// Redis is unreachable: the policy of [`OnRedisDown`] applies.
    Down,
    /// Redis is back; for one window the local share decides too.
    Recovering,
}

mod connection;
mod limiter;

#[cfg(test)]
mod tests;

pub(crate) use connection::SharedConnection;
pub(crate) use limiter::FleetLimiter;
