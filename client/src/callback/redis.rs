//! [`RedisStore`]: the callback [`DeliveryStore`] on Redis (feature `redis`), for receivers that
//! run in several processes.

use std::fmt;
use std::time::Duration;

use super::store::{Claim, DeliveryStore, StoreError, StoreFuture};
use crate::limit::fleet::{FleetLimit, SharedConnection};

/// The default key prefix; the delivery's `qid` follows it.
pub const DEFAULT_PREFIX: &str = "baijiayun:cb:";

/// Claims a delivery unless it is done or claimed: `SET key claimed:<token> NX PX <lease>`, and
/// when the key is there, what it holds, in one atomic step. KEYS: the delivery's key. ARGV: the
/// token, the lease in ms. Returns 1 claimed, 2 completed, 3 in progress.
const CLAIM: &str = r"
local v = redis.call('GET', KEYS[1])
if not v then
  redis.call('SET', KEYS[1], 'claimed:' .. ARGV[1], 'PX', ARGV[2])
  return 1
end
if v == 'done' then
  return 2
end
return 3
";

/// Deletes the claim if the attempt `ARGV[1]` still holds it (compare and delete).
const RELEASE: &str = r"
if redis.call('GET', KEYS[1]) == 'claimed:' .. ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
";

/// A [`DeliveryStore`] on Redis: every receiver process pointed at the same Redis handles each
/// delivery once.
///
/// One key per delivery, `{prefix}{qid}` (default prefix [`DEFAULT_PREFIX`]): a claim is
/// `claimed:<token>` with the lease as its expiry, a completed delivery `done` kept for the
/// verifier's keep time; Redis expires both. Claim and release are Lua scripts (atomic; `EVALSHA`
/// falling back to `EVAL`), complete a `SET .. PX`. A Redis that cannot be reached within the
/// timeout answers [`StoreError`], so the delivery is answered "retry later", never acknowledged.
///
/// Made from a [`FleetLimit`], it uses the same Redis and the same connection as the fleet-wide
/// rate limit.
///
/// ```no_run
/// # fn run() -> baijiayun::Result<()> {
/// use baijiayun::callback::{RedisStore, Verifier};
/// use baijiayun::fleet::FleetLimit;
///
/// let fleet = FleetLimit::new("redis://10.0.0.5:6379/")?;
/// let verifier = Verifier::new("partner-key").store(RedisStore::new(&fleet));
/// # let _ = verifier;
/// # Ok(())
/// # }
/// ```
pub struct RedisStore {
    conn: SharedConnection,
    prefix: String,
    claim: redis::Script,
    release: redis::Script,
}

impl fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisStore")
            .field("prefix", &self.prefix)
            .finish_non_exhaustive()
    }
}

impl RedisStore {
    /// The store on the Redis of `fleet`, sharing its connection and timeout.
    pub fn new(fleet: &FleetLimit) -> Self {
        RedisStore {
            conn: fleet.connection(),
            prefix: DEFAULT_PREFIX.to_owned(),
            claim: redis::Script::new(CLAIM),
            release: redis::Script::new(RELEASE),
        }
    }

    /// The store on the Redis at `url`, with the default timeout of [`FleetLimit`].
    pub fn open(url: &str) -> crate::Result<Self> {
        FleetLimit::new(url).map(|fleet| Self::new(&fleet))
    }

    /// The prefix of the keys (default [`DEFAULT_PREFIX`]).
    #[must_use]
    pub fn prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }

    fn key(&self, qid: &str) -> String {
        format!("{}{qid}", self.prefix)
    }
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX).max(1)
}

