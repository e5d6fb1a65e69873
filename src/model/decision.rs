//! Scaling decisions as stored and shown: what the controller decided, why, and what happened.

use serde::{Deserialize, Serialize};

/// One recorded decision.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct DecisionRow {
    pub id: i64,
    pub workload_id: i64,
    pub workload: String,
    /// UTC, ISO-8601.
    pub at: String,
    pub policy_version: Option<i64>,
    pub current_replicas: i64,
    pub desired_replicas: i64,
    /// "up", "down" or "none".
    pub direction: String,
    /// Reason code (HPA condition reasons and ebb's own).
    pub reason: String,
    pub sentence: String,
    /// intent, applied, failed, superseded, none, error.
    pub outcome: String,
    pub error: Option<String>,
    /// JSON: proposals, limits, bounds, next action, active schedules.
    pub detail: String,
}

/// The explanation stored with a decision (its `detail`), as far as pages show it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct DecisionDetail {
    pub proposals: Vec<ebb_engine::Proposal>,
    pub limits: Vec<ebb_engine::Limit>,
    pub bounds: Option<ebb_engine::Bounds>,
    pub active_schedules: Vec<String>,
}

impl DecisionRow {
    /// The parsed explanation (empty when there is none).
    pub fn parsed_detail(&self) -> DecisionDetail {
        serde_json::from_str(&self.detail).unwrap_or_default()
    }
}

/// Filters of the history page; empty fields match everything.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DecisionFilter {
    pub workload_id: Option<i64>,
    pub direction: Option<String>,
    pub outcome: Option<String>,
    pub reason: Option<String>,
    /// ISO-8601 bounds.
    pub from: Option<String>,
    pub to: Option<String>,
    /// Keyset paging: only rows with id below this.
    pub before_id: Option<i64>,
    pub limit: Option<u32>,
}
