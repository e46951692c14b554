//! The vendor's envelope, `{code, data, msg, ts}`, and turning a response body into `data` or an
//! [`Error`].
//!
//! The common case costs one pass: `code`, `msg` and the typed `data` are read together. Only when
//! that fails is the body read again, for `code` alone (a refusal carries `data: null`, which
//! would not decode as the success type); a decoding failure is then located from serde_json's
//! position by [`json_path`].

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use bytes::Bytes;
use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, Visitor};

use crate::call::de::{INT_OR_STRING, STRING_OR_NUMBER, Tolerant};
use crate::call::error::{Error, Label, Result};
use crate::call::json_path;

/// The envelope with `data` decoded as `T` (or skipped, with `T = IgnoredData`).
struct Envelope<T> {
    code: Option<i64>,
    msg: Option<String>,
    data: Option<T>,
}

/// Reads an envelope, decoding `data` with `T::decode(_, rules)`.
struct EnvelopeSeed<T> {
    rules: u8,
    skip_data: bool,
    /// Read `msg` as bytes, replacing what is not UTF-8 (a refusal whose `msg` is broken).
    lossy_msg: bool,
    marker: PhantomData<T>,
}

impl<'de, T: Tolerant> DeserializeSeed<'de> for EnvelopeSeed<T> {
    type Value = Envelope<T>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_map(self)
    }
}

struct DataSeed<T>(u8, PhantomData<T>);

impl<'de, T: Tolerant> DeserializeSeed<'de> for DataSeed<T> {
    type Value = T;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<T, D::Error> {
        T::decode(d, self.0)
    }
}

struct MsgSeed;

/// `msg` as bytes, whatever they are: serde_json hands a string's raw bytes (escapes resolved) to
/// `deserialize_bytes` without checking UTF-8; bad bytes become U+FFFD.
struct LossyMsg;

impl<'de> DeserializeSeed<'de> for LossyMsg {
    type Value = Option<String>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_bytes(self)
    }
}

impl Visitor<'_> for LossyMsg {
    type Value = Option<String>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a message")
    }

    fn visit_bytes<E: serde::de::Error>(self, v: &[u8]) -> Result<Self::Value, E> {
        Ok(Some(String::from_utf8_lossy(v).into_owned()))
    }

    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Some(v.to_owned()))
    }
}

impl<'de> DeserializeSeed<'de> for MsgSeed {
    type Value = Option<String>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        crate::call::de::optional::<STRING_OR_NUMBER, String, D>(d)
    }
}

impl<'de, T: Tolerant> Visitor<'de> for EnvelopeSeed<T> {
    type Value = Envelope<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the vendor's envelope {code, data, msg, ts}")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut env = Envelope {
            code: None,
            msg: None,
            data: None,
        };
        while let Some(key) = map.next_key::<Cow<'de, str>>()? {
            match key.as_ref() {
                "code" => {
                    env.code =
                        Some(map.next_value_seed(DataSeed::<i64>(INT_OR_STRING, PhantomData))?);
                }
                "msg" if self.lossy_msg => env.msg = map.next_value_seed(LossyMsg)?,
                "msg" => env.msg = map.next_value_seed(MsgSeed)?,
                "data" if !self.skip_data => {
                    env.data = Some(map.next_value_seed(DataSeed::<T>(self.rules, PhantomData))?);
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(env)
    }
}

/// Decodes a successful response's `data` as `T`, or turns the body into the right error.
pub(crate) fn decode_data<T: Tolerant>(endpoint: &Label, body: Bytes, rules: u8) -> Result<T> {
    let error = match read::<T>(&body, rules, false, false) {
        Ok(env) => match env.code {
            Some(0) => {
                if let Some(data) = env.data {
                    return Ok(data);
                }
                // No `data` at all: fine for types that accept null (acks, tolerant lists). Read
                // from a JSON `null`, so that this reuses the code decoding a body, rather than
                // compiling every response type once more for another deserializer.
                let mut null = serde_json::Deserializer::from_slice(b"null");
                if let Ok(data) = T::decode(&mut null, rules) {
                    return Ok(data);
                }
                return Err(decode_error(endpoint, "data", "missing field `data`", body));
            }
            Some(code) => return Err(api_error(endpoint, code, env.msg, body)),
            None => return Err(decode_error(endpoint, "code", "missing field `code`", body)),
        },
        Err(error) => error,
    };
    // Slow path: is this a refusal, whose `data` is not the success type, or whose `msg` is not
    // UTF-8 (still a refusal, with its code)?
    for lossy_msg in [false, true] {
        if let Ok(Envelope {
            code: Some(code),
            msg,
            ..
        }) = read::<()>(&body, 0, true, lossy_msg)
            && code != 0
        {
            return Err(api_error(endpoint, code, msg, body));
        }
    }
    // A success whose `data` does not fit, or not even an envelope (an HTML page, malformed
    // JSON): say where it broke.
    let path = json_path::of_error(&body, &error);
    Err(decode_error(endpoint, &path, &error.to_string(), body))
}

/// Decodes a successful response's `data` as JSON, as it came (no tolerant rule), or turns the
/// body into the right error: the decoding of untyped calls.
pub(crate) fn decode_json(endpoint: &Label, body: Bytes) -> Result<serde_json::Value> {
    decode_data(endpoint, body, 0)
}

/// The error for a call whose decode step never ran (cannot happen: `send` returns `Ok` only
/// after decoding); reported rather than assumed away.
pub(crate) fn missing(endpoint: &Label) -> Error {
    Error::Decode {
        endpoint: endpoint.name(),
        path: ".".into(),
        message: "no response was decoded".into(),
        body: Bytes::new(),
    }
}

