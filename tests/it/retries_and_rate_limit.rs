//! Production behaviour against the fake server: retries (counted on the server), the rate limit,
//! pagination, what tracing sees, and a bounded load run.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use anyhow::{Result, bail, ensure};
use baijiayun::operations::Operation;
use baijiayun::types::{PlaybackStatus, ProductType, PublishStatus, RoomId};
use baijiayun::{Client, Error, RateLimit, RetryPolicy, TransportKind};
use baijiayun_mock::{Fault, MockServer, seed};
use futures_util::{StreamExt, TryStreamExt};

use crate::support::capture_async;

/// Quick retries, so the tests do not wait on real backoffs.
fn quick() -> RetryPolicy {
    RetryPolicy::default().backoff(Duration::from_millis(1), Duration::from_millis(5))
}

async fn server() -> Result<MockServer> {
    Ok(MockServer::builder().no_rate_limit().start().await?)
}

/// A client of `server` retrying quickly, its calls timing out after 300 ms.
fn retrying(server: &MockServer) -> Result<Client> {
    Ok(server
        .client_builder()
        .retry(quick())
        .timeout(Duration::from_millis(300))
        .build()?)
}

#[tokio::test]
async fn reads_are_retried_and_each_attempt_reaches_the_server() -> Result<()> {
    let server = server().await?;
    let client = retrying(&server)?;
    let read = Operation::GetBasicInfo;
    for (fault, times) in [
        (Fault::Status(503), 2),
        (Fault::Drop, 2),
        (Fault::MalformedJson, 1),
        (Fault::HtmlPage, 1),
        (Fault::Latency(Duration::from_secs(1)), 1),
    ] {
        server.clear_requests();
        server.inject_times(read, fault.clone(), times);
        let info = client.get_basic_info(seed::ROOM).send().await;
        ensure!(
            info.is_ok_and(|i| i.status == PlaybackStatus::Ready),
            "{fault:?}"
        );
        let attempts = server.requests_for(read).len();
        ensure!(
            attempts == times as usize + 1,
            "{fault:?}: {attempts} attempts"
        );
    }
    // Past the maximum number of attempts, the last error is returned.
    server.clear_requests();
    server.inject_times(read, Fault::Status(502), 5);
    ensure!(matches!(
        client.get_basic_info(seed::ROOM).send().await,
        Err(Error::Http { status: 502, .. })
    ));
    ensure!(server.requests_for(read).len() == 3);
    server.clear_faults();
    Ok(())
}

#[tokio::test]
async fn writes_are_never_resent_once_they_may_have_reached_the_server() -> Result<()> {
    let server = server().await?;
    let client = retrying(&server)?;
    let write = Operation::SetPublishStatus;
    for fault in [
        Fault::Status(503),
        Fault::Drop,
        Fault::MalformedJson,
        Fault::Latency(Duration::from_secs(1)),
    ] {
        server.clear_requests();
        server.inject_times(write, fault.clone(), 1);
        let result = client
            .set_publish_status(seed::ROOM, PublishStatus::Blocked)
            .send()
            .await;
        let Err(e) = result else {
            bail!("{fault:?}: {result:?}")
        };
        ensure!(
            server.requests_for(write).len() == 1,
            "{fault:?} was resent"
        );
        // What the error tells a retry loop of the caller's own: worth trying, but it may have
        // been applied, so not safe to send again.
        ensure!(
            e.is_retryable() && e.may_have_applied() && !e.is_safe_to_resend(),
            "{fault:?}: {e:?}"
        );
    }
    Ok(())
}

