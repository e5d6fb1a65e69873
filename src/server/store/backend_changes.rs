//! Editing and removing a registered backend. Each is one transaction with its audit entry:
//! a removal deletes the backend's workloads and everything recorded about them (decisions,
//! samples, overrides, status) only when the caller says so, and otherwise changes nothing.

use chrono::{DateTime, Utc};
use sqlx::SqliteConnection;

use super::audit::{append, NewAudit};
use super::workloads::BackendRow;
use super::{Store, StoreError};

/// What a removal did.
#[derive(Debug, Clone, PartialEq)]
pub enum Removal {
    /// Removed, with these workloads (names) and their history.
    Removed {
        backend: BackendRow,
        workloads: Vec<String>,
    },
    /// Not removed: the backend has these workloads and their removal was not confirmed.
    HasWorkloads(Vec<String>),
    /// No such backend.
    NotFound,
}

/// Tables holding a workload's history, keyed by `workload_id`.
const WORKLOAD_TABLES: [&str; 6] = [
    "overrides",
    "decisions",
    "workload_status",
    "load_samples",
    "load_rollups",
    "instance_samples",
];

impl Store {
    /// Renames backend `id` and replaces its settings; returns the row as it was before, or
    /// `None` when there is no such backend.
    pub async fn update_backend(
        &self,
        id: i64,
        name: &str,
        settings: &str,
        actor: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<BackendRow>, StoreError> {
        let mut tx = self.pool().begin().await?;
        let Some(before) = backend_row(&mut tx, id).await? else {
            return Ok(None);
        };
        sqlx::query("UPDATE backends SET name = $1, settings = $2 WHERE id = $3")
            .bind(name)
            .bind(settings)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        let json = |name: &str, settings: &str| {
            serde_json::json!({ "name": name, "kind": before.kind, "settings": settings })
                .to_string()
        };
        append(
            &mut tx,
            now,
            NewAudit {
                actor,
                action: "backend.update",
                target_kind: "backend",
                target_id: id.to_string(),
                before: Some(json(&before.name, &before.settings)),
                after: Some(json(name, settings)),
                comment: "",
            },
        )
        .await?;
        tx.commit().await?;
        Ok(Some(before))
    }

    /// Removes backend `id`. With workloads attached it is removed only when
    /// `with_workloads`; then its workloads and their history go with it.
    pub async fn remove_backend(
        &self,
        id: i64,
        with_workloads: bool,
        actor: &str,
        now: DateTime<Utc>,
    ) -> Result<Removal, StoreError> {
        let mut tx = self.pool().begin().await?;
        let Some(backend) = backend_row(&mut tx, id).await? else {
            return Ok(Removal::NotFound);
        };
        let workloads: Vec<(i64, String, Option<i64>)> = sqlx::query_as(
            "SELECT id, name, policy_id FROM workloads WHERE backend_id = $1 ORDER BY name",
        )
        .bind(id)
        .fetch_all(&mut *tx)
        .await?;
        let names: Vec<String> = workloads.iter().map(|(_, n, _)| n.clone()).collect();
        if !names.is_empty() && !with_workloads {
            return Ok(Removal::HasWorkloads(names));
        }
        let decisions: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM decisions
             WHERE workload_id IN (SELECT id FROM workloads WHERE backend_id = $1)",
        )
        .bind(id)
        .fetch_one(&mut *tx)
        .await?;
        for table in WORKLOAD_TABLES {
            sqlx::query(&format!(
                "DELETE FROM {table}
                 WHERE workload_id IN (SELECT id FROM workloads WHERE backend_id = $1)"
            ))
            .bind(id)
            .execute(&mut *tx)
            .await?;
        }
        sqlx::query("DELETE FROM workloads WHERE backend_id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM backends WHERE id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        let before = serde_json::json!({
            "name": backend.name, "kind": backend.kind, "settings": backend.settings,
            "workloads": workloads.iter().map(|(wid, name, policy)| serde_json::json!({
                "id": wid, "name": name, "policy_id": policy,
            })).collect::<Vec<_>>(),
            "decisions_deleted": decisions,
        });
        append(
            &mut tx,
            now,
            NewAudit {
                actor,
                action: "backend.remove",
                target_kind: "backend",
                target_id: id.to_string(),
                before: Some(before.to_string()),
                after: None,
                comment: "",
            },
        )
        .await?;
        tx.commit().await?;
        Ok(Removal::Removed {
            backend,
            workloads: names,
        })
    }
}

async fn backend_row(
    conn: &mut SqliteConnection,
    id: i64,
) -> Result<Option<BackendRow>, StoreError> {
    Ok(
        sqlx::query_as("SELECT id, name, kind, settings FROM backends WHERE id = $1")
            .bind(id)
            .fetch_optional(conn)
            .await?,
    )
}
