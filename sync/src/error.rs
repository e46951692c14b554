//! The one error type of the sync.

/// What can stop a sync run.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SyncError {
    /// The database could not be opened (the URL is shown without its password).
    #[error("cannot open the database {url}: {message}")]
    Open {
        /// The database URL, its password replaced by `***`.
        url: String,
        /// Why.
        message: String,
    },
    /// A query failed.
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    /// The schema could not be brought up to date.
    #[error("database migration: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// A call to the vendor failed (after the sync's own retries where they were safe).
    #[error("{0}")]
    Client(#[from] baijiayun::Error),
    /// Another process is syncing into the same database.
    #[error("another sync is running on this database (lock file {path}): {message}")]
    Busy {
        /// The lock file.
        path: String,
        /// What the lock said.
        message: String,
    },
    /// The vendor sent something the sync cannot store consistently.
    #[error("{stream}: {message}")]
    Vendor {
        /// The stream that read it.
        stream: String,
        /// What was wrong.
        message: String,
    },
    /// The stored state of the sync is not what this version writes.
    #[error("the sync's stored state is unreadable ({what}): {message}")]
    State {
        /// Which state.
        what: String,
        /// Why.
        message: String,
    },
    /// A setting is out of range.
    #[error("invalid setting: {0}")]
    Config(String),
    /// Another instance holds the sync's lease (PostgreSQL), or took it over from this one: this
    /// instance writes nothing more.
    #[error("superseded: {0}")]
    Superseded(String),
    /// The run was asked to stop (SIGTERM, Ctrl-C, or the caller's shutdown signal).
    #[error("interrupted")]
    Interrupted,
}

/// The sync's result type.
pub type Result<T, E = SyncError> = std::result::Result<T, E>;
