//! The store: one sqlx pool over SQLite (WAL mode), opened once at start-up, with the schema
//! brought up to date before anything else touches it. Queries live in the submodules, grouped by
//! what they own.

pub mod accounts;
pub mod audit;
pub mod backend_changes;
pub mod backends;
pub mod backup;
pub mod decisions;
mod migrate;
pub mod overrides;
pub mod policies;
pub mod prometheus;
pub mod resources;
pub mod samples;
pub mod serve_lock;
pub mod sign_ins;
pub mod status;
pub mod time;
pub mod workloads;

use std::str::FromStr;
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::SqlitePool;

use crate::server::config::DatabaseUrl;
pub use migrate::{migrate, MigrateError};

/// The schema migrations, embedded once: applied at start-up and by a restore, and the
/// versions a backup is checked against.
pub(crate) static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("migrations/sqlite");

/// Errors of the store, each saying what failed and where.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot create the database directory {path}: {source}")]
    CreateDir {
        path: String,
        source: std::io::Error,
    },
    #[error("cannot open the database {url}: {source}")]
    Open { url: String, source: sqlx::Error },
    #[error(transparent)]
    Migrate(#[from] MigrateError),
    #[error("database error: {0}")]
    Query(#[from] sqlx::Error),
    #[error("stored data cannot be read: {0}")]
    Corrupt(String),
}

/// Handle to the database; cheap to clone.
#[derive(Clone, Debug)]
pub struct Store {
    pool: SqlitePool,
    /// Counts the changes that may end someone's access (sign-out, password change, account
    /// disabled or changed, token revoked), so open live streams check theirs at once.
    access_changes: std::sync::Arc<tokio::sync::watch::Sender<u64>>,
}

impl Store {
    /// Opens (creating when missing) the database and applies pending migrations.
    pub async fn open(url: &DatabaseUrl) -> Result<Store, StoreError> {
        let store = Store::connect(url).await?;
        migrate(&store.pool, &MIGRATOR).await?;
        Ok(store)
    }

    /// Opens the database without touching its schema.
    pub async fn connect(url: &DatabaseUrl) -> Result<Store, StoreError> {
        if let DatabaseUrl::SqliteFile(path) = url {
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir).map_err(|source| StoreError::CreateDir {
                    path: dir.display().to_string(),
                    source,
                })?;
            }
        }
        let sqlx_url = url.to_sqlx_url();
        let open_err = |source| StoreError::Open {
            url: sqlx_url.clone(),
            source,
        };
        let opts = SqliteConnectOptions::from_str(&sqlx_url)
            .map_err(open_err)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(5));
        // An in-memory database exists per connection: keep exactly one.
        let max = if *url == DatabaseUrl::SqliteMemory {
            1
        } else {
            8
        };
        // A new database file turns to WAL on its first connection. Two connections doing that
        // at once (the pool fills itself while the first caller acquires) can fail with
        // "database is locked" at once, busy timeout or not; one connection first, alone,
        // makes the switch, and every later one finds WAL already set.
        if let DatabaseUrl::SqliteFile(_) = url {
            use sqlx::Connection;
            let first = sqlx::SqliteConnection::connect_with(&opts)
                .await
                .map_err(open_err)?;
            first.close().await.map_err(open_err)?;
        }
        let pool = SqlitePoolOptions::new()
            .max_connections(max)
            .min_connections(1)
            .idle_timeout(None)
            .max_lifetime(None)
            .connect_with(opts)
            .await
            .map_err(open_err)?;
        Ok(Store {
            pool,
            access_changes: std::sync::Arc::new(tokio::sync::watch::channel(0).0),
        })
    }

    /// Wakes everything that watches access (see [`Store::watch_access`]).
    pub(crate) fn access_changed(&self) {
        self.access_changes.send_modify(|n| *n = n.wrapping_add(1));
    }

    /// Changes whenever a session ends, a password or account changes or a token is revoked
    /// in this process: a holder of a credential checks it again.
    pub fn watch_access(&self) -> tokio::sync::watch::Receiver<u64> {
        self.access_changes.subscribe()
    }

    /// The pool, for the query modules.
    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    /// True when the database answers a trivial query (readiness).
    pub async fn ping(&self) -> bool {
        sqlx::query_scalar::<_, i64>("SELECT 1")
            .fetch_one(&self.pool)
            .await
            .is_ok()
    }

    /// Closes all connections (graceful shutdown).
    pub async fn close(&self) {
        self.pool.close().await;
    }
}
