//! Property tests: no response can make decoding panic, whatever the vendor (or a proxy) sends; and
//! every field of every doc example decodes in every form its type tolerates.

use baijiayun::operations::Operation;
use proptest::prelude::*;
use serde_json::Value;

use crate::support::spec;
use crate::test_json::{edit, json, nodes};

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
        for &op in Operation::ALL {
            let _ = op.decode_response(&body);
        }
    }

    #[test]
    fn arbitrary_data_never_panics(data in json(), code in prop_oneof![Just(0_i64), any::<i64>()]) {
        let body = serde_json::json!({"code": code, "data": data, "msg": "", "ts": 1}).to_string();
        for &op in Operation::ALL {
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

/// What decoding must make of one replaced field.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Expect {
    /// The same value as the example's.
    Same,
    /// `None`: the field is gone from what the client keeps.
    Absent,
    /// An empty list or map.
    Empty,
    /// The empty string: text for people (the spec's `text`) keeps `""`.
    EmptyText,
    /// A decode error at the field's path.
    ErrorHere,
    /// A decode error at the record holding the field (a missing field is reported there).
    ErrorAtParent,
}

/// One replacement: the field at `path` (under the envelope) becomes `with` (removed if `None`).
#[derive(Debug)]
struct Case {
    path: Vec<String>,
    with: Option<Value>,
    expect: Expect,
    /// The field is a date or time, compared by the instant it names, not its form.
    temporal: bool,
}

/// Is the scalar coded by integers (ints and int-coded enums)?
fn int_coded(api: &codegen::ir::Api, s: &codegen::ir::Scalar) -> bool {
    use codegen::ir::{Repr, Scalar};
    match s {
        Scalar::Int => true,
        Scalar::Enum(n) => api.enumeration(n).is_some_and(|e| e.repr == Repr::Int),
        _ => false,
    }
}

fn beijing_unix(text: &str) -> Option<i64> {
    text.parse::<baijiayun::DateTime>()
        .ok()
        .map(|t| t.to_unix())
}

/// Every other form the type of `v` tolerates, each meaning the same value.
fn same_forms(api: &codegen::ir::Api, ty: &codegen::ir::Ty, v: &Value) -> Vec<Value> {
    use codegen::ir::{Scalar, Ty};
    let Ty::Scalar(s) = ty else { return Vec::new() };
    let int_of = |v: &Value| match v {
        Value::Number(n) => n.as_i64(),
        Value::String(t) => t.parse::<i64>().ok().filter(|n| n.to_string() == *t),
        _ => None,
    };
    match s {
        s if int_coded(api, s) => match int_of(v) {
            Some(n) if v.is_number() => vec![Value::String(n.to_string())],
            #[allow(
                clippy::cast_precision_loss,
                reason = "only small integers are sent as floats"
            )]
            Some(n) => {
                let mut forms = vec![Value::from(n)];
                if n.abs() < (1 << 52) {
                    forms.push(Value::from(n as f64));
                }
                forms
            }
            None => Vec::new(),
        },
        Scalar::String | Scalar::Text | Scalar::PlaybackRef | Scalar::Enum(_) => match int_of(v) {
            Some(n) if v.is_string() => vec![Value::from(n)],
            Some(n) => vec![Value::String(n.to_string())],
            None => Vec::new(),
        },
        Scalar::Bool => {
            let b = match v {
                Value::Bool(b) => Some(*b),
                other => int_of(other).filter(|n| *n == 0 || *n == 1).map(|n| n == 1),
            };
            b.map(|b| {
                let n = u8::from(b);
                vec![Value::Bool(b), Value::from(n), Value::String(n.to_string())]
            })
            .unwrap_or_default()
        }
        Scalar::DateTime => match v.as_str().and_then(beijing_unix) {
            Some(secs) => vec![Value::from(secs), Value::String(secs.to_string())],
            None => Vec::new(),
        },
        Scalar::Date => match v
            .as_str()
            .and_then(|d| beijing_unix(&format!("{d} 00:00:00")))
        {
            Some(secs) => vec![Value::from(secs), Value::String(secs.to_string())],
            None => Vec::new(),
        },
        _ => Vec::new(),
    }
}

