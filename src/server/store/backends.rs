//! Backends registered from the dashboard and the workloads attached to them: each change is
//! written together with its audit entry in one transaction. Stored settings hold no secrets
//! (TLS material is referenced by path), so the audit's before/after may show them as they are.

use chrono::{DateTime, Utc};

use super::audit::{append, NewAudit};
use super::time::ts;
use super::workloads::BackendRow;
use super::{Store, StoreError};

impl Store {
    /// Registers backend `name` of `kind` with `settings` (JSON without secrets); returns its id.
    pub async fn register_backend(
        &self,
        name: &str,
        kind: &str,
        settings: &str,
        actor: &str,
        now: DateTime<Utc>,
    ) -> Result<i64, StoreError> {
        let mut tx = self.pool().begin().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO backends (name, kind, settings, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
        )
        .bind(name)
        .bind(kind)
        .bind(settings)
        .bind(ts(now))
        .fetch_one(&mut *tx)
        .await?;
        let after = serde_json::json!({ "name": name, "kind": kind, "settings": settings });
        append(
            &mut tx,
            now,
            NewAudit {
                actor,
                action: "backend.register",
                target_kind: "backend",
                target_id: id.to_string(),
                before: None,
                after: Some(after.to_string()),
                comment: "",
            },
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Backend `id`, if it exists.
    pub async fn backend(&self, id: i64) -> Result<Option<BackendRow>, StoreError> {
        Ok(
            sqlx::query_as("SELECT id, name, kind, settings FROM backends WHERE id = $1")
                .bind(id)
                .fetch_optional(self.pool())
                .await?,
        )
    }

    /// Workloads of backend `id`: (workload id, name, policy name).
    pub async fn backend_workloads(
        &self,
        id: i64,
    ) -> Result<Vec<(i64, String, Option<String>)>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT w.id, w.name, p.name FROM workloads w LEFT JOIN policies p ON p.id = w.policy_id
             WHERE w.backend_id = $1 ORDER BY w.name",
        )
        .bind(id)
        .fetch_all(self.pool())
        .await?)
    }

    /// Attaches policy `policy_id` to service `name` of backend `backend_id`, creating the
    /// workload (evaluated every `interval_secs`) when it does not exist; returns its id.
    pub async fn attach_policy(
        &self,
        backend_id: i64,
        name: &str,
        policy_id: i64,
        interval_secs: u32,
        actor: &str,
        now: DateTime<Utc>,
    ) -> Result<i64, StoreError> {
        let mut tx = self.pool().begin().await?;
        let existing: Option<(i64, Option<i64>, i64)> = sqlx::query_as(
            "SELECT id, policy_id, interval_secs FROM workloads WHERE backend_id = $1 AND name = $2",
        )
        .bind(backend_id)
        .bind(name)
        .fetch_optional(&mut *tx)
        .await?;
        let (id, action, before) = match existing {
            Some((id, old_policy, old_interval)) => {
                sqlx::query(
                    "UPDATE workloads SET policy_id = $1, interval_secs = $2 WHERE id = $3",
                )
                .bind(policy_id)
                .bind(interval_secs)
                .bind(id)
                .execute(&mut *tx)
                .await?;
                if old_policy != Some(policy_id) {
                    // A new attachment is a new HPA: its first evaluation seeds the
                    // recommendations afresh (scale events stay, for cooldowns and rates).
                    sqlx::query(
                        "UPDATE workload_status SET history = json_set(history,
                            '$.first_evaluation', json('true'), '$.recommendations', json('[]'))
                         WHERE workload_id = $1",
                    )
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                }
                let before =
                    serde_json::json!({ "policy_id": old_policy, "interval_secs": old_interval });
                (id, "workload.attach_policy", Some(before.to_string()))
            }
            None => {
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO workloads (backend_id, name, policy_id, interval_secs, spec, created_at)
                     VALUES ($1, $2, $3, $4, '{}', $5) RETURNING id",
                )
                .bind(backend_id)
                .bind(name)
                .bind(policy_id)
                .bind(interval_secs)
                .bind(ts(now))
                .fetch_one(&mut *tx)
                .await?;
                (id, "workload.create", None)
            }
        };
        let after = serde_json::json!({
            "backend_id": backend_id, "name": name, "policy_id": policy_id,
            "interval_secs": interval_secs,
        });
        append(
            &mut tx,
            now,
            NewAudit {
                actor,
                action,
                target_kind: "workload",
                target_id: id.to_string(),
                before,
                after: Some(after.to_string()),
                comment: "",
            },
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }
}
