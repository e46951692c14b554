//! The fake server's state, and the lookups every group's behaviour shares.
//!
//! The state is seeded deterministically ([`super::seed`]) and every write is visible to later
//! reads: publish status, deletes, renames, main versions, crops, replaces, whitelists, validity and
//! expiry, marks, pure-video tasks. The behaviour behind each endpoint is in one file per group of
//! the spec (`state/playback.rs` for `spec/playback.yaml`, ...), each implementing that group's
//! generated service trait.

mod callback_url;
mod courseware;
mod editing;
mod play_record;
mod playback;
mod pure_video;
mod token;
mod validity;
mod whitelist;

use std::collections::{BTreeMap, BTreeSet};

use md5::{Digest, Md5};

use baijiayun::player::PlayerUrl;
use baijiayun::types::*;
use baijiayun::{DateTime, PlaybackRef};

use crate::received::Refusal;
use crate::seed;

/// One version of one playback.
#[derive(Clone, Debug)]
pub(super) struct Row {
    pub(super) id: i64,
    pub(super) room_id: RoomId,
    /// [`NO_SESSION`] for short-term rooms.
    pub(super) session_id: SessionId,
    pub(super) version: i64,
    pub(super) video_id: VideoId,
    pub(super) name: Box<str>,
    pub(super) status: PlaybackStatus,
    pub(super) publish: PublishStatus,
    pub(super) main: bool,
    /// Unix seconds, written as the vendor's text time ([`text_time`]).
    pub(super) created: i64,
    pub(super) length: i64,
    pub(super) total_size: i64,
    pub(super) transcode_size: i64,
    pub(super) ext_media_size: i64,
    pub(super) play_times: i64,
    /// A cover uploaded with `update_playback`; `None` is the default one of the video.
    pub(super) preface: Option<Box<str>>,
}

impl Row {
    /// The cover's URL.
    pub(super) fn preface_url(&self) -> String {
        match &self.preface {
            Some(url) => url.to_string(),
            None => format!("https://img.example-cdn.com/playback/{}.jpg", self.video_id),
        }
    }

    /// Whether `self` comes before `other` in the vendor's list: newest first, then by id.
    pub(super) fn lists_before(&self, other: &Row) -> bool {
        self.created > other.created || (self.created == other.created && self.id < other.id)
    }
}

#[derive(Clone, Debug)]
pub(super) struct Room {
    pub(super) product: ProductType,
    pub(super) long_term: bool,
    pub(super) deleted: bool,
}

/// A play record and the playback it belongs to, kept compact: the record's other fields derive
/// from its number ([`Play::record`]).
#[derive(Clone, Debug)]
pub(super) struct Play {
    pub(super) room_id: RoomId,
    pub(super) session_id: SessionId,
    pub(super) version: i64,
    pub(super) video_id: VideoId,
    /// The play's number in the account: its guid, user, client, IP and area derive from it.
    pub(super) n: u32,
    /// When it began, unix seconds.
    pub(super) begin: i64,
    /// Seconds played.
    pub(super) length: u32,
    /// Seconds from its beginning to its end (what was played, and the pauses).
    pub(super) span: u32,
}

/// The `guid` of play number `n`.
pub(crate) fn guid(n: u32) -> String {
    hex(&["play", &n.to_string()]).to_uppercase()
}

/// The areas plays come from, by the play's number.
const AREAS: [&str; 6] = [
    "北京 北京",
    "安徽 亳州",
    "湖北 武汉",
    "广东 深圳",
    "上海 上海",
    "",
];

impl Play {
    /// The user who played.
    pub(super) fn user_number(&self) -> i64 {
        1_000 + i64::from(self.n) % 40
    }

    /// The play record as API 37 (`get_partner_playback_play_record`) lists it: with `uuid`.
    pub(crate) fn partner_record(&self) -> PlayRecord {
        record!(PlayRecord {
            uuid: Some(format!("uuid-{}", hex(&["play", &self.n.to_string()]))),
            ..self.record()
        })
    }

