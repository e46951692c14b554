//! Every statement the sync runs, on SQLite and on PostgreSQL: one SQL text for both where they
//! agree (`$1` parameters, `ON CONFLICT`, `RETURNING`), a [`Dialect`] constant where they do not.
//! Rows and the cursor that covers them are written in one transaction ([`Store::begin`]): SQLite's
//! `BEGIN IMMEDIATE`, or on PostgreSQL a transaction that first checks the lease's fencing token.

use std::collections::HashSet;
use std::hash::Hash;

use serde::Serialize;
use serde::de::DeserializeOwned;
use sqlx::{QueryBuilder, Sqlite, Transaction};

use crate::db::Database;
use crate::error::{Result, SyncError};
use crate::raw::RawItem;

/// Runs `$body` with `$c` bound to the variant's value and `$db` naming its sqlx database type:
/// the same statement text and binds, compiled once per backend.
macro_rules! per_backend {
    ($value:expr, $enum:ident, |$c:ident, $db:ident| $body:expr) => {
        match $value {
            $enum::Sqlite($c) => {
                type $db = sqlx::Sqlite;
                $body
            }
            #[cfg(feature = "postgres")]
            $enum::Postgres($c) => {
                type $db = sqlx::Postgres;
                $body
            }
        }
    };
    ($value:expr, $enum:ident, |$c:ident| $body:expr) => {
        match $value {
            $enum::Sqlite($c) => $body,
            #[cfg(feature = "postgres")]
            $enum::Postgres($c) => $body,
        }
    };
}
pub(crate) use per_backend;

/// What differs between the backends' SQL.
pub(crate) trait Dialect {
    /// Appended to the parameter of a `raw` column: PostgreSQL stores it as JSONB.
    const JSON: &'static str;
    /// Deletes `$3` of the entries of run `$1` at `$2` from `sync_requests` (a table without a key).
    const RELEASE_REQUESTS: &'static str;
}

impl Dialect for Sqlite {
    const JSON: &'static str = "";
    const RELEASE_REQUESTS: &'static str = "DELETE FROM sync_requests WHERE rowid IN \
        (SELECT rowid FROM sync_requests WHERE run_id = $1 AND at_ms = $2 LIMIT $3)";
}

#[cfg(feature = "postgres")]
impl Dialect for sqlx::Postgres {
    const JSON: &'static str = "::jsonb";
    const RELEASE_REQUESTS: &'static str = "DELETE FROM sync_requests WHERE ctid IN \
        (SELECT ctid FROM sync_requests WHERE run_id = $1 AND at_ms = $2 LIMIT $3)";
}

/// A write transaction.
pub(crate) enum Tx {
    Sqlite(Transaction<'static, Sqlite>),
    #[cfg(feature = "postgres")]
    Postgres(Transaction<'static, sqlx::Postgres>),
}

impl Tx {
    /// Commits: everything written in it becomes visible at once.
    pub(crate) async fn commit(self) -> Result<()> {
        per_backend!(self, Tx, |tx| tx.commit().await?);
        Ok(())
    }
}

/// `rows` with one row per key, the last of each: a statement must not upsert one key twice
/// (PostgreSQL refuses it), and the later item of a page is the one the vendor listed last.
fn last_per_key<T, K: Eq + Hash>(rows: &[T], key: impl Fn(&T) -> K) -> Vec<&T> {
    let mut seen = HashSet::with_capacity(rows.len());
    let mut kept: Vec<&T> = rows.iter().rev().filter(|r| seen.insert(key(r))).collect();
    kept.reverse();
    kept
}

/// Rows per multi-row `INSERT`: 18 columns each stays far below SQLite's 32,766 variables.
const ROWS_PER_STATEMENT: usize = 100;

/// When a batch of rows was read, and by which sweep: the same for every row of one page.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Stamp<'a> {
    /// Unix milliseconds of the read; an older read never overwrites a newer row.
    pub(crate) read_at: i64,
    /// RFC 3339 UTC of the read.
    pub(crate) at: &'a str,
    /// The sweep the rows were seen by (0: not a sweep).
    pub(crate) sweep: i64,
}

/// The typed columns of one playback, and its JSON as received.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct PlaybackRow {
    pub(crate) playback_id: i64,
    pub(crate) product_type: i64,
    pub(crate) room_id: i64,
    pub(crate) session_id: Option<i64>,
    pub(crate) version: i64,
    pub(crate) name: Option<String>,
    pub(crate) status: i64,
    pub(crate) publish_status: Option<i64>,
    pub(crate) video_id: Option<i64>,
    pub(crate) length: Option<i64>,
    pub(crate) create_time: Option<String>,
    pub(crate) create_unix: Option<i64>,
    pub(crate) raw: RawItem,
}

