//! Rules that compare nodes across the whole spec. Rules about one node live in
//! [`crate::lower`]. Each check pushes every violation it finds.

use std::collections::BTreeMap;

use crate::diagnostics::{Diagnostics, Location};
use crate::naming;
use crate::spec::SpecFile;

/// Runs every cross-spec check.
pub(crate) fn check(files: &[SpecFile], diags: &mut Diagnostics) {
    check_unique_type_names(files, diags);
    check_runtime_names(files, diags);
    check_unique_endpoints(files, diags);
    check_unique_paths(files, diags);
    check_unique_doc_numbers(files, diags);
    check_unique_callbacks(files, diags);
    check_unique_fields(files, diags);
}

/// Reports every name seen before, pointing at the later one and naming the first.
fn report_duplicates<'a>(
    items: impl IntoIterator<Item = (String, &'a Location)>,
    what: &str,
    diags: &mut Diagnostics,
) {
    let mut seen: BTreeMap<String, &Location> = BTreeMap::new();
    for (name, at) in items {
        if let Some(first) = seen.get(&name) {
            diags.error(
                at,
                format!(
                    "{what} '{name}' is already defined at {}:{}:{}",
                    first.file, first.line, first.column
                ),
            );
        } else {
            seen.insert(name, at);
        }
    }
}

/// Ids, enums, records, request types and callback events all live in one Rust namespace
/// (`baijiayun::types` re-exports), so their names must differ from each other.
fn check_unique_type_names(files: &[SpecFile], diags: &mut Diagnostics) {
    let ids = files
        .iter()
        .flat_map(|f| &f.ids)
        .map(|i| (i.name.value.clone(), &i.name.at));
    let enums = files
        .iter()
        .flat_map(|f| &f.enums)
        .map(|e| (e.name.value.clone(), &e.name.at));
    let types = files
        .iter()
        .flat_map(|f| &f.types)
        .map(|t| (t.name.value.clone(), &t.name.at));
    let requests = files
        .iter()
        .flat_map(|f| &f.endpoints)
        .map(|e| (naming::request_type(&e.name.value), &e.name.at));
    let events = files
        .iter()
        .flat_map(|f| &f.callbacks)
        .map(|c| (naming::callback_type(&c.name.value), &c.name.at));
    report_duplicates(
        ids.chain(enums).chain(types).chain(requests).chain(events),
        "type name",
        diags,
    );
}

/// Generated code imports the runtime's own types (`Date`, `Source`, ...) from the crate's root,
/// so a spec type may not take one of their names.
fn check_runtime_names(files: &[SpecFile], diags: &mut Diagnostics) {
    let names = files.iter().flat_map(|f| {
        let ids = f.ids.iter().map(|i| &i.name);
        let enums = f.enums.iter().map(|e| &e.name);
        let types = f.types.iter().map(|t| &t.name);
        ids.chain(enums).chain(types)
    });
    for name in names {
        if naming::RUNTIME_TYPES.contains(&name.value.as_str()) {
            diags.error(
                &name.at,
                format!(
                    "'{}' is the name of a runtime type; choose another",
                    name.value
                ),
            );
        }
    }
}

/// Every endpoint is a method on the clients, so names are unique across groups.
fn check_unique_endpoints(files: &[SpecFile], diags: &mut Diagnostics) {
    let names = files
        .iter()
        .flat_map(|f| &f.endpoints)
        .map(|e| (e.name.value.clone(), &e.name.at));
    report_duplicates(names, "endpoint", diags);
}

/// Two endpoints on one path would make the fake server's routing ambiguous.
fn check_unique_paths(files: &[SpecFile], diags: &mut Diagnostics) {
    let paths = files
        .iter()
        .flat_map(|f| &f.endpoints)
        .map(|e| (e.http.path.value.clone(), &e.http.path.at));
    report_duplicates(paths, "path", diags);
}

/// The doc numbers its APIs once each; a repeat is a transcription slip.
fn check_unique_doc_numbers(files: &[SpecFile], diags: &mut Diagnostics) {
    let docs = files
        .iter()
        .flat_map(|f| &f.endpoints)
        .filter_map(|e| e.doc.as_ref())
        .map(|d| (d.value.to_string(), &d.at));
    report_duplicates(docs, "doc number", diags);
}

fn check_unique_callbacks(files: &[SpecFile], diags: &mut Diagnostics) {
    let names = files
        .iter()
        .flat_map(|f| &f.callbacks)
        .map(|c| (c.name.value.clone(), &c.name.at));
    report_duplicates(names, "callback", diags);
}

/// Distinct wire names can map to one Rust identifier (`type` and `type_`); fields and params
/// must stay distinct after escaping.
fn check_unique_fields(files: &[SpecFile], diags: &mut Diagnostics) {
    for f in files {
        for t in &f.types {
            let idents = t
                .fields
                .iter()
                .map(|x| (naming::field_ident(&x.name.value), &x.name.at));
            report_duplicates(idents, "field", diags);
        }
        for e in &f.endpoints {
            let idents = e
                .params
                .iter()
                .map(|p| (naming::field_ident(&p.name.value), &p.name.at));
            report_duplicates(idents, "param", diags);
        }
    }
}
