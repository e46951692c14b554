//! [`PlaybackRef`]: one playback, named the way APIs 4 and the web player name it.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::wire::{ParamValue, ToParam};

/// A playback: a short-term room's (`room_id`), or one session of a long-term room
/// (`room_id-session_id`), as API 4 takes them and returns its tokens.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PlaybackRef {
    /// The room id.
    pub room_id: i64,
    /// The session number, for long-term rooms.
    pub session_id: Option<i64>,
}

impl PlaybackRef {
    /// The playback of a short-term room.
    pub fn room(room_id: i64) -> Self {
        PlaybackRef {
            room_id,
            session_id: None,
        }
    }

    /// One session's playback of a long-term room.
    pub fn session(room_id: i64, session_id: i64) -> Self {
        PlaybackRef {
            room_id,
            session_id: Some(session_id),
        }
    }
}

impl fmt::Display for PlaybackRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.session_id {
            Some(s) => write!(f, "{}-{s}", self.room_id),
            None => write!(f, "{}", self.room_id),
        }
    }
}

/// A text that is not `room` or `room-session`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("not a playback reference (`room_id` or `room_id-session_id`): {0:?}")]
pub struct InvalidPlaybackRef(String);

impl FromStr for PlaybackRef {
    type Err = InvalidPlaybackRef;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || InvalidPlaybackRef(s.to_owned());
        let digits = |t: &str| -> Result<i64, InvalidPlaybackRef> {
            if t.is_empty() || !t.bytes().all(|b| b.is_ascii_digit()) {
                return Err(bad());
            }
            t.parse().map_err(|_| bad())
        };
        match s.split_once('-') {
            Some((room, session)) => Ok(PlaybackRef::session(digits(room)?, digits(session)?)),
            None => Ok(PlaybackRef::room(digits(s)?)),
        }
    }
}

impl Serialize for PlaybackRef {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for PlaybackRef {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

impl ToParam for PlaybackRef {
    fn to_param(&self) -> Option<ParamValue<'_>> {
        Some(ParamValue::from(self.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints_both_forms() {
        let short: PlaybackRef = "17110879095169".parse().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(short, PlaybackRef::room(17_110_879_095_169));
        let long: PlaybackRef = "1711087909231-201711281"
            .parse()
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(long, PlaybackRef::session(1_711_087_909_231, 201_711_281));
        assert_eq!(long.to_string(), "1711087909231-201711281");
        for bad in ["", "-1", "1-", "a", "1-2-3", "1 -2", "+1"] {
            assert!(bad.parse::<PlaybackRef>().is_err(), "{bad}");
        }
    }
}
