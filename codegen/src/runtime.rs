//! The generated items the client's hand-written runtime names (`client/src/*.rs`), and the check
//! that a spec defines them.
//!
//! The runtime is compiled with the code generated from `spec/`. Where it names a generated item
//! (`types::RoomId`, `ErrorCode::RateLimited`, the player-token request, ...), a spec without that
//! item would break the build in a hand-written file, far from the cause. [`crate::generate_client`]
//! checks for each one first and reports one that is missing, or has another shape, as a
//! diagnostic of kind [`Kind::MissingRuntimeItem`] where it belongs in the spec. The fixtures' code
//! is not compiled with the runtime at its root, so [`crate::generate`] does not ask for them.

use std::fmt;

use crate::diagnostics::{Diagnostics, Kind, Location};
use crate::lower::{ROOT_STEM, stem};
use crate::spec::{EndpointSpec, ParamSpec, SpecFile};

/// A generated item the client's hand-written runtime names.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RuntimeItem {
    /// `types::ErrorCode::General`, a value of the int enum `ErrorCode`: the vendor's generic
    /// error, which `Error::may_have_applied` counts as possibly applied.
    ErrorCodeGeneral,
    /// `types::ErrorCode::RateLimited`: the vendor's refusal for rate (`Error::is_rate_limited`).
    ErrorCodeRateLimited,
    /// `types::Playback`, with a required `room_id: RoomId` and an optional
    /// `session_id: SessionId` (`PlaybackRef: From<&Playback>`).
    Playback,
    /// The id type `types::RoomId` (`PlaybackRef`, the player link).
    RoomId,
    /// The id type `types::SessionId` (`PlaybackRef`, the player link).
    SessionId,
    /// `token::GetPlayerTokenRequest`, endpoint `get_player_token` of group `token`, built from
    /// the required `room_id: RoomId` and `expires_in: lifetime`, in that order, with an optional
    /// `session_id: SessionId` (`Client::player_token_for` on both clients).
    PlayerTokenRequest,
}

impl RuntimeItem {
    /// Every item, in a stable order.
    pub const ALL: [RuntimeItem; 6] = [
        RuntimeItem::ErrorCodeGeneral,
        RuntimeItem::ErrorCodeRateLimited,
        RuntimeItem::Playback,
        RuntimeItem::RoomId,
        RuntimeItem::SessionId,
        RuntimeItem::PlayerTokenRequest,
    ];

    /// The item's path below the client crate's root, as the runtime names it.
    pub fn path(self) -> &'static str {
        match self {
            RuntimeItem::ErrorCodeGeneral => "types::ErrorCode::General",
            RuntimeItem::ErrorCodeRateLimited => "types::ErrorCode::RateLimited",
            RuntimeItem::Playback => "types::Playback",
            RuntimeItem::RoomId => "types::RoomId",
            RuntimeItem::SessionId => "types::SessionId",
            RuntimeItem::PlayerTokenRequest => "token::GetPlayerTokenRequest",
        }
    }
}

