//! The client bounded (issue 10 §2): it follows no redirect, caps what it reads, keeps its error
//! text short and reads a refusal with a broken `msg` as a refusal. Each test runs its own raw
//! HTTP/1.1 servers on 127.0.0.1, which count what they received and wrote.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

use anyhow::{Context, Result, bail, ensure};
use baijiayun::types::{PublishStatus, RoomId};
use baijiayun::{Client, Error, RetryPolicy, TransportKind};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// A raw server: its URL and how many requests it has read.
struct Raw {
    url: String,
    requests: Arc<AtomicUsize>,
}

impl Raw {
    fn requests(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }
}

/// Reads one request (head and `Content-Length` body, at most 1 MiB) from `stream`.
async fn read_request(stream: &mut TcpStream) -> Result<()> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    for _ in 0..256 {
        let n = stream.read(&mut chunk).await?;
        ensure!(n > 0, "the client closed before a whole request");
        buf.extend_from_slice(&chunk[..n]);
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
            let length: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .map_or(Ok(0), |v| v.trim().parse())?;
            if buf.len() >= end + 4 + length {
                return Ok(());
            }
        }
    }
    bail!("request too long")
}

/// A server on 127.0.0.1 answering each request with `answer(its own url)`, then closing. It
/// serves at most 16 connections.
async fn raw(answer: impl Fn(&str) -> Vec<u8> + Send + Sync + 'static) -> Result<Raw> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}", listener.local_addr()?);
    let requests = Arc::new(AtomicUsize::new(0));
    let (count, own) = (Arc::clone(&requests), url.clone());
    tokio::spawn(async move {
        for _ in 0..16 {
            let Ok((mut stream, _)) = listener.accept().await else {
                return;
            };
            if read_request(&mut stream).await.is_ok() {
                count.fetch_add(1, Ordering::SeqCst);
                let _ = stream.write_all(&answer(&own)).await;
                let _ = stream.shutdown().await;
            }
        }
    });
    Ok(Raw { url, requests })
}

/// A response with `status`, extra header lines and `body`, closing the connection.
fn response(status: &str, headers: &str, body: &[u8]) -> Vec<u8> {
    let mut r = format!(
        "HTTP/1.1 {status}\r\n{headers}Content-Length: {}\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n",
        body.len()
    )
    .into_bytes();
    r.extend_from_slice(body);
    r
}

/// A client of `url`: no rate limit, no retries unless asked.
fn client(url: &str) -> Result<Client> {
    Ok(Client::builder(100, "secret")
        .base_url(url)
        .no_rate_limit()
        .retry(RetryPolicy::none())
        .timeout(Duration::from_secs(10))
        .build()?)
}

#[tokio::test]
async fn a_redirect_reaches_no_second_server() -> Result<()> {
    let elsewhere = raw(|_| response("200 OK", "", br#"{"code":0,"data":{},"msg":""}"#)).await?;
    for status in [
        "301 Moved Permanently",
        "302 Found",
        "307 Temporary Redirect",
        "308 Permanent Redirect",
    ] {
        let target = format!("{}/openapi/playback/setPublishStatus", elsewhere.url);
        let location = format!("Location: {target}\r\n");
        let first = raw(move |_| response(status, &location, b"")).await?;
        let result = client(&first.url)?
            .set_publish_status(RoomId(1), PublishStatus::Blocked)
            .send()
            .await;
        match &result {
            Err(e @ Error::Redirect { location, .. }) => {
                ensure!(location.as_deref() == Some(target.as_str()), "{e:?}");
                ensure!(e.status() == status.split(' ').next().and_then(|s| s.parse().ok()));
                ensure!(e.to_string().contains(&target), "{e}");
                ensure!(!e.is_retryable());
            }
            other => bail!("{status}: {other:?}"),
        }
        ensure!(
            first.requests() == 1,
            "{status}: {} requests",
            first.requests()
        );
        ensure!(
            elsewhere.requests() == 0,
            "{status}: the signed form went elsewhere"
        );
    }
    // The blocking client too.
    let target = format!("{}/x", elsewhere.url);
    let location = format!("Location: {target}\r\n");
    let first = raw(move |_| response("307 Temporary Redirect", &location, b"")).await?;
    let blocking = Client::builder(100, "secret")
        .base_url(&first.url)
        .no_rate_limit()
        .build_blocking()?;
    let result = tokio::task::spawn_blocking(move || {
        blocking
            .set_publish_status(RoomId(1), PublishStatus::Blocked)
            .send()
    })
    .await?;
    ensure!(matches!(result, Err(Error::Redirect { .. })), "{result:?}");
    ensure!(elsewhere.requests() == 0);
    Ok(())
}

#[tokio::test]
async fn a_redirect_loop_is_one_request_and_a_typed_error() -> Result<()> {
    let looping = raw(|own| {
        let location = format!("Location: {own}/openapi/playback/getBasicInfo\r\n");
        response("302 Found", &location, b"")
    })
    .await?;
    // A read, retried on failures that may pass: a redirect is not one of them.
    let client = Client::builder(100, "secret")
        .base_url(&looping.url)
        .no_rate_limit()
        .retry(RetryPolicy::default().backoff(Duration::from_millis(1), Duration::from_millis(2)))
        .build()?;
    let result = client.get_basic_info(RoomId(1)).send().await;
    ensure!(
        matches!(&result, Err(Error::Redirect { location: Some(l), .. }) if l.starts_with(&looping.url)),
        "{result:?}"
    );
    ensure!(looping.requests() == 1, "{} requests", looping.requests());
    Ok(())
}

/// Streams a body of up to `total` bytes without a length, counting what it wrote before the
/// client hung up. Serves one connection.
async fn streaming(total: u64) -> Result<(String, Arc<AtomicU64>, tokio::task::JoinHandle<()>)> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}", listener.local_addr()?);
    let written = Arc::new(AtomicU64::new(0));
    let count = Arc::clone(&written);
    let task = tokio::spawn(async move {
        let Ok((mut stream, _)) = listener.accept().await else {
            return;
        };
        if read_request(&mut stream).await.is_err() {
            return;
        }
        let head =
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n";
        if stream.write_all(head).await.is_err() {
            return;
        }
        let chunk = vec![b' '; 64 * 1024];
        for _ in 0..total / chunk.len() as u64 {
            if stream.write_all(&chunk).await.is_err() {
                return;
            }
            count.fetch_add(chunk.len() as u64, Ordering::SeqCst);
        }
    });
    Ok((url, written, task))
}

