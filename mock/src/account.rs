//! The fake's account as a test sees it ([`MockServer::account`]): its current truth, in the
//! records the API serves, and the changes time would bring that the vendor has no API for.
//!
//! A generated account ([`crate::MockServerBuilder::rooms`]) is deterministic for its seed and
//! the fake's "now". Room `i` has the id `FIRST_ROOM + i`, and:
//!
//! * its product line is large class, but small class for `i % 10` of 5 or 6, dual teacher for 7
//!   and enterprise for 8 (so any ten rooms hold every line);
//! * it is long-term when `i % 8 == 3`, with 2 to 5 sessions days apart, each a playback; other
//!   rooms are short-term with one playback;
//! * it has no playback when `i % 50 == 49`, and is deleted when `i % 97 == 96`;
//! * rooms 0 to 4 have the statuses 100, 0, 10, 20 and 30 (the first session, for a long-term
//!   room); others are mostly 100, now and then any other;
//! * room 5 is blocked, and about one playback in eight;
//! * room 0 has cropped versions 1 and 2, and about one ready playback in five has 1 or 2;
//! * playbacks were created up to 90 days before "now" (cropped versions an hour per version
//!   after their original, but not after "now");
//! * ready playbacks have 0 to 3 plays each over the last 30 days (not before the playback was
//!   created), numbered in the order they began; `play_times` counts them.
//!
//! Every playback has its own `playback_id`; ids grow with each playback added.

use std::fmt;
use std::time::Duration;

use baijiayun::DateTime;
use baijiayun::play_record::GetPartnerPlaybackPlayRecordRequest;
use baijiayun::playback::GetListRequest;
use baijiayun::types::{
    PlayRecord, PlayRecordPage, Playback, PlaybackPage, PlaybackStatus, ProductType, PublishStatus,
    RoomId, SessionId,
};

use crate::service::{DeletePlaybackParams, PlaybackService, SetPublishStatusParams};
use crate::state::{NO_SESSION, Play, State, guid, text_time};
use crate::{MockServer, Refusal, lock};

/// The id of room 0 of a generated account ([`crate::MockServerBuilder::rooms`]); room `i` is
/// `RoomId(FIRST_ROOM + i)`.
pub const FIRST_ROOM: i64 = 24_000_000_000_000;

/// The most rooms a generated account has: [`crate::MockServerBuilder::rooms`] asks for at most
/// this many.
pub const MAX_ROOMS: usize = 200_000;

/// The most play records the fake keeps; [`Account::add_play`] refuses past it.
pub const MAX_PLAYS: usize = 10_000_000;

/// One version of one playback: a room, its session (`None` for a short-term room) and the
/// version (`0` is the original; cropped versions count from 1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PlaybackKey {
    /// The room.
    pub room_id: RoomId,
    /// The session of a long-term room; `None` for a short-term room.
    pub session_id: Option<SessionId>,
    /// The version: `0` for the original, `1..` for cropped versions.
    pub version: i64,
}

impl PlaybackKey {
    /// The original version (0) of a room's playback, or of one session of a long-term room.
    pub fn original(room_id: RoomId, session_id: Option<SessionId>) -> Self {
        PlaybackKey {
            room_id,
            session_id: session_id.filter(|s| *s != NO_SESSION),
            version: 0,
        }
    }

    /// The key of a playback as `get_list` serves it.
    pub fn of(playback: &Playback) -> Self {
        PlaybackKey {
            room_id: playback.room_id,
            session_id: playback.session_id.filter(|s| *s != NO_SESSION),
            version: playback.version.unwrap_or(0),
        }
    }

    fn session(self) -> SessionId {
        self.session_id.unwrap_or(NO_SESSION)
    }
}

/// The fake's account: snapshots of what it holds, exactly as the API serves it, and changes
/// that time would bring. Every method takes the fake's lock for its own duration only; a change
/// is visible to the next request.
///
/// The fake's clock ([`Account::now`]) is the reference: new playbacks are created at it, and a
/// generated account's playbacks and plays lie before it. It starts at the builder's
/// [`now`](crate::MockServerBuilder::now), or the system time when the server started, and moves
/// only when told ([`Account::advance`], [`Account::set_now`]).
///
/// Use the client for what the vendor has an API for (publish status, renaming the original
/// version, deleting playbacks, cropping); the methods here do the same for tests that do not
/// want a client, and what the vendor does on its own (new playbacks, status changes, play
/// records, deleted rooms).
pub struct Account<'s> {
    server: &'s MockServer,
}

impl fmt::Debug for Account<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = lock(&self.server.shared.state);
        f.debug_struct("Account")
            .field("now", &text_time(state.now))
            .field("rooms", &state.rooms.len())
            .field("playbacks", &state.rows.len())
            .field("plays", &state.plays.len())
            .finish()
    }
}

impl MockServer {
    /// The fake's account: snapshots of its current truth and changes to it (see [`Account`]).
    pub fn account(&self) -> Account<'_> {
        Account { server: self }
    }
}

