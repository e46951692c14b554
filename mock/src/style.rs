//! How the fake server writes `data`: as the doc's tables type it, or the way PHP backends
//! commonly answer.

use serde::Serialize;
use serde::ser::{self, Impossible, Serializer};
use serde_json::{Map, Value};

use baijiayun::DateTime;

/// How the fake server writes the envelope's `data`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum ResponseStyle {
    /// As the doc's tables type it: numbers as numbers, flags as booleans, absent values left
    /// out, dates as text.
    #[default]
    Typed,
    /// The way PHP backends commonly answer, on every endpoint: every number as a numeric
    /// string, every absent optional field as `""`, empty maps as `[]`, flags as `"0"`/`"1"`,
    /// and dates and times as unix seconds (as a numeric string).
    Php,
}

impl ResponseStyle {
    /// Encodes `data` in this style. The PHP style is driven by the value's own `Serialize`:
    /// an optional field left out (`skip_serializing_if`) is written as `""`, so every field the
    /// type has is present.
    pub(crate) fn encode<T: Serialize>(self, data: &T) -> serde_json::Result<Value> {
        match self {
            ResponseStyle::Typed => serde_json::to_value(data),
            ResponseStyle::Php => data.serialize(Php),
        }
    }
}

/// The PHP-style serializer, producing a JSON value.
struct Php;

type Error = serde_json::Error;

fn text(v: impl ToString) -> Value {
    Value::String(v.to_string())
}

impl Serializer for Php {
    type Ok = Value;
    type Error = Error;
    type SerializeSeq = Seq;
    type SerializeTuple = Seq;
    type SerializeTupleStruct = Seq;
    type SerializeTupleVariant = Impossible<Value, Error>;
    type SerializeMap = Object;
    type SerializeStruct = Object;
    type SerializeStructVariant = Impossible<Value, Error>;

    fn serialize_bool(self, v: bool) -> Result<Value, Error> {
        Ok(text(u8::from(v)))
    }

    fn serialize_i8(self, v: i8) -> Result<Value, Error> {
        Ok(text(v))
    }

    fn serialize_i16(self, v: i16) -> Result<Value, Error> {
        Ok(text(v))
    }

    fn serialize_i32(self, v: i32) -> Result<Value, Error> {
        Ok(text(v))
    }

    fn serialize_i64(self, v: i64) -> Result<Value, Error> {
        Ok(text(v))
    }

    fn serialize_u8(self, v: u8) -> Result<Value, Error> {
        Ok(text(v))
    }

    fn serialize_u16(self, v: u16) -> Result<Value, Error> {
        Ok(text(v))
    }

    fn serialize_u32(self, v: u32) -> Result<Value, Error> {
        Ok(text(v))
    }

    fn serialize_u64(self, v: u64) -> Result<Value, Error> {
        Ok(text(v))
    }

    fn serialize_f32(self, v: f32) -> Result<Value, Error> {
        Ok(text(v))
    }

    fn serialize_f64(self, v: f64) -> Result<Value, Error> {
        Ok(text(v))
    }

    fn serialize_char(self, v: char) -> Result<Value, Error> {
        Ok(text(v))
    }

    /// A date and time in its text form (`YYYY-MM-DD HH:MM:SS`, exactly) becomes unix seconds.
    fn serialize_str(self, v: &str) -> Result<Value, Error> {
        match v.parse::<DateTime>() {
            Ok(t) if t.to_string() == v => Ok(text(t.to_unix())),
            _ => Ok(text(v)),
        }
    }

    fn serialize_bytes(self, v: &[u8]) -> Result<Value, Error> {
        serde_json::to_value(v)
    }

    fn serialize_none(self) -> Result<Value, Error> {
        Ok(text(""))
    }

    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<Value, Error> {
        value.serialize(self)
    }

    fn serialize_unit(self) -> Result<Value, Error> {
        Ok(Value::Null)
    }

