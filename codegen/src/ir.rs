//! The validated model: the spec with every reference resolved, every name checked and every
//! Rust identifier chosen. Emitters read only this.

/// The whole API.
#[derive(Clone, Debug)]
pub struct Api {
    /// The vendor's title of the document.
    pub title_zh: String,
    /// One English line about the API.
    pub summary: String,
    /// Where the vendor publishes the document.
    pub doc_url: String,
    /// URL template of the service, with `{private_domain}`.
    pub base_url: String,
    /// The vendor's per-account rate limit.
    pub rate_limit: RateLimit,
    /// Every id type, in spec order.
    pub ids: Vec<IdType>,
    /// Every enum, shared and group-local, in spec order.
    pub enums: Vec<Enum>,
    /// Every record type, shared and group-local, in spec order.
    pub records: Vec<Record>,
    /// The endpoint groups, in `groups` order.
    pub groups: Vec<Group>,
    /// The callbacks the vendor sends.
    pub callbacks: Vec<Callback>,
}

impl Api {
    /// Every endpoint, group by group.
    pub fn endpoints(&self) -> impl Iterator<Item = &Endpoint> {
        self.groups.iter().flat_map(|g| g.endpoints.iter())
    }

    /// The record type named `name`.
    pub fn record(&self, name: &str) -> Option<&Record> {
        self.records.iter().find(|r| r.name == name)
    }

    /// The id type named `name`.
    pub fn id(&self, name: &str) -> Option<&IdType> {
        self.ids.iter().find(|i| i.name == name)
    }

    /// The enum named `name`.
    pub fn enumeration(&self, name: &str) -> Option<&Enum> {
        self.enums.iter().find(|e| e.name == name)
    }
}

/// The vendor's rate limit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RateLimit {
    /// Requests allowed per window.
    pub requests: u32,
    /// The window, in seconds.
    pub per_seconds: u32,
}

/// One group of endpoints: one generated module.
#[derive(Clone, Debug)]
pub struct Group {
    /// The module name (snake_case), also the spec file's stem.
    pub name: String,
    /// The spec file the group comes from.
    pub file: String,
    /// Chinese title.
    pub title_zh: String,
    /// One English line.
    pub summary: String,
    /// The endpoints, in spec order.
    pub endpoints: Vec<Endpoint>,
}

/// One endpoint.
#[derive(Clone, Debug)]
pub struct Endpoint {
    /// The method name on both clients (snake_case).
    pub name: String,
    /// The request type (`GetListRequest`).
    pub request_type: String,
    /// The variant of `Operation` (`GetList`).
    pub operation: String,
    /// The API number in the vendor doc.
    pub doc: Option<u32>,
    /// The vendor's title.
    pub title_zh: String,
    /// One English sentence.
    pub summary: String,
    /// The vendor's longer description.
    pub description_zh: Option<String>,
    /// English notes on doc inconsistencies and choices.
    pub notes: Option<String>,
    /// Allowed methods by their wire names (`GET`, `POST`); the client sends the first. The
    /// concept is the client's `baijiayun::info::Method`, whose variants the generated operation
    /// table names; the IR keeps the spec's words.
    pub methods: Vec<String>,
    /// The path, starting with `/openapi/`.
    pub path: String,
    /// Whether a named source shows this exact path.
    pub path_verified: bool,
    /// That source, or how the path was inferred.
    pub path_source: String,
    /// Whether a `file` param makes the request multipart.
    pub upload: bool,
    /// Whether sending twice equals sending once.
    pub retry_safe: bool,
    /// Request parameters in spec order (without `partner_id`, `timestamp`, `sign`).
    pub params: Vec<Param>,
    /// The type of the envelope's `data`.
    pub response: Ty,
    /// How the endpoint pages, if it does.
    pub pagination: Option<Pagination>,
    /// For a batch: how the response confirms which requested ids were applied.
    pub confirms: Option<Confirms>,
    /// A time window two datetime parameters give, checked before sending.
    pub window: Option<Window>,
    /// The doc's response examples.
    pub examples: Vec<Example>,
}

