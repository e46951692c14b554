//! A typed async and blocking client for the Baijiayun (百家云) playback server API
//! (回放服务端API): every endpoint of the vendor's document (APIs 1–39) plus the transcode
//! callback address, generated from one spec.
//!
//! ```no_run
//! # async fn run() -> baijiayun::Result<()> {
//! use baijiayun::{Client, types::{ProductType, PublishStatus}};
//!
//! let client = Client::builder(12345678, "partner-key").private_domain("e12345678").build()?;
//! let info = client.get_basic_info(17081558148393).send().await?;
//! let token = client.get_player_token(17081558148393, 3600).send().await?;
//! client.set_publish_status(17081558148393, PublishStatus::Blocked).send().await?;
//! # let _ = (info, token);
//! # Ok(())
//! # }
//! ```
//!
//! * Every endpoint is a method on [`Client`] and on [`blocking::Client`], with the same name.
//!   Required parameters are the method's arguments; optional ones are setters on the returned
//!   request; `send` signs it, sends it and returns the envelope's typed `data`.
//! * Records and enums are in [`types`]; each group of endpoints has a module of request types
//!   ([`playback`], [`token`], …); [`operations::Operation`] names every endpoint.
//! * The paths of APIs 16–39 are not published by the vendor and were inferred; each request
//!   type's docs say so, and [`ClientBuilder::path`] overrides any path at run time.
//! * Errors are one [`Error`]: the vendor's refusals (with its code), HTTP statuses, transport
//!   failures and decode failures (with the JSON path) are distinct variants.

#![warn(missing_docs)]

mod call;
pub mod callback;
mod client;
pub mod de;
mod envelope;
mod error;
pub mod info;
mod json_path;
mod limit;
mod observe;
pub mod pagination;
mod playback_ref;
pub mod player;
mod request;
mod retry;
mod text;
mod time;
mod upload;
pub mod wire;

#[cfg(feature = "blocking")]
pub mod blocking;

#[cfg(feature = "mock")]
pub mod mock;

#[rustfmt::skip]
mod generated;

pub use client::{Client, ClientBuilder};
pub use error::{Error, Result, TransportKind};
pub use generated::*;
pub use limit::RateLimit;
pub use playback_ref::{InvalidPlaybackRef, PlaybackRef};
pub use retry::RetryPolicy;
pub use text::FromText;
pub use time::{Date, DateTime, InvalidDate, Original};
pub use upload::Upload;

/// The README's examples, compiled as doctests so they stay true.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
struct ReadmeExamples;
