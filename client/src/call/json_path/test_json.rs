//! JSON for the tests of where decoding breaks: any value (a proptest strategy), the paths of a
//! value's nodes, and editing the node at a path. Shared by the client's oracle (`oracle.rs`) and
//! the workspace's integration tests, which include this file by path (`tests/it/main.rs`); so it
//! names nothing of either crate, only `serde_json` and `proptest`.

use proptest::prelude::*;
use serde_json::Value;

/// Any JSON value, a few levels deep.
pub(crate) fn json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        "[ -~\\u{4e00}-\\u{4e20}]{0,12}".prop_map(Value::String),
        Just(Value::String(String::new())),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map("[a-z_]{1,8}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Every node of `v` below `path` (every leaf only, with `leaves_only`), as paths of keys and
/// indices.
pub(crate) fn nodes(
    v: &Value,
    leaves_only: bool,
    path: &mut Vec<String>,
    out: &mut Vec<Vec<String>>,
) {
    let leaf = !matches!(v, Value::Object(_) | Value::Array(_));
    if leaf || !leaves_only {
        out.push(path.clone());
    }
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                path.push(k.clone());
                nodes(x, leaves_only, path, out);
                path.pop();
            }
        }
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                path.push(i.to_string());
                nodes(x, leaves_only, path, out);
                path.pop();
            }
        }
        _ => {}
    }
}

/// Replaces the node at `path` by `with`, or removes it (from its object or array) when `with`
/// is `None`.
pub(crate) fn edit(v: &mut Value, path: &[String], with: Option<Value>) {
    let Some((last, parent)) = path.split_last() else {
        if let Some(with) = with {
            *v = with;
        }
        return;
    };
    let mut at = v;
    for key in parent {
        let next = match at {
            Value::Object(m) => m.get_mut(key),
            Value::Array(a) => key.parse::<usize>().ok().and_then(|i| a.get_mut(i)),
            _ => None,
        };
        match next {
            Some(n) => at = n,
            None => return,
        }
    }
    match (at, with) {
        (Value::Object(m), Some(with)) => {
            m.insert(last.clone(), with);
        }
        (Value::Object(m), None) => {
            m.remove(last);
        }
        (Value::Array(a), with) => {
            if let Ok(i) = last.parse::<usize>()
                && i < a.len()
            {
                match with {
                    Some(with) => a[i] = with,
                    None => {
                        a.remove(i);
                    }
                }
            }
        }
        _ => {}
    }
}
