//! What the sync's tests share: a fake account, a database in a temporary directory, and the
//! comparison of that database with the fake's state, row by row.

#![allow(dead_code, reason = "each test binary uses part of the support module")]

use std::collections::BTreeMap;

use baijiayun::Client;
use baijiayun::play_record::GetPartnerPlaybackPlayRecordRequest;
use baijiayun::playback::GetListRequest;
use baijiayun::types::ProductType;
use baijiayun::{Date, DateTime};
use baijiayun_sync::Database;
use sqlx::Row as _;

/// The sync's default play-record lag.
pub(crate) const LAG: std::time::Duration = std::time::Duration::from_secs(600);

/// Today and 30 days before, Beijing time, as a sync with the default lag reads them.
pub(crate) fn days() -> (Date, Date) {
    let today = DateTime::from(std::time::SystemTime::now() - LAG).date();
    let mut since = today;
    for _ in 0..30 {
        let t = since.at(0, 0, 0).expect("midnight").to_unix() - 86_400;
        since = DateTime::from_unix(t).expect("day").date();
    }
    (since, today)
}

/// The database equals the fake, row by row: every playback it lists and the play records of the
/// days the sync reads; `until` is what the runs read play records up to (taken before the last
/// run started).
pub(crate) async fn assert_db_equals_fake(
    db: &Database,
    server: &baijiayun_mock::MockServer,
    until: &str,
) {
    let reader = server
        .client_builder()
        .no_rate_limit()
        .build()
        .expect("client");
    assert_same(
        "playbacks",
        &db_playbacks(db).await,
        &fake_playbacks(&reader).await,
    );
    let (since, today) = days();
    assert_same(
        "play records",
        &db_records(db, since, today, until).await,
        &fake_records(&reader, since, today, until).await,
    );
}

/// The product lines the sync reads.
pub(crate) const PRODUCT_TYPES: [ProductType; 4] = [
    ProductType::LargeClass,
    ProductType::SmallClass,
    ProductType::DualTeacher,
    ProductType::Enterprise,
];

/// A database file in a fresh temporary directory (removed when dropped).
pub(crate) struct TempDb {
    pub(crate) dir: tempfile::TempDir,
    pub(crate) url: String,
}

impl TempDb {
    pub(crate) fn new() -> TempDb {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = format!("sqlite://{}", dir.path().join("sync.db").display());
        TempDb { dir, url }
    }

    pub(crate) async fn open(&self) -> Database {
        Database::open(&self.url).await.expect("open the database")
    }
}

/// One playback as the database holds it, in the columns the schema documents.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct PlaybackCols {
    pub(crate) playback_id: i64,
    pub(crate) product_type: i64,
    pub(crate) room_id: i64,
    pub(crate) session_id: Option<i64>,
    pub(crate) version: i64,
    pub(crate) name: Option<String>,
    pub(crate) status: i64,
    pub(crate) publish_status: Option<i64>,
    pub(crate) video_id: Option<i64>,
    pub(crate) length: Option<i64>,
    pub(crate) create_time: Option<String>,
}

/// One play record as the database holds it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct RecordCols {
    pub(crate) guid: String,
    pub(crate) day: String,
    pub(crate) video_id: i64,
    pub(crate) user_number: Option<i64>,
    pub(crate) play_begin_time: Option<String>,
    pub(crate) play_length: Option<i64>,
    pub(crate) client_type: Option<i64>,
    pub(crate) area: Option<String>,
}

/// The vendor's text form of `now - lag` in Beijing time: what a sync started now has read up to.
pub(crate) fn read_until(lag: std::time::Duration) -> String {
    let t = DateTime::from(std::time::SystemTime::now() - lag);
    text(&Some(t)).unwrap_or_default()
}

fn text(t: &Option<DateTime>) -> Option<String> {
    t.as_ref().map(|t| {
        format!(
            "{} {:02}:{:02}:{:02}",
            t.date(),
            t.hour(),
            t.minute(),
            t.second()
        )
    })
}

