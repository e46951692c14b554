//! Enums and record types → `types.rs`.

use proc_macro2::{Ident, TokenStream};
use quote::quote;

use super::{Module, UsedNames, collect_names, doc_lines, field_ty, ident, md, ty, wrap, zh_en};
use crate::ir::{Api, Code, Enum, Field, IdType, ParamTy, Record, Repr, Scalar, Ty};
use crate::naming::{UNKNOWN_VARIANT, cli_name};

pub(super) fn module(api: &Api) -> Module {
    let mut names = Vec::new();
    for r in &api.records {
        for f in &r.fields {
            collect_names(&f.ty, &mut names);
        }
    }
    let used = UsedNames::new(names);
    let runtime: Vec<_> = used.runtime.iter().map(|n| ident(n)).collect();
    let mut items = vec![
        quote!(
            use serde::{Deserialize, Serialize};
        ),
        quote!(
            use crate::de;
        ),
    ];
    if used.btree_map {
        items.insert(
            0,
            quote!(
                use std::collections::BTreeMap;
            ),
        );
    }
    if !runtime.is_empty() {
        items.push(quote!(use crate::{#(#runtime),*};));
    }
    items.extend(api.ids.iter().map(id_type));
    items.extend(api.enums.iter().map(enumeration));
    let sent: Vec<&str> = api
        .endpoints()
        .flat_map(|e| &e.params)
        .filter_map(|p| match &p.ty {
            ParamTy::List {
                item: Scalar::Record(r),
                ..
            } => Some(r.as_str()),
            _ => None,
        })
        .collect();
    for r in &api.records {
        items.push(record(r));
        if sent.contains(&r.name.as_str()) {
            items.push(constructor(r));
        }
        let name = ident(&r.name);
        items.push(quote!(impl de::Tolerant for #name {}));
    }
    if items.iter().all(is_import) {
        // A spec without types: nothing would use the imports.
        items.clear();
    }
    let mut doc = vec![
        "Every id, record and enum of the playback API.".to_owned(),
        String::new(),
        "Records decode tolerantly, by the type of each field (numbers as strings, `\"\"` or"
            .into(),
        "`null` as absent, PHP's `[]` as an empty map), when read with the clients or".into(),
        "`baijiayun::decode`; enums are open, so a code this version does not know is kept in"
            .into(),
        "`Unknown`. Text meant for people (names, descriptions) keeps `\"\"` as the empty text."
            .into(),
    ];
    if !api.ids.is_empty() {
        let ids: Vec<String> = api.ids.iter().map(|i| format!("`{}`", i.name)).collect();
        doc.push(String::new());
        doc.extend(wrap(&format!(
            "Ids are types of their own ({}), so that one of them cannot be given where another \
             belongs.",
            ids.join(", ")
        )));
    }
    Module {
        path: "types.rs".into(),
        source: "spec/*.yaml".into(),
        doc,
        items,
    }
}

/// Whether an item is a `use` declaration.
fn is_import(item: &TokenStream) -> bool {
    matches!(item.clone().into_iter().next(), Some(proc_macro2::TokenTree::Ident(i)) if i == "use")
}

/// An id: a newtype over `i64`, so that ids of different meanings cannot be swapped, converted
/// from and to `i64` freely, written and read as a number.
fn id_type(i: &IdType) -> TokenStream {
    let name = ident(&i.name);
    let mut doc = wrap(&md(&i.zh));
    doc.push(String::new());
    doc.extend(wrap(&md(&i.en)));
    doc.push(String::new());
    doc.extend(wrap(&format!(
        "Made from an `i64` with `{}(n)` or `n.into()`; `i64::from(id)` or `id.0` gives the number \
         back. It is written as a number, and the clients read a number or a numeric string.",
        i.name
    )));
    let unset = i.none.map(|none| {
        let lit = proc_macro2::Literal::i64_unsuffixed(none);
        doc.push(String::new());
        doc.extend(wrap(&format!(
            "`{}({none})` means \"none\": it is never sent, and a response field holding it reads \
             as `None`.",
            i.name
        )));
        quote! {
            fn is_unset(&self) -> bool {
                self.0 == #lit
            }
        }
    });
    let doc = doc_lines(&doc);
    quote! {
        #doc
        #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct #name(pub i64);

        impl From<i64> for #name {
            fn from(id: i64) -> Self {
                Self(id)
            }
        }

        impl From<#name> for i64 {
            fn from(id: #name) -> Self {
                id.0
            }
        }

        impl std::fmt::Display for #name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                std::fmt::Display::fmt(&self.0, f)
            }
        }

        impl std::str::FromStr for #name {
            type Err = std::num::ParseIntError;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                s.parse().map(Self)
            }
        }

        impl de::Coded for #name {
            type Code = i64;

            fn is_known(&self) -> bool {
                true
            }
        }

        impl de::Unset for #name {
            #unset
        }
    }
}

