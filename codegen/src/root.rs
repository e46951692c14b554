//! Where the generated client code is compiled: it names the runtime and its own modules by paths
//! from one root, `crate::` in the client crate. Emitters always write `crate::…`; for another
//! root (the fixtures' outputs, compiled by `codegen/fixtures-check` as modules of one crate),
//! every such path is moved under it here, once, after emitting.

use proc_macro2::{Group, TokenStream, TokenTree};

/// Replaces the `crate` that starts a path (`crate::x`, not `pub(crate)`) with `root`.
pub(crate) fn reroot(tokens: TokenStream, root: &TokenStream) -> TokenStream {
    let trees: Vec<TokenTree> = tokens.into_iter().collect();
    let mut out = Vec::with_capacity(trees.len());
    for (i, tree) in trees.iter().enumerate() {
        match tree {
            TokenTree::Ident(id) if id == "crate" && starts_path(&trees[i + 1..]) => {
                out.extend(root.clone());
            }
            TokenTree::Group(g) => {
                let mut group = Group::new(g.delimiter(), reroot(g.stream(), root));
                group.set_span(g.span());
                out.push(TokenTree::Group(group));
            }
            other => out.push(other.clone()),
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
}
