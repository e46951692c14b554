//! The sync against the fake server, in process: a complete copy, incremental runs, faults.

mod support;

use std::time::Duration;

use baijiayun::operations::Operation;
use baijiayun_mock::{Fault, MockServer};
use baijiayun_sync::{RunStatus, Syncer};
use support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_copies_the_account_and_the_next_one_reads_little() {
    let server = MockServer::builder()
        .no_rate_limit()
        .start()
        .await
        .expect("fake");
    let temp = TempDb::new();
    let db = temp.open().await;
    let client = server.client().expect("client");
    let sync = Syncer::new(client, db.clone())
        .page_size(2)
        .record_page_size(3);

    let until = read_until(LAG);
    let first = sync.run_once().await.expect("run");
    assert_eq!(first.status, RunStatus::Complete, "{:?}", first.error);
    assert!(first.streams.iter().all(|s| s.complete));
    assert!(first.rows_written > 0);
    assert_db_equals_fake(&db, &server, &until).await;

    let until = read_until(LAG);
    let second = sync.run_once().await.expect("run");
    assert_eq!(second.status, RunStatus::Complete, "{:?}", second.error);
    assert!(
        second
            .streams
            .iter()
            .filter(|s| s.stream.starts_with("playbacks"))
            .all(|s| !s.full)
    );
    // An incremental run with nothing new reads one page per product line (plus rooms still
    // transcoding), not the whole list again.
    let playback_requests: u64 = second
        .streams
        .iter()
        .filter(|s| s.stream.starts_with("playbacks"))
        .map(|s| s.requests)
        .sum();
    let sweep_requests: u64 = first
        .streams
        .iter()
        .filter(|s| s.stream.starts_with("playbacks"))
        .map(|s| s.requests)
        .sum();
    assert!(
        playback_requests < sweep_requests,
        "incremental {playback_requests} vs sweep {sweep_requests}"
    );
    assert_db_equals_fake(&db, &server, &until).await;
    assert_eq!(run_statuses(&db).await, ["complete", "complete"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn faults_end_the_run_in_error_and_the_next_run_completes() {
    let faults = [
        (Operation::GetList, Fault::Status(503)),
        (Operation::GetList, Fault::RateLimited),
        (Operation::GetList, Fault::MalformedJson),
        (Operation::GetPartnerPlaybackPlayRecord, Fault::Status(503)),
        (
            Operation::GetPartnerPlaybackPlayRecord,
            Fault::MalformedJson,
        ),
        (
            Operation::GetPartnerPlaybackPlayRecord,
            Fault::Latency(Duration::from_secs(5)),
        ),
    ];
    for (operation, fault) in faults {
        let server = MockServer::builder()
            .no_rate_limit()
            .start()
            .await
            .expect("fake");
        let temp = TempDb::new();
        let db = temp.open().await;
        let client = server
            .client_builder()
            .timeout(Duration::from_millis(500))
            .build()
            .expect("client");
        let sync = Syncer::new(client, db.clone())
            .page_size(2)
            .record_page_size(3)
            .max_attempts(2)
            .account_limit(baijiayun::RateLimit::new(1000, Duration::from_millis(100)));
        server.inject(operation, fault.clone());
        let failed = sync.run_once().await.expect("run");
        assert_eq!(failed.status, RunStatus::Error, "{operation:?} {fault:?}");
        assert!(failed.error.is_some());
        server.clear_faults();
        let until = read_until(LAG);
        let next = sync.run_once().await.expect("run");
        assert_eq!(
            next.status,
            RunStatus::Complete,
            "{operation:?} {fault:?}: {:?}",
            next.error
        );
        assert_db_equals_fake(&db, &server, &until).await;
        assert_eq!(
            run_statuses(&db).await,
            ["error", "complete"],
            "{operation:?} {fault:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_sync_on_the_same_database_is_refused() {
    let server = MockServer::builder()
        .no_rate_limit()
        .start()
        .await
        .expect("fake");
    let temp = TempDb::new();
    let db = temp.open().await;
    server.inject(Operation::GetList, Fault::Latency(Duration::from_secs(2)));
    let first = Syncer::new(server.client().expect("client"), db.clone());
    let running = tokio::spawn(async move { first.run_once().await });
    tokio::time::sleep(Duration::from_millis(500)).await;
    let second = Syncer::new(server.client().expect("client"), temp.open().await);
    let err = second.run_once().await.expect_err("busy");
    assert!(
        matches!(err, baijiayun_sync::SyncError::Busy { .. }),
        "{err}"
    );
    server.clear_faults();
    let report = running.await.expect("join").expect("run");
    assert_eq!(report.status, RunStatus::Complete, "{:?}", report.error);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stopped_run_is_interrupted_and_the_next_one_finishes() {
    let server = MockServer::builder()
        .no_rate_limit()
        .start()
        .await
        .expect("fake");
    let temp = TempDb::new();
    let db = temp.open().await;
    server.inject(
        Operation::GetPartnerPlaybackPlayRecord,
        Fault::Latency(Duration::from_secs(30)),
    );
    let sync = Syncer::new(server.client().expect("client"), db.clone()).page_size(2);
    let report = sync
        .run_once_until(tokio::time::sleep(Duration::from_millis(1500)))
        .await
        .expect("run");
    assert_eq!(report.status, RunStatus::Interrupted);
    server.clear_faults();
    let until = read_until(LAG);
    let report = sync.run_once().await.expect("run");
    assert_eq!(report.status, RunStatus::Complete, "{:?}", report.error);
    assert_db_equals_fake(&db, &server, &until).await;
    assert_eq!(run_statuses(&db).await, ["interrupted", "complete"]);
}
