//! The visitor wrappers: one per kind of value (integers, floats, flags, strings, options,
//! lists, maps, records), each accepting what its rules tolerate and passing the rest on.

use super::tolerant::*;
use super::*;

/// The visitor wrappers share their shape: the wrapped visitor and the rules.
macro_rules! wrapper {
    ($($name:ident)*) => {
        $(
            pub(super) struct $name<V> {
                pub(super) visitor: V,
                pub(super) rules: u8,
            }
        )*
    };
}

wrapper!(Wrap IntV FloatV BoolV OptV SeqV MapV StructV);

/// Methods that pass a value to the wrapped visitor unchanged: `forward!(visit_i64(i64) ...)`.
macro_rules! forward {
    ($($method:ident($($ty:ty)?))*) => {
        $(
            fn $method<E: de::Error>(self $(, v: $ty)?) -> Result<V::Value, E> {
                self.visitor.$method($(forward!(@arg v $ty))?)
            }
        )*
    };
    (@arg $v:ident $ty:ty) => {
        $v
    };
}

/// `null` (and `visit_none`) as an empty list or map, read with `$visit`, when the rules allow it
/// ([`NULL_AS_EMPTY`]).
macro_rules! empty_from_null {
    ($visit:ident) => {
        fn visit_unit<E: de::Error>(self) -> Result<V::Value, E> {
            null_as_empty(self.rules, &self)?;
            self.visitor.$visit(Empty::new())
        }

        fn visit_none<E: de::Error>(self) -> Result<V::Value, E> {
            self.visit_unit()
        }
    };
}

/// Objects, for maps (`field: false`) and records (`field: true`, whose values are fields):
/// with [`ARRAY_AS_MAP`] `[]` as an empty object.
macro_rules! object {
    (field: $field:literal) => {
        fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<V::Value, A::Error> {
            array_as_map(self.rules, seq, &self)?;
            self.visitor.visit_map(Empty::new())
        }

        fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<V::Value, A::Error> {
            self.visitor.visit_map(Map {
                map,
                rules: self.rules,
                field: $field,
            })
        }
    };
}

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

    forward!(visit_bool(bool) visit_i64(i64) visit_u64(u64) visit_i128(i128) visit_u128(u128) visit_f64(f64) visit_char(char) visit_str(&str) visit_borrowed_str(&'de str) visit_string(String) visit_bytes(&[u8]) visit_borrowed_bytes(&'de [u8]) visit_byte_buf(Vec<u8>));

    forward!(visit_none() visit_unit());

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<V::Value, D::Error> {
        self.visitor.visit_some(Adapter::new(d, self.rules))
    }

    fn visit_newtype_struct<D: Deserializer<'de>>(self, d: D) -> Result<V::Value, D::Error> {
        self.visitor
            .visit_newtype_struct(Adapter::new(d, self.rules))
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

    forward!(visit_i64(i64) visit_u64(u64) visit_i128(i128) visit_u128(u128));

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

    forward!(visit_i64(i64) visit_u64(u64) visit_f64(f64));

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
pub(super) struct StrV<V> {
    pub(super) visitor: V,
    pub(super) rules: u8,
    pub(super) field: bool,
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
pub(super) const REQUIRED: &str = "a value (the field is required; \"\" is no value)";

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
        self.visitor.visit_some(Adapter::new(d, self.rules))
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<V::Value, E> {
        self.visitor
            .visit_some(Adapter::new(v.into_deserializer(), self.rules))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<V::Value, E> {
        self.visitor
            .visit_some(Adapter::new(v.into_deserializer(), self.rules))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<V::Value, E> {
        self.visitor
            .visit_some(Adapter::new(v.into_deserializer(), self.rules))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<V::Value, E> {
        self.visitor
            .visit_some(Adapter::new(v.into_deserializer(), self.rules))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<V::Value, E> {
        self.visit_string(v.to_owned())
    }

    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<V::Value, E> {
        if v.is_empty() && has(self.rules, EMPTY_AS_NONE) {
            return self.visitor.visit_none();
        }
        self.visitor
            .visit_some(Adapter::new(BorrowedStrDeserializer::new(v), self.rules))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<V::Value, E> {
        if v.is_empty() && has(self.rules, EMPTY_AS_NONE) {
            return self.visitor.visit_none();
        }
        self.visitor
            .visit_some(Adapter::new(v.into_deserializer(), self.rules))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<V::Value, A::Error> {
        self.visitor
            .visit_some(Adapter::new(SeqAccessDeserializer::new(seq), self.rules))
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<V::Value, A::Error> {
        self.visitor
            .visit_some(Adapter::new(MapAccessDeserializer::new(map), self.rules))
    }
}

/// Lists: an array, or with [`NULL_AS_EMPTY`] `null` as empty.
impl<'de, V: Visitor<'de>> Visitor<'de> for SeqV<V> {
    type Value = V::Value;

    expecting_inner!();

    empty_from_null!(visit_seq);

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<V::Value, A::Error> {
        self.visitor.visit_seq(Seq {
            seq,
            rules: self.rules,
        })
    }
}

/// An array that must be empty to stand for an empty map.
pub(super) fn empty_array<'de, A: SeqAccess<'de>>(
    mut seq: A,
    expected: &dyn Expected,
) -> Result<(), A::Error> {
    if seq.next_element::<IgnoredAny>()?.is_some() {
        return Err(de::Error::invalid_value(Unexpected::Seq, expected));
    }
    Ok(())
}

/// Checks a `null` that stands for an empty list or map, which `rules` must allow
/// ([`NULL_AS_EMPTY`]).
fn null_as_empty<E: de::Error>(rules: u8, expected: &dyn Expected) -> Result<(), E> {
    if has(rules, NULL_AS_EMPTY) {
        Ok(())
    } else {
        Err(E::invalid_type(Unexpected::Unit, expected))
    }
}

/// Checks an array that stands for an empty map, which `rules` must allow ([`ARRAY_AS_MAP`]):
/// for maps and records.
fn array_as_map<'de, A: SeqAccess<'de>>(
    rules: u8,
    seq: A,
    expected: &dyn Expected,
) -> Result<(), A::Error> {
    if !has(rules, ARRAY_AS_MAP) {
        return Err(de::Error::invalid_type(Unexpected::Seq, expected));
    }
    empty_array(seq, expected)
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

    empty_from_null!(visit_map);

    object!(field: false);
}

/// Records: an object whose values are fields; with [`ARRAY_AS_MAP`] `[]` as an object with no
/// fields (so a record with a required field still fails, naming it).
impl<'de, V: Visitor<'de>> Visitor<'de> for StructV<V> {
    type Value = V::Value;

    expecting_inner!();

    object!(field: true);
}
