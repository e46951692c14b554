//! Tolerant decoding: what real servers send, decoded by the type it is read as.
//!
//! The vendor's examples disagree with its own tables, and PHP backends have habits the examples
//! only sometimes show: ids arrive as numbers or numeric strings, dates as unix seconds or text,
//! empty maps as `[]`, absent values as `""` or `null`. Every field can carry them, so tolerance is
//! the default for every response field, by its type, with no per-field declaration. It is
//! implemented once, here, as a [`Deserializer`] adapter that every generated record, list, map
//! and scalar decodes through ([`Lenient::decode`]); nothing else in the crate bends the JSON.
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

use crate::time::{Date, DateTime};

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
pub trait Lenient: DeserializeOwned {
    /// Decodes `Self` from `deserializer`, tolerating what `rules` allows.
    fn decode<'de, D: Deserializer<'de>>(deserializer: D, rules: u8) -> Result<Self, D::Error> {
        Self::deserialize(Tolerant::new(deserializer, rules))
    }
}

/// A generated type that is a code on the wire (`i64` or `String`): an enum, whose unknown codes
/// are kept, or an id (`RoomId`, ...).
pub trait Coded: Clone + From<Self::Code> + Into<Self::Code> + DeserializeOwned {
    /// The type of the code on the wire.
    type Code: Lenient;

    /// Whether the value is one the spec names (not an enum's `Unknown`).
    fn is_known(&self) -> bool;

    /// Whether the value is the one the spec says means "none" (a session id of `0`): it is never
    /// sent, and an optional field holding it reads as `None`.
    fn is_unset(&self) -> bool {
        false
    }
}

impl<T: Coded> Lenient for T {}

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
pub fn lenient<'de, const R: u8, T: Lenient, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<T, D::Error> {
    T::decode(deserializer, R)
}

/// Decodes an optional value under the rules `R`: `null` is `None`, and so is `""` with
/// [`EMPTY_AS_NONE`] (for `deserialize_with`, together with `#[serde(default)]`).
pub fn optional<'de, const R: u8, T: Lenient, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<T>, D::Error> {
    <Option<T> as serde::Deserialize>::deserialize(Tolerant::new(deserializer, R))
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

/// Reads `Date` and `DateTime`: their text form, or unix seconds (Beijing time) as a number or a
/// numeric string.
pub(crate) fn temporal<'de, T: Temporal, D: Deserializer<'de>>(d: D) -> Result<T, D::Error> {
    d.deserialize_any(TemporalVisitor::<T>(PhantomData))
}

impl Lenient for i64 {}
impl Lenient for String {}
impl Lenient for bool {}
impl Lenient for DateTime {}
impl Lenient for Date {}
impl Lenient for crate::PlaybackRef {}
impl Lenient for serde_json::Value {}
impl<T: Lenient> Lenient for Vec<T> {}
impl<K: Ord + DeserializeOwned, V: Lenient> Lenient for BTreeMap<K, V> {}

/// `ack` responses: `data` is `null`, `true`, `{}` or anything else, and nothing is kept.
impl Lenient for () {
    fn decode<'de, D: Deserializer<'de>>(deserializer: D, _rules: u8) -> Result<Self, D::Error> {
        <IgnoredAny as serde::Deserialize>::deserialize(deserializer).map(drop)
    }
}

/// Date-like types: text in their own format, or unix seconds (Beijing time).
pub(crate) trait Temporal: Sized {
    const EXPECTING: &'static str;
    fn parse_text(s: &str) -> Option<Self>;
    fn from_unix(secs: i64) -> Option<Self>;
}

impl Temporal for DateTime {
    const EXPECTING: &'static str = "a date and time `YYYY-MM-DD HH:MM:SS` or unix seconds";

    fn parse_text(s: &str) -> Option<Self> {
        s.parse().ok()
    }

    fn from_unix(secs: i64) -> Option<Self> {
        DateTime::from_unix(secs).ok()
    }
}

impl Temporal for Date {
    const EXPECTING: &'static str = "a date `YYYY-MM-DD` or unix seconds";