impl DeliveryStore for RedisStore {
    fn claim<'a>(
        &'a self,
        qid: &'a str,
        token: &'a str,
        lease: Duration,
    ) -> StoreFuture<'a, Claim> {
        Box::pin(async move {
            let mut inv = self.claim.key(self.key(qid));
            inv.arg(token).arg(millis(lease));
            match self
                .conn
                .invoke::<i64>(&inv)
                .await
                .map_err(StoreError::new)?
            {
                1 => Ok(Claim::Claimed),
                2 => Ok(Claim::Completed),
                _ => Ok(Claim::InProgress),
            }
        })
    }

    fn complete<'a>(
        &'a self,
        qid: &'a str,
        _token: &'a str,
        keep: Duration,
    ) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            let mut cmd = redis::cmd("SET");
            cmd.arg(self.key(qid))
                .arg("done")
                .arg("PX")
                .arg(millis(keep));
            self.conn.query::<()>(&cmd).await.map_err(StoreError::new)
        })
    }

    fn release<'a>(&'a self, qid: &'a str, token: &'a str) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            let mut inv = self.release.key(self.key(qid));
            inv.arg(token);
            self.conn
                .invoke::<i64>(&inv)
                .await
                .map(drop)
                .map_err(StoreError::new)
        })
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use redis_test_server::RedisServer;

    use super::*;
    use crate::callback::{
        CallbackEvent, TranscodeEvent, TranscodeSucceeded, Verifier, signed_body,
    };
    use crate::types::{RoomId, VideoId};

    const MIN: Duration = Duration::from_secs(60);

    fn server() -> RedisServer {
        RedisServer::start().unwrap_or_else(|e| panic!("the Redis tests need redis-server: {e}"))
    }

    fn store(server: &RedisServer) -> RedisStore {
        RedisStore::open(&server.url()).unwrap_or_else(|e| panic!("{e}"))
    }

    #[tokio::test]
    async fn claim_complete_release_and_lease() -> Result<(), StoreError> {
        let server = server();
        let s = store(&server);
        assert_eq!(s.claim("q", "a", MIN).await?, Claim::Claimed);
        assert_eq!(s.claim("q", "b", MIN).await?, Claim::InProgress);
        // Another attempt cannot release a claim it does not hold.
        s.release("q", "b").await?;
        assert_eq!(s.claim("q", "b", MIN).await?, Claim::InProgress);
        s.release("q", "a").await?;
        assert_eq!(
            s.claim("q", "b", Duration::from_millis(200)).await?,
            Claim::Claimed
        );
        // The holder hangs: after the lease, the delivery is claimable again.
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert_eq!(s.claim("q", "c", MIN).await?, Claim::Claimed);
        s.complete("q", "c", Duration::from_millis(400)).await?;
        assert_eq!(s.claim("q", "d", MIN).await?, Claim::Completed);
        // A release after completion keeps the completed record.
        s.release("q", "c").await?;
        assert_eq!(s.claim("q", "d", MIN).await?, Claim::Completed);
        // The completed record expires with its keep time.
        tokio::time::sleep(Duration::from_millis(500)).await;
        assert_eq!(s.claim("q", "d", MIN).await?, Claim::Claimed);
        // Prefixes keep stores apart.
        let other = store(&server).prefix("other:");
        assert_eq!(other.claim("q", "e", MIN).await?, Claim::Claimed);
        Ok(())
    }

    #[tokio::test]
    async fn of_many_concurrent_claims_one_wins() -> Result<(), StoreError> {
        let server = server();
        let s = Arc::new(store(&server));
        let tasks: Vec<_> = (0..32)
            .map(|i| {
                let s = Arc::clone(&s);
                tokio::spawn(async move { s.claim("race", &format!("t{i}"), MIN).await })
            })
            .collect();
        let mut won = 0;
        for t in tasks {
            if t.await.map_err(StoreError::new)?? == Claim::Claimed {
                won += 1;
            }
        }
        assert_eq!(won, 1);
        Ok(())
    }

    #[tokio::test]
    async fn two_verifiers_on_one_redis_handle_each_delivery_once() {
        let server = server();
        let key = "partner-key";
        let a = Verifier::new(key).store(store(&server));
        let b = Verifier::new(key).store(store(&server));
        let event = CallbackEvent::Transcode(TranscodeEvent::Succeeded(TranscodeSucceeded::new(
            RoomId(17),
            VideoId(2),
            "q-once",
        )));
        let body = signed_body(key, &event);
        let handled = Arc::new(Mutex::new(Vec::new()));
        let handler = |name: &'static str, fail: bool| {
            let handled = Arc::clone(&handled);
            move |_cb| async move {
                if fail {
                    return Err("the database is down");
                }
                handled.lock().unwrap_or_else(|p| p.into_inner()).push(name);
                Ok(())
            }
        };
        // A fails: the claim is released and the vendor asked to retry; B handles the retry.
        let first = a.handle(None, body.as_bytes(), handler("a", true)).await;
        assert_ne!(first.body(), r#"{"code":0}"#);
        let second = b.handle(None, body.as_bytes(), handler("b", false)).await;
        assert_eq!(second.body(), r#"{"code":0}"#);
        // Later duplicates, on either, are acknowledged and not handled again.
        for v in [&a, &b] {
            let again = v
                .handle(None, body.as_bytes(), handler("again", false))
                .await;
            assert_eq!(again.body(), r#"{"code":0}"#);
        }
        assert_eq!(*handled.lock().unwrap_or_else(|p| p.into_inner()), ["b"]);
    }

    #[tokio::test]
    async fn an_unreachable_redis_is_a_store_error_not_a_hang() {
        let mut server = server();
        let s = store(&server);
        server.kill();
        let result = tokio::time::timeout(Duration::from_secs(5), s.claim("q", "a", MIN))
            .await
            .unwrap_or_else(|_| panic!("hung"));
        assert!(result.is_err(), "{result:?}");
    }
}
