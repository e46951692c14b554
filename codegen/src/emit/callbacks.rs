//! Callbacks → `callbacks.rs`: a typed event per callback (and per status where the spec lists
//! the fields of each), how a received body is recognised and read, and how an event is written
//! back to fields (for signed test bodies and the fake server).

use proc_macro2::{Literal, TokenStream};
use quote::{format_ident, quote};

use super::{Module, UsedNames, collect_names, doc_lines, field_ty, ident, md, ty, wrap, zh_en};
use crate::ir::{Api, Callback, Code, Field, Scalar, Ty, VariantCase, When};
use crate::naming::UNKNOWN_VARIANT;

pub(super) fn module(api: &Api) -> Module {
    let mut names = Vec::new();
    for c in &api.callbacks {
        for f in &c.fields {
            collect_names(&f.ty, &mut names);
        }
    }
    let UsedNames {
        btree_map,
        runtime,
        types,
    } = UsedNames::new(names);
    let mut items = Vec::new();
    if btree_map {
        items.push(quote!(
            use std::collections::BTreeMap;
        ));
    }
    if !runtime.is_empty() {
        let runtime = runtime.iter().map(|n| ident(n));
        items.push(quote!(use crate::{#(#runtime),*};));
    }
    items.extend([
        quote!(
            use crate::text::{FieldError, Fields};
        ),
        quote!(
            use crate::wire::Params;
        ),
    ]);
    if !types.is_empty() {
        let types = types.iter().map(|n| ident(n));
        items.push(quote!(use crate::types::{#(#types),*};));
    }
    for c in &api.callbacks {
        items.extend(callback(c));
    }
    items.push(top(api));
    Module {
        path: "callbacks.rs".into(),
        source: "spec/api.yaml".into(),
        doc: vec![
            "The callbacks Baijiayun sends, as typed events.".into(),
            String::new(),
            "Re-exported by [`crate::callback`], whose [`crate::callback::Verifier`] checks the"
                .into(),
            "sign and reads the body into a [`CallbackEvent`].".into(),
        ],
        items,
    }
}

/// The fields of one event struct: the case's documented fields, plus the fields no case lists
/// (those that only some bodies carry, like `session_id`), minus the field that selects the case.
fn case_fields<'c>(c: &'c Callback, case: Option<&VariantCase>) -> Vec<&'c Field> {
    let fixed = fixed_field(c).map(|(f, _)| f);
    let Some(variants) = &c.variants else {
        return c
            .fields
            .iter()
            .filter(|f| Some(f.wire.as_str()) != fixed)
            .collect();
    };
    let listed = |name: &str| {
        variants
            .cases
            .iter()
            .any(|k| k.fields.iter().any(|f| f == name))
    };
    c.fields
        .iter()
        .filter(|f| f.wire != variants.field)
        .filter(|f| match case {
            Some(k) => k.fields.contains(&f.wire) || !listed(&f.wire),
            None => !listed(&f.wire),
        })
        .collect()
}

/// The field a `when: equals` recognises the callback by, and its one value: it is not kept in
/// the event (it can hold nothing else) and is written as that value.
fn fixed_field(c: &Callback) -> Option<(&str, &str)> {
    match &c.when {
        When::Equals { field, value } => Some((field, value)),
        _ => None,
    }
}

/// The delivery's send time, which a constructed event takes from the clock.
fn is_timestamp(f: &Field) -> bool {
    f.wire == "timestamp" && f.required && matches!(f.ty, Ty::Scalar(Scalar::Int))
}

/// A struct for one event, with `new`, reading and writing.
fn event_struct(
    name: &proc_macro2::Ident,
    doc: &[String],
    fields: &[&Field],
    discriminator: Option<(&str, &Code)>,
) -> TokenStream {
    let doc = doc_lines(doc);
    let defs = fields.iter().map(|f| {
        let d = doc_lines(&wrap(&zh_en(&f.zh, &f.en)));
        let n = ident(&f.ident);
        let t = field_ty(f);
        quote!(#d pub #n: #t,)
    });
    let reads = fields.iter().map(|f| {
        let n = ident(&f.ident);
        let wire = &f.wire;
        if f.required {
            quote!(#n: fields.tolerant_required(#wire)?,)
        } else {
            quote!(#n: fields.tolerant_optional(#wire)?,)
        }
    });
    let writes = fields.iter().map(|f| {
        let n = ident(&f.ident);
        let wire = &f.wire;
        quote!(out.put(#wire, &self.#n);)
    });
    let write_discriminator = discriminator.map(|(field, code)| match code {
        Code::Int(i) => {
            let lit = Literal::i64_suffixed(*i);
            quote!(out.insert(#field, #lit);)
        }
        Code::Str(s) => quote!(out.insert(#field, #s);),
    });
    let (args, mut inits) =
        super::records::new_parts(fields.iter().copied().filter(|f| !is_timestamp(f)));
    let stamped = fields.iter().find(|f| is_timestamp(f)).map(|f| {
        let n = ident(&f.ident);
        inits.push(quote!(#n: crate::request::unix_now()));
        format!(" `{}` is now.", f.wire)
    });
    let new_doc = doc_lines(&[format!(
        "Builds the event from its always-present fields; the others start as `None`.{}",
        stamped.unwrap_or_default()
    )]);
    quote! {
        #doc
        #[derive(Clone, Debug, PartialEq)]
        #[non_exhaustive]
        pub struct #name {
            #(#defs)*
        }

        impl #name {
            #new_doc
            pub fn new(#(#args),*) -> Self {
                Self { #(#inits),* }
            }

            fn from_fields(fields: Fields<'_>) -> Result<Self, FieldError> {
                Ok(Self { #(#reads)* })
            }

            fn write_fields<'a>(&'a self, out: &mut Params<'a>) {
                #write_discriminator
                #(#writes)*
            }
        }
    }
}

fn callback(c: &Callback) -> Vec<TokenStream> {
    let name = ident(&c.type_name);
    let mut head = vec![
        format!("{} ({})", md(&c.title_zh), md(&c.doc)),
        String::new(),
    ];
    head.extend(wrap(&md(&c.summary)));
    if let Some(d) = &c.description_zh {
        head.push(String::new());
        head.extend(wrap(&md(d)));
    }
    let Some(variants) = &c.variants else {
        let fixed = fixed_field(c).map(|(f, v)| (f, Code::Str(v.to_owned())));
        let fixed = fixed.as_ref().map(|(f, v)| (*f, v));
        return vec![event_struct(&name, &head, &case_fields(c, None), fixed)];
    };
    let field = &variants.field;
    let disc = c.fields.iter().find(|f| &f.wire == field);
    let disc_ty = disc.map(|f| ty(&f.ty)).unwrap_or_else(|| quote!(i64));
    let mut out = Vec::new();
    let mut enum_variants = Vec::new();
    let mut arms = Vec::new();
    let mut write_arms = Vec::new();
    for case in &variants.cases {
        let struct_name = format_ident!("{}{}", c.variant, case.name);
        let v = ident(&case.name);
        let code = match &case.code {
            Code::Int(i) => i.to_string(),
            Code::Str(s) => s.clone(),
        };
        let doc = vec![
            format!("`{field}={code}`: {}", zh_en(&case.zh, &case.en)),
            String::new(),
            format!("One case of [`{}`].", c.type_name),
        ];
        out.push(event_struct(
            &struct_name,
            &doc,
            &case_fields(c, Some(case)),
            Some((field, &case.code)),
        ));
        let vdoc = doc_lines(&[format!("`{field}={code}`: {}", zh_en(&case.zh, &case.en))]);
        enum_variants.push(quote!(#vdoc #v(#struct_name),));
        let pattern = match (&case.code, disc.map(|f| &f.ty)) {
            (Code::Int(_), Some(Ty::Scalar(Scalar::Enum(e)))) => {
                let e = ident(e);
                quote!(#e::#v)
            }
            (Code::Int(i), _) => {
                let lit = Literal::i64_unsuffixed(*i);
                quote!(#lit)
            }
            (Code::Str(s), _) => quote!(#s),
        };
        arms.push(quote!(#pattern => #struct_name::from_fields(fields).map(Self::#v),));
        write_arms.push(quote!(Self::#v(event) => event.write_fields(out),));
    }
    let unknown = ident(UNKNOWN_VARIANT);
    let doc = doc_lines(&head);
    out.push(quote! {
        #doc
        #[derive(Clone, Debug, PartialEq)]
        #[non_exhaustive]
        pub enum #name {
            #(#enum_variants)*
            /// A value of `status` the spec does not know; every field of the body is kept in
            /// [`Callback::fields`](crate::callback::Callback::fields).
            #unknown(#disc_ty),
        }

        impl #name {
            fn from_fields(fields: Fields<'_>) -> Result<Self, FieldError> {
                let value: #disc_ty = fields.tolerant_required(#field)?;
                match value {
                    #(#arms)*
                    other => Ok(Self::#unknown(other)),
                }
            }

            fn write_fields<'a>(&'a self, out: &mut Params<'a>) {
                match self {
                    #(#write_arms)*
                    Self::#unknown(value) => out.put(#field, value),
                }
            }
        }
    });
    out
}

/// `CallbackEvent`: every callback, recognised as the spec's `when` says.
fn top(api: &Api) -> TokenStream {
    let variants = api.callbacks.iter().map(|c| {
        let v = ident(&c.variant);
        let t = ident(&c.type_name);
        let d = doc_lines(&[zh_en(&c.title_zh, &c.summary)]);
        quote!(#d #v(#t),)
    });
    // Specific conditions first, in spec order; the `otherwise` callback last.
    let mut checks = Vec::new();
    let mut fallback = quote!(Err((
        "".to_owned(),
        "no callback of the spec matches".to_owned()
    )));
    for c in &api.callbacks {
        let v = ident(&c.variant);
        let t = ident(&c.type_name);
        let read = quote!(#t::from_fields(fields).map(Self::#v));
        match &c.when {
            When::Equals { field, value } => {
                checks.push(quote!(if fields.get(#field) == Some(#value) { return #read; }));
            }
            When::Present { field } => {
                checks.push(quote!(if fields.get(#field).is_some() { return #read; }));
            }
            When::Otherwise => fallback = read,
        }
    }
    let writes = api.callbacks.iter().map(|c| {
        let v = ident(&c.variant);
        quote!(Self::#v(event) => event.write_fields(out),)
    });
    let unknown = ident(UNKNOWN_VARIANT);
    // A spec without callbacks reads and writes nothing.
    let (fields, out) = if api.callbacks.is_empty() {
        (quote!(_fields), quote!(_out))
    } else {
        (quote!(fields), quote!(out))
    };
    quote! {
        /// Every callback Baijiayun sends, as the spec describes them.
        #[derive(Clone, Debug, PartialEq)]
        #[non_exhaustive]
        pub enum CallbackEvent {
            #(#variants)*
            /// A body no callback of the spec describes, or whose fields do not have their
            /// documented types; the text says why. Every field of the body is kept in
            /// [`Callback::fields`](crate::callback::Callback::fields).
            #unknown(String),
        }

        impl CallbackEvent {
            /// Reads a verified body, or names the field that is missing or not of its type.
            pub(crate) fn read(#fields: Fields<'_>) -> Result<Self, FieldError> {
                #(#checks)*
                #fallback
            }

            /// Writes the event's fields (not `sign`); nothing for `Unknown`.
            pub(crate) fn write_fields<'a>(&'a self, #out: &mut Params<'a>) {
                match self {
                    #(#writes)*
                    Self::#unknown(_) => {}
                }
            }
        }
    }
}
