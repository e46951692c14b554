//! `baijiayun sync --callbacks ADDR` as a child process against the fake, on SQLite: a callback the
//! fake sends to `POST /callback` is acknowledged and stored once (a duplicate too is
//! acknowledged), a forged one is refused, and between runs the sync re-reads the room the event
//! names and marks it refreshed; SIGTERM ends it.

#[path = "common/sync_child.rs"]
mod sync_child;

use std::process::Stdio;
use std::time::{Duration, Instant};

use baijiayun::callback::{CallbackEvent, TranscodeEvent, TranscodeSucceeded};
use baijiayun::types::{RoomId, VideoId};
use baijiayun_mock::MockServer;
use sync_child::{lines, terminate};

/// `(refreshed, rows)`: whether the event `qid` was refreshed, and the stored rows of it.
async fn event_state(db: &str, qid: &str) -> (bool, i64) {
    let pool = sqlx::SqlitePool::connect(db).await.expect("open");
    let rows: Vec<(Option<String>,)> =
        sqlx::query_as("SELECT refreshed_at FROM callback_events WHERE qid = $1")
            .bind(qid)
            .fetch_all(&pool)
            .await
            .expect("query");
    pool.close().await;
    (
        rows.iter().any(|(r,)| r.is_some()),
        i64::try_from(rows.len()).unwrap_or(i64::MAX),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn callbacks_are_stored_once_and_their_room_refreshed() {
    let server = MockServer::builder()
        .no_rate_limit()
        .rooms(10)
        .start()
        .await
        .expect("fake");
    let dir = tempfile::tempdir().expect("temp dir");
    let db = format!("sqlite://{}", dir.path().join("sync.db").display());
    let mut child = sync_child::aimed_at(&server)
        .args([
            "sync",
            "--db",
            &db,
            "--interval",
            "1h",
            "--progress",
            "json",
        ])
        .args(["--callbacks", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn baijiayun sync");
    let stdout = lines(child.stdout.take().expect("stdout"));
    let stderr = lines(child.stderr.take().expect("stderr"));

    // The receiver's address, from its log line (JSON: stdout is not a terminal).
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut seen = Vec::new();
    let addr = loop {
        let line = stderr
            .recv_timeout(deadline.saturating_duration_since(Instant::now()))
            .unwrap_or_else(|e| panic!("no callback address ({e}):\n{}", seen.join("\n")));
        let found = serde_json::from_str::<serde_json::Value>(&line)
            .ok()
            .filter(|v| {
                v["fields"]["message"]
                    .as_str()
                    .is_some_and(|m| m.contains("callbacks"))
            })
            .and_then(|v| v["fields"]["address"].as_str().map(str::to_owned));
        seen.push(line);
        if let Some(addr) = found {
            break addr;
        }
    };
    let url = format!("http://{addr}/callback");
    // The first run ends (its JSON line with a status).
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let line = stdout
            .recv_timeout(deadline.saturating_duration_since(Instant::now()))
            .expect("the first run's report");
        let v: serde_json::Value = serde_json::from_str(&line).expect("JSON");
        if v.get("status").is_some() {
            assert_eq!(v["status"], "complete", "{v}");
            break;
        }
    }

    let room = server.account().playbacks()[0].room_id;
    let event = CallbackEvent::Transcode(TranscodeEvent::Succeeded(TranscodeSucceeded::new(
        RoomId(room.into()),
        VideoId(1),
        "cli-q-1",
    )));
    for _ in 0..2 {
        let delivery = server.send_callback(&url, &event).await.expect("send");
        assert!(delivery.accepted(), "{delivery:?}");
    }
    let forged = baijiayun::callback::signed_body("another-key", &event);
    let answer = reqwest::Client::new()
        .post(&url)
        .body(forged)
        .send()
        .await
        .expect("post")
        .text()
        .await
        .expect("answer");
    assert!(answer.starts_with(r#"{"code":1"#), "{answer}");

    // Between runs, the sync refreshes the room within a few seconds.
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let (refreshed, rows) = event_state(&db, "cli-q-1").await;
        assert_eq!(rows, 1, "stored once");
        if refreshed {
            break;
        }
        assert!(Instant::now() < deadline, "not refreshed within 30 s");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    terminate(child);
}