impl Account<'_> {
    fn with<T>(&self, f: impl FnOnce(&mut State) -> T) -> T {
        f(&mut lock(&self.server.shared.state))
    }

    /// The fake's clock.
    pub fn now(&self) -> DateTime {
        self.with(|s| text_time(s.now))
    }

    /// Sets the fake's clock.
    pub fn set_now(&self, now: DateTime) {
        self.with(|s| s.now = now.to_unix());
    }

    /// Moves the fake's clock forward by `by` (whole seconds).
    pub fn advance(&self, by: Duration) {
        let secs = i64::try_from(by.as_secs()).unwrap_or(i64::MAX);
        self.with(|s| s.now = s.now.saturating_add(secs));
    }

    /// Every playback the account lists, exactly as `get_list` serves them with `crop_video=1` and
    /// the client reads them (a short-term room's session `0` reads as `None`),
    /// every product line together, in its order (newest first by `create_time`, then by
    /// `playback_id`): every product type, cropped versions included (`version` > 0), rooms
    /// deleted and playbacks deleted left out. Each has its own `playback_id`.
    ///
    /// `get_list` of one product line serves the same records, filtered by the room's product
    /// line; without `crop_video=1` it leaves out the versions above 0.
    pub fn playbacks(&self) -> Vec<Playback> {
        let list: Vec<Playback> = self.with(|s| {
            s.listed(ProductType::Unspecified, true)
                .map(|r| s.playback_record(r, false))
                .collect()
        });
        let page = record!(PlaybackPage {
            total: i64::try_from(list.len()).unwrap_or(i64::MAX),
            list,
        });
        as_read::<GetListRequest, _, _>(page, |p| p.list, |p| p.list)
    }

    /// The play records that began within `[start, end]`, exactly as API 37
    /// (`get_partner_playback_play_record`) serves them and the client reads them (`""` of a
    /// string field reads as `None`), its pages joined: in the order they were
    /// recorded (a late record comes after records recorded before it, whenever it began), with
    /// `uuid` and `date`. API 6 serves the same records without `uuid` and `date`.
    pub fn play_records(&self, start: DateTime, end: DateTime) -> Vec<PlayRecord> {
        let list: Vec<PlayRecord> = self.with(|s| {
            s.plays_between(&start, &end)
                .map(Play::partner_record)
                .collect()
        });
        let page = record!(PlayRecordPage {
            total: i64::try_from(list.len()).unwrap_or(i64::MAX),
            list,
        });
        as_read::<GetPartnerPlaybackPlayRecordRequest, _, _>(page, |p| p.list, |p| p.list)
    }

    /// How many rooms the account has, deleted ones included.
    pub fn room_count(&self) -> usize {
        self.with(|s| s.rooms.len())
    }

    /// Adds a short-term room of `product` whose playback (version 0, named `name`) is created
    /// now with `status`; returns its key.
    pub fn add_room(
        &self,
        product: ProductType,
        name: &str,
        status: PlaybackStatus,
    ) -> PlaybackKey {
        self.with(|s| {
            let room = s.free_room_id();
            s.add_room(room, product, false);
            let key = PlaybackKey::original(room, None);
            s.add_playback(key, name, status);
            key
        })
    }

    /// Adds a long-term room of `product`, without sessions yet; add them with
    /// [`Account::add_session`].
    pub fn add_long_term_room(&self, product: ProductType) -> RoomId {
        self.with(|s| {
            let room = s.free_room_id();
            s.add_room(room, product, true);
            room
        })
    }

    /// Adds a session to the long-term room `room`, its playback created now with `status`;
    /// returns its key. Refused (code 1) for a short-term room.
    pub fn add_session(
        &self,
        room: RoomId,
        name: &str,
        status: PlaybackStatus,
    ) -> Result<PlaybackKey, Refusal> {
        self.with(|s| {
            if !s.room(room)?.long_term {
                return Err(Refusal::general("不是长期房间"));
            }
            let next = s.rows.iter().filter(|r| r.room_id == room).count();
            let day = s.now.div_euclid(86_400);
            let mut session = SessionId(day * 100 + i64::try_from(next % 100).unwrap_or(0));
            while s
                .rows
                .iter()
                .any(|r| r.room_id == room && r.session_id == session)
            {
                session.0 += 1;
            }
            let key = PlaybackKey::original(room, Some(session));
            s.add_playback(key, name, status);
            Ok(key)
        })
    }

    /// Adds a cropped version of the original playback `of`, created now; returns its key.
    pub fn add_crop(&self, of: PlaybackKey, name: &str) -> Result<PlaybackKey, Refusal> {
        self.with(|s| {
            let original = s.playback(of.room_id, of.session_id, Some(0))?;
            let main = s.rows.get(original).cloned().ok_or_else(no_playback)?;
            let version = 1 + s
                .rows
                .iter()
                .filter(|r| r.room_id == of.room_id && r.session_id == of.session())
                .map(|r| r.version)
                .max()
                .unwrap_or(0);
            let length = (main.length / 2).max(60);
            let row = s.new_version(&main, version, name, length, s.now);
            s.insert_row(row);
            Ok(PlaybackKey { version, ..of })
        })
    }

    /// Deletes the room: every call on it is refused with 3002, and its playbacks leave the
    /// lists. Its play records stay.
    pub fn delete_room(&self, room: RoomId) -> Result<(), Refusal> {
        self.with(|s| {
            s.room(room)?;
            if let Some(r) = s.rooms.get_mut(&room) {
                r.deleted = true;
            }
            Ok(())
        })
    }

    /// Deletes a playback as `delete_playback` (API 8) does: one version, or with `version`
    /// `None`, every version of the room's (or session's) playback.
    pub fn delete_playback(
        &self,
        room: RoomId,
        session: Option<SessionId>,
        version: Option<i64>,
    ) -> Result<(), Refusal> {
        self.with(|s| {
            s.delete_playback(DeletePlaybackParams {
                room_id: room,
                session_id: session,
                version,
            })
        })
    }

    /// Renames one version of a playback (the API renames only the main version).
    pub fn rename(&self, key: PlaybackKey, name: &str) -> Result<(), Refusal> {
        self.with(|s| {
            let i = s.playback(key.room_id, key.session_id, Some(key.version))?;
            let row = s.rows.get_mut(i).ok_or_else(no_playback)?;
            row.name = name.into();
            Ok(())
        })
    }

    /// Moves one version of a playback to `status`, as the vendor's transcoding does (e.g.
    /// `Transcoding` → `Ready`, or → `Failed`). A playback becoming ready gets its transcoded
    /// sizes (and a length, if it had none).
    pub fn set_status(&self, key: PlaybackKey, status: PlaybackStatus) -> Result<(), Refusal> {
        self.with(|s| {
            let i = s.playback(key.room_id, key.session_id, Some(key.version))?;
            let row = s.rows.get_mut(i).ok_or_else(no_playback)?;
            row.status = status;
            if status == PlaybackStatus::Ready {
                if row.length == 0 {
                    row.length = 1800;
                    row.total_size = row.length * 35_000;
                }
                row.transcode_size = row.length * 120_000;
                row.ext_media_size = row.length * 8_000;
            }
            Ok(())
        })
    }

    /// Publishes or blocks a playback as `set_publish_status` (API 7) does: every version of the
    /// room's (or session's) playback.
    pub fn set_publish_status(
        &self,
        room: RoomId,
        session: Option<SessionId>,
        status: PublishStatus,
    ) -> Result<(), Refusal> {
        self.with(|s| {
            s.set_publish_status(SetPublishStatusParams {
                room_id: room,
                session_id: session,
                status,
            })
            .map(|_| ())
        })
    }

    /// Records a play of `key` that began at `begin` (in the past, as a late record would) and
    /// lasted `length`; it is recorded now, after every record before it, and counts in the
    /// playback's `play_times`. Returns its `guid`. Refused past [`MAX_PLAYS`] records.
    pub fn add_play(
        &self,
        key: PlaybackKey,
        begin: DateTime,
        length: Duration,
    ) -> Result<String, Refusal> {
        self.with(|s| {
            if s.plays.len() >= MAX_PLAYS {
                return Err(Refusal::general("播放记录过多"));
            }
            let i = s.playback(key.room_id, key.session_id, Some(key.version))?;
            let row = s.rows.get_mut(i).ok_or_else(no_playback)?;
            row.play_times += 1;
            let video = row.video_id;
            let secs = i64::try_from(length.as_secs()).unwrap_or(i64::MAX);
            let begin = begin.to_unix();
            let key = (key.room_id, key.session(), key.version);
            Ok(guid(s.add_play(key, video, begin, secs, secs)))
        })
    }
}

