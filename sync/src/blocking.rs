//! The sync for programs without an async runtime: the same engine on a runtime of its own.

use std::time::Duration;

use crate::error::{Result, SyncError};
use crate::report::Report;

/// A [`crate::Syncer`] driven from blocking code. It owns a current-thread tokio runtime; do not
/// use it from inside another runtime.
///
/// ```no_run
/// # fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let client = baijiayun::ClientBuilder::from_env()?.build()?;
/// let sync = baijiayun_sync::blocking::Syncer::open(client, "sqlite://baijiayun.db")?;
/// let report = sync.run_once()?;
/// assert!(report.is_complete());
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct Syncer {
    runtime: tokio::runtime::Runtime,
    inner: crate::Syncer,
}

impl Syncer {
    /// Opens the database at `url` (see [`crate::Database::open`]) for a sync of `client`'s
    /// account, with the defaults.
    pub fn open(client: baijiayun::Client, url: &str) -> Result<Syncer> {
        let runtime = runtime()?;
        let db = runtime.block_on(crate::Database::open(url))?;
        Ok(Syncer {
            runtime,
            inner: crate::Syncer::new(client, db),
        })
    }

    /// Changes the settings with the async [`crate::Syncer`]'s setters.
    pub fn configure(mut self, f: impl FnOnce(crate::Syncer) -> crate::Syncer) -> Self {
        self.inner = f(self.inner);
        self
    }

    /// One run; see [`crate::Syncer::run_once`].
    pub fn run_once(&self) -> Result<Report> {
        self.runtime.block_on(self.inner.run_once())
    }

    /// One run that stops when `stop` answers `true` (asked every 100 ms); see
    /// [`crate::Syncer::run_once_until`].
    pub fn run_once_until(&self, stop: impl Fn() -> bool) -> Result<Report> {
        self.runtime.block_on(self.inner.run_once_until(async {
            while !stop() {
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }))
    }
}

fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| SyncError::Config(format!("cannot start a runtime: {e}")))
}
