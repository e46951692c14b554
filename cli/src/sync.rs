//! `baijiayun sync`: keeps a copy of the account in a database (`baijiayun-sync`), and
//! `baijiayun sync status`: what that copy holds.

use std::collections::BTreeMap;
use std::io::IsTerminal as _;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use baijiayun::{Date, RateLimit};
use baijiayun_sync::{Database, Progress, Report, RunStatus, Status, Syncer};

use crate::config::Connection;
use crate::output::{Failure, Printer};

/// `sync`'s flags and its one subcommand.
#[derive(Debug, clap::Args)]
#[command(args_conflicts_with_subcommands = true)]
pub(crate) struct Args {
    #[command(subcommand)]
    command: Option<Command>,

    #[command(flatten)]
    run: RunArgs,
}

#[derive(Debug, clap::Subcommand)]
enum Command {
    /// Shows each stream's cursor and the last runs.
    Status(StatusArgs),
}

/// Where the copy is.
#[derive(Debug, clap::Args)]
struct DbArg {
    /// The database: sqlite://PATH (created if missing), a file path, or
    /// postgres://USER:PASSWORD@HOST/DB (any number of syncs may share it: one holds the lease and
    /// syncs, the others stand by).
    #[arg(long, default_value = "sqlite://baijiayun.db")]
    db: String,

    /// PostgreSQL: the schema of the sync's tables (created if missing).
    #[arg(long, value_name = "NAME", default_value = baijiayun_sync::DEFAULT_SCHEMA)]
    db_schema: String,
}

impl DbArg {
    async fn open(&self) -> Result<Database, Failure> {
        Database::open_in_schema(&self.db, &self.db_schema)
            .await
            .map_err(failure)
    }
}

#[derive(Debug, clap::Args)]
struct RunArgs {
    #[command(flatten)]
    db: DbArg,

    /// Run once and exit: 0 only when the run completes.
    #[arg(long, conflicts_with = "interval")]
    once: bool,

    /// Run every DURATION (e.g. 10m, 1h) until SIGTERM or Ctrl-C.
    #[arg(long, value_name = "DURATION", default_value = "10m", value_parser = humantime::parse_duration)]
    interval: Duration,

    /// Read every page of the playback list (a full sweep) this run; also marks deleted what is
    /// gone. Sweeps run by themselves every --full-every.
    #[arg(long)]
    full: bool,

    /// A sweep is due when the last one is this old.
    #[arg(long, value_name = "DURATION", default_value = "24h", value_parser = humantime::parse_duration)]
    full_every: Duration,

    /// Read play records from this day (YYYY-MM-DD; default 30 days back).
    #[arg(long, value_name = "DATE")]
    since: Option<Date>,

    /// The share of the account's rate limit the sync may use, in (0, 1].
    #[arg(long, value_name = "FRACTION", default_value_t = 0.8)]
    budget: f64,

    /// The account's rate limit, REQUESTS/WINDOW (the vendor's: 200/10s).
    #[arg(long, value_name = "N/DURATION", value_parser = parse_limit)]
    rate_limit: Option<RateLimit>,

    /// Items per page of the playback list and of the play records (1 to 1000).
    #[arg(long, value_name = "N", default_value_t = 1000)]
    page_size: i64,

    /// Progress: bars on a terminal, one JSON line per stream per run otherwise.
    #[arg(long, value_enum, default_value = "auto")]
    progress: ProgressStyle,

    /// Serve Prometheus metrics at http://ADDR/metrics and a health check at /healthz (200 while
    /// the database answers), e.g. 127.0.0.1:9090 or 0.0.0.0:9090; bound exactly as given.
    #[arg(long, value_name = "ADDR")]
    metrics: Option<String>,

    /// Serve the vendor's callbacks (every kind) at http://ADDR/callback, e.g. 0.0.0.0:8080:
    /// verified with the partner key and stored once each in the table callback_events; the
    /// syncing instance then re-reads the rooms they name. Every replica may serve them.
    #[arg(long, value_name = "ADDR")]
    callbacks: Option<String>,

    /// Logs on stderr: JSON lines when stdout is not a terminal (auto), or always JSON, or text.
    /// The level comes from RUST_LOG (default: info for baijiayun's crates).
    #[arg(long, value_enum, default_value = "auto")]
    log_format: crate::logging::LogFormat,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum ProgressStyle {
    /// Bars when stderr is a terminal, JSON lines on stdout otherwise.
    Auto,
    /// Bars on stderr.
    Bars,
    /// JSON lines on stdout.
    Json,
}

#[derive(Debug, clap::Args)]
struct StatusArgs {
    #[command(flatten)]
    db: DbArg,