/// The typed columns of one play record, and its JSON as received.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct PlayRecordRow {
    pub(crate) guid: String,
    pub(crate) day: String,
    pub(crate) video_id: i64,
    pub(crate) uuid: Option<String>,
    pub(crate) user_name: Option<String>,
    pub(crate) user_number: Option<i64>,
    pub(crate) play_begin_time: Option<String>,
    pub(crate) play_end_time: Option<String>,
    pub(crate) play_length: Option<i64>,
    pub(crate) client_type: Option<i64>,
    pub(crate) user_ip: Option<String>,
    pub(crate) area: Option<String>,
    pub(crate) ext_data: Option<String>,
    pub(crate) date: Option<String>,
    pub(crate) raw: RawItem,
}

/// The statements, on one database, for one writer.
#[derive(Clone, Debug)]
pub(crate) struct Store {
    db: Database,
    /// The lease's fencing token this store writes under (PostgreSQL); `None` for readers.
    #[cfg(feature = "postgres")]
    fence: Option<i64>,
    /// Nanoseconds spent in [`Store::timed`] writes, shared by the clones of one store.
    write_nanos: std::sync::Arc<std::sync::atomic::AtomicU64>,
}

impl Store {
    pub(crate) fn new(db: Database) -> Self {
        Store {
            db,
            #[cfg(feature = "postgres")]
            fence: None,
            write_nanos: std::sync::Arc::default(),
        }
    }

    /// Runs `write` (a transaction writing rows read), adding its time to [`Store::write_time`].
    pub(crate) async fn timed<T>(&self, write: impl Future<Output = Result<T>>) -> Result<T> {
        let started = std::time::Instant::now();
        let result = write.await;
        let nanos = u64::try_from(started.elapsed().as_nanos()).unwrap_or(u64::MAX);
        self.write_nanos
            .fetch_add(nanos, std::sync::atomic::Ordering::Relaxed);
        result
    }

    /// The time spent in [`Store::timed`] writes so far.
    pub(crate) fn write_time(&self) -> std::time::Duration {
        std::time::Duration::from_nanos(self.write_nanos.load(std::sync::atomic::Ordering::Relaxed))
    }

    /// This store, writing only while the lease is `token`'s.
    #[cfg(feature = "postgres")]
    pub(crate) fn fenced(mut self, token: i64) -> Self {
        self.fence = Some(token);
        self
    }

    /// A write transaction. On SQLite it takes the write lock at once (`BEGIN IMMEDIATE`), so that
    /// it never fails half-way for a lock another writer took first. On PostgreSQL it checks the
    /// lease's token first (a superseded instance gets [`SyncError::Superseded`]).
    pub(crate) async fn begin(&self) -> Result<Tx> {
        match &self.db {
            Database::Sqlite(pool) => Ok(Tx::Sqlite(pool.begin_with("BEGIN IMMEDIATE").await?)),
            #[cfg(feature = "postgres")]
            Database::Postgres(pool) => {
                let mut tx = pool.begin().await?;
                if let Some(token) = self.fence {
                    crate::pg::fence(&mut tx, token).await?;
                }
                Ok(Tx::Postgres(tx))
            }
        }
    }

    /// A stream's cursor, or its default before the first run.
    pub(crate) async fn cursor<T: DeserializeOwned + Default>(&self, stream: &str) -> Result<T> {
        let state: Option<String> = per_backend!(&self.db, Database, |pool| {
            sqlx::query_scalar("SELECT state FROM sync_cursors WHERE stream = $1")
                .bind(stream)
                .fetch_optional(pool)
                .await?
        });
        match state {
            None => Ok(T::default()),
            Some(json) => serde_json::from_str(&json).map_err(|e| SyncError::State {
                what: format!("cursor of {stream}"),
                message: e.to_string(),
            }),
        }
    }

