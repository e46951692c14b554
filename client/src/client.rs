//! The async [`Client`] and the [`ClientBuilder`] both clients are built with.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;
use std::time::Duration;

use secrecy::SecretString;
use tracing::Instrument;

use crate::call::{
    Answer, AnswerOutput, Core, Decode, Event, Output, OutputWithBody, Step, WithBody, clock,
};
use crate::error::{Error, Label, Result};
use crate::info::Method;
use crate::limit::{Gate, Limiter, RateLimit};
use crate::operations::Operation;
use crate::request::{self, Call, CallOptions, CappedBody, Prepared, Shared};
use crate::retry::RetryPolicy;
use crate::wire::{Endpoint, ParamValue};

/// Where requests go.
#[derive(Clone, Debug)]
enum Target {
    PrivateDomain(String),
    BaseUrl(String),
}

/// Settings for a [`Client`] or a [`blocking::Client`](crate::blocking::Client): `C` is the client
/// that [`build`](ClientBuilder::build) returns. [`Client::builder`] starts a `ClientBuilder<Client>`,
/// [`blocking::Client::builder`](crate::blocking::Client::builder) a
/// `ClientBuilder<blocking::Client>`; the settings are the same for both.
///
/// ```
/// # fn main() -> baijiayun::Result<()> {
/// use std::time::Duration;
/// use baijiayun::{Client, operations::Operation};
///
/// let client = Client::builder(12345678, "partner-key")
///     .private_domain("e12345678")
///     .timeout(Duration::from_secs(10))
///     .path(Operation::GetMarkList, "/openapi/playback/getMarkList")
///     .build()?;
/// assert_eq!(client.base_url(), "https://e12345678.at.baijiayun.com");
/// # Ok(())
/// # }
/// ```
#[must_use = "a builder does nothing until built"]
pub struct ClientBuilder<C = Client> {
    partner_id: i64,
    partner_key: SecretString,
    target: Option<Target>,
    timeout: Duration,
    connect_timeout: Duration,
    paths: Vec<(Operation, String)>,
    rate_limit: Option<RateLimit>,
    retry: RetryPolicy,
    max_response_size: usize,
    #[cfg(feature = "redis")]
    fleet: Option<Box<crate::fleet::FleetLimit>>,
    /// The client `build` returns.
    client: PhantomData<fn() -> C>,
}

impl<C> Clone for ClientBuilder<C> {
    fn clone(&self) -> Self {
        ClientBuilder {
            partner_id: self.partner_id,
            partner_key: self.partner_key.clone(),
            target: self.target.clone(),
            timeout: self.timeout,
            connect_timeout: self.connect_timeout,
            paths: self.paths.clone(),
            rate_limit: self.rate_limit,
            retry: self.retry,
            max_response_size: self.max_response_size,
            #[cfg(feature = "redis")]
            fleet: self.fleet.clone(),
            client: PhantomData,
        }
    }
}

impl<C> fmt::Debug for ClientBuilder<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("partner_id", &self.partner_id)
            .field("partner_key", &"[redacted]")
            .field("target", &self.target)
            .field("timeout", &self.timeout)
            .field("connect_timeout", &self.connect_timeout)
            .field("paths", &self.paths)
            .field("rate_limit", &self.rate_limit)
            .field("retry", &self.retry)
            .field("max_response_size", &self.max_response_size)
            .finish()
    }
}

impl ClientBuilder<Client> {
    /// Starts from the account's partner id and partner key (the key signs requests and is never
    /// sent, logged or shown by `Debug`); builds the async [`Client`]. Same as [`Client::builder`].
    pub fn new(partner_id: i64, partner_key: impl Into<String>) -> Self {
        ClientBuilder {
            partner_id,
            partner_key: SecretString::from(partner_key.into()),
            target: None,
            timeout: request::DEFAULT_TIMEOUT,
            connect_timeout: request::DEFAULT_CONNECT_TIMEOUT,
            paths: Vec::new(),
            rate_limit: Some(RateLimit::VENDOR),
            retry: RetryPolicy::default(),
            max_response_size: request::DEFAULT_MAX_RESPONSE_SIZE,
            #[cfg(feature = "redis")]
            fleet: None,
            client: PhantomData,
        }
    }

