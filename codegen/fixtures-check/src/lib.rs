//! The generator's output for every valid fixture spec, compiled against the `baijiayun` runtime:
//! a generator change that emits code that does not type-check, or that warns under the
//! workspace's lints, fails this crate's build, and with it `cargo test --workspace` and clippy.
//!
//! `build.rs` generates each fixture's client code (`client/src/generated/` in the real crate)
//! with the root `crate::<fixture>` ([`codegen::generate_under`]) and includes it here as the
//! module `<fixture>`, where [`runtime!`] provides what the generated code finds at the client
//! crate's root. Beside it, the module `fake_service` holds the fixture's fake server interface
//! (`mock/src/generated/service.rs` in the workspace), which names that client code and the
//! fake's items in `baijiayun-mock` (`Received`, `Refusal`, ...), so a generator change that breaks
//! the fake's code fails here too. The insta snapshots (`codegen/tests/snapshots`) show the same
//! code as text.

/// What generated code names at its root, as the client crate provides it: the runtime's
/// plumbing (`baijiayun::__private`), its public modules and scalars, and `Client` and
/// `blocking::Client` types of this crate, since generated code adds the endpoint methods to them
/// (an inherent `impl` needs a local type). Both wrap the real clients and send with them.
macro_rules! runtime {
    () => {
        pub use baijiayun::__private::*;
        pub use baijiayun::{
            ClientBuilder, Date, DateTime, Lifetime, PlaybackRef, Result, Source, Target, Upload,
            info,
        };

        /// The fixture's async client: the real one, under a type the generated methods can be
        /// added to.
        #[derive(Clone, Debug)]
        pub struct Client(pub baijiayun::Client);

        impl Client {
            /// Sends a request with the real client.
            pub async fn execute<E: baijiayun::Endpoint>(&self, request: &E) -> Result<E::Output> {
                self.0.execute(request).await
            }
        }

        /// The fixture's blocking client.
        #[cfg(feature = "blocking")]
        pub mod blocking {
            /// The real blocking client, under a type the generated methods can be added to.
            #[derive(Clone, Debug)]
            pub struct Client(pub baijiayun::blocking::Client);

            impl Client {
                /// Sends a request with the real client.
                pub fn execute<E: baijiayun::Endpoint>(
                    &self,
                    request: &E,
                ) -> baijiayun::Result<E::Output> {
                    self.0.execute(request)
                }
            }
        }
    };
}

include!(concat!(env!("OUT_DIR"), "/fixtures.rs"));

#[cfg(test)]
mod tests {
    /// Every fixture's operation table: each entry's `index` is its operation's place in
    /// `Operation::ALL`, which the client's path overrides are indexed by.
    #[test]
    fn every_table_entry_knows_its_place() {
        macro_rules! check {
            ($fixture:ident) => {
                let all = crate::$fixture::operations::Operation::ALL;
                assert!(!all.is_empty(), "{}", stringify!($fixture));
                for (i, &op) in all.iter().enumerate() {
                    let info = op.info();
                    assert_eq!(info.index, i, "{}: {}", stringify!($fixture), info.name);
                    assert_eq!(op as usize, i, "{}: {}", stringify!($fixture), info.name);
                }
            };
        }
        each_fixture!(check);
    }
}
