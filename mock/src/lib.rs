//! A fake Baijiayun server, generated from the same spec as the `baijiayun` client, for tests and
//! demos. Add it as a dev-dependency:
//!
//! ```toml
//! [dev-dependencies]
//! baijiayun-mock = "0.1"
//! ```
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use baijiayun_mock::{MockServer, seed};
//!
//! let server = MockServer::start().await?;            // 127.0.0.1, a free port
//! let client = server.client()?;                       // signed with the fake's credentials
//! let info = client.get_basic_info(seed::ROOM).send().await?;
//! assert_eq!(info.status, baijiayun::types::PlaybackStatus::Ready);
//! # Ok(())
//! # }
//! ```
//!
//! What it does, like the vendor:
//!
//! * serves every endpoint of the spec, for every method the spec allows, with parameters in the
//!   query string, a urlencoded body or a multipart body; routing and parameter checks come from
//!   the spec (`Operation::info`, and generated per-request parsers);
//! * refuses with the vendor's envelope and codes: 2001 for an unknown partner id, 1002 for a bad
//!   or missing sign, 1001 for a missing or ill-typed parameter, 3001 for an unknown room, 3002 for
//!   a deleted one, 404 for an unknown path, 429 past the rate limit (200 requests per 10 s by
//!   default; the vendor does not publish its code, so 429 is an assumption);
//! * refuses a `timestamp` more than 10 minutes from its clock with 1002, as a bad sign
//!   ([`DEFAULT_TIMESTAMP_WINDOW`]; the vendor does not publish its window, this is our
//!   assumption); answers an unknown path without using up the rate budget;
//! * closes connections that do not send a request's headers, then its body, within 30 s, serves
//!   1024 connections at once at most, and backs off when `accept` fails;
//! * keeps state seeded with the ids of [`seed`], where writes are visible to later reads; or,
//!   with [`MockServerBuilder::rooms`], a generated account of that many rooms, deterministic for a
//!   [`seed`](MockServerBuilder::seed) and the fake's [`now`](MockServerBuilder::now) (what it
//!   holds: [`account`]).
//!
//! A test sees and changes the account through [`MockServer::account`]: snapshots of its truth in
//! the API's own records ([`Account::playbacks`], [`Account::play_records`]), and what time would
//! bring (new rooms, sessions and crops, status changes, late play records, deleted rooms, the
//! fake's clock moving).
//!
//! It runs on a thread and tokio runtime of its own, whether started with
//! [`MockServer::start`] or [`MockServer::start_blocking`], so a blocking client works against it
//! from any thread, a one-thread `#[tokio::test]` included.
//!
//! And what tests need: [`Fault`]s per endpoint ([`MockServer::inject`]), and a record of the
//! last requests ([`MockServer::requests`], the last [`DEFAULT_RECORD_CAPACITY`] by default).
//!
//! Run it on its own for tests in other languages:
//! `cargo run -p baijiayun-mock -- --addr 127.0.0.1:8080`.

#![warn(missing_docs)]

/// Builds one of the client's records (which are `#[non_exhaustive]`, so not built with a struct
/// expression outside the client): `record!(Mark { time_offset: t, desc: d })` starts from the
/// record's `Default` and sets each field named; `record!(Mark { desc: d, ..base })` starts from
/// `base`.
macro_rules! record {
    ($ty:ident { $($field:ident $(: $value:expr)?),* $(,)? }) => {{
        #[allow(unused_mut, reason = "a record with every field left at its default")]
        let mut record = <$ty>::default();
        $(record!(@set record, $field $(, $value)?);)*
        record
    }};
    ($ty:ident { $($field:ident $(: $value:expr)?,)* ..$base:expr }) => {{
        let mut record: $ty = $base;
        $(record!(@set record, $field $(, $value)?);)*
        record
    }};
    (@set $record:ident, $field:ident, $value:expr) => {
        $record.$field = $value;
    };
    (@set $record:ident, $field:ident) => {
        $record.$field = $field;
    };
}

pub mod account;
mod generate;
mod limiter;
mod received;
pub mod seed;
mod serve;
mod server;
mod state;
mod style;

#[rustfmt::skip]
#[path = "generated/service.rs"]
mod service;