    /// Every cursor, for `sync status`.
    pub(crate) async fn cursors(&self) -> Result<Vec<(String, String, Option<i64>, String)>> {
        Ok(per_backend!(&self.db, Database, |pool| {
            sqlx::query_as(
                "SELECT stream, state, run_id, updated_at FROM sync_cursors ORDER BY stream",
            )
            .fetch_all(pool)
            .await?
        }))
    }

    /// Starts a run: its row, `running`.
    pub(crate) async fn start_run(&self, instance: &str, kind: &str, at: &str) -> Result<i64> {
        let mut tx = self.begin().await?;
        let id: i64 = per_backend!(&mut tx, Tx, |tx| {
            sqlx::query_scalar(
                "INSERT INTO sync_runs (instance, kind, status, started_at) \
                 VALUES ($1, $2, 'running', $3) RETURNING id",
            )
            .bind(instance)
            .bind(kind)
            .bind(at)
            .fetch_one(&mut **tx)
            .await?
        });
        tx.commit().await?;
        Ok(id)
    }

    /// Ends a run with `status` (`complete`, `error` or `interrupted`) and the exact number of
    /// requests it sent.
    pub(crate) async fn finish_run(
        &self,
        run: i64,
        status: &str,
        error: Option<&str>,
        (at, requests): (&str, u64),
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        per_backend!(&mut tx, Tx, |tx| {
            sqlx::query(
                "UPDATE sync_runs SET status = $1, error = $2, finished_at = $3, requests = $4 \
                 WHERE id = $5 AND status = 'running'",
            )
            .bind(status)
            .bind(error)
            .bind(at)
            .bind(i64::try_from(requests).unwrap_or(i64::MAX))
            .bind(run)
            .execute(&mut **tx)
            .await?;
        });
        tx.commit().await
    }

    /// Ends a run: releases its unsent reservations ([`Store::release_requests`], `reserved` is
    /// `(until_ms, count)`) and records its end ([`Store::finish_run`]). A database error is
    /// retried for about 15 s (a server restarting), a lost lease is not.
    pub(crate) async fn close_run(
        &self,
        run: i64,
        (until_ms, reserved): (i64, u32),
        (status, error): (&str, Option<&str>),
        end: (&str, u64),
    ) -> Result<()> {
        let mut wait = std::time::Duration::from_millis(250);
        let mut released = reserved == 0;
        loop {
            let attempt = async {
                if !released {
                    self.release_requests(until_ms, run, reserved).await?;
                    released = true;
                }
                self.finish_run(run, status, error, end).await
            };
            match attempt.await {
                Err(SyncError::Database(e)) if wait < std::time::Duration::from_secs(8) => {
                    tracing::warn!(error = %e, ?wait, "could not record the run's end; retrying");
                    tokio::time::sleep(wait).await;
                    wait *= 2;
                }
                other => return other,
            }
        }
    }

    /// Marks runs left `running` by a process that died (or lost the lease) as `interrupted`.
    /// Called only by the one writer (the lock file's or the lease's holder), so no other run can
    /// be alive.
    pub(crate) async fn interrupt_dead_runs(&self, at: &str) -> Result<u64> {
        let mut tx = self.begin().await?;
        let done = per_backend!(&mut tx, Tx, |tx| {
            sqlx::query(
                "UPDATE sync_runs SET status = 'interrupted', finished_at = $1, \
                 error = 'the process ended before the run did' WHERE status = 'running'",
            )
            .bind(at)
            .execute(&mut **tx)
            .await?
            .rows_affected()
        });
        tx.commit().await?;
        Ok(done)
    }

    /// Records, before they leave, that up to `count` requests are sent by `until_ms`: `count`
    /// entries at `until_ms`, the latest time any of them may leave, so a process that restarts
    /// after a crash counts them no earlier than they were sent. The run's request count grows by
    /// `count` (an upper bound until the run ends and records its exact count).
    pub(crate) async fn reserve_requests(&self, until_ms: i64, run: i64, count: u32) -> Result<()> {
        let mut tx = self.begin().await?;
        per_backend!(&mut tx, Tx, |tx, DB| {
            let mut q = QueryBuilder::<DB>::new("INSERT INTO sync_requests (at_ms, run_id) ");
            q.push_values(0..count, |mut b, _| {
                b.push_bind(until_ms).push_bind(run);
            });
            q.build().persistent(false).execute(&mut **tx).await?;
            sqlx::query("UPDATE sync_runs SET requests = requests + $1 WHERE id = $2")
                .bind(i64::from(count))
                .bind(run)
                .execute(&mut **tx)
                .await?;
        });
        tx.commit().await
    }

