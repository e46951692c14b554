//! Receiving Baijiayun's callbacks: verify, claim, handle, complete, answer.
//!
//! Baijiayun POSTs a callback when a playback starts generating, fails or finishes transcoding,
//! when a playback has been recorded into a pure video, and when a main version is set. Register
//! the receiving URL with `set_transcode_callback_url` (the main-version callback's URL is set by
//! Baijiayun staff). Everything about receiving them is in this module: the [`Verifier`], the
//! [`DeliveryStore`] that makes delivery idempotent, the answers ([`Reply`]), the typed events
//! ([`CallbackEvent`] and its cases) and, with the `axum` feature, an extractor (`callback::axum`).
//!
//! ```
//! # async fn run() {
//! use baijiayun::callback::{CallbackEvent, MemoryStore, TranscodeEvent, TranscodeSucceeded, Verifier};
//! # use baijiayun::types::{RoomId, VideoId};
//! # let event = CallbackEvent::Transcode(TranscodeEvent::Succeeded(TranscodeSucceeded::new(RoomId(17), VideoId(2), "8c2b")));
//! # let body = baijiayun::callback::signed_body("partner-key", &event);
//! let verifier = Verifier::new("partner-key").store(MemoryStore::new());
//! // `body` is the raw `application/x-www-form-urlencoded` request body.
//! let reply = verifier
//!     .handle(None, body.as_bytes(), |callback| async move {
//!         if let CallbackEvent::Transcode(TranscodeEvent::Succeeded(done)) = &callback.event {
//!             // Store it; an error here asks the vendor to retry, and the retry is handled.
//!             assert_eq!(done.room_id, RoomId(17));
//!         }
//!         Ok::<(), std::io::Error>(())
//!     })
//!     .await;
//! assert_eq!(reply.body(), r#"{"code":0}"#);
//! // The same delivery again is acknowledged, and not handed to the handler again.
//! let again = verifier.handle(None, body.as_bytes(), |_| async { Err("handled twice") }).await;
//! assert_eq!(again.body(), r#"{"code":0}"#);
//! # }
//! # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(run());
//! ```
//!
//! ## Idempotent delivery
//!
//! Each delivery has a `qid`. With a [`DeliveryStore`] (set by [`Verifier::store`]), a verified
//! delivery is *claimed* before it is handled ([`Verifier::claim`] returns a [`Claimed`] guard),
//! *completed* when the handler succeeds ([`Claimed::complete`], answered `{"code":0}`), and
//! *released* when it fails ([`Claimed::release`], answered `{"code":1,...}` so that the vendor
//! retries, and the retry is handled). A duplicate of a completed delivery is answered
//! `{"code":0}` and not handled again ([`CallbackError::AlreadyHandled`]); a duplicate arriving
//! while the first is handled gets a retryable answer ([`CallbackError::InProgress`]). A claim
//! whose handler crashed or hung lapses after its lease ([`Verifier::lease`]). A store that
//! cannot answer gets a retryable answer too; an unhandled delivery is never acknowledged.
//! [`Verifier::handle`] does all of this around one closure. Without a store, every verified
//! delivery is handed to the handler.
//!
//! ## Timestamps and replays
//!
//! The sign proves a body came from someone who holds the partner key; it does not stop a body
//! from being sent twice. The vendor does not say whether a callback it retries is signed again
//! with a fresh `timestamp`. If it is not, a tight window (such as the 300 s other SDKs use) would
//! reject genuine retries that arrive late, and those events would be lost. So the default
//! tolerance is **24 hours** either way: long enough for any retry schedule we know of, short enough
//! that a captured body cannot be replayed forever. Tighten it with [`Verifier::tolerance`] if the
//! vendor confirms it re-signs retries, or turn it off with [`Verifier::without_tolerance`].
//! Completed deliveries are remembered for twice the tolerance, so a replay is refused either for
//! its age or as a duplicate.
//!
//! ## Bodies re-cut at field boundaries
//!
//! The vendor's sign joins `k=v` pairs with `&` and escapes nothing, so `qid=1&room_id=2` signs
//! the same as one field `qid` holding `1&room_id=2`. A captured body can be re-sent cut
//! differently: a new `qid`, so not a duplicate, with the same sign. The verifier refuses what
//! only such a re-cut produces, before it trusts the sign:
//!
//! * every field name is `[A-Za-z0-9_]`; `qid` is present and is 1–128 of `[A-Za-z0-9_.:-]`;
//! * no value holds `&` or `=` unless it is a URL (`http://` or `https://`, such as
//!   `preface_url`, whose query may legitimately hold both);
//! * every field the spec types as an integer, enum or flag, when present, is exactly of its type.
//!
//! The residual risk is a URL field: a body may be re-cut so that a URL absorbs the field that
//! sorts after it. In every documented callback that field is `qid`, which is then missing and
//! the body refused; an undocumented field sorting between a URL field and `qid` could be
//! absorbed unnoticed, which changes the fields but not the delivery (same `qid`, a duplicate).