    /// The output.
    #[arg(long, value_enum, default_value = "text")]
    format: Format,

    /// How many runs to show.
    #[arg(long, default_value_t = 10)]
    runs: u32,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum Format {
    /// Lines for people.
    Text,
    /// `{"streams": [...], "runs": [...]}`, runs newest first.
    Json,
}

fn parse_limit(text: &str) -> Result<RateLimit, String> {
    let (n, window) = text
        .split_once('/')
        .ok_or_else(|| format!("expected REQUESTS/WINDOW such as 200/10s, not {text:?}"))?;
    let n: u32 = n
        .trim()
        .parse()
        .map_err(|e| format!("{n:?} is not a number of requests: {e}"))?;
    let window = humantime::parse_duration(window.trim()).map_err(|e| e.to_string())?;
    if n == 0 || window.is_zero() {
        return Err("a rate limit needs at least one request in a window longer than 0".into());
    }
    Ok(RateLimit::new(n, window))
}

fn failure(e: baijiayun_sync::SyncError) -> Failure {
    match e {
        baijiayun_sync::SyncError::Client(e) => Failure::Call(e),
        baijiayun_sync::SyncError::Config(m) => Failure::Usage(m),
        other => Failure::Other(other.to_string()),
    }
}

/// Runs `sync` or `sync status`.
pub(crate) async fn run(connection: &Connection, args: Args) -> Result<ExitCode, Failure> {
    match args.command {
        Some(Command::Status(status)) => show_status(&status).await,
        None => sync(connection, &args.run).await,
    }
}

async fn show_status(args: &StatusArgs) -> Result<ExitCode, Failure> {
    let db = args.db.open().await?;
    let status = Status::read(&db, args.runs).await.map_err(failure)?;
    match args.format {
        Format::Json => Printer::lines().print(&status)?,
        Format::Text => {
            let out = Printer::lines();
            for s in &status.streams {
                out.print_text(&format!(
                    "{:<14} {} (run {:?}, {})",
                    s.stream, s.cursor, s.run_id, s.updated_at
                ))?;
            }
            for r in &status.runs {
                out.print_text(&format!(
                    "run {:>5} {:<11} {:<11} {} → {} {} requests, {} rows{}",
                    r.id,
                    r.kind,
                    r.status,
                    r.started_at,
                    r.finished_at.as_deref().unwrap_or("…"),
                    r.requests,
                    r.rows_written,
                    r.error
                        .as_deref()
                        .map(|e| format!(": {e}"))
                        .unwrap_or_default()
                ))?;
            }
        }
    }
    db.close().await;
    Ok(ExitCode::SUCCESS)
}

async fn sync(connection: &Connection, args: &RunArgs) -> Result<ExitCode, Failure> {
    crate::logging::init(args.log_format);
    let settings = connection.settings()?;
    let limit = args.rate_limit.unwrap_or(RateLimit::VENDOR);
    let client = settings
        .builder()?
        .rate_limit(limit)
        .build()
        .map_err(Failure::from)?;
    tracing::info!(
        db = %baijiayun_sync::redact(&args.db.db),
        schema = %args.db.db_schema,
        "opening the database"
    );
    let db = args.db.open().await?;
    // Served from before the first run (a standby reports too) until the sync ends.
    let _metrics = match &args.metrics {
        Some(addr) => Some(crate::metrics_server::serve(addr, db.clone()).await?),
        None => None,
    };
    // Served beside the sync (leader or standby) until it ends.
    let _callbacks = match &args.callbacks {
        Some(addr) => Some(serve_callbacks(connection, addr, db.clone()).await?),
        None => None,
    };
    let bars = match args.progress {
        ProgressStyle::Auto => std::io::stderr().is_terminal(),
        ProgressStyle::Bars => true,
        ProgressStyle::Json => false,
    };
    let view = Arc::new(View::new(bars));
    let mut syncer = Syncer::new(client, db.clone())
        .budget(args.budget)
        .account_limit(limit)
        .full(args.full)
        .full_every(args.full_every)
        .page_size(args.page_size)
        .record_page_size(args.page_size);
    if let Some(since) = args.since {
        syncer = syncer.since(since);
    }
    let progress = Arc::clone(&view);
    let syncer = syncer.on_progress(move |p| progress.update(p));
    let code = if args.once {
        let report = match syncer.run_once_until(stop_requested()).await {
            Ok(report) => report,
            // Stopped while standing by for the lease: no run started.
            Err(baijiayun_sync::SyncError::Interrupted) => {
                db.close().await;
                return Ok(ExitCode::from(130));
            }
            Err(e) => return Err(failure(e)),
        };
        view.finish(&report)?;
        match report.status {
            RunStatus::Complete => ExitCode::SUCCESS,
            RunStatus::Interrupted => ExitCode::from(130),
            _ => ExitCode::from(1),
        }
    } else {
        let mut printed = Ok(());
        syncer
            .run_every(args.interval, stop_requested(), |report| {
                if printed.is_ok() {
                    printed = view.finish(report);
                }
            })
            .await
            .map_err(failure)?;
        printed?;
        ExitCode::SUCCESS
    };
    db.close().await;
    Ok(code)
}

/// The callback receiver's task: aborted when dropped.
struct CallbackServer(tokio::task::JoinHandle<()>);

impl Drop for CallbackServer {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Serves `POST /callback` on `addr` into `db`, verified with the partner key, within the
/// client's serving limits.
async fn serve_callbacks(
    connection: &Connection,
    addr: &str,
    db: Database,
) -> Result<CallbackServer, Failure> {
    use secrecy::ExposeSecret as _;
    let key = connection.partner_key()?.ok_or_else(|| {
        Failure::Config(format!(
            "--callbacks needs the partner key the callbacks are signed with: set {} (or pass \
             --partner-key-file)",
            crate::config::PARTNER_KEY
        ))
    })?;
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| Failure::Io(format!("cannot listen for --callbacks on {addr}: {e}")))?;
    let local = listener
        .local_addr()
        .map_err(|e| Failure::Io(format!("--callbacks {addr}: {e}")))?;
    let receiver = baijiayun_sync::callbacks::CallbackReceiver::new(db, key.expose_secret());
    tracing::info!(address = %local, "serving callbacks at POST /callback");
    let limits = baijiayun::callback::ServeLimits::default();
    Ok(CallbackServer(tokio::spawn(
        receiver.serve(listener, limits),
    )))
}

/// Completes on Ctrl-C or SIGTERM.
async fn stop_requested() {
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(s) => s,
                Err(_) => {
                    let _ = tokio::signal::ctrl_c().await;
                    return;
                }
            };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// Progress bars per stream, or nothing until the run's JSON lines.
struct View {
    bars: Option<(
        indicatif::MultiProgress,
        Mutex<BTreeMap<String, indicatif::ProgressBar>>,
    )>,
}

impl View {
    fn new(bars: bool) -> View {
        View {
            bars: bars.then(|| (indicatif::MultiProgress::new(), Mutex::new(BTreeMap::new()))),
        }
    }

