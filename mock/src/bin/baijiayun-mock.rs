//! The fake Baijiayun server on its own, for tests written in other languages.
//!
//! ```text
//! cargo run -p baijiayun-mock -- \
//!     --addr 127.0.0.1:8080 --partner-id 100 --partner-key secret
//! ```
//!
//! Prints one line with its URL, then serves until stopped (Ctrl-C or SIGTERM). `--rooms N
//! [--seed S]` serves a generated account of `N` rooms instead of the small seed.

use std::io::Write as _;
use std::net::SocketAddr;
use std::process::ExitCode;

use baijiayun_mock::{MockServer, seed};

const USAGE: &str = "usage: baijiayun-mock [--addr HOST:PORT] [--partner-id ID] [--partner-key KEY] [--no-rate-limit] [--record-capacity N] [--rooms N [--seed S]]";

struct Args {
    addr: SocketAddr,
    partner_id: i64,
    partner_key: String,
    rate_limit: bool,
    record_capacity: usize,
    rooms: Option<usize>,
    seed: u64,
}

fn parse(mut args: impl Iterator<Item = String>) -> Result<Args, String> {
    let mut out = Args {
        addr: SocketAddr::from(([127, 0, 0, 1], 8080)),
        partner_id: seed::PARTNER_ID,
        partner_key: seed::PARTNER_KEY.to_owned(),
        rate_limit: true,
        record_capacity: baijiayun_mock::DEFAULT_RECORD_CAPACITY,
        rooms: None,
        seed: 0,
    };
    while let Some(flag) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--addr" => {
                let v = value()?;
                out.addr = v.parse().map_err(|e| format!("--addr {v}: {e}"))?;
            }
            "--partner-id" => {
                let v = value()?;
                out.partner_id = v.parse().map_err(|e| format!("--partner-id {v}: {e}"))?;
            }
            "--partner-key" => out.partner_key = value()?,
            "--no-rate-limit" => out.rate_limit = false,
            "--record-capacity" => {
                let v = value()?;
                out.record_capacity = v
                    .parse()
                    .map_err(|e| format!("--record-capacity {v}: {e}"))?;
            }
            "--rooms" => {
                let v = value()?;
                out.rooms = Some(v.parse().map_err(|e| format!("--rooms {v}: {e}"))?);
            }
            "--seed" => {
                let v = value()?;
                out.seed = v.parse().map_err(|e| format!("--seed {v}: {e}"))?;
            }
            "-h" | "--help" => return Err(USAGE.to_owned()),
            other => return Err(format!("unknown argument {other}\n{USAGE}")),
        }
    }
    Ok(out)
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = match parse(std::env::args().skip(1)) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    let mut builder = MockServer::builder()
        .addr(args.addr)
        .partner_id(args.partner_id)
        .partner_key(args.partner_key)
        .record_capacity(args.record_capacity)
        .seed(args.seed);
    if let Some(rooms) = args.rooms {
        builder = builder.rooms(rooms);
    }
    if !args.rate_limit {
        builder = builder.no_rate_limit();
    }
    let server = match builder.start().await {
        Ok(s) => s,
        Err(e) => {
            eprintln!("cannot listen on {}: {e}", args.addr);
            return ExitCode::FAILURE;
        }
    };
    // The one line a caller waits for; a closed stdout must not stop the server.
    let mut out = std::io::stdout();
    let _ = writeln!(
        out,
        "baijiayun-mock listening on {} (partner id {})",
        server.url(),
        server.partner_id()
    );
    let _ = out.flush();
    baijiayun_mock::stop_requested().await;
    ExitCode::SUCCESS
}
