//! Comparing two doc models, and matching each difference to the spec.

use std::collections::BTreeSet;

use serde::Serialize;

use super::matching::{SpecIndex, SpecItem, SpecSection};
use super::model::{Doc, Row, Section};

/// How much a finding matters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Severity {
    /// Wording only.
    Info,
    /// Something new: the spec may need it, callers' code does not break.
    Warn,
    /// A change that breaks callers or the spec.
    Error,
}

impl Severity {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warn => "warn",
            Severity::Error => "error",
        }
    }
}

macro_rules! kinds {
    ($($variant:ident = $id:literal, $severity:ident;)*) => {
        /// The kind of a finding; its id is stable.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
        pub(crate) enum Kind { $($variant,)* }

        impl Kind {
            /// Every kind, in the order findings are listed within a section.
            #[cfg(test)]
            pub(crate) const ALL: &[Kind] = &[$(Kind::$variant,)*];

            /// The stable id (`param-added`).
            pub(crate) fn id(self) -> &'static str {
                match self { $(Kind::$variant => $id,)* }
            }

            pub(crate) fn severity(self) -> Severity {
                match self { $(Kind::$variant => Severity::$severity,)* }
            }
        }
    };
}

kinds! {
    ApiRemoved = "api-removed", Error;
    ApiAdded = "api-added", Warn;
    ApiRetitled = "api-retitled", Error;
    MethodChanged = "method-changed", Error;
    ParamRemoved = "param-removed", Error;
    ParamAdded = "param-added", Warn;
    ParamRequiredChanged = "param-required-changed", Error;
    ParamTypeChanged = "param-type-changed", Error;
    ParamDefaultChanged = "param-default-changed", Warn;
    FieldRemoved = "field-removed", Error;
    FieldAdded = "field-added", Warn;
    FieldTypeChanged = "field-type-changed", Error;
    EnumValueRemoved = "enum-value-removed", Error;
    EnumValueAdded = "enum-value-added", Warn;
    CallbackRemoved = "callback-removed", Error;
    CallbackAdded = "callback-added", Warn;
    CallbackRetitled = "callback-retitled", Error;
    CallbackFieldRemoved = "callback-field-removed", Error;
    CallbackFieldAdded = "callback-field-added", Warn;
    CallbackFieldTypeChanged = "callback-field-type-changed", Error;
    UrlChanged = "url-changed", Info;
    DescriptionChanged = "description-changed", Info;
    TextChanged = "text-changed", Info;
    ExampleChanged = "example-changed", Info;
}

impl Serialize for Kind {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.id())
    }
}

/// One difference between the baseline and the new doc.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub(crate) struct Finding {
    /// The doc's API number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) api: Option<u32>,
    /// The callback's name in the spec (the doc's title when the spec has none).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) callback: Option<String>,
    pub(crate) kind: Kind,
    pub(crate) severity: Severity,
    /// The parameter or field, where there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) name: Option<String>,
    /// What the baseline says.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) old: Option<String>,
    /// What the new doc says.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) new: Option<String>,
    /// Whether the spec already says what the new doc says.
    pub(crate) in_spec: bool,
    /// The spec's endpoint (or callback) the finding concerns, when the spec has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) spec: Option<String>,
}

/// Where a section's findings go.
struct Target<'a> {
    api: Option<u32>,
    callback: Option<String>,
    spec: Option<&'a SpecSection>,
}

impl Target<'_> {
    fn finding(
        &self,
        kind: Kind,
        name: Option<&str>,
        old: Option<String>,
        new: Option<String>,
        in_spec: bool,
    ) -> Finding {
        Finding {
            api: self.api,
            callback: self.callback.clone(),
            kind,
            severity: kind.severity(),
            name: name.map(str::to_owned),
            old,
            new,
            in_spec,
            spec: self.spec.map(|s| s.name.clone()),
        }
    }
}

