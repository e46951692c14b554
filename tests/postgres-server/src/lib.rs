//! A real PostgreSQL server for tests: a fresh cluster (`initdb`) in a new temporary directory,
//! started with `pg_ctl` on a free 127.0.0.1 port with durability off (`fsync`,
//! `synchronous_commit` and `full_page_writes` off), ready when `pg_isready` says it accepts
//! connections, stopped and removed on drop, and restartable on the same port and data directory to
//! test what a client does while the database is down.
//!
//! The server's programs (`initdb`, `pg_ctl`, `pg_isready`) are looked for on `PATH`, then in the
//! newest `/usr/lib/postgresql/VERSION/bin/`, where Debian's package `postgresql` puts them
//! (`cargo xtask test` installs it). Without them [`PgServer::start`] returns a
//! [`io::ErrorKind::NotFound`] error saying how to install them, and the tests that need a server
//! fail: they are never skipped. `psql` and `createdb` are taken from the same directory, or from
//! `PATH`.
//!
//! PostgreSQL refuses to run as root: when the current user is root (`id -u` prints 0), the
//! server's programs run as the user `postgres` (`runuser -u postgres --`, which Debian's package
//! creates) and the temporary directory is handed to that user.
//!
//! Every test should work in its own database: [`PgServer::create_database`] makes one and returns
//! its URL. Clients connect over TCP as the superuser `postgres`, without a password (`trust`).

use std::ffi::OsStr;
use std::fmt::Write as _;
use std::fs;
use std::io::{self, Write as _};
use std::net::TcpListener;
use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// How long a started server has to accept connections.
const READY_WITHIN: Duration = Duration::from_secs(30);

/// The superuser `initdb` creates, and the user the server runs as when the tests run as root.
const SUPERUSER: &str = "postgres";

/// Where Debian installs each major version's programs: `/usr/lib/postgresql/VERSION/bin`.
const DEBIAN_ROOT: &str = "/usr/lib/postgresql";

/// What the error says when the server's programs are missing.
const INSTALL_HINT: &str = "PostgreSQL's server programs (initdb, pg_ctl, pg_isready) are neither \
     on PATH nor in /usr/lib/postgresql/*/bin: the PostgreSQL tests need a real server. Install \
     them with `apt-get install -y postgresql` (Debian's package), or run `cargo xtask test`, \
     which installs it when it is missing";

/// How many lines of the server's log an error quotes.
const LOG_TAIL_LINES: usize = 30;

/// A PostgreSQL server on 127.0.0.1, in its own temporary directory.
///
/// Dropping it stops the server (`pg_ctl stop -m immediate`) and removes the directory.
#[derive(Debug)]
pub struct PgServer {
    /// The temporary directory: the data directory, the log and the Unix socket.
    dir: PathBuf,
    /// The data directory, `dir/data` (mode 0700).
    data: PathBuf,
    /// The server's log, `dir/postgres.log`.
    log: PathBuf,
    /// The directory `initdb` was found in.
    bin: PathBuf,
    /// The TCP port it listens on.
    port: u16,
    /// Whether the server's programs run as `postgres` (the tests run as root).
    as_postgres: bool,
}