use std::collections::BTreeMap;
use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

pub use account::{Account, PlaybackKey};
pub use received::{ParamError, Received, Refusal};
#[doc(hidden)]
pub use received::{check_limits, to_json};
pub use style::ResponseStyle;

use baijiayun::callback::CallbackEvent;
use baijiayun::operations::Operation;
use baijiayun::{Client, ClientBuilder, DateTime};

use crate::serve::ServeLimits;

/// A fault to inject into the fake server's answers.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Fault {
    /// Wait this long, then serve the request normally.
    Latency(Duration),
    /// Answer with this HTTP status (e.g. 502) and a short text body, without serving the request.
    Status(u16),
    /// Close the connection without answering.
    Drop,
    /// Answer 200 with a JSON body cut off in the middle.
    MalformedJson,
    /// Answer 200 with an HTML page, as a gateway or firewall in front of the API would.
    HtmlPage,
    /// Refuse with this vendor code and message (HTTP 200, the vendor's envelope).
    Refuse {
        /// The vendor code.
        code: i64,
        /// The message.
        message: String,
    },
    /// Refuse as past the vendor's rate limit ([`ErrorCode::RateLimited`](baijiayun::types::ErrorCode::RateLimited), 429).
    RateLimited,
}

/// A fault and where it applies.
#[derive(Clone, Debug)]
struct Rule {
    operation: Option<Operation>,
    fault: Fault,
    remaining: Option<u32>,
}

/// One request the fake server received, and how it answered.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct RecordedRequest {
    /// The operation its path routes to, if any.
    pub operation: Option<Operation>,
    /// `GET` or `POST`.
    pub method: String,
    /// The path, without the query string.
    pub path: String,
    /// Its `Content-Type`, if any.
    pub content_type: Option<String>,
    /// Every text parameter received (query, form or multipart), `sign` included; read them
    /// typed with [`RecordedRequest::param`] and its siblings.
    pub params: BTreeMap<String, String>,
    /// The field names of the file parts received.
    pub files: Vec<String>,
    /// The HTTP status answered; `None` while unanswered, or when the connection was dropped.
    pub status: Option<u16>,
    /// The vendor code answered, when the answer was an envelope.
    pub code: Option<i64>,
    /// When it arrived (before its body was read), on the monotonic clock.
    pub arrived: std::time::Instant,
    /// The order of arrival, to fill in the answer later.
    seq: u64,
}

/// Sends a signed callback: the one body of [`MockServer::send_callback`] and its blocking twin.
/// A transport failure is an I/O error of kind `Other` holding reqwest's error, without the URL.
async fn deliver(partner_key: String, url: String, event: CallbackEvent) -> io::Result<Delivery> {
    let body = baijiayun::callback::signed_body(&partner_key, &event);
    let failed = |e: reqwest::Error| io::Error::other(e.without_url());
    let response = reqwest::Client::new()
        .post(url)
        .header(
            reqwest::header::CONTENT_TYPE,
            "application/x-www-form-urlencoded",
        )
        .body(body)
        .send()
        .await
        .map_err(failed)?;
    let status = response.status().as_u16();
    let body = response.text().await.map_err(failed)?;
    Ok(Delivery { status, body })
}

/// A receiver's answer to a callback the fake server sent.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Delivery {
    /// The HTTP status of the answer.
    pub status: u16,
    /// The body of the answer.
    pub body: String,
}

impl Delivery {
    /// Whether the receiver accepted it as the vendor expects: 2xx with `{"code":0}`.
    pub fn accepted(&self) -> bool {
        (200..300).contains(&self.status)
            && serde_json::from_str::<serde_json::Value>(&self.body)
                .is_ok_and(|v| v.get("code") == Some(&serde_json::Value::from(0)))
    }
}

/// Settings of a fake server. Its `Debug` redacts the partner key.
#[derive(Clone)]
#[must_use = "a builder does nothing until started"]
pub struct MockServerBuilder {
    addr: SocketAddr,
    partner_id: i64,
    partner_key: String,
    rate_limit: Option<(u32, Duration)>,
    paths: Vec<(Operation, String)>,
    record_capacity: usize,
    timestamp_window: Option<Duration>,
    limits: ServeLimits,
    style: ResponseStyle,
    rooms: Option<usize>,
    seed: u64,
    now: Option<DateTime>,
}

