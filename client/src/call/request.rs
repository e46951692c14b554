//! What both clients share: their settings, and turning parameters into a signed HTTP request
//! (sans I/O), and a response status and body into a result.

use std::borrow::Cow;
use std::fmt;
use std::time::Duration;

use bytes::Bytes;
use secrecy::{ExposeSecret, SecretString};

use crate::Upload;
use crate::call::error::{Error, Label, Result, TransportError, TransportKind};
use crate::call::gate::Gate;
use crate::call::info::{Method, OperationInfo};
use crate::call::retry::RetryPolicy;
use crate::call::wire::{Endpoint, Params, check, sign};
use crate::operations::Operation;

pub(crate) use super::clock::unix_now;

/// Settings shared by every clone of a client.
pub(crate) struct Shared {
    pub(crate) partner_id: i64,
    pub(crate) partner_key: SecretString,
    /// Scheme and host (and port), without a trailing slash.
    pub(crate) base_url: String,
    /// Path overrides, indexed by `Operation as usize` (an endpoint's `OperationInfo::index`).
    pub(crate) paths: Vec<Option<Box<str>>>,
    /// What each attempt must pass: the rate limit shared by every client of this partner id, if
    /// on.
    pub(crate) gate: Option<Gate>,
    /// The largest response body read, in bytes.
    pub(crate) max_response_size: usize,
}

/// What may differ between clones of one client: per-call settings.
#[derive(Clone, Copy, Debug)]
pub(crate) struct CallOptions {
    pub(crate) retry: RetryPolicy,
    /// Overrides the client's timeout for the calls of this clone.
    pub(crate) timeout: Option<Duration>,
    /// Over the rate limit, fail at once instead of waiting.
    pub(crate) fail_fast: bool,
}

impl fmt::Debug for Shared {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let overrides: Vec<(&str, &str)> = Operation::ALL
            .iter()
            .zip(&self.paths)
            .filter_map(|(op, p)| p.as_deref().map(|p| (op.name(), p)))
            .collect();
        f.debug_struct("Client")
            .field("partner_id", &self.partner_id)
            .field("partner_key", &"[redacted]")
            .field("base_url", &self.base_url)
            .field("path_overrides", &overrides)
            .finish()
    }
}

/// A request ready to go on the wire: the transport only has to send it.
#[derive(Debug)]
pub(crate) struct Prepared {
    pub(crate) method: Method,
    pub(crate) url: String,
    /// The `Content-Type` of the body, if there is a body.
    pub(crate) content_type: Option<String>,
    pub(crate) body: Bytes,
}

/// One call, set up before its first attempt: what to send and where.
pub(crate) struct Call<'r> {
    pub(crate) label: Label,
    /// Whether the spec marks it safe to send again.
    pub(crate) retry_safe: bool,
    pub(crate) path: &'r str,
    pub(crate) method: Method,
    pub(crate) params: Params<'r>,
    pub(crate) upload: Option<(&'static str, &'r Upload)>,
}

impl Shared {
    /// The path of the operation `info` describes: its override, else the spec's.
    pub(crate) fn path(&self, info: &'static OperationInfo) -> &str {
        self.paths
            .get(info.index)
            .and_then(|p| p.as_deref())
            .unwrap_or(info.path)
    }

    /// Sets up a call of a spec endpoint, refusing what the spec says the vendor would refuse.
    pub(crate) fn endpoint_call<'r, E: Endpoint>(&'r self, request: &'r E) -> Result<Call<'r>> {
        let info = E::INFO;
        let mut params = Params::new();
        request.write_params(&mut params);
        check(info, &params)?;
        Ok(Call {
            label: Label(Cow::Borrowed(info.name)),
            retry_safe: info.retry_safe,
            path: self.path(info),
            method: info.methods.first().copied().unwrap_or(Method::Post),
            params,
            upload: request.upload(),
        })
    }

