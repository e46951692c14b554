//! The items of a list page exactly as received: `data.list`'s elements as raw JSON text, matched
//! one to one with the client's typed items.

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

/// The raw JSON text of each item of `data.list` in `body`. A list sent as something other than an
/// array (`""`, `null`, `{}`: how PHP writes an empty list) has no items, as the client reads it.
/// `typed` is how many items the client decoded: a different count is an error, never a guess.
pub(crate) fn items(stream: &str, body: &[u8], typed: usize) -> Result<Vec<String>> {
    let broken = |message: String| SyncError::Vendor {
        stream: stream.to_owned(),
        message,
    };
    let envelope: Envelope<'_> = serde_json::from_slice(body)
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
    Ok(list.into_iter().map(|v| v.get().to_owned()).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_keep_their_text() {
        let body =
            br#"{"code":0,"data":{"total":"2","list":[{"b":1,"a":"x"}, {"a":1.50}]},"msg":""}"#;
        let items = items("s", body, 2).expect("items");
        assert_eq!(items, [r#"{"b":1,"a":"x"}"#, r#"{"a":1.50}"#]);
    }

    #[test]
    fn php_empty_lists_and_mismatches() {
        for body in [
            &br#"{"code":0,"data":{"total":0,"list":""}}"#[..],
            br#"{"code":0,"data":{"total":0,"list":{}}}"#,
            br#"{"code":0,"data":[]}"#,
        ] {
            assert_eq!(items("s", body, 0).expect("empty"), Vec::<String>::new());
        }
        let err = items("s", br#"{"code":0,"data":{"list":[1]}}"#, 2).expect_err("count");
        assert!(err.to_string().contains("1 items but 2"), "{err}");
    }
}
