//! [`Syncer`]: the settings, one run, and the call path every stream's requests take (the budget,
//! the request log, retries where safe, the shutdown signal).

use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use baijiayun::types::ProductType;
use baijiayun::{Client, Date, Endpoint, RateLimit, RetryPolicy, WithBody};
use tokio::sync::watch;

use crate::budget::Budget;
use crate::db::Database;
use crate::error::{Result, SyncError};
use crate::metrics;
use crate::report::{Progress, Report, RunStatus, StreamReport};
use crate::store::Store;
use crate::time::{Clock, SystemClock, rfc3339, unix_ms};
use crate::writer::Writer;
use crate::{play_records, playbacks};

/// A progress callback.
type ProgressFn = Arc<dyn Fn(&Progress) + Send + Sync>;

/// The settings of a sync. Every field has a default that suits the vendor's production limits.
#[derive(Clone)]
pub(crate) struct Settings {
    pub(crate) budget: f64,
    pub(crate) account_limit: RateLimit,
    pub(crate) product_types: Vec<ProductType>,
    pub(crate) page_size: i64,
    pub(crate) record_page_size: i64,
    pub(crate) playback_lag: Duration,
    pub(crate) record_lag: Duration,
    pub(crate) since: Option<Date>,
    pub(crate) history_days: u32,
    pub(crate) recheck_days: u32,
    pub(crate) full: bool,
    pub(crate) full_every_runs: u32,
    pub(crate) full_every: Duration,
    pub(crate) pending_window: Duration,
    pub(crate) max_pending_rooms: i64,
    pub(crate) max_attempts: u32,
    pub(crate) playbacks: bool,
    pub(crate) play_records: bool,
    pub(crate) instance: String,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) progress: Option<ProgressFn>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            budget: 0.8,
            account_limit: RateLimit::VENDOR,
            product_types: vec![
                ProductType::LargeClass,
                ProductType::SmallClass,
                ProductType::DualTeacher,
                ProductType::Enterprise,
            ],
            page_size: 1000,
            record_page_size: 1000,
            playback_lag: Duration::from_secs(3600),
            record_lag: Duration::from_secs(600),
            since: None,
            history_days: 30,
            recheck_days: 3,
            full: false,
            full_every_runs: 96,
            full_every: Duration::from_secs(24 * 3600),
            pending_window: Duration::from_secs(7 * 24 * 3600),
            max_pending_rooms: 200,
            max_attempts: 4,
            playbacks: true,
            play_records: true,
            instance: default_instance(),
            clock: Arc::new(SystemClock),
            progress: None,
        }
    }
}

/// `host:pid`, the default name of this process in `sync_runs.instance`.
fn default_instance() -> String {
    let host = std::env::var("HOSTNAME")
        .ok()
        .filter(|h| !h.is_empty())
        .or_else(|| {
            std::fs::read_to_string("/etc/hostname")
                .ok()
                .map(|h| h.trim().to_owned())
        })
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "localhost".to_owned());
    format!("{host}:{}", std::process::id())
}

/// Keeps a copy of the account in a database: playbacks of every product line (crop versions and
/// the sessions of long-term rooms included) and play records, within a share of the account's
/// rate limit, resumable after a crash at any instant.
///
/// ```no_run
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// use baijiayun_sync::{Database, Syncer};
///
/// let client = baijiayun::ClientBuilder::from_env()?.build()?;
/// let db = Database::open("sqlite://baijiayun.db").await?;
/// let report = Syncer::new(client, db).budget(0.8).run_once().await?;
/// println!("{:?}: {} rows in {} requests", report.status, report.rows_written, report.requests);
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct Syncer {
    pub(crate) client: Client,
    pub(crate) db: Database,
    pub(crate) settings: Settings,
}

impl fmt::Debug for Syncer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Syncer")
            .field("client", &self.client)
            .field("db", &self.db)
            .field("budget", &self.settings.budget)
            .field("instance", &self.settings.instance)
            .finish_non_exhaustive()
    }
}

impl Syncer {
    /// A sync of the account `client` signs for into `db`, with the defaults.
    pub fn new(client: Client, db: Database) -> Syncer {
        Syncer {
            client,
            db,
            settings: Settings::default(),
        }
    }

    /// The share of the account's rate limit the sync may use, in `(0, 1]` (default 0.8), leaving
    /// the rest for the application's own calls.
    pub fn budget(mut self, share: f64) -> Self {
        self.settings.budget = share;
        self
    }

