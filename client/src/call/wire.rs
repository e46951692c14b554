//! What goes on the wire: the parameter set of a request, its sign, and its form encoding.
//!
//! One [`Params`] value feeds both the signer and the body, so what is signed is exactly what is
//! sent: the same keys, the same values, nothing added between the two. Keys are kept sorted
//! (bytewise, i.e. ASCII order), which is the order the vendor's sign rule needs and also the order
//! of the encoded body.

use md5::{Digest, Md5};
use std::borrow::Cow;

use bytes::Bytes;

use crate::call::de::Tolerant;
use crate::call::error::{Error, Label, Result};
use crate::call::info::{OperationInfo, ParamKind};
use crate::value::lifetime::Lifetime;
use crate::value::playback_ref::PlaybackRef;
use crate::value::time::{Date, DateTime};
use crate::value::upload::Upload;

/// A request the client can send: implemented by every generated `…Request` type, and sealed
/// (how its parameters are written and its `data` decoded is the crate's private plumbing), so it
/// can be named in bounds, as [`crate::Client::execute`] does, but not implemented outside the
/// crate.
pub trait Endpoint: Sealed<Data = Self::Output> {
    /// The type of the envelope's `data` on success.
    type Output: serde::Serialize + Send;

    /// Which endpoint this is: what the spec says about it, its entry in the table
    /// [`Operation::info`](crate::operations::Operation::info) reads.
    const INFO: &'static OperationInfo;

    /// The request's parameters as they are signed and sent, in key order, without
    /// `partner_id`, `timestamp` and `sign` (the clients add those to each attempt). Unset
    /// optional parameters are not in it; a file part never is. For showing a request before it
    /// is sent, as the command line's `--verbose` does.
    ///
    /// ```
    /// use baijiayun::Endpoint as _;
    /// use baijiayun::playback::GetListRequest;
    /// use baijiayun::types::ProductType;
    ///
    /// let request = GetListRequest::new(ProductType::LargeClass, 1, 100);
    /// let text: Vec<String> = request
    ///     .params()
    ///     .iter()
    ///     .map(|(k, v)| format!("{k}={}", v.to_text()))
    ///     .collect();
    /// assert_eq!(text, ["page=1", "page_size=100", "product_type=1"]);
    /// ```
    fn params(&self) -> Params<'_> {
        let mut params = Params::new();
        self.write_params(&mut params);
        params
    }

    /// Checks the request against the spec's limits without sending it: every required
    /// parameter has a value to send, numbers lie within their documented bounds (`page_size` at
    /// most 1000, ...), time windows are not reversed and, where the vendor asks, lie within one
    /// day. It is the check the clients make before sending, so a request it refuses is never
    /// sent.
    ///
    /// # Errors
    ///
    /// [`crate::Error::InvalidRequest`], saying which limit the request breaks.
    ///
    /// ```
    /// use baijiayun::Endpoint as _;
    /// use baijiayun::playback::GetListRequest;
    /// use baijiayun::types::ProductType;
    ///
    /// assert!(GetListRequest::new(ProductType::LargeClass, 1, 100).validate().is_ok());
    /// assert!(GetListRequest::new(ProductType::LargeClass, 1, 5000).validate().is_err());
    /// ```
    fn validate(&self) -> crate::Result<()> {
        check(Self::INFO, &self.params())
    }
}

/// The plumbing of an [`Endpoint`], implemented by the generated request types only: how the
/// request writes its parameters, its file part, how its `data` decodes, and which ids a batch's
/// answer left out. Not part of the API.
#[doc(hidden)]
pub trait Sealed {
    /// The type of `data`: always the endpoint's [`Endpoint::Output`].
    type Data: Tolerant + Send;

    /// Writes the request's parameters, without `partner_id`, `timestamp` and `sign`. Unset
    /// optional parameters are not written.
    fn write_params<'a>(&'a self, out: &mut Params<'a>);

    /// The file part of a multipart request, when one is set: the field name and the file.
    fn upload(&self) -> Option<(&'static str, &Upload)> {
        None
    }

    /// Decodes a successful response's body into `data` with every tolerant rule, or the error
    /// the body amounts to. The clients decode through this function, so that the bound that
    /// makes `data` decodable stays here.
    fn decode_data(endpoint: &Label, body: Bytes) -> crate::Result<Self::Data>
    where
        Self: Sized,
    {
        crate::call::envelope::decode_data(endpoint, body, crate::call::de::TOLERANT)
    }

