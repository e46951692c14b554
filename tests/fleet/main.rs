//! The fleet-wide rate limit on real Redis, end to end: several OS processes of one account
//! against the fake server with the vendor's limit on (200 requests in any 10 s), Redis killed and
//! restarted under them, and 64 tasks in one process.
//!
//! These tests are long (about 30 s each), so they have their own binary and run one at a time.

use std::collections::HashMap;
use std::io::Read;
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use baijiayun::fleet::{FleetLimit, FleetState, OnRedisDown};
use baijiayun::operations::Operation;
use baijiayun::types::ErrorCode;
use baijiayun_mock::{MockServer, seed};
use redis_test_server::RedisServer;

/// One test at a time: they measure rates and share two cores.
static SERIAL: Mutex<()> = Mutex::new(());

/// The vendor's limit, as the fake enforces it.
const VENDOR_LIMIT: usize = 200;
const VENDOR_WINDOW: Duration = Duration::from_secs(10);

fn redis() -> RedisServer {
    RedisServer::start().unwrap_or_else(|e| panic!("the fleet tests need redis-server: {e}"))
}

fn fake() -> MockServer {
    MockServer::builder()
        .rate_limit(VENDOR_LIMIT as u32, VENDOR_WINDOW)
        .start_blocking()
        .unwrap_or_else(|e| panic!("{e}"))
}