/// A batch endpoint's confirmation: the response lists the ids it applied, and the client reports
/// the requested ids the list leaves out.
#[derive(Clone, Debug)]
pub struct Confirms {
    /// The Rust field of the list parameter holding the requested items.
    pub param: String,
    /// Whether that parameter is required (a `Vec`) or optional (an `Option<Vec>`).
    pub param_required: bool,
    /// The Rust field holding each item's id, when the items are records.
    pub key: Option<String>,
    /// The Rust field of the response listing the ids applied.
    pub list: String,
}

/// A time window given by two required datetime parameters: the end is not before the start,
/// and with `same_day` both lie on one day.
#[derive(Clone, Debug)]
pub struct Window {
    /// The wire name of the start parameter.
    pub start: String,
    /// The wire name of the end parameter.
    pub end: String,
    /// Whether the window must lie within one day.
    pub same_day: bool,
}

/// A request parameter.
#[derive(Clone, Debug)]
pub struct Param {
    /// The name on the wire.
    pub wire: String,
    /// The Rust identifier (keywords escaped).
    pub ident: String,
    /// Its type.
    pub ty: ParamTy,
    /// Whether the doc requires it.
    pub required: bool,
    /// Vendor description.
    pub zh: String,
    /// English description.
    pub en: String,
    /// The vendor-side default the doc states, as text.
    pub default: Option<String>,
    /// Inclusive lower limit.
    pub min: Option<i64>,
    /// Inclusive upper limit.
    pub max: Option<i64>,
    /// Whether the doc omits the parameter and it was inferred.
    pub inferred: bool,
    /// Which side of a copy a required parameter names, so two of one type cannot be swapped.
    pub role: Option<Role>,
}

/// The side of a copy a parameter names (API 14 copies a source playback onto a target).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// What is copied from: taken as `Source<T>`.
    Source,
    /// What is copied onto: taken as `Target<T>`.
    Target,
}

impl Role {
    /// The runtime wrapper type's name.
    pub fn type_name(self) -> &'static str {
        match self {
            Role::Source => "Source",
            Role::Target => "Target",
        }
    }
}

/// An id: an integer with one meaning (a room, a session, a video, a user), a type of its own so
/// that two ids of different meanings cannot be swapped.
#[derive(Clone, Debug)]
pub struct IdType {
    /// UpperCamelCase name (`RoomId`).
    pub name: String,
    /// Vendor description.
    pub zh: String,
    /// English description.
    pub en: String,
    /// The value that means "none" (`0` for a session): never sent, and read as `None`.
    pub none: Option<i64>,
}

/// A named or built-in type that is not a container.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Scalar {
    /// `i64`.
    Int,
    /// `String`: an id, a key, a token, a URL, a code. As a required field, `""` is no value.
    String,
    /// `String`: text meant for people (a name, a description, a title); a record field's type
    /// only. `""` is the empty text, never a missing value.
    Text,
    /// `bool`.
    Bool,
    /// `Date` (`YYYY-MM-DD`).
    Date,
    /// `DateTime` (`YYYY-MM-DD HH:MM:SS`).
    DateTime,
    /// `PlaybackRef` (`room` or `room-session`).
    PlaybackRef,
    /// `Lifetime`: how long a token stays valid, `Never` or a duration, sent as whole seconds (`0`
    /// for never).
    Lifetime,
    /// A spec id type: an integer on the wire.
    Id(String),
    /// Any JSON, kept as `serde_json::Value`.
    Json,
    /// A spec enum.
    Enum(String),
    /// A spec record type.
    Record(String),
}

/// How a list parameter is sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    /// Items joined with `,`.
    Csv,
    /// A JSON array.
    Json,
}

/// The type of a request parameter.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ParamTy {
    /// One value.
    Scalar(Scalar),
    /// A multipart file part, never signed.
    File,
    /// Several values in one parameter.
    List {
        /// The item type.
        item: Scalar,
        /// How the items are joined.
        encoding: Encoding,
    },
}

/// The type of a response value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Ty {
    /// One value.
    Scalar(Scalar),
    /// Nothing worth keeping: `data` is `null`, `true` or similar.
    Ack,
    /// A JSON array.
    List(Box<Ty>),
    /// A JSON object with dynamic keys.
    Map(Scalar, Box<Ty>),
}

