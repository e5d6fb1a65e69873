//! Reason codes (HPA condition reasons plus ebb's own) and the rules that can bind a decision.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Why the decision is what it is: the reason of the last rule that changed the number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Reason {
    /// HPA: the rate policies (or legacy limit) capped a scale-up.
    ScaleUpLimit,
    /// HPA: the rate policies capped a scale-down.
    ScaleDownLimit,
    /// HPA: the scale-up window held the count.
    ScaleUpStabilized,
    /// HPA: the scale-down window held the count.
    ScaleDownStabilized,
    /// HPA: capped at max_replicas.
    TooManyReplicas,
    /// HPA: raised to min_replicas.
    TooFewReplicas,
    /// HPA: nothing limited the recommendation.
    DesiredWithinRange,
    /// HPA: the target is at zero with min_replicas > 0; autoscaling is off until it is not.
    ScalingDisabled,
    /// The usage ratio is inside the tolerance band.
    WithinTolerance,
    /// Some metrics could not be read; held (HPA does not scale down on partial metrics).
    MetricsMissing,
    /// Metrics failed long enough; fallback holds the count.
    FallbackHold,
    /// Metrics failed long enough; fallback went to the fixed count.
    FallbackFixed,
    /// A pause (policy or operator) blocked this direction.
    Paused,
    /// The cooldown after the last scale event blocked this direction.
    CoolingDown,
    /// An active schedule raised the count to its minimum.
    ScheduleMin,
    /// An active schedule capped the count at its maximum.
    ScheduleMax,
    /// Headroom raised the count above demand.
    HeadroomReserved,
    /// The activation metric woke the target from zero.
    Activated,
    /// The activation metric is at or below its threshold: scale to zero.
    Deactivated,
    /// An operator pin set the count.
    Pinned,
    /// The forecast asked for more than the reactive signals: capacity before the load.
    Forecast,
    /// Forecast and observed load agreed the load has fallen: the shorter scale-down window.
    ForecastScaleDown,
}

impl Reason {
    /// Stable machine code, as stored and shown.
    pub fn code(&self) -> &'static str {
        match self {
            Reason::ScaleUpLimit => "ScaleUpLimit",
            Reason::ScaleDownLimit => "ScaleDownLimit",
            Reason::ScaleUpStabilized => "ScaleUpStabilized",
            Reason::ScaleDownStabilized => "ScaleDownStabilized",
            Reason::TooManyReplicas => "TooManyReplicas",
            Reason::TooFewReplicas => "TooFewReplicas",
            Reason::DesiredWithinRange => "DesiredWithinRange",
            Reason::ScalingDisabled => "ScalingDisabled",
            Reason::WithinTolerance => "WithinTolerance",
            Reason::MetricsMissing => "MetricsMissing",
            Reason::FallbackHold => "FallbackHold",
            Reason::FallbackFixed => "FallbackFixed",
            Reason::Paused => "Paused",
            Reason::CoolingDown => "CoolingDown",
            Reason::ScheduleMin => "ScheduleMin",
            Reason::ScheduleMax => "ScheduleMax",
            Reason::HeadroomReserved => "HeadroomReserved",
            Reason::Activated => "Activated",
            Reason::Deactivated => "Deactivated",
            Reason::Pinned => "Pinned",
            Reason::Forecast => "Forecast",
            Reason::ForecastScaleDown => "ForecastScaleDown",
        }
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// A rule that can change the number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    /// Tolerance dead band.
    Tolerance,
    /// Stabilization window.
    Stabilization,
    /// Rate policy or legacy scale-up limit.
    RateLimit,
    /// Policy min/max.
    Bounds,
    /// Schedule min/max.
    Schedule,
    /// Cooldown after a scale event.
    Cooldown,
    /// Pause (policy or operator).
    Pause,
    /// Metrics missing / fallback.
    Fallback,
    /// Reserved headroom.
    Headroom,
    /// Activation (scale to / from zero).
    Activation,
    /// Warm-up of new instances.
    Warmup,
    /// Operator override (pin).
    Override,
    /// Predictive scaling (the forecast won, or shortened the scale-down window).
    Forecast,
}

impl Rule {
    /// Stable machine code.
    pub fn code(&self) -> &'static str {
        match self {
            Rule::Tolerance => "tolerance",
            Rule::Stabilization => "stabilization",
            Rule::RateLimit => "rate_limit",
            Rule::Bounds => "bounds",
            Rule::Schedule => "schedule",
            Rule::Cooldown => "cooldown",
            Rule::Pause => "pause",
            Rule::Fallback => "fallback",
            Rule::Headroom => "headroom",
            Rule::Activation => "activation",
            Rule::Warmup => "warmup",
            Rule::Override => "override",
            Rule::Forecast => "forecast",
        }
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}
