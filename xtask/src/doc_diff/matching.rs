//! What the spec says, in the doc's terms: per doc number, the endpoint's title, methods,
//! parameters and response fields; per callback, its fields. A finding is `in_spec` when the spec
//! already says what the new doc says.

use std::collections::{BTreeMap, BTreeSet};

use codegen::ir::{self, Code, ParamTy, Repr, Scalar, Ty};

/// A parameter or field as the spec has it.
#[derive(Clone, Debug, Default)]
pub(crate) struct SpecItem {
    /// Doc types (`int`, `string`, …) the spec's type agrees with.
    pub(crate) doc_types: BTreeSet<&'static str>,
    pub(crate) required: bool,
    pub(crate) default: Option<String>,
    /// Codes of its enum, when its type is an int-coded enum.
    pub(crate) codes: Option<BTreeSet<i64>>,
}

/// One endpoint or callback of the spec.
#[derive(Clone, Debug, Default)]
pub(crate) struct SpecSection {
    /// The endpoint's method name, or the callback's name.
    pub(crate) name: String,
    pub(crate) title: String,
    pub(crate) methods: String,
    pub(crate) params: BTreeMap<String, SpecItem>,
    /// Every field name in the response (or callback), at any depth; a name used at several
    /// depths merges what they agree with.
    pub(crate) fields: BTreeMap<String, SpecItem>,
}

/// The spec indexed by doc number and callback title.
#[derive(Clone, Debug, Default)]
pub(crate) struct SpecIndex {
    pub(crate) apis: BTreeMap<u32, SpecSection>,
    pub(crate) callbacks: Vec<SpecSection>,
}

impl SpecIndex {
    pub(crate) fn new(api: &ir::Api) -> Self {
        let mut index = SpecIndex::default();
        for e in api.endpoints() {
            let Some(doc) = e.doc else { continue };
            let mut methods: Vec<&str> = e.methods.iter().map(|m| m.as_str()).collect();
            methods.sort_unstable();
            methods.dedup();
            let mut section = SpecSection {
                name: e.name.clone(),
                title: e.title_zh.clone(),
                methods: methods.join("/"),
                ..SpecSection::default()
            };
            // Common to every request, never listed in the spec.
            for (wire, ty) in [
                ("partner_id", "int"),
                ("timestamp", "int"),
                ("sign", "string"),
            ] {
                section.params.insert(
                    wire.to_owned(),
                    SpecItem {
                        doc_types: [ty].into(),
                        required: true,
                        ..SpecItem::default()
                    },
                );
            }
            for p in &e.params {
                let (doc_types, codes) = param_types(api, &p.ty);
                section.params.insert(
                    p.wire.clone(),
                    SpecItem {
                        doc_types,
                        required: p.required,
                        default: p.default.clone(),
                        codes,
                    },
                );
            }
            let mut seen = BTreeSet::new();
            collect_fields(api, &e.response, &mut section.fields, &mut seen);
            index.apis.insert(doc, section);
        }
        for c in &api.callbacks {
            let mut section = SpecSection {
                name: c.name.clone(),
                title: c.title_zh.clone(),
                ..SpecSection::default()
            };
            for f in &c.fields {
                add_field(api, f, &mut section.fields, &mut BTreeSet::new());
            }
            // Every callback is signed; the spec lists every field but `sign`.
            section.fields.insert(
                "sign".to_owned(),
                SpecItem {
                    doc_types: ["string"].into(),
                    required: true,
                    ..SpecItem::default()
                },
            );
            index.callbacks.push(section);
        }
        index
    }

    /// The spec's callback whose title contains the doc's title.
    pub(crate) fn callback(&self, doc_title: &str) -> Option<&SpecSection> {
        self.callbacks
            .iter()
            .find(|c| c.title == doc_title)
            .or_else(|| self.callbacks.iter().find(|c| c.title.contains(doc_title)))
    }
}

fn scalar_types(api: &ir::Api, s: &Scalar) -> (BTreeSet<&'static str>, Option<BTreeSet<i64>>) {
    let types: &[&'static str] = match s {
        Scalar::Int | Scalar::Id(_) | Scalar::Lifetime => {
            &["int", "integer", "bigint", "long", "number"]
        }
        Scalar::String | Scalar::Text => &["string", "text"],
        Scalar::Bool => &["int", "bool", "boolean"],
        Scalar::Date => &["string", "date"],
        Scalar::DateTime => &["string", "datetime", "int", "bigint"],
        Scalar::PlaybackRef => &["string", "int", "bigint"],
        Scalar::Json => &["json", "object", "array", "map", "string"],
        Scalar::Record(_) => &["object", "json", "map", "array"],
        Scalar::Enum(name) => {
            let e = api.enumeration(name);
            return match e.map(|e| e.repr) {
                Some(Repr::String) => (["string", "text"].into(), None),
                _ => {
                    let codes = e.map(|e| {
                        e.values
                            .iter()
                            .filter_map(|v| match v.code {
                                Code::Int(n) => Some(n),
                                Code::Str(_) => None,
                            })
                            .collect()
                    });
                    (["int", "integer", "bigint", "long", "number"].into(), codes)
                }
            };
        }
    };
    (types.iter().copied().collect(), None)
}

fn param_types(api: &ir::Api, ty: &ParamTy) -> (BTreeSet<&'static str>, Option<BTreeSet<i64>>) {
    match ty {
        ParamTy::Scalar(s) => scalar_types(api, s),
        ParamTy::File => (["file"].into(), None),
        ParamTy::List { .. } => (["array", "string", "json"].into(), None),
    }
}

fn ty_types(api: &ir::Api, ty: &Ty) -> (BTreeSet<&'static str>, Option<BTreeSet<i64>>) {
    match ty {
        Ty::Scalar(s) => scalar_types(api, s),
        Ty::Ack => (BTreeSet::new(), None),
        Ty::List(_) => (["array", "json"].into(), None),
        Ty::Map(..) => (["object", "json", "map", "array"].into(), None),
    }
}

fn collect_fields(
    api: &ir::Api,
    ty: &Ty,
    out: &mut BTreeMap<String, SpecItem>,
    seen: &mut BTreeSet<String>,
) {
    match ty {
        Ty::Scalar(Scalar::Record(name)) => {
            if !seen.insert(name.clone()) {
                return;
            }
            if let Some(r) = api.record(name) {
                for f in &r.fields {
                    add_field(api, f, out, seen);
                }
            }
        }
        Ty::List(inner) | Ty::Map(_, inner) => collect_fields(api, inner, out, seen),
        Ty::Scalar(_) | Ty::Ack => {}
    }
}

fn add_field(
    api: &ir::Api,
    f: &ir::Field,
    out: &mut BTreeMap<String, SpecItem>,
    seen: &mut BTreeSet<String>,
) {
    let (mut doc_types, codes) = ty_types(api, &f.ty);
    if let Some(t) = f.doc_type.as_deref().and_then(super::parse::known_type) {
        doc_types.insert(t);
    }
    let item = out.entry(f.wire.clone()).or_default();
    item.doc_types.extend(doc_types);
    item.required |= f.required;
    if let Some(codes) = codes {
        item.codes.get_or_insert_with(BTreeSet::new).extend(codes);
    }
    collect_fields(api, &f.ty, out, seen);
}
