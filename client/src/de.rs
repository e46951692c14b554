//! Lenient decoding: the tolerances the vendor's responses need, each implemented once.
//!
//! The vendor's examples disagree with its own tables: ids arrive as numbers or numeric strings,
//! dates as unix seconds or text, empty maps as `[]`, absent values as `""` or `null`. The spec
//! declares, per field, which of these rules a field needs (`lenient:` in `spec/*.yaml`); the
//! generated code passes them here as a bit set. Nothing else in the crate bends the JSON.
//!
//! | rule | accepts |
//! | --- | --- |
//! | [`INT_OR_STRING`] | a number, or a string holding an integer |
//! | [`STRING_OR_NUMBER`] | a string, or a number kept in its decimal form (an integer exactly as sent; a float by value) |
//! | [`EMPTY_AS_NONE`] | `""` as absent (for optional fields; `null` always is) |
//! | [`DATETIME_OR_UNIX`] | date text, or unix seconds as a number or numeric string |
//! | [`BOOL_OR_INT`] | `true`/`false`, `0`/`1`, `"0"`/`"1"` |
//! | [`NULL_AS_EMPTY`] | `null` as an empty list or map |
//! | [`ARRAY_AS_MAP`] | `[]` as an empty map (PHP encodes an empty map so) |
//!
//! Element rules (the first four) apply to the items of a list and the values of a map too.

use std::collections::BTreeMap;
use std::fmt;
use std::marker::PhantomData;

use serde::de::value::{MapAccessDeserializer, SeqAccessDeserializer};
use serde::de::{
    self, DeserializeOwned, DeserializeSeed, Deserializer, IgnoredAny, IntoDeserializer, MapAccess,
    SeqAccess, Visitor,
};

use crate::time::{Date, DateTime};

/// A number, or a string holding an integer (`"20101381522962"`).
pub const INT_OR_STRING: u8 = 1;
/// A string, or a number kept in its decimal form (`123` → `"123"`).
pub const STRING_OR_NUMBER: u8 = 1 << 1;
/// `""` means absent (optional fields only; `null` always means absent).
pub const EMPTY_AS_NONE: u8 = 1 << 2;
/// Date text, or unix seconds as a number or a numeric string.
pub const DATETIME_OR_UNIX: u8 = 1 << 3;
/// A boolean, or `0`/`1` as a number or string.
pub const BOOL_OR_INT: u8 = 1 << 4;
/// `null` is an empty list or map.
pub const NULL_AS_EMPTY: u8 = 1 << 5;
/// `[]` is an empty map.
pub const ARRAY_AS_MAP: u8 = 1 << 6;

/// A type that decodes under the lenient rules.
///
/// Records and other plain types use their `Deserialize` impl unchanged (the default method); their
/// fields carry their own rules. Scalars, lists and maps interpret the rules.
pub trait Lenient: DeserializeOwned {
    /// Decodes `Self` from `deserializer`, tolerating what `rules` allows.
    fn decode<'de, D: Deserializer<'de>>(deserializer: D, rules: u8) -> Result<Self, D::Error> {
        let _ = rules;
        Self::deserialize(deserializer)
    }
}

/// A generated enum, coded on the wire by `Code` (`i64` or `String`). Unknown codes are kept.
pub trait CodeEnum: Clone + From<Self::Code> + Into<Self::Code> + DeserializeOwned {
    /// The type of the code on the wire.
    type Code: Lenient;

    /// Whether the value is one the spec names (not `Unknown`).
    fn is_known(&self) -> bool;
}

impl<T: CodeEnum> Lenient for T {
    fn decode<'de, D: Deserializer<'de>>(deserializer: D, rules: u8) -> Result<Self, D::Error> {
        T::Code::decode(deserializer, rules).map(T::from)
    }
}

/// Decodes a required field under the rules `R` (used by generated `deserialize_with`).
pub fn lenient<'de, const R: u8, T: Lenient, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<T, D::Error> {
    T::decode(deserializer, R)
}

