//! The account's play records, `play_records`: API 37 (按账户级别获取回放播放记录) in one-day
//! windows (Beijing days), each window paged, each page committed with the checkpoint `(day,
//! next page)`.
//!
//! Records arrive late, so the last `recheck_days` days are read again each run; a day older than
//! that, once read to its end, is final (`final_through`) and not read again. Days start at
//! `--since` (default 30 days back); an earlier `--since` later reads the days in between.

use std::time::SystemTime;

use baijiayun::play_record::GetPartnerPlaybackPlayRecordRequest;
use baijiayun::types::PlayRecord;
use baijiayun::{Date, DateTime};
use serde::{Deserialize, Serialize};

use crate::error::{Result, SyncError};
use crate::raw::{self, RawItem};
use crate::report::StreamReport;
use crate::store::{self, PlayRecordRow, Stamp, Store};
use crate::syncer::Ctx;
use crate::time::{beijing_date, days_before, minus, rfc3339, unix_ms, vendor_text};

/// The stream's name.
pub(crate) const STREAM: &str = "play_records";

/// The cursor, `sync_cursors.state` (documented in SCHEMA.md).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub(crate) struct Cursor {
    /// The earliest day covered.
    pub(crate) first_day: Option<Date>,
    /// Every day from `first_day` through this one is read and final.
    pub(crate) final_through: Option<Date>,
    /// The day a run was reading when it stopped, and its next page.
    pub(crate) day: Option<Date>,
    pub(crate) next_page: i64,
    /// The page size `next_page` counts in (absent in cursors written before it was recorded).
    pub(crate) page_size: Option<i64>,
}

/// The days to read this run, ascending.
fn days(cursor: &Cursor, since: Date, today: Date) -> Vec<Date> {
    let mut days = Vec::new();
    let tail_from = match (cursor.first_day, cursor.final_through) {
        (Some(first), final_through) => {
            if since < first {
                // The days before what is covered, first.
                walk(since, first, &mut days);
            }
            final_through
                .and_then(Date::next_day)
                .unwrap_or(first)
                .max(since.min(first))
        }
        (None, _) => since,
    };
    let mut d = Some(tail_from);
    while let Some(day) = d.filter(|d| *d <= today) {
        days.push(day);
        d = day.next_day();
    }
    days
}

/// Pushes the days from `from` up to (not including) `until`.
fn walk(from: Date, until: Date, out: &mut Vec<Date>) {
    let mut d = Some(from);
    while let Some(day) = d.filter(|d| *d < until) {
        out.push(day);
        d = day.next_day();
    }
}

/// Reads the play records due this run.
pub(crate) async fn run(ctx: &mut Ctx<'_>, report: &mut StreamReport) -> Result<()> {
    let mut cursor: Cursor = ctx.store.cursor(STREAM).await?;
    let end = minus(ctx.now(), ctx.settings.record_lag);
    let today = beijing_date(end);
    let since = ctx
        .settings
        .since
        .or(cursor.first_day)
        .or_else(|| days_before(today, ctx.settings.history_days))
        .ok_or_else(|| SyncError::Config("the first day to read is out of range".to_owned()))?;
    let final_until = days_before(today, ctx.settings.recheck_days);
    let days = days(&cursor, since, today);
    let resume = cursor.day.filter(|d| days.contains(d));
    if cursor.first_day.is_none() {
        cursor.first_day = Some(since);
    }
    let windows: Vec<_> = days.iter().map(|&d| window(d, today, end)).collect();
    // The first day (with a window) at or after the day a stopped run was reading.
    let next_day = |from: usize| (from..days.len()).find(|&i| windows[i].is_some());
    let first = next_day(0).and_then(|i| {
        let i = match resume {
            Some(r) => next_day(days.iter().position(|&d| d >= r)?)?,
            None => i,
        };
        let page = if resume == Some(days[i]) {
            crate::paging::resume_page(
                cursor.next_page,
                cursor.page_size,
                ctx.settings.record_page_size,
            )
        } else {
            1
        };
        Some((i, page))
    });
    let request = |(i, page): (usize, i64)| {
        let (start, stop) = windows[i].unwrap_or_else(|| unreachable!("positions have windows"));
        (days[i], start, stop, page)
    };
    // Each page is written while the next one is read, as the playback sweep does.
    let mut current = match first {
        Some(at) => Some((at, read_page(ctx, request(at)).await?)),
        None => None,
    };
    while let Some(((i, page_no), page)) = current.take() {
        let day = days[i];
        if page.last {
            let in_tail = cursor.first_day.is_some_and(|first| day >= first);
            let next_final = cursor
                .final_through
                .map_or(cursor.first_day, Date::next_day);
            if in_tail && final_until.is_some_and(|f| day <= f) && next_final == Some(day) {
                cursor.final_through = Some(day);
            }
            cursor.day = days.get(i + 1).copied();
            cursor.next_page = 1;
            if cursor.day.is_none() {
                cursor.first_day = cursor.first_day.map(|f| f.min(since));
            }
        } else {
            cursor.day = Some(day);
            cursor.next_page = page_no + 1;
        }
        cursor.page_size = Some(ctx.settings.record_page_size);
        let next = if page.last {
            next_day(i + 1).map(|j| (j, 1))
        } else {
            Some((i, page_no + 1))
        };
        let store = ctx.store.clone();
        let write = write_page(&store, ctx.run_id, &page, &cursor);
        match next {
            None => ctx.written(report, write.await?),
            Some(at) => {
                let (written, read) = tokio::join!(write, read_page(ctx, request(at)));
                // A failed write wins; the page read beside it is read again next time.
                ctx.written(report, written?);
                current = Some((at, read?));
            }
        }
        report.pages += 1;
        report.requests += 1;
        ctx.progress(report, &day.to_string(), None);
    }
    // Nothing was due (or the last day was skipped): keep the covered range.
    if cursor.day.is_some() || days.is_empty() {
        cursor.day = None;
        cursor.first_day = cursor.first_day.map(|f| f.min(since));
        let at = rfc3339(ctx.now());
        let mut tx = ctx.store.begin().await?;
        store::save_cursor(&mut tx, STREAM, &cursor, ctx.run_id, &at).await?;
        tx.commit().await?;
    }
    report.complete = true;
    Ok(())
}

