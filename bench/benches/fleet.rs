//! The per-call cost of the fleet-wide rate limit (feature `redis`) on loopback: a call through
//! the Redis limiter against the same call through the in-process limiter, alternated call by
//! call, medians compared; and how many connections Redis saw for all those calls. Starts its own
//! `redis-server` (on `PATH`; `cargo xtask test` installs it). Run with `cargo bench --bench fleet`.

use std::time::Duration;

use baijiayun::RateLimit;
use baijiayun::fleet::{FleetLimit, FleetState};
use baijiayun::types::RoomId;
use baijiayun_bench::{ROOM, basic_info_body, canned_server, client, paired};
use redis_test_server::RedisServer;

/// `INFO stats` field `total_connections_received`.
fn connections_received(redis: &RedisServer) -> i64 {
    let mut c = redis.connection().expect("a connection to look");
    let info: String = redis::cmd("INFO").arg("stats").query(&mut c).expect("INFO");
    info.lines()
        .find_map(|l| l.strip_prefix("total_connections_received:"))
        .and_then(|v| v.trim().parse().ok())
        .expect("total_connections_received")
}

fn main() {
    let redis = RedisServer::start()
        .expect("redis-server on PATH (cargo xtask test installs Debian's package)");
    let server = canned_server(basic_info_body());
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    // A limit that is never reached: the cost of taking a permit, not of waiting.
    let limit = RateLimit::new(u32::MAX, Duration::from_secs(1));
    let fleet = FleetLimit::new(&redis.url()).expect("Redis URL");
    let local = client(server).rate_limit(limit).build().expect("client");
    let shared = client(server)
        .rate_limit(limit)
        .fleet_rate_limit(fleet.clone())
        .build()
        .expect("client");
    let shared_b = client(server)
        .rate_limit(limit)
        .fleet_rate_limit(fleet)
        .build_blocking()
        .expect("client");
    let local_b = client(server)
        .rate_limit(limit)
        .build_blocking()
        .expect("client");

    let before = connections_received(&redis);
    let rounds = 3000;
    let async_pair = paired(
        rounds,
        || {
            rt.block_on(shared.get_basic_info(RoomId(ROOM)).send())
                .is_ok()
        },
        || {
            rt.block_on(local.get_basic_info(RoomId(ROOM)).send())
                .is_ok()
        },
    );
    let blocking_pair = paired(
        rounds,
        || shared_b.get_basic_info(RoomId(ROOM)).send().is_ok(),
        || local_b.get_basic_info(RoomId(ROOM)).send().is_ok(),
    );
    // The connections made for every call above, less the one this count itself opens.
    let connections = connections_received(&redis) - before - 1;
    assert_eq!(shared.fleet_state(), Some(FleetState::Shared));

    #[allow(clippy::print_stdout, reason = "the report is the output")]
    {
        println!(
            "{:<46} {:>12} {:>12} {:>7} {:>12}",
            "per call, Redis limiter / in-process limiter",
            "Redis",
            "in-process",
            "ratio",
            "overhead"
        );
        for (what, (m, r)) in [("async", async_pair), ("blocking", blocking_pair)] {
            println!(
                "{:<46} {:>12?} {:>12?} {:>7.3} {:>9.1} µs",
                what,
                m,
                r,
                m.as_secs_f64() / r.as_secs_f64().max(1e-12),
                (m.as_secs_f64() - r.as_secs_f64()) * 1e6,
            );
        }
        println!(
            "connections Redis accepted for {} calls through it: {connections}",
            2 * (rounds + rounds / 10 + 5)
        );
    }
}