#[cfg(feature = "axum")]
pub(crate) mod serve;
mod store;

#[cfg(feature = "redis")]
mod redis;

use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

#[cfg(feature = "redis")]
pub use self::redis::{DEFAULT_PREFIX as REDIS_DEFAULT_PREFIX, RedisStore};
use crate::call::text::Fields;
use crate::call::wire::{ParamValue, Params, sign};
pub use crate::generated::callbacks::*;
#[cfg(feature = "axum")]
pub use serve::ServeLimits;
pub use store::{Claim, DEFAULT_CAPACITY, DeliveryStore, MemoryStore, StoreError, StoreFuture};

/// A verified callback: the typed event, and every field of the body (but `sign`).
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct Callback {
    /// What happened.
    pub event: CallbackEvent,
    /// Every field received, `sign` excepted, including any the spec does not know.
    pub fields: BTreeMap<String, String>,
}

impl Callback {
    /// `qid`, the id of this delivery (always present in a verified callback).
    pub fn qid(&self) -> &str {
        self.fields.get("qid").map_or("", String::as_str)
    }

    /// `timestamp`, unix seconds when it was sent.
    pub fn timestamp(&self) -> Option<i64> {
        self.fields.get("timestamp").and_then(|t| t.parse().ok())
    }
}

/// Why a callback was not handed to the handler. Each cause has its own variant; answer any of
/// them with [`CallbackError::reply`].
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CallbackError {
    /// The body is not a form, or repeats a field, or is empty.
    #[error("malformed callback body: {0}")]
    Malformed(String),
    /// The body has no `sign`.
    #[error("the callback has no sign")]
    MissingSign,
    /// The sign does not match: a wrong partner key, or a field was changed.
    #[error("the callback's sign does not match")]
    BadSign,
    /// A timestamp tolerance is set and the body has no integer `timestamp`.
    #[error("the callback has no valid timestamp")]
    MissingTimestamp,
    /// The timestamp lies outside the tolerance.
    #[error("the callback's timestamp {timestamp} is {} s from now ({now}), beyond the tolerance of {tolerance_secs} s", (now - timestamp).abs())]
    Stale {
        /// The body's timestamp.
        timestamp: i64,
        /// The verifier's clock.
        now: i64,
        /// The tolerance, seconds.
        tolerance_secs: i64,
    },
    /// The body has no `qid`, the id of the delivery.
    #[error("the callback has no qid")]
    MissingQid,
    /// A field is not what a genuine body holds there: a name or `qid` outside its characters,
    /// `&` or `=` in a value that is not a URL (the mark of a body re-cut at field boundaries),
    /// or a typed field that is not exactly of its type.
    #[error("the callback's field {field:?} is refused: {problem}")]
    BadField {
        /// The field.
        field: String,
        /// What is wrong with it.
        problem: String,
    },
    /// This delivery was handled already. Not a failure for the vendor: [`Self::reply`] answers
    /// it `{"code":0}`.
    #[error("callback delivery {qid} was handled already")]
    #[non_exhaustive]
    AlreadyHandled {
        /// The delivery's `qid`.
        qid: String,
    },
    /// Another attempt is handling this delivery now; the vendor is asked to retry.
    #[error("callback delivery {qid} is being handled; retry later")]
    InProgress {
        /// The delivery's `qid`.
        qid: String,
    },
    /// The [`DeliveryStore`] could not answer; the vendor is asked to retry.
    #[error("{0}")]
    StoreUnavailable(String),
    /// The verifier was given an empty (or whitespace-only) partner key, such as an unset
    /// setting read as `""`: it refuses every callback, since anyone can sign with the empty key.
    /// The vendor is asked to retry, so that no event is lost once the key is set.
    #[error(
        "the callback verifier has no partner key (it was given an empty one); every callback is refused"
    )]
    NoKey,
}

