//! Reading typed values out of text fields strictly: what is not exactly of its type is an error
//! naming the field. The callback reader reads a callback's form with it, and a server that
//! receives requests (the fake server, `baijiayun-mock`) their parameters.
//!
//! ```
//! use std::collections::BTreeMap;
//! use baijiayun::text::Fields;
//! use baijiayun::types::RoomId;
//!
//! let form = BTreeMap::from([("room_id".to_owned(), "17".to_owned())]);
//! let fields = Fields(&form);
//! assert_eq!(fields.required::<RoomId>("room_id"), Ok(RoomId(17)));
//! assert!(fields.required::<i64>("page").is_err()); // missing, named
//! ```

use std::collections::BTreeMap;

use serde::de::DeserializeOwned;

use crate::call::de::{Coded, Unset};
use crate::value::lifetime::Lifetime;
use crate::value::playback_ref::PlaybackRef;
use crate::value::time::{Date, DateTime};

/// A value a text field can be read as, strictly: a request parameter as a server received it
/// (the fake server's `RecordedRequest::param`, in `baijiayun-mock`) or a field of a callback's
/// form.
///
/// Implemented for `i64`, `String`, `bool` (`0`/`1`), [`Date`], [`DateTime`], [`PlaybackRef`],
/// [`Lifetime`] (whole seconds, `0` being never) and the ids and code enums of [`crate::types`]; sealed.
pub trait FromText: Sized + Unset + sealed::Sealed {
    /// Reads the value, or says why the text is not one.
    fn from_text(text: &str) -> Result<Self, String>;

    /// Whether the value is one the spec documents: for the code enums, not `Unknown`; every
    /// other value is. A server as strict as the vendor refuses an undocumented code.
    fn is_documented(&self) -> bool {
        true
    }
}

mod sealed {
    use crate::call::de::Coded;
    use crate::value::lifetime::Lifetime;
    use crate::value::playback_ref::PlaybackRef;
    use crate::value::time::{Date, DateTime};

    #[allow(
        unreachable_pub,
        reason = "public in a private module: nameable by the bound, implementable only here"
    )]
    pub trait Sealed {}
    impl Sealed for i64 {}
    impl Sealed for String {}
    impl Sealed for bool {}
    impl Sealed for Date {}
    impl Sealed for DateTime {}
    impl Sealed for PlaybackRef {}
    impl Sealed for Lifetime {}
    impl<T: Coded> Sealed for T {}
}

// None of the plain types has a value meaning "none".
impl Unset for i64 {}
impl Unset for String {}
impl Unset for bool {}
impl Unset for Date {}
impl Unset for DateTime {}
impl Unset for Lifetime {}
impl Unset for PlaybackRef {}

impl FromText for i64 {
    fn from_text(text: &str) -> Result<Self, String> {
        let digits = text.strip_prefix('-').unwrap_or(text);
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(format!("{text:?} is not an integer"));
        }
        text.parse()
            .map_err(|_| format!("{text:?} is out of range"))
    }
}

impl FromText for String {
    fn from_text(text: &str) -> Result<Self, String> {
        Ok(text.to_owned())
    }
}

impl FromText for bool {
    fn from_text(text: &str) -> Result<Self, String> {
        match text {
            "0" => Ok(false),
            "1" => Ok(true),
            _ => Err(format!("{text:?} is not 0 or 1")),
        }
    }
}

impl FromText for Date {
    fn from_text(text: &str) -> Result<Self, String> {
        text.parse()
            .map_err(|e| format!("{e} (expected YYYY-MM-DD)"))
    }
}

impl FromText for DateTime {
    fn from_text(text: &str) -> Result<Self, String> {
        text.parse()
            .map_err(|e| format!("{e} (expected YYYY-MM-DD HH:MM:SS)"))
    }
}

impl FromText for Lifetime {
    /// Whole seconds, `0` being [`Lifetime::Never`] as the vendor reads it.
    fn from_text(text: &str) -> Result<Self, String> {
        if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
            return Err(format!("{text:?} is not a whole number of seconds"));
        }
        match text.parse::<u64>() {
            Ok(0) => Ok(Lifetime::Never),
            Ok(n) => Ok(Lifetime::secs(n)),
            Err(_) => Err(format!("{text:?} is out of range")),
        }
    }
}

impl FromText for PlaybackRef {
    fn from_text(text: &str) -> Result<Self, String> {
        text.parse().map_err(|e| format!("{e}"))
    }
}

impl<T: Coded> FromText for T
where
    T::Code: FromText,
{
    /// Any code is read (unknown ones are kept in `Unknown`); see [`FromText::is_documented`].
    fn from_text(text: &str) -> Result<Self, String> {
        Ok(T::from(T::Code::from_text(text)?))
    }

    fn is_documented(&self) -> bool {
        self.is_known()
    }
}

/// Named text fields, read by name and type.
#[derive(Clone, Copy, Debug)]
pub struct Fields<'a>(pub &'a BTreeMap<String, String>);

/// A field that is missing or not of its type: `(name, problem)`.
pub type FieldError = (String, String);

fn problem(name: &str, p: impl Into<String>) -> FieldError {
    (name.to_owned(), p.into())
}

