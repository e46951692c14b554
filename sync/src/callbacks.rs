//! Callbacks into the database: each verified event stored once in `callback_events`, with the
//! delivery records of the client's [`DeliveryStore`] in the same database
//! (`callback_deliveries`), so that any number of receivers on one database handle each delivery
//! once; and the targeted refresh, by the syncing instance, of the rooms those events name.
//!
//! * [`SqlDeliveryStore`]: the [`DeliveryStore`] on SQL, for SQLite and PostgreSQL, and
//!   [`SqlDeliveryStore::store_event`], which stores an event and completes its delivery in one
//!   transaction.
//! * With the `callbacks` feature, `CallbackReceiver`: the receiver to mount in an axum
//!   application (`POST /callback`), or to serve on its own (`baijiayun sync --callbacks ADDR`).
//! * The sync re-reads the room of every event not refreshed yet (`refreshed_at IS NULL`) before
//!   and after each run and every few seconds between runs, through its budget, with the same
//!   upsert as its runs (a row read earlier never overwrites one read later), and sets
//!   `refreshed_at` in the transaction of the rows.
//!
//! # Atomicity
//! Every method is one statement or one transaction. SQLite: `BEGIN IMMEDIATE` (the write lock
//! first, on the pool's one connection), so a transaction never fails half-way for a lock another
//! writer took, and two claims never interleave. PostgreSQL: the claim is one `INSERT ... ON
//! CONFLICT DO UPDATE ... WHERE expired RETURNING`, which locks the row it conflicts with: of two
//! concurrent claims of one `qid`, the second waits for the first and then finds it unexpired.
//! Expiry uses the database's clock, so the receivers' clocks do not matter.
//!
//! A stored event is never lost and never stored twice: the event's row (`qid` UNIQUE, `ON
//! CONFLICT DO NOTHING`) and its completed delivery record commit together (SQLite: one
//! transaction; PostgreSQL: one statement, the two inserts as data-modifying `WITH` parts), before
//! `{"code":0}` is answered. A failure before the commit releases the claim and asks the vendor to retry.

use std::collections::HashSet;
use std::fmt;
use std::sync::Mutex;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, SystemTime};

use baijiayun::callback::{
    Callback, CallbackEvent, Claim, DEFAULT_TOLERANCE, DeliveryStore, StoreError, StoreFuture,
    TranscodeEvent,
};

use crate::db::Database;
use crate::error::Result;
use crate::time::{rfc3339, unix_ms};

#[cfg(feature = "callbacks")]
mod receiver;
pub(crate) mod refresh;

#[cfg(feature = "callbacks")]
pub use receiver::CallbackReceiver;

use crate::store::per_backend;

/// How long a completed delivery is remembered unless said otherwise: twice the verifier's default
/// tolerance, as the verifier's own default.
pub const DEFAULT_KEEP: Duration = Duration::from_secs(2 * DEFAULT_TOLERANCE.as_secs());

/// How often a store deletes the expired delivery records (at most; on the next claim after).
const SWEEP_EVERY_MS: i64 = 60_000;

/// Expired records deleted per statement, so that a sweep never holds many locks for long.
const SWEEP_BATCH: i64 = 1_000;

/// Remembered `qid`s stored by [`SqlDeliveryStore::store_event`] whose `complete` has not come yet.
const JUST_STORED_MAX: usize = 10_000;

/// The statements of one backend; they differ only in how they read the database's clock.
struct Statements {
    claim: &'static str,
    complete: &'static str,
    sweep: &'static str,
}

macro_rules! statements {
    ($now:literal) => {
        Statements {
            claim: concat!(
                "INSERT INTO callback_deliveries (qid, token, completed, expires_ms) \
                 VALUES ($1, $2, FALSE, ",
                $now,
                " + $3) ON CONFLICT (qid) DO UPDATE SET token = excluded.token, \
                 completed = FALSE, expires_ms = excluded.expires_ms \
                 WHERE callback_deliveries.expires_ms < ",
                $now,
                " RETURNING qid"
            ),
            complete: concat!(
                "INSERT INTO callback_deliveries (qid, token, completed, expires_ms) \
                 VALUES ($1, $2, TRUE, ",
                $now,
                " + $3) ON CONFLICT (qid) DO UPDATE SET completed = TRUE, \
                 expires_ms = excluded.expires_ms"
            ),
            sweep: concat!(
                "DELETE FROM callback_deliveries WHERE qid IN (SELECT qid FROM \
                 callback_deliveries WHERE expires_ms < ",
                $now,
                " LIMIT $1)"
            ),
        }
    };
}

