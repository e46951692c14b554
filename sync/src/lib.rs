//! Keeps a copy of a Baijiayun (百家云) account in your own database, as the vendor asks every
//! customer to ("客户须将数据同步到自己数据库（DB）后，通过自己的数据库（DB）来实现业务需求"), within
//! a share of the account's rate limit (200 requests in any 10 s).
//!
//! * **Playbacks** of every product line, crop versions and the sessions of long-term rooms
//!   included (the playback list returns each session as its own playback), into `playbacks`.
//! * **Play records** of the whole account, a day at a time, into `play_records`.
//! * **Callbacks** the vendor sends, each verified event stored once into `callback_events` by any
//!   number of receivers on one database ([`callbacks`]; the receiver itself with the `callbacks`
//!   feature), and the rooms they name re-read by the syncing instance within seconds.
//!
//! The tables, their columns and what each means in the vendor's words are in `SCHEMA.md`; their
//! names are part of this crate's API.
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use baijiayun_sync::{Database, Syncer};
//!
//! let client = baijiayun::ClientBuilder::from_env()?.build()?;
//! let db = Database::open("sqlite://baijiayun.db").await?;
//! let sync = Syncer::new(client, db)
//!     .budget(0.8) // leave 20% of the account's limit to the application
//!     .on_progress(|p| eprintln!("{} {}: {} rows", p.stream, p.phase, p.rows_written));
//! let report = sync.run_once().await?;
//! assert!(report.is_complete(), "{:?}", report.error);
//! # Ok(())
//! # }
//! ```
//!
//! # What a crash does
//! Rows and the cursor that covers them commit in one transaction (SQLite `BEGIN IMMEDIATE`, in WAL
//! mode, so readers never see half a page). A run killed at any instant and started again ends
//! with the same database as a run never killed. A restart also counts the requests the dead
//! process sent in the last window (`sync_requests`), so the account never goes over its limit.
//! One sync at a time holds a database (a lock file beside it, released by the OS when the
//! process dies).
//!
//! `baijiayun sync` (the `baijiayun` command line) runs this engine.

pub mod blocking;
mod budget;
pub mod callbacks;
mod db;
mod error;
mod lock;
pub mod metrics;
mod paging;
#[cfg(feature = "postgres")]
mod pg;
mod play_records;
mod playbacks;
mod raw;
mod report;
mod status;
mod store;
mod syncer;
mod time;
mod writer;

pub use db::{DEFAULT_SCHEMA, Database, MIGRATIONS_TABLE, redact};
pub use error::{Result, SyncError};
pub use report::{Progress, Report, RunStatus, StreamReport};
pub use status::{RunSummary, Status, StreamStatus};
pub use syncer::Syncer;
pub use time::{Clock, SystemClock};
