//! The vendor's dates and times: `YYYY-MM-DD` and `YYYY-MM-DD HH:MM:SS`, Beijing time (UTC+8).
//!
//! The vendor sends times both as text and as unix seconds; [`DateTime`] reads either, keeps the
//! form it came in ([`DateTime::original`]) and writes it back the same way, so nothing a response
//! said is lost. Two values are equal when they denote the same instant, whatever their form.
//! [`DateTime`] is `Copy`: the text form has one spelling (`YYYY-MM-DD HH:MM:SS`), so remembering
//! that the value came as text is enough to write it back as received.

use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::marker::PhantomData;
use std::str::FromStr;

use serde::de::{self, Unexpected, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Beijing time is UTC+8 all year (China has no daylight saving time).
const BEIJING_OFFSET_SECS: i64 = 8 * 3600;

/// A date or time that is not valid: out of range fields or malformed text.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("invalid date or time: {0}")]
pub struct InvalidDate(String);

/// A calendar date, `YYYY-MM-DD`.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    year: i32,
    month: u8,
    day: u8,
}

fn days_in_month(year: i32, month: u8) -> u8 {
    match month {
        4 | 6 | 9 | 11 => 30,
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        _ => 31,
    }
}

impl Date {
    /// The date `year-month-day`, checked.
    pub fn new(year: i32, month: u8, day: u8) -> Result<Self, InvalidDate> {
        if !(1..=9999).contains(&year)
            || !(1..=12).contains(&month)
            || day == 0
            || day > days_in_month(year, month)
        {
            return Err(InvalidDate(format!("{year:04}-{month:02}-{day:02}")));
        }
        Ok(Date { year, month, day })
    }

    /// The year.
    pub fn year(self) -> i32 {
        self.year
    }

    /// The month, 1 to 12.
    pub fn month(self) -> u8 {
        self.month
    }

    /// The day of the month, from 1.
    pub fn day(self) -> u8 {
        self.day
    }

    /// The day after, or `None` after 9999-12-31. Walks a range of days, as the per-day windows
    /// of API 6 need:
    ///
    /// ```
    /// use baijiayun::Date;
    ///
    /// let first: Date = "2024-02-28".parse()?;
    /// let last: Date = "2024-03-01".parse()?;
    /// let days: Vec<String> = std::iter::successors(Some(first), |d| d.next_day())
    ///     .take_while(|d| *d <= last)
    ///     .map(|d| d.to_string())
    ///     .collect();
    /// assert_eq!(days, ["2024-02-28", "2024-02-29", "2024-03-01"]);
    /// # Ok::<(), baijiayun::InvalidDate>(())
    /// ```
    pub fn next_day(self) -> Option<Date> {
        Date::from_days_since_epoch(self.days_since_epoch() + 1).ok()
    }

    /// This day at `hour:minute:second`, Beijing time: `day.at(0, 0, 0)` and `day.at(23, 59, 59)`
    /// are one day's window.
    pub fn at(self, hour: u8, minute: u8, second: u8) -> Result<DateTime, InvalidDate> {
        DateTime::new(self.year, self.month, self.day, hour, minute, second)
    }

    /// Days since 1970-01-01 (Howard Hinnant's `days_from_civil`).
    fn days_since_epoch(self) -> i64 {
        let y = i64::from(self.year) - i64::from(self.month <= 2);
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let m = i64::from(self.month);
        let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(self.day) - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146_097 + doe - 719_468
    }

    /// The date `days` after 1970-01-01 (Hinnant's `civil_from_days`).
    fn from_days_since_epoch(days: i64) -> Result<Self, InvalidDate> {
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = doy - (153 * mp + 2) / 5 + 1;
        let month = if mp < 10 { mp + 3 } else { mp - 9 };
        let year = yoe + era * 400 + i64::from(month <= 2);
        let year = i32::try_from(year).map_err(|_| InvalidDate(format!("{days} days")))?;
        let (month, day) = (
            u8::try_from(month).map_err(|_| InvalidDate(format!("{days} days")))?,
            u8::try_from(day).map_err(|_| InvalidDate(format!("{days} days")))?,
        );
        Date::new(year, month, day)
    }
}

impl Default for Date {
    /// 1970-01-01, the unix epoch's day: a record's default.
    fn default() -> Self {
        Date {
            year: 1970,
            month: 1,
            day: 1,
        }
    }
}

impl Default for DateTime {
    /// 1970-01-01 08:00:00 Beijing time, the unix epoch: a record's default.
    fn default() -> Self {
        DateTime::unix_epoch()
    }
}

impl fmt::Debug for Date {
    /// `Date(2017-09-26)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Date({self})")
    }
}