    /// For a batch whose response lists the ids it applied: when some requested ids are missing
    /// from that list, the missing ids and the listed ones, which the clients report as
    /// [`crate::Error::Incomplete`]. `None` for other endpoints.
    fn unconfirmed(&self, _output: &Self::Data) -> Option<Unconfirmed> {
        None
    }
}

/// Decodes a response body exactly as the client does for `E`: the envelope checked, `data`
/// decoded with the spec's tolerant rules. For recorded responses and fixtures.
///
/// ```
/// use baijiayun::playback::GetBasicInfoRequest;
/// use baijiayun::types::VideoId;
///
/// let body = br#"{"code":0,"data":{"status":"100","video_id":153582},"msg":"","ts":1}"#;
/// let info = baijiayun::decode::<GetBasicInfoRequest>(&body[..])?;
/// assert_eq!(info.video_id, Some(VideoId(153582)));
/// # Ok::<(), baijiayun::Error>(())
/// ```
pub fn decode<E: Endpoint>(body: impl Into<Bytes>) -> Result<E::Output> {
    let label = Label(std::borrow::Cow::Borrowed(E::INFO.name));
    E::decode_data(&label, body.into())
}

/// Decodes `body` as `E`'s response and encodes the typed `data` back as JSON
/// (for [`Operation::decode_response`](crate::operations::Operation::decode_response)).
pub fn decode_as_json<E: Endpoint>(body: &[u8]) -> Result<serde_json::Value> {
    let data = decode::<E>(Bytes::copy_from_slice(body))?;
    serde_json::to_value(&data).map_err(|e| Error::Decode {
        endpoint: E::INFO.name.into(),
        path: "data".into(),
        message: format!("cannot encode the decoded value as JSON: {e}"),
        body: Bytes::copy_from_slice(body),
    })
}

/// The ids a batch left unconfirmed, and those its response confirmed.
#[doc(hidden)]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unconfirmed {
    /// The requested ids the response leaves out, each once, in request order.
    pub missing: Vec<i64>,
    /// The ids the response lists.
    pub confirmed: Vec<i64>,
}

/// Which `requested` ids `confirmed` leaves out; `None` when it lists them all. An id's "none" (a
/// session of 0) is never sent, so it is not asked to be confirmed.
#[doc(hidden)]
pub fn unconfirmed<T: Copy + Ord + Into<i64> + crate::call::de::Coded>(
    requested: impl Iterator<Item = T>,
    confirmed: &[T],
) -> Option<Unconfirmed> {
    let listed: std::collections::BTreeSet<T> = confirmed.iter().copied().collect();
    let mut missing: Vec<i64> = Vec::new();
    for id in requested.filter(|id| !id.is_unset()) {
        let n = id.into();
        if !listed.contains(&id) && !missing.contains(&n) {
            missing.push(n);
        }
    }
    (!missing.is_empty()).then(|| Unconfirmed {
        missing,
        confirmed: confirmed.iter().map(|&id| id.into()).collect(),
    })
}

/// Whether `params`, the parameters of the endpoint `info` describes, can be sent: a parameter
/// that could not be encoded, or a limit of the spec broken, is [`crate::Error::InvalidRequest`].
pub(crate) fn check(info: &'static OperationInfo, params: &Params<'_>) -> crate::Result<()> {
    let invalid = |message: String| crate::Error::InvalidRequest {
        endpoint: Cow::Borrowed(info.name),
        message,
    };
    if let Some(message) = params.encoding_error() {
        return Err(invalid(message.to_owned()));
    }
    check_limits(info, params).map_err(invalid)
}

