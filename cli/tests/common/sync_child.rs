//! `baijiayun sync --once` as a child process aimed at a fake: shared by the sync tests and the
//! sync benchmark.

#![allow(dead_code, reason = "each test binary uses part of the module")]

use std::io::{BufRead as _, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use baijiayun_mock::MockServer;

/// The `baijiayun` binary, aimed at `server` (its account, nothing else from the environment),
/// syncing once into `db` with `args`, printing JSON lines. Stdin is closed; the caller chooses
/// where stdout and stderr go.
pub(crate) fn sync_command(server: &MockServer, db: &str, args: &[&str]) -> Command {
    let mut cmd = aimed_at(server);
    cmd.args(["sync", "--once", "--db", db, "--progress", "json"])
        .args(args);
    cmd
}

/// The `baijiayun` binary with only `server`'s account in its environment, stdin closed.
pub(crate) fn aimed_at(server: &MockServer) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_baijiayun"));
    cmd.env_clear()
        .env("BAIJIAYUN_PARTNER_ID", server.partner_id().to_string())
        .env("BAIJIAYUN_PARTNER_KEY", server.partner_key())
        .env("BAIJIAYUN_BASE_URL", server.url())
        .stdin(Stdio::null());
    cmd
}

/// Lines of `pipe`, read on a thread, into a channel.
pub(crate) fn lines(pipe: impl std::io::Read + Send + 'static) -> mpsc::Receiver<String> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(pipe).lines() {
            let Ok(line) = line else { return };
            if tx.send(line).is_err() {
                return;
            }
        }
    });
    rx
}

/// Sends SIGTERM and waits (bounded) for a clean exit.
pub(crate) fn terminate(mut child: Child) {
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill -TERM");
    assert!(status.success());
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Some(status) = child.try_wait().expect("wait") {
            assert!(status.success(), "exit after SIGTERM: {status}");
            return;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("still running 30 s after SIGTERM");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}
