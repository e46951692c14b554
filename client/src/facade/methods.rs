//! What the two clients share, written once: [`client_methods!`] writes the methods of
//! [`crate::Client`] and [`crate::blocking::Client`] that do not depend on how a call is
//! performed, in their async or blocking form. Each client keeps only its driver: how it is built,
//! and how it performs one call's steps (`run`) and one attempt.
//!
//! A macro rather than a client generic over its driver: the methods differ only in `async` and
//! `.await`, and the generated endpoint methods are inherent on each client type, so two plain
//! types keep both the public types and the generated code as they are.

/// Writes the shared methods of a client whose struct has `shared: Arc<Shared>` and
/// `options: CallOptions`, and whose `run(&self, Call, &mut dyn Decode) -> Result<()>` performs one
/// call: `client_methods!(async, .await)` for the async client, `client_methods!(,)` for the
/// blocking one.
macro_rules! client_methods {
    ($($async:ident)?, $(.$await:ident)?) => {
        /// The account's partner id.
        pub fn partner_id(&self) -> i64 {
            self.shared.partner_id
        }

        /// Where the fleet-wide rate limit stands (feature `redis`), when it is on.
        #[cfg(feature = "redis")]
        pub fn fleet_state(&self) -> Option<crate::limit::fleet::FleetState> {
            let gate = self.shared.gate.as_ref()?;
            let fleet = gate.limiter::<crate::limit::fleet::FleetLimiter>()?;
            Some(fleet.state())
        }

        /// Where requests go, e.g. `https://e12345678.at.baijiayun.com`.
        pub fn base_url(&self) -> &str {
            &self.shared.base_url
        }

        /// A web player link for `playback` on this client's domain: a room's playback
        /// ([`RoomId`](crate::types::RoomId)), one session's ([`PlaybackRef`](crate::PlaybackRef))
        /// or a listed [`&Playback`](crate::types::Playback). Add the token from
        /// [`Self::player_token_for`] (see [`crate::player`]).
        pub fn player_url(
            &self,
            playback: impl Into<crate::PlaybackRef>,
        ) -> crate::value::player::PlayerUrl {
            crate::value::player::PlayerUrl::new(self.base_url(), playback)
        }

        /// API 3's request for the player token of `playback` (a room's, one session's, or a
        /// listed [`&Playback`](crate::types::Playback)), valid for `expires_in` (a `Duration`,
        /// or [`Lifetime::Never`](crate::Lifetime::Never)): [`Self::get_player_token`] with the
        /// room and session taken from one value.
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
        pub fn path(&self, operation: crate::operations::Operation) -> &str {
            self.shared.path(operation.info())
        }

        /// A clone (sharing connections and the rate limit) whose calls retry by `policy`: the
        /// per-call override, e.g. `client.with_retry(RetryPolicy::none()).get_list(..).send()`.
        pub fn with_retry(&self, policy: crate::RetryPolicy) -> Self {
            let mut c = self.clone();
            c.options.retry = policy;
            c
        }

        /// A clone (sharing connections and the rate limit) whose calls time out after
        /// `timeout`.
        pub fn with_timeout(&self, timeout: std::time::Duration) -> Self {
            let mut c = self.clone();
            c.options.timeout = Some(timeout);
            c
        }

        /// Sends any request value, e.g. one built with `GetListRequest::new` and kept around.
        pub $($async)? fn execute<E: crate::Endpoint>(
            &self,
            request: &E,
        ) -> crate::Result<E::Output> {
            let call = self.shared.endpoint_call(request)?;
            let output = self.decoded(call, E::decode_data)$(.$await)??;
            crate::call::request::confirmed(request, output)
        }

        /// Sends any request value, like [`Self::execute`], and returns its typed `data`
        /// together with the response body as received, so that what the vendor sent can be
        /// kept verbatim beside what the client read (the body is shared, not copied).
        pub $($async)? fn execute_with_body<E: crate::Endpoint>(
            &self,
            request: &E,
        ) -> crate::Result<crate::WithBody<E::Output>> {
            let call = self.shared.endpoint_call(request)?;
            let label = call.label.clone();
            let mut output = crate::call::output::OutputWithBody::new(E::decode_data);
            let result = self.run(call, &mut output)$(.$await)?;
            let received = output.finish(&label, result)?;
            let data = crate::call::request::confirmed(request, received.data)?;
            Ok(crate::WithBody {
                data,
                body: received.body,
            })
        }

        /// Sends any request value and returns its `data` as JSON, untyped: for reading a field
        /// the spec does not know yet. The call is the same as [`Self::execute`] (checks,
        /// signing, retries, the envelope); only `data` is not read into the spec's type.
        pub $($async)? fn execute_json<E: crate::Endpoint>(
            &self,
            request: &E,
        ) -> crate::Result<serde_json::Value> {
            let call = self.shared.endpoint_call(request)?;
            self.decoded(call, crate::call::envelope::decode_json)$(.$await)?
        }

        /// A signed call to any path, for endpoints the spec does not know yet: `partner_id`,
        /// `timestamp` and `sign` are added, the parameters are POSTed as a form, the envelope is
        /// checked, and `data` is returned as JSON. Only connection failures and refusals for
        /// rate are retried, since the client cannot know what the call does.
        pub $($async)? fn raw<'a, K, V>(
            &self,
            path: &'a str,
            params: impl IntoIterator<Item = (K, V)>,
        ) -> crate::Result<serde_json::Value>
        where
            K: Into<std::borrow::Cow<'a, str>>,
            V: Into<crate::ParamValue<'a>>,
        {
            let params = params.into_iter().collect();
            let call = self.shared.raw_call(crate::call::info::Method::Post, path, params);
            self.decoded(call, crate::call::envelope::decode_json)$(.$await)?
        }

        /// One signed call to any path with `method`, its answer returned as the server sent it:
        /// the HTTP status, a redirect's `Location` (never followed) and the whole body, whatever
        /// the status and whatever the vendor's envelope says. It takes its place in the rate
        /// limit like every call (the fleet's, with
        /// [`ClientBuilder::fleet_rate_limit`](crate::ClientBuilder)), is sent once and never
        /// retried, and its body is capped like every answer. For tools that show the vendor's
        /// own answer, as the command line's `--raw` and `doctor` do.
        ///
        /// An `Err` means no answer to show: the request could not be sent or read, the rate
        /// limit refused it (fail-fast), or the body passed the cap.
        pub $($async)? fn exchange<'a, K, V>(
            &self,
            method: crate::call::info::Method,
            path: &'a str,
            params: impl IntoIterator<Item = (K, V)>,
        ) -> crate::Result<crate::Answer>
        where
            K: Into<std::borrow::Cow<'a, str>>,
            V: Into<crate::ParamValue<'a>>,
        {
            let call = self.shared.raw_call(method, path, params.into_iter().collect());
            let label = call.label.clone();
            let mut answer = crate::call::output::AnswerOutput::default();
            let result = self
                .with_retry(crate::RetryPolicy::none())
                .run(call, &mut answer)$(.$await)?;
            answer.finish(&label, result)
        }

        /// Sends `call` and decodes its `data` with `decode`.
        $($async)? fn decoded<T: Send>(
            &self,
            call: crate::call::request::Call<'_>,
            decode: crate::call::output::DecodeFn<T>,
        ) -> crate::Result<T> {
            let label = call.label.clone();
            let mut output = crate::call::output::Output::new(decode);
            let result = self.run(call, &mut output)$(.$await)?;
            output.finish(&label, result)
        }
    };
}