/// Checks the limits the spec states (`min`/`max`), so a request that the vendor would refuse
/// is refused before it is sent. Returns the first violation.
pub(crate) fn check_limits(
    info: &OperationInfo,
    params: &Params<'_>,
) -> std::result::Result<(), String> {
    for p in info.params {
        match params.get(p.name) {
            None if p.required && p.kind != ParamKind::File => {
                return Err(format!(
                    "'{}' is required but has no value to send (an id's \"none\", such as a \
                     session id of 0, is never sent)",
                    p.name
                ));
            }
            Some(ParamValue::Int(v)) => {
                let low = p
                    .min
                    .filter(|min| v < min)
                    .map(|min| format!("below {min}"));
                let high = p
                    .max
                    .filter(|max| v > max)
                    .map(|max| format!("above {max}"));
                if let Some(problem) = low.or(high) {
                    return Err(format!("'{}' is {v}, {problem}", p.name));
                }
            }
            _ => {}
        }
    }
    if let Some(w) = &info.window
        && let (Some(start), Some(end)) = (params.get(w.start), params.get(w.end))
    {
        // Both are `YYYY-MM-DD HH:MM:SS`: text order is time order, the day is the first 10.
        let (start, end) = (start.with_str(str::to_owned), end.with_str(str::to_owned));
        if end < start {
            return Err(format!(
                "'{}' ({end}) is before '{}' ({start})",
                w.end, w.start
            ));
        }
        if w.same_day && start.get(..10) != end.get(..10) {
            return Err(format!(
                "'{}' and '{}' must lie on one day (the vendor refuses a window that spans \
                 two): {start} to {end}",
                w.start, w.end
            ));
        }
    }
    Ok(())
}

/// One parameter value: a number or text, as it is signed and sent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ParamValue<'a> {
    /// An integer, written in decimal.
    Int(i64),
    /// Text, written as is.
    Text(Cow<'a, str>),
}

impl ParamValue<'_> {
    /// Calls `f` with the value's text without allocating.
    pub(crate) fn with_str<R>(&self, f: impl FnOnce(&str) -> R) -> R {
        match self {
            ParamValue::Int(i) => f(itoa::Buffer::new().format(*i)),
            ParamValue::Text(s) => f(s),
        }
    }

    /// The value's text.
    pub fn to_text(&self) -> Cow<'_, str> {
        match self {
            ParamValue::Int(i) => Cow::Owned(i.to_string()),
            ParamValue::Text(s) => Cow::Borrowed(s),
        }
    }
}

impl From<i64> for ParamValue<'_> {
    fn from(v: i64) -> Self {
        ParamValue::Int(v)
    }
}

impl From<String> for ParamValue<'_> {
    fn from(v: String) -> Self {
        ParamValue::Text(Cow::Owned(v))
    }
}

impl<'a> From<&'a str> for ParamValue<'a> {
    fn from(v: &'a str) -> Self {
        ParamValue::Text(Cow::Borrowed(v))
    }
}

impl<'a> From<Cow<'a, str>> for ParamValue<'a> {
    fn from(v: Cow<'a, str>) -> Self {
        ParamValue::Text(v)
    }
}

/// A type that can be one request parameter.
pub trait ToParam {
    /// The value to send, or `None` to send nothing (an unset optional).
    fn to_param(&self) -> Option<ParamValue<'_>>;
}

impl ToParam for i64 {
    fn to_param(&self) -> Option<ParamValue<'_>> {
        Some(ParamValue::Int(*self))
    }
}

impl ToParam for bool {
    /// The vendor's flags are `1` and `0`, never `true`/`false`.
    fn to_param(&self) -> Option<ParamValue<'_>> {
        Some(ParamValue::Int(i64::from(*self)))
    }
}

impl ToParam for String {
    fn to_param(&self) -> Option<ParamValue<'_>> {
        Some(ParamValue::Text(Cow::Borrowed(self)))
    }
}

impl ToParam for str {
    fn to_param(&self) -> Option<ParamValue<'_>> {
        Some(ParamValue::Text(Cow::Borrowed(self)))
    }
}

impl<T: ToParam> ToParam for Option<T> {
    fn to_param(&self) -> Option<ParamValue<'_>> {
        self.as_ref().and_then(ToParam::to_param)
    }
}

impl<T: crate::call::de::Coded> ToParam for T
where
    ParamValue<'static>: From<T::Code>,
{
    /// The code; nothing for the value that means "none" (a session id of `0`).
    fn to_param(&self) -> Option<ParamValue<'_>> {
        (!self.is_unset()).then(|| ParamValue::from(self.clone().into()))
    }
}

// The value types' parameters: the core's trait, implemented here for them.

impl ToParam for Date {
    fn to_param(&self) -> Option<ParamValue<'_>> {
        Some(ParamValue::from(self.to_string()))
    }
}

impl ToParam for DateTime {
    /// Always the text form, which every parameter of the doc uses.
    fn to_param(&self) -> Option<ParamValue<'_>> {
        Some(ParamValue::from(self.to_string()))
    }
}