/// One pass over the body as an envelope.
fn read<T: Tolerant>(
    body: &[u8],
    rules: u8,
    skip_data: bool,
    lossy_msg: bool,
) -> serde_json::Result<Envelope<T>> {
    let mut json = serde_json::Deserializer::from_slice(body);
    let env = EnvelopeSeed::<T> {
        rules,
        skip_data,
        lossy_msg,
        marker: PhantomData,
    }
    .deserialize(&mut json)?;
    json.end()?;
    Ok(env)
}

fn api_error(endpoint: &Label, code: i64, msg: Option<String>, body: Bytes) -> Error {
    Error::Api {
        endpoint: endpoint.name(),
        code,
        message: msg.unwrap_or_default(),
        body,
    }
}

fn decode_error(endpoint: &Label, path: &str, message: &str, body: Bytes) -> Error {
    Error::Decode {
        endpoint: endpoint.name(),
        path: path.to_owned(),
        message: message.to_owned(),
        body,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::call::de::NULL_AS_EMPTY;

    fn ep() -> Label {
        Label(Cow::Borrowed("test"))
    }

    #[derive(Debug, PartialEq, serde::Deserialize)]
    struct Item {
        #[serde(deserialize_with = "crate::call::de::tolerant::<{ INT_OR_STRING }, _, _>")]
        id: i64,
    }

    impl Tolerant for Item {}

    #[test]
    fn success_returns_data() {
        let body = Bytes::from_static(br#"{"code":0,"data":{"id":"7"},"msg":"","ts":1}"#);
        assert_eq!(
            decode_data::<Item>(&ep(), body, 0).ok(),
            Some(Item { id: 7 })
        );
        let body = Bytes::from_static(br#"{"code":"0","data":[1,"2"],"msg":"","ts":"1"}"#);
        assert_eq!(
            decode_data::<Vec<i64>>(&ep(), body, INT_OR_STRING).ok(),
            Some(vec![1, 2])
        );
    }

    #[test]
    fn refusal_is_an_api_error_even_when_data_does_not_fit() {
        let body = Bytes::from_static(
            r#"{"code":1001,"data":null,"msg":"无单独设置白名单权限","ts":1}"#.as_bytes(),
        );
        match decode_data::<Item>(&ep(), body, 0) {
            Err(Error::Api { code, message, .. }) => {
                assert_eq!(code, 1001);
                assert_eq!(message, "无单独设置白名单权限");
            }
            other => panic!("{other:?}"),
        }
        let body =
            Bytes::from_static(r#"{"code":1,"data":true,"msg":"成员291456不存在"}"#.as_bytes());
        assert!(matches!(
            decode_data::<()>(&ep(), body, 0),
            Err(Error::Api { code: 1, .. })
        ));
    }

    #[test]
    fn a_refusal_whose_msg_is_not_utf8_is_still_a_refusal() {
        let mut body = br#"{"code":"1003","data":{"x":1},"msg":"bad "#.to_vec();
        body.extend_from_slice(b"\xff\\n\xfe\",\"ts\":1}");
        match decode_data::<Item>(&ep(), Bytes::from(body), 0) {
            Err(Error::Api { code, message, .. }) => {
                assert_eq!(code, 1003);
                assert_eq!(message, "bad \u{FFFD}\n\u{FFFD}");
            }
            other => panic!("{other:?}"),
        }
        // A success with a broken `msg` is not a refusal: it stays a decode error.
        let mut body = br#"{"code":0,"data":{"id":1},"msg":""#.to_vec();
        body.extend_from_slice(b"\xff\"}");
        assert!(matches!(
            decode_data::<Item>(&ep(), Bytes::from(body), 0),
            Err(Error::Decode { .. })
        ));
    }

    #[test]
    fn decode_errors_carry_the_path() {
        let body = Bytes::from_static(br#"{"code":0,"data":{"list":[{"id":1},{"id":"x"}]}}"#);
        #[derive(Debug, serde::Deserialize)]
        struct Page {
            #[allow(dead_code, reason = "only decoded")]
            list: Vec<Item>,
        }
        impl Tolerant for Page {}
        match decode_data::<Page>(&ep(), body, 0) {
            Err(Error::Decode { path, .. }) => assert_eq!(path, "data.list[1].id"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn non_json_is_a_decode_error() {
        let body = Bytes::from_static(b"<html><body>502 Bad Gateway</body></html>");
        match decode_data::<Item>(&ep(), body, 0) {
            Err(e @ Error::Decode { .. }) => {
                assert!(e.to_string().contains("502 Bad Gateway"), "{e}");
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            decode_data::<()>(&ep(), Bytes::new(), 0),
            Err(Error::Decode { .. })
        ));
        assert!(matches!(
            decode_data::<()>(&ep(), Bytes::from_static(br#"{"code":0} trailing"#), 0),
            Err(Error::Decode { .. })
        ));
    }

    #[test]
    fn missing_data_is_fine_for_acks_and_tolerant_lists_only() {
        let body = Bytes::from_static(br#"{"code":0,"msg":""}"#);
        assert!(decode_data::<()>(&ep(), body.clone(), 0).is_ok());
        assert_eq!(
            decode_data::<Vec<i64>>(&ep(), body.clone(), NULL_AS_EMPTY).ok(),
            Some(vec![])
        );
        assert!(matches!(
            decode_data::<Item>(&ep(), body, 0),
            Err(Error::Decode { .. })
        ));
    }
}
