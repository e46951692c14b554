//! What `baijiayun sync status` shows: each stream's cursor and the last runs.

use serde::Serialize;

use crate::db::Database;
use crate::error::Result;
use crate::store::Store;

/// One stream's cursor.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub struct StreamStatus {
    /// The stream.
    pub stream: String,
    /// Its cursor, as stored (see SCHEMA.md).
    pub cursor: serde_json::Value,
    /// The run that wrote it last.
    pub run_id: Option<i64>,
    /// When, RFC 3339 UTC.
    pub updated_at: String,
}

/// One run of `sync_runs`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct RunSummary {
    /// Its id.
    pub id: i64,
    /// The process that ran it.
    pub instance: String,
    /// `incremental` or `full`.
    pub kind: String,
    /// `running`, `complete`, `error` or `interrupted`.
    pub status: String,
    /// RFC 3339 UTC.
    pub started_at: String,
    /// RFC 3339 UTC; `None` while running.
    pub finished_at: Option<String>,
    /// Requests sent.
    pub requests: i64,
    /// Rows written.
    pub rows_written: i64,
    /// Why it failed.
    pub error: Option<String>,
}

/// The sync's state: `{"streams": [...], "runs": [...]}`, runs newest first.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub struct Status {
    /// Each stream's cursor.
    pub streams: Vec<StreamStatus>,
    /// The last runs, newest first.
    pub runs: Vec<RunSummary>,
}

impl Status {
    /// Reads the state of the sync in `db`, with the last `runs` runs.
    pub async fn read(db: &Database, runs: u32) -> Result<Status> {
        let store = Store::new(db.clone());
        let streams = store
            .cursors()
            .await?
            .into_iter()
            .map(|(stream, state, run_id, updated_at)| StreamStatus {
                stream,
                cursor: serde_json::from_str(&state).unwrap_or(serde_json::Value::String(state)),
                run_id,
                updated_at,
            })
            .collect();
        let runs = store
            .runs(i64::from(runs))
            .await?
            .into_iter()
            .map(|r| RunSummary {
                id: r.id,
                instance: r.instance,
                kind: r.kind,
                status: r.status,
                started_at: r.started_at,
                finished_at: r.finished_at,
                requests: r.requests,
                rows_written: r.rows_written,
                error: r.error,
            })
            .collect();
        Ok(Status { streams, runs })
    }
}
