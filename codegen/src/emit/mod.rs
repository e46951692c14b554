//! IR → token streams: one [`Module`] per generated file. Emitters use `quote!` only; the text
//! form is [`crate::render`]'s business.

mod callbacks;
mod cli;
mod docs;
mod endpoints;
mod operations;
mod records;
mod service;

pub(crate) use cli::{CLI_FILE, module as cli_module};
pub(crate) use docs::endpoints_markdown;
pub(crate) use service::{SERVICE_FILE, module as service_module};

use proc_macro2::{Ident, Span, TokenStream};
use quote::quote;

use crate::ir::{Api, Field, ParamTy, Scalar, Ty};

/// One generated file before rendering.
#[derive(Debug)]
pub(crate) struct Module {
    /// Path below `client/src/generated/`, e.g. `playback.rs` (or from the workspace root for
    /// files elsewhere, see [`crate::render::render_at`]).
    pub(crate) path: String,
    /// The spec file(s) it comes from, for the header.
    pub(crate) source: String,
    /// Lines of the `//!` module doc.
    pub(crate) doc: Vec<String>,
    /// Top-level items, rendered one by one with a blank line between them.
    pub(crate) items: Vec<TokenStream>,
}

/// Emits every file of the client's generated code: `mod.rs`, `types.rs`, `callbacks.rs`,
/// `operations.rs` and one per group.
pub(crate) fn emit(api: &Api) -> Vec<Module> {
    let mut out = vec![
        index(api),
        records::module(api),
        callbacks::module(api),
        operations::module(api),
    ];
    out.extend(api.groups.iter().map(endpoints::module));
    out
}

