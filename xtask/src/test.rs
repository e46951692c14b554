//! `cargo xtask test [ARGS..]`: the README's test command. Makes sure `redis-server` is on the
//! `PATH` (installing Debian's package with `apt-get` when it is not), then runs
//! `cargo test --workspace --locked ARGS..`.
//!
//! The tests of the fleet-wide rate limit start their own `redis-server` processes; without one
//! they fail, never skip. Installing it here keeps the command working on a fresh machine.

use std::path::Path;
use std::process::Command;

use anyhow::{Context, Result, bail};

/// The program the Redis tests start.
const REDIS_SERVER: &str = "redis-server";

/// Installs `redis-server` if it is missing, then runs the workspace's tests with `extra` args.
pub(crate) fn run(root: &Path, extra: &[&str]) -> Result<()> {
    if find_on_path(REDIS_SERVER).is_none() {
        install_redis()?;
        if find_on_path(REDIS_SERVER).is_none() {
            bail!("{REDIS_SERVER} is still not on PATH after installing Debian's package");
        }
    }
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let status = Command::new(cargo)
        .current_dir(root)
        .args(["test", "--workspace", "--locked"])
        .args(extra)
        .status()
        .context("running cargo test")?;
    if !status.success() {
        bail!("cargo test --workspace failed ({status})");
    }
    Ok(())
}

/// The first executable file called `name` in a directory of `PATH`.
fn find_on_path(name: &str) -> Option<std::path::PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|p| p.is_file())
}

/// `apt-get update` and `apt-get install redis-server`, non-interactively (a fresh Debian
/// machine, as root).
fn install_redis() -> Result<()> {
    eprintln!("{REDIS_SERVER} is not on PATH: installing Debian's package with apt-get");
    let apt = |args: &[&str]| -> Result<()> {
        let status = Command::new("apt-get")
            .args(args)
            .env("DEBIAN_FRONTEND", "noninteractive")
            .status()
            .context(
                "running apt-get (Debian's package manager; the Redis tests need redis-server)",
            )?;
        if !status.success() {
            bail!(
                "apt-get {} failed ({status}); install redis-server by hand (it must be on PATH)",
                args.join(" ")
            );
        }
        Ok(())
    };
    apt(&["update", "-q"])?;
    apt(&[
        "install",
        "-y",
        "-q",
        "--no-install-recommends",
        REDIS_SERVER,
    ])
}
