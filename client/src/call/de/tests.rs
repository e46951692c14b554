//! The rules, value by value.

use super::*;

fn de<T: Tolerant>(json: &str, rules: u8) -> Result<T, serde_json::Error> {
    T::decode(&mut serde_json::Deserializer::from_str(json), rules)
}

fn opt<T: Tolerant>(json: &str, rules: u8) -> Result<Option<T>, serde_json::Error> {
    <Option<T> as serde::Deserialize>::deserialize(Adapter::new(
        &mut serde_json::Deserializer::from_str(json),
        rules,
    ))
}

#[test]
fn int_or_string() {
    assert_eq!(
        de::<i64>("20101381522962", 0).ok(),
        Some(20_101_381_522_962)
    );
    assert!(de::<i64>("\"20101381522962\"", 0).is_err());
    assert_eq!(
        de::<i64>("\"20101381522962\"", INT_OR_STRING).ok(),
        Some(20_101_381_522_962)
    );
    assert_eq!(de::<i64>("\" -7 \"", INT_OR_STRING).ok(), Some(-7));
    assert!(de::<i64>("\"12a\"", INT_OR_STRING).is_err());
    assert!(de::<i64>("1.5", INT_OR_STRING).is_err());
    assert_eq!(de::<i64>("3.0", 0).ok(), Some(3));
    assert!(de::<i64>("18446744073709551615", INT_OR_STRING).is_err());
}

#[test]
fn string_or_number() {
    assert_eq!(de::<String>("\"a\"", 0).ok(), Some("a".into()));
    assert!(de::<String>("123", 0).is_err());
    assert_eq!(
        de::<String>("123", STRING_OR_NUMBER).ok(),
        Some("123".into())
    );
    assert_eq!(de::<String>("-5", STRING_OR_NUMBER).ok(), Some("-5".into()));
    assert_eq!(
        de::<String>("1.5", STRING_OR_NUMBER).ok(),
        Some("1.5".into())
    );
}

#[test]
fn empty_as_none() {
    assert_eq!(opt::<String>("\"\"", 0).ok(), Some(Some(String::new())));
    assert_eq!(opt::<String>("\"\"", EMPTY_AS_NONE).ok(), Some(None));
    assert_eq!(opt::<i64>("null", 0).ok(), Some(None));
    assert_eq!(
        opt::<i64>("\"\"", EMPTY_AS_NONE | INT_OR_STRING).ok(),
        Some(None)
    );
    assert!(opt::<i64>("\"\"", INT_OR_STRING).is_err());
    assert_eq!(opt::<i64>("\"4\"", INT_OR_STRING).ok(), Some(Some(4)));
}

#[test]
fn datetime_or_unix() {
    let text: DateTime = de("\"2017-09-26 16:38:11\"", 0).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(text.to_string(), "2017-09-26 16:38:11");
    // Unix seconds are a property of the type, whatever the rules.
    assert!(de::<DateTime>("1506415091", 0).is_ok());
    assert!(de::<DateTime>("\"\"", TOLERANT).is_err());
    let unix: DateTime = de("1506415091", DATETIME_OR_UNIX).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(unix, text, "unix seconds are read as Beijing time");
    assert_eq!(unix.to_unix(), 1_506_415_091);
    let unix_text: DateTime =
        de("\"1506415091\"", DATETIME_OR_UNIX).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(unix_text, text);
    assert!(de::<DateTime>("\"2017-13-01 00:00:00\"", DATETIME_OR_UNIX).is_err());
    let date: Date = de("\"2025-03-12\"", 0).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(date.to_string(), "2025-03-12");
}

/// A record as the generator writes one: no per-field attributes.
#[derive(Debug, PartialEq, serde::Deserialize)]
struct Rec {
    id: i64,
    name: String,
    #[serde(default)]
    n: Option<i64>,
    #[serde(default)]
    s: Option<String>,
    #[serde(default)]
    flag: Option<bool>,
    #[serde(default)]
    at: Option<DateTime>,
    #[serde(default)]
    m: Option<BTreeMap<String, i64>>,
    #[serde(default)]
    inner: Option<Box<Rec>>,
}