impl ToParam for Lifetime {
    /// The seconds ([`Lifetime::as_secs`]); past `i64::MAX` seconds, `i64::MAX`.
    fn to_param(&self) -> Option<ParamValue<'_>> {
        Some(ParamValue::Int(
            i64::try_from(self.as_secs()).unwrap_or(i64::MAX),
        ))
    }
}

impl ToParam for PlaybackRef {
    fn to_param(&self) -> Option<ParamValue<'_>> {
        Some(ParamValue::from(self.to_string()))
    }
}

/// The parameters of one request, sorted by key (bytewise, the order the vendor's sign rule
/// needs and the order of the encoded body): what [`Endpoint::params`] returns, what
/// [`crate::Client::raw`] and [`crate::Client::exchange`] send, and what [`Params::sign`] signs.
///
/// ```
/// use baijiayun::{ParamValue, Params};
///
/// let mut params: Params<'_> = [("room_id", ParamValue::Int(17)), ("title", "测试".into())]
///     .into_iter()
///     .collect();
/// params.insert("partner_id", 100_i64);
/// assert_eq!(params.to_form(), "partner_id=100&room_id=17&title=%E6%B5%8B%E8%AF%95");
/// assert_eq!(params.sign("key"), baijiayun::sign(
///     [("room_id", "17"), ("title", "测试"), ("partner_id", "100")],
///     "key",
/// ));
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Params<'a> {
    entries: Vec<(Cow<'a, str>, ParamValue<'a>)>,
    /// A parameter that could not be encoded; the request is refused before sending.
    error: Option<String>,
}

impl<'a> Params<'a> {
    /// An empty parameter set.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets `key` to `value`, replacing a previous value of the same key.
    pub fn insert(&mut self, key: impl Into<Cow<'a, str>>, value: impl Into<ParamValue<'a>>) {
        let key = key.into();
        let value = value.into();
        match self
            .entries
            .binary_search_by(|(k, _)| k.as_bytes().cmp(key.as_bytes()))
        {
            Ok(i) => self.entries[i].1 = value,
            Err(i) => self.entries.insert(i, (key, value)),
        }
    }

    /// Removes `key`, returning its value.
    pub fn remove(&mut self, key: &str) -> Option<ParamValue<'a>> {
        let i = self
            .entries
            .binary_search_by(|(k, _)| k.as_bytes().cmp(key.as_bytes()))
            .ok()?;
        Some(self.entries.remove(i).1)
    }

    /// The value of `key`.
    pub fn get(&self, key: &str) -> Option<&ParamValue<'a>> {
        self.entries
            .binary_search_by(|(k, _)| k.as_bytes().cmp(key.as_bytes()))
            .ok()
            .map(|i| &self.entries[i].1)
    }

    /// The parameters in key order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &ParamValue<'a>)> {
        self.entries.iter().map(|(k, v)| (k.as_ref(), v))
    }

    /// How many parameters there are.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Writes one parameter unless it is an unset optional.
    #[doc(hidden)]
    pub fn put<T: ToParam + ?Sized>(&mut self, key: &'static str, value: &'a T) {
        if let Some(v) = value.to_param() {
            self.insert(key, v);
        }
    }

    /// Writes a list as one parameter, its items joined with `,`.
    #[doc(hidden)]
    pub fn csv<T: ToParam>(&mut self, key: &'static str, items: &'a [T]) {
        let mut text = String::new();
        for (i, item) in items.iter().filter_map(ToParam::to_param).enumerate() {
            if i > 0 {
                text.push(',');
            }
            item.with_str(|s| text.push_str(s));
        }
        self.insert(key, text);
    }

    /// Writes a list as one parameter holding a JSON array.
    #[doc(hidden)]
    pub fn json<T: serde::Serialize>(&mut self, key: &'static str, items: &'a [T]) {
        match serde_json::to_string(items) {
            Ok(text) => self.insert(key, text),
            Err(e) => {
                self.error
                    .get_or_insert_with(|| format!("cannot encode '{key}' as JSON: {e}"));
            }
        }
    }

    /// A parameter that could not be encoded, if any.
    pub(crate) fn encoding_error(&self) -> Option<&str> {
        self.error.as_deref()
    }

    /// The vendor's sign of these parameters: see [`sign`].
    pub fn sign(&self, partner_key: &str) -> String {
        sign(self, partner_key)
    }

    /// The parameters as `application/x-www-form-urlencoded` text (also used as a query string).
    pub fn to_form(&self) -> String {
        let mut out = form_urlencoded::Serializer::new(String::with_capacity(self.len() * 24));
        for (k, v) in &self.entries {
            v.with_str(|s| {
                out.append_pair(k, s);
            });
        }
        out.finish()
    }
}

