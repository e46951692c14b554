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
use std::future::Future;
use std::ops::Deref;
use std::sync::Arc;
use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use subtle::ConstantTimeEq;

#[cfg(feature = "redis")]
pub use self::redis::{DEFAULT_PREFIX as REDIS_DEFAULT_PREFIX, RedisStore};
pub use crate::generated::callbacks::*;
use crate::text::Fields;
use crate::wire::{ParamValue, Params, sign};
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
        crate::request::unix_now()
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

/// Verifies callbacks (sign, re-cut fields, timestamp), reads their events and, with a
/// [`DeliveryStore`], claims them so that each is handled once.
#[derive(Clone)]
pub struct Verifier {
    partner_key: SecretString,
    tolerance: Option<Duration>,
    clock: Arc<dyn Clock>,
    store: Option<Arc<dyn DeliveryStore>>,
    lease: Duration,
    keep: Option<Duration>,
}

impl fmt::Debug for Verifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Verifier")
            .field(
                "partner_key",
                &if self.key().is_ok() {
                    "[redacted]"
                } else {
                    "[empty]"
                },
            )
            .field("tolerance", &self.tolerance)
            .field("store", &self.store.is_some())
            .field("lease", &self.lease)
            .field("keep", &self.keep_completed_for())
            .finish()
    }
}

/// The default timestamp tolerance; see the module docs for why it is a day.
pub const DEFAULT_TOLERANCE: Duration = Duration::from_secs(24 * 3600);

/// The default lease of a claim: how long a handler may take before the delivery is claimable
/// again.
pub const DEFAULT_LEASE: Duration = Duration::from_secs(120);

impl Verifier {
    /// A verifier for bodies signed with `partner_key`, with the default tolerance of 24 hours
    /// and no store (every verified delivery is handed to the handler).
    ///
    /// An empty or whitespace-only key (an unset setting read as `""`) fails closed: every
    /// callback is refused with [`CallbackError::NoKey`] (answered with a retry), and an error is
    /// logged now. Without this, anyone could sign a callback with the empty key.
    pub fn new(partner_key: impl Into<String>) -> Self {
        let partner_key = partner_key.into();
        if partner_key.trim().is_empty() {
            tracing::error!(
                "the callback verifier was given an empty partner key; it refuses every callback"
            );
        }
        Verifier {
            partner_key: SecretString::from(partner_key),
            tolerance: Some(DEFAULT_TOLERANCE),
            clock: Arc::new(SystemClock),
            store: None,
            lease: DEFAULT_LEASE,
            keep: None,
        }
    }

    /// Refuses bodies whose `timestamp` is further than `tolerance` from now, either way.
    #[must_use]
    pub fn tolerance(mut self, tolerance: Duration) -> Self {
        self.tolerance = Some(tolerance);
        self
    }

    /// Accepts any `timestamp`.
    #[must_use]
    pub fn without_tolerance(mut self) -> Self {
        self.tolerance = None;
        self
    }