/// SQLite's clock in unix ms.
const SQLITE: Statements =
    statements!("CAST((julianday('now') - 2440587.5) * 86400000.0 AS INTEGER)");

/// PostgreSQL's clock in unix ms (`clock_timestamp()`: the time now, not the transaction's start).
#[cfg(feature = "postgres")]
const POSTGRES: Statements =
    statements!("CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000 AS BIGINT)");

const SELECT_COMPLETED: &str = "SELECT completed FROM callback_deliveries WHERE qid = $1";
const RELEASE: &str =
    "DELETE FROM callback_deliveries WHERE qid = $1 AND token = $2 AND NOT completed";
const INSERT_EVENT: &str = "INSERT INTO callback_events (qid, kind, room_id, session_id, \
     video_id, body, received_at) VALUES ($1, $2, $3, $4, $5, $6, $7) \
     ON CONFLICT (qid) DO NOTHING";

/// PostgreSQL: the event and its completed delivery record in one statement (the data-modifying
/// `WITH` parts commit together, or not at all), one round trip. Returns 1 for a new event.
#[cfg(feature = "postgres")]
const PG_STORE_EVENT: &str = "WITH event AS (INSERT INTO callback_events (qid, kind, room_id, \
     session_id, video_id, body, received_at) VALUES ($1, $2, $3, $4, $5, $6, $7) \
     ON CONFLICT (qid) DO NOTHING RETURNING 1), \
     delivery AS (INSERT INTO callback_deliveries (qid, token, completed, expires_ms) \
     VALUES ($1, '', TRUE, CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000 AS BIGINT) + $8) \
     ON CONFLICT (qid) DO UPDATE SET completed = TRUE, expires_ms = excluded.expires_ms \
     RETURNING 1) \
     SELECT COUNT(*) FROM event";

/// Claims on one executor: the upsert decides; when it did not claim, `completed` says why.
macro_rules! claim_on {
    ($st:expr, $ex:expr, $qid:expr, $token:expr, $lease:expr) => {{
        let claimed: Option<String> = sqlx::query_scalar($st.claim)
            .bind($qid)
            .bind($token)
            .bind(millis($lease))
            .fetch_optional($ex)
            .await?;
        if claimed.is_some() {
            Claim::Claimed
        } else {
            let completed: Option<bool> = sqlx::query_scalar(SELECT_COMPLETED)
                .bind($qid)
                .fetch_optional($ex)
                .await?;
            match completed {
                Some(true) => Claim::Completed,
                // Held by another attempt (or released a moment ago: retry).
                _ => Claim::InProgress,
            }
        }
    }};
}

/// What [`SqlDeliveryStore::store_event`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Stored {
    /// The event is new: stored now.
    New,
    /// An event of this `qid` was stored already (a delivery whose first attempt stored it and
    /// then outlived its claim): not stored again.
    Duplicate,
}

/// One verified event, as `callback_events` holds it.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct EventRow {
    /// The delivery's id.
    pub qid: String,
    /// What kind of event ([`event_kind`]).
    pub kind: String,
    /// The room it names.
    pub room_id: Option<i64>,
    /// The session it names (`None` for none, the vendor's 0).
    pub session_id: Option<i64>,
    /// The video it names.
    pub video_id: Option<i64>,
    /// The body as received.
    pub body: String,
}

impl EventRow {
    /// The row of a verified callback whose request body (or, when empty, query string) was
    /// `body`.
    pub fn new(callback: &Callback, body: &str) -> EventRow {
        let id = |name: &str| {
            callback
                .fields
                .get(name)
                .and_then(|v| v.trim().parse::<i64>().ok())
        };
        EventRow {
            qid: callback.qid().to_owned(),
            kind: event_kind(&callback.event).to_owned(),
            room_id: id("room_id").filter(|&r| r > 0),
            session_id: id("session_id").filter(|&s| s != 0),
            video_id: id("video_id").filter(|&v| v > 0),
            body: body.to_owned(),
        }
    }
}