    /// Sets up a raw call: a form to any path, POSTed unless `method` says otherwise.
    pub(crate) fn raw_call<'r>(
        &self,
        method: Method,
        path: &'r str,
        params: Params<'r>,
    ) -> Call<'r> {
        Call {
            label: Label(Cow::Owned(path.to_owned())),
            retry_safe: false,
            path,
            method,
            params,
            upload: None,
        }
    }

    /// Adds `partner_id`, the `timestamp` (unix seconds, now) and the `sign` to the call's
    /// parameters, and lays the request out. Called once per attempt, so every attempt is signed
    /// afresh.
    pub(crate) fn prepare(&self, call: &mut Call<'_>, timestamp: i64) -> Prepared {
        let params = &mut call.params;
        params.remove("sign");
        params.insert("partner_id", self.partner_id);
        params.insert("timestamp", timestamp);
        let signature = sign(params, self.partner_key.expose_secret());
        params.insert("sign", signature);
        let mut url = String::with_capacity(self.base_url.len() + call.path.len() + 1);
        url.push_str(&self.base_url);
        if !call.path.starts_with('/') {
            url.push('/');
        }
        url.push_str(call.path);
        match (call.method, call.upload) {
            (_, Some((field, file))) => {
                let (content_type, body) = multipart(params, field, file);
                Prepared {
                    method: Method::Post,
                    url,
                    content_type: Some(content_type),
                    body,
                }
            }
            (Method::Get, None) => {
                url.push('?');
                url.push_str(&params.to_form());
                Prepared {
                    method: Method::Get,
                    url,
                    content_type: None,
                    body: Bytes::new(),
                }
            }
            (Method::Post, None) => Prepared {
                method: Method::Post,
                url,
                content_type: Some("application/x-www-form-urlencoded".to_owned()),
                body: Bytes::from(params.to_form()),
            },
        }
    }
}

/// Encodes a `multipart/form-data` body (RFC 7578): every parameter as a text part, then the file.
/// The file part carries no parameter the sign covers.
fn multipart(params: &Params<'_>, field: &str, file: &Upload) -> (String, Bytes) {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let mut boundary = format!("baijiayun-{:016x}-{n:x}", fastrand::u64(..));
    // A boundary must not occur in the content; lengthen it until it does not.
    while file
        .bytes()
        .windows(boundary.len())
        .any(|w| w == boundary.as_bytes())
        || params.iter().any(|(_, v)| v.to_text().contains(&boundary))
    {
        boundary.push('x');
    }
    // HTML5's rule for names in a part header: escape `"`, CR and LF by percent-encoding.
    let quote = |s: &str| {
        s.replace('"', "%22")
            .replace('\r', "%0D")
            .replace('\n', "%0A")
    };
    let mut body = Vec::with_capacity(file.bytes().len() + 256 + params.len() * 96);
    for (k, v) in params.iter() {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{}\"\r\n\r\n",
                quote(k)
            )
            .as_bytes(),
        );
        body.extend_from_slice(v.to_text().as_bytes());
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"{}\"; filename=\"{}\"\r\nContent-Type: {}\r\n\r\n",
            quote(field),
            quote(file.file_name()),
            file.mime_or_guess(),
        )
        .as_bytes(),
    );
    body.extend_from_slice(file.bytes());
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (
        format!("multipart/form-data; boundary={boundary}"),
        Bytes::from(body),
    )
}

/// A batch's output, or [`Error::Incomplete`] when its response leaves out requested ids.
pub(crate) fn confirmed<E: Endpoint>(request: &E, output: E::Output) -> Result<E::Output> {
    match request.unconfirmed(&output) {
        None => Ok(output),
        Some(u) => Err(Error::Incomplete {
            endpoint: Cow::Borrowed(E::INFO.name),
            missing: u.missing,
            confirmed: u.confirmed,
        }),
    }
}