    fn serialize_unit_struct(self, _name: &'static str) -> Result<Value, Error> {
        Ok(Value::Null)
    }

    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result<Value, Error> {
        Ok(text(variant))
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Result<Value, Error> {
        value.serialize(self)
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<Value, Error> {
        let mut m = Map::new();
        m.insert(variant.to_owned(), value.serialize(self)?);
        Ok(Value::Object(m))
    }

    fn serialize_seq(self, len: Option<usize>) -> Result<Seq, Error> {
        Ok(Seq(Vec::with_capacity(len.unwrap_or(0))))
    }

    fn serialize_tuple(self, len: usize) -> Result<Seq, Error> {
        self.serialize_seq(Some(len))
    }

    fn serialize_tuple_struct(self, _name: &'static str, len: usize) -> Result<Seq, Error> {
        self.serialize_seq(Some(len))
    }

    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleVariant, Error> {
        Err(ser::Error::custom(
            "tuple variants are not used in responses",
        ))
    }

    fn serialize_map(self, _len: Option<usize>) -> Result<Object, Error> {
        Ok(Object::default())
    }

    fn serialize_struct(self, _name: &'static str, _len: usize) -> Result<Object, Error> {
        Ok(Object::default())
    }

    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeStructVariant, Error> {
        Err(ser::Error::custom(
            "struct variants are not used in responses",
        ))
    }
}

/// A list being written.
struct Seq(Vec<Value>);

impl ser::SerializeSeq for Seq {
    type Ok = Value;
    type Error = Error;

    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        self.0.push(value.serialize(Php)?);
        Ok(())
    }

    fn end(self) -> Result<Value, Error> {
        Ok(Value::Array(self.0))
    }
}

impl ser::SerializeTuple for Seq {
    type Ok = Value;
    type Error = Error;

    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        ser::SerializeSeq::serialize_element(self, value)
    }

    fn end(self) -> Result<Value, Error> {
        ser::SerializeSeq::end(self)
    }
}

impl ser::SerializeTupleStruct for Seq {
    type Ok = Value;
    type Error = Error;

    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        ser::SerializeSeq::serialize_element(self, value)
    }

    fn end(self) -> Result<Value, Error> {
        ser::SerializeSeq::end(self)
    }
}

/// A map or record being written. An empty one is written `[]`, as PHP's `json_encode` writes an
/// empty array.
#[derive(Default)]
struct Object {
    map: Map<String, Value>,
    key: Option<String>,
}

impl Object {
    fn finish(self) -> Value {
        if self.map.is_empty() {
            Value::Array(Vec::new())
        } else {
            Value::Object(self.map)
        }
    }
}

impl ser::SerializeMap for Object {
    type Ok = Value;
    type Error = Error;

    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), Error> {
        // Keys as the plain JSON writer writes them: strings as they are, numbers in decimal.
        self.key = Some(match serde_json::to_value(key)? {
            Value::String(s) => s,
            other => other.to_string(),
        });
        Ok(())
    }

    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        let key = self
            .key
            .take()
            .ok_or_else(|| ser::Error::custom("a map value without its key"))?;
        self.map.insert(key, value.serialize(Php)?);
        Ok(())
    }

    fn end(self) -> Result<Value, Error> {
        Ok(self.finish())
    }
}

impl ser::SerializeStruct for Object {
    type Ok = Value;
    type Error = Error;

    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        self.map.insert(key.to_owned(), value.serialize(Php)?);
        Ok(())
    }

    /// An optional field left out: PHP writes it as `""`.
    fn skip_field(&mut self, key: &'static str) -> Result<(), Error> {
        self.map.insert(key.to_owned(), text(""));
        Ok(())
    }

    fn end(self) -> Result<Value, Error> {
        Ok(self.finish())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use baijiayun::playback::GetListRequest;
    use baijiayun::types::PlaybackPage;

    #[test]
    fn php_style_writes_every_habit() {
        let page: PlaybackPage = serde_json::from_str(
            r#"{"total":1,"list":[{"room_id":17,"video_id":5,"status":100,
                "create_time":"2017-09-26 16:38:11","name":"a"}]}"#,
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let v = ResponseStyle::Php
            .encode(&page)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(v["total"], "1");
        let item = &v["list"][0];
        assert_eq!(item["room_id"], "17");
        assert_eq!(item["status"], "100");
        assert_eq!(item["create_time"], "1506415091");
        assert_eq!(item["name"], "a");
        // Every optional field the type has is present, as "" when absent.
        assert_eq!(item["play_times"], "");
        let typed = ResponseStyle::Typed
            .encode(&page)
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(typed["list"][0].get("play_times").is_none());
        assert_eq!(typed["list"][0]["room_id"], 17);
        // And it reads back to the same value.
        let body = serde_json::json!({"code": 0, "data": v, "msg": "", "ts": 1}).to_string();
        let back = baijiayun::decode::<GetListRequest>(body).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(back, page);
    }

    #[test]
    fn php_style_writes_flags_and_empty_maps() {
        let v = ResponseStyle::Php
            .encode(&serde_json::json!({"on": true, "off": false, "m": {}, "l": [], "f": 1.5}))
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            v,
            serde_json::json!({"on": "1", "off": "0", "m": [], "l": [], "f": "1.5"})
        );
    }
}