impl PgServer {
    /// Creates a cluster in a fresh temporary directory, starts it on a free port and waits until
    /// it accepts connections.
    ///
    /// The cluster: superuser `postgres`, `trust` authentication, encoding UTF8, locale C; the
    /// server: `listen_addresses = 127.0.0.1`, its Unix socket in the temporary directory,
    /// `fsync`, `synchronous_commit` and `full_page_writes` off, `max_connections = 200`. A port
    /// taken between finding it free and binding it is replaced by another, a few times.
    ///
    /// # Errors
    ///
    /// [`io::ErrorKind::NotFound`] when `initdb`, `pg_ctl` or `pg_isready` cannot be found (the
    /// message says how to install them); otherwise the failing step's error, with the end of the
    /// server's log when the server did not start.
    pub fn start() -> io::Result<Self> {
        let bin = find_bin_dir(std::env::var_os("PATH").as_deref(), Path::new(DEBIAN_ROOT))
            .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, INSTALL_HINT))?;
        let as_postgres = is_root();
        let dir = fresh_dir()?;
        // From here on, dropping `server` removes the directory, whatever fails.
        let mut server = PgServer {
            data: dir.join("data"),
            log: dir.join("postgres.log"),
            dir,
            bin,
            port: 0,
            as_postgres,
        };
        server.init()?;
        let mut last = None;
        for _ in 0..5 {
            server.port = free_port()?;
            match server.launch() {
                Ok(()) => return Ok(server),
                Err(e) if e.kind() == io::ErrorKind::AddrInUse => last = Some(e),
                Err(e) => return Err(e),
            }
        }
        Err(last.unwrap_or_else(|| io::Error::other("PostgreSQL did not start")))
    }

    /// The URL of the database `postgres`: `postgres://postgres@127.0.0.1:PORT/postgres`.
    pub fn url(&self) -> String {
        self.database_url(SUPERUSER)
    }

    /// The URL of the database `name` on this server: `postgres://postgres@127.0.0.1:PORT/NAME`.
    pub fn database_url(&self, name: &str) -> String {
        format!("postgres://{SUPERUSER}@127.0.0.1:{}/{name}", self.port)
    }

    /// The port it listens on (the same after [`PgServer::start_again`]).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The temporary directory holding the data directory (`data/`), the log (`postgres.log`)
    /// and the Unix socket; removed on drop.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Creates the empty database `name` (with `createdb`) and returns its URL, so that each test
    /// works in a fresh database.
    ///
    /// # Errors
    ///
    /// [`io::ErrorKind::InvalidInput`] when `name` is empty or has characters other than ASCII
    /// letters, digits, `_` and `-` (it goes into a URL as is); otherwise `createdb`'s error, for
    /// instance when the database exists.
    pub fn create_database(&self, name: &str) -> io::Result<String> {
        if name.is_empty()
            || !name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("database name {name:?}: use ASCII letters, digits, `_` and `-`"),
            ));
        }
        let createdb = self.client_program("createdb")?;
        let output = self
            .client(&createdb)
            .args([
                "-h",
                "127.0.0.1",
                "-p",
                &self.port.to_string(),
                "-U",
                SUPERUSER,
            ])
            .arg(name)
            .output()?;
        check(&output, &format!("createdb {name}"))?;
        Ok(self.database_url(name))
    }

    /// Runs `sql` in the database `database` with `psql` (unaligned, tuples only, stopping at the
    /// first error) and returns what it printed, trimmed: `"1"` for `SELECT 1`.
    ///
    /// # Errors
    ///
    /// When `psql` cannot be found, cannot connect, or the SQL fails (the message has `psql`'s
    /// error).
    pub fn psql(&self, database: &str, sql: &str) -> io::Result<String> {
        let psql = self.client_program("psql")?;
        let output = self
            .client(&psql)
            .args(["-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1"])
            .args([
                "-h",
                "127.0.0.1",
                "-p",
                &self.port.to_string(),
                "-U",
                SUPERUSER,
            ])
            .args(["-d", database, "-c", sql])
            .output()?;
        check(&output, &format!("psql -d {database} -c {sql:?}"))?;
        Ok(String::from_utf8_lossy(&output.stdout).trim().to_owned())
    }

    /// Stops the server at once (`pg_ctl stop -m immediate`: no checkpoint, like a crash) and
    /// waits until it has exited. The data stay; [`PgServer::start_again`] starts it again.
    ///
    /// As after a crash, the transactions committed in the last moments before (well under a
    /// second) may be lost, since `synchronous_commit` is off: a test that needs them to survive
    /// commits them with `SET synchronous_commit = on` (or runs `CHECKPOINT`) first.
    ///
    /// # Errors
    ///
    /// `pg_ctl`'s error, for instance when the server is not running.
    pub fn stop(&self) -> io::Result<()> {
        let output = self.pg_ctl_stop()?;
        check(&output, "pg_ctl stop -m immediate")
    }

    /// Starts the stopped server again on the same port and data directory (it recovers what it
    /// had committed) and waits until it accepts connections.
    ///
    /// # Errors
    ///
    /// When it does not start or accept connections within 30 seconds, with the end of its log;
    /// [`io::ErrorKind::AddrInUse`] when another process took the port meanwhile.
    pub fn start_again(&self) -> io::Result<()> {
        let mut last = None;
        for _ in 0..5 {
            match self.launch() {
                Ok(()) => return Ok(()),
                Err(e) if e.kind() == io::ErrorKind::AddrInUse => {
                    last = Some(e);
                    std::thread::sleep(Duration::from_millis(200));
                }
                Err(e) => return Err(e),
            }
        }
        Err(last.unwrap_or_else(|| io::Error::other("PostgreSQL did not start again")))
    }

    /// `initdb` into `self.data`, then the settings appended to its `postgresql.conf`.
    fn init(&self) -> io::Result<()> {
        fs::DirBuilder::new().mode(0o700).create(&self.data)?;
        fs::set_permissions(&self.data, fs::Permissions::from_mode(0o700))?;
        if self.as_postgres {
            let output = Command::new("chown")
                .args(["-R", SUPERUSER])
                .arg(&self.dir)
                .stdin(Stdio::null())
                .output()?;
            check(&output, "chown -R postgres (the tests run as root)")?;
        }
        let output = self
            .server_command("initdb")?
            .arg("-D")
            .arg(&self.data)
            .args([
                "-U",
                SUPERUSER,
                "-A",
                "trust",
                "--no-sync",
                "-E",
                "UTF8",
                "--locale=C",
            ])
            .output()?;
        check(&output, "initdb").map_err(|e| self.hint_postgres_user(e))?;
        let mut settings = String::from("\n# postgres-test-server\n");
        let socket_dir = self.dir.to_string_lossy().replace('\'', "''");
        for line in [
            "listen_addresses = '127.0.0.1'",
            &format!("unix_socket_directories = '{socket_dir}'"),
            "fsync = off",
            "synchronous_commit = off",
            "full_page_writes = off",
            "max_connections = 200",
        ] {
            let _ = writeln!(settings, "{line}");
        }
        fs::OpenOptions::new()
            .append(true)
            .open(self.data.join("postgresql.conf"))?
            .write_all(settings.as_bytes())
    }

    /// `pg_ctl start` on `self.port`, then `pg_isready` until it accepts connections.
    fn launch(&self) -> io::Result<()> {
        let deadline = Instant::now() + READY_WITHIN;
        let port = self.port;
        let output = self
            .server_command("pg_ctl")?
            .arg("-D")
            .arg(&self.data)
            .arg("-l")
            .arg(&self.log)
            .args(["-o", &format!("-p {port}")])
            .args(["-w", "-t", &READY_WITHIN.as_secs().to_string(), "start"])
            .output()?;
        if !output.status.success() {
            let log = self.log_tail();
            let kind = if log.contains("Address already in use") {
                io::ErrorKind::AddrInUse
            } else {
                io::ErrorKind::Other
            };
            return Err(io::Error::new(
                kind,
                format!(
                    "PostgreSQL did not start on port {port} ({}): {}\n--- end of {} ---\n{log}",
                    output.status,
                    outputs(&output),
                    self.log.display()
                ),
            ));
        }
        let port = port.to_string();
        loop {
            let ready = self
                .server_command("pg_isready")?
                .args([
                    "-h",
                    "127.0.0.1",
                    "-p",
                    &port,
                    "-U",
                    SUPERUSER,
                    "-d",
                    SUPERUSER,
                ])
                .args(["-t", "1"])
                .output()?;
            if ready.status.success() {
                return Ok(());
            }
            if Instant::now() > deadline {
                let _ = self.pg_ctl_stop();
                return Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    format!(
                        "PostgreSQL on port {port} did not accept connections within \
                         {READY_WITHIN:?}: {}\n--- end of {} ---\n{}",
                        outputs(&ready),
                        self.log.display(),
                        self.log_tail()
                    ),
                ));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// `pg_ctl stop -m immediate`, waiting until the server has exited.
    fn pg_ctl_stop(&self) -> io::Result<Output> {
        self.server_command("pg_ctl")?
            .arg("-D")
            .arg(&self.data)
            .args(["-m", "immediate", "-w", "stop"])
            .output()
    }

    /// A command running the server program `name` from `self.bin` (or `PATH`), as `postgres`
    /// when the tests run as root, in the temporary directory.
    fn server_command(&self, name: &str) -> io::Result<Command> {
        let program = self.program(name).ok_or_else(|| {
            io::Error::new(io::ErrorKind::NotFound, format!("{name}: {INSTALL_HINT}"))
        })?;
        let mut command = if self.as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", SUPERUSER, "--"]).arg(program);
            c
        } else {
            Command::new(program)
        };
        command.current_dir(&self.dir).stdin(Stdio::null());
        Ok(command)
    }

    /// A command running the client program at `program` (as the current user: clients connect
    /// over TCP as `postgres`).
    fn client(&self, program: &Path) -> Command {
        let mut command = Command::new(program);
        command
            .current_dir(&self.dir)
            .env("PGCONNECT_TIMEOUT", "10")
            .stdin(Stdio::null());
        command
    }

    /// The client program `name` (`psql`, `createdb`), or [`io::ErrorKind::NotFound`].
    fn client_program(&self, name: &str) -> io::Result<PathBuf> {
        self.program(name).ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::NotFound,
                format!(
                    "{name} is neither in {} nor on PATH: install it with \
                     `apt-get install -y postgresql` or `cargo xtask test`",
                    self.bin.display()
                ),
            )
        })
    }

    /// `name` in the directory `initdb` was found in, else on `PATH`.
    fn program(&self, name: &str) -> Option<PathBuf> {
        let here = self.bin.join(name);
        if here.is_file() {
            return Some(here);
        }
        find_in(std::env::var_os("PATH").as_deref(), name)
    }

    /// The last lines of the server's log.
    fn log_tail(&self) -> String {
        let log = fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = log.lines().collect();
        lines[lines.len().saturating_sub(LOG_TAIL_LINES)..].join("\n")
    }

    /// Adds to an error of a program run as `postgres` that the user must exist.
    fn hint_postgres_user(&self, e: io::Error) -> io::Error {
        if self.as_postgres {
            io::Error::new(
                e.kind(),
                format!(
                    "{e} (the tests run as root, so the server's programs run as the user \
                     `postgres`, which Debian's package creates)"
                ),
            )
        } else {
            e
        }
    }
}

