//! Property tests: no response can make decoding panic, whatever the vendor (or a proxy) sends.

use baijiayun::operations::Operation;
use proptest::prelude::*;
use serde_json::Value;

use crate::support::{edit, nodes, spec};

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

/// The doc's examples, as (operation, JSON).
pub(crate) fn examples() -> Vec<(Operation, Value)> {
    let Ok(api) = spec() else { return Vec::new() };
    api.endpoints()
        .flat_map(|e| {
            let op = Operation::from_name(&e.name);
            e.examples
                .iter()
                .filter_map(move |x| Some((op?, serde_json::from_str(&x.json).ok()?)))
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn arbitrary_bytes_never_panic(body in prop::collection::vec(any::<u8>(), 0..300)) {
        for op in Operation::ALL {
            let _ = op.decode_response(&body);
        }
    }

    #[test]
    fn arbitrary_data_never_panics(data in json(), code in prop_oneof![Just(0_i64), any::<i64>()]) {
        let body = serde_json::json!({"code": code, "data": data, "msg": "", "ts": 1}).to_string();
        for op in Operation::ALL {
            let _ = op.decode_response(body.as_bytes());
        }
    }

    #[test]
    fn doc_examples_with_one_leaf_replaced_never_panic(
        pick in any::<prop::sample::Index>(),
        leaf in any::<prop::sample::Index>(),
        with in json(),
    ) {
        let examples = examples();
        prop_assume!(!examples.is_empty());
        let (op, mut example) = examples[pick.index(examples.len())].clone();
        let mut paths = Vec::new();
        nodes(&example, true, &mut Vec::new(), &mut paths);
        prop_assume!(!paths.is_empty());
        let path = paths[leaf.index(paths.len())].clone();
        edit(&mut example, &path, Some(with));
        let body = example.to_string();
        let _ = op.decode_response(body.as_bytes());
    }
}
