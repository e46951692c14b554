//! Clocks and the two time formats the sync writes: RFC 3339 UTC for its own columns, and the
//! vendor's `YYYY-MM-DD HH:MM:SS` (Beijing time) for the vendor's.

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use baijiayun::{Date, DateTime};

/// Where the sync reads the time: the system clock, or one a test moves.
pub trait Clock: Send + Sync + fmt::Debug {
    /// The current time.
    fn now(&self) -> SystemTime;
}

/// The system clock.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> SystemTime {
        SystemTime::now()
    }
}

/// Unix milliseconds of `t` (0 before 1970).
pub(crate) fn unix_ms(t: SystemTime) -> i64 {
    t.duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// Unix seconds of `t` (0 before 1970).
pub(crate) fn unix_secs(t: SystemTime) -> i64 {
    unix_ms(t) / 1000
}

/// `t` as RFC 3339 UTC with milliseconds, `2026-12-06T08:40:31.123Z`.
pub(crate) fn rfc3339(t: SystemTime) -> String {
    humantime::format_rfc3339_millis(t).to_string()
}

/// The vendor's text form of a time, `YYYY-MM-DD HH:MM:SS` in Beijing time, whatever form it was
/// received in.
pub(crate) fn vendor_text(t: &DateTime) -> String {
    let d = t.date();
    format!("{d} {:02}:{:02}:{:02}", t.hour(), t.minute(), t.second())
}

/// The day before `d`.
pub(crate) fn previous_day(d: Date) -> Option<Date> {
    let midnight = d.at(0, 0, 0).ok()?;
    DateTime::from_unix(midnight.to_unix() - 86_400)
        .ok()
        .map(|t| t.date())
}

/// `d` moved back `days` days.
pub(crate) fn days_before(d: Date, days: u32) -> Option<Date> {
    (0..days).try_fold(d, |d, _| previous_day(d))
}

/// The Beijing date of `t`.
pub(crate) fn beijing_date(t: SystemTime) -> Date {
    DateTime::from(t).date()
}

/// `t - d`, or the epoch.
pub(crate) fn minus(t: SystemTime, d: Duration) -> SystemTime {
    t.checked_sub(d).unwrap_or(UNIX_EPOCH)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        let t = UNIX_EPOCH + Duration::from_millis(1_765_000_000_123);
        assert_eq!(rfc3339(t), "2025-12-06T05:46:40.123Z");
        let local = DateTime::from(t);
        assert_eq!(vendor_text(&local), "2025-12-06 13:46:40");
        let d = Date::new(2025, 3, 1).expect("date");
        assert_eq!(
            previous_day(d).map(|d| d.to_string()).as_deref(),
            Some("2025-02-28")
        );
        assert_eq!(
            days_before(d, 29).map(|d| d.to_string()).as_deref(),
            Some("2025-01-31")
        );
    }
}