/// Every difference between `old` and `new`, in doc order (APIs by number, then callbacks).
pub(crate) fn diff(old: &Doc, new: &Doc, spec: &SpecIndex) -> Vec<Finding> {
    let mut out = Vec::new();
    let numbers: BTreeSet<u32> = old.apis.iter().chain(&new.apis).map(|s| s.number).collect();
    for n in numbers {
        let o = old.apis.iter().find(|s| s.number == n);
        let w = new.apis.iter().find(|s| s.number == n);
        let target = Target {
            api: Some(n),
            callback: None,
            spec: spec.apis.get(&n),
        };
        match (o, w) {
            (Some(o), Some(w)) => section(&target, o, w, false, &mut out),
            (Some(o), None) => out.push(target.finding(
                Kind::ApiRemoved,
                None,
                Some(o.title.clone()),
                None,
                target.spec.is_none(),
            )),
            (None, Some(w)) => out.push(target.finding(
                Kind::ApiAdded,
                None,
                None,
                Some(w.title.clone()),
                target.spec.is_some(),
            )),
            (None, None) => {}
        }
    }
    // Callbacks: every one is `CB-API-1` in the doc, so they pair by position.
    let count = old.callbacks.len().max(new.callbacks.len());
    for i in 0..count {
        let o = old.callbacks.get(i);
        let w = new.callbacks.get(i);
        let title = w.or(o).map(|s| s.title.as_str()).unwrap_or_default();
        let spec_cb = spec
            .callback(title)
            .or_else(|| o.and_then(|o| spec.callback(&o.title)));
        let target = Target {
            api: None,
            callback: Some(spec_cb.map_or_else(|| title.to_owned(), |c| c.name.clone())),
            spec: spec_cb,
        };
        match (o, w) {
            (Some(o), Some(w)) => section(&target, o, w, true, &mut out),
            (Some(o), None) => out.push(target.finding(
                Kind::CallbackRemoved,
                None,
                Some(o.title.clone()),
                None,
                spec_cb.is_none(),
            )),
            (None, Some(w)) => out.push(target.finding(
                Kind::CallbackAdded,
                None,
                None,
                Some(w.title.clone()),
                spec_cb.is_some(),
            )),
            (None, None) => {}
        }
    }
    out
}

fn section(t: &Target<'_>, o: &Section, w: &Section, callback: bool, out: &mut Vec<Finding>) {
    if o.title != w.title {
        let in_spec = t
            .spec
            .is_some_and(|s| s.title.starts_with(&w.title) || s.title.contains(&w.title));
        let kind = if callback {
            Kind::CallbackRetitled
        } else {
            Kind::ApiRetitled
        };
        out.push(t.finding(
            kind,
            None,
            Some(o.title.clone()),
            Some(w.title.clone()),
            in_spec,
        ));
    }
    if o.methods != w.methods {
        let new_set: BTreeSet<&str> = w.methods.iter().flat_map(|m| m.split('/')).collect();
        let new_joined = new_set.into_iter().collect::<Vec<_>>().join("/");
        let in_spec = t.spec.is_some_and(|s| s.methods == new_joined);
        out.push(t.finding(
            Kind::MethodChanged,
            None,
            Some(o.methods.join(", ")),
            Some(w.methods.join(", ")),
            in_spec,
        ));
    }
    let spec_params = t.spec.map(|s| &s.params);
    let spec_fields = t.spec.map(|s| &s.fields);
    if !callback {
        rows(
            t,
            &o.keyed_params(),
            &w.keyed_params(),
            RowKinds::PARAM,
            spec_params,
            out,
        );
    }
    let kinds = if callback {
        RowKinds::CALLBACK
    } else {
        RowKinds::FIELD
    };
    rows(
        t,
        &o.keyed_fields(),
        &w.keyed_fields(),
        kinds,
        spec_fields,
        out,
    );
    if o.urls != w.urls {
        out.push(t.finding(
            Kind::UrlChanged,
            None,
            Some(o.urls.join(", ")),
            Some(w.urls.join(", ")),
            false,
        ));
    }
    if o.prose != w.prose {
        out.push(t.finding(Kind::TextChanged, None, None, None, false));
    }
    if o.examples != w.examples {
        out.push(t.finding(Kind::ExampleChanged, None, None, None, false));
    }
}

#[derive(Clone, Copy)]
struct RowKinds {
    removed: Kind,
    added: Kind,
    type_changed: Kind,
    params: bool,
}

impl RowKinds {
    const PARAM: RowKinds = RowKinds {
        removed: Kind::ParamRemoved,
        added: Kind::ParamAdded,
        type_changed: Kind::ParamTypeChanged,
        params: true,
    };
    const FIELD: RowKinds = RowKinds {
        removed: Kind::FieldRemoved,
        added: Kind::FieldAdded,
        type_changed: Kind::FieldTypeChanged,
        params: false,
    };
    const CALLBACK: RowKinds = RowKinds {
        removed: Kind::CallbackFieldRemoved,
        added: Kind::CallbackFieldAdded,
        type_changed: Kind::CallbackFieldTypeChanged,
        params: false,
    };
}

fn describe(r: &Row) -> String {
    let mut s = r.ty.clone();
    match r.required {
        Some(true) => s.push_str(", required"),
        Some(false) => s.push_str(", optional"),
        None => {}
    }
    if let Some(d) = &r.default {
        s.push_str(", default ");
        s.push_str(d);
    }
    s
}

