//! The controller's per-workload state: latest observation summary, engine history, back-off.

use chrono::{DateTime, Utc};
use ebb_engine::{History, NextAction};

use super::time::{parse, ts};
use super::{Store, StoreError};

/// What the controller keeps between evaluations of one workload.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ControllerState {
    pub history: History,
    pub error_count: u32,
    pub backoff_until: Option<DateTime<Utc>>,
    pub last_reason: Option<String>,
    pub last_decision_id: Option<i64>,
    pub faults: FaultMemory,
}

/// What the controller remembers of a workload's instance failures, so it reports each once
/// and a crash loop at most once per report interval (see `controller::faults`).
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct FaultMemory {
    /// Failures counted over the instances at the last observation (restarts, plus one per
    /// instance failed at that moment); `None` before the first observation.
    pub seen: Option<u64>,
    /// Failures seen since the last report and not reported yet, and when the first of them
    /// was seen.
    pub pending: u64,
    pub pending_since: Option<DateTime<Utc>>,
    /// When the last report was written.
    pub reported_at: Option<DateTime<Utc>>,
}

/// The summary written after each evaluation.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StatusUpdate {
    pub observed_at: Option<DateTime<Utc>>,
    pub current_replicas: Option<u32>,
    pub desired_replicas: Option<u32>,
    pub ready_replicas: Option<u32>,
    pub failed_instances: u32,
    pub load: Option<f64>,
    pub target: Option<f64>,
    pub metrics_ok: bool,
    pub last_error: Option<String>,
    pub next_action: Option<NextAction>,
}

impl Store {
    /// The controller state of workload `id` (empty, awaiting its first evaluation, for a
    /// workload never evaluated).
    pub async fn controller_state(&self, id: i64) -> Result<ControllerState, StoreError> {
        type Row = (
            String,
            i64,
            Option<String>,
            Option<String>,
            Option<i64>,
            String,
        );
        let row: Option<Row> = sqlx::query_as(
            "SELECT history, error_count, backoff_until, last_reason, last_decision_id, faults
             FROM workload_status WHERE workload_id = $1",
        )
        .bind(id)
        .fetch_optional(self.pool())
        .await?;
        let Some((history, errors, backoff, last_reason, last_decision_id, faults)) = row else {
            // Never evaluated: its first evaluation is to come (HPA seeds its recommendations
            // with the count it finds).
            return Ok(ControllerState {
                history: History::attached(),
                ..ControllerState::default()
            });
        };
        // A history that cannot be read is dropped rather than blocking the workload: the
        // engine then behaves as after a restart of the HPA (no stabilization memory).
        let history = serde_json::from_str(&history).unwrap_or_else(|e| {
            tracing::warn!("workload {id}: stored engine history unreadable ({e}); starting fresh");
            History::default()
        });
        Ok(ControllerState {
            history,
            error_count: u32::try_from(errors).unwrap_or(0),
            backoff_until: backoff.as_deref().and_then(parse),
            last_reason,
            last_decision_id,
            // Unreadable memory only means the next failure count starts afresh.
            faults: serde_json::from_str(&faults).unwrap_or_default(),
        })
    }

    /// Records a report of instance failures (`event`, a decision row) together with the fault
    /// memory that says it was made, so a crash between the two can neither repeat nor lose it.
    pub async fn record_fault_report(
        &self,
        event: &super::decisions::NewDecision,
        faults: &FaultMemory,
        now: DateTime<Utc>,
    ) -> Result<i64, StoreError> {
        let faults = serde_json::to_string(faults)
            .map_err(|e| StoreError::Corrupt(format!("fault memory JSON: {e}")))?;
        let mut tx = self.pool().begin().await?;
        let id = super::decisions::insert_decision(&mut tx, event).await?;
        sqlx::query(
            "INSERT INTO workload_status (workload_id, faults, updated_at) VALUES ($1, $2, $3)
             ON CONFLICT (workload_id) DO UPDATE SET faults = excluded.faults",
        )
        .bind(event.workload_id)
        .bind(faults)
        .bind(ts(now))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Writes the status and controller state of workload `id` after an evaluation.
    pub async fn save_status(
        &self,
        id: i64,
        st: &StatusUpdate,
        cs: &ControllerState,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let history = serde_json::to_string(&cs.history)
            .map_err(|e| StoreError::Corrupt(format!("history JSON: {e}")))?;
        let next = st
            .next_action
            .as_ref()
            .and_then(|n| serde_json::to_string(n).ok());
        let faults = serde_json::to_string(&cs.faults)
            .map_err(|e| StoreError::Corrupt(format!("fault memory JSON: {e}")))?;
        sqlx::query(
            "INSERT INTO workload_status (workload_id, observed_at, current_replicas, desired_replicas,
                ready_replicas, failed_instances, load, target, metrics_ok, last_error, error_count,
                backoff_until, last_decision_id, last_reason, history, next_action, faults, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)
             ON CONFLICT (workload_id) DO UPDATE SET
                observed_at = COALESCE(excluded.observed_at, observed_at),
                current_replicas = COALESCE(excluded.current_replicas, current_replicas),
                desired_replicas = COALESCE(excluded.desired_replicas, desired_replicas),
                ready_replicas = COALESCE(excluded.ready_replicas, ready_replicas),
                failed_instances = excluded.failed_instances, load = excluded.load,
                target = excluded.target, metrics_ok = excluded.metrics_ok,
                last_error = excluded.last_error, error_count = excluded.error_count,
                backoff_until = excluded.backoff_until, last_decision_id = excluded.last_decision_id,
                last_reason = excluded.last_reason, history = excluded.history,
                next_action = COALESCE(excluded.next_action, next_action),
                faults = excluded.faults, updated_at = excluded.updated_at",
        )
        .bind(id)
        .bind(st.observed_at.map(ts))
        .bind(st.current_replicas)
        .bind(st.desired_replicas)
        .bind(st.ready_replicas)
        .bind(st.failed_instances)
        .bind(st.load)
        .bind(st.target)
        .bind(st.metrics_ok)
        .bind(&st.last_error)
        .bind(cs.error_count)
        .bind(cs.backoff_until.map(ts))
        .bind(cs.last_decision_id)
        .bind(&cs.last_reason)
        .bind(history)
        .bind(next)
        .bind(faults)
        .bind(ts(now))
        .execute(self.pool())
        .await?;
        Ok(())
    }
}
