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

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use crate::call::{Core, Decode, Event, Step, clock};
use crate::error::{Error, Label, Result};
use crate::facade;
use crate::info::Method;
use crate::request::{self, Call, CallOptions, CappedBody, Prepared, Shared};

/// The builder of a blocking [`Client`]: [`crate::ClientBuilder`] whose `build` returns a
/// [`Client`].
pub type ClientBuilder = crate::ClientBuilder<Client>;

/// The blocking client. Cheap to clone: clones share settings and connections.
///
/// ```no_run
/// # fn run() -> baijiayun::Result<()> {
/// use baijiayun::blocking::Client;
///
/// let client = Client::builder(12345678, "partner-key").private_domain("e12345678").build()?;
/// let info = client.get_basic_info(17081558148393.into()).send()?;
/// println!("{:?}", info.status);
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct Client {
    shared: Arc<Shared>,
    http: reqwest::blocking::Client,
    options: CallOptions,
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
    /// A builder whose [`build`](ClientBuilder::build) returns a blocking client; the settings
    /// are those of [`crate::ClientBuilder`].
    pub fn builder(partner_id: i64, partner_key: impl Into<String>) -> ClientBuilder {
        crate::ClientBuilder::new(partner_id, partner_key).blocking()
    }

    pub(crate) fn from_parts(
        shared: Shared,
        options: CallOptions,
        timeout: Duration,
        connect_timeout: Duration,
    ) -> Result<Self> {
        let http = off_runtime(|| {
            reqwest::blocking::Client::builder()
                .timeout(timeout)
                .connect_timeout(connect_timeout)
                .user_agent(request::USER_AGENT)
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .map_err(|e| Error::Config(format!("cannot build the HTTP client: {e}")))
        })?;
        Ok(Client {
            shared: Arc::new(shared),
            http,
            options,
        })
    }

    facade::client_methods!(,);

    /// Performs the steps of one call as the call core decides them, in the call's span, off the
    /// runtime thread (so on the system clock; see [`crate::call`]). Not generic.
    fn run(&self, call: Call<'_>, output: &mut dyn Decode) -> Result<()> {
        // The call's span is created on the thread that runs the steps, under the caller's span.
        let parent = tracing::Span::current();
        off_runtime(|| {
            let mut core = parent
                .in_scope(|| Core::new(&self.shared, self.options, call, output, clock::now()));
            let span = core.span().clone();
            span.in_scope(|| {
                let mut event = Event::Start;
                loop {
                    event = match core.step(event, clock::now()) {
                        Step::Acquire(gate) => Event::Permit(gate.acquire_blocking(clock::now())),
                        Step::Pause(gate) => {
                            gate.pause_blocking(clock::now());
                            Event::Paused
                        }
                        Step::Wait(wait) => {
                            std::thread::sleep(wait);
                            Event::Waited
                        }
                        Step::Send(prepared) => self.attempt(core.label(), prepared),
                        Step::Done(result) => return result,
                    }
                }
            })
        })
    }

    /// Sends one prepared attempt and reads its answer.
    fn attempt(&self, label: &Label, prepared: Prepared) -> Event {
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
        let mut response = match builder.send() {
            Ok(response) => response,
            Err(e) => return Event::Failed(request::transport_error(label, e)),
        };
        let status = response.status().as_u16();
        let location = request::location(response.headers());
        let limit = self.shared.max_response_size;
        let Some(mut body) = CappedBody::new(limit, response.content_length()) else {
            return Event::Failed(request::too_large(label, status, limit));
        };
        // The copy stops at the first write the cap refuses.
        match response.copy_to(&mut body) {
            Ok(_) => Event::Response {
                status,
                location,
                body: body.finish(),
            },
            Err(_) if body.is_over() => Event::Failed(request::too_large(label, status, limit)),
            Err(e) => Event::Failed(request::transport_error(label, e)),
        }
    }
}
