//! Receiving Baijiayun's callbacks: verify, read, answer.
//!
//! Baijiayun POSTs a callback when a playback starts generating, fails or finishes transcoding,
//! when a playback has been recorded into a pure video, and when a main version is set. Register
//! the receiving URL with `set_transcode_callback_url` (the main-version callback's URL is set by
//! Baijiayun staff). A receiver verifies each body and answers:
//!
//! ```
//! use baijiayun::callback::{Verifier, reply_error, reply_ok, signed_body_from_fields};
//! use baijiayun::callbacks::{CallbackEvent, TranscodeEvent};
//!
//! let verifier = Verifier::new("partner-key").without_tolerance();
//! # let body = signed_body_from_fields("partner-key", [
//! #     ("room_id", "17081558148393"), ("video_id", "145058"), ("status", "100"),
//! #     ("qid", "8c2b"), ("timestamp", "1700000000"), ("length", "2393"),
//! # ]);
//! // `body` is the raw `application/x-www-form-urlencoded` request body.
//! let reply = match verifier.verify_form(body.as_bytes()) {
//!     Ok(callback) => {
//!         if let CallbackEvent::Transcode(TranscodeEvent::Succeeded(done)) = &callback.event {
//!             assert_eq!((done.room_id, done.length), (17081558148393, Some(2393)));
//!         }
//!         reply_ok().to_owned()
//!     }
//!     Err(e) => reply_error(&e.to_string()),
//! };
//! assert_eq!(reply, r#"{"code":0}"#);
//! ```
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
//!
//! Duplicates inside the window (retries, replays) are stopped by `qid`, the id of one delivery:
//! give the verifier a [`ReplayStore`] ([`MemoryReplayStore`] for one process; your database or
//! cache across processes), and a second body with the same `qid` is refused with
//! [`CallbackError::Replayed`]. A receiver should still handle events idempotently.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use subtle::ConstantTimeEq;

pub use crate::callbacks::CallbackEvent;
use crate::text::Fields;
use crate::wire::{ParamValue, Params, sign};

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
    /// `qid`, the id of this delivery.
    pub fn qid(&self) -> Option<&str> {
        self.fields.get("qid").map(String::as_str)
    }

    /// `timestamp`, unix seconds when it was sent.
    pub fn timestamp(&self) -> Option<i64> {
        self.fields.get("timestamp").and_then(|t| t.parse().ok())
    }
}

/// Why a callback was refused. Each cause has its own variant.
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
    /// Replay protection is on and this `qid` was seen before.
    #[error("callback delivery {qid} was already received")]
    Replayed {
        /// The repeated `qid`.
        qid: String,
    },
}

/// The time, for timestamp checks; inject one in tests.
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

/// Remembers the `qid`s of accepted deliveries, to refuse repeats.
pub trait ReplayStore: Send + Sync {
    /// Records `qid` until `expires_at` (unix seconds) and says whether it is new. Must be atomic:
    /// of two concurrent calls with one `qid`, one returns `true`.
    fn first_time(&self, qid: &str, expires_at: i64) -> bool;
}

/// A [`ReplayStore`] in memory, for one process. Entries are dropped once expired.
#[derive(Debug, Default)]
pub struct MemoryReplayStore {
    seen: Mutex<HashMap<String, i64>>,
    clock: Option<Arc<dyn Clock>>,
}

impl fmt::Debug for dyn Clock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Clock")
    }
}

impl MemoryReplayStore {
    /// An empty store using the system clock to expire entries.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty store using `clock` to expire entries.
    pub fn with_clock(clock: impl Clock + 'static) -> Self {
        MemoryReplayStore {
            seen: Mutex::new(HashMap::new()),
            clock: Some(Arc::new(clock)),
        }
    }

    /// How many deliveries it remembers now.
    pub fn len(&self) -> usize {
        self.seen.lock().map_or(0, |s| s.len())
    }

    /// Whether it remembers none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl ReplayStore for MemoryReplayStore {
    fn first_time(&self, qid: &str, expires_at: i64) -> bool {
        let now = self
            .clock
            .as_ref()
            .map_or_else(|| SystemClock.now_unix(), |c| c.now_unix());
        let mut seen = self
            .seen
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        seen.retain(|_, until| *until > now);
        if seen.contains_key(qid) {
            return false;
        }
        seen.insert(qid.to_owned(), expires_at);
        true
    }
}

