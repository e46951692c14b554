//! The quickstart: the async and the blocking client end to end, then a sync of the account into a
//! SQLite file (`baijiayun-sync`).
//!
//! ```text
//! cargo run --example quickstart
//! ```
//!
//! Without credentials it starts the embedded fake server and runs against it. With
//! `BAIJIAYUN_PARTNER_ID`, `BAIJIAYUN_PARTNER_KEY` and `BAIJIAYUN_PRIVATE_DOMAIN` set it runs the
//! read-only calls against the real service; with `BAIJIAYUN_BASE_URL` as well it targets that
//! server instead (a standalone fake, for example). `BAIJIAYUN_MOCK_STYLE=php` makes the embedded
//! fake answer the way PHP backends commonly do (numbers as strings, `""` for absent values). The
//! settings are read by `Client::from_env()`, so `BAIJIAYUN_REDIS_URL` turns the fleet-wide rate
//! limit on.

#![allow(clippy::print_stdout, reason = "an example prints what it does")]

use std::process::ExitCode;
use std::time::Duration;

use baijiayun::types::{ProductType, PublishStatus};
use baijiayun::{Client, ClientBuilder, PlaybackRef};
use baijiayun_mock::{MockServer, ResponseStyle};

/// Where the quickstart runs.
enum Target {
    /// The embedded fake: everything, writes included.
    Fake(MockServer),
    /// A real (or standalone) server: read-only calls.
    Remote(ClientBuilder, String),
}

fn target() -> Result<Target, String> {
    let var = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    let credentials = [
        "BAIJIAYUN_PARTNER_ID",
        "BAIJIAYUN_PARTNER_KEY",
        "BAIJIAYUN_PRIVATE_DOMAIN",
        "BAIJIAYUN_BASE_URL",
    ];
    if credentials.iter().any(|k| var(k).is_some()) {
        // The same settings as any program of yours: a missing or malformed variable is named.
        let builder = Client::from_env().map_err(|e| e.to_string())?;
        let url = builder
            .clone()
            .build()
            .map_err(|e| e.to_string())?
            .base_url()
            .to_owned();
        return Ok(Target::Remote(builder, url));
    }
    MockServer::builder()
        .response_style(match var("BAIJIAYUN_MOCK_STYLE").as_deref() {
            Some("php") => ResponseStyle::Php,
            _ => ResponseStyle::Typed,
        })
        .start_blocking()
        .map(Target::Fake)
        .map_err(|e| format!("cannot start the fake server: {e}"))
}

/// The async half: list and page through playbacks, read one, mint a token, build the player URL.
async fn with_async_client(client: &Client) -> baijiayun::Result<Option<PlaybackRef>> {
    let first = client
        .get_list(ProductType::LargeClass, 1, 10)
        .send()
        .await?;
    let mut sizes = vec![first.list.len()];
    let mut page = 1;
    while sizes.iter().sum::<usize>() < usize::try_from(first.total).unwrap_or(0) && page < 20 {
        page += 1;
        let next = client
            .get_list(ProductType::LargeClass, page, 10)
            .send()
            .await?;
        if next.list.is_empty() {
            break;
        }
        sizes.push(next.list.len());
    }
    let sizes: Vec<String> = sizes.iter().map(ToString::to_string).collect();
    println!(
        "  playbacks: {} in all, read 10 a page: {}",
        first.total,
        sizes.join(" + ")
    );
    let Some(newest) = first.list.first() else {
        println!("  (no playbacks yet)");
        return Ok(None);
    };
    println!(
        "  newest:    room {} \"{}\", {:?}, {} s",
        newest.room_id,
        newest.name.as_deref().unwrap_or(""),
        newest.status,
        newest.length.unwrap_or(0)
    );
    // One value names the playback: its room, and its session for a long-term room.
    let playback = PlaybackRef::from(newest);
    let info = client
        .get_basic_info(playback.room_id)
        .set_session_id(playback.session_id)
        .send()
        .await?;
    println!(
        "  info:      video {}, {} bytes transcoded, {:?}",
        info.video_id
            .map_or_else(|| "-".to_owned(), |v| v.to_string()),
        info.total_transcode_size.unwrap_or(0),
        info.publish_status.unwrap_or(PublishStatus::Published)
    );
    let token = client
        .player_token_for(playback, Duration::from_secs(3600))
        .send()
        .await?;
    let url = client
        .player_url(playback)
        .token(token.token)
        .user_name("张三")
        .user_number(42);
    println!("  player:    {url}");
    Ok(Some(playback))
}

