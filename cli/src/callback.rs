//! `baijiayun callback verify`: checks a captured callback body with the client's verifier.

use std::io::Read as _;
use std::process::ExitCode;

use baijiayun::callback::Verifier;
use secrecy::ExposeSecret as _;
use serde::Serialize;

use crate::config::{Connection, PARTNER_KEY};
use crate::output::{Failure, Printer};

/// `callback`'s subcommands.
#[derive(Debug, clap::Subcommand)]
pub(crate) enum Command {
    /// Reads a callback body (the form the vendor POSTed) on stdin and says whether its sign
    /// verifies with the partner key, and what event it is.
    Verify {
        /// Also refuse a timestamp more than this many seconds from now (default: no time check,
        /// since a captured body is usually old).
        #[arg(long, value_name = "SECS")]
        max_age: Option<u64>,
    },
}

#[derive(Serialize)]
struct Verified<'a> {
    verified: bool,
    event: String,
    qid: &'a str,
    timestamp: Option<i64>,
    fields: &'a std::collections::BTreeMap<String, String>,
}

/// Verifies the body on stdin; exits 1 when it does not verify.
pub(crate) fn run(connection: &Connection, command: Command) -> Result<ExitCode, Failure> {
    let Command::Verify { max_age } = command;
    let key = connection.partner_key()?.ok_or_else(|| {
        Failure::Config(format!(
            "{PARTNER_KEY} is not set (or pass --partner-key-file): the key the callbacks are signed with"
        ))
    })?;
    let mut body = Vec::new();
    std::io::stdin()
        .lock()
        .read_to_end(&mut body)
        .map_err(|e| Failure::Io(format!("cannot read stdin: {e}")))?;
    let trimmed = body.trim_ascii();
    let verifier = Verifier::new(key.expose_secret());
    let verifier = match max_age {
        Some(secs) => verifier.tolerance(std::time::Duration::from_secs(secs)),
        None => verifier.without_tolerance(),
    };
    match verifier.verify_form(trimmed) {
        Ok(cb) => {
            Printer::for_stdout().print(&Verified {
                verified: true,
                event: format!("{:?}", cb.event),
                qid: cb.qid(),
                timestamp: cb.timestamp(),
                fields: &cb.fields,
            })?;
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => Err(Failure::Other(format!("the callback does not verify: {e}"))),
    }
}