    /// The account's rate limit the budget is a share of (default [`RateLimit::VENDOR`], 200
    /// requests in 10 s). Set the same limit on the client.
    pub fn account_limit(mut self, limit: RateLimit) -> Self {
        self.settings.account_limit = limit;
        self
    }

    /// Reads every page of the playback list this run (a full sweep), which also marks deleted
    /// the playbacks it no longer finds. Without it, a sweep runs when one is due
    /// ([`Syncer::full_every`], [`Syncer::full_every_runs`]), on the first run, and to finish one
    /// that was interrupted.
    pub fn full(mut self, full: bool) -> Self {
        self.settings.full = full;
        self
    }

    /// A sweep is due when the last one completed this long ago (default 24 h).
    pub fn full_every(mut self, every: Duration) -> Self {
        self.settings.full_every = every;
        self
    }

    /// A sweep is due after this many incremental runs (default 96; 0: never by count).
    pub fn full_every_runs(mut self, runs: u32) -> Self {
        self.settings.full_every_runs = runs;
        self
    }

    /// Reads play records from this day on (default: 30 days before today, Beijing time). An
    /// earlier day than before reads the days in between too.
    pub fn since(mut self, day: Date) -> Self {
        self.settings.since = Some(day);
        self
    }

    /// The product lines whose playbacks are read (default 1 to 4, every one the doc lists).
    pub fn product_types(mut self, types: impl IntoIterator<Item = ProductType>) -> Self {
        self.settings.product_types = types.into_iter().collect();
        self
    }

    /// Items per page of the playback list, 1 to 1000 (default 1000, the fewest requests).
    pub fn page_size(mut self, size: i64) -> Self {
        self.settings.page_size = size;
        self
    }

    /// Items per page of the play records, 1 to 1000 (default 1000).
    pub fn record_page_size(mut self, size: i64) -> Self {
        self.settings.record_page_size = size;
        self
    }

    /// How far before the newest known playback an incremental run keeps reading (default 1 h):
    /// playbacks listed late with an earlier time are still found.
    pub fn playback_lag(mut self, lag: Duration) -> Self {
        self.settings.playback_lag = lag;
        self
    }

    /// How far behind now play records are read (default 10 min), and how many past days are
    /// read again each run because records arrive late (default 3).
    pub fn record_lag(mut self, lag: Duration, recheck_days: u32) -> Self {
        self.settings.record_lag = lag;
        self.settings.recheck_days = recheck_days;
        self
    }

    /// Playbacks still generating or transcoding (status 10 or 20) created within this window are
    /// re-read each run until final (default 7 days), at most `max_rooms` rooms a run (default
    /// 200), the rooms read longest ago first, so every pending room comes round; older ones are
    /// left to the sweeps.
    pub fn pending(mut self, window: Duration, max_rooms: u32) -> Self {
        self.settings.pending_window = window;
        self.settings.max_pending_rooms = i64::from(max_rooms);
        self
    }

    /// Which streams to read (default both).
    pub fn streams(mut self, playbacks: bool, play_records: bool) -> Self {
        self.settings.playbacks = playbacks;
        self.settings.play_records = play_records;
        self
    }

