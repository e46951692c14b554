//! The fake server's own behaviour: the vendor's checks and codes, the encodings it accepts,
//! its rate limit, every fault, the request record, and resets.

use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail, ensure};
use baijiayun::operations::Operation;
use baijiayun::types::{ErrorCode, PlaybackStatus, PublishStatus, RoomId, SessionId, UserId};
use baijiayun::{Client, Error, Lifetime, RetryPolicy, TransportKind};
use baijiayun::{ParamValue, Params};
use baijiayun_mock::{Fault, MockServer, seed};

/// The vendor code of a refusal, or a failure naming what came instead.
fn code_of<T: std::fmt::Debug>(result: baijiayun::Result<T>) -> Result<i64> {
    match result {
        Err(Error::Api { code, .. }) => Ok(code),
        other => bail!("expected a refusal, got {other:?}"),
    }
}

/// A signed form for `params`, as a hand-written client would send it.
fn signed_form(server: &MockServer, params: &[(&str, &str)], with_sign: bool) -> String {
    let mut p: Params<'_> = params.iter().copied().collect();
    let id = server.partner_id().to_string();
    p.insert("partner_id", ParamValue::from(id));
    // Now: the fake refuses a timestamp outside its window, as the vendor does.
    p.insert("timestamp", ParamValue::Int(crate::support::unix_now()));
    if with_sign {
        let s = p.sign(server.partner_key());
        p.insert("sign", s);
    }
    p.to_form()
}

/// POSTs a raw form and returns the vendor code answered.
pub(crate) async fn post(server: &MockServer, path: &str, form: String) -> Result<i64> {
    let body = reqwest::Client::new()
        .post(format!("{}{path}", server.url()))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form)
        .send()
        .await?
        .text()
        .await?;
    let v: serde_json::Value = serde_json::from_str(&body)?;
    v["code"]
        .as_i64()
        .ok_or_else(|| anyhow::anyhow!("no code in {body}"))
}

#[tokio::test]
async fn a_wrong_key_is_refused_with_the_sign_error_through_both_clients() -> Result<()> {
    let server = MockServer::start().await?;
    let client = Client::builder(server.partner_id(), "not-the-key")
        .base_url(server.url())
        .build()?;
    ensure!(code_of(client.get_basic_info(seed::ROOM).send().await)? == 1002);
    let (id, url) = (server.partner_id(), server.url().to_owned());
    let blocking = tokio::task::spawn_blocking(move || -> Result<i64> {
        let c = baijiayun::blocking::Client::builder(id, "not-the-key")
            .base_url(url)
            .build()?;
        code_of(c.get_basic_info(seed::ROOM).send())
    })
    .await??;
    ensure!(blocking == 1002);
    Ok(())
}

#[tokio::test]
async fn the_vendors_codes() -> Result<()> {
    let server = MockServer::start().await?;
    let client = server.client()?;
    // unknown partner
    let stranger = Client::builder(42, server.partner_key())
        .base_url(server.url())
        .build()?;
    ensure!(code_of(stranger.get_basic_info(seed::ROOM).send().await)? == 2001);
    // unknown and deleted rooms
    ensure!(code_of(client.get_basic_info(RoomId(1)).send().await)? == 3001);
    ensure!(code_of(client.get_basic_info(seed::DELETED_ROOM).send().await)? == 3002);
    // unknown path
    ensure!(
        code_of(
            client
                .raw("/openapi/playback/noSuchThing", [("room_id", "1")])
                .await
        )? == 404
    );
    // missing sign, missing and ill-typed parameters, unknown enum code
    let path = "/openapi/playback/getBasicInfo";
    ensure!(
        post(
            &server,
            path,
            signed_form(&server, &[("room_id", "1")], false)
        )
        .await?
            == 1002
    );
    ensure!(post(&server, path, signed_form(&server, &[], true)).await? == 1001);
    ensure!(
        post(
            &server,
            path,
            signed_form(&server, &[("room_id", "abc")], true)
        )
        .await?
            == 1001
    );
    let status = "/openapi/playback/setPublishStatus";
    let room = seed::ROOM.to_string();
    let form = signed_form(&server, &[("room_id", &room), ("status", "9")], true);
    ensure!(post(&server, status, form).await? == 1001);
    // a limit of the spec: refused by the fake, and by the client before sending
    let list = "/openapi/playback/getList";
    let form = signed_form(
        &server,
        &[("product_type", "1"), ("page", "1"), ("page_size", "5000")],
        true,
    );
    ensure!(post(&server, list, form).await? == 1001);
    let local = client
        .get_list(baijiayun::types::ProductType::LargeClass, 1, 5000)
        .send()
        .await;
    ensure!(
        matches!(local, Err(Error::InvalidRequest { .. })),
        "{local:?}"
    );
    // the doc's refusals: session whitelists of short-term rooms, unknown members
    let r = client
        .add_session_whitelist(seed::ROOM, SessionId(1), [seed::USERS[0]])
        .send()
        .await;
    ensure!(code_of(r)? == 1001);
    let r = client
        .delete_room_whitelist(seed::ROOM, [seed::USERS[5]])
        .send()
        .await;
    match r {
        Err(Error::Api {
            code: 1, message, ..
        }) => ensure!(message == format!("成员{}不存在", seed::USERS[5])),
        other => bail!("{other:?}"),
    }
    // every refusal was recorded with its code
    let codes: Vec<Option<i64>> = server.requests().iter().map(|r| r.code).collect();
    ensure!(
        codes.contains(&Some(2001)) && codes.contains(&Some(1002)) && codes.contains(&Some(404))
    );
    Ok(())
}

