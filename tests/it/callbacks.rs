//! Callbacks end to end: the fake server sends every kind, signed as the vendor signs, to a
//! receiver built with the crate's axum extractor on 127.0.0.1.

use std::sync::{Arc, Mutex};

use anyhow::{Result, ensure};
use axum::Router;
use axum::extract::{FromRef, State};
use axum::routing::post;
use baijiayun::callback::axum::VerifiedCallback;
use baijiayun::callback::{
    CallbackEvent, MainVersionEvent, MemoryStore, PureVideoEvent, Reply, TranscodeEvent,
    TranscodeFailed, TranscodeStarted, TranscodeSucceeded, Verifier, signed_body,
};
use baijiayun::types::{VersionType, VideoId};
use baijiayun_mock::{MockServer, seed};

use crate::support::capture_async;

#[derive(Clone)]
struct App {
    verifier: Verifier,
    seen: Arc<Mutex<Vec<CallbackEvent>>>,
}

impl FromRef<App> for Verifier {
    fn from_ref(app: &App) -> Verifier {
        app.verifier.clone()
    }
}

async fn receive(State(app): State<App>, VerifiedCallback(cb): VerifiedCallback) -> Reply {
    if let Ok(mut seen) = app.seen.lock() {
        seen.push(cb.event.clone());
    }
    cb.complete().await
}

/// A receiver on 127.0.0.1 verifying with `key`; returns its URL and what it accepted.
async fn receiver(key: &str) -> Result<(String, Arc<Mutex<Vec<CallbackEvent>>>)> {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let app = Router::new()
        .route("/callback", post(receive))
        .with_state(App {
            verifier: Verifier::new(key).store(MemoryStore::new()),
            seen: Arc::clone(&seen),
        });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}/callback", listener.local_addr()?);
    tokio::spawn(async move { axum::serve(listener, app).await });
    Ok((url, seen))
}

fn events() -> Vec<CallbackEvent> {
    let started = {
        let mut e = TranscodeStarted::new(seed::ROOM, VideoId(900_001), "q-started");
        e.total_size = Some(109_200_000);
        e.file_md5 = Some("9e107d9d372bb6826bd81d3542a419d6".into());
        e
    };
    let succeeded = {
        let mut e = TranscodeSucceeded::new(seed::LONG_ROOM, VideoId(900_008), "q-done");
        e.session_id = Some(seed::LONG_ROOM_SESSIONS[0]);
        e.length = Some(3600);
        e.now_definition = Some("low,std,high".into());
        e
    };
    let pure = {
        let mut e = PureVideoEvent::new(seed::ROOM, VideoId(950_001), 1, "q-pure");
        e.version = Some(0);
        e
    };
    vec![
        CallbackEvent::Transcode(TranscodeEvent::Started(started)),
        CallbackEvent::Transcode(TranscodeEvent::Failed(TranscodeFailed::new(
            seed::FAILED_ROOM,
            VideoId(900_003),
            "q-failed",
        ))),
        CallbackEvent::Transcode(TranscodeEvent::Succeeded(succeeded)),
        CallbackEvent::PureVideo(pure),
        CallbackEvent::MainVersion(MainVersionEvent::new(
            seed::ROOM,
            1,
            VideoId(900_002),
            VersionType::Main,
            "q-main",
        )),
    ]
}

#[tokio::test]
async fn the_fake_delivers_every_callback_kind_typed() -> Result<()> {
    let server = MockServer::start().await?;
    let (url, seen) = receiver(server.partner_key()).await?;
    let sent = events();
    for event in &sent {
        let delivery = server.send_callback(&url, event).await?;
        ensure!(delivery.accepted(), "{delivery:?}");
        ensure!(delivery.body == r#"{"code":0}"#);
    }
    let received = seen.lock().map(|s| s.clone()).unwrap_or_default();
    ensure!(received == sent, "{received:#?}");
    // Delivered again, each is acknowledged and not handled a second time.
    for event in &sent {
        let delivery = server.send_callback(&url, event).await?;
        ensure!(delivery.body == r#"{"code":0}"#, "{delivery:?}");
    }
    ensure!(seen.lock().map(|s| s.len()).unwrap_or(0) == sent.len());
    Ok(())
}

#[tokio::test]
async fn a_receiver_with_another_key_refuses_them() -> Result<()> {
    let server = MockServer::start().await?;
    let (url, seen) = receiver("another-key").await?;
    let delivery = server.send_callback(&url, &events()[0]).await?;
    ensure!(!delivery.accepted());
    ensure!(
        delivery.body.starts_with(r#"{"code":1,"msg":"#),
        "{}",
        delivery.body
    );
    ensure!(seen.lock().map(|s| s.is_empty()).unwrap_or(false));
    Ok(())
}

#[test]
fn the_blocking_sender_works_too() -> Result<()> {
    let server = MockServer::start_blocking()?;
    let runtime = tokio::runtime::Runtime::new()?;
    let (url, seen) = runtime.block_on(receiver(server.partner_key()))?;
    let event = &events()[4];
    let delivery = server.send_callback_blocking(&url, event)?;
    ensure!(delivery.accepted(), "{delivery:?}");
    ensure!(seen.lock().map(|s| s.len()).unwrap_or(0) == 1);
    Ok(())
}

#[tokio::test]
async fn a_receiver_with_an_empty_key_refuses_callbacks_signed_with_it() -> Result<()> {
    // An unset setting read as "": the fake signs with the empty key, as a forger could.
    let server = MockServer::builder().partner_key("").start().await?;
    for key in ["", " \t"] {
        let (url, seen) = receiver(key).await?;
        let delivery = server.send_callback(&url, &events()[0]).await?;
        ensure!(!delivery.accepted(), "{key:?}: {delivery:?}");
        ensure!(
            delivery.body.contains("no partner key"),
            "{}",
            delivery.body
        );
        ensure!(seen.lock().map(|s| s.is_empty()).unwrap_or(false));
    }
    Ok(())
}

#[tokio::test]
async fn a_claim_dropped_unfinished_is_logged() -> Result<()> {
    let verifier = Verifier::new("key").store(MemoryStore::new());
    let body = signed_body("key", &events()[0]);
    // A handler that neither completes nor releases: its claim is dropped (and released, which
    // the crate's unit tests check).
    let (claimed, seen) = capture_async(async {
        let claimed = verifier.claim(None, body.as_bytes()).await;
        claimed.is_ok()
    })
    .await;
    ensure!(claimed);
    ensure!(
        seen.iter()
            .any(|f| f.contains("dropped without complete() or release()")),
        "{seen:?}"
    );
    ensure!(seen.iter().any(|f| f == "qid=q-started"), "{seen:?}");
    Ok(())
}
