//! Policy parts beyond HPA: AWS step rules, cron schedules, cooldown, fallback, headroom,
//! CPU saturation, KEDA activation and pauses.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// AWS-style step scaling on one metric's value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(default)]
pub struct StepRule {
    /// A `MetricSpec::name` of this policy, or a key of `Observation::external`.
    pub metric: String,
    /// Bands on the value; the first band containing the value applies.
    pub steps: Vec<Step>,
    /// For percent adjustments: change at least this many instances (AWS
    /// `MinAdjustmentMagnitude`).
    pub min_adjustment_magnitude: Option<u32>,
}

/// One band `lower <= value < upper` (open ends when `None`) and what to do in it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Step {
    /// Inclusive lower bound; `None` = minus infinity.
    pub lower: Option<f64>,
    /// Exclusive upper bound; `None` = plus infinity.
    pub upper: Option<f64>,
    /// Change applied to the current count.
    pub adjustment: Adjustment,
}

impl Default for Step {
    fn default() -> Self {
        Step {
            lower: None,
            upper: None,
            adjustment: Adjustment::ChangeInCapacity(0),
        }
    }
}

impl Step {
    /// True when `value` falls in this band.
    pub fn contains(&self, value: f64) -> bool {
        self.lower.is_none_or(|l| value >= l) && self.upper.is_none_or(|u| value < u)
    }
}

/// AWS adjustment types.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Adjustment {
    /// Add (or remove, when negative) this many instances.
    ChangeInCapacity(i32),
    /// Add (or remove) this percent of the current count; fractions round toward zero but a
    /// non-zero change is at least one instance (AWS rounding).
    PercentChangeInCapacity(f64),
    /// Set exactly this many instances.
    ExactCapacity(u32),
}

/// A recurring window that overrides min/max replicas, e.g. weekdays 08:00 for 12 h.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Schedule {
    /// Human name shown in decisions.
    pub name: String,
    /// Five-field cron (`minute hour day-of-month month day-of-week`) for the window's start;
    /// a sixth leading seconds field is accepted.
    pub cron: String,
    /// IANA zone the cron is read in, e.g. `Europe/Berlin`.
    pub timezone: String,
    /// How long the window lasts after each start.
    pub duration_secs: u32,
    /// Minimum while active.
    pub min_replicas: Option<u32>,
    /// Maximum while active.
    pub max_replicas: Option<u32>,
}

impl Default for Schedule {
    fn default() -> Self {
        Schedule {
            name: String::new(),
            cron: String::new(),
            timezone: "UTC".into(),
            duration_secs: 3600,
            min_replicas: None,
            max_replicas: None,
        }
    }
}

/// Quiet time after the last scale event, per direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Cooldown {
    /// No scale-up until this long after the last scale event (default 0).
    pub scale_up_secs: u32,
    /// No scale-down until this long after the last scale event (default 300).
    pub scale_down_secs: u32,
}

impl Default for Cooldown {
    fn default() -> Self {
        Cooldown {
            scale_up_secs: 0,
            scale_down_secs: 300,
        }
    }
}

/// Behaviour when metrics cannot be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Fallback {
    /// Consecutive failed evaluations (this one included) before `action` applies.
    pub after_failures: u32,
    /// What to do then.
    pub action: FallbackAction,
}

impl Default for Fallback {
    fn default() -> Self {
        Fallback {
            after_failures: 3,
            action: FallbackAction::Hold,
        }
    }
}

/// Fallback action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum FallbackAction {
    /// Keep the current count.
    #[default]
    Hold,
    /// Go to this count, but never below the current count (fallback never scales in).
    Fixed(u32),
}

/// Spare capacity kept above demand.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Headroom {
    /// Demand × (1 + p/100), rounded up.
    Percent(f64),
    /// Demand + n.
    Instances(u32),
}

/// Reading CPU saturation (an ebb rule; HPA has none). Instances throttled at their CPU limit
/// report the limit, not the load: HPA's ratio `usage ÷ target` is then only a floor, and each
/// round of scaling (new instances start, their samples come in) can at most multiply the
/// count by `limit ÷ target`, which makes a large burst take several minutes to catch up.
/// When the ready instances use at least `limit_percent` of their CPU limit and more than the
/// target, a CPU metric proposes `factor` times what HPA's ratio asks of the ready instances;
/// the scale-up rate policies still bound each step. The proposal counts ready instances
/// only, so it does not grow again until the new ones are ready and measured.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Saturation {
    /// Multiple of HPA's ratio assumed while saturated (at least 1).
    pub factor: f64,
    /// Usage at or above this percent of the CPU limit is saturated (1 to 100).
    pub limit_percent: f64,
}

/// Default [`Saturation::limit_percent`]: a 30 s mean within 5 % of the limit.
pub const DEFAULT_SATURATION_LIMIT_PERCENT: f64 = 95.0;

impl Default for Saturation {
    fn default() -> Self {
        Saturation {
            factor: 2.0,
            limit_percent: DEFAULT_SATURATION_LIMIT_PERCENT,
        }
    }
}

/// KEDA-style activation: with `min_replicas = 0`, the target sleeps at zero while the
/// metric is at or below `threshold` and wakes (to at least one) when it is above.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(default)]
pub struct Activation {
    /// A `MetricSpec::name` of this policy, or a key of `Observation::external`.
    pub metric: String,
    /// Active when the value is strictly greater (KEDA semantics).
    pub threshold: f64,
}

/// A pause written into the policy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Pause {
    /// Which direction is paused.
    pub direction: PauseDirection,
    /// Pause ends at this instant (exclusive).
    pub until: DateTime<Utc>,
    /// Why, for the audit trail.
    pub reason: String,
}

impl Default for Pause {
    fn default() -> Self {
        Pause {
            direction: PauseDirection::Both,
            until: DateTime::<Utc>::MIN_UTC,
            reason: String::new(),
        }
    }
}

/// Direction of a pause.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum PauseDirection {
    /// No scale-down.
    ScaleIn,
    /// No scale-up.
    ScaleOut,
    /// Neither.
    #[default]
    Both,
}
