//! The one error type of the crate.

use std::borrow::Cow;
use std::fmt;

use bytes::Bytes;

use crate::operations::Operation;
use crate::types::ErrorCode;

/// The name of the endpoint a request is for, carried into its errors: the method name for spec
/// endpoints, the path for raw calls.
#[doc(hidden)]
#[derive(Clone, Debug)]
pub struct Label(pub(crate) Cow<'static, str>);

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

/// Why a request could not be sent or its response not received, as the HTTP stack said it: its
/// message (`Display`) and the chain of its causes (`source()`), e.g. the I/O error of a refused
/// connection. The HTTP stack's own error type is not part of the API, so that its version is not
/// part of this crate's. The URL is never in it (a GET's query string carries the `sign`).
pub struct TransportError(reqwest::Error);

impl TransportError {
    /// Wraps the HTTP stack's error, without its URL.
    pub(crate) fn new(error: reqwest::Error) -> Self {
        TransportError(error.without_url())
    }

    /// The HTTP status the failure came with, if any.
    fn status(&self) -> Option<u16> {
        self.0.status().map(|s| s.as_u16())
    }
}

impl fmt::Debug for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl std::error::Error for TransportError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        std::error::Error::source(&self.0)
    }
}

/// Everything that can go wrong.
///
/// `Display` always says which endpoint failed and, for the vendor's refusals, the vendor's code and
/// message. It is one line of at most a few hundred characters: the vendor's text and bodies are cut
/// to 300 characters each. Bodies are kept whole in the error ([`Error::body`]), within the
/// client's cap on a response's size ([`crate::ClientBuilder::max_response_size`]). `Debug` shows a
/// body as text when it is UTF-8 (escaped bytes otherwise), cut at 4 KiB.
#[derive(thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The vendor answered with a `code` other than 0. A `msg` that is not valid UTF-8 is kept with
    /// its bad bytes replaced by U+FFFD.
    #[error("{endpoint}: the vendor refused the request with code {code}{}: {}", code_name(*.code), Excerpt(.message.as_bytes()))]
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

    /// The server answered with a redirect (HTTP 3xx). The vendor's API does not redirect, and
    /// following one would send the signed request (partner id, timestamp and sign) to whatever
    /// host the `Location` names, so the client never follows a redirect.
    #[error("{endpoint}: the server redirected with HTTP status {status} to {}; redirects are not followed", Location(.location.as_deref()))]
    Redirect {
        /// The endpoint.
        endpoint: Cow<'static, str>,
        /// The HTTP status code (301, 302, 303, 307, 308, ...).
        status: u16,
        /// The `Location` the server named, if it named one.
        location: Option<String>,
    },

    /// The response body is larger than the client's cap
    /// ([`crate::ClientBuilder::max_response_size`]); reading stopped as soon as it passed the cap.
    #[error(
        "{endpoint}: the response (HTTP status {status}) is larger than the cap of {limit} bytes; reading stopped there"
    )]
    ResponseTooLarge {
        /// The endpoint.
        endpoint: Cow<'static, str>,
        /// The HTTP status code of the response.
        status: u16,
        /// The cap, in bytes.
        limit: u64,
    },

    /// The request could not be sent or its response not received.
    #[error("{endpoint}: {kind}: {source}")]
    Transport {
        /// The endpoint.
        endpoint: Cow<'static, str>,
        /// What kind of failure; [`TransportKind::Connect`] never reached the server.
        kind: TransportKind,
        /// The underlying error: its message, and its causes through `source()`.
        #[source]
        source: TransportError,
    },

    /// The response was not the JSON the spec describes.
    #[error("{endpoint}: cannot decode the response at `{path}`: {}; body: {}", Excerpt(.message.as_bytes()), Excerpt(.body))]
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

    /// The fleet-wide rate limit could not reach Redis and is set to fail closed
    /// (`fleet::OnRedisDown::FailClosed`, feature `redis`); nothing was sent.
    #[error("the fleet-wide rate limit cannot reach Redis, nothing was sent: {message}")]
    LimiterUnavailable {
        /// What went wrong with Redis.
        message: String,
    },

    /// A batch was only partly applied: the vendor's success list leaves out some of the requested
    /// ids (API 36's `success_list`). Those in `confirmed` were applied; those in `missing` were
    /// not, or the vendor did not say so. Nothing is retried.
    #[error("{endpoint}: the vendor confirmed {} of the requested ids; not confirmed: {missing:?}", .confirmed.len())]
    Incomplete {
        /// The endpoint.
        endpoint: Cow<'static, str>,
        /// The requested ids the success list leaves out, in request order.
        missing: Vec<i64>,
        /// The ids the vendor listed as applied.
        confirmed: Vec<i64>,
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
            | Error::Redirect { endpoint, .. }
            | Error::ResponseTooLarge { endpoint, .. }
            | Error::Transport { endpoint, .. }
            | Error::Decode { endpoint, .. }
            | Error::RateLimited { endpoint, .. }
            | Error::Incomplete { endpoint, .. }
            | Error::InvalidRequest { endpoint, .. } => Some(endpoint),
            Error::LimiterUnavailable { .. } | Error::Config(_) => None,
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

    /// The HTTP status of a response that was not a success: [`Error::Http`], [`Error::Redirect`]
    /// and [`Error::ResponseTooLarge`]. `None` for everything else, the vendor's refusals
    /// included (the vendor answers them with HTTP 200).
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Http { status, .. }
            | Error::Redirect { status, .. }
            | Error::ResponseTooLarge { status, .. } => Some(*status),
            Error::Transport { source, .. } => source.status(),
            _ => None,
        }
    }

    /// Whether trying the same request again may succeed: connection failures, timeouts, HTTP 408,
    /// 429 and 5xx, undecodable bodies, and refusals for rate.
    ///
    /// It does not say whether sending again is *safe*. A write (crop, delete, copy, set an expiry)
    /// that timed out, got a 502 or an undecodable answer may have been applied already, and sent
    /// again it is applied twice. In a retry loop of your own, resend on
    /// [`Error::is_safe_to_resend`], not on `is_retryable`; [`Error::may_have_applied`] says
    /// whether a failed write must be checked (read the state back) before anything else. The
    /// client itself resends a write only when it surely did not run (see [`crate::RetryPolicy`]).
    ///
    /// ```
    /// # fn crop() -> baijiayun::Result<()> { Ok(()) }
    /// fn crop_with_retries() -> baijiayun::Result<()> {
    ///     let mut attempt = 1;
    ///     loop {
    ///         match crop() {
    ///             Err(e) if attempt < 3 && e.is_safe_to_resend() => {
    ///                 std::thread::sleep(std::time::Duration::from_secs(attempt));
    ///                 attempt += 1;
    ///             }
    ///             // An error that `may_have_applied()`: read the state back before anything else.
    ///             done => return done,
    ///         }
    ///     }
    /// }
    /// # assert!(crop_with_retries().is_ok());
    /// ```
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Transport { .. }
            | Error::Decode { .. }
            | Error::RateLimited { .. }
            | Error::LimiterUnavailable { .. } => true,
            Error::Http { status, .. } => matches!(status, 408 | 429 | 500..=599),
            Error::Api { .. } => self.is_rate_limited(),
            Error::Redirect { .. }
            | Error::ResponseTooLarge { .. }
            | Error::Incomplete { .. }
            | Error::InvalidRequest { .. }
            | Error::Config(_) => false,
        }
    }

    /// Whether the request may have been applied by the vendor although the call failed: `false`
    /// only when it surely was not.
    ///
    /// `true` when the request may have reached the vendor and no refusal came back: a transport
    /// failure once the connection was made ([`TransportKind::Timeout`], `Request`, `Body`),
    /// HTTP 408 and 5xx (and any other status that is not a 4xx), a redirect (whatever answered
    /// may have acted first), a body that does not decode or is too large, and
    /// [`Error::Incomplete`] (part of the batch was applied), and the vendor's generic error
    /// ([`ErrorCode::General`], code 1) or a code this version does not know, which do not say
    /// whether anything was done.
    ///
    /// `false` for the vendor's refusals with a specific code ([`Error::Api`]: a bad parameter or
    /// sign, an unknown room, a refusal for rate, ...; and HTTP 4xx but 408, 429 included), the client's own refusals, which send nothing
    /// ([`Error::RateLimited`], [`Error::InvalidRequest`], [`Error::LimiterUnavailable`],
    /// [`Error::Config`]), and a connection that was never made ([`TransportKind::Connect`]).
    pub fn may_have_applied(&self) -> bool {
        match self {
            Error::Transport { kind, .. } => *kind != TransportKind::Connect,
            Error::Http { status, .. } => *status == 408 || !(400..500).contains(status),
            Error::Redirect { .. }
            | Error::ResponseTooLarge { .. }
            | Error::Decode { .. }
            | Error::Incomplete { .. } => true,
            Error::Api { code, .. } => matches!(
                ErrorCode::from(*code),
                ErrorCode::General | ErrorCode::Unknown(_)
            ),
            Error::RateLimited { .. }
            | Error::LimiterUnavailable { .. }
            | Error::InvalidRequest { .. }
            | Error::Config(_) => false,
        }
    }

    /// Whether sending the same request again is both useful and harmless: it is
    /// [retryable](Error::is_retryable), and either it surely was not applied
    /// ([`Error::may_have_applied`] is `false`) or its endpoint is safe to repeat (a read: the
    /// spec's `retry_safe`, [`crate::info::OperationInfo::retry_safe`]). This is the rule the
    /// client's own retries follow. A raw call's endpoint (a path) is not known to be safe.
    pub fn is_safe_to_resend(&self) -> bool {
        let retry_safe = self
            .endpoint()
            .and_then(Operation::from_name)
            .is_some_and(|op| op.info().retry_safe);
        self.is_safe_to_resend_to(retry_safe)
    }

    /// [`Error::is_safe_to_resend`] for an endpoint whose safety to repeat is `retry_safe`.
    pub(crate) fn is_safe_to_resend_to(&self, retry_safe: bool) -> bool {
        self.is_retryable() && (retry_safe || !self.may_have_applied())
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

/// A `Location` in a message: cut like a body, or said to be missing.
struct Location<'a>(Option<&'a str>);

