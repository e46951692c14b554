//! The fake server at its edges: a timestamp window like the vendor's, a bounded request record,
//! slow clients closed after a timeout, unknown paths outside the rate budget, and a blocking
//! client inside `#[tokio::test]`.

use std::time::Duration;

use anyhow::{Result, ensure};
use baijiayun::types::{ErrorCode, PlaybackStatus};
use baijiayun::{ParamValue, Params};
use baijiayun_mock::{MockServer, seed};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::fake_server::post;
use crate::support::unix_now as now;

/// A signed `get_basic_info` form with the given `timestamp`.
fn form_at(server: &MockServer, timestamp: i64) -> String {
    let mut p = Params::new();
    p.insert("room_id", ParamValue::Int(seed::ROOM.0));
    p.insert("partner_id", ParamValue::Int(server.partner_id()));
    p.insert("timestamp", ParamValue::Int(timestamp));
    let s = p.sign(server.partner_key());
    p.insert("sign", s);
    p.to_form()
}

const INFO: &str = "/openapi/playback/getBasicInfo";

#[tokio::test]
async fn a_stale_or_absurd_timestamp_is_refused_like_a_bad_sign() -> Result<()> {
    let server = MockServer::start().await?;
    let sign_error = i64::from(ErrorCode::SignMismatch);
    ensure!(post(&server, INFO, form_at(&server, now())).await? == 0);
    ensure!(post(&server, INFO, form_at(&server, now() - 540)).await? == 0);
    // A minute past the window either way, so a second ticking between here and there cannot matter.
    for stale in [now() - 660, now() + 660, now() - 10 * 365 * 86_400, 0, -1] {
        let code = post(&server, INFO, form_at(&server, stale)).await?;
        ensure!(code == sign_error, "timestamp {stale}: code {code}");
    }
    // The window is the builder's, and can be turned off.
    let lax = MockServer::builder().any_timestamp().start().await?;
    ensure!(post(&lax, INFO, form_at(&lax, 0)).await? == 0);
    let tight = MockServer::builder()
        .timestamp_window(Duration::from_secs(5))
        .start()
        .await?;
    ensure!(post(&tight, INFO, form_at(&tight, now() - 60)).await? == sign_error);
    Ok(())
}

#[tokio::test]
async fn the_request_record_is_a_bounded_ring() -> Result<()> {
    let server = MockServer::builder().record_capacity(5).start().await?;
    ensure!(server.recorded() == (0, 5));
    let http = reqwest::Client::new();
    for i in 0..12 {
        http.get(format!("{}/nowhere/{i}", server.url()))
            .send()
            .await?;
    }
    ensure!(server.recorded() == (5, 5));
    let paths: Vec<String> = server.requests().into_iter().map(|r| r.path).collect();
    let last: Vec<String> = (7..12).map(|i| format!("/nowhere/{i}")).collect();
    ensure!(paths == last, "{paths:?}");
    let none = MockServer::builder().record_requests(false).start().await?;
    http.get(format!("{}/x", none.url())).send().await?;
    ensure!(none.recorded() == (0, 0));
    Ok(())
}

#[tokio::test]
async fn unknown_paths_do_not_use_up_the_rate_budget() -> Result<()> {
    let server = MockServer::builder()
        .rate_limit(3, Duration::from_secs(3600))
        .start()
        .await?;
    for _ in 0..10 {
        let code = post(&server, "/openapi/no/such/path", form_at(&server, now())).await?;
        ensure!(code == i64::from(ErrorCode::PathNotFound), "{code}");
    }
    for _ in 0..3 {
        ensure!(post(&server, INFO, form_at(&server, now())).await? == 0);
    }
    let code = post(&server, INFO, form_at(&server, now())).await?;
    ensure!(code == i64::from(ErrorCode::RateLimited), "{code}");
    Ok(())
}

/// Reads until the server closes the connection (bounded by `within`); what it sent, if any.
async fn read_until_closed(
    stream: &mut tokio::net::TcpStream,
    within: Duration,
) -> Result<Vec<u8>> {
    let mut got = Vec::new();
    let mut buf = [0u8; 1024];
    let closed = tokio::time::timeout(within, async {
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => got.extend_from_slice(&buf[..n]),
            }
        }
    })
    .await;
    ensure!(closed.is_ok(), "still open after {within:?}");
    Ok(got)
}

#[tokio::test]
async fn a_half_sent_request_is_closed_after_the_timeout() -> Result<()> {
    let server = MockServer::builder()
        .request_timeout(Duration::from_millis(300))
        .start()
        .await?;
    // Headers cut off in the middle.
    let mut headers = tokio::net::TcpStream::connect(server.addr()).await?;
    headers
        .write_all(b"POST /openapi/playback/getBasicInfo HTTP/1.1\r\nHost: x\r\n")
        .await?;
    read_until_closed(&mut headers, Duration::from_secs(10)).await?;
    // Whole headers, half a body: closed without an answer.
    let mut body = tokio::net::TcpStream::connect(server.addr()).await?;
    body.write_all(
        b"POST /openapi/playback/getBasicInfo HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nroom_id=1",
    )
    .await?;
    let answered = read_until_closed(&mut body, Duration::from_secs(10)).await?;
    ensure!(
        answered.is_empty(),
        "{}",
        String::from_utf8_lossy(&answered)
    );
    // An idle connection too.
    let mut idle = tokio::net::TcpStream::connect(server.addr()).await?;
    read_until_closed(&mut idle, Duration::from_secs(10)).await?;
    // The server still serves.
    ensure!(post(&server, INFO, form_at(&server, now())).await? == 0);
    Ok(())
}

#[tokio::test]
async fn a_blocking_client_works_in_a_current_thread_tokio_test() -> Result<()> {
    // The fake runs on its own thread and runtime, so this test's one thread may block.
    let server = MockServer::start().await?;
    let client = server.blocking_client()?;
    ensure!(client.get_basic_info(seed::ROOM).send()?.status == PlaybackStatus::Ready);
    let event = baijiayun::callback::CallbackEvent::Unknown(String::new());
    // A blocking send to a closed port fails at once with a transport error, and does not hang.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?;
    ensure!(
        server
            .send_callback_blocking(&format!("http://{closed}/cb"), &event)
            .is_err()
    );
    Ok(())
}
