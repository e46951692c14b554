//! [`PlaybackRef`]: one playback, named the way APIs 4 and the web player name it.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::types::{Playback, RoomId, SessionId};

/// A playback: a short-term room's (`room_id`), or one session of a long-term room
/// (`room_id-session_id`), as API 4 takes them and returns its tokens.
///
/// "No session" has one form, `session_id: None`: [`PlaybackRef::session`] and
/// [`PlaybackRef::new`] with [`SessionId(0)`](SessionId) (the vendor's "none") give the room's
/// playback, and a value built with `Some(SessionId(0))` in its field is written (by `Display`, in
/// parameters and player URLs) as the room's.
///
/// A crop version is not part of it: the token and player APIs take a room and a session only, so
/// every listed version of one playback (API 10) names the same `PlaybackRef`.
#[derive(Clone, Copy, Debug)]
pub struct PlaybackRef {
    /// The room id.
    pub room_id: RoomId,
    /// The session number, for long-term rooms.
    pub session_id: Option<SessionId>,
}

impl PlaybackRef {
    /// The playback of a short-term room.
    pub fn room(room_id: RoomId) -> Self {
        PlaybackRef {
            room_id,
            session_id: None,
        }
    }

    /// One session's playback of a long-term room.
    pub fn session(room_id: RoomId, session_id: SessionId) -> Self {
        PlaybackRef::new(room_id, Some(session_id))
    }

    /// A room's playback, or one session's when `session_id` is a session (not `None` or
    /// `SessionId(0)`).
    pub fn new(room_id: RoomId, session_id: Option<SessionId>) -> Self {
        PlaybackRef {
            room_id,
            session_id: session_id.filter(|s| s.0 != 0),
        }
    }
}

impl PlaybackRef {
    /// The session, `None` for a session of `0` ("none") too: the one form every comparison, hash
    /// and text of a `PlaybackRef` uses.
    pub(crate) fn named_session(&self) -> Option<SessionId> {
        self.session_id.filter(|s| s.0 != 0)
    }
}

impl PartialEq for PlaybackRef {
    /// Equal when they name one playback: a session of `0` is the room's.
    fn eq(&self, other: &Self) -> bool {
        (self.room_id, self.named_session()) == (other.room_id, other.named_session())
    }
}

impl Eq for PlaybackRef {}

impl std::hash::Hash for PlaybackRef {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        (self.room_id, self.named_session()).hash(state);
    }
}

impl PartialOrd for PlaybackRef {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for PlaybackRef {
    /// By room, then session (the room's own playback first).
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (self.room_id, self.named_session()).cmp(&(other.room_id, other.named_session()))
    }
}

impl From<RoomId> for PlaybackRef {
    /// The room's playback (a short-term room's).
    fn from(room_id: RoomId) -> Self {
        PlaybackRef::room(room_id)
    }
}

impl From<&Playback> for PlaybackRef {
    /// The listed playback's room and session.
    fn from(playback: &Playback) -> Self {
        PlaybackRef::new(playback.room_id, playback.session_id)
    }
}

impl fmt::Display for PlaybackRef {
    /// `room` or `room-session`; a session of `0` ("none") is written as the room's.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.named_session() {
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
            Some((room, session)) => Ok(PlaybackRef::session(
                RoomId(digits(room)?),
                SessionId(digits(session)?),
            )),
            None => Ok(PlaybackRef::room(RoomId(digits(s)?))),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints_both_forms() {
        let short: PlaybackRef = "17110879095169".parse().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(short, PlaybackRef::room(RoomId(17_110_879_095_169)));
        let long: PlaybackRef = "1711087909231-201711281"
            .parse()
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            long,
            PlaybackRef::session(RoomId(1_711_087_909_231), SessionId(201_711_281))
        );
        assert_eq!(long.to_string(), "1711087909231-201711281");
        // "No session" has one form: session 0 is the room's playback.
        let zero: PlaybackRef = "17-0".parse().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(zero, PlaybackRef::room(RoomId(17)));
        assert_eq!(zero.to_string(), "17");
        let built = PlaybackRef {
            room_id: RoomId(17),
            session_id: Some(SessionId(0)),
        };
        assert_eq!(built.to_string(), "17");
        // ... and it is the room's playback in every comparison: a map keyed by the answer finds it.
        assert_eq!(built, PlaybackRef::room(RoomId(17)));
        let map = std::collections::BTreeMap::from([(PlaybackRef::room(RoomId(17)), "token")]);
        assert_eq!(map.get(&built), Some(&"token"));
        let set: std::collections::HashSet<_> = [built, PlaybackRef::room(RoomId(17))].into();
        assert_eq!(set.len(), 1);
        for bad in ["", "-1", "1-", "a", "1-2-3", "1 -2", "+1"] {
            assert!(bad.parse::<PlaybackRef>().is_err(), "{bad}");
        }
    }
}
