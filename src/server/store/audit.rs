//! The audit trail: append and read. There is no update or delete path here, and the schema's
//! triggers reject both.

use chrono::{DateTime, Utc};
use sqlx::SqliteConnection;

use super::time::ts;
use super::{Store, StoreError};
use crate::model::audit::AuditEntry;

tokio::task_local! {
    /// The address of the client whose request is being served (set by the sign-in gate).
    static CLIENT_ADDRESS: String;
}

/// Runs `fut` (a request) with `address` recorded on every audit entry it appends.
pub async fn with_client_address<F: std::future::Future>(address: String, fut: F) -> F::Output {
    CLIENT_ADDRESS.scope(address, fut).await
}

/// One change to record.
pub struct NewAudit<'a> {
    pub actor: &'a str,
    pub action: &'a str,
    pub target_kind: &'a str,
    pub target_id: String,
    pub before: Option<String>,
    pub after: Option<String>,
    pub comment: &'a str,
}

/// Appends `entry` inside the caller's transaction, so the change and its record land together.
pub async fn append(
    conn: &mut SqliteConnection,
    at: DateTime<Utc>,
    entry: NewAudit<'_>,
) -> Result<i64, StoreError> {
    let id = sqlx::query_scalar(
        "INSERT INTO audit_log (at, actor, action, target_kind, target_id, before, after, comment, address)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
    )
    .bind(ts(at))
    .bind(entry.actor)
    .bind(entry.action)
    .bind(entry.target_kind)
    .bind(entry.target_id)
    .bind(entry.before)
    .bind(entry.after)
    .bind(entry.comment)
    .bind(CLIENT_ADDRESS.try_with(Clone::clone).unwrap_or_default())
    .fetch_one(conn)
    .await?;
    Ok(id)
}

impl Store {
    /// The newest audit entries matching `f` first, at most `limit`, each with the name of
    /// the object it numbers (workload, backend, token) while that exists.
    pub async fn audit_page(
        &self,
        f: &crate::model::audit::AuditFilter,
        limit: u32,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        let rows = sqlx::query_as::<_, AuditEntry>(
            "SELECT * FROM (
                SELECT a.id, a.at, a.actor, a.action, a.target_kind, a.target_id,
                    CASE a.target_kind
                        WHEN 'workload' THEN (SELECT name FROM workloads WHERE CAST(id AS TEXT) = a.target_id)
                        WHEN 'backend' THEN (SELECT name FROM backends WHERE CAST(id AS TEXT) = a.target_id)
                        WHEN 'token' THEN (SELECT name FROM api_tokens WHERE CAST(id AS TEXT) = a.target_id)
                    END AS target_name,
                    a.before, a.after, a.comment, a.address
                FROM audit_log a
                WHERE a.id < $1
                  AND ($2 IS NULL OR a.actor = $2 COLLATE NOCASE)
                  AND ($3 IS NULL OR a.action = $3 OR a.action LIKE $3 || '.%')
                  AND ($4 IS NULL OR a.target_kind = $4)
                  AND ($6 IS NULL OR a.at >= $6) AND ($7 IS NULL OR a.at < $7)
                  AND ($8 OR a.action NOT LIKE 'login.%')
                ORDER BY a.id DESC)
             WHERE $5 IS NULL OR instr(lower(target_id), lower($5)) > 0
                OR instr(lower(COALESCE(target_name, '')), lower($5)) > 0
             LIMIT $9",
        )
        .bind(f.before_id.unwrap_or(i64::MAX))
        .bind(f.actor.as_deref())
        .bind(f.action.as_deref())
        .bind(f.kind.as_deref())
        .bind(f.object.as_deref())
        .bind(f.from.as_deref())
        .bind(f.to.as_deref())
        .bind(f.with_sign_ins)
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        Ok(rows)
    }
}
