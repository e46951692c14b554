//! The playbacks of one product line: `playbacks/<product type>`.
//!
//! The list (API 2, `crop_video=1`) is newest first, pages by number only, and has no "changed
//! since" parameter. So:
//!
//! * An **incremental** run reads from the newest page until a whole page is older than the
//!   high-water mark (the newest create time a finished pass saw) minus a lag. The mark moves in
//!   the transaction of the pass's last page, so a pass killed half-way is read again from page 1.
//! * A **full sweep** reads every page and checkpoints the next page with each page's rows, so a
//!   killed sweep resumes where it stopped. Every row it reads is stamped with the sweep's number.
//!   Deletions mid-sweep shift later items onto pages already read, so a row the sweep did not see
//!   may still exist: before anything is marked deleted, each room with unseen rows is read on its
//!   own (the list filtered by `room_id`, which no shift affects), and only rows that read does not
//!   return (or whose room the vendor reports unknown or deleted) get `deleted_at`. Insertions
//!   mid-sweep only shift items onto later pages, where they are read twice, harmlessly.
//! * Playbacks still generating or transcoding (10, 20) are re-read each run, a room at a
//!   time, until they are ready or failed.

use std::collections::HashSet;
use std::time::SystemTime;

use baijiayun::playback::GetListRequest;
use baijiayun::types::{ErrorCode, Playback, ProductType};
use serde::{Deserialize, Serialize};

use crate::error::{Result, SyncError};
use crate::raw::{self, RawItem};
use crate::report::StreamReport;
use crate::store::{self, PlaybackRow, Stamp, Store};
use crate::syncer::{Ctx, Settings};
use crate::time::{rfc3339, unix_ms, unix_secs, vendor_text};

/// Rooms checked per query while a sweep verifies what it did not see.
const VERIFY_BATCH: i64 = 100;

/// The cursor of one product line, `sync_cursors.state` (documented in SCHEMA.md).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub(crate) struct Cursor {
    /// The newest create time (unix seconds) a finished pass saw.
    pub(crate) high_water: Option<i64>,
    /// The number of the last completed sweep.
    pub(crate) sweeps_done: i64,
    /// When it completed (unix ms).
    pub(crate) last_sweep_at_ms: Option<i64>,
    /// Incremental runs since.
    pub(crate) runs_since_sweep: u32,
    /// The sweep under way, if one was interrupted.
    pub(crate) sweep: Option<Sweep>,
}

/// A sweep under way.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub(crate) struct Sweep {
    /// Its number.
    pub(crate) id: i64,
    /// The next page to read.
    pub(crate) next_page: i64,
    /// The page size `next_page` counts in (absent in cursors written before it was recorded).
    pub(crate) page_size: Option<i64>,
    /// Every page was read; what remains is verifying the rows not seen.
    pub(crate) listed: bool,
    /// The newest create time seen so far.
    pub(crate) high_water: Option<i64>,
}

/// What a run does for one product line.
#[derive(Clone, Debug)]
pub(crate) struct Plan {
    pub(crate) stream: String,
    product_type: ProductType,
    pub(crate) full: bool,
    cursor: Cursor,
}

/// The stream name of a product line.
pub(crate) fn stream_name(product_type: ProductType) -> String {
    format!("playbacks/{}", i64::from(product_type))
}

/// Decides, for each product line, whether this run sweeps.
pub(crate) async fn plan(store: &Store, s: &Settings, now: SystemTime) -> Result<Vec<Plan>> {
    let mut plans = Vec::new();
    for &product_type in &s.product_types {
        let stream = stream_name(product_type);
        let cursor: Cursor = store.cursor(&stream).await?;
        let age_ms = cursor
            .last_sweep_at_ms
            .map(|at| unix_ms(now).saturating_sub(at));
        let full_every_ms = i64::try_from(s.full_every.as_millis()).unwrap_or(i64::MAX);
        let full = s.full
            || cursor.sweep.is_some()
            || cursor.sweeps_done == 0
            || age_ms.is_none_or(|age| age >= full_every_ms)
            || (s.full_every_runs > 0 && cursor.runs_since_sweep >= s.full_every_runs);
        plans.push(Plan {
            stream,
            product_type,
            full,
            cursor,
        });
    }
    Ok(plans)
}