    fn parse_text(s: &str) -> Option<Self> {
        s.parse().ok()
    }

    fn from_unix(secs: i64) -> Option<Self> {
        DateTime::from_unix(secs).ok().map(|d| d.date())
    }
}

struct TemporalVisitor<T>(PhantomData<T>);

impl<T: Temporal> Visitor<'_> for TemporalVisitor<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(T::EXPECTING)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<T, E> {
        if let Some(t) = T::parse_text(v) {
            return Ok(t);
        }
        if let Ok(secs) = v.trim().parse::<i64>() {
            return self.visit_i64(secs);
        }
        Err(E::invalid_value(Unexpected::Str(v), &self))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<T, E> {
        T::from_unix(v).ok_or_else(|| E::invalid_value(Unexpected::Signed(v), &self))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<T, E> {
        match i64::try_from(v) {
            Ok(v) => self.visit_i64(v),
            Err(_) => Err(E::invalid_value(Unexpected::Unsigned(v), &self)),
        }
    }
}

/// The adapter: a deserializer that reads every value under it by `rules`, according to the type
/// it is asked for. `field` is set for the value of a record's field (where a required `""` is an
/// error rather than an empty string).
struct Tolerant<D> {
    de: D,
    rules: u8,
    field: bool,
}

impl<D> Tolerant<D> {
    fn new(de: D, rules: u8) -> Self {
        Self {
            de,
            rules,
            field: false,
        }
    }
}

fn has(rules: u8, rule: u8) -> bool {
    rules & rule != 0
}

/// Forwards one `deserialize_*` method to `deserialize_any` with the given visitor wrapper.
macro_rules! through {
    ($($method:ident)*, $wrap:ident) => {
        $(
            fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
                self.de.deserialize_any($wrap { visitor, rules: self.rules })
            }
        )*
    };
}

impl<'de, D: Deserializer<'de>> Deserializer<'de> for Tolerant<D> {
    type Error = D::Error;

    through!(deserialize_any, Wrap);
    through!(
        deserialize_i8 deserialize_i16 deserialize_i32 deserialize_i64 deserialize_i128
        deserialize_u8 deserialize_u16 deserialize_u32 deserialize_u64 deserialize_u128,
        IntV
    );
    through!(deserialize_f32 deserialize_f64, FloatV);
    through!(deserialize_bool, BoolV);
    through!(deserialize_option, OptV);
    through!(deserialize_seq, SeqV);
    through!(deserialize_map, MapV);

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        self.de.deserialize_any(StrV {
            visitor,
            rules: self.rules,
            field: self.field,
        })
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        self.deserialize_str(visitor)
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        self.de.deserialize_any(StructV {
            visitor,
            rules: self.rules,
        })
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_tuple<V: Visitor<'de>>(
        self,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        self.deserialize_any(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        self.deserialize_any(visitor)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        self.de.deserialize_enum(name, variants, visitor)
    }

    fn deserialize_char<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        self.de.deserialize_char(visitor)
    }

    fn deserialize_bytes<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        self.de.deserialize_bytes(visitor)
    }

    fn deserialize_byte_buf<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        self.de.deserialize_byte_buf(visitor)
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        self.de.deserialize_unit(visitor)
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        self.de.deserialize_unit_struct(name, visitor)
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        self.de.deserialize_identifier(visitor)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        self.de.deserialize_ignored_any(visitor)
    }

    fn is_human_readable(&self) -> bool {
        self.de.is_human_readable()
    }
}

/// Passes the rules down to one item or value.
struct Seed<S> {
    seed: S,
    rules: u8,
    field: bool,
}

impl<'de, S: DeserializeSeed<'de>> DeserializeSeed<'de> for Seed<S> {
    type Value = S::Value;

    fn deserialize<D: Deserializer<'de>>(self, de: D) -> Result<S::Value, D::Error> {
        self.seed.deserialize(Tolerant {
            de,
            rules: self.rules,
            field: self.field,
        })
    }
}

struct Seq<A> {
    seq: A,
    rules: u8,
}

