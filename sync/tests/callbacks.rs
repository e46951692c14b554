//! Callbacks into the database: the receiver stores each verified event once (a duplicate is
//! acknowledged, a bad sign refused), on SQLite and on PostgreSQL; the SQL delivery store never
//! lets two concurrent claims of one delivery both win; three receivers on one PostgreSQL
//! database take a burst of 10,000 callbacks, each sent twice to different receivers, while a
//! sync runs: each event is stored once, none is lost, and the rooms they name are refreshed.

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use baijiayun::RateLimit;
use baijiayun::callback::{
    CallbackEvent, Claim, DeliveryStore, ServeLimits, TranscodeEvent, TranscodeSucceeded,
    signed_body, signed_body_from_fields,
};
use baijiayun::types::{RoomId, VideoId};
use baijiayun_mock::MockServer;
use baijiayun_sync::callbacks::{CallbackReceiver, SqlDeliveryStore};
use baijiayun_sync::{Database, RunStatus, Syncer};
use futures_util::StreamExt as _;
use sqlx::Row as _;
use support::*;

/// Serves a receiver on a free 127.0.0.1 port; returns its callback URL.
async fn serve(db: &Database, key: &str) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let receiver = CallbackReceiver::new(db.clone(), key);
    tokio::spawn(receiver.serve(listener, ServeLimits::default()));
    format!("http://{addr}/callback")
}

/// Runs one query with one text parameter on either backend, each row mapped by `$map`.
macro_rules! rows {
    ($db:expr, $sql:expr, $bind:expr, |$r:ident| $map:expr) => {
        match ($db.sqlite(), $db.postgres()) {
            (Some(pool), _) => sqlx::query($sql)
                .bind($bind)
                .fetch_all(pool)
                .await
                .expect($sql)
                .iter()
                .map(|$r| $map)
                .collect::<Vec<_>>(),
            (None, Some(pool)) => sqlx::query($sql)
                .bind($bind)
                .fetch_all(pool)
                .await
                .expect($sql)
                .iter()
                .map(|$r| $map)
                .collect::<Vec<_>>(),
            (None, None) => unreachable!("another backend"),
        }
    };
}

/// `(body, kind, room_id, refreshed)` of the events of `qid`.
async fn events_of(db: &Database, qid: &str) -> Vec<(String, String, Option<i64>, bool)> {
    rows!(
        db,
        "SELECT body, kind, room_id, refreshed_at IS NOT NULL AS refreshed FROM callback_events \
         WHERE qid = $1",
        qid,
        |r| (r.get(0), r.get(1), r.get(2), r.get(3))
    )
}

fn succeeded(room: i64, qid: &str) -> CallbackEvent {
    CallbackEvent::Transcode(TranscodeEvent::Succeeded(TranscodeSucceeded::new(
        RoomId(room),
        VideoId(room * 10),
        qid,
    )))
}

/// A room the fake lists.
async fn some_room(server: &MockServer) -> i64 {
    let reader = server
        .client_builder()
        .no_rate_limit()
        .build()
        .expect("client");
    fake_playbacks(&reader)
        .await
        .values()
        .next()
        .expect("a playback")
        .room_id
}

