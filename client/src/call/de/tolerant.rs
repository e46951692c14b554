//! The adapter: a `Deserializer` that applies the rules to every value under it, by the type
//! the value is read as, and passes them down into lists, maps and options.

use super::visitors::*;
use super::*;

/// The adapter: a deserializer that reads every value under it by `rules`, according to the type
/// it is asked for. `field` is set for the value of a record's field (where a required `""` is an
/// error rather than an empty string).
pub(super) struct Adapter<D> {
    pub(super) de: D,
    pub(super) rules: u8,
    pub(super) field: bool,
}

impl<D> Adapter<D> {
    pub(super) fn new(de: D, rules: u8) -> Self {
        Self {
            de,
            rules,
            field: false,
        }
    }
}

pub(super) fn has(rules: u8, rule: u8) -> bool {
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

impl<'de, D: Deserializer<'de>> Deserializer<'de> for Adapter<D> {
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
pub(super) struct Seed<S> {
    pub(super) seed: S,
    pub(super) rules: u8,
    pub(super) field: bool,
}

impl<'de, S: DeserializeSeed<'de>> DeserializeSeed<'de> for Seed<S> {
    type Value = S::Value;

    fn deserialize<D: Deserializer<'de>>(self, de: D) -> Result<S::Value, D::Error> {
        self.seed.deserialize(Adapter {
            de,
            rules: self.rules,
            field: self.field,
        })
    }
}

pub(super) struct Seq<A> {
    pub(super) seq: A,
    pub(super) rules: u8,
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
pub(super) struct Map<A> {
    pub(super) map: A,
    pub(super) rules: u8,
    pub(super) field: bool,
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
pub(super) struct Empty<E>(PhantomData<E>);

impl<E> Empty<E> {
    pub(super) fn new() -> Self {
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
