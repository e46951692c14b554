//! Where deliveries are claimed and completed, so that each one is handled once and none is lost.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use super::{Clock, SystemClock};

/// The future a [`DeliveryStore`] method returns: boxed and `Send`, so the trait is usable as
/// `Arc<dyn DeliveryStore>` from any async receiver.
pub type StoreFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, StoreError>> + Send + 'a>>;

/// The store could not answer (unreachable, full, timed out). The delivery is answered with a
/// retryable `{"code":1,...}`, never acknowledged.
#[derive(Debug, thiserror::Error)]
#[error("the callback delivery store is unavailable: {source}")]
pub struct StoreError {
    #[source]
    source: Box<dyn std::error::Error + Send + Sync>,
}

impl StoreError {
    /// Wraps the store's own error (or a message).
    pub fn new(source: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        StoreError {
            source: source.into(),
        }
    }
}

/// What [`DeliveryStore::claim`] found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Claim {
    /// The caller holds the delivery now, until the lease runs out: handle it.
    Claimed,
    /// Another attempt holds it and its lease has not run out: answer "retry later".
    InProgress,
    /// It was handled: acknowledge it, do not handle it again.
    Completed,
}

/// Records which deliveries are being handled and which are done.
///
/// A [`DeliveryStore`] keeps one record per `qid` (the id of one delivery) in one of two states:
///
/// * **claimed**, by one attempt (a random token), until a lease runs out: the delivery is being
///   handled now. A crashed or hung handler never completes or releases its claim; once the
///   lease has run out the delivery is claimable again, so the vendor's next retry is handled.
/// * **completed**, for a while (by default twice the verifier's timestamp tolerance, so that a
///   replay is either refused for its age or found here): the delivery was handled; a duplicate
///   is acknowledged and not handed to the handler again.
///
/// A failed handler *releases* its claim (the record is deleted), so the vendor's retry is
/// handled as if it were the first delivery.
///
/// [`MemoryStore`] is the store for one process. Across processes, implement the trait on a
/// shared database; every method must be atomic on its own (one statement or one script):
///
/// **SQL** (PostgreSQL shown; any database with an atomic upsert works), a table
/// `callback_deliveries (qid text primary key, token text, completed boolean, expires_at
/// timestamptz)`:
///
/// * `claim`: `INSERT INTO callback_deliveries VALUES ($qid, $token, false, now() + $lease)
///   ON CONFLICT (qid) DO UPDATE SET token = $token, expires_at = now() + $lease
///   WHERE callback_deliveries.expires_at < now() RETURNING qid`. A row returned is
///   [`Claim::Claimed`] (a new record, or an expired one taken over: an expired *completed*
///   record is as good as none). Otherwise `SELECT completed` decides between
///   [`Claim::Completed`] and [`Claim::InProgress`].
/// * `complete`: the same upsert with `completed = true, expires_at = now() + $keep`,
///   unconditionally.
/// * `release`: `DELETE FROM callback_deliveries WHERE qid = $qid AND token = $token AND NOT
///   completed`.
/// * Delete rows with `expires_at < now()` from time to time.
///
/// **Redis**: `claim` is `SET key claimed:<token> NX PX <lease>` (`OK` is claimed; otherwise `GET`
/// tells `done` from a claim); `complete` is `SET key done PX <keep>`; `release` is a script
/// deleting the key only while it holds `claimed:<token>`. Expiry is Redis's own.
///
/// A store that cannot be reached answers [`StoreError`]; the receiver then asks the vendor to
/// retry (`{"code":1,...}`) and never acknowledges a delivery it has not handled.
///
/// Each method must be atomic: of two concurrent `claim`s of one `qid`, at most one returns
/// [`Claim::Claimed`].
pub trait DeliveryStore: Send + Sync {
    /// Claims `qid` for the attempt `token` for `lease`, unless it is completed or claimed by
    /// another attempt whose lease has not run out.
    fn claim<'a>(&'a self, qid: &'a str, token: &'a str, lease: Duration)
    -> StoreFuture<'a, Claim>;

    /// Records `qid` as completed, kept for `keep`, whoever holds its claim now.
    fn complete<'a>(&'a self, qid: &'a str, token: &'a str, keep: Duration) -> StoreFuture<'a, ()>;

    /// Forgets the claim on `qid` if the attempt `token` still holds it (a completed record is
    /// kept), so that the next delivery of it is handled.
    fn release<'a>(&'a self, qid: &'a str, token: &'a str) -> StoreFuture<'a, ()>;
}

