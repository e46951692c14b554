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
mod de;
mod env;
mod envelope;
mod error;
#[cfg(feature = "redis")]
pub mod fleet;
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
mod wire;

#[cfg(feature = "blocking")]
pub mod blocking;

#[cfg(feature = "mock")]
pub mod mock;

#[rustfmt::skip]
mod generated;

pub use client::{Client, ClientBuilder};
pub use envelope::decode;
pub use error::{Error, Result, TransportKind};
pub use generated::*;
pub use limit::RateLimit;
pub use playback_ref::{InvalidPlaybackRef, PlaybackRef};
pub use retry::RetryPolicy;
pub use text::FromText;
pub use time::{Date, DateTime, InvalidDate, Original};
pub use upload::Upload;
pub use wire::Endpoint;

/// The generated code's plumbing, and what this workspace's own tests, benchmarks and CLI reach into.
/// Not part of the API: anything here may change in any release.
#[doc(hidden)]
pub mod __private {
    /// The parameter set, its sign and its values.
    pub mod wire {
        pub use crate::wire::{Endpoint, ParamValue, Params, Sealed, ToParam, sign};
    }
    /// The lenient decoding rules.
    pub mod de {
        pub use crate::de::*;
    }
    /// Strict reading of text fields.
    pub mod text {
        pub use crate::text::{FieldError, Fields, FromText};
    }
    /// A response's `data` as JSON, for `Operation::decode_response`.
    pub mod envelope {
        pub use crate::envelope::decode_as_json;
    }
    /// The page and item streams and iterators behind every list endpoint's `pages`/`items`.
    pub mod pagination {
        pub use crate::pagination::{Paginated, item_iter, items, page_iter, pages};
    }
    /// The fake server's request parsing and answers.
    #[cfg(feature = "mock")]
    pub mod mock {
        pub use crate::mock::{
            ParamError, Received, Refusal, ResponseStyle, check_limits, to_json,
        };
    }
    /// The clock of the callback events' constructors.
    pub mod request {
        pub use crate::request::unix_now;
    }
    /// The supertrait that keeps [`crate::Endpoint`] implemented by generated requests only.
    pub use crate::wire::Sealed;
}

/// The README's examples, compiled as doctests so they stay true.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
struct ReadmeExamples;