/// Reads one product line as planned.
pub(crate) async fn run(ctx: &mut Ctx<'_>, plan: Plan, report: &mut StreamReport) -> Result<()> {
    if plan.full {
        sweep(ctx, &plan, report).await?;
    } else {
        incremental(ctx, &plan, report).await?;
    }
    refresh_pending(ctx, &plan, report).await?;
    report.complete = true;
    Ok(())
}

/// One page of the list, read.
struct Page {
    rows: Vec<PlaybackRow>,
    rejects: Vec<(String, String)>,
    /// Items on the page, rejects included.
    count: usize,
    total: i64,
    read_at: SystemTime,
}

impl Page {
    fn newest(&self) -> Option<i64> {
        self.rows.iter().filter_map(|r| r.create_unix).max()
    }

    /// Whether this is the last page of `page_size` items.
    fn is_last(&self, page: i64, page_size: i64) -> bool {
        let count = i64::try_from(self.count).unwrap_or(i64::MAX);
        count < page_size || (self.total > 0 && page.saturating_mul(page_size) >= self.total)
    }
}

/// Reads page `page` of the list (of one room, with `room`).
async fn read_page(ctx: &mut Ctx<'_>, plan: &Plan, page: i64, room: Option<i64>) -> Result<Page> {
    let request = GetListRequest::new(plan.product_type, page, ctx.settings.page_size)
        .crop_video(true)
        .set_room_id(room.map(Into::into));
    let answer = ctx.call(&request).await?;
    let read_at = ctx.now();
    let items = raw::items(&plan.stream, &answer.body, answer.data.list.len())?;
    let mut rows = Vec::with_capacity(items.len());
    let mut rejects = Vec::new();
    let count = items.len();
    let product_type = i64::from(plan.product_type);
    for (playback, raw) in answer.data.list.iter().zip(items) {
        match row(product_type, playback, raw) {
            Ok(row) => rows.push(row),
            Err(reject) => rejects.push(reject),
        }
    }
    Ok(Page {
        rows,
        rejects,
        count,
        total: answer.data.total,
        read_at,
    })
}

/// The row of one listed playback, or why it cannot be stored (with its JSON).
fn row(
    product_type: i64,
    p: &Playback,
    raw: RawItem,
) -> std::result::Result<PlaybackRow, (String, String)> {
    let Some(playback_id) = p.playback_id else {
        return Err(("the item has no playback_id".to_owned(), raw.into()));
    };
    Ok(PlaybackRow {
        playback_id,
        product_type,
        room_id: p.room_id.into(),
        session_id: p.session_id.map(Into::into),
        version: p.version.unwrap_or(0),
        name: p.name.clone(),
        status: p.status.into(),
        publish_status: p.publish_status.map(Into::into),
        video_id: p.video_id.map(Into::into),
        length: p.length,
        create_time: p.create_time.as_ref().map(vendor_text),
        create_unix: p.create_time.as_ref().map(baijiayun::DateTime::to_unix),
        raw,
    })
}

/// What a write does besides storing the rows read.
enum After<'a> {
    /// Nothing more.
    Nothing,
    /// Saves the stream's cursor: the rows and the cursor that covers them commit together.
    Cursor(&'a Cursor),
    /// Marks deleted the rows of this room the sweep did not see.
    DeleteUnseen(i64),
}

/// Writes rows read at `read_at` (and the rejects), then `after`, and the run's row count, in one
/// transaction. Returns the rows written.
async fn commit(
    (store, run_id): (&Store, i64),
    plan: &Plan,
    read: (&[PlaybackRow], &[(String, String)], SystemTime),
    sweep: i64,
    after: After<'_>,
) -> Result<u64> {
    let (rows, rejects, read_at) = read;
    let at = rfc3339(read_at);
    let stamp = Stamp {
        read_at: unix_ms(read_at),
        at: &at,
        sweep,
    };
    store
        .timed(async {
            let mut tx = store.begin().await?;
            let mut written = store::upsert_playbacks(&mut tx, rows, stamp).await?;
            for (reason, raw) in rejects {
                written += store::reject(&mut tx, &plan.stream, reason, raw, &at).await?;
            }
            match after {
                After::Nothing => {}
                After::Cursor(cursor) => {
                    store::save_cursor(&mut tx, &plan.stream, cursor, run_id, &at).await?;
                }
                After::DeleteUnseen(room) => {
                    let product_type = i64::from(plan.product_type);
                    written += store::delete_unseen(&mut tx, product_type, room, stamp).await?;
                }
            }
            store::count_rows(&mut tx, run_id, written).await?;
            tx.commit().await?;
            Ok(written)
        })
        .await
}