#[tokio::test]
async fn a_refusal_for_rate_is_resent_after_backing_off_even_for_writes() -> Result<()> {
    let server = server().await?;
    let client = server
        .client_builder()
        .retry(quick())
        .rate_limit(RateLimit::new(200, Duration::from_millis(400)))
        .build()?;
    let write = Operation::SetPublishStatus;
    server.inject_times(write, Fault::RateLimited, 1);
    let start = Instant::now();
    let result = client
        .set_publish_status(seed::ROOM, PublishStatus::Blocked)
        .send()
        .await?;
    ensure!(result.status == PublishStatus::Blocked);
    ensure!(server.requests_for(write).len() == 2);
    // The refusal paused every caller of this partner for a window before the resend.
    ensure!(
        start.elapsed() >= Duration::from_millis(390),
        "{:?}",
        start.elapsed()
    );
    Ok(())
}

#[tokio::test]
async fn connection_failures_are_retried_for_writes_too() -> Result<()> {
    // A port nobody listens on: the connection is refused, so nothing reached a server.
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let client = Client::builder(1, "key")
        .base_url(format!("http://127.0.0.1:{port}"))
        .retry(quick())
        .no_rate_limit()
        .build()?;
    let spans = capture_async(
        client
            .set_publish_status(RoomId(1), PublishStatus::Blocked)
            .send(),
    )
    .await;
    match spans.0 {
        Err(
            e @ Error::Transport {
                kind: TransportKind::Connect,
                ..
            },
        ) => ensure!(!e.may_have_applied() && e.is_safe_to_resend(), "{e:?}"),
        other => bail!("{other:?}"),
    }
    ensure!(spans.1.iter().any(|f| f == "attempts=3"), "{:?}", spans.1);
    Ok(())
}

