//! What the fake server received, read and typed the way the spec says, and its refusals.

use std::collections::BTreeMap;
use std::fmt;

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::de::CodeEnum;
use crate::types::ErrorCode;
use crate::wire::{Endpoint, Params};
use crate::{Date, DateTime, PlaybackRef, Upload};

/// The parameters and files of one request, as received.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Received {
    /// Text parameters (query string, form body and multipart text parts), by name.
    pub params: BTreeMap<String, String>,
    /// File parts, by field name.
    pub files: BTreeMap<String, Upload>,
}

/// A parameter that is missing or not of its type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParamError {
    /// The parameter's name.
    pub name: String,
    /// What is wrong with it.
    pub problem: String,
}

impl fmt::Display for ParamError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.name, self.problem)
    }
}

/// A refusal in the vendor's terms: the envelope's `code` and `msg`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refusal {
    /// The vendor code.
    pub code: i64,
    /// The message.
    pub message: String,
}

impl Refusal {
    /// A refusal with `code` and `message`.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Refusal {
            code: code.into(),
            message: message.into(),
        }
    }

    /// 3001 房间号不存在.
    pub(crate) fn no_room(room_id: i64) -> Self {
        Refusal::new(ErrorCode::RoomNotFound, format!("房间号不存在: {room_id}"))
    }

    /// A generic refusal (code 1) with the vendor-style message.
    pub(crate) fn general(message: impl Into<String>) -> Self {
        Refusal::new(ErrorCode::General, message)
    }
}

impl From<ParamError> for Refusal {
    /// 1001 参数错误, naming the parameter.
    fn from(e: ParamError) -> Self {
        Refusal::new(ErrorCode::InvalidParameter, format!("参数错误: {e}"))
    }
}

/// A value a parameter's text can be read as, strictly: what the vendor would refuse is refused.
pub(crate) trait FromWire: Sized {
    fn from_wire(text: &str) -> Result<Self, String>;
}

impl FromWire for i64 {
    fn from_wire(text: &str) -> Result<Self, String> {
        let digits = text.strip_prefix('-').unwrap_or(text);
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(format!("{text:?} is not an integer"));
        }
        text.parse()
            .map_err(|_| format!("{text:?} is out of range"))
    }
}

impl FromWire for String {
    fn from_wire(text: &str) -> Result<Self, String> {
        Ok(text.to_owned())
    }
}

impl FromWire for bool {
    fn from_wire(text: &str) -> Result<Self, String> {
        match text {
            "0" => Ok(false),
            "1" => Ok(true),
            _ => Err(format!("{text:?} is not 0 or 1")),
        }
    }
}

impl FromWire for Date {
    fn from_wire(text: &str) -> Result<Self, String> {
        text.parse()
            .map_err(|e| format!("{e} (expected YYYY-MM-DD)"))
    }
}

impl FromWire for DateTime {
    fn from_wire(text: &str) -> Result<Self, String> {
        text.parse()
            .map_err(|e| format!("{e} (expected YYYY-MM-DD HH:MM:SS)"))
    }
}

impl FromWire for PlaybackRef {
    fn from_wire(text: &str) -> Result<Self, String> {
        text.parse().map_err(|e| format!("{e}"))
    }
}

impl<T: CodeEnum> FromWire for T
where
    T::Code: FromWire,
{
    fn from_wire(text: &str) -> Result<Self, String> {
        let value = T::from(T::Code::from_wire(text)?);
        if value.is_known() {
            Ok(value)
        } else {
            Err(format!("{text:?} is not one of the documented values"))
        }
    }
}

impl Received {
    fn problem(name: &str, problem: impl Into<String>) -> ParamError {
        ParamError {
            name: name.to_owned(),
            problem: problem.into(),
        }
    }

    fn text(&self, name: &str) -> Result<&str, ParamError> {
        self.params
            .get(name)
            .map(String::as_str)
            .ok_or_else(|| Self::problem(name, "missing"))
    }

    /// A required scalar parameter.
    pub(crate) fn required<T: FromWire>(&self, name: &str) -> Result<T, ParamError> {
        T::from_wire(self.text(name)?).map_err(|p| Self::problem(name, p))
    }