#[tokio::test]
async fn an_oversized_body_is_refused_as_soon_as_the_cap_is_passed() -> Result<()> {
    const HUNDRED_MB: u64 = 100 * 1000 * 1000;
    const DEFAULT_CAP: u64 = 32 * 1024 * 1024;
    let (url, written, server) = streaming(HUNDRED_MB).await?;
    let result = client(&url)?.get_basic_info(RoomId(1)).send().await;
    match &result {
        Err(e @ Error::ResponseTooLarge { limit, .. }) => {
            ensure!(*limit == DEFAULT_CAP, "{e}");
        }
        other => bail!("{other:?}"),
    }
    // The client hung up: the server's next writes fail once the socket buffers are full.
    tokio::time::timeout(Duration::from_secs(30), server)
        .await
        .context("the server never saw the client hang up")??;
    let written = written.load(Ordering::SeqCst);
    // What the client read (the cap) plus what the loopback socket buffers hold, far from 100 MB.
    ensure!(
        written < DEFAULT_CAP + 24 * 1024 * 1024,
        "{written} bytes were written before the client stopped reading"
    );

    // A smaller cap, set on the builder; a declared length over it is refused before reading.
    let big = vec![b' '; 2 * 1024 * 1024];
    let declared = raw(move |_| response("200 OK", "", &big)).await?;
    let capped = Client::builder(100, "secret")
        .base_url(&declared.url)
        .no_rate_limit()
        .max_response_size(64 * 1024)
        .build()?;
    let result = capped.get_basic_info(RoomId(1)).send().await;
    ensure!(
        matches!(&result, Err(Error::ResponseTooLarge { limit: 65536, .. })),
        "{result:?}"
    );
    // Not retried: the same request would get the same answer.
    ensure!(declared.requests() == 1);
    Ok(())
}

