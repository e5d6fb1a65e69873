//! `ebb backup` and `ebb restore` for the SQLite store. A backup is a consistent online copy
//! (SQLite's `VACUUM INTO`, one read transaction) taken while `ebb serve` runs; it is written
//! under a temporary name, checked (`PRAGMA integrity_check`), and only then given its name,
//! which it never takes from an existing file. A restore checks the file is an ebb database
//! this version can read, holds the database's serve lock (so no server runs on it meanwhile),
//! moves an existing database aside rather than deleting it, and brings the copy's schema up to
//! date.

use std::path::{Path, PathBuf};

use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{ConnectOptions, Connection, SqliteConnection};

use super::serve_lock::{sibling, Holding, LockError, ServeLock};
use super::{Store, StoreError};
use crate::server::config::DatabaseUrl;

/// Why a backup or restore did nothing (nothing was written or replaced in every case).
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error("there is no database at {0}")]
    NoDatabase(String),
    #[error("{0} exists; choose a new file name (a backup never replaces a file)")]
    Exists(String),
    #[error(
        "{0} exists; restore replaces a database only with --force, which moves it aside to \
         {1} (nothing is deleted)"
    )]
    WouldReplace(String, String),
    #[error("{path} is not a usable ebb database: {why}")]
    NotEbb { path: String, why: String },
    #[error("{0}")]
    Io(String),
    #[error(transparent)]
    Lock(#[from] LockError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What a database holds, for the operator to check a backup against what they expect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contents {
    pub bytes: u64,
    pub schema_version: i64,
    pub policies: i64,
    pub workloads: i64,
    pub decisions: i64,
    pub audit_entries: i64,
    pub users: i64,
}

impl std::fmt::Display for Contents {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{:.1} MB, schema migration {}: {} policies, {} workloads, {} decisions, {} audit \
             entries, {} users",
            self.bytes as f64 / 1e6,
            self.schema_version,
            self.policies,
            self.workloads,
            self.decisions,
            self.audit_entries,
            self.users
        )
    }
}

/// Copies the live database `db` to `to` (a new file); what the copy holds.
pub async fn backup(db: &Path, to: &Path) -> Result<Contents, BackupError> {
    if !db.is_file() {
        return Err(BackupError::NoDatabase(db.display().to_string()));
    }
    if to.exists() {
        return Err(BackupError::Exists(to.display().to_string()));
    }
    let partial = sibling(to, &format!(".partial-{}", std::process::id()));
    let _ = std::fs::remove_file(&partial);
    let store = Store::connect(&DatabaseUrl::SqliteFile(db.to_path_buf())).await?;
    let copied = sqlx::query("VACUUM INTO $1")
        .bind(partial.display().to_string())
        .execute(store.pool())
        .await;
    store.close().await;
    let result = match copied {
        Ok(_) => check(&partial).await,
        Err(e) => Err(BackupError::Io(format!(
            "cannot write {}: {e}",
            partial.display()
        ))),
    };
    let contents = match result {
        Ok(c) => c,
        Err(e) => {
            let _ = std::fs::remove_file(&partial);
            return Err(e);
        }
    };
    // A link fails when the name is taken meanwhile: a backup never replaces a file.
    let named = std::fs::hard_link(&partial, to);
    let _ = std::fs::remove_file(&partial);
    named.map_err(|e| BackupError::Io(format!("cannot name the backup {}: {e}", to.display())))?;
    Ok(contents)
}

/// What [`restore`] did.
#[derive(Debug)]
pub struct Restored {
    pub contents: Contents,
    /// Where the database that was there before went.
    pub moved_aside: Option<PathBuf>,
    /// Migrations applied to bring the backup up to this version's schema.
    pub migrated: usize,
}

