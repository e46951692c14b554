//! The generated account (`MockServerBuilder::rooms`), its snapshots and its changes, through the
//! real client.

use std::collections::BTreeSet;
use std::time::Duration;

use baijiayun::DateTime;
use baijiayun::blocking::Client;
use baijiayun::types::{
    PlayRecord, Playback, PlaybackStatus, ProductType, PublishStatus, RoomId, SessionId,
};
use baijiayun_mock::{MockServer, PlaybackKey};

type Result<T = ()> = std::result::Result<T, Box<dyn std::error::Error>>;

const PRODUCTS: [ProductType; 4] = [
    ProductType::LargeClass,
    ProductType::SmallClass,
    ProductType::DualTeacher,
    ProductType::Enterprise,
];

fn now() -> Result<DateTime> {
    Ok(DateTime::new(2025, 3, 1, 12, 0, 0)?)
}

fn start(rooms: usize, seed: u64) -> Result<MockServer> {
    Ok(MockServer::builder()
        .rooms(rooms)
        .seed(seed)
        .now(now()?)
        .no_rate_limit()
        .start_blocking()?)
}

/// Every page of `get_list` for `product`, with the cropped versions.
fn list(client: &Client, product: ProductType, page_size: i64) -> Result<Vec<Playback>> {
    let mut out = Vec::new();
    for page in 1.. {
        let got = client
            .get_list(product, page, page_size)
            .crop_video(true)
            .send()?;
        let done = got.list.is_empty() || out.len() + got.list.len() >= count(got.total);
        out.extend(got.list);
        if done {
            break;
        }
    }
    Ok(out)
}

/// Every page of API 37 for `[start, end]`.
fn records(client: &Client, start: DateTime, end: DateTime) -> Result<Vec<PlayRecord>> {
    let mut out = Vec::new();
    for page in 1.. {
        let got = client
            .get_partner_playback_play_record(start, end)
            .page(page)
            .page_size(300)
            .send()?;
        let done = got.list.is_empty() || out.len() + got.list.len() >= count(got.total);
        out.extend(got.list);
        if done {
            break;
        }
    }
    Ok(out)
}

fn count(n: i64) -> usize {
    usize::try_from(n).unwrap_or(0)
}

fn month(now: DateTime) -> Result<(DateTime, DateTime)> {
    Ok((DateTime::from_unix(now.to_unix() - 31 * 86_400)?, now))
}

/// The playbacks, with the server's address (in the player links) left out.
fn playbacks(server: &MockServer) -> Vec<Playback> {
    let mut all = server.account().playbacks();
    for p in &mut all {
        p.play_url = p.play_url.take().map(|u| u.replace(server.url(), ""));
    }
    all
}

#[test]
fn the_same_seed_gives_the_same_account_and_another_seed_another() -> Result {
    let (a, b, c) = (start(300, 7)?, start(300, 7)?, start(300, 8)?);
    let (from, to) = month(now()?)?;
    assert_eq!(playbacks(&a), playbacks(&b));
    assert_eq!(
        a.account().play_records(from, to),
        b.account().play_records(from, to)
    );
    assert_ne!(playbacks(&a), playbacks(&c));
    Ok(())
}

#[test]
fn an_account_has_every_kind_of_playback() -> Result {
    let server = start(400, 1)?;
    let account = server.account();
    assert_eq!(account.room_count(), 400);
    let all = account.playbacks();
    assert!(all.len() > 400, "{} playbacks", all.len());

    let ids: BTreeSet<i64> = all.iter().filter_map(|p| p.playback_id).collect();
    assert_eq!(ids.len(), all.len(), "every playback_id is unique");
    let statuses: BTreeSet<i64> = all.iter().map(|p| i64::from(p.status)).collect();
    assert_eq!(statuses, BTreeSet::from([0, 10, 20, 30, 100]));
    let publish: Vec<PublishStatus> = all.iter().filter_map(|p| p.publish_status).collect();
    assert!(
        publish.contains(&PublishStatus::Published) && publish.contains(&PublishStatus::Blocked)
    );
    assert!(
        all.iter().any(|p| p.version.unwrap_or(0) > 0),
        "cropped versions"
    );
    let sessions_of_a_room = |room: RoomId| {
        all.iter()
            .filter(|p| p.room_id == room && p.session_id.is_some_and(|s| s != SessionId(0)))
            .count()
    };
    let rooms: BTreeSet<RoomId> = all.iter().map(|p| p.room_id).collect();
    assert!(
        rooms.iter().any(|r| sessions_of_a_room(*r) >= 2),
        "long-term rooms"
    );

    // Every product line, and the lines together are the whole account.
    let client = server.blocking_client()?;
    let mut by_product = 0;
    for product in PRODUCTS {
        let listed = list(&client, product, 1000)?;
        assert!(!listed.is_empty(), "{product:?}");
        by_product += listed.len();
    }
    assert_eq!(by_product, all.len());

    // Play records over the last 30 days, and none in the future.
    let (from, to) = month(now()?)?;
    let plays = account.play_records(from, to);
    assert!(plays.len() > 100, "{} plays", plays.len());
    let first = DateTime::from_unix(now()?.to_unix() - 30 * 86_400)?;
    assert!(
        plays
            .iter()
            .filter_map(|r| r.play_begin_time)
            .all(|t| t >= first && t <= now().unwrap_or(t))
    );
    assert_eq!(records(&client, from, to)?, plays);
    Ok(())
}

