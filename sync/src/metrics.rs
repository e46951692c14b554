//! The sync's metrics, through the [`metrics`] facade: one function per fact, under stable names
//! prefixed `baijiayun_sync_` (the table in `README.md`, "Metrics", says what each means).
//!
//! The library installs no recorder: without one these calls cost next to nothing. An application
//! installs its own (`metrics-exporter-prometheus`, as `baijiayun sync --metrics` does), calls
//! [`describe`] once to give each metric its help text, and [`refresh`] before each scrape so the
//! ages are current.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

use metrics::{Unit, counter, describe_counter, describe_gauge, gauge};

/// Requests the sync sent, by `endpoint` and `outcome`.
pub const REQUESTS: &str = "baijiayun_sync_requests_total";
/// Requests the sync's budget allows per window.
pub const BUDGET_LIMIT: &str = "baijiayun_sync_budget_limit";
/// The budget's window, in seconds.
pub const BUDGET_WINDOW: &str = "baijiayun_sync_budget_window_seconds";
/// Requests counted in the budget's current window.
pub const BUDGET_USED: &str = "baijiayun_sync_budget_used";
/// Rows written, by `stream`.
pub const ROWS_WRITTEN: &str = "baijiayun_sync_rows_written_total";
/// Runs ended, by `status`.
pub const RUNS: &str = "baijiayun_sync_runs_total";
/// When a stream last completed, unix seconds, by `stream`.
pub const LAST_COMPLETE: &str = "baijiayun_sync_last_complete_run_timestamp_seconds";
/// How long ago a stream last completed, seconds, by `stream` (updated by [`refresh`]).
pub const LAST_COMPLETE_AGE: &str = "baijiayun_sync_last_complete_run_age_seconds";
/// Verified callbacks received.
pub const CALLBACKS_RECEIVED: &str = "baijiayun_sync_callbacks_received_total";
/// Callbacks already handled (acknowledged, not handled again).
pub const CALLBACKS_DUPLICATE: &str = "baijiayun_sync_callbacks_duplicate_total";
/// Callbacks whose handling failed.
pub const CALLBACKS_FAILED: &str = "baijiayun_sync_callbacks_failed_total";
/// 1 while this process holds the right to write (the PostgreSQL lease, SQLite's lock file).
pub const LEASE_HELD: &str = "baijiayun_sync_lease_held";

/// Gives every metric its help text and unit; call once after installing a recorder.
pub fn describe() {
    describe_counter!(
        REQUESTS,
        "Requests the sync sent, by endpoint (client method name) and outcome (ok, rate_limited, or the error's kind)"
    );
    describe_gauge!(BUDGET_LIMIT, "Requests the sync's budget allows per window");
    describe_gauge!(
        BUDGET_WINDOW,
        Unit::Seconds,
        "The window of the sync's budget"
    );
    describe_gauge!(
        BUDGET_USED,
        "Requests counted in the budget's current window (this and dead processes)"
    );
    describe_counter!(ROWS_WRITTEN, "Rows written, by stream");
    describe_counter!(
        RUNS,
        "Sync runs ended, by status (complete, error, interrupted)"
    );
    describe_gauge!(
        LAST_COMPLETE,
        Unit::Seconds,
        "When a stream last read to its end, unix seconds, by stream"
    );
    describe_gauge!(
        LAST_COMPLETE_AGE,
        Unit::Seconds,
        "How long ago a stream last read to its end, by stream"
    );
    describe_counter!(CALLBACKS_RECEIVED, "Verified callbacks received");
    describe_counter!(
        CALLBACKS_DUPLICATE,
        "Callbacks already handled: acknowledged and not handled again"
    );
    describe_counter!(CALLBACKS_FAILED, "Callbacks whose handling failed");
    describe_gauge!(
        LEASE_HELD,
        "1 while this process holds the right to write (PostgreSQL lease, SQLite lock file), else 0"
    );
}

/// The streams' last complete times, unix seconds, for the ages.
static COMPLETED: Mutex<BTreeMap<String, f64>> = Mutex::new(BTreeMap::new());

