//! `cargo xtask test [ARGS..]`: the README's test command. Makes sure the servers the tests start
//! are installed, installing Debian's packages with `apt-get` when they are not, then runs
//! `cargo test --workspace --locked ARGS..`:
//!
//! * `redis-server` on `PATH` (package `redis-server`), for the fleet-wide rate limit's tests;
//! * PostgreSQL's `initdb`, on `PATH` or in `/usr/lib/postgresql/*/bin` (package `postgresql`),
//!   for the tests on a real PostgreSQL (`postgres-test-server`).
//!
//! The tests start their own servers (Debian's PostgreSQL cluster is neither created nor started);
//! without the programs they fail, never skip. Installing them here keeps the command working on a
//! fresh machine.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

/// The program the Redis tests start.
const REDIS_SERVER: &str = "redis-server";

/// The PostgreSQL program whose presence means the server is installed.
const INITDB: &str = "initdb";

/// Where Debian puts each PostgreSQL major version's programs (not on `PATH`).
const POSTGRES_LIB: &str = "/usr/lib/postgresql";

/// `postgresql-common`'s settings for the clusters it creates.
const CREATECLUSTER_CONF: &str = "/etc/postgresql-common/createcluster.conf";

/// Installs `redis-server` and PostgreSQL if they are missing, then runs the workspace's tests
/// with `extra` args.
pub(crate) fn run(root: &Path, extra: &[&str]) -> Result<()> {
    let redis_missing = find_on_path(REDIS_SERVER).is_none();
    let postgres_missing = find_initdb().is_none();
    let mut packages = Vec::new();
    if redis_missing {
        eprintln!("{REDIS_SERVER} is not on PATH: installing Debian's package");
        packages.push(REDIS_SERVER);
    }
    if postgres_missing {
        eprintln!(
            "{INITDB} is neither on PATH nor in {POSTGRES_LIB}/*/bin: installing Debian's PostgreSQL"
        );
        // First its common part, to tell it not to create (and start) the `main` cluster.
        packages.push("postgresql-common");
    }
    if !packages.is_empty() {
        apt_install(&packages, true)?;
    }
    if postgres_missing {
        no_main_cluster()?;
        apt_install(&["postgresql"], false)?;
    }
    if redis_missing && find_on_path(REDIS_SERVER).is_none() {
        bail!("{REDIS_SERVER} is still not on PATH after installing Debian's package");
    }
    if postgres_missing && find_initdb().is_none() {
        bail!("{INITDB} is still not in {POSTGRES_LIB}/*/bin after installing Debian's postgresql");
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
fn find_on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|p| p.is_file())
}

/// `initdb` on `PATH` or in a `/usr/lib/postgresql/VERSION/bin` (where `postgres-test-server`
/// looks for it too).
fn find_initdb() -> Option<PathBuf> {
    find_on_path(INITDB).or_else(|| {
        std::fs::read_dir(POSTGRES_LIB)
            .ok()?
            .filter_map(Result::ok)
            .map(|version| version.path().join("bin").join(INITDB))
            .find(|p| p.is_file())
    })
}

/// `apt-get install packages`, non-interactively and without recommended packages (a fresh
/// Debian machine, as root), after `apt-get update` when `update`.
fn apt_install(packages: &[&str], update: bool) -> Result<()> {
    let apt = |args: &[&str]| -> Result<()> {
        let status = Command::new("apt-get")
            .args(args)
            .env("DEBIAN_FRONTEND", "noninteractive")
            .status()
            .with_context(|| {
                format!(
                    "running apt-get (Debian's package manager) to install {}",
                    packages.join(" ")
                )
            })?;
        if !status.success() {
            bail!(
                "apt-get {} failed ({status}); install {} by hand",
                args.join(" "),
                packages.join(" ")
            );
        }
        Ok(())
    };
    if update {
        apt(&["update", "-q"])?;
    }
    let mut args = vec!["install", "-y", "-q", "--no-install-recommends"];
    args.extend_from_slice(packages);
    apt(&args)
}

/// Sets `create_main_cluster = false` in `postgresql-common`'s settings, so that installing
/// `postgresql` neither creates nor starts Debian's cluster: the tests start their own servers.
fn no_main_cluster() -> Result<()> {
    let setting = "create_main_cluster = false";
    let conf = std::fs::read_to_string(CREATECLUSTER_CONF).unwrap_or_default();
    if conf.lines().any(|line| line.trim() == setting) {
        return Ok(());
    }
    let mut conf = conf;
    if !conf.is_empty() && !conf.ends_with('\n') {
        conf.push('\n');
    }
    conf.push_str(setting);
    conf.push('\n');
    std::fs::write(CREATECLUSTER_CONF, conf)
        .with_context(|| format!("writing {CREATECLUSTER_CONF}"))
}