fn rows(
    t: &Target<'_>,
    old: &[(String, &Row)],
    new: &[(String, &Row)],
    kinds: RowKinds,
    spec: Option<&std::collections::BTreeMap<String, SpecItem>>,
    out: &mut Vec<Finding>,
) {
    // A dotted name (`list.video_id`) is the field `video_id` of a nested record.
    let item = |name: &str| {
        spec.and_then(|m| {
            m.get(name)
                .or_else(|| name.rsplit_once('.').and_then(|(_, last)| m.get(last)))
        })
    };
    // Removed, in the baseline's order.
    for (key, r) in old {
        if !new.iter().any(|(k, _)| k == key) {
            out.push(t.finding(
                kinds.removed,
                Some(&r.name),
                Some(describe(r)),
                None,
                item(&r.name).is_none(),
            ));
        }
    }
    for (key, w) in new {
        let Some((_, o)) = old.iter().find(|(k, _)| k == key) else {
            out.push(t.finding(
                kinds.added,
                Some(&w.name),
                None,
                Some(describe(w)),
                item(&w.name).is_some(),
            ));
            continue;
        };
        let spec_item = item(&w.name);
        if o.ty != w.ty {
            let in_spec = spec_item.is_some_and(|s| s.doc_types.contains(w.ty.as_str()));
            out.push(t.finding(
                kinds.type_changed,
                Some(&w.name),
                Some(o.ty.clone()),
                Some(w.ty.clone()),
                in_spec,
            ));
        }
        if kinds.params && o.required != w.required {
            let in_spec = spec_item.is_some_and(|s| Some(s.required) == w.required);
            out.push(t.finding(
                Kind::ParamRequiredChanged,
                Some(&w.name),
                o.required.map(yes_no),
                w.required.map(yes_no),
                in_spec,
            ));
        }
        if kinds.params && o.default != w.default {
            let in_spec = spec_item.is_some_and(|s| s.default == w.default);
            out.push(t.finding(
                Kind::ParamDefaultChanged,
                Some(&w.name),
                o.default.clone(),
                w.default.clone(),
                in_spec,
            ));
        }
        // Codes that went to a row added after this one, or came from a row removed after it.
        let moved = [moved_codes(new, old, key), moved_codes(old, new, key)];
        let spec_codes = spec_item.and_then(|s| s.codes.as_ref());
        code_changes(t, (o, w), &moved, spec_codes, out);
        if o.description != w.description {
            out.push(t.finding(
                Kind::DescriptionChanged,
                Some(&w.name),
                Some(o.description.clone()),
                Some(w.description.clone()),
                false,
            ));
        }
    }
}

/// A row removed or added next to another moves the lines that continue it to or from its
/// neighbour: the codes in them are not the neighbour's new or lost values. These are the codes of
/// the row after `key` in `rows` when `other` lacks that row.
fn moved_codes(rows: &[(String, &Row)], other: &[(String, &Row)], key: &str) -> BTreeSet<i64> {
    rows.iter()
        .position(|(k, _)| k == key)
        .and_then(|i| rows.get(i + 1))
        .filter(|(next_key, _)| !other.iter().any(|(k, _)| k == next_key))
        .map(|(_, next)| next.codes.clone())
        .unwrap_or_default()
}

/// The enum values a kept row (`o` in the baseline, `w` now) lost or gained, but those `moved`
/// to a row added after it or from a row removed after it.
fn code_changes(
    t: &Target<'_>,
    (o, w): (&Row, &Row),
    [to_new_row, from_old_row]: &[BTreeSet<i64>; 2],
    spec_codes: Option<&BTreeSet<i64>>,
    out: &mut Vec<Finding>,
) {
    for c in o
        .codes
        .difference(&w.codes)
        .filter(|c| !to_new_row.contains(c))
    {
        let in_spec = spec_codes.is_none_or(|codes| !codes.contains(c));
        out.push(t.finding(
            Kind::EnumValueRemoved,
            Some(&w.name),
            Some(c.to_string()),
            None,
            in_spec,
        ));
    }
    for c in w
        .codes
        .difference(&o.codes)
        .filter(|c| !from_old_row.contains(c))
    {
        let in_spec = spec_codes.is_some_and(|codes| codes.contains(c));
        out.push(t.finding(
            Kind::EnumValueAdded,
            Some(&w.name),
            None,
            Some(c.to_string()),
            in_spec,
        ));
    }
}

fn yes_no(b: bool) -> String {
    if b { "是".into() } else { "否".into() }
}
