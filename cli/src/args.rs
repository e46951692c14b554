//! How flag values become the client's types, for the generated subcommands: enums by name or
//! code, lists of records as JSON, files by path. Dates, playback refs and integers parse with their own
//! `FromStr`.

use std::ffi::OsStr;
use std::marker::PhantomData;
use std::path::Path;
use std::str::FromStr;

use baijiayun::Upload;
use clap::builder::{PossibleValue, TypedValueParser};
use serde::de::DeserializeOwned;

use crate::output::Failure;

/// An enum's values on the command line: (name, code, help), generated from the spec.
pub(crate) type Names = &'static [(&'static str, &'static str, &'static str)];

/// Parses an enum given by its kebab-case name (`large-class`) or its code (`1`). Enums are open:
/// a code the spec does not know is passed on as it is.
pub(crate) fn code<T, C>(names: Names) -> CodeParser<T, C> {
    CodeParser {
        names,
        marker: PhantomData,
    }
}

/// See [`code`].
pub(crate) struct CodeParser<T, C> {
    names: Names,
    marker: PhantomData<fn(C) -> T>,
}

impl<T, C> Clone for CodeParser<T, C> {
    fn clone(&self) -> Self {
        CodeParser {
            names: self.names,
            marker: PhantomData,
        }
    }
}

impl<T, C> TypedValueParser for CodeParser<T, C>
where
    T: From<C> + Clone + Send + Sync + 'static,
    C: FromStr + 'static,
{
    type Value = T;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &OsStr,
    ) -> Result<T, clap::Error> {
        let invalid = || {
            let mut err = clap::Error::new(clap::error::ErrorKind::InvalidValue).with_cmd(cmd);
            if let Some(arg) = arg {
                err.insert(
                    clap::error::ContextKind::InvalidArg,
                    clap::error::ContextValue::String(arg.to_string()),
                );
            }
            err.insert(
                clap::error::ContextKind::InvalidValue,
                clap::error::ContextValue::String(value.to_string_lossy().into_owned()),
            );
            err.insert(
                clap::error::ContextKind::ValidValue,
                clap::error::ContextValue::Strings(
                    self.names
                        .iter()
                        .map(|(n, c, _)| format!("{n} ({c})"))
                        .collect(),
                ),
            );
            err
        };
        let text = value.to_str().ok_or_else(invalid)?.trim();
        let code = self
            .names
            .iter()
            .find(|(name, _, _)| name.eq_ignore_ascii_case(text))
            .map_or(text, |(_, code, _)| code);
        code.parse::<C>().map(T::from).map_err(|_| invalid())
    }

    fn possible_values(&self) -> Option<Box<dyn Iterator<Item = PossibleValue> + '_>> {
        Some(Box::new(self.names.iter().map(|(name, _, help)| {
            PossibleValue::new(*name).help(*help)
        })))
    }
}

/// Records given as JSON: one object, or an array of them. Repeated flags add up.
#[derive(Clone, Debug)]
pub(crate) struct JsonItems<T>(Vec<T>);

impl<T> JsonItems<T> {
    /// The records.
    pub(crate) fn into_vec(self) -> Vec<T> {
        self.0
    }
}

impl<T: DeserializeOwned> FromStr for JsonItems<T> {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let value: serde_json::Value =
            serde_json::from_str(s).map_err(|e| format!("not JSON: {e}"))?;
        let items = match value {
            serde_json::Value::Array(items) => items,
            object @ serde_json::Value::Object(_) => vec![object],
            _ => return Err("expected a JSON object or an array of objects".into()),
        };
        items
            .into_iter()
            .enumerate()
            .map(|(i, item)| serde_json::from_value(item).map_err(|e| format!("item {i}: {e}")))
            .collect::<Result<_, _>>()
            .map(JsonItems)
    }
}

/// A file to upload, read from `path`.
pub(crate) fn upload(path: &Path) -> Result<Upload, Failure> {
    Upload::from_path(path).map_err(|e| Failure::Io(format!("cannot read {}: {e}", path.display())))
}

#[cfg(test)]
mod tests {
    use super::*;
    use baijiayun::types::{CropSegment, ProductType};
    use clap::{Arg, Command};

    const NAMES: Names = &[("large-class", "1", ""), ("small-class", "2", "")];

    fn parse(text: &str) -> Result<ProductType, clap::Error> {
        let cmd = Command::new("t");
        let arg = Arg::new("x");
        code::<ProductType, i64>(NAMES).parse_ref(&cmd, Some(&arg), OsStr::new(text))
    }

    #[test]
    fn enums_take_a_name_or_a_code() {
        assert_eq!(parse("large-class").ok(), Some(ProductType::LargeClass));
        assert_eq!(parse("Small-Class").ok(), Some(ProductType::SmallClass));
        assert_eq!(parse("2").ok(), Some(ProductType::SmallClass));
        assert_eq!(parse("9").ok(), Some(ProductType::Unknown(9)));
        assert!(parse("huge").is_err());
    }

    #[test]
    fn records_take_an_object_or_an_array() {
        let one: JsonItems<CropSegment> = r#"{"start_time": 1, "end_time": 20, "name": "a"}"#
            .parse()
            .unwrap_or(JsonItems(vec![]));
        assert_eq!(one.into_vec().len(), 1);
        let two = r#"[{"start_time": 1, "end_time": 20, "name": "a"}, {"start_time": 30, "end_time": 40, "name": "b"}]"#
            .parse::<JsonItems<CropSegment>>()
            .map(JsonItems::into_vec);
        assert_eq!(two.map(|v| v.len()).ok(), Some(2));
        assert!("3".parse::<JsonItems<CropSegment>>().is_err());
        assert!("{".parse::<JsonItems<CropSegment>>().is_err());
    }
}
