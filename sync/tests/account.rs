//! End to end against a generated account that changes between runs as time would: after every
//! run the database equals the fake, row by row, in the default style and in PHP style.

mod support;

use std::collections::BTreeMap;
use std::time::Duration;

use baijiayun::DateTime;
use baijiayun::types::{PlaybackStatus, ProductType, PublishStatus};
use baijiayun_mock::{MockServer, PlaybackKey, ResponseStyle};
use baijiayun_sync::{Database, RunStatus, Syncer};
use support::*;

/// The database equals the fake: through its list and play records, and through the fake's own
/// snapshot of its truth.
async fn assert_equal(db: &Database, server: &MockServer, until: &str) {
    assert_db_equals_fake(db, server, until).await;
    let in_db = db_playbacks(db).await;
    // The fake's own truth, not through the API the sync read.
    let truth: BTreeMap<i64, (Option<String>, i64, Option<i64>)> = server
        .account()
        .playbacks()
        .iter()
        .map(|p| {
            (
                p.playback_id.expect("id"),
                (
                    p.name.clone(),
                    i64::from(p.status),
                    p.publish_status.map(Into::into),
                ),
            )
        })
        .collect();
    let held: BTreeMap<i64, (Option<String>, i64, Option<i64>)> = in_db
        .values()
        .map(|p| (p.playback_id, (p.name.clone(), p.status, p.publish_status)))
        .collect();
    assert_same("playbacks (the fake's snapshot)", &held, &truth);
}

async fn run(sync: &Syncer) -> baijiayun_sync::Report {
    let report = sync.run_once().await.expect("run");
    assert_eq!(report.status, RunStatus::Complete, "{:?}", report.error);
    report
}

async fn changes_between_runs(style: ResponseStyle, db: Database) {
    let server = MockServer::builder()
        .no_rate_limit()
        .rooms(80)
        .seed(11)
        .response_style(style)
        .start()
        .await
        .expect("fake");
    let sync = Syncer::new(server.client().expect("client"), db.clone())
        .page_size(7)
        .record_page_size(40);

    // 1. The first run sweeps.
    let until = read_until(LAG);
    let first = run(&sync).await;
    assert!(
        first
            .streams
            .iter()
            .filter(|s| s.stream.starts_with("playbacks"))
            .all(|s| s.full)
    );
    assert_equal(&db, &server, &until).await;

    // 2. What an incremental run must see: new playbacks, new sessions and crops, late play
    //    records.
    let account = server.account();
    let listed = account.playbacks();
    let fresh = account.add_room(
        ProductType::SmallClass,
        "新的房间",
        PlaybackStatus::Transcoding,
    );
    let long = account.add_long_term_room(ProductType::LargeClass);
    account
        .add_session(long, "第一节", PlaybackStatus::Ready)
        .expect("session");
    let ready = listed
        .iter()
        .find(|p| p.status == PlaybackStatus::Ready && p.version == Some(0))
        .expect("a ready playback");
    account
        .add_crop(PlaybackKey::of(ready), "裁剪")
        .expect("crop");
    let yesterday = DateTime::from_unix(account.now().to_unix() - 86_400).expect("time");
    account
        .add_play(PlaybackKey::of(ready), yesterday, Duration::from_secs(321))
        .expect("late play");
    let until = read_until(LAG);
    let second = run(&sync).await;
    assert!(
        second
            .streams
            .iter()
            .filter(|s| s.stream.starts_with("playbacks"))
            .all(|s| !s.full)
    );
    assert_equal(&db, &server, &until).await;

    // 3. The new room finishes transcoding: the next incremental run re-reads it.
    account
        .set_status(fresh, PlaybackStatus::Failed)
        .expect("failed");
    let until = read_until(LAG);
    run(&sync).await;
    assert_equal(&db, &server, &until).await;

    // 4. What only a sweep sees: renames and publish changes of old playbacks, deletions, and
    //    old playbacks that finish transcoding long after they were made.
    let transcoding: Vec<PlaybackKey> = listed
        .iter()
        .filter(|p| p.status == PlaybackStatus::Transcoding)
        .map(PlaybackKey::of)
        .take(3)
        .collect();
    assert!(
        !transcoding.is_empty(),
        "the generated account has playbacks transcoding"
    );
    for key in &transcoding {
        account
            .set_status(*key, PlaybackStatus::Ready)
            .expect("ready");
    }
    let old: Vec<_> = listed.iter().rev().take(12).collect();
    account
        .rename(PlaybackKey::of(old[0]), "改名了")
        .expect("rename");
    account
        .set_publish_status(
            old[1].room_id,
            old[1].session_id.filter(|s| s.0 != 0),
            PublishStatus::Blocked,
        )
        .expect("block");
    account.delete_room(old[2].room_id).expect("delete room");
    let other = old
        .iter()
        .find(|p| {
            p.room_id != old[2].room_id
                && p.room_id != old[1].room_id
                && p.room_id != old[0].room_id
        })
        .expect("another room");
    account
        .delete_playback(
            other.room_id,
            other.session_id.filter(|s| s.0 != 0),
            other.version,
        )
        .expect("delete playback");
    let sweep = sync.clone().full(true);
    let until = read_until(LAG);
    let fourth = run(&sweep).await;
    assert!(
        fourth
            .streams
            .iter()
            .filter(|s| s.stream.starts_with("playbacks"))
            .all(|s| s.full)
    );
    assert_equal(&db, &server, &until).await;
    let deleted = count(
        &db,
        "SELECT COUNT(*) FROM playbacks WHERE deleted_at IS NOT NULL",
    )
    .await;
    assert!(deleted >= 2, "{deleted} rows marked deleted");

    // 5. Nothing changed: an incremental run reads one page per product line (no sweep).
    let until = read_until(LAG);
    let quiet = run(&sync).await;
    let pages: u64 = quiet
        .streams
        .iter()
        .filter(|s| s.stream.starts_with("playbacks"))
        .map(|s| s.requests)
        .sum();
    // A page or two per product line (the newest page still holds what step 2 added, within the
    // lag), and one request per room whose playbacks are not final yet.
    let pending = count(
        &db,
        "SELECT COUNT(DISTINCT room_id) FROM playbacks WHERE deleted_at IS NULL \
         AND status IN (10, 20)",
    )
    .await;
    let pending = u64::try_from(pending).expect("count");
    assert!(
        pages <= 2 * 4 + pending,
        "{pages} playback requests with nothing changed ({pending} rooms pending)"
    );
    assert_equal(&db, &server, &until).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn changes_between_runs_in_the_default_style() {
    let temp = TempDb::new();
    changes_between_runs(ResponseStyle::Typed, temp.open().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn changes_between_runs_in_php_style() {
    let temp = TempDb::new();
    changes_between_runs(ResponseStyle::Php, temp.open().await).await;
}

/// The same on PostgreSQL, in both styles, each in its own database of one server.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn changes_between_runs_on_postgres() {
    let pg = pg_server();
    changes_between_runs(ResponseStyle::Typed, pg_database(&pg, "typed").await).await;
    changes_between_runs(ResponseStyle::Php, pg_database(&pg, "php").await).await;
}