#[test]
fn pages_are_newest_first_stable_and_equal_the_snapshot() -> Result {
    let server = start(250, 3)?;
    let client = server.blocking_client()?;
    let all = server.account().playbacks();
    for product in PRODUCTS {
        let small = list(&client, product, 7)?;
        let large = list(&client, product, 1000)?;
        let first_diff = small.iter().zip(&large).position(|(a, b)| a != b);
        assert_eq!(
            (small.len(), first_diff),
            (large.len(), None),
            "{product:?}: the pages join up: {:?} vs {:?}",
            first_diff.and_then(|i| small.get(i)),
            first_diff.and_then(|i| large.get(i))
        );
        let expected: Vec<Playback> = all
            .iter()
            .filter(|p| large.iter().any(|l| l.playback_id == p.playback_id))
            .cloned()
            .collect();
        assert_eq!(large, expected, "{product:?}: the snapshot's order");
        for w in large.windows(2) {
            let (a, b) = (&w[0], &w[1]);
            assert!(
                a.create_time > b.create_time
                    || (a.create_time == b.create_time && a.playback_id < b.playback_id),
                "{a:?} before {b:?}"
            );
        }
    }
    Ok(())
}

#[test]
fn changes_are_seen_through_the_client() -> Result {
    let server = start(60, 5)?;
    let account = server.account();
    let client = server.blocking_client()?;
    let large = ProductType::LargeClass;
    account.advance(Duration::from_secs(3600));

    // A new room: on top of page 1.
    let new = account.add_room(large, "新课", PlaybackStatus::Transcoding);
    let top = client.get_list(large, 1, 10).send()?;
    assert_eq!(top.list.first().map(PlaybackKey::of), Some(new));
    assert_eq!(
        top.list.first().and_then(|p| p.create_time),
        Some(account.now())
    );

    // Transcoding → ready, and a rename.
    account.set_status(new, PlaybackStatus::Ready)?;
    account.rename(new, "新课（改名）")?;
    let info = client.get_basic_info(new.room_id).send()?;
    assert_eq!(info.status, PlaybackStatus::Ready);
    assert_eq!(info.name.as_deref(), Some("新课（改名）"));

    // A new session of a long-term room, and a new crop version.
    let long = account.add_long_term_room(large);
    let session = account.add_session(long, "第1讲", PlaybackStatus::Ready)?;
    let sessions = client.get_session_list(long).send()?;
    assert_eq!(
        sessions
            .list
            .iter()
            .map(|s| s.session_id)
            .collect::<Vec<_>>(),
        session.session_id.into_iter().collect::<Vec<_>>()
    );
    let crop = account.add_crop(new, "新课_副本")?;
    assert_eq!(crop.version, 1);
    assert!(
        list(&client, large, 100)?
            .iter()
            .any(|p| PlaybackKey::of(p) == crop)
    );

    // Publish status through the API, seen in the snapshot.
    client
        .set_publish_status(new.room_id, PublishStatus::Blocked)
        .send()?;
    let snapshot = account.playbacks();
    let row = snapshot.iter().find(|p| PlaybackKey::of(p) == new);
    assert_eq!(
        row.and_then(|p| p.publish_status),
        Some(PublishStatus::Blocked)
    );

    // A late play record: begun two days ago, listed after the older records of its day.
    let begin = DateTime::from_unix(account.now().to_unix() - 2 * 86_400)?;
    let day_start = begin.date().at(0, 0, 0)?;
    let day_end = begin.date().at(23, 59, 59)?;
    let guid = account.add_play(new, begin, Duration::from_secs(600))?;
    let day = records(&client, day_start, day_end)?;
    assert_eq!(day.last().map(|r| r.guid.clone()), Some(guid));
    assert_eq!(day, account.play_records(day_start, day_end));

    // Deleting a playback (through the API) and a room (the vendor has no API).
    client.delete_playback(crop.room_id).version(1).send()?;
    assert!(
        !account
            .playbacks()
            .iter()
            .any(|p| PlaybackKey::of(p) == crop)
    );
    account.delete_room(new.room_id)?;
    assert!(client.get_basic_info(new.room_id).send().is_err());
    assert!(!account.playbacks().iter().any(|p| p.room_id == new.room_id));
    Ok(())
}

#[test]
fn reset_goes_back_to_the_generated_account() -> Result {
    let server = start(30, 2)?;
    let before = server.account().playbacks();
    server
        .account()
        .add_room(ProductType::SmallClass, "x", PlaybackStatus::Ready);
    assert_ne!(server.account().playbacks(), before);
    server.reset();
    assert_eq!(server.account().playbacks(), before);
    Ok(())
}