    /// Builds the async client.
    pub fn build(self) -> Result<Client> {
        let shared = self.shared()?;
        let http = reqwest::Client::builder()
            .timeout(self.timeout)
            .connect_timeout(self.connect_timeout)
            .user_agent(request::USER_AGENT)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| Error::Config(format!("cannot build the HTTP client: {e}")))?;
        Ok(Client {
            shared: Arc::new(shared),
            http,
            options: self.options(),
        })
    }

    /// The same settings, building a [`blocking::Client`](crate::blocking::Client) instead.
    #[cfg(feature = "blocking")]
    pub fn blocking(self) -> ClientBuilder<crate::blocking::Client> {
        self.for_client()
    }

    /// Builds a blocking client from these settings: `self.blocking().build()`.
    #[cfg(feature = "blocking")]
    pub fn build_blocking(self) -> Result<crate::blocking::Client> {
        self.blocking().build()
    }
}

#[cfg(feature = "blocking")]
impl ClientBuilder<crate::blocking::Client> {
    /// Builds the blocking client.
    pub fn build(self) -> Result<crate::blocking::Client> {
        let shared = self.shared()?;
        crate::blocking::Client::from_parts(
            shared,
            self.options(),
            self.timeout,
            self.connect_timeout,
        )
    }

    /// The same settings, building the async [`Client`] instead.
    pub fn into_async(self) -> ClientBuilder<Client> {
        self.for_client()
    }
}

impl<C> ClientBuilder<C> {
    /// The same settings, for another client.
    #[cfg(feature = "blocking")]
    fn for_client<D>(self) -> ClientBuilder<D> {
        ClientBuilder {
            partner_id: self.partner_id,
            partner_key: self.partner_key,
            target: self.target,
            timeout: self.timeout,
            connect_timeout: self.connect_timeout,
            paths: self.paths,
            rate_limit: self.rate_limit,
            retry: self.retry,
            max_response_size: self.max_response_size,
            #[cfg(feature = "redis")]
            fleet: self.fleet,
            client: PhantomData,
        }
    }

    /// Sends requests to `https://{private_domain}.at.baijiayun.com`, the customer's own domain
    /// (专属域名), e.g. `e12345678`.
    pub fn private_domain(mut self, private_domain: impl Into<String>) -> Self {
        self.target = Some(Target::PrivateDomain(private_domain.into()));
        self
    }

    /// Sends requests to another server, e.g. a fake one in tests: `http://127.0.0.1:8080`.
    pub fn base_url(mut self, base_url: impl Into<String>) -> Self {
        self.target = Some(Target::BaseUrl(base_url.into()));
        self
    }

    /// The time a whole request may take (default 30 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The time connecting may take (default 10 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Sends `operation` to `path` instead of the spec's path. The paths of APIs 16–39 are not
    /// published by the vendor and were inferred; this fixes one without waiting for a release.
    pub fn path(mut self, operation: Operation, path: impl Into<String>) -> Self {
        self.paths.push((operation, path.into()));
        self
    }

    /// The client-side rate limit (default [`RateLimit::VENDOR`], 200 requests in any 10 s). It is
    /// shared by every client of the process built for the same base URL, partner id and limit.
    pub fn rate_limit(mut self, limit: RateLimit) -> Self {
        self.rate_limit = Some(limit);
        self
    }

    /// No client-side rate limit (the vendor still enforces its own).
    pub fn no_rate_limit(mut self) -> Self {
        self.rate_limit = None;
        self
    }

    /// Shares the rate limit with every process of the account through Redis (feature `redis`):
    /// the limit of [`ClientBuilder::rate_limit`] then counts the requests of the whole fleet.
    /// See [`crate::fleet`] for how, and for what happens when Redis is down.
    /// [`ClientBuilder::no_rate_limit`] turns this off too.
    #[cfg(feature = "redis")]
    pub fn fleet_rate_limit(mut self, fleet: crate::fleet::FleetLimit) -> Self {
        self.fleet = Some(Box::new(fleet));
        self
    }

    /// How to retry (default [`RetryPolicy::default`]); see [`RetryPolicy`] for what is retried.
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// The largest response body the client reads, in bytes (default 32 MiB, far above the
    /// largest real answer). A larger response is refused with [`Error::ResponseTooLarge`] as
    /// soon as it passes the cap (at once when its declared length is over it).
    pub fn max_response_size(mut self, bytes: usize) -> Self {
        self.max_response_size = bytes;
        self
    }

    /// The per-call settings the clients start with.
    pub(crate) fn options(&self) -> CallOptions {
        CallOptions {
            retry: self.retry,
            timeout: None,
            fail_fast: self.rate_limit.is_some_and(|l| l.is_fail_fast()),
        }
    }