impl<'a, K, V> FromIterator<(K, V)> for Params<'a>
where
    K: Into<Cow<'a, str>>,
    V: Into<ParamValue<'a>>,
{
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        let mut p = Params::new();
        for (k, v) in iter {
            p.insert(k, v);
        }
        p
    }
}

/// The vendor's sign of a set of text parameters, for checking a sign by hand: a request as a
/// server received it (the fake server checks every request with it), or a form you keep.
///
/// Every parameter except `sign`, sorted by key in ASCII order, joined as `k=v` with `&`, then
/// `&partner_key=<key>` appended; the MD5 of that text (UTF-8, values not URL-encoded) in
/// lowercase hex. A key given twice keeps its last value. The clients sign with the same code.
///
/// ```
/// let params = [("room_id", "17"), ("partner_id", "100"), ("timestamp", "1506415091")];
/// let sign = baijiayun::sign(params, "secret");
/// assert_eq!(sign.len(), 32);
/// // The order the parameters come in does not matter; `sign` itself is never signed.
/// let reordered = [("timestamp", "1506415091"), ("sign", &sign), ("partner_id", "100"), ("room_id", "17")];
/// assert_eq!(baijiayun::sign(reordered, "secret"), sign);
/// ```
pub fn sign_text<'a>(
    params: impl IntoIterator<Item = (&'a str, &'a str)>,
    partner_key: &str,
) -> String {
    sign(&params.into_iter().collect(), partner_key)
}

/// The vendor's sign rule, the one implementation in the crate.
///
/// Every parameter except `sign`, sorted by key in ASCII order, joined as `k=v` with `&`, then
/// `&partner_key=<key>` appended; the MD5 of that text (UTF-8, values not URL-encoded) in
/// lowercase hex. An unset optional is not a parameter at all, and a file part is never one.
///
/// The text is fed to MD5 through a buffer on the stack: nothing is allocated but the returned
/// hex string.
pub fn sign(params: &Params<'_>, partner_key: &str) -> String {
    let mut text = Feed::new();
    let mut first = true;
    for (k, v) in &params.entries {
        if k == "sign" {
            continue;
        }
        if !first {
            text.put(b"&");
        }
        first = false;
        text.put(k.as_bytes());
        text.put(b"=");
        v.with_str(|s| text.put(s.as_bytes()));
    }
    if !first {
        text.put(b"&");
    }
    text.put(b"partner_key=");
    text.put(partner_key.as_bytes());
    let digest = text.finish();
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut hex = String::with_capacity(32);
    for byte in digest {
        hex.push(char::from(HEX[usize::from(byte >> 4)]));
        hex.push(char::from(HEX[usize::from(byte & 0x0f)]));
    }
    hex
}

/// MD5 fed in few large pieces rather than many small ones.
struct Feed {
    md5: Md5,
    buf: [u8; 256],
    len: usize,
}

impl Feed {
    fn new() -> Self {
        Feed {
            md5: Md5::new(),
            buf: [0; 256],
            len: 0,
        }
    }

    fn put(&mut self, bytes: &[u8]) {
        if self.len + bytes.len() > self.buf.len() {
            self.md5.update(&self.buf[..self.len]);
            self.len = 0;
            if bytes.len() > self.buf.len() {
                self.md5.update(bytes);
                return;
            }
        }
        self.buf[self.len..self.len + bytes.len()].copy_from_slice(bytes);
        self.len += bytes.len();
    }