#[tokio::test]
async fn every_form_encoding_the_vendor_accepts() -> Result<()> {
    let server = MockServer::start().await?;
    let http = reqwest::Client::new();
    let room = seed::ROOM.to_string();
    let form = signed_form(&server, &[("room_id", &room)], true);
    let url = format!("{}/openapi/playback/getBasicInfo", server.url());
    // GET with a query string (the doc allows GET / POST for API 1)
    let get: serde_json::Value = http
        .get(format!("{url}?{form}"))
        .send()
        .await?
        .json()
        .await?;
    ensure!(get["code"] == 0 && get["data"]["status"] == 100, "{get}");
    // POST with the parameters in the query string
    let post_query: serde_json::Value = http
        .post(format!("{url}?{form}"))
        .send()
        .await?
        .json()
        .await?;
    ensure!(post_query["code"] == 0, "{post_query}");
    // GET where the doc allows only POST
    let list = format!("{}/openapi/playback/setPublishStatus?{form}", server.url());
    let refused: serde_json::Value = http.get(list).send().await?.json().await?;
    ensure!(refused["code"] == 404, "{refused}");
    // multipart, with a file part that is not signed
    let mut parts = reqwest::multipart::Form::new();
    for (k, v) in form_urlencoded::parse(
        signed_form(&server, &[("room_id", &room), ("name", "新名字")], true).as_bytes(),
    ) {
        parts = parts.text(k.into_owned(), v.into_owned());
    }
    let parts = parts.part(
        "preface",
        reqwest::multipart::Part::bytes(vec![1, 2, 3]).file_name("c.jpg"),
    );
    let url = format!("{}/openapi/playback/update", server.url());
    let updated: serde_json::Value = http.post(url).multipart(parts).send().await?.json().await?;
    ensure!(updated["code"] == 0, "{updated}");
    let info = server.client()?.get_basic_info(seed::ROOM).send().await?;
    ensure!(info.name.as_deref() == Some("新名字"));
    Ok(())
}

#[tokio::test]
async fn the_rate_limit_refuses_past_its_window() -> Result<()> {
    let server = MockServer::builder()
        .rate_limit(5, Duration::from_secs(60))
        .start()
        .await?;
    // Retries off, to see the refusal itself (backing off from it: retries_and_rate_limit.rs).
    let client = server.client_builder().retry(RetryPolicy::none()).build()?;
    for _ in 0..5 {
        client.get_basic_info(seed::ROOM).send().await?;
    }
    let refused = client.get_basic_info(seed::ROOM).send().await;
    ensure!(code_of(refused)? == i64::from(baijiayun::types::ErrorCode::RateLimited));
    Ok(())
}

