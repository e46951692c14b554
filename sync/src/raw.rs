//! The items of a list page exactly as received: `data.list`'s elements as raw JSON text, matched
//! one to one with the client's typed items.

use bytes::Bytes;
use serde::Deserialize;
use serde_json::value::RawValue;

use crate::error::{Result, SyncError};

#[derive(Deserialize)]
struct Envelope<'a> {
    #[serde(borrow, default)]
    data: Option<&'a RawValue>,
}

#[derive(Deserialize)]
struct Data<'a> {
    #[serde(borrow, default)]
    list: Option<&'a RawValue>,
}

/// One item's JSON text exactly as received: a slice of its page's body, shared rather than
/// copied, so a page of 1,000 items costs no 1,000 allocations.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct RawItem(Bytes);

impl RawItem {
    /// The text. [`items`] makes a `RawItem` only from a slice of a body it read as UTF-8, so the
    /// check cannot fail; an empty text would fail the `raw` column's JSON, never pass silently.
    pub(crate) fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).unwrap_or_default()
    }
}

impl From<RawItem> for String {
    fn from(item: RawItem) -> String {
        item.as_str().to_owned()
    }
}

/// The raw JSON text of each item of `data.list` in `body`. A list sent as something other than an
/// array (`""`, `null`, `{}`: how PHP writes an empty list) has no items, as the client reads it.
/// `typed` is how many items the client decoded: a different count is an error, never a guess.
pub(crate) fn items(stream: &str, body: &Bytes, typed: usize) -> Result<Vec<RawItem>> {
    let broken = |message: String| SyncError::Vendor {
        stream: stream.to_owned(),
        message,
    };
    let text =
        std::str::from_utf8(body).map_err(|e| broken(format!("the response is not UTF-8: {e}")))?;
    let envelope: Envelope<'_> = serde_json::from_str(text)
        .map_err(|e| broken(format!("the response is not a JSON object: {e}")))?;
    let list = envelope
        .data
        .and_then(|d| serde_json::from_str::<Data<'_>>(d.get()).ok())
        .and_then(|d| d.list)
        .and_then(|l| serde_json::from_str::<Vec<&RawValue>>(l.get()).ok())
        .unwrap_or_default();
    if list.len() != typed {
        return Err(broken(format!(
            "data.list has {} items but {typed} were decoded",
            list.len()
        )));
    }
    // Each item borrows from `text`, which is `body`: `slice_ref` shares it.
    Ok(list
        .into_iter()
        .map(|v| RawItem(body.slice_ref(v.get().as_bytes())))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_keep_their_text() {
        let body =
            br#"{"code":0,"data":{"total":"2","list":[{"b":1,"a":"x"}, {"a":1.50}]},"msg":""}"#;
        let items = items("s", &Bytes::from_static(body), 2).expect("items");
        let texts: Vec<&str> = items.iter().map(RawItem::as_str).collect();
        assert_eq!(texts, [r#"{"b":1,"a":"x"}"#, r#"{"a":1.50}"#]);
    }

    #[test]
    fn php_empty_lists_and_mismatches() {
        for body in [
            &br#"{"code":0,"data":{"total":0,"list":""}}"#[..],
            br#"{"code":0,"data":{"total":0,"list":{}}}"#,
            br#"{"code":0,"data":[]}"#,
        ] {
            let body = Bytes::from_static(body);
            assert!(items("s", &body, 0).expect("empty").is_empty());
        }
        let body = Bytes::from_static(br#"{"code":0,"data":{"list":[1]}}"#);
        let err = items("s", &body, 2).expect_err("count");
        assert!(err.to_string().contains("1 items but 2"), "{err}");
    }

    #[test]
    fn a_body_that_is_not_utf8_is_an_error() {
        let body = Bytes::from_static(b"{\"code\":0,\"data\":{\"list\":[\"\xff\"]}}");
        let err = items("s", &body, 1).expect_err("not UTF-8");
        assert!(err.to_string().contains("not UTF-8"), "{err}");
    }
}