/// A duplicate is stored once and acknowledged; a bad sign is refused and stores nothing; the
/// sync then refreshes the room the event names.
async fn duplicate_once_bad_sign_refused(db: Database) {
    let server = MockServer::builder()
        .no_rate_limit()
        .rooms(6)
        .start()
        .await
        .expect("fake");
    let key = server.partner_key().to_owned();
    let url = serve(&db, &key).await;
    let room = some_room(&server).await;

    let event = succeeded(room, "q-dup-1");
    let first = server.send_callback(&url, &event).await.expect("send");
    assert!(first.accepted(), "{first:?}");
    let again = server.send_callback(&url, &event).await.expect("send");
    assert!(again.accepted(), "a duplicate is acknowledged: {again:?}");
    let stored = events_of(&db, "q-dup-1").await;
    assert_eq!(stored.len(), 1, "stored once");
    let (body, kind, room_id, refreshed) = &stored[0];
    assert_eq!(body, &signed_body(&key, &event), "the body as received");
    assert_eq!(kind, "transcode_succeeded");
    assert_eq!(*room_id, Some(room));
    assert!(!refreshed);
    let completed: Vec<bool> = rows!(
        db,
        "SELECT completed FROM callback_deliveries WHERE qid = $1",
        "q-dup-1",
        |r| r.get(0)
    );
    assert_eq!(completed, vec![true]);

    // Signed with another key: refused with a retryable answer, nothing stored.
    let forged = signed_body_from_fields(
        "not-the-partner-key",
        [
            ("qid", "q-forged"),
            ("room_id", "17"),
            ("video_id", "2"),
            ("status", "100"),
            ("timestamp", &baijiayun_now()),
        ],
    );
    let answer = reqwest::Client::new()
        .post(&url)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(forged)
        .send()
        .await
        .expect("post")
        .text()
        .await
        .expect("answer");
    assert!(answer.starts_with(r#"{"code":1"#), "{answer}");
    assert!(events_of(&db, "q-forged").await.is_empty());
    assert_eq!(
        count(&db, "SELECT COUNT(*) FROM callback_events").await,
        1,
        "only the verified event"
    );

    // The sync re-reads the room the event names and marks the event refreshed.
    let sync = Syncer::new(server.client().expect("client"), db.clone());
    let report = sync.run_once().await.expect("run");
    assert_eq!(report.status, RunStatus::Complete, "{:?}", report.error);
    let stored = events_of(&db, "q-dup-1").await;
    assert!(stored[0].3, "refreshed");
}

fn baijiayun_now() -> String {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("time")
        .as_secs()
        .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_stores_a_duplicate_once_and_refuses_a_bad_sign() {
    let temp = TempDb::new();
    duplicate_once_bad_sign_refused(temp.open().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_stores_a_duplicate_once_and_refuses_a_bad_sign() {
    let pg = pg_server();
    duplicate_once_bad_sign_refused(pg_database(&pg, "dup").await).await;
}

/// Of concurrent claims of one delivery, at most one wins; a completed one is `Completed`; a
/// released one is claimable again.
async fn claims_are_exclusive(db: Database) {
    let store = Arc::new(SqlDeliveryStore::new(db));
    let lease = Duration::from_secs(60);
    let mut tasks = Vec::new();
    for q in 0..50 {
        for attempt in 0..4 {
            let store = Arc::clone(&store);
            tasks.push(tokio::spawn(async move {
                let qid = format!("c{q}");
                let token = format!("t{attempt}");
                let claim = store.claim(&qid, &token, lease).await.expect("claim");
                (qid, claim)
            }));
        }
    }
    let mut winners: BTreeMap<String, usize> = BTreeMap::new();
    for t in tasks {
        let (qid, claim) = t.await.expect("task");
        let n = winners.entry(qid).or_default();
        if claim == Claim::Claimed {
            *n += 1;
        } else {
            assert_eq!(claim, Claim::InProgress);
        }
    }
    assert!(winners.values().all(|&n| n == 1), "{winners:?}");

    assert_eq!(
        store.claim("x", "a", lease).await.expect("claim"),
        Claim::Claimed
    );
    store.release("x", "b").await.expect("release");
    assert_eq!(
        store.claim("x", "b", lease).await.expect("claim"),
        Claim::InProgress
    );
    store.release("x", "a").await.expect("release");
    assert_eq!(
        store.claim("x", "b", lease).await.expect("claim"),
        Claim::Claimed
    );
    store
        .complete("x", "b", Duration::from_secs(60))
        .await
        .expect("complete");
    store.release("x", "b").await.expect("release keeps it");
    assert_eq!(
        store.claim("x", "c", lease).await.expect("claim"),
        Claim::Completed
    );
    // A claim whose lease ran out is claimable again; so is a completed record past its keep.
    assert_eq!(
        store.claim("y", "a", Duration::ZERO).await.expect("claim"),
        Claim::Claimed
    );
    tokio::time::sleep(Duration::from_millis(20)).await;
    assert_eq!(
        store.claim("y", "b", lease).await.expect("claim"),
        Claim::Claimed
    );
    store
        .complete("z", "a", Duration::ZERO)
        .await
        .expect("complete");
    tokio::time::sleep(Duration::from_millis(20)).await;
    assert!(store.sweep_expired(1000).await.expect("sweep") >= 1);
    assert_eq!(
        store.claim("z", "b", lease).await.expect("claim"),
        Claim::Claimed
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_claims_are_exclusive() {
    let temp = TempDb::new();
    claims_are_exclusive(temp.open().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_claims_are_exclusive() {
    let pg = pg_server();
    claims_are_exclusive(pg_database(&pg, "claims").await).await;
}

/// Events in the burst.
const BURST: usize = 10_000;
/// Requests in flight.
const CONCURRENCY: usize = 32;

/// Sends `body` to `url` until it is acknowledged (a copy being handled elsewhere is answered
/// "retry"), at most 100 times.
async fn deliver(http: &reqwest::Client, url: &str, body: &str) -> Result<(), String> {
    let mut last = String::new();
    for _ in 0..100 {
        match http
            .post(url)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body.to_owned())
            .send()
            .await
        {
            Ok(r) => {
                last = r.text().await.unwrap_or_default();
                if last == r#"{"code":0}"# {
                    return Ok(());
                }
            }
            Err(e) => last = e.to_string(),
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    Err(last)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_receivers_store_a_burst_once_while_a_sync_runs() {
    let pg = pg_server();
    let url = pg.create_database("burst").expect("database");
    let server = MockServer::builder()
        .no_rate_limit()
        .rooms(40)
        .start()
        .await
        .expect("fake");
    let key = server.partner_key().to_owned();
    // Three replicas: each its own pool on the one database.
    let mut urls = Vec::new();
    for _ in 0..3 {
        let db = Database::open(&url).await.expect("open");
        urls.push(serve(&db, &key).await);
    }
    let reader = server
        .client_builder()
        .no_rate_limit()
        .build()
        .expect("client");
    let rooms: Vec<i64> = fake_playbacks(&reader)
        .await
        .values()
        .map(|p| p.room_id)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();

    // The sync, running from before the burst until every event is refreshed.
    let sync_db = Database::open(&url).await.expect("open");
    let client = server
        .client_builder()
        .no_rate_limit()
        .build()
        .expect("client");
    let sync = Syncer::new(client, sync_db.clone())
        .account_limit(RateLimit::new(2_000, Duration::from_secs(10)))
        .page_size(5)
        .record_page_size(50);
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let runner = tokio::spawn(async move {
        let mut statuses = Vec::new();
        sync.run_every(
            Duration::from_secs(3600),
            async {
                let _ = stopped.await;
            },
            |r| statuses.push(r.status),
        )
        .await
        .map(|()| statuses)
    });

    let started = Instant::now();
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(CONCURRENCY)
        .build()
        .expect("http");
    let bodies: Vec<(String, String)> = (0..BURST)
        .map(|i| {
            let qid = format!("burst-{i}");
            let event = succeeded(rooms[i % rooms.len()], &qid);
            (qid, signed_body(&key, &event))
        })
        .collect();
    let failures: Vec<String> = futures_util::stream::iter(bodies.iter().enumerate())
        .map(|(i, (qid, body))| {
            let (a, b) = (&urls[i % 3], &urls[(i + 1) % 3]);
            let http = &http;
            async move {
                // The two copies at once, at two receivers.
                let (x, y) = tokio::join!(deliver(http, a, body), deliver(http, b, body));
                x.and(y).err().map(|e| format!("{qid}: {e}"))
            }
        })
        .buffer_unordered(CONCURRENCY)
        .filter_map(|f| async move { f })
        .collect()
        .await;
    let burst_took = started.elapsed();
    assert!(
        failures.is_empty(),
        "{} not acknowledged, e.g. {:?}",
        failures.len(),
        &failures[..failures.len().min(3)]
    );

    // Each event stored exactly once, none lost.
    let stored: Vec<String> = rows!(
        sync_db,
        "SELECT qid FROM callback_events WHERE qid LIKE $1 ORDER BY qid",
        "burst-%",
        |r| r.get(0)
    );
    let sent: BTreeSet<String> = bodies.iter().map(|(q, _)| q.clone()).collect();
    let unique: BTreeSet<String> = stored.iter().cloned().collect();
    assert_eq!(stored.len(), BURST, "one row per event");
    assert_eq!(unique, sent, "the same qids");
    // The bodies as sent.
    let mismatched = count(
        &sync_db,
        "SELECT COUNT(*) FROM callback_events WHERE body NOT LIKE '%sign=%'",
    )
    .await;
    assert_eq!(mismatched, 0);

    // The sync refreshes every room they name (bounded wait).
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let pending = count(
            &sync_db,
            "SELECT COUNT(*) FROM callback_events WHERE refreshed_at IS NULL",
        )
        .await;
        if pending == 0 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "{pending} events still not refreshed after 120 s"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let _ = stop.send(());
    let statuses = runner.await.expect("task").expect("sync");
    assert!(
        statuses.iter().all(|s| *s == RunStatus::Complete),
        "{statuses:?}"
    );
    let named: BTreeSet<i64> = rooms.iter().copied().collect();
    let present: BTreeSet<i64> = rows!(
        sync_db,
        "SELECT DISTINCT room_id FROM playbacks WHERE deleted_at IS NULL AND room_id > $1",
        0_i64,
        |r| r.get::<i64, _>(0)
    )
    .into_iter()
    .collect();
    assert!(
        named.is_subset(&present),
        "rooms named but not in playbacks: {:?}",
        named.difference(&present).take(5).collect::<Vec<_>>()
    );
    eprintln!(
        "{BURST} callbacks, each sent twice to three receivers, acknowledged in {burst_took:?}"
    );
}
