//! The generated items the client's hand-written runtime names (`codegen::RuntimeItem`): a spec
//! that lacks one, or shapes it otherwise, gets a diagnostic of kind `MissingRuntimeItem` at its
//! place in the spec from `generate_client`, while `generate`, for any spec, still accepts it.

use codegen::{Diagnostics, Kind, RuntimeItem, SourceFile};

/// The least spec the runtime compiles with: every item, and nothing else.
const CLIENT: &str = include_str!("fixtures/runtime/client.spec");

/// The fixture with `from` replaced by `to` (which must occur).
fn edited(from: &str, to: &str) -> Vec<SourceFile> {
    assert!(CLIENT.contains(from), "the fixture has no {from:?}");
    codegen::bundle(&CLIENT.replace(from, to))
}

/// The diagnostics `generate_client` gives a spec that `generate` accepts.
fn refused(sources: &[SourceFile]) -> Diagnostics {
    if let Err(d) = codegen::generate(sources) {
        panic!("the edited spec should be valid on its own:\n{d}");
    }
    match codegen::generate_client(sources) {
        Ok(_) => panic!("generate_client should refuse the edited spec"),
        Err(d) => d,
    }
}

/// `d` holds a diagnostic of kind `item` whose text (location and message) contains each of
/// `parts`, and every diagnostic is about a runtime item.
fn assert_reports(d: &Diagnostics, item: RuntimeItem, parts: &[&str]) {
    let found = d.iter().find(|x| x.kind == Kind::MissingRuntimeItem(item));
    let Some(found) = found else {
        panic!("no diagnostic for {item:?} in:\n{d}");
    };
    let text = found.to_string();
    for part in parts.iter().chain([&item.path()]) {
        assert!(text.contains(part), "{text:?} does not contain {part:?}");
    }
    assert!(
        d.iter()
            .all(|x| matches!(x.kind, Kind::MissingRuntimeItem(_))),
        "{d}"
    );
}

#[test]
fn the_complete_fixture_generates_the_client() {
    if let Err(d) = codegen::generate_client(&codegen::bundle(CLIENT)) {
        panic!("{d}");
    }
}

#[test]
fn every_item_is_covered_below() {
    assert_eq!(RuntimeItem::ALL.len(), 6);
}

#[test]
fn error_code_general() {
    let d = refused(&edited(
        "      General: { value: 1, zh: 普通错误, en: A generic error. }\n",
        "",
    ));
    assert_reports(
        &d,
        RuntimeItem::ErrorCodeGeneral,
        &["spec/api.yaml:", "enums.ErrorCode", "no value 'General'"],
    );
    assert_eq!(d.len(), 1, "{d}");
}

#[test]
fn error_code_rate_limited() {
    let d = refused(&edited(
        "      RateLimited: { value: 429, zh: 请求过于频繁, en: Too many requests. }\n",
        "",
    ));
    assert_reports(
        &d,
        RuntimeItem::ErrorCodeRateLimited,
        &[
            "spec/api.yaml:",
            "enums.ErrorCode",
            "no value 'RateLimited'",
        ],
    );
    assert_eq!(d.len(), 1, "{d}");
}

#[test]
fn error_code_enum() {
    let d = refused(&edited("  ErrorCode:\n", "  Code:\n"));
    for item in [
        RuntimeItem::ErrorCodeGeneral,
        RuntimeItem::ErrorCodeRateLimited,
    ] {
        assert_reports(&d, item, &["spec/api.yaml: enums", "no enum 'ErrorCode'"]);
    }
    assert_eq!(d.len(), 2, "{d}");
}

#[test]
fn playback() {
    let d = refused(&edited("  Playback:\n", "  Recording:\n"));
    assert_reports(
        &d,
        RuntimeItem::Playback,
        &["spec/api.yaml: types", "no type 'Playback'"],
    );
    assert_eq!(d.len(), 1, "{d}");
}

#[test]
fn playback_fields() {
    let d = refused(&edited(
        "session_id: { type: SessionId, zh: 课节,",
        "session_id: { type: SessionId, required: true, zh: 课节,",
    ));
    assert_reports(
        &d,
        RuntimeItem::Playback,
        &[
            "types.Playback.fields.session_id",
            "an optional field 'session_id' of type SessionId",
        ],
    );
    assert_eq!(d.len(), 1, "{d}");
}

#[test]
fn room_id() {
    let d = refused(&codegen::bundle(&CLIENT.replace("RoomId", "ClassroomId")));
    assert_reports(
        &d,
        RuntimeItem::RoomId,
        &["spec/api.yaml: ids", "no id 'RoomId'"],
    );
}

#[test]
fn session_id() {
    let d = refused(&codegen::bundle(&CLIENT.replace("SessionId", "LessonId")));
    assert_reports(
        &d,
        RuntimeItem::SessionId,
        &["spec/api.yaml: ids", "no id 'SessionId'"],
    );
}

#[test]
fn player_token_request() {
    let d = refused(&edited("  get_player_token:\n", "  get_token:\n"));
    assert_reports(
        &d,
        RuntimeItem::PlayerTokenRequest,
        &[
            "spec/token.yaml: endpoints",
            "no endpoint 'get_player_token'",
        ],
    );
    assert_eq!(d.len(), 1, "{d}");
}

#[test]
fn player_token_group() {
    let d = refused(&codegen::bundle(
        &CLIENT
            .replace("groups: [token]", "groups: [tokens]")
            .replace("# file: token.yaml", "# file: tokens.yaml"),
    ));
    assert_reports(
        &d,
        RuntimeItem::PlayerTokenRequest,
        &["spec/api.yaml: groups", "no group 'token'"],
    );
    assert_eq!(d.len(), 1, "{d}");
}

#[test]
fn player_token_arguments() {
    // `expires_in` before `room_id`: `get_player_token(expires_in, room_id)` would not fit the
    // runtime's call.
    let room = "      room_id: { type: RoomId, required: true, zh: 房间号, en: The room id. }\n";
    let moved = CLIENT.replace(room, "").replace(
        "    response: string\n",
        &format!("{room}    response: string\n"),
    );
    let d = refused(&codegen::bundle(&moved));
    assert_reports(
        &d,
        RuntimeItem::PlayerTokenRequest,
        &["endpoints.get_player_token", "in this order"],
    );
    assert_eq!(d.len(), 1, "{d}");
}

/// Generated code imports `Client` and `Result` from the crate's root, so a spec type may not
/// take their names (any spec, not only the client's).
#[test]
fn client_and_result_are_reserved() {
    for name in ["Client", "Result"] {
        let sources = codegen::bundle(&CLIENT.replace("  Playback:\n", &format!("  {name}:\n")));
        let d = match codegen::generate(&sources) {
            Ok(_) => panic!("a type named {name} should be refused"),
            Err(d) => d,
        };
        let text = d.to_string();
        assert!(
            text.contains(&format!("'{name}' is the name of a runtime type")),
            "{text}"
        );
        assert!(d.iter().all(|x| x.kind == Kind::Spec), "{text}");
    }
}