/// Every playback the fake serves (each product line, crop versions included), read through the
/// list with a client of its own, keyed by playback id.
pub(crate) async fn fake_playbacks(client: &Client) -> BTreeMap<i64, PlaybackCols> {
    let mut all = BTreeMap::new();
    for pt in PRODUCT_TYPES {
        let mut page = 1;
        loop {
            let list = client
                .execute(&GetListRequest::new(pt, page, 1000).crop_video(true))
                .await
                .expect("list");
            for p in &list.list {
                let id = p.playback_id.expect("the fake sends playback_id");
                let cols = PlaybackCols {
                    playback_id: id,
                    product_type: i64::from(pt),
                    room_id: p.room_id.into(),
                    session_id: p.session_id.map(Into::into),
                    version: p.version.unwrap_or(0),
                    name: p.name.clone(),
                    status: p.status.into(),
                    publish_status: p.publish_status.map(Into::into),
                    video_id: p.video_id.map(Into::into),
                    length: p.length,
                    create_time: text(&p.create_time),
                };
                assert!(all.insert(id, cols).is_none(), "playback {id} listed twice");
            }
            if list.list.len() < 1000 {
                break;
            }
            page += 1;
        }
    }
    all
}

/// Every play record the fake serves for the days `from..=to` that began by `until` (the vendor's
/// text form; the sync reads up to now minus a lag), keyed by (guid, day).
pub(crate) async fn fake_records(
    client: &Client,
    from: Date,
    to: Date,
    until: &str,
) -> BTreeMap<(String, String), RecordCols> {
    let mut all = BTreeMap::new();
    let mut day = Some(from);
    while let Some(d) = day.filter(|d| *d <= to) {
        let mut page = 1;
        loop {
            let start = d.at(0, 0, 0).expect("start");
            let end = d.at(23, 59, 59).expect("end");
            let list = client
                .execute(
                    &GetPartnerPlaybackPlayRecordRequest::new(start, end)
                        .page(page)
                        .page_size(1000),
                )
                .await
                .expect("records");
            for r in &list.list {
                let cols = RecordCols {
                    guid: r.guid.clone(),
                    day: d.to_string(),
                    video_id: r.video_id.into(),
                    user_number: r.user_number,
                    play_begin_time: text(&r.play_begin_time),
                    play_length: r.play_length,
                    client_type: r.client_type.map(Into::into),
                    area: r.area.clone(),
                };
                if cols.play_begin_time.as_deref().is_some_and(|t| t <= until) {
                    all.insert((cols.guid.clone(), cols.day.clone()), cols);
                }
            }
            if list.list.len() < 1000 {
                break;
            }
            page += 1;
        }
        day = d.next_day();
    }
    all
}

/// Runs `$sql` (with `$1` parameters) on whichever backend `$db` is, mapping each row with `$map`
/// into a collection.
macro_rules! fetch_rows {
    ($db:expr, $sql:expr, [$($bind:expr),*], |$r:ident| $map:expr) => {
        match ($db.sqlite(), $db.postgres()) {
            (Some(pool), _) => sqlx::query($sql)
                $(.bind($bind))*
                .fetch_all(pool)
                .await
                .expect($sql)
                .iter()
                .map(|$r| $map)
                .collect(),
            (None, Some(pool)) => sqlx::query($sql)
                $(.bind($bind))*
                .fetch_all(pool)
                .await
                .expect($sql)
                .iter()
                .map(|$r| $map)
                .collect(),
            (None, None) => unreachable!("a database of another backend"),
        }
    };
}

/// One number from `sql`, on either backend.
pub(crate) async fn count(db: &Database, sql: &'static str) -> i64 {
    let counts: Vec<i64> = fetch_rows!(db, sql, [], |r| r.get(0));
    counts.first().copied().expect("one row")
}

/// A fresh PostgreSQL database on `server`, opened by the sync (its schema migrated).
pub(crate) async fn pg_database(server: &postgres_test_server::PgServer, name: &str) -> Database {
    let url = server.create_database(name).expect("create the database");
    Database::open(&url).await.expect("open PostgreSQL")
}

