//! The fleet limiter on a real `redis-server`: the shared budget, Redis down and back, the pause.

use std::sync::Arc;
use std::time::{Duration, Instant};

use super::limiter::{Ask, FleetLimiter, Step};
use super::*;
use redis_test_server::RedisServer;

fn server() -> RedisServer {
    RedisServer::start().unwrap_or_else(|e| panic!("the Redis tests need redis-server: {e}"))
}

/// A fail-closed limiter of 10 in 10 s on `server`, which has granted one permit.
fn fail_closed_and_granted(server: &RedisServer) -> FleetLimiter {
    let fleet = limiter(
        server,
        RateLimit::new(10, Duration::from_secs(10)),
        OnRedisDown::FailClosed,
    );
    assert!(matches!(
        fleet.try_acquire_blocking(Instant::now()),
        Step::Granted
    ));
    fleet
}

fn limiter(server: &RedisServer, limit: RateLimit, on_down: OnRedisDown) -> FleetLimiter {
    let config = FleetLimit::new(&server.url())
        .unwrap_or_else(|e| panic!("{e}"))
        .on_redis_down(on_down)
        .timeout(Duration::from_millis(300));
    FleetLimiter::new(&config, 42, limit)
}

fn zcard(server: &RedisServer, key: &str) -> i64 {
    let mut c = server.connection().unwrap_or_else(|e| panic!("{e}"));
    redis::cmd("ZCARD")
        .arg(key)
        .query(&mut c)
        .unwrap_or_else(|e| panic!("{e}"))
}

/// The largest number of `times` (sorted) in any window of `window`.
fn busiest(times: &[i64], window: i64) -> usize {
    redis_test_server::busiest_window(times, window, |a, b| b - a)
}

#[test]
fn the_script_never_grants_more_than_n_in_any_window_of_server_time() {
    let server = server();
    let limit = RateLimit::new(20, Duration::from_secs(2));
    let fleet = Arc::new(limiter(&server, limit, OnRedisDown::FailClosed));
    // Four threads, each on its own connection, hammer the script for 5 s (bounded).
    let threads: Vec<_> = (0..4u64)
        .map(|thread| {
            let fleet = Arc::clone(&fleet);
            let url = server.url();
            std::thread::spawn(move || {
                let mut con = redis::Client::open(url)
                    .and_then(|c| c.get_connection())
                    .unwrap_or_else(|e| panic!("{e}"));
                let mut granted = Vec::new();
                let end = Instant::now() + Duration::from_secs(5);
                // Members must be unique: each thread numbers its own range.
                let mut seq = thread * 1_000_000;
                while Instant::now() < end && granted.len() < 1000 {
                    seq += 1;
                    let ask = Ask {
                        member: Some(seq),
                        reserved: false,
                        seeds: Vec::new(),
                        local_wait: Duration::ZERO,
                    };
                    let (ok, value): (i64, i64) = fleet
                        .invocation(&ask)
                        .invoke(&mut con)
                        .unwrap_or_else(|e| panic!("{e}"));
                    if ok == 1 {
                        granted.push(value);
                    } else {
                        assert!(value > 0 && value <= 2_000_000, "wait {value} µs");
                        std::thread::sleep(Duration::from_micros(value.unsigned_abs()));
                    }
                }
                granted
            })
        })
        .collect();
    let mut all: Vec<i64> = Vec::new();
    for t in threads {
        all.extend(t.join().unwrap_or_else(|_| panic!("a thread panicked")));
    }
    all.sort_unstable();
    assert!(
        busiest(&all, 2_000_000) <= 20,
        "{} in one window",
        busiest(&all, 2_000_000)
    );
    // 5 s at 20 per 2 s: the first window and two more at least.
    assert!(all.len() >= 60, "only {} granted", all.len());
}

#[test]
fn evalsha_falls_back_to_eval_after_script_flush() {
    let server = server();
    let fleet = fail_closed_and_granted(&server);
    let mut c = server.connection().unwrap_or_else(|e| panic!("{e}"));
    redis::cmd("SCRIPT")
        .arg("FLUSH")
        .exec(&mut c)
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(matches!(
        fleet.try_acquire_blocking(Instant::now()),
        Step::Granted
    ));
    assert_eq!(fleet.state(), FleetState::Shared);
    assert_eq!(zcard(&server, "baijiayun:rl:{42}"), 2);
}

#[test]
fn prefixes_and_partner_ids_isolate_accounts() {
    let server = server();
    let limit = RateLimit::new(2, Duration::from_secs(10));
    let config = FleetLimit::new(&server.url()).unwrap_or_else(|e| panic!("{e}"));
    let a = FleetLimiter::new(&config, 1, limit);
    let b = FleetLimiter::new(&config.clone().prefix("staging:"), 1, limit);
    let c = FleetLimiter::new(&config, 2, limit);
    let a2 = FleetLimiter::new(&config, 1, limit); // another process of account 1
    for l in [&a, &b, &c] {
        for _ in 0..2 {
            assert!(matches!(
                l.try_acquire_blocking(Instant::now()),
                Step::Granted
            ));
        }
    }
    assert!(matches!(
        a2.try_acquire_blocking(Instant::now()),
        Step::Wait(_)
    ));
    assert_eq!(zcard(&server, "baijiayun:rl:{1}"), 2);
    assert_eq!(zcard(&server, "staging:{1}"), 2);
    assert_eq!(zcard(&server, "baijiayun:rl:{2}"), 2);
}

