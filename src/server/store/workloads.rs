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
    /// The backend's name (labels of ebb's own metrics).
    pub backend_name: String,
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

/// Overview rows; `$1` is now (the store's time format), for the override in force.
const SUMMARY_SQL: &str = "
    SELECT w.id, w.name, b.name AS backend, b.kind AS backend_kind, w.policy_id,
           p.name AS policy_name, p.current_version AS policy_version,
           json_extract(v.body, '$.max_replicas') AS max_replicas,
           w.enabled, w.interval_secs, s.observed_at, s.current_replicas, s.desired_replicas,
           s.ready_replicas, COALESCE(s.failed_instances, 0) AS failed_instances, s.load, s.target,
           COALESCE(s.metrics_ok, 1) AS metrics_ok, s.last_error, s.last_reason,
           d.at AS last_decision_at, d.sentence AS last_sentence,
           d.direction AS last_direction, d.outcome AS last_outcome,
           o.kind AS override_kind, o.replicas AS override_replicas, o.until AS override_until,
           o.actor AS override_actor, o.reason AS override_reason
    FROM workloads w
    JOIN backends b ON b.id = w.backend_id
    LEFT JOIN policies p ON p.id = w.policy_id
    LEFT JOIN policy_versions v ON v.policy_id = p.id AND v.version = p.current_version
    LEFT JOIN workload_status s ON s.workload_id = w.id
    LEFT JOIN decisions d ON d.id = s.last_decision_id
    LEFT JOIN overrides o ON o.id = (
        SELECT MAX(id) FROM overrides
        WHERE workload_id = w.id AND ended_at IS NULL AND until > $1)";

/// Each row with its state, classified at `now`.
fn classified(mut rows: Vec<WorkloadSummary>, now: DateTime<Utc>) -> Vec<WorkloadSummary> {
    for r in &mut rows {
        r.state = crate::server::health::classify(r, now);
    }
    rows
}

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
            "INSERT INTO backends (name, kind, settings, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
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
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
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
            "SELECT w.id, w.backend_id, b.kind AS backend_kind, b.name AS backend_name, w.name,
                    w.policy_id, w.enabled,
                    w.interval_secs, w.spec
             FROM workloads w JOIN backends b ON b.id = w.backend_id ORDER BY w.id",
        )
        .fetch_all(self.pool())
        .await?)
    }

    /// Workload `id` with its backend kind, if it exists.
    pub async fn workload(&self, id: i64) -> Result<Option<WorkloadRow>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT w.id, w.backend_id, b.kind AS backend_kind, b.name AS backend_name, w.name,
                    w.policy_id, w.enabled,
                    w.interval_secs, w.spec
             FROM workloads w JOIN backends b ON b.id = w.backend_id WHERE w.id = $1",
        )
        .bind(id)
        .fetch_optional(self.pool())
        .await?)
    }

    /// Overview rows of every workload, by name, with their states.
    pub async fn workload_summaries(&self) -> Result<Vec<WorkloadSummary>, StoreError> {
        let now = Utc::now();
        let sql = format!("{SUMMARY_SQL} ORDER BY w.name");
        let rows = sqlx::query_as(&sql)
            .bind(ts(now))
            .fetch_all(self.pool())
            .await?;
        Ok(classified(rows, now))
    }

    /// The overview row of one workload, with its state.
    pub async fn workload_summary(&self, id: i64) -> Result<Option<WorkloadSummary>, StoreError> {
        let now = Utc::now();
        let sql = format!("{SUMMARY_SQL} WHERE w.id = $2");
        let rows = sqlx::query_as(&sql)
            .bind(ts(now))
            .bind(id)
            .fetch_optional(self.pool())
            .await?;
        Ok(classified(rows.into_iter().collect(), now).pop())
    }

    /// The last hour of every workload as sparkline points (1-minute roll-ups), oldest first.
    pub async fn sparks(
        &self,
        now: DateTime<Utc>,
    ) -> Result<Vec<(i64, Vec<crate::model::workload::SparkPoint>)>, StoreError> {
        let rows: Vec<(i64, Option<f64>, i64)> = sqlx::query_as(
            "SELECT workload_id, CASE WHEN load_n > 0 THEN load_sum / load_n END, current_max
             FROM load_rollups WHERE resolution = 60 AND bucket >= $1
             ORDER BY workload_id, bucket",
        )
        .bind(ts(now - chrono::Duration::hours(1)))
        .fetch_all(self.pool())
        .await?;
        let mut out: Vec<(i64, Vec<crate::model::workload::SparkPoint>)> = Vec::new();
        for (id, load, replicas) in rows {
            let point = crate::model::workload::SparkPoint { load, replicas };
            match out.last_mut() {
                Some((last, points)) if *last == id => points.push(point),
                _ => out.push((id, vec![point])),
            }
        }
        Ok(out)
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
            sqlx::query_scalar("SELECT next_action FROM workload_status WHERE workload_id = $1")
                .bind(id)
                .fetch_optional(self.pool())
                .await?;
        let next_action = next.flatten().and_then(|j| serde_json::from_str(&j).ok());
        let instances: Vec<InstanceRow> = sqlx::query_as(
            "SELECT instance, state, load, at, restarts FROM instance_samples
             WHERE workload_id = $1
               AND at = (SELECT MAX(at) FROM instance_samples WHERE workload_id = $1)
             ORDER BY instance",
        )
        .bind(id)
        .fetch_all(self.pool())
        .await?;
        // Actions and changes first: holds are one click away (History, holds shown).
        let filter = DecisionFilter {
            workload_id: Some(id),
            limit: Some(50),
            hide_holds: true,
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