    /// Attempts per request for failures that are safe to resend (default 4; 1: no retry).
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.settings.max_attempts = attempts.max(1);
        self
    }

    /// This process's name in `sync_runs.instance` (default `host:pid`).
    pub fn instance(mut self, name: impl Into<String>) -> Self {
        self.settings.instance = name.into();
        self
    }

    /// The clock (default the system's): for tests.
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.settings.clock = clock;
        self
    }

    /// Called after each committed page with the run's progress.
    pub fn on_progress(mut self, f: impl Fn(&Progress) + Send + Sync + 'static) -> Self {
        self.settings.progress = Some(Arc::new(f));
        self
    }

    /// The database.
    pub fn database(&self) -> &Database {
        &self.db
    }

    /// One run, to the end of every stream.
    ///
    /// `Ok` when the run was recorded, whatever its outcome: see [`Report::status`] (a failed call
    /// ends the run `error`, and the next run continues from the checkpoint). `Err` when no run
    /// could start: the database, or another sync holding it.
    pub async fn run_once(&self) -> Result<Report> {
        self.run_once_until(std::future::pending::<()>()).await
    }

    /// One run that stops cleanly when `shutdown` completes: the transaction under way commits or
    /// rolls back, a request in flight is abandoned, and the run is recorded `interrupted`.
    ///
    /// On PostgreSQL it first waits, as a standby, until this instance holds the lease (or until
    /// `shutdown`: `Err(Interrupted)`), and gives the lease up when the run ends.
    pub async fn run_once_until(&self, shutdown: impl Future<Output = ()>) -> Result<Report> {
        let (stop, stopped) = watch::channel(false);
        let mut held = None;
        let report = {
            let run = self.run(stopped, &mut held);
            tokio::pin!(run);
            tokio::pin!(shutdown);
            let mut signalled = false;
            loop {
                tokio::select! {
                    report = &mut run => break report,
                    () = &mut shutdown, if !signalled => {
                        signalled = true;
                        let _ = stop.send(true);
                    }
                }
            }
        };
        if let Some(writer) = held {
            writer.release().await;
        }
        report
    }

    /// Runs every `interval` (measured from the start of one run to the next) until `shutdown`
    /// completes, calling `each` with each run's report. A run that fails is followed by the next
    /// one; only a run that cannot start ends the loop with `Err`.
    ///
    /// On PostgreSQL this instance holds the lease from its first run on, renewing it between
    /// runs; until it gets it, it stands by. If another instance takes the lease over (this one
    /// was paused past the lease), it stands by again.
    pub async fn run_every(
        &self,
        interval: Duration,
        shutdown: impl Future<Output = ()>,
        each: impl FnMut(&Report),
    ) -> Result<()> {
        let mut held = None;
        let result = self.every(interval, shutdown, each, &mut held).await;
        if let Some(writer) = held {
            writer.release().await;
        }
        result
    }

    async fn every(
        &self,
        interval: Duration,
        shutdown: impl Future<Output = ()>,
        mut each: impl FnMut(&Report),
        held: &mut Option<Writer>,
    ) -> Result<()> {
        let (stop, stopped) = watch::channel(false);
        tokio::pin!(shutdown);
        let mut signalled = false;
        loop {
            let started = tokio::time::Instant::now();
            let report = {
                let run = self.run(stopped.clone(), held);
                tokio::pin!(run);
                loop {
                    tokio::select! {
                        report = &mut run => break report,
                        () = &mut shutdown, if !signalled => {
                            signalled = true;
                            let _ = stop.send(true);
                        }
                    }
                }
            };
            let report = match report {
                Ok(report) => report,
                Err(SyncError::Interrupted) if signalled => return Ok(()),
                // Taken over before the run could start: stand by again.
                Err(SyncError::Superseded(why)) => {
                    tracing::warn!(%why, "superseded; standing by");
                    *held = None;
                    continue;
                }
                Err(e) => return Err(e),
            };
            each(&report);
            if signalled || report.status == RunStatus::Interrupted {
                return Ok(());
            }
            if held.as_ref().is_some_and(Writer::lost) {
                *held = None;
                continue;
            }
            // Until the next run, the rooms that callbacks name are refreshed every few seconds.
            let next = started + interval;
            if self
                .wait_refreshing(next, held, &stopped, shutdown.as_mut())
                .await
            {
                return Ok(());
            }
        }
    }

    /// One run, taking the right to write first unless `held` has it.
    async fn run(&self, stop: watch::Receiver<bool>, held: &mut Option<Writer>) -> Result<Report> {
        let s = &self.settings;
        if held.as_ref().is_none_or(Writer::lost) {
            *held = None;
            *held = Some(Writer::take(&self.db, &s.instance, stop.clone()).await?);
        }
        let store = match held {
            Some(writer) => writer.store(&self.db),
            None => unreachable!("taken above"),
        };
        let now = s.clock.now();
        store.interrupt_dead_runs(&rfc3339(now)).await?;
        let mut budget = Budget::new(s.account_limit, s.budget)?;
        check_page_size(s.page_size)?;
        check_page_size(s.record_page_size)?;
        budget.seed(
            store
                .recent_requests(unix_ms(now) - budget.window_ms())
                .await?,
        );
        metrics::budget(budget.limit(), budget.window_ms());
        metrics::budget_used(budget.limit() - budget.free(unix_ms(now)));
        let plans = if s.playbacks {
            playbacks::plan(&store, s, now).await?
        } else {
            Vec::new()
        };
        let kind = if plans.iter().any(|p| p.full) {
            "full"
        } else {
            "incremental"
        };
        let run_id = store.start_run(&s.instance, kind, &rfc3339(now)).await?;
        tracing::info!(run_id, kind, instance = %s.instance, "sync run started");
        let mut ctx = Ctx {
            client: self.client.with_retry(RetryPolicy::none()),
            store: store.clone(),
            settings: s,
            budget,
            stop,
            run_id,
            started_ms: unix_ms(now),
            requests: 0,
            rows: 0,
            reserved: 0,
            reserved_until_ms: 0,
        };
        let mut streams = Vec::new();
        let result = self.read_streams(&mut ctx, plans, &mut streams).await;
        let (status, error) = match &result {
            Ok(()) => (RunStatus::Complete, None),
            Err(SyncError::Interrupted) => (RunStatus::Interrupted, None),
            Err(e) => (RunStatus::Error, Some(e.to_string())),
        };
        let finished_at = s.clock.now();
        let finished = rfc3339(finished_at);
        // The requests recorded ahead and not sent do not count against the next run. Both writes
        // are retried for a while: a database that restarts mid-run still gets the run's end.
        store
            .close_run(
                run_id,
                (ctx.reserved_until_ms, ctx.reserved),
                (status.as_str(), error.as_deref()),
                (&finished, ctx.requests),
            )
            .await?;
        metrics::run_ended(status.as_str());
        for stream in streams.iter().filter(|s| s.complete) {
            metrics::stream_complete(&stream.stream, finished_at);
        }
        log_end(run_id, status, error.as_deref(), (ctx.requests, ctx.rows));
        Ok(Report {
            run_id,
            status,
            error,
            requests: ctx.requests,
            rows_written: ctx.rows,
            budget: ctx.budget.limit() as u64,
            write_time: ctx.store.write_time(),
            streams,
        })
    }

    /// Reads every stream of a run in order, each one's report pushed to `streams` as it starts;
    /// the rooms callbacks named are refreshed first, between streams, and at the end.
    async fn read_streams(
        &self,
        ctx: &mut Ctx<'_>,
        plans: Vec<playbacks::Plan>,
        streams: &mut Vec<StreamReport>,
    ) -> Result<()> {
        crate::callbacks::refresh::refresh(ctx, &self.db).await?;
        for plan in plans {
            streams.push(StreamReport {
                stream: plan.stream.clone(),
                full: plan.full,
                ..StreamReport::default()
            });
            let report = streams.last_mut().unwrap_or_else(|| unreachable!());
            playbacks::run(ctx, plan, report).await?;
            crate::callbacks::refresh::refresh(ctx, &self.db).await?;
        }
        if self.settings.play_records {
            streams.push(StreamReport {
                stream: play_records::STREAM.to_owned(),
                ..StreamReport::default()
            });
            let report = streams.last_mut().unwrap_or_else(|| unreachable!());
            play_records::run(ctx, report).await?;
        }
        crate::callbacks::refresh::refresh(ctx, &self.db).await?;
        Ok(())
    }
}

