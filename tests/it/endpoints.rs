//! Every endpoint, through the async and the blocking client, against the fake server: typed
//! results, writes visible to later reads, and every request as the vendor would receive it.
//!
//! The scenario is written once (`every_endpoint!`) and expanded for both clients.

use std::collections::BTreeMap;

use std::time::Duration;

use anyhow::{Result, ensure};

use baijiayun::operations::Operation;
use baijiayun::types::*;
use baijiayun::{DateTime, Lifetime, PlaybackRef, Source, Target, Upload};
use baijiayun_mock::{MockServer, RecordedRequest, ResponseStyle, seed};
use md5::{Digest, Md5};

/// `.await` for the async client, nothing for the blocking one.
macro_rules! call {
    (async, $e:expr) => {
        $e.await
    };
    (blocking, $e:expr) => {
        $e
    };
}

macro_rules! every_endpoint {
    ($mode:ident, $client:expr) => {{
        let c = &$client;
        let day = |d: &str, t: &str| -> Result<DateTime> { Ok(format!("{d} {t}").parse()?) };

        // playback
        let info = call!($mode, c.get_basic_info(seed::ROOM).send())?;
        ensure!(info.status == PlaybackStatus::Ready, "{info:?}");
        let video = info
            .video_id
            .ok_or_else(|| anyhow::anyhow!("no video id"))?;
        let empty = call!($mode, c.get_basic_info(seed::EMPTY_ROOM).send())?;
        ensure!(empty.status == PlaybackStatus::NotRecorded && empty.video_id.is_none());

        let page = call!($mode, c.get_list(ProductType::LargeClass, 1, 10).send())?;
        ensure!(
            page.list.len() == 10 && page.total >= 30,
            "{} of {}",
            page.list.len(),
            page.total
        );
        let crops = call!(
            $mode,
            c.get_list(ProductType::LargeClass, 1, 100)
                .crop_video(true)
                .room_id(seed::ROOM)
                .send()
        )?;
        ensure!(crops.total == 3, "{crops:?}");

        let sessions = call!($mode, c.get_session_list(seed::LONG_ROOM).send())?;
        let ids: Vec<SessionId> = sessions.list.iter().map(|s| s.session_id).collect();
        ensure!(ids == seed::LONG_ROOM_SESSIONS, "{ids:?}");

        let blocked = call!(
            $mode,
            c.set_publish_status(seed::ROOM, PublishStatus::Blocked)
                .send()
        )?;
        ensure!(blocked.status == PublishStatus::Blocked);
        let info = call!($mode, c.get_basic_info(seed::ROOM).send())?;
        ensure!(info.publish_status == Some(PublishStatus::Blocked));
        call!(
            $mode,
            c.set_publish_status(seed::ROOM, PublishStatus::Published)
                .send()
        )?;

        let cover = Upload::new("cover.png", vec![0x89, b'P', b'N', b'G']);
        call!(
            $mode,
            c.update_playback(seed::ROOM, "函数的单调性（复习）")
                .preface(cover)
                .send()
        )?;
        let info = call!($mode, c.get_basic_info(seed::ROOM).send())?;
        ensure!(info.name.as_deref() == Some("函数的单调性（复习）"));
        ensure!(
            info.preface_url
                .as_deref()
                .is_some_and(|u| u.ends_with("cover.png"))
        );

        let versions = call!($mode, c.get_crop_list(seed::ROOM).send())?;
        ensure!(versions.total == 3);
        call!($mode, c.set_main_version(seed::ROOM, 1).send())?;
        let versions = call!($mode, c.get_crop_list(seed::ROOM).page_size(1000).send())?;
        let main: Vec<_> = versions
            .list
            .iter()
            .filter(|p| p.version_type == Some(VersionType::Main))
            .map(|p| p.version)
            .collect();
        ensure!(main == [Some(1)], "{main:?}");
        call!($mode, c.set_main_version(seed::ROOM, 0).send())?;

        call!(
            $mode,
            c.replace_playback(
                ReplaceType::Add,
                Source(seed::ROOM),
                Target(seed::EMPTY_ROOM)
            )
            .send()
        )?;
        let copied = call!($mode, c.get_basic_info(seed::EMPTY_ROOM).send())?;
        ensure!(copied.status == PlaybackStatus::Ready && copied.video_id == Some(video));
        call!(
            $mode,
            c.replace_playback_by_video(seed::VOD_VIDEO_ID, Target(seed::EMPTY_ROOM))
                .is_replace_main(true)
                .send()
        )?;
        let replaced = call!($mode, c.get_basic_info(seed::EMPTY_ROOM).send())?;
        ensure!(replaced.video_id == Some(seed::VOD_VIDEO_ID));

        let nodes = call!($mode, c.get_record_time_node(seed::ROOM).send())?;
        ensure!(nodes.time_node.len() == 3 && nodes.time_node[2].auto_completion == Some(true));

        call!($mode, c.delete_playback(seed::ROOM).version(2).send())?;
        let versions = call!($mode, c.get_crop_list(seed::ROOM).send())?;
        ensure!(versions.total == 2);

        // tokens
        let token = call!(
            $mode,
            c.get_player_token(seed::ROOM, Duration::from_secs(3600))
                .send()
        )?;
        ensure!(token.video_id == video && !token.token.is_empty());
        let refs = [
            PlaybackRef::room(seed::ROOM),
            PlaybackRef::session(seed::LONG_ROOM, seed::LONG_ROOM_SESSIONS[0]),
            PlaybackRef::room(RoomId(99)),
        ];
        let tokens = call!(
            $mode,
            c.get_player_token_batch(refs, Lifetime::Never).send()
        )?;
        ensure!(
            tokens.len() == 2 && tokens.contains_key(&refs[1]),
            "{tokens:?}"
        );
        // One value for a playback: the helper sends the session the long-term playback names.
        let long = PlaybackRef::session(seed::LONG_ROOM, seed::LONG_ROOM_SESSIONS[1]);
        let minute = Duration::from_secs(60);
        let by_ref = call!($mode, c.player_token_for(long, minute).send())?;
        let by_hand = call!(
            $mode,
            c.get_player_token(seed::LONG_ROOM, minute)
                .session_id(seed::LONG_ROOM_SESSIONS[1])
                .send()
        )?;
        ensure!(by_ref.token == by_hand.token, "{by_ref:?} {by_hand:?}");
        let url = c.player_url(long).token(by_ref.token).to_string();
        ensure!(
            url.contains(&format!(
                "classid={}&session_id={}",
                long.room_id,
                seed::LONG_ROOM_SESSIONS[1]
            )),
            "{url}"
        );
        let limited = call!($mode, c.get_limited_token(seed::ROOM).send())?;
        ensure!(limited.limited_token.len() == 32);

        // play records
        let (d0, d2) = (seed::PLAY_DAYS[0], seed::PLAY_DAYS[2]);
        let plays = call!(
            $mode,
            c.get_playback_play_record(seed::ROOM, day(d0, "00:00:00")?, day(d0, "23:59:59")?)
                .page_size(50)
                .send()
        )?;
        ensure!(
            plays.total == seed::PLAYS_PER_DAY && plays.list.len() == 50,
            "{}",
            plays.total
        );
        let all = call!(
            $mode,
            c.get_partner_playback_play_record(day(d0, "00:00:00")?, day(d2, "23:59:59")?)
                .send()
        )?;
        ensure!(all.total == 3 * seed::PLAYS_PER_DAY && all.list.len() == 270);

        // courseware
        let ppts = call!($mode, c.get_playback_ppt_url_list(seed::ROOM).send())?;
        ensure!(!ppts.list.is_empty());
        let ppt = call!($mode, c.get_playback_ppt_url(seed::ROOM).send())?;
        ensure!(ppt.list.len() == 1);
        let first = call!($mode, c.generate_courseware(seed::ROOM).send())?;
        let second = call!($mode, c.generate_courseware(seed::ROOM).send())?;
        ensure!(
            first.status == CoursewareStatus::Preparing
                && second.status == CoursewareStatus::InProgress
        );
        let pages = call!($mode, c.get_courseware_data(seed::ROOM).send())?;
        ensure!(pages.list.len() == 3);

        // pure video
        call!(
            $mode,
            c.record_video(seed::ROOM)
                .record_template(RecordTemplate::WithChat)
                .send()
        )?;
        let url = call!($mode, c.get_record_video_url(seed::ROOM).send())?;
        ensure!(url.url.contains(".mp4"));
        let fids = call!($mode, c.record_room_video(seed::LONG_ROOM).send())?;
        ensure!(fids.success_fids.len() == 3);
        let created = call!(
            $mode,
            c.create_mixed_playback_video(seed::MIXED_PLAYBACK_ID)
                .send()
        )?;
        ensure!(created.mixed_playback_id == seed::MIXED_PLAYBACK_ID);
        let mixed = call!(
            $mode,
            c.get_mixed_playback_video_info(seed::MIXED_PLAYBACK_ID)
                .send()
        )?;
        ensure!(mixed.play_info.contains_key("720p"));

        // editing
        let segments = call!($mode, c.crop_by_segment(seed::ROOM, 1000).send())?;
        ensure!(segments.list.len() == 4, "{segments:?}");
        let crops = vec![
            CropSegment::new(0, 60, "开头"),
            CropSegment::new(600, 900, "例题"),
        ];
        let cut = call!($mode, c.batch_crop(seed::ROOM, crops).send())?;
        ensure!(cut.list.len() == 2);
        let marks = call!($mode, c.get_mark_list(seed::ROOM).send())?;
        ensure!(marks.list.len() == 4);
        call!(
            $mode,
            c.set_mark(seed::ROOM)
                .content([Mark::new("00:00:10", "新打点")])
                .send()
        )?;
        let marks = call!($mode, c.get_mark_list(seed::ROOM).send())?;
        ensure!(marks.list.len() == 1 && marks.list[0].desc == "新打点");
        call!(
            $mode,
            c.delete_chat(seed::ROOM).delete_user_number("1001").send()
        )?;

        // whitelists
        let [u0, u1, u2, u3, ..] = seed::USERS;
        call!($mode, c.add_room_whitelist(seed::ROOM, [u2]).send())?;
        let wl = call!($mode, c.get_room_whitelist(seed::ROOM).page_size(2).send())?;
        ensure!(wl.total == 3 && wl.list.len() == 2);
        call!($mode, c.delete_room_whitelist(seed::ROOM, [u2]).send())?;
        let wl = call!($mode, c.get_room_whitelist(seed::ROOM).send())?;
        let ids: Vec<UserId> = wl.list.iter().map(|u| u.user_id).collect();
        ensure!(ids == [u0, u1], "{ids:?}");
        let s0 = seed::LONG_ROOM_SESSIONS[0];
        call!(
            $mode,
            c.add_session_whitelist(seed::LONG_ROOM, s0, [u3]).send()
        )?;
        let swl = call!($mode, c.get_session_whitelist(seed::LONG_ROOM, s0).send())?;
        ensure!(swl.total == 2);
        call!(
            $mode,
            c.delete_session_whitelist(seed::LONG_ROOM, s0, [u3]).send()
        )?;

        // validity
        let valid = call!($mode, c.get_valid_day().send())?;
        ensure!(valid.partner_valid_day == Some(15));
        call!($mode, c.set_valid_day(30).video_ids([video]).send())?;
        let valid = call!($mode, c.get_valid_day().video_ids([video]).send())?;
        ensure!(valid.list.unwrap_or_default().get(&video) == Some(&30));
        let expiry = day("2026-12-31", "23:59:59")?;
        let result = call!(
            $mode,
            c.batch_set_expire_time([ExpireSetting::new(video, expiry.clone())])
                .send()
        )?;
        ensure!(result.success_list == [video]);
        // A requested id the vendor's success list leaves out is an error naming it, with what
        // was applied; `Ok` means every requested playback was set.
        let unknown = VideoId(1);
        let partial = call!(
            $mode,
            c.batch_set_expire_time([
                ExpireSetting::new(video, expiry.clone()),
                ExpireSetting::new(unknown, expiry.clone()),
            ])
            .send()
        );
        match partial {
            Err(baijiayun::Error::Incomplete {
                missing, confirmed, ..
            }) => ensure!(
                missing == [unknown.0] && confirmed == [video.0],
                "{missing:?} {confirmed:?}"
            ),
            other => anyhow::bail!("expected Error::Incomplete, got {other:?}"),
        }
        let valid = call!($mode, c.get_valid_day().video_ids([video]).send())?;
        ensure!(valid.expire_time_list.unwrap_or_default().get(&video) == Some(&expiry));

        // callback address
        let set = call!(
            $mode,
            c.set_transcode_callback_url("https://example.com/baijiayun/callback")
                .send()
        )?;
        ensure!(set.url.as_deref() == Some("https://example.com/baijiayun/callback"));
        let got = call!($mode, c.get_transcode_callback_url().send())?;
        ensure!(got.url == set.url);
    }};
}