impl fmt::Debug for DateTime {
    /// `DateTime(2017-09-26 16:38:11)`, with the form it was read in when that was unix seconds:
    /// `DateTime(2017-09-26 16:38:11, unix 1506415091)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.original {
            Original::Unix(secs) => write!(f, "DateTime({self}, unix {secs})"),
            Original::Text | Original::Built => write!(f, "DateTime({self})"),
        }
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

/// Reads `digits` ASCII digits at the start of `s`.
fn number(s: &[u8], digits: usize) -> Option<u32> {
    if s.len() < digits || !s[..digits].iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(
        s[..digits]
            .iter()
            .fold(0, |n, d| n * 10 + u32::from(d - b'0')),
    )
}

fn parse_date(b: &[u8]) -> Option<(i32, u8, u8)> {
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let year = i32::try_from(number(b, 4)?).ok()?;
    let month = u8::try_from(number(&b[5..], 2)?).ok()?;
    let day = u8::try_from(number(&b[8..], 2)?).ok()?;
    Some((year, month, day))
}

impl FromStr for Date {
    type Err = InvalidDate;

    /// Parses `YYYY-MM-DD`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (y, m, d) = parse_date(s.trim().as_bytes()).ok_or_else(|| InvalidDate(s.into()))?;
        Date::new(y, m, d)
    }
}

impl Serialize for Date {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Date {
    /// Reads the text form, or unix seconds (the day in Beijing time) as a number or numeric
    /// string.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        temporal(deserializer)
    }
}

/// How a [`DateTime`] was written when it was read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Original {
    /// As text, `YYYY-MM-DD HH:MM:SS` (the one spelling the text form has; white space around it is
    /// not kept).
    Text,
    /// As unix seconds.
    Unix(i64),
    /// Built in code, not read.
    Built,
}

/// A date and time in Beijing time, `YYYY-MM-DD HH:MM:SS`, to the second.
///
/// It remembers the form it was read in ([`Original`]) and serialises in that form; `==` compares
/// the instant only.
///
/// ```
/// use std::time::{Duration, SystemTime};
/// use baijiayun::DateTime;
///
/// let t = DateTime::from(SystemTime::UNIX_EPOCH + Duration::from_secs(1_506_415_091));
/// assert_eq!(t.to_string(), "2017-09-26 16:38:11");
/// let copy = t; // `Copy`
/// assert_eq!(copy, t);
/// assert!(DateTime::now() > t);
/// assert_eq!(format!("{t:?}"), "DateTime(2017-09-26 16:38:11)");
/// ```
#[derive(Clone, Copy)]
pub struct DateTime {
    date: Date,
    hour: u8,
    minute: u8,
    second: u8,
    original: Original,
}

impl DateTime {
    /// The time `year-month-day hour:minute:second`, Beijing time, checked.
    pub fn new(
        year: i32,
        month: u8,
        day: u8,
        hour: u8,
        minute: u8,
        second: u8,
    ) -> Result<Self, InvalidDate> {
        let date = Date::new(year, month, day)?;
        if hour > 23 || minute > 59 || second > 59 {
            return Err(InvalidDate(format!("{hour:02}:{minute:02}:{second:02}")));
        }
        Ok(DateTime {
            date,
            hour,
            minute,
            second,
            original: Original::Built,
        })
    }

    /// The Beijing time of a unix timestamp in seconds.
    pub fn from_unix(secs: i64) -> Result<Self, InvalidDate> {
        let local = secs
            .checked_add(BEIJING_OFFSET_SECS)
            .ok_or_else(|| InvalidDate(secs.to_string()))?;
        let date = Date::from_days_since_epoch(local.div_euclid(86_400))?;
        let sod = local.rem_euclid(86_400);
        let mut t = DateTime::new(
            date.year,
            date.month,
            date.day,
            u8::try_from(sod / 3600).unwrap_or(0),
            u8::try_from(sod % 3600 / 60).unwrap_or(0),
            u8::try_from(sod % 60).unwrap_or(0),
        )?;
        t.original = Original::Unix(secs);
        Ok(t)
    }

    /// The current time, from the system clock.
    pub fn now() -> Self {
        DateTime::from(std::time::SystemTime::now())
    }

    /// 1970-01-01 08:00:00 Beijing time (the unix epoch), for fallbacks that must not fail.
    pub(crate) fn unix_epoch() -> Self {
        DateTime {
            date: Date {
                year: 1970,
                month: 1,
                day: 1,
            },
            hour: 8,
            minute: 0,
            second: 0,
            original: Original::Built,
        }
    }

    /// The unix timestamp in seconds.
    pub fn to_unix(&self) -> i64 {
        self.date.days_since_epoch() * 86_400
            + i64::from(self.hour) * 3600
            + i64::from(self.minute) * 60
            + i64::from(self.second)
            - BEIJING_OFFSET_SECS
    }

    /// The date part.
    pub fn date(&self) -> Date {
        self.date
    }