/// Starts a worker process of the fleet.
fn worker(fake: &MockServer, redis: &RedisServer, seconds: u64, tasks: u32, threads: u32) -> Child {
    Command::new(env!("CARGO_BIN_EXE_fleet-worker"))
        .arg(format!("base_url={}", fake.url()))
        .arg(format!("partner_id={}", fake.partner_id()))
        .arg(format!("partner_key={}", fake.partner_key()))
        .arg(format!("redis={}", redis.url()))
        .arg(format!("room={}", seed::ROOM))
        .arg(format!("seconds={seconds}"))
        .arg("instances=4")
        .arg(format!("tasks={tasks}"))
        .arg(format!("threads={threads}"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start the worker: {e}"))
}

/// Waits (bounded) for a worker and reads its report; a worker that hangs is killed and fails
/// the test.
fn report(mut child: Child, until: Instant) -> HashMap<String, String> {
    loop {
        match child.try_wait() {
            Ok(Some(_)) => break,
            Ok(None) if Instant::now() < until => std::thread::sleep(Duration::from_millis(100)),
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                panic!("a worker hung past its deadline");
            }
        }
    }
    let mut out = String::new();
    let mut err = String::new();
    if let Some(mut s) = child.stdout.take() {
        let _ = s.read_to_string(&mut out);
    }
    if let Some(mut s) = child.stderr.take() {
        let _ = s.read_to_string(&mut err);
    }
    let status = child.wait().unwrap_or_else(|e| panic!("{e}"));
    assert!(status.success(), "worker failed ({status}): {err}");
    assert!(!err.contains("panicked"), "worker panicked: {err}");
    let line = out.lines().last().unwrap_or_default();
    let mut fields: HashMap<String, String> = line
        .split(' ')
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
    fields.insert("line".into(), line.to_owned());
    fields
}

fn count(r: &HashMap<String, String>, k: &str) -> u64 {
    r.get(k)
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no {k} in {:?}", r.get("line")))
}

/// The largest number of `times` (sorted) in any window of `window`.
fn busiest(times: &[Instant], window: Duration) -> usize {
    redis_test_server::busiest_window(times, window, |a, b| b.duration_since(*a))
}

/// What the fake saw: arrival times of the calls, and how many it refused for rate.
fn seen(fake: &MockServer) -> (Vec<Instant>, usize) {
    let calls: Vec<_> = fake
        .requests()
        .into_iter()
        .filter(|r| r.operation == Some(Operation::GetBasicInfo))
        .collect();
    let refused = calls
        .iter()
        .filter(|r| r.code == Some(i64::from(ErrorCode::RateLimited)))
        .count();
    let mut times: Vec<Instant> = calls.iter().map(|r| r.arrived).collect();
    times.sort();
    (times, refused)
}

#[test]
fn four_processes_share_one_account_without_a_refusal_and_near_the_full_rate() {
    let _serial = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    let fake = fake();
    let redis = redis();
    let seconds = 26;
    let children: Vec<_> = (0..4)
        .map(|i| worker(&fake, &redis, seconds, 3 + i % 2, 1 + i % 2))
        .collect();
    let until = Instant::now() + Duration::from_secs(seconds + 25);
    let reports: Vec<_> = children.into_iter().map(|c| report(c, until)).collect();

    let (times, refused) = seen(&fake);
    let mut ok = 0;
    for r in &reports {
        assert_eq!(count(r, "refused"), 0, "{:?}", r["line"]);
        assert_eq!(count(r, "errors"), 0, "{:?}", r["line"]);
        assert_eq!(r["saw_down"], "false");
        assert!(count(r, "ok") > 0, "an instance starved: {:?}", r["line"]);
        ok += count(r, "ok");
    }
    assert_eq!(refused, 0, "the fake refused for rate");
    assert_eq!(ok as usize, times.len());
    let busiest = busiest(&times, VENDOR_WINDOW);
    assert!(
        busiest <= VENDOR_LIMIT,
        "{busiest} requests in one 10 s window"
    );
    // The rate achieved over the run, against the vendor's 20 per second.
    let span = times[times.len() - 1]
        .duration_since(times[0])
        .as_secs_f64();
    let rate = times.len() as f64 / span;
    assert!(span >= 20.0, "the run lasted {span} s");
    assert!(
        rate >= 0.9 * 20.0,
        "{rate:.2} requests per second over {span:.1} s"
    );
}

#[test]
fn redis_killed_and_restarted_under_a_fleet_no_refusal_no_hang_and_back_to_shared() {
    let _serial = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    let fake = fake();
    let mut redis = redis();
    // Redis is down from 2 s to 24 s: longer than the quiet window that starts when the workers
    // find it gone (their next call, at about 10 s), so they also send on their local shares.
    let seconds = 38;
    let started = Instant::now();
    let children: Vec<_> = (0..4)
        .map(|i| worker(&fake, &redis, seconds, 2, i % 2))
        .collect();
    std::thread::sleep(Duration::from_secs(2));
    redis.kill();
    let killed = Instant::now();
    std::thread::sleep(Duration::from_secs(22));
    redis.restart().unwrap_or_else(|e| panic!("{e}"));
    let restarted = Instant::now();
    let until = started + Duration::from_secs(seconds + 25);
    let reports: Vec<_> = children.into_iter().map(|c| report(c, until)).collect();

    let (times, refused) = seen(&fake);
    for r in &reports {
        assert_eq!(count(r, "refused"), 0, "{:?}", r["line"]);
        assert_eq!(count(r, "errors"), 0, "{:?}", r["line"]);
        assert_eq!(r["saw_down"], "true", "{:?}", r["line"]);
        // Back on Redis: shared, or within the window of recovering after it.
        assert!(
            r["state"] == "Some(Shared)" || r["state"] == "Some(Recovering)",
            "{:?}",
            r["line"]
        );
    }
    assert_eq!(refused, 0, "the fake refused for rate");
    assert!(busiest(&times, VENDOR_WINDOW) <= VENDOR_LIMIT);
    let during = times
        .iter()
        .filter(|t| **t > killed && **t < restarted)
        .count();
    assert!(
        during > 0,
        "nothing was sent on the fall-back while Redis was down"
    );
    // The restarted Redis holds the fleet's log again: requests were granted through it.
    let after = times.iter().filter(|t| **t > restarted).count();
    assert!(after > 0, "nothing was sent after the restart");
    let mut c = redis.connection().unwrap_or_else(|e| panic!("{e}"));
    let key = FleetLimit::new(&redis.url())
        .unwrap_or_else(|e| panic!("{e}"))
        .key(fake.partner_id());
    let members: i64 = redis::cmd("ZCARD")
        .arg(&key)
        .query(&mut c)
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(members > 0, "no grants in the restarted Redis");
}

#[test]
fn sixty_four_tasks_in_one_process_keep_the_limit() {
    let _serial = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap_or_else(|e| panic!("{e}"))
        .block_on(sixty_four_tasks());
}

async fn sixty_four_tasks() {
    let fake = MockServer::builder()
        .rate_limit(VENDOR_LIMIT as u32, VENDOR_WINDOW)
        .start()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let redis = redis();
    let fleet = FleetLimit::new(&redis.url())
        .unwrap_or_else(|e| panic!("{e}"))
        .on_redis_down(OnRedisDown::FailClosed);
    let client = fake
        .client_builder()
        .retry(baijiayun::RetryPolicy::none())
        .fleet_rate_limit(fleet)
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    // 12 s: two windows of the limit.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(12);
    let tasks: Vec<_> = (0..64)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move {
                let (mut ok, mut failed) = (0u32, Vec::new());
                while let Ok(r) =
                    tokio::time::timeout_at(deadline, client.get_basic_info(seed::ROOM).send())
                        .await
                {
                    match r {
                        Ok(_) => ok += 1,
                        Err(e) => failed.push(e.to_string()),
                    }
                }
                (ok, failed)
            })
        })
        .collect();
    let mut ok = 0;
    for t in tasks {
        let (n, failed) = t.await.unwrap_or_else(|e| panic!("{e}"));
        assert!(failed.is_empty(), "{failed:?}");
        ok += n;
    }
    assert_eq!(client.fleet_state(), Some(FleetState::Shared));
    let (times, refused) = seen(&fake);
    assert_eq!(refused, 0);
    assert_eq!(ok as usize, times.len());
    assert!(busiest(&times, VENDOR_WINDOW) <= VENDOR_LIMIT);
    // Two windows started in 12 s: the first 200 and the 200 after 10.25 s.
    assert!(times.len() >= 2 * VENDOR_LIMIT - 10, "{}", times.len());
}