/// The cases for the values under `v`, of type `ty`, at `path`.
fn cases_under(
    api: &codegen::ir::Api,
    ty: &codegen::ir::Ty,
    v: &Value,
    path: &mut Vec<String>,
    out: &mut Vec<Case>,
) {
    use codegen::ir::{Scalar, Ty};
    match (ty, v) {
        (Ty::Scalar(Scalar::Record(name)), Value::Object(m)) => {
            let Some(record) = api.record(name) else {
                return;
            };
            for f in &record.fields {
                let Some(fv) = m.get(&f.wire) else { continue };
                path.push(f.wire.clone());
                field_cases(api, &f.ty, f.required, fv, path, out);
                cases_under(api, &f.ty, fv, path, out);
                path.pop();
            }
        }
        (Ty::List(item), Value::Array(items)) => {
            for (i, x) in items.iter().enumerate() {
                path.push(i.to_string());
                element_cases(api, item, x, path, out);
                cases_under(api, item, x, path, out);
                path.pop();
            }
        }
        (Ty::Map(_, value), Value::Object(m)) => {
            for (k, x) in m {
                path.push(k.clone());
                element_cases(api, value, x, path, out);
                cases_under(api, value, x, path, out);
                path.pop();
            }
        }
        _ => {}
    }
}

fn temporal(ty: &codegen::ir::Ty) -> bool {
    use codegen::ir::{Scalar, Ty};
    matches!(ty, Ty::Scalar(Scalar::Date | Scalar::DateTime))
}

/// An item of a list or value of a map: its other forms.
fn element_cases(
    api: &codegen::ir::Api,
    ty: &codegen::ir::Ty,
    v: &Value,
    path: &[String],
    out: &mut Vec<Case>,
) {
    for with in same_forms(api, ty, v) {
        out.push(Case {
            path: path.to_vec(),
            with: Some(with),
            expect: Expect::Same,
            temporal: temporal(ty),
        });
    }
}

/// A record's field: its other forms, and what `""`, `null` and absence make of it.
fn field_cases(
    api: &codegen::ir::Api,
    ty: &codegen::ir::Ty,
    required: bool,
    v: &Value,
    path: &[String],
    out: &mut Vec<Case>,
) {
    use codegen::ir::{Scalar, Ty};
    element_cases(api, ty, v, path, out);
    let text = *ty == Ty::Scalar(Scalar::Text);
    let mut push = |with: Option<Value>, expect| {
        out.push(Case {
            path: path.to_vec(),
            with,
            expect,
            temporal: temporal(ty),
        });
    };
    let container = matches!(ty, Ty::List(_) | Ty::Map(..));
    if matches!(ty, Ty::Map(..)) {
        push(
            Some(Value::Array(Vec::new())),
            if v.as_object().is_some_and(serde_json::Map::is_empty) {
                Expect::Same
            } else {
                Expect::Empty
            },
        );
    }
    match (required, container) {
        // Text for people: `""` is the empty text, required or not.
        (false, _) if text => {
            push(Some(Value::Null), Expect::Absent);
            push(None, Expect::Absent);
            push(Some(Value::from("")), Expect::EmptyText);
        }
        (true, _) if text => {
            push(Some(Value::Null), Expect::ErrorHere);
            push(None, Expect::ErrorAtParent);
            push(Some(Value::from("")), Expect::EmptyText);
        }
        (false, _) => {
            for with in [Some(Value::Null), Some(Value::from("")), None] {
                push(with, Expect::Absent);
            }
        }
        (true, true) => {
            push(Some(Value::Null), Expect::Empty);
            push(Some(Value::from("")), Expect::ErrorHere);
            push(None, Expect::ErrorAtParent);
        }
        (true, false) => {
            push(Some(Value::Null), Expect::ErrorHere);
            push(Some(Value::from("")), Expect::ErrorHere);
            push(None, Expect::ErrorAtParent);
        }
    }
}

/// `data.list[1].play_times`, as the client reports a path.
fn path_text(path: &[String]) -> String {
    let mut text = String::new();
    for p in path {
        if p.parse::<usize>().is_ok() && !text.is_empty() {
            text.push_str(&format!("[{p}]"));
        } else {
            if !text.is_empty() {
                text.push('.');
            }
            text.push_str(p);
        }
    }
    text
}

