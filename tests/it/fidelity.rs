//! Fidelity to the vendor doc: every response example in the doc (as kept in the spec) decodes
//! with the generated types, keeps every value it carries, and decodes to the same values when
//! every number in it is turned into a numeric string.

use std::collections::BTreeMap;

use anyhow::{Context, Result, bail};
use baijiayun::Error;
use baijiayun::operations::Operation;
use serde_json::Value;

use crate::support::spec;

/// Turns every number into a string holding it, keys and nesting unchanged.
fn stringify_numbers(v: &Value) -> Value {
    match v {
        Value::Number(n) => Value::String(n.to_string()),
        Value::Array(a) => Value::Array(a.iter().map(stringify_numbers).collect()),
        Value::Object(o) => Value::Object(
            o.iter()
                .map(|(k, v)| (k.clone(), stringify_numbers(v)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// The text a scalar stands for, so `123`, `"123"` are one value, and `1`/`true` are one flag.
fn scalar_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(if *b { "1" } else { "0" }.to_owned()),
        _ => None,
    }
}

/// The fields whose id type has a value meaning "none" (`session_id`: 0), with that value.
fn unset_values(api: &codegen::ir::Api) -> BTreeMap<String, i64> {
    use codegen::ir::{Scalar, Ty};
    api.records
        .iter()
        .flat_map(|r| &r.fields)
        .filter_map(|f| match &f.ty {
            Ty::Scalar(Scalar::Id(id)) if !f.required => {
                let none = api.id(id)?.none?;
                Some((f.wire.clone(), none))
            }
            _ => None,
        })
        .collect()
}

/// Checks that `decoded` holds every value of `original`: nothing the vendor sent is lost. The
/// only values allowed to disappear are `null` and `""`, which the spec reads as absent, and an
/// optional id equal to its "none" value (`unset`: a `session_id` of 0 reads as `None`).
fn assert_kept(
    original: &Value,
    decoded: &Value,
    path: &str,
    unset: &BTreeMap<String, i64>,
) -> Result<()> {
    match (original, decoded) {
        (Value::Object(o), Value::Object(d)) => {
            for (k, v) in o {
                if v.is_null() || v.as_str() == Some("") {
                    continue;
                }
                let none = unset.get(k).map(i64::to_string);
                if none.is_some() && scalar_text(v) == none && !d.contains_key(k) {
                    continue;
                }
                let Some(dv) = d.get(k) else {
                    bail!("{path}.{k}: the value {v} was dropped by decoding");
                };
                assert_kept(v, dv, &format!("{path}.{k}"), unset)?;
            }
            Ok(())
        }
        (Value::Array(o), Value::Array(d)) => {
            if o.len() != d.len() {
                bail!("{path}: {} items became {}", o.len(), d.len());
            }
            for (i, (ov, dv)) in o.iter().zip(d).enumerate() {
                assert_kept(ov, dv, &format!("{path}[{i}]"), unset)?;
            }
            Ok(())
        }
        (o, d) => match (scalar_text(o), scalar_text(d)) {
            (Some(a), Some(b)) if a == b => Ok(()),
            _ => bail!("{path}: {o} was decoded as {d}"),
        },
    }
}

#[test]
fn every_doc_example_decodes_and_keeps_its_values() -> Result<()> {
    let api = spec()?;
    let unset = unset_values(&api);
    assert_eq!(unset.get("session_id"), Some(&0), "{unset:?}");
    let mut checked = 0;
    let mut without_examples = Vec::new();
    for e in api.endpoints() {
        let op = Operation::from_name(&e.name).context("spec endpoint missing from the client")?;
        if e.examples.is_empty() {
            without_examples.push(e.name.as_str());
        }
        for x in &e.examples {
            let at = format!("{} ({})", e.name, x.title);
            let original: Value = serde_json::from_str(&x.json).with_context(|| at.clone())?;
            let stringified = serde_json::to_vec(&stringify_numbers(&original))?;
            let code = original["code"].as_i64().context("example without code")?;
            if code != 0 {
                for body in [x.json.as_bytes(), stringified.as_slice()] {
                    match op.decode_response(body) {
                        Err(Error::Api {
                            code: got, message, ..
                        }) => {
                            assert_eq!(got, code, "{at}");
                            assert_eq!(Some(message.as_str()), original["msg"].as_str(), "{at}");
                        }
                        other => bail!("{at}: a refusal must be Error::Api, got {other:?}"),
                    }
                }
                checked += 1;
                continue;
            }
            let decoded = op
                .decode_response(x.json.as_bytes())
                .with_context(|| format!("{at}: as written"))?;
            // An `ack` endpoint's data (`null`, `true`) carries nothing by the spec's definition.
            if e.response != codegen::ir::Ty::Ack {
                assert_kept(&original["data"], &decoded, &format!("{at}: data"), &unset)?;
            }
            let from_strings = op
                .decode_response(&stringified)
                .with_context(|| format!("{at}: with numbers as strings"))?;
            assert_eq!(
                decoded, from_strings,
                "{at}: numbers as strings decode differently"
            );
            checked += 1;
        }
    }
    // The doc prints an example for every endpoint but the two from the VOD doc.
    assert_eq!(
        without_examples,
        ["set_transcode_callback_url", "get_transcode_callback_url"]
    );
    assert!(checked >= 41, "only {checked} examples checked");
    Ok(())
}

#[test]
fn a_dropped_value_would_be_caught() {
    let original: Value = serde_json::json!({"a": 1, "b": {"c": "x"}});
    let lossy: Value = serde_json::json!({"a": 1, "b": {}});
    let none = BTreeMap::new();
    assert!(assert_kept(&original, &lossy, "data", &none).is_err());
    let kept: Value = serde_json::json!({"a": "1", "b": {"c": "x", "d": 2}});
    assert!(assert_kept(&original, &kept, "data", &none).is_ok());
    // A session of 0 may read as absent; any other session may not.
    let unset = BTreeMap::from([("session_id".to_owned(), 0)]);
    let zero: Value = serde_json::json!({"session_id": "0"});
    assert!(assert_kept(&zero, &serde_json::json!({}), "data", &unset).is_ok());
    let five: Value = serde_json::json!({"session_id": 5});
    assert!(assert_kept(&five, &serde_json::json!({}), "data", &unset).is_err());
}
