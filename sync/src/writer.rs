//! The right to write into a database: one sync at a time. SQLite: a lock file beside the database
//! ([`crate::lock`]). PostgreSQL: the lease ([`crate::pg`]), renewed by a heartbeat while held, and
//! waited for while another instance holds it (a standby).

use tokio::sync::watch;

use crate::db::Database;
use crate::error::Result;
use crate::lock::{self, SyncLock};
use crate::metrics;
use crate::store::Store;

/// What this process holds.
#[derive(Debug)]
pub(crate) enum Writer {
    /// SQLite's lock file (`None` for a database in memory, which no other process can open).
    Sqlite(#[allow(dead_code, reason = "held for its Drop")] Option<SyncLock>),
    /// PostgreSQL's lease.
    #[cfg(feature = "postgres")]
    Lease(lease::Held),
}

impl Writer {
    /// Takes the right to write into `db` as `instance`. SQLite fails at once when another process
    /// syncs; PostgreSQL waits as a standby until the lease is free, or until `stop`.
    #[cfg_attr(not(feature = "postgres"), allow(unused_variables, unused_mut))]
    pub(crate) async fn take(
        db: &Database,
        instance: &str,
        mut stop: watch::Receiver<bool>,
    ) -> Result<Writer> {
        // Not held while standing by (so a standby reports 0, not nothing).
        metrics::lease_held(false);
        let writer = match db {
            Database::Sqlite(_) => Writer::Sqlite(match db.sqlite_path() {
                Some(path) => Some(lock::acquire(&path, instance)?),
                None => None,
            }),
            #[cfg(feature = "postgres")]
            Database::Postgres(pool) => {
                Writer::Lease(lease::Held::take(pool, instance, &mut stop).await?)
            }
        };
        metrics::lease_held(true);
        Ok(writer)
    }

    /// Whether it was lost (PostgreSQL: another instance took the lease over).
    pub(crate) fn lost(&self) -> bool {
        match self {
            Writer::Sqlite(_) => false,
            #[cfg(feature = "postgres")]
            Writer::Lease(held) => held.lost(),
        }
    }

    /// A store that writes only while this is held.
    pub(crate) fn store(&self, db: &Database) -> Store {
        let store = Store::new(db.clone());
        match self {
            Writer::Sqlite(_) => store,
            #[cfg(feature = "postgres")]
            Writer::Lease(held) => store.fenced(held.token()),
        }
    }

    /// Lets go: a standby takes over at once rather than when the lease expires.
    pub(crate) async fn release(self) {
        metrics::lease_held(false);
        match self {
            Writer::Sqlite(lock) => drop(lock),
            #[cfg(feature = "postgres")]
            Writer::Lease(held) => held.release().await,
        }
    }
}

#[cfg(feature = "postgres")]
pub(crate) mod lease {
    //! The PostgreSQL lease, held: its token, and the heartbeat that renews it.

    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::time::Duration;

    use sqlx::postgres::PgPool;
    use tokio::sync::watch;
    use tokio::task::JoinHandle;

    use crate::error::{Result, SyncError};
    use crate::{metrics, pg};

    /// How long a lease lasts without a renewal: a holder that dies (or is paused) is replaced
    /// after at most this, plus a standby's poll.
    pub(crate) const TTL: Duration = Duration::from_secs(10);

    /// How often the holder renews it.
    const HEARTBEAT: Duration = Duration::from_secs(2);

    /// How often a standby asks for it.
    const POLL: Duration = Duration::from_secs(2);

    /// A held lease.
    #[derive(Debug)]
    pub(crate) struct Held {
        pool: PgPool,
        token: i64,
        lost: Arc<AtomicBool>,
        heartbeat: JoinHandle<()>,
    }

    impl Held {
        /// Waits until the lease is this instance's, polling, or until `stop`.
        pub(crate) async fn take(
            pool: &PgPool,
            instance: &str,
            stop: &mut watch::Receiver<bool>,
        ) -> Result<Held> {
            let mut announced = None;
            loop {
                if *stop.borrow() {
                    return Err(SyncError::Interrupted);
                }
                if let Some(token) = pg::try_acquire(pool, instance, TTL).await? {
                    tracing::info!(instance, token, "holding the sync lease");
                    let lost = Arc::new(AtomicBool::new(false));
                    let heartbeat = tokio::spawn(beat(pool.clone(), token, lost.clone()));
                    return Ok(Held {
                        pool: pool.clone(),
                        token,
                        lost,
                        heartbeat,
                    });
                }
                let holder = pg::holder(pool).await?.map(|l| l.holder);
                if holder != announced {
                    tracing::info!(
                        instance,
                        holder = holder.as_deref().unwrap_or("?"),
                        "standing by: another instance holds the sync lease"
                    );
                    announced = holder;
                }
                tokio::select! {
                    () = tokio::time::sleep(POLL) => {}
                    _ = stop.wait_for(|s| *s) => return Err(SyncError::Interrupted),
                }
            }
        }

        /// The fencing token.
        pub(crate) fn token(&self) -> i64 {
            self.token
        }

        /// Whether another instance took it over.
        pub(crate) fn lost(&self) -> bool {
            self.lost.load(Ordering::Relaxed)
        }

        /// Gives it up.
        pub(crate) async fn release(self) {
            self.heartbeat.abort();
            if let Err(e) = pg::release(&self.pool, self.token).await {
                tracing::warn!(error = %e, "could not release the sync lease; it expires by itself");
            }
        }
    }

    impl Drop for Held {
        fn drop(&mut self) {
            self.heartbeat.abort();
            // Dropped without a release: superseded, or the process is ending.
            metrics::lease_held(false);
        }
    }

    /// Renews the lease every [`HEARTBEAT`] until it is found taken over. A renewal that fails
    /// (the database unreachable) is retried: the fencing check, not the heartbeat, keeps a
    /// superseded instance from writing.
    async fn beat(pool: PgPool, token: i64, lost: Arc<AtomicBool>) {
        loop {
            tokio::time::sleep(HEARTBEAT).await;
            match pg::renew(&pool, token, TTL).await {
                Ok(true) => {}
                Ok(false) => {
                    tracing::warn!(token, "the sync lease was taken over by another instance");
                    lost.store(true, Ordering::Relaxed);
                    metrics::lease_held(false);
                    return;
                }
                Err(e) => tracing::warn!(error = %e, "could not renew the sync lease"),
            }
        }
    }
}
