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
    /// The current policy version's max_replicas.
    pub max_replicas: Option<i64>,
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
    /// Direction and outcome of the last recorded decision.
    pub last_direction: Option<String>,
    pub last_outcome: Option<String>,
    /// The newest override in force (pin or pause): its kind, pinned replicas, end, who set
    /// it and why.
    pub override_kind: Option<String>,
    pub override_replicas: Option<i64>,
    pub override_until: Option<String>,
    pub override_actor: Option<String>,
    pub override_reason: Option<String>,
    /// What state the workload is in, classified by the server (`server::health`).
    #[cfg_attr(feature = "ssr", sqlx(skip))]
    #[serde(default)]
    pub state: WorkloadState,
}

/// The override in force on a workload, as badges and the workload page show it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ActiveOverride {
    pub kind: String,
    pub replicas: Option<i64>,
    pub until: String,
    pub actor: String,
    pub reason: String,
}

impl ActiveOverride {
    /// "pinned at 4" / "scale-in paused" / "scaling paused".
    pub fn what(&self) -> String {
        match self.kind.as_str() {
            "pin" => format!("pinned at {}", self.replicas.unwrap_or(0)),
            "pause_scale_in" => "scale-in paused".into(),
            "pause_scale_out" => "scale-out paused".into(),
            _ => "scaling paused".into(),
        }
    }

    /// True when it stops scaling in direction `up` (a pin stops both).
    pub fn holds(&self, up: bool) -> bool {
        match self.kind.as_str() {
            "pause_scale_in" => !up,
            "pause_scale_out" => up,
            _ => true,
        }
    }
}

impl WorkloadSummary {
    /// The override in force, if any.
    pub fn active_override(&self) -> Option<ActiveOverride> {
        Some(ActiveOverride {
            kind: self.override_kind.clone()?,
            replicas: self.override_replicas,
            until: self.override_until.clone()?,
            actor: self.override_actor.clone().unwrap_or_default(),
            reason: self.override_reason.clone().unwrap_or_default(),
        })
    }
}

/// What a workload is doing, in one word, for badges, the overview's counts and (later)
/// alerts. The server classifies every workload the same way (`server::health::classify`);
/// the order of the variants is their precedence: a failing workload that is also pinned is
/// failing.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, Default,
)]
#[serde(rename_all = "snake_case")]
pub enum WorkloadState {
    /// The backend cannot be reached or refuses ebb's calls.
    Failing,
    /// Observed, but metrics are missing or instances have failed.
    Degraded,
    /// A pin holds the replica count.
    Pinned,
    /// Scale-in, scale-out or both are paused.
    Paused,
    /// At the policy's maximum: it cannot add more.
    AtMax,
    /// Replicas are changing, or changed in the last few minutes.
    Scaling,
    /// Under its policy, nothing to do.
    Steady,
    /// Observed without a policy.
    Unmanaged,
    /// Switched off in ebb: not evaluated.
    Disabled,
    /// Not observed yet.
    #[default]
    Unknown,
}

impl WorkloadState {
    /// Every state, in precedence order.
    pub const ALL: [WorkloadState; 10] = [
        WorkloadState::Failing,
        WorkloadState::Degraded,
        WorkloadState::Pinned,
        WorkloadState::Paused,
        WorkloadState::AtMax,
        WorkloadState::Scaling,
        WorkloadState::Steady,
        WorkloadState::Unmanaged,
        WorkloadState::Disabled,
        WorkloadState::Unknown,
    ];

    /// The word on a badge.
    pub fn label(self) -> &'static str {
        match self {
            WorkloadState::Failing => "failing",
            WorkloadState::Degraded => "degraded",
            WorkloadState::Pinned => "pinned",
            WorkloadState::Paused => "paused",
            WorkloadState::AtMax => "at max",
            WorkloadState::Scaling => "scaling",
            WorkloadState::Steady => "steady",
            WorkloadState::Unmanaged => "no policy",
            WorkloadState::Disabled => "disabled",
            WorkloadState::Unknown => "not observed yet",
        }
    }

    /// The badge's colour class: bad, warn, hold, busy or ok.
    pub fn class(self) -> &'static str {
        match self {
            WorkloadState::Failing => "bad",
            WorkloadState::Degraded | WorkloadState::AtMax => "warn",
            WorkloadState::Pinned | WorkloadState::Paused => "hold",
            WorkloadState::Scaling => "busy",
            WorkloadState::Steady => "ok",
            _ => "",
        }
    }

    /// True for states someone on call should look at.
    pub fn needs_attention(self) -> bool {
        matches!(
            self,
            WorkloadState::Failing
                | WorkloadState::Degraded
                | WorkloadState::AtMax
                | WorkloadState::Pinned
                | WorkloadState::Paused
        )
    }
}

/// The overview's answer to "is anything wrong?": how many workloads are in each state, the
/// latest scale actions, and a small load/replica history per workload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Overview {
    pub workloads: Vec<WorkloadSummary>,
    /// The latest decisions that scaled (or tried to), newest first.
    pub recent_actions: Vec<crate::model::decision::DecisionRow>,
    /// Per workload id: the last hour's points (load, replicas), oldest first.
    pub sparks: Vec<(i64, Vec<SparkPoint>)>,
}

/// One point of a sparkline: mean load and the most replicas in a minute.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SparkPoint {
    pub load: Option<f64>,
    pub replicas: i64,
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
