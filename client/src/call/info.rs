//! What the spec says about each endpoint, as data: the types of the generated table
//! [`Operation::info`](crate::operations::Operation::info) returns.

use crate::operations::Operation;

/// An HTTP method an endpoint accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Method {
    /// Parameters in the query string.
    Get,
    /// Parameters in a form body.
    Post,
}

impl Method {
    /// The method's name on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
        }
    }
}

/// How a list parameter is encoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Encoding {
    /// Items joined with `,`.
    Csv,
    /// A JSON array.
    Json,
}

/// The kind of a parameter's value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ParamKind {
    /// An integer.
    Int,
    /// Text.
    String,
    /// `0` or `1`.
    Bool,
    /// `YYYY-MM-DD`.
    Date,
    /// `YYYY-MM-DD HH:MM:SS`.
    DateTime,
    /// `room` or `room-session`.
    PlaybackRef,
    /// A record, inside a JSON list.
    Record,
    /// A multipart file part.
    File,
    /// An integer code of an enum; the known codes.
    IntCode(&'static [i64]),
    /// A string code of an enum; the known codes.
    StrCode(&'static [&'static str]),
    /// Several values in one parameter.
    List {
        /// The items' kind.
        item: &'static ParamKind,
        /// How they are joined.
        encoding: Encoding,
    },
}

/// One parameter of an endpoint.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct ParamInfo {
    /// The name on the wire.
    pub name: &'static str,
    /// Its kind.
    pub kind: ParamKind,
    /// Whether the doc requires it.
    pub required: bool,
    /// Inclusive lower limit.
    pub min: Option<i64>,
    /// Inclusive upper limit.
    pub max: Option<i64>,
}

/// How a list endpoint pages.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct PageInfo {
    /// The page-number parameter (from 1).
    pub page: &'static str,
    /// The page-size parameter.
    pub page_size: &'static str,
    /// The page size a pager asks for: the largest the doc allows, else its default.
    pub page_size_limit: i64,
    /// The response field holding the items.
    pub items: &'static str,
    /// The response field holding the total.
    pub total: &'static str,
}

/// A time window two datetime parameters give (`start_time`, `end_time`): the end is not before
/// the start, and with `same_day` both lie on one day. The client checks it before sending.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct WindowInfo {
    /// The start parameter.
    pub start: &'static str,
    /// The end parameter.
    pub end: &'static str,
    /// Whether the window must lie within one day (the vendor refuses one that spans two).
    pub same_day: bool,
}

/// Everything the spec says about one endpoint.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct OperationInfo {
    /// Its position in the table: `Operation as usize`, the index in
    /// [`Operation::ALL`](crate::operations::Operation::ALL) ([`OperationInfo::operation`]).
    pub index: usize,
    /// The method name on the clients (`get_list`).
    pub name: &'static str,
    /// The API number in the vendor doc.
    pub doc: Option<u32>,
    /// The vendor's title.
    pub title_zh: &'static str,
    /// One English sentence.
    pub summary: &'static str,
    /// The default path.
    pub path: &'static str,
    /// Whether a named public source shows this exact path; `false` means it was inferred.
    pub path_verified: bool,
    /// That source, or how the path was inferred.
    pub path_source: &'static str,
    /// The methods the doc allows; the client sends the first.
    pub methods: &'static [Method],
    /// Whether sending twice is the same as sending once.
    pub retry_safe: bool,
    /// Whether it can carry a file part.
    pub upload: bool,
    /// Its parameters, without `partner_id`, `timestamp` and `sign`.
    pub params: &'static [ParamInfo],
    /// How it pages, if it does.
    pub pagination: Option<PageInfo>,
    /// The time window its datetime parameters give, if any.
    pub window: Option<WindowInfo>,
}

/// The constructors the generated table is written with (the structs are `#[non_exhaustive]`,
/// so that a new spec feature is not a breaking change, and the table may be compiled outside
/// this crate, as the generator's fixtures are). Not part of the API.
impl ParamInfo {
    #[doc(hidden)]
    pub const fn new(name: &'static str, kind: ParamKind) -> Self {
        ParamInfo {
            name,
            kind,
            required: false,
            min: None,
            max: None,
        }
    }