    fn update(&self, p: &Progress) {
        let Some((multi, bars)) = &self.bars else {
            return;
        };
        let Ok(mut bars) = bars.lock() else { return };
        let bar = bars.entry(p.stream.clone()).or_insert_with(|| {
            let bar = multi.add(indicatif::ProgressBar::new(0));
            bar.set_style(
                indicatif::ProgressStyle::with_template(
                    "{prefix:<14} {bar:30} {pos}/{len} pages  {msg}",
                )
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
            );
            bar.set_prefix(p.stream.clone());
            bar
        });
        if let Some(total) = p.pages_total {
            bar.set_length(total.max(p.pages));
        } else {
            bar.set_length(p.pages);
        }
        bar.set_position(p.pages);
        bar.set_message(format!(
            "{}: {} rows, {} requests (budget {}/window)",
            p.phase, p.rows_written, p.requests, p.budget
        ));
    }

    /// Ends a run's display: the bars, or one JSON line per stream and one for the run.
    fn finish(&self, report: &Report) -> Result<(), Failure> {
        if let Some((_, bars)) = &self.bars {
            if let Ok(mut bars) = bars.lock() {
                for (_, bar) in std::mem::take(&mut *bars) {
                    bar.finish();
                }
            }
            eprintln!(
                "run {} {}: {} rows written, {} requests (budget {} per window){}",
                report.run_id,
                report.status.as_str(),
                report.rows_written,
                report.requests,
                report.budget,
                report
                    .error
                    .as_deref()
                    .map(|e| format!(": {e}"))
                    .unwrap_or_default()
            );
            return Ok(());
        }
        let out = Printer::lines();
        for stream in &report.streams {
            out.print(&serde_json::json!({
                "run_id": report.run_id,
                "stream": stream.stream,
                "full": stream.full,
                "complete": stream.complete,
                "pages": stream.pages,
                "requests": stream.requests,
                "rows_written": stream.rows_written,
            }))?;
        }
        out.print(&serde_json::json!({
            "run_id": report.run_id,
            "status": report.status,
            "requests": report.requests,
            "budget": report.budget,
            "rows_written": report.rows_written,
            "write_ms": u64::try_from(report.write_time.as_millis()).unwrap_or(u64::MAX),
            "error": report.error,
        }))
    }
}
