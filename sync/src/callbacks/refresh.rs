//! The targeted refresh: the rooms that stored callback events name (`refreshed_at IS NULL`) are
//! read again (the playback list filtered by `room_id`) by the instance that may write (SQLite's
//! one sync, PostgreSQL's lease holder), through the run's call path (budget, request log,
//! retries), and written with the runs' upsert: a row read earlier never overwrites a row read
//! later. The events' `refreshed_at` is set in the transaction of the rows, for the events that
//! had arrived when the read started; a later event of the same room is refreshed again.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use baijiayun::RetryPolicy;
use baijiayun::types::ProductType;
use tokio::sync::watch;
use tokio::time::Instant;

use crate::budget::Budget;
use crate::db::Database;
use crate::error::{Result, SyncError};
use crate::playbacks;
use crate::report::StreamReport;
use crate::store::{self, Stamp, Tx, per_backend};
use crate::syncer::{Ctx, Syncer};
use crate::time::{rfc3339, unix_ms};
use crate::writer::Writer;

/// Rooms re-read per pass.
const ROOMS_PER_PASS: i64 = 100;

/// How often the syncer looks for events to refresh between runs.
pub(crate) const POLL: Duration = Duration::from_secs(2);

/// Whether any stored event names a room not re-read since.
async fn any_pending(db: &Database) -> Result<bool> {
    let found: Option<i64> = per_backend!(db, Database, |pool| {
        sqlx::query_scalar(
            "SELECT room_id FROM callback_events WHERE refreshed_at IS NULL \
             AND room_id IS NOT NULL LIMIT 1",
        )
        .fetch_optional(pool)
        .await?
    });
    Ok(found.is_some())
}

/// Rooms with events not refreshed, oldest event first, with the newest such event's id.
async fn pending_rooms(db: &Database, limit: i64) -> Result<Vec<(i64, i64)>> {
    Ok(per_backend!(db, Database, |pool| {
        sqlx::query_as(
            "SELECT room_id, MAX(id) FROM callback_events WHERE refreshed_at IS NULL \
             AND room_id IS NOT NULL GROUP BY room_id ORDER BY MIN(id) LIMIT $1",
        )
        .bind(limit)
        .fetch_all(pool)
        .await?
    }))
}

/// The product lines the room's playbacks were listed in.
async fn product_types_of(db: &Database, room: i64) -> Result<Vec<i64>> {
    Ok(per_backend!(db, Database, |pool| {
        sqlx::query_scalar(
            "SELECT DISTINCT product_type FROM playbacks WHERE room_id = $1 ORDER BY product_type",
        )
        .bind(room)
        .fetch_all(pool)
        .await?
    }))
}

/// Sets `refreshed_at` on the events of `room` up to `up_to`, in the rows' transaction.
async fn mark_refreshed(tx: &mut Tx, room: i64, up_to: i64, at: &str) -> Result<u64> {
    Ok(per_backend!(tx, Tx, |tx| {
        sqlx::query(
            "UPDATE callback_events SET refreshed_at = $1 WHERE room_id = $2 AND id <= $3 \
             AND refreshed_at IS NULL",
        )
        .bind(at)
        .bind(room)
        .bind(up_to)
        .execute(&mut **tx)
        .await?
        .rows_affected()
    }))
}