/// The `kind` column of an event: `transcode_started`, `transcode_failed`, `transcode_succeeded`,
/// `transcode_other` (a status the spec does not know), `pure_video`, `main_version`, or
/// `unknown`.
pub fn event_kind(event: &CallbackEvent) -> &'static str {
    match event {
        CallbackEvent::Transcode(TranscodeEvent::Started(_)) => "transcode_started",
        CallbackEvent::Transcode(TranscodeEvent::Failed(_)) => "transcode_failed",
        CallbackEvent::Transcode(TranscodeEvent::Succeeded(_)) => "transcode_succeeded",
        CallbackEvent::Transcode(_) => "transcode_other",
        CallbackEvent::PureVideo(_) => "pure_video",
        CallbackEvent::MainVersion(_) => "main_version",
        _ => "unknown",
    }
}

/// The client's [`DeliveryStore`] on the sync's database (`callback_deliveries`), SQLite or
/// PostgreSQL: any number of receivers on one database handle each delivery once (module docs).
///
/// ```no_run
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// use baijiayun::callback::Verifier;
/// use baijiayun_sync::Database;
/// use baijiayun_sync::callbacks::SqlDeliveryStore;
///
/// let db = Database::open("sqlite://baijiayun.db").await?;
/// let verifier = Verifier::new("partner-key").store(SqlDeliveryStore::new(db));
/// # let _ = verifier;
/// # Ok(())
/// # }
/// ```
pub struct SqlDeliveryStore {
    db: Database,
    keep: Duration,
    /// When expired records were last deleted (unix ms).
    last_sweep_ms: AtomicI64,
    /// `qid`s completed by [`SqlDeliveryStore::store_event`], whose `complete` is then a no-op.
    just_stored: Mutex<HashSet<String>>,
}

impl fmt::Debug for SqlDeliveryStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SqlDeliveryStore")
            .field("db", &self.db)
            .field("keep", &self.keep)
            .finish_non_exhaustive()
    }
}

fn millis(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX / 4)
}

impl SqlDeliveryStore {
    /// A store in `db` (its migrations create the tables). Completed deliveries that
    /// [`SqlDeliveryStore::store_event`] records are kept for [`DEFAULT_KEEP`].
    pub fn new(db: Database) -> SqlDeliveryStore {
        SqlDeliveryStore {
            db,
            keep: DEFAULT_KEEP,
            last_sweep_ms: AtomicI64::new(0),
            just_stored: Mutex::new(HashSet::new()),
        }
    }

    /// How long [`SqlDeliveryStore::store_event`] keeps a completed delivery: set it to the
    /// verifier's [`keep_completed`](baijiayun::callback::Verifier::keep_completed).
    #[must_use]
    pub fn keep_completed(mut self, keep: Duration) -> Self {
        self.keep = keep;
        self
    }

    /// The database.
    pub fn database(&self) -> &Database {
        &self.db
    }