/// The log line of a run's end.
fn log_end(run_id: i64, status: RunStatus, error: Option<&str>, (requests, rows): (u64, u64)) {
    match error {
        None => tracing::info!(
            run_id,
            status = status.as_str(),
            requests,
            rows,
            "sync run ended"
        ),
        Some(e) => {
            tracing::warn!(run_id, status = status.as_str(), requests, rows, error = %e, "sync run ended")
        }
    }
}

fn check_page_size(size: i64) -> Result<()> {
    if (1..=1000).contains(&size) {
        Ok(())
    } else {
        Err(SyncError::Config(format!(
            "a page size is 1 to 1000 items, not {size}"
        )))
    }
}

/// What the streams of one run share.
pub(crate) struct Ctx<'s> {
    pub(crate) client: Client,
    pub(crate) store: Store,
    pub(crate) settings: &'s Settings,
    pub(crate) budget: Budget,
    pub(crate) stop: watch::Receiver<bool>,
    pub(crate) run_id: i64,
    /// When the run started, unix ms: rows read before it are stale for this run.
    pub(crate) started_ms: i64,
    pub(crate) requests: u64,
    pub(crate) rows: u64,
    /// Requests recorded in the database but not sent yet, and until when they may be sent.
    pub(crate) reserved: u32,
    pub(crate) reserved_until_ms: i64,
}

