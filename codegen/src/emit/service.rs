//! The fake server's interface → `mock/src/generated/service.rs` (in the `baijiayun-mock`
//! package): per endpoint, the parameters it received typed as the spec says (`…Params`); one
//! trait per group with one typed method per endpoint (so the fake implements each group in a file
//! of its own); and the dispatch from an operation and its received parameters to that method.
//! The route table and parameter validation come from the spec; only the behaviour behind each
//! method is written by hand.
//!
//! The code names the client through `baijiayun::` paths (its public API only) and the fake's own
//! items through `crate::`; [`crate::root::reroot_service`] moves both for the fixtures.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::{
    Module, UsedNames, collect_names, collect_scalar, doc_lines, ident, param_ty, ty, zh_en,
};
use crate::ir::{Api, Encoding, Endpoint, Group, Param, ParamTy, Ty};
use crate::naming::option_setter;

/// Where the fake's interface is written, from the workspace root.
pub(crate) const SERVICE_FILE: &str = "mock/src/generated/service.rs";

pub(crate) fn module(api: &Api) -> Module {
    let used = used_names(api);
    let encodes = api.endpoints().any(|e| e.response != Ty::Ack);
    let mut items = imports(&used, encodes);
    for g in &api.groups {
        for e in &g.endpoints {
            items.extend(params_struct(&g.name, e));
        }
    }
    items.extend(api.groups.iter().map(group_trait));
    let bounds: Vec<_> = api
        .groups
        .iter()
        .map(|g| ident(&crate::naming::service_trait(&g.name)))
        .collect();
    items.extend([
        quote! {
            /// What the fake server implements: one method per endpoint, taking the parameters it
            /// received, typed, and returning the typed `data`, or the vendor's refusal; one trait
            /// per group.
            pub(crate) trait Service: #(#bounds)+* {}
        },
        quote! {
            impl<S: #(#bounds)+*> Service for S {}
        },
        dispatch(api, encodes),
    ]);
    Module {
        path: SERVICE_FILE.into(),
        source: "spec/*.yaml".into(),
        doc: vec![
            "The fake server's interface: the parameters of each endpoint, typed; one typed method"
                .into(),
            "per endpoint; and the dispatch to it.".into(),
        ],
        items,
    }
}

