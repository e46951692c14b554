//! The limiters: the local sliding window shared by the clients of one account in the process
//! ([`local`]), and with feature `redis` the fleet-wide one on Redis ([`fleet`]). Each implements
//! the call core's gate (`crate::call::gate`); the core and the gate name neither.

pub(crate) mod local;

#[cfg(feature = "redis")]
pub mod fleet;