/// The most requests one reservation in `sync_requests` covers.
const RESERVATION: u32 = 32;

/// How long a reservation is good for: a request it covers leaves before this has passed, or a
/// new reservation is written.
const RESERVATION_HOLD: Duration = Duration::from_millis(500);

impl Ctx<'_> {
    /// The current time.
    pub(crate) fn now(&self) -> SystemTime {
        self.settings.clock.now()
    }

    /// `Err(Interrupted)` once a stop was asked for.
    pub(crate) fn check_stop(&self) -> Result<()> {
        if *self.stop.borrow() {
            Err(SyncError::Interrupted)
        } else {
            Ok(())
        }
    }

    /// Waits `d`, or until a stop is asked for.
    async fn sleep(&mut self, d: Duration) -> Result<()> {
        let mut stop = self.stop.clone();
        tokio::select! {
            () = tokio::time::sleep(d) => Ok(()),
            _ = stop.wait_for(|s| *s) => Err(SyncError::Interrupted),
        }
    }

    /// Accounts for one request about to leave, in the database first (write before send). A
    /// reservation covers the next requests too, up to [`RESERVATION`] of them within
    /// [`RESERVATION_HOLD`], so that sending a request does not wait for a page being written.
    async fn reserve(&mut self) -> Result<()> {
        // A reservation whose write took past its hold is not good: write another.
        while self.reserved == 0 || unix_ms(self.now()) >= self.reserved_until_ms {
            self.check_stop()?;
            let now = unix_ms(self.now());
            // The permit just taken, and as many as are free now (they may be taken within the
            // hold).
            let count = u32::try_from(self.budget.free(now))
                .unwrap_or(u32::MAX)
                .saturating_add(1)
                .min(RESERVATION);
            let until = now + i64::try_from(RESERVATION_HOLD.as_millis()).unwrap_or(0);
            self.store
                .reserve_requests(until, self.run_id, count)
                .await?;
            self.reserved = count;
            self.reserved_until_ms = until;
        }
        self.reserved -= 1;
        Ok(())
    }

    /// Sends `request` within the budget, logging it before it leaves, and retries it while the
    /// failure is safe to resend, up to the attempts allowed.
    pub(crate) async fn call<E: Endpoint + Sync>(
        &mut self,
        request: &E,
    ) -> Result<WithBody<E::Output>> {
        let mut attempt = 1;
        loop {
            self.check_stop()?;
            while let Some(wait) = self.budget.take(unix_ms(self.now())) {
                self.sleep(wait).await?;
            }
            let used = self.budget.limit() - self.budget.free(unix_ms(self.now()));
            metrics::budget_used(used);
            self.reserve().await?;
            self.requests += 1;
            let mut stop = self.stop.clone();
            let result = tokio::select! {
                r = self.client.execute_with_body(request) => r,
                _ = stop.wait_for(|s| *s) => return Err(SyncError::Interrupted),
            };
            metrics::request(E::INFO.name, metrics::outcome(&result));
            match result {
                Ok(answer) => return Ok(answer),
                Err(e) if attempt < self.settings.max_attempts && e.is_safe_to_resend() => {
                    // A refusal for rate waits out a whole window; other failures back off.
                    let wait = if e.is_rate_limited() {
                        self.settings.account_limit.window()
                    } else {
                        Duration::from_millis(250 << attempt.min(5))
                    };
                    tracing::warn!(attempt, error = %e, ?wait, "sync request failed; retrying");
                    attempt += 1;
                    self.sleep(wait).await?;
                }
                Err(e) => return Err(e.into()),
            }
        }
    }

    /// Counts rows written by a stream, in the run and in the stream's report.
    pub(crate) fn written(&mut self, report: &mut StreamReport, rows: u64) {
        self.rows += rows;
        report.rows_written += rows;
        metrics::rows_written(&report.stream, rows);
    }

    /// Announces progress to the callback, if any.
    pub(crate) fn progress(&self, report: &StreamReport, phase: &str, total: Option<u64>) {
        if let Some(f) = &self.settings.progress {
            f(&Progress {
                stream: report.stream.clone(),
                phase: phase.to_owned(),
                pages: report.pages,
                pages_total: total,
                rows_written: report.rows_written,
                requests: self.requests,
                budget: self.budget.limit() as u64,
            });
        }
    }
}
