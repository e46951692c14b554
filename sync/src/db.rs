//! The database a sync writes to: which backend, how it is opened, its migrations.

use std::borrow::Cow;
use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

use sqlx::migrate::{Migration, MigrationType, Migrator};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::{AssertSqlSafe, SqlSafeStr as _};

use crate::error::{Result, SyncError};

#[cfg(feature = "postgres")]
use sqlx::postgres::PgPool;

/// The name of the table that records which of our migrations a database has, chosen so that it
/// cannot collide with the user's own sqlx migrations (`_sqlx_migrations`) in the same database.
pub const MIGRATIONS_TABLE: &str = "baijiayun_migrations";

/// The PostgreSQL schema the tables live in unless [`Database::open_in_schema`] says otherwise.
pub const DEFAULT_SCHEMA: &str = "baijiayun";

/// The SQLite migrations, embedded: `sync/migrations/sqlite/`.
const SQLITE_MIGRATIONS: &[(i64, &str, &str)] = &[
    (
        1,
        "init",
        include_str!("../migrations/sqlite/0001_init.sql"),
    ),
    (
        2,
        "write order keys",
        include_str!("../migrations/sqlite/0002_write_order_keys.sql"),
    ),
    (
        3,
        "callbacks",
        include_str!("../migrations/sqlite/0003_callbacks.sql"),
    ),
];

/// How long a writer waits for SQLite's lock before it fails (`busy_timeout`).
const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

/// A database the sync writes to. One variant per backend, each with its concrete sqlx pool (sqlx's
/// `Any` driver is not used: it cannot decode several column types).
#[derive(Clone)]
#[non_exhaustive]
pub enum Database {
    /// SQLite: one file, WAL mode, one writer.
    Sqlite(SqlitePool),
    /// PostgreSQL: the tables in their own schema ([`Database::open_in_schema`]), shared by any number of
    /// sync processes of which one, holding the lease, writes.
    #[cfg(feature = "postgres")]
    Postgres(PgPool),
}

impl fmt::Debug for Database {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Database::Sqlite(_) => f.write_str("Database::Sqlite"),
            #[cfg(feature = "postgres")]
            Database::Postgres(_) => f.write_str("Database::Postgres"),
        }
    }
}

impl Database {
    /// Opens (creating it if missing) the database at `url` and brings its schema up to date:
    /// `sqlite://baijiayun.db`, `sqlite:///abs/path.db`, `sqlite::memory:`, or a plain file path.
    ///
    /// SQLite is opened in WAL mode, so that the application reading the tables is never blocked
    /// and never sees a transaction half-written, with a busy timeout and one writing connection.
    ///
    /// With the `postgres` feature, `postgres://user:password@host/db` opens PostgreSQL, with the
    /// tables in the schema `baijiayun` ([`Database::open_in_schema`] chooses another), created if
    /// missing.
    pub async fn open(url: &str) -> Result<Database> {
        Database::open_in_schema(url, DEFAULT_SCHEMA).await
    }