impl Fields<'_> {
    /// The raw text of a field.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str)
    }

    /// A required field.
    pub fn required<T: FromText>(&self, name: &str) -> Result<T, FieldError> {
        let text = self.get(name).ok_or_else(|| problem(name, "missing"))?;
        T::from_text(text).map_err(|p| problem(name, p))
    }

    /// An optional field.
    pub fn optional<T: FromText>(&self, name: &str) -> Result<Option<T>, FieldError> {
        self.get(name)
            .map(|t| T::from_text(t).map_err(|p| problem(name, p)))
            .transpose()
            .map(|v| v.filter(|v| !v.is_unset()))
    }

    /// A required field of a received callback, read as responses are: `""` is no value, so it
    /// is an error, like a missing field.
    pub fn tolerant_required<T: FromText>(&self, name: &str) -> Result<T, FieldError> {
        match self.get(name) {
            None => Err(problem(name, "missing")),
            Some("") => Err(problem(name, "empty (the field is required)")),
            Some(t) => T::from_text(t).map_err(|p| problem(name, p)),
        }
    }

    /// An optional field of a received callback, read as responses are: absent or `""` is
    /// `None`.
    pub fn tolerant_optional<T: FromText>(&self, name: &str) -> Result<Option<T>, FieldError> {
        match self.get(name) {
            None | Some("") => Ok(None),
            Some(t) => T::from_text(t)
                .map(|v| (!v.is_unset()).then_some(v))
                .map_err(|p| problem(name, p)),
        }
    }

    /// A required list joined with `,`.
    pub fn required_csv<T: FromText>(&self, name: &str) -> Result<Vec<T>, FieldError> {
        let text = self.get(name).ok_or_else(|| problem(name, "missing"))?;
        if text.is_empty() {
            return Err(problem(name, "empty list"));
        }
        text.split(',')
            .map(|item| T::from_text(item.trim()).map_err(|p| problem(name, p)))
            .collect()
    }

    /// A required list held as a JSON array.
    pub fn required_json<T: DeserializeOwned>(&self, name: &str) -> Result<Vec<T>, FieldError> {
        let text = self.get(name).ok_or_else(|| problem(name, "missing"))?;
        serde_json::from_str(text)
            .map_err(|e| problem(name, format!("not the expected JSON array: {e}")))
    }

    /// An optional list held as a JSON array.
    pub fn optional_json<T: DeserializeOwned>(
        &self,
        name: &str,
    ) -> Result<Option<Vec<T>>, FieldError> {
        match self.get(name) {
            None => Ok(None),
            Some(_) => self.required_json(name).map(Some),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::PublishStatus;

    fn map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn scalars_are_read_strictly() {
        let m = map(&[
            ("a", "12"),
            ("b", "1.0"),
            ("c", " 3"),
            ("flag", "true"),
            ("s", "2"),
            ("u", "9"),
        ]);
        let f = Fields(&m);
        assert_eq!(f.required::<i64>("a"), Ok(12));
        assert!(f.required::<i64>("b").is_err());
        assert!(f.required::<i64>("c").is_err());
        assert!(f.required::<bool>("flag").is_err());
        assert_eq!(f.required::<PublishStatus>("s"), Ok(PublishStatus::Blocked));
        let unknown: Result<PublishStatus, _> = f.required("u");
        assert_eq!(unknown, Ok(PublishStatus::Unknown(9)));
        assert!(unknown.is_ok_and(|u| !u.is_documented()));
        assert!(f.required::<i64>("missing").is_err());
        assert_eq!(f.optional::<i64>("missing"), Ok(None));
    }

    #[test]
    fn callback_fields_read_empty_as_no_value() {
        let m = map(&[("n", ""), ("s", ""), ("v", "7")]);
        let f = Fields(&m);
        assert_eq!(f.tolerant_optional::<i64>("n"), Ok(None));
        assert_eq!(f.tolerant_optional::<String>("s"), Ok(None));
        assert_eq!(f.tolerant_optional::<i64>("v"), Ok(Some(7)));
        assert_eq!(f.tolerant_optional::<i64>("missing"), Ok(None));
        assert_eq!(f.tolerant_required::<i64>("v"), Ok(7));
        assert!(f.tolerant_required::<String>("s").is_err());
        assert!(f.tolerant_required::<i64>("n").is_err());
        assert_eq!(
            f.tolerant_required::<i64>("missing"),
            Err(("missing".to_owned(), "missing".to_owned()))
        );
        // The strict reading (request parameters on the fake server) keeps "" as a value.
        assert_eq!(f.optional::<String>("s"), Ok(Some(String::new())));
    }

    #[test]
    fn lists() {
        let m = map(&[
            ("ids", "1,2, 3"),
            ("bad", "1,x"),
            ("empty", ""),
            ("json", "[1,2]"),
        ]);
        let f = Fields(&m);
        assert_eq!(f.required_csv::<i64>("ids"), Ok(vec![1, 2, 3]));
        assert!(f.required_csv::<i64>("bad").is_err());
        assert!(f.required_csv::<i64>("empty").is_err());
        assert_eq!(f.required_json::<i64>("json"), Ok(vec![1, 2]));
        assert!(f.required_json::<i64>("ids").is_err());
    }
}
