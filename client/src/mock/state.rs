//! The fake server's state and its behaviour behind each endpoint.
//!
//! The state is seeded deterministically ([`super::seed`]) and every write is visible to later
//! reads: publish status, deletes, renames, main versions, crops, replaces, whitelists, validity and
//! expiry, marks, pure-video tasks.

use std::collections::{BTreeMap, BTreeSet};

use md5::{Digest, Md5};

use super::received::Refusal;
use super::seed;
use crate::generated::service::Service;
use crate::types::*;
use crate::{Date, DateTime, PlaybackRef};

/// One version of one playback.
#[derive(Clone, Debug)]
struct Row {
    id: i64,
    room_id: i64,
    /// 0 for short-term rooms.
    session_id: i64,
    version: i64,
    video_id: i64,
    name: String,
    status: PlaybackStatus,
    publish: PublishStatus,
    main: bool,
    created: DateTime,
    length: i64,
    total_size: i64,
    transcode_size: i64,
    ext_media_size: i64,
    play_times: i64,
    preface_url: String,
}

#[derive(Clone, Debug)]
struct Room {
    product: ProductType,
    long_term: bool,
    deleted: bool,
}

/// A play record and the playback it belongs to.
#[derive(Clone, Debug)]
struct Play {
    room_id: i64,
    session_id: i64,
    version: i64,
    record: PlayRecord,
}

type Key = (i64, i64, i64);

/// Everything the fake server knows.
#[derive(Debug)]
pub(crate) struct State {
    base_url: String,
    rooms: BTreeMap<i64, Room>,
    rows: Vec<Row>,
    next_id: i64,
    next_video_id: i64,
    plays: Vec<Play>,
    users: BTreeMap<i64, WhitelistUser>,
    room_whitelist: BTreeMap<i64, BTreeSet<i64>>,
    session_whitelist: BTreeMap<(i64, i64), BTreeSet<i64>>,
    product_valid_days: BTreeMap<i64, i64>,
    video_valid_days: BTreeMap<i64, i64>,
    video_expiry: BTreeMap<i64, DateTime>,
    marks: BTreeMap<Key, Vec<Mark>>,
    time_nodes: BTreeMap<(i64, i64), Vec<RecordTimeNode>>,
    courseware_calls: BTreeMap<(i64, i64), u8>,
    pure_videos: BTreeMap<Key, String>,
    mixed_created: BTreeSet<i64>,
    chat_deletions: u32,
    limited_tokens: u64,
    callback_url: Option<String>,
}

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
    DateTime::from_unix(base + secs)
        .map_or_else(|_| DateTime::unix_epoch(), DateTime::into_text_form)
}

