//! Backends and workloads: registration and the lists the controller and the dashboard read.

use chrono::{DateTime, Utc};

use super::time::ts;
use super::{Store, StoreError};
use crate::model::workload::WorkloadSummary;

/// What the controller needs to evaluate one workload.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct WorkloadRow {
    pub id: i64,
    pub backend_id: i64,
    pub backend_kind: String,
    pub name: String,
    pub policy_id: Option<i64>,
    pub enabled: bool,
    pub interval_secs: i64,
    pub spec: String,
}

/// A registered backend.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct BackendRow {
    pub id: i64,
    pub name: String,
    pub kind: String,
    pub settings: String,
}

const SUMMARY_SQL: &str = "
    SELECT w.id, w.name, b.name AS backend, b.kind AS backend_kind, w.policy_id,
           p.name AS policy_name, p.current_version AS policy_version,
           w.enabled, w.interval_secs, s.observed_at, s.current_replicas, s.desired_replicas,
           s.ready_replicas, COALESCE(s.failed_instances, 0) AS failed_instances, s.load, s.target,
           COALESCE(s.metrics_ok, 1) AS metrics_ok, s.last_error, s.last_reason,
           d.at AS last_decision_at, d.sentence AS last_sentence
    FROM workloads w
    JOIN backends b ON b.id = w.backend_id
    LEFT JOIN policies p ON p.id = w.policy_id
    LEFT JOIN workload_status s ON s.workload_id = w.id
    LEFT JOIN decisions d ON d.id = s.last_decision_id";

impl Store {
    /// Registers a backend; returns its id.
    pub async fn insert_backend(
        &self,
        name: &str,
        kind: &str,
        settings: &str,
        at: DateTime<Utc>,
    ) -> Result<i64, StoreError> {
        Ok(sqlx::query_scalar(
            "INSERT INTO backends (name, kind, settings, created_at) VALUES (?, ?, ?, ?) RETURNING id",
        )
        .bind(name)
        .bind(kind)
        .bind(settings)
        .bind(ts(at))
        .fetch_one(self.pool())
        .await?)
    }

    /// All backends.
    pub async fn backends(&self) -> Result<Vec<BackendRow>, StoreError> {
        Ok(
            sqlx::query_as("SELECT id, name, kind, settings FROM backends ORDER BY id")
                .fetch_all(self.pool())
                .await?,
        )
    }

    /// Registers a workload; returns its id.
    pub async fn insert_workload(
        &self,
        backend_id: i64,
        name: &str,
        policy_id: Option<i64>,
        interval_secs: u32,
        spec: &str,
        at: DateTime<Utc>,
    ) -> Result<i64, StoreError> {
        Ok(sqlx::query_scalar(
            "INSERT INTO workloads (backend_id, name, policy_id, interval_secs, spec, created_at)
             VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
        )
        .bind(backend_id)
        .bind(name)
        .bind(policy_id)
        .bind(interval_secs)
        .bind(spec)
        .bind(ts(at))
        .fetch_one(self.pool())
        .await?)
    }

    /// Every workload with its backend kind (the controller's list).
    pub async fn workloads(&self) -> Result<Vec<WorkloadRow>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT w.id, w.backend_id, b.kind AS backend_kind, w.name, w.policy_id, w.enabled,
                    w.interval_secs, w.spec
             FROM workloads w JOIN backends b ON b.id = w.backend_id ORDER BY w.id",
        )
        .fetch_all(self.pool())
        .await?)
    }

    /// Workload `id` with its backend kind, if it exists.
    pub async fn workload(&self, id: i64) -> Result<Option<WorkloadRow>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT w.id, w.backend_id, b.kind AS backend_kind, w.name, w.policy_id, w.enabled,
                    w.interval_secs, w.spec
             FROM workloads w JOIN backends b ON b.id = w.backend_id WHERE w.id = ?",
        )
        .bind(id)
        .fetch_optional(self.pool())
        .await?)
    }

    /// Overview rows of every workload, by name.
    pub async fn workload_summaries(&self) -> Result<Vec<WorkloadSummary>, StoreError> {
        let sql = format!("{SUMMARY_SQL} ORDER BY w.name");
        Ok(sqlx::query_as(&sql).fetch_all(self.pool()).await?)
    }

    /// The overview row of one workload.
    pub async fn workload_summary(&self, id: i64) -> Result<Option<WorkloadSummary>, StoreError> {
        let sql = format!("{SUMMARY_SQL} WHERE w.id = ?");
        Ok(sqlx::query_as(&sql)
            .bind(id)
            .fetch_optional(self.pool())
            .await?)
    }
}

impl Store {
    /// The workload page's data, or `None` for an unknown id.
    pub async fn workload_detail(
        &self,
        id: i64,
    ) -> Result<Option<crate::model::workload::WorkloadDetail>, StoreError> {
        use crate::model::decision::DecisionFilter;
        use crate::model::workload::{InstanceRow, WorkloadDetail};
        let Some(summary) = self.workload_summary(id).await? else {
            return Ok(None);
        };
        let next: Option<Option<String>> =
            sqlx::query_scalar("SELECT next_action FROM workload_status WHERE workload_id = ?")
                .bind(id)
                .fetch_optional(self.pool())
                .await?;
        let next_action = next.flatten().and_then(|j| serde_json::from_str(&j).ok());
        let instances: Vec<InstanceRow> = sqlx::query_as(
            "SELECT instance, state, load, at, restarts FROM instance_samples
             WHERE workload_id = ?1
               AND at = (SELECT MAX(at) FROM instance_samples WHERE workload_id = ?1)
             ORDER BY instance",
        )
        .bind(id)
        .fetch_all(self.pool())
        .await?;
        let filter = DecisionFilter {
            workload_id: Some(id),
            limit: Some(50),
            ..Default::default()
        };
        let decisions = self.decisions(&filter).await?;
        let interval_secs = summary.interval_secs;
        Ok(Some(WorkloadDetail {
            summary,
            next_action,
            instances,
            decisions,
            interval_secs,
        }))
    }
}
