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

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;

use baijiayun::DateTime;
use baijiayun::types::*;

use crate::state::{NO_SESSION, Play, Room, Row, State, count};

/// The partner id a fake server accepts unless told otherwise.
pub const PARTNER_ID: i64 = 10_000_001;
/// The partner key a fake server signs and checks with unless told otherwise.
pub const PARTNER_KEY: &str = "mock-partner-key";

/// A short-term large-class room with a ready playback and two cropped versions.
pub const ROOM: RoomId = RoomId(23_111_300_000_001);
/// A short-term room whose playback is still transcoding.
pub const TRANSCODING_ROOM: RoomId = RoomId(23_111_300_000_002);
/// A short-term room whose playback failed to generate.
pub const FAILED_ROOM: RoomId = RoomId(23_111_300_000_003);
/// A short-term room that has no playback.
pub const EMPTY_ROOM: RoomId = RoomId(23_111_300_000_004);
/// A small-class room (product line 2) with a ready playback.
pub const SMALL_CLASS_ROOM: RoomId = RoomId(23_111_300_000_005);
/// A room that was deleted.
pub const DELETED_ROOM: RoomId = RoomId(23_111_300_000_009);
/// A long-term room.
pub const LONG_ROOM: RoomId = RoomId(23_111_300_000_100);
/// The sessions of [`LONG_ROOM`], each with a ready playback.
pub const LONG_ROOM_SESSIONS: [SessionId; 3] = [
    SessionId(202_311_130),
    SessionId(202_311_140),
    SessionId(202_311_150),
];
/// Further ready large-class rooms (their ids as numbers: `RoomId(n)` names one).
pub const FILLER_ROOMS: Range<i64> = 23_111_300_000_010..23_111_300_000_034;
/// A video-on-demand video id.
pub const VOD_VIDEO_ID: VideoId = VideoId(700_000_001);
/// A merged playback id.
pub const MIXED_PLAYBACK_ID: i64 = 5_001;
/// User ids that can be whitelisted.
pub const USERS: [UserId; 6] = [
    UserId(291_455),
    UserId(291_456),
    UserId(291_457),
    UserId(291_458),
    UserId(291_459),
    UserId(291_460),
];
/// The days [`ROOM`]'s play records fall on.
pub const PLAY_DAYS: [&str; 3] = ["2023-11-14", "2023-11-15", "2023-11-16"];
/// How many play records [`ROOM`]'s main version has on each of [`PLAY_DAYS`].
pub const PLAYS_PER_DAY: i64 = 90;

/// `seconds_into_day` after midnight of `date` (Beijing time), in the text form the vendor sends.
/// Seed dates are constants; an impossible one falls back to the unix epoch rather than panicking.
fn at(date: &str, seconds_into_day: i64) -> DateTime {
    let midnight = format!("{date} 00:00:00")
        .parse::<DateTime>()
        .map_or(0, |d| d.to_unix());
    later(midnight, seconds_into_day)
}

/// `secs` seconds after the unix time `base`, in text form.
fn later(base: i64, secs: i64) -> DateTime {
    crate::state::text_time(base.saturating_add(secs))
}

impl State {
    /// A state with nothing in it: no room, no playback, no play; the fake's clock at `now`
    /// (unix seconds); `base_url` is where the fake serves, for the play URLs it hands out.
    pub(crate) fn empty(base_url: &str, now: i64) -> State {
        State {
            base_url: base_url.trim_end_matches('/').to_owned(),
            rooms: BTreeMap::new(),
            rows: Vec::new(),
            next_id: 1,
            next_video_id: VideoId(900_001),
            plays: Vec::new(),
            next_play: 1,
            now,
            users: BTreeMap::new(),
            room_whitelist: BTreeMap::new(),
            session_whitelist: BTreeMap::new(),
            product_valid_days: BTreeMap::from([(1, 15), (2, 30)]),
            video_valid_days: BTreeMap::new(),
            video_expiry: BTreeMap::new(),
            marks: BTreeMap::new(),
            time_nodes: BTreeMap::new(),
            courseware_calls: BTreeMap::new(),
            pure_videos: BTreeMap::new(),
            mixed_created: BTreeSet::new(),
            chat_deletions: 0,
            limited_tokens: 0,
            callback_url: None,
        }
    }

