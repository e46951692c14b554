//! [`Lifetime`]: how long a playback token stays valid.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

/// How long a player token stays valid (`expires_in` of APIs 3 and 4).
///
/// The vendor reads a lifetime of `0` as "never expires", so "never" is a value of its own and a
/// [`Lifetime::For`] is sent as at least one second: a deadline that has already passed
/// (`deadline.saturating_duration_since(now)`, zero) gives a token that expires at once, never a
/// permanent one. Fractions of a second are rounded up.
///
/// A [`Duration`] converts into a `Lifetime::For`, so the methods that take
/// `impl Into<Lifetime>` accept either:
///
/// ```
/// use std::time::Duration;
/// use baijiayun::Lifetime;
///
/// assert_eq!(Lifetime::from(Duration::from_secs(3600)).as_secs(), 3600);
/// assert_eq!(Lifetime::from(Duration::ZERO).as_secs(), 1); // not "never"
/// assert_eq!(Lifetime::from(Duration::from_millis(1500)).as_secs(), 2);
/// assert_eq!(Lifetime::Never.as_secs(), 0);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Lifetime {
    /// The token never expires (sent as `0`).
    Never,
    /// The token expires after this long (sent in whole seconds, rounded up, at least 1).
    For(Duration),
}

impl Lifetime {
    /// A lifetime of `secs` seconds (at least one is sent).
    pub const fn secs(secs: u64) -> Self {
        Lifetime::For(Duration::from_secs(secs))
    }

    /// The seconds sent: `0` for [`Lifetime::Never`], otherwise the duration rounded up to whole
    /// seconds and at least 1.
    pub fn as_secs(&self) -> u64 {
        match self {
            Lifetime::Never => 0,
            Lifetime::For(d) => d
                .as_secs()
                .saturating_add(u64::from(d.subsec_nanos() > 0))
                .max(1),
        }
    }
}

impl From<Duration> for Lifetime {
    fn from(duration: Duration) -> Self {
        Lifetime::For(duration)
    }
}

impl fmt::Display for Lifetime {
    /// `never`, or the seconds sent.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Lifetime::Never => f.write_str("never"),
            other => write!(f, "{}", other.as_secs()),
        }
    }
}

/// A text that is not `never` or a positive whole number of seconds.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "not a lifetime: {0:?} (a positive whole number of seconds, or `never`; 0 is not accepted \
     because the vendor reads it as never expiring)"
)]
pub struct InvalidLifetime(String);

impl FromStr for Lifetime {
    type Err = InvalidLifetime;

    /// `never`, or a positive whole number of seconds. `0` is refused: write `never` for a token
    /// that never expires.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s == "never" {
            return Ok(Lifetime::Never);
        }
        match s.parse::<u64>() {
            Ok(n) if n > 0 && s.bytes().all(|b| b.is_ascii_digit()) => Ok(Lifetime::secs(n)),
            _ => Err(InvalidLifetime(s.to_owned())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_form_refuses_zero() {
        assert_eq!("never".parse(), Ok(Lifetime::Never));
        assert_eq!("60".parse(), Ok(Lifetime::secs(60)));
        for bad in ["0", "", "-1", "+5", "1.5", "Never", " 60"] {
            assert!(bad.parse::<Lifetime>().is_err(), "{bad}");
        }
        assert_eq!(Lifetime::Never.to_string(), "never");
        assert_eq!(Lifetime::from(Duration::from_millis(10)).to_string(), "1");
    }
}