/// Turns a status and body into the body of a 2xx response, an `Error::Redirect` (a 3xx, with
/// the `Location` it named) or an `Error::Http`.
pub(crate) fn check_status(
    endpoint: &Label,
    status: u16,
    location: Option<String>,
    body: Bytes,
) -> Result<Bytes> {
    match status {
        200..300 => Ok(body),
        300..400 => Err(Error::Redirect {
            endpoint: endpoint.name(),
            status,
            location,
        }),
        _ => Err(Error::Http {
            endpoint: endpoint.name(),
            status,
            body,
        }),
    }
}

/// The `Location` header of a response, if any (lossy UTF-8).
pub(crate) fn location(headers: &reqwest::header::HeaderMap) -> Option<String> {
    headers
        .get(reqwest::header::LOCATION)
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
}

/// A response body read up to a cap: both drivers push what they read into it, chunk by chunk,
/// and stop as soon as it says the cap is passed.
#[derive(Debug)]
pub(crate) struct CappedBody {
    limit: usize,
    buf: Vec<u8>,
    over: bool,
}

impl CappedBody {
    /// A body capped at `limit` bytes, or `None` when the declared length is already over it.
    pub(crate) fn new(limit: usize, declared: Option<u64>) -> Option<Self> {
        let declared = declared.map(|d| usize::try_from(d).unwrap_or(usize::MAX));
        if declared.is_some_and(|d| d > limit) {
            return None;
        }
        Some(CappedBody {
            limit,
            // Trust a declared length for the first allocation only, and never past the cap.
            buf: Vec::with_capacity(declared.unwrap_or(0).min(limit)),
            over: false,
        })
    }

    /// Adds `chunk`; `false` when that passes the cap (and nothing is added).
    pub(crate) fn push(&mut self, chunk: &[u8]) -> bool {
        if chunk.len() > self.limit - self.buf.len() {
            self.over = true;
            return false;
        }
        self.buf.extend_from_slice(chunk);
        true
    }

    /// Whether a chunk passed the cap.
    #[cfg(feature = "blocking")]
    pub(crate) fn is_over(&self) -> bool {
        self.over
    }

    /// The whole body.
    pub(crate) fn finish(self) -> Bytes {
        Bytes::from(self.buf)
    }
}