/// Writes one page of the list, with the cursor when given.
async fn commit_page(
    sink: (&Store, i64),
    plan: &Plan,
    page: &Page,
    sweep: i64,
    cursor: Option<&Cursor>,
) -> Result<u64> {
    let after = cursor.map_or(After::Nothing, After::Cursor);
    commit(
        sink,
        plan,
        (&page.rows, &page.rejects, page.read_at),
        sweep,
        after,
    )
    .await
}

async fn incremental(ctx: &mut Ctx<'_>, plan: &Plan, report: &mut StreamReport) -> Result<()> {
    let mut cursor = plan.cursor.clone();
    let lag = i64::try_from(ctx.settings.playback_lag.as_secs()).unwrap_or(i64::MAX);
    let threshold = cursor.high_water.map(|hw| hw.saturating_sub(lag));
    let mut newest = cursor.high_water;
    let mut page_no = 1;
    loop {
        let page = read_page(ctx, plan, page_no, None).await?;
        newest = newest.max(page.newest());
        let older = page.count > 0
            && threshold.is_some_and(|t| {
                page.rows.len() == page.count
                    && page
                        .rows
                        .iter()
                        .all(|r| r.create_unix.is_some_and(|c| c < t))
            });
        let last = older || page.is_last(page_no, ctx.settings.page_size);
        if last {
            cursor.high_water = newest;
            cursor.runs_since_sweep = cursor.runs_since_sweep.saturating_add(1);
        }
        let store = ctx.store.clone();
        let written = commit_page(
            (&store, ctx.run_id),
            plan,
            &page,
            0,
            last.then_some(&cursor),
        );
        ctx.written(report, written.await?);
        report.pages += 1;
        report.requests += 1;
        ctx.progress(report, "incremental", None);
        if last {
            return Ok(());
        }
        page_no += 1;
    }
}

async fn sweep(ctx: &mut Ctx<'_>, plan: &Plan, report: &mut StreamReport) -> Result<()> {
    let mut cursor = plan.cursor.clone();
    let size = ctx.settings.page_size;
    let mut sweep = cursor.sweep.take().unwrap_or(Sweep {
        id: cursor.sweeps_done + 1,
        next_page: 1,
        page_size: Some(size),
        listed: false,
        high_water: cursor.high_water,
    });
    sweep.next_page = crate::paging::resume_page(sweep.next_page, sweep.page_size, size);
    sweep.page_size = Some(size);
    // Each page is written while the next one is read: the write (rows and the checkpoint that
    // covers them) and the request overlap, and a kill between them leaves the checkpoint before
    // the page being read, which is read again.
    let mut next = if sweep.listed {
        None
    } else {
        Some(read_page(ctx, plan, sweep.next_page, None).await?)
    };
    while let Some(page) = next.take() {
        let page_no = sweep.next_page;
        sweep.high_water = sweep.high_water.max(page.newest());
        if page.is_last(page_no, ctx.settings.page_size) {
            sweep.listed = true;
        } else {
            sweep.next_page += 1;
        }
        cursor.sweep = Some(sweep.clone());
        let store = ctx.store.clone();
        let write = commit_page((&store, ctx.run_id), plan, &page, sweep.id, Some(&cursor));
        if sweep.listed {
            ctx.written(report, write.await?);
        } else {
            let (written, read) = tokio::join!(write, read_page(ctx, plan, sweep.next_page, None));
            // A failed write wins; the page read beside it is read again next time.
            ctx.written(report, written?);
            next = Some(read?);
        }
        report.pages += 1;
        report.requests += 1;
        let pages_total = (page.total > 0).then(|| {
            let size = ctx.settings.page_size;
            u64::try_from((page.total + size - 1) / size).unwrap_or(0)
        });
        ctx.progress(report, "sweep", pages_total);
    }
    verify(ctx, plan, sweep.id, report).await?;
    // The sweep is complete: the next one gets a new number.
    let now = ctx.now();
    cursor.sweep = None;
    cursor.sweeps_done = sweep.id;
    cursor.last_sweep_at_ms = Some(unix_ms(now));
    cursor.runs_since_sweep = 0;
    cursor.high_water = cursor.high_water.max(sweep.high_water);
    let mut tx = ctx.store.begin().await?;
    store::save_cursor(&mut tx, &plan.stream, &cursor, ctx.run_id, &rfc3339(now)).await?;
    tx.commit().await?;
    Ok(())
}

