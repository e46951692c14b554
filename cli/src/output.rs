//! What the command line prints: JSON on stdout (pretty on a terminal, compact otherwise), and
//! failures on stderr in one line with an exit code per kind.

use std::io::{IsTerminal as _, Write as _};
use std::process::ExitCode;

use serde::Serialize;

/// Exit codes, one per kind of failure.
pub(crate) mod code {
    /// Anything not listed below (I/O, a failed `doctor` check).
    pub(crate) const OTHER: u8 = 1;
    /// A usage error: bad or missing flags, an unconfirmed write, a request the spec forbids.
    pub(crate) const USAGE: u8 = 2;
    /// The vendor refused the request (`code` ≠ 0).
    pub(crate) const REFUSED: u8 = 3;
    /// The server answered with an HTTP status other than 2xx (a redirect included).
    pub(crate) const HTTP: u8 = 4;
    /// The request could not be sent or its answer not received (or was over the size cap).
    pub(crate) const TRANSPORT: u8 = 5;
    /// The answer was not the JSON the spec describes.
    pub(crate) const DECODE: u8 = 6;
    /// The account is not configured (missing or malformed `BAIJIAYUN_*`).
    pub(crate) const CONFIG: u8 = 7;
}

/// Why a command failed.
#[derive(Debug, thiserror::Error)]
pub(crate) enum Failure {
    /// A call failed; the client's error says how.
    #[error(transparent)]
    Call(#[from] baijiayun::Error),
    /// The vendor refused a call made with `--raw` (the envelope is on stdout).
    #[error("{0}")]
    Refused(String),
    /// A usage error found after parsing.
    #[error("{0}")]
    Usage(String),
    /// The account is not configured.
    #[error("{0}")]
    Config(String),
    /// A file or a stream could not be read or written.
    #[error("{0}")]
    Io(String),
    /// Something else, already explained on stdout (e.g. a failed `doctor` check).
    #[error("{0}")]
    Other(String),
}

impl Failure {
    /// The exit code of this kind of failure.
    pub(crate) fn exit_code(&self) -> u8 {
        use baijiayun::Error;
        match self {
            Failure::Call(e) => match e {
                Error::Api { .. } => code::REFUSED,
                Error::Http { .. } | Error::Redirect { .. } => code::HTTP,
                Error::Transport { .. } | Error::ResponseTooLarge { .. } => code::TRANSPORT,
                Error::Decode { .. } => code::DECODE,
                Error::InvalidRequest { .. } => code::USAGE,
                Error::Config(_) => code::CONFIG,
                _ => code::OTHER,
            },
            Failure::Refused(_) => code::REFUSED,
            Failure::Usage(_) => code::USAGE,
            Failure::Config(_) => code::CONFIG,
            Failure::Io(_) | Failure::Other(_) => code::OTHER,
        }
    }
}

/// Prints `failure` on stderr in one line and returns its exit code.
pub(crate) fn report(failure: &Failure) -> ExitCode {
    let text = failure.to_string().replace(['\n', '\r'], " ");
    eprintln!("error: {text}");
    ExitCode::from(failure.exit_code())
}

/// Writes JSON values to stdout, one per line when compact.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Printer {
    pretty: bool,
}

impl Printer {
    /// Pretty on a terminal, compact otherwise.
    pub(crate) fn for_stdout() -> Self {
        Printer {
            pretty: std::io::stdout().is_terminal(),
        }
    }

    /// Always compact: JSON lines.
    pub(crate) fn lines() -> Self {
        Printer { pretty: false }
    }

    /// Prints one value.
    pub(crate) fn print(&self, value: &impl Serialize) -> Result<(), Failure> {
        let text = if self.pretty {
            serde_json::to_string_pretty(value)
        } else {
            serde_json::to_string(value)
        }
        .map_err(|e| Failure::Io(format!("cannot encode the output as JSON: {e}")))?;
        self.print_text(&text)
    }

    /// Prints a line of text as it is.
    pub(crate) fn print_text(&self, text: &str) -> Result<(), Failure> {
        let mut out = std::io::stdout().lock();
        writeln!(out, "{text}")
            .and_then(|()| out.flush())
            .map_err(|e| Failure::Io(format!("cannot write to stdout: {e}")))
    }
}
