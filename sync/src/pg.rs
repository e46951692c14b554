//! PostgreSQL: connecting into the sync's schema, its migrations, and the lease that lets one
//! instance among many sync, with a fencing token that every write transaction checks.
//!
//! The lease is a row (`sync_lease`) rather than an advisory lock: a session lock stays held by a
//! process that is paused (SIGSTOP, a VM freeze) as long as its connection is open, where a lease
//! expires. Expiry uses the server's clock, so the instances' clocks do not matter. A writer checks
//! its token under `FOR SHARE` in each transaction: a successor's takeover waits for that
//! transaction to end, and every later transaction of the old holder sees the new token and stops.
//! The connections end an idle transaction after [`IDLE_IN_TRANSACTION`], so a holder paused inside
//! one cannot block a takeover for longer.

use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::{Postgres, Transaction};

use crate::error::{Result, SyncError};

/// The PostgreSQL migrations, embedded: `sync/migrations/postgres/`.
pub(crate) const MIGRATIONS: &[(i64, &str, &str)] = &[
    (
        1,
        "init",
        include_str!("../migrations/postgres/0001_init.sql"),
    ),
    (
        2,
        "callbacks",
        include_str!("../migrations/postgres/0002_callbacks.sql"),
    ),
];

/// How long a transaction left open by a stalled process holds its locks before the server ends it.
pub(crate) const IDLE_IN_TRANSACTION: Duration = Duration::from_secs(10);

/// The pool's size: the sync's writes, the lease's heartbeat, and readers (`sync status`, the
/// callback receiver).
const CONNECTIONS: u32 = 8;

/// Connects with `search_path` set to `schema`, creating the schema if it is missing.
pub(crate) async fn connect(options: PgConnectOptions, schema: &str) -> Result<PgPool> {
    if schema.is_empty()
        || schema.len() > 63
        || !schema.starts_with(|c: char| c.is_ascii_lowercase() || c == '_')
        || !schema
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
    {
        return Err(SyncError::Config(format!(
            "a PostgreSQL schema name is lower-case letters, digits and _, not {schema:?}"
        )));
    }
    let idle = format!("{}s", IDLE_IN_TRANSACTION.as_secs());
    let options = options.application_name("baijiayun-sync").options([
        ("search_path", schema),
        ("idle_in_transaction_session_timeout", idle.as_str()),
    ]);
    let pool = PgPoolOptions::new()
        .max_connections(CONNECTIONS)
        .acquire_timeout(Duration::from_secs(30))
        .connect_with(options)
        .await?;
    // The name was checked above: a plain identifier, nothing to quote.
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "CREATE SCHEMA IF NOT EXISTS {schema}"
    )))
    .execute(&pool)
    .await?;
    Ok(pool)
}

/// The lease's row.
const LEASE: &str = "sync";

/// What a lease row says.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub(crate) struct LeaseRow {
    /// The instance holding it.
    pub(crate) holder: String,
    /// The fencing token: grows by one with each new holder.
    pub(crate) token: i64,
    /// Whether it has expired (by the server's clock).
    pub(crate) expired: bool,
}

/// Takes the lease for `holder` for `ttl` if it is free, expired, or already `holder`'s. Returns
/// the new fencing token, or `None` when another instance holds it (or holds its row locked in a
/// transaction for longer than a moment).
pub(crate) async fn try_acquire(pool: &PgPool, holder: &str, ttl: Duration) -> Result<Option<i64>> {
    let mut tx = pool.begin().await?;
    sqlx::query("SET LOCAL lock_timeout = '2s'")
        .execute(&mut *tx)
        .await?;
    let taken: std::result::Result<Option<i64>, sqlx::Error> = sqlx::query_scalar(
        "INSERT INTO sync_lease (name, holder, token, acquired_at, expires_at) \
         VALUES ($1, $2, 1, now(), now() + $3 * interval '1 millisecond') \
         ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, \
         token = sync_lease.token + 1, acquired_at = now(), expires_at = excluded.expires_at \
         WHERE sync_lease.expires_at < now() OR sync_lease.holder = excluded.holder \
         RETURNING token",
    )
    .bind(LEASE)
    .bind(holder)
    .bind(millis(ttl))
    .fetch_optional(&mut *tx)
    .await;
    match taken {
        Ok(token) => {
            tx.commit().await?;
            Ok(token)
        }
        // 55P03 lock_not_available: the holder is inside a write; it is not free.
        Err(sqlx::Error::Database(e)) if e.code().as_deref() == Some("55P03") => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// Extends the lease of `token` by `ttl` from now. `false` when it is no longer this token's.
pub(crate) async fn renew(pool: &PgPool, token: i64, ttl: Duration) -> Result<bool> {
    let renewed = sqlx::query(
        "UPDATE sync_lease SET expires_at = now() + $3 * interval '1 millisecond' \
         WHERE name = $1 AND token = $2",
    )
    .bind(LEASE)
    .bind(token)
    .bind(millis(ttl))
    .execute(pool)
    .await?
    .rows_affected();
    Ok(renewed == 1)
}

/// Gives the lease up (a clean exit), so a standby takes over at once.
pub(crate) async fn release(pool: &PgPool, token: i64) -> Result<()> {
    sqlx::query("UPDATE sync_lease SET expires_at = now() - interval '1 second' WHERE name = $1 AND token = $2")
        .bind(LEASE)
        .bind(token)
        .execute(pool)
        .await?;
    Ok(())
}

/// Who holds the lease, if anyone ever did.
pub(crate) async fn holder(pool: &PgPool) -> Result<Option<LeaseRow>> {
    Ok(sqlx::query_as(
        "SELECT holder, token, expires_at < now() AS expired FROM sync_lease WHERE name = $1",
    )
    .bind(LEASE)
    .fetch_optional(pool)
    .await?)
}

/// The fencing check at the start of a write transaction: the lease is still `token`'s. The share
/// lock it takes keeps a takeover waiting until this transaction ends.
pub(crate) async fn fence(tx: &mut Transaction<'static, Postgres>, token: i64) -> Result<()> {
    let current: Option<(String, i64)> =
        sqlx::query_as("SELECT holder, token FROM sync_lease WHERE name = $1 FOR SHARE")
            .bind(LEASE)
            .fetch_optional(&mut **tx)
            .await?;
    match current {
        Some((_, t)) if t == token => Ok(()),
        Some((holder, t)) => Err(SyncError::Superseded(format!(
            "the lease is now {holder}'s (token {t}, this instance had {token})"
        ))),
        None => Err(SyncError::Superseded("the lease row is gone".to_owned())),
    }
}

fn millis(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}
