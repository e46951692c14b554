//! The [`Verifier`]: a callback's sign, fields re-cut at their boundaries, its age, and its
//! event; with a store, the claim that hands each delivery to one handler.

use std::collections::BTreeMap;
use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use subtle::ConstantTimeEq;

use super::claim::{Claimed, Lease};
use super::fields::{check_cut, parse_form, parse_json};
use super::*;

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
