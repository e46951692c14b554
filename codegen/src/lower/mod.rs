//! Spec → IR: resolve type references, choose Rust names, and check every rule that concerns one
//! node. Rules that compare nodes across the spec live in [`crate::validate`].
//!
//! One [`Lowerer`] walks the spec; its methods are split by what they lower: [`types`] (ids,
//! enums, records, fields, type expressions), [`endpoints`] (groups and endpoints), [`params`],
//! [`features`] (pagination, a batch's confirmation, a time window) and [`callbacks`]. This module
//! holds the walk's order, the names every part checks, and the lookups they share.

mod callbacks;
mod endpoints;
mod features;
mod params;
mod types;

use std::collections::BTreeMap;

use crate::diagnostics::{Diagnostics, Location};
use crate::ir::{Api, RateLimit, Repr};
use crate::naming;
use crate::spec::{Spanned, SpecFile};

/// The stem of the root file.
pub(crate) const ROOT_STEM: &str = "api";

/// The stem of a spec file name: `spec/playback.yaml` → `playback`.
pub(crate) fn stem(file: &str) -> &str {
    let name = file.rsplit(['/', '\\']).next().unwrap_or(file);
    name.strip_suffix(".yaml")
        .or_else(|| name.strip_suffix(".yml"))
        .unwrap_or(name)
}

/// Lowers the parsed files. Returns `None` when a problem was found (it is in `diags`).
pub(crate) fn lower(files: &[SpecFile], diags: &mut Diagnostics) -> Option<Api> {
    let Some(root) = files.iter().find(|f| stem(&f.file) == ROOT_STEM) else {
        diags.error(
            &Location {
                file: format!("{ROOT_STEM}.yaml"),
                ..Location::default()
            },
            "the spec needs a root file named api.yaml",
        );
        return None;
    };
    // Spec order: the root file first, then the group files in `groups` order.
    let listed = root.groups.as_deref().unwrap_or_default();
    let position = |f: &SpecFile| {
        let s = stem(&f.file);
        if s == ROOT_STEM {
            0
        } else {
            listed
                .iter()
                .position(|g| g.value == s)
                .map_or(usize::MAX, |i| i + 1)
        }
    };
    let mut ordered: Vec<&SpecFile> = files.iter().collect();
    ordered.sort_by_key(|f| position(f));
    let mut cx = Lowerer::new(files, diags);
    let api = root.api.as_ref();
    if api.is_none() {
        cx.diags.error(&root.at, "api.yaml needs an 'api' section");
    }
    let ids = ordered
        .iter()
        .flat_map(|f| &f.ids)
        .map(|i| cx.id(i))
        .collect();
    let enums = ordered
        .iter()
        .flat_map(|f| &f.enums)
        .filter_map(|e| cx.enumeration(e))
        .collect();
    let records = ordered
        .iter()
        .flat_map(|f| &f.types)
        .filter_map(|t| cx.record(t))
        .collect();
    let groups = cx.groups(root, files);
    let callbacks = cx.callbacks(files);
    let api = api?;
    let rate_limit = RateLimit {
        requests: cx.positive(&api.rate_limit_requests),
        per_seconds: cx.positive(&api.rate_limit_per_seconds),
    };
    if !api.base_url.value.starts_with("https://") && !api.base_url.value.starts_with("http://") {
        cx.diags.error(
            &api.base_url.at,
            "base_url must start with http:// or https://",
        );
    }
    Some(Api {
        title_zh: api.title_zh.clone(),
        summary: api.summary.clone(),
        doc_url: api.doc_url.clone(),
        base_url: api.base_url.value.clone(),
        rate_limit,
        ids,
        enums,
        records,
        groups,
        callbacks,
    })
}

const MAP_KEYS: &str = "a map key must be int, string, playback_ref or an id";
const TEXT_FIELDS_ONLY: &str =
    "'text' (text for people, where \"\" is the empty text) is the type of a record's field only";

struct Lowerer<'d> {
    diags: &'d mut Diagnostics,
    /// Every id type, with the value that means "none" for it, if any.
    ids: BTreeMap<String, Option<i64>>,
    enums: BTreeMap<String, Repr>,
    records: BTreeMap<String, ()>,
    /// Field types and requiredness of each record, for pagination checks.
    record_fields: BTreeMap<String, Vec<(String, String, bool)>>,
}

impl<'d> Lowerer<'d> {
    fn new(files: &[SpecFile], diags: &'d mut Diagnostics) -> Self {
        let mut ids = BTreeMap::new();
        let mut enums = BTreeMap::new();
        let mut records = BTreeMap::new();
        let mut record_fields = BTreeMap::new();
        for f in files {
            for i in &f.ids {
                ids.insert(i.name.value.clone(), i.none.as_ref().map(|n| n.value));
            }
            for e in &f.enums {
                let repr = if e.repr.value == "string" {
                    Repr::String
                } else {
                    Repr::Int
                };
                enums.insert(e.name.value.clone(), repr);
            }
            for t in &f.types {
                records.insert(t.name.value.clone(), ());
                record_fields.insert(
                    t.name.value.clone(),
                    t.fields
                        .iter()
                        .map(|fl| (fl.name.value.clone(), fl.ty.value.clone(), fl.required))
                        .collect(),
                );
            }
        }
        Lowerer {
            diags,
            ids,
            enums,
            records,
            record_fields,
        }
    }

    fn positive(&mut self, v: &Spanned<i64>) -> u32 {
        match u32::try_from(v.value) {
            Ok(n) if n > 0 => n,
            _ => {
                self.diags.error(&v.at, "must be a positive integer");
                1
            }
        }
    }

    /// Checks that `name` is UpperCamelCase, for enums, records and variants.
    fn check_type_name(&mut self, name: &Spanned<String>, what: &str) {
        if !naming::is_upper_camel(&name.value) {
            self.diags.error(
                &name.at,
                format!("{what} name '{}' must be UpperCamelCase", name.value),
            );
        }
    }

    fn check_snake(&mut self, name: &Spanned<String>, what: &str) {
        if !naming::is_snake_case(&name.value) {
            self.diags.error(
                &name.at,
                format!("{what} name '{}' must be snake_case", name.value),
            );
        }
    }

    /// The type text of field `field` of record `record`, as written in the spec, and whether the
    /// field is required.
    fn record_field(&self, record: &str, field: &str) -> Option<(String, bool)> {
        self.record_fields
            .get(record)?
            .iter()
            .find(|(n, _, _)| n == field)
            .map(|(_, t, required)| (t.clone(), *required))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stems() {
        assert_eq!(stem("spec/playback.yaml"), "playback");
        assert_eq!(stem("api.yml"), "api");
    }
}