#[tokio::test]
async fn every_fault_gives_its_own_typed_error() -> Result<()> {
    let server = MockServer::builder().no_rate_limit().start().await?;
    let client = server
        .client_builder()
        .timeout(Duration::from_millis(400))
        // Retries off: each fault must surface as its own error (retries: retries_and_rate_limit.rs); no
        // limiter, which would pause a window after the injected refusal for rate.
        .retry(RetryPolicy::none())
        .no_rate_limit()
        .build()?;
    let op = Operation::GetBasicInfo;
    let call = || client.get_basic_info(seed::ROOM).send();

    server.inject_times(op, Fault::Latency(Duration::from_millis(150)), 1);
    let start = Instant::now();
    call().await?;
    ensure!(start.elapsed() >= Duration::from_millis(150));

    server.inject_times(op, Fault::Latency(Duration::from_secs(2)), 1);
    match call().await {
        Err(Error::Transport {
            kind: TransportKind::Timeout,
            ..
        }) => {}
        other => bail!("latency past the timeout: {other:?}"),
    }

    server.inject_times(op, Fault::Status(503), 1);
    match call().await {
        Err(e @ Error::Http { status: 503, .. }) => ensure!(e.is_retryable()),
        other => bail!("503: {other:?}"),
    }

    server.inject_times(op, Fault::Drop, 1);
    match call().await {
        Err(Error::Transport { kind, .. }) => ensure!(kind != TransportKind::Connect, "{kind:?}"),
        other => bail!("drop: {other:?}"),
    }

    server.inject_times(op, Fault::MalformedJson, 1);
    ensure!(matches!(call().await, Err(Error::Decode { .. })));

    server.inject_times(op, Fault::HtmlPage, 1);
    match call().await {
        Err(e @ Error::Decode { .. }) => ensure!(e.to_string().contains("502 Bad Gateway")),
        other => bail!("html: {other:?}"),
    }

    server.inject_times(
        op,
        Fault::Refuse {
            code: 2003,
            message: "直播账号未开或服务停止".into(),
        },
        1,
    );
    match call().await {
        Err(e @ Error::Api { .. }) => ensure!(e.code() == Some(ErrorCode::AccountDisabled)),
        other => bail!("refuse: {other:?}"),
    }

    server.inject_times(op, Fault::RateLimited, 1);
    ensure!(code_of(call().await)? == i64::from(baijiayun::types::ErrorCode::RateLimited));

    // Faults are per operation, counted, and cleared.
    server.inject(Operation::GetList, Fault::Status(500));
    ensure!(call().await?.status == PlaybackStatus::Ready);
    server.clear_faults();
    client
        .get_list(baijiayun::types::ProductType::LargeClass, 1, 1)
        .send()
        .await?;
    server.inject_all(Fault::Status(502));
    ensure!(matches!(call().await, Err(Error::Http { status: 502, .. })));
    server.clear_faults();
    Ok(())
}