fn node<'v>(v: &'v Value, path: &[String]) -> Option<&'v Value> {
    path.iter().try_fold(v, |at, key| match at {
        Value::Object(m) => m.get(key),
        Value::Array(a) => key.parse::<usize>().ok().and_then(|i| a.get(i)),
        _ => None,
    })
}

/// The value of a date or time field as the instant it names, whatever its form.
fn instant(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => beijing_unix(s)
            .or_else(|| beijing_unix(&format!("{s} 00:00:00")))
            .or_else(|| s.parse().ok()),
        _ => None,
    }
}

/// Checks one case against what the unchanged example decodes to (`baseline`, the typed `data`
/// as JSON).
fn check_case(op: Operation, example: &Value, baseline: &Value, case: &Case) -> Result<(), String> {
    let mut body = example.clone();
    edit(&mut body, &case.path, case.with.clone());
    let decoded = op.decode_response(body.to_string().as_bytes());
    let at = path_text(&case.path);
    let in_data = &case.path[1..];
    match (case.expect, decoded) {
        (Expect::ErrorHere, Err(baijiayun::Error::Decode { path, .. })) if path == at => Ok(()),
        (Expect::ErrorAtParent, Err(baijiayun::Error::Decode { path, .. }))
            if at.starts_with(&path) =>
        {
            Ok(())
        }
        (Expect::ErrorHere | Expect::ErrorAtParent, other) => {
            Err(format!("expected a decode error at {at}, got {other:?}"))
        }
        (_, Err(e)) => Err(format!("{e}")),
        (expect, Ok(decoded)) => {
            // Everything else is unchanged...
            let (mut rest, mut base_rest) = (decoded.clone(), baseline.clone());
            edit(&mut rest, in_data, None);
            edit(&mut base_rest, in_data, None);
            if rest != base_rest {
                return Err(format!("other values changed: {decoded} vs {baseline}"));
            }
            // ...and the field is what the rule says.
            let (got, was) = (node(&decoded, in_data), node(baseline, in_data));
            let fine = match expect {
                Expect::Same if case.temporal => got.and_then(instant) == was.and_then(instant),
                Expect::Same => got == was,
                Expect::Absent => got.is_none(),
                Expect::EmptyText => got.and_then(Value::as_str) == Some(""),
                Expect::Empty => got.is_some_and(|g| {
                    g.as_array().is_some_and(Vec::is_empty)
                        || g.as_object().is_some_and(serde_json::Map::is_empty)
                }),
                Expect::ErrorHere | Expect::ErrorAtParent => false,
            };
            if fine {
                Ok(())
            } else {
                Err(format!("expected {expect:?}, got {got:?} (was {was:?})"))
            }
        }
    }
}

/// For every doc example and every field in it, each form its type tolerates decodes to the same
/// value (or `None` / empty, as the rule says); a required field sent as `""` or `null` is a
/// decode error at its path, except that text for people (`text`) keeps `""` as the empty string.
#[test]
fn every_field_of_every_example_in_every_tolerated_form() -> anyhow::Result<()> {
    let api = spec()?;
    let (mut checked, mut failures) = (0_usize, Vec::new());
    let mut expectations = std::collections::BTreeSet::new();
    for e in api.endpoints() {
        let op = Operation::from_name(&e.name)
            .ok_or_else(|| anyhow::anyhow!("{} missing from the client", e.name))?;
        for x in &e.examples {
            let example: Value = serde_json::from_str(&x.json)?;
            if example["code"] != 0 {
                continue;
            }
            let baseline = op.decode_response(x.json.as_bytes())?;
            let mut cases = Vec::new();
            let mut path = vec!["data".to_owned()];
            if let Some(data) = example.get("data") {
                cases_under(&api, &e.response, data, &mut path, &mut cases);
            }
            for case in &cases {
                checked += 1;
                expectations.insert(format!("{:?}", case.expect));
                if let Err(why) = check_case(op, &example, &baseline, case) {
                    failures.push(format!(
                        "{} ({}): {} = {:?}: {why}",
                        e.name,
                        x.title,
                        path_text(&case.path),
                        case.with
                    ));
                }
            }
        }
    }
    anyhow::ensure!(
        failures.is_empty(),
        "{} of {checked} cases failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    // The walk reached every kind of expectation, over many fields.
    anyhow::ensure!(checked > 1000, "only {checked} cases");
    anyhow::ensure!(expectations.len() == 6, "{expectations:?}");
    Ok(())
}
