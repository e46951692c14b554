//! A callback's fields: read from a form or JSON body, its queue id checked, and bodies re-cut
//! at field boundaries refused.

use std::collections::BTreeMap;

use super::*;

/// The characters of a `qid`.
pub(super) fn qid_problem(qid: &str) -> Option<&'static str> {
    if qid.is_empty() || qid.len() > 128 {
        return Some("not 1 to 128 characters");
    }
    (!qid
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b':' | b'-')))
    .then_some("holds characters outside [A-Za-z0-9_.:-]")
}

/// Refuses what only a body re-cut at field boundaries holds (module docs).
pub(super) fn check_cut(fields: &BTreeMap<String, String>) -> Result<(), CallbackError> {
    let bad = |field: &str, problem: &str| CallbackError::BadField {
        field: field.to_owned(),
        problem: problem.to_owned(),
    };
    for (k, v) in fields {
        if !k.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
            return Err(bad(k, "a field name holds characters outside [A-Za-z0-9_]"));
        }
        let url = v.starts_with("http://") || v.starts_with("https://");
        if !url && v.contains(['&', '=']) {
            return Err(bad(k, "holds '&' or '=' and is not a URL"));
        }
    }
    let qid = fields.get("qid").ok_or(CallbackError::MissingQid)?;
    match qid_problem(qid) {
        Some(p) => Err(bad("qid", p)),
        None => Ok(()),
    }
}

/// Decodes a form strictly: every name and value must be valid percent-encoded UTF-8, and no
/// field may appear twice (which value would the sign cover?).
pub(super) fn parse_form(body: &[u8]) -> Result<BTreeMap<String, String>, CallbackError> {
    let text = std::str::from_utf8(body)
        .map_err(|_| CallbackError::Malformed("the body is not UTF-8".into()))?;
    if text.trim().is_empty() {
        return Err(CallbackError::Malformed("the body is empty".into()));
    }
    let decode = |s: &str| -> Result<String, CallbackError> {
        let s = s.replace('+', " ");
        percent_encoding::percent_decode_str(&s)
            .decode_utf8()
            .map(|c| c.into_owned())
            .map_err(|_| CallbackError::Malformed(format!("{s:?} does not decode to UTF-8")))
    };
    let mut fields = BTreeMap::new();
    for pair in text.trim().split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let (k, v) = (decode(k)?, decode(v)?);
        if k.is_empty() {
            return Err(CallbackError::Malformed("a field without a name".into()));
        }
        if fields.insert(k.clone(), v).is_some() {
            return Err(CallbackError::Malformed(format!(
                "field {k:?} appears twice"
            )));
        }
    }
    Ok(fields)
}

/// Decodes a JSON object of scalars; numbers keep their decimal text, as a form would carry them.
pub(super) fn parse_json(body: &[u8]) -> Result<BTreeMap<String, String>, CallbackError> {
    let map: serde_json::Map<String, serde_json::Value> = serde_json::from_slice(body)
        .map_err(|e| CallbackError::Malformed(format!("not a JSON object: {e}")))?;
    map.into_iter()
        .map(|(k, v)| {
            let text = match v {
                serde_json::Value::String(s) => s,
                serde_json::Value::Number(n) => n.to_string(),
                serde_json::Value::Bool(b) => u8::from(b).to_string(),
                serde_json::Value::Null => String::new(),
                other => {
                    return Err(CallbackError::Malformed(format!(
                        "field {k:?} is not a scalar: {other}"
                    )));
                }
            };
            Ok((k, text))
        })
        .collect()
}
