//! Where the generated code is compiled. The client code names the runtime and its own modules by
//! paths from one root, `crate::` in the client crate; the fake's interface (`service.rs`, in the
//! `baijiayun-mock` package) names the client as `baijiayun::` and the fake's own items as
//! `crate::`. Emitters always write these; for other roots (the fixtures' outputs, compiled by
//! `codegen/fixtures-check` as modules of one crate), every such path is moved here, once, after
//! emitting.

use proc_macro2::{Group, TokenStream, TokenTree};

/// Replaces the `crate` that starts a path (`crate::x`, not `pub(crate)`) with `root`.
pub(crate) fn reroot(tokens: TokenStream, root: &TokenStream) -> TokenStream {
    replace_roots(tokens, &[("crate", root)])
}

/// The fake's interface under other roots: `baijiayun::x` becomes `client::x` (where the client
/// code was generated) and `crate::x` becomes `mock::x` (the fake's items), in one pass.
pub(crate) fn reroot_service(
    tokens: TokenStream,
    client: &TokenStream,
    mock: &TokenStream,
) -> TokenStream {
    replace_roots(tokens, &[("baijiayun", client), ("crate", mock)])
}

/// Replaces each path start `from` (followed by `::`) with its `to`.
fn replace_roots(tokens: TokenStream, roots: &[(&str, &TokenStream)]) -> TokenStream {
    let trees: Vec<TokenTree> = tokens.into_iter().collect();
    let mut out = Vec::with_capacity(trees.len());
    for (i, tree) in trees.iter().enumerate() {
        let to = match tree {
            TokenTree::Ident(id) if starts_path(&trees[i + 1..]) => {
                roots.iter().find(|(from, _)| id == from).map(|(_, to)| *to)
            }
            _ => None,
        };
        match (tree, to) {
            (_, Some(to)) => out.extend(to.clone()),
            (TokenTree::Group(g), None) => {
                let mut group = Group::new(g.delimiter(), replace_roots(g.stream(), roots));
                group.set_span(g.span());
                out.push(TokenTree::Group(group));
            }
            (other, None) => out.push(other.clone()),
        }
    }
    out.into_iter().collect()
}

/// Whether the tokens start with `::`.
fn starts_path(rest: &[TokenTree]) -> bool {
    matches!(
        rest,
        [TokenTree::Punct(a), TokenTree::Punct(b), ..] if a.as_char() == ':' && b.as_char() == ':'
    )
}

#[cfg(test)]
mod tests {
    use quote::quote;

    use super::*;

    #[test]
    fn paths_move_and_visibility_stays() {
        let root = quote!(crate::fixtures::minimal);
        let tokens = quote! {
            use crate::wire::{Endpoint, Params};
            pub(crate) fn f(x: crate::types::Item) -> Vec<crate::Result<()>> { todo!() }
        };
        let expected = quote! {
            use crate::fixtures::minimal::wire::{Endpoint, Params};
            pub(crate) fn f(x: crate::fixtures::minimal::types::Item) -> Vec<crate::fixtures::minimal::Result<()>> { todo!() }
        };
        assert_eq!(reroot(tokens, &root).to_string(), expected.to_string());
    }

    #[test]
    fn the_fakes_paths_move_to_both_roots_at_once() {
        let (client, mock) = (quote!(crate::minimal), quote!(baijiayun_mock));
        let tokens = quote! {
            use crate::{Received, Refusal};
            pub(crate) fn f(r: &Received) -> baijiayun::types::Item { todo!() }
        };
        let expected = quote! {
            use baijiayun_mock::{Received, Refusal};
            pub(crate) fn f(r: &Received) -> crate::minimal::types::Item { todo!() }
        };
        assert_eq!(
            reroot_service(tokens, &client, &mock).to_string(),
            expected.to_string()
        );
    }
}
