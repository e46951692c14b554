//! [`Source`] and [`Target`]: which side of a copy an argument names.
//!
//! API 14 copies one playback onto another and takes two room ids. Each is wrapped in the side
//! it names, so that swapping them does not compile:
//!
//! ```
//! # async fn run(client: &baijiayun::Client) -> baijiayun::Result<()> {
//! use baijiayun::types::{ReplaceType, RoomId};
//! use baijiayun::{Source, Target};
//!
//! client
//!     .replace_playback(ReplaceType::Replace, Source(RoomId(1001)), Target(RoomId(2002)))
//!     .send()
//!     .await?;
//! # Ok(())
//! # }
//! ```
//!
//! ```compile_fail
//! # async fn run(client: &baijiayun::Client) -> baijiayun::Result<()> {
//! use baijiayun::types::{ReplaceType, RoomId};
//! use baijiayun::{Source, Target};
//!
//! // The target given where the source belongs: a type error, not an overwritten playback.
//! client
//!     .replace_playback(ReplaceType::Replace, Target(RoomId(2002)), Source(RoomId(1001)))
//!     .send()
//!     .await?;
//! # Ok(())
//! # }
//! ```

/// The source of a copy: what is copied from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Source<T>(pub T);

/// The target of a copy: what is overwritten or created.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Target<T>(pub T);
