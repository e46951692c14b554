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

use std::collections::VecDeque;
use std::fmt;
use std::sync::{Arc, LazyLock, Mutex, MutexGuard, PoisonError, Weak};
use std::time::{Duration, Instant};

use crate::call::clock;
use crate::error::{Error, Result};
use crate::limit::{Permit, RateLimit};

/// How often, at most, a process that lost Redis tries it again.
const PROBE_EVERY: Duration = Duration::from_secs(1);

/// The default key prefix.
pub const DEFAULT_PREFIX: &str = "baijiayun:rl:";

/// The script: the sliding-window log of one account, read and written atomically on the server.
///
/// KEYS: the log (a sorted set, member -> grant time in µs on the server's clock), the pause key.
/// ARGV: limit, window in µs, this request's member, `1` to ask for a grant (`0` only seeds), then
/// pairs of (member, age in µs) to write into the log first. Returns `{1, now_us}` for a grant,
/// `{0, wait_us}` otherwise.
const SCRIPT: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local ttl = math.floor(window / 1000) + 1000
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
for i = 5, #ARGV - 1, 2 do
  local age = tonumber(ARGV[i + 1])
  if age < window then
    redis.call('ZADD', KEYS[1], now - age, ARGV[i])
  end
end
if #ARGV > 4 then
  redis.call('PEXPIRE', KEYS[1], ttl)
end
local pause = redis.call('PTTL', KEYS[2])
if pause > 0 then
  return {0, pause * 1000}
end
if ARGV[4] ~= '1' then
  return {0, 0}
end
if redis.call('ZCARD', KEYS[1]) < limit then
  redis.call('ZADD', KEYS[1], now, ARGV[3])
  redis.call('PEXPIRE', KEYS[1], ttl)
  return {1, now}
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
local wait = tonumber(oldest[2]) + window - now
if wait < 1 then
  wait = 1
end
return {0, wait}
";

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

/// Where the process stands with Redis.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    /// Redis decides.
    Shared,
    /// Redis is unreachable since a round trip that started at `failed_at`.
    Down {
        failed_at: Instant,
        next_probe: Instant,
    },
    /// Redis answered again at `back_at`; until a window later, the local share decides too.
    Recovering {
        failed_at: Instant,
        back_at: Instant,
    },
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

#[derive(Debug)]
struct State {
    mode: Mode,
    /// Own grants of the last window: when (local clock) and their member's sequence number.
    log: VecDeque<(Instant, u64)>,
    /// The next member's sequence number.
    seq: u64,
    /// After the vendor refused for rate: nothing goes before this.
    paused_until: Option<Instant>,
}

/// The outcome of one try for a permit.
#[derive(Debug)]
pub(crate) enum Step {
    /// Go.
    Granted,
    /// Try again after this long.
    Wait(Duration),
    /// Redis is unreachable and the policy is to fail closed.
    Failed(String),
}

impl From<Step> for Permit {
    fn from(step: Step) -> Self {
        match step {
            Step::Granted => Permit::Granted,
            Step::Wait(wait) => Permit::Wait(wait),
            Step::Failed(message) => Permit::Failed(Error::LimiterUnavailable { message }),
        }
    }
}

/// What to ask Redis, decided under the lock.
struct Ask {
    /// The member of this request; `None` asks for no grant (a probe that only seeds).
    member: Option<u64>,
    /// Whether `member` was already entered in the local log (a reservation).
    reserved: bool,
    /// Own grants to write into Redis's log first: (sequence number, age).
    seeds: Vec<(u64, Duration)>,
    /// The wait to answer when no grant is asked.
    local_wait: Duration,
}

/// The fleet limiter of one account on one Redis, shared by every client of the process.
pub(crate) struct FleetLimiter {
    redis: redis::Client,
    script: redis::Script,
    log_key: String,
    pause_key: String,
    requests: u32,
    window: Duration,
    on_down: OnRedisDown,
    timeout: Duration,
    /// This process's part of every member name.
    instance: u64,
    state: Mutex<State>,
    async_conn: SharedConnection,
    sync_conn: Mutex<Option<redis::Connection>>,
}

impl fmt::Debug for FleetLimiter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FleetLimiter")
            .field("log_key", &self.log_key)
            .field("requests", &self.requests)
            .field("window", &self.window)
            .field("on_down", &self.on_down)
            .finish_non_exhaustive()
    }
}

