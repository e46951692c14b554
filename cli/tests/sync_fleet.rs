//! `baijiayun sync` processes sharing one PostgreSQL database (a real server): one holds the lease
//! and syncs, the others stand by. The active one killed with SIGKILL mid-backfill is replaced and
//! the database ends equal to the fake; one paused (SIGSTOP) past its lease and resumed writes
//! nothing once superseded. PostgreSQL or Redis restarted mid-run: the run ends in error or
//! recovers, nothing is half-written, and the next run completes the copy.

#[path = "../../sync/tests/support/mod.rs"]
#[macro_use]
mod support;
#[path = "common/sync_child.rs"]
mod sync_child;

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use baijiayun_mock::MockServer;
use baijiayun_sync::Database;
use postgres_test_server::PgServer;
use sqlx::Row as _;
use support::*;

/// Slow enough that a backfill takes several seconds: pages of 20 at 20 requests a second.
const PACED: [&str; 6] = [
    "--rate-limit",
    "20/1s",
    "--budget",
    "1",
    "--page-size",
    "20",
];

/// A fake with a generated account, without the vendor's limit (the children pace themselves).
async fn fake() -> MockServer {
    MockServer::builder()
        .no_rate_limit()
        .rooms(300)
        .seed(5)
        .start()
        .await
        .expect("fake")
}

/// A fake, a PostgreSQL server and a database `name` on it, opened. The test server trades
/// durability for speed (`synchronous_commit = off`), and an immediate stop loses what it
/// acknowledged last: these databases keep their commits, as a real server does.
async fn on_postgres(name: &str) -> (PgServer, MockServer, String, Database) {
    let pg = pg_server();
    let url = pg.create_database(name).expect("database");
    pg.psql(
        name,
        &format!("ALTER DATABASE {name} SET synchronous_commit = on"),
    )
    .expect("durable commits");
    let db = Database::open(&url).await.expect("open");
    (pg, fake().await, url, db)
}

/// A paced `sync --once` child with `env` added, its output kept for failures.
fn spawn(server: &MockServer, db: &str, env: &[(&str, String)]) -> Child {
    let mut cmd = sync_child::sync_command(server, db, &PACED);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn baijiayun sync")
}

/// Waits until the sync has written `rows` playbacks: it is mid-backfill.
async fn mid_backfill(db: &Database, rows: i64) {
    wait_for(
        db,
        "SELECT COUNT(*) FROM playbacks",
        Duration::from_secs(60),
        |n| n >= rows,
    )
    .await;
}