impl CallbackError {
    /// The answer to send: `{"code":0}` for [`Self::AlreadyHandled`], `{"code":1,"msg":...}`
    /// for everything else.
    pub fn reply(&self) -> Reply {
        match self {
            CallbackError::AlreadyHandled { .. } => Reply::Ack,
            other => Reply::Retry(other.to_string()),
        }
    }
}

/// The answer the vendor expects to a callback.
///
/// Only this crate makes a [`Reply::Ack`]: by completing a claimed delivery
/// ([`Claimed::complete`], [`Verifier::handle`]), or for a duplicate of one handled before
/// ([`CallbackError::reply`]). So `{"code":0}`, which tells the vendor never to send that
/// delivery again, is never answered for a delivery still claimed: one whose claim would be
/// released when its guard drops, and its duplicates handled again. Test a reply with
/// [`Reply::is_ack`] (or match `Reply::Ack { .. }`).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Reply {
    /// Handled (or handled before): `{"code":0}`. Made only by this crate (see [`Reply`]).
    #[non_exhaustive]
    Ack,
    /// Not handled; the vendor should retry: `{"code":1,"msg":"..."}`.
    Retry(String),
}

impl Reply {
    /// The exact body: `{"code":0}`, or [`reply_error`]'s.
    pub fn body(&self) -> String {
        match self {
            Reply::Ack => reply_ok().to_owned(),
            Reply::Retry(msg) => reply_error(msg),
        }
    }

    /// Whether it acknowledges the delivery.
    pub fn is_ack(&self) -> bool {
        matches!(self, Reply::Ack)
    }
}

impl fmt::Display for Reply {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.body())
    }
}

/// The time, for timestamp checks and store expiry; inject one in tests.
pub trait Clock: Send + Sync {
    /// Unix seconds now.
    fn now_unix(&self) -> i64;
}

/// The system clock.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_unix(&self) -> i64 {
        crate::call::request::unix_now()
    }
}

impl<F: Fn() -> i64 + Send + Sync> Clock for F {
    fn now_unix(&self) -> i64 {
        self()
    }
}

impl fmt::Debug for dyn Clock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Clock")
    }
}

mod claim;
mod fields;
#[cfg(test)]
mod tests;
mod verify;

pub use claim::Claimed;
pub use verify::{DEFAULT_LEASE, DEFAULT_TOLERANCE, Verifier};

/// The answer to a callback handled: exactly `{"code":0}`. Not public: it is made only by
/// completing a delivery ([`Reply`]).
fn reply_ok() -> &'static str {
    r#"{"code":0}"#
}

/// The answer to a callback refused: exactly `{"code":1,"msg":"..."}`, the message JSON-escaped.
pub fn reply_error(message: &str) -> String {
    let msg = serde_json::Value::String(message.to_owned());
    format!(r#"{{"code":1,"msg":{msg}}}"#)
}

/// A form body for `event`, signed with `partner_key` as Baijiayun signs it: for tests of your
/// receiver. The fake server sends callbacks with it.
pub fn signed_body(partner_key: &str, event: &CallbackEvent) -> String {
    let mut params = Params::new();
    event.write_fields(&mut params);
    sign_and_encode(params, partner_key)
}

/// A form body of arbitrary fields, signed with `partner_key`: for tests with fields the spec does
/// not describe.
pub fn signed_body_from_fields<'a, K, V>(
    partner_key: &str,
    fields: impl IntoIterator<Item = (K, V)>,
) -> String
where
    K: Into<std::borrow::Cow<'a, str>>,
    V: Into<ParamValue<'a>>,
{
    sign_and_encode(fields.into_iter().collect(), partner_key)
}

fn sign_and_encode(mut params: Params<'_>, partner_key: &str) -> String {
    params.remove("sign");
    let s = sign(&params, partner_key);
    params.insert("sign", s);
    params.to_form()
}
#[cfg(feature = "axum")]
pub mod axum;
