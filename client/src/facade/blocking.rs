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

use crate::call::clock;
use crate::call::error::{Error, Label, Result};
use crate::call::machine::{Event, Step};
use crate::call::output::Decode;
use crate::call::request::{self, Call, CallOptions, Prepared, Shared};
use crate::facade::methods::{self, Timeouts};

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

    /// The client of checked settings.
    pub(crate) fn from_parts(
        shared: Shared,
        options: CallOptions,
        timeouts: Timeouts,
    ) -> Result<Self> {
        let http = off_runtime(|| methods::http_client!(reqwest::blocking::Client, timeouts))?;
        Ok(Client {
            shared: Arc::new(shared),
            http,
            options,
        })
    }

    methods::client_methods!(,);

    /// Performs the steps of one call as the call core decides them, in the call's span, off the
    /// runtime thread (so on the system clock; see [`crate::call`]). Not generic.
    fn run(&self, call: Call<'_>, output: &mut dyn Decode) -> Result<()> {
        // The call's span is created on the thread that runs the steps, under the caller's span.
        let parent = tracing::Span::current();
        off_runtime(|| {
            let mut core =
                parent.in_scope(|| methods::start(&self.shared, self.options, call, output));
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
        let builder = methods::request_builder!(self.http, prepared, self.options.timeout);
        let limit = self.shared.max_response_size;
        let sent = methods::sent!(builder.send(), label, limit);
        let (mut response, (status, location, mut body)) = match sent {
            Ok(sent) => sent,
            Err(failed) => return failed,
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