#[tokio::test]
async fn requests_are_recorded_and_state_resets() -> Result<()> {
    let server = MockServer::start().await?;
    let client = server.client()?;
    client
        .set_publish_status(seed::ROOM, PublishStatus::Blocked)
        .send()
        .await?;
    let recorded = server.requests_for(Operation::SetPublishStatus);
    ensure!(recorded.len() == 1);
    ensure!(recorded[0].params.get("status").map(String::as_str) == Some("2"));
    ensure!(recorded[0].params.get("room_id") == Some(&seed::ROOM.to_string()));
    ensure!(
        !recorded[0].params.contains_key("session_id"),
        "unset optionals are not sent"
    );
    // The same parameters, typed.
    ensure!(recorded[0].param::<PublishStatus>("status")? == PublishStatus::Blocked);
    ensure!(recorded[0].param::<RoomId>("room_id")? == seed::ROOM);
    ensure!(
        recorded[0]
            .optional_param::<SessionId>("session_id")?
            .is_none()
    );
    let missing = recorded[0].param::<i64>("session_id").err();
    ensure!(missing.is_some_and(|e| e.name == "session_id" && e.problem == "missing"));
    let not_a_number = recorded[0].param::<i64>("sign").err();
    ensure!(not_a_number.is_some_and(|e| e.problem.contains("not an integer")));
    ensure!(recorded[0].param::<String>("sign")?.len() == 32);
    let info = client.get_basic_info(seed::ROOM).send().await?;
    ensure!(info.publish_status == Some(PublishStatus::Blocked));
    server.reset();
    let info = client.get_basic_info(seed::ROOM).send().await?;
    ensure!(info.publish_status == Some(PublishStatus::Published));
    client
        .add_room_whitelist(seed::ROOM, seed::USERS[2..4].to_vec())
        .send()
        .await?;
    let added = server.requests_for(Operation::AddRoomWhitelist);
    ensure!(
        added
            .first()
            .map(|r| r.param_list::<UserId>("user_ids"))
            .transpose()?
            == Some(seed::USERS[2..4].to_vec())
    );
    // set_x(Option) beside x(T): a session that may be absent, without rebinding the request.
    for session in [None, Some(seed::LONG_ROOM_SESSIONS[0])] {
        let room = if session.is_some() {
            seed::LONG_ROOM
        } else {
            seed::ROOM
        };
        client
            .get_basic_info(room)
            .set_session_id(session)
            .send()
            .await?;
    }
    let sent = server.requests_for(Operation::GetBasicInfo);
    let sessions: Vec<Option<SessionId>> = sent
        .iter()
        .map(|r| r.optional_param::<SessionId>("session_id"))
        .collect::<Result<_, _>>()?;
    ensure!(
        sessions.ends_with(&[None, Some(seed::LONG_ROOM_SESSIONS[0])]),
        "{sessions:?}"
    );
    // A lifetime: "never" is its own value; a zero `Duration` (a deadline already passed) is one
    // second, not the vendor's 0 ("never expires").
    server.clear_requests();
    client
        .get_player_token(seed::ROOM, Duration::ZERO)
        .send()
        .await?;
    client
        .get_player_token(seed::ROOM, Lifetime::Never)
        .send()
        .await?;
    let sent: Vec<String> = server
        .requests_for(Operation::GetPlayerToken)
        .iter()
        .map(|r| r.param::<String>("expires_in"))
        .collect::<Result<_, _>>()?;
    ensure!(sent == ["1", "0"], "{sent:?}");
    // A required session given as 0 ("none") is refused before sending, naming the parameter.
    server.clear_requests();
    let none = client
        .add_session_whitelist(seed::LONG_ROOM, SessionId(0), [seed::USERS[0]])
        .send()
        .await;
    ensure!(
        matches!(&none, Err(Error::InvalidRequest { message, .. }) if message.contains("'session_id' is required")),
        "{none:?}"
    );
    ensure!(
        server
            .requests_for(Operation::AddSessionWhitelist)
            .is_empty()
    );
    // "No session" has one form: a session id of 0, given either way, is never sent.
    server.clear_requests();
    client
        .get_basic_info(seed::ROOM)
        .session_id(0)
        .send()
        .await?;
    client
        .get_basic_info(seed::ROOM)
        .set_session_id(Some(SessionId(0)))
        .send()
        .await?;
    let sent = server.requests_for(Operation::GetBasicInfo);
    ensure!(sent.len() == 2, "{sent:?}");
    ensure!(
        sent.iter().all(|r| !r.params.contains_key("session_id")),
        "{sent:?}"
    );
    server.clear_requests();
    ensure!(server.requests().is_empty());
    Ok(())
}

