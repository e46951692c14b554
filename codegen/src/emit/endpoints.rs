//! One group of endpoints → `<group>.rs`: a request type per endpoint, its `Endpoint` impl,
//! `send` for both clients, and the methods that start each request on both clients.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::{
    Module, UsedNames, collect_names, collect_scalar, doc_lines, ident, md, param_ty, ty, wrap,
    zh_en,
};
use crate::ir::{Confirms, Encoding, Endpoint, Group, Pagination, Param, ParamTy, Scalar, Ty};

pub(super) fn module(g: &Group) -> Module {
    let mut items = imports(g);
    for e in &g.endpoints {
        items.extend(endpoint(e));
    }
    let async_methods = g.endpoints.iter().map(constructor);
    items.push(quote! {
        impl Client {
            #(#async_methods)*
        }
    });
    let blocking_methods = g.endpoints.iter().map(constructor);
    items.push(quote! {
        #[cfg(feature = "blocking")]
        impl blocking::Client {
            #(#blocking_methods)*
        }
    });
    Module {
        path: format!("{}.rs", g.name),
        source: g.file.clone(),
        doc: vec![
            zh_en(&g.title_zh, &g.summary),
            String::new(),
            "Each endpoint has a request type, built by the method of the same name on".into(),
            "[`Client`](crate::Client) or [`blocking::Client`](crate::blocking::Client), and sent"
                .into(),
            "with `send`.".into(),
        ],
        items,
    }
}

