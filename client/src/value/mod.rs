//! The value types: the vendor's dates and times, a token's lifetime, a playback reference, the
//! sides of a copy, a file to upload, and the web player's link.
//!
//! The lowest layer of the runtime: these modules import nothing from the call core or above.
//! The core's traits (writing a parameter, tolerant decoding, strict reading from text) are
//! implemented for them in the core (`call::wire`, `call::de`, `call::text`). A playback
//! reference and the player's link hold the spec's id types (`RoomId`, `SessionId`), which are
//! generated (`crate::types`).

pub(crate) mod lifetime;
pub(crate) mod playback_ref;
pub mod player;
pub(crate) mod role;
pub(crate) mod time;
pub(crate) mod upload;
