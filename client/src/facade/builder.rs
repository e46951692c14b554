//! The [`ClientBuilder`] both clients are built with: the settings, checked once when built.

use std::fmt;
use std::marker::PhantomData;
use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};

use crate::call::error::{Error, Result};
use crate::call::gate::Gate;
use crate::call::request::{self, CallOptions, Shared};
use crate::call::retry::RetryPolicy;
use crate::facade::client::Client;
use crate::facade::methods::Timeouts;
use crate::limit::local::{Limiter, RateLimit};
use crate::operations::Operation;

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
    settings: Settings,
    /// The client `build` returns.
    client: PhantomData<fn() -> C>,
}

/// Every setting of a builder, in one place: `Clone` and `Debug` are derived, so neither can
/// leave one out.
#[derive(Clone, Debug)]
struct Settings {
    partner_id: i64,
    partner_key: PartnerKey,
    target: Option<Target>,
    timeout: Duration,
    connect_timeout: Duration,
    paths: Vec<(Operation, String)>,
    rate_limit: Option<RateLimit>,
    retry: RetryPolicy,
    max_response_size: usize,
    #[cfg(feature = "redis")]
    fleet: Option<Box<crate::limit::fleet::FleetLimit>>,
}

/// The partner key, which `Debug` never shows.
#[derive(Clone)]
struct PartnerKey(SecretString);

impl fmt::Debug for PartnerKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl<C> Clone for ClientBuilder<C> {
    fn clone(&self) -> Self {
        ClientBuilder {
            settings: self.settings.clone(),
            client: PhantomData,
        }
    }
}

impl<C> fmt::Debug for ClientBuilder<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("ClientBuilder")
            .field(&self.settings)
            .finish()
    }
}

impl ClientBuilder<Client> {
    /// Starts from the account's partner id and partner key (the key signs requests and is never
    /// sent, logged or shown by `Debug`); builds the async [`Client`]. Same as [`Client::builder`].
    pub fn new(partner_id: i64, partner_key: impl Into<String>) -> Self {
        ClientBuilder {
            settings: Settings {
                partner_id,
                partner_key: PartnerKey(SecretString::from(partner_key.into())),
                target: None,
                timeout: request::DEFAULT_TIMEOUT,
                connect_timeout: request::DEFAULT_CONNECT_TIMEOUT,
                paths: Vec::new(),
                rate_limit: Some(RateLimit::VENDOR),
                retry: RetryPolicy::default(),
                max_response_size: request::DEFAULT_MAX_RESPONSE_SIZE,
                #[cfg(feature = "redis")]
                fleet: None,
            },
            client: PhantomData,
        }
    }

