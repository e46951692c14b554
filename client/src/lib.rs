#![doc = include_str!("../README.md")]
#![warn(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod builder;
mod call;
pub mod callback;
mod client;
mod de;
mod env;
mod envelope;
mod error;
mod facade;
#[cfg(feature = "redis")]
pub mod fleet;
pub mod info;
mod json_path;
mod lifetime;
mod limit;
mod observe;
pub mod pagination;
mod playback_ref;
pub mod player;
mod request;
mod retry;
mod role;
pub mod text;
mod time;
mod upload;
mod wire;

#[cfg(feature = "blocking")]
pub mod blocking;

#[rustfmt::skip]
mod generated;

pub use call::{Answer, WithBody};
pub use client::{Client, ClientBuilder};
pub use envelope::decode;
pub use error::{Error, Result, TransportError, TransportKind};
pub use generated::*;
pub use lifetime::{InvalidLifetime, Lifetime};
pub use limit::RateLimit;
pub use playback_ref::{InvalidPlaybackRef, PlaybackRef};
pub use retry::RetryPolicy;
pub use role::{Source, Target};
pub use time::{Date, DateTime, InvalidDate, Original};
pub use upload::Upload;
pub use wire::{Endpoint, ParamValue, Params, sign_text as sign};

/// The generated code's plumbing, and what this workspace's own tests, benchmarks and CLI reach into.
/// Not part of the API: anything here may change in any release.
#[doc(hidden)]
pub mod __private {
    /// The parameter set, its sign and its values.
    pub mod wire {
        pub use crate::wire::{
            Endpoint, ParamValue, Params, Sealed, ToParam, Unconfirmed, sign, unconfirmed,
        };
        pub use crate::error::Label;
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
    /// The clock of the callback events' constructors.
    pub mod request {
        pub use crate::request::unix_now;
    }
    /// The supertrait that keeps [`crate::Endpoint`] implemented by generated requests only.
    pub use crate::wire::Sealed;
}