/// Makes `db` a copy of backup `from`; an existing `db` is moved aside with `force` and
/// refused without it.
pub async fn restore(from: &Path, db: &Path, force: bool) -> Result<Restored, BackupError> {
    if !from.is_file() {
        return Err(BackupError::NoDatabase(from.display().to_string()));
    }
    let same = std::fs::canonicalize(from).ok() == std::fs::canonicalize(db).ok();
    if same {
        return Err(BackupError::Io(format!(
            "{} is the database itself; restore from a backup file",
            from.display()
        )));
    }
    check(from).await?;
    let _lock = ServeLock::acquire(db, Holding::Restoring)?;
    let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%SZ");
    let aside = sibling(db, &format!(".before-restore-{stamp}"));
    let moved_aside = if db.exists() {
        if !force {
            return Err(BackupError::WouldReplace(
                db.display().to_string(),
                aside.display().to_string(),
            ));
        }
        // The write-ahead log and its index belong to the old database: they go with it.
        for suffix in ["", "-wal", "-shm"] {
            let (old, new) = (sibling(db, suffix), sibling(&aside, suffix));
            if old.exists() {
                std::fs::rename(&old, &new).map_err(|e| {
                    BackupError::Io(format!("cannot move {} aside: {e}", old.display()))
                })?;
            }
        }
        Some(aside)
    } else {
        None
    };
    let partial = sibling(db, &format!(".restoring-{}", std::process::id()));
    std::fs::copy(from, &partial).map_err(|e| {
        BackupError::Io(format!(
            "cannot copy {} to {}: {e}",
            from.display(),
            partial.display()
        ))
    })?;
    std::fs::rename(&partial, db)
        .map_err(|e| BackupError::Io(format!("cannot write {}: {e}", db.display())))?;
    let store = Store::connect(&DatabaseUrl::SqliteFile(db.to_path_buf())).await?;
    let migrated = super::migrate(store.pool(), &super::MIGRATOR).await;
    store.close().await;
    let migrated = migrated.map_err(StoreError::from)?;
    let contents = check(db).await?;
    Ok(Restored {
        contents,
        moved_aside,
        migrated,
    })
}

/// Opens `path` read-only and checks it is an intact ebb database this version can read; what
/// it holds.
async fn check(path: &Path) -> Result<Contents, BackupError> {
    let not_ebb = |why: String| BackupError::NotEbb {
        path: path.display().to_string(),
        why,
    };
    let mut conn = SqliteConnectOptions::new()
        .filename(path)
        .read_only(true)
        .connect()
        .await
        .map_err(|e| not_ebb(format!("cannot open it: {e}")))?;
    let result = contents(&mut conn, path).await;
    let _ = conn.close().await;
    result.map_err(not_ebb)
}

async fn contents(conn: &mut SqliteConnection, path: &Path) -> Result<Contents, String> {
    let integrity: String = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_one(&mut *conn)
        .await
        .map_err(|e| format!("not an SQLite database ({e})"))?;
    if integrity != "ok" {
        return Err(format!("damaged: {integrity}"));
    }
    let applied: Vec<i64> = sqlx::query_scalar("SELECT version FROM schema_migrations")
        .fetch_all(&mut *conn)
        .await
        .map_err(|_| "it has no schema_migrations table, so ebb did not write it".to_string())?;
    let known: Vec<i64> = super::MIGRATOR.iter().map(|m| m.version).collect();
    if let Some(v) = applied.iter().find(|v| !known.contains(v)) {
        return Err(format!(
            "it has schema migration {v}, which this ebb does not know: it was written by a \
             newer version"
        ));
    }
    let policies = count(conn, "policies").await?;
    let workloads = count(conn, "workloads").await?;
    let decisions = count(conn, "decisions").await?;
    let audit_entries = count(conn, "audit_log").await?;
    let users = count(conn, "users").await?;
    Ok(Contents {
        bytes: std::fs::metadata(path).map(|m| m.len()).unwrap_or(0),
        schema_version: applied.iter().copied().max().unwrap_or(0),
        policies,
        workloads,
        decisions,
        audit_entries,
        users,
    })
}

/// Rows of `table` (one of the fixed names above).
async fn count(conn: &mut SqliteConnection, table: &str) -> Result<i64, String> {
    sqlx::query_scalar::<_, i64>(&format!("SELECT COUNT(*) FROM {table}"))
        .fetch_one(conn)
        .await
        .map_err(|e| format!("cannot read {table}: {e}"))
}