    /// The hour, 0 to 23.
    pub fn hour(&self) -> u8 {
        self.hour
    }

    /// The minute, 0 to 59.
    pub fn minute(&self) -> u8 {
        self.minute
    }

    /// The second, 0 to 59.
    pub fn second(&self) -> u8 {
        self.second
    }

    /// How the value was written when it was read.
    pub fn original(&self) -> Original {
        self.original
    }
}

impl From<std::time::SystemTime> for DateTime {
    /// The Beijing time of a system time, to the second (rounded down). A time past
    /// 9999-12-31 23:59:59 (or before year 1) is clamped to it: the vendor's format has four-digit
    /// years.
    fn from(time: std::time::SystemTime) -> Self {
        let secs = match time.duration_since(std::time::UNIX_EPOCH) {
            Ok(after) => i64::try_from(after.as_secs()).unwrap_or(i64::MAX),
            Err(before) => {
                let d = before.duration();
                let whole = i64::try_from(d.as_secs()).unwrap_or(i64::MAX);
                // Round down: 0.5 s before the epoch is the second before it.
                -whole - i64::from(d.subsec_nanos() > 0)
            }
        };
        let clamped = secs.clamp(MIN_UNIX, MAX_UNIX);
        let mut t = DateTime::from_unix(clamped).unwrap_or_else(|_| DateTime::unix_epoch());
        t.original = Original::Built;
        t
    }
}

/// 0001-01-01 00:00:00 Beijing time, in unix seconds.
const MIN_UNIX: i64 = -62_135_596_800 - BEIJING_OFFSET_SECS;
/// 9999-12-31 23:59:59 Beijing time, in unix seconds.
const MAX_UNIX: i64 = 253_402_300_799 - BEIJING_OFFSET_SECS;

impl PartialEq for DateTime {
    fn eq(&self, other: &Self) -> bool {
        self.to_unix() == other.to_unix()
    }
}

impl Eq for DateTime {}

impl PartialOrd for DateTime {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for DateTime {
    fn cmp(&self, other: &Self) -> Ordering {
        self.to_unix().cmp(&other.to_unix())
    }
}

impl Hash for DateTime {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.to_unix().hash(state);
    }
}

impl fmt::Display for DateTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {:02}:{:02}:{:02}",
            self.date, self.hour, self.minute, self.second
        )
    }
}

impl FromStr for DateTime {
    type Err = InvalidDate;

    /// Parses `YYYY-MM-DD HH:MM:SS`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || InvalidDate(s.into());
        let b = s.trim().as_bytes();
        if b.len() != 19 || b[10] != b' ' || b[13] != b':' || b[16] != b':' {
            return Err(bad());
        }
        let (y, mo, d) = parse_date(&b[..10]).ok_or_else(bad)?;
        let h = u8::try_from(number(&b[11..], 2).ok_or_else(bad)?).map_err(|_| bad())?;
        let mi = u8::try_from(number(&b[14..], 2).ok_or_else(bad)?).map_err(|_| bad())?;
        let se = u8::try_from(number(&b[17..], 2).ok_or_else(bad)?).map_err(|_| bad())?;
        let mut t = DateTime::new(y, mo, d, h, mi, se)?;
        t.original = Original::Text;
        Ok(t)
    }
}

impl Serialize for DateTime {
    /// Writes the value in the form it was read (text or unix seconds), so a record written back is
    /// what the vendor sent; built values as text. For one form in your own storage, write
    /// `to_string()` (text) or `to_unix()`: equal values (`==`) may have been read in either form.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.original {
            Original::Unix(secs) => serializer.serialize_i64(secs),
            Original::Text | Original::Built => serializer.collect_str(self),
        }
    }
}

impl<'de> Deserialize<'de> for DateTime {
    /// Reads the text form, or unix seconds as a number or numeric string (kept in that form).
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        temporal(deserializer)
    }
}

/// Reads `Date` and `DateTime`: their text form, or unix seconds (Beijing time) as a number or a
/// numeric string.
fn temporal<'de, T: Temporal, D: Deserializer<'de>>(d: D) -> Result<T, D::Error> {
    d.deserialize_any(TemporalVisitor::<T>(PhantomData))
}

/// Date-like types: text in their own format, or unix seconds (Beijing time).
trait Temporal: Sized {
    const EXPECTING: &'static str;
    fn parse_text(s: &str) -> Option<Self>;
    fn from_unix(secs: i64) -> Option<Self>;
}

impl Temporal for DateTime {
    const EXPECTING: &'static str = "a date and time `YYYY-MM-DD HH:MM:SS` or unix seconds";

    fn parse_text(s: &str) -> Option<Self> {
        s.parse().ok()
    }

    fn from_unix(secs: i64) -> Option<Self> {
        DateTime::from_unix(secs).ok()
    }
}