    fn statements(&self) -> &'static Statements {
        match &self.db {
            Database::Sqlite(_) => &SQLITE,
            #[cfg(feature = "postgres")]
            Database::Postgres(_) => &POSTGRES,
        }
    }

    /// Stores `event` in `callback_events` and records its delivery completed (kept for
    /// [`SqlDeliveryStore::keep_completed`]), in one transaction: the event is stored once
    /// whoever else holds or held a claim on it. The claim's `complete` that follows (as
    /// [`Claimed::complete`](baijiayun::callback::Claimed::complete) does) then writes nothing.
    pub async fn store_event(&self, event: &EventRow) -> Result<Stored> {
        let at = rfc3339(SystemTime::now());
        let st = self.statements();
        let keep = millis(self.keep);
        let inserted: u64 = match &self.db {
            Database::Sqlite(pool) => {
                let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
                let inserted = sqlx::query(INSERT_EVENT)
                    .bind(&event.qid)
                    .bind(&event.kind)
                    .bind(event.room_id)
                    .bind(event.session_id)
                    .bind(event.video_id)
                    .bind(&event.body)
                    .bind(&at)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                sqlx::query(st.complete)
                    .bind(&event.qid)
                    .bind("")
                    .bind(keep)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                inserted
            }
            #[cfg(feature = "postgres")]
            Database::Postgres(pool) => {
                let inserted: i64 = sqlx::query_scalar(PG_STORE_EVENT)
                    .bind(&event.qid)
                    .bind(&event.kind)
                    .bind(event.room_id)
                    .bind(event.session_id)
                    .bind(event.video_id)
                    .bind(&event.body)
                    .bind(&at)
                    .bind(keep)
                    .fetch_one(pool)
                    .await?;
                u64::try_from(inserted).unwrap_or(0)
            }
        };
        let mut just = self
            .just_stored
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if just.len() >= JUST_STORED_MAX {
            just.clear();
        }
        just.insert(event.qid.clone());
        Ok(if inserted == 1 {
            Stored::New
        } else {
            Stored::Duplicate
        })
    }

    /// Deletes expired delivery records (claims that lapsed, completed records past their keep),
    /// up to `limit`. Claims do this by themselves about once a minute. Returns how many.
    pub async fn sweep_expired(&self, limit: i64) -> Result<u64> {
        let st = self.statements();
        Ok(per_backend!(&self.db, Database, |pool| {
            sqlx::query(st.sweep)
                .bind(limit)
                .execute(pool)
                .await?
                .rows_affected()
        }))
    }

    /// Sweeps when the last sweep is a minute old (one caller at a time); failures are logged.
    async fn maybe_sweep(&self) {
        let now = unix_ms(SystemTime::now());
        let last = self.last_sweep_ms.load(Ordering::Relaxed);
        if now - last < SWEEP_EVERY_MS
            || self
                .last_sweep_ms
                .compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed)
                .is_err()
        {
            return;
        }
        match self.sweep_expired(SWEEP_BATCH).await {
            Ok(0) => {}
            Ok(n) => tracing::debug!(deleted = n, "expired callback delivery records deleted"),
            Err(e) => {
                tracing::warn!(error = %e, "could not delete expired callback delivery records")
            }
        }
    }

    async fn claim_now(&self, qid: &str, token: &str, lease: Duration) -> Result<Claim> {
        let st = self.statements();
        let claim = match &self.db {
            // One transaction, the write lock first.
            Database::Sqlite(pool) => {
                let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
                let claim = claim_on!(st, &mut *tx, qid, token, lease);
                tx.commit().await?;
                claim
            }
            // The upsert alone decides (it locks the row it conflicts with); the read that
            // follows only says why it did not claim.
            #[cfg(feature = "postgres")]
            Database::Postgres(pool) => claim_on!(st, pool, qid, token, lease),
        };
        self.maybe_sweep().await;
        Ok(claim)
    }

    async fn complete_now(&self, qid: &str, token: &str, keep: Duration) -> Result<()> {
        let stored = self
            .just_stored
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .remove(qid);
        if stored {
            return Ok(());
        }
        let st = self.statements();
        per_backend!(&self.db, Database, |pool| {
            sqlx::query(st.complete)
                .bind(qid)
                .bind(token)
                .bind(millis(keep))
                .execute(pool)
                .await?;
        });
        Ok(())
    }

    async fn release_now(&self, qid: &str, token: &str) -> Result<()> {
        per_backend!(&self.db, Database, |pool| {
            sqlx::query(RELEASE)
                .bind(qid)
                .bind(token)
                .execute(pool)
                .await?;
        });
        Ok(())
    }
}

impl DeliveryStore for SqlDeliveryStore {
    fn claim<'a>(
        &'a self,
        qid: &'a str,
        token: &'a str,
        lease: Duration,
    ) -> StoreFuture<'a, Claim> {
        Box::pin(async move {
            self.claim_now(qid, token, lease)
                .await
                .map_err(StoreError::new)
        })
    }

    fn complete<'a>(&'a self, qid: &'a str, token: &'a str, keep: Duration) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            self.complete_now(qid, token, keep)
                .await
                .map_err(StoreError::new)
        })
    }

    fn release<'a>(&'a self, qid: &'a str, token: &'a str) -> StoreFuture<'a, ()> {
        Box::pin(async move { self.release_now(qid, token).await.map_err(StoreError::new) })
    }
}