    /// Uses `clock` for the timestamp check.
    #[must_use]
    pub fn clock(mut self, clock: impl Clock + 'static) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    /// Claims and completes deliveries in `store`, so each is handled once (module docs).
    #[must_use]
    pub fn store(self, store: impl DeliveryStore + 'static) -> Self {
        self.shared_store(Arc::new(store))
    }

    /// [`Verifier::store`] with a store shared elsewhere too.
    #[must_use]
    pub fn shared_store(mut self, store: Arc<dyn DeliveryStore>) -> Self {
        self.store = Some(store);
        self
    }

    /// How long a claim lasts before the delivery is claimable again (default [`DEFAULT_LEASE`]):
    /// longer than any handler takes, short enough that a crashed handler's event is retried.
    #[must_use]
    pub fn lease(mut self, lease: Duration) -> Self {
        self.lease = lease;
        self
    }

    /// How long a completed delivery is remembered (default: twice the tolerance, or twice
    /// [`DEFAULT_TOLERANCE`] without one).
    #[must_use]
    pub fn keep_completed(mut self, keep: Duration) -> Self {
        self.keep = Some(keep);
        self
    }

    fn keep_completed_for(&self) -> Duration {
        self.keep.unwrap_or_else(|| {
            self.tolerance
                .unwrap_or(DEFAULT_TOLERANCE)
                .saturating_mul(2)
        })
    }

    /// The partner key, or [`CallbackError::NoKey`] when it is empty: checked before anything
    /// else, so that a verifier without a key refuses every body, malformed or not.
    fn key(&self) -> Result<&str, CallbackError> {
        let key = self.partner_key.expose_secret();
        if key.trim().is_empty() {
            return Err(CallbackError::NoKey);
        }
        Ok(key)
    }

    /// Verifies an `application/x-www-form-urlencoded` body.
    pub fn verify_form(&self, body: &[u8]) -> Result<Callback, CallbackError> {
        self.key()?;
        self.verify_fields(parse_form(body)?)
    }

    /// Verifies the fields of a query string (without the leading `?`).
    pub fn verify_query(&self, query: &str) -> Result<Callback, CallbackError> {
        self.key()?;
        self.verify_fields(parse_form(query.as_bytes())?)
    }

    /// Verifies a request as it arrived: the form body, or a JSON object body, or, when the body
    /// is empty, the query string. This checks; it does not claim (see [`Verifier::claim`]).
    pub fn verify_request(
        &self,
        query: Option<&str>,
        body: &[u8],
    ) -> Result<Callback, CallbackError> {
        self.key()?;
        let trimmed = body.trim_ascii();
        if trimmed.is_empty() {
            return self.verify_query(query.unwrap_or(""));
        }
        if trimmed.starts_with(b"{") {
            return self.verify_fields(parse_json(trimmed)?);
        }
        self.verify_form(body)
    }

    /// Verifies fields already decoded (e.g. by a web framework's form extractor).
    pub fn verify_fields(
        &self,
        mut fields: BTreeMap<String, String>,
    ) -> Result<Callback, CallbackError> {
        let key = self.key()?;
        let sent = fields.remove("sign").ok_or(CallbackError::MissingSign)?;
        let params: Params<'_> = fields
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let expected = sign(&params, key);
        if !bool::from(
            expected
                .as_bytes()
                .ct_eq(sent.trim().to_ascii_lowercase().as_bytes()),
        ) {
            return Err(CallbackError::BadSign);
        }
        check_cut(&fields)?;
        if let Some(tolerance) = self.tolerance {
            let now = self.clock.now_unix();
            let timestamp: i64 = fields
                .get("timestamp")
                .and_then(|t| t.trim().parse().ok())
                .ok_or(CallbackError::MissingTimestamp)?;
            let tolerance_secs = i64::try_from(tolerance.as_secs()).unwrap_or(i64::MAX);
            if (now - timestamp).abs() > tolerance_secs {
                return Err(CallbackError::Stale {
                    timestamp,
                    now,
                    tolerance_secs,
                });
            }
        }
        let event = match CallbackEvent::read(Fields(&fields)) {
            Ok(event) => event,
            // A missing field may be the vendor's drift: kept, as an `Unknown` event.
            Err((field, problem)) if field.is_empty() || !fields.contains_key(&field) => {
                CallbackEvent::Unknown(if field.is_empty() {
                    problem
                } else {
                    format!("{field}: {problem}")
                })
            }
            // A field present but not of its type is what a re-cut leaves.
            Err((field, problem)) => return Err(CallbackError::BadField { field, problem }),
        };
        Ok(Callback { event, fields })
    }

    /// Verifies a request ([`Verifier::verify_request`]) and claims its delivery in the store.
    ///
    /// `Ok` hands over the delivery: handle it, then [`Claimed::complete`] it (or
    /// [`Claimed::release`] it when handling failed). `Err` is answered with
    /// [`CallbackError::reply`]: `{"code":0}` for a delivery handled before, a retryable
    /// `{"code":1,...}` otherwise.
    pub async fn claim(&self, query: Option<&str>, body: &[u8]) -> Result<Claimed, CallbackError> {
        let callback = self.verify_request(query, body)?;
        let Some(store) = &self.store else {
            return Ok(Claimed {
                callback,
                lease: None,
            });
        };
        let qid = callback.qid().to_owned();
        let token = format!("{:016x}{:016x}", fastrand::u64(..), fastrand::u64(..));
        match store.claim(&qid, &token, self.lease).await {
            Ok(Claim::Claimed) => Ok(Claimed {
                callback,
                lease: Some(Lease {
                    store: Arc::clone(store),
                    qid,
                    token,
                    keep: self.keep_completed_for(),
                }),
            }),
            Ok(Claim::Completed) => Err(CallbackError::AlreadyHandled { qid }),
            Ok(Claim::InProgress) => Err(CallbackError::InProgress { qid }),
            Err(e) => Err(CallbackError::StoreUnavailable(e.to_string())),
        }
    }

    /// The whole flow: verify, claim, run `handler`, then complete (handler `Ok`, answered
    /// `{"code":0}`) or release (handler `Err`, answered `{"code":1,...}`); returns the answer
    /// to send. A delivery refused before the handler runs is answered with
    /// [`CallbackError::reply`].
    ///
    /// A panic in `handler` is not caught: it propagates out of `handle`, so no answer is
    /// returned, and what the vendor sees is whatever your server does with a panicking request
    /// (hyper and axum close the connection; the vendor retries). As the panic unwinds, the claim
    /// is released in the background on the current tokio runtime, and the retry is handled; with
    /// no runtime to run the release on (or with `panic = "abort"`), the claim lapses after its
    /// [lease](Verifier::lease) instead. The same release happens when the returned future is
    /// dropped before it finishes (a cancelled request). To answer a panic with a retry instead,
    /// catch it inside `handler`.
    pub async fn handle<F, Fut, E>(&self, query: Option<&str>, body: &[u8], handler: F) -> Reply
    where
        F: FnOnce(Callback) -> Fut,
        Fut: Future<Output = Result<(), E>>,
        E: fmt::Display,
    {
        let claimed = match self.claim(query, body).await {
            Ok(c) => c,
            Err(e) => return e.reply(),
        };
        let (callback, lease) = claimed.into_parts();
        // Should the handler panic, the lease guard releases the claim as it unwinds.
        match handler(callback).await {
            Ok(()) => lease.complete().await,
            Err(e) => lease.release(&e.to_string()).await,
        }
    }
}

/// A verified delivery, claimed for this attempt: handle [`Claimed::callback`] (also reachable
/// through `Deref`), then [`complete`](Claimed::complete) or [`release`](Claimed::release) it.
/// Dropped without either (a handler that returned early or panicked, or a cancelled request), it
/// is released (in the background, on a tokio runtime; otherwise when its lease runs out) and a
/// warning is logged, so the vendor's retry is handled again. `{"code":0}` can only come from
/// [`Claimed::complete`] (see [`Reply`]).
#[derive(Debug)]
#[must_use = "complete the delivery once handled, or release it"]
pub struct Claimed {
    callback: Callback,
    lease: Option<Lease>,
}

/// The store's claim on one delivery; released when dropped unfinished.
#[derive(Debug)]
struct Lease {
    store: Arc<dyn DeliveryStore>,
    qid: String,
    token: String,
    keep: Duration,
}

/// What is left of a [`Claimed`] while the handler owns the callback.
#[derive(Debug)]
struct LeaseGuard(Option<Lease>);

impl Claimed {
    /// The verified callback.
    pub fn callback(&self) -> &Callback {
        &self.callback
    }