/// Polls `query` (one number) until `done` holds, for at most `within`.
async fn wait_for(
    db: &Database,
    query: &'static str,
    within: Duration,
    done: impl Fn(i64) -> bool,
) {
    let started = Instant::now();
    loop {
        let value = count(db, query).await;
        if done(value) {
            return;
        }
        assert!(
            started.elapsed() < within,
            "waited {within:?} for {query}: still {value}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Waits for a child's end, for at most `within`, and returns its exit code and output.
fn finish(child: Child, within: Duration) -> (Option<i32>, String) {
    let pid = child.id();
    let waiter = std::thread::spawn(move || child.wait_with_output().expect("wait"));
    let started = Instant::now();
    while !waiter.is_finished() {
        if started.elapsed() > within {
            let _ = Command::new("kill")
                .args(["-KILL", &pid.to_string()])
                .status();
            panic!("the sync did not end within {within:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let out = waiter.join().expect("waiter");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code(), text)
}

fn signal(child: &Child, sig: &str) {
    let ok = Command::new("kill")
        .args([sig, &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(ok.success(), "kill {sig}");
}

/// The runs as recorded: (instance, status, started_at, finished_at), oldest first.
async fn runs(db: &Database) -> Vec<(String, String, String, Option<String>)> {
    fetch_rows!(
        db,
        "SELECT instance, status, started_at, finished_at FROM sync_runs ORDER BY id",
        [],
        |r| (r.get(0), r.get(1), r.get(2), r.get(3))
    )
}

/// Everything the sync wrote, as one text: what a superseded instance must not change.
async fn snapshot(db: &Database) -> Vec<String> {
    fetch_rows!(
        db,
        "SELECT 'p ' || playback_id || ' ' || read_at || ' ' || synced_at FROM playbacks \
         UNION ALL SELECT 'r ' || guid || day || ' ' || read_at FROM play_records \
         UNION ALL SELECT 'c ' || stream || state FROM sync_cursors \
         UNION ALL SELECT 'u ' || id || status || COALESCE(finished_at, '') FROM sync_runs \
         ORDER BY 1",
        [],
        |r| r.get(0)
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_active_sync_killed_mid_backfill_is_replaced_and_the_copy_is_whole() {
    let (_pg, server, url, db) = on_postgres("failover").await;
    let until = read_until(LAG);

    let first = spawn(&server, &url, &[]);
    wait_for(
        &db,
        "SELECT COUNT(*) FROM sync_lease",
        Duration::from_secs(30),
        |n| n == 1,
    )
    .await;
    let second = spawn(&server, &url, &[]);
    // The first writes while the second stands by.
    mid_backfill(&db, 100).await;
    let holder: Vec<String> = fetch_rows!(db, "SELECT holder FROM sync_lease", [], |r| r.get(0));
    let killed_at = Instant::now();
    signal(&first, "-KILL");
    let (_, first_out) = finish(first, Duration::from_secs(10));

    let (code, out) = finish(second, Duration::from_secs(180));
    assert_eq!(
        code,
        Some(0),
        "the standby's run: {out}\nthe first: {first_out}"
    );
    assert!(
        killed_at.elapsed() < Duration::from_secs(170),
        "the standby took {:?}",
        killed_at.elapsed()
    );
    assert_db_equals_fake(&db, &server, &until).await;

    // Two runs, by two instances, that do not overlap: the killed one was ended by its successor
    // before the successor's own run started.
    let runs = runs(&db).await;
    assert_eq!(runs.len(), 2, "{runs:?}");
    let (dead, next) = (&runs[0], &runs[1]);
    assert_eq!(dead.0, holder[0], "the first run was the first holder's");
    assert_ne!(dead.0, next.0, "another instance finished: {runs:?}");
    assert_eq!(dead.1, "interrupted", "{runs:?}");
    assert_eq!(next.1, "complete", "{runs:?}");
    let dead_end = dead.3.as_deref().expect("the dead run was closed");
    assert!(dead_end <= next.2.as_str(), "runs overlap: {runs:?}");
    let duplicates = count(
        &db,
        "SELECT COUNT(*) FROM (SELECT room_id, session_id, version FROM playbacks \
         GROUP BY room_id, session_id, version HAVING COUNT(*) > 1) d",
    )
    .await;
    assert_eq!(duplicates, 0, "a playback stored twice");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_paused_leader_writes_nothing_once_superseded() {
    let (_pg, server, url, db) = on_postgres("paused").await;
    let until = read_until(LAG);

    let leader = spawn(&server, &url, &[]);
    mid_backfill(&db, 60).await;
    signal(&leader, "-STOP");
    let token_before = count(&db, "SELECT token FROM sync_lease").await;

    // A standby takes the lease over once it expires, and completes the run.
    let standby = spawn(&server, &url, &[]);
    let (code, out) = finish(standby, Duration::from_secs(180));
    assert_eq!(code, Some(0), "the standby's run: {out}");
    assert!(count(&db, "SELECT token FROM sync_lease").await > token_before);
    assert_db_equals_fake(&db, &server, &until).await;
    let before = snapshot(&db).await;

    // The old leader wakes up: every write it tries is fenced off, and it ends in error.
    signal(&leader, "-CONT");
    let (code, out) = finish(leader, Duration::from_secs(120));
    assert_ne!(
        code,
        Some(0),
        "the superseded leader reported success: {out}"
    );
    let after = snapshot(&db).await;
    assert!(
        before == after,
        "the superseded leader wrote: {} rows before, {} after\nits output: {out}",
        before.len(),
        after.len()
    );
}

/// A run whose database or Redis went away and came back: it ended (never left `running`), and a
/// next run completes the copy, equal to the fake. The next run uses the default page size, not
/// the first run's 20: it resumes the checkpoint in its own pages.
async fn after_a_restart(
    server: &MockServer,
    db: &Database,
    url: &str,
    child: Child,
    extra: &[(&str, String)],
) {
    let (code, out) = finish(child, Duration::from_secs(180));
    assert!(
        matches!(code, Some(0 | 1)),
        "the run neither completed nor failed cleanly: {out}"
    );
    let until = read_until(LAG);
    let mut again = sync_child::sync_command(server, url, &[]);
    for (k, v) in extra {
        again.env(k, v);
    }
    let out = again.output().expect("run again");
    assert!(
        out.status.success(),
        "the next run: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_db_equals_fake(db, server, &until).await;
    let statuses = run_statuses(db).await;
    assert!(
        statuses.iter().all(|s| s != "running"),
        "a run left running: {statuses:?}"
    );
    assert_eq!(
        statuses.last().map(String::as_str),
        Some("complete"),
        "{statuses:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_restarted_mid_run() {
    let (pg, server, url, db) = on_postgres("restart").await;
    let child = spawn(&server, &url, &[]);
    mid_backfill(&db, 60).await;
    pg.stop().expect("stop PostgreSQL");
    tokio::time::sleep(Duration::from_secs(2)).await;
    pg.start_again().expect("start PostgreSQL again");
    after_a_restart(&server, &db, &url, child, &[]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_restarted_mid_run() {
    let mut redis = redis_test_server::RedisServer::start().unwrap_or_else(|e| {
        panic!("redis-server for the test: {e} (`cargo xtask test` installs it)")
    });
    let server = fake().await;
    let temp = TempDb::new();
    let db = temp.open().await;
    let redis_env = [("BAIJIAYUN_REDIS_URL", redis.url())];
    let child = spawn(&server, &temp.url, &redis_env);
    mid_backfill(&db, 60).await;
    redis.kill();
    tokio::time::sleep(Duration::from_secs(1)).await;
    redis.restart().expect("restart redis-server");
    after_a_restart(&server, &db, &temp.url, child, &redis_env).await;
}