impl Drop for PgServer {
    fn drop(&mut self) {
        if self.data.join("postmaster.pid").exists() {
            let _ = self.pg_ctl_stop();
        }
        let _ = fs::remove_dir_all(&self.dir);
    }
}

/// Whether the current user is root (`id -u` prints 0).
fn is_root() -> bool {
    static ROOT: OnceLock<bool> = OnceLock::new();
    *ROOT.get_or_init(|| {
        Command::new("id")
            .arg("-u")
            .stdin(Stdio::null())
            .output()
            .is_ok_and(|o| o.status.success() && String::from_utf8_lossy(&o.stdout).trim() == "0")
    })
}

/// The directory of the server's programs: `initdb`'s on `path`, else the newest
/// `debian_root/VERSION/bin` with `initdb`, `pg_ctl` and `pg_isready`.
fn find_bin_dir(path: Option<&OsStr>, debian_root: &Path) -> Option<PathBuf> {
    const PROGRAMS: [&str; 3] = ["initdb", "pg_ctl", "pg_isready"];
    if let Some(initdb) = find_in(path, "initdb")
        && let Some(dir) = initdb.parent()
        && PROGRAMS
            .iter()
            .all(|p| dir.join(p).is_file() || find_in(path, p).is_some())
    {
        return Some(dir.to_path_buf());
    }
    let mut versions: Vec<(Vec<u32>, PathBuf)> = fs::read_dir(debian_root)
        .ok()?
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let name = entry.file_name();
            let version = name
                .to_str()?
                .split('.')
                .map(|part| part.parse().ok())
                .collect::<Option<Vec<u32>>>()?;
            let bin = entry.path().join("bin");
            PROGRAMS
                .iter()
                .all(|p| bin.join(p).is_file())
                .then_some((version, bin))
        })
        .collect();
    versions.sort();
    versions.pop().map(|(_, bin)| bin)
}