    /// An optional scalar parameter.
    pub(crate) fn optional<T: FromWire>(&self, name: &str) -> Result<Option<T>, ParamError> {
        match self.params.get(name) {
            None => Ok(None),
            Some(t) => T::from_wire(t)
                .map(Some)
                .map_err(|p| Self::problem(name, p)),
        }
    }

    /// A required list sent joined with `,`.
    pub(crate) fn required_csv<T: FromWire>(&self, name: &str) -> Result<Vec<T>, ParamError> {
        let text = self.text(name)?;
        if text.is_empty() {
            return Err(Self::problem(name, "empty list"));
        }
        text.split(',')
            .map(|item| T::from_wire(item.trim()).map_err(|p| Self::problem(name, p)))
            .collect()
    }

    /// An optional list sent joined with `,`.
    pub(crate) fn optional_csv<T: FromWire>(
        &self,
        name: &str,
    ) -> Result<Option<Vec<T>>, ParamError> {
        match self.params.contains_key(name) {
            false => Ok(None),
            true => self.required_csv(name).map(Some),
        }
    }

    /// A required list sent as a JSON array.
    pub(crate) fn required_json<T: DeserializeOwned>(
        &self,
        name: &str,
    ) -> Result<Vec<T>, ParamError> {
        serde_json::from_str(self.text(name)?)
            .map_err(|e| Self::problem(name, format!("not the expected JSON array: {e}")))
    }

    /// An optional list sent as a JSON array.
    pub(crate) fn optional_json<T: DeserializeOwned>(
        &self,
        name: &str,
    ) -> Result<Option<Vec<T>>, ParamError> {
        match self.params.contains_key(name) {
            false => Ok(None),
            true => self.required_json(name).map(Some),
        }
    }

    /// A file part.
    pub(crate) fn file(&self, name: &str) -> Option<Upload> {
        self.files.get(name).cloned()
    }
}

/// Refuses a request outside the limits the spec states, with the same check the client makes.
pub(crate) fn check_limits<E: Endpoint>(request: &E) -> Result<(), Refusal> {
    let mut params = Params::new();
    request.write_params(&mut params);
    E::OPERATION
        .info()
        .check_limits(&params)
        .map_err(|m| Refusal::new(ErrorCode::InvalidParameter, format!("参数错误: {m}")))
}

/// Encodes a handler's `data`.
pub(crate) fn to_json<T: Serialize>(data: &T) -> Result<serde_json::Value, Refusal> {
    serde_json::to_value(data).map_err(|e| Refusal::general(format!("内部错误: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::PublishStatus;

    fn received(pairs: &[(&str, &str)]) -> Received {
        Received {
            params: pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            files: BTreeMap::new(),
        }
    }

    #[test]
    fn scalars_are_read_strictly() {
        let r = received(&[
            ("a", "12"),
            ("b", "1.0"),
            ("c", " 3"),
            ("flag", "true"),
            ("s", "2"),
        ]);
        assert_eq!(r.required::<i64>("a"), Ok(12));
        assert!(r.required::<i64>("b").is_err());
        assert!(r.required::<i64>("c").is_err());
        assert!(r.required::<bool>("flag").is_err());
        assert_eq!(r.required::<PublishStatus>("s"), Ok(PublishStatus::Blocked));
        assert!(r.required::<i64>("missing").is_err());
        assert_eq!(r.optional::<i64>("missing"), Ok(None));
    }

    #[test]
    fn unknown_enum_codes_are_refused() {
        let r = received(&[("s", "9")]);
        let e = r.required::<PublishStatus>("s").err();
        assert_eq!(e.map(|e| e.name), Some("s".to_owned()));
    }

    #[test]
    fn lists() {
        let r = received(&[("ids", "1,2, 3"), ("bad", "1,x"), ("empty", "")]);
        assert_eq!(r.required_csv::<i64>("ids"), Ok(vec![1, 2, 3]));
        assert!(r.required_csv::<i64>("bad").is_err());
        assert!(r.required_csv::<i64>("empty").is_err());
        assert_eq!(r.optional_csv::<i64>("none"), Ok(None));
    }

    #[test]
    fn param_errors_are_the_vendors_1001() {
        let refusal = Refusal::from(ParamError {
            name: "page".into(),
            problem: "missing".into(),
        });
        assert_eq!(refusal.code, 1001);
        assert_eq!(refusal.message, "参数错误: page: missing");
    }
}