    fn into_parts(mut self) -> (Callback, LeaseGuard) {
        let lease = self.lease.take();
        let callback = std::mem::replace(
            &mut self.callback,
            Callback {
                event: CallbackEvent::Unknown(String::new()),
                fields: BTreeMap::new(),
            },
        );
        (callback, LeaseGuard(lease))
    }

    /// Records the delivery as handled and returns `{"code":0}`. Should the store fail to
    /// record it, the answer is still `{"code":0}` (the event *was* handled; a failure is
    /// logged): a retry would then be handled again once the claim lapses, never lost.
    pub async fn complete(self) -> Reply {
        self.into_parts().1.complete().await
    }

    /// Forgets the claim, so the vendor's retry is handled, and returns `{"code":1,"msg":why}`.
    pub async fn release(self, why: &str) -> Reply {
        self.into_parts().1.release(why).await
    }
}

impl Deref for Claimed {
    type Target = Callback;

    fn deref(&self) -> &Callback {
        &self.callback
    }
}

impl Drop for Claimed {
    fn drop(&mut self) {
        drop(LeaseGuard(self.lease.take()));
    }
}

impl LeaseGuard {
    async fn complete(mut self) -> Reply {
        if let Some(l) = self.0.take()
            && let Err(e) = l.store.complete(&l.qid, &l.token, l.keep).await
        {
            tracing::warn!(qid = %l.qid, error = %e, "a handled callback could not be recorded as completed");
        }
        Reply::Ack
    }

    async fn release(mut self, why: &str) -> Reply {
        if let Some(l) = self.0.take()
            && let Err(e) = l.store.release(&l.qid, &l.token).await
        {
            tracing::warn!(qid = %l.qid, error = %e, "a failed callback's claim could not be released; it lapses with its lease");
        }
        Reply::Retry(why.to_owned())
    }
}

impl Drop for LeaseGuard {
    fn drop(&mut self) {
        let Some(l) = self.0.take() else { return };
        // Unfinished (a handler that panicked, or a guard dropped): release it if a runtime is
        // here to run the store's future; otherwise the lease runs out.
        if std::thread::panicking() {
            tracing::warn!(qid = %l.qid, "the callback's handler panicked; its claim is released and the vendor's retry will be handled");
        } else {
            tracing::warn!(qid = %l.qid, "a claimed callback was dropped without complete() or release() (a handler that returned without either, or a cancelled request); its claim is released and the vendor's retry will be handled again");
        }
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(async move {
                let _ = l.store.release(&l.qid, &l.token).await;
            });
        }
    }
}