    /// The base URL requests go to, checked: from the private domain or the base URL.
    pub(crate) fn target_url(&self) -> Result<String> {
        Ok(match &self.target {
            None => {
                return Err(Error::Config(
                    "set private_domain (or base_url) before building".into(),
                ));
            }
            Some(Target::PrivateDomain(d)) => {
                let label_ok = !d.is_empty()
                    && d.len() <= 63
                    && d.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
                    && !d.starts_with('-')
                    && !d.ends_with('-');
                if !label_ok {
                    return Err(Error::Config(format!(
                        "private domain must be one DNS label such as `e12345678`, got {d:?}; use base_url for a full URL"
                    )));
                }
                format!("https://{d}.at.baijiayun.com")
            }
            Some(Target::BaseUrl(u)) => {
                let url = reqwest::Url::parse(u)
                    .map_err(|e| Error::Config(format!("base URL {u:?}: {e}")))?;
                if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
                    return Err(Error::Config(format!(
                        "base URL must be http(s)://host[:port], got {u:?}"
                    )));
                }
                if url.query().is_some() || url.fragment().is_some() {
                    return Err(Error::Config(format!(
                        "base URL must not have a query or fragment, got {u:?}"
                    )));
                }
                url.as_str().trim_end_matches('/').to_owned()
            }
        })
    }

    /// The limiter of `limit`: the fleet-wide one when set, else the process's.
    fn gate(&self, base_url: &str, limit: RateLimit) -> Result<Gate> {
        #[cfg(feature = "redis")]
        if let Some(config) = self.fleet.as_deref() {
            config.check()?;
            return Ok(Gate::Fleet(crate::fleet::FleetLimiter::shared(
                config,
                self.partner_id,
                limit,
            )));
        }
        Ok(Gate::Local(Limiter::shared(
            base_url,
            self.partner_id,
            limit,
        )))
    }

    /// Checks the settings.
    fn shared(&self) -> Result<Shared> {
        if self.partner_id <= 0 {
            return Err(Error::Config(format!(
                "partner id must be positive, got {}",
                self.partner_id
            )));
        }
        if secrecy::ExposeSecret::expose_secret(&self.partner_key)
            .trim()
            .is_empty()
        {
            return Err(Error::Config("partner key is empty".into()));
        }
        let base_url = self.target_url()?;
        let mut paths = vec![None; Operation::ALL.len()];
        for (op, path) in &self.paths {
            if !path.starts_with('/') || path.contains(['?', '#', ' ']) {
                return Err(Error::Config(format!(
                    "path for {} must start with / and hold no query, got {path:?}",
                    op.name()
                )));
            }
            paths[*op as usize] = Some(path.clone().into_boxed_str());
        }
        let gate = match self.rate_limit {
            None => None,
            Some(limit) => Some(self.gate(&base_url, limit)?),
        };
        Ok(Shared {
            partner_id: self.partner_id,
            partner_key: self.partner_key.clone(),
            paths,
            gate,
            base_url,
            max_response_size: self.max_response_size,
        })
    }
}

/// The async client. Cheap to clone: clones share settings and connections.
///
/// Every endpoint is a method returning a request; optional parameters are set on the request,
/// and `send` sends it:
///
/// ```no_run
/// # async fn run() -> baijiayun::Result<()> {
/// use baijiayun::{Client, types::ProductType};
///
/// let client = Client::builder(12345678, "partner-key").private_domain("e12345678").build()?;
/// let page = client.get_list(ProductType::LargeClass, 1, 100).room_id(17081558148393).send().await?;
/// println!("{} playbacks", page.total);
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct Client {
    shared: Arc<Shared>,
    http: reqwest::Client,
    options: CallOptions,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.shared.fmt(f)
    }
}

impl Client {
    /// A builder; see [`ClientBuilder`].
    pub fn builder(partner_id: i64, partner_key: impl Into<String>) -> ClientBuilder {
        ClientBuilder::new(partner_id, partner_key)
    }

    /// The account's partner id.
    pub fn partner_id(&self) -> i64 {
        self.shared.partner_id
    }

    /// Where the fleet-wide rate limit stands (feature `redis`), when it is on.
    #[cfg(feature = "redis")]
    pub fn fleet_state(&self) -> Option<crate::fleet::FleetState> {
        self.shared.fleet_state()
    }

    /// Where requests go, e.g. `https://e12345678.at.baijiayun.com`.
    pub fn base_url(&self) -> &str {
        &self.shared.base_url
    }

