//! Workloads as the dashboard shows them: identity, backend, policy and the controller's latest
//! view (replicas, load against target, last decision, health).

use serde::{Deserialize, Serialize};

/// One row of the overview.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct WorkloadSummary {
    pub id: i64,
    pub name: String,
    pub backend: String,
    pub backend_kind: String,
    pub policy_id: Option<i64>,
    pub policy_name: Option<String>,
    pub policy_version: Option<i64>,
    pub enabled: bool,
    pub interval_secs: i64,
    pub observed_at: Option<String>,
    pub current_replicas: Option<i64>,
    pub desired_replicas: Option<i64>,
    pub ready_replicas: Option<i64>,
    pub failed_instances: i64,
    /// The policy's first metric (e.g. cpu utilization in %), and its target.
    pub load: Option<f64>,
    pub target: Option<f64>,
    pub metrics_ok: bool,
    pub last_error: Option<String>,
    pub last_reason: Option<String>,
    pub last_decision_at: Option<String>,
    pub last_sentence: Option<String>,
}

impl WorkloadSummary {
    /// Health in one word for badges: "unreachable", "degraded", "ok" or "unknown".
    pub fn health(&self) -> &'static str {
        if self.last_error.is_some() {
            "unreachable"
        } else if !self.metrics_ok || self.failed_instances > 0 {
            "degraded"
        } else if self.observed_at.is_some() {
            "ok"
        } else {
            "unknown"
        }
    }
}

/// One instance as last observed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct InstanceRow {
    pub instance: String,
    pub state: String,
    /// CPU utilization of the request in % (or cores without a request).
    pub load: Option<f64>,
    /// When it was last seen.
    pub at: String,
    /// How often the backend restarted it.
    pub restarts: i64,
}

/// Everything the workload page shows besides the chart.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WorkloadDetail {
    pub summary: WorkloadSummary,
    /// The engine's "next possible action" of the latest evaluation.
    pub next_action: Option<ebb_engine::NextAction>,
    pub instances: Vec<InstanceRow>,
    pub decisions: Vec<crate::model::decision::DecisionRow>,
    /// Seconds between evaluations.
    pub interval_secs: i64,
}