fn enumeration(e: &Enum) -> TokenStream {
    let name = ident(&e.name);
    let unknown = ident(UNKNOWN_VARIANT);
    let mut doc = wrap(&md(&e.zh));
    doc.push(String::new());
    doc.extend(wrap(&md(&e.en)));
    let doc = doc_lines(&doc);
    let variants = e.values.iter().map(|v| {
        let d = doc_lines(&[format!("`{}`: {}", code_text(&v.code), zh_en(&v.zh, &v.en))]);
        let n = ident(&v.name);
        quote!(#d #n,)
    });
    let names: Vec<_> = e.values.iter().map(|v| ident(&v.name)).collect();
    let display = display(e, &names);
    let (code_ty, copy, conversions) = match e.repr {
        Repr::Int => (
            quote!(i64),
            quote!(Copy,),
            int_conversions(e, &name, &unknown, &names),
        ),
        Repr::String => (
            quote!(String),
            quote!(),
            string_conversions(e, &name, &unknown, &names),
        ),
    };
    let code_name = code_ty.to_string();
    quote! {
        #doc
        #[derive(Clone, #copy Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(from = #code_name, into = #code_name)]
        #[non_exhaustive]
        pub enum #name {
            #(#variants)*
            /// A code this version of the crate does not know, kept as received.
            #unknown(#code_ty),
        }

        #conversions

        impl de::Coded for #name {
            type Code = #code_ty;

            fn is_known(&self) -> bool {
                !matches!(self, Self::#unknown(_))
            }
        }

        impl de::Unset for #name {}

        #display
    }
}

/// An enum coded by integers: its `Default` (code `0`), `From<i64>` and back.
fn int_conversions(e: &Enum, name: &Ident, unknown: &Ident, names: &[Ident]) -> TokenStream {
    let codes: Vec<_> = e
        .values
        .iter()
        .map(|v| match v.code {
            Code::Int(i) => {
                let lit = proc_macro2::Literal::i64_unsuffixed(i);
                quote!(#lit)
            }
            Code::Str(_) => quote!(0),
        })
        .collect();
    quote! {
        impl Default for #name {
            /// The code `0`, as a record's default.
            fn default() -> Self {
                Self::from(0)
            }
        }

        impl From<i64> for #name {
            fn from(code: i64) -> Self {
                match code {
                    #(#codes => Self::#names,)*
                    other => Self::#unknown(other),
                }
            }
        }

        impl From<#name> for i64 {
            fn from(value: #name) -> Self {
                match value {
                    #(#name::#names => #codes,)*
                    #name::#unknown(code) => code,
                }
            }
        }
    }
}

/// An enum coded by strings: `as_str`, its `Default` (code `""`), `From<String>` and back.
fn string_conversions(e: &Enum, name: &Ident, unknown: &Ident, names: &[Ident]) -> TokenStream {
    let codes: Vec<_> = e
        .values
        .iter()
        .map(|v| match &v.code {
            Code::Str(s) => quote!(#s),
            Code::Int(_) => quote!(""),
        })
        .collect();
    quote! {
        impl #name {
            /// The code on the wire.
            pub fn as_str(&self) -> &str {
                match self {
                    #(Self::#names => #codes,)*
                    Self::#unknown(code) => code,
                }
            }
        }

        impl Default for #name {
            /// The code `""`, as a record's default.
            fn default() -> Self {
                Self::from(String::new())
            }
        }

        impl From<String> for #name {
            fn from(code: String) -> Self {
                match code.as_str() {
                    #(#codes => Self::#names,)*
                    _ => Self::#unknown(code),
                }
            }
        }

        impl From<#name> for String {
            fn from(value: #name) -> Self {
                match value {
                    #name::#unknown(code) => code,
                    known => known.as_str().to_owned(),
                }
            }
        }
    }
}

