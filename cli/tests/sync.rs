//! `baijiayun sync` as a child process: killed with SIGKILL at many points of a run and started
//! again, it ends with the database of a run never killed; across a kill, no window of the fake's
//! arrival times holds more requests than the budget.

#[path = "../../sync/tests/support/mod.rs"]
mod support;
#[path = "common/sync_child.rs"]
mod sync_child;

use std::collections::BTreeMap;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use baijiayun_mock::{Fault, MockServer};
use baijiayun_sync::Database;
use support::*;

/// The child, its stdout dropped and its stderr kept for failures.
fn sync_command(server: &MockServer, db: &str, args: &[&str]) -> Command {
    let mut cmd = sync_child::sync_command(server, db, args);
    cmd.stdout(Stdio::null()).stderr(Stdio::piped());
    cmd
}

/// Runs a sync to its end and asserts it completed.
fn run_to_end(server: &MockServer, db: &str, args: &[&str]) {
    let out = sync_command(server, db, args)
        .output()
        .expect("run baijiayun sync");
    assert!(
        out.status.success(),
        "sync failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Everything a run leaves that must not depend on whether it was killed: the rows (without the
/// sync's own timestamps) and the cursors' positions.
async fn content(
    db: &Database,
) -> (
    BTreeMap<i64, PlaybackCols>,
    Vec<(String, String)>,
    Vec<String>,
) {
    let pool = db.sqlite().expect("sqlite");
    let playbacks = db_playbacks(db).await;
    let records: Vec<(String, String)> =
        sqlx::query_as("SELECT guid || ' ' || day, raw FROM play_records ORDER BY guid, day")
            .fetch_all(pool)
            .await
            .expect("records");
    let deleted: Vec<String> = sqlx::query_scalar(
        "SELECT CAST(playback_id AS TEXT) FROM playbacks WHERE deleted_at IS NOT NULL ORDER BY 1",
    )
    .fetch_all(pool)
    .await
    .expect("deleted");
    (playbacks, records, deleted)
}

/// `baijiayun sync status --format json` of `db`, which must succeed.
fn status_json(db: &str) -> serde_json::Value {
    let status = Command::new(env!("CARGO_BIN_EXE_baijiayun"))
        .args(["sync", "status", "--format", "json", "--db", db])
        .env_clear()
        .output()
        .expect("sync status");
    assert!(
        status.status.success(),
        "{}",
        String::from_utf8_lossy(&status.stderr)
    );
    serde_json::from_slice(&status.stdout).expect("JSON")
}

/// How many requests the fake has received.
fn received(server: &MockServer) -> usize {
    server.recorded().0
}

fn kill(mut child: Child) {
    let _ = child.kill(); // SIGKILL on Unix
    let _ = child.wait();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_at_any_point_and_restarted_it_ends_as_a_run_never_killed() {
    let server = MockServer::builder()
        .no_rate_limit()
        .record_capacity(100_000)
        .start()
        .await
        .expect("fake");
    // Small pages, so that a run is many requests over every stream.
    let args = ["--page-size", "1"];

    let reference = TempDb::new();
    server.clear_requests();
    run_to_end(&server, &reference.url, &args);
    let total = received(&server);
    assert!(
        total >= 25,
        "a run of {total} requests is too short to kill at 20 points"
    );
    let expected = content(&reference.open().await).await;
    let reader = server
        .client_builder()
        .no_rate_limit()
        .build()
        .expect("client");
    assert_same("playbacks", &expected.0, &fake_playbacks(&reader).await);

    // Every request is slowed down, so that a kill lands at the point chosen: while request k is
    // in flight, or just after its answer, when its page is being written.
    server.inject_all(Fault::Latency(Duration::from_millis(15)));
    let points = 22;
    for i in 0..points {
        // From the first request to the one before the last.
        let k = 1 + i * (total - 2) / (points - 1);
        let temp = TempDb::new();
        server.clear_requests();
        let child = sync_command(&server, &temp.url, &args)
            .spawn()
            .expect("spawn");
        let deadline = Instant::now() + Duration::from_secs(60);
        while received(&server) < k && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        // Half the kills wait for the answer, to land in the write that follows it.
        if i % 2 == 1 {
            tokio::time::sleep(Duration::from_millis(16 + (i as u64 % 5))).await;
        }
        kill(child);
        run_to_end(&server, &temp.url, &args);
        let db = temp.open().await;
        let got = content(&db).await;
        assert_same("playbacks after a kill", &got.0, &expected.0);
        assert_eq!(
            got.1, expected.1,
            "play records after a kill at request {k}"
        );
        assert_eq!(got.2, expected.2, "deletions after a kill at request {k}");
        let statuses = run_statuses(&db).await;
        assert_eq!(
            statuses.last().map(String::as_str),
            Some("complete"),
            "kill at request {k}: {statuses:?}"
        );
        // The killed run is recorded as interrupted by the one after it (unless the kill came
        // after its last write).
        assert!(
            statuses.len() == 1 || statuses[0] == "interrupted" || statuses[0] == "complete",
            "kill at request {k}: {statuses:?}"
        );
        db.close().await;
    }
    server.clear_faults();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn across_a_kill_no_window_holds_more_than_the_budget() {
    // The account: 20 requests a second, counted by the sync with a margin (1.2 s windows, as
    // the vendor's 10 s are counted as 10.25 s); the sync's share: half, 10.
    let window = Duration::from_millis(1000);
    let budget = 10;
    let server = MockServer::builder()
        .rate_limit(20, window)
        .record_capacity(100_000)
        .start()
        .await
        .expect("fake");
    let args = [
        "--page-size",
        "1",
        "--rate-limit",
        "20/1200ms",
        "--budget",
        "0.5",
    ];
    let temp = TempDb::new();
    server.clear_requests();
    let child = sync_command(&server, &temp.url, &args)
        .spawn()
        .expect("spawn");
    let deadline = Instant::now() + Duration::from_secs(60);
    while received(&server) < 15 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    kill(child);
    // Restarted at once: it must count what the dead process sent.
    run_to_end(&server, &temp.url, &args);
    let arrivals: Vec<Instant> = server.requests().iter().map(|r| r.arrived).collect();
    assert!(arrivals.len() > 2 * budget, "{} requests", arrivals.len());
    for (i, &start) in arrivals.iter().enumerate() {
        let in_window = arrivals[i..]
            .iter()
            .take_while(|&&t| t < start + window)
            .count();
        assert!(
            in_window <= budget,
            "{in_window} requests arrived within {window:?} from request {i} (budget {budget})"
        );
    }
    assert!(
        server.requests().iter().all(|r| r.status == Some(200)),
        "the fake refused a request"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_ends_a_run_interrupted_and_status_shows_it() {
    let server = MockServer::builder()
        .no_rate_limit()
        .start()
        .await
        .expect("fake");
    server.inject_all(Fault::Latency(Duration::from_millis(200)));
    let temp = TempDb::new();
    let child = sync_command(&server, &temp.url, &["--page-size", "1"])
        .spawn()
        .expect("spawn");
    let deadline = Instant::now() + Duration::from_secs(30);
    while received(&server) < 3 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let term = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill -TERM");
    assert!(term.success());
    let out = child.wait_with_output().expect("wait");
    assert_eq!(
        out.status.code(),
        Some(130),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    server.clear_faults();

    let json = status_json(&temp.url);
    let runs = json["runs"].as_array().expect("runs");
    assert_eq!(runs.len(), 1, "{json}");
    assert_eq!(runs[0]["status"], "interrupted", "{json}");
    for key in ["started_at", "finished_at"] {
        let t = runs[0][key].as_str().expect(key);
        assert!(
            humantime::parse_rfc3339(t).is_ok() && t.ends_with('Z'),
            "{key}: {t}"
        );
    }
    assert!(json["streams"].is_array(), "{json}");

    // The next run completes, and status lists it first.
    run_to_end(&server, &temp.url, &["--page-size", "1"]);
    let json = status_json(&temp.url);
    let statuses: Vec<&str> = json["runs"]
        .as_array()
        .expect("runs")
        .iter()
        .filter_map(|r| r["status"].as_str())
        .collect();
    assert_eq!(statuses, ["complete", "interrupted"]);
    let streams: Vec<&str> = json["streams"]
        .as_array()
        .expect("streams")
        .iter()
        .filter_map(|s| s["stream"].as_str())
        .collect();
    assert_eq!(
        streams,
        [
            "play_records",
            "playbacks/1",
            "playbacks/2",
            "playbacks/3",
            "playbacks/4"
        ]
    );
}
