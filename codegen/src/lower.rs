//! Spec → IR: resolve type references, choose Rust names, and check every rule that concerns one
//! node. Rules that compare nodes across the spec live in [`crate::validate`].

use std::collections::BTreeMap;

use crate::diagnostics::{Diagnostics, Location};
use crate::ir::{
    Api, Callback, Code, Confirms, Encoding, Endpoint, Enum, EnumValue, Example, Field, Group,
    IdType, Method, Pagination, Param, ParamTy, RateLimit, Record, Repr, Role, Scalar, Ty,
    VariantCase, Variants, When, Window,
};
use crate::naming;
use crate::spec::{
    CallbackSpec, EndpointSpec, EnumSpec, FieldSpec, IdSpec, ParamSpec, ScalarValue, Spanned,
    SpecFile, TypeSpec, WhenSpec,
};
use crate::types::{self, TyExpr};

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

    fn id(&mut self, i: &IdSpec) -> IdType {
        self.check_type_name(&i.name, "id");
        if !i.name.value.ends_with("Id") {
            self.diags.error(
                &i.name.at,
                format!("id name '{}' must end in 'Id'", i.name.value),
            );
        }
        IdType {
            name: i.name.value.clone(),
            zh: i.zh.clone(),
            en: i.en.clone(),
            none: i.none.as_ref().map(|n| n.value),
        }
    }

    fn enumeration(&mut self, e: &EnumSpec) -> Option<Enum> {
        self.check_type_name(&e.name, "enum");
        let repr = match e.repr.value.as_str() {
            "int" => Repr::Int,
            "string" => Repr::String,
            other => {
                self.diags.error(
                    &e.repr.at,
                    format!("unknown repr '{other}' (expected int or string)"),
                );
                return None;
            }
        };
        if e.values.is_empty() {
            self.diags
                .error(&e.name.at, "an enum needs at least one value");
        }
        let mut values = Vec::new();
        let mut codes: Vec<Code> = Vec::new();
        for v in &e.values {
            self.check_type_name(&v.name, "variant");
            if v.name.value == naming::UNKNOWN_VARIANT {
                self.diags.error(
                    &v.name.at,
                    "'Unknown' is reserved for the catch-all variant every enum gets",
                );
            }
            let code = match (&v.value.value, repr) {
                (ScalarValue::Int(i), Repr::Int) => Code::Int(*i),
                (ScalarValue::Str(s), Repr::String) => Code::Str(s.clone()),
                (_, Repr::Int) => {
                    self.diags
                        .error(&v.value.at, "value must be an integer (repr: int)");
                    continue;
                }
                (_, Repr::String) => {
                    self.diags
                        .error(&v.value.at, "value must be a string (repr: string)");
                    continue;
                }
            };
            if codes.contains(&code) {
                self.diags
                    .error(&v.value.at, "value is used twice in this enum");
            }
            codes.push(code.clone());
            values.push(EnumValue {
                name: v.name.value.clone(),
                code,
                zh: v.zh.clone(),
                en: v.en.clone(),
            });
        }
        Some(Enum {
            name: e.name.value.clone(),
            repr,
            zh: e.zh.clone(),
            en: e.en.clone(),
            values,
        })
    }

    fn record(&mut self, t: &TypeSpec) -> Option<Record> {
        self.check_type_name(&t.name, "type");
        if t.fields.is_empty() {
            self.diags
                .error(&t.name.at, "a type needs at least one field");
        }
        let fields = t.fields.iter().filter_map(|f| self.field(f)).collect();
        Some(Record {
            name: t.name.value.clone(),
            zh: t.zh.clone(),
            en: t.en.clone(),
            fields,
        })
    }

    /// Resolves a scalar name (a built-in, an enum or a record).
    fn scalar(&self, name: &str) -> Result<Scalar, String> {
        Ok(match name {
            "int" => Scalar::Int,
            "string" => Scalar::String,
            "text" => Scalar::Text,
            "bool" => Scalar::Bool,
            "date" => Scalar::Date,
            "datetime" => Scalar::DateTime,
            "playback_ref" => Scalar::PlaybackRef,
            "lifetime" => Scalar::Lifetime,
            "json" => Scalar::Json,
            _ if self.ids.contains_key(name) => Scalar::Id(name.to_owned()),
            _ if self.enums.contains_key(name) => Scalar::Enum(name.to_owned()),
            _ if self.records.contains_key(name) => Scalar::Record(name.to_owned()),
            _ if types::SPECIAL.contains(&name) => {
                return Err(format!("'{name}' cannot be used here"));
            }
            _ => return Err(format!("unknown type '{name}'")),
        })
    }

    /// Resolves a type expression of a response or field.
    fn ty(&self, text: &str, allow_ack: bool) -> Result<Ty, String> {
        let expr = types::parse(text)?;
        if allow_ack && expr == TyExpr::Name("ack".into()) {
            return Ok(Ty::Ack);
        }
        self.ty_expr(&expr)
    }

    fn ty_expr(&self, expr: &TyExpr) -> Result<Ty, String> {
        match expr {
            TyExpr::Name(n) => match self.scalar(n)? {
                Scalar::Lifetime => Err(
                    "'lifetime' is a param type only (a token's lifetime the client sends)".into(),
                ),
                Scalar::Text => Err(TEXT_FIELDS_ONLY.into()),
                s => Ok(Ty::Scalar(s)),
            },
            TyExpr::List(item) => Ok(Ty::List(Box::new(self.ty_expr(item)?))),
            TyExpr::Map(key, value) => {
                let key = match &**key {
                    TyExpr::Name(n) => self.scalar(n)?,
                    _ => return Err(MAP_KEYS.into()),
                };
                if !matches!(
                    key,
                    Scalar::Int | Scalar::String | Scalar::PlaybackRef | Scalar::Id(_)
                ) {
                    return Err(MAP_KEYS.into());
                }
                Ok(Ty::Map(key, Box::new(self.ty_expr(value)?)))
            }
        }
    }

    fn field(&mut self, f: &FieldSpec) -> Option<Field> {
        self.check_snake(&f.name, "field");
        let ty = if f.ty.value.trim() == "text" {
            Ok(Ty::Scalar(Scalar::Text))
        } else {
            self.ty(&f.ty.value, false)
        };
        let ty = match ty {
            Ok(ty) => ty,
            Err(e) => {
                self.diags.error(&f.ty.at, e);
                return None;
            }
        };
        Some(Field {
            wire: f.name.value.clone(),
            ident: naming::field_ident(&f.name.value),
            ty,
            required: f.required,
            zh: f.zh.clone(),
            en: f.en.clone(),
            example: f.example.clone(),
            doc_type: f.doc_type.clone(),
        })
    }

    fn groups(&mut self, root: &SpecFile, files: &[SpecFile]) -> Vec<Group> {
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

    fn endpoint(&mut self, e: &EndpointSpec) -> Option<Endpoint> {
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
        let window = e.window.as_ref().and_then(|w| {
            let mut ok = true;
            for side in [&w.start, &w.end] {
                let found = params.iter().find(|p| p.wire == side.value);
                if !found.is_some_and(|p| p.required && p.ty == ParamTy::Scalar(Scalar::DateTime)) {
                    self.diags.error(
                        &side.at,
                        format!("'{}' must be a required datetime param", side.value),
                    );
                    ok = false;
                }
            }
            ok.then(|| Window {
                start: w.start.value.clone(),
                end: w.end.value.clone(),
                same_day: w.same_day,
            })
        });
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

    /// Checks a batch's `confirms`: a list parameter of ids (or of records with an id `key`), and a
    /// required list of the same id in the response record.
    fn confirms(
        &mut self,
        c: &crate::spec::ConfirmsSpec,
        params: &[Param],
        response: &Ty,
    ) -> Option<Confirms> {
        let Some(param) = params.iter().find(|p| p.wire == c.param.value) else {
            self.diags
                .error(&c.param.at, format!("no param '{}'", c.param.value));
            return None;
        };
        let requested = match (&param.ty, &c.key) {
            (
                ParamTy::List {
                    item: Scalar::Id(id),
                    ..
                },
                None,
            ) => Some(id.clone()),
            (
                ParamTy::List {
                    item: Scalar::Record(r),
                    ..
                },
                Some(key),
            ) => {
                match self
                    .record_field(r, &key.value)
                    .map(|(t, required)| (types::parse(&t), required))
                {
                    Some((Ok(TyExpr::Name(n)), true)) if self.ids.contains_key(&n) => Some(n),
                    _ => {
                        self.diags.error(
                            &key.at,
                            format!("'{}' must be a required id field of {r}", key.value),
                        );
                        return None;
                    }
                }
            }
            _ => None,
        };
        let Some(requested) = requested else {
            self.diags.error(
                &c.param.at,
                "the param must be a list of ids, or a list of records with a 'key'",
            );
            return None;
        };
        let list = match response {
            Ty::Scalar(Scalar::Record(r)) => self.record_field(r, &c.list.value),
            _ => None,
        };
        let expected = format!("list<{requested}>");
        if list.map(|(t, required)| (t.replace(' ', ""), required))
            != Some((expected.clone(), true))
        {
            self.diags.error(
                &c.list.at,
                format!(
                    "the response record needs a required field '{}' of type \
                     {expected}",
                    c.list.value
                ),
            );
            return None;
        }
        Some(Confirms {
            param: param.ident.clone(),
            param_required: param.required,
            key: c.key.as_ref().map(|k| naming::field_ident(&k.value)),
            list: naming::field_ident(&c.list.value),
        })
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

    fn methods(&mut self, list: &Spanned<Vec<Spanned<String>>>) -> Vec<Method> {
        let mut out = Vec::new();
        for m in &list.value {
            let method = match m.value.as_str() {
                "GET" => Method::Get,
                "POST" => Method::Post,
                other => {
                    self.diags.error(
                        &m.at,
                        format!("unknown method '{other}' (expected GET or POST)"),
                    );
                    continue;
                }
            };
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

    fn param(&mut self, p: &ParamSpec) -> Option<Param> {
        self.check_snake(&p.name, "param");
        let ty = match self.param_ty(p) {
            Ok(t) => t,
            Err(e) => {
                self.diags.error(&p.ty.at, e);
                return None;
            }
        };
        let is_int = matches!(ty, ParamTy::Scalar(Scalar::Int));
        for limit in [&p.min, &p.max].into_iter().flatten() {
            if !is_int {
                self.diags
                    .error(&limit.at, "min and max apply to int params only");
            }
        }
        if let (Some(min), Some(max)) = (&p.min, &p.max)
            && min.value > max.value
        {
            self.diags.error(&max.at, "max is below min");
        }
        let default = p.default.as_ref().map(|d| {
            if let ScalarValue::Int(v) = d.value {
                let below = p.min.as_ref().is_some_and(|m| v < m.value);
                let above = p.max.as_ref().is_some_and(|m| v > m.value);
                if below || above {
                    self.diags.error(&d.at, "default lies outside min..max");
                }
            }
            match &d.value {
                ScalarValue::Int(i) => i.to_string(),
                ScalarValue::Str(s) => s.clone(),
            }
        });
        let role = p.role.as_ref().and_then(|r| {
            let role = match r.value.as_str() {
                "source" => Role::Source,
                "target" => Role::Target,
                other => {
                    self.diags.error(
                        &r.at,
                        format!("unknown role '{other}' (expected source or target)"),
                    );
                    return None;
                }
            };
            if !p.required {
                self.diags.error(
                    &r.at,
                    "role names a required parameter's side; an optional one is named by its setter",
                );
            }
            Some(role)
        });
        if ty == ParamTy::File && p.required {
            self.diags.error(
                &p.name.at,
                "a file param must be optional (the request is multipart only when it is set)",
            );
        }
        Some(Param {
            wire: p.name.value.clone(),
            ident: naming::field_ident(&p.name.value),
            ty,
            required: p.required,
            zh: p.zh.clone(),
            en: p.en.clone(),
            default,
            min: p.min.as_ref().map(|m| m.value),
            max: p.max.as_ref().map(|m| m.value),
            inferred: p.inferred,
            role,
        })
    }

    fn param_ty(&mut self, p: &ParamSpec) -> Result<ParamTy, String> {
        if p.ty.value.trim() == "file" {
            if let Some(enc) = &p.encoding {
                self.diags
                    .error(&enc.at, "encoding applies to list params only");
            }
            return Ok(ParamTy::File);
        }
        let expr = types::parse(&p.ty.value)?;
        match expr {
            TyExpr::Name(n) => {
                if let Some(enc) = &p.encoding {
                    self.diags
                        .error(&enc.at, "encoding applies to list params only");
                }
                match self.scalar(&n)? {
                    Scalar::Json => Err("json cannot be a param type".into()),
                    Scalar::Text => Err(TEXT_FIELDS_ONLY.into()),
                    Scalar::Record(r) => Err(format!(
                        "a record ('{r}') can only be sent as list<{r}> with encoding: json"
                    )),
                    s => Ok(ParamTy::Scalar(s)),
                }
            }
            TyExpr::List(item) => {
                let TyExpr::Name(n) = *item else {
                    return Err("a list param holds scalars or records, not lists or maps".into());
                };
                let item = self.scalar(&n)?;
                if item == Scalar::Text {
                    return Err(TEXT_FIELDS_ONLY.into());
                }
                if let Scalar::Id(id) = &item
                    && let Some(Some(none)) = self.ids.get(id)
                {
                    return Err(format!(
                        "a list of {id} cannot be sent: an item equal to its 'none' ({none}) would \
                         be dropped from the list"
                    ));
                }
                let Some(enc) = &p.encoding else {
                    return Err("a list param needs an encoding (csv or json)".into());
                };
                let encoding = match enc.value.as_str() {
                    "csv" => Encoding::Csv,
                    "json" => Encoding::Json,
                    other => {
                        return Err(format!("unknown encoding '{other}' (expected csv or json)"));
                    }
                };
                if encoding == Encoding::Csv && matches!(item, Scalar::Record(_) | Scalar::Json) {
                    return Err("records can only be sent with encoding: json".into());
                }
                Ok(ParamTy::List { item, encoding })
            }
            TyExpr::Map(..) => Err("a param cannot be a map".into()),
        }
    }

    fn pagination(
        &mut self,
        p: &crate::spec::PaginationSpec,
        params: &[Param],
        response: &Ty,
    ) -> Option<Pagination> {
        let int_param = |name: &Spanned<String>, diags: &mut Diagnostics| {
            let found = params.iter().find(|x| x.wire == name.value);
            match found {
                Some(x) if x.ty == ParamTy::Scalar(Scalar::Int) => Some(x.clone()),
                _ => {
                    diags.error(
                        &name.at,
                        format!("pagination needs an int param '{}'", name.value),
                    );
                    None
                }
            }
        };
        let page = int_param(&p.page, self.diags);
        let page_size = int_param(&p.page_size, self.diags);
        let Ty::Scalar(Scalar::Record(page_type)) = response else {
            self.diags
                .error(&p.items.at, "pagination needs a record response");
            return None;
        };
        let fields = self
            .record_fields
            .get(page_type)
            .cloned()
            .unwrap_or_default();
        let field_ty = |name: &str| {
            fields
                .iter()
                .find(|(n, _, _)| n == name)
                .map(|(_, t, _)| t.clone())
        };
        let item = match field_ty(&p.items.value).map(|t| types::parse(&t)) {
            Some(Ok(TyExpr::List(item))) => match *item {
                TyExpr::Name(n) if self.records.contains_key(&n) => Some(n),
                _ => None,
            },
            _ => None,
        };
        if item.is_none() {
            self.diags.error(
                &p.items.at,
                format!(
                    "'{}' must be a list of records in {page_type}",
                    p.items.value
                ),
            );
        }
        if field_ty(&p.total.value).as_deref() != Some("int") {
            self.diags.error(
                &p.total.at,
                format!("'{}' must be an int field of {page_type}", p.total.value),
            );
        }
        let page_size = page_size?;
        let limit = page_size
            .max
            .or_else(|| page_size.default.as_deref().and_then(|d| d.parse().ok()));
        if limit.is_none() {
            self.diags.error(
                &p.page_size.at,
                "the page-size param needs a max or a default for the pager to ask for",
            );
        }
        Some(Pagination {
            page: page?.wire,
            page_size: page_size.wire,
            items: p.items.value.clone(),
            total: p.total.value.clone(),
            item: item?,
            page_type: page_type.clone(),
            page_size_limit: limit?,
        })
    }

    fn callbacks(&mut self, files: &[SpecFile]) -> Vec<Callback> {
        let all: Vec<&CallbackSpec> = files.iter().flat_map(|f| &f.callbacks).collect();
        let otherwise: Vec<_> = all
            .iter()
            .filter(|c| matches!(c.when.value, WhenSpec::Otherwise))
            .collect();
        if !all.is_empty() && otherwise.len() != 1 {
            let at = all.first().map(|c| c.name.at.clone()).unwrap_or_default();
            self.diags.error(
                &at,
                format!(
                    "exactly one callback must be 'when: otherwise', found {}",
                    otherwise.len()
                ),
            );
        }
        all.into_iter().filter_map(|c| self.callback(c)).collect()
    }

    fn callback(&mut self, c: &CallbackSpec) -> Option<Callback> {
        self.check_snake(&c.name, "callback");
        let fields: Vec<Field> = c.fields.iter().filter_map(|f| self.field(f)).collect();
        for f in c.fields.iter().filter(|f| f.ty.value.trim() == "text") {
            // A callback's fields are form text read by `FromText`; none is text for people.
            self.diags.error(&f.ty.at, TEXT_FIELDS_ONLY);
        }
        if fields.iter().any(|f| f.wire == "sign") {
            self.diags.error(
                &c.name.at,
                "'sign' is implied for every callback and is not listed",
            );
        }
        let has = |name: &str| fields.iter().any(|f| f.wire == name);
        let when = match &c.when.value {
            WhenSpec::Otherwise => When::Otherwise,
            WhenSpec::Equals { field, value } => {
                if !has(&field.value) {
                    self.diags.error(
                        &field.at,
                        format!("no field '{}' in this callback", field.value),
                    );
                }
                When::Equals {
                    field: field.value.clone(),
                    value: value.clone(),
                }
            }
            WhenSpec::Present { field } => {
                if !has(&field.value) {
                    self.diags.error(
                        &field.at,
                        format!("no field '{}' in this callback", field.value),
                    );
                }
                When::Present {
                    field: field.value.clone(),
                }
            }
        };
        let variants = c.variants.as_ref().map(|v| {
            if !has(&v.field.value) {
                self.diags.error(
                    &v.field.at,
                    format!("no field '{}' in this callback", v.field.value),
                );
            }
            let cases = v
                .cases
                .iter()
                .map(|case| {
                    self.check_type_name(&case.name, "variant");
                    for f in &case.fields {
                        if !has(&f.value) {
                            self.diags
                                .error(&f.at, format!("no field '{}' in this callback", f.value));
                        }
                    }
                    VariantCase {
                        name: case.name.value.clone(),
                        code: match &case.value.value {
                            ScalarValue::Int(i) => Code::Int(*i),
                            ScalarValue::Str(s) => Code::Str(s.clone()),
                        },
                        zh: case.zh.clone(),
                        en: case.en.clone(),
                        fields: case.fields.iter().map(|f| f.value.clone()).collect(),
                    }
                })
                .collect();
            Variants {
                field: v.field.value.clone(),
                cases,
            }
        });
        Some(Callback {
            name: c.name.value.clone(),
            type_name: naming::callback_type(&c.name.value),
            variant: naming::callback_variant(&c.name.value),
            doc: c.doc.clone(),
            title_zh: c.title_zh.clone(),
            summary: c.summary.clone(),
            description_zh: c.description_zh.clone(),
            when,
            fields,
            variants,
        })
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stems() {
        assert_eq!(stem("spec/playback.yaml"), "playback");
        assert_eq!(stem("api.yml"), "api");
    }
}