impl fmt::Debug for dyn DeliveryStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DeliveryStore")
    }
}

/// The default number of deliveries a [`MemoryStore`] remembers.
pub const DEFAULT_CAPACITY: usize = 100_000;

/// A [`DeliveryStore`] in this process's memory, bounded.
///
/// It remembers at most `capacity` deliveries (default [`DEFAULT_CAPACITY`]). When it is full,
/// expired records are dropped first, then the *oldest completed* ones. The trade-off: a
/// duplicate of an evicted delivery is handled again, so with a capacity below the number of
/// deliveries in the keep window (twice the tolerance by default) delivery is at-least-once
/// rather than exactly-once; an event is never lost for it. Claims in progress are never
/// evicted: a store full of them answers [`StoreError`] (retry later).
#[derive(Debug)]
pub struct MemoryStore {
    inner: Mutex<Records>,
    capacity: usize,
    clock: Arc<dyn Clock>,
}

#[derive(Debug, Default)]
struct Records {
    by_qid: HashMap<String, Record>,
    /// Completed records by completion order (`seq`), oldest first: the eviction order.
    completed: BTreeMap<u64, String>,
    next_seq: u64,
}

#[derive(Debug)]
struct Record {
    /// The claiming attempt's token, or `None` once completed.
    token: Option<String>,
    /// Unix seconds after which the record no longer counts.
    until: i64,
    seq: u64,
}

impl Default for MemoryStore {
    fn default() -> Self {
        Self::new()
    }
}

fn secs(d: Duration) -> i64 {
    // Rounded up: a lease of 1.5 s lasts 2 s, never 1.
    i64::try_from(d.as_secs().saturating_add(u64::from(d.subsec_nanos() > 0))).unwrap_or(i64::MAX)
}

impl MemoryStore {
    /// An empty store of [`DEFAULT_CAPACITY`], on the system clock.
    pub fn new() -> Self {
        MemoryStore {
            inner: Mutex::new(Records::default()),
            capacity: DEFAULT_CAPACITY,
            clock: Arc::new(SystemClock),
        }
    }

    /// Remembers at most `capacity` deliveries (at least 1).
    #[must_use]
    pub fn capacity(mut self, capacity: usize) -> Self {
        self.capacity = capacity.max(1);
        self
    }

    /// Uses `clock` for leases and expiry (for tests).
    #[must_use]
    pub fn clock(mut self, clock: impl Clock + 'static) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    /// How many deliveries it remembers now, expired ones included until they are swept.
    pub fn len(&self) -> usize {
        self.records().by_qid.len()
    }

    /// Whether it remembers none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn records(&self) -> std::sync::MutexGuard<'_, Records> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn claim_now(&self, qid: &str, token: &str, lease: Duration) -> Result<Claim, StoreError> {
        let now = self.clock.now_unix();
        let mut r = self.records();
        if let Some(record) = r.by_qid.get(qid)
            && record.until >= now
        {
            return Ok(if record.token.is_none() {
                Claim::Completed
            } else {
                Claim::InProgress
            });
        }
        if !r.by_qid.contains_key(qid) && r.by_qid.len() >= self.capacity {
            r.make_room(now, self.capacity)?;
        }
        let seq = r.bump();
        let old = r.by_qid.insert(
            qid.to_owned(),
            Record {
                token: Some(token.to_owned()),
                until: now.saturating_add(secs(lease)),
                seq,
            },
        );
        if let Some(old) = old {
            r.completed.remove(&old.seq);
        }
        Ok(Claim::Claimed)
    }

    fn complete_now(&self, qid: &str, keep: Duration) {
        let now = self.clock.now_unix();
        let mut r = self.records();
        let seq = r.bump();
        let old = r.by_qid.insert(
            qid.to_owned(),
            Record {
                token: None,
                until: now.saturating_add(secs(keep)),
                seq,
            },
        );
        if let Some(old) = old {
            r.completed.remove(&old.seq);
        }
        r.completed.insert(seq, qid.to_owned());
        // A completion may come after its claim was evicted or expired: keep the bound anyway.
        while r.by_qid.len() > self.capacity {
            if r.evict_oldest_completed().is_none() {
                break;
            }
        }
    }

    fn release_now(&self, qid: &str, token: &str) {
        let mut r = self.records();
        if r.by_qid
            .get(qid)
            .is_some_and(|rec| rec.token.as_deref() == Some(token))
        {
            r.by_qid.remove(qid);
        }
    }
}

impl Records {
    fn bump(&mut self) -> u64 {
        self.next_seq += 1;
        self.next_seq
    }

