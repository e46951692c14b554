//! The fake server's seed data: ids your tests can rely on.
//!
//! Every fake server starts from the same state, so these ids and their contents are stable:
//!
//! | id | what |
//! | --- | --- |
//! | [`ROOM`] | a short-term large-class room, playback ready; cropped versions 1 and 2 (version 0 is main); play records over three days; marks, time nodes, PPT and courseware |
//! | [`TRANSCODING_ROOM`] | a short-term room whose playback is transcoding |
//! | [`FAILED_ROOM`] | a short-term room whose playback failed |
//! | [`EMPTY_ROOM`] | a short-term room with no playback (not recorded) |
//! | [`SMALL_CLASS_ROOM`] | a small-class room (product line 2), playback ready |
//! | [`DELETED_ROOM`] | a deleted room: every call on it is refused with 3002 |
//! | [`LONG_ROOM`] | a long-term room with the sessions [`LONG_ROOM_SESSIONS`], each a playback |
//! | [`FILLER_ROOMS`] | more ready large-class rooms, so that listing pages |
//! | [`VOD_VIDEO_ID`] | a video-on-demand video that can replace a playback (API 15) |
//! | [`MIXED_PLAYBACK_ID`] | a merged playback to turn into a pure video (APIs 38, 39) |
//! | [`USERS`] | users that can be whitelisted; the first two are on [`ROOM`]'s room whitelist |
//!
//! Any other room id is refused with 3001 (房间号不存在).

use std::ops::Range;

/// The partner id a fake server accepts unless told otherwise.
pub const PARTNER_ID: i64 = 10_000_001;
/// The partner key a fake server signs and checks with unless told otherwise.
pub const PARTNER_KEY: &str = "mock-partner-key";

/// A short-term large-class room with a ready playback and two cropped versions.
pub const ROOM: i64 = 23_111_300_000_001;
/// A short-term room whose playback is still transcoding.
pub const TRANSCODING_ROOM: i64 = 23_111_300_000_002;
/// A short-term room whose playback failed to generate.
pub const FAILED_ROOM: i64 = 23_111_300_000_003;
/// A short-term room that has no playback.
pub const EMPTY_ROOM: i64 = 23_111_300_000_004;
/// A small-class room (product line 2) with a ready playback.
pub const SMALL_CLASS_ROOM: i64 = 23_111_300_000_005;
/// A room that was deleted.
pub const DELETED_ROOM: i64 = 23_111_300_000_009;
/// A long-term room.
pub const LONG_ROOM: i64 = 23_111_300_000_100;
/// The sessions of [`LONG_ROOM`], each with a ready playback.
pub const LONG_ROOM_SESSIONS: [i64; 3] = [202_311_130, 202_311_140, 202_311_150];
/// Further ready large-class rooms.
pub const FILLER_ROOMS: Range<i64> = 23_111_300_000_010..23_111_300_000_034;
/// A video-on-demand video id.
pub const VOD_VIDEO_ID: i64 = 700_000_001;
/// A merged playback id.
pub const MIXED_PLAYBACK_ID: i64 = 5_001;
/// User ids that can be whitelisted.
pub const USERS: [i64; 6] = [291_455, 291_456, 291_457, 291_458, 291_459, 291_460];
/// The days [`ROOM`]'s play records fall on.
pub const PLAY_DAYS: [&str; 3] = ["2023-11-14", "2023-11-15", "2023-11-16"];
/// How many play records [`ROOM`]'s main version has on each of [`PLAY_DAYS`].
pub const PLAYS_PER_DAY: i64 = 90;
