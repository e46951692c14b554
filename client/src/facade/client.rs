//! The async [`Client`]: the shared methods ([`crate::facade`]) and its driver, which performs
//! the call core's steps on tokio and `reqwest`.

use std::fmt;
use std::sync::Arc;

use tracing::Instrument;

use crate::call::clock;
use crate::call::error::{Label, Result};
use crate::call::machine::{Event, Step};
use crate::call::output::Decode;
use crate::call::request::{self, Call, CallOptions, Prepared, Shared};
use crate::facade::methods::{self, Timeouts};

pub use crate::facade::builder::ClientBuilder;

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
///
/// Beside the endpoints' methods, [`Client::execute`] sends a request value,
/// [`Client::execute_with_body`] keeps the body as received beside the typed `data`, and
/// [`Client::execute_json`] returns `data` untyped:
///
/// ```no_run
/// # async fn run(client: baijiayun::Client) -> baijiayun::Result<()> {
/// use baijiayun::playback::{GetBasicInfoRequest, GetListRequest};
/// use baijiayun::types::ProductType;
///
/// let page = client
///     .execute_with_body(&GetListRequest::new(ProductType::LargeClass, 1, 100))
///     .await?;
/// println!("{} playbacks in {} bytes", page.data.list.len(), page.body.len());
///
/// let data = client.execute_json(&GetBasicInfoRequest::new(17081558148393.into())).await?;
/// let newer = data.get("a_field_added_later");
/// # let _ = newer;
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

    /// The client of checked settings.
    pub(crate) fn from_parts(
        shared: Shared,
        options: CallOptions,
        timeouts: Timeouts,
    ) -> Result<Self> {
        let http = methods::http_client!(reqwest::Client, timeouts)?;
        Ok(Client {
            shared: Arc::new(shared),
            http,
            options,
        })
    }

    methods::client_methods!(async, .await);

    /// Performs the steps of one call as the call core decides them, in the call's span. Not
    /// generic, so it is compiled once.
    async fn run(&self, call: Call<'_>, output: &mut dyn Decode) -> Result<()> {
        let mut core = methods::start(&self.shared, self.options, call, output);
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
        let builder = methods::request_builder!(self.http, prepared, self.options.timeout);
        let limit = self.shared.max_response_size;
        let sent = methods::sent!(builder.send().await, label, limit);
        let (mut response, (status, location, mut body)) = match sent {
            Ok(sent) => sent,
            Err(failed) => return failed,
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