/// Decodes an optional field under the rules `R`: `null` is `None`, and so is `""` with
/// [`EMPTY_AS_NONE`] (used by generated `deserialize_with`, together with `#[serde(default)]`).
pub fn optional<'de, const R: u8, T: Lenient, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<T>, D::Error> {
    deserializer.deserialize_any(OptionVisitor::<T> {
        rules: R,
        marker: PhantomData,
    })
}

struct OptionVisitor<T> {
    rules: u8,
    marker: PhantomData<T>,
}

impl<'de, T: Lenient> Visitor<'de> for OptionVisitor<T> {
    type Value = Option<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a value or null")
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        optional_with(d, self.rules)
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
        T::decode(v.into_deserializer(), self.rules).map(Some)
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        T::decode(v.into_deserializer(), self.rules).map(Some)
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        T::decode(v.into_deserializer(), self.rules).map(Some)
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        T::decode(v.into_deserializer(), self.rules).map(Some)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        if v.is_empty() && self.rules & EMPTY_AS_NONE != 0 {
            return Ok(None);
        }
        T::decode(v.into_deserializer(), self.rules).map(Some)
    }

    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        if v.is_empty() && self.rules & EMPTY_AS_NONE != 0 {
            return Ok(None);
        }
        T::decode(de::value::BorrowedStrDeserializer::new(v), self.rules).map(Some)
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        if v.is_empty() && self.rules & EMPTY_AS_NONE != 0 {
            return Ok(None);
        }
        T::decode(v.into_deserializer(), self.rules).map(Some)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        T::decode(SeqAccessDeserializer::new(seq), self.rules).map(Some)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        T::decode(MapAccessDeserializer::new(map), self.rules).map(Some)
    }
}

fn optional_with<'de, T: Lenient, D: Deserializer<'de>>(
    d: D,
    rules: u8,
) -> Result<Option<T>, D::Error> {
    d.deserialize_any(OptionVisitor::<T> {
        rules,
        marker: PhantomData,
    })
}

/// Builds the "invalid type" error with what the rules would have accepted.
fn unexpected<E: de::Error>(found: de::Unexpected<'_>, expected: &dyn de::Expected) -> E {
    E::invalid_type(found, expected)
}

struct IntVisitor(u8);

impl Visitor<'_> for IntVisitor {
    type Value = i64;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0 & INT_OR_STRING != 0 {
            f.write_str("an integer or a string holding one")
        } else {
            f.write_str("an integer")
        }
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<i64, E> {
        Ok(v)
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<i64, E> {
        i64::try_from(v).map_err(|_| E::invalid_value(de::Unexpected::Unsigned(v), &self))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<i64, E> {
        // An integral float (PHP sometimes sends `1.0`) is the integer; anything else is not.
        if v.fract() == 0.0 && v.abs() < 9.0e15 {
            #[allow(
                clippy::cast_possible_truncation,
                reason = "checked integral and in range"
            )]
            return Ok(v as i64);
        }
        Err(E::invalid_value(de::Unexpected::Float(v), &self))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<i64, E> {
        if self.0 & INT_OR_STRING == 0 {
            return Err(unexpected(de::Unexpected::Str(v), &self));
        }
        v.trim()
            .parse()
            .map_err(|_| E::invalid_value(de::Unexpected::Str(v), &self))
    }
}

impl Lenient for i64 {
    fn decode<'de, D: Deserializer<'de>>(deserializer: D, rules: u8) -> Result<Self, D::Error> {
        deserializer.deserialize_any(IntVisitor(rules))
    }
}

struct StringVisitor(u8);