impl Temporal for Date {
    const EXPECTING: &'static str = "a date `YYYY-MM-DD` or unix seconds";

    fn parse_text(s: &str) -> Option<Self> {
        s.parse().ok()
    }

    fn from_unix(secs: i64) -> Option<Self> {
        DateTime::from_unix(secs).ok().map(|d| d.date())
    }
}

struct TemporalVisitor<T>(PhantomData<T>);

impl<T: Temporal> Visitor<'_> for TemporalVisitor<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(T::EXPECTING)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<T, E> {
        if let Some(t) = T::parse_text(v) {
            return Ok(t);
        }
        if let Ok(secs) = v.trim().parse::<i64>() {
            return self.visit_i64(secs);
        }
        Err(E::invalid_value(Unexpected::Str(v), &self))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<T, E> {
        T::from_unix(v).ok_or_else(|| E::invalid_value(Unexpected::Signed(v), &self))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<T, E> {
        match i64::try_from(v) {
            Ok(v) => self.visit_i64(v),
            Err(_) => Err(E::invalid_value(Unexpected::Unsigned(v), &self)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_follow_each_other_and_end_at_the_last_year() {
        let day = |s: &str| s.parse::<Date>().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(day("2023-12-31").next_day(), Some(day("2024-01-01")));
        assert_eq!(day("2024-02-28").next_day(), Some(day("2024-02-29")));
        assert_eq!(day("2023-02-28").next_day(), Some(day("2023-03-01")));
        assert_eq!(day("9999-12-31").next_day(), None);
        let noon = day("2024-02-29")
            .at(12, 0, 0)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(noon.to_string(), "2024-02-29 12:00:00");
        assert!(day("2024-02-29").at(24, 0, 0).is_err());
    }

    #[test]
    fn text_round_trips() {
        let t: DateTime = "2017-09-26 16:38:11"
            .parse()
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((t.hour(), t.minute(), t.second()), (16, 38, 11));
        assert_eq!(t.to_string(), "2017-09-26 16:38:11");
        assert_eq!(t.original(), Original::Text);
    }

    #[test]
    fn unix_is_beijing_time() {
        let t = DateTime::from_unix(0).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(t.to_string(), "1970-01-01 08:00:00");
        assert_eq!(t.to_unix(), 0);
        for secs in [-86_401, 1, 951_782_400, 1_506_415_091, 4_102_444_800] {
            let t = DateTime::from_unix(secs).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(t.to_unix(), secs);
            let again: DateTime = t.to_string().parse().unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(again, t);
        }
    }

    #[test]
    fn leap_days() {
        assert!(Date::new(2024, 2, 29).is_ok());
        assert!(Date::new(2023, 2, 29).is_err());
        assert!(Date::new(1900, 2, 29).is_err());
        assert!(Date::new(2000, 2, 29).is_ok());
    }

    #[test]
    fn malformed_text_is_an_error() {
        for s in [
            "",
            "2017-09-26",
            "2017-09-26T16:38:11",
            "2017-9-26 16:38:11",
            "2017-09-26 24:00:00",
            "2017-09-26 16:60:00",
            "２０１７-09-26 16:38:11",
        ] {
            assert!(s.parse::<DateTime>().is_err(), "{s}");
        }
        assert!("2017-02-30".parse::<Date>().is_err());
    }

    #[test]
    fn serializes_in_the_form_it_was_read() {
        let unix = DateTime::from_unix(1_506_415_091).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(serde_json::to_string(&unix).ok(), Some("1506415091".into()));
        let built = DateTime::new(2017, 9, 26, 16, 38, 11).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            serde_json::to_string(&built).ok(),
            Some("\"2017-09-26 16:38:11\"".into())
        );
        assert_eq!(unix, built);
    }

    #[test]
    fn system_times_are_beijing_time_and_clamped_to_four_digit_years() {
        use std::time::{Duration, UNIX_EPOCH};
        let t = DateTime::from(UNIX_EPOCH + Duration::from_millis(1_506_415_091_999));
        assert_eq!(t.to_string(), "2017-09-26 16:38:11");
        assert_eq!(t.original(), Original::Built);
        let before = DateTime::from(UNIX_EPOCH - Duration::from_millis(500));
        assert_eq!(before.to_unix(), -1);
        let far = DateTime::from(UNIX_EPOCH + Duration::from_secs(400_000_000_000));
        assert_eq!(far.to_string(), "9999-12-31 23:59:59");
        let early = DateTime::from(UNIX_EPOCH - Duration::from_secs(70_000_000_000));
        assert_eq!(early.to_string(), "0001-01-01 00:00:00");
        let now = DateTime::now().to_unix();
        let system = i64::try_from(
            std::time::SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_secs()),
        )
        .unwrap_or(0);
        assert!((system - now).abs() <= 1, "{now} vs {system}");
    }
}