/// The characters of a `qid`.
fn qid_problem(qid: &str) -> Option<&'static str> {
    if qid.is_empty() || qid.len() > 128 {
        return Some("not 1 to 128 characters");
    }
    (!qid
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b':' | b'-')))
    .then_some("holds characters outside [A-Za-z0-9_.:-]")
}

/// Refuses what only a body re-cut at field boundaries holds (module docs).
fn check_cut(fields: &BTreeMap<String, String>) -> Result<(), CallbackError> {
    let bad = |field: &str, problem: &str| CallbackError::BadField {
        field: field.to_owned(),
        problem: problem.to_owned(),
    };
    for (k, v) in fields {
        if !k.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
            return Err(bad(k, "a field name holds characters outside [A-Za-z0-9_]"));
        }
        let url = v.starts_with("http://") || v.starts_with("https://");
        if !url && v.contains(['&', '=']) {
            return Err(bad(k, "holds '&' or '=' and is not a URL"));
        }
    }
    let qid = fields.get("qid").ok_or(CallbackError::MissingQid)?;
    match qid_problem(qid) {
        Some(p) => Err(bad("qid", p)),
        None => Ok(()),
    }
}

/// Decodes a form strictly: every name and value must be valid percent-encoded UTF-8, and no
/// field may appear twice (which value would the sign cover?).
fn parse_form(body: &[u8]) -> Result<BTreeMap<String, String>, CallbackError> {
    let text = std::str::from_utf8(body)
        .map_err(|_| CallbackError::Malformed("the body is not UTF-8".into()))?;
    if text.trim().is_empty() {
        return Err(CallbackError::Malformed("the body is empty".into()));
    }
    let decode = |s: &str| -> Result<String, CallbackError> {
        let s = s.replace('+', " ");
        percent_encoding::percent_decode_str(&s)
            .decode_utf8()
            .map(|c| c.into_owned())
            .map_err(|_| CallbackError::Malformed(format!("{s:?} does not decode to UTF-8")))
    };
    let mut fields = BTreeMap::new();
    for pair in text.trim().split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let (k, v) = (decode(k)?, decode(v)?);
        if k.is_empty() {
            return Err(CallbackError::Malformed("a field without a name".into()));
        }
        if fields.insert(k.clone(), v).is_some() {
            return Err(CallbackError::Malformed(format!(
                "field {k:?} appears twice"
            )));
        }
    }
    Ok(fields)
}