impl Visitor<'_> for StringVisitor {
    type Value = String;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0 & STRING_OR_NUMBER != 0 {
            f.write_str("a string or a number")
        } else {
            f.write_str("a string")
        }
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<String, E> {
        Ok(v.to_owned())
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<String, E> {
        Ok(v)
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<String, E> {
        if self.0 & STRING_OR_NUMBER == 0 {
            return Err(unexpected(de::Unexpected::Signed(v), &self));
        }
        Ok(v.to_string())
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<String, E> {
        if self.0 & STRING_OR_NUMBER == 0 {
            return Err(unexpected(de::Unexpected::Unsigned(v), &self));
        }
        Ok(v.to_string())
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<String, E> {
        if self.0 & STRING_OR_NUMBER == 0 {
            return Err(unexpected(de::Unexpected::Float(v), &self));
        }
        Ok(v.to_string())
    }
}

impl Lenient for String {
    fn decode<'de, D: Deserializer<'de>>(deserializer: D, rules: u8) -> Result<Self, D::Error> {
        deserializer.deserialize_any(StringVisitor(rules))
    }
}

struct BoolVisitor(u8);

impl Visitor<'_> for BoolVisitor {
    type Value = bool;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0 & BOOL_OR_INT != 0 {
            f.write_str("a boolean, 0 or 1")
        } else {
            f.write_str("a boolean")
        }
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<bool, E> {
        Ok(v)
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<bool, E> {
        match v {
            0 | 1 if self.0 & BOOL_OR_INT != 0 => Ok(v == 1),
            _ => Err(E::invalid_value(de::Unexpected::Signed(v), &self)),
        }
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<bool, E> {
        match v {
            0 | 1 if self.0 & BOOL_OR_INT != 0 => Ok(v == 1),
            _ => Err(E::invalid_value(de::Unexpected::Unsigned(v), &self)),
        }
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<bool, E> {
        match v {
            "0" | "false" if self.0 & BOOL_OR_INT != 0 => Ok(false),
            "1" | "true" if self.0 & BOOL_OR_INT != 0 => Ok(true),
            _ => Err(E::invalid_value(de::Unexpected::Str(v), &self)),
        }
    }
}

impl Lenient for bool {
    fn decode<'de, D: Deserializer<'de>>(deserializer: D, rules: u8) -> Result<Self, D::Error> {
        deserializer.deserialize_any(BoolVisitor(rules))
    }
}

/// Date-like types: text in their own format, or unix seconds (Beijing time) with
/// [`DATETIME_OR_UNIX`].
trait Temporal: Sized {
    const EXPECTING: &'static str;
    fn parse_text(s: &str) -> Option<Self>;
    fn from_unix(secs: i64) -> Option<Self>;
}

impl Temporal for DateTime {
    const EXPECTING: &'static str = "a date and time `YYYY-MM-DD HH:MM:SS`";

    fn parse_text(s: &str) -> Option<Self> {
        s.parse().ok()
    }

    fn from_unix(secs: i64) -> Option<Self> {
        DateTime::from_unix(secs).ok()
    }
}

impl Temporal for Date {
    const EXPECTING: &'static str = "a date `YYYY-MM-DD`";

    fn parse_text(s: &str) -> Option<Self> {
        s.parse().ok()
    }

    fn from_unix(secs: i64) -> Option<Self> {
        DateTime::from_unix(secs).ok().map(|d| d.date())
    }
}

struct TemporalVisitor<T>(u8, PhantomData<T>);

impl<T: Temporal> Visitor<'_> for TemporalVisitor<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(T::EXPECTING)?;
        if self.0 & DATETIME_OR_UNIX != 0 {
            f.write_str(" or unix seconds")?;
        }
        Ok(())
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<T, E> {
        if let Some(t) = T::parse_text(v) {
            return Ok(t);
        }
        if self.0 & DATETIME_OR_UNIX != 0
            && let Ok(secs) = v.trim().parse::<i64>()
        {
            return self.visit_i64(secs);
        }
        Err(E::invalid_value(de::Unexpected::Str(v), &self))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<T, E> {
        if self.0 & DATETIME_OR_UNIX == 0 {
            return Err(unexpected(de::Unexpected::Signed(v), &self));
        }
        T::from_unix(v).ok_or_else(|| E::invalid_value(de::Unexpected::Signed(v), &self))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<T, E> {
        match i64::try_from(v) {
            Ok(v) => self.visit_i64(v),
            Err(_) => Err(E::invalid_value(de::Unexpected::Unsigned(v), &self)),
        }
    }
}

impl Lenient for DateTime {
    fn decode<'de, D: Deserializer<'de>>(deserializer: D, rules: u8) -> Result<Self, D::Error> {
        deserializer.deserialize_any(TemporalVisitor::<DateTime>(rules, PhantomData))
    }
}

impl Lenient for Date {
    fn decode<'de, D: Deserializer<'de>>(deserializer: D, rules: u8) -> Result<Self, D::Error> {
        deserializer.deserialize_any(TemporalVisitor::<Date>(rules, PhantomData))
    }
}

impl Lenient for crate::PlaybackRef {}

impl Lenient for serde_json::Value {}

/// `ack` responses: `data` is `null`, `true`, `{}` or anything else, and nothing is kept.
impl Lenient for () {
    fn decode<'de, D: Deserializer<'de>>(deserializer: D, _rules: u8) -> Result<Self, D::Error> {
        <IgnoredAny as serde::Deserialize>::deserialize(deserializer).map(drop)
    }
}

/// Passes the element rules down to one item or value.
struct Seed<T>(u8, PhantomData<T>);

impl<'de, T: Lenient> DeserializeSeed<'de> for Seed<T> {
    type Value = T;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<T, D::Error> {
        T::decode(d, self.0)
    }
}

struct ListVisitor<T>(u8, PhantomData<T>);

impl<'de, T: Lenient> Visitor<'de> for ListVisitor<T> {
    type Value = Vec<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0 & NULL_AS_EMPTY != 0 {
            f.write_str("an array or null")
        } else {
            f.write_str("an array")
        }
    }

    fn visit_unit<E: de::Error>(self) -> Result<Vec<T>, E> {
        if self.0 & NULL_AS_EMPTY == 0 {
            return Err(unexpected(de::Unexpected::Unit, &self));
        }
        Ok(Vec::new())
    }

    fn visit_none<E: de::Error>(self) -> Result<Vec<T>, E> {
        self.visit_unit()
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<T>, A::Error> {
        let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
        while let Some(item) = seq.next_element_seed(Seed::<T>(self.0, PhantomData))? {
            out.push(item);
        }
        Ok(out)
    }
}

impl<T: Lenient> Lenient for Vec<T> {
    fn decode<'de, D: Deserializer<'de>>(deserializer: D, rules: u8) -> Result<Self, D::Error> {
        deserializer.deserialize_any(ListVisitor::<T>(rules, PhantomData))
    }
}

struct MapVisitor<K, V>(u8, PhantomData<(K, V)>);

impl<'de, K: Ord + DeserializeOwned, V: Lenient> Visitor<'de> for MapVisitor<K, V> {
    type Value = BTreeMap<K, V>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object")?;
        if self.0 & ARRAY_AS_MAP != 0 {
            f.write_str(", or an empty array")?;
        }
        if self.0 & NULL_AS_EMPTY != 0 {
            f.write_str(", or null")?;
        }
        Ok(())
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        if self.0 & NULL_AS_EMPTY == 0 {
            return Err(unexpected(de::Unexpected::Unit, &self));
        }
        Ok(BTreeMap::new())
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        self.visit_unit()
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        if self.0 & ARRAY_AS_MAP == 0 {
            return Err(unexpected(de::Unexpected::Seq, &self));
        }
        if seq.next_element::<IgnoredAny>()?.is_some() {
            return Err(de::Error::invalid_value(de::Unexpected::Seq, &self));
        }
        Ok(BTreeMap::new())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut out = BTreeMap::new();
        while let Some(key) = map.next_key::<K>()? {
            let value = map.next_value_seed(Seed::<V>(self.0, PhantomData))?;
            out.insert(key, value);
        }
        Ok(out)
    }
}

impl<K: Ord + DeserializeOwned, V: Lenient> Lenient for BTreeMap<K, V> {
    fn decode<'de, D: Deserializer<'de>>(deserializer: D, rules: u8) -> Result<Self, D::Error> {
        deserializer.deserialize_any(MapVisitor::<K, V>(rules, PhantomData))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn de<T: Lenient>(json: &str, rules: u8) -> Result<T, serde_json::Error> {
        T::decode(&mut serde_json::Deserializer::from_str(json), rules)
    }

    fn opt<T: Lenient>(json: &str, rules: u8) -> Result<Option<T>, serde_json::Error> {
        optional_with(&mut serde_json::Deserializer::from_str(json), rules)
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
        assert!(de::<DateTime>("1506415091", 0).is_err());
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
}