fn index(api: &Api) -> Module {
    let mut items = vec![
        quote!(
            pub(crate) mod callbacks;
        ),
        quote!(
            pub mod operations;
        ),
        quote!(
            pub mod types;
        ),
    ];
    for g in &api.groups {
        let name = ident(&g.name);
        let doc = doc_lines(&[zh_en(&g.title_zh, &g.summary)]);
        items.push(quote!(#doc pub mod #name;));
    }
    Module {
        path: "mod.rs".into(),
        source: "spec/".into(),
        doc: vec![
            format!(
                "{} ({}): the generated part of the client.",
                md(&api.summary),
                md(&api.title_zh)
            ),
            String::new(),
            "`types` holds every record and enum, `operations` the table of endpoints, and one"
                .into(),
            "module per group holds its request types and the client methods.".into(),
        ],
        items,
    }
}

/// An identifier from a name the IR already checked.
pub(crate) fn ident(name: &str) -> Ident {
    Ident::new(name, Span::call_site())
}

/// `#[doc]` attributes, one per line, so prettyplease prints them as `///` lines.
pub(crate) fn doc_lines<S: AsRef<str>>(lines: &[S]) -> TokenStream {
    let attrs = lines.iter().map(|l| {
        let l = l.as_ref();
        let text = if l.is_empty() {
            String::new()
        } else {
            format!(" {l}")
        };
        quote!(#[doc = #text])
    });
    quote!(#(#attrs)*)
}

/// Spec text made safe for a doc comment: the vendor's `[…]` marks, `<token>` placeholders and
/// `*` are escaped so rustdoc shows them instead of reading links, HTML or emphasis.
pub(crate) fn md(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '[' | ']' | '<' | '>' | '*' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// The one-line doc of a described item: the vendor's Chinese, then the English, both escaped.
pub(crate) fn zh_en(zh: &str, en: &str) -> String {
    format!("{} — {}", md(zh), md(en))
}

/// Splits a long paragraph into lines of at most about 90 characters, at spaces or after
/// Chinese punctuation, so generated docs stay readable.
pub(crate) fn wrap(text: &str) -> Vec<String> {
    const WIDTH: usize = 90;
    let mut lines = Vec::new();
    for paragraph in text.lines() {
        let mut line = String::new();
        let mut width = 0;
        for ch in paragraph.chars() {
            line.push(ch);
            width += if ch.is_ascii() { 1 } else { 2 };
            let breakable = ch == ' ' || "，。；、：）".contains(ch);
            if width >= WIDTH && breakable {
                lines.push(line.trim_end().to_owned());
                line.clear();
                width = 0;
            }
        }
        if !line.trim().is_empty() {
            lines.push(line.trim_end().to_owned());
        }
    }
    lines
}

/// The Rust type of a scalar.
pub(crate) fn scalar_ty(s: &Scalar) -> TokenStream {
    match s {
        Scalar::Int => quote!(i64),
        Scalar::String | Scalar::Text => quote!(String),
        Scalar::Bool => quote!(bool),
        Scalar::Date => quote!(Date),
        Scalar::DateTime => quote!(DateTime),
        Scalar::PlaybackRef => quote!(PlaybackRef),
        Scalar::Lifetime => quote!(Lifetime),
        Scalar::Json => quote!(serde_json::Value),
        Scalar::Id(n) | Scalar::Enum(n) | Scalar::Record(n) => {
            let n = ident(n);
            quote!(#n)
        }
    }
}

/// The Rust type of a response type.
pub(crate) fn ty(t: &Ty) -> TokenStream {
    match t {
        Ty::Scalar(s) => scalar_ty(s),
        Ty::Ack => quote!(()),
        Ty::List(item) => {
            let item = ty(item);
            quote!(Vec<#item>)
        }
        Ty::Map(k, v) => {
            let k = scalar_ty(k);
            let v = ty(v);
            quote!(BTreeMap<#k, #v>)
        }
    }
}

/// The Rust type of a record's or callback's field: its type, `Option<…>` when optional.
pub(crate) fn field_ty(f: &Field) -> TokenStream {
    let t = ty(&f.ty);
    if f.required { t } else { quote!(Option<#t>) }
}

/// The Rust type of a parameter as stored in the request.
pub(crate) fn param_ty(t: &ParamTy) -> TokenStream {
    match t {
        ParamTy::Scalar(s) => scalar_ty(s),
        ParamTy::File => quote!(Upload),
        ParamTy::List { item, .. } => {
            let item = scalar_ty(item);
            quote!(Vec<#item>)
        }
    }
}

/// Names used by a type, for precise imports: records, enums and runtime scalars.
pub(crate) fn collect_names(t: &Ty, out: &mut Vec<String>) {
    match t {
        Ty::Scalar(s) => collect_scalar(s, out),
        Ty::Ack => {}
        Ty::List(item) => collect_names(item, out),
        Ty::Map(k, v) => {
            out.push("BTreeMap".into());
            collect_scalar(k, out);
            collect_names(v, out);
        }
    }
}

/// Names used by a scalar.
pub(crate) fn collect_scalar(s: &Scalar, out: &mut Vec<String>) {
    match s {
        Scalar::Date => out.push("Date".into()),
        Scalar::DateTime => out.push("DateTime".into()),
        Scalar::PlaybackRef => out.push("PlaybackRef".into()),
        Scalar::Lifetime => out.push("Lifetime".into()),
        Scalar::Id(n) | Scalar::Enum(n) | Scalar::Record(n) => out.push(n.clone()),
        Scalar::Int | Scalar::String | Scalar::Text | Scalar::Bool | Scalar::Json => {}
    }
}

/// The names [`collect_names`] found in a module, sorted by where they are imported from; each
/// list sorted, without repeats. Only what is used is imported: a small spec's module would
/// otherwise warn.
pub(crate) struct UsedNames {
    /// Whether `std::collections::BTreeMap` is used.
    pub(crate) btree_map: bool,
    /// The runtime's types, at the crate's root (`crate::Date`).
    pub(crate) runtime: Vec<String>,
    /// The spec's records and enums, in `crate::types`.
    pub(crate) types: Vec<String>,
}

impl UsedNames {
    pub(crate) fn new(mut names: Vec<String>) -> Self {
        names.sort();
        names.dedup();
        let btree_map = names.iter().any(|n| n == "BTreeMap");
        names.retain(|n| n != "BTreeMap");
        let (runtime, types) = names
            .into_iter()
            .partition(|n| crate::naming::RUNTIME_TYPES.contains(&n.as_str()));
        Self {
            btree_map,
            runtime,
            types,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn md_escapes_what_rustdoc_would_read_as_markup() {
        assert_eq!(md("文[…](无[…])"), "文\\[…\\](无\\[…\\])");
        assert_eq!(md("token=<token> *x*"), "token=\\<token\\> \\*x\\*");
        assert_eq!(md("room_id `code`"), "room_id `code`");
    }

    #[test]
    fn wrap_breaks_long_text_and_keeps_short_text() {
        assert_eq!(wrap("short"), vec!["short"]);
        let long = "word ".repeat(40);
        let lines = wrap(&long);
        assert!(lines.len() > 1);
        assert!(lines.iter().all(|l| l.len() <= 95));
        assert_eq!(lines.join(" "), long.trim_end());
    }
}
