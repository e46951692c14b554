//! What both clients share: their settings, and turning parameters into a signed HTTP request
//! (sans I/O), and a response status and body into a result.

use std::borrow::Cow;
use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use secrecy::{ExposeSecret, SecretString};

use crate::Upload;
use crate::error::{Error, Label, Result, TransportKind};
use crate::info::Method;
use crate::operations::Operation;
use crate::wire::{Params, sign};

/// Settings shared by every clone of a client.
pub(crate) struct Shared {
    pub(crate) partner_id: i64,
    pub(crate) partner_key: SecretString,
    /// Scheme and host (and port), without a trailing slash.
    pub(crate) base_url: String,
    /// Path overrides, indexed by `Operation as usize`.
    pub(crate) paths: Vec<Option<Box<str>>>,
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

/// A request ready to go on the wire.
#[derive(Debug)]
pub(crate) struct Prepared {
    pub(crate) method: Method,
    pub(crate) url: String,
    pub(crate) body: Body,
}

/// The body of a [`Prepared`] request.
#[derive(Debug)]
pub(crate) enum Body {
    /// `GET`: everything is in the URL.
    Empty,
    /// `application/x-www-form-urlencoded`.
    Form(String),
    /// `multipart/form-data`: the signed text fields, then the (unsigned) file.
    Multipart {
        fields: Vec<(String, String)>,
        file_field: &'static str,
        file: Upload,
    },
}

impl Shared {
    /// The path of `op`: its override, else the spec's.
    pub(crate) fn path(&self, op: Operation) -> &str {
        self.paths
            .get(op as usize)
            .and_then(|p| p.as_deref())
            .unwrap_or(op.info().path)
    }

    /// Adds `partner_id`, a fresh `timestamp` and the `sign` to `params`, and lays the request out.
    /// Called once per attempt, so every attempt is signed afresh.
    pub(crate) fn prepare(
        &self,
        path: &str,
        method: Method,
        params: &mut Params<'_>,
        upload: Option<(&'static str, &Upload)>,
    ) -> Prepared {
        params.remove("sign");
        params.insert("partner_id", self.partner_id);
        params.insert("timestamp", unix_now());
        let signature = sign(params, self.partner_key.expose_secret());
        params.insert("sign", signature);
        let mut url = String::with_capacity(self.base_url.len() + path.len() + 1);
        url.push_str(&self.base_url);
        if !path.starts_with('/') {
            url.push('/');
        }
        url.push_str(path);
        let body = match (method, upload) {
            (_, Some((file_field, file))) => Body::Multipart {
                fields: params
                    .iter()
                    .map(|(k, v)| (k.to_owned(), v.to_text().into_owned()))
                    .collect(),
                file_field,
                file: file.clone(),
            },
            (Method::Get, None) => {
                url.push('?');
                url.push_str(&params.to_form());
                Body::Empty
            }
            (Method::Post, None) => Body::Form(params.to_form()),
        };
        let method = if upload.is_some() {
            Method::Post
        } else {
            method
        };
        Prepared { method, url, body }
    }
}

/// Seconds since the unix epoch, now.
pub(crate) fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// Checks what the spec says before anything is sent: limits and encodings.
pub(crate) fn check(op: Operation, params: &Params<'_>) -> Result<()> {
    if let Some(message) = params.encoding_error() {
        return Err(Error::InvalidRequest {
            endpoint: Cow::Borrowed(op.name()),
            message: message.to_owned(),
        });
    }
    op.info()
        .check_limits(params)
        .map_err(|message| Error::InvalidRequest {
            endpoint: Cow::Borrowed(op.name()),
            message,
        })
}

/// Turns a status and body into the body of a 2xx response, or an `Error::Http`.
pub(crate) fn check_status(endpoint: &Label, status: u16, body: Bytes) -> Result<Bytes> {
    if (200..300).contains(&status) {
        Ok(body)
    } else {
        Err(Error::Http {
            endpoint: endpoint.name(),
            status,
            body,
        })
    }
}

/// Classifies a transport failure. A failed connect never reached the server, whatever else the
/// error says (a connect timeout is both), which is what makes it safe to retry.
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
        source: e,
    }
}

/// Default timeouts, the same for both clients.
pub(crate) const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// Default connect timeout.
pub(crate) const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// The `User-Agent` the clients send.
pub(crate) const USER_AGENT: &str = concat!("baijiayun-rust/", env!("CARGO_PKG_VERSION"));

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::ParamValue;

    fn shared() -> Shared {
        Shared {
            partner_id: 100,
            partner_key: SecretString::from("secret"),
            base_url: "http://127.0.0.1:9".into(),
            paths: vec![None; Operation::ALL.len()],
        }
    }

    #[test]
    fn prepare_signs_exactly_what_it_sends() {
        let s = shared();
        let mut params: Params<'_> = [("room_id", ParamValue::Int(5))].into_iter().collect();
        let p = s.prepare(
            "/openapi/playback/getBasicInfo",
            Method::Post,
            &mut params,
            None,
        );
        assert_eq!(p.url, "http://127.0.0.1:9/openapi/playback/getBasicInfo");
        let Body::Form(form) = p.body else {
            panic!("expected a form body")
        };
        let sent: Params<'_> = form_urlencoded::parse(form.as_bytes())
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
        let mut params: Params<'_> = [("room_id", ParamValue::Int(5))].into_iter().collect();
        let p = s.prepare("/openapi/x", Method::Get, &mut params, None);
        assert!(matches!(p.body, Body::Empty));
        let (_, query) = p.url.split_once('?').unwrap_or_default();
        assert_eq!(query, params.to_form());
    }

    #[test]
    fn a_file_makes_it_multipart_and_stays_unsigned() {
        let s = shared();
        let mut params: Params<'_> = [("name", ParamValue::from("n"))].into_iter().collect();
        let file = Upload::new("cover.jpg", b"JPEG".to_vec());
        let p = s.prepare(
            "/openapi/playback/update",
            Method::Post,
            &mut params,
            Some(("preface", &file)),
        );
        let Body::Multipart {
            fields, file_field, ..
        } = p.body
        else {
            panic!("expected multipart")
        };
        assert_eq!(file_field, "preface");
        assert!(fields.iter().all(|(k, _)| k != "preface"));
        let signed: Params<'_> = fields
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let expected = sign(&signed, "secret");
        assert!(fields.iter().any(|(k, v)| k == "sign" && *v == expected));
    }
}
