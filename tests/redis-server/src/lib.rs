//! A real `redis-server` for tests and benchmarks: started on a free 127.0.0.1 port with no
//! persistence, ready when it answers `PING`, killed (SIGKILL) on drop, and restartable on the same
//! port to test what a client does while Redis is down.
//!
//! `redis-server` must be on `PATH` (Debian's package `redis-server`; `cargo xtask test` installs
//! it). Without it [`RedisServer::start`] returns an error saying so, and the tests that need it
//! fail: they are never skipped.
//!
//! [`busiest_window`] is the check the rate-limit tests share: how many grants or arrivals fall in
//! the busiest window.

use std::io;
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The program started.
const PROGRAM: &str = "redis-server";

/// How long a started server has to answer `PING`.
const READY_WITHIN: Duration = Duration::from_secs(10);

/// A `redis-server` child process on 127.0.0.1.
#[derive(Debug)]
pub struct RedisServer {
    port: u16,
    child: Option<Child>,
    log: PathBuf,
}

impl RedisServer {
    /// Starts a server on a free port and waits until it answers.
    pub fn start() -> io::Result<Self> {
        let mut last = None;
        // A port found free can be taken before the server binds it: try a few.
        for _ in 0..5 {
            let port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
            let mut server = RedisServer {
                port,
                child: None,
                log: std::env::temp_dir().join(format!("redis-test-server-{port}.log")),
            };
            match server.launch() {
                Ok(()) => return Ok(server),
                Err(e) if e.kind() == io::ErrorKind::NotFound => return Err(e),
                Err(e) => last = Some(e),
            }
        }
        Err(last.unwrap_or_else(|| io::Error::other("redis-server did not start")))
    }

    /// The URL clients connect to, `redis://127.0.0.1:PORT/`.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }

    /// The port it listens on (the same after [`RedisServer::restart`]).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Whether the process is running (it may still be starting).
    pub fn is_running(&mut self) -> bool {
        self.child
            .as_mut()
            .is_some_and(|c| matches!(c.try_wait(), Ok(None)))
    }

    /// Kills the server at once (SIGKILL: no shutdown, nothing saved) and waits for it to exit.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            // It may have exited already; either way it is gone after `wait`.
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Kills the server if it runs and starts a new, empty one on the same port.
    pub fn restart(&mut self) -> io::Result<()> {
        self.kill();
        let mut last = None;
        for _ in 0..5 {
            match self.launch() {
                Ok(()) => return Ok(()),
                Err(e) if e.kind() == io::ErrorKind::NotFound => return Err(e),
                Err(e) => {
                    last = Some(e);
                    std::thread::sleep(Duration::from_millis(100));
                }
            }
        }
        Err(last.unwrap_or_else(|| io::Error::other("redis-server did not restart")))
    }

    /// A new synchronous connection to the server (for tests to look at its keys).
    pub fn connection(&self) -> io::Result<redis::Connection> {
        redis::Client::open(self.url())
            .and_then(|c| c.get_connection_with_timeout(Duration::from_secs(2)))
            .map_err(io::Error::other)
    }

    /// Spawns the process and waits until it answers `PING`.
    fn launch(&mut self) -> io::Result<()> {
        let port = self.port.to_string();
        let dir = std::env::temp_dir();
        let child = Command::new(PROGRAM)
            .args(["--port", &port, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
            .arg("--dir")
            .arg(&dir)
            .arg("--logfile")
            .arg(&self.log)
            .args(["--daemonize", "no", "--loglevel", "warning"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| {
                if e.kind() == io::ErrorKind::NotFound {
                    io::Error::new(
                        io::ErrorKind::NotFound,
                        "redis-server is not on PATH: the Redis tests need a real one. \
                         `cargo xtask test` installs Debian's package (or: apt-get install redis-server)",
                    )
                } else {
                    e
                }
            })?;
        self.child = Some(child);
        let deadline = Instant::now() + READY_WITHIN;
        loop {
            if let Some(child) = self.child.as_mut()
                && let Some(status) = child.try_wait()?
            {
                self.child = None;
                return Err(io::Error::new(
                    io::ErrorKind::AddrInUse,
                    format!(
                        "redis-server on port {port} exited with {status}: {}",
                        std::fs::read_to_string(&self.log)
                            .unwrap_or_default()
                            .trim()
                    ),
                ));
            }
            if self.ping() {
                return Ok(());
            }
            if Instant::now() > deadline {
                self.kill();
                return Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    format!("redis-server on port {port} did not answer within {READY_WITHIN:?}"),
                ));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Whether the server answers `PING` now.
    fn ping(&self) -> bool {
        self.connection()
            .and_then(|mut c| {
                redis::cmd("PING")
                    .query::<String>(&mut c)
                    .map_err(io::Error::other)
            })
            .is_ok_and(|pong| pong == "PONG")
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.kill();
        let _ = std::fs::remove_file(&self.log);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn starts_answers_is_killed_and_restarts_empty_on_the_same_port() -> io::Result<()> {
        let mut server = RedisServer::start()?;
        let mut c = server.connection()?;
        redis::cmd("SET")
            .arg("k")
            .arg("v")
            .exec(&mut c)
            .map_err(io::Error::other)?;
        let port = server.port();
        server.kill();
        assert!(!server.is_running());
        assert!(server.connection().is_err(), "still answering after kill");
        server.restart()?;
        assert_eq!(server.port(), port);
        let mut c = server.connection()?;
        let v: Option<String> = redis::cmd("GET")
            .arg("k")
            .query(&mut c)
            .map_err(io::Error::other)?;
        assert_eq!(v, None, "a restarted server keeps nothing");
        Ok(())
    }
}

/// The largest number of `sorted` times that fall in any one window of length `window`, where
/// `elapsed(earlier, later)` is the time between two of them: what a rolling limit caps.
pub fn busiest_window<T, D: PartialOrd>(
    sorted: &[T],
    window: D,
    elapsed: impl Fn(&T, &T) -> D,
) -> usize {
    let mut best = 0;
    let mut start = 0;
    for end in 0..sorted.len() {
        while elapsed(&sorted[start], &sorted[end]) >= window {
            start += 1;
        }
        best = best.max(end - start + 1);
    }
    best
}

#[cfg(test)]
mod window_tests {
    use super::busiest_window;

    #[test]
    fn the_busiest_window_counts_what_falls_within_one_window() {
        let times = [0_i64, 1, 2, 10, 11, 12, 13, 30];
        let count = |w| busiest_window(&times, w, |a, b| b - a);
        assert_eq!(count(5), 4);
        assert_eq!(count(1), 1);
        assert_eq!(count(11), 4);
        assert_eq!(count(12), 5);
        assert_eq!(busiest_window(&[] as &[i64], 5, |a, b| b - a), 0);
    }
}