/// How many requests the fake remembers by default; older ones are forgotten first.
pub const DEFAULT_RECORD_CAPACITY: usize = 10_000;

/// How far a request's `timestamp` may be from the fake's clock by default. The vendor does not
/// publish its window; 10 minutes is our assumption, wide enough for honest clock drift and
/// narrow enough that a client with a clock bug fails against the fake.
pub const DEFAULT_TIMESTAMP_WINDOW: Duration = Duration::from_secs(600);

impl fmt::Debug for MockServerBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MockServerBuilder")
            .field("addr", &self.addr)
            .field("partner_id", &self.partner_id)
            .field("partner_key", &"[redacted]")
            .field("rate_limit", &self.rate_limit)
            .field("paths", &self.paths)
            .field("record_capacity", &self.record_capacity)
            .field("timestamp_window", &self.timestamp_window)
            .field("limits", &self.limits)
            .field("style", &self.style)
            .field("rooms", &self.rooms)
            .field("seed", &self.seed)
            .field("now", &self.now)
            .finish()
    }
}

impl Default for MockServerBuilder {
    fn default() -> Self {
        MockServerBuilder {
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            partner_id: seed::PARTNER_ID,
            partner_key: seed::PARTNER_KEY.to_owned(),
            rate_limit: Some((200, Duration::from_secs(10))),
            paths: Vec::new(),
            record_capacity: DEFAULT_RECORD_CAPACITY,
            timestamp_window: Some(DEFAULT_TIMESTAMP_WINDOW),
            // The largest body read is 16 MiB: a cover image fits, a runaway upload does not.
            limits: ServeLimits::default(),
            style: ResponseStyle::Typed,
            rooms: None,
            seed: 0,
            now: None,
        }
    }
}

impl MockServerBuilder {
    /// Where to listen (default `127.0.0.1:0`, a free port).
    pub fn addr(mut self, addr: SocketAddr) -> Self {
        self.addr = addr;
        self
    }

    /// The partner id to accept (default [`seed::PARTNER_ID`]).
    pub fn partner_id(mut self, id: i64) -> Self {
        self.partner_id = id;
        self
    }

    /// The partner key to check signs with (default [`seed::PARTNER_KEY`]).
    pub fn partner_key(mut self, key: impl Into<String>) -> Self {
        self.partner_key = key.into();
        self
    }

    /// Refuse past `requests` in any rolling `window` (default 200 per 10 s, the vendor's limit).
    pub fn rate_limit(mut self, requests: u32, window: Duration) -> Self {
        self.rate_limit = Some((requests, window));
        self
    }

    /// Serve without a rate limit.
    pub fn no_rate_limit(mut self) -> Self {
        self.rate_limit = None;
        self
    }

    /// Serve `operation` at `path` instead of the spec's path (as a client override would send it).
    pub fn path(mut self, operation: Operation, path: impl Into<String>) -> Self {
        self.paths.push((operation, path.into()));
        self
    }

    /// Whether to keep a record of requests (default on, the last
    /// [`DEFAULT_RECORD_CAPACITY`]); off keeps none.
    pub fn record_requests(mut self, record: bool) -> Self {
        self.record_capacity = if record { DEFAULT_RECORD_CAPACITY } else { 0 };
        self
    }

    /// Keeps a record of the last `requests` requests (0: none); older ones are forgotten, so the
    /// fake's memory stays flat however long it runs.
    pub fn record_capacity(mut self, requests: usize) -> Self {
        self.record_capacity = requests;
        self
    }

    /// How `data` is written (default [`ResponseStyle::Typed`], as the doc's tables type it).
    /// [`ResponseStyle::Php`] answers the way PHP backends commonly do, on every endpoint.
    pub fn response_style(mut self, style: ResponseStyle) -> Self {
        self.style = style;
        self
    }

    /// Refuses a signed request whose `timestamp` is more than `window` from the fake's clock,
    /// with the vendor's code for a bad sign (1002). Default [`DEFAULT_TIMESTAMP_WINDOW`].
    pub fn timestamp_window(mut self, window: Duration) -> Self {
        self.timestamp_window = Some(window);
        self
    }

