//! The fake server's interface → `service.rs`: one trait per group with one typed method per
//! endpoint (so the fake implements each group in a file of its own), and the dispatch from an
//! operation and its received parameters, read into the typed request, to that method. The route
//! table and parameter validation come from the spec; only the behaviour behind each method is
//! written by hand.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::{Module, UsedNames, collect_names, doc_lines, ident, ty, zh_en};
use crate::ir::{Api, Encoding, Endpoint, Param, ParamTy, Scalar, Ty};
use crate::naming::option_setter;

pub(super) fn module(api: &Api) -> Module {
    let mut traits = Vec::new();
    let mut bounds = Vec::new();
    let mut arms = Vec::new();
    let mut names = Vec::new();
    for e in api.endpoints() {
        collect_names(&e.response, &mut names);
    }
    let used = UsedNames::new(names);
    let runtime: Vec<_> = used.runtime.iter().map(|n| ident(n)).collect();
    let types: Vec<_> = used.types.iter().map(|n| ident(n)).collect();
    // Names a parameter is not given when nothing uses it.
    let encodes = api.endpoints().any(|e| e.response != Ty::Ack);
    let (style, to_json) = if encodes {
        (quote!(style), quote!(, to_json))
    } else {
        (quote!(_style), quote!())
    };
    let received = if api.endpoints().any(|e| !e.params.is_empty()) {
        quote!(received)
    } else {
        quote!(_received)
    };
    for g in &api.groups {
        let group = ident(&g.name);
        let service = ident(&crate::naming::service_trait(&g.name));
        let mut methods = Vec::new();
        for e in &g.endpoints {
            let method = ident(&e.name);
            let req = ident(&e.request_type);
            let op = ident(&e.operation);
            let output = match &e.response {
                Ty::Ack => quote!(()),
                other => {
                    let t = ty(other);
                    quote!(#t)
                }
            };
            let doc = doc_lines(&[zh_en(&e.title_zh, &e.summary)]);
            methods.push(quote! {
                #doc
                fn #method(
                    &mut self,
                    request: crate::#group::#req,
                ) -> Result<#output, Refusal>;
            });
            let respond = match &e.response {
                // Answer like the doc's example: `true` for some acks, `null` for others.
                Ty::Ack if ack_is_true(e) => quote! {
                    service.#method(request)?;
                    Ok(Value::Bool(true))
                },
                Ty::Ack => quote! {
                    service.#method(request)?;
                    Ok(Value::Null)
                },
                _ => quote!(to_json(&service.#method(request)?, style)),
            };
            let read = read(&g.name, e);
            arms.push(quote! {
                Operation::#op => {
                    let request = #read;
                    check_limits(&request)?;
                    #respond
                }
            });
        }
        let doc = doc_lines(&[format!(
            "What the fake server implements for the group `{}` ({}).",
            g.name, g.title_zh
        )]);
        traits.push(quote! {
            #doc
            pub(crate) trait #service {
                #(#methods)*
            }
        });
        bounds.push(service);
    }
    let mut items = Vec::new();
    if used.btree_map {
        items.push(quote!(
            use std::collections::BTreeMap;
        ));
    }
    if !runtime.is_empty() {
        items.push(quote!(use crate::{#(#runtime),*};));
    }
    items.extend([
        quote!(
            use serde_json::Value;
        ),
        quote!(
            use crate::mock::{Received, Refusal, ResponseStyle, check_limits #to_json};
        ),
        quote!(
            use crate::operations::Operation;
        ),
    ]);
    if !types.is_empty() {
        items.push(quote!(use crate::types::{#(#types),*};));
    }
    items.extend(traits);
    items.extend([
        quote! {
            /// What the fake server implements: one method per endpoint, taking the typed request
            /// and returning the typed `data`, or the vendor's refusal; one trait per group.
            pub(crate) trait Service: #(#bounds)+* {}
        },
        quote! {
            impl<S: #(#bounds)+*> Service for S {}
        },
        quote! {
            /// Reads the request of `operation` from what the fake received (every parameter
            /// typed as the spec says), checks it, calls its method, and encodes `data` in
            /// `style`.
            pub(crate) fn dispatch<S: Service>(
                service: &mut S,
                operation: Operation,
                #received: &Received,
                #style: ResponseStyle,
            ) -> Result<Value, Refusal> {
                match operation {
                    #(#arms)*
                }
            }
        },
    ]);
    Module {
        path: "service.rs".into(),
        source: "spec/*.yaml".into(),
        doc: vec![
            "The fake server's interface: one typed method per endpoint, and the dispatch to it."
                .into(),
        ],
        items,
    }
}

/// The typed request of `e`, read from `received` through its public constructor and `set_…`
/// setters, as a user would build it: the request type needs nothing of its own for the fake.
fn read(group: &str, e: &Endpoint) -> TokenStream {
    let (group, req) = (ident(group), ident(&e.request_type));
    let required = e.params.iter().filter(|p| p.required).map(read_param);
    let setters = e.params.iter().filter(|p| !p.required).map(|p| {
        let set = ident(&option_setter(&p.ident));
        let value = read_param(p);
        quote!(.#set(#value))
    });
    quote!(crate::#group::#req::new(#(#required),*) #(#setters)*)
}

/// One parameter read from `received`, typed by where it goes: `received.required_csv("ids")?`.
fn read_param(p: &Param) -> TokenStream {
    let wire = &p.wire;
    let kind = match &p.ty {
        ParamTy::File => return quote!(received.file(#wire)),
        ParamTy::Scalar(_) => "",
        ParamTy::List {
            encoding: Encoding::Csv,
            ..
        } => "_csv",
        ParamTy::List {
            encoding: Encoding::Json,
            ..
        } => "_json",
    };
    let presence = if p.required { "required" } else { "optional" };
    let method = format_ident!("{presence}{kind}");
    // `new` takes `impl Into<String>` or `impl Into<Lifetime>`: name the type read.
    let named = match &p.ty {
        _ if !p.required => None,
        ParamTy::Scalar(Scalar::String) => Some(quote!(::<String>)),
        ParamTy::Scalar(Scalar::Lifetime) => Some(quote!(::<crate::Lifetime>)),
        _ => None,
    };
    let value = quote!(received.#method #named (#wire)?);
    // A copy's sides are named by their wrapper (`Source(..)`), as the client method takes them.
    match p.role {
        Some(role) => {
            let role = format_ident!("{}", role.type_name());
            quote!(crate::#role(#value))
        }
        None => value,
    }
}

/// Whether the doc's first example of an `ack` endpoint answers `data: true`.
fn ack_is_true(e: &crate::ir::Endpoint) -> bool {
    e.examples.first().is_some_and(|x| {
        serde_json::from_str::<serde_json::Value>(&x.json)
            .is_ok_and(|v| v.get("data") == Some(&serde_json::Value::Bool(true)))
    })
}
