//! Tolerant decoding: what real servers send, decoded by the type it is read as.
//!
//! The vendor's examples disagree with its own tables, and PHP backends have habits the examples
//! only sometimes show: ids arrive as numbers or numeric strings, dates as unix seconds or text,
//! empty maps as `[]`, absent values as `""` or `null`. Every field can carry them, so tolerance is
//! the default for every response field, by its type, with no per-field declaration. It is
//! implemented once, here, as a [`Deserializer`] adapter that every generated record, list, map
//! and scalar decodes through ([`Tolerant::decode`]); nothing else in the crate bends the JSON.
//!
//! | rule | type read | accepts |
//! | --- | --- | --- |
//! | [`INT_OR_STRING`] | integers (and int enums) | a number, or a string holding an integer |
//! | [`STRING_OR_NUMBER`] | strings (and string enums) | a string, or a number kept in its decimal form (an integer exactly as sent; a float by value) |
//! | [`EMPTY_AS_NONE`] | optional fields; required fields | `""` as absent; a required field sent as `""` is an error |
//! | [`text`], [`optional_text`] | fields of text for people (the spec's `text`) | `""` as the empty text, a number in its decimal form |
//! | [`DATETIME_OR_UNIX`] | `Date`, `DateTime` | the text form, or unix seconds as a number or numeric string (always: a property of the type) |
//! | [`BOOL_OR_INT`] | flags | `true`/`false`, `0`/`1`, `"0"`/`"1"` |
//! | [`NULL_AS_EMPTY`] | lists, maps | `null` as empty |
//! | [`ARRAY_AS_MAP`] | maps, records | `[]` as an empty map (PHP encodes an empty map so) |
//!
//! [`TOLERANT`] is all of them, and what every response is decoded with. `null` (and, under
//! [`TOLERANT`], `""` or absence) makes an optional field `None`; a required field that arrives as
//! `""` or `null` is an error naming its path. The rule bits remain to narrow a rule where a value
//! must be strict (the envelope's own fields do).

use std::collections::BTreeMap;
use std::fmt;
use std::marker::PhantomData;

use serde::de::value::{BorrowedStrDeserializer, MapAccessDeserializer, SeqAccessDeserializer};
use serde::de::{
    self, DeserializeOwned, DeserializeSeed, Deserializer, EnumAccess, Expected, IgnoredAny,
    IntoDeserializer, MapAccess, SeqAccess, Unexpected, Visitor,
};

use crate::value::time::{Date, DateTime};

/// A number, or a string holding an integer (`"20101381522962"`).
pub const INT_OR_STRING: u8 = 1;
/// A string, or a number kept in its decimal form (`123` → `"123"`).
pub const STRING_OR_NUMBER: u8 = 1 << 1;
/// `""` means absent for an optional field; for a required one it is an error.
pub const EMPTY_AS_NONE: u8 = 1 << 2;
/// Date text, or unix seconds as a number or a numeric string. `Date` and `DateTime` always
/// accept both; the bit is kept for compatibility.
pub const DATETIME_OR_UNIX: u8 = 1 << 3;
/// A boolean, or `0`/`1` as a number or string.
pub const BOOL_OR_INT: u8 = 1 << 4;
/// `null` is an empty list or map.
pub const NULL_AS_EMPTY: u8 = 1 << 5;
/// `[]` is an empty map (or a record with no fields set).
pub const ARRAY_AS_MAP: u8 = 1 << 6;
/// Every rule: what responses are decoded with.
pub const TOLERANT: u8 = INT_OR_STRING
    | STRING_OR_NUMBER
    | EMPTY_AS_NONE
    | DATETIME_OR_UNIX
    | BOOL_OR_INT
    | NULL_AS_EMPTY
    | ARRAY_AS_MAP;

/// A type that decodes under the tolerant rules.
///
/// The default method decodes the type's own `Deserialize` impl through the tolerant adapter,
/// so records, lists, maps and scalars all follow the rules by the type each value is read as.
pub trait Tolerant: DeserializeOwned {
    /// Decodes `Self` from `deserializer`, tolerating what `rules` allows.
    fn decode<'de, D: Deserializer<'de>>(deserializer: D, rules: u8) -> Result<Self, D::Error> {
        Self::deserialize(Adapter::new(deserializer, rules))
    }
}

/// A generated type that is a code on the wire (`i64` or `String`): an enum, whose unknown codes
/// are kept, or an id (`RoomId`, ...).
pub trait Coded: Clone + From<Self::Code> + Into<Self::Code> + DeserializeOwned + Unset {
    /// The type of the code on the wire.
    type Code: Tolerant;

