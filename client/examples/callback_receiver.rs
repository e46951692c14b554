//! A Baijiayun callback receiver, short enough to copy into a real service.
//!
//! ```text
//! BAIJIAYUN_PARTNER_KEY=... cargo run --example callback_receiver -- --addr 127.0.0.1:8000
//! ```
//!
//! Every POST (any path) is verified with the partner key; a verified callback is logged as its
//! typed event and answered `{"code":0}` (a duplicate too, without handling it again), anything else is answered `{"code":1,"msg":...}`.
//! A connection that has not sent its request's headers, then its body, within 30 s (`--timeout`)
//! is closed; at most 1024 are served at once, and `accept` backs off when the process is out of
//! file descriptors.
//! Register the URL with `client.set_transcode_callback_url("https://your.host/baijiayun/callback")`.

use std::io::Write as _;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use axum::Router;
use axum::extract::{FromRef, State};
use axum::routing::post;
use baijiayun::callback::axum::{VerifiedCallback, serve};
use baijiayun::callback::{MemoryStore, Reply, ServeLimits, Verifier};

/// The application's state: the verifier, and whatever the handler needs (a database pool...).
#[derive(Clone)]
struct App {
    verifier: Verifier,
    handled: Arc<AtomicU64>,
}

/// The extractor takes the verifier from the state.
impl FromRef<App> for Verifier {
    fn from_ref(app: &App) -> Verifier {
        app.verifier.clone()
    }
}

/// Handles one delivery: it is claimed (a duplicate of a handled one never gets here), handled,
/// then completed (the only way to answer `{"code":0}`), or released on failure so that the
/// vendor's retry is handled. The extractor reads the body, so it is the last argument.
async fn receive(State(app): State<App>, VerifiedCallback(delivery): VerifiedCallback) -> Reply {
    // Your work goes here, e.g. upsert the playback's status.
    let n = app.handled.fetch_add(1, Ordering::Relaxed) + 1;
    let handled = writeln!(
        std::io::stdout(),
        "callback {}: {:?} (#{n} handled)",
        delivery.qid(),
        delivery.event
    );
    match handled {
        Ok(()) => delivery.complete().await,
        Err(e) => delivery.release(&e.to_string()).await,
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    const USAGE: &str = "usage: callback_receiver [--addr HOST:PORT] [--timeout SECS]";
    let mut addr = SocketAddr::from(([127, 0, 0, 1], 8000));
    // Headers, then the body, each within 30 s; a 2 MiB body at most; 1024 connections at once.
    let mut limits = ServeLimits::default();
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let value = args.next().ok_or(USAGE)?;
        match flag.as_str() {
            "--addr" => addr = value.parse()?,
            "--timeout" => limits = limits.timeout(Duration::from_secs(value.parse()?)),
            _ => return Err(USAGE.into()),
        }
    }
    let key = std::env::var("BAIJIAYUN_PARTNER_KEY")
        .map_err(|_| "set BAIJIAYUN_PARTNER_KEY to the account's partner key")?;
    // Each delivery handled once; a multi-process service shares a store (database, Redis).
    let app = App {
        verifier: Verifier::new(key).store(MemoryStore::new()),
        handled: Arc::new(AtomicU64::new(0)),
    };
    let app = Router::new().fallback(post(receive)).with_state(app);
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let _ = writeln!(
        std::io::stdout(),
        "listening on http://{}",
        listener.local_addr()?
    );
    // Not `axum::serve`: that holds slow or idle connections forever, without a cap.
    serve(listener, app, limits).await;
    Ok(())
}