/// Redis address, key, limit and policy.
type Key = (String, String, u32, Duration, OnRedisDown, Duration);

/// The fleet limiters alive in the process.
type Registry = Mutex<Vec<(Key, Weak<FleetLimiter>)>>;

/// The fleet limiters alive in the process.
static LIMITERS: LazyLock<Registry> = LazyLock::new(|| Mutex::new(Vec::new()));

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl FleetLimiter {
    /// A limiter of its own (tests, benchmarks).
    pub(crate) fn new(config: &FleetLimit, partner_id: i64, limit: RateLimit) -> Self {
        let log_key = config.key(partner_id);
        FleetLimiter {
            redis: config.redis.clone(),
            script: redis::Script::new(SCRIPT),
            pause_key: format!("{log_key}:pause"),
            log_key,
            requests: limit.requests(),
            window: limit.window(),
            on_down: config.on_down,
            timeout: config.timeout,
            instance: fastrand::u64(..),
            state: Mutex::new(State {
                mode: Mode::Shared,
                log: VecDeque::new(),
                seq: 0,
                paused_until: None,
            }),
            async_conn: config.connection(),
            sync_conn: Mutex::new(None),
        }
    }

    /// The limiter every client of the process with these settings shares: one connection per
    /// kind (async, blocking) and one log of own grants.
    pub(crate) fn shared(config: &FleetLimit, partner_id: i64, limit: RateLimit) -> Arc<Self> {
        let key = (
            format!("{:?}", config.redis.get_connection_info()),
            config.key(partner_id),
            limit.requests(),
            limit.window(),
            config.on_down,
            config.timeout,
        );
        crate::limit::shared_in(&LIMITERS, key, || {
            FleetLimiter::new(config, partner_id, limit)
        })
    }

    /// Where the limiter stands.
    pub(crate) fn state(&self) -> FleetState {
        match lock(&self.state).mode {
            Mode::Shared => FleetState::Shared,
            Mode::Down { .. } => FleetState::Down,
            Mode::Recovering { .. } => FleetState::Recovering,
        }
    }

    fn member(&self, seq: u64) -> String {
        format!("{:016x}:{seq}", self.instance)
    }

    fn share(&self) -> usize {
        match self.on_down {
            OnRedisDown::FallBack { instances } => {
                (self.requests / instances.max(1)).max(1) as usize
            }
            OnRedisDown::FailClosed => 0,
        }
    }

    /// The local rule while Redis is down (`recovering` false) or just back: one quiet window from
    /// the failure, then the share.
    fn local_rule(&self, s: &State, now: Instant, failed_at: Instant, recovering: bool) -> Step {
        if !recovering && self.on_down == OnRedisDown::FailClosed {
            return Step::Failed("Redis is unreachable".into());
        }
        let quiet_until = failed_at + self.window;
        if now < quiet_until {
            return Step::Wait(quiet_until - now);
        }
        if self.on_down == OnRedisDown::FailClosed {
            return Step::Granted;
        }
        if s.log.len() < self.share() {
            return Step::Granted;
        }
        let oldest = s.log.front().map_or(now, |(t, _)| *t);
        Step::Wait(
            (oldest + self.window)
                .saturating_duration_since(now)
                .max(Duration::from_millis(1)),
        )
    }

    fn reserve(s: &mut State, now: Instant) -> u64 {
        let seq = s.seq;
        s.seq += 1;
        s.log.push_back((now, seq));
        seq
    }

    /// Decides under the lock: an answer now, or what to ask Redis.
    fn plan(&self, now: Instant) -> std::result::Result<Step, Ask> {
        let mut s = lock(&self.state);
        while s
            .log
            .front()
            .is_some_and(|(t, _)| now.saturating_duration_since(*t) >= self.window)
        {
            s.log.pop_front();
        }
        if let Some(until) = s.paused_until {
            if until > now {
                return Ok(Step::Wait(until - now));
            }
            s.paused_until = None;
        }
        if let Mode::Recovering { back_at, .. } = s.mode
            && now.saturating_duration_since(back_at) >= self.window
        {
            s.mode = Mode::Shared;
        }
        match s.mode {
            Mode::Shared => {
                let seq = s.seq;
                s.seq += 1;
                Err(Ask {
                    member: Some(seq),
                    reserved: false,
                    seeds: Vec::new(),
                    local_wait: Duration::ZERO,
                })
            }
            Mode::Down {
                failed_at,
                next_probe,
            } => {
                let probe = now >= next_probe;
                // A probe tries Redis as if it were back (the recovering rule).
                let local = self.local_rule(&s, now, failed_at, probe);
                if !probe {
                    return Ok(match local {
                        Step::Granted => {
                            Self::reserve(&mut s, now);
                            Step::Granted
                        }
                        Step::Wait(w) => Step::Wait(w.min(next_probe - now)),
                        failed @ Step::Failed(_) => failed,
                    });
                }
                s.mode = Mode::Down {
                    failed_at,
                    next_probe: now + PROBE_EVERY,
                };
                let seeds = s
                    .log
                    .iter()
                    .map(|(t, seq)| (*seq, now.saturating_duration_since(*t)))
                    .collect();
                Err(match local {
                    Step::Granted => Ask {
                        member: Some(Self::reserve(&mut s, now)),
                        reserved: true,
                        seeds,
                        local_wait: Duration::ZERO,
                    },
                    Step::Wait(w) => Ask {
                        member: None,
                        reserved: false,
                        seeds,
                        local_wait: w,
                    },
                    Step::Failed(_) => Ask {
                        member: None,
                        reserved: false,
                        seeds,
                        local_wait: PROBE_EVERY,
                    },
                })
            }
            Mode::Recovering { failed_at, .. } => match self.local_rule(&s, now, failed_at, true) {
                Step::Granted => Err(Ask {
                    member: Some(Self::reserve(&mut s, now)),
                    reserved: true,
                    seeds: Vec::new(),
                    local_wait: Duration::ZERO,
                }),
                other => Ok(other),
            },
        }
    }

    /// The script's invocation for `ask`.
    fn invocation(&self, ask: &Ask) -> redis::ScriptInvocation<'_> {
        let mut inv = self.script.key(&self.log_key);
        inv.key(&self.pause_key)
            .arg(self.requests)
            .arg(u64::try_from(self.window.as_micros()).unwrap_or(u64::MAX))
            .arg(self.member(ask.member.unwrap_or(u64::MAX)))
            .arg(if ask.member.is_some() { "1" } else { "0" });
        for (seq, age) in &ask.seeds {
            inv.arg(self.member(*seq))
                .arg(u64::try_from(age.as_micros()).unwrap_or(u64::MAX));
        }
        inv
    }

    /// Takes Redis's answer (or its failure) into the state.
    fn settle(
        &self,
        ask: Ask,
        started: Instant,
        answer: std::result::Result<(i64, i64), String>,
    ) -> Step {
        let now = clock::now();
        let mut s = lock(&self.state);
        match answer {
            Ok((granted, value)) => {
                if let Mode::Down { failed_at, .. } = s.mode {
                    s.mode = Mode::Recovering {
                        failed_at,
                        back_at: now,
                    };
                    tracing::warn!(key = %self.log_key, "Redis is back: the fleet-wide rate limit is shared again");
                }
                if granted == 1 {
                    if let Some(seq) = ask.member
                        && !ask.reserved
                    {
                        s.log.push_back((now, seq));
                    }
                    Step::Granted
                } else {
                    if let Some(seq) = ask.member
                        && ask.reserved
                    {
                        s.log.retain(|(_, x)| *x != seq);
                    }
                    let wait = Duration::from_micros(u64::try_from(value).unwrap_or(0))
                        .max(ask.local_wait)
                        .max(Duration::from_millis(1));
                    Step::Wait(wait)
                }
            }
            Err(message) => {
                if let Some(seq) = ask.member
                    && ask.reserved
                {
                    s.log.retain(|(_, x)| *x != seq);
                }
                let failed_at = match s.mode {
                    Mode::Down { failed_at, .. } => failed_at,
                    Mode::Shared | Mode::Recovering { .. } => {
                        tracing::warn!(
                            key = %self.log_key, error = %message, policy = ?self.on_down,
                            "Redis is unreachable: the fleet-wide rate limit falls back to its policy"
                        );
                        started
                    }
                };
                s.mode = Mode::Down {
                    failed_at,
                    next_probe: now + PROBE_EVERY,
                };
                match self.local_rule(&s, now, failed_at, false) {
                    Step::Granted => {
                        Self::reserve(&mut s, now);
                        Step::Granted
                    }
                    Step::Wait(w) => Step::Wait(w.min(PROBE_EVERY)),
                    Step::Failed(why) => Step::Failed(format!("{why}: {message}")),
                }
            }
        }
    }

    /// The vendor refused for rate: pause this process for a window, and the fleet through Redis.
    fn pause_local(&self, now: Instant) -> bool {
        let mut s = lock(&self.state);
        let until = now + self.window;
        s.paused_until = Some(s.paused_until.map_or(until, |p| p.max(until)));
        !matches!(s.mode, Mode::Down { .. })
    }

    fn pause_cmd(&self) -> redis::Cmd {
        let mut cmd = redis::cmd("SET");
        cmd.arg(&self.pause_key)
            .arg(1)
            .arg("PX")
            .arg(u64::try_from(self.window.as_millis()).unwrap_or(u64::MAX));
        cmd
    }

    /// One try for a permit, blocking for at most one Redis round trip (the gate's blocking
    /// acquire).
    pub(crate) fn acquire_blocking(&self, now: Instant) -> Permit {
        self.try_acquire_blocking(now).into()
    }

    fn try_acquire_blocking(&self, now: Instant) -> Step {
        let ask = match self.plan(now) {
            Ok(step) => return step,
            Err(ask) => ask,
        };
        let answer = self.with_sync_conn(|con| self.invocation(&ask).invoke::<(i64, i64)>(con));
        self.settle(ask, now, answer)
    }

    /// The vendor refused for rate: pause the fleet (blocking).
    pub(crate) fn pause_blocking(&self, now: Instant) {
        if self.pause_local(now) {
            let cmd = self.pause_cmd();
            if let Err(e) = self.with_sync_conn(|con| cmd.exec(con)) {
                tracing::debug!(error = %e, "could not set the fleet's pause in Redis");
            }
        }
    }

    /// Runs `f` on the process's blocking connection, connecting if needed; drops the connection
    /// on any error so that the next use reconnects.
    fn with_sync_conn<T>(
        &self,
        f: impl FnOnce(&mut redis::Connection) -> redis::RedisResult<T>,
    ) -> std::result::Result<T, String> {
        let mut guard = lock(&self.sync_conn);
        if guard.is_none() {
            let con = self
                .redis
                .get_connection_with_timeout(self.timeout)
                .and_then(|c| {
                    c.set_read_timeout(Some(self.timeout))?;
                    c.set_write_timeout(Some(self.timeout))?;
                    Ok(c)
                })
                .map_err(|e| e.to_string())?;
            *guard = Some(con);
        }
        let Some(con) = guard.as_mut() else {
            return Err("no connection".into());
        };
        f(con).map_err(|e| {
            *guard = None;
            e.to_string()
        })
    }
}