    fn finish(mut self) -> [u8; 16] {
        self.md5.update(&self.buf[..self.len]);
        self.md5.finalize().into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unconfirmed_names_each_missing_id_once_in_request_order() {
        use crate::types::VideoId;
        let requested = [VideoId(3), VideoId(1), VideoId(3), VideoId(2)];
        let u = unconfirmed(requested.into_iter(), &[VideoId(1)]);
        assert_eq!(
            u,
            Some(Unconfirmed {
                missing: vec![3, 2],
                confirmed: vec![1]
            })
        );
        assert_eq!(unconfirmed(requested.into_iter(), &requested), None);
    }

    /// The vendor doc's vector (reference/endpoints.md §7), also asserted by the vendor's own
    /// Node skill tests.
    #[test]
    fn sign_matches_the_vendor_vector() {
        let params: Params<'_> = [
            ("end_time", ParamValue::Int(1_501_579_208)),
            ("partner_id", ParamValue::Int(12_345_678)),
            ("start_time", ParamValue::Int(1_501_575_608)),
            ("timestamp", ParamValue::Int(1_501_572_288)),
            ("title", ParamValue::from("测试教室")),
            ("type", ParamValue::Int(2)),
        ]
        .into_iter()
        .collect();
        let key = "rLkIPaQjxSwRQmC/ITnHh8i2rifmmbFIVsYw03SSi24zAnkrAd0ZNb2rcTzI2avy7+AmNJDdLmzU89zKUAP3Xg==";
        assert_eq!(sign(&params, key), "5b78486597c679b0c6256da014af1260");
    }

    #[test]
    fn sign_ignores_insertion_order_and_the_sign_field() {
        let a: Params<'_> = [("b", "2"), ("a", "1")].into_iter().collect();
        let mut b: Params<'_> = [("a", "1"), ("b", "2")].into_iter().collect();
        assert_eq!(sign(&a, "k"), sign(&b, "k"));
        b.insert("sign", "whatever");
        assert_eq!(sign(&a, "k"), sign(&b, "k"));
    }

    #[test]
    fn sign_is_md5_of_the_documented_text() {
        let p: Params<'_> = [("b", ParamValue::Int(2)), ("a", ParamValue::from("x y"))]
            .into_iter()
            .collect();
        let mut md5 = Md5::new();
        md5.update(b"a=x y&b=2&partner_key=key");
        let expected: String = md5.finalize().iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(sign(&p, "key"), expected);
        let empty = Params::new();
        let mut md5 = Md5::new();
        md5.update(b"partner_key=key");
        let expected: String = md5.finalize().iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(sign(&empty, "key"), expected);
    }

    #[test]
    fn keys_sort_bytewise_so_prefixes_come_first() {
        let p: Params<'_> = [("a_b", "1"), ("a", "2"), ("ab", "3"), ("B", "4")]
            .into_iter()
            .collect();
        let keys: Vec<_> = p.iter().map(|(k, _)| k).collect();
        assert_eq!(keys, ["B", "a", "a_b", "ab"]);
    }

    #[test]
    fn form_encodes_the_same_entries_that_are_signed() {
        let p: Params<'_> = [
            ("name", ParamValue::from("测试 a&b=c")),
            ("room_id", ParamValue::Int(17)),
        ]
        .into_iter()
        .collect();
        let form = p.to_form();
        assert_eq!(form, "name=%E6%B5%8B%E8%AF%95+a%26b%3Dc&room_id=17");
        let decoded: Vec<(String, String)> = form_urlencoded::parse(form.as_bytes())
            .into_owned()
            .collect();
        let expected: Vec<(String, String)> = p
            .iter()
            .map(|(k, v)| (k.to_owned(), v.to_text().into_owned()))
            .collect();
        assert_eq!(decoded, expected);
    }

    #[test]
    fn unset_optionals_and_lists() {
        let none: Option<i64> = None;
        let some = Some(5_i64);
        let ids = vec![1_i64, 22, 333];
        let mut p = Params::new();
        p.put("none", &none);
        p.put("some", &some);
        p.put("flag", &true);
        p.csv("ids", &ids);
        assert!(p.get("none").is_none());
        assert_eq!(p.get("some"), Some(&ParamValue::Int(5)));
        assert_eq!(p.get("flag"), Some(&ParamValue::Int(1)));
        assert_eq!(
            p.get("ids").map(|v| v.to_text().into_owned()),
            Some("1,22,333".into())
        );
    }

    #[test]
    fn a_lifetime_of_never_is_sent_as_zero_and_nothing_else_is() {
        let sent = |l: Lifetime| match l.to_param() {
            Some(ParamValue::Int(n)) => n,
            other => panic!("{other:?}"),
        };
        assert_eq!(sent(Lifetime::Never), 0);
        assert_eq!(sent(std::time::Duration::ZERO.into()), 1);
        assert_eq!(sent(std::time::Duration::from_millis(1).into()), 1);
        assert_eq!(sent(std::time::Duration::from_millis(1_001).into()), 2);
        assert_eq!(sent(Lifetime::secs(3600)), 3600);
        assert_eq!(sent(std::time::Duration::MAX.into()), i64::MAX);
    }
}