/// Verifies callbacks: sign, then timestamp, then replay, then reads the event.
#[derive(Clone)]
pub struct Verifier {
    partner_key: SecretString,
    tolerance: Option<Duration>,
    clock: Arc<dyn Clock>,
    replay: Option<Arc<dyn ReplayStore>>,
}

impl fmt::Debug for Verifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Verifier")
            .field("partner_key", &"[redacted]")
            .field("tolerance", &self.tolerance)
            .field("replay_protection", &self.replay.is_some())
            .finish()
    }
}

/// The default timestamp tolerance; see the module docs for why it is a day.
pub const DEFAULT_TOLERANCE: Duration = Duration::from_secs(24 * 3600);

impl Verifier {
    /// A verifier for bodies signed with `partner_key`, with the default tolerance of 24 hours
    /// and no replay protection.
    pub fn new(partner_key: impl Into<String>) -> Self {
        Verifier {
            partner_key: SecretString::from(partner_key.into()),
            tolerance: Some(DEFAULT_TOLERANCE),
            clock: Arc::new(SystemClock),
            replay: None,
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

    /// Refuses a second delivery with the same `qid`, remembered in `store`.
    #[must_use]
    pub fn replay_store(mut self, store: impl ReplayStore + 'static) -> Self {
        self.replay = Some(Arc::new(store));
        self
    }

    /// Verifies an `application/x-www-form-urlencoded` body.
    pub fn verify_form(&self, body: &[u8]) -> Result<Callback, CallbackError> {
        self.verify_fields(parse_form(body)?)
    }

    /// Verifies the fields of a query string (without the leading `?`).
    pub fn verify_query(&self, query: &str) -> Result<Callback, CallbackError> {
        self.verify_fields(parse_form(query.as_bytes())?)
    }

    /// Verifies a request as it arrived: the form body, or a JSON object body, or, when the body
    /// is empty, the query string.
    pub fn verify_request(
        &self,
        query: Option<&str>,
        body: &[u8],
    ) -> Result<Callback, CallbackError> {
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
        let sent = fields.remove("sign").ok_or(CallbackError::MissingSign)?;
        let params: Params<'_> = fields
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let expected = sign(&params, self.partner_key.expose_secret());
        if !bool::from(
            expected
                .as_bytes()
                .ct_eq(sent.trim().to_ascii_lowercase().as_bytes()),
        ) {
            return Err(CallbackError::BadSign);
        }
        let now = self.clock.now_unix();
        if let Some(tolerance) = self.tolerance {
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
        if let Some(store) = &self.replay {
            let qid = fields.get("qid").ok_or_else(|| {
                CallbackError::Malformed("no qid, needed for replay protection".into())
            })?;
            let keep = i64::try_from(self.tolerance.unwrap_or(DEFAULT_TOLERANCE).as_secs())
                .unwrap_or(i64::MAX);
            if !store.first_time(qid, now.saturating_add(keep)) {
                return Err(CallbackError::Replayed { qid: qid.clone() });
            }
        }
        let event = CallbackEvent::from_fields(Fields(&fields));
        Ok(Callback { event, fields })
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

/// The answer to a callback handled: exactly `{"code":0}`.
pub fn reply_ok() -> &'static str {
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
    use super::*;
    use crate::callbacks::{MainVersionEvent, PureVideoEvent, TranscodeEvent, TranscodeSucceeded};
    use crate::types::{TranscodeStatus, VersionType};

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
                    (1, 2, Some(9), None)
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
        let odd = body(&[("something", "else"), ("timestamp", "1700000000")]);
        let cb = verifier()
            .verify_form(odd.as_bytes())
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(matches!(cb.event, CallbackEvent::Unknown(_)));
        assert_eq!(cb.fields.len(), 2);
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
        let replays = verifier().replay_store(MemoryReplayStore::with_clock(|| 1_700_000_000));
        assert!(replays.verify_form(good.as_bytes()).is_ok());
        assert_eq!(
            replays.verify_form(good.as_bytes()),
            Err(CallbackError::Replayed { qid: "q".into() })
        );
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
        let mut event = TranscodeSucceeded::new(17, 900, "qid-1", 1_700_000_000);
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
            prop::collection::btree_map("[a-z_]{1,10}", "[ -~\\u{4e00}-\\u{4e20}]{0,12}", 0..10)
                .prop_map(|m| {
                    let mut v: Vec<(String, String)> = m
                        .into_iter()
                        .filter(|(k, _)| k != "sign" && k != "timestamp")
                        .collect();
                    v.push(("timestamp".into(), "1700000000".into()));
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
