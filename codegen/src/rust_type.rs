//! How the generated code spells the IR's types, as text (`Vec<RoomId>`, `Option<DateTime>`).
//!
//! This is the emitters' one rendering ([`crate::emit`]'s token streams) turned into text, for
//! tools that describe the generated API in its own words (`cargo xtask changelog`).

use proc_macro2::TokenStream;

use crate::emit;
use crate::ir::{Field, ParamTy, Ty};

/// A response's type: `BTreeMap<PlaybackRef, String>`, or `()` for an acknowledgement.
pub fn response(t: &Ty) -> String {
    text(&emit::ty(t))
}

/// A record's or callback's field: its type, `Option<…>` when the field is optional.
pub fn field(f: &Field) -> String {
    text(&emit::field_ty(f))
}

/// A parameter's type as the request stores it: `Vec<RoomId>`, `Upload`.
pub fn param(t: &ParamTy) -> String {
    text(&emit::param_ty(t))
}

/// A type's tokens print spaced (`Vec < i64 >`); Rust spells a type tight but for a space after
/// each comma.
fn text(tokens: &TokenStream) -> String {
    tokens.to_string().replace(' ', "").replace(',', ", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::Scalar;

    #[test]
    fn types_are_spelled_as_in_the_generated_code() {
        let map = Ty::Map(
            Scalar::PlaybackRef,
            Box::new(Ty::List(Box::new(Ty::Scalar(Scalar::Json)))),
        );
        assert_eq!(
            response(&map),
            "BTreeMap<PlaybackRef, Vec<serde_json::Value>>"
        );
        assert_eq!(response(&Ty::Ack), "()");
        assert_eq!(param(&ParamTy::File), "Upload");
        let list = ParamTy::List {
            item: Scalar::Id("RoomId".into()),
            encoding: crate::ir::Encoding::Csv,
        };
        assert_eq!(param(&list), "Vec<RoomId>");
    }
}
