//! `cargo bench -p baijiayun-cli --bench sync`: the sync's numbers in BENCHMARKS.md.
//!
//! * Backfill of a generated account (2,000 and 20,000 rooms) against the in-process fake without a
//!   rate limit: rows written per second into SQLite, and the sync process's peak RSS (`VmHWM`).
//! * An incremental run right after, with nothing changed: requests used.
//! * A backfill against the fake with the vendor's limit (200 in 10 s) and the default budget (0.8):
//!   requests sent ÷ requests the budget allows.
//!
//! * The same backfill of 20,000 rooms into PostgreSQL (a real server, `postgres-test-server`):
//!   rows written per second and peak RSS.
//!
//! The sync runs as the `baijiayun` binary, a child process, so its memory is its own.
//! `SYNC_BENCH=sqlite|postgres|limit` runs one group only.

#![allow(clippy::print_stdout, reason = "a benchmark prints its results")]

use std::io::{BufRead as _, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use baijiayun_mock::MockServer;

#[path = "../tests/common/sync_child.rs"]
mod sync_child;

/// The child, its JSON lines read by the bench, its stderr shown.
fn sync_command(server: &MockServer, db: &str, args: &[&str]) -> Command {
    let mut cmd = sync_child::sync_command(server, db, args);
    cmd.stdout(Stdio::piped()).stderr(Stdio::inherit());
    cmd
}

/// The peak resident set of a running process, in KiB.
fn peak_rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

/// What one run printed and used.
struct Run {
    seconds: f64,
    rows: u64,
    requests: u64,
    peak_kib: u64,
    /// Time the run spent inside its write transactions.
    write_seconds: f64,
}

/// Runs the child to its end, sampling its peak RSS, and reads its run line.
fn measure(mut child: Child) -> Run {
    let started = Instant::now();
    let stdout = child.stdout.take().expect("stdout");
    let reader = std::thread::spawn(move || {
        BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
            .filter_map(|l| serde_json::from_str::<serde_json::Value>(&l).ok())
            .find(|v| v.get("status").is_some())
    });
    let mut peak = 0;
    loop {
        if let Some(kib) = peak_rss_kib(child.id()) {
            peak = peak.max(kib);
        }
        if child.try_wait().expect("wait").is_some() {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let seconds = started.elapsed().as_secs_f64();
    let line = reader.join().expect("reader").expect("the run's JSON line");
    assert_eq!(line["status"], "complete", "{line}");
    Run {
        seconds,
        rows: line["rows_written"].as_u64().unwrap_or(0),
        requests: line["requests"].as_u64().unwrap_or(0),
        peak_kib: peak,
        write_seconds: line["write_ms"].as_u64().unwrap_or(0) as f64 / 1000.0,
    }
}

/// A fake with a generated account of `rooms`, without the vendor's limit.
fn unlimited_fake(runtime: &tokio::runtime::Runtime, rooms: u32) -> MockServer {
    runtime
        .block_on(
            MockServer::builder()
                .no_rate_limit()
                .rooms(rooms as usize)
                .seed(7)
                .start(),
        )
        .expect("fake")
}

/// The flags that take the client's and the sync's limits off.
const UNLIMITED: [&str; 4] = ["--rate-limit", "1000000/1s", "--budget", "1"];

fn backfill_postgres(rooms: u32) {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let server = unlimited_fake(&runtime, rooms);
    let pg = postgres_test_server::PgServer::start().expect("PostgreSQL");
    let db = pg.create_database("bench").expect("database");
    let run = measure(
        sync_command(&server, &db, &UNLIMITED)
            .spawn()
            .expect("spawn"),
    );
    println!(
        "backfill {rooms:>6} rooms into PostgreSQL: {:>8} rows in {:>6.2} s = {:>8.0} rows/s, {:>5} requests, peak RSS {:>6.1} MiB; writing {:.2} s = {:.0} rows/s",
        run.rows,
        run.seconds,
        run.rows as f64 / run.seconds,
        run.requests,
        run.peak_kib as f64 / 1024.0,
        run.write_seconds,
        run.rows as f64 / run.write_seconds.max(0.001)
    );
}

fn backfill(rooms: u32) {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let server = unlimited_fake(&runtime, rooms);
    let dir = tempfile::tempdir().expect("dir");
    let db = format!("sqlite://{}", dir.path().join("bench.db").display());
    let unlimited = UNLIMITED;
    let run = measure(
        sync_command(&server, &db, &unlimited)
            .spawn()
            .expect("spawn"),
    );
    println!(
        "backfill {rooms:>6} rooms: {:>8} rows in {:>6.2} s = {:>8.0} rows/s, {:>5} requests, peak RSS {:>6.1} MiB; writing {:.2} s = {:.0} rows/s",
        run.rows,
        run.seconds,
        run.rows as f64 / run.seconds,
        run.requests,
        run.peak_kib as f64 / 1024.0,
        run.write_seconds,
        run.rows as f64 / run.write_seconds.max(0.001)
    );
    let again = measure(
        sync_command(&server, &db, &unlimited)
            .spawn()
            .expect("spawn"),
    );
    println!(
        "incremental, nothing changed ({rooms} rooms): {} requests, {} rows written",
        again.requests, again.rows
    );
}

fn within_the_vendor_limit() {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let server = runtime
        .block_on(
            MockServer::builder()
                .rooms(2000)
                .seed(7)
                .record_capacity(100_000)
                .start(),
        )
        .expect("fake");
    let dir = tempfile::tempdir().expect("dir");
    let db = format!("sqlite://{}", dir.path().join("bench.db").display());
    server.clear_requests();
    // Pages of 10 make the backfill long enough to meet the limit.
    let mut child = sync_command(&server, &db, &["--page-size", "10"])
        .stdout(Stdio::null())
        .spawn()
        .expect("spawn");
    std::thread::sleep(Duration::from_secs(45));
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let _ = child.wait();
    let arrivals: Vec<_> = server.requests().iter().map(|r| r.arrived).collect();
    let refused = server
        .requests()
        .iter()
        .filter(|r| r.status != Some(200))
        .count();
    let (Some(first), Some(last)) = (arrivals.first(), arrivals.last()) else {
        println!("no request arrived");
        return;
    };
    // Whole windows of the vendor's 10 s from the first arrival: the budget allows 160 in each.
    let window = Duration::from_secs(10);
    let windows = (last.duration_since(*first).as_secs_f64() / 10.0)
        .floor()
        .max(1.0) as u32;
    let end = *first + window * windows;
    let sent = arrivals.iter().filter(|&&t| t < end).count();
    let allowed = 160 * windows as usize;
    println!(
        "vendor limit, budget 0.8: {sent} requests in the first {windows} windows of 10 s, {:.3} of the budget's {allowed}; {refused} refused by the fake",
        sent as f64 / allowed as f64
    );
}

fn main() {
    // `cargo test --benches` runs bench targets with `--bench`-less args; only measure under `cargo bench`.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let only = std::env::var("SYNC_BENCH").unwrap_or_default();
    if only.is_empty() || only == "sqlite" {
        backfill(2_000);
        backfill(20_000);
    }
    if only.is_empty() || only == "postgres" {
        backfill_postgres(20_000);
    }
    if only.is_empty() || only == "limit" {
        within_the_vendor_limit();
    }
}