impl fmt::Display for RuntimeItem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{}`", self.path())
    }
}

/// The error codes the runtime names, by their value's name.
const ERROR_CODES: [(&str, RuntimeItem); 2] = [
    ("General", RuntimeItem::ErrorCodeGeneral),
    ("RateLimited", RuntimeItem::ErrorCodeRateLimited),
];

/// Reports every item of [`RuntimeItem::ALL`] the spec lacks or shapes otherwise.
pub(crate) fn check(files: &[SpecFile], diags: &mut Diagnostics) {
    // Without a root file lowering reports the spec as a whole.
    let Some(root) = files.iter().find(|f| stem(&f.file) == ROOT_STEM) else {
        return;
    };
    for (name, item) in [
        ("RoomId", RuntimeItem::RoomId),
        ("SessionId", RuntimeItem::SessionId),
    ] {
        if !files
            .iter()
            .flat_map(|f| &f.ids)
            .any(|i| i.name.value == name)
        {
            missing(
                diags,
                &root.at.child("ids"),
                item,
                format!("no id '{name}'"),
            );
        }
    }
    check_error_codes(files, root, diags);
    check_playback(files, root, diags);
    check_player_token(files, root, diags);
}

/// Records that `item` is missing or has another shape: `problem` says how.
fn missing(diags: &mut Diagnostics, at: &Location, item: RuntimeItem, problem: impl fmt::Display) {
    diags.push(
        at,
        format!("{problem}: the client's hand-written runtime names {item}"),
        Kind::MissingRuntimeItem(item),
    );
}

/// `ErrorCode` is an int enum (the runtime compares it with the envelope's `code`) with the
/// values of [`ERROR_CODES`].
fn check_error_codes(files: &[SpecFile], root: &SpecFile, diags: &mut Diagnostics) {
    let Some(e) = files
        .iter()
        .flat_map(|f| &f.enums)
        .find(|e| e.name.value == "ErrorCode")
    else {
        for (_, item) in ERROR_CODES {
            missing(diags, &root.at.child("enums"), item, "no enum 'ErrorCode'");
        }
        return;
    };
    for (value, item) in ERROR_CODES {
        if e.repr.value != "int" {
            missing(diags, &e.repr.at, item, "'ErrorCode' must be repr: int");
        } else if !e.values.iter().any(|v| v.name.value == value) {
            missing(
                diags,
                &e.name.at,
                item,
                format!("enum 'ErrorCode' has no value '{value}'"),
            );
        }
    }
}

/// `Playback` is a record with a required `room_id: RoomId` and an optional
/// `session_id: SessionId`.
fn check_playback(files: &[SpecFile], root: &SpecFile, diags: &mut Diagnostics) {
    let item = RuntimeItem::Playback;
    let Some(t) = files
        .iter()
        .flat_map(|f| &f.types)
        .find(|t| t.name.value == "Playback")
    else {
        missing(diags, &root.at.child("types"), item, "no type 'Playback'");
        return;
    };
    for (field, ty, required) in [
        ("room_id", "RoomId", true),
        ("session_id", "SessionId", false),
    ] {
        let found = t.fields.iter().find(|f| f.name.value == field);
        if !found.is_some_and(|f| f.ty.value.trim() == ty && f.required == required) {
            let at = found.map_or(&t.name.at, |f| &f.name.at);
            let how = if required { "required" } else { "optional" };
            missing(
                diags,
                at,
                item,
                format!("'Playback' needs an {how} field '{field}' of type {ty}"),
            );
        }
    }
}

/// Group `token` has `get_player_token`, whose `new` takes `room_id: RoomId` then
/// `expires_in: lifetime`, and which has an optional `session_id: SessionId`.
fn check_player_token(files: &[SpecFile], root: &SpecFile, diags: &mut Diagnostics) {
    let item = RuntimeItem::PlayerTokenRequest;
    let listed = root.groups.iter().flatten().any(|g| g.value == "token");
    let file = files.iter().find(|f| stem(&f.file) == "token");
    let (true, Some(file)) = (listed, file) else {
        missing(diags, &root.at.child("groups"), item, "no group 'token'");
        return;
    };
    let Some(e) = file
        .endpoints
        .iter()
        .find(|e| e.name.value == "get_player_token")
    else {
        missing(
            diags,
            &file.at.child("endpoints"),
            item,
            "group 'token' has no endpoint 'get_player_token'",
        );
        return;
    };
    if !player_token_params_fit(e) {
        missing(
            diags,
            &e.name.at,
            item,
            "'get_player_token' must take the required params room_id: RoomId and expires_in: \
             lifetime, in this order, and an optional session_id: SessionId",
        );
    }
}

fn player_token_params_fit(e: &EndpointSpec) -> bool {
    let is = |p: &ParamSpec, name: &str, ty: &str| p.name.value == name && p.ty.value.trim() == ty;
    let required: Vec<&ParamSpec> = e.params.iter().filter(|p| p.required).collect();
    let session = e.params.iter().find(|p| p.name.value == "session_id");
    matches!(
        required.as_slice(),
        [room, expires] if is(room, "room_id", "RoomId") && is(expires, "expires_in", "lifetime")
    ) && session.is_some_and(|p| !p.required && is(p, "session_id", "SessionId"))
}
