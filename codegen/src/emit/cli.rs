//! IR → `cli/src/generated.rs`: the `baijiayun` command line's subcommand per endpoint.
//!
//! Each endpoint becomes a `clap::Args` struct (one flag per parameter, in kebab-case, with the
//! vendor's Chinese and the English line as help), a variant of the `Endpoint` subcommand enum,
//! and a `run` that builds the typed request through the public client methods and hands it to
//! the command line's hand-written runtime (`crate::call`). Everything that is the same for every
//! endpoint (confirmation, output, paging, errors) lives in that runtime, not here.

use proc_macro2::TokenStream;
use quote::quote;

use super::{Module, ident, scalar_ty, wrap};
use crate::ir::{Api, Code, Endpoint, Enum, ParamTy, Scalar};
use crate::naming::cli_name;

/// Where the command line's generated code goes, from the workspace root.
pub(crate) const CLI_FILE: &str = "cli/src/generated.rs";

/// The command line's generated module.
pub(crate) fn module(api: &Api) -> Module {
    let mut items = imports(api);
    for en in used_enums(api) {
        items.push(enum_names(en));
    }
    let variants = api.endpoints().map(variant);
    let arms = api.endpoints().map(|e| {
        let v = ident(&e.operation);
        quote!(Self::#v(args) => args.run(call).await,)
    });
    items.push(quote! {
        /// One subcommand per endpoint of the spec, named as the client method in kebab-case.
        #[derive(Debug, clap::Subcommand)]
        pub(crate) enum Endpoint {
            #(#variants)*
        }
    });
    items.push(quote! {
        impl Endpoint {
            /// Builds the endpoint's typed request from the flags and sends it through `call`.
            pub(crate) async fn run(self, call: &Call) -> Outcome {
                match self {
                    #(#arms)*
                }
            }
        }
    });
    for e in api.endpoints() {
        items.push(args_struct(e, api));
        items.push(run_impl(e));
    }
    Module {
        path: CLI_FILE.into(),
        source: "spec/".into(),
        doc: vec![
            "The subcommand of every endpoint of the spec: its flags, its help in the vendor's"
                .into(),
            "Chinese and in English, and the typed request it builds.".into(),
        ],
        items,
    }
}

fn imports(api: &Api) -> Vec<TokenStream> {
    let mut types = Vec::new();
    let mut runtime: Vec<String> = Vec::new();
    let (mut path, mut records, mut enums) = (false, false, false);
    for e in api.endpoints() {
        for p in &e.params {
            records |= matches!(
                &p.ty,
                ParamTy::List {
                    item: Scalar::Record(_),
                    ..
                }
            );
            enums |= matches!(
                &p.ty,
                ParamTy::Scalar(Scalar::Enum(_))
                    | ParamTy::List {
                        item: Scalar::Enum(_),
                        ..
                    }
            );
            match &p.ty {
                ParamTy::File => path = true,
                ParamTy::Scalar(s) | ParamTy::List { item: s, .. } => match s {
                    Scalar::Id(n) | Scalar::Enum(n) | Scalar::Record(n) => types.push(n.clone()),
                    Scalar::Date => runtime.push("Date".into()),
                    Scalar::DateTime => runtime.push("DateTime".into()),
                    Scalar::PlaybackRef => runtime.push("PlaybackRef".into()),
                    Scalar::Lifetime => runtime.push("Lifetime".into()),
                    Scalar::Int | Scalar::String | Scalar::Text | Scalar::Bool | Scalar::Json => {}
                },
            }
            if let Some(role) = p.role {
                runtime.push(role.type_name().into());
            }
        }
    }
    types.sort();
    types.dedup();
    runtime.sort();
    runtime.dedup();
    let mut out = Vec::new();
    if path {
        out.push(quote!(
            use std::path::PathBuf;
        ));
    }
    if api.endpoints().any(|e| e.pagination.is_some()) {
        out.push(quote!(
            use baijiayun::operations::Operation;
        ));
    }
    if !types.is_empty() {
        let types = types.iter().map(|t| ident(t));
        out.push(quote!(use baijiayun::types::{#(#types),*};));
    }
    if !runtime.is_empty() {
        let runtime = runtime.iter().map(|t| ident(t));
        out.push(quote!(use baijiayun::{#(#runtime),*};));
    }
    match (path || enums, records) {
        (true, true) => out.push(quote!(
            use crate::args::{self, JsonItems};
        )),
        (true, false) => out.push(quote!(
            use crate::args;
        )),
        (false, true) => out.push(quote!(
            use crate::args::JsonItems;
        )),
        (false, false) => {}
    }
    out.push(quote!(
        use crate::call::{Call, Outcome};
    ));
    out
}

/// The enums some parameter takes, in spec order.
fn used_enums(api: &Api) -> Vec<&Enum> {
    api.enums
        .iter()
        .filter(|en| {
            api.endpoints()
                .flat_map(|e| &e.params)
                .any(|p| match &p.ty {
                    ParamTy::Scalar(Scalar::Enum(n))
                    | ParamTy::List {
                        item: Scalar::Enum(n),
                        ..
                    } => *n == en.name,
                    _ => false,
                })
        })
        .collect()
}

fn names_const(en: &Enum) -> proc_macro2::Ident {
    quote::format_ident!(
        "{}",
        heck::ToShoutySnakeCase::to_shouty_snake_case(en.name.as_str())
    )
}

/// The names an enum's codes take on the command line, with the code and its help.
fn enum_names(en: &Enum) -> TokenStream {
    let name = names_const(en);
    let doc = format!(
        " `{}`: each value's name on the command line, its code and its help.",
        en.name
    );
    let values = en.values.iter().map(|v| {
        let n = cli_name(&v.name);
        let code = match &v.code {
            Code::Int(i) => i.to_string(),
            Code::Str(s) => s.clone(),
        };
        let help = format!("{code}: {} — {}", v.zh, v.en);
        quote!((#n, #code, #help))
    });
    quote! {
        #[doc = #doc]
        const #name: args::Names = &[#(#values),*];
    }
}

fn about(e: &Endpoint) -> String {
    match e.doc {
        Some(n) => format!("{} (API {n}) — {}", e.title_zh, e.summary),
        None => format!("{} — {}", e.title_zh, e.summary),
    }
}

fn long_about(e: &Endpoint) -> String {
    let mut parts = vec![about(e)];
    if let Some(d) = &e.description_zh {
        parts.push(wrap(d).join("\n"));
    }
    let method = e.methods.first().map_or("POST", |m| m.as_str());
    let mut wire = format!("Sent as {method} {}", e.path);
    if e.path_verified {
        wire.push('.');
    } else {
        wire.push_str(
            ": a path inferred, not published by the vendor (`baijiayun doctor` checks whether \
             your server knows it).",
        );
    }
    parts.push(wire);
    parts.push(if e.retry_safe {
        "It only reads.".into()
    } else {
        "It changes state: asks for confirmation on a terminal; --yes skips the question.".into()
    });
    if let Some(p) = &e.pagination {
        parts.push(format!(
            "--all pages through every item ({} per request), one JSON line each.",
            p.page_size_limit
        ));
    }
    parts.join("\n\n")
}

fn variant(e: &Endpoint) -> TokenStream {
    let v = ident(&e.operation);
    let name = cli_name(&e.name);
    let about = about(e);
    let long = long_about(e);
    quote! {
        #[command(name = #name, about = #about, long_about = #long)]
        #v(#v),
    }
}

/// Whether `param` is the page or page-size parameter of a paged endpoint: optional under `--all`.
fn is_paging(e: &Endpoint, wire: &str) -> bool {
    e.pagination
        .as_ref()
        .is_some_and(|p| p.page == wire || p.page_size == wire)
}

fn value_name(s: &Scalar) -> &'static str {
    match s {
        Scalar::Int | Scalar::Id(_) => "INT",
        Scalar::Lifetime => "SECONDS|never",
        Scalar::String | Scalar::Text => "TEXT",
        Scalar::Bool => "BOOL",
        Scalar::Date => "YYYY-MM-DD",
        Scalar::DateTime => "YYYY-MM-DD HH:MM:SS",
        Scalar::PlaybackRef => "ROOM[-SESSION]",
        Scalar::Json | Scalar::Record(_) => "JSON",
        Scalar::Enum(_) => "NAME|CODE",
    }
}

/// The `value_parser` a scalar needs beyond clap's defaults.
fn value_parser(s: &Scalar, api: &Api) -> Option<TokenStream> {
    match s {
        Scalar::Bool => Some(quote!(clap::builder::BoolishValueParser::new())),
        Scalar::Enum(n) => {
            let en = api.enumeration(n)?;
            let names = names_const(en);
            let ty = ident(n);
            Some(match en.repr {
                crate::ir::Repr::Int => quote!(args::code::<#ty, i64>(#names)),
                crate::ir::Repr::String => quote!(args::code::<#ty, String>(#names)),
            })
        }
        _ => None,
    }
}

fn args_struct(e: &Endpoint, api: &Api) -> TokenStream {
    let name = ident(&e.operation);
    let doc = format!(
        " `{}`: {}",
        cli_name(&e.name),
        about(e).replace('[', "\\[").replace(']', "\\]")
    );
    let fields = e.params.iter().map(|p| {
        let f = ident(&p.ident);
        let long = cli_name(&p.wire);
        let mut help = format!("{} — {}", p.zh, p.en);
        let mut facts = Vec::new();
        if let Some(d) = &p.default {
            facts.push(format!("vendor default {d}"));
        }
        match (p.min, p.max) {
            (Some(a), Some(b)) => facts.push(format!("{a}..={b}")),
            (Some(a), None) => facts.push(format!("at least {a}")),
            (None, Some(b)) => facts.push(format!("at most {b}")),
            (None, None) => {}
        }
        let paging = is_paging(e, &p.wire);
        let required = p.required && !paging;
        let mut attrs = vec![quote!(long = #long)];
        let ty = match &p.ty {
            ParamTy::File => {
                facts.push("the path of the file".into());
                attrs.push(quote!(value_name = "PATH"));
                quote!(PathBuf)
            }
            ParamTy::Scalar(s) => {
                let vn = value_name(s);
                attrs.push(quote!(value_name = #vn));
                if let Some(vp) = value_parser(s, api) {
                    attrs.push(quote!(value_parser = #vp));
                }
                if *s == Scalar::Lifetime {
                    facts.push(
                        "write `never` for the vendor's 0 (never expires); 0 itself is refused"
                            .into(),
                    );
                }
                if *s == Scalar::Bool {
                    attrs.push(quote!(action = clap::ArgAction::Set));
                }
                // Records are only params inside `list<…>` (the spec's validation), so every
                // scalar here has a `FromStr` or a parser above.
                scalar_ty(s)
            }
            ParamTy::List { item, .. } => {
                attrs.push(quote!(action = clap::ArgAction::Append));
                if let Scalar::Record(n) = item {
                    facts.push("a JSON object or array of objects; repeatable".into());
                    attrs.push(quote!(value_name = "JSON"));
                    let n = ident(n);
                    quote!(Vec<JsonItems<#n>>)
                } else {
                    facts.push("comma-separated or repeated".into());
                    let vn = value_name(item);
                    attrs.push(quote!(value_name = #vn));
                    attrs.push(quote!(value_delimiter = ','));
                    if let Some(vp) = value_parser(item, api) {
                        attrs.push(quote!(value_parser = #vp));
                    }
                    let t = scalar_ty(item);
                    quote!(Vec<#t>)
                }
            }
        };
        if required && matches!(p.ty, ParamTy::List { .. }) {
            attrs.push(quote!(required = true));
        }
        if paging && p.required {
            attrs.push(quote!(required_unless_present = "all"));
        }
        if !facts.is_empty() {
            help.push_str(&format!(" [{}]", facts.join("; ")));
        }
        attrs.push(quote!(help = #help));
        let ty = match &p.ty {
            ParamTy::List { .. } => ty,
            _ if required => ty,
            _ => quote!(Option<#ty>),
        };
        quote! {
            #[arg(#(#attrs),*)]
            #f: #ty,
        }
    });
    let all = e.pagination.as_ref().map(|_| {
        quote! {
            #[arg(long, help = "Page through every item, one JSON line each (a progress bar on a terminal)")]
            all: bool,
        }
    });
    quote! {
        #[doc = #doc]
        #[derive(Debug, clap::Args)]
        pub(crate) struct #name {
            #(#fields)*
            #all
        }
    }
}

/// How a parameter's flag value becomes the argument of the client method or setter.
fn convert(p: &crate::ir::Param, value: TokenStream) -> TokenStream {
    let value = match &p.ty {
        ParamTy::File => quote!(args::upload(&#value)?),
        ParamTy::Scalar(_) => value,
        ParamTy::List {
            item: Scalar::Record(_),
            ..
        } => quote!(#value.into_iter().flat_map(JsonItems::into_vec)),
        ParamTy::List { .. } => value,
    };
    match p.role {
        Some(role) => {
            let role = ident(role.type_name());
            quote!(#role(#value))
        }
        None => value,
    }
}

fn run_impl(e: &Endpoint) -> TokenStream {
    let name = ident(&e.operation);
    let method = ident(&e.name);
    let op = ident(&e.operation);
    let required = e.params.iter().filter(|p| p.required).map(|p| {
        let f = ident(&p.ident);
        if is_paging(e, &p.wire) {
            let fallback = match &e.pagination {
                Some(pg) if pg.page_size == p.wire => pg.page_size_limit,
                _ => 1,
            };
            quote!(self.#f.unwrap_or(#fallback))
        } else {
            convert(p, quote!(self.#f))
        }
    });
    let setters = e.params.iter().filter(|p| !p.required).map(|p| {
        let f = ident(&p.ident);
        if let ParamTy::List { .. } = p.ty {
            let c = convert(p, quote!(self.#f));
            quote! {
                if !self.#f.is_empty() {
                    request = request.#f(#c);
                }
            }
        } else {
            let c = convert(p, quote!(value));
            quote! {
                if let Some(value) = self.#f {
                    request = request.#f(#c);
                }
            }
        }
    });
    let mutable = if e.params.iter().any(|p| !p.required) {
        quote!(mut)
    } else {
        quote!()
    };
    let all = e.pagination.as_ref().map(|_| {
        quote! {
            if all {
                return call.all(Operation::#op, request.pages()).await;
            }
        }
    });
    let take_all = e.pagination.as_ref().map(|_| quote!(let all = self.all;));
    quote! {
        impl #name {
            async fn run(self, call: &Call) -> Outcome {
                #take_all
                let #mutable request = call.client().#method(#(#required),*);
                #(#setters)*
                #all
                call.send(&request).await
            }
        }
    }
}
