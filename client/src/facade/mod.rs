//! The façade: the async [`Client`](client::Client) and the [`blocking::Client`], the
//! [`ClientBuilder`](builder::ClientBuilder) both are built with (also from the environment,
//! [`env`]), their shared methods ([`methods`]), and paging through list endpoints
//! ([`pagination`]). The top layer: it builds a client's limiter and drives the call core.

#[cfg(feature = "blocking")]
pub mod blocking;
pub(crate) mod builder;
pub(crate) mod client;
pub mod env;
pub(crate) mod methods;
pub mod pagination;