#[test]
fn a_refusal_pauses_every_instance_and_the_keys_expire() {
    let server = server();
    let limit = RateLimit::new(100, Duration::from_secs(10));
    let a = limiter(&server, limit, OnRedisDown::FailClosed);
    let b = limiter(&server, limit, OnRedisDown::FailClosed);
    assert!(matches!(
        b.try_acquire_blocking(Instant::now()),
        Step::Granted
    ));
    a.pause_blocking(Instant::now());
    match b.try_acquire_blocking(Instant::now()) {
        Step::Wait(w) => assert!(
            w > Duration::from_secs(8) && w <= Duration::from_secs(10),
            "{w:?}"
        ),
        other => panic!("{other:?}"),
    }
    let mut c = server.connection().unwrap_or_else(|e| panic!("{e}"));
    for key in ["baijiayun:rl:{42}", "baijiayun:rl:{42}:pause"] {
        let ttl: i64 = redis::cmd("PTTL")
            .arg(key)
            .query(&mut c)
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(ttl > 0 && ttl <= 11_000, "{key}: {ttl}");
    }
}

#[test]
fn fail_closed_gives_the_typed_error_without_hanging() {
    let mut server = server();
    let fleet = fail_closed_and_granted(&server);
    server.kill();
    let start = Instant::now();
    let permit = fleet.acquire_blocking(Instant::now());
    // Bounded by the Redis timeout (300 ms here): generous, this only catches a hang.
    assert!(
        start.elapsed() < Duration::from_secs(5),
        "{:?}",
        start.elapsed()
    );
    let Permit::Failed(error) = permit else {
        panic!("{permit:?} while Redis is down")
    };
    assert!(matches!(error, Error::LimiterUnavailable { .. }), "{error}");
    assert_eq!(fleet.state(), FleetState::Down);
    // Later calls fail at once without trying Redis again before the probe is due.
    assert!(matches!(
        fleet.try_acquire_blocking(Instant::now()),
        Step::Failed(_)
    ));
}

#[tokio::test]
async fn async_calls_do_not_hang_when_redis_is_killed_and_come_back_after_a_restart() {
    let mut server = server();
    let limit = RateLimit::new(10, Duration::from_secs(2));
    let fleet = limiter(&server, limit, OnRedisDown::FallBack { instances: 2 });
    for _ in 0..3 {
        assert!(matches!(
            fleet.try_acquire_async(Instant::now()).await,
            Step::Granted
        ));
    }
    server.kill();
    let start = Instant::now();
    let step = tokio::time::timeout(
        Duration::from_secs(5),
        fleet.try_acquire_async(Instant::now()),
    )
    .await
    .unwrap_or_else(|_| panic!("hung with Redis down"));
    // Entering the fall-back: a quiet window first, never a grant.
    assert!(matches!(step, Step::Wait(_)), "{step:?}");
    assert!(start.elapsed() < Duration::from_secs(5));
    assert_eq!(fleet.state(), FleetState::Down);
    server.restart().unwrap_or_else(|e| panic!("{e}"));
    // The next probe (at most a second later) finds Redis and re-seeds the own grants.
    let mut back = false;
    for _ in 0..30 {
        let _ = fleet.try_acquire_async(Instant::now()).await;
        if fleet.state() != FleetState::Down {
            back = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(back, "never went back to Redis");
    assert_eq!(fleet.state(), FleetState::Recovering);
    assert_eq!(
        zcard(&server, "baijiayun:rl:{42}"),
        3,
        "own grants re-seeded"
    );
}

#[test]
fn the_fall_back_keeps_a_quiet_window_then_the_share() {
    let mut server = server();
    let limit = RateLimit::new(10, Duration::from_millis(1500));
    let fleet = limiter(&server, limit, OnRedisDown::FallBack { instances: 2 });
    assert!(matches!(
        fleet.try_acquire_blocking(Instant::now()),
        Step::Granted
    ));
    server.kill();
    let t0 = Instant::now();
    let mut granted = Vec::new();
    // 4 s of asking (bounded): nothing in the first window after the failure, then at most
    // the share of 5 per window.
    while t0.elapsed() < Duration::from_secs(4) {
        match fleet.try_acquire_blocking(Instant::now()) {
            Step::Granted => granted.push(Instant::now()),
            Step::Wait(w) => std::thread::sleep(w.min(Duration::from_millis(50))),
            Step::Failed(why) => panic!("{why}"),
        }
    }
    assert!(
        granted
            .first()
            .is_some_and(|t| t.duration_since(t0) >= Duration::from_millis(1400))
    );
    let times: Vec<i64> = granted
        .iter()
        .map(|t| i64::try_from(t.duration_since(t0).as_micros()).unwrap_or(i64::MAX))
        .collect();
    assert!(busiest(&times, 1_500_000) <= 5, "{times:?}");
    assert!(granted.len() >= 5, "{}", granted.len());
}