/// The blocking half: change a publish status, read it back, and restore it.
fn with_blocking_client(
    client: &baijiayun::blocking::Client,
    playback: PlaybackRef,
) -> baijiayun::Result<()> {
    let read = || {
        client
            .get_basic_info(playback.room_id)
            .set_session_id(playback.session_id)
            .send()
            .map(|i| i.publish_status.unwrap_or(PublishStatus::Published))
    };
    let set = |status| {
        client
            .set_publish_status(playback.room_id, status)
            .set_session_id(playback.session_id)
            .send()
    };
    let before = read()?;
    set(PublishStatus::Blocked)?;
    let after = read()?;
    set(before)?;
    println!(
        "  publish status: {before:?} → set Blocked → read back {after:?} → restored {before:?}"
    );
    Ok(())
}

/// Syncs the fake account into a SQLite file and reads it back with SQL: what `baijiayun sync`
/// does, as a library.
async fn with_sync(client: Client) -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::temp_dir().join(format!("baijiayun-quickstart-{}.db", std::process::id()));
    let url = format!("sqlite://{}", path.display());
    let db = baijiayun_sync::Database::open(&url).await?;
    let report = baijiayun_sync::Syncer::new(client, db.clone())
        .run_once()
        .await?;
    println!(
        "  run {}: {} rows written in {} requests (budget {} per window) into {}",
        report.status.as_str(),
        report.rows_written,
        report.requests,
        report.budget,
        path.display()
    );
    if let Some(pool) = db.sqlite() {
        let (playbacks, transcoding): (i64, i64) = sqlx::query_as(
            "SELECT COUNT(*), COUNT(*) FILTER (WHERE status = 20) FROM playbacks \
             WHERE deleted_at IS NULL",
        )
        .fetch_one(pool)
        .await?;
        let watched: Option<i64> = sqlx::query_scalar("SELECT SUM(play_length) FROM play_records")
            .fetch_one(pool)
            .await?;
        println!(
            "  SQL: {playbacks} playbacks ({transcoding} transcoding), {} s watched in 30 days",
            watched.unwrap_or(0)
        );
    }
    db.close().await;
    for suffix in ["", "-wal", "-shm", ".sync-lock"] {
        let mut file = path.clone().into_os_string();
        file.push(suffix);
        let _ = std::fs::remove_file(file);
    }
    Ok(())
}

fn main() -> ExitCode {
    let target = match target() {
        Ok(t) => t,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    let (builder, writes) = match &target {
        Target::Fake(server) => {
            println!(
                "baijiayun quickstart on the embedded fake server at {}",
                server.url()
            );
            println!(
                "(set BAIJIAYUN_PARTNER_ID, _PARTNER_KEY and _PRIVATE_DOMAIN to use the real service)\n"
            );
            (server.client_builder(), true)
        }
        Target::Remote(builder, url) => {
            println!("baijiayun quickstart on {url} (read-only calls)\n");
            (builder.clone(), false)
        }
    };
    let run = || -> Result<(), String> {
        let client = builder.clone().build().map_err(|e| e.to_string())?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| e.to_string())?;
        println!("async client:");
        let room = runtime
            .block_on(with_async_client(&client))
            .map_err(|e| e.to_string())?;
        drop(runtime);
        println!("blocking client:");
        let blocking = builder
            .clone()
            .build_blocking()
            .map_err(|e| e.to_string())?;
        match room {
            Some(playback) if writes => {
                with_blocking_client(&blocking, playback).map_err(|e| e.to_string())?;
            }
            Some(playback) => {
                let info = blocking
                    .get_basic_info(playback.room_id)
                    .set_session_id(playback.session_id)
                    .send()
                    .map_err(|e| e.to_string())?;
                println!(
                    "  status of playback {playback}: {:?} (writes run only on the fake server)",
                    info.status
                );
            }
            None => println!("  nothing to change"),
        }
        if writes {
            println!("sync (baijiayun-sync) into SQLite:");
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| e.to_string())?;
            // A generated account of 200 rooms, with play records over the last 30 days.
            let account = runtime
                .block_on(MockServer::builder().rooms(200).seed(1).start())
                .map_err(|e| e.to_string())?;
            println!("  (a generated account of 200 rooms at {})", account.url());
            let client = account.client().map_err(|e| e.to_string())?;
            runtime
                .block_on(with_sync(client))
                .map_err(|e| e.to_string())?;
        } else {
            println!(
                "sync: run `baijiayun sync --once` to copy this account into sqlite://baijiayun.db"
            );
        }
        Ok(())
    };
    match run() {
        Ok(()) => {
            println!("\ndone.");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