/// Reads, a room at a time, every room with rows the sweep did not see, and marks deleted the
/// rows that room's own list no longer returns.
async fn verify(
    ctx: &mut Ctx<'_>,
    plan: &Plan,
    sweep: i64,
    report: &mut StreamReport,
) -> Result<()> {
    let product_type = i64::from(plan.product_type);
    let mut done = HashSet::new();
    loop {
        let rooms = ctx
            .store
            .unseen_rooms(
                product_type,
                sweep,
                VERIFY_BATCH + i64::try_from(done.len()).unwrap_or(0),
            )
            .await?;
        let rooms: Vec<i64> = rooms.into_iter().filter(|r| !done.contains(r)).collect();
        if rooms.is_empty() {
            return Ok(());
        }
        for room in rooms {
            ctx.check_stop()?;
            let read = read_room(ctx, plan, room, report).await?;
            let rows = (&read.rows[..], &read.rejects[..], read.read_at);
            let store = ctx.store.clone();
            let after = After::DeleteUnseen(room);
            let written = commit((&store, ctx.run_id), plan, rows, sweep, after).await?;
            ctx.written(report, written);
            ctx.progress(report, "verify", None);
            done.insert(room);
        }
    }
}

/// Re-reads the rooms whose playbacks are not final yet.
async fn refresh_pending(ctx: &mut Ctx<'_>, plan: &Plan, report: &mut StreamReport) -> Result<()> {
    let window = i64::try_from(ctx.settings.pending_window.as_secs()).unwrap_or(i64::MAX);
    let since = unix_secs(ctx.now()).saturating_sub(window);
    let rooms = ctx
        .store
        .pending_rooms(
            i64::from(plan.product_type),
            since,
            ctx.started_ms,
            ctx.settings.max_pending_rooms,
        )
        .await?;
    for room in rooms {
        ctx.check_stop()?;
        let read = read_room(ctx, plan, room, report).await?;
        let rows = (&read.rows[..], &read.rejects[..], read.read_at);
        let store = ctx.store.clone();
        let written = commit((&store, ctx.run_id), plan, rows, 0, After::Nothing).await?;
        ctx.written(report, written);
        ctx.progress(report, "refresh", None);
    }
    Ok(())
}

/// Reads every playback of `room` in `product_type` (the list filtered by `room_id`, as
/// [`refresh_pending`] does): the rows, the items that cannot be stored, and when the read
/// started. For the refresh of the rooms that callbacks name (`crate::callbacks::refresh`).
pub(crate) async fn read_one_room(
    ctx: &mut Ctx<'_>,
    product_type: ProductType,
    room: i64,
) -> Result<(Vec<PlaybackRow>, Vec<(String, String)>, SystemTime)> {
    let plan = Plan {
        stream: stream_name(product_type),
        product_type,
        full: false,
        cursor: Cursor::default(),
    };
    let mut report = StreamReport::default();
    let read = read_room(ctx, &plan, room, &mut report).await?;
    Ok((read.rows, read.rejects, read.read_at))
}

/// Every playback of one room, as its own list returns them; none when the vendor reports the
/// room unknown or deleted.
struct RoomRead {
    rows: Vec<PlaybackRow>,
    rejects: Vec<(String, String)>,
    /// When the first request left: what was read is at least this fresh.
    read_at: SystemTime,
}

async fn read_room(
    ctx: &mut Ctx<'_>,
    plan: &Plan,
    room: i64,
    report: &mut StreamReport,
) -> Result<RoomRead> {
    let mut read = RoomRead {
        rows: Vec::new(),
        rejects: Vec::new(),
        read_at: ctx.now(),
    };
    let mut page_no = 1;
    loop {
        report.requests += 1;
        report.pages += 1;
        let page = match read_page(ctx, plan, page_no, Some(room)).await {
            Ok(page) => page,
            Err(SyncError::Client(e))
                if matches!(
                    e.code(),
                    Some(ErrorCode::RoomNotFound | ErrorCode::RoomDeleted)
                ) =>
            {
                read.read_at = ctx.now();
                return Ok(read);
            }
            Err(e) => return Err(e),
        };
        let last = page.is_last(page_no, ctx.settings.page_size);
        read.rows.extend(page.rows);
        read.rejects.extend(page.rejects);
        if last {
            return Ok(read);
        }
        page_no += 1;
    }
}
