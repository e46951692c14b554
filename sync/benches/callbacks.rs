//! Callbacks stored per second through one receiver on PostgreSQL, with p50/p99 latency:
//! `cargo bench -p baijiayun-sync --bench callbacks`.
//!
//! A real PostgreSQL (`postgres-test-server`, durability off as in the tests), one
//! `CallbackReceiver` served on 127.0.0.1 with the client's limits, and a load generator in the
//! same process posting signed, distinct callbacks with `CONCURRENCY` in flight. Each one is
//! verified, claimed, stored and completed before it is answered. The load generator shares the
//! machine's cores with the receiver and the server.
//!
//! Settings (environment): `BENCH_CALLBACKS` (default 20000), `BENCH_CONCURRENCY` (default 32).
//! Without `--bench` among the arguments (as `cargo test --all-targets` runs it), it does nothing.

#![allow(clippy::print_stdout, reason = "a benchmark prints its results")]

use std::time::{Duration, Instant};

use baijiayun::callback::{
    CallbackEvent, ServeLimits, TranscodeEvent, TranscodeSucceeded, signed_body,
};
use baijiayun::types::{RoomId, VideoId};
use baijiayun_sync::Database;
use baijiayun_sync::callbacks::CallbackReceiver;
use futures_util::StreamExt as _;

const KEY: &str = "bench-partner-key";

fn setting(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(bench());
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

async fn bench() {
    let total = setting("BENCH_CALLBACKS", 20_000);
    let concurrency = setting("BENCH_CONCURRENCY", 32);
    let pg = postgres_test_server::PgServer::start().unwrap_or_else(|e| {
        panic!("PostgreSQL for the bench: {e} (`cargo xtask test` installs it)")
    });
    let url = pg.create_database("bench").expect("database");
    let db = Database::open(&url).await.expect("open");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(CallbackReceiver::new(db.clone(), KEY).serve(listener, ServeLimits::default()));
    let target = format!("http://{addr}/callback");
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(concurrency)
        .build()
        .expect("http");
    let bodies: Vec<String> = (0..total)
        .map(|i| {
            let room = 1_000 + (i % 500) as i64;
            let event = CallbackEvent::Transcode(TranscodeEvent::Succeeded(
                TranscodeSucceeded::new(RoomId(room), VideoId(room * 10), format!("bench-{i}")),
            ));
            signed_body(KEY, &event)
        })
        .collect();
    // A warm-up: connections opened, statements prepared.
    for body in bodies.iter().take(concurrency) {
        post(&http, &target, body).await;
    }
    let started = Instant::now();
    let mut latencies: Vec<Duration> = futures_util::stream::iter(bodies.iter().skip(concurrency))
        .map(|body| {
            let (http, target) = (&http, &target);
            async move {
                let t = Instant::now();
                post(http, target, body).await;
                t.elapsed()
            }
        })
        .buffer_unordered(concurrency)
        .collect()
        .await;
    let elapsed = started.elapsed();
    latencies.sort();
    let stored: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM callback_events")
        .fetch_one(db.postgres().expect("postgres"))
        .await
        .expect("count");
    assert_eq!(stored, total as i64, "every callback stored once");
    let measured = latencies.len();
    println!(
        "callbacks: {measured} stored through one receiver on PostgreSQL in {:.2} s = {:.0}/s \
         (concurrency {concurrency}); latency p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        elapsed.as_secs_f64(),
        measured as f64 / elapsed.as_secs_f64(),
        percentile(&latencies, 0.50).as_secs_f64() * 1e3,
        percentile(&latencies, 0.99).as_secs_f64() * 1e3,
        latencies.last().copied().unwrap_or_default().as_secs_f64() * 1e3,
    );
}

/// Posts one callback; it must be acknowledged.
async fn post(http: &reqwest::Client, target: &str, body: &str) {
    let answer = http
        .post(target)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body.to_owned())
        .send()
        .await
        .expect("post")
        .text()
        .await
        .expect("answer");
    assert_eq!(answer, r#"{"code":0}"#, "acknowledged");
}