impl FleetLimiter {
    /// One try for a permit, waiting for at most one Redis round trip, bounded by the timeout
    /// (the gate's async acquire).
    pub(crate) async fn acquire_async(&self, now: Instant) -> Permit {
        self.try_acquire_async(now).await.into()
    }

    async fn try_acquire_async(&self, now: Instant) -> Step {
        let ask = match self.plan(now) {
            Ok(step) => return step,
            Err(ask) => ask,
        };
        let answer = self
            .async_conn
            .invoke::<(i64, i64)>(&self.invocation(&ask))
            .await;
        self.settle(ask, now, answer)
    }

    /// The vendor refused for rate: pause the fleet.
    pub(crate) async fn pause_async(&self, now: Instant) {
        if self.pause_local(now) {
            let result = self.async_conn.query::<()>(&self.pause_cmd()).await;
            if let Err(e) = result {
                tracing::debug!(error = %e, "could not set the fleet's pause in Redis");
            }
        }
    }
}

/// The async connections of the process, one per Redis (and timeout).
type Connections = Mutex<Vec<(String, Duration, redis::aio::ConnectionManager)>>;

/// The async connections of the process.
static CONNECTIONS: LazyLock<Connections> = LazyLock::new(|| Mutex::new(Vec::new()));

/// The process's async connection to one Redis: one multiplexed `ConnectionManager`, shared by
/// the fleet limiters and callback stores of that Redis, made on first use on the runtime of that
/// call. Every round trip is bounded by the timeout; after an error the connection is made anew
/// at the next use (on the runtime then current), so a dead runtime or socket is never reused.
#[derive(Clone)]
pub(crate) struct SharedConnection {
    key: String,
    redis: redis::Client,
    timeout: Duration,
}