    /// Whether the value is one the spec names (not an enum's `Unknown`).
    fn is_known(&self) -> bool;
}

/// A value that may be the one the spec says means "none" (a session id of `0`): it is never
/// sent, and an optional field holding it, in a response, a callback or a received request, reads
/// as `None`. The one place this is decided: implemented by every [`Coded`] type (an id whose
/// spec names a "none" says which) and by every other type read from text, which has none.
pub trait Unset {
    /// Whether the value means "none".
    fn is_unset(&self) -> bool {
        false
    }
}

impl<T: Coded> Tolerant for T {}

/// Decodes an optional field of a [`Coded`] type, reading the value that means "none" (a session
/// id of `0`) as `None`, so that "no session" has one form. Used by the generated records.
#[doc(hidden)]
pub fn optional_code<'de, D: Deserializer<'de>, T: Coded>(
    deserializer: D,
) -> Result<Option<T>, D::Error> {
    let value: Option<T> = serde::Deserialize::deserialize(deserializer)?;
    Ok(value.filter(|v| !v.is_unset()))
}

/// Decodes a required value under the rules `R` (for `deserialize_with` in hand-written types).
pub fn tolerant<'de, const R: u8, T: Tolerant, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<T, D::Error> {
    T::decode(deserializer, R)
}

/// Decodes an optional value under the rules `R`: `null` is `None`, and so is `""` with
/// [`EMPTY_AS_NONE`] (for `deserialize_with`, together with `#[serde(default)]`).
pub fn optional<'de, const R: u8, T: Tolerant, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<T>, D::Error> {
    <Option<T> as serde::Deserialize>::deserialize(Adapter::new(deserializer, R))
}

/// Decodes a required field of text meant for people (a name, a description; the spec's `text`):
/// a string, `""` included, or a number in its decimal form. Unlike a required `string` (an id,
/// a key, a URL), `""` is the empty text, not a missing value. Used by the generated records.
#[doc(hidden)]
pub fn text<'de, D: Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    deserializer.deserialize_any(TextV)
}

/// Decodes an optional field of text meant for people: `null` or absence (with
/// `#[serde(default)]`) is `None`, and `""` is `Some("")`, the empty text. Used by the generated
/// records.
#[doc(hidden)]
pub fn optional_text<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<String>, D::Error> {
    deserializer.deserialize_any(OptionalTextV)
}

/// Text for people: a string as it is (`""` too), or a number in its decimal form.
struct TextV;

impl Visitor<'_> for TextV {
    type Value = String;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string or a number")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<String, E> {
        Ok(v.to_owned())
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<String, E> {
        Ok(v)
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<String, E> {
        Ok(v.to_string())
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<String, E> {
        Ok(v.to_string())
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<String, E> {
        Ok(v.to_string())
    }
}

/// Optional text for people: `null` is `None`, anything [`TextV`] reads is `Some`.
struct OptionalTextV;

impl<'de> Visitor<'de> for OptionalTextV {
    type Value = Option<String>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string, a number or null")
    }

    fn visit_none<E: de::Error>(self) -> Result<Option<String>, E> {
        Ok(None)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Option<String>, E> {
        Ok(None)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Option<String>, D::Error> {
        d.deserialize_any(self)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Option<String>, E> {
        TextV.visit_str(v).map(Some)
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Option<String>, E> {
        TextV.visit_string(v).map(Some)
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Option<String>, E> {
        TextV.visit_i64(v).map(Some)
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Option<String>, E> {
        TextV.visit_u64(v).map(Some)
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Option<String>, E> {
        TextV.visit_f64(v).map(Some)
    }
}

impl Tolerant for i64 {}
impl Tolerant for String {}
impl Tolerant for bool {}
impl Tolerant for DateTime {}
impl Tolerant for Date {}
impl Tolerant for crate::PlaybackRef {}
impl Tolerant for serde_json::Value {}
impl<T: Tolerant> Tolerant for Vec<T> {}
impl<K: Ord + DeserializeOwned, V: Tolerant> Tolerant for BTreeMap<K, V> {}

/// `ack` responses: `data` is `null`, `true`, `{}` or anything else, and nothing is kept.
impl Tolerant for () {
    fn decode<'de, D: Deserializer<'de>>(deserializer: D, _rules: u8) -> Result<Self, D::Error> {
        <IgnoredAny as serde::Deserialize>::deserialize(deserializer).map(drop)
    }
}

mod tolerant;
mod visitors;

#[cfg(test)]
mod tests;

use tolerant::Adapter;
