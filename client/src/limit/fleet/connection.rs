//! The process's one async connection per Redis, shared by the fleet limiters and the Redis
//! callback store.

use std::fmt;
use std::sync::{LazyLock, Mutex};
use std::time::Duration;

use super::limiter::lock;
use super::*;

/// The async connections of the process, one per Redis (and timeout).
pub(super) type Connections = Mutex<Vec<(String, Duration, redis::aio::ConnectionManager)>>;

/// The async connections of the process.
pub(super) static CONNECTIONS: LazyLock<Connections> = LazyLock::new(|| Mutex::new(Vec::new()));

/// The process's async connection to one Redis: one multiplexed `ConnectionManager`, shared by
/// the fleet limiters and callback stores of that Redis, made on first use on the runtime of that
/// call. Every round trip is bounded by the timeout; after an error the connection is made anew
/// at the next use (on the runtime then current), so a dead runtime or socket is never reused.
#[derive(Clone)]
pub(crate) struct SharedConnection {
    pub(super) key: String,
    pub(super) redis: redis::Client,
    pub(super) timeout: Duration,
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