impl Tolerant for Rec {}

#[test]
fn records_are_tolerant_by_the_type_of_each_field() {
    let r: Rec = de(
        r#"{"id":"7","name":12,"n":"","s":null,"flag":"1","at":"1506415091","m":[],
            "inner":{"id":8,"name":"x","n":"3","m":{"a":"4"}},"unknown":[1]}"#,
        TOLERANT,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((r.id, r.name.as_str(), r.n, r.s), (7, "12", None, None));
    assert_eq!(r.flag, Some(true));
    assert_eq!(r.at.map(|t| t.to_unix()), Some(1_506_415_091));
    assert_eq!(r.m, Some(BTreeMap::new()));
    let inner = r.inner.unwrap_or_else(|| panic!("inner"));
    assert_eq!((inner.id, inner.n), (8, Some(3)));
    assert_eq!(inner.m, Some(BTreeMap::from([("a".to_owned(), 4)])));
    // Absent, `null` and `""` are the same for an optional field.
    let r: Rec =
        de(r#"{"id":1,"name":"a","inner":""}"#, TOLERANT).unwrap_or_else(|e| panic!("{e}"));
    assert!(r.inner.is_none() && r.n.is_none() && r.at.is_none());
}

#[test]
fn required_fields_sent_empty_or_null_are_errors() {
    for json in [
        r#"{"id":"","name":"a"}"#,
        r#"{"id":null,"name":"a"}"#,
        r#"{"id":1,"name":""}"#,
        r#"{"id":1,"name":null}"#,
        r#"{"name":"a"}"#,
        "[]",
    ] {
        assert!(de::<Rec>(json, TOLERANT).is_err(), "{json}");
    }
    // Outside a record's field, an empty string is a string.
    assert_eq!(
        de::<Vec<String>>(r#"["", 1]"#, TOLERANT).ok(),
        Some(vec![String::new(), "1".into()])
    );
    // Without the rule, a required field may be empty (the envelope's `msg` is read so).
    assert!(de::<Rec>(r#"{"id":1,"name":""}"#, 0).is_ok());
}

/// A record with fields of text for people, as the generator writes them.
#[derive(Debug, PartialEq, serde::Deserialize)]
struct Named {
    id: i64,
    #[serde(deserialize_with = "text")]
    desc: String,
    #[serde(default, deserialize_with = "optional_text")]
    name: Option<String>,
}

impl Tolerant for Named {}

#[test]
fn text_for_people_keeps_the_empty_string() {
    let r: Named =
        de(r#"{"id":1,"desc":"","name":""}"#, TOLERANT).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((r.desc.as_str(), r.name.as_deref()), ("", Some("")));
    let r: Named =
        de(r#"{"id":"2","desc":12,"name":null}"#, TOLERANT).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((r.id, r.desc.as_str(), r.name), (2, "12", None));
    let r: Named =
        de(r#"{"id":3,"desc":"x","name":4.5}"#, TOLERANT).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(r.name.as_deref(), Some("4.5"));
    // Required text still has to be there, and be text.
    for json in [
        r#"{"id":1}"#,
        r#"{"id":1,"desc":null}"#,
        r#"{"id":1,"desc":[]}"#,
        r#"{"id":1,"desc":"a","name":{}}"#,
    ] {
        assert!(de::<Named>(json, TOLERANT).is_err(), "{json}");
    }
}

#[test]
fn bool_or_int() {
    assert_eq!(de::<bool>("true", 0).ok(), Some(true));
    assert!(de::<bool>("1", 0).is_err());
    assert_eq!(de::<bool>("1", BOOL_OR_INT).ok(), Some(true));
    assert_eq!(de::<bool>("\"0\"", BOOL_OR_INT).ok(), Some(false));
    assert!(de::<bool>("2", BOOL_OR_INT).is_err());
}

#[test]
fn null_as_empty() {
    assert!(de::<Vec<i64>>("null", 0).is_err());
    assert_eq!(de::<Vec<i64>>("null", NULL_AS_EMPTY).ok(), Some(vec![]));
    assert_eq!(
        de::<BTreeMap<i64, i64>>("null", NULL_AS_EMPTY).ok(),
        Some(BTreeMap::new())
    );
}

#[test]
fn array_as_map() {
    assert!(de::<BTreeMap<i64, i64>>("[]", 0).is_err());
    assert_eq!(
        de::<BTreeMap<i64, i64>>("[]", ARRAY_AS_MAP).ok(),
        Some(BTreeMap::new())
    );
    assert!(de::<BTreeMap<i64, i64>>("[1]", ARRAY_AS_MAP).is_err());
}

#[test]
fn element_rules_reach_items_and_values() {
    assert_eq!(
        de::<Vec<i64>>("[1, \"2\"]", INT_OR_STRING).ok(),
        Some(vec![1, 2])
    );
    let m = de::<BTreeMap<i64, i64>>("{\"116541\": \"15\", \"7\": 0}", INT_OR_STRING)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(m, BTreeMap::from([(7, 0), (116_541, 15)]));
}

mod round_trips {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        #[test]
        fn ints_as_numbers_or_strings(n in any::<i64>()) {
            prop_assert_eq!(de::<i64>(&n.to_string(), INT_OR_STRING).ok(), Some(n));
            prop_assert_eq!(de::<i64>(&format!("\"{n}\""), INT_OR_STRING).ok(), Some(n));
            let list = format!("[{n}, \"{n}\"]");
            prop_assert_eq!(de::<Vec<i64>>(&list, INT_OR_STRING).ok(), Some(vec![n, n]));
        }

        #[test]
        fn strings_from_numbers_keep_their_text(n in any::<i64>(), f in -1.0e9f64..1.0e9) {
            prop_assert_eq!(de::<String>(&n.to_string(), STRING_OR_NUMBER).ok(), Some(n.to_string()));
            // A float keeps its value (its digits are those of the shortest form that reads
            // back to the same f64).
            let text = serde_json::to_string(&f).unwrap_or_default();
            let kept = de::<String>(&text, STRING_OR_NUMBER).ok().and_then(|t| t.parse::<f64>().ok());
            prop_assert_eq!(kept, Some(f));
        }

        #[test]
        fn datetimes_in_every_form(secs in 0_i64..4_102_444_800) {
            let t = DateTime::from_unix(secs).unwrap_or_else(|e| panic!("{e}"));
            let text = format!("\"{t}\"");
            for json in [secs.to_string(), format!("\"{secs}\""), text.clone()] {
                let back = de::<DateTime>(&json, DATETIME_OR_UNIX).ok();
                prop_assert_eq!(back.as_ref(), Some(&t), "{}", json);
            }
            // What was read is written back in the same form.
            let from_text: DateTime = de(&text, 0).unwrap_or_else(|e| panic!("{e}"));
            prop_assert_eq!(serde_json::to_string(&from_text).ok(), Some(text));
            prop_assert_eq!(serde_json::to_string(&t).ok(), Some(secs.to_string()));
        }

        #[test]
        fn flags_in_every_form(b in any::<bool>()) {
            let n = u8::from(b);
            for json in [b.to_string(), n.to_string(), format!("\"{n}\"")] {
                prop_assert_eq!(de::<bool>(&json, BOOL_OR_INT).ok(), Some(b));
            }
        }

        #[test]
        fn optional_values_and_their_absence(n in any::<i64>()) {
            let rules = INT_OR_STRING | EMPTY_AS_NONE;
            prop_assert_eq!(opt::<i64>(&format!("\"{n}\""), rules).ok(), Some(Some(n)));
            for absent in ["null", "\"\""] {
                prop_assert_eq!(opt::<i64>(absent, rules).ok(), Some(None));
            }
        }
    }
}

#[test]
fn ack_accepts_anything() {
    for json in [
        "null",
        "true",
        "{}",
        "[1]",
        "\"x\"",
        "{\"a\": [1, {\"b\": null}]}",
    ] {
        assert!(de::<()>(json, 0).is_ok(), "{json}");
    }
}