    /// A web player link for `playback` on this client's domain: a room's playback
    /// ([`RoomId`](crate::types::RoomId)), one session's ([`PlaybackRef`](crate::PlaybackRef)) or a
    /// listed [`&Playback`](crate::types::Playback). Add the token from
    /// [`Self::player_token_for`] (see [`crate::player`]).
    pub fn player_url(&self, playback: impl Into<crate::PlaybackRef>) -> crate::player::PlayerUrl {
        crate::player::PlayerUrl::new(self.base_url(), playback)
    }

    /// API 3's request for the player token of `playback` (a room's, one session's, or a listed
    /// [`&Playback`](crate::types::Playback)), valid for `expires_in` (a `Duration`, or
    /// [`Lifetime::Never`](crate::Lifetime::Never)): [`Self::get_player_token`] with the room and
    /// session taken from one value.
    ///
    /// A playback's crop `version` is not part of it: the token and the player URL are the
    /// playback's (the vendor's token API takes no version), whichever version was listed.
    pub fn player_token_for(
        &self,
        playback: impl Into<crate::PlaybackRef>,
        expires_in: impl Into<crate::Lifetime>,
    ) -> crate::token::GetPlayerTokenRequest<&Self> {
        let playback = playback.into();
        self.get_player_token(playback.room_id, expires_in)
            .set_session_id(playback.session_id)
    }

    /// The path `operation` is sent to (an override, or the spec's).
    pub fn path(&self, operation: Operation) -> &str {
        self.shared.path(operation.info())
    }

    /// A clone (sharing connections and the rate limit) whose calls retry by `policy`: the
    /// per-call override, e.g. `client.with_retry(RetryPolicy::none()).get_list(..).send()`.
    pub fn with_retry(&self, policy: RetryPolicy) -> Client {
        let mut c = self.clone();
        c.options.retry = policy;
        c
    }

    /// A clone (sharing connections and the rate limit) whose calls time out after `timeout`.
    pub fn with_timeout(&self, timeout: Duration) -> Client {
        let mut c = self.clone();
        c.options.timeout = Some(timeout);
        c
    }

    /// Sends any request value, e.g. one built with `GetListRequest::new` and kept around.
    pub async fn execute<E: Endpoint>(&self, request: &E) -> Result<E::Output> {
        let call = self.shared.endpoint_call(request)?;
        let output = self.decoded(call, E::decode_data).await?;
        crate::request::confirmed(request, output)
    }

    /// Sends any request value, like [`Client::execute`], and returns its typed `data` together
    /// with the response body as received, so that what the vendor sent can be kept verbatim
    /// beside what the client read (the body is shared, not copied).
    ///
    /// ```no_run
    /// # async fn run(client: baijiayun::Client) -> baijiayun::Result<()> {
    /// use baijiayun::playback::GetListRequest;
    /// use baijiayun::types::ProductType;
    ///
    /// let page = client
    ///     .execute_with_body(&GetListRequest::new(ProductType::LargeClass, 1, 100))
    ///     .await?;
    /// println!("{} playbacks in {} bytes", page.data.list.len(), page.body.len());
    /// # Ok(())
    /// # }
    /// ```
    pub async fn execute_with_body<E: Endpoint>(&self, request: &E) -> Result<WithBody<E::Output>> {
        let call = self.shared.endpoint_call(request)?;
        let label = call.label.clone();
        let mut output = OutputWithBody::new(E::decode_data);
        let result = self.run(call, &mut output).await;
        let received = output.finish(&label, result)?;
        let data = crate::request::confirmed(request, received.data)?;
        Ok(WithBody {
            data,
            body: received.body,
        })
    }