/// The module's imports: `encodes` when some response is encoded as JSON (`to_json`).
fn imports(used: &UsedNames, encodes: bool) -> Vec<TokenStream> {
    let runtime: Vec<_> = used.runtime.iter().map(|n| ident(n)).collect();
    let types: Vec<_> = used.types.iter().map(|n| ident(n)).collect();
    let to_json = if encodes { quote!(, to_json) } else { quote!() };
    let mut items = Vec::new();
    if used.btree_map {
        items.push(quote!(
            use std::collections::BTreeMap;
        ));
    }
    if !runtime.is_empty() {
        items.push(quote!(use baijiayun::{#(#runtime),*};));
    }
    items.extend([
        quote!(
            use serde_json::Value;
        ),
        quote!(
            use crate::{Received, Refusal, ResponseStyle, check_limits #to_json};
        ),
        quote!(
            use baijiayun::operations::Operation;
        ),
    ]);
    if !types.is_empty() {
        items.push(quote!(use baijiayun::types::{#(#types),*};));
    }
    items
}

/// A group's service trait: one method per endpoint, from its typed parameters to its `data`.
fn group_trait(g: &Group) -> TokenStream {
    let service = ident(&crate::naming::service_trait(&g.name));
    let methods = g.endpoints.iter().map(|e| {
        let method = ident(&e.name);
        let params_type = params_type(e);
        let output = match &e.response {
            Ty::Ack => quote!(()),
            other => {
                let t = ty(other);
                quote!(#t)
            }
        };
        let doc = doc_lines(&[zh_en(&e.title_zh, &e.summary)]);
        quote! {
            #doc
            fn #method(&mut self, request: #params_type) -> Result<#output, Refusal>;
        }
    });
    let doc = doc_lines(&[format!(
        "What the fake server implements for the group `{}` ({}).",
        g.name, g.title_zh
    )]);
    quote! {
        #doc
        pub(crate) trait #service {
            #(#methods)*
        }
    }
}

/// `dispatch`: an arm per endpoint that reads, checks and serves its request; `encodes` when some
/// response is encoded as JSON.
fn dispatch(api: &Api, encodes: bool) -> TokenStream {
    // Names a parameter is not given when nothing uses it.
    let style = if encodes {
        quote!(style)
    } else {
        quote!(_style)
    };
    let received = if api.endpoints().any(|e| !e.params.is_empty()) {
        quote!(received)
    } else {
        quote!(_received)
    };
    let arms = api.endpoints().map(|e| {
        let method = ident(&e.name);
        let op = ident(&e.operation);
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
        let read = read(e);
        quote! {
            Operation::#op => {
                let request = #read;
                check_limits(&request.clone().into_request())?;
                #respond
            }
        }
    });
    quote! {
        /// Reads the parameters of `operation` from what the fake received (every parameter
        /// typed as the spec says), checks them with the client's own check of its request,
        /// calls its method, and encodes `data` in `style`.
        pub(crate) fn dispatch<S: Service>(
            service: &mut S,
            operation: Operation,
            #received: &Received,
            #style: ResponseStyle,
        ) -> Result<Value, Refusal> {
            match operation {
                #(#arms)*
                // `Operation` is `#[non_exhaustive]`: one the fake's spec does not know.
                #[allow(unreachable_patterns, reason = "every operation of this spec is served above")]
                _ => Err(Refusal::unknown_operation()),
            }
        }
    }
}

/// The names the module uses: responses and parameters.
fn used_names(api: &Api) -> UsedNames {
    let mut names = Vec::new();
    for e in api.endpoints() {
        collect_names(&e.response, &mut names);
        for p in &e.params {
            match &p.ty {
                ParamTy::Scalar(s) | ParamTy::List { item: s, .. } => collect_scalar(s, &mut names),
                ParamTy::File => names.push("Upload".into()),
            }
        }
    }
    // Roles are named by path where a request is built (`baijiayun::Source(..)`).
    names.retain(|n| n != "Source" && n != "Target");
    UsedNames::new(names)
}

/// `get_list` → `GetListParams`.
fn params_type(e: &Endpoint) -> proc_macro2::Ident {
    format_ident!("{}Params", e.operation)
}

/// The type a parameter is held as: as the request stores it, a file as an [`Upload`].
fn field_ty(p: &Param) -> TokenStream {
    let t = param_ty(&p.ty);
    if p.required { t } else { quote!(Option<#t>) }
}

/// The received parameters of `e`, and the client's request built from them through its public
/// constructor and `set_…` setters, as a user would build it: the request type needs nothing of
/// its own for the fake.
fn params_struct(group: &str, e: &Endpoint) -> Vec<TokenStream> {
    let name = params_type(e);
    let (group, req) = (ident(group), ident(&e.request_type));
    let doc = doc_lines(&[format!(
        "The parameters of `{}` as the fake received them, typed as the spec says.",
        e.name
    )]);
    let fields = e.params.iter().map(|p| {
        let f = ident(&p.ident);
        let t = field_ty(p);
        let doc = doc_lines(&[zh_en(&p.zh, &p.en)]);
        quote!(#doc pub(crate) #f: #t,)
    });
    let required = e.params.iter().filter(|p| p.required).map(|p| {
        let f = ident(&p.ident);
        match p.role {
            Some(role) => {
                let role = format_ident!("{}", role.type_name());
                quote!(baijiayun::#role(self.#f))
            }
            None => quote!(self.#f),
        }
    });
    let setters = e.params.iter().filter(|p| !p.required).map(|p| {
        let (f, set) = (ident(&p.ident), ident(&option_setter(&p.ident)));
        quote!(.#set(self.#f))
    });
    vec![
        quote! {
            #doc
            #[derive(Clone, Debug)]
            pub(crate) struct #name {
                #(#fields)*
            }
        },
        quote! {
            impl #name {
                /// The client's request with these parameters, for the client's own checks.
                pub(crate) fn into_request(self) -> baijiayun::#group::#req {
                    baijiayun::#group::#req::new(#(#required),*) #(#setters)*
                }
            }
        },
    ]
}

/// The parameters of `e`, read from `received`.
fn read(e: &Endpoint) -> TokenStream {
    let name = params_type(e);
    let fields = e.params.iter().map(|p| {
        let f = ident(&p.ident);
        let value = read_param(p);
        quote!(#f: #value,)
    });
    quote!(#name { #(#fields)* })
}

/// One parameter read from `received`, typed by where it goes: `received.required_csv("ids")?`.
fn read_param(p: &Param) -> TokenStream {
    let wire = &p.wire;
    let kind = match &p.ty {
        ParamTy::File if p.required => return quote!(received.required_file(#wire)?),
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
    quote!(received.#method(#wire)?)
}

/// Whether the doc's first example of an `ack` endpoint answers `data: true`.
fn ack_is_true(e: &crate::ir::Endpoint) -> bool {
    e.examples.first().is_some_and(|x| {
        serde_json::from_str::<serde_json::Value>(&x.json)
            .is_ok_and(|v| v.get("data") == Some(&serde_json::Value::Bool(true)))
    })
}
