//! Schema migrations, all pending ones applied in a single transaction: either the database
//! reaches the new schema or it stays exactly as it was. The migration files are embedded at
//! compile time by `sqlx::migrate!`; their versions and checksums are kept in `schema_migrations`.

use sqlx::migrate::Migrator;
use sqlx::{Connection, SqlitePool};

/// Why the schema could not be brought up to date; the database is unchanged in every case.
#[derive(Debug, thiserror::Error)]
pub enum MigrateError {
    #[error("migration {version} ({description}) failed, database left unchanged: {source}")]
    Failed {
        version: i64,
        description: String,
        source: sqlx::Error,
    },
    #[error("migration {version} was changed after it was applied to this database; restore the original file")]
    Modified { version: i64 },
    #[error("the database has migration {version}, which this ebb does not know: it was written by a newer version")]
    Unknown { version: i64 },
    #[error("cannot read or record the schema version: {0}")]
    Bookkeeping(#[from] sqlx::Error),
}

/// Applies every migration of `migrator` that the database lacks, all in one transaction.
pub async fn migrate(pool: &SqlitePool, migrator: &Migrator) -> Result<usize, MigrateError> {
    let mut conn = pool.acquire().await?;
    let mut tx = conn.begin().await?;
    sqlx::query(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
            version INTEGER PRIMARY KEY,
            description TEXT NOT NULL,
            checksum BLOB NOT NULL,
            applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')))",
    )
    .execute(&mut *tx)
    .await?;
    let applied: Vec<(i64, Vec<u8>)> =
        sqlx::query_as("SELECT version, checksum FROM schema_migrations ORDER BY version")
            .fetch_all(&mut *tx)
            .await?;
    let ups: Vec<_> = migrator
        .iter()
        .filter(|m| !m.migration_type.is_down_migration())
        .collect();
    for (version, checksum) in &applied {
        match ups.iter().find(|m| m.version == *version) {
            None => return Err(MigrateError::Unknown { version: *version }),
            Some(m) if m.checksum.as_ref() != checksum.as_slice() => {
                return Err(MigrateError::Modified { version: *version })
            }
            Some(_) => {}
        }
    }
    let mut count = 0;
    for m in ups
        .iter()
        .filter(|m| !applied.iter().any(|(v, _)| *v == m.version))
    {
        let failed = |source| MigrateError::Failed {
            version: m.version,
            description: m.description.to_string(),
            source,
        };
        sqlx::raw_sql(&m.sql)
            .execute(&mut *tx)
            .await
            .map_err(failed)?;
        sqlx::query(
            "INSERT INTO schema_migrations (version, description, checksum) VALUES ($1, $2, $3)",
        )
        .bind(m.version)
        .bind(m.description.as_ref())
        .bind(m.checksum.as_ref())
        .execute(&mut *tx)
        .await?;
        count += 1;
    }
    tx.commit().await?;
    Ok(count)
}
