//! Per-instance resources changed from the workload page: the backend applies the change
//! (the store never talks to a backend); this records it. The audit entry and, for a simulated
//! workload, its stored model (so the change survives a restart of ebb) land in one
//! transaction.

use chrono::{DateTime, Utc};

use super::audit::{append, NewAudit};
use super::{Store, StoreError};

/// A resource change a backend has applied.
pub struct ResourceChange<'a> {
    pub workload_id: i64,
    /// JSON of the resources before and after, in cores and bytes.
    pub before: String,
    pub after: String,
    /// The workload's new stored spec, when the spec holds the resources (simulator).
    pub spec: Option<String>,
    pub actor: &'a str,
}

impl Store {
    /// Records `change` (audit entry `workload.set_resources`, and the spec when given).
    pub async fn record_resources(
        &self,
        change: ResourceChange<'_>,
        now: DateTime<Utc>,
    ) -> Result<i64, StoreError> {
        let mut tx = self.pool().begin().await?;
        if let Some(spec) = &change.spec {
            sqlx::query("UPDATE workloads SET spec = $1 WHERE id = $2")
                .bind(spec)
                .bind(change.workload_id)
                .execute(&mut *tx)
                .await?;
        }
        let id = append(
            &mut tx,
            now,
            NewAudit {
                actor: change.actor,
                action: "workload.set_resources",
                target_kind: "workload",
                target_id: change.workload_id.to_string(),
                before: Some(change.before),
                after: Some(change.after),
                comment: "",
            },
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }
}