    /// The seeded state; `base_url` is where the fake serves, for the play URLs it hands out.
    pub(crate) fn seeded(base_url: &str, now: i64) -> State {
        let mut s = State::empty(base_url, now);
        let large = ProductType::LargeClass;
        s.add_room(ROOM, large, false);
        let main = s.add_row(
            ROOM,
            NO_SESSION,
            "高一数学 函数的单调性",
            PlaybackStatus::Ready,
            "2023-11-13",
            9 * 3600,
            3120,
        );
        s.add_version(main, 1, "高一数学 函数的单调性_副本1", 1200);
        s.add_version(main, 2, "高一数学 函数的单调性_副本2", 900);
        s.add_room(TRANSCODING_ROOM, large, false);
        s.add_row(
            TRANSCODING_ROOM,
            NO_SESSION,
            "高一物理 牛顿第一定律",
            PlaybackStatus::Transcoding,
            "2023-11-13",
            14 * 3600,
            2700,
        );
        s.add_room(FAILED_ROOM, large, false);
        s.add_row(
            FAILED_ROOM,
            NO_SESSION,
            "高一化学 氧化还原",
            PlaybackStatus::Failed,
            "2023-11-12",
            10 * 3600,
            0,
        );
        s.add_room(EMPTY_ROOM, large, false);
        s.add_room(SMALL_CLASS_ROOM, ProductType::SmallClass, false);
        s.add_row(
            SMALL_CLASS_ROOM,
            NO_SESSION,
            "小班课 英语口语",
            PlaybackStatus::Ready,
            "2023-11-11",
            19 * 3600,
            1800,
        );
        s.add_room(DELETED_ROOM, large, false);
        s.add_row(
            DELETED_ROOM,
            NO_SESSION,
            "已删除的房间",
            PlaybackStatus::Ready,
            "2023-11-01",
            9 * 3600,
            600,
        );
        if let Some(room) = s.rooms.get_mut(&DELETED_ROOM) {
            room.deleted = true;
        }
        s.add_room(LONG_ROOM, large, true);
        for (i, session) in LONG_ROOM_SESSIONS.into_iter().enumerate() {
            let day = PLAY_DAYS.get(i).copied().unwrap_or("2023-11-14");
            s.add_row(
                LONG_ROOM,
                session,
                &format!("长期课 第{}讲", i + 1),
                PlaybackStatus::Ready,
                day,
                20 * 3600,
                3600,
            );
        }
        for (i, room) in FILLER_ROOMS.map(RoomId).enumerate() {
            s.add_room(room, large, false);
            let i = count(i);
            s.add_row(
                room,
                NO_SESSION,
                &format!("示例课程 {}", i + 1),
                PlaybackStatus::Ready,
                "2023-10-20",
                8 * 3600 + i * 600,
                1500 + i * 60,
            );
        }
        s.seed_plays(main);
        s.seed_users();
        s.video_valid_days
            .insert(s.video_of(ROOM, NO_SESSION, 0).unwrap_or(VideoId(0)), 15);
        if let Some(v) = s.video_of(SMALL_CLASS_ROOM, NO_SESSION, 0) {
            s.video_expiry.insert(v, at("2024-12-12", 19 * 3600));
        }
        s.marks.insert(
            (ROOM, NO_SESSION, 0),
            [
                ("00:00:02", "test1"),
                ("00:00:05", "test2"),
                ("00:01:16", "test3"),
                ("00:01:18", "test4"),
            ]
            .into_iter()
            .map(|(t, d)| {
                record!(Mark {
                    time_offset: t.into(),
                    desc: d.into(),
                })
            })
            .collect(),
        );
        let base = at("2023-11-13", 9 * 3600).to_unix();
        s.time_nodes.insert(
            (ROOM, NO_SESSION),
            vec![
                record!(RecordTimeNode {
                    start: base,
                    end: base + 1200,
                    auto_completion: None,
                }),
                record!(RecordTimeNode {
                    start: base + 1260,
                    end: base + 2400,
                    auto_completion: None,
                }),
                record!(RecordTimeNode {
                    start: base + 2460,
                    end: base + 3180,
                    auto_completion: Some(true),
                }),
            ],
        );
        s.sort_rows();
        s
    }

    pub(crate) fn add_room(&mut self, id: RoomId, product: ProductType, long_term: bool) {
        self.rooms.insert(
            id,
            Room {
                product,
                long_term,
                deleted: false,
            },
        );
    }