impl fmt::Debug for SharedConnection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SharedConnection")
            .field("redis", &address(&self.redis))
            .field("timeout", &self.timeout)
            .finish()
    }
}

impl SharedConnection {
    fn get(&self) -> std::result::Result<redis::aio::ConnectionManager, String> {
        let mut all = lock(&CONNECTIONS);
        if let Some((_, _, c)) = all
            .iter()
            .find(|(k, t, _)| *k == self.key && *t == self.timeout)
        {
            return Ok(c.clone());
        }
        let config = redis::aio::ConnectionManagerConfig::new()
            .set_connection_timeout(Some(self.timeout))
            .set_response_timeout(Some(self.timeout))
            .set_number_of_retries(1)
            .set_max_delay(PROBE_EVERY);
        let con = redis::aio::ConnectionManager::new_lazy_with_config(self.redis.clone(), config)
            .map_err(|e| e.to_string())?;
        all.push((self.key.clone(), self.timeout, con.clone()));
        Ok(con)
    }

    fn forget(&self) {
        lock(&CONNECTIONS).retain(|(k, t, _)| !(*k == self.key && *t == self.timeout));
    }

    /// Bounds `answer` by the timeout, and forgets the connection after an error.
    async fn bounded<T>(
        &self,
        answer: impl Future<Output = redis::RedisResult<T>>,
    ) -> std::result::Result<T, String> {
        let result = match tokio::time::timeout(self.timeout, answer).await {
            Ok(r) => r.map_err(|e| e.to_string()),
            Err(_) => Err(format!("Redis did not answer within {:?}", self.timeout)),
        };
        if result.is_err() {
            self.forget();
        }
        result
    }