    /// Accepts any `timestamp`.
    pub fn any_timestamp(mut self) -> Self {
        self.timestamp_window = None;
        self
    }

    /// A connection must send a request's headers, then its body, each within `timeout`
    /// (default 30 s), or it is closed; idle connections are closed after it too.
    pub fn request_timeout(mut self, timeout: Duration) -> Self {
        self.limits.header_timeout = timeout;
        self.limits.body_timeout = timeout;
        self
    }

    /// Serves at most `connections` connections at once (default 1024); more wait.
    pub fn max_connections(mut self, connections: usize) -> Self {
        self.limits.max_connections = connections.max(1);
        self
    }

    /// Serves a generated account of `rooms` rooms instead of the small seed ([`seed`]): short and
    /// long-term rooms, every product line, cropped versions, every playback and publish status,
    /// and play records over the 30 days before the fake's [`now`](Self::now). The same
    /// [`seed`](Self::seed) and `now` give the same account. At most [`account::MAX_ROOMS`]
    /// rooms (more is that many); what room `i` holds is described in [`account`].
    pub fn rooms(mut self, rooms: usize) -> Self {
        self.rooms = Some(rooms.min(account::MAX_ROOMS));
        self
    }

    /// The seed of the generated account ([`rooms`](Self::rooms)); default 0.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// The fake's clock at the start (default: the system time when it starts): what "now" is
    /// for a generated account's times and for new playbacks and plays ([`Account`]). It moves
    /// only when told ([`Account::advance`]). The check of a request's `timestamp` keeps the
    /// system clock.
    pub fn now(mut self, now: DateTime) -> Self {
        self.now = Some(now);
        self
    }

    /// Starts the server on a runtime of its own, on its own thread, and waits for it to listen
    /// without blocking the caller's runtime. Because the server does not run on the caller's
    /// runtime, a blocking client may call it from a `#[tokio::test]` too.
    pub async fn start(self) -> std::io::Result<MockServer> {
        server::start(self).await
    }

    /// [`MockServerBuilder::start`] for blocking code: the same server, waited for by blocking.
    pub fn start_blocking(self) -> std::io::Result<MockServer> {
        server::start_blocking(self)
    }
}

/// A running fake server. It stops when dropped.
///
/// Its `Debug` is a summary: the URL, the partner id, how many rooms, playbacks, recorded
/// requests and faults it holds; never the partner key, the data or the requests themselves.
pub struct MockServer {
    shared: Arc<server::Shared>,
    url: String,
    addr: SocketAddr,
    stop: server::Stop,
}