    /// Forgets `count` requests recorded by [`Store::reserve_requests`] at `until_ms` that a run
    /// that ended did not send.
    pub(crate) async fn release_requests(&self, until_ms: i64, run: i64, count: u32) -> Result<()> {
        let mut tx = self.begin().await?;
        per_backend!(&mut tx, Tx, |tx, DB| {
            sqlx::query(<DB as Dialect>::RELEASE_REQUESTS)
                .bind(run)
                .bind(until_ms)
                .bind(i64::from(count))
                .execute(&mut **tx)
                .await?;
        });
        tx.commit().await
    }

    /// The send times (unix ms) of the requests since `since_ms`, oldest first; older entries are
    /// removed.
    pub(crate) async fn recent_requests(&self, since_ms: i64) -> Result<Vec<i64>> {
        let mut tx = self.begin().await?;
        let times = per_backend!(&mut tx, Tx, |tx| {
            sqlx::query("DELETE FROM sync_requests WHERE at_ms < $1")
                .bind(since_ms)
                .execute(&mut **tx)
                .await?;
            sqlx::query_scalar("SELECT at_ms FROM sync_requests ORDER BY at_ms")
                .fetch_all(&mut **tx)
                .await?
        });
        tx.commit().await?;
        Ok(times)
    }

    /// The last `limit` runs, newest first.
    pub(crate) async fn runs(&self, limit: i64) -> Result<Vec<RunRow>> {
        Ok(per_backend!(&self.db, Database, |pool| {
            sqlx::query_as(
                "SELECT id, instance, kind, status, started_at, finished_at, requests, \
                 rows_written, error FROM sync_runs ORDER BY id DESC LIMIT $1",
            )
            .bind(limit)
            .fetch_all(pool)
            .await?
        }))
    }

    /// Rooms of `product_type` with rows not yet seen by sweep `sweep` (and not deleted), the
    /// candidates a completed sweep checks before marking anything deleted.
    pub(crate) async fn unseen_rooms(
        &self,
        product_type: i64,
        sweep: i64,
        limit: i64,
    ) -> Result<Vec<i64>> {
        Ok(per_backend!(&self.db, Database, |pool| {
            sqlx::query_scalar(
                "SELECT DISTINCT room_id FROM playbacks WHERE product_type = $1 \
                 AND deleted_at IS NULL AND seen_sweep < $2 ORDER BY room_id LIMIT $3",
            )
            .bind(product_type)
            .bind(sweep)
            .bind(limit)
            .fetch_all(pool)
            .await?
        }))
    }

    /// Rooms of `product_type` with a playback generating or transcoding (10, 20) created since
    /// `since_unix` and not read since `read_before_ms`: the ones re-read until final.
    pub(crate) async fn pending_rooms(
        &self,
        product_type: i64,
        since_unix: i64,
        read_before_ms: i64,
        limit: i64,
    ) -> Result<Vec<i64>> {
        Ok(per_backend!(&self.db, Database, |pool| {
            sqlx::query_scalar(
                "SELECT room_id FROM playbacks WHERE product_type = $1 AND deleted_at IS NULL \
                 AND status IN (10, 20) AND create_unix >= $2 AND read_at < $3 \
                 GROUP BY room_id ORDER BY MIN(read_at), room_id LIMIT $4",
            )
            .bind(product_type)
            .bind(since_unix)
            .bind(read_before_ms)
            .bind(limit)
            .fetch_all(pool)
            .await?
        }))
    }
}

/// One row of `sync_runs`.
#[derive(Clone, Debug, sqlx::FromRow, Serialize)]
pub(crate) struct RunRow {
    pub(crate) id: i64,
    pub(crate) instance: String,
    pub(crate) kind: String,
    pub(crate) status: String,
    pub(crate) started_at: String,
    pub(crate) finished_at: Option<String>,
    pub(crate) requests: i64,
    pub(crate) rows_written: i64,
    pub(crate) error: Option<String>,
}