    #[doc(hidden)]
    #[must_use]
    pub const fn required(mut self) -> Self {
        self.required = true;
        self
    }

    #[doc(hidden)]
    #[must_use]
    pub const fn min(mut self, min: i64) -> Self {
        self.min = Some(min);
        self
    }

    #[doc(hidden)]
    #[must_use]
    pub const fn max(mut self, max: i64) -> Self {
        self.max = Some(max);
        self
    }
}

impl PageInfo {
    #[doc(hidden)]
    pub const fn new(
        page: &'static str,
        page_size: &'static str,
        page_size_limit: i64,
        items: &'static str,
        total: &'static str,
    ) -> Self {
        PageInfo {
            page,
            page_size,
            page_size_limit,
            items,
            total,
        }
    }
}

impl WindowInfo {
    #[doc(hidden)]
    pub const fn new(start: &'static str, end: &'static str, same_day: bool) -> Self {
        WindowInfo {
            start,
            end,
            same_day,
        }
    }
}

/// The generated table's constructor and setters; see [`ParamInfo`]'s. Not part of the API.
impl OperationInfo {
    #[doc(hidden)]
    pub const fn new(index: usize, name: &'static str, path: &'static str) -> Self {
        OperationInfo {
            index,
            name,
            doc: None,
            title_zh: "",
            summary: "",
            path,
            path_verified: false,
            path_source: "",
            methods: &[Method::Post],
            retry_safe: false,
            upload: false,
            params: &[],
            pagination: None,
            window: None,
        }
    }

    #[doc(hidden)]
    #[must_use]
    pub const fn doc(mut self, number: u32) -> Self {
        self.doc = Some(number);
        self
    }

    #[doc(hidden)]
    #[must_use]
    pub const fn titled(mut self, title_zh: &'static str, summary: &'static str) -> Self {
        self.title_zh = title_zh;
        self.summary = summary;
        self
    }

    #[doc(hidden)]
    #[must_use]
    pub const fn path_source(mut self, verified: bool, source: &'static str) -> Self {
        self.path_verified = verified;
        self.path_source = source;
        self
    }

    #[doc(hidden)]
    #[must_use]
    pub const fn methods(mut self, methods: &'static [Method]) -> Self {
        self.methods = methods;
        self
    }

    #[doc(hidden)]
    #[must_use]
    pub const fn retry_safe(mut self) -> Self {
        self.retry_safe = true;
        self
    }

    #[doc(hidden)]
    #[must_use]
    pub const fn upload(mut self) -> Self {
        self.upload = true;
        self
    }

    #[doc(hidden)]
    #[must_use]
    pub const fn params(mut self, params: &'static [ParamInfo]) -> Self {
        self.params = params;
        self
    }

    #[doc(hidden)]
    #[must_use]
    pub const fn pagination(mut self, page: PageInfo) -> Self {
        self.pagination = Some(page);
        self
    }

    #[doc(hidden)]
    #[must_use]
    pub const fn window(mut self, window: WindowInfo) -> Self {
        self.window = Some(window);
        self
    }
}

impl OperationInfo {
    /// Which operation this is: `Operation::ALL[self.index]`.
    ///
    /// # Panics
    ///
    /// When `index` is outside the table, which no entry of [`Operation::info`] is: only an
    /// `OperationInfo` built by hand can be.
    pub fn operation(&self) -> Operation {
        Operation::ALL[self.index]
    }

    /// The parameter named `name`.
    pub fn param(&self, name: &str) -> Option<&'static ParamInfo> {
        self.params.iter().find(|p| p.name == name)
    }
}

impl Operation {
    /// The operation whose method name is `name` (`"get_list"`).
    pub fn from_name(name: &str) -> Option<Operation> {
        Operation::ALL
            .iter()
            .copied()
            .find(|op| op.info().name == name)
    }

    /// The method name on the clients (`"get_list"`).
    pub fn name(self) -> &'static str {
        self.info().name
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_entry_knows_its_place_in_the_table() {
        for (i, &op) in Operation::ALL.iter().enumerate() {
            let info = op.info();
            assert_eq!(info.index, i, "{}", info.name);
            assert_eq!(op as usize, i, "{}", info.name);
            assert_eq!(info.operation(), op);
            assert_eq!(Operation::from_name(info.name), Some(op));
        }
    }
}