    /// Builds the async client.
    pub fn build(self) -> Result<Client> {
        let shared = self.shared()?;
        Client::from_parts(shared, self.options(), self.timeouts())
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
        crate::blocking::Client::from_parts(shared, self.options(), self.timeouts())
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
            settings: self.settings,
            client: PhantomData,
        }
    }

    /// Sends requests to `https://{private_domain}.at.baijiayun.com`, the customer's own domain
    /// (专属域名), e.g. `e12345678`.
    pub fn private_domain(mut self, private_domain: impl Into<String>) -> Self {
        self.settings.target = Some(Target::PrivateDomain(private_domain.into()));
        self
    }

    /// Sends requests to another server, e.g. a fake one in tests: `http://127.0.0.1:8080`.
    pub fn base_url(mut self, base_url: impl Into<String>) -> Self {
        self.settings.target = Some(Target::BaseUrl(base_url.into()));
        self
    }

    /// The time a whole request may take (default 30 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.settings.timeout = timeout;
        self
    }

    /// The time connecting may take (default 10 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.settings.connect_timeout = timeout;
        self
    }

    /// Sends `operation` to `path` instead of the spec's path. The paths of APIs 16–39 are not
    /// published by the vendor and were inferred; this fixes one without waiting for a release.
    pub fn path(mut self, operation: Operation, path: impl Into<String>) -> Self {
        self.settings.paths.push((operation, path.into()));
        self
    }

    /// The client-side rate limit (default [`RateLimit::VENDOR`], 200 requests in any 10 s). It is
    /// shared by every client of the process built for the same base URL, partner id and limit.
    pub fn rate_limit(mut self, limit: RateLimit) -> Self {
        self.settings.rate_limit = Some(limit);
        self
    }

    /// No client-side rate limit (the vendor still enforces its own).
    pub fn no_rate_limit(mut self) -> Self {
        self.settings.rate_limit = None;
        self
    }

    /// Shares the rate limit with every process of the account through Redis (feature `redis`):
    /// the limit of [`ClientBuilder::rate_limit`] then counts the requests of the whole fleet.
    /// See [`crate::fleet`] for how, and for what happens when Redis is down.
    /// [`ClientBuilder::no_rate_limit`] turns this off too.
    #[cfg(feature = "redis")]
    pub fn fleet_rate_limit(mut self, fleet: crate::limit::fleet::FleetLimit) -> Self {
        self.settings.fleet = Some(Box::new(fleet));
        self
    }

    /// How to retry (default [`RetryPolicy::default`]); see [`RetryPolicy`] for what is retried.
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.settings.retry = policy;
        self
    }

    /// The largest response body the client reads, in bytes (default 32 MiB, far above the
    /// largest real answer). A larger response is refused with [`Error::ResponseTooLarge`] as
    /// soon as it passes the cap (at once when its declared length is over it).
    pub fn max_response_size(mut self, bytes: usize) -> Self {
        self.settings.max_response_size = bytes;
        self
    }

    /// The timeouts the HTTP stack is built with.
    fn timeouts(&self) -> Timeouts {
        Timeouts {
            request: self.settings.timeout,
            connect: self.settings.connect_timeout,
        }
    }

    /// The per-call settings the clients start with.
    pub(crate) fn options(&self) -> CallOptions {
        CallOptions {
            retry: self.settings.retry,
            timeout: None,
            fail_fast: self.settings.rate_limit.is_some_and(|l| l.is_fail_fast()),
        }
    }

    /// The base URL requests go to, checked: from the private domain or the base URL.
    pub(crate) fn target_url(&self) -> Result<String> {
        Ok(match &self.settings.target {
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
        if let Some(config) = self.settings.fleet.as_deref() {
            config.check()?;
            return Ok(Gate::new(crate::limit::fleet::FleetLimiter::shared(
                config,
                self.settings.partner_id,
                limit,
            )));
        }
        Ok(Gate::new(Limiter::shared(
            base_url,
            self.settings.partner_id,
            limit,
        )))
    }

    /// Checks the settings.
    fn shared(&self) -> Result<Shared> {
        let s = &self.settings;
        if s.partner_id <= 0 {
            return Err(Error::Config(format!(
                "partner id must be positive, got {}",
                s.partner_id
            )));
        }
        if s.partner_key.0.expose_secret().trim().is_empty() {
            return Err(Error::Config("partner key is empty".into()));
        }
        let base_url = self.target_url()?;
        let mut paths = vec![None; Operation::ALL.len()];
        for (op, path) in &s.paths {
            if !path.starts_with('/') || path.contains(['?', '#', ' ']) {
                return Err(Error::Config(format!(
                    "path for {} must start with / and hold no query, got {path:?}",
                    op.name()
                )));
            }
            paths[*op as usize] = Some(path.clone().into_boxed_str());
        }
        let gate = match s.rate_limit {
            None => None,
            Some(limit) => Some(self.gate(&base_url, limit)?),
        };
        Ok(Shared {
            partner_id: s.partner_id,
            partner_key: s.partner_key.0.clone(),
            paths,
            gate,
            base_url,
            max_response_size: s.max_response_size,
        })
    }
}