fn imports(g: &Group) -> Vec<TokenStream> {
    let mut names = Vec::new();
    for e in &g.endpoints {
        collect_names(&e.response, &mut names);
        if let Some(p) = &e.pagination {
            names.push(p.item.clone());
        }
        for p in &e.params {
            match &p.ty {
                ParamTy::Scalar(s) | ParamTy::List { item: s, .. } => collect_scalar(s, &mut names),
                ParamTy::File => names.push("Upload".into()),
            }
            if let Some(role) = p.role {
                names.push(role.type_name().into());
            }
        }
    }
    let used = UsedNames::new(names);
    let mut crate_items: Vec<&str> = used.runtime.iter().map(String::as_str).collect();
    crate_items.extend(["Client", "Result"]);
    crate_items.sort_unstable();
    let crate_items = crate_items.into_iter().map(ident);
    let mut out = Vec::new();
    if used.btree_map {
        out.push(quote!(
            use std::collections::BTreeMap;
        ));
    }
    out.push(quote!(
        use crate::info::OperationInfo;
    ));
    out.push(quote!(
        use crate::operations::Operation;
    ));
    if !used.types.is_empty() {
        let type_names = used.types.iter().map(|n| ident(n));
        out.push(quote!(use crate::types::{#(#type_names),*};));
    }
    if g.endpoints.iter().any(|e| e.pagination.is_some()) {
        out.push(quote!(
            use crate::pagination::{self, Paginated};
        ));
    }
    out.push(quote!(
        use crate::wire::{Endpoint, Params};
    ));
    out.push(quote!(use crate::{#(#crate_items),*};));
    out.push(quote! {
        #[cfg(feature = "blocking")]
        use crate::blocking;
    });
    out
}

/// How a parameter is taken by `new` and by its setter, and how that becomes the stored value.
struct Arg {
    ty: TokenStream,
    convert: TokenStream,
}

///
/// A required id is taken as its exact type, so that two ids of different meanings (or, with a
/// `role`, the source and the target of a copy) cannot be swapped; an optional one, named by its
/// setter, takes anything that converts into it.
fn arg(p: &Param) -> Arg {
    let name = ident(&p.ident);
    if let Some(role) = p.role {
        let role = ident(role.type_name());
        let inner = param_ty(&p.ty);
        return Arg {
            ty: quote!(#role<#inner>),
            convert: quote!(#name.0),
        };
    }
    match &p.ty {
        ParamTy::Scalar(Scalar::String) => Arg {
            ty: quote!(impl Into<String>),
            convert: quote!(#name.into()),
        },
        ParamTy::Scalar(Scalar::Lifetime) => Arg {
            ty: quote!(impl Into<Lifetime>),
            convert: quote!(#name.into()),
        },
        ParamTy::Scalar(Scalar::Id(id)) if !p.required => {
            let id = ident(id);
            Arg {
                ty: quote!(impl Into<#id>),
                convert: quote!(#name.into()),
            }
        }
        ParamTy::List { item, .. } => {
            let item = super::scalar_ty(item);
            Arg {
                ty: quote!(impl IntoIterator<Item = #item>),
                convert: quote!(#name.into_iter().collect()),
            }
        }
        other => Arg {
            ty: param_ty(other),
            convert: quote!(#name),
        },
    }
}

fn param_doc(p: &Param) -> Vec<String> {
    let mut lines = wrap(&zh_en(&p.zh, &p.en));
    let mut facts = Vec::new();
    if let Some(d) = &p.default {
        facts.push(format!("the vendor's default is `{d}`"));
    }
    match (p.min, p.max) {
        (Some(a), Some(b)) => facts.push(format!("must lie in `{a}..={b}`")),
        (Some(a), None) => facts.push(format!("must be at least `{a}`")),
        (None, Some(b)) => facts.push(format!("must be at most `{b}`")),
        (None, None) => {}
    }
    if p.inferred {
        facts.push("the doc does not list it; inferred from the response".into());
    }
    // How a list is sent, unless its description already says so.
    if let ParamTy::List { encoding, .. } = &p.ty {
        let en = p.en.to_lowercase();
        let (fact, said) = match encoding {
            Encoding::Csv => ("sent joined with `,`", en.contains("comma-separated")),
            Encoding::Json => ("sent as a JSON array", en.contains("json array")),
        };
        if !said {
            facts.push(fact.into());
        }
    }
    if p.ty == ParamTy::File {
        facts.push("sent as a multipart file part, which is not signed".into());
    }
    if !facts.is_empty() {
        lines.push(String::new());
        let mut s = facts.join("; ");
        if let Some(first) = s.get(..1) {
            s = first.to_uppercase() + &s[1..];
        }
        lines.push(format!("{s}."));
    }
    lines
}

fn endpoint_doc(e: &Endpoint) -> Vec<String> {
    let mut lines = vec![match e.doc {
        Some(n) => format!("{} (API {n})", md(&e.title_zh)),
        None => md(&e.title_zh),
    }];
    lines.push(String::new());
    lines.push(md(&e.summary));
    if let Some(d) = &e.description_zh {
        lines.push(String::new());
        lines.extend(wrap(&md(d)));
    }
    lines.push(String::new());
    let methods: Vec<_> = e.methods.iter().map(|m| m.as_str()).collect();
    let (first, rest) = methods
        .split_first()
        .map_or(("POST", &[][..]), |(f, r)| (*f, r));
    let mut wire = format!("Sent as `{first} {}`", e.path);
    if !rest.is_empty() {
        wire.push_str(&format!(" (the doc also allows {})", rest.join(", ")));
    }
    wire.push('.');
    lines.push(wire);
    if e.path_verified {
        lines.extend(wrap(&format!(
            "Path verified: {}.",
            e.path_source.trim_end_matches('.')
        )));
    } else {
        lines.extend(wrap(&format!(
            "**Path inferred, not published by the vendor** ({}). If the vendor uses another, \
             override it with [`ClientBuilder::path`](crate::ClientBuilder::path) and \
             `Operation::{}`.",
            md(e.path_source.trim_end_matches('.')),
            e.operation
        )));
    }
    lines.push(if e.retry_safe {
        "Safe to retry: it only reads.".into()
    } else {
        "Never retried once it may have reached the server: it changes state.".into()
    });
    if let Some(n) = &e.notes {
        lines.push(String::new());
        lines.extend(wrap(&format!("Note: {}", md(n))));
    }
    lines
}

fn endpoint(e: &Endpoint) -> Vec<TokenStream> {
    let (paged, send_async, send_blocking) = send(e);
    vec![
        request_struct(e),
        new_impl(e),
        builder_impl(e),
        endpoint_impls(e),
        paged,
        send_async,
        send_blocking,
    ]
}

/// The parameters' fields, as stored: `Option` when optional.
fn request_struct(e: &Endpoint) -> TokenStream {
    let name = ident(&e.request_type);
    let doc = doc_lines(&endpoint_doc(e));

    let fields = e.params.iter().map(|p| {
        let f = ident(&p.ident);
        let t = param_ty(&p.ty);
        if p.required {
            quote!(#f: #t,)
        } else {
            quote!(#f: Option<#t>,)
        }
    });
    quote! {
        #doc
        #[derive(Clone, Debug)]
        #[must_use = "a request does nothing until it is sent"]
        pub struct #name<C = ()> {
            client: C,
            #(#fields)*
        }
    }
}

/// The required parameters as `new` and the client methods take them: `room_id: RoomId`.
fn required_args(e: &Endpoint) -> Vec<TokenStream> {
    e.params
        .iter()
        .filter(|p| p.required)
        .map(|p| {
            let n = ident(&p.ident);
            let t = arg(p).ty;
            quote!(#n: #t)
        })
        .collect()
}

/// `new` from the required parameters, and `Default` when there are none.
fn new_impl(e: &Endpoint) -> TokenStream {
    let name = ident(&e.request_type);
    let required: Vec<&Param> = e.params.iter().filter(|p| p.required).collect();
    let req_args = required_args(e);
    let req_names: Vec<_> = required.iter().map(|p| ident(&p.ident)).collect();
    let mut new_doc = vec!["Builds the request from its required parameters.".to_owned()];
    if !required.is_empty() {
        new_doc.push(String::new());
        for p in &required {
            let mut d = param_doc(p);
            if let Some(first) = d.first_mut() {
                *first = format!("* `{}`: {first}", p.ident);
            }
            new_doc.push(
                d.into_iter()
                    .filter(|l| !l.is_empty())
                    .collect::<Vec<_>>()
                    .join(" "),
            );
        }
    }
    let new_doc = doc_lines(&new_doc);
    let default_item = required.is_empty().then(|| {
        quote! {
            impl Default for #name {
                fn default() -> Self {
                    Self::new()
                }
            }
        }
    });
    quote! {
        impl #name {
            #new_doc
            pub fn new(#(#req_args),*) -> Self {
                Self::with_client((), #(#req_names),*)
            }
        }

        #default_item
    }
}

/// `with_client`, which every way of building the request goes through, and the setters of the
/// optional parameters.
fn builder_impl(e: &Endpoint) -> TokenStream {
    let name = ident(&e.request_type);
    let optional: Vec<&Param> = e.params.iter().filter(|p| !p.required).collect();
    let req_args = required_args(e);
    let inits = e.params.iter().map(|p| {
        let n = ident(&p.ident);
        if p.required {
            let c = arg(p).convert;
            if n == c.to_string() {
                quote!(#n)
            } else {
                quote!(#n: #c)
            }
        } else {
            quote!(#n: None)
        }
    });
    let setters = optional.iter().map(|p| {
        let n = ident(&p.ident);
        let a = arg(p);
        let (t, c) = (a.ty, a.convert);
        let d = doc_lines(&param_doc(p));
        let set = ident(&crate::naming::option_setter(&p.ident));
        let stored = param_ty(&p.ty);
        let set_doc = format!(
            " Sets or clears (`None`) `{}`: [`Self::{}`] for a value that may be absent.",
            p.wire, p.ident
        );
        quote! {
            #d
            pub fn #n(mut self, #n: #t) -> Self {
                self.#n = Some(#c);
                self
            }

            #[doc = #set_doc]
            pub fn #set(mut self, #n: Option<#stored>) -> Self {
                self.#n = #n;
                self
            }
        }
    });
    quote! {
        impl<C> #name<C> {
            fn with_client(client: C, #(#req_args),*) -> Self {
                Self { client, #(#inits),* }
            }

            #(#setters)*
        }
    }
}

/// `Endpoint` and its sealed plumbing: how the parameters are written, the file part, and a
/// batch's confirmation.
fn endpoint_impls(e: &Endpoint) -> TokenStream {
    let name = ident(&e.request_type);
    let op = ident(&e.operation);
    let output = ty(&e.response);
    let writes = e
        .params
        .iter()
        .filter(|p| p.ty != ParamTy::File)
        .map(write_param);
    let upload = e.params.iter().find(|p| p.ty == ParamTy::File).map(|p| {
        let n = ident(&p.ident);
        let wire = &p.wire;
        quote! {
            fn upload(&self) -> Option<(&'static str, &Upload)> {
                self.#n.as_ref().map(|file| (#wire, file))
            }
        }
    });
    let unconfirmed = e.confirms.as_ref().map(unconfirmed);
    let params_lifetime = if e.params.iter().any(|p| p.ty != ParamTy::File) {
        quote!(out)
    } else {
        quote!(_out)
    };
    quote! {
        impl<C> Endpoint for #name<C> {
            type Output = #output;
            const INFO: &'static OperationInfo = Operation::#op.info();
        }

        impl<C> crate::wire::Sealed for #name<C> {
            type Data = #output;

            fn write_params<'a>(&'a self, #params_lifetime: &mut Params<'a>) {
                #(#writes)*
            }

            #upload

            #unconfirmed
        }
    }
}

/// A batch's `unconfirmed`: the requested ids its response does not list.
fn unconfirmed(c: &Confirms) -> TokenStream {
    let param = ident(&c.param);
    let list = ident(&c.list);
    let items = if c.param_required {
        quote!(self.#param.iter())
    } else {
        quote!(self.#param.iter().flatten())
    };
    let ids = match &c.key {
        Some(key) => {
            let key = ident(key);
            quote!(#items.map(|item| item.#key))
        }
        None => quote!(#items.copied()),
    };
    quote! {
        fn unconfirmed(&self, output: &Self::Data) -> Option<crate::wire::Unconfirmed> {
            crate::wire::unconfirmed(#ids, &output.#list)
        }
    }
}

/// `send` on both clients, and for a list endpoint its `Paginated` impl with `pages` and `items`.
fn send(e: &Endpoint) -> (TokenStream, TokenStream, TokenStream) {
    let name = ident(&e.request_type);
    let output = ty(&e.response);
    let returns = match &e.response {
        Ty::Ack => {
            "Succeeds when the vendor answers `code == 0`; `data` carries nothing.".to_owned()
        }
        _ => "Returns the envelope's `data`.".to_owned(),
    };
    let send_doc = doc_lines(&[
        "Signs and sends the request.".to_owned(),
        String::new(),
        returns,
    ]);
    let (paged, async_pages, blocking_pages) = match &e.pagination {
        Some(p) => pagination(e, p),
        None => (quote!(), quote!(), quote!()),
    };
    // Only list endpoints name the client's lifetime (their streams borrow it).
    let (lt, client_ref, blocking_ref) = if e.pagination.is_some() {
        (
            quote!(<'c>),
            quote!(&'c Client),
            quote!(&'c blocking::Client),
        )
    } else {
        (quote!(), quote!(&Client), quote!(&blocking::Client))
    };
    let send_async = quote! {
        impl #lt #name<#client_ref> {
            #send_doc
            pub async fn send(self) -> Result<#output> {
                self.client.execute(&self).await
            }

            #async_pages
        }
    };
    let send_blocking = quote! {
        #[cfg(feature = "blocking")]
        impl #lt #name<#blocking_ref> {
            #send_doc
            pub fn send(self) -> Result<#output> {
                self.client.execute(&self)
            }

            #blocking_pages
        }
    };
    (paged, send_async, send_blocking)
}

/// The `Paginated` impl of a list endpoint, and `pages`/`items` for both clients.
fn pagination(e: &Endpoint, p: &Pagination) -> (TokenStream, TokenStream, TokenStream) {
    let name = ident(&e.request_type);
    let param = |wire: &str| e.params.iter().find(|x| x.wire == wire);
    let (page, page_size) = (param(&p.page), param(&p.page_size));
    let page_ident = ident(page.map_or("page", |x| x.ident.as_str()));
    let (get_page, set_page) = match page {
        Some(x) if x.required => (quote!(self.#page_ident), quote!(self.#page_ident = page;)),
        _ => (
            quote!(self.#page_ident.unwrap_or(1)),
            quote!(self.#page_ident = Some(page);),
        ),
    };
    let size_ident = ident(page_size.map_or("page_size", |x| x.ident.as_str()));
    let limit = proc_macro2::Literal::i64_unsuffixed(p.page_size_limit);
    let size_required = page_size.is_some_and(|x| x.required);
    let largest = if size_required {
        quote! {
            fn use_largest_page(&mut self) {}
        }
    } else {
        quote! {
            fn use_largest_page(&mut self) {
                if self.#size_ident.is_none() {
                    self.#size_ident = Some(#limit);
                }
            }
        }
    };
    let (item, page_ty) = (ident(&p.item), ident(&p.page_type));
    let items_field = ident(&crate::naming::field_ident(&p.items));
    let total_field = ident(&crate::naming::field_ident(&p.total));
    let paged = quote! {
        impl<C: Clone> Paginated for #name<C> {
            type Item = #item;

            fn page(&self) -> i64 {
                #get_page
            }

            fn set_page(&mut self, page: i64) {
                #set_page
            }

            #largest

            fn total(page: &#page_ty) -> i64 {
                page.#total_field
            }

            fn count(page: &#page_ty) -> usize {
                page.#items_field.len()
            }

            fn into_items(page: #page_ty) -> Vec<#item> {
                page.#items_field
            }
        }
    };
    let size_note = if size_required {
        "at the page size given".to_owned()
    } else {
        format!("{} a page unless a page size was set", p.page_size_limit)
    };
    let mut pages_doc = wrap(&format!(
        "Every page from this request's page on, {size_note}, as a stream."
    ));
    pages_doc.push(String::new());
    pages_doc.extend(wrap(
        "Stops when the items seen reach the total or a page is empty; an error is yielded, then \
         the stream ends.",
    ));
    let pages_doc = doc_lines(&pages_doc);
    let items_doc = doc_lines(&wrap(&format!(
        "Every item of every page from this request's page on, {size_note}, as a stream."
    )));
    let async_pages = quote! {
        #pages_doc
        pub fn pages(self) -> impl futures_core::Stream<Item = Result<#page_ty>> + Send + 'c {
            let client = self.client;
            pagination::pages(self, move |request| async move { client.execute(&request).await })
        }

        #items_doc
        pub fn items(self) -> impl futures_core::Stream<Item = Result<#item>> + Send + 'c {
            let client = self.client;
            pagination::items(self, move |request| async move { client.execute(&request).await })
        }
    };
    let iter_pages_doc = doc_lines(&wrap(&format!(
        "Every page from this request's page on, {size_note}, fetched as the iterator advances."
    )));
    let iter_items_doc = doc_lines(&wrap(&format!(
        "Every item of every page from this request's page on, {size_note}."
    )));
    let blocking_pages = quote! {
        #iter_pages_doc
        pub fn pages(self) -> impl Iterator<Item = Result<#page_ty>> + 'c {
            let client = self.client;
            pagination::page_iter(self, move |request| client.execute(&request))
        }

        #iter_items_doc
        pub fn items(self) -> impl Iterator<Item = Result<#item>> + 'c {
            let client = self.client;
            pagination::item_iter(self, move |request| client.execute(&request))
        }
    };
    (paged, async_pages, blocking_pages)
}

fn write_param(p: &Param) -> TokenStream {
    let wire = &p.wire;
    let n = ident(&p.ident);
    match &p.ty {
        ParamTy::List { encoding, .. } => {
            let method = match encoding {
                Encoding::Csv => format_ident!("csv"),
                Encoding::Json => format_ident!("json"),
            };
            if p.required {
                quote!(out.#method(#wire, &self.#n);)
            } else {
                quote! {
                    if let Some(items) = &self.#n {
                        out.#method(#wire, items);
                    }
                }
            }
        }
        _ => quote!(out.put(#wire, &self.#n);),
    }
}

/// The method on a client that starts a request: `client.get_list(…)`.
fn constructor(e: &Endpoint) -> TokenStream {
    let method = ident(&e.name);
    let name = ident(&e.request_type);
    let required: Vec<&Param> = e.params.iter().filter(|p| p.required).collect();
    let args = required_args(e);
    let names = required.iter().map(|p| ident(&p.ident));
    let title = match e.doc {
        Some(n) => format!("{} (API {n}) — {}", md(&e.title_zh), md(&e.summary)),
        None => zh_en(&e.title_zh, &e.summary),
    };
    let doc = doc_lines(&[
        title,
        String::new(),
        format!(
            "Optional parameters are set on the returned [`{}`], which `send` sends.",
            e.request_type
        ),
    ]);
    // Only where the plain form asks for the page or its size: elsewhere it is already the paged form.
    let paging_required = |pg: &&Pagination| {
        required
            .iter()
            .any(|p| p.wire == pg.page || p.wire == pg.page_size)
    };
    let paged = e.pagination.as_ref().filter(paging_required).map(|pg| {
        // The paged form: every required argument but the page and the page size.
        let is_paging = |p: &&&Param| p.wire == pg.page || p.wire == pg.page_size;
        let paged_method = ident(&format!("{}_paged", e.name));
        let paged_args = required.iter().filter(|p| !is_paging(p)).map(|p| {
            let n = ident(&p.ident);
            let t = arg(p).ty;
            quote!(#n: #t)
        });
        let values = required.iter().map(|p| {
            let n = ident(&p.ident);
            if p.wire == pg.page {
                quote!(1)
            } else if p.wire == pg.page_size {
                let limit = proc_macro2::Literal::i64_unsuffixed(pg.page_size_limit);
                quote!(#limit)
            } else {
                quote!(#n)
            }
        });
        let doc = doc_lines(&[
            format!(
                "[`Self::{}`] from its first page, to read with `items()` or `pages()`.",
                e.name
            ),
            String::new(),
            format!(
                "Asks for page 1 at the largest page size the spec allows ({}); `items()` and \
                 `pages()` then walk every page from there.",
                pg.page_size_limit
            ),
        ]);
        quote! {
            #doc
            pub fn #paged_method(&self, #(#paged_args),*) -> #name<&Self> {
                #name::with_client(self, #(#values),*)
            }
        }
    });
    quote! {
        #doc
        pub fn #method(&self, #(#args),*) -> #name<&Self> {
            #name::with_client(self, #(#names),*)
        }

        #paged
    }
}