#[tokio::test]
async fn path_overrides_reach_the_fake() -> Result<()> {
    let server = MockServer::builder()
        .path(Operation::GetMarkList, "/openapi/playback/getMarks")
        .start()
        .await?;
    let client = server.client()?;
    ensure!(client.path(Operation::GetMarkList) == "/openapi/playback/getMarks");
    let marks = client.get_mark_list(seed::ROOM).send().await?;
    ensure!(marks.list.len() == 4);
    ensure!(server.requests_for(Operation::GetMarkList)[0].path == "/openapi/playback/getMarks");
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_blocking_client_never_panics_inside_a_runtime() -> Result<()> {
    // The fake runs on its own thread, so a blocked worker here cannot starve it.
    let server = MockServer::start_blocking()?;
    // Built and called straight from async code: a misuse, but it works instead of panicking.
    let client = server.blocking_client()?;
    ensure!(client.get_basic_info(seed::ROOM).send()?.status == PlaybackStatus::Ready);
    // And from spawn_blocking, where blocking is right.
    let status = tokio::task::spawn_blocking(move || client.get_basic_info(seed::ROOM).send())
        .await??
        .status;
    ensure!(status == PlaybackStatus::Ready);
    Ok(())
}

#[tokio::test]
async fn debug_is_a_summary_without_the_key_or_the_requests() -> Result<()> {
    const KEY: &str = "SECRET-fake-partner-key";
    let builder = MockServer::builder().partner_key(KEY);
    ensure!(!format!("{builder:?}").contains(KEY), "{builder:?}");
    let server = builder.start().await?;
    server.client()?.get_basic_info(seed::ROOM).send().await?;
    server.inject(Operation::GetBasicInfo, Fault::Status(502));
    let recorded = server.requests();
    let sent = recorded
        .first()
        .and_then(|r| r.params.get("sign"))
        .cloned()
        .unwrap_or_default();
    ensure!(
        sent.len() == 32,
        "a request with its sign was recorded: {recorded:?}"
    );
    let debug = format!("{server:?}");
    ensure!(!debug.contains(KEY) && !debug.contains(&sent), "{debug}");
    ensure!(debug.contains("[redacted]"), "{debug}");
    // A summary: the URL, the partner id and counts, not the seeded data.
    for expected in [
        server.url().to_owned(),
        format!("partner_id: {}", server.partner_id()),
        "requests_recorded: 1".to_owned(),
        "faults: 1".to_owned(),
    ] {
        ensure!(debug.contains(&expected), "{expected} not in {debug}");
    }
    ensure!(debug.len() < 400, "{} bytes: {debug}", debug.len());
    ensure!(!format!("{server:#?}").contains(KEY));
    Ok(())
}

/// `Client::exchange`: the answer as received (a refusal's envelope, an unknown path's status), sent
/// once, and counted by the rate limit like every call.
#[tokio::test]
async fn an_exchange_returns_the_answer_as_received_and_takes_its_place_in_the_rate_limit()
-> Result<()> {
    use baijiayun::RateLimit;
    use baijiayun::info::Method;

    let server = MockServer::start().await?;
    let client = server
        .client_builder()
        .rate_limit(RateLimit::new(2, Duration::from_secs(60)).fail_fast())
        .build()?;
    // An unknown room: the vendor's refusal comes back as its whole envelope, not as an error.
    let refused = client
        .exchange(
            Method::Post,
            "/openapi/playback/getBasicInfo",
            [("room_id", "1")],
        )
        .await?;
    let envelope: serde_json::Value = serde_json::from_slice(&refused.body)?;
    ensure!(refused.status == 200, "{refused:?}");
    ensure!(
        envelope["code"] == 3001 && envelope.get("ts").is_some(),
        "{envelope}"
    );
    // An unknown path: the fake's answer (the vendor's 404 code) as it came, not an error.
    let missing = client
        .exchange(
            Method::Post,
            "/openapi/playback/noSuchThing",
            [("room_id", "1")],
        )
        .await?;
    let envelope: serde_json::Value = serde_json::from_slice(&missing.body)?;
    ensure!(envelope["code"] == 404, "{missing:?}");
    // The third request in the window is over the limit of 2: refused before sending.
    let before = server.requests().len();
    let third = client
        .exchange(
            Method::Post,
            "/openapi/playback/getBasicInfo",
            [("room_id", "1")],
        )
        .await;
    ensure!(matches!(third, Err(Error::RateLimited { .. })), "{third:?}");
    ensure!(
        server.requests().len() == before,
        "the third exchange was sent"
    );
    Ok(())
}

/// A play-record window is checked before sending, by the spec's rule the fake applies too: API 6's
/// may not span two days, and no window may end before it starts.
#[tokio::test]
async fn a_window_across_two_days_or_reversed_is_refused_before_sending() -> Result<()> {
    let server = MockServer::start().await?;
    let client = server.client()?;
    let day: baijiayun::Date = "2023-11-14".parse()?;
    let (start, end) = (day.at(0, 0, 0)?, day.at(23, 59, 59)?);
    let next = day.next_day().context("a next day")?.at(0, 0, 0)?;
    client
        .get_playback_play_record(seed::ROOM, start, end)
        .send()
        .await?;
    let across = client
        .get_playback_play_record(seed::ROOM, start, next)
        .send()
        .await;
    ensure!(
        matches!(&across, Err(Error::InvalidRequest { message, .. }) if message.contains("one day")),
        "{across:?}"
    );
    let reversed = client
        .get_partner_playback_play_record(end, start)
        .send()
        .await;
    ensure!(
        matches!(&reversed, Err(Error::InvalidRequest { message, .. }) if message.contains("before")),
        "{reversed:?}"
    );
    // The fake applies the same rule to a request sent as given.
    let path = client.path(Operation::GetPlaybackPlayRecord).to_owned();
    let room = seed::ROOM.to_string();
    let (from, to) = (start.to_string(), next.to_string());
    let answer = client
        .exchange(
            baijiayun::info::Method::Post,
            &path,
            [
                ("room_id", room.as_str()),
                ("start_time", &from),
                ("end_time", &to),
            ],
        )
        .await?;
    let envelope: serde_json::Value = serde_json::from_slice(&answer.body)?;
    ensure!(envelope["code"] == 1001, "{envelope}");
    // A partner-wide window may span days.
    client
        .get_partner_playback_play_record(start, next)
        .send()
        .await?;
    ensure!(server.requests_for(Operation::GetPlaybackPlayRecord).len() == 2);
    ensure!(
        server
            .requests_for(Operation::GetPartnerPlaybackPlayRecord)
            .len()
            == 1
    );
    Ok(())
}
