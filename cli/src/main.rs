//! `baijiayun`, the command line of the Baijiayun (百家云) playback server API.
//!
//! Every endpoint of the spec is a subcommand (generated into `generated.rs` by
//! `cargo xtask codegen`); the rest is written by hand: configuration ([`config`]), sending and
//! printing ([`call`], [`output`]), the signed exchange that shows the vendor's whole envelope
//! ([`exchange`]), `doctor`, `mock`, `callback verify` and shell completions.

mod args;
mod call;
mod callback;
mod config;
mod doctor;
mod exchange;
#[rustfmt::skip]
mod generated;
mod logging;
mod metrics_server;
mod mock;
mod output;
mod sync;

use std::io::IsTerminal as _;
use std::process::ExitCode;

use clap::{CommandFactory as _, Parser, Subcommand};

use crate::output::Failure;

/// The command line of the Baijiayun (百家云) playback server API (回放服务端API).
///
/// Every endpoint is a subcommand named as the client method (`get-list`, `get-basic-info`,
/// `set-publish-status`, ...). The account comes from BAIJIAYUN_PARTNER_ID,
/// BAIJIAYUN_PARTNER_KEY (or --partner-key-file), BAIJIAYUN_PRIVATE_DOMAIN and, for another
/// server, BAIJIAYUN_BASE_URL; each can be given as a flag instead. The decoded `data` is printed
/// as JSON on stdout; errors go to stderr in one line, with an exit code per kind: 2 usage,
/// 3 refused by the vendor, 4 HTTP status, 5 transport, 6 undecodable response, 7 configuration,
/// 1 anything else.
#[derive(Debug, Parser)]
#[command(name = "baijiayun", version, max_term_width = 110)]
struct Cli {
    #[command(flatten)]
    connection: config::Connection,

    #[command(flatten)]
    call: call::Flags,

    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    #[command(flatten)]
    Endpoint(generated::Endpoint),

    /// Checks before deploying: credentials, clock, private domain, and which inferred paths
    /// this account's server knows.
    Doctor(doctor::Args),

    /// Runs the fake Baijiayun server on 127.0.0.1 (what `baijiayun-mock` does).
    Mock(mock::Args),

    /// Keeps a copy of the account in a database (SQLite): playbacks and play records, within
    /// a share of the rate limit, resumable after any crash. `sync status` shows where it is.
    Sync(sync::Args),

    /// Callbacks the vendor sends.
    #[command(subcommand)]
    Callback(callback::Command),

    /// Prints a shell completion script: `baijiayun completions bash > /etc/bash_completion.d/baijiayun`.
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // Help and version go to stdout with 0; usage errors to stderr with 2.
            let _ = e.print();
            return ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(2));
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => return output::report(&Failure::Io(format!("cannot start the runtime: {e}"))),
    };
    match runtime.block_on(run(cli)) {
        Ok(code) => code,
        Err(failure) => output::report(&failure),
    }
}

async fn run(cli: Cli) -> Result<ExitCode, Failure> {
    if cli.call.verbose {
        call::trace_to_stderr();
    }
    match cli.command {
        Command::Endpoint(endpoint) => {
            let settings = cli.connection.settings()?;
            let call = call::Call::new(&settings, cli.call)?;
            endpoint.run(&call).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Doctor(args) => {
            let settings = cli.connection.settings()?;
            doctor::run(&settings, &args).await
        }
        Command::Mock(args) => mock::run(&cli.connection, &args).await,
        Command::Sync(args) => sync::run(&cli.connection, args).await,
        Command::Callback(command) => callback::run(&cli.connection, command),
        Command::Completions { shell } => {
            let mut command = Cli::command();
            let mut out = std::io::stdout().lock();
            clap_complete::generate(shell, &mut command, "baijiayun", &mut out);
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Whether both stdin and stderr are a terminal: someone can be asked.
pub(crate) fn interactive() -> bool {
    std::io::stdin().is_terminal() && std::io::stderr().is_terminal()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_command_line_is_well_formed() {
        Cli::command().debug_assert();
    }
}
