//! Lowering of the groups and their endpoints: names, HTTP facts, retry safety and examples.

use super::{Lowerer, ROOT_STEM, stem};
use crate::diagnostics::Diagnostics;
use crate::ir::{Endpoint, Example, Group, Param, ParamTy};
use crate::naming;
use crate::spec::{EndpointSpec, Spanned, SpecFile};

impl Lowerer<'_> {
    pub(super) fn groups(&mut self, root: &SpecFile, files: &[SpecFile]) -> Vec<Group> {
        let Some(listed) = &root.groups else {
            self.diags.error(&root.at, "api.yaml needs a 'groups' list");
            return Vec::new();
        };
        let mut groups = Vec::new();
        for name in listed {
            self.check_snake(name, "group");
            if naming::is_keyword(&name.value)
                || naming::RESERVED_MODULES.contains(&name.value.as_str())
                || name.value == ROOT_STEM
            {
                self.diags.error(
                    &name.at,
                    format!("'{}' cannot name a group (reserved)", name.value),
                );
            }
            let Some(file) = files.iter().find(|f| stem(&f.file) == name.value) else {
                self.diags.error(
                    &name.at,
                    format!("group '{}' has no file {}.yaml", name.value, name.value),
                );
                continue;
            };
            let Some(info) = &file.group else {
                self.diags
                    .error(&file.at, "a group file needs a 'group' section");
                continue;
            };
            let endpoints = file
                .endpoints
                .iter()
                .filter_map(|e| self.endpoint(e))
                .collect();
            groups.push(Group {
                name: name.value.clone(),
                file: file.file.clone(),
                title_zh: info.title_zh.clone(),
                summary: info.summary.clone(),
                endpoints,
            });
        }
        for f in files {
            let s = stem(&f.file);
            if s == ROOT_STEM {
                if f.group.is_some() || !f.endpoints.is_empty() {
                    self.diags.error(
                        &f.at,
                        "api.yaml holds no 'group' or 'endpoints'; put them in a group file",
                    );
                }
                continue;
            }
            if !listed.iter().any(|g| g.value == s) {
                self.diags.error(
                    &f.at,
                    format!("file {} is not listed in api.yaml 'groups'", f.file),
                );
            }
            if f.api.is_some() || f.groups.is_some() || !f.callbacks.is_empty() || !f.ids.is_empty()
            {
                self.diags.error(
                    &f.at,
                    "'api', 'groups', 'ids' and 'callbacks' belong in api.yaml",
                );
            }
        }
        groups
    }

    pub(super) fn endpoint(&mut self, e: &EndpointSpec) -> Option<Endpoint> {
        self.check_snake(&e.name, "endpoint");
        if naming::is_keyword(&e.name.value) {
            self.diags
                .error(&e.name.at, "an endpoint name cannot be a Rust keyword");
        }
        let doc = e.doc.as_ref().and_then(|d| match u32::try_from(d.value) {
            Ok(n @ 1..=39) => Some(n),
            _ => {
                self.diags.error(
                    &d.at,
                    "doc must be an API number of the vendor doc, 1 to 39",
                );
                None
            }
        });
        let methods = self.methods(&e.http.methods);
        let path = &e.http.path;
        if !path.value.starts_with("/openapi/") || path.value.contains(char::is_whitespace) {
            self.diags.error(
                &path.at,
                "path must start with /openapi/ and contain no spaces",
            );
        }
        if e.retry_safe.value && !e.name.value.starts_with("get") {
            self.diags.error(
                &e.retry_safe.at,
                "only reads (names starting with 'get') can be retry_safe: a write must never be sent twice",
            );
        }
        let params: Vec<Param> = e.params.iter().filter_map(|p| self.param(p)).collect();
        let has_file = params.iter().any(|p| p.ty == ParamTy::File);
        if has_file != e.http.upload.value {
            self.diags.error(
                &e.http.upload.at,
                if has_file {
                    "a file param needs http.upload: true"
                } else {
                    "http.upload: true needs a file param"
                },
            );
        }
        let response = match self.ty(&e.response.value, true) {
            Ok(t) => t,
            Err(err) => {
                self.diags.error(&e.response.at, err);
                return None;
            }
        };
        let pagination = e
            .pagination
            .as_ref()
            .and_then(|p| self.pagination(p, &params, &response));
        let confirms = e
            .confirms
            .as_ref()
            .and_then(|c| self.confirms(c, &params, &response));
        let window = e.window.as_ref().and_then(|w| self.window(w, &params));
        let examples = e
            .examples
            .iter()
            .map(|x| {
                check_example(&x.json, self.diags);
                Example {
                    title: x.title.clone(),
                    json: x.json.value.clone(),
                    repaired: x.repaired.clone(),
                }
            })
            .collect();
        Some(Endpoint {
            name: e.name.value.clone(),
            request_type: naming::request_type(&e.name.value),
            operation: naming::operation_variant(&e.name.value),
            doc,
            title_zh: e.title_zh.clone(),
            summary: e.summary.clone(),
            description_zh: e.description_zh.clone(),
            notes: e.notes.clone(),
            methods,
            path: path.value.clone(),
            path_verified: e.http.path_verified,
            path_source: e.http.path_source.clone(),
            upload: e.http.upload.value,
            retry_safe: e.retry_safe.value,
            params,
            response,
            pagination,
            confirms,
            window,
            examples,
        })
    }

    fn methods(&mut self, list: &Spanned<Vec<Spanned<String>>>) -> Vec<String> {
        let mut out = Vec::new();
        for m in &list.value {
            let method = m.value.clone();
            if !naming::HTTP_METHODS.contains(&method.as_str()) {
                self.diags.error(
                    &m.at,
                    format!("unknown method '{method}' (expected GET or POST)"),
                );
                continue;
            }
            if out.contains(&method) {
                self.diags.error(&m.at, "method listed twice");
            }
            out.push(method);
        }
        if list.value.is_empty() {
            self.diags
                .error(&list.at, "methods must list at least one method");
        }
        out
    }
}

/// An example must be a JSON object with an integer `code`, the vendor's envelope.
fn check_example(json: &Spanned<String>, diags: &mut Diagnostics) {
    match serde_json::from_str::<serde_json::Value>(&json.value) {
        Ok(serde_json::Value::Object(m)) => {
            if !m.get("code").is_some_and(serde_json::Value::is_i64) {
                diags.error(&json.at, "an example needs an integer 'code'");
            }
        }
        Ok(_) => diags.error(&json.at, "an example must be a JSON object (the envelope)"),
        Err(e) => diags.error(&json.at, format!("example is not valid JSON: {e}")),
    }
}
