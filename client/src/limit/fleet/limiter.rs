//! The fleet limiter: the process's side of the shared log (its own grants, the mode it is in
//! with Redis, the fleet's pause), one try for a permit on either kind of connection, and its
//! place in the call core's gate.

use std::collections::VecDeque;
use std::fmt;
use std::sync::{Arc, LazyLock, Mutex, MutexGuard, PoisonError, Weak};
use std::time::{Duration, Instant};

use super::*;

/// The script: the sliding-window log of one account, read and written atomically on the server.
///
/// KEYS: the log (a sorted set, member -> grant time in µs on the server's clock), the pause key.
/// ARGV: limit, window in µs, this request's member, `1` to ask for a grant (`0` only seeds), then
/// pairs of (member, age in µs) to write into the log first. Returns `{1, now_us}` for a grant,
/// `{0, wait_us}` otherwise.
pub(super) const SCRIPT: &str = r"
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

/// Where the process stands with Redis.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Mode {
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

#[derive(Debug)]
pub(super) struct State {
    pub(super) mode: Mode,
    /// Own grants of the last window: when (local clock) and their member's sequence number.
    pub(super) log: VecDeque<(Instant, u64)>,
    /// The next member's sequence number.
    pub(super) seq: u64,
    /// After the vendor refused for rate: nothing goes before this.
    pub(super) paused_until: Option<Instant>,
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
pub(super) struct Ask {
    /// The member of this request; `None` asks for no grant (a probe that only seeds).
    pub(super) member: Option<u64>,
    /// Whether `member` was already entered in the local log (a reservation).
    pub(super) reserved: bool,
    /// Own grants to write into Redis's log first: (sequence number, age).
    pub(super) seeds: Vec<(u64, Duration)>,
    /// The wait to answer when no grant is asked.
    pub(super) local_wait: Duration,
}

/// The fleet limiter of one account on one Redis, shared by every client of the process.
pub(crate) struct FleetLimiter {
    #[cfg(feature = "blocking")]
    pub(super) redis: redis::Client,
    pub(super) script: redis::Script,
    pub(super) log_key: String,
    pub(super) pause_key: String,
    pub(super) requests: u32,
    pub(super) window: Duration,
    pub(super) on_down: OnRedisDown,
    #[cfg(feature = "blocking")]
    pub(super) timeout: Duration,
    /// This process's part of every member name.
    pub(super) instance: u64,
    pub(super) state: Mutex<State>,
    pub(super) async_conn: SharedConnection,
    #[cfg(feature = "blocking")]
    pub(super) sync_conn: Mutex<Option<redis::Connection>>,
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
pub(super) type Key = (String, String, u32, Duration, OnRedisDown, Duration);

/// The fleet limiters alive in the process.
pub(super) type Registry = Mutex<Vec<(Key, Weak<FleetLimiter>)>>;

/// The fleet limiters alive in the process.
pub(super) static LIMITERS: LazyLock<Registry> = LazyLock::new(|| Mutex::new(Vec::new()));

pub(super) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl FleetLimiter {
    /// A limiter of its own (tests, benchmarks).
    pub(crate) fn new(config: &FleetLimit, partner_id: i64, limit: RateLimit) -> Self {
        let log_key = config.key(partner_id);
        FleetLimiter {
            #[cfg(feature = "blocking")]
            redis: config.redis.clone(),
            script: redis::Script::new(SCRIPT),
            pause_key: format!("{log_key}:pause"),
            log_key,
            requests: limit.requests(),
            window: limit.window(),
            on_down: config.on_down,
            #[cfg(feature = "blocking")]
            timeout: config.timeout,
            instance: fastrand::u64(..),
            state: Mutex::new(State {
                mode: Mode::Shared,
                log: VecDeque::new(),
                seq: 0,
                paused_until: None,
            }),
            async_conn: config.connection(),
            #[cfg(feature = "blocking")]
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
        shared_in(&LIMITERS, key, || {
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

    pub(super) fn member(&self, seq: u64) -> String {
        format!("{:016x}:{seq}", self.instance)
    }

    pub(super) fn share(&self) -> usize {
        match self.on_down {
            OnRedisDown::FallBack { instances } => {
                (self.requests / instances.max(1)).max(1) as usize
            }
            OnRedisDown::FailClosed => 0,
        }
    }

    /// The local rule while Redis is down (`recovering` false) or just back: one quiet window from
    /// the failure, then the share.
    pub(super) fn local_rule(
        &self,
        s: &State,
        now: Instant,
        failed_at: Instant,
        recovering: bool,
    ) -> Step {
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

    pub(super) fn reserve(s: &mut State, now: Instant) -> u64 {
        let seq = s.seq;
        s.seq += 1;
        s.log.push_back((now, seq));
        seq
    }

    /// Decides under the lock: an answer now, or what to ask Redis.
    pub(super) fn plan(&self, now: Instant) -> std::result::Result<Step, Ask> {
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
    pub(super) fn invocation(&self, ask: &Ask) -> redis::ScriptInvocation<'_> {
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
    pub(super) fn settle(
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
    pub(super) fn pause_local(&self, now: Instant) -> bool {
        let mut s = lock(&self.state);
        let until = now + self.window;
        s.paused_until = Some(s.paused_until.map_or(until, |p| p.max(until)));
        !matches!(s.mode, Mode::Down { .. })
    }

    pub(super) fn pause_cmd(&self) -> redis::Cmd {
        let mut cmd = redis::cmd("SET");
        cmd.arg(&self.pause_key)
            .arg(1)
            .arg("PX")
            .arg(u64::try_from(self.window.as_millis()).unwrap_or(u64::MAX));
        cmd
    }

    #[cfg(feature = "blocking")]
    /// One try for a permit, blocking for at most one Redis round trip (the gate's blocking
    /// acquire).
    pub(crate) fn acquire_blocking(&self, now: Instant) -> Permit {
        self.try_acquire_blocking(now).into()
    }

    #[cfg(feature = "blocking")]
    pub(super) fn try_acquire_blocking(&self, now: Instant) -> Step {
        let ask = match self.plan(now) {
            Ok(step) => return step,
            Err(ask) => ask,
        };
        let answer = self.with_sync_conn(|con| self.invocation(&ask).invoke::<(i64, i64)>(con));
        self.settle(ask, now, answer)
    }

    #[cfg(feature = "blocking")]
    /// The vendor refused for rate: pause the fleet (blocking).
    pub(crate) fn pause_blocking(&self, now: Instant) {
        if self.pause_local(now) {
            let cmd = self.pause_cmd();
            if let Err(e) = self.with_sync_conn(|con| cmd.exec(con)) {
                tracing::debug!(error = %e, "could not set the fleet's pause in Redis");
            }
        }
    }

    #[cfg(feature = "blocking")]
    /// Runs `f` on the process's blocking connection, connecting if needed; drops the connection
    /// on any error so that the next use reconnects.
    pub(super) fn with_sync_conn<T>(
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

    pub(super) async fn try_acquire_async(&self, now: Instant) -> Step {
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

/// The fleet-wide limiter in the gate: an async answer comes after one Redis round trip.
impl Limit for FleetLimiter {
    fn acquire_async(&self, now: Instant) -> Ready<'_, Permit> {
        Ready::Later(Box::pin(FleetLimiter::acquire_async(self, now)))
    }

    fn pause_async(&self, now: Instant) -> Ready<'_, ()> {
        Ready::Later(Box::pin(FleetLimiter::pause_async(self, now)))
    }

    #[cfg(feature = "blocking")]
    fn acquire_blocking(&self, now: Instant) -> Permit {
        FleetLimiter::acquire_blocking(self, now)
    }

    #[cfg(feature = "blocking")]
    fn pause_blocking(&self, now: Instant) {
        FleetLimiter::pause_blocking(self, now);
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}
