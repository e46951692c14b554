#![doc = include_str!("../README.md")]
#![warn(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

// The layers, from the bottom up; a module imports only from its own layer and those below it.
// The generated code (`generated`) is written against the call core and the value types.
mod value;

mod call;

mod limit;

pub mod callback;

mod facade;

#[rustfmt::skip]
mod generated;

// The paths the generated code names its runtime by (`crate::wire`, ...), and the public ones.
pub use call::error::{Error, Result, TransportError, TransportKind};
pub use call::output::{Answer, WithBody};
pub use call::retry::RetryPolicy;
pub use call::wire::{Endpoint, ParamValue, Params, decode, sign_text as sign};
use call::{de, request, wire};
pub use call::{info, text};
#[cfg(feature = "blocking")]
pub use facade::blocking;
pub use facade::client::{Client, ClientBuilder};
pub use facade::env;
pub use facade::pagination;
pub use generated::*;
#[cfg(feature = "redis")]
pub use limit::fleet;
pub use limit::local::RateLimit;
pub use value::lifetime::{InvalidLifetime, Lifetime};
pub use value::playback_ref::{InvalidPlaybackRef, PlaybackRef};
pub use value::player;
pub use value::role::{Source, Target};
pub use value::time::{Date, DateTime, InvalidDate, Original};
pub use value::upload::Upload;

/// The generated code's plumbing, for the generator's fixtures, which compile it outside this
/// crate (`codegen/fixtures-check`). Not part of the API: anything here may change in any release.
#[doc(hidden)]
pub mod __private {
    /// The parameter set, its sign and its values.
    pub mod wire {
        pub use crate::call::error::Label;
        pub use crate::call::wire::{
            Endpoint, ParamValue, Params, Sealed, ToParam, Unconfirmed, decode_as_json, sign,
            unconfirmed,
        };
    }
    /// The tolerant decoding rules.
    pub mod de {
        pub use crate::call::de::*;
    }
    /// Strict reading of text fields.
    pub mod text {
        pub use crate::call::text::{FieldError, Fields, FromText};
    }
    /// The page and item streams and iterators behind every list endpoint's `pages`/`items`.
    pub mod pagination {
        pub use crate::facade::pagination::{Paginated, item_iter, items, page_iter, pages};
    }
    /// The clock of the callback events' constructors.
    pub mod request {
        pub use crate::call::clock::unix_now;
    }
    /// The supertrait that keeps [`crate::Endpoint`] implemented by generated requests only.
    pub use crate::call::wire::Sealed;
}
