//! The blocking client, for programs without an async runtime.
//!
//! It has the same methods as the async [`crate::Client`], with the same names; `send` returns
//! the result instead of a future. It runs on `reqwest::blocking`, whose one background thread
//! per client serves every call: no runtime is created per call.
//!
//! It may be called from any thread. On a thread that carries a tokio runtime context (inside
//! `tokio::task::spawn_blocking`, or, by mistake, inside async code) it sends from a short-lived
//! helper thread, because `reqwest::blocking` panics when it blocks inside a runtime. It never
//! panics; but called from async code it still blocks that thread until the answer comes, so use
//! the async [`crate::Client`] there.

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;

use crate::ClientBuilder;
use crate::envelope;
use crate::error::{Error, Result};
use crate::info::Method;
use crate::request::{self, Call, Prepared, Shared};
use crate::wire::{Endpoint, ParamValue};

/// The blocking client. Cheap to clone: clones share settings and connections.
///
/// ```no_run
/// # fn run() -> baijiayun::Result<()> {
/// use baijiayun::blocking::Client;
///
/// let client = Client::builder(12345678, "partner-key").private_domain("e12345678").build_blocking()?;
/// let info = client.get_basic_info(17081558148393).send()?;
/// println!("{:?}", info.status);
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct Client {
    shared: Arc<Shared>,
    http: reqwest::blocking::Client,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.shared.fmt(f)
    }
}

/// Runs `f` where `reqwest::blocking` may block: here, or, when this thread carries a tokio
/// runtime context (where reqwest would panic), on a short-lived helper thread.
fn off_runtime<T: Send>(f: impl FnOnce() -> Result<T> + Send) -> Result<T> {
    if tokio::runtime::Handle::try_current().is_err() {
        return f();
    }
    std::thread::scope(|scope| {
        match std::thread::Builder::new()
            .name("baijiayun-blocking".into())
            .spawn_scoped(scope, f)
        {
            Ok(helper) => helper
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
            Err(e) => Err(Error::Config(format!(
                "cannot start a thread to block on outside the async runtime: {e}"
            ))),
        }
    })
}

impl Client {
    /// A builder; finish it with [`ClientBuilder::build_blocking`].
    pub fn builder(partner_id: i64, partner_key: impl Into<String>) -> ClientBuilder {
        ClientBuilder::new(partner_id, partner_key)
    }

    pub(crate) fn from_parts(
        shared: Shared,
        timeout: Duration,
        connect_timeout: Duration,
    ) -> Result<Self> {
        let http = off_runtime(|| {
            reqwest::blocking::Client::builder()
                .timeout(timeout)
                .connect_timeout(connect_timeout)
                .user_agent(request::USER_AGENT)
                .build()
                .map_err(|e| Error::Config(format!("cannot build the HTTP client: {e}")))
        })?;
        Ok(Client {
            shared: Arc::new(shared),
            http,
        })
    }

    /// The account's partner id.
    pub fn partner_id(&self) -> i64 {
        self.shared.partner_id
    }

    /// Where requests go.
    pub fn base_url(&self) -> &str {
        &self.shared.base_url
    }

    /// A web player link for `room_id` on this client's domain; add the token from
    /// `get_player_token` (see [`crate::player`]).
    pub fn player_url(&self, room_id: i64) -> crate::player::PlayerUrl {
        crate::player::PlayerUrl::new(self.base_url(), room_id)
    }

    /// The path `operation` is sent to (an override, or the spec's).
    pub fn path(&self, operation: crate::operations::Operation) -> &str {
        self.shared.path(operation)
    }

    /// Sends any request value.
    pub fn execute<E: Endpoint>(&self, request: &E) -> Result<E::Output> {
        let mut call = self.shared.endpoint_call(request)?;
        let body = self.send(&mut call)?;
        envelope::decode(&call.label, body, E::DATA_RULES)
    }

    /// A signed call to any path; see [`crate::Client::raw`].
    pub fn raw<'a, K, V>(
        &self,
        path: &'a str,
        params: impl IntoIterator<Item = (K, V)>,
    ) -> Result<serde_json::Value>
    where
        K: Into<Cow<'a, str>>,
        V: Into<ParamValue<'a>>,
    {
        let mut call = self.shared.raw_call(path, params.into_iter().collect());
        let body = self.send(&mut call)?;
        envelope::decode(&call.label, body, 0)
    }

    fn send(&self, call: &mut Call<'_>) -> Result<Bytes> {
        off_runtime(|| self.send_here(call))
    }

    fn send_here(&self, call: &mut Call<'_>) -> Result<Bytes> {
        let Prepared {
            method,
            url,
            content_type,
            body,
        } = self.shared.prepare(call);
        tracing::debug!(endpoint = %call.label.0, method = method.as_str(), "sending");
        let mut builder = match method {
            Method::Get => self.http.get(url),
            Method::Post => self.http.post(url),
        };
        if let Some(ct) = content_type {
            builder = builder.header(reqwest::header::CONTENT_TYPE, ct).body(body);
        }
        let response = builder
            .send()
            .map_err(|e| request::transport_error(&call.label, e))?;
        let status = response.status().as_u16();
        let body = response
            .bytes()
            .map_err(|e| request::transport_error(&call.label, e))?;
        request::check_status(&call.label, status, body)
    }
}
