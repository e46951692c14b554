//! The fake server's interface → `service.rs`: one trait per group with one typed method per
//! endpoint (so the fake implements each group in a file of its own), and the dispatch from an
//! operation and its received parameters to that method. The route table and parameter
//! validation come from the spec; only the behaviour behind each method is written by hand.

use quote::quote;

use super::{Module, collect_names, doc_lines, ident, ty, zh_en};
use crate::ir::{Api, Ty};

pub(super) fn module(api: &Api) -> Module {
    let mut traits = Vec::new();
    let mut bounds = Vec::new();
    let mut arms = Vec::new();
    let mut names = Vec::new();
    for e in api.endpoints() {
        collect_names(&e.response, &mut names);
    }
    let runtime: Vec<_> = ["Date", "DateTime", "PlaybackRef"]
        .into_iter()
        .filter(|n| names.iter().any(|x| x == n))
        .map(ident)
        .collect();
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
            arms.push(quote! {
                Operation::#op => {
                    let request = crate::#group::#req::from_wire(received)?;
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
    if names.iter().any(|n| n == "BTreeMap") {
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
            use crate::mock::{Received, Refusal, ResponseStyle, check_limits, to_json};
        ),
        quote!(
            use crate::operations::Operation;
        ),
        quote!(
            use crate::types::*;
        ),
    ]);
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
            /// Parses and checks the request of `operation`, calls its method, and encodes `data`
            /// in `style`.
            pub(crate) fn dispatch<S: Service>(
                service: &mut S,
                operation: Operation,
                received: &Received,
                style: ResponseStyle,
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

/// Whether the doc's first example of an `ack` endpoint answers `data: true`.
fn ack_is_true(e: &crate::ir::Endpoint) -> bool {
    e.examples.first().is_some_and(|x| {
        serde_json::from_str::<serde_json::Value>(&x.json)
            .is_ok_and(|v| v.get("data") == Some(&serde_json::Value::Bool(true)))
    })
}