/// `Display` for a code enum: a known value as its name in kebab-case (the name the command-line
/// tool takes), an unknown one as its code.
fn display(e: &Enum, names: &[proc_macro2::Ident]) -> TokenStream {
    let name = ident(&e.name);
    let unknown = ident(UNKNOWN_VARIANT);
    let texts: Vec<String> = e.values.iter().map(|v| cli_name(&v.name)).collect();
    quote! {
        impl std::fmt::Display for #name {
            /// A known value as its name in kebab-case (`large-class`), an unknown one as its code.
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                match self {
                    #(Self::#names => f.write_str(#texts),)*
                    Self::#unknown(code) => std::fmt::Display::fmt(code, f),
                }
            }
        }
    }
}

fn code_text(c: &Code) -> String {
    match c {
        Code::Int(i) => i.to_string(),
        Code::Str(s) => s.clone(),
    }
}

fn record(r: &Record) -> TokenStream {
    let name = ident(&r.name);
    let mut doc = wrap(&md(&r.zh));
    doc.push(String::new());
    doc.extend(wrap(&md(&r.en)));
    let doc = doc_lines(&doc);
    let fields = r.fields.iter().map(field);
    quote! {
        #doc
        #[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
        #[non_exhaustive]
        pub struct #name {
            #(#fields)*
        }
    }
}

/// `new` for a record users send (inside a JSON list parameter): required fields are its
/// arguments, optional ones start as `None` and are public to set.
fn constructor(r: &Record) -> TokenStream {
    let name = ident(&r.name);
    let required: Vec<&Field> = r.fields.iter().filter(|f| f.required).collect();
    let (args, inits) = new_parts(&r.fields);
    let mut doc = vec![
        format!("Builds a `{}` from its required fields:", r.name),
        String::new(),
    ];
    for f in &required {
        doc.push(format!("* `{}`: {}", f.ident, zh_en(&f.zh, &f.en)));
    }
    let doc = doc_lines(&doc);
    quote! {
        impl #name {
            #doc
            pub fn new(#(#args),*) -> Self {
                Self { #(#inits),* }
            }
        }
    }
}

/// The parts of a `new` taking the required `fields` (strings as `impl Into<String>`) and
/// starting the optional ones as `None`: its arguments, and the struct's field initialisers.
pub(super) fn new_parts<'f>(
    fields: impl IntoIterator<Item = &'f Field>,
) -> (Vec<TokenStream>, Vec<TokenStream>) {
    let mut args = Vec::new();
    let mut inits = Vec::new();
    for f in fields {
        let n = ident(&f.ident);
        let string = matches!(f.ty, Ty::Scalar(Scalar::String | Scalar::Text));
        inits.push(match (string, f.required) {
            (_, false) => quote!(#n: None),
            (true, true) => quote!(#n: #n.into()),
            (false, true) => quote!(#n),
        });
        if f.required {
            args.push(if string {
                quote!(#n: impl Into<String>)
            } else {
                let t = ty(&f.ty);
                quote!(#n: #t)
            });
        }
    }
    (args, inits)
}

/// A field with its docs and serde attributes.
pub(super) fn field(f: &Field) -> TokenStream {
    let mut lines = wrap(&zh_en(&f.zh, &f.en));
    if let Some(t) = &f.doc_type {
        lines.push(String::new());
        lines.push(format!("The doc's table types it `{t}`."));
    }
    if f.ty == Ty::Scalar(Scalar::Text) {
        lines.push(String::new());
        lines.push(if f.required {
            "Text for people: sent as `\"\"`, it is the empty string.".to_owned()
        } else {
            "Text for people: sent as `\"\"`, it is `Some(\"\")`, the empty string.".to_owned()
        });
    }
    if let Some(e) = &f.example {
        lines.push(String::new());
        lines.push(format!("Example: `{e}`."));
    }
    let doc = doc_lines(&lines);
    let ident_ = ident(&f.ident);
    let rust_ty = field_ty(f);
    let mut attrs = Vec::new();
    if f.ident != f.wire {
        let wire = &f.wire;
        attrs.push(quote!(rename = #wire));
    }
    let text = f.ty == Ty::Scalar(Scalar::Text);
    if f.required {
        if text {
            attrs.push(quote!(deserialize_with = "de::text"));
        }
    } else {
        attrs.push(quote!(default));
        if matches!(f.ty, Ty::Scalar(Scalar::Id(_))) {
            attrs.push(quote!(deserialize_with = "de::optional_code"));
        }
        if text {
            attrs.push(quote!(deserialize_with = "de::optional_text"));
        }
        attrs.push(quote!(skip_serializing_if = "Option::is_none"));
    }
    let serde = if attrs.is_empty() {
        quote!()
    } else {
        quote!(#[serde(#(#attrs),*)])
    };
    quote! {
        #doc
        #serde
        pub #ident_: #rust_ty,
    }
}