impl fmt::Display for Location<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(location) => Excerpt(location.as_bytes()).fmt(f),
            None => f.write_str("nowhere (no Location header)"),
        }
    }
}

/// The start of a body or of the vendor's text, for messages: at most 300 characters, lossy
/// UTF-8, on one line. Reads at most the first 1,200 bytes, whatever the length.
pub(crate) struct Excerpt<'a>(pub(crate) &'a [u8]);

impl fmt::Display for Excerpt<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const MAX: usize = 300;
        // 300 characters of at most 4 bytes each, and one more to know whether there is more.
        let head = &self.0[..self.0.len().min(MAX * 4 + 4)];
        let text = String::from_utf8_lossy(head);
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

/// A body in `Debug`: its text when it is UTF-8, escaped bytes otherwise, cut at 4 KiB.
struct DebugBody<'a>(&'a [u8]);

impl fmt::Debug for DebugBody<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const MAX: usize = 4096;
        let cut = self.0.len() > MAX;
        let head = &self.0[..self.0.len().min(MAX)];
        match std::str::from_utf8(head) {
            Ok(text) => fmt::Debug::fmt(text, f)?,
            // A cut inside the last character: show the text up to it.
            Err(e) if cut && e.error_len().is_none() => {
                fmt::Debug::fmt(&String::from_utf8_lossy(&head[..e.valid_up_to()]), f)?;
            }
            Err(_) => write!(f, "b\"{}\"", head.escape_ascii())?,
        }
        if cut {
            write!(f, "… ({} bytes in all)", self.0.len())?;
        }
        Ok(())
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Api {
                endpoint,
                code,
                message,
                body,
            } => f
                .debug_struct("Api")
                .field("endpoint", endpoint)
                .field("code", code)
                .field("message", message)
                .field("body", &DebugBody(body))
                .finish(),
            Error::Http {
                endpoint,
                status,
                body,
            } => f
                .debug_struct("Http")
                .field("endpoint", endpoint)
                .field("status", status)
                .field("body", &DebugBody(body))
                .finish(),
            Error::Redirect {
                endpoint,
                status,
                location,
            } => f
                .debug_struct("Redirect")
                .field("endpoint", endpoint)
                .field("status", status)
                .field("location", location)
                .finish(),
            Error::ResponseTooLarge {
                endpoint,
                status,
                limit,
            } => f
                .debug_struct("ResponseTooLarge")
                .field("endpoint", endpoint)
                .field("status", status)
                .field("limit", limit)
                .finish(),
            Error::Transport {
                endpoint,
                kind,
                source,
            } => f
                .debug_struct("Transport")
                .field("endpoint", endpoint)
                .field("kind", kind)
                .field("source", source)
                .finish(),
            Error::Decode {
                endpoint,
                path,
                message,
                body,
            } => f
                .debug_struct("Decode")
                .field("endpoint", endpoint)
                .field("path", path)
                .field("message", message)
                .field("body", &DebugBody(body))
                .finish(),
            Error::RateLimited {
                endpoint,
                retry_after,
            } => f
                .debug_struct("RateLimited")
                .field("endpoint", endpoint)
                .field("retry_after", retry_after)
                .finish(),
            Error::Incomplete {
                endpoint,
                missing,
                confirmed,
            } => f
                .debug_struct("Incomplete")
                .field("endpoint", endpoint)
                .field("missing", missing)
                .field("confirmed", confirmed)
                .finish(),
            Error::InvalidRequest { endpoint, message } => f
                .debug_struct("InvalidRequest")
                .field("endpoint", endpoint)
                .field("message", message)
                .finish(),
            Error::LimiterUnavailable { message } => f
                .debug_struct("LimiterUnavailable")
                .field("message", message)
                .finish(),
            Error::Config(message) => f.debug_tuple("Config").field(message).finish(),
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

    /// Every kind of failure on a write (`batch_crop`) and a read (`get_basic_info`): retryable,
    /// may have been applied, safe to resend to each.
    #[test]
    fn which_failures_may_have_applied_and_which_are_safe_to_resend() {
        let read = "get_basic_info";
        let write = "batch_crop";
        assert!(Operation::from_name(read).is_some_and(|op| op.info().retry_safe));
        assert!(Operation::from_name(write).is_some_and(|op| !op.info().retry_safe));
        let cases = [
            // (failure, retryable, may have applied, safe to resend to the read, to the write)
            ("connect", true, false, true, true),
            ("timeout", true, true, true, false),
            ("request", true, true, true, false),
            ("body", true, true, true, false),
            ("http 408", true, true, true, false),
            ("http 429", true, false, true, true),
            ("http 500", true, true, true, false),
            ("http 502", true, true, true, false),
            ("http 403", false, false, false, false),
            ("http 404", false, false, false, false),
            ("api rate", true, false, true, true),
            ("api refusal", false, false, false, false),
            ("api general", false, true, false, false),
            ("api unknown", false, true, false, false),
            ("decode", true, true, true, false),
            ("too large", false, true, false, false),
            ("redirect", false, true, false, false),
            ("incomplete", false, true, false, false),
            ("rate limited", true, false, true, true),
            ("invalid", false, false, false, false),
        ];
        for (name, retryable, applied, to_read, to_write) in cases {
            let (on_read, on_write) = (failure(name, read), failure(name, write));
            assert_eq!(on_write.is_retryable(), retryable, "{name}: is_retryable");
            assert_eq!(on_read.is_retryable(), retryable, "{name}: is_retryable");
            assert_eq!(
                on_write.may_have_applied(),
                applied,
                "{name}: may_have_applied"
            );
            assert_eq!(
                on_read.may_have_applied(),
                applied,
                "{name}: may_have_applied"
            );
            assert_eq!(
                on_read.is_safe_to_resend(),
                to_read,
                "{name}: resend to a read"
            );
            assert_eq!(
                on_write.is_safe_to_resend(),
                to_write,
                "{name}: resend to a write"
            );
        }
        // Nothing was sent: the fleet limiter's refusal and a bad configuration.
        let down = Error::LimiterUnavailable {
            message: "connection refused".into(),
        };
        assert!(!down.may_have_applied() && down.is_retryable() && down.is_safe_to_resend());
        let config = Error::Config("partner key is empty".into());
        assert!(!config.may_have_applied() && !config.is_safe_to_resend());
        // A raw call names its path: not known to be safe to repeat.
        let raw = failure("timeout", "/openapi/playback/getBasicInfo");
        assert!(raw.may_have_applied() && !raw.is_safe_to_resend());
        assert!(failure("connect", "/openapi/x").is_safe_to_resend());
    }

    /// One failure of each kind, named as in the table above, on `endpoint`.
    fn failure(name: &str, endpoint: &'static str) -> Error {
        let endpoint = Cow::Borrowed(endpoint);
        let transport = |kind| Error::Transport {
            endpoint: endpoint.clone(),
            kind,
            // Any reqwest error: the kind is what is classified.
            source: TransportError::new(
                reqwest::Client::new()
                    .get("not a url")
                    .build()
                    .err()
                    .unwrap_or_else(|| panic!("a bad URL does not build")),
            ),
        };
        let http = |status| Error::Http {
            endpoint: endpoint.clone(),
            status,
            body: Bytes::new(),
        };
        let api = |code| Error::Api {
            endpoint: endpoint.clone(),
            code,
            message: String::new(),
            body: Bytes::new(),
        };
        match name {
            "connect" => transport(TransportKind::Connect),
            "timeout" => transport(TransportKind::Timeout),
            "request" => transport(TransportKind::Request),
            "body" => transport(TransportKind::Body),
            "api rate" => api(429),
            "api refusal" => api(1001),
            "api general" => api(1),
            "api unknown" => api(987_654),
            "decode" => Error::Decode {
                endpoint,
                path: ".".into(),
                message: String::new(),
                body: Bytes::from_static(b"<html>"),
            },
            "too large" => Error::ResponseTooLarge {
                endpoint,
                status: 200,
                limit: 1,
            },
            "redirect" => Error::Redirect {
                endpoint,
                status: 303,
                location: None,
            },
            "incomplete" => Error::Incomplete {
                endpoint,
                missing: vec![2],
                confirmed: vec![1],
            },
            "rate limited" => Error::RateLimited {
                endpoint,
                retry_after: std::time::Duration::from_secs(1),
            },
            "invalid" => Error::InvalidRequest {
                endpoint,
                message: String::new(),
            },
            status => http(
                status
                    .strip_prefix("http ")
                    .and_then(|s| s.parse().ok())
                    .unwrap_or_else(|| panic!("no failure named {status}")),
            ),
        }
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

    #[test]
    fn debug_shows_bodies_as_text_when_they_are_utf8() {
        let e = Error::Http {
            endpoint: "get_list".into(),
            status: 502,
            body: Bytes::from_static("网关错误 \"x\"".as_bytes()),
        };
        let debug = format!("{e:?}");
        assert!(debug.contains(r#"body: "网关错误 \"x\"""#), "{debug}");
        let e = Error::Http {
            endpoint: "get_list".into(),
            status: 502,
            body: Bytes::from_static(b"a\xffb"),
        };
        assert!(format!("{e:?}").contains(r#"body: b"a\xffb""#), "{e:?}");
        let long = Error::Http {
            endpoint: "get_list".into(),
            status: 502,
            body: Bytes::from("回".repeat(5000)),
        };
        let debug = format!("{long:?}");
        assert!(
            debug.contains("… (15000 bytes in all)"),
            "{}",
            &debug[debug.len() - 60..]
        );
        assert!(debug.len() < 4300);
        assert!(!debug.contains('\u{FFFD}'));
    }

    #[test]
    fn status_is_the_http_status_of_a_failed_response() {
        let http = Error::Http {
            endpoint: "x".into(),
            status: 503,
            body: Bytes::new(),
        };
        assert_eq!(http.status(), Some(503));
        let redirect = Error::Redirect {
            endpoint: "x".into(),
            status: 307,
            location: Some("http://elsewhere/".into()),
        };
        assert_eq!(redirect.status(), Some(307));
        assert!(redirect.to_string().contains("http://elsewhere/"));
        let api = Error::Api {
            endpoint: "x".into(),
            code: 1,
            message: String::new(),
            body: Bytes::new(),
        };
        assert_eq!(api.status(), None);
    }

    #[test]
    fn display_is_short_whatever_the_vendor_sends() {
        let e = Error::Api {
            endpoint: "get_list".into(),
            code: 1001,
            message: "长".repeat(1_000_000),
            body: Bytes::new(),
        };
        assert!(e.to_string().chars().count() < 400);
        let e = Error::Decode {
            endpoint: "get_list".into(),
            path: ".".into(),
            message: "m".repeat(1_000_000),
            body: Bytes::from(vec![b'b'; 1_000_000]),
        };
        assert!(e.to_string().chars().count() < 700);
    }
}