/// One page of one day's records, read.
struct Page {
    rows: Vec<PlayRecordRow>,
    /// The last page of its day.
    last: bool,
    read_at: SystemTime,
}

/// Reads page `page_no` of `day`'s window `[start, stop]`.
async fn read_page(
    ctx: &mut Ctx<'_>,
    (day, start, stop, page_no): (Date, DateTime, DateTime, i64),
) -> Result<Page> {
    let size = ctx.settings.record_page_size;
    let request = GetPartnerPlaybackPlayRecordRequest::new(start, stop)
        .page(page_no)
        .page_size(size);
    let answer = ctx.call(&request).await?;
    let read_at = ctx.now();
    let items = raw::items(STREAM, &answer.body, answer.data.list.len())?;
    let rows: Vec<PlayRecordRow> = answer
        .data
        .list
        .iter()
        .zip(items)
        .map(|(r, raw)| row(day, r, raw))
        .collect();
    let count = i64::try_from(rows.len()).unwrap_or(i64::MAX);
    let total = answer.data.total;
    let last = count < size || (total > 0 && page_no.saturating_mul(size) >= total);
    Ok(Page {
        rows,
        last,
        read_at,
    })
}

/// Writes a page's records with the cursor that covers them, in one transaction. Returns the
/// rows written.
async fn write_page(store: &Store, run_id: i64, page: &Page, cursor: &Cursor) -> Result<u64> {
    let at = rfc3339(page.read_at);
    let stamp = Stamp {
        read_at: unix_ms(page.read_at),
        at: &at,
        sweep: 0,
    };
    store
        .timed(async {
            let mut tx = store.begin().await?;
            let written = store::upsert_play_records(&mut tx, &page.rows, stamp).await?;
            store::save_cursor(&mut tx, STREAM, cursor, run_id, &at).await?;
            store::count_rows(&mut tx, run_id, written).await?;
            tx.commit().await?;
            Ok(written)
        })
        .await
}

/// The window of `day`: the whole day, or today up to `end`; `None` when today has not started
/// yet once the lag is taken off.
fn window(day: Date, today: Date, end: SystemTime) -> Option<(DateTime, DateTime)> {
    let start = day.at(0, 0, 0).ok()?;
    let stop = if day == today {
        DateTime::from(end)
    } else {
        day.at(23, 59, 59).ok()?
    };
    (stop >= start).then_some((start, stop))
}

fn row(day: Date, r: &PlayRecord, raw: RawItem) -> PlayRecordRow {
    PlayRecordRow {
        guid: r.guid.clone(),
        day: day.to_string(),
        video_id: r.video_id.into(),
        uuid: r.uuid.clone(),
        user_name: r.user_name.clone(),
        user_number: r.user_number,
        play_begin_time: r.play_begin_time.as_ref().map(vendor_text),
        play_end_time: r.play_end_time.as_ref().map(vendor_text),
        play_length: r.play_length,
        client_type: r.client_type.map(Into::into),
        user_ip: r.user_ip.clone(),
        area: r.area.clone(),
        ext_data: r.ext_data.clone(),
        date: r.date.map(|d| d.to_string()),
        raw,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Date {
        s.parse().expect("date")
    }

    #[test]
    fn first_run_reads_from_since_to_today() {
        let days = days(&Cursor::default(), d("2026-12-01"), d("2026-12-04"));
        assert_eq!(
            days,
            [
                d("2026-12-01"),
                d("2026-12-02"),
                d("2026-12-03"),
                d("2026-12-04")
            ]
        );
    }

    #[test]
    fn later_runs_start_after_the_final_days() {
        let cursor = Cursor {
            first_day: Some(d("2026-11-01")),
            final_through: Some(d("2026-12-02")),
            ..Cursor::default()
        };
        assert_eq!(
            days(&cursor, d("2026-11-01"), d("2026-12-04")),
            [d("2026-12-03"), d("2026-12-04")]
        );
        // An earlier since reads the gap first, then the tail.
        assert_eq!(
            days(&cursor, d("2026-10-30"), d("2026-12-03")),
            [d("2026-10-30"), d("2026-10-31"), d("2026-12-03")]
        );
    }
}
