//! One instance of a fleet, for the fleet tests (`tests/fleet`): an async client (several tasks)
//! and a blocking client (threads) of one account, both on the fleet-wide rate limit, calling the
//! fake server as fast as the limit lets them until a deadline. Prints one line:
//! `ok=N refused=N errors=N saw_down=BOOL state=STATE first_error=...`.
//!
//! Arguments, `key=value`: `base_url`, `partner_id`, `partner_key`, `redis`, `room`, `seconds`,
//! `instances`, `tasks`, `threads`.

use std::collections::HashMap;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use baijiayun::fleet::{FleetLimit, FleetState, OnRedisDown};
use baijiayun::{Client, RetryPolicy};

#[derive(Default)]
struct Tally {
    ok: AtomicU64,
    refused: AtomicU64,
    errors: AtomicU64,
    saw_down: AtomicBool,
    first_error: Mutex<Option<String>>,
}

impl Tally {
    fn count(&self, result: baijiayun::Result<()>, state: Option<FleetState>) {
        if state == Some(FleetState::Down) {
            self.saw_down.store(true, Ordering::Relaxed);
        }
        match result {
            Ok(()) => self.ok.fetch_add(1, Ordering::Relaxed),
            Err(e) => {
                let mut first = self.first_error.lock().unwrap_or_else(|p| p.into_inner());
                first.get_or_insert_with(|| e.to_string());
                if e.is_rate_limited() {
                    self.refused.fetch_add(1, Ordering::Relaxed)
                } else {
                    self.errors.fetch_add(1, Ordering::Relaxed)
                }
            }
        };
    }
}

fn main() -> ExitCode {
    match run() {
        Ok(line) => {
            #[allow(clippy::print_stdout, reason = "the worker's report to the test")]
            {
                println!("{line}");
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("fleet-worker: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<String, Box<dyn std::error::Error>> {
    let args: HashMap<String, String> = std::env::args()
        .skip(1)
        .filter_map(|a| a.split_once('=').map(|(k, v)| (k.to_owned(), v.to_owned())))
        .collect();
    let arg = |k: &str| -> Result<&str, String> {
        args.get(k)
            .map(String::as_str)
            .ok_or_else(|| format!("missing {k}=..."))
    };
    let num = |k: &str| -> Result<u64, String> { arg(k)?.parse().map_err(|e| format!("{k}: {e}")) };
    let fleet = FleetLimit::new(arg("redis")?)?
        .on_redis_down(OnRedisDown::FallBack {
            instances: u32::try_from(num("instances")?)?,
        })
        .timeout(Duration::from_millis(300));
    let builder = Client::builder(num("partner_id")?.try_into()?, arg("partner_key")?)
        .base_url(arg("base_url")?)
        .retry(RetryPolicy::none())
        .fleet_rate_limit(fleet);
    let room = baijiayun::types::RoomId(num("room")?.try_into()?);
    let deadline = Instant::now() + Duration::from_secs(num("seconds")?);
    let tally = Arc::new(Tally::default());

    let blocking = builder.clone().build_blocking()?;
    // Calls can wait through a whole outage, so the state is also sampled on its own.
    let sampler = {
        let (client, tally) = (blocking.clone(), Arc::clone(&tally));
        std::thread::spawn(move || {
            while Instant::now() < deadline {
                if client.fleet_state() == Some(FleetState::Down) {
                    tally.saw_down.store(true, Ordering::Relaxed);
                }
                std::thread::sleep(Duration::from_millis(50));
            }
        })
    };
    let threads: Vec<_> = (0..num("threads")?)
        .map(|_| {
            let (client, tally) = (blocking.clone(), Arc::clone(&tally));
            std::thread::spawn(move || {
                while Instant::now() < deadline {
                    let result = client.get_basic_info(room).send().map(drop);
                    tally.count(result, client.fleet_state());
                }
            })
        })
        .collect();

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let client = builder.build()?;
    let tasks = num("tasks")?;
    let state = runtime.block_on(async {
        let handles: Vec<_> = (0..tasks)
            .map(|_| {
                let (client, tally) = (client.clone(), Arc::clone(&tally));
                tokio::spawn(async move {
                    loop {
                        let left = deadline.saturating_duration_since(Instant::now());
                        // A call still waiting for the limiter at the deadline is dropped.
                        let Ok(result) =
                            tokio::time::timeout(left, client.get_basic_info(room).send()).await
                        else {
                            break;
                        };
                        tally.count(result.map(drop), client.fleet_state());
                    }
                })
            })
            .collect();
        for h in handles {
            let _ = h.await;
        }
        client.fleet_state()
    });
    for t in threads.into_iter().chain([sampler]) {
        t.join().map_err(|_| "a blocking thread panicked")?;
    }
    let first = tally
        .first_error
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .clone()
        .unwrap_or_default();
    Ok(format!(
        "ok={} refused={} errors={} saw_down={} state={:?} first_error={first}",
        tally.ok.load(Ordering::Relaxed),
        tally.refused.load(Ordering::Relaxed),
        tally.errors.load(Ordering::Relaxed),
        tally.saw_down.load(Ordering::Relaxed),
        state,
    ))
}
