//! What a run did: its report, and the progress it announces on the way.

use serde::Serialize;

/// How a run ended, as recorded in `sync_runs.status`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum RunStatus {
    /// Every stream was read to its end.
    Complete,
    /// A call or a write failed; the next run continues from the checkpoint.
    Error,
    /// Stopped on request (SIGTERM, Ctrl-C, or the caller's shutdown signal).
    Interrupted,
}

impl RunStatus {
    /// The word stored in `sync_runs.status`.
    pub fn as_str(self) -> &'static str {
        match self {
            RunStatus::Complete => "complete",
            RunStatus::Error => "error",
            RunStatus::Interrupted => "interrupted",
        }
    }
}

/// What one stream did in a run.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct StreamReport {
    /// The stream: `playbacks/<product type>` or `play_records`.
    pub stream: String,
    /// Requests sent.
    pub requests: u64,
    /// Rows inserted, updated or marked deleted.
    pub rows_written: u64,
    /// Pages read.
    pub pages: u64,
    /// Whether this run read the stream with a full sweep.
    pub full: bool,
    /// Whether the stream was read to its end.
    pub complete: bool,
}

/// What a run did.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub struct Report {
    /// The run's id in `sync_runs`.
    pub run_id: i64,
    /// How it ended.
    pub status: RunStatus,
    /// Why it did not complete.
    pub error: Option<String>,
    /// Requests sent.
    pub requests: u64,
    /// Rows inserted, updated or marked deleted.
    pub rows_written: u64,
    /// The sync's requests allowed per window of the account's limit (its budget).
    pub budget: u64,
    /// Time spent writing the rows read (inside their transactions, cursor included):
    /// `rows_written` over this is what the database sustains, whatever the vendor's pace.
    #[serde(with = "write_time_ms", rename = "write_ms")]
    pub write_time: std::time::Duration,
    /// Each stream, in the order read.
    pub streams: Vec<StreamReport>,
}

/// `write_time` as whole milliseconds in JSON.
mod write_time_ms {
    pub(super) fn serialize<S: serde::Serializer>(
        d: &std::time::Duration,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        s.serialize_u64(u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
    }
}

impl Report {
    /// Whether the run completed.
    pub fn is_complete(&self) -> bool {
        self.status == RunStatus::Complete
    }
}

/// Progress of a run, announced after each committed page: to draw progress bars or log.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Progress {
    /// The stream.
    pub stream: String,
    /// What it is doing: `incremental`, `sweep`, `verify`, `refresh` or a day (`2026-12-06`).
    pub phase: String,
    /// Pages read so far in this run.
    pub pages: u64,
    /// Pages to read, when known.
    pub pages_total: Option<u64>,
    /// Rows written so far in this run.
    pub rows_written: u64,
    /// Requests sent so far by the whole run.
    pub requests: u64,
    /// Requests the budget allows per window.
    pub budget: u64,
}
