//! One signed request with the answer kept as it came: status, content type, body and timing.
//!
//! The client returns the envelope's decoded `data`; `--raw` and `doctor` need the vendor's whole
//! envelope (its `msg` and `ts` too), the HTTP status, and to see a redirect rather than follow
//! it. Signing is the client's own ([`Params::sign`]); only the transport is this module's: one
//! attempt, no redirects, no retries.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use baijiayun::__private::wire::Params;
use baijiayun::info::Method;
use secrecy::{ExposeSecret as _, SecretString};

use crate::config::Settings;
use crate::output::Failure;

/// How long one exchange may take.
const TIMEOUT: Duration = Duration::from_secs(30);

/// The largest answer read, as the library's default (`ClientBuilder::max_response_size`).
const MAX_BODY: usize = 32 * 1024 * 1024;

/// Why an exchange brought no answer.
#[derive(Debug, thiserror::Error)]
pub(crate) enum SendError {
    /// The request could not be sent, or the answer not read.
    #[error(transparent)]
    Http(#[from] reqwest::Error),
    /// The answer was longer than [`MAX_BODY`]; reading stopped there.
    #[error("the answer is larger than {limit} bytes; reading stopped there")]
    TooLarge {
        /// The cap, in bytes.
        limit: usize,
    },
}

/// Sends signed requests to the account's server.
pub(crate) struct Exchange {
    http: reqwest::Client,
    base_url: String,
    partner_id: i64,
    partner_key: SecretString,
}

impl std::fmt::Debug for Exchange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Exchange")
            .field("base_url", &self.base_url)
            .field("partner_id", &self.partner_id)
            .finish_non_exhaustive()
    }
}

/// What came back.
#[derive(Debug)]
pub(crate) struct Answer {
    /// The HTTP status.
    pub(crate) status: u16,
    /// The `Location` of a redirect.
    pub(crate) location: Option<String>,
    /// The `Content-Type`.
    pub(crate) content_type: Option<String>,
    /// The body, whole.
    pub(crate) body: Vec<u8>,
    /// Unix seconds halfway through the exchange, for comparing with the envelope's `ts`.
    pub(crate) midpoint_unix: f64,
    /// How long it took.
    pub(crate) elapsed: Duration,
}

impl Answer {
    /// The body as the vendor's envelope: a JSON object with a `code`.
    pub(crate) fn envelope(&self) -> Option<serde_json::Map<String, serde_json::Value>> {
        match serde_json::from_slice(&self.body) {
            Ok(serde_json::Value::Object(map)) if map.contains_key("code") => Some(map),
            _ => None,
        }
    }

    /// The envelope's `code` as an integer (the vendor sometimes sends it as a string).
    pub(crate) fn code(envelope: &serde_json::Map<String, serde_json::Value>) -> Option<i64> {
        match envelope.get("code")? {
            serde_json::Value::Number(n) => n.as_i64(),
            serde_json::Value::String(s) => s.trim().parse().ok(),
            _ => None,
        }
    }
}

fn unix_now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

impl Exchange {
    /// An exchange for the account `settings` describes; `base_url` is the client's.
    pub(crate) fn new(settings: &Settings, base_url: &str) -> Result<Self, Failure> {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(TIMEOUT)
            .build()
            .map_err(|e| Failure::Io(format!("cannot build the HTTP client: {e}")))?;
        Ok(Exchange {
            http,
            base_url: base_url.to_owned(),
            partner_id: settings.partner_id,
            partner_key: settings.partner_key().clone(),
        })
    }

    /// Sends `params` (plus `partner_id`, `timestamp` and `sign`) to `path` with `method`.
    pub(crate) async fn send(
        &self,
        method: Method,
        path: &str,
        params: &[(String, String)],
    ) -> Result<Answer, SendError> {
        let mut signed = Params::new();
        for (k, v) in params {
            signed.insert(k.as_str(), v.as_str());
        }
        signed.insert("partner_id", self.partner_id);
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
        signed.insert("timestamp", now);
        let sign = signed.sign(self.partner_key.expose_secret());
        signed.insert("sign", sign);
        let form = signed.to_form();
        let url = format!("{}{path}", self.base_url);
        let request = match method {
            Method::Get => self.http.get(format!("{url}?{form}")),
            Method::Post => self
                .http
                .post(url)
                .header(
                    reqwest::header::CONTENT_TYPE,
                    "application/x-www-form-urlencoded",
                )
                .body(form),
        };
        let started = Instant::now();
        let before = unix_now();
        let mut response = request.send().await?;
        let status = response.status().as_u16();
        let header = |name: reqwest::header::HeaderName| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let location = header(reqwest::header::LOCATION);
        let content_type = header(reqwest::header::CONTENT_TYPE);
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await? {
            if body.len() + chunk.len() > MAX_BODY {
                return Err(SendError::TooLarge { limit: MAX_BODY });
            }
            body.extend_from_slice(&chunk);
        }
        let after = unix_now();
        Ok(Answer {
            status,
            location,
            content_type,
            body,
            midpoint_unix: before + (after - before) / 2.0,
            elapsed: started.elapsed(),
        })
    }
}