    /// Runs a script (`EVALSHA`, `EVAL` when the script cache lost it).
    pub(crate) async fn invoke<T: redis::FromRedisValue>(
        &self,
        script: &redis::ScriptInvocation<'_>,
    ) -> std::result::Result<T, String> {
        let mut con = self.get()?;
        self.bounded(script.invoke_async(&mut con)).await
    }

    /// Runs a command.
    pub(crate) async fn query<T: redis::FromRedisValue>(
        &self,
        cmd: &redis::Cmd,
    ) -> std::result::Result<T, String> {
        let mut con = self.get()?;
        self.bounded(cmd.query_async(&mut con)).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use redis_test_server::RedisServer;

    fn server() -> RedisServer {
        RedisServer::start().unwrap_or_else(|e| panic!("the Redis tests need redis-server: {e}"))
    }

    fn limiter(server: &RedisServer, limit: RateLimit, on_down: OnRedisDown) -> FleetLimiter {
        let config = FleetLimit::new(&server.url())
            .unwrap_or_else(|e| panic!("{e}"))
            .on_redis_down(on_down)
            .timeout(Duration::from_millis(300));
        FleetLimiter::new(&config, 42, limit)
    }

    fn zcard(server: &RedisServer, key: &str) -> i64 {
        let mut c = server.connection().unwrap_or_else(|e| panic!("{e}"));
        redis::cmd("ZCARD")
            .arg(key)
            .query(&mut c)
            .unwrap_or_else(|e| panic!("{e}"))
    }

    /// The largest number of `times` (sorted) in any window of `window`.
    fn busiest(times: &[i64], window: i64) -> usize {
        redis_test_server::busiest_window(times, window, |a, b| b - a)
    }

    #[test]
    fn the_script_never_grants_more_than_n_in_any_window_of_server_time() {
        let server = server();
        let limit = RateLimit::new(20, Duration::from_secs(2));
        let fleet = Arc::new(limiter(&server, limit, OnRedisDown::FailClosed));
        // Four threads, each on its own connection, hammer the script for 5 s (bounded).
        let threads: Vec<_> = (0..4u64)
            .map(|thread| {
                let fleet = Arc::clone(&fleet);
                let url = server.url();
                std::thread::spawn(move || {
                    let mut con = redis::Client::open(url)
                        .and_then(|c| c.get_connection())
                        .unwrap_or_else(|e| panic!("{e}"));
                    let mut granted = Vec::new();
                    let end = Instant::now() + Duration::from_secs(5);
                    // Members must be unique: each thread numbers its own range.
                    let mut seq = thread * 1_000_000;
                    while Instant::now() < end && granted.len() < 1000 {
                        seq += 1;
                        let ask = Ask {
                            member: Some(seq),
                            reserved: false,
                            seeds: Vec::new(),
                            local_wait: Duration::ZERO,
                        };
                        let (ok, value): (i64, i64) = fleet
                            .invocation(&ask)
                            .invoke(&mut con)
                            .unwrap_or_else(|e| panic!("{e}"));
                        if ok == 1 {
                            granted.push(value);
                        } else {
                            assert!(value > 0 && value <= 2_000_000, "wait {value} µs");
                            std::thread::sleep(Duration::from_micros(value.unsigned_abs()));
                        }
                    }
                    granted
                })
            })
            .collect();
        let mut all: Vec<i64> = Vec::new();
        for t in threads {
            all.extend(t.join().unwrap_or_else(|_| panic!("a thread panicked")));
        }
        all.sort_unstable();
        assert!(
            busiest(&all, 2_000_000) <= 20,
            "{} in one window",
            busiest(&all, 2_000_000)
        );
        // 5 s at 20 per 2 s: the first window and two more at least.
        assert!(all.len() >= 60, "only {} granted", all.len());
    }

    #[test]
    fn evalsha_falls_back_to_eval_after_script_flush() {
        let server = server();
        let fleet = limiter(
            &server,
            RateLimit::new(10, Duration::from_secs(10)),
            OnRedisDown::FailClosed,
        );
        assert!(matches!(
            fleet.try_acquire_blocking(Instant::now()),
            Step::Granted
        ));
        let mut c = server.connection().unwrap_or_else(|e| panic!("{e}"));
        redis::cmd("SCRIPT")
            .arg("FLUSH")
            .exec(&mut c)
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(matches!(
            fleet.try_acquire_blocking(Instant::now()),
            Step::Granted
        ));
        assert_eq!(fleet.state(), FleetState::Shared);
        assert_eq!(zcard(&server, "baijiayun:rl:{42}"), 2);
    }

    #[test]
    fn prefixes_and_partner_ids_isolate_accounts() {
        let server = server();
        let limit = RateLimit::new(2, Duration::from_secs(10));
        let config = FleetLimit::new(&server.url()).unwrap_or_else(|e| panic!("{e}"));
        let a = FleetLimiter::new(&config, 1, limit);
        let b = FleetLimiter::new(&config.clone().prefix("staging:"), 1, limit);
        let c = FleetLimiter::new(&config, 2, limit);
        let a2 = FleetLimiter::new(&config, 1, limit); // another process of account 1
        for l in [&a, &b, &c] {
            for _ in 0..2 {
                assert!(matches!(
                    l.try_acquire_blocking(Instant::now()),
                    Step::Granted
                ));
            }
        }
        assert!(matches!(
            a2.try_acquire_blocking(Instant::now()),
            Step::Wait(_)
        ));
        assert_eq!(zcard(&server, "baijiayun:rl:{1}"), 2);
        assert_eq!(zcard(&server, "staging:{1}"), 2);
        assert_eq!(zcard(&server, "baijiayun:rl:{2}"), 2);
    }

    #[test]
    fn a_refusal_pauses_every_instance_and_the_keys_expire() {
        let server = server();
        let limit = RateLimit::new(100, Duration::from_secs(10));
        let a = limiter(&server, limit, OnRedisDown::FailClosed);
        let b = limiter(&server, limit, OnRedisDown::FailClosed);
        assert!(matches!(
            b.try_acquire_blocking(Instant::now()),
            Step::Granted
        ));
        a.pause_blocking(Instant::now());
        match b.try_acquire_blocking(Instant::now()) {
            Step::Wait(w) => assert!(
                w > Duration::from_secs(8) && w <= Duration::from_secs(10),
                "{w:?}"
            ),
            other => panic!("{other:?}"),
        }
        let mut c = server.connection().unwrap_or_else(|e| panic!("{e}"));
        for key in ["baijiayun:rl:{42}", "baijiayun:rl:{42}:pause"] {
            let ttl: i64 = redis::cmd("PTTL")
                .arg(key)
                .query(&mut c)
                .unwrap_or_else(|e| panic!("{e}"));
            assert!(ttl > 0 && ttl <= 11_000, "{key}: {ttl}");
        }
    }

    #[test]
    fn fail_closed_gives_the_typed_error_without_hanging() {
        let mut server = server();
        let fleet = limiter(
            &server,
            RateLimit::new(10, Duration::from_secs(10)),
            OnRedisDown::FailClosed,
        );
        assert!(matches!(
            fleet.try_acquire_blocking(Instant::now()),
            Step::Granted
        ));
        server.kill();
        let start = Instant::now();
        let permit = fleet.acquire_blocking(Instant::now());
        // Bounded by the Redis timeout (300 ms here): generous, this only catches a hang.
        assert!(
            start.elapsed() < Duration::from_secs(5),
            "{:?}",
            start.elapsed()
        );
        let Permit::Failed(error) = permit else {
            panic!("{permit:?} while Redis is down")
        };
        assert!(matches!(error, Error::LimiterUnavailable { .. }), "{error}");
        assert_eq!(fleet.state(), FleetState::Down);
        // Later calls fail at once without trying Redis again before the probe is due.
        assert!(matches!(
            fleet.try_acquire_blocking(Instant::now()),
            Step::Failed(_)
        ));
    }

    #[tokio::test]
    async fn async_calls_do_not_hang_when_redis_is_killed_and_come_back_after_a_restart() {
        let mut server = server();
        let limit = RateLimit::new(10, Duration::from_secs(2));
        let fleet = limiter(&server, limit, OnRedisDown::FallBack { instances: 2 });
        for _ in 0..3 {
            assert!(matches!(
                fleet.try_acquire_async(Instant::now()).await,
                Step::Granted
            ));
        }
        server.kill();
        let start = Instant::now();
        let step = tokio::time::timeout(
            Duration::from_secs(5),
            fleet.try_acquire_async(Instant::now()),
        )
        .await
        .unwrap_or_else(|_| panic!("hung with Redis down"));
        // Entering the fall-back: a quiet window first, never a grant.
        assert!(matches!(step, Step::Wait(_)), "{step:?}");
        assert!(start.elapsed() < Duration::from_secs(5));
        assert_eq!(fleet.state(), FleetState::Down);
        server.restart().unwrap_or_else(|e| panic!("{e}"));
        // The next probe (at most a second later) finds Redis and re-seeds the own grants.
        let mut back = false;
        for _ in 0..30 {
            let _ = fleet.try_acquire_async(Instant::now()).await;
            if fleet.state() != FleetState::Down {
                back = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert!(back, "never went back to Redis");
        assert_eq!(fleet.state(), FleetState::Recovering);
        assert_eq!(
            zcard(&server, "baijiayun:rl:{42}"),
            3,
            "own grants re-seeded"
        );
    }

    #[test]
    fn the_fall_back_keeps_a_quiet_window_then_the_share() {
        let mut server = server();
        let limit = RateLimit::new(10, Duration::from_millis(1500));
        let fleet = limiter(&server, limit, OnRedisDown::FallBack { instances: 2 });
        assert!(matches!(
            fleet.try_acquire_blocking(Instant::now()),
            Step::Granted
        ));
        server.kill();
        let t0 = Instant::now();
        let mut granted = Vec::new();
        // 4 s of asking (bounded): nothing in the first window after the failure, then at most
        // the share of 5 per window.
        while t0.elapsed() < Duration::from_secs(4) {
            match fleet.try_acquire_blocking(Instant::now()) {
                Step::Granted => granted.push(Instant::now()),
                Step::Wait(w) => std::thread::sleep(w.min(Duration::from_millis(50))),
                Step::Failed(why) => panic!("{why}"),
            }
        }
        assert!(
            granted
                .first()
                .is_some_and(|t| t.duration_since(t0) >= Duration::from_millis(1400))
        );
        let times: Vec<i64> = granted
            .iter()
            .map(|t| i64::try_from(t.duration_since(t0).as_micros()).unwrap_or(i64::MAX))
            .collect();
        assert!(busiest(&times, 1_500_000) <= 5, "{times:?}");
        assert!(granted.len() >= 5, "{}", granted.len());
    }
}
