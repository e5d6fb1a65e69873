//! Prometheus servers policies query: registered, changed and removed by admins, each change
//! written with its audit entry in one transaction. Settings hold no secrets (files by path).
//! A server a current policy queries cannot be removed or renamed (policies name it); the
//! refusal names the policies.

use chrono::{DateTime, Utc};

use super::audit::{append, NewAudit};
use super::time::ts;
use super::{Store, StoreError};

/// A stored server.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct PromRow {
    pub id: i64,
    pub name: String,
    pub settings: String,
}

/// What became of a removal.
#[derive(Debug, PartialEq)]
pub enum PromRemoval {
    Removed(PromRow),
    NotFound,
    /// Names of the policies whose current version queries the server.
    InUse(Vec<String>),
}

/// What became of a change of settings.
#[derive(Debug, PartialEq)]
pub enum PromUpdate {
    /// Changed; the row as it was before.
    Updated(PromRow),
    NotFound,
    /// Another server has the new name.
    NameTaken,
    /// A rename refused: the policies whose current version queries the server by name.
    InUse(Vec<String>),
}

/// Names of the policies whose current version queries server `name`.
async fn policies_querying(
    tx: &mut sqlx::Transaction<'_, sqlx::Sqlite>,
    name: &str,
) -> Result<Vec<String>, StoreError> {
    let bodies: Vec<(String, String)> = sqlx::query_as(
        "SELECT p.name, v.body FROM policies p
         JOIN policy_versions v ON v.policy_id = p.id AND v.version = p.current_version
         ORDER BY p.name",
    )
    .fetch_all(&mut **tx)
    .await?;
    Ok(bodies
        .into_iter()
        .filter(|(_, body)| {
            serde_json::from_str::<ebb_engine::Policy>(body).is_ok_and(|p| {
                p.metrics.iter().any(|m| {
                    matches!(&m.source, ebb_engine::MetricSource::Prometheus { server, .. } if server == name)
                })
            })
        })
        .map(|(name, _)| name)
        .collect())
}

impl Store {
    /// Every server, by name.
    pub async fn prometheus_servers(&self) -> Result<Vec<PromRow>, StoreError> {
        Ok(
            sqlx::query_as("SELECT id, name, settings FROM prometheus_servers ORDER BY name")
                .fetch_all(self.pool())
                .await?,
        )
    }

    /// Registers server `name` with `settings` (JSON without secrets); returns its id.
    pub async fn register_prometheus(
        &self,
        name: &str,
        settings: &str,
        actor: &str,
        now: DateTime<Utc>,
    ) -> Result<i64, StoreError> {
        let mut tx = self.pool().begin().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO prometheus_servers (name, settings, created_at) VALUES ($1, $2, $3) RETURNING id",
        )
        .bind(name)
        .bind(settings)
        .bind(ts(now))
        .fetch_one(&mut *tx)
        .await?;
        let after = serde_json::json!({ "name": name, "settings": settings });
        append(
            &mut tx,
            now,
            NewAudit {
                actor,
                action: "prometheus.register",
                target_kind: "prometheus",
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

    /// Gives server `id` name `name` and `settings` (JSON without secrets).
    pub async fn update_prometheus(
        &self,
        id: i64,
        name: &str,
        settings: &str,
        actor: &str,
        now: DateTime<Utc>,
    ) -> Result<PromUpdate, StoreError> {
        let mut tx = self.pool().begin().await?;
        let row: Option<PromRow> =
            sqlx::query_as("SELECT id, name, settings FROM prometheus_servers WHERE id = $1")
                .bind(id)
                .fetch_optional(&mut *tx)
                .await?;
        let Some(row) = row else {
            return Ok(PromUpdate::NotFound);
        };
        if row.name != name {
            let taken: Option<i64> = sqlx::query_scalar(
                "SELECT id FROM prometheus_servers WHERE name = $1 AND id <> $2",
            )
            .bind(name)
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
            if taken.is_some() {
                return Ok(PromUpdate::NameTaken);
            }
            let users = policies_querying(&mut tx, &row.name).await?;
            if !users.is_empty() {
                return Ok(PromUpdate::InUse(users));
            }
        }
        sqlx::query("UPDATE prometheus_servers SET name = $1, settings = $2 WHERE id = $3")
            .bind(name)
            .bind(settings)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        let before = serde_json::json!({ "name": row.name, "settings": row.settings });
        let after = serde_json::json!({ "name": name, "settings": settings });
        append(
            &mut tx,
            now,
            NewAudit {
                actor,
                action: "prometheus.update",
                target_kind: "prometheus",
                target_id: id.to_string(),
                before: Some(before.to_string()),
                after: Some(after.to_string()),
                comment: "",
            },
        )
        .await?;
        tx.commit().await?;
        Ok(PromUpdate::Updated(row))
    }

    /// Removes server `id` unless a current policy queries it.
    pub async fn remove_prometheus(
        &self,
        id: i64,
        actor: &str,
        now: DateTime<Utc>,
    ) -> Result<PromRemoval, StoreError> {
        let mut tx = self.pool().begin().await?;
        let row: Option<PromRow> =
            sqlx::query_as("SELECT id, name, settings FROM prometheus_servers WHERE id = $1")
                .bind(id)
                .fetch_optional(&mut *tx)
                .await?;
        let Some(row) = row else {
            return Ok(PromRemoval::NotFound);
        };
        let users = policies_querying(&mut tx, &row.name).await?;
        if !users.is_empty() {
            return Ok(PromRemoval::InUse(users));
        }
        sqlx::query("DELETE FROM prometheus_servers WHERE id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        let before = serde_json::json!({ "name": row.name, "settings": row.settings });
        append(
            &mut tx,
            now,
            NewAudit {
                actor,
                action: "prometheus.remove",
                target_kind: "prometheus",
                target_id: id.to_string(),
                before: Some(before.to_string()),
                after: None,
                comment: "",
            },
        )
        .await?;
        tx.commit().await?;
        Ok(PromRemoval::Removed(row))
    }
}