/// One pass: re-reads up to [`ROOMS_PER_PASS`] rooms that events name. Returns the rows written.
pub(crate) async fn refresh(ctx: &mut Ctx<'_>, db: &Database) -> Result<u64> {
    if !ctx.settings.playbacks {
        return Ok(0);
    }
    let rooms = pending_rooms(db, ROOMS_PER_PASS).await?;
    let mut written = 0;
    for (room, up_to) in rooms {
        ctx.check_stop()?;
        let known: Vec<ProductType> = product_types_of(db, room)
            .await?
            .into_iter()
            .map(ProductType::from)
            .filter(|pt| ctx.settings.product_types.contains(pt))
            .collect();
        // A room the sync has not listed yet: its product line is unknown, so each is asked.
        let types = if known.is_empty() {
            ctx.settings.product_types.clone()
        } else {
            known
        };
        let mut reads = Vec::with_capacity(types.len());
        for pt in types {
            reads.push((pt, playbacks::read_one_room(ctx, pt, room).await?));
        }
        let at = rfc3339(ctx.now());
        let mut tx = ctx.store.begin().await?;
        let mut rows = 0;
        for (pt, (playbacks, rejects, read_at)) in &reads {
            let read_text = rfc3339(*read_at);
            let stamp = Stamp {
                read_at: unix_ms(*read_at),
                at: &read_text,
                sweep: 0,
            };
            rows += store::upsert_playbacks(&mut tx, playbacks, stamp).await?;
            let stream = playbacks::stream_name(*pt);
            for (reason, raw) in rejects {
                rows += store::reject(&mut tx, &stream, reason, raw, &read_text).await?;
            }
        }
        mark_refreshed(&mut tx, room, up_to, &at).await?;
        if ctx.run_id > 0 {
            store::count_rows(&mut tx, ctx.run_id, rows).await?;
        }
        tx.commit().await?;
        tracing::debug!(room, rows, "room refreshed for its callbacks");
        if let Some((pt, _)) = reads.first() {
            let mut report = StreamReport {
                stream: playbacks::stream_name(*pt),
                ..StreamReport::default()
            };
            ctx.written(&mut report, rows);
        }
        written += rows;
    }
    Ok(written)
}

impl Syncer {
    /// Between runs, as the writer `held`: one refresh pass with a budget of its own (seeded from
    /// the request log, as a run's is). Its requests are logged with run 0.
    async fn refresh_between_runs(
        &self,
        held: &Writer,
        stop: watch::Receiver<bool>,
    ) -> Result<u64> {
        if !self.settings.playbacks || !any_pending(&self.db).await? {
            return Ok(0);
        }
        let s = &self.settings;
        let store = held.store(&self.db);
        let now = s.clock.now();
        let mut budget = Budget::new(s.account_limit, s.budget)?;
        budget.seed(
            store
                .recent_requests(unix_ms(now) - budget.window_ms())
                .await?,
        );
        let mut ctx = Ctx {
            client: self.client.with_retry(RetryPolicy::none()),
            store: store.clone(),
            settings: s,
            budget,
            stop,
            run_id: 0,
            started_ms: unix_ms(now),
            requests: 0,
            rows: 0,
            reserved: 0,
            reserved_until_ms: 0,
        };
        let result = refresh(&mut ctx, &self.db).await;
        if ctx.reserved > 0 {
            store
                .release_requests(ctx.reserved_until_ms, 0, ctx.reserved)
                .await?;
        }
        result
    }

    /// Waits until `until`, refreshing every [`POLL`] the rooms callbacks named while this
    /// instance may write. `true` when `shutdown` completed.
    pub(crate) async fn wait_refreshing<F: Future<Output = ()>>(
        &self,
        until: Instant,
        held: &mut Option<Writer>,
        stop: &watch::Receiver<bool>,
        mut shutdown: Pin<&mut F>,
    ) -> bool {
        loop {
            let wake = until.min(Instant::now() + POLL);
            tokio::select! {
                () = tokio::time::sleep_until(wake) => {}
                () = shutdown.as_mut() => return true,
            }
            if wake >= until {
                return false;
            }
            let Some(writer) = held.as_ref().filter(|w| !w.lost()) else {
                continue;
            };
            let refreshed = tokio::select! {
                r = self.refresh_between_runs(writer, stop.clone()) => r,
                () = shutdown.as_mut() => return true,
            };
            match refreshed {
                Ok(_) => {}
                Err(SyncError::Superseded(why)) => {
                    tracing::warn!(%why, "superseded; standing by");
                    *held = None;
                    return false;
                }
                Err(e) => tracing::warn!(error = %e, "refreshing the rooms callbacks named failed"),
            }
        }
    }
}