    /// [`Database::open`], with PostgreSQL's tables in `schema` (a plain lower-case identifier).
    /// SQLite has no schemas: `schema` is not used there.
    #[cfg_attr(not(feature = "postgres"), allow(unused_variables))]
    pub async fn open_in_schema(url: &str, schema: &str) -> Result<Database> {
        let target = Target::parse(url)?;
        match target {
            #[cfg(feature = "postgres")]
            Target::Postgres(options) => {
                let pool =
                    crate::pg::connect(options, schema)
                        .await
                        .map_err(|e| SyncError::Open {
                            url: redact(url),
                            message: e.to_string(),
                        })?;
                let db = Database::Postgres(pool);
                db.migrate().await?;
                Ok(db)
            }
            Target::Sqlite(options) => {
                let options = options
                    .create_if_missing(true)
                    .journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Normal)
                    .busy_timeout(BUSY_TIMEOUT)
                    .foreign_keys(true)
                    // An upsert of many rows keeps a statement journal (to undo the statement
                    // alone): in memory it is a few pages, on disk it doubled the bytes written.
                    .pragma("temp_store", "memory");
                // One connection: SQLite has one writer at a time anyway, and `BEGIN IMMEDIATE`
                // on one connection never waits on itself.
                let pool = SqlitePoolOptions::new()
                    .max_connections(1)
                    .acquire_timeout(BUSY_TIMEOUT)
                    .connect_with(options)
                    .await
                    .map_err(|e| SyncError::Open {
                        url: redact(url),
                        message: e.to_string(),
                    })?;
                let db = Database::Sqlite(pool);
                db.migrate().await?;
                Ok(db)
            }
        }
    }

    /// The SQLite pool, to read the tables from the same process.
    pub fn sqlite(&self) -> Option<&SqlitePool> {
        match self {
            Database::Sqlite(pool) => Some(pool),
            #[cfg(feature = "postgres")]
            Database::Postgres(_) => None,
        }
    }

    /// The PostgreSQL pool (its connections' `search_path` is the sync's schema), to read the
    /// tables from the same process.
    #[cfg(feature = "postgres")]
    pub fn postgres(&self) -> Option<&PgPool> {
        match self {
            Database::Postgres(pool) => Some(pool),
            Database::Sqlite(_) => None,
        }
    }

    /// Applies the embedded migrations this database lacks, recorded in [`MIGRATIONS_TABLE`].
    pub async fn migrate(&self) -> Result<()> {
        match self {
            Database::Sqlite(pool) => {
                let mut migrator = migrator(SQLITE_MIGRATIONS);
                migrator.dangerous_set_table_name(MIGRATIONS_TABLE);
                migrator.run(pool).await?;
                Ok(())
            }
            #[cfg(feature = "postgres")]
            Database::Postgres(pool) => {
                let mut migrator = migrator(crate::pg::MIGRATIONS);
                migrator.dangerous_set_table_name(MIGRATIONS_TABLE);
                migrator.run(pool).await?;
                Ok(())
            }
        }
    }

    /// Whether the database answers: `SELECT 1` on a connection of the pool (for a health check;
    /// put a timeout around it, since it waits for a free connection).
    pub async fn ping(&self) -> Result<()> {
        match self {
            Database::Sqlite(pool) => {
                sqlx::query("SELECT 1").execute(pool).await?;
            }
            #[cfg(feature = "postgres")]
            Database::Postgres(pool) => {
                sqlx::query("SELECT 1").execute(pool).await?;
            }
        }
        Ok(())
    }

    /// Closes the pool, waiting for its connections to finish.
    pub async fn close(&self) {
        match self {
            Database::Sqlite(pool) => pool.close().await,
            #[cfg(feature = "postgres")]
            Database::Postgres(pool) => pool.close().await,
        }
    }

    /// The path of the database file, for the sync's lock file; `None` in memory.
    pub(crate) fn sqlite_path(&self) -> Option<PathBuf> {
        match self {
            Database::Sqlite(pool) => {
                let path = pool.connect_options().get_filename().to_path_buf();
                let s = path.to_string_lossy();
                (!s.is_empty() && s != ":memory:" && !s.starts_with("file:")).then_some(path)
            }
            #[cfg(feature = "postgres")]
            Database::Postgres(_) => None,
        }
    }
}

pub(crate) fn migrator(migrations: &[(i64, &'static str, &'static str)]) -> Migrator {
    Migrator::with_migrations(
        migrations
            .iter()
            .map(|&(version, description, sql)| {
                Migration::new(
                    version,
                    Cow::Borrowed(description),
                    MigrationType::Simple,
                    AssertSqlSafe(sql).into_sql_str(),
                    false,
                )
            })
            .collect(),
    )
}

/// Where a URL points.
enum Target {
    Sqlite(SqliteConnectOptions),
    #[cfg(feature = "postgres")]
    Postgres(sqlx::postgres::PgConnectOptions),
}