    /// Drops expired records, then the oldest completed one if still full.
    fn make_room(&mut self, now: i64, capacity: usize) -> Result<(), StoreError> {
        let Records {
            by_qid, completed, ..
        } = self;
        by_qid.retain(|_, rec| {
            let keep = rec.until >= now;
            if !keep && rec.token.is_none() {
                completed.remove(&rec.seq);
            }
            keep
        });
        if by_qid.len() < capacity {
            return Ok(());
        }
        self.evict_oldest_completed().map(|_| ()).ok_or_else(|| {
            StoreError::new(format!(
                "all {capacity} places hold deliveries being handled now"
            ))
        })
    }

    fn evict_oldest_completed(&mut self) -> Option<String> {
        let (_, qid) = self.completed.pop_first()?;
        self.by_qid.remove(&qid);
        Some(qid)
    }
}

impl DeliveryStore for MemoryStore {
    fn claim<'a>(
        &'a self,
        qid: &'a str,
        token: &'a str,
        lease: Duration,
    ) -> StoreFuture<'a, Claim> {
        let claim = self.claim_now(qid, token, lease);
        Box::pin(std::future::ready(claim))
    }

    fn complete<'a>(
        &'a self,
        qid: &'a str,
        _token: &'a str,
        keep: Duration,
    ) -> StoreFuture<'a, ()> {
        self.complete_now(qid, keep);
        Box::pin(std::future::ready(Ok(())))
    }

    fn release<'a>(&'a self, qid: &'a str, token: &'a str) -> StoreFuture<'a, ()> {
        self.release_now(qid, token);
        Box::pin(std::future::ready(Ok(())))
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicI64, Ordering};

    use super::*;

    fn store(now: &Arc<AtomicI64>) -> MemoryStore {
        let now = Arc::clone(now);
        MemoryStore::new().clock(move || now.load(Ordering::SeqCst))
    }

    fn run<T>(f: StoreFuture<'_, T>) -> Result<T, StoreError> {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .map_err(StoreError::new)?
            .block_on(f)
    }

    const MIN: Duration = Duration::from_secs(60);

    #[test]
    fn claim_complete_release_and_lease() -> Result<(), StoreError> {
        let now = Arc::new(AtomicI64::new(1_000));
        let s = store(&now);
        assert_eq!(run(s.claim("q", "a", MIN))?, Claim::Claimed);
        assert_eq!(run(s.claim("q", "b", MIN))?, Claim::InProgress);
        // Another attempt cannot release a claim it does not hold.
        run(s.release("q", "b"))?;
        assert_eq!(run(s.claim("q", "b", MIN))?, Claim::InProgress);
        run(s.release("q", "a"))?;
        assert_eq!(run(s.claim("q", "b", MIN))?, Claim::Claimed);
        // The holder hangs: after the lease, the delivery is claimable again.
        now.store(1_061, Ordering::SeqCst);
        assert_eq!(run(s.claim("q", "c", MIN))?, Claim::Claimed);
        run(s.complete("q", "c", Duration::from_secs(100)))?;
        assert_eq!(run(s.claim("q", "d", MIN))?, Claim::Completed);
        // A release after completion keeps the completed record.
        run(s.release("q", "c"))?;
        assert_eq!(run(s.claim("q", "d", MIN))?, Claim::Completed);
        now.store(1_162, Ordering::SeqCst);
        assert_eq!(run(s.claim("q", "d", MIN))?, Claim::Claimed);
        Ok(())
    }

    #[test]
    fn bounded_by_evicting_the_oldest_completed() -> Result<(), StoreError> {
        let now = Arc::new(AtomicI64::new(1_000));
        let s = store(&now).capacity(3);
        for q in ["a", "b", "c"] {
            assert_eq!(run(s.claim(q, "t", MIN))?, Claim::Claimed);
        }
        // Full of claims in progress: retry later, nothing evicted.
        assert!(run(s.claim("d", "t", MIN)).is_err());
        run(s.complete("b", "t", MIN))?;
        run(s.complete("a", "t", MIN))?;
        assert_eq!(run(s.claim("d", "t", MIN))?, Claim::Claimed);
        assert_eq!(s.len(), 3);
        // "b" was completed first, so it went; "a" is still known.
        assert_eq!(run(s.claim("a", "u", MIN))?, Claim::Completed);
        for i in 0..1_000 {
            let q = format!("x{i}");
            run(s.claim(&q, "t", MIN))?;
            run(s.complete(&q, "t", MIN))?;
            assert!(s.len() <= 3);
        }
        Ok(())
    }
}
