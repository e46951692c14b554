//! `baijiayun mock`: the fake Baijiayun server on 127.0.0.1, as `baijiayun-mock` runs it.
//!
//! The account is the global one (`--partner-id`, `--partner-key`, `--partner-key-file` or the
//! `BAIJIAYUN_*` environment), else the fake's seeded account; so one set of variables serves
//! both the fake and the commands run against it.

use std::net::SocketAddr;
use std::process::ExitCode;

use baijiayun_mock::{MockServer, seed};
use secrecy::ExposeSecret as _;

use crate::config::Connection;
use crate::output::{Failure, Printer};

/// `mock`'s flags.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Where to listen.
    #[arg(long, default_value = "127.0.0.1:8080")]
    addr: SocketAddr,

    /// Do not enforce the vendor's rate limit (200 requests in 10 s).
    #[arg(long)]
    no_rate_limit: bool,

    /// Serve a generated account of this many rooms (short and long-term, every product line,
    /// cropped versions, every status, play records over the last 30 days) instead of the small
    /// seed; at most 200000.
    #[arg(long, value_parser = clap::value_parser!(u32).range(0..=200_000))]
    rooms: Option<u32>,

    /// The generated account's seed: the same seed gives the same account.
    #[arg(long, default_value_t = 0, requires = "rooms")]
    seed: u64,
}

/// Serves until Ctrl-C or SIGTERM.
pub(crate) async fn run(connection: &Connection, args: &Args) -> Result<ExitCode, Failure> {
    let partner_id = connection.partner_id()?.unwrap_or(seed::PARTNER_ID);
    let partner_key = connection.partner_key()?.map_or_else(
        || seed::PARTNER_KEY.to_owned(),
        |k| k.expose_secret().to_owned(),
    );
    let mut builder = MockServer::builder()
        .addr(args.addr)
        .partner_id(partner_id)
        .partner_key(partner_key);
    if args.no_rate_limit {
        builder = builder.no_rate_limit();
    }
    if let Some(rooms) = args.rooms {
        builder = builder
            .rooms(usize::try_from(rooms).unwrap_or(usize::MAX))
            .seed(args.seed);
    }
    let server = builder
        .start()
        .await
        .map_err(|e| Failure::Io(format!("cannot listen on {}: {e}", args.addr)))?;
    // The one line a caller waits for.
    Printer::lines().print_text(&format!(
        "baijiayun mock listening on {} (partner id {})",
        server.url(),
        server.partner_id()
    ))?;
    baijiayun_mock::stop_requested().await;
    Ok(ExitCode::SUCCESS)
}
