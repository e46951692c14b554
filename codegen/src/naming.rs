//! Every naming rule of the generated code, in one place.
//!
//! Spec names are checked for their case here, Rust identifiers are derived here, and Rust keywords
//! are escaped here (a trailing `_`, never `r#`, with the wire name kept for serde and the form).

use heck::{ToKebabCase, ToSnakeCase, ToUpperCamelCase};

/// Keywords of Rust 2024, strict and reserved. `gen` is reserved since edition 2024.
const KEYWORDS: &[&str] = &[
    "abstract", "as", "async", "await", "become", "box", "break", "const", "continue", "crate",
    "do", "dyn", "else", "enum", "extern", "false", "final", "fn", "for", "gen", "if", "impl",
    "in", "let", "loop", "macro", "match", "mod", "move", "mut", "override", "priv", "pub", "ref",
    "return", "self", "Self", "static", "struct", "super", "trait", "true", "try", "type",
    "typeof", "unsafe", "unsized", "use", "virtual", "where", "while", "yield",
];

/// Whether `s` is a Rust keyword.
pub(crate) fn is_keyword(s: &str) -> bool {
    KEYWORDS.contains(&s)
}

/// Whether `s` is snake_case: lowercase ASCII letters, digits and single underscores, starting
/// with a letter.
pub(crate) fn is_snake_case(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some('a'..='z'))
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && !s.ends_with('_')
        && !s.contains("__")
}

/// Whether `s` is UpperCamelCase: ASCII letters and digits, starting with an uppercase letter.
pub(crate) fn is_upper_camel(s: &str) -> bool {
    matches!(s.chars().next(), Some('A'..='Z')) && s.chars().all(|c| c.is_ascii_alphanumeric())
}

/// The Rust field, parameter or method name for a wire name: snake_case, keywords escaped with
/// a trailing underscore (`type` → `type_`).
pub(crate) fn field_ident(wire: &str) -> String {
    let snake = wire.to_snake_case();
    if is_keyword(&snake) {
        format!("{snake}_")
    } else {
        snake
    }
}

/// The setter of an optional parameter that takes an `Option`, from the parameter's Rust name:
/// `room_id` → `set_room_id`, `type_` → `set_type`.
pub(crate) fn option_setter(ident: &str) -> String {
    format!("set_{}", ident.trim_end_matches('_'))
}

/// The request type of an endpoint: `get_list` → `GetListRequest`.
pub(crate) fn request_type(endpoint: &str) -> String {
    format!("{}Request", endpoint.to_upper_camel_case())
}

/// The `Operation` variant of an endpoint: `get_list` → `GetList`.
pub(crate) fn operation_variant(endpoint: &str) -> String {
    endpoint.to_upper_camel_case()
}

/// The fake server's trait for a group's endpoints: `pure_video` → `PureVideoService`.
pub(crate) fn service_trait(group: &str) -> String {
    format!("{}Service", group.to_upper_camel_case())
}

/// The event type of a callback: `pure_video` → `PureVideoEvent`.
pub(crate) fn callback_type(callback: &str) -> String {
    format!("{}Event", callback.to_upper_camel_case())
}

/// The variant of a callback in the `CallbackEvent` enum: `pure_video` → `PureVideo`.
pub(crate) fn callback_variant(callback: &str) -> String {
    callback.to_upper_camel_case()
}

/// The command-line name of an endpoint, parameter or enum value: `get_list` → `get-list`,
/// `LargeClass` → `large-class`.
pub(crate) fn cli_name(name: &str) -> String {
    name.to_kebab_case()
}

/// The HTTP methods a spec may list, by their wire names: the variants of the client's
/// `baijiayun::info::Method`, which the generated operation table names ([`method_variant`]).
pub(crate) const HTTP_METHODS: &[&str] = &["GET", "POST"];

/// The variant of the client's `info::Method` for a wire name: `GET` → `Get`.
pub(crate) fn method_variant(wire: &str) -> String {
    wire.to_lowercase().to_upper_camel_case()
}

/// The name of the catch-all variant every open enum gets.
pub(crate) const UNKNOWN_VARIANT: &str = "Unknown";

/// The runtime's own types that generated code imports from the crate's root; a spec id, enum or
/// record may not take their names.
pub(crate) const RUNTIME_TYPES: &[&str] = &[
    "Client",
    "Date",
    "DateTime",
    "Lifetime",
    "PlaybackRef",
    "Result",
    "Source",
    "Target",
    "Upload",
];

/// Module names the generated tree uses itself, which groups may not take.
pub(crate) const RESERVED_MODULES: &[&str] = &["types", "operations", "callbacks", "mod"];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snake_case_is_recognised() {
        assert!(is_snake_case("get_list"));
        assert!(is_snake_case("page2"));
        assert!(!is_snake_case("getList"));
        assert!(!is_snake_case("_x"));
        assert!(!is_snake_case("x_"));
        assert!(!is_snake_case("a__b"));
        assert!(!is_snake_case("2x"));
        assert!(!is_snake_case(""));
    }

    #[test]
    fn upper_camel_is_recognised() {
        assert!(is_upper_camel("PlaybackStatus"));
        assert!(is_upper_camel("P1080"));
        assert!(!is_upper_camel("playback"));
        assert!(!is_upper_camel("Play_back"));
        assert!(!is_upper_camel(""));
    }

    #[test]
    fn keywords_get_a_trailing_underscore() {
        assert_eq!(field_ident("type"), "type_");
        assert_eq!(field_ident("gen"), "gen_");
        assert_eq!(field_ident("room_id"), "room_id");
    }

    #[test]
    fn derived_names() {
        assert_eq!(request_type("get_list"), "GetListRequest");
        assert_eq!(
            operation_variant("get_player_token_batch"),
            "GetPlayerTokenBatch"
        );
        assert_eq!(callback_type("pure_video"), "PureVideoEvent");
        assert_eq!(callback_variant("main_version"), "MainVersion");
        assert_eq!(cli_name("get_player_token_batch"), "get-player-token-batch");
        assert_eq!(cli_name("LargeClass"), "large-class");
        assert_eq!(method_variant("GET"), "Get");
        assert_eq!(method_variant("POST"), "Post");
    }
}