    /// The play record, as the play-record APIs list it (`date` set; API 6 clears it, API 37 adds
    /// `uuid`).
    pub(super) fn record(&self) -> PlayRecord {
        let n = i64::from(self.n);
        let begin = text_time(self.begin);
        let user = self.user_number();
        record!(PlayRecord {
            guid: guid(self.n),
            uuid: None,
            video_id: self.video_id,
            user_name: Some(format!("学员{user}")),
            user_number: Some(user),
            play_begin_time: Some(begin),
            play_end_time: Some(text_time(self.begin + i64::from(self.span))),
            play_length: Some(i64::from(self.length)),
            client_type: Some(ClientType::from(n % 10)),
            user_ip: Some(format!(
                "10.{}.{}.{}",
                n % 200,
                (n * 7) % 250,
                (n * 13) % 250
            )),
            area: AREAS
                .get(usize::try_from(n).unwrap_or(0) % AREAS.len())
                .map(|a| (*a).to_owned()),
            ext_data: Some(String::new()),
            date: Some(begin.date()),
        })
    }
}

pub(super) type Key = (RoomId, SessionId, i64);

/// The session of a short-term room's playback, as the vendor writes it.
pub(super) const NO_SESSION: SessionId = SessionId(0);

/// Everything the fake server knows.
#[derive(Debug)]
pub(crate) struct State {
    pub(super) base_url: String,
    pub(super) rooms: BTreeMap<RoomId, Room>,
    /// Every playback version, in the vendor's list order: newest first, then by id
    /// ([`Row::lists_before`]); [`State::insert_row`] keeps it so.
    pub(super) rows: Vec<Row>,
    pub(super) next_id: i64,
    pub(super) next_video_id: VideoId,
    /// Every play, in the order they were recorded (late ones last).
    pub(super) plays: Vec<Play>,
    pub(super) next_play: u32,
    /// The fake's clock, unix seconds: what "now" is for new playbacks and plays.
    pub(super) now: i64,
    pub(super) users: BTreeMap<UserId, WhitelistUser>,
    pub(super) room_whitelist: BTreeMap<RoomId, BTreeSet<UserId>>,
    pub(super) session_whitelist: BTreeMap<(RoomId, SessionId), BTreeSet<UserId>>,
    pub(super) product_valid_days: BTreeMap<i64, i64>,
    pub(super) video_valid_days: BTreeMap<VideoId, i64>,
    pub(super) video_expiry: BTreeMap<VideoId, DateTime>,
    pub(super) marks: BTreeMap<Key, Vec<Mark>>,
    pub(super) time_nodes: BTreeMap<(RoomId, SessionId), Vec<RecordTimeNode>>,
    pub(super) courseware_calls: BTreeMap<(RoomId, SessionId), u8>,
    pub(super) pure_videos: BTreeMap<Key, String>,
    pub(super) mixed_created: BTreeSet<i64>,
    pub(super) chat_deletions: u32,
    pub(super) limited_tokens: u64,
    pub(super) callback_url: Option<String>,
}

pub(super) fn hex(parts: &[&str]) -> String {
    let mut md5 = Md5::new();
    for p in parts {
        md5.update(p.as_bytes());
        md5.update(b"\0");
    }
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(32);
    for b in md5.finalize() {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0xf)]));
    }
    out
}

fn page_of<T: Clone>(items: &[T], page: i64, size: i64) -> Vec<T> {
    let size = usize::try_from(size.max(1)).unwrap_or(1);
    let start = usize::try_from(page.max(1) - 1)
        .unwrap_or(0)
        .saturating_mul(size);
    items.iter().skip(start).take(size).cloned().collect()
}

/// One page of play records, as the play-record APIs answer (pages from 1, `default_size` a page):
/// every play is counted, only the page's are written.
fn record_page<'p>(
    plays: impl Iterator<Item = &'p Play>,
    write: impl Fn(&Play) -> PlayRecord,
    page: Option<i64>,
    size: Option<i64>,
    default_size: i64,
) -> PlayRecordPage {
    let (page, size) = (page.unwrap_or(1), size.unwrap_or(default_size));
    let take = usize::try_from(size.max(1)).unwrap_or(1);
    let skip = usize::try_from(page.max(1) - 1)
        .unwrap_or(0)
        .saturating_mul(take);
    let (mut total, mut list) = (0_usize, Vec::new());
    for p in plays {
        if total >= skip && list.len() < take {
            list.push(write(p));
        }
        total += 1;
    }
    record!(PlayRecordPage {
        total: count(total),
        list,
        page: Some(page),
        page_size: Some(size),
    })
}

