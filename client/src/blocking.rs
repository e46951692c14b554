//! The blocking client, for programs without an async runtime.
//!
//! It has the same methods as the async [`crate::Client`], with the same names; `send` returns
//! the result instead of a future. It runs on `reqwest::blocking`, whose one background thread
//! per client serves every call: no runtime is created per call.
//!
//! Blocking a thread that drives an async runtime would stall the runtime, and `reqwest` panics
//! there; this client detects the situation and returns [`Error::BlockingInAsyncContext`] instead.

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;

use crate::envelope;
use crate::error::{Error, Label, Result};
use crate::info::Method;
use crate::request::{self, Body, Prepared, Shared};
use crate::wire::{Endpoint, ParamValue, Params};
use crate::{ClientBuilder, Upload};

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

/// Whether this thread drives an async runtime, where blocking is not allowed.
fn in_async_context() -> bool {
    tokio::runtime::Handle::try_current().is_ok()
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
        if in_async_context() {
            return Err(Error::BlockingInAsyncContext);
        }
        let http = reqwest::blocking::Client::builder()
            .timeout(timeout)
            .connect_timeout(connect_timeout)
            .user_agent(request::USER_AGENT)
            .build()
            .map_err(|e| Error::Config(format!("cannot build the HTTP client: {e}")))?;
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

    /// The path `operation` is sent to (an override, or the spec's).
    pub fn path(&self, operation: crate::operations::Operation) -> &str {
        self.shared.path(operation)
    }

    /// Sends any request value.
    pub fn execute<E: Endpoint>(&self, request: &E) -> Result<E::Output> {
        let mut params = Params::new();
        request.write_params(&mut params);
        let op = E::OPERATION;
        let endpoint = Label(Cow::Borrowed(op.name()));
        request::check(op, &params)?;
        let method = op.info().methods.first().copied().unwrap_or(Method::Post);
        let body = self.send(
            &endpoint,
            self.shared.path(op),
            method,
            &mut params,
            request.upload(),
        )?;
        envelope::decode(&endpoint, body, E::DATA_RULES)
    }

    /// A signed call to any path; see [`crate::Client::raw`].
    pub fn raw<'a, K, V>(
        &self,
        path: &str,
        params: impl IntoIterator<Item = (K, V)>,
    ) -> Result<serde_json::Value>
    where
        K: Into<Cow<'a, str>>,
        V: Into<ParamValue<'a>>,
    {
        let endpoint = Label(Cow::Owned(path.to_owned()));
        let mut params: Params<'a> = params.into_iter().collect();
        let body = self.send(&endpoint, path, Method::Post, &mut params, None)?;
        envelope::decode(&endpoint, body, 0)
    }

    fn send(
        &self,
        endpoint: &Label,
        path: &str,
        method: Method,
        params: &mut Params<'_>,
        upload: Option<(&'static str, &Upload)>,
    ) -> Result<Bytes> {
        if in_async_context() {
            return Err(Error::BlockingInAsyncContext);
        }
        let prepared = self.shared.prepare(path, method, params, upload);
        tracing::debug!(endpoint = %endpoint.0, method = prepared.method.as_str(), "sending");
        let response = self
            .http_request(endpoint, prepared)?
            .send()
            .map_err(|e| request::transport_error(endpoint, e))?;
        let status = response.status().as_u16();
        let body = response
            .bytes()
            .map_err(|e| request::transport_error(endpoint, e))?;
        request::check_status(endpoint, status, body)
    }

    fn http_request(
        &self,
        endpoint: &Label,
        prepared: Prepared,
    ) -> Result<reqwest::blocking::RequestBuilder> {
        let Prepared { method, url, body } = prepared;
        let builder = match method {
            Method::Get => self.http.get(url),
            Method::Post => self.http.post(url),
        };
        Ok(match body {
            Body::Empty => builder,
            Body::Form(form) => builder
                .header(
                    reqwest::header::CONTENT_TYPE,
                    "application/x-www-form-urlencoded",
                )
                .body(form),
            Body::Multipart {
                fields,
                file_field,
                file,
            } => {
                let mut form = reqwest::blocking::multipart::Form::new();
                for (k, v) in fields {
                    form = form.text(k, v);
                }
                let part = reqwest::blocking::multipart::Part::bytes(file.bytes().to_vec())
                    .file_name(file.file_name().to_owned());
                let part = match file.mime() {
                    Some(mime) => part.mime_str(mime).map_err(|e| Error::InvalidRequest {
                        endpoint: endpoint.name(),
                        message: format!("content type {mime:?} of the upload: {e}"),
                    })?,
                    None => part,
                };
                builder.multipart(form.part(file_field, part))
            }
        })
    }
}