#[tokio::test]
async fn retry_policy_per_call_and_time_budget() -> Result<()> {
    let server = server().await?;
    let client = server.client_builder().retry(quick()).build()?;
    let read = Operation::GetBasicInfo;
    server.inject_times(read, Fault::Status(503), 1);
    let once = client
        .with_retry(RetryPolicy::none())
        .get_basic_info(seed::ROOM)
        .send()
        .await;
    ensure!(matches!(once, Err(Error::Http { status: 503, .. })));
    ensure!(server.requests_for(read).len() == 1);
    // No time left in the budget: no retry starts.
    server.clear_requests();
    server.inject_times(read, Fault::Status(503), 1);
    let no_time = quick().budget(Duration::ZERO);
    let budgeted = client
        .with_retry(no_time)
        .get_basic_info(seed::ROOM)
        .send()
        .await;
    ensure!(matches!(budgeted, Err(Error::Http { status: 503, .. })));
    ensure!(server.requests_for(read).len() == 1);
    server.clear_faults();
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_limit_holds_over_real_loopback() -> Result<()> {
    // The fake refuses past 20 in any second, counting arrivals; the client counts departures,
    // so it keeps a margin for the time between the two, the same 250 ms RateLimit::VENDOR keeps
    // (1.25 s here, 10.25 s there): on a loaded machine a request can wait tens of milliseconds
    // between its permit and the server. Retries off, so that any refusal would show.
    let server = MockServer::builder()
        .rate_limit(20, Duration::from_secs(1))
        .start()
        .await?;
    let client = server
        .client_builder()
        .rate_limit(RateLimit::new(20, Duration::from_millis(1250)))
        .retry(RetryPolicy::none())
        .build()?;
    let start = Instant::now();
    let results: Vec<_> = futures_util::stream::iter(0..50)
        .map(|_| {
            let c = client.clone();
            async move { c.get_basic_info(seed::ROOM).send().await }
        })
        .buffer_unordered(50)
        .collect()
        .await;
    ensure!(
        results.iter().all(Result::is_ok),
        "refused: {:?}",
        results.iter().find(|r| r.is_err())
    );
    // 50 at 20 a window: two full windows must pass.
    let elapsed = start.elapsed();
    ensure!(elapsed >= Duration::from_millis(2490), "{elapsed:?}");
    ensure!(elapsed < Duration::from_secs(5), "{elapsed:?}");
    Ok(())
}

#[tokio::test]
async fn fail_fast_and_one_budget_for_every_client_of_a_partner() -> Result<()> {
    let server = server().await?;
    let builder = server
        .client_builder()
        .rate_limit(RateLimit::new(3, Duration::from_secs(60)).fail_fast());
    let a = builder.clone().build()?;
    let b = builder.clone().build()?;
    let clone = a.clone();
    a.get_basic_info(seed::ROOM).send().await?;
    b.get_basic_info(seed::ROOM).send().await?;
    clone.get_basic_info(seed::ROOM).send().await?;
    let start = Instant::now();
    match a.get_basic_info(seed::ROOM).send().await {
        Err(e @ Error::RateLimited { .. }) => ensure!(e.is_rate_limited()),
        other => bail!("{other:?}"),
    }
    ensure!(
        start.elapsed() < Duration::from_millis(100),
        "fail fast does not wait"
    );
    ensure!(
        server.requests().len() == 3,
        "the refused call was not sent"
    );
    Ok(())
}

#[tokio::test]
async fn pages_and_items_stream_through_every_list() -> Result<()> {
    let server = server().await?;
    let client = server.client()?;
    // get_list: the page size is required; 30 large-class playbacks in pages of 7.
    let items: Vec<_> = client
        .get_list(ProductType::LargeClass, 1, 7)
        .items()
        .try_collect()
        .await?;
    let ids: BTreeSet<i64> = items.iter().filter_map(|p| p.playback_id).collect();
    ensure!(
        items.len() == 30 && ids.len() == 30,
        "{} items",
        items.len()
    );
    ensure!(server.requests_for(Operation::GetList).len() == 5);
    // The paged form asks for neither: page 1, the largest page (1000), so one request.
    server.clear_requests();
    let all: Vec<_> = client
        .get_list_paged(ProductType::LargeClass)
        .items()
        .try_collect()
        .await?;
    ensure!(
        all.iter()
            .map(|p| p.playback_id)
            .eq(items.iter().map(|p| p.playback_id))
    );
    let sent = server.requests_for(Operation::GetList);
    ensure!(sent.len() == 1, "{} requests", sent.len());
    ensure!(sent[0].param::<i64>("page")? == 1 && sent[0].param::<i64>("page_size")? == 1000);
    // get_playback_play_record: no page size given, so the largest the spec allows (1000).
    let day = |t: &str| -> Result<baijiayun::DateTime> {
        Ok(format!("{} {t}", seed::PLAY_DAYS[1]).parse()?)
    };
    let pages: Vec<_> = client
        .get_playback_play_record(seed::ROOM, day("00:00:00")?, day("23:59:59")?)
        .pages()
        .try_collect()
        .await?;
    ensure!(pages.len() == 1 && pages[0].list.len() as i64 == seed::PLAYS_PER_DAY);
    let sent = server.requests_for(Operation::GetPlaybackPlayRecord);
    ensure!(sent[0].params.get("page_size").map(String::as_str) == Some("1000"));
    // Whitelists: page size 20 by default (no maximum documented).
    let users: Vec<_> = client
        .get_room_whitelist(seed::ROOM)
        .items()
        .try_collect()
        .await?;
    ensure!(users.len() == 2);
    Ok(())
}

#[tokio::test]
async fn an_error_mid_way_is_yielded_not_swallowed() -> Result<()> {
    let server = server().await?;
    let client = server.client_builder().retry(RetryPolicy::none()).build()?;
    let mut items = Box::pin(client.get_list(ProductType::LargeClass, 1, 10).items());
    for _ in 0..10 {
        ensure!(matches!(items.next().await, Some(Ok(_))));
    }
    server.inject_all(Fault::Status(500));
    ensure!(matches!(
        items.next().await,
        Some(Err(Error::Http { status: 500, .. }))
    ));
    ensure!(
        items.next().await.is_none(),
        "the stream ends after the error"
    );
    Ok(())
}

#[test]
fn blocking_pages_and_items() -> Result<()> {
    let server = MockServer::builder().no_rate_limit().start_blocking()?;
    let client = server.blocking_client()?;
    let items: Vec<_> = client
        .get_list(ProductType::LargeClass, 2, 10)
        .items()
        .collect::<baijiayun::Result<_>>()?;
    ensure!(items.len() == 20, "from page 2: {}", items.len());
    let sessions: Vec<_> = client
        .get_session_whitelist(seed::LONG_ROOM, seed::LONG_ROOM_SESSIONS[0])
        .pages()
        .collect::<baijiayun::Result<_>>()?;
    ensure!(sessions.len() == 1 && sessions[0].total == 1);
    Ok(())
}

// ---- tracing --------------------------------------------------------------------------------

#[tokio::test]
async fn a_span_per_call_with_its_facts_and_no_secret() -> Result<()> {
    let server = MockServer::builder()
        .no_rate_limit()
        .partner_key("SECRET-partner-key")
        .start()
        .await?;
    let client = server.client_builder().retry(quick()).build()?;
    server.inject_times(Operation::GetCoursewareData, Fault::Status(503), 1);
    let (result, fields) = capture_async(async {
        // get_courseware_data is a GET: its sign travels in the URL.
        let a = client.get_courseware_data(seed::ROOM).send().await;
        let b = client.get_basic_info(RoomId(1)).send().await;
        (a, b)
    })
    .await;
    ensure!(result.0.is_ok());
    ensure!(matches!(result.1, Err(Error::Api { code: 3001, .. })));
    for expected in [
        "endpoint=get_courseware_data",
        "attempts=2",
        "code=0",
        "endpoint=get_basic_info",
        "code=3001",
    ] {
        ensure!(
            fields.iter().any(|f| f == expected),
            "{expected} not in {fields:?}"
        );
    }
    ensure!(fields.iter().any(|f| f.starts_with("latency_ms=")));
    ensure!(fields.iter().any(|f| f.starts_with("limiter_wait_ms=")));
    let sign = server
        .requests_for(Operation::GetCoursewareData)
        .first()
        .and_then(|r| r.params.get("sign").cloned())
        .unwrap_or_default();
    ensure!(!sign.is_empty());
    for f in &fields {
        ensure!(
            !f.contains("SECRET-partner-key") && !f.contains(&sign),
            "leak: {f}"
        );
    }
    // Neither Debug nor errors show the key or a sign.
    ensure!(!format!("{client:?}").contains("SECRET"));
    ensure!(!format!("{:?}", client.get_basic_info(RoomId(1))).contains("SECRET"));
    Ok(())
}

// ---- load -----------------------------------------------------------------------------------

/// Resident memory of this process, in bytes (Linux).
fn resident_bytes() -> Option<u64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    Some(pages * 4096)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_calls_64_at_a_time_with_flat_memory() -> Result<()> {
    let server = MockServer::builder()
        .no_rate_limit()
        .record_requests(false)
        .start()
        .await?;
    let client = server.client_builder().no_rate_limit().build()?;
    let run = |n: usize| {
        let client = client.clone();
        async move {
            let results: Vec<bool> = futures_util::stream::iter(0..n)
                .map(|i| {
                    let c = client.clone();
                    async move {
                        if i % 2 == 0 {
                            c.get_basic_info(seed::ROOM).send().await.is_ok()
                        } else {
                            c.get_list(ProductType::LargeClass, 1, 10)
                                .send()
                                .await
                                .is_ok()
                        }
                    }
                })
                .buffer_unordered(64)
                .collect()
                .await;
            results.iter().filter(|ok| !**ok).count()
        }
    };
    ensure!(run(1_000).await == 0, "errors while warming up");
    let before = resident_bytes();
    ensure!(run(10_000).await == 0, "errors under load");
    let after = resident_bytes();
    if let (Some(before), Some(after)) = (before, after) {
        let growth = after.saturating_sub(before);
        ensure!(
            growth < 16 * 1024 * 1024,
            "resident memory grew by {growth} bytes"
        );
    }
    Ok(())
}
