//! The generated account ([`crate::MockServerBuilder::rooms`]); what it holds is described in
//! [`crate::account`].

use baijiayun::types::{PlaybackStatus, ProductType, PublishStatus, RoomId, SessionId};

use crate::state::{NO_SESSION, State};

const DAY: i64 = 86_400;

/// The statuses of rooms 0 to 4, so that a small account has each.
const STATUSES: [PlaybackStatus; 5] = [
    PlaybackStatus::Ready,
    PlaybackStatus::NotRecorded,
    PlaybackStatus::Recording,
    PlaybackStatus::Transcoding,
    PlaybackStatus::Failed,
];

/// The product line of room `i`: large classes most, every line among any ten rooms.
fn product(i: usize) -> ProductType {
    match i % 10 {
        5 | 6 => ProductType::SmallClass,
        7 => ProductType::DualTeacher,
        8 => ProductType::Enterprise,
        _ => ProductType::LargeClass,
    }
}

impl State {
    /// The generated account of `rooms` rooms for `seed`, with the fake's clock at `now` (unix
    /// seconds).
    pub(crate) fn generated(base_url: &str, rooms: usize, seed: u64, now: i64) -> State {
        let mut s = State::empty(base_url, now);
        s.seed_users();
        let mut rng = fastrand::Rng::with_seed(seed);
        for i in 0..rooms {
            s.generate_room(&mut rng, i);
        }
        s.sort_rows();
        s.generate_plays(&mut rng);
        s
    }

    fn generate_room(&mut self, rng: &mut fastrand::Rng, i: usize) {
        let id = RoomId(crate::account::FIRST_ROOM + i64::try_from(i).unwrap_or(i64::MAX));
        let long_term = i % 8 == 3;
        self.add_room(id, product(i), long_term);
        if i % 50 == 49 {
            return;
        }
        if i % 97 == 96
            && let Some(room) = self.rooms.get_mut(&id)
        {
            room.deleted = true;
        }
        let sessions = if long_term { rng.usize(2..=5) } else { 1 };
        let mut created = self.now - rng.i64(DAY..90 * DAY);
        for k in 0..sessions {
            let session = match long_term {
                true => SessionId(created / DAY * 100 + i64::try_from(k).unwrap_or(0)),
                false => NO_SESSION,
            };
            let status = match STATUSES.get(i) {
                Some(s) if k == 0 => *s,
                _ => random_status(rng),
            };
            let name = match long_term {
                true => format!("课程{i} 第{}讲", k + 1),
                false => format!("课程{i}"),
            };
            let length = match status {
                PlaybackStatus::Ready | PlaybackStatus::Transcoding => rng.i64(600..7200),
                _ => 0,
            };
            let mut row = self.new_row(id, session, &name, status, created, length);
            if i == 5 || rng.u8(0..8) == 0 {
                row.publish = PublishStatus::Blocked;
            }
            let crops = match status {
                PlaybackStatus::Ready if i == 0 => 2,
                PlaybackStatus::Ready if rng.u8(0..5) == 0 => rng.i64(1..=2),
                _ => 0,
            };
            for v in 1..=crops {
                let at = (created + v * 3600).min(self.now);
                let crop = self.new_version(
                    &row,
                    v,
                    &format!("{name}_副本{v}"),
                    (length / (v + 1)).max(60),
                    at,
                );
                self.rows.push(crop);
            }
            self.rows.push(row);
            created = (created + rng.i64(DAY..7 * DAY)).min(self.now - 3600);
        }
    }

    /// Plays over the last 30 days on ready playbacks created before them (0 to 3 each), recorded
    /// in the order they began.
    fn generate_plays(&mut self, rng: &mut fastrand::Rng) {
        let since = self.now - 30 * DAY;
        let mut plays: Vec<(i64, usize, i64)> = Vec::new();
        for (at, r) in self.rows.iter().enumerate() {
            if r.status != PlaybackStatus::Ready || r.created >= self.now - 60 {
                continue;
            }
            let from = r.created.max(since);
            for _ in 0..rng.u8(0..=3) {
                let begin = rng.i64(from..self.now - 60);
                plays.push((begin, at, rng.i64(30..=r.length.max(31))));
            }
        }
        plays.sort_unstable();
        for (begin, at, length) in plays {
            let Some(r) = self.rows.get_mut(at) else {
                continue;
            };
            r.play_times += 1;
            let (key, video) = ((r.room_id, r.session_id, r.version), r.video_id);
            let pause = rng.i64(0..=600);
            self.add_play(key, video, begin, length, length + pause);
        }
    }
}

/// Mostly ready; now and then any other status.
fn random_status(rng: &mut fastrand::Rng) -> PlaybackStatus {
    match rng.u8(0..100) {
        0..3 => PlaybackStatus::NotRecorded,
        3..6 => PlaybackStatus::Recording,
        6..11 => PlaybackStatus::Transcoding,
        11..15 => PlaybackStatus::Failed,
        _ => PlaybackStatus::Ready,
    }
}

/// What a fake starts from, and starts again from on [`crate::MockServer::reset`].
#[derive(Clone, Copy, Debug)]
pub(crate) struct Start {
    /// A generated account of this many rooms; `None`: the seed ([`crate::seed`]).
    pub(crate) rooms: Option<usize>,
    /// The generated account's seed.
    pub(crate) seed: u64,
    /// The fake's clock at the start, unix seconds.
    pub(crate) now: i64,
}

impl Start {
    /// The state to start from; `base_url` is where the fake serves.
    pub(crate) fn state(&self, base_url: &str) -> State {
        match self.rooms {
            None => State::seeded(base_url, self.now),
            Some(rooms) => State::generated(base_url, rooms, self.seed, self.now),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::{Play, Row};

    /// The 20,000-room account of the sync benchmark stays small: its rows and plays, with the
    /// names they hold, in a few megabytes.
    #[test]
    fn a_20_000_room_account_is_compact() {
        let s = State::generated("http://127.0.0.1:1", 20_000, 1, 1_740_000_000);
        let names: usize = s.rows.iter().map(|r| r.name.len()).sum();
        let bytes = s.rows.capacity() * std::mem::size_of::<Row>()
            + s.plays.capacity() * std::mem::size_of::<Play>()
            + names;
        assert!(s.rows.len() > 20_000, "{} rows", s.rows.len());
        assert!(s.plays.len() > 20_000, "{} plays", s.plays.len());
        assert!(bytes < 16 * 1024 * 1024, "{bytes} bytes");
        // The rows are in the list's order.
        assert!(s.rows.windows(2).all(|w| w[0].lists_before(&w[1])));
    }
}