impl fmt::Debug for MockServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // One lock at a time, each released before the next.
        let (rooms, playbacks) = {
            let state = lock(&self.shared.state);
            (state.rooms.len(), state.rows.len())
        };
        let requests = lock(&self.shared.log).len();
        let faults = lock(&self.shared.faults).len();
        f.debug_struct("MockServer")
            .field("url", &self.url)
            .field("partner_id", &self.shared.partner_id)
            .field("partner_key", &"[redacted]")
            .field("rooms", &rooms)
            .field("playbacks", &playbacks)
            .field("requests_recorded", &requests)
            .field("record_capacity", &self.shared.record_capacity)
            .field("faults", &faults)
            .finish_non_exhaustive()
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while holding the lock cannot leave these values half-updated in a way that matters
    // to a fake server; keep serving.
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl MockServer {
    /// Settings; see [`MockServerBuilder`].
    pub fn builder() -> MockServerBuilder {
        MockServerBuilder::default()
    }

    /// Starts a fake server with the default settings on a thread and runtime of its own.
    pub async fn start() -> std::io::Result<MockServer> {
        MockServer::builder().start().await
    }

    /// Starts a fake server with the default settings on a thread of its own.
    pub fn start_blocking() -> std::io::Result<MockServer> {
        MockServer::builder().start_blocking()
    }

    /// The base URL to give a client, e.g. `http://127.0.0.1:40123`.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The partner id it accepts.
    pub fn partner_id(&self) -> i64 {
        self.shared.partner_id
    }

    /// The partner key it checks signs with.
    pub fn partner_key(&self) -> &str {
        &self.shared.partner_key
    }

    /// A client builder aimed at this server, with its credentials and path overrides.
    pub fn client_builder(&self) -> ClientBuilder {
        let mut b = Client::builder(self.shared.partner_id, self.shared.partner_key.clone())
            .base_url(self.url.clone());
        for (op, path) in &self.shared.overrides {
            b = b.path(*op, path.clone());
        }
        b
    }

    /// An async client aimed at this server.
    pub fn client(&self) -> baijiayun::Result<Client> {
        self.client_builder().build()
    }

    /// A blocking client aimed at this server.
    #[cfg(feature = "blocking")]
    pub fn blocking_client(&self) -> baijiayun::Result<baijiayun::blocking::Client> {
        self.client_builder().build_blocking()
    }

    /// Injects `fault` into every answer for `operation`, until cleared.
    pub fn inject(&self, operation: Operation, fault: Fault) {
        self.push_rule(Some(operation), fault, None);
    }

    /// Injects `fault` into the next `times` answers for `operation`.
    pub fn inject_times(&self, operation: Operation, fault: Fault, times: u32) {
        self.push_rule(Some(operation), fault, Some(times));
    }

    /// Injects `fault` into every answer, whatever the endpoint, until cleared.
    pub fn inject_all(&self, fault: Fault) {
        self.push_rule(None, fault, None);
    }

    /// Removes every injected fault.
    pub fn clear_faults(&self) {
        lock(&self.shared.faults).clear();
    }

    fn push_rule(&self, operation: Option<Operation>, fault: Fault, remaining: Option<u32>) {
        lock(&self.shared.faults).push(Rule {
            operation,
            fault,
            remaining,
        });
    }

    /// The requests received so far, in order: the last ones, as many as the builder's
    /// [`record_capacity`](MockServerBuilder::record_capacity).
    pub fn requests(&self) -> Vec<RecordedRequest> {
        lock(&self.shared.log).iter().cloned().collect()
    }

    /// How many requests the record holds now, and the most it holds.
    pub fn recorded(&self) -> (usize, usize) {
        (lock(&self.shared.log).len(), self.shared.record_capacity)
    }

    /// The requests received so far for `operation`.
    pub fn requests_for(&self, operation: Operation) -> Vec<RecordedRequest> {
        lock(&self.shared.log)
            .iter()
            .filter(|r| r.operation == Some(operation))
            .cloned()
            .collect()
    }

    /// Forgets the requests received so far.
    pub fn clear_requests(&self) {
        lock(&self.shared.log).clear();
    }

    /// Puts the state back to what it started from (the seed, or the generated account, and the
    /// clock), as if just started. Faults and the request log stay.
    pub fn reset(&self) {
        *lock(&self.shared.state) = self.shared.start.state(&self.url);
    }

    /// Sends `event` to `url` as Baijiayun does: a POSTed form signed with this server's partner
    /// key (the same code as [`baijiayun::callback::signed_body`]). A transport failure is an
    /// I/O error.
    pub async fn send_callback(&self, url: &str, event: &CallbackEvent) -> io::Result<Delivery> {
        deliver(
            self.shared.partner_key.clone(),
            url.to_owned(),
            event.clone(),
        )
        .await
    }

    /// [`MockServer::send_callback`] for blocking code: sent from the fake's own runtime while
    /// this thread waits.
    pub fn send_callback_blocking(&self, url: &str, event: &CallbackEvent) -> io::Result<Delivery> {
        let (tx, rx) = std::sync::mpsc::channel();
        let sending = deliver(
            self.shared.partner_key.clone(),
            url.to_owned(),
            event.clone(),
        );
        self.stop.runtime.spawn(async move {
            let _ = tx.send(sending.await);
        });
        rx.recv().map_err(|_| {
            io::Error::other("the fake server stopped before the callback was answered")
        })?
    }

    /// The transcode callback URL the client set with `set_transcode_callback_url`, if any.
    pub fn callback_url(&self) -> Option<String> {
        lock(&self.shared.state).callback_url().map(str::to_owned)
    }
}

/// Waits until the process is asked to stop (Ctrl-C, or SIGTERM on Unix): how the standalone fake
/// servers (`baijiayun-mock`, `baijiayun mock`) know when to exit.
pub async fn stop_requested() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}
