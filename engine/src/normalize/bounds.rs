//! Labels for the min/max clamp: a bound set by an active schedule is reported as
//! `Schedule`/`ScheduleMin|Max`, a policy bound as `Bounds`/`TooFewReplicas|TooManyReplicas`.

use crate::decision::{Reason, Rule};

/// Effective bounds and which schedule (if any) set each.
#[derive(Debug, Clone)]
pub(crate) struct Limits {
    pub min: u32,
    pub max: u32,
    pub min_schedule: Option<String>,
    pub max_schedule: Option<String>,
}

impl Limits {
    /// Rule, reason and detail for raising the count to `min`.
    pub fn at_min(&self) -> (Rule, Reason, String) {
        match &self.min_schedule {
            Some(name) => (
                Rule::Schedule,
                Reason::ScheduleMin,
                format!("raised to {} by schedule {name}", self.min),
            ),
            None => (
                Rule::Bounds,
                Reason::TooFewReplicas,
                format!("raised to min_replicas {}", self.min),
            ),
        }
    }

    /// Rule, reason and detail for capping the count at `max`.
    pub fn at_max(&self) -> (Rule, Reason, String) {
        match &self.max_schedule {
            Some(name) => (
                Rule::Schedule,
                Reason::ScheduleMax,
                format!("capped at {} by schedule {name}", self.max),
            ),
            None => (
                Rule::Bounds,
                Reason::TooManyReplicas,
                format!("capped at max_replicas {}", self.max),
            ),
        }
    }

    /// Clamps `x` into the bounds.
    pub fn clamp(&self, x: u32) -> u32 {
        x.max(self.min).min(self.max.max(self.min))
    }
}