/// `std::io::Write` for the blocking driver, which copies the body into it: over the cap, the
/// write fails and the copy stops.
impl std::io::Write for CappedBody {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.push(buf) {
            Ok(buf.len())
        } else {
            Err(std::io::Error::other("the response is larger than the cap"))
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The error for a response larger than `limit` bytes.
pub(crate) fn too_large(endpoint: &Label, status: u16, limit: usize) -> Error {
    Error::ResponseTooLarge {
        endpoint: endpoint.name(),
        status,
        limit: u64::try_from(limit).unwrap_or(u64::MAX),
    }
}

/// Classifies a transport failure. A failed connect never reached the server, whatever else the
/// error says (a connect timeout is both), which is what makes it safe to retry. The URL is
/// dropped from the error: a GET's query string carries the `sign`.
pub(crate) fn transport_error(endpoint: &Label, e: reqwest::Error) -> Error {
    let kind = if e.is_connect() {
        TransportKind::Connect
    } else if e.is_timeout() {
        TransportKind::Timeout
    } else if e.is_body() || e.is_decode() {
        TransportKind::Body
    } else {
        TransportKind::Request
    };
    Error::Transport {
        endpoint: endpoint.name(),
        kind,
        source: TransportError::new(e),
    }
}

/// Default timeouts, the same for both clients.
pub(crate) const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// The default cap on a response body: 32 MiB, far above the largest real answer (a page of
/// 1,000 playbacks is about 0.5 MB).
pub(crate) const DEFAULT_MAX_RESPONSE_SIZE: usize = 32 * 1024 * 1024;
/// Default connect timeout.
pub(crate) const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// The `User-Agent` the clients send.
pub(crate) const USER_AGENT: &str = concat!("baijiayun-rust/", env!("CARGO_PKG_VERSION"));

#[cfg(test)]
mod tests {
    use super::*;
    use crate::call::wire::ParamValue;

    fn shared() -> Shared {
        Shared {
            partner_id: 100,
            partner_key: SecretString::from("secret"),
            base_url: "http://127.0.0.1:9".into(),
            paths: vec![None; Operation::ALL.len()],
            gate: None,
            max_response_size: DEFAULT_MAX_RESPONSE_SIZE,
        }
    }

    fn call<'r>(path: &'r str, method: Method, params: Params<'r>) -> Call<'r> {
        Call {
            label: Label(Cow::Borrowed("test")),
            retry_safe: false,
            path,
            method,
            params,
            upload: None,
        }
    }

    #[test]
    fn prepare_signs_exactly_what_it_sends() {
        let s = shared();
        let params: Params<'_> = [("room_id", ParamValue::Int(5))].into_iter().collect();
        let mut c = call("/openapi/playback/getBasicInfo", Method::Post, params);
        let p = s.prepare(&mut c, 1_700_000_000);
        assert_eq!(p.url, "http://127.0.0.1:9/openapi/playback/getBasicInfo");
        assert_eq!(
            p.content_type.as_deref(),
            Some("application/x-www-form-urlencoded")
        );
        let sent: Params<'_> = form_urlencoded::parse(&p.body)
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        let sent_sign = sent.get("sign").map(|v| v.to_text().into_owned());
        assert_eq!(sent_sign, Some(sign(&sent, "secret")));
        assert_eq!(sent.get("partner_id"), Some(&ParamValue::from("100")));
        assert!(sent.get("timestamp").is_some());
        assert_eq!(sent.len(), 4);
    }

    #[test]
    fn get_puts_the_same_encoding_in_the_query() {
        let s = shared();
        let params: Params<'_> = [("room_id", ParamValue::Int(5))].into_iter().collect();
        let mut c = call("/openapi/x", Method::Get, params);
        let p = s.prepare(&mut c, 1_700_000_000);
        assert!(p.body.is_empty());
        assert!(p.content_type.is_none());
        let (_, query) = p.url.split_once('?').unwrap_or_default();
        assert_eq!(query, c.params.to_form());
    }

    #[test]
    fn a_file_makes_it_multipart_and_stays_unsigned() {
        let s = shared();
        let params: Params<'_> = [("name", ParamValue::from("n \"q\""))]
            .into_iter()
            .collect();
        let file = Upload::new("a\"b.jpg", b"JPEG".to_vec());
        let mut c = call("/openapi/playback/update", Method::Post, params.clone());
        c.upload = Some(("preface", &file));
        let quoted = String::from_utf8_lossy(&s.prepare(&mut c, 1_700_000_000).body).into_owned();
        assert!(quoted.contains("filename=\"a%22b.jpg\""));
        let file = Upload::new("cover.jpg", b"JPEG".to_vec());
        let mut c = call("/openapi/playback/update", Method::Post, params);
        c.upload = Some(("preface", &file));
        let p = s.prepare(&mut c, 1_700_000_000);
        let ct = p.content_type.unwrap_or_default();
        let boundary = ct
            .strip_prefix("multipart/form-data; boundary=")
            .unwrap_or_default();
        assert!(!boundary.is_empty());
        let body = String::from_utf8_lossy(&p.body);
        assert!(body.starts_with(&format!("--{boundary}\r\n")));
        assert!(body.ends_with(&format!("--{boundary}--\r\n")));
        assert!(body.contains(
            "name=\"preface\"; filename=\"cover.jpg\"\r\nContent-Type: image/jpeg\r\n\r\nJPEG\r\n"
        ));
        let expected = sign(&c.params, "secret");
        assert!(body.contains(&format!("name=\"sign\"\r\n\r\n{expected}\r\n")));
        assert!(body.contains("name=\"name\"\r\n\r\nn \"q\"\r\n"));
        assert!(
            c.params.get("preface").is_none(),
            "the file is never a signed parameter"
        );
    }
}
