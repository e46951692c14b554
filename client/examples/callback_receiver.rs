//! A Baijiayun callback receiver, short enough to copy into a real service.
//!
//! ```text
//! BAIJIAYUN_PARTNER_KEY=... cargo run --example callback_receiver -- --addr 127.0.0.1:8000
//! ```
//!
//! Every POST (any path) is verified with the partner key; a verified callback is logged as its
//! typed event and answered `{"code":0}`, anything else is answered `{"code":1,"msg":...}`.
//! Register the URL with `client.set_transcode_callback_url("https://your.host/baijiayun/callback")`.

use std::io::Write as _;
use std::net::SocketAddr;

use axum::Router;
use axum::routing::post;
use baijiayun::callback::axum::{Ack, VerifiedCallback};
use baijiayun::callback::{MemoryReplayStore, Verifier};

async fn receive(VerifiedCallback(callback): VerifiedCallback) -> Ack {
    // Handle the event idempotently (a delivery may be retried), e.g. upsert the playback's status.
    let qid = callback.qid().unwrap_or("");
    let _ = writeln!(std::io::stdout(), "callback {qid}: {:?}", callback.event);
    Ack
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let addr: SocketAddr = match (args.next().as_deref(), args.next()) {
        (Some("--addr"), Some(addr)) => addr.parse()?,
        (None, _) => SocketAddr::from(([127, 0, 0, 1], 8000)),
        _ => return Err("usage: callback_receiver [--addr HOST:PORT]".into()),
    };
    let key = std::env::var("BAIJIAYUN_PARTNER_KEY")
        .map_err(|_| "set BAIJIAYUN_PARTNER_KEY to the account's partner key")?;
    // Refuse a second delivery of the same qid; a multi-process service would share this store.
    let verifier = Verifier::new(key).replay_store(MemoryReplayStore::new());
    let app = Router::new().fallback(post(receive)).with_state(verifier);
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let _ = writeln!(
        std::io::stdout(),
        "listening on http://{}",
        listener.local_addr()?
    );
    axum::serve(listener, app).await?;
    Ok(())
}