#[tokio::test]
async fn a_10_mb_msg_is_shown_short_and_kept_whole_in_the_body() -> Result<()> {
    let msg = "错".repeat(10 * 1024 * 1024 / 3);
    let body = format!(r#"{{"code":1001,"data":null,"msg":"{msg}","ts":1}}"#);
    let body_len = body.len();
    let refusing = raw(move |_| response("200 OK", "", body.as_bytes())).await?;
    let result = client(&refusing.url)?
        .get_basic_info(RoomId(1))
        .send()
        .await;
    let Err(e) = result else { bail!("accepted") };
    ensure!(matches!(e, Error::Api { code: 1001, .. }), "{e:?}");
    let shown = e.to_string();
    ensure!(
        shown.chars().count() < 600,
        "{} characters",
        shown.chars().count()
    );
    ensure!(shown.contains("1001") && shown.contains('错'), "{shown}");
    ensure!(e.body().map(<[u8]>::len) == Some(body_len));

    // An HTTP error with a 10 MB page, likewise.
    let page = vec![b'x'; 10 * 1024 * 1024];
    let failing = raw(move |_| response("500 Internal Server Error", "", &page)).await?;
    let Err(e) = client(&failing.url)?.get_basic_info(RoomId(1)).send().await else {
        bail!("accepted")
    };
    ensure!(e.status() == Some(500), "{e:?}");
    ensure!(e.to_string().len() < 600);
    ensure!(e.body().map(<[u8]>::len) == Some(10 * 1024 * 1024));
    Ok(())
}

#[tokio::test]
async fn a_refusal_with_a_broken_msg_keeps_its_code_and_is_not_retried() -> Result<()> {
    let mut body = br#"{"code":1003,"data":null,"msg":"bad "#.to_vec();
    body.extend_from_slice(b"\xff\xfe bytes\",\"ts\":1}");
    let refusing = raw(move |_| response("200 OK", "", &body)).await?;
    // A read, which is retried after undecodable bodies: a refusal must not be taken for one.
    let client = Client::builder(100, "secret")
        .base_url(&refusing.url)
        .no_rate_limit()
        .retry(RetryPolicy::default().backoff(Duration::from_millis(1), Duration::from_millis(2)))
        .build()?;
    match client.get_basic_info(RoomId(1)).send().await {
        Err(Error::Api { code, message, .. }) => {
            ensure!(code == 1003);
            ensure!(message == "bad \u{FFFD}\u{FFFD} bytes", "{message:?}");
        }
        other => bail!("{other:?}"),
    }
    ensure!(refusing.requests() == 1, "{} requests", refusing.requests());
    Ok(())
}

#[tokio::test]
async fn a_short_body_and_a_server_that_never_finishes_are_typed_errors() -> Result<()> {
    // Declares 100 bytes, sends 10 and closes.
    let short = raw(|_| {
        b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\nConnection: close\r\n\r\n{\"code\":0,".to_vec()
    })
    .await?;
    match client(&short.url)?
        .set_publish_status(RoomId(1), PublishStatus::Blocked)
        .send()
        .await
    {
        Err(Error::Transport { kind, .. }) => {
            ensure!(
                matches!(kind, TransportKind::Body | TransportKind::Request),
                "{kind:?}"
            );
        }
        other => bail!("{other:?}"),
    }
    ensure!(short.requests() == 1, "a write is not resent");

    // Sends the head and a little of the body, then nothing: bounded by the client's timeout.
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}", listener.local_addr()?);
    let server = tokio::spawn(async move {
        if let Ok((mut stream, _)) = listener.accept().await
            && read_request(&mut stream).await.is_ok()
        {
            let _ = stream
                .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{\"code\":")
                .await;
            tokio::time::sleep(Duration::from_secs(20)).await;
        }
    });
    let slow = Client::builder(100, "secret")
        .base_url(&url)
        .no_rate_limit()
        .retry(RetryPolicy::none())
        .timeout(Duration::from_millis(300))
        .build()?;
    match slow.get_basic_info(RoomId(1)).send().await {
        Err(Error::Transport {
            kind: TransportKind::Timeout,
            ..
        }) => {}
        other => bail!("{other:?}"),
    }
    server.abort();
    Ok(())
}

#[tokio::test]
async fn any_typed_call_can_be_read_as_json_on_both_clients() -> Result<()> {
    use baijiayun::playback::GetBasicInfoRequest;
    use baijiayun_mock::{MockServer, seed};

    let server = MockServer::builder().no_rate_limit().start().await?;
    let request = GetBasicInfoRequest::new(seed::ROOM);
    let typed = server.client()?.execute(&request).await?;
    let json = server.client()?.execute_json(&request).await?;
    // The raw `data`: the fields the spec knows, as the vendor sent them.
    ensure!(json.get("status").is_some(), "{json}");
    ensure!(
        json.get("video_id").and_then(serde_json::Value::as_i64) == typed.video_id.map(i64::from),
        "{json}"
    );
    // `blocking::Client::builder(..).build()` is a blocking client.
    let (id, key, url) = (
        server.partner_id(),
        server.partner_key().to_owned(),
        server.url().to_owned(),
    );
    let blocking_json = tokio::task::spawn_blocking(move || -> Result<serde_json::Value> {
        let client: baijiayun::blocking::Client = baijiayun::blocking::Client::builder(id, key)
            .base_url(url)
            .build()?;
        Ok(client.execute_json(&GetBasicInfoRequest::new(seed::ROOM))?)
    })
    .await??;
    ensure!(blocking_json == json);
    Ok(())
}