/// Writes a stream's cursor, in the transaction of the rows it covers.
pub(crate) async fn save_cursor<T: Serialize>(
    tx: &mut Tx,
    stream: &str,
    state: &T,
    run: i64,
    at: &str,
) -> Result<()> {
    let json = serde_json::to_string(state).map_err(|e| SyncError::State {
        what: format!("cursor of {stream}"),
        message: e.to_string(),
    })?;
    per_backend!(tx, Tx, |tx| {
        sqlx::query(
            "INSERT INTO sync_cursors (stream, state, run_id, updated_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (stream) DO UPDATE SET state = excluded.state, \
             run_id = excluded.run_id, updated_at = excluded.updated_at",
        )
        .bind(stream)
        .bind(&json)
        .bind(run)
        .bind(at)
        .execute(&mut **tx)
        .await?;
    });
    Ok(())
}

/// Adds to a run's count of rows written, in the transaction that wrote them.
pub(crate) async fn count_rows(tx: &mut Tx, run: i64, rows: u64) -> Result<()> {
    per_backend!(tx, Tx, |tx| {
        sqlx::query("UPDATE sync_runs SET rows_written = rows_written + $1 WHERE id = $2")
            .bind(i64::try_from(rows).unwrap_or(i64::MAX))
            .bind(run)
            .execute(&mut **tx)
            .await?;
    });
    Ok(())
}

/// Inserts or updates playbacks. A row read earlier than the stored one changes nothing; a row
/// seen again is no longer deleted. Returns how many rows were inserted or updated.
pub(crate) async fn upsert_playbacks(
    tx: &mut Tx,
    rows: &[PlaybackRow],
    stamp: Stamp<'_>,
) -> Result<u64> {
    let rows = last_per_key(rows, |r| r.playback_id);
    let mut written = 0;
    for chunk in rows.chunks(ROWS_PER_STATEMENT) {
        written += per_backend!(&mut *tx, Tx, |tx, DB| {
            let mut q = QueryBuilder::<DB>::new(
                "INSERT INTO playbacks (playback_id, product_type, room_id, session_id, version, \
                 name, status, publish_status, video_id, length, create_time, create_unix, raw, \
                 read_at, first_seen_at, synced_at, deleted_at, seen_sweep) ",
            );
            q.push_values(chunk, |mut b, r| {
                b.push_bind(r.playback_id)
                    .push_bind(r.product_type)
                    .push_bind(r.room_id)
                    .push_bind(r.session_id)
                    .push_bind(r.version)
                    .push_bind(r.name.as_deref())
                    .push_bind(r.status)
                    .push_bind(r.publish_status)
                    .push_bind(r.video_id)
                    .push_bind(r.length)
                    .push_bind(r.create_time.as_deref())
                    .push_bind(r.create_unix)
                    .push_bind(r.raw.as_str())
                    .push_unseparated(<DB as Dialect>::JSON)
                    .push_bind(stamp.read_at)
                    .push_bind(stamp.at)
                    .push_bind(stamp.at)
                    .push_bind(None::<String>)
                    .push_bind(stamp.sweep);
            });
            q.push(
                " ON CONFLICT (playback_id) DO UPDATE SET product_type = excluded.product_type, \
                 room_id = excluded.room_id, session_id = excluded.session_id, \
                 version = excluded.version, name = excluded.name, status = excluded.status, \
                 publish_status = excluded.publish_status, video_id = excluded.video_id, \
                 length = excluded.length, create_time = excluded.create_time, \
                 create_unix = excluded.create_unix, raw = excluded.raw, \
                 read_at = excluded.read_at, synced_at = excluded.synced_at, deleted_at = NULL, \
                 seen_sweep = CASE WHEN excluded.seen_sweep > playbacks.seen_sweep \
                 THEN excluded.seen_sweep ELSE playbacks.seen_sweep END \
                 WHERE excluded.read_at >= playbacks.read_at",
            );
            // Only the full-size statement is worth keeping prepared: a statement per remainder
            // size would fill the statement cache with large, never reused statements.
            let query = q.build().persistent(chunk.len() == ROWS_PER_STATEMENT);
            query.execute(&mut **tx).await?.rows_affected()
        });
    }
    Ok(written)
}

