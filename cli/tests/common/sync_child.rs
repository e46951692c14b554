//! `baijiayun sync --once` as a child process aimed at a fake: shared by the sync tests and the
//! sync benchmark.

use std::process::{Command, Stdio};

use baijiayun_mock::MockServer;

/// The `baijiayun` binary, aimed at `server` (its account, nothing else from the environment),
/// syncing once into `db` with `args`, printing JSON lines. Stdin is closed; the caller chooses
/// where stdout and stderr go.
pub(crate) fn sync_command(server: &MockServer, db: &str, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_baijiayun"));
    cmd.args(["sync", "--once", "--db", db, "--progress", "json"])
        .args(args)
        .env_clear()
        .env("BAIJIAYUN_PARTNER_ID", server.partner_id().to_string())
        .env("BAIJIAYUN_PARTNER_KEY", server.partner_key())
        .env("BAIJIAYUN_BASE_URL", server.url())
        .stdin(Stdio::null());
    cmd
}