pub(crate) use client_methods;

/// The timeouts a client's HTTP stack is built with: the whole request's, and connecting's.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Timeouts {
    pub(crate) request: std::time::Duration,
    pub(crate) connect: std::time::Duration,
}

/// The HTTP stack of a client (`reqwest::Client` or `reqwest::blocking::Client`, whose builders
/// have the same methods): the timeouts, the `User-Agent`, and no redirect followed.
macro_rules! http_client {
    ($client:ty, $timeouts:expr) => {
        <$client>::builder()
            .timeout($timeouts.request)
            .connect_timeout($timeouts.connect)
            .user_agent(crate::call::request::USER_AGENT)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| {
                crate::call::error::Error::Config(format!("cannot build the HTTP client: {e}"))
            })
    };
}

pub(crate) use http_client;

/// The `reqwest` request of a prepared attempt, on `http` (a `reqwest::Client` or a
/// `reqwest::blocking::Client`, whose builders have the same methods), with the clone's timeout
/// when it has one.
macro_rules! request_builder {
    ($http:expr, $prepared:expr, $timeout:expr) => {{
        let crate::call::request::Prepared {
            method,
            url,
            content_type,
            body,
        } = $prepared;
        let mut builder = match method {
            crate::call::info::Method::Get => $http.get(url),
            crate::call::info::Method::Post => $http.post(url),
        };
        if let Some(ct) = content_type {
            builder = builder.header(reqwest::header::CONTENT_TYPE, ct).body(body);
        }
        if let Some(t) = $timeout {
            builder = builder.timeout(t);
        }
        builder
    }};
}

pub(crate) use request_builder;

/// Starts the call core on `call`, at the time the clocks say now: the core reads none.
pub(crate) fn start<'c>(
    shared: &'c crate::call::request::Shared,
    options: crate::call::request::CallOptions,
    call: crate::call::request::Call<'c>,
    output: &'c mut dyn crate::call::output::Decode,
) -> crate::call::machine::Core<'c> {
    use crate::call::clock;
    crate::call::machine::Core::new(
        shared,
        options,
        call,
        output,
        clock::now(),
        clock::unix_now(),
    )
}

/// A sent request's response with its head ([`head`]), or the event of a transport failure or
/// of a body already declared larger than `limit`: `sent!(builder.send().await, label, limit)`.
macro_rules! sent {
    ($sent:expr, $label:expr, $limit:expr) => {
        match $sent {
            Err(e) => Err(crate::call::machine::Event::Failed(
                crate::call::request::transport_error($label, e),
            )),
            Ok(response) => crate::facade::methods::head(
                $label,
                $limit,
                response.status(),
                response.headers(),
                response.content_length(),
            )
            .map(|head| (response, head)),
        }
    };
}

pub(crate) use sent;

/// What a response's head says: its status, its `Location`, and the buffer its body of `declared`
/// length is read into, capped at `limit` bytes; or the event of a body already declared larger.
pub(crate) fn head(
    label: &crate::call::error::Label,
    limit: usize,
    status: reqwest::StatusCode,
    headers: &reqwest::header::HeaderMap,
    declared: Option<u64>,
) -> Result<(u16, Option<String>, crate::call::request::CappedBody), crate::call::machine::Event> {
    use crate::call::{machine::Event, request};
    let status = status.as_u16();
    match request::CappedBody::new(limit, declared) {
        Some(body) => Ok((status, request::location(headers), body)),
        None => Err(Event::Failed(request::too_large(label, status, limit))),
    }
}