/// Brings the ages up to date (call before rendering a scrape).
pub fn refresh() {
    let now = unix_seconds(SystemTime::now());
    let Ok(completed) = COMPLETED.lock() else {
        return;
    };
    for (stream, &at) in completed.iter() {
        gauge!(LAST_COMPLETE_AGE, "stream" => stream.clone()).set((now - at).max(0.0));
    }
}

/// A verified callback arrived.
pub fn callback_received() {
    counter!(CALLBACKS_RECEIVED).increment(1);
}

/// A callback was already handled: acknowledged, not handled again.
pub fn callback_duplicate() {
    counter!(CALLBACKS_DUPLICATE).increment(1);
}

/// Handling a callback failed.
pub fn callback_failed() {
    counter!(CALLBACKS_FAILED).increment(1);
}

/// A request ended with `outcome` (see [`outcome`]).
pub(crate) fn request(endpoint: &'static str, outcome: &'static str) {
    counter!(REQUESTS, "endpoint" => endpoint, "outcome" => outcome).increment(1);
}

/// A request's outcome as a label: `ok`, `rate_limited`, or the error's kind.
pub(crate) fn outcome<T>(result: &Result<T, baijiayun::Error>) -> &'static str {
    use baijiayun::Error as E;
    match result {
        Ok(_) => "ok",
        Err(e) if e.is_rate_limited() => "rate_limited",
        Err(E::Api { .. }) => "api",
        Err(E::Http { .. }) => "http",
        Err(E::Redirect { .. }) => "redirect",
        Err(E::ResponseTooLarge { .. }) => "response_too_large",
        Err(E::Transport { .. }) => "transport",
        Err(E::Decode { .. }) => "decode",
        Err(E::LimiterUnavailable { .. }) => "limiter_unavailable",
        Err(E::Incomplete { .. }) => "incomplete",
        Err(E::InvalidRequest { .. }) => "invalid_request",
        Err(E::Config(_)) => "config",
        Err(_) => "other",
    }
}

/// The budget of a run: its limit per window, and the window.
pub(crate) fn budget(limit: usize, window_ms: i64) {
    gauge!(BUDGET_LIMIT).set(limit as f64);
    gauge!(BUDGET_WINDOW).set(window_ms as f64 / 1000.0);
}

/// Requests counted in the budget's current window.
pub(crate) fn budget_used(used: usize) {
    gauge!(BUDGET_USED).set(used as f64);
}

/// `rows` written by `stream`.
pub(crate) fn rows_written(stream: &str, rows: u64) {
    counter!(ROWS_WRITTEN, "stream" => stream.to_owned()).increment(rows);
}

/// A run ended with `status`.
pub(crate) fn run_ended(status: &'static str) {
    counter!(RUNS, "status" => status).increment(1);
}

/// `stream` read to its end in a run that finished at `at`.
pub(crate) fn stream_complete(stream: &str, at: SystemTime) {
    let at = unix_seconds(at);
    gauge!(LAST_COMPLETE, "stream" => stream.to_owned()).set(at);
    if let Ok(mut completed) = COMPLETED.lock() {
        completed.insert(stream.to_owned(), at);
    }
    refresh();
}

/// Whether this process holds the right to write.
pub(crate) fn lease_held(held: bool) {
    gauge!(LEASE_HELD).set(if held { 1.0 } else { 0.0 });
}

fn unix_seconds(t: SystemTime) -> f64 {
    t.duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcomes_are_stable_labels() {
        assert_eq!(outcome(&Ok::<(), baijiayun::Error>(())), "ok");
        let config = baijiayun::Error::Config("no key".to_owned());
        assert_eq!(outcome(&Err::<(), _>(config)), "config");
    }

    #[test]
    fn without_a_recorder_nothing_fails() {
        describe();
        request("get_list", "ok");
        budget(160, 10_250);
        budget_used(3);
        rows_written("playbacks/1", 2);
        run_ended("complete");
        stream_complete("play_records", SystemTime::now());
        lease_held(true);
        callback_received();
        callback_duplicate();
        callback_failed();
        refresh();
    }
}