impl<'de, A: SeqAccess<'de>> SeqAccess<'de> for Seq<A> {
    type Error = A::Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, A::Error> {
        self.seq.next_element_seed(Seed {
            seed,
            rules: self.rules,
            field: false,
        })
    }

    fn size_hint(&self) -> Option<usize> {
        self.seq.size_hint()
    }
}

/// Keys pass as they are (serde_json already reads integer keys from their text); values
/// follow the rules.
struct Map<A> {
    map: A,
    rules: u8,
    field: bool,
}

impl<'de, A: MapAccess<'de>> MapAccess<'de> for Map<A> {
    type Error = A::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, A::Error> {
        self.map.next_key_seed(seed)
    }

    fn next_value_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<T::Value, A::Error> {
        self.map.next_value_seed(Seed {
            seed,
            rules: self.rules,
            field: self.field,
        })
    }

    fn size_hint(&self) -> Option<usize> {
        self.map.size_hint()
    }
}

/// An empty list or map (for `null` and `[]`).
struct Empty<E>(PhantomData<E>);

impl<E> Empty<E> {
    fn new() -> Self {
        Self(PhantomData)
    }
}

impl<'de, E: de::Error> SeqAccess<'de> for Empty<E> {
    type Error = E;

    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, _: T) -> Result<Option<T::Value>, E> {
        Ok(None)
    }

    fn size_hint(&self) -> Option<usize> {
        Some(0)
    }
}

impl<'de, E: de::Error> MapAccess<'de> for Empty<E> {
    type Error = E;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, _: K) -> Result<Option<K::Value>, E> {
        Ok(None)
    }

    fn next_value_seed<T: DeserializeSeed<'de>>(&mut self, _: T) -> Result<T::Value, E> {
        Err(E::custom("no value in an empty map"))
    }

    fn size_hint(&self) -> Option<usize> {
        Some(0)
    }
}

/// The visitor wrappers share their shape: the wrapped visitor and the rules.
macro_rules! wrapper {
    ($($name:ident)*) => {
        $(
            struct $name<V> {
                visitor: V,
                rules: u8,
            }
        )*
    };
}

wrapper!(Wrap IntV FloatV BoolV OptV SeqV MapV StructV);

/// `expecting` delegated to the wrapped visitor.
macro_rules! expecting_inner {
    () => {
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            self.visitor.expecting(f)
        }
    };
}