/// The vendor's sign, written out independently of the crate: sorted `k=v`, `&partner_key=`, md5.
fn independent_sign(params: &BTreeMap<String, String>, key: &str) -> String {
    let mut text: Vec<String> = params
        .iter()
        .filter(|(k, _)| k.as_str() != "sign")
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    text.push(format!("partner_key={key}"));
    let digest = Md5::digest(text.join("&").as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// Every operation was called, each request went to its spec path with its first method, carried
/// exactly partner_id, timestamp, a valid sign and spec parameters, and was answered with code 0.
fn check_recorded(server: &MockServer) -> Result<()> {
    let requests: Vec<RecordedRequest> = server.requests();
    for &op in Operation::ALL {
        ensure!(
            requests.iter().any(|r| r.operation == Some(op)),
            "{} was never called",
            op.name()
        );
    }
    for r in &requests {
        let op = r
            .operation
            .ok_or_else(|| anyhow::anyhow!("unrouted request {}", r.path))?;
        let info = op.info();
        ensure!(r.path == info.path, "{}: path {}", info.name, r.path);
        let expected_method = if r.files.is_empty() {
            info.methods[0].as_str()
        } else {
            "POST"
        };
        ensure!(
            r.method == expected_method,
            "{}: method {}",
            info.name,
            r.method
        );
        ensure!(r.code == Some(0), "{}: answered {:?}", info.name, r.code);
        ensure!(
            r.params.get("partner_id") == Some(&server.partner_id().to_string()),
            "{}: partner_id",
            info.name
        );
        ensure!(
            r.params
                .get("timestamp")
                .is_some_and(|t| t.parse::<i64>().is_ok())
        );
        ensure!(
            r.params.get("sign") == Some(&independent_sign(&r.params, server.partner_key())),
            "{}: sign",
            info.name
        );
        for name in r.params.keys() {
            let common = ["partner_id", "timestamp", "sign"].contains(&name.as_str());
            ensure!(
                common || info.param(name).is_some(),
                "{}: unexpected param {name}",
                info.name
            );
        }
        for p in info.params.iter().filter(|p| p.required) {
            ensure!(
                r.params.contains_key(p.name) || r.files.iter().any(|f| f == p.name),
                "{}: required {} not sent",
                info.name,
                p.name
            );
        }
        let form = r.content_type.as_deref().unwrap_or("");
        let expected_form = if !r.files.is_empty() {
            form.starts_with("multipart/form-data")
        } else if r.method == "GET" {
            form.is_empty()
        } else {
            form == "application/x-www-form-urlencoded"
        };
        ensure!(expected_form, "{}: content type {form}", info.name);
    }
    Ok(())
}

/// The suite through the async client, against the fake server answering in `style`.
async fn async_suite(style: ResponseStyle) -> Result<()> {
    let server = MockServer::builder().response_style(style).start().await?;
    let client = server.client()?;
    every_endpoint!(async, client);
    check_recorded(&server)
}

/// The suite through the blocking client, against the fake server answering in `style`.
fn blocking_suite(style: ResponseStyle) -> Result<()> {
    let server = MockServer::builder()
        .response_style(style)
        .start_blocking()?;
    let client = server.blocking_client()?;
    every_endpoint!(blocking, client);
    check_recorded(&server)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_endpoint_through_the_async_client() -> Result<()> {
    async_suite(ResponseStyle::Typed).await
}

#[test]
fn every_endpoint_through_the_blocking_client() -> Result<()> {
    blocking_suite(ResponseStyle::Typed)
}

/// Numbers as strings, `""` for every absent value, `[]` for empty maps, flags as `"0"`/`"1"`,
/// times as unix seconds: the same results.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_endpoint_through_the_async_client_against_a_php_style_server() -> Result<()> {
    async_suite(ResponseStyle::Php).await
}

#[test]
fn every_endpoint_through_the_blocking_client_against_a_php_style_server() -> Result<()> {
    blocking_suite(ResponseStyle::Php)
}

/// What the PHP-style fake sends really is in that style (so the suites above test tolerance).
#[test]
fn the_php_style_server_sends_strings_and_empty_values() -> Result<()> {
    let server = MockServer::builder()
        .response_style(ResponseStyle::Php)
        .start_blocking()?;
    let mut params = BTreeMap::from([
        ("partner_id".to_owned(), server.partner_id().to_string()),
        (
            "timestamp".to_owned(),
            std::time::UNIX_EPOCH.elapsed()?.as_secs().to_string(),
        ),
        ("product_type".to_owned(), "1".to_owned()),
        ("page".to_owned(), "1".to_owned()),
        ("page_size".to_owned(), "100".to_owned()),
    ]);
    let sign = independent_sign(&params, server.partner_key());
    params.insert("sign".into(), sign);
    let url = format!("{}{}", server.url(), Operation::GetList.info().path);
    let body: serde_json::Value = reqwest::blocking::Client::new()
        .post(url)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(
            form_urlencoded::Serializer::new(String::new())
                .extend_pairs(&params)
                .finish(),
        )
        .send()?
        .json()?;
    ensure!(body["code"] == 0, "{body}");
    let data = &body["data"];
    ensure!(data["total"].is_string(), "{data}");
    let items = data["list"].as_array().cloned().unwrap_or_default();
    ensure!(!items.is_empty(), "{data}");
    for item in &items {
        ensure!(
            item["room_id"].is_string() && item["status"].is_string(),
            "{item}"
        );
        // Every field of the record is present; those without a value are "".
        ensure!(
            item.get("play_times").is_some() && item.get("playback_id").is_some(),
            "{item}"
        );
    }
    ensure!(
        items
            .iter()
            .any(|i| i.as_object().is_some_and(|o| o.values().any(|v| v == ""))),
        "no absent value was sent as \"\": {data}"
    );
    Ok(())
}