/// The first file called `name` in a directory of `path` (a `PATH`-like list).
fn find_in(path: Option<&OsStr>, name: &str) -> Option<PathBuf> {
    std::env::split_paths(path?)
        .map(|dir| dir.join(name))
        .find(|p| p.is_file())
}

/// A new, empty directory under the system's temporary directory.
fn fresh_dir() -> io::Result<PathBuf> {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    loop {
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!(
            "postgres-test-server-{}-{n}-{nanos}",
            std::process::id()
        ));
        match fs::create_dir(&dir) {
            Ok(()) => return Ok(dir),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists && n < 1000 => {}
            Err(e) => return Err(e),
        }
    }
}

/// A 127.0.0.1 port free now.
fn free_port() -> io::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// An error naming `what` and quoting its output unless it succeeded.
fn check(output: &Output, what: &str) -> io::Result<()> {
    if output.status.success() {
        Ok(())
    } else {
        Err(io::Error::other(format!(
            "{what} failed ({}): {}",
            output.status,
            outputs(output)
        )))
    }
}

/// A program's stderr and stdout, trimmed, for an error message.
fn outputs(output: &Output) -> String {
    let stderr = String::from_utf8_lossy(&output.stderr);
    let stdout = String::from_utf8_lossy(&output.stdout);
    [stderr.trim(), stdout.trim()]
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fake `root/VERSION/bin` with the three programs (empty files).
    fn fake_version(root: &Path, version: &str) -> io::Result<PathBuf> {
        let bin = root.join(version).join("bin");
        fs::create_dir_all(&bin)?;
        for p in ["initdb", "pg_ctl", "pg_isready"] {
            fs::write(bin.join(p), "")?;
        }
        Ok(bin)
    }

    #[test]
    fn the_newest_debian_version_is_chosen_numerically_and_path_comes_first() -> io::Result<()> {
        let root = fresh_dir()?;
        let result = (|| {
            fake_version(&root, "9.6")?;
            let newest = fake_version(&root, "15")?;
            fake_version(&root, "13")?;
            // A version directory without the programs does not count.
            fs::create_dir_all(root.join("17").join("bin"))?;
            fs::create_dir_all(root.join("not-a-version").join("bin"))?;
            assert_eq!(find_bin_dir(None, &root), Some(newest));
            let on_path = fake_version(&root, "path")?;
            assert_eq!(
                find_bin_dir(Some(on_path.as_os_str()), &root),
                Some(on_path)
            );
            assert_eq!(find_bin_dir(None, &root.join("missing")), None);
            Ok(())
        })();
        fs::remove_dir_all(&root)?;
        result
    }
}
