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
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
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
    /// The newest audit entries first, at most `limit`, older than `before_id` when given.
    pub async fn audit_page(
        &self,
        before_id: Option<i64>,
        limit: u32,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        let rows = sqlx::query_as::<_, AuditEntry>(
            "SELECT id, at, actor, action, target_kind, target_id, before, after, comment, address
             FROM audit_log WHERE id < ? ORDER BY id DESC LIMIT ?",
        )
        .bind(before_id.unwrap_or(i64::MAX))
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        Ok(rows)
    }
}