    #[allow(
        clippy::too_many_arguments,
        reason = "seed rows are written out in one line each"
    )]
    fn add_row(
        &mut self,
        room_id: RoomId,
        session_id: SessionId,
        name: &str,
        status: PlaybackStatus,
        day: &str,
        second: i64,
        length: i64,
    ) -> usize {
        let row = self.new_row(
            room_id,
            session_id,
            name,
            status,
            at(day, second).to_unix(),
            length,
        );
        self.rows.push(row);
        self.rows.len() - 1
    }

    /// A playback's main version (0), with the next ids; not added yet.
    pub(crate) fn new_row(
        &mut self,
        room_id: RoomId,
        session_id: SessionId,
        name: &str,
        status: PlaybackStatus,
        created: i64,
        length: i64,
    ) -> Row {
        let video_id = self.next_video_id;
        self.next_video_id.0 += 1;
        let ready = status == PlaybackStatus::Ready;
        let id = self.next_id;
        self.next_id += 1;
        Row {
            id,
            room_id,
            session_id,
            version: 0,
            video_id,
            name: name.into(),
            status,
            publish: PublishStatus::Published,
            main: true,
            created,
            length,
            total_size: length * 35_000,
            transcode_size: if ready { length * 120_000 } else { 0 },
            ext_media_size: if ready { length * 8_000 } else { 0 },
            play_times: 0,
            preface: None,
        }
    }

    fn add_version(&mut self, of: usize, version: i64, name: &str, length: i64) {
        let Some(main) = self.rows.get(of).cloned() else {
            return;
        };
        let row = self.new_version(&main, version, name, length, main.created + 3600 * version);
        self.rows.push(row);
    }

    /// A cropped version `version` of `main`, created at `created`, with the next ids; not added
    /// yet.
    pub(crate) fn new_version(
        &mut self,
        main: &Row,
        version: i64,
        name: &str,
        length: i64,
        created: i64,
    ) -> Row {
        let mut row = main.clone();
        row.id = self.next_id;
        self.next_id += 1;
        row.video_id = self.next_video_id;
        self.next_video_id.0 += 1;
        row.version = version;
        row.name = name.into();
        row.main = false;
        row.length = length;
        row.total_size = length * 35_000;
        row.transcode_size = length * 120_000;
        row.play_times = 0;
        row.preface = None;
        row.created = created;
        row
    }

    fn seed_plays(&mut self, main: usize) {
        let Some(video_id) = self.rows.get(main).map(|r| r.video_id) else {
            return;
        };
        let mut n: i64 = 0;
        for day in PLAY_DAYS {
            for i in 0..PLAYS_PER_DAY {
                n += 1;
                let length = 60 + (n * 37) % 1500;
                self.add_play(
                    (ROOM, NO_SESSION, 0),
                    video_id,
                    at(day, 7 * 3600 + i * 480).to_unix(),
                    length,
                    length + (n % 5) * 30,
                );
            }
        }
        if let Some(row) = self.rows.get_mut(main) {
            row.play_times = n;
        }
    }

    /// Records a play of the playback `key` (whose video is `video_id`) that began at `begin`
    /// (unix seconds), played `length` seconds and ended `span` seconds after it began; the next
    /// play number. Returns its number.
    pub(crate) fn add_play(
        &mut self,
        key: (RoomId, SessionId, i64),
        video_id: VideoId,
        begin: i64,
        length: i64,
        span: i64,
    ) -> u32 {
        let n = self.next_play;
        self.next_play = self.next_play.saturating_add(1);
        let clamp = |v: i64| u32::try_from(v.max(0)).unwrap_or(u32::MAX);
        self.plays.push(Play {
            room_id: key.0,
            session_id: key.1,
            version: key.2,
            video_id,
            n,
            begin,
            length: clamp(length),
            span: clamp(span.max(length)),
        });
        n
    }

    pub(crate) fn seed_users(&mut self) {
        let created = at("2022-11-11", 13 * 3600 + 56 * 60 + 18);
        for (i, id) in USERS.into_iter().enumerate() {
            let n = i + 5;
            self.users.insert(
                id,
                record!(WhitelistUser {
                    user_id: id,
                    user_sn: Some(format!("11230{:02}", 10 + i)),
                    email: Some(format!("sun67{i}@example.com")),
                    name: Some(format!("孙六{n}")),
                    remark: Some(String::new()),
                    phone_number: Some(format!("183756141{:02}", 79 + i)),
                    create_time: Some(created),
                    role: Some(0),
                }),
            );
        }
        self.room_whitelist
            .insert(ROOM, USERS.iter().take(2).copied().collect());
        self.session_whitelist.insert(
            (LONG_ROOM, LONG_ROOM_SESSIONS[0]),
            USERS.iter().skip(2).take(1).copied().collect(),
        );
    }
}