/// A PostgreSQL server for a test: fails, never skips, when PostgreSQL is not installed.
pub(crate) fn pg_server() -> postgres_test_server::PgServer {
    postgres_test_server::PgServer::start()
        .unwrap_or_else(|e| panic!("PostgreSQL for the test: {e} (`cargo xtask test` installs it)"))
}

/// The playbacks the database holds as present (not deleted).
pub(crate) async fn db_playbacks(db: &Database) -> BTreeMap<i64, PlaybackCols> {
    fetch_rows!(
        db,
        "SELECT playback_id, product_type, room_id, session_id, version, name, status, \
         publish_status, video_id, length, create_time, CAST(raw AS TEXT) AS raw FROM playbacks \
         WHERE deleted_at IS NULL",
        [],
        |r| {
            let id: i64 = r.get("playback_id");
            // The raw JSON is the vendor's item: it names the same playback.
            let raw: serde_json::Value =
                serde_json::from_str(r.get::<&str, _>("raw")).expect("raw is JSON");
            let raw_id = match &raw["playback_id"] {
                serde_json::Value::Number(n) => n.as_i64(),
                serde_json::Value::String(s) => s.parse().ok(),
                _ => None,
            };
            assert_eq!(raw_id, Some(id), "raw of {id}: {raw}");
            let cols = PlaybackCols {
                playback_id: id,
                product_type: r.get("product_type"),
                room_id: r.get("room_id"),
                session_id: r.get("session_id"),
                version: r.get("version"),
                name: r.get("name"),
                status: r.get("status"),
                publish_status: r.get("publish_status"),
                video_id: r.get("video_id"),
                length: r.get("length"),
                create_time: r.get("create_time"),
            };
            (id, cols)
        }
    )
}

/// The play records the database holds for the days `from..=to` that began by `until`.
pub(crate) async fn db_records(
    db: &Database,
    from: Date,
    to: Date,
    until: &str,
) -> BTreeMap<(String, String), RecordCols> {
    fetch_rows!(
        db,
        "SELECT guid, day, video_id, user_number, play_begin_time, play_length, client_type, area \
         FROM play_records WHERE day >= $1 AND day <= $2 AND play_begin_time <= $3",
        [from.to_string(), to.to_string(), until],
        |r| {
            let cols = RecordCols {
                guid: r.get("guid"),
                day: r.get("day"),
                video_id: r.get("video_id"),
                user_number: r.get("user_number"),
                play_begin_time: r.get("play_begin_time"),
                play_length: r.get("play_length"),
                client_type: r.get("client_type"),
                area: r.get("area"),
            };
            ((cols.guid.clone(), cols.day.clone()), cols)
        }
    )
}

/// Asserts that two keyed sets are equal, naming the first differences.
pub(crate) fn assert_same<K: Ord + std::fmt::Debug, V: PartialEq + std::fmt::Debug>(
    what: &str,
    db: &BTreeMap<K, V>,
    fake: &BTreeMap<K, V>,
) {
    let missing: Vec<_> = fake
        .keys()
        .filter(|k| !db.contains_key(k))
        .take(5)
        .collect();
    let extra: Vec<_> = db
        .keys()
        .filter(|k| !fake.contains_key(k))
        .take(5)
        .collect();
    let differ: Vec<_> = fake
        .iter()
        .filter_map(|(k, v)| db.get(k).filter(|d| *d != v).map(|d| (k, d, v)))
        .take(3)
        .collect();
    assert!(
        missing.is_empty() && extra.is_empty() && differ.is_empty(),
        "{what}: the database differs from the fake ({} in the db, {} in the fake)\n\
         missing: {missing:?}\nextra: {extra:?}\ndiffer (db, fake): {differ:?}",
        db.len(),
        fake.len()
    );
}

/// The statuses of the runs, oldest first.
pub(crate) async fn run_statuses(db: &Database) -> Vec<String> {
    fetch_rows!(db, "SELECT status FROM sync_runs ORDER BY id", [], |r| r
        .get(0))
}