impl Target {
    fn parse(url: &str) -> Result<Target> {
        let unsupported = |why: &str| SyncError::Open {
            url: redact(url),
            message: why.to_owned(),
        };
        if url.starts_with("sqlite:") {
            let options = SqliteConnectOptions::from_str(url)
                .map_err(|e| unsupported(&format!("not a SQLite URL: {e}")))?;
            Ok(Target::Sqlite(options))
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            #[cfg(feature = "postgres")]
            {
                let options = sqlx::postgres::PgConnectOptions::from_str(url)
                    .map_err(|e| unsupported(&format!("not a PostgreSQL URL: {e}")))?;
                Ok(Target::Postgres(options))
            }
            #[cfg(not(feature = "postgres"))]
            Err(unsupported(
                "PostgreSQL needs baijiayun-sync's `postgres` feature; use sqlite://PATH",
            ))
        } else if url.contains("://") {
            Err(unsupported("unknown database; use sqlite://PATH"))
        } else {
            Ok(Target::Sqlite(SqliteConnectOptions::new().filename(url)))
        }
    }
}

/// `url` without its password (`postgres://user:***@host/db`), for messages and logs.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let userinfo = &url[scheme + 3..at];
            match userinfo.find(':') {
                Some(colon) => format!(
                    "{}{}:***{}",
                    &url[..scheme + 3],
                    &userinfo[..colon],
                    &url[at..]
                ),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redact_hides_passwords_only() {
        assert_eq!(
            redact("postgres://sync:secret@db:5432/x"),
            "postgres://sync:***@db:5432/x"
        );
        assert_eq!(redact("sqlite://baijiayun.db"), "sqlite://baijiayun.db");
    }

    #[tokio::test]
    async fn migrations_apply_once_into_our_own_table() {
        let db = Database::open("sqlite::memory:").await.expect("open");
        db.migrate().await.expect("second run is a no-op");
        let pool = db.sqlite().expect("sqlite");
        let applied: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM baijiayun_migrations WHERE success")
                .fetch_one(pool)
                .await
                .expect("count");
        assert_eq!(applied, SQLITE_MIGRATIONS.len() as i64);
        let sqlx_table: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM sqlite_master WHERE name = '_sqlx_migrations'",
        )
        .fetch_one(pool)
        .await
        .expect("count");
        assert_eq!(sqlx_table, 0, "sqlx's default table is left to the user");
    }

    /// A database made by the first release's schema keeps its rows through the later migrations.
    #[tokio::test]
    async fn rows_survive_the_key_migration() {
        let pool = SqlitePool::connect("sqlite::memory:").await.expect("pool");
        let mut first = migrator(&SQLITE_MIGRATIONS[..1]);
        first.dangerous_set_table_name(MIGRATIONS_TABLE);
        first.run(&pool).await.expect("0001");
        sqlx::raw_sql(
            "INSERT INTO playbacks (playback_id, product_type, room_id, status, raw, read_at, \
             first_seen_at, synced_at) VALUES (7, 1, 10, 100, '{}', 1, 'a', 'a'); \
             INSERT INTO play_records (guid, day, video_id, raw, read_at, first_seen_at, \
             synced_at) VALUES ('g', '2026-12-01', 3, '{}', 1, 'a', 'a');",
        )
        .execute(&pool)
        .await
        .expect("rows");
        let db = Database::Sqlite(pool);
        db.migrate().await.expect("later migrations");
        let pool = db.sqlite().expect("sqlite");
        let (playbacks, records): (i64, i64) = sqlx::query_as(
            "SELECT (SELECT COUNT(*) FROM playbacks WHERE playback_id = 7), \
             (SELECT COUNT(*) FROM play_records WHERE day = '2026-12-01' AND guid = 'g')",
        )
        .fetch_one(pool)
        .await
        .expect("count");
        assert_eq!((playbacks, records), (1, 1));
        let duplicate = sqlx::query(
            "INSERT INTO playbacks (playback_id, product_type, room_id, status, raw, read_at, \
             first_seen_at, synced_at) VALUES (7, 1, 10, 100, '{}', 1, 'a', 'a')",
        )
        .execute(pool)
        .await;
        assert!(duplicate.is_err(), "playback_id stays unique");
    }

    #[cfg(not(feature = "postgres"))]
    #[tokio::test]
    async fn postgres_urls_are_refused_with_a_clear_error() {
        let err = Database::open("postgres://u:pw@localhost/x")
            .await
            .expect_err("not supported yet");
        let text = err.to_string();
        assert!(text.contains("PostgreSQL"), "{text}");
        assert!(!text.contains("pw"), "{text}");
    }
}
