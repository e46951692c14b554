//! The call core and what goes on the wire: one call from its parameters to its result, the same
//! for both clients and every endpoint, without I/O and without reading a clock.
//!
//! From the bottom up: [`clock`] (read by the drivers, never by the core), [`json_path`],
//! [`error`], [`info`] (the types of the spec's operation table), [`de`] (tolerant decoding) and
//! [`text`] (strict reading from text), [`wire`] (parameters, the sign, [`crate::Endpoint`]),
//! [`envelope`], [`gate`] (the contract with a limiter), [`retry`], [`observe`], [`request`]
//! (a call set up and each attempt laid out), [`output`] and [`machine`] (the state machine that
//! decides every step of a call).

pub(crate) mod clock;
pub(crate) mod de;
pub(crate) mod envelope;
pub(crate) mod error;
pub(crate) mod gate;
pub mod info;
pub(crate) mod json_path;
pub(crate) mod machine;
pub(crate) mod observe;
pub(crate) mod output;
pub(crate) mod request;
pub(crate) mod retry;
pub mod text;
pub(crate) mod wire;