/// Decodes a JSON object of scalars; numbers keep their decimal text, as a form would carry them.
fn parse_json(body: &[u8]) -> Result<BTreeMap<String, String>, CallbackError> {
    let map: serde_json::Map<String, serde_json::Value> = serde_json::from_slice(body)
        .map_err(|e| CallbackError::Malformed(format!("not a JSON object: {e}")))?;
    map.into_iter()
        .map(|(k, v)| {
            let text = match v {
                serde_json::Value::String(s) => s,
                serde_json::Value::Number(n) => n.to_string(),
                serde_json::Value::Bool(b) => u8::from(b).to_string(),
                serde_json::Value::Null => String::new(),
                other => {
                    return Err(CallbackError::Malformed(format!(
                        "field {k:?} is not a scalar: {other}"
                    )));
                }
            };
            Ok((k, text))
        })
        .collect()
}

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

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;
    use crate::types::{RoomId, TranscodeStatus, VersionType, VideoId};

    const KEY: &str = "key";

    fn body(fields: &[(&str, &str)]) -> String {
        signed_body_from_fields(KEY, fields.iter().copied())
    }

    fn verifier() -> Verifier {
        Verifier::new(KEY).clock(|| 1_700_000_000)
    }

    #[test]
    fn reads_each_kind_and_status() {
        let started = body(&[
            ("room_id", "1"),
            ("video_id", "2"),
            ("status", "20"),
            ("qid", "a"),
            ("timestamp", "1700000000"),
            ("total_size", "9"),
            ("file_md5", "ab"),
        ]);
        match verifier().verify_form(started.as_bytes()).map(|c| c.event) {
            Ok(CallbackEvent::Transcode(TranscodeEvent::Started(s))) => {
                assert_eq!(
                    (s.room_id, s.video_id, s.total_size, s.session_id),
                    (RoomId(1), VideoId(2), Some(9), None)
                );
            }
            other => panic!("{other:?}"),
        }
        let pure = body(&[
            ("is_from_playback", "1"),
            ("room_id", "1"),
            ("video_id", "2"),
            ("status", "1"),
            ("qid", "b"),
            ("timestamp", "1700000000"),
        ]);
        assert!(matches!(
            verifier().verify_form(pure.as_bytes()).map(|c| c.event),
            Ok(CallbackEvent::PureVideo(PureVideoEvent { .. }))
        ));
        let main = body(&[
            ("room_id", "1"),
            ("session_id", "0"),
            ("version", "2"),
            ("video_id", "3"),
            ("version_type", "0"),
            ("qid", "c"),
            ("timestamp", "1700000000"),
        ]);
        match verifier().verify_form(main.as_bytes()).map(|c| c.event) {
            Ok(CallbackEvent::MainVersion(MainVersionEvent {
                version_type,
                version,
                ..
            })) => {
                assert_eq!((version_type, version), (VersionType::Main, 2));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn unknown_statuses_and_kinds_are_kept() {
        let unknown_status = body(&[
            ("room_id", "1"),
            ("video_id", "2"),
            ("status", "40"),
            ("qid", "a"),
            ("timestamp", "1700000000"),
            ("new_field", "x"),
        ]);
        let cb = verifier()
            .verify_form(unknown_status.as_bytes())
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            cb.event,
            CallbackEvent::Transcode(TranscodeEvent::Unknown(TranscodeStatus::Unknown(40)))
        );
        assert_eq!(cb.fields.get("new_field").map(String::as_str), Some("x"));
        let odd = body(&[
            ("something", "else"),
            ("qid", "z"),
            ("timestamp", "1700000000"),
        ]);
        let cb = verifier()
            .verify_form(odd.as_bytes())
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(matches!(cb.event, CallbackEvent::Unknown(_)));
        assert_eq!(cb.fields.len(), 3);
    }

    #[test]
    fn each_failure_has_its_own_error() {
        let good = body(&[
            ("room_id", "1"),
            ("video_id", "2"),
            ("status", "30"),
            ("qid", "q"),
            ("timestamp", "1700000000"),
        ]);
        assert!(verifier().verify_form(good.as_bytes()).is_ok());
        let tampered = good.replace("video_id=2", "video_id=3");
        assert_eq!(
            verifier().verify_form(tampered.as_bytes()),
            Err(CallbackError::BadSign)
        );
        let unsigned = good.split("&sign=").next().unwrap_or_default().to_owned();
        assert_eq!(
            verifier().verify_form(unsigned.as_bytes()),
            Err(CallbackError::MissingSign)
        );
        assert_eq!(
            Verifier::new("other")
                .clock(|| 1_700_000_000)
                .verify_form(good.as_bytes()),
            Err(CallbackError::BadSign)
        );
        assert!(matches!(
            verifier().verify_form(b"a=%FF"),
            Err(CallbackError::Malformed(_))
        ));
        assert!(matches!(
            verifier().verify_form(b""),
            Err(CallbackError::Malformed(_))
        ));
        assert!(matches!(
            verifier().verify_form(format!("{good}&qid=again").as_bytes()),
            Err(CallbackError::Malformed(_))
        ));
        let late = Verifier::new(KEY).clock(|| 1_700_000_000 + 86_401);
        assert!(matches!(
            late.verify_form(good.as_bytes()),
            Err(CallbackError::Stale { .. })
        ));
        assert!(
            late.without_tolerance()
                .verify_form(good.as_bytes())
                .is_ok()
        );
        let no_ts = body(&[("room_id", "1"), ("qid", "q")]);
        assert_eq!(
            verifier().verify_form(no_ts.as_bytes()),
            Err(CallbackError::MissingTimestamp)
        );
        let no_qid = body(&[("room_id", "1"), ("timestamp", "1700000000")]);
        assert_eq!(
            verifier().verify_form(no_qid.as_bytes()),
            Err(CallbackError::MissingQid)
        );
        // A typed field present but not of its type is refused, not read as `Unknown`.
        let mistyped = body(&[
            ("room_id", "1x"),
            ("video_id", "2"),
            ("status", "30"),
            ("qid", "q"),
            ("timestamp", "1700000000"),
        ]);
        assert!(matches!(
            verifier().verify_form(mistyped.as_bytes()),
            Err(CallbackError::BadField { field, .. }) if field == "room_id"
        ));
    }

    fn succeeded_fields() -> Vec<(&'static str, &'static str)> {
        vec![
            ("file_md5", "9e107d9d372bb6826bd81d3542a419d6"),
            ("length", "620"),
            ("preface_url", "http://img.example.com/1.jpg?x=1&y=2"),
            ("qid", "delivery-1"),
            ("room_id", "17081558148393"),
            ("status", "100"),
            ("timestamp", "1700000000"),
            ("video_id", "145058"),
        ]
    }

    /// The fields re-cut: the value of `left` absorbs `right` (`left=a&right=b` as one value).
    fn recut(fields: &[(&str, &str)], left: &str, right: &str) -> BTreeMap<String, String> {
        let mut out: BTreeMap<String, String> = fields
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        let taken = out.remove(right).unwrap_or_default();
        if let Some(v) = out.get_mut(left) {
            *v = format!("{v}&{right}={taken}");
        }
        out
    }

    #[test]
    fn bodies_re_cut_at_field_boundaries_are_refused() {
        let fields = succeeded_fields();
        let signed: BTreeMap<String, String> = form_urlencoded::parse(body(&fields).as_bytes())
            .into_owned()
            .collect();
        let good = verifier().verify_fields(signed.clone());
        assert!(good.is_ok(), "{good:?}");
        let sent = signed.get("sign").cloned().unwrap_or_default();
        for (left, right) in [
            ("qid", "room_id"),
            ("status", "timestamp"),
            ("length", "preface_url"),
            ("preface_url", "qid"),
        ] {
            let mut cut = recut(&fields, left, right);
            // The attack is real: the re-cut fields carry the very same sign.
            let params: Params<'_> = cut.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            assert_eq!(sign(&params, KEY), sent, "{left}+{right}");
            cut.insert("sign".into(), sent.clone());
            let refused = verifier().verify_fields(cut);
            assert!(
                matches!(
                    refused,
                    Err(CallbackError::BadField { .. } | CallbackError::MissingQid)
                ),
                "{left}+{right}: {refused:?}"
            );
        }
    }

    fn store_verifier() -> Verifier {
        verifier().store(MemoryStore::new().clock(|| 1_700_000_000))
    }

    fn transcode_fields(qid: &str) -> [(&'static str, &str); 5] {
        [
            ("room_id", "1"),
            ("video_id", "2"),
            ("status", "30"),
            ("qid", qid),
            ("timestamp", "1700000000"),
        ]
    }

    fn transcode_body(qid: &str) -> String {
        body(&transcode_fields(qid))
    }

    /// `v.handle(form)` with a handler that must not run: the answer to a delivery refused
    /// before it.
    async fn handle_refused(v: &Verifier, form: &str) -> Reply {
        v.handle(None, form.as_bytes(), |cb| async move {
            panic!("handled: {cb:?}");
            #[expect(unreachable_code, reason = "the handler's type")]
            Ok::<(), &str>(())
        })
        .await
    }

    #[tokio::test]
    async fn a_failed_handler_releases_and_the_retry_is_handled() {
        let v = store_verifier();
        let form = transcode_body("q1");
        let calls = &AtomicUsize::new(0);
        let failed = v
            .handle(None, form.as_bytes(), |_| async {
                calls.fetch_add(1, Ordering::SeqCst);
                Err("db down")
            })
            .await;
        assert_eq!(failed, Reply::Retry("db down".into()));
        assert_eq!(failed.body(), r#"{"code":1,"msg":"db down"}"#);
        let retried = v
            .handle(None, form.as_bytes(), |cb| async move {
                calls.fetch_add(1, Ordering::SeqCst);
                assert_eq!(cb.qid(), "q1");
                Ok::<(), &str>(())
            })
            .await;
        assert_eq!(retried, Reply::Ack);
        assert_eq!(calls.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn a_completed_duplicate_is_acknowledged_and_not_handled_again() {
        let v = store_verifier();
        let form = transcode_body("q2");
        let calls = AtomicUsize::new(0);
        for _ in 0..3 {
            let reply = v
                .handle(None, form.as_bytes(), |_| async {
                    calls.fetch_add(1, Ordering::SeqCst);
                    Ok::<(), &str>(())
                })
                .await;
            assert_eq!(reply.body(), r#"{"code":0}"#);
        }
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        assert!(matches!(
            v.claim(None, form.as_bytes()).await,
            Err(CallbackError::AlreadyHandled { qid }) if qid == "q2"
        ));
        // Without a store, every verified delivery is handed over.
        assert!(verifier().claim(None, form.as_bytes()).await.is_ok());
    }

    #[tokio::test]
    async fn concurrent_duplicates_are_handled_once() {
        let v = store_verifier();
        let form = transcode_body("q3");
        let calls = AtomicUsize::new(0);
        let (entered_tx, entered_rx) = tokio::sync::oneshot::channel::<()>();
        let (go_tx, go_rx) = tokio::sync::oneshot::channel::<()>();
        let first = v.handle(None, form.as_bytes(), |_| async {
            calls.fetch_add(1, Ordering::SeqCst);
            let _ = entered_tx.send(());
            let _ = go_rx.await;
            Ok::<(), &str>(())
        });
        let second = async {
            let _ = entered_rx.await;
            let reply = v
                .handle(None, form.as_bytes(), |_| async {
                    calls.fetch_add(1, Ordering::SeqCst);
                    Ok::<(), &str>(())
                })
                .await;
            let _ = go_tx.send(());
            reply
        };
        let (first, second) = tokio::join!(first, second);
        assert_eq!(first, Reply::Ack);
        assert!(
            matches!(&second, Reply::Retry(m) if m.contains("being handled")),
            "{second:?}"
        );
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }

    #[derive(Debug)]
    struct DownStore;

    impl DeliveryStore for DownStore {
        fn claim<'a>(&'a self, _: &'a str, _: &'a str, _: Duration) -> StoreFuture<'a, Claim> {
            Box::pin(async { Err(StoreError::new("connection refused")) })
        }
        fn complete<'a>(&'a self, _: &'a str, _: &'a str, _: Duration) -> StoreFuture<'a, ()> {
            Box::pin(async { Err(StoreError::new("connection refused")) })
        }
        fn release<'a>(&'a self, _: &'a str, _: &'a str) -> StoreFuture<'a, ()> {
            Box::pin(async { Err(StoreError::new("connection refused")) })
        }
    }

    #[tokio::test]
    async fn an_unreachable_store_gets_a_retry_and_no_handling() {
        let v = verifier().shared_store(Arc::new(DownStore));
        let reply = handle_refused(&v, &transcode_body("q4")).await;
        assert!(
            matches!(&reply, Reply::Retry(m) if m.contains("connection refused")),
            "{reply:?}"
        );
    }

    /// Claims `form` again once its earlier claim is released: the release runs on the runtime,
    /// so give it a few turns (bounded).
    async fn claim_once_released(v: &Verifier, form: &str) -> Claimed {
        let mut again = v.claim(None, form.as_bytes()).await;
        for _ in 0..100 {
            if again.is_ok() {
                break;
            }
            tokio::task::yield_now().await;
            again = v.claim(None, form.as_bytes()).await;
        }
        again.unwrap_or_else(|e| panic!("the claim was not released: {e}"))
    }

    #[tokio::test]
    async fn a_dropped_claim_is_released() {
        let v = store_verifier();
        let form = transcode_body("q5");
        let claimed = v.claim(None, form.as_bytes()).await;
        assert!(claimed.is_ok());
        drop(claimed);
        let again = claim_once_released(&v, &form).await;
        assert_eq!(again.complete().await, Reply::Ack);
    }

    #[tokio::test]
    async fn a_panicking_handler_panics_out_of_handle_and_its_claim_is_released() {
        let v = store_verifier();
        let form = transcode_body("q6");
        let (v2, form2) = (v.clone(), form.clone());
        let joined = tokio::spawn(async move {
            v2.handle(None, form2.as_bytes(), |_| async {
                panic!("a bug in the handler");
                #[expect(unreachable_code, reason = "the handler's type")]
                Ok::<(), &str>(())
            })
            .await
        })
        .await;
        // Not caught: `handle` answers nothing.
        assert!(joined.is_err_and(|e| e.is_panic()));
        // Released as the panic unwound: the vendor's retry is handled.
        let retried = claim_once_released(&v, &form).await;
        assert_eq!(retried.qid(), "q6");
        assert!(retried.complete().await.is_ack());
        assert!(matches!(
            v.claim(None, form.as_bytes()).await,
            Err(CallbackError::AlreadyHandled { .. })
        ));
    }

    #[tokio::test]
    async fn an_empty_key_refuses_every_callback() {
        for key in ["", "  ", "\t\n"] {
            let empty = Verifier::new(key).clock(|| 1_700_000_000);
            // Signed with the very key the verifier holds: a forger's body.
            let forged = signed_body_from_fields(key, transcode_fields("f"));
            assert_eq!(
                empty.verify_form(forged.as_bytes()),
                Err(CallbackError::NoKey)
            );
            assert_eq!(
                empty.verify_request(None, forged.as_bytes()),
                Err(CallbackError::NoKey)
            );
            assert_eq!(empty.verify_query(&forged), Err(CallbackError::NoKey));
            let fields: BTreeMap<String, String> = form_urlencoded::parse(forged.as_bytes())
                .into_owned()
                .collect();
            assert_eq!(empty.verify_fields(fields), Err(CallbackError::NoKey));
            // Before anything else: a malformed body says so too.
            assert_eq!(empty.verify_form(b"a=%FF"), Err(CallbackError::NoKey));
            // Answered with a retry, so the events are handled once the key is set.
            let reply = handle_refused(&empty.clone().store(MemoryStore::new()), &forged).await;
            assert!(
                matches!(&reply, Reply::Retry(m) if m.contains("no partner key")),
                "{reply:?}"
            );
            assert!(format!("{empty:?}").contains("[empty]"));
        }
        // A key of its own is not refused for holding spaces.
        let spaced = Verifier::new(" k ").clock(|| 1_700_000_000);
        let body = signed_body_from_fields(" k ", transcode_fields("f"));
        assert!(spaced.verify_form(body.as_bytes()).is_ok());
    }

    #[test]
    fn query_and_json_bodies() {
        let form = body(&[
            ("room_id", "1"),
            ("video_id", "2"),
            ("status", "30"),
            ("qid", "q"),
            ("timestamp", "1700000000"),
        ]);
        assert!(verifier().verify_request(Some(&form), b"").is_ok());
        let fields: BTreeMap<String, String> = form_urlencoded::parse(form.as_bytes())
            .into_owned()
            .collect();
        let json = serde_json::json!({
            "room_id": 1, "video_id": 2, "status": 30, "qid": "q", "timestamp": 1_700_000_000,
            "sign": fields.get("sign"),
        });
        assert!(
            verifier()
                .verify_request(None, json.to_string().as_bytes())
                .is_ok()
        );
    }

    #[test]
    fn written_events_read_back_the_same() {
        let mut event = TranscodeSucceeded::new(RoomId(17), VideoId(900), "qid-1");
        let stamped = event.timestamp;
        assert!((stamped - crate::request::unix_now()).abs() <= 5);
        event.timestamp = 1_700_000_000;
        event.length = Some(3600);
        event.now_definition = Some("low,high".into());
        let event = CallbackEvent::Transcode(TranscodeEvent::Succeeded(event));
        let form = signed_body(KEY, &event);
        assert!(form.contains("status=100"));
        let cb = verifier()
            .verify_form(form.as_bytes())
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(cb.event, event);
    }

    #[test]
    fn replies_are_exact() {
        assert_eq!(reply_ok(), r#"{"code":0}"#);
        assert_eq!(
            reply_error("签名错误 \"x\""),
            r#"{"code":1,"msg":"签名错误 \"x\""}"#
        );
    }

    mod properties {
        use proptest::prelude::*;

        use super::*;

        /// Fields with names and values of every kind a form carries, `timestamp` included.
        fn fields() -> impl Strategy<Value = Vec<(String, String)>> {
            // Names the spec does not type (`x_`), values without '&' and '=' (a re-cut's mark).
            prop::collection::btree_map(
                "x_[a-z_]{1,8}",
                "[ -%'-<>-~\\u{4e00}-\\u{4e20}]{0,12}",
                0..10,
            )
            .prop_map(|m| {
                let mut v: Vec<(String, String)> = m.into_iter().collect();
                v.push(("timestamp".into(), "1700000000".into()));
                v.push(("qid".into(), "q-1".into()));
                v
            })
        }

        fn encode(pairs: &[(String, String)]) -> String {
            let mut out = form_urlencoded::Serializer::new(String::new());
            for (k, v) in pairs {
                out.append_pair(k, v);
            }
            out.finish()
        }

        proptest! {
            #[test]
            fn field_order_does_not_matter(
                shuffled in fields().prop_flat_map(|f| Just(f).prop_shuffle()),
            ) {
                let signed = signed_body_from_fields(KEY, shuffled.iter().map(|(k, v)| (k.as_str(), v.as_str())));
                let mut pairs: Vec<(String, String)> =
                    form_urlencoded::parse(signed.as_bytes()).into_owned().collect();
                pairs.reverse();
                let reordered = encode(&pairs);
                let a = verifier().verify_form(signed.as_bytes());
                let b = verifier().verify_form(reordered.as_bytes());
                prop_assert!(a.is_ok(), "{a:?}");
                prop_assert_eq!(a, b);
            }

            #[test]
            fn any_single_changed_field_is_a_bad_sign(f in fields(), pick in any::<prop::sample::Index>()) {
                let signed = signed_body_from_fields(KEY, f.iter().map(|(k, v)| (k.as_str(), v.as_str())));
                let mut pairs: Vec<(String, String)> =
                    form_urlencoded::parse(signed.as_bytes()).into_owned().collect();
                let candidates: Vec<usize> = (0..pairs.len()).filter(|i| pairs[*i].0 != "sign").collect();
                let i = candidates[pick.index(candidates.len())];
                pairs[i].1.push('x');
                prop_assert_eq!(verifier().verify_form(encode(&pairs).as_bytes()), Err(CallbackError::BadSign));
            }

            #[test]
            fn arbitrary_bodies_never_panic(body in prop::collection::vec(any::<u8>(), 0..200)) {
                let _ = verifier().verify_form(&body);
                let _ = verifier().verify_request(std::str::from_utf8(&body).ok(), &body);
            }
        }
    }

    #[test]
    fn debug_hides_the_key() {
        assert!(!format!("{:?}", Verifier::new("secret-key")).contains("secret-key"));
    }
}