/// `page` as the client reads it: written as the fake answers (typed), then decoded as `E`'s
/// response, as a client does. `list` takes the items out; `raw` is what is left if that fails,
/// which would be a bug of the fake.
fn as_read<E, P, T>(
    page: P,
    list: impl Fn(E::Output) -> Vec<T>,
    raw: impl Fn(P) -> Vec<T>,
) -> Vec<T>
where
    E: baijiayun::Endpoint,
    P: serde::Serialize,
{
    let read = crate::ResponseStyle::Typed
        .encode(&page)
        .map(|data| serde_json::json!({"code": 0, "data": data, "msg": "", "ts": 0}).to_string())
        .ok()
        .and_then(|body| baijiayun::decode::<E>(body).ok());
    match read {
        Some(output) => list(output),
        None => raw(page),
    }
}

fn no_playback() -> Refusal {
    Refusal::general("回放不存在")
}

impl State {
    /// A room id no room has yet: after every room of the account.
    fn free_room_id(&self) -> RoomId {
        let last = self.rooms.keys().next_back().map_or(FIRST_ROOM, |r| r.0);
        RoomId(last.max(FIRST_ROOM - 1) + 1)
    }

    /// The original version of `key`'s playback, created now.
    fn add_playback(&mut self, key: PlaybackKey, name: &str, status: PlaybackStatus) {
        let length = match status {
            PlaybackStatus::Ready | PlaybackStatus::Transcoding => 1800,
            _ => 0,
        };
        let row = self.new_row(key.room_id, key.session(), name, status, self.now, length);
        self.insert_row(row);
    }
}