    /// Sends any request value and returns its `data` as JSON, untyped: for reading a field the
    /// spec does not know yet. The call is the same as [`Client::execute`] (checks, signing,
    /// retries, the envelope); only `data` is not read into the spec's type.
    ///
    /// ```no_run
    /// # async fn run(client: baijiayun::Client) -> baijiayun::Result<()> {
    /// use baijiayun::playback::GetBasicInfoRequest;
    ///
    /// let data = client.execute_json(&GetBasicInfoRequest::new(17081558148393.into())).await?;
    /// let newer = data.get("a_field_added_later");
    /// # let _ = newer;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn execute_json<E: Endpoint>(&self, request: &E) -> Result<serde_json::Value> {
        let call = self.shared.endpoint_call(request)?;
        self.decoded(call, crate::envelope::decode_json).await
    }

    /// A signed call to any path, for endpoints the spec does not know yet: `partner_id`,
    /// `timestamp` and `sign` are added, the parameters are POSTed as a form, the envelope is
    /// checked, and `data` is returned as JSON. Only connection failures and refusals for rate
    /// are retried, since the client cannot know what the call does.
    pub async fn raw<'a, K, V>(
        &self,
        path: &'a str,
        params: impl IntoIterator<Item = (K, V)>,
    ) -> Result<serde_json::Value>
    where
        K: Into<Cow<'a, str>>,
        V: Into<ParamValue<'a>>,
    {
        let call = self
            .shared
            .raw_call(Method::Post, path, params.into_iter().collect());
        self.decoded(call, crate::envelope::decode_json).await
    }

    /// One signed call to any path with `method`, its answer returned as the server sent it: the
    /// HTTP status, a redirect's `Location` (never followed) and the whole body, whatever the
    /// status and whatever the vendor's envelope says. It takes its place in the rate limit like
    /// every call (the fleet's, with [`ClientBuilder::fleet_rate_limit`](crate::ClientBuilder)),
    /// is sent once and never retried, and its body is capped like every answer. For tools that
    /// show the vendor's own answer, as the command line's `--raw` and `doctor` do.
    ///
    /// An `Err` means no answer to show: the request could not be sent or read, the rate limit
    /// refused it (fail-fast), or the body passed the cap.
    pub async fn exchange<'a, K, V>(
        &self,
        method: Method,
        path: &'a str,
        params: impl IntoIterator<Item = (K, V)>,
    ) -> Result<Answer>
    where
        K: Into<Cow<'a, str>>,
        V: Into<ParamValue<'a>>,
    {
        let call = self
            .shared
            .raw_call(method, path, params.into_iter().collect());
        let label = call.label.clone();
        let mut answer = AnswerOutput::default();
        let result = self
            .with_retry(RetryPolicy::none())
            .run(call, &mut answer)
            .await;
        answer.finish(&label, result)
    }

    /// Sends `call` and decodes its `data` with `decode`.
    async fn decoded<T: Send>(
        &self,
        call: Call<'_>,
        decode: crate::call::DecodeFn<T>,
    ) -> Result<T> {
        let label = call.label.clone();
        let mut output = Output::new(decode);
        let result = self.run(call, &mut output).await;
        output.finish(&label, result)
    }

    /// Performs the steps of one call as the call core decides them, in the call's span. Not
    /// generic, so it is compiled once.
    async fn run(&self, call: Call<'_>, output: &mut dyn Decode) -> Result<()> {
        let mut core = Core::new(&self.shared, self.options, call, output, clock::now());
        let span = core.span().clone();
        async {
            let mut event = Event::Start;
            loop {
                event = match core.step(event, clock::now()) {
                    Step::Acquire(gate) => Event::Permit(gate.acquire_async(clock::now()).await),
                    Step::Pause(gate) => {
                        gate.pause_async(clock::now()).await;
                        Event::Paused
                    }
                    Step::Wait(wait) => {
                        tokio::time::sleep(wait).await;
                        Event::Waited
                    }
                    Step::Send(prepared) => self.attempt(core.label(), prepared).await,
                    Step::Done(result) => return result,
                }
            }
        }
        .instrument(span)
        .await
    }

    /// Sends one prepared attempt and reads its answer.
    async fn attempt(&self, label: &Label, prepared: Prepared) -> Event {
        let Prepared {
            method,
            url,
            content_type,
            body,
        } = prepared;
        let mut builder = match method {
            Method::Get => self.http.get(url),
            Method::Post => self.http.post(url),
        };
        if let Some(ct) = content_type {
            builder = builder.header(reqwest::header::CONTENT_TYPE, ct).body(body);
        }
        if let Some(t) = self.options.timeout {
            builder = builder.timeout(t);
        }
        let mut response = match builder.send().await {
            Ok(response) => response,
            Err(e) => return Event::Failed(request::transport_error(label, e)),
        };
        let status = response.status().as_u16();
        let location = request::location(response.headers());
        let limit = self.shared.max_response_size;
        let Some(mut body) = CappedBody::new(limit, response.content_length()) else {
            return Event::Failed(request::too_large(label, status, limit));
        };
        loop {
            match response.chunk().await {
                Ok(Some(chunk)) if body.push(&chunk) => {}
                Ok(Some(_)) => return Event::Failed(request::too_large(label, status, limit)),
                Ok(None) => break,
                Err(e) => return Event::Failed(request::transport_error(label, e)),
            }
        }
        Event::Response {
            status,
            location,
            body: body.finish(),
        }
    }
}