/// Passes every value through unchanged, with the rules carried into lists, maps and options.
impl<'de, V: Visitor<'de>> Visitor<'de> for Wrap<V> {
    type Value = V::Value;

    expecting_inner!();

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<V::Value, E> {
        self.visitor.visit_bool(v)
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<V::Value, E> {
        self.visitor.visit_i64(v)
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<V::Value, E> {
        self.visitor.visit_u64(v)
    }

    fn visit_i128<E: de::Error>(self, v: i128) -> Result<V::Value, E> {
        self.visitor.visit_i128(v)
    }

    fn visit_u128<E: de::Error>(self, v: u128) -> Result<V::Value, E> {
        self.visitor.visit_u128(v)
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<V::Value, E> {
        self.visitor.visit_f64(v)
    }

    fn visit_char<E: de::Error>(self, v: char) -> Result<V::Value, E> {
        self.visitor.visit_char(v)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<V::Value, E> {
        self.visitor.visit_str(v)
    }

    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<V::Value, E> {
        self.visitor.visit_borrowed_str(v)
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<V::Value, E> {
        self.visitor.visit_string(v)
    }

    fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<V::Value, E> {
        self.visitor.visit_bytes(v)
    }

    fn visit_borrowed_bytes<E: de::Error>(self, v: &'de [u8]) -> Result<V::Value, E> {
        self.visitor.visit_borrowed_bytes(v)
    }

    fn visit_byte_buf<E: de::Error>(self, v: Vec<u8>) -> Result<V::Value, E> {
        self.visitor.visit_byte_buf(v)
    }

    fn visit_none<E: de::Error>(self) -> Result<V::Value, E> {
        self.visitor.visit_none()
    }

    fn visit_unit<E: de::Error>(self) -> Result<V::Value, E> {
        self.visitor.visit_unit()
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<V::Value, D::Error> {
        self.visitor.visit_some(Tolerant::new(d, self.rules))
    }

    fn visit_newtype_struct<D: Deserializer<'de>>(self, d: D) -> Result<V::Value, D::Error> {
        self.visitor
            .visit_newtype_struct(Tolerant::new(d, self.rules))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<V::Value, A::Error> {
        self.visitor.visit_seq(Seq {
            seq,
            rules: self.rules,
        })
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<V::Value, A::Error> {
        self.visitor.visit_map(Map {
            map,
            rules: self.rules,
            field: false,
        })
    }

    fn visit_enum<A: EnumAccess<'de>>(self, data: A) -> Result<V::Value, A::Error> {
        self.visitor.visit_enum(data)
    }
}

/// Integers: a number, an integral float (PHP sometimes sends `1.0`), or with
/// [`INT_OR_STRING`] a string holding one.
impl<'de, V: Visitor<'de>> Visitor<'de> for IntV<V> {
    type Value = V::Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if has(self.rules, INT_OR_STRING) {
            f.write_str("an integer or a string holding one")
        } else {
            f.write_str("an integer")
        }
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<V::Value, E> {
        self.visitor.visit_i64(v)
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<V::Value, E> {
        self.visitor.visit_u64(v)
    }

    fn visit_i128<E: de::Error>(self, v: i128) -> Result<V::Value, E> {
        self.visitor.visit_i128(v)
    }

    fn visit_u128<E: de::Error>(self, v: u128) -> Result<V::Value, E> {
        self.visitor.visit_u128(v)
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<V::Value, E> {
        if v.fract() == 0.0 && v.abs() < 9.0e15 {
            #[allow(
                clippy::cast_possible_truncation,
                reason = "checked integral and in range"
            )]
            return self.visitor.visit_i64(v as i64);
        }
        Err(E::invalid_value(Unexpected::Float(v), &self))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<V::Value, E> {
        if !has(self.rules, INT_OR_STRING) {
            return Err(E::invalid_type(Unexpected::Str(v), &self));
        }
        let t = v.trim();
        if let Ok(n) = t.parse::<i64>() {
            return self.visitor.visit_i64(n);
        }
        if let Ok(n) = t.parse::<u64>() {
            return self.visitor.visit_u64(n);
        }
        Err(E::invalid_value(Unexpected::Str(v), &self))
    }
}

/// Floats: a number, or with [`INT_OR_STRING`] a string holding one.
impl<'de, V: Visitor<'de>> Visitor<'de> for FloatV<V> {
    type Value = V::Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a number")
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<V::Value, E> {
        self.visitor.visit_i64(v)
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<V::Value, E> {
        self.visitor.visit_u64(v)
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<V::Value, E> {
        self.visitor.visit_f64(v)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<V::Value, E> {
        match v.trim().parse::<f64>() {
            Ok(n) if has(self.rules, INT_OR_STRING) && n.is_finite() => self.visitor.visit_f64(n),
            _ => Err(E::invalid_type(Unexpected::Str(v), &self)),
        }
    }
}

/// Flags: `true`/`false`, and with [`BOOL_OR_INT`] `0`/`1` as numbers or strings.
impl<'de, V: Visitor<'de>> Visitor<'de> for BoolV<V> {
    type Value = V::Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if has(self.rules, BOOL_OR_INT) {
            f.write_str("a boolean, 0 or 1")
        } else {
            f.write_str("a boolean")
        }
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<V::Value, E> {
        self.visitor.visit_bool(v)
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<V::Value, E> {
        match v {
            0 | 1 if has(self.rules, BOOL_OR_INT) => self.visitor.visit_bool(v == 1),
            _ => Err(E::invalid_value(Unexpected::Signed(v), &self)),
        }
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<V::Value, E> {
        match v {
            0 | 1 if has(self.rules, BOOL_OR_INT) => self.visitor.visit_bool(v == 1),
            _ => Err(E::invalid_value(Unexpected::Unsigned(v), &self)),
        }
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<V::Value, E> {
        match v {
            "0" | "false" if has(self.rules, BOOL_OR_INT) => self.visitor.visit_bool(false),
            "1" | "true" if has(self.rules, BOOL_OR_INT) => self.visitor.visit_bool(true),
            _ => Err(E::invalid_value(Unexpected::Str(v), &self)),
        }
    }
}

/// Strings: a string, or with [`STRING_OR_NUMBER`] a number in its decimal form. As a record's
/// required field under [`EMPTY_AS_NONE`], `""` is an error (optional fields never get here
/// with `""`: [`OptV`] reads it as `None`).
struct StrV<V> {
    visitor: V,
    rules: u8,
    field: bool,
}

impl<'de, V: Visitor<'de>> StrV<V> {
    fn empty_required(&self, v: &str) -> bool {
        v.is_empty() && self.field && has(self.rules, EMPTY_AS_NONE)
    }

    fn number<E: de::Error>(&self, found: Unexpected<'_>) -> Result<(), E> {
        if has(self.rules, STRING_OR_NUMBER) {
            Ok(())
        } else {
            Err(E::invalid_type(found, self))
        }
    }
}

/// What a required field sent as `""` is told it should have been.
const REQUIRED: &str = "a value (the field is required; \"\" is no value)";

impl<'de, V: Visitor<'de>> Visitor<'de> for StrV<V> {
    type Value = V::Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if has(self.rules, STRING_OR_NUMBER) {
            f.write_str("a string or a number")
        } else {
            f.write_str("a string")
        }
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<V::Value, E> {
        if self.empty_required(v) {
            return Err(E::invalid_value(Unexpected::Str(v), &REQUIRED));
        }
        self.visitor.visit_str(v)
    }

    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<V::Value, E> {
        if self.empty_required(v) {
            return Err(E::invalid_value(Unexpected::Str(v), &REQUIRED));
        }
        self.visitor.visit_borrowed_str(v)
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<V::Value, E> {
        if self.empty_required(&v) {
            return Err(E::invalid_value(Unexpected::Str(&v), &REQUIRED));
        }
        self.visitor.visit_string(v)
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<V::Value, E> {
        self.number(Unexpected::Signed(v))?;
        self.visitor.visit_string(v.to_string())
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<V::Value, E> {
        self.number(Unexpected::Unsigned(v))?;
        self.visitor.visit_string(v.to_string())
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<V::Value, E> {
        self.number(Unexpected::Float(v))?;
        self.visitor.visit_string(v.to_string())
    }
}

/// Options: `null` is `None`, and so is `""` with [`EMPTY_AS_NONE`]; anything else is the value,
/// read on under the same rules.
impl<'de, V: Visitor<'de>> Visitor<'de> for OptV<V> {
    type Value = V::Value;

    expecting_inner!();

    fn visit_none<E: de::Error>(self) -> Result<V::Value, E> {
        self.visitor.visit_none()
    }

    fn visit_unit<E: de::Error>(self) -> Result<V::Value, E> {
        self.visitor.visit_none()
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<V::Value, D::Error> {
        self.visitor.visit_some(Tolerant::new(d, self.rules))
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<V::Value, E> {
        self.visitor
            .visit_some(Tolerant::new(v.into_deserializer(), self.rules))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<V::Value, E> {
        self.visitor
            .visit_some(Tolerant::new(v.into_deserializer(), self.rules))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<V::Value, E> {
        self.visitor
            .visit_some(Tolerant::new(v.into_deserializer(), self.rules))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<V::Value, E> {
        self.visitor
            .visit_some(Tolerant::new(v.into_deserializer(), self.rules))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<V::Value, E> {
        self.visit_string(v.to_owned())
    }

    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<V::Value, E> {
        if v.is_empty() && has(self.rules, EMPTY_AS_NONE) {
            return self.visitor.visit_none();
        }
        self.visitor
            .visit_some(Tolerant::new(BorrowedStrDeserializer::new(v), self.rules))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<V::Value, E> {
        if v.is_empty() && has(self.rules, EMPTY_AS_NONE) {
            return self.visitor.visit_none();
        }
        self.visitor
            .visit_some(Tolerant::new(v.into_deserializer(), self.rules))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<V::Value, A::Error> {
        self.visitor
            .visit_some(Tolerant::new(SeqAccessDeserializer::new(seq), self.rules))
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<V::Value, A::Error> {
        self.visitor
            .visit_some(Tolerant::new(MapAccessDeserializer::new(map), self.rules))
    }
}

/// Lists: an array, or with [`NULL_AS_EMPTY`] `null` as empty.
impl<'de, V: Visitor<'de>> Visitor<'de> for SeqV<V> {
    type Value = V::Value;

    expecting_inner!();

    fn visit_unit<E: de::Error>(self) -> Result<V::Value, E> {
        if !has(self.rules, NULL_AS_EMPTY) {
            return Err(E::invalid_type(Unexpected::Unit, &self));
        }
        self.visitor.visit_seq(Empty::new())
    }

    fn visit_none<E: de::Error>(self) -> Result<V::Value, E> {
        self.visit_unit()
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<V::Value, A::Error> {
        self.visitor.visit_seq(Seq {
            seq,
            rules: self.rules,
        })
    }
}

/// An array that must be empty to stand for an empty map.
fn empty_array<'de, A: SeqAccess<'de>>(
    mut seq: A,
    expected: &dyn Expected,
) -> Result<(), A::Error> {
    if seq.next_element::<IgnoredAny>()?.is_some() {
        return Err(de::Error::invalid_value(Unexpected::Seq, expected));
    }
    Ok(())
}

/// Maps: an object; with [`ARRAY_AS_MAP`] `[]` as empty, with [`NULL_AS_EMPTY`] `null` as empty.
impl<'de, V: Visitor<'de>> Visitor<'de> for MapV<V> {
    type Value = V::Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.visitor.expecting(f)?;
        if has(self.rules, ARRAY_AS_MAP) {
            f.write_str(", or an empty array")?;
        }
        if has(self.rules, NULL_AS_EMPTY) {
            f.write_str(", or null")?;
        }
        Ok(())
    }

    fn visit_unit<E: de::Error>(self) -> Result<V::Value, E> {
        if !has(self.rules, NULL_AS_EMPTY) {
            return Err(E::invalid_type(Unexpected::Unit, &self));
        }
        self.visitor.visit_map(Empty::new())
    }

    fn visit_none<E: de::Error>(self) -> Result<V::Value, E> {
        self.visit_unit()
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<V::Value, A::Error> {
        if !has(self.rules, ARRAY_AS_MAP) {
            return Err(de::Error::invalid_type(Unexpected::Seq, &self));
        }
        empty_array(seq, &self)?;
        self.visitor.visit_map(Empty::new())
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<V::Value, A::Error> {
        self.visitor.visit_map(Map {
            map,
            rules: self.rules,
            field: false,
        })
    }
}

/// Records: an object whose values are fields; with [`ARRAY_AS_MAP`] `[]` as an object with no
/// fields (so a record with a required field still fails, naming it).
impl<'de, V: Visitor<'de>> Visitor<'de> for StructV<V> {
    type Value = V::Value;

    expecting_inner!();

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<V::Value, A::Error> {
        if !has(self.rules, ARRAY_AS_MAP) {
            return Err(de::Error::invalid_type(Unexpected::Seq, &self));
        }
        empty_array(seq, &self)?;
        self.visitor.visit_map(Empty::new())
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<V::Value, A::Error> {
        self.visitor.visit_map(Map {
            map,
            rules: self.rules,
            field: true,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn de<T: Lenient>(json: &str, rules: u8) -> Result<T, serde_json::Error> {
        T::decode(&mut serde_json::Deserializer::from_str(json), rules)
    }

    fn opt<T: Lenient>(json: &str, rules: u8) -> Result<Option<T>, serde_json::Error> {
        <Option<T> as serde::Deserialize>::deserialize(Tolerant::new(
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

    impl Lenient for Rec {}

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

    impl Lenient for Named {}

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
}
