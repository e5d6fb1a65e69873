//! Labels for the min/max clamp: a bound set by an active schedule is reported as
//! `Schedule`/`ScheduleMin|Max`, a policy bound as `Bounds`/`TooFewReplicas|TooManyReplicas`.

use crate::decision::{Reason, Rule};
use crate::num::Text;

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
        let mut detail = String::with_capacity(48);
        match &self.min_schedule {
            Some(name) => {
                detail
                    .s("raised to ")
                    .n(self.min)
                    .s(" by schedule ")
                    .s(name);
                (Rule::Schedule, Reason::ScheduleMin, detail)
            }
            None => {
                detail.s("raised to min_replicas ").n(self.min);
                (Rule::Bounds, Reason::TooFewReplicas, detail)
            }
        }
    }

    /// Rule, reason and detail for capping the count at `max`.
    pub fn at_max(&self) -> (Rule, Reason, String) {
        let mut detail = String::with_capacity(48);
        match &self.max_schedule {
            Some(name) => {
                detail
                    .s("capped at ")
                    .n(self.max)
                    .s(" by schedule ")
                    .s(name);
                (Rule::Schedule, Reason::ScheduleMax, detail)
            }
            None => {
                detail.s("capped at max_replicas ").n(self.max);
                (Rule::Bounds, Reason::TooManyReplicas, detail)
            }
        }
    }

    /// Clamps `x` into the bounds.
    pub fn clamp(&self, x: u32) -> u32 {
        x.max(self.min).min(self.max.max(self.min))
    }
}