/// The Beijing time of the unix seconds `unix`, written as text (`YYYY-MM-DD HH:MM:SS`) as the
/// vendor writes times; the unix epoch when out of range.
pub(crate) fn text_time(unix: i64) -> DateTime {
    DateTime::from_unix(unix)
        .and_then(|t| t.date().at(t.hour(), t.minute(), t.second()))
        .or_else(|_| DateTime::new(1970, 1, 1, 8, 0, 0))
        .unwrap_or_else(|_| DateTime::now())
}

pub(super) fn count(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

impl State {
    /// The room, or the vendor's refusal: 3001 for an unknown room, 3002 for a deleted one.
    pub(crate) fn room(&self, id: RoomId) -> Result<&Room, Refusal> {
        match self.rooms.get(&id) {
            None => Err(Refusal::no_room(id)),
            Some(r) if r.deleted => Err(Refusal::new(ErrorCode::RoomDeleted, "该房间已删除")),
            Some(r) => Ok(r),
        }
    }

    /// The plays that began within `[start, end]`.
    pub(super) fn plays_between(
        &self,
        start: &DateTime,
        end: &DateTime,
    ) -> impl Iterator<Item = &Play> + '_ {
        let (start, end) = (start.to_unix(), end.to_unix());
        self.plays
            .iter()
            .filter(move |p| p.begin >= start && p.begin <= end)
    }

    /// Adds `row` where the vendor's list order puts it.
    pub(super) fn insert_row(&mut self, row: Row) -> usize {
        let at = self.rows.partition_point(|r| r.lists_before(&row));
        self.rows.insert(at, row);
        at
    }

    /// Puts the rows in the vendor's list order, after building them in another.
    pub(super) fn sort_rows(&mut self) {
        self.rows
            .sort_by(|a, b| b.created.cmp(&a.created).then(a.id.cmp(&b.id)));
    }

    fn rows_of(&self, room: RoomId, session: SessionId) -> impl Iterator<Item = &Row> {
        self.rows
            .iter()
            .filter(move |r| r.room_id == room && r.session_id == session)
    }

    fn main_row(&self, room: RoomId, session: SessionId) -> Option<&Row> {
        self.rows_of(room, session).find(|r| r.main)
    }

    fn row_index(&self, room: RoomId, session: SessionId, version: Option<i64>) -> Option<usize> {
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
    pub(crate) fn playback(
        &self,
        room: RoomId,
        session: Option<SessionId>,
        version: Option<i64>,
    ) -> Result<usize, Refusal> {
        self.room(room)?;
        self.row_index(room, session.unwrap_or(NO_SESSION), version)
            .ok_or_else(|| Refusal::general("回放不存在"))
    }

    pub(super) fn video_of(
        &self,
        room: RoomId,
        session: SessionId,
        version: i64,
    ) -> Option<VideoId> {
        self.rows_of(room, session)
            .find(|r| r.version == version)
            .map(|r| r.video_id)
    }

    fn token(&self, room: RoomId, session: SessionId, salt: &str) -> String {
        hex(&["token", &room.to_string(), &session.to_string(), salt])
    }

    fn play_url(&self, r: &Row) -> String {
        let url = PlayerUrl::new(self.base_url.clone(), r.room_id).token(self.token(
            r.room_id,
            r.session_id,
            "play",
        ));
        match r.session_id {
            NO_SESSION => url,
            s => url.session_id(s),
        }
        .to_string()
    }

    /// The transcode callback URL set with API `set_transcode_callback_url`.
    pub(crate) fn callback_url(&self) -> Option<&str> {
        self.callback_url.as_deref()
    }
}
