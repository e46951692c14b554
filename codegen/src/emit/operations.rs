//! The `Operation` enum and the static table describing every endpoint → `operations.rs`.
//!
//! The table is what the runtime needs without knowing the request types: paths (for overrides),
//! methods, retry safety, parameter kinds and limits (for checks before sending, and for the fake
//! server's validation).

use proc_macro2::TokenStream;
use quote::quote;

use super::{Module, doc_lines, ident, zh_en};
use crate::ir::{Api, Code, Encoding, Endpoint, Param, ParamTy, Repr, Scalar};

pub(super) fn module(api: &Api) -> Module {
    let endpoints: Vec<&Endpoint> = api.endpoints().collect();
    let count = proc_macro2::Literal::usize_unsuffixed(endpoints.len());
    let variants = endpoints.iter().map(|e| {
        let doc = doc_lines(&[variant_doc(e)]);
        let v = ident(&e.operation);
        quote!(#doc #v,)
    });
    let all = endpoints.iter().map(|e| ident(&e.operation));
    let infos = endpoints.iter().enumerate().map(|(i, e)| info(api, i, e));
    let decoders = api.groups.iter().flat_map(|g| {
        g.endpoints.iter().map(move |e| {
            let (group, op, req) = (ident(&g.name), ident(&e.operation), ident(&e.request_type));
            quote!(Operation::#op => decode_as_json::<crate::#group::#req>(body),)
        })
    });
    let params = || endpoints.iter().flat_map(|e| &e.params);
    let mut info_names = vec!["Method", "OperationInfo"];
    if params().any(|p| matches!(p.ty, ParamTy::List { .. })) {
        info_names.push("Encoding");
    }
    if endpoints.iter().any(|e| e.pagination.is_some()) {
        info_names.push("PageInfo");
    }
    if endpoints.iter().any(|e| e.window.is_some()) {
        info_names.push("WindowInfo");
    }
    if params().next().is_some() {
        info_names.extend(["ParamInfo", "ParamKind"]);
    }
    info_names.sort_unstable();
    let info_names = info_names.into_iter().map(ident);
    let items = vec![
        quote!(
            use crate::wire::decode_as_json;
        ),
        quote!(
            use crate::info::{#(#info_names),*};
        ),
        quote!(
            use crate::Result;
        ),
        quote! {
            /// Every endpoint of the API, one variant each, in spec order.
            ///
            /// Use it to override a path ([`crate::ClientBuilder::path`]) or to read what the spec
            /// says about an endpoint ([`Operation::info`]).
            #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
            #[non_exhaustive]
            pub enum Operation {
                #(#variants)*
            }
        },
        quote! {
            impl Operation {
                /// Every operation, in spec order.
                pub const ALL: &'static [Operation] = &[#(Operation::#all),*];

                /// What the spec says about this operation.
                pub const fn info(self) -> &'static OperationInfo {
                    &OPERATIONS[self as usize]
                }

                /// Decodes a response body exactly as the client does for this operation, and
                /// returns the typed `data` encoded back as JSON: checks a recorded response or a
                /// fixture against the spec, and shows what the client keeps of it.
                pub fn decode_response(self, body: &[u8]) -> Result<serde_json::Value> {
                    match self {
                        #(#decoders)*
                    }
                }
            }
        },
        quote! {
            /// The spec's description of every operation, indexed by `Operation as usize`.
            static OPERATIONS: [OperationInfo; #count] = [#(#infos),*];
        },
    ];
    Module {
        path: "operations.rs".into(),
        source: "spec/*.yaml".into(),
        doc: vec!["The table of operations: what the spec says about each endpoint.".into()],
        items,
    }
}

fn variant_doc(e: &Endpoint) -> String {
    match e.doc {
        Some(n) => format!("API {n}: {}", zh_en(&e.title_zh, &e.summary)),
        None => zh_en(&e.title_zh, &e.summary),
    }
}

fn info(api: &Api, index: usize, e: &Endpoint) -> TokenStream {
    let name = &e.name;
    let index = proc_macro2::Literal::usize_unsuffixed(index);
    let doc = match e.doc {
        Some(n) => quote!(.doc(#n)),
        None => quote!(),
    };
    let title = &e.title_zh;
    let summary = &e.summary;
    let path = &e.path;
    let verified = e.path_verified;
    let source = &e.path_source;
    let methods = e.methods.iter().map(|m| {
        let variant = ident(&crate::naming::method_variant(m));
        quote!(Method::#variant)
    });
    let params = e.params.iter().map(|p| param(api, p));
    let page = match &e.pagination {
        Some(p) => {
            let (page, size, items, total) = (&p.page, &p.page_size, &p.items, &p.total);
            let limit = proc_macro2::Literal::i64_unsuffixed(p.page_size_limit);
            quote!(.pagination(PageInfo::new(#page, #size, #limit, #items, #total)))
        }
        None => quote!(),
    };
    let window = match &e.window {
        Some(w) => {
            let (start, end, same_day) = (&w.start, &w.end, w.same_day);
            quote!(.window(WindowInfo::new(#start, #end, #same_day)))
        }
        None => quote!(),
    };
    let retry = if e.retry_safe {
        quote!(.retry_safe())
    } else {
        quote!()
    };
    let upload = if e.upload {
        quote!(.upload())
    } else {
        quote!()
    };
    quote! {
        OperationInfo::new(#index, #name, #path)
            #doc
            .titled(#title, #summary)
            .path_source(#verified, #source)
            .methods(&[#(#methods),*])
            #retry
            #upload
            .params(&[#(#params),*])
            #page
            #window
    }
}

fn param(api: &Api, p: &Param) -> TokenStream {
    let name = &p.wire;
    let kind = kind(api, &p.ty);
    let required = p.required;
    let required = required.then(|| quote!(.required()));
    let min = p
        .min
        .map(proc_macro2::Literal::i64_unsuffixed)
        .map(|v| quote!(.min(#v)));
    let max = p
        .max
        .map(proc_macro2::Literal::i64_unsuffixed)
        .map(|v| quote!(.max(#v)));
    quote!(ParamInfo::new(#name, #kind) #required #min #max)
}

fn kind(api: &Api, t: &ParamTy) -> TokenStream {
    match t {
        ParamTy::Scalar(s) => scalar_kind(api, s),
        ParamTy::File => quote!(ParamKind::File),
        ParamTy::List { item, encoding } => {
            let item = scalar_kind(api, item);
            let enc = match encoding {
                Encoding::Csv => quote!(Encoding::Csv),
                Encoding::Json => quote!(Encoding::Json),
            };
            quote!(ParamKind::List { item: &#item, encoding: #enc })
        }
    }
}

fn scalar_kind(api: &Api, s: &Scalar) -> TokenStream {
    match s {
        Scalar::Int | Scalar::Id(_) | Scalar::Lifetime => quote!(ParamKind::Int),
        Scalar::String | Scalar::Text => quote!(ParamKind::String),
        Scalar::Bool => quote!(ParamKind::Bool),
        Scalar::Date => quote!(ParamKind::Date),
        Scalar::DateTime => quote!(ParamKind::DateTime),
        Scalar::PlaybackRef => quote!(ParamKind::PlaybackRef),
        Scalar::Json | Scalar::Record(_) => quote!(ParamKind::Record),
        Scalar::Enum(n) => match api.enumeration(n) {
            Some(e) if e.repr == Repr::Int => {
                let codes = e.values.iter().filter_map(|v| match v.code {
                    Code::Int(i) => Some(proc_macro2::Literal::i64_unsuffixed(i)),
                    Code::Str(_) => None,
                });
                quote!(ParamKind::IntCode(&[#(#codes),*]))
            }
            Some(e) => {
                let codes = e.values.iter().filter_map(|v| match &v.code {
                    Code::Str(s) => Some(s.clone()),
                    Code::Int(_) => None,
                });
                quote!(ParamKind::StrCode(&[#(#codes),*]))
            }
            None => quote!(ParamKind::String),
        },
    }
}