/// Marks deleted the rows of `room` (in `product_type`) that sweep `sweep` did not see, unless
/// they were read after `stamp`. Returns how many.
pub(crate) async fn delete_unseen(
    tx: &mut Tx,
    product_type: i64,
    room: i64,
    stamp: Stamp<'_>,
) -> Result<u64> {
    Ok(per_backend!(tx, Tx, |tx| {
        sqlx::query(
            "UPDATE playbacks SET deleted_at = $1, synced_at = $1, read_at = $2 \
             WHERE product_type = $3 AND room_id = $4 AND deleted_at IS NULL \
             AND seen_sweep < $5 AND read_at <= $2",
        )
        .bind(stamp.at)
        .bind(stamp.read_at)
        .bind(product_type)
        .bind(room)
        .bind(stamp.sweep)
        .execute(&mut **tx)
        .await?
        .rows_affected()
    }))
}

/// Inserts or updates play records (the key is the play and its day). Returns how many rows were
/// inserted or updated.
pub(crate) async fn upsert_play_records(
    tx: &mut Tx,
    rows: &[PlayRecordRow],
    stamp: Stamp<'_>,
) -> Result<u64> {
    let rows = last_per_key(rows, |r| (r.day.clone(), r.guid.clone()));
    let mut written = 0;
    for chunk in rows.chunks(ROWS_PER_STATEMENT) {
        written += per_backend!(&mut *tx, Tx, |tx, DB| {
            let mut q = QueryBuilder::<DB>::new(
                "INSERT INTO play_records (guid, day, video_id, uuid, user_name, user_number, \
                 play_begin_time, play_end_time, play_length, client_type, user_ip, area, \
                 ext_data, date, raw, read_at, first_seen_at, synced_at) ",
            );
            q.push_values(chunk, |mut b, r| {
                b.push_bind(r.guid.as_str())
                    .push_bind(r.day.as_str())
                    .push_bind(r.video_id)
                    .push_bind(r.uuid.as_deref())
                    .push_bind(r.user_name.as_deref())
                    .push_bind(r.user_number)
                    .push_bind(r.play_begin_time.as_deref())
                    .push_bind(r.play_end_time.as_deref())
                    .push_bind(r.play_length)
                    .push_bind(r.client_type)
                    .push_bind(r.user_ip.as_deref())
                    .push_bind(r.area.as_deref())
                    .push_bind(r.ext_data.as_deref())
                    .push_bind(r.date.as_deref())
                    .push_bind(r.raw.as_str())
                    .push_unseparated(<DB as Dialect>::JSON)
                    .push_bind(stamp.read_at)
                    .push_bind(stamp.at)
                    .push_bind(stamp.at);
            });
            q.push(
                " ON CONFLICT (day, guid) DO UPDATE SET video_id = excluded.video_id, \
                 uuid = excluded.uuid, user_name = excluded.user_name, \
                 user_number = excluded.user_number, play_begin_time = excluded.play_begin_time, \
                 play_end_time = excluded.play_end_time, play_length = excluded.play_length, \
                 client_type = excluded.client_type, user_ip = excluded.user_ip, \
                 area = excluded.area, ext_data = excluded.ext_data, date = excluded.date, \
                 raw = excluded.raw, read_at = excluded.read_at, synced_at = excluded.synced_at \
                 WHERE excluded.read_at >= play_records.read_at",
            );
            let query = q.build().persistent(chunk.len() == ROWS_PER_STATEMENT);
            query.execute(&mut **tx).await?.rows_affected()
        });
    }
    Ok(written)
}

/// Keeps an item that cannot be stored in its table, as received, with the reason. An item kept
/// already is not kept twice.
pub(crate) async fn reject(
    tx: &mut Tx,
    stream: &str,
    reason: &str,
    raw: &str,
    at: &str,
) -> Result<u64> {
    Ok(per_backend!(tx, Tx, |tx| {
        sqlx::query(
            "INSERT INTO sync_rejects (stream, reason, raw, seen_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT DO NOTHING",
        )
        .bind(stream)
        .bind(reason)
        .bind(raw)
        .bind(at)
        .execute(&mut **tx)
        .await?
        .rows_affected()
    }))
}
