//! Structured logs on stderr through `tracing`: JSON lines when stdout is not a terminal (a
//! service, a pipe) or with `--log-format json`, lines for people on a terminal. The level comes
//! from `RUST_LOG` (an `EnvFilter`), by default `info` for our crates and `warn` for the rest.
//!
//! Nothing secret is logged: the partner key is never a field, and a database URL goes through
//! [`baijiayun_sync::redact`] first.

use std::io::IsTerminal as _;

use tracing_subscriber::EnvFilter;
use tracing_subscriber::layer::SubscriberExt as _;
use tracing_subscriber::util::SubscriberInitExt as _;

/// What the log lines look like.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum LogFormat {
    /// JSON when stdout is not a terminal, text otherwise.
    Auto,
    /// One JSON object a line.
    Json,
    /// Lines for people.
    Text,
}

/// The filter when `RUST_LOG` is unset: our crates (the client and the command line are both
/// `baijiayun`) at info, the rest at warn.
const DEFAULT_FILTER: &str = "warn,baijiayun=info,baijiayun_sync=info";

/// Installs the subscriber, unless one already is (`--verbose` installs its own).
pub(crate) fn init(format: LogFormat) {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(DEFAULT_FILTER));
    let json = match format {
        LogFormat::Auto => !std::io::stdout().is_terminal(),
        LogFormat::Json => true,
        LogFormat::Text => false,
    };
    let registry = tracing_subscriber::registry().with(filter);
    let _ = if json {
        registry
            .with(
                tracing_subscriber::fmt::layer()
                    .json()
                    .with_writer(std::io::stderr)
                    .with_current_span(false),
            )
            .try_init()
    } else {
        registry
            .with(
                tracing_subscriber::fmt::layer()
                    .with_writer(std::io::stderr)
                    .with_ansi(std::io::stderr().is_terminal()),
            )
            .try_init()
    };
}
