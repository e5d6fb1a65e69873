//! The scaling policy an operator authors: bounds, metric targets, tolerance, HPA behavior,
//! step rules, schedules, cooldown, warm-up, fallback, headroom, activation, pauses and the
//! forecast.
//!
//! Every struct is `#[serde(default)]` with Kubernetes HPA (autoscaling/v2) defaults, so a
//! partial JSON document deserializes into a complete policy.

mod behavior;
mod extras;
mod forecast;
mod metric;

pub(crate) use behavior::behavior_defaults;
pub use behavior::{Behavior, RatePolicy, RatePolicyKind, ScalingRules, SelectPolicy};
pub use extras::{
    Activation, Adjustment, Cooldown, Fallback, FallbackAction, Headroom, Pause, PauseDirection,
    Saturation, Schedule, Step, StepRule, DEFAULT_SATURATION_LIMIT_PERCENT,
};
pub use forecast::{Forecast, ForecastMode, DEFAULT_MIN_HISTORY_HOURS, DEFAULT_QUANTILE};
pub use metric::{MetricSource, MetricSpec, MetricTarget, ResourceName};

use serde::{Deserialize, Serialize};

/// HPA's default CPU initialization period (5 min).
pub const CPU_INITIALIZATION_PERIOD_SECS: u32 = 300;
/// HPA's default initial readiness delay (30 s).
pub const INITIAL_READINESS_DELAY_SECS: u32 = 30;

/// A complete scaling policy for one target.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Policy {
    /// Lowest replica count (0 only together with `activation`, KEDA-style scale to zero).
    pub min_replicas: u32,
    /// Highest replica count.
    pub max_replicas: u32,
    /// Metric targets; the largest proposal wins.
    pub metrics: Vec<MetricSpec>,
    /// Dead band around the target in which nothing moves.
    pub tolerance: Tolerance,
    /// HPA `behavior`; `None` selects HPA's legacy normalization
    /// (scale-up limit `max(2 × current, 4)`, 300 s scale-down stabilization).
    pub behavior: Option<Behavior>,
    /// AWS-style step scaling rules.
    pub step_rules: Vec<StepRule>,
    /// Cron schedules that override min/max while active.
    pub schedules: Vec<Schedule>,
    /// Quiet time after a scale event.
    pub cooldown: Cooldown,
    /// A new instance is not counted until it has been ready this long.
    pub warmup_secs: u32,
    /// HPA `--horizontal-pod-autoscaler-cpu-initialization-period`: while an instance is this
    /// young, its CPU sample counts only if it is ready and was taken a full sample window
    /// after it became ready.
    pub cpu_initialization_period_secs: u32,
    /// HPA `--horizontal-pod-autoscaler-initial-readiness-delay`: after the initialization
    /// period, a not-ready instance whose readiness last changed within this long of its start
    /// has never been ready, and its CPU sample is not used.
    pub initial_readiness_delay_secs: u32,
    /// What to do when metrics cannot be read.
    pub fallback: Fallback,
    /// Capacity kept above current demand for bursts.
    pub headroom: Option<Headroom>,
    /// Scaling harder while instances are throttled at their CPU limit; `None` is off (HPA).
    pub saturation: Option<Saturation>,
    /// KEDA-style activation threshold for scaling to and from zero.
    pub activation: Option<Activation>,
    /// Pauses written into the policy (operator pauses from the dashboard live in
    /// [`crate::Observation::overrides`]).
    pub pauses: Vec<Pause>,
    /// Predictive scaling; `None` is off.
    pub forecast: Option<Forecast>,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            min_replicas: 1,
            max_replicas: 10,
            metrics: Vec::new(),
            tolerance: Tolerance::default(),
            behavior: None,
            step_rules: Vec::new(),
            schedules: Vec::new(),
            cooldown: Cooldown::default(),
            warmup_secs: 0,
            cpu_initialization_period_secs: CPU_INITIALIZATION_PERIOD_SECS,
            initial_readiness_delay_secs: INITIAL_READINESS_DELAY_SECS,
            fallback: Fallback::default(),
            headroom: None,
            saturation: None,
            activation: None,
            pauses: Vec::new(),
            forecast: None,
        }
    }
}

/// Relative dead band around the target, per direction (HPA default 0.1 each).
///
/// A usage ratio `r` is within tolerance when `1 - scale_down <= r <= 1 + scale_up`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Tolerance {
    /// Fraction above the target tolerated before scaling up.
    pub scale_up: f64,
    /// Fraction below the target tolerated before scaling down.
    pub scale_down: f64,
}

impl Default for Tolerance {
    fn default() -> Self {
        Tolerance {
            scale_up: 0.1,
            scale_down: 0.1,
        }
    }
}

impl Tolerance {
    /// True when `ratio` lies inside the dead band (HPA's `isWithin`).
    pub fn contains(&self, ratio: f64) -> bool {
        (1.0 - self.scale_down) <= ratio && ratio <= (1.0 + self.scale_up)
    }
}
