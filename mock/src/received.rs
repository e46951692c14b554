//! What the fake server received, read and typed the way the spec says, and its refusals.

use std::collections::BTreeMap;
use std::fmt;

use serde::Serialize;
use serde::de::DeserializeOwned;

use baijiayun::text::{FieldError, Fields, FromText};
use baijiayun::types::ErrorCode;
use baijiayun::{Endpoint, Upload};

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

impl std::error::Error for ParamError {}

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
    pub(crate) fn no_room(room_id: baijiayun::types::RoomId) -> Self {
        Refusal::new(ErrorCode::RoomNotFound, format!("房间号不存在: {room_id}"))
    }

    /// 404 请求路径不存在: an operation the fake does not serve.
    #[doc(hidden)]
    pub fn unknown_operation() -> Self {
        Refusal::new(ErrorCode::PathNotFound, "请求路径不存在")
    }

    /// A generic refusal (code 1) with the vendor-style message.
    pub(crate) fn general(message: impl Into<String>) -> Self {
        Refusal::new(ErrorCode::General, message)
    }
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.message, self.code)
    }
}

impl std::error::Error for Refusal {}

impl From<ParamError> for Refusal {
    /// 1001 参数错误, naming the parameter.
    fn from(e: ParamError) -> Self {
        Refusal::new(ErrorCode::InvalidParameter, format!("参数错误: {e}"))
    }
}

impl From<FieldError> for ParamError {
    fn from((name, problem): FieldError) -> Self {
        ParamError { name, problem }
    }
}

impl crate::RecordedRequest {
    fn fields(&self) -> Fields<'_> {
        Fields(&self.params)
    }

    /// The text parameter `name`, read as `T` with the rules the fake server checks requests
    /// with: `recorded.param::<i64>("room_id")`. Missing or not of its type is an error naming it.
    pub fn param<T: FromText>(&self, name: &str) -> Result<T, ParamError> {
        Ok(self.fields().required(name)?)
    }

    /// The text parameter `name` read as `T`, or `None` when it was not sent.
    pub fn optional_param<T: FromText>(&self, name: &str) -> Result<Option<T>, ParamError> {
        Ok(self.fields().optional(name)?)
    }

    /// The list parameter `name`, sent joined with `,` (e.g. `user_ids`), each item read as `T`.
    pub fn param_list<T: FromText>(&self, name: &str) -> Result<Vec<T>, ParamError> {
        Ok(self.fields().required_csv(name)?)
    }

    /// The list parameter `name`, sent as a JSON array (e.g. `crop_info`), decoded as `T`s.
    pub fn param_json<T: DeserializeOwned>(&self, name: &str) -> Result<Vec<T>, ParamError> {
        Ok(self.fields().required_json(name)?)
    }
}

impl Received {
    fn fields(&self) -> Fields<'_> {
        Fields(&self.params)
    }

    /// A required scalar parameter; enum codes the spec does not document are refused, as the
    /// vendor would.
    #[doc(hidden)]
    pub fn required<T: FromText>(&self, name: &str) -> Result<T, ParamError> {
        let v: T = self.fields().required(name)?;
        documented(name, v)
    }

    /// An optional scalar parameter.
    #[doc(hidden)]
    pub fn optional<T: FromText>(&self, name: &str) -> Result<Option<T>, ParamError> {
        match self.fields().optional(name)? {
            Some(v) => documented(name, v).map(Some),
            None => Ok(None),
        }
    }

    /// A required list sent joined with `,`.
    #[doc(hidden)]
    pub fn required_csv<T: FromText>(&self, name: &str) -> Result<Vec<T>, ParamError> {
        let items: Vec<T> = self.fields().required_csv(name)?;
        items.into_iter().map(|v| documented(name, v)).collect()
    }

    /// An optional list sent joined with `,`.
    #[doc(hidden)]
    pub fn optional_csv<T: FromText>(&self, name: &str) -> Result<Option<Vec<T>>, ParamError> {
        match self.params.contains_key(name) {
            false => Ok(None),
            true => self.required_csv(name).map(Some),
        }
    }

    /// A required list sent as a JSON array.
    #[doc(hidden)]
    pub fn required_json<T: DeserializeOwned>(&self, name: &str) -> Result<Vec<T>, ParamError> {
        Ok(self.fields().required_json(name)?)
    }

    /// An optional list sent as a JSON array.
    #[doc(hidden)]
    pub fn optional_json<T: DeserializeOwned>(
        &self,
        name: &str,
    ) -> Result<Option<Vec<T>>, ParamError> {
        Ok(self.fields().optional_json(name)?)
    }

    /// A file part.
    #[doc(hidden)]
    pub fn file(&self, name: &str) -> Option<Upload> {
        self.files.get(name).cloned()
    }

    /// A required file part.
    #[doc(hidden)]
    pub fn required_file(&self, name: &str) -> Result<Upload, ParamError> {
        self.file(name).ok_or_else(|| ParamError {
            name: name.to_owned(),
            problem: "missing file".into(),
        })
    }
}

fn documented<T: FromText>(name: &str, v: T) -> Result<T, ParamError> {
    if v.is_documented() {
        Ok(v)
    } else {
        Err(ParamError {
            name: name.to_owned(),
            problem: "not one of the documented values".into(),
        })
    }
}

/// Refuses a request outside the limits the spec states, with the same check the client makes
/// ([`Endpoint::validate`]).
#[doc(hidden)]
pub fn check_limits<E: Endpoint>(request: &E) -> Result<(), Refusal> {
    request.validate().map_err(|e| match e {
        baijiayun::Error::InvalidRequest { message, .. } => {
            Refusal::new(ErrorCode::InvalidParameter, format!("参数错误: {message}"))
        }
        other => Refusal::general(other.to_string()),
    })
}

/// Encodes a handler's `data` in `style`.
#[doc(hidden)]
pub fn to_json<T: Serialize>(
    data: &T,
    style: crate::ResponseStyle,
) -> Result<serde_json::Value, Refusal> {
    style
        .encode(data)
        .map_err(|e| Refusal::general(format!("内部错误: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use baijiayun::types::PublishStatus;

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
    fn undocumented_enum_codes_are_refused() {
        let r = received(&[("s", "9"), ("ok", "1"), ("list", "1,9")]);
        assert_eq!(
            r.required::<PublishStatus>("ok"),
            Ok(PublishStatus::Published)
        );
        let e = r.required::<PublishStatus>("s").err();
        assert_eq!(e.map(|e| e.name), Some("s".to_owned()));
        assert!(r.required_csv::<PublishStatus>("list").is_err());
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