/// A record type.
#[derive(Clone, Debug)]
pub struct Record {
    /// UpperCamelCase name.
    pub name: String,
    /// Vendor description.
    pub zh: String,
    /// English description.
    pub en: String,
    /// Fields in spec order.
    pub fields: Vec<Field>,
}

/// A field of a record or callback.
#[derive(Clone, Debug)]
pub struct Field {
    /// The name in JSON or in the form.
    pub wire: String,
    /// The Rust identifier.
    pub ident: String,
    /// Its type.
    pub ty: Ty,
    /// Whether it is always present (else `Option`).
    pub required: bool,
    /// Vendor description.
    pub zh: String,
    /// English description.
    pub en: String,
    /// The doc's example value.
    pub example: Option<String>,
    /// The type the doc's table prints, when it differs.
    pub doc_type: Option<String>,
}

/// An enum.
#[derive(Clone, Debug)]
pub struct Enum {
    /// UpperCamelCase name.
    pub name: String,
    /// How values are coded.
    pub repr: Repr,
    /// Vendor description.
    pub zh: String,
    /// English description.
    pub en: String,
    /// The known values.
    pub values: Vec<EnumValue>,
}

/// How an enum is coded on the wire.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Repr {
    /// By integers.
    Int,
    /// By strings.
    String,
}

/// A known value of an enum.
#[derive(Clone, Debug)]
pub struct EnumValue {
    /// UpperCamelCase variant name.
    pub name: String,
    /// The code on the wire.
    pub code: Code,
    /// Vendor description.
    pub zh: String,
    /// English description.
    pub en: String,
}

/// A code on the wire.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Code {
    /// An integer code.
    Int(i64),
    /// A string code.
    Str(String),
}

/// How a list endpoint pages.
#[derive(Clone, Debug)]
pub struct Pagination {
    /// The page-number parameter's wire name.
    pub page: String,
    /// The page-size parameter's wire name.
    pub page_size: String,
    /// The response field holding the items.
    pub items: String,
    /// The response field holding the total.
    pub total: String,
    /// The item type (a record).
    pub item: String,
    /// The response type (a record).
    pub page_type: String,
    /// The page size the pager asks for: the param's `max`, else its `default`.
    pub page_size_limit: i64,
}

/// A response example from the doc.
#[derive(Clone, Debug)]
pub struct Example {
    /// The doc's heading.
    pub title: String,
    /// The whole envelope, as JSON text.
    pub json: String,
    /// What was changed to make it valid JSON, if anything.
    pub repaired: Option<String>,
}

/// A callback the vendor sends.
#[derive(Clone, Debug)]
pub struct Callback {
    /// snake_case name.
    pub name: String,
    /// The event type (`TranscodeEvent`).
    pub type_name: String,
    /// The variant in `CallbackEvent`.
    pub variant: String,
    /// The doc's label.
    pub doc: String,
    /// Chinese title.
    pub title_zh: String,
    /// One English line.
    pub summary: String,
    /// The vendor's description.
    pub description_zh: Option<String>,
    /// How a body is recognised as this callback.
    pub when: When,
    /// Every field but `sign`.
    pub fields: Vec<Field>,
    /// The documented field sets per value of a field.
    pub variants: Option<Variants>,
}

/// How a callback body is recognised.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum When {
    /// When no other callback matches.
    Otherwise,
    /// When `field` equals `value`.
    Equals {
        /// The field.
        field: String,
        /// The value, as sent.
        value: String,
    },
    /// When `field` is present.
    Present {
        /// The field.
        field: String,
    },
}

/// The field sets of a callback per value of one field.
#[derive(Clone, Debug)]
pub struct Variants {
    /// The discriminating field.
    pub field: String,
    /// The cases.
    pub cases: Vec<VariantCase>,
}

/// One case of [`Variants`].
#[derive(Clone, Debug)]
pub struct VariantCase {
    /// UpperCamelCase name.
    pub name: String,
    /// The value of the discriminating field.
    pub code: Code,
    /// Vendor description.
    pub zh: String,
    /// English description.
    pub en: String,
    /// The fields this case carries.
    pub fields: Vec<String>,
}
