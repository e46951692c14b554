//! The one error type of the crate.

use std::borrow::Cow;
use std::fmt;

use bytes::Bytes;

use crate::types::ErrorCode;

/// The name of the endpoint a request is for, carried into its errors: the method name for spec
/// endpoints, the path for raw calls.
#[derive(Clone, Debug)]
pub(crate) struct Label(pub(crate) Cow<'static, str>);

impl Label {
    /// The label as it goes into an error.
    pub(crate) fn name(&self) -> Cow<'static, str> {
        self.0.clone()
    }
}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// How a request failed on its way, before any response was read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TransportKind {
    /// No connection could be made: the request provably never reached the server.
    Connect,
    /// The request or the connection timed out; the server may have received it.
    Timeout,
    /// The connection failed while the request or response was under way.
    Request,
    /// The response body could not be read.
    Body,
}

impl fmt::Display for TransportKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TransportKind::Connect => "could not connect",
            TransportKind::Timeout => "timed out",
            TransportKind::Request => "the request failed",
            TransportKind::Body => "could not read the response",
        })
    }
}

/// Everything that can go wrong.
///
/// `Display` always says which endpoint failed and, for the vendor's refusals, the vendor's code and
/// message. Bodies are kept whole in the error ([`Error::body`]) and shown cut to 300 characters.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The vendor answered with a `code` other than 0.
    #[error("{endpoint}: the vendor refused the request with code {code}{}: {message}", code_name(*.code))]
    Api {
        /// The endpoint (method name, or path of a raw call).
        endpoint: Cow<'static, str>,
        /// The vendor's code; see [`ErrorCode`].
        code: i64,
        /// The vendor's message (`msg`).
        message: String,
        /// The whole response body.
        body: Bytes,
    },

    /// The server answered with an HTTP status other than 2xx.
    #[error("{endpoint}: HTTP status {status}: {}", Excerpt(.body))]
    Http {
        /// The endpoint.
        endpoint: Cow<'static, str>,
        /// The HTTP status code.
        status: u16,
        /// The whole response body.
        body: Bytes,
    },

    /// The request could not be sent or its response not received.
    #[error("{endpoint}: {kind}: {source}")]
    Transport {
        /// The endpoint.
        endpoint: Cow<'static, str>,
        /// What kind of failure; [`TransportKind::Connect`] never reached the server.
        kind: TransportKind,
        /// The underlying error.
        #[source]
        source: reqwest::Error,
    },

    /// The response was not the JSON the spec describes.
    #[error("{endpoint}: cannot decode the response at `{path}`: {message}; body: {}", Excerpt(.body))]
    Decode {
        /// The endpoint.
        endpoint: Cow<'static, str>,
        /// Where in the JSON it failed (`data.list[3].room_id`); `.` for the document itself.
        path: String,
        /// What was wrong.
        message: String,
        /// The whole response body.
        body: Bytes,
    },

    /// The client-side rate limit is full and the client is set to fail fast
    /// ([`crate::RateLimit::fail_fast`]); nothing was sent.
    #[error("{endpoint}: over the client-side rate limit; a request can go in {retry_after:?}")]
    RateLimited {
        /// The endpoint.
        endpoint: Cow<'static, str>,
        /// When the next request may go.
        retry_after: std::time::Duration,
    },

    /// The request breaks a limit of the spec (e.g. `page_size` over 1000) and was not sent.
    #[error("{endpoint}: invalid request: {message}")]
    InvalidRequest {
        /// The endpoint.
        endpoint: Cow<'static, str>,
        /// What is wrong.
        message: String,
    },

    /// The client could not be built from its settings.
    #[error("invalid client configuration: {0}")]
    Config(String),
}

impl Error {
    /// The vendor's code, when the vendor refused the request.
    pub fn code(&self) -> Option<ErrorCode> {
        match self {
            Error::Api { code, .. } => Some(ErrorCode::from(*code)),
            _ => None,
        }
    }

    /// The endpoint that failed, when there is one.
    pub fn endpoint(&self) -> Option<&str> {
        match self {
            Error::Api { endpoint, .. }
            | Error::Http { endpoint, .. }
            | Error::Transport { endpoint, .. }
            | Error::Decode { endpoint, .. }
            | Error::RateLimited { endpoint, .. }
            | Error::InvalidRequest { endpoint, .. } => Some(endpoint),
            Error::Config(_) => None,
        }
    }

    /// The whole response body, when a response was received.
    pub fn body(&self) -> Option<&[u8]> {
        match self {
            Error::Api { body, .. } | Error::Http { body, .. } | Error::Decode { body, .. } => {
                Some(body)
            }
            _ => None,
        }
    }

    /// Whether trying the same request again may succeed: connection failures, timeouts, HTTP 408,
    /// 429 and 5xx, undecodable bodies, and refusals for rate. Whether it is *safe* to send again
    /// depends on the endpoint too: the client resends writes only when they surely did not run
    /// (see [`crate::RetryPolicy`]).
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Transport { .. } | Error::Decode { .. } | Error::RateLimited { .. } => true,
            Error::Http { status, .. } => matches!(status, 408 | 429 | 500..=599),
            Error::Api { .. } => self.is_rate_limited(),
            Error::InvalidRequest { .. } | Error::Config(_) => false,
        }
    }

    /// Whether this is a refusal for rate: the client's own limit, the vendor's refusal
    /// ([`ErrorCode::RateLimited`]), or HTTP 429.
    pub fn is_rate_limited(&self) -> bool {
        match self {
            Error::RateLimited { .. } | Error::Http { status: 429, .. } => true,
            Error::Api { code, .. } => *code == i64::from(ErrorCode::RateLimited),
            _ => false,
        }
    }
}

fn code_name(code: i64) -> String {
    match ErrorCode::from(code) {
        ErrorCode::Unknown(_) => String::new(),
        known => format!(" ({known:?})"),
    }
}

/// The start of a body, for messages: at most 300 characters, lossy UTF-8.
pub(crate) struct Excerpt<'a>(pub(crate) &'a [u8]);

impl fmt::Display for Excerpt<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const MAX: usize = 300;
        let text = String::from_utf8_lossy(self.0);
        let mut chars = text.chars();
        let head: String = chars.by_ref().take(MAX).collect();
        let head = head.replace(['\n', '\r'], " ");
        if head.is_empty() {
            f.write_str("(empty)")
        } else if chars.next().is_some() {
            write!(f, "{head}…")
        } else {
            f.write_str(&head)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_errors_name_the_code() {
        let e = Error::Api {
            endpoint: "get_list".into(),
            code: 1002,
            message: "签名错误".into(),
            body: Bytes::new(),
        };
        assert_eq!(
            e.to_string(),
            "get_list: the vendor refused the request with code 1002 (SignMismatch): 签名错误"
        );
        assert_eq!(e.code(), Some(ErrorCode::SignMismatch));
        assert!(!e.is_retryable());
        let rate = Error::Api {
            endpoint: "get_list".into(),
            code: 429,
            message: String::new(),
            body: Bytes::new(),
        };
        assert!(rate.is_rate_limited() && rate.is_retryable());
    }

    #[test]
    fn excerpts_are_cut_on_character_boundaries() {
        let long = "回".repeat(400);
        let shown = Excerpt(long.as_bytes()).to_string();
        assert_eq!(shown.chars().count(), 301);
        assert!(shown.ends_with('…'));
        assert_eq!(Excerpt(b"").to_string(), "(empty)");
        assert_eq!(Excerpt(b"a\nb").to_string(), "a b");
    }
}