fn hex(parts: &[&str]) -> String {
    let mut md5 = Md5::new();
    for p in parts {
        md5.update(p.as_bytes());
        md5.update(b"\0");
    }
    md5.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

fn page_of<T: Clone>(items: &[T], page: i64, size: i64) -> Vec<T> {
    let size = usize::try_from(size.max(1)).unwrap_or(1);
    let start = usize::try_from(page.max(1) - 1)
        .unwrap_or(0)
        .saturating_mul(size);
    items.iter().skip(start).take(size).cloned().collect()
}

/// One page of play records, as the play-record APIs answer (pages from 1, `default_size` a page).
fn record_page(
    records: Vec<PlayRecord>,
    page: Option<i64>,
    size: Option<i64>,
    default_size: i64,
) -> PlayRecordPage {
    let (page, size) = (page.unwrap_or(1), size.unwrap_or(default_size));
    PlayRecordPage {
        total: count(records.len()),
        list: page_of(&records, page, size),
        page: Some(page),
        page_size: Some(size),
    }
}

fn count(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

impl State {
    /// The seeded state; `base_url` is where the fake serves, for the play URLs it hands out.
    pub(crate) fn seeded(base_url: &str) -> State {
        let mut s = State {
            base_url: base_url.trim_end_matches('/').to_owned(),
            rooms: BTreeMap::new(),
            rows: Vec::new(),
            next_id: 1,
            next_video_id: 900_001,
            plays: Vec::new(),
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
        };
        let large = ProductType::LargeClass;
        s.add_room(seed::ROOM, large, false);
        let main = s.add_row(
            seed::ROOM,
            0,
            "高一数学 函数的单调性",
            PlaybackStatus::Ready,
            "2023-11-13",
            9 * 3600,
            3120,
        );
        s.add_version(main, 1, "高一数学 函数的单调性_副本1", 1200);
        s.add_version(main, 2, "高一数学 函数的单调性_副本2", 900);
        s.add_room(seed::TRANSCODING_ROOM, large, false);
        s.add_row(
            seed::TRANSCODING_ROOM,
            0,
            "高一物理 牛顿第一定律",
            PlaybackStatus::Transcoding,
            "2023-11-13",
            14 * 3600,
            2700,
        );
        s.add_room(seed::FAILED_ROOM, large, false);
        s.add_row(
            seed::FAILED_ROOM,
            0,
            "高一化学 氧化还原",
            PlaybackStatus::Failed,
            "2023-11-12",
            10 * 3600,
            0,
        );
        s.add_room(seed::EMPTY_ROOM, large, false);
        s.add_room(seed::SMALL_CLASS_ROOM, ProductType::SmallClass, false);
        s.add_row(
            seed::SMALL_CLASS_ROOM,
            0,
            "小班课 英语口语",
            PlaybackStatus::Ready,
            "2023-11-11",
            19 * 3600,
            1800,
        );
        s.add_room(seed::DELETED_ROOM, large, false);
        s.add_row(
            seed::DELETED_ROOM,
            0,
            "已删除的房间",
            PlaybackStatus::Ready,
            "2023-11-01",
            9 * 3600,
            600,
        );
        if let Some(room) = s.rooms.get_mut(&seed::DELETED_ROOM) {
            room.deleted = true;
        }
        s.add_room(seed::LONG_ROOM, large, true);
        for (i, session) in seed::LONG_ROOM_SESSIONS.into_iter().enumerate() {
            let day = seed::PLAY_DAYS.get(i).copied().unwrap_or("2023-11-14");
            s.add_row(
                seed::LONG_ROOM,
                session,
                &format!("长期课 第{}讲", i + 1),
                PlaybackStatus::Ready,
                day,
                20 * 3600,
                3600,
            );
        }
        for (i, room) in seed::FILLER_ROOMS.enumerate() {
            s.add_room(room, large, false);
            let i = count(i);
            s.add_row(
                room,
                0,
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
            .insert(s.video_of(seed::ROOM, 0, 0).unwrap_or(0), 15);
        if let Some(v) = s.video_of(seed::SMALL_CLASS_ROOM, 0, 0) {
            s.video_expiry.insert(v, at("2024-12-12", 19 * 3600));
        }
        s.marks.insert(
            (seed::ROOM, 0, 0),
            [
                ("00:00:02", "test1"),
                ("00:00:05", "test2"),
                ("00:01:16", "test3"),
                ("00:01:18", "test4"),
            ]
            .into_iter()
            .map(|(t, d)| Mark {
                time_offset: t.into(),
                desc: d.into(),
            })
            .collect(),
        );
        let base = at("2023-11-13", 9 * 3600).to_unix();
        s.time_nodes.insert(
            (seed::ROOM, 0),
            vec![
                RecordTimeNode {
                    start: base,
                    end: base + 1200,
                    auto_completion: None,
                },
                RecordTimeNode {
                    start: base + 1260,
                    end: base + 2400,
                    auto_completion: None,
                },
                RecordTimeNode {
                    start: base + 2460,
                    end: base + 3180,
                    auto_completion: Some(true),
                },
            ],
        );
        s
    }

    fn add_room(&mut self, id: i64, product: ProductType, long_term: bool) {
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
        room_id: i64,
        session_id: i64,
        name: &str,
        status: PlaybackStatus,
        day: &str,
        second: i64,
        length: i64,
    ) -> usize {
        let video_id = self.next_video_id;
        self.next_video_id += 1;
        let ready = status == PlaybackStatus::Ready;
        let row = Row {
            id: self.next_id,
            room_id,
            session_id,
            version: 0,
            video_id,
            name: name.to_owned(),
            status,
            publish: PublishStatus::Published,
            main: true,
            created: at(day, second),
            length,
            total_size: length * 35_000,
            transcode_size: if ready { length * 120_000 } else { 0 },
            ext_media_size: if ready { length * 8_000 } else { 0 },
            play_times: 0,
            preface_url: format!("https://img.example-cdn.com/playback/{video_id}.jpg"),
        };
        self.next_id += 1;
        self.rows.push(row);
        self.rows.len() - 1
    }

    fn add_version(&mut self, of: usize, version: i64, name: &str, length: i64) {
        let Some(mut row) = self.rows.get(of).cloned() else {
            return;
        };
        row.id = self.next_id;
        self.next_id += 1;
        row.video_id = self.next_video_id;
        self.next_video_id += 1;
        row.version = version;
        row.name = name.to_owned();
        row.main = false;
        row.length = length;
        row.total_size = length * 35_000;
        row.transcode_size = length * 120_000;
        row.created = later(row.created.to_unix(), 3600 * version);
        self.rows.push(row);
    }

    fn seed_plays(&mut self, main: usize) {
        let Some(video_id) = self.rows.get(main).map(|r| r.video_id) else {
            return;
        };
        let areas = [
            "北京 北京",
            "安徽 亳州",
            "湖北 武汉",
            "广东 深圳",
            "上海 上海",
            "",
        ];
        let mut n: i64 = 0;
        for day in seed::PLAY_DAYS {
            for i in 0..seed::PLAYS_PER_DAY {
                n += 1;
                let begin = at(day, 7 * 3600 + i * 480);
                let length = 60 + (n * 37) % 1500;
                let end = later(begin.to_unix(), length + (n % 5) * 30);
                let user = 1_000 + n % 40;
                let record = PlayRecord {
                    guid: hex(&["play", &n.to_string()]).to_uppercase(),
                    uuid: None,
                    video_id,
                    user_name: Some(format!("学员{user}")),
                    user_number: Some(user),
                    play_begin_time: Some(begin),
                    play_end_time: Some(end),
                    play_length: Some(length),
                    client_type: Some(ClientType::from(n % 10)),
                    user_ip: Some(format!(
                        "10.{}.{}.{}",
                        n % 200,
                        (n * 7) % 250,
                        (n * 13) % 250
                    )),
                    area: areas
                        .get(usize::try_from(n).unwrap_or(0) % areas.len())
                        .map(|a| (*a).to_owned()),
                    ext_data: Some(String::new()),
                    date: day.parse::<Date>().ok(),
                };
                self.plays.push(Play {
                    room_id: seed::ROOM,
                    session_id: 0,
                    version: 0,
                    record,
                });
            }
        }
        if let Some(row) = self.rows.get_mut(main) {
            row.play_times = n;
        }
    }

    fn seed_users(&mut self) {
        let created = at("2022-11-11", 13 * 3600 + 56 * 60 + 18);
        for (i, id) in seed::USERS.into_iter().enumerate() {
            let n = i + 5;
            self.users.insert(
                id,
                WhitelistUser {
                    user_id: id,
                    user_sn: Some(format!("11230{:02}", 10 + i)),
                    email: Some(format!("sun67{i}@example.com")),
                    name: Some(format!("孙六{n}")),
                    remark: Some(String::new()),
                    phone_number: Some(format!("183756141{:02}", 79 + i)),
                    create_time: Some(created.clone()),
                    role: Some(0),
                },
            );
        }
        self.room_whitelist
            .insert(seed::ROOM, seed::USERS.iter().take(2).copied().collect());
        self.session_whitelist.insert(
            (seed::LONG_ROOM, seed::LONG_ROOM_SESSIONS[0]),
            seed::USERS.iter().skip(2).take(1).copied().collect(),
        );
    }

    /// The room, or the vendor's refusal: 3001 for an unknown room, 3002 for a deleted one.
    fn room(&self, id: i64) -> Result<&Room, Refusal> {
        match self.rooms.get(&id) {
            None => Err(Refusal::no_room(id)),
            Some(r) if r.deleted => Err(Refusal::new(ErrorCode::RoomDeleted, "该房间已删除")),
            Some(r) => Ok(r),
        }
    }

    /// The plays that began within `[start, end]`.
    fn plays_between<'s>(
        &'s self,
        start: &'s DateTime,
        end: &'s DateTime,
    ) -> impl Iterator<Item = &'s Play> + 's {
        self.plays.iter().filter(move |p| {
            p.record
                .play_begin_time
                .as_ref()
                .is_some_and(|t| t >= start && t <= end)
        })
    }

    fn rows_of(&self, room: i64, session: i64) -> impl Iterator<Item = &Row> {
        self.rows
            .iter()
            .filter(move |r| r.room_id == room && r.session_id == session)
    }

    fn main_row(&self, room: i64, session: i64) -> Option<&Row> {
        self.rows_of(room, session).find(|r| r.main)
    }

    fn row_index(&self, room: i64, session: i64, version: Option<i64>) -> Option<usize> {
        self.rows.iter().position(|r| {
            r.room_id == room
                && r.session_id == session
                && match version {
                    Some(v) => r.version == v,
                    None => r.main,
                }
        })
    }

    /// The playback (main version unless `version` is given) or a refusal.
    fn playback(
        &self,
        room: i64,
        session: Option<i64>,
        version: Option<i64>,
    ) -> Result<usize, Refusal> {
        self.room(room)?;
        self.row_index(room, session.unwrap_or(0), version)
            .ok_or_else(|| Refusal::general("回放不存在"))
    }

    fn video_of(&self, room: i64, session: i64, version: i64) -> Option<i64> {
        self.rows_of(room, session)
            .find(|r| r.version == version)
            .map(|r| r.video_id)
    }

    fn token(&self, room: i64, session: i64, salt: &str) -> String {
        hex(&["token", &room.to_string(), &session.to_string(), salt])
    }

    fn play_url(&self, r: &Row) -> String {
        let token = self.token(r.room_id, r.session_id, "play");
        match r.session_id {
            0 => format!(
                "{}/web/playback/index?classid={}&token={token}",
                self.base_url, r.room_id
            ),
            s => format!(
                "{}/web/playback/index?classid={}&session_id={s}&token={token}",
                self.base_url, r.room_id
            ),
        }
    }

    fn playback_record(&self, r: &Row, with_crop: bool) -> Playback {
        Playback {
            playback_id: Some(r.id),
            room_id: r.room_id,
            session_id: Some(r.session_id),
            video_id: r.video_id,
            name: Some(r.name.clone()),
            status: r.status,
            create_time: Some(r.created.clone()),
            length: Some(r.length),
            total_transcode_size: Some(r.transcode_size),
            play_times: Some(r.play_times),
            play_url: Some(self.play_url(r)),
            preface_url: Some(r.preface_url.clone()),
            publish_status: Some(r.publish),
            version: Some(r.version),
            version_type: with_crop.then_some(if r.main {
                VersionType::Main
            } else {
                VersionType::NonMain
            }),
            crop_url: (with_crop && r.status == PlaybackStatus::Ready).then(|| {
                format!(
                    "{}/web/playback/crop?classid={}&version={}",
                    self.base_url, r.room_id, r.version
                )
            }),
        }
    }

    fn whitelist_page(
        &self,
        ids: Option<&BTreeSet<i64>>,
        page: Option<i64>,
        size: Option<i64>,
    ) -> WhitelistPage {
        let users: Vec<WhitelistUser> = ids
            .into_iter()
            .flatten()
            .filter_map(|id| self.users.get(id).cloned())
            .collect();
        WhitelistPage {
            total: count(users.len()),
            list: page_of(&users, page.unwrap_or(1), size.unwrap_or(20)),
        }
    }

    fn check_users(&self, ids: &[i64]) -> Result<(), Refusal> {
        match ids.iter().find(|id| !self.users.contains_key(id)) {
            Some(id) => Err(Refusal::general(format!("用户{id}不存在"))),
            None => Ok(()),
        }
    }

    /// Creates cropped versions of a playback, one per `(start, end, name)`.
    fn crop(&mut self, of: usize, pieces: &[(i64, i64, String)]) -> CroppedVideoList {
        let Some(source) = self.rows.get(of).cloned() else {
            return CroppedVideoList {
                total: Some(0),
                list: Vec::new(),
            };
        };
        let mut version = self
            .rows_of(source.room_id, source.session_id)
            .map(|r| r.version)
            .max()
            .unwrap_or(0);
        let mut list = Vec::new();
        for (start, end, name) in pieces {
            version += 1;
            let mut row = source.clone();
            row.id = self.next_id;
            self.next_id += 1;
            row.video_id = self.next_video_id;
            self.next_video_id += 1;
            row.version = version;
            row.main = false;
            row.name = name.clone();
            row.length = end - start;
            row.total_size = row.length * 35_000;
            row.transcode_size = row.length * 120_000;
            row.play_times = 0;
            list.push(CroppedVideo {
                video_id: row.video_id,
                room_id: row.room_id,
                session_id: Some(row.session_id),
                version,
            });
            self.rows.push(row);
        }
        CroppedVideoList {
            total: Some(count(list.len())),
            list,
        }
    }

    /// The play records of a window that must lie within one day (APIs 6 and 37).
    fn window(start: &DateTime, end: &DateTime) -> Result<(), Refusal> {
        if end < start {
            return Err(Refusal::new(
                ErrorCode::InvalidParameter,
                "参数错误: end_time 早于 start_time",
            ));
        }
        Ok(())
    }

    /// The transcode callback URL set with API `set_transcode_callback_url`.
    pub(crate) fn callback_url(&self) -> Option<&str> {
        self.callback_url.as_deref()
    }
}

impl Service for State {
    fn get_basic_info(
        &mut self,
        request: crate::playback::GetBasicInfoRequest,
    ) -> Result<BasicInfo, Refusal> {
        self.room(request.room_id)?;
        let Some(r) = self.main_row(request.room_id, request.session_id.unwrap_or(0)) else {
            return Ok(BasicInfo {
                status: PlaybackStatus::NotRecorded,
                video_id: None,
                name: None,
                length: None,
                total_size: None,
                total_transcode_size: None,
                total_ext_media_size: None,
                preface_url: None,
                publish_status: None,
                create_time: None,
            });
        };
        Ok(BasicInfo {
            status: r.status,
            video_id: Some(r.video_id),
            name: Some(r.name.clone()),
            length: Some(r.length),
            total_size: Some(r.total_size),
            total_transcode_size: Some(r.transcode_size),
            total_ext_media_size: Some(r.ext_media_size),
            preface_url: Some(r.preface_url.clone()),
            publish_status: Some(r.publish),
            create_time: Some(r.created.clone()),
        })
    }

    fn get_list(
        &mut self,
        request: crate::playback::GetListRequest,
    ) -> Result<PlaybackPage, Refusal> {
        if let Some(room) = request.room_id {
            self.room(room)?;
        }
        let with_crops = request.crop_video.unwrap_or(false);
        let mut rows: Vec<&Row> = self
            .rows
            .iter()
            .filter(|r| self.rooms.get(&r.room_id).is_some_and(|room| !room.deleted))
            .filter(|r| {
                request.product_type == ProductType::Unspecified
                    || self
                        .rooms
                        .get(&r.room_id)
                        .is_some_and(|room| room.product == request.product_type)
            })
            .filter(|r| request.room_id.is_none_or(|id| id == r.room_id))
            .filter(|r| with_crops || r.version == 0)
            .collect();
        rows.sort_by(|a, b| b.created.cmp(&a.created).then(a.id.cmp(&b.id)));
        let list: Vec<Playback> = page_of(&rows, request.page, request.page_size)
            .into_iter()
            .map(|r| self.playback_record(r, false))
            .collect();
        Ok(PlaybackPage {
            total: count(rows.len()),
            list,
        })
    }

    fn get_session_list(
        &mut self,
        request: crate::playback::GetSessionListRequest,
    ) -> Result<SessionPlaybackList, Refusal> {
        self.room(request.room_id)?;
        let list: Vec<SessionPlayback> = self
            .rows
            .iter()
            .filter(|r| r.room_id == request.room_id && r.session_id != 0 && r.version == 0)
            .map(|r| SessionPlayback {
                session_id: r.session_id,
                video_id: r.video_id,
                name: Some(r.name.clone()),
                status: r.status,
                publish_status: Some(r.publish),
                length: Some(r.length),
                total_transcode_size: Some(r.transcode_size),
                preface_url: Some(r.preface_url.clone()),
                play_url: Some(self.play_url(r)),
                create_time: Some(r.created.clone()),
            })
            .collect();
        Ok(SessionPlaybackList {
            total: Some(count(list.len())),
            list,
        })
    }

    fn set_publish_status(
        &mut self,
        request: crate::playback::SetPublishStatusRequest,
    ) -> Result<PublishStatusResult, Refusal> {
        self.playback(request.room_id, request.session_id, None)?;
        let session = request.session_id.unwrap_or(0);
        for r in self
            .rows
            .iter_mut()
            .filter(|r| r.room_id == request.room_id && r.session_id == session)
        {
            r.publish = request.status;
        }
        Ok(PublishStatusResult {
            status: request.status,
        })
    }

    fn delete_playback(
        &mut self,
        request: crate::playback::DeletePlaybackRequest,
    ) -> Result<(), Refusal> {
        self.room(request.room_id)?;
        let session = request.session_id.unwrap_or(0);
        let before = self.rows.len();
        self.rows.retain(|r| {
            !(r.room_id == request.room_id
                && r.session_id == session
                && request.version.is_none_or(|v| v == r.version))
        });
        if self.rows.len() == before {
            return Err(Refusal::general("回放不存在"));
        }
        // Deleting the main version makes the original main again, if it is left.
        if self.main_row(request.room_id, session).is_none()
            && let Some(i) = self.row_index(request.room_id, session, Some(0))
            && let Some(r) = self.rows.get_mut(i)
        {
            r.main = true;
        }
        Ok(())
    }

    fn update_playback(
        &mut self,
        request: crate::playback::UpdatePlaybackRequest,
    ) -> Result<(), Refusal> {
        let i = self.playback(request.room_id, request.session_id, None)?;
        if request.name.trim().is_empty() {
            return Err(Refusal::new(
                ErrorCode::InvalidParameter,
                "参数错误: name 不能为空",
            ));
        }
        if let Some(r) = self.rows.get_mut(i) {
            r.name = request.name.clone();
            if let Some(file) = &request.preface {
                r.preface_url = format!(
                    "https://img.example-cdn.com/playback/{}_{}",
                    r.video_id,
                    file.file_name()
                );
            }
        }
        Ok(())
    }

    fn get_crop_list(
        &mut self,
        request: crate::playback::GetCropListRequest,
    ) -> Result<PlaybackPage, Refusal> {
        self.room(request.room_id)?;
        let rows: Vec<&Row> = self
            .rows_of(request.room_id, request.session_id.unwrap_or(0))
            .collect();
        let list = page_of(
            &rows,
            request.page.unwrap_or(1),
            request.page_size.unwrap_or(100),
        )
        .into_iter()
        .map(|r| {
            let mut p = self.playback_record(r, true);
            p.playback_id = None;
            p
        })
        .collect();
        Ok(PlaybackPage {
            total: count(rows.len()),
            list,
        })
    }

    fn set_main_version(
        &mut self,
        request: crate::playback::SetMainVersionRequest,
    ) -> Result<(), Refusal> {
        let i = self.playback(request.room_id, request.session_id, Some(request.version))?;
        let session = request.session_id.unwrap_or(0);
        for r in self
            .rows
            .iter_mut()
            .filter(|r| r.room_id == request.room_id && r.session_id == session)
        {
            r.main = false;
        }
        if let Some(r) = self.rows.get_mut(i) {
            r.main = true;
        }
        Ok(())
    }

    fn replace_playback(
        &mut self,
        request: crate::playback::ReplacePlaybackRequest,
    ) -> Result<(), Refusal> {
        let source = self.playback(
            request.source_room_id,
            request.source_session_id,
            request.source_version,
        )?;
        self.room(request.target_room_id)?;
        let target_session = request.target_session_id.unwrap_or(0);
        let target = self.row_index(
            request.target_room_id,
            target_session,
            request.target_version,
        );
        let Some(src) = self.rows.get(source).cloned() else {
            return Err(Refusal::general("源回放不存在"));
        };
        let make_main = request.is_replace_main.unwrap_or(true);
        match (request.type_, target) {
            (ReplaceType::Replace, None) => Err(Refusal::general("目标回放不存在")),
            (ReplaceType::Add, Some(_)) => Err(Refusal::general("目标回放已存在")),
            (ReplaceType::Replace, Some(t)) => {
                if make_main {
                    for r in self.rows.iter_mut().filter(|r| {
                        r.room_id == request.target_room_id && r.session_id == target_session
                    }) {
                        r.main = false;
                    }
                }
                if let Some(r) = self.rows.get_mut(t) {
                    r.video_id = src.video_id;
                    r.length = src.length;
                    r.total_size = src.total_size;
                    r.transcode_size = src.transcode_size;
                    r.status = src.status;
                    r.main = r.main || make_main;
                }
                Ok(())
            }
            (ReplaceType::Add, None) => {
                let mut row = src;
                row.id = self.next_id;
                self.next_id += 1;
                row.room_id = request.target_room_id;
                row.session_id = target_session;
                row.version = request.target_version.unwrap_or(0);
                row.main = true;
                row.play_times = 0;
                self.rows.push(row);
                Ok(())
            }
            (other, _) => Err(Refusal::new(
                ErrorCode::InvalidParameter,
                format!("参数错误: type {}", i64::from(other)),
            )),
        }
    }

    fn replace_playback_by_video(
        &mut self,
        request: crate::playback::ReplacePlaybackByVideoRequest,
    ) -> Result<(), Refusal> {
        if request.video_id != seed::VOD_VIDEO_ID {
            return Err(Refusal::general(format!(
                "点播视频{}不存在",
                request.video_id
            )));
        }
        let t = self
            .playback(
                request.target_room_id,
                request.target_session_id,
                request.target_version,
            )
            .map_err(|e| {
                if e.code == 1 {
                    Refusal::general("目标回放不存在，请先用API 14新增回放")
                } else {
                    e
                }
            })?;
        if let Some(r) = self.rows.get_mut(t) {
            r.video_id = request.video_id;
            r.status = PlaybackStatus::Transcoding;
        }
        Ok(())
    }

    fn get_record_time_node(
        &mut self,
        request: crate::playback::GetRecordTimeNodeRequest,
    ) -> Result<RecordTimeNodes, Refusal> {
        self.room(request.room_id)?;
        let key = (request.room_id, request.session_id.unwrap_or(0));
        Ok(RecordTimeNodes {
            time_node: self.time_nodes.get(&key).cloned().unwrap_or_default(),
        })
    }

    fn get_player_token(
        &mut self,
        request: crate::token::GetPlayerTokenRequest,
    ) -> Result<PlayerToken, Refusal> {
        let i = self.playback(request.room_id, request.session_id, None)?;
        let video_id = self.rows.get(i).map_or(0, |r| r.video_id);
        if request.expires_in < 0 {
            return Err(Refusal::new(
                ErrorCode::InvalidParameter,
                "参数错误: expires_in",
            ));
        }
        Ok(PlayerToken {
            video_id,
            token: self.token(
                request.room_id,
                request.session_id.unwrap_or(0),
                &request.expires_in.to_string(),
            ),
        })
    }

    fn get_player_token_batch(
        &mut self,
        request: crate::token::GetPlayerTokenBatchRequest,
    ) -> Result<BTreeMap<PlaybackRef, String>, Refusal> {
        let expires = request.expires_in.to_string();
        Ok(request
            .room_ids
            .iter()
            .filter(|r| {
                self.room(r.room_id).is_ok()
                    && self
                        .main_row(r.room_id, r.session_id.unwrap_or(0))
                        .is_some()
            })
            .map(|r| {
                (
                    *r,
                    self.token(r.room_id, r.session_id.unwrap_or(0), &expires),
                )
            })
            .collect())
    }

    fn get_limited_token(
        &mut self,
        request: crate::token::GetLimitedTokenRequest,
    ) -> Result<LimitedToken, Refusal> {
        self.playback(request.room_id, request.session_id, None)?;
        self.limited_tokens += 1;
        Ok(LimitedToken {
            limited_token: hex(&[
                "limited",
                &request.room_id.to_string(),
                &self.limited_tokens.to_string(),
            ]),
        })
    }

    fn get_playback_play_record(
        &mut self,
        request: crate::play_record::GetPlaybackPlayRecordRequest,
    ) -> Result<PlayRecordPage, Refusal> {
        self.room(request.room_id)?;
        Self::window(&request.start_time, &request.end_time)?;
        if request.start_time.date() != request.end_time.date() {
            return Err(Refusal::new(
                ErrorCode::InvalidParameter,
                "参数错误: 查询时间不能跨天",
            ));
        }
        let session = request.session_id.unwrap_or(0);
        let version = match request.version {
            Some(v) => v,
            None => self
                .main_row(request.room_id, session)
                .map_or(0, |r| r.version),
        };
        let records = self
            .plays_between(&request.start_time, &request.end_time)
            .filter(|p| {
                p.room_id == request.room_id && p.session_id == session && p.version == version
            })
            .filter(|p| {
                request
                    .user_number
                    .is_none_or(|u| p.record.user_number == Some(u))
            })
            .map(|p| PlayRecord {
                date: None,
                ..p.record.clone()
            })
            .collect();
        Ok(record_page(records, request.page, request.page_size, 100))
    }

    fn get_partner_playback_play_record(
        &mut self,
        request: crate::play_record::GetPartnerPlaybackPlayRecordRequest,
    ) -> Result<PlayRecordPage, Refusal> {
        Self::window(&request.start_time, &request.end_time)?;
        let records = self
            .plays_between(&request.start_time, &request.end_time)
            .map(|p| PlayRecord {
                uuid: Some(format!("uuid-{}", p.record.guid.to_lowercase())),
                ..p.record.clone()
            })
            .collect();
        Ok(record_page(records, request.page, request.page_size, 1000))
    }

    fn get_playback_ppt_url_list(
        &mut self,
        request: crate::courseware::GetPlaybackPptUrlListRequest,
    ) -> Result<PptUrlList, Refusal> {
        let room = self.room(request.room_id)?.long_term;
        if room && request.date.is_none() {
            return Err(Refusal::new(
                ErrorCode::InvalidParameter,
                "参数错误: 长期房间需要填写 date",
            ));
        }
        let list: Vec<PptUrl> = self
            .rows
            .iter()
            .filter(|r| r.room_id == request.room_id && r.status == PlaybackStatus::Ready)
            .filter(|r| request.date.is_none_or(|d| r.created.date() == d))
            .map(|r| self.ppt(r))
            .collect();
        Ok(PptUrlList {
            total: Some(count(list.len())),
            list,
        })
    }

    fn get_playback_ppt_url(
        &mut self,
        request: crate::courseware::GetPlaybackPptUrlRequest,
    ) -> Result<PptUrlList, Refusal> {
        self.room(request.room_id)?;
        let list: Vec<PptUrl> = self
            .rows_of(request.room_id, request.session_id.unwrap_or(0))
            .filter(|r| r.main && r.status == PlaybackStatus::Ready)
            .map(|r| self.ppt(r))
            .collect();
        Ok(PptUrlList {
            total: Some(count(list.len())),
            list,
        })
    }

    fn generate_courseware(
        &mut self,
        request: crate::courseware::GenerateCoursewareRequest,
    ) -> Result<CoursewareGeneration, Refusal> {
        self.playback(request.room_id, request.session_id, None)?;
        let calls = self
            .courseware_calls
            .entry((request.room_id, request.session_id.unwrap_or(0)))
            .or_insert(0);
        *calls = calls.saturating_add(1);
        let (status, msg) = match *calls {
            1 => (CoursewareStatus::Preparing, "准备中"),
            2 => (CoursewareStatus::InProgress, "进行中"),
            _ => (CoursewareStatus::Done, "完成"),
        };
        Ok(CoursewareGeneration {
            status,
            status_msg: Some(msg.into()),
        })
    }

    fn get_courseware_data(
        &mut self,
        request: crate::courseware::GetCoursewareDataRequest,
    ) -> Result<CoursewarePageList, Refusal> {
        let i = self.playback(request.room_id, request.session_id, None)?;
        if self
            .rooms
            .get(&request.room_id)
            .is_some_and(|r| r.product != ProductType::LargeClass)
        {
            return Err(Refusal::general("仅支持大班课班型回放"));
        }
        let video = self.rows.get(i).map_or(0, |r| r.video_id);
        let doc = CoursewareDoc {
            id: format!("{}", 1_572_000 + video % 1000),
            name: Some("课件.pptx".into()),
            total_pages: Some(3),
            is_doc: Some(true),
            is_h5_doc: Some(false),
            number: Some(format!("{}", 1_572_000 + video % 1000)),
            url: Some(String::new()),
            url_prefix: Some(format!("https://img.example-cdn.com/doc/{video}")),
            ppt_url: Some(String::new()),
        };
        Ok(CoursewarePageList {
            list: (0..3)
                .map(|p| CoursewarePage {
                    page: Some(p),
                    time: Some(p * 180_503),
                    doc: Some(doc.clone()),
                })
                .collect(),
        })
    }

    fn record_video(
        &mut self,
        request: crate::pure_video::RecordVideoRequest,
    ) -> Result<(), Refusal> {
        let i = self.playback(request.room_id, request.session_id, request.version)?;
        if self
            .rooms
            .get(&request.room_id)
            .is_some_and(|r| r.product != ProductType::LargeClass)
        {
            return Err(Refusal::general("该接口只能用于大班课生成纯视频"));
        }
        let Some(r) = self.rows.get(i) else {
            return Err(Refusal::general("回放不存在"));
        };
        let key = (r.room_id, r.session_id, r.version);
        let url = format!("https://video.example-cdn.com/pure/{}.mp4", r.video_id);
        self.pure_videos.insert(key, url);
        Ok(())
    }

    fn record_room_video(
        &mut self,
        request: crate::pure_video::RecordRoomVideoRequest,
    ) -> Result<RecordRoomVideoResult, Refusal> {
        if self.room(request.room_id)?.product != ProductType::LargeClass {
            return Err(Refusal::general("该接口只能用于大班课生成纯视频"));
        }
        let todo: Vec<(Key, i64)> = self
            .rows
            .iter()
            .filter(|r| r.room_id == request.room_id && r.version == 0 && r.main)
            .map(|r| ((r.room_id, r.session_id, r.version), r.video_id))
            .filter(|(k, _)| !self.pure_videos.contains_key(k))
            .collect();
        let mut success_fids = Vec::new();
        for (key, video) in todo {
            self.pure_videos.insert(
                key,
                format!("https://video.example-cdn.com/pure/{video}.mp4"),
            );
            success_fids.push(video.to_string());
        }
        Ok(RecordRoomVideoResult { success_fids })
    }

    fn get_record_video_url(
        &mut self,
        request: crate::pure_video::GetRecordVideoUrlRequest,
    ) -> Result<RecordVideoUrl, Refusal> {
        let i = self.playback(request.room_id, request.session_id, request.version)?;
        let key = self
            .rows
            .get(i)
            .map(|r| (r.room_id, r.session_id, r.version));
        match key.and_then(|k| self.pure_videos.get(&k)) {
            Some(url) => Ok(RecordVideoUrl {
                url: format!("{url}?t=65a00000&sign={}", hex(&[url])),
            }),
            None => Err(Refusal::general("纯视频未生成")),
        }
    }

    fn create_mixed_playback_video(
        &mut self,
        request: crate::pure_video::CreateMixedPlaybackVideoRequest,
    ) -> Result<MixedPlaybackVideo, Refusal> {
        if request.mixed_playback_id != seed::MIXED_PLAYBACK_ID {
            return Err(Refusal::general(format!(
                "合并回放{}不存在",
                request.mixed_playback_id
            )));
        }
        self.mixed_created.insert(request.mixed_playback_id);
        Ok(MixedPlaybackVideo {
            mixed_playback_id: request.mixed_playback_id,
        })
    }

    fn get_mixed_playback_video_info(
        &mut self,
        request: crate::pure_video::GetMixedPlaybackVideoInfoRequest,
    ) -> Result<MixedVideoInfo, Refusal> {
        if !self.mixed_created.contains(&request.mixed_playback_id) {
            return Err(Refusal::general("合并回放转纯视频任务不存在"));
        }
        let fid = 305_550_000 + request.mixed_playback_id;
        Ok(MixedVideoInfo {
            play_info: BTreeMap::from([(
                "720p".to_owned(),
                MixedVideoFile {
                    duration: Some(1858),
                    height: Some(720),
                    width: Some(1280),
                    size: Some(95_119_429),
                    url: format!("https://video.example-cdn.com/mixed/{fid}.mp4"),
                },
            )]),
            fid: fid.to_string(),
        })
    }

    fn crop_by_segment(
        &mut self,
        request: crate::editing::CropBySegmentRequest,
    ) -> Result<CroppedVideoList, Refusal> {
        let i = self.playback(request.room_id, request.session_id, Some(0))?;
        if request.length_per_segment <= 0 {
            return Err(Refusal::new(
                ErrorCode::InvalidParameter,
                "参数错误: length_per_segment",
            ));
        }
        let length = self.rows.get(i).map_or(0, |r| r.length);
        let name = self.rows.get(i).map(|r| r.name.clone()).unwrap_or_default();
        let pieces: Vec<(i64, i64, String)> = (0..)
            .map(|k| k * request.length_per_segment)
            .take_while(|start| *start < length)
            .enumerate()
            .map(|(k, start)| {
                (
                    start,
                    (start + request.length_per_segment).min(length),
                    format!("{name}_分段{}", k + 1),
                )
            })
            .collect();
        Ok(self.crop(i, &pieces))
    }

    fn batch_crop(
        &mut self,
        request: crate::editing::BatchCropRequest,
    ) -> Result<CroppedVideoList, Refusal> {
        let i = self.playback(request.room_id, request.session_id, Some(0))?;
        let length = self.rows.get(i).map_or(0, |r| r.length);
        if request.crop_info.is_empty() {
            return Err(Refusal::new(
                ErrorCode::InvalidParameter,
                "参数错误: crop_info 为空",
            ));
        }
        for c in &request.crop_info {
            if c.start_time < 0 || c.end_time <= c.start_time || c.end_time > length {
                return Err(Refusal::new(
                    ErrorCode::InvalidParameter,
                    format!("参数错误: 裁剪区间 {}-{} 无效", c.start_time, c.end_time),
                ));
            }
        }
        let pieces: Vec<(i64, i64, String)> = request
            .crop_info
            .iter()
            .map(|c| (c.start_time, c.end_time, c.name.clone()))
            .collect();
        Ok(self.crop(i, &pieces))
    }

    fn get_mark_list(
        &mut self,
        request: crate::editing::GetMarkListRequest,
    ) -> Result<MarkList, Refusal> {
        self.room(request.room_id)?;
        let key = (
            request.room_id,
            request.session_id.unwrap_or(0),
            request.version.unwrap_or(0),
        );
        Ok(MarkList {
            list: self.marks.get(&key).cloned().unwrap_or_default(),
        })
    }

    fn set_mark(&mut self, request: crate::editing::SetMarkRequest) -> Result<(), Refusal> {
        self.playback(
            request.room_id,
            request.session_id,
            request.version.or(Some(0)),
        )?;
        let key = (
            request.room_id,
            request.session_id.unwrap_or(0),
            request.version.unwrap_or(0),
        );
        self.marks
            .insert(key, request.content.clone().unwrap_or_default());
        Ok(())
    }

    fn delete_chat(&mut self, request: crate::editing::DeleteChatRequest) -> Result<(), Refusal> {
        self.playback(
            request.room_id,
            request.session_id,
            request.version.or(Some(0)),
        )?;
        let by_time = request.delete_start_time.is_some() && request.delete_end_time.is_some();
        if !by_time && request.delete_user_number.is_none() && request.delete_json.is_none() {
            return Err(Refusal::new(
                ErrorCode::InvalidParameter,
                "参数错误: 删除时间和删除用户，删除json数组三个参数必须传递其一",
            ));
        }
        self.chat_deletions += 1;
        Ok(())
    }

    fn add_session_whitelist(
        &mut self,
        request: crate::whitelist::AddSessionWhitelistRequest,
    ) -> Result<(), Refusal> {
        if !self.room(request.room_id)?.long_term {
            return Err(Refusal::new(
                ErrorCode::InvalidParameter,
                "无单独设置白名单权限",
            ));
        }
        self.playback(request.room_id, Some(request.session_id), None)?;
        self.check_users(&request.user_ids)?;
        self.session_whitelist
            .entry((request.room_id, request.session_id))
            .or_default()
            .extend(request.user_ids.iter().copied());
        Ok(())
    }

    fn delete_session_whitelist(
        &mut self,
        request: crate::whitelist::DeleteSessionWhitelistRequest,
    ) -> Result<(), Refusal> {
        if !self.room(request.room_id)?.long_term {
            return Err(Refusal::new(
                ErrorCode::InvalidParameter,
                "无单独设置白名单权限",
            ));
        }
        let list = self
            .session_whitelist
            .entry((request.room_id, request.session_id))
            .or_default();
        if let Some(missing) = request.user_ids.iter().find(|id| !list.contains(id)) {
            return Err(Refusal::general(format!("成员{missing}不存在")));
        }
        for id in &request.user_ids {
            list.remove(id);
        }
        Ok(())
    }

    fn get_session_whitelist(
        &mut self,
        request: crate::whitelist::GetSessionWhitelistRequest,
    ) -> Result<WhitelistPage, Refusal> {
        self.room(request.room_id)?;
        let ids = self
            .session_whitelist
            .get(&(request.room_id, request.session_id));
        Ok(self.whitelist_page(ids, request.page, request.page_size))
    }

    fn add_room_whitelist(
        &mut self,
        request: crate::whitelist::AddRoomWhitelistRequest,
    ) -> Result<(), Refusal> {
        self.room(request.room_id)?;
        self.check_users(&request.user_ids)?;
        self.room_whitelist
            .entry(request.room_id)
            .or_default()
            .extend(request.user_ids.iter().copied());
        Ok(())
    }

    fn get_room_whitelist(
        &mut self,
        request: crate::whitelist::GetRoomWhitelistRequest,
    ) -> Result<WhitelistPage, Refusal> {
        self.room(request.room_id)?;
        let ids = self.room_whitelist.get(&request.room_id);
        Ok(self.whitelist_page(ids, request.page, request.page_size))
    }

    fn delete_room_whitelist(
        &mut self,
        request: crate::whitelist::DeleteRoomWhitelistRequest,
    ) -> Result<(), Refusal> {
        self.room(request.room_id)?;
        let list = self.room_whitelist.entry(request.room_id).or_default();
        if let Some(missing) = request.user_ids.iter().find(|id| !list.contains(id)) {
            return Err(Refusal::general(format!("成员{missing}不存在")));
        }
        for id in &request.user_ids {
            list.remove(id);
        }
        Ok(())
    }

    fn get_valid_day(
        &mut self,
        request: crate::validity::GetValidDayRequest,
    ) -> Result<ValidDays, Refusal> {
        let product = request.product_type.map_or(1, i64::from);
        let Some(ids) = &request.video_ids else {
            return Ok(ValidDays {
                partner_valid_day: Some(
                    self.product_valid_days.get(&product).copied().unwrap_or(0),
                ),
                list: Some(BTreeMap::new()),
                expire_time_list: Some(BTreeMap::new()),
            });
        };
        Ok(ValidDays {
            partner_valid_day: Some(self.product_valid_days.get(&product).copied().unwrap_or(0)),
            list: Some(
                ids.iter()
                    .filter_map(|id| self.video_valid_days.get(id).map(|d| (*id, *d)))
                    .collect(),
            ),
            expire_time_list: Some(
                ids.iter()
                    .filter_map(|id| self.video_expiry.get(id).map(|t| (*id, t.clone())))
                    .collect(),
            ),
        })
    }

    fn set_valid_day(
        &mut self,
        request: crate::validity::SetValidDayRequest,
    ) -> Result<(), Refusal> {
        if request.valid_day < 0 {
            return Err(Refusal::new(
                ErrorCode::InvalidParameter,
                "参数错误: valid_day",
            ));
        }
        match &request.video_ids {
            Some(ids) => {
                if let Some(id) = ids
                    .iter()
                    .find(|id| !self.rows.iter().any(|r| r.video_id == **id))
                {
                    return Err(Refusal::general(format!("回放视频{id}不存在")));
                }
                for id in ids {
                    self.video_valid_days.insert(*id, request.valid_day);
                    self.video_expiry.remove(id);
                }
            }
            None => {
                let product = request.product_type.map_or(1, i64::from);
                self.product_valid_days.insert(product, request.valid_day);
            }
        }
        Ok(())
    }

    fn batch_set_expire_time(
        &mut self,
        request: crate::validity::BatchSetExpireTimeRequest,
    ) -> Result<ExpireResult, Refusal> {
        let mut success_list = Vec::new();
        for setting in &request.data {
            if self.rows.iter().any(|r| r.video_id == setting.video_id) {
                self.video_expiry
                    .insert(setting.video_id, setting.expire_time.clone());
                self.video_valid_days.remove(&setting.video_id);
                success_list.push(setting.video_id);
            }
        }
        Ok(ExpireResult { success_list })
    }

    fn set_transcode_callback_url(
        &mut self,
        request: crate::callback_url::SetTranscodeCallbackUrlRequest,
    ) -> Result<CallbackUrl, Refusal> {
        if !(request.url.starts_with("http://") || request.url.starts_with("https://")) {
            return Err(Refusal::new(
                ErrorCode::InvalidParameter,
                "参数错误: 回调地址必须是http(s)://开头",
            ));
        }
        self.callback_url = Some(request.url.clone());
        Ok(CallbackUrl {
            url: Some(request.url),
        })
    }

    fn get_transcode_callback_url(
        &mut self,
        _request: crate::callback_url::GetTranscodeCallbackUrlRequest,
    ) -> Result<CallbackUrl, Refusal> {
        Ok(CallbackUrl {
            url: self.callback_url.clone(),
        })
    }
}

impl State {
    fn ppt(&self, r: &Row) -> PptUrl {
        PptUrl {
            room_id: r.room_id,
            session_id: Some(r.session_id),
            version: Some(r.version),
            version_type: Some(if r.main {
                VersionType::Main
            } else {
                VersionType::NonMain
            }),
            ppt_url: format!(
                "https://img.example-cdn.com/playback_ppt/{}_{}.pdf",
                r.room_id, r.session_id
            ),
        }
    }
}
