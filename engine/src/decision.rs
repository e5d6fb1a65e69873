//! The result of one evaluation: desired replicas, every signal's proposal, the ordered rules
//! that changed the number, a reason code, one human sentence and the next possible action.

mod explain;
mod holds;
mod next;
mod pipeline;
mod reason;
pub(crate) mod trace;
mod trigger;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::history::Recommendation;

pub use explain::sentence_head;
pub use pipeline::decide;
pub use reason::{Reason, Rule};

/// Everything the controller, the store and the dashboard need about one evaluation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Decision {
    /// The observed spec replica count.
    pub current_replicas: u32,
    /// The count the target should have.
    pub desired_replicas: u32,
    /// Whether that is a scale-up, a scale-down or no change.
    pub direction: Direction,
    /// One per metric and per step rule.
    pub proposals: Vec<Proposal>,
    /// The rules that changed the number, in the order they were applied.
    pub limits: Vec<Limit>,
    /// The binding rule's reason code.
    pub reason: Reason,
    /// One human sentence.
    pub sentence: String,
    /// When a scale could next happen in each direction.
    pub next: NextAction,
    /// The raw (pre-stabilization) recommendation for [`crate::History`].
    pub recommendation: Recommendation,
    /// On a target's first evaluation, the current count recorded as a recommendation (as HPA
    /// does when it first sees an HPA), so nothing scales down inside the first window.
    #[serde(default)]
    pub initial_recommendation: Option<Recommendation>,
    /// False when the metrics could not be read (counts toward fallback).
    pub metrics_ok: bool,
    /// The effective bounds this decision was held within (policy and schedules).
    pub bounds: Bounds,
    /// Names of the schedules active at this instant.
    pub active_schedules: Vec<String>,
}

/// Direction of a decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// More replicas.
    Up,
    /// Fewer replicas.
    Down,
    /// Same count.
    None,
}

impl Direction {
    /// Direction of a move from `from` to `to`.
    pub fn of(from: u32, to: u32) -> Direction {
        match to.cmp(&from) {
            std::cmp::Ordering::Greater => Direction::Up,
            std::cmp::Ordering::Less => Direction::Down,
            std::cmp::Ordering::Equal => Direction::None,
        }
    }
}

/// Effective min/max after schedules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bounds {
    /// Effective minimum.
    pub min: u32,
    /// Effective maximum (never below `min`).
    pub max: u32,
}

/// What kind of signal a proposal came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProposalKind {
    /// Resource utilization or average usage.
    Resource,
    /// Per-instance metric.
    Pods,
    /// Object metric.
    Object,
    /// External metric.
    External,
    /// PromQL query (a total, or per instance).
    Prometheus,
    /// Step rule.
    Step,
    /// The load forecast (predictive scaling).
    Forecast,
}

/// Instance counts behind a per-instance proposal; every instance is in exactly one of
/// `ready`, `unready`, `missing` and `ignored`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(default)]
pub struct Counts {
    /// Ready instances with a value.
    pub ready: u32,
    /// Starting, warming-up or (for CPU) not yet usable instances.
    pub unready: u32,
    /// Instances whose value is missing.
    pub missing: u32,
    /// Failed or terminating instances, ignored.
    pub ignored: u32,
    /// Of `unready`, ready instances still inside the warm-up.
    pub warming: u32,
    /// Of `unready`, instances inside the CPU initialization period whose CPU sample is not
    /// used (not ready, or sampled less than a window after becoming ready).
    pub initializing: u32,
    /// Of `unready`, not-ready instances past the CPU initialization period that were never
    /// ready since they started.
    pub never_ready: u32,
    /// Instances whose readiness timing was partly unknown and assumed (see
    /// [`Proposal::readiness`]).
    pub assumed: u32,
}

/// One signal's proposal and its inputs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Proposal {
    /// Metric name (or the step rule's metric).
    pub name: String,
    /// Kind of signal.
    pub kind: ProposalKind,
    /// Observed value in target units: utilization %, average per instance, or total.
    pub value: Option<f64>,
    /// Target in the same units.
    pub target: Option<f64>,
    /// Usage ratio the proposal was computed from (after any recomputation).
    pub ratio: Option<f64>,
    /// Instance counts (per-instance metrics).
    pub counts: Counts,
    /// Proposed replicas; `None` with `error` set, or for a step rule no band matched.
    pub replicas: Option<u32>,
    /// Replicas the demand needs before tolerance (used by headroom and the dashboard).
    pub demand: Option<u32>,
    /// True when the tolerance kept the current count.
    pub within_tolerance: bool,
    /// Why no proposal could be made (missing metric, no request, …).
    pub error: Option<String>,
    /// Short human explanation of how the number was reached.
    pub detail: String,
    /// What HPA's CPU readiness timing left out and assumed ("; 2 in their first 300s not
    /// counted for cpu …"), empty when it changed nothing.
    #[serde(default)]
    pub readiness: String,
    /// The workload total behind a per-instance or AverageValue proposal (total cores, total
    /// req/s), in the metric's units: what the forecast is fitted on.
    #[serde(default)]
    pub total: Option<f64>,
    /// The total one instance is meant to carry at the target, in the same units (a CPU
    /// utilization target × the mean request); `total / capacity` instances carry the load.
    #[serde(default)]
    pub capacity: Option<f64>,
}

impl Proposal {
    pub(crate) fn new(name: &str, kind: ProposalKind) -> Proposal {
        Proposal {
            name: name.to_string(),
            kind,
            value: None,
            target: None,
            ratio: None,
            counts: Counts::default(),
            replicas: None,
            demand: None,
            within_tolerance: false,
            error: None,
            detail: String::new(),
            readiness: String::new(),
            total: None,
            capacity: None,
        }
    }

    pub(crate) fn failed(mut self, error: impl Into<String>) -> Proposal {
        self.fail(error);
        self
    }

    /// Marks the proposal failed in place.
    pub(crate) fn fail(&mut self, error: impl Into<String>) {
        self.error = Some(error.into());
        self.replicas = None;
    }
}

/// One rule that changed the number.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Limit {
    /// Which rule.
    pub rule: Rule,
    /// Count before the rule.
    pub from: u32,
    /// Count after the rule.
    pub to: u32,
    /// Human detail, e.g. "limited to +3 by the scale-up rate policy (Instances 4 per 15s)".
    pub detail: String,
}

/// When the next scale could happen, per direction (`None`: impossible, e.g. at max).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct NextAction {
    /// Next scale-up.
    pub up: Option<NextStep>,
    /// Next scale-down.
    pub down: Option<NextStep>,
}

/// Earliest time and triggering value for a direction.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NextStep {
    /// No window, cooldown, pause or rate limit blocks this direction from this instant.
    pub earliest: DateTime<Utc>,
    /// The metric value that would trigger the move (up: above it; down: below it).
    pub trigger: Option<Trigger>,
}

/// A metric threshold.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Trigger {
    /// Metric name (a step rule's: the metric its bands read).
    pub metric: String,
    /// Threshold in the proposal's value units: up, the move happens above it (a step band at
    /// or above); down, below it. A threshold at the current value means the signal already
    /// asks for the move and only `earliest` holds it.
    pub value: f64,
}
