//! Policy validation (errors that make a policy unusable, each with its field path and what
//! to fix) and lints (legal but bad). Both are total: they never panic on any input.

mod forecast;
mod lint;
mod parts;
mod rows;

use serde::{Deserialize, Serialize};

use crate::num::MAX_REPLICAS;
use crate::policy::Policy;

pub use forecast::{MAX_DOWN_WINDOW_SECS, MAX_LEAD_SECS, MAX_MIN_HISTORY_HOURS};
pub use lint::lint;
pub use rows::{
    MAX_METRICS, MAX_PAUSES, MAX_RATE_POLICIES, MAX_SCHEDULES, MAX_STEPS, MAX_STEP_RULES,
};

/// A problem with one field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    /// Path such as `behavior.scale_down.policies[0].period_secs`.
    pub path: String,
    /// What is wrong and how to fix it.
    pub message: String,
}

/// A warning about a legal but risky policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lint {
    /// Path of the field concerned.
    pub path: String,
    /// What is risky and what to do instead.
    pub message: String,
}

/// Collects errors with their paths.
pub(crate) struct Errors(pub Vec<FieldError>);

impl Errors {
    pub fn push(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.0.push(FieldError {
            path: path.into(),
            message: message.into(),
        });
    }
}

/// Every problem of `policy`, in field order. An empty list means the policy is usable.
pub fn validate(policy: &Policy) -> Vec<FieldError> {
    let mut e = Errors(Vec::new());
    bounds(policy, &mut e);
    rows::counts(policy, &mut e);
    parts::metrics(policy, &mut e);
    parts::tolerance(policy, &mut e);
    parts::behavior(policy, &mut e);
    parts::step_rules(policy, &mut e);
    parts::schedules(policy, &mut e);
    parts::extras(policy, &mut e);
    forecast::forecast(policy, &mut e);
    e.0
}

fn bounds(p: &Policy, e: &mut Errors) {
    if p.max_replicas == 0 {
        e.push("max_replicas", "max_replicas must be at least 1");
    }
    if p.max_replicas > MAX_REPLICAS {
        e.push("max_replicas", too_many("max_replicas", p.max_replicas));
    }
    if p.min_replicas > p.max_replicas {
        e.push(
            "min_replicas",
            format!(
                "min_replicas {} is greater than max_replicas {}",
                p.min_replicas, p.max_replicas
            ),
        );
    }
    if p.min_replicas == 0 && p.activation.is_none() {
        e.push("min_replicas", "min_replicas 0 needs an activation threshold; set activation or raise min_replicas to 1");
    }
    if p.metrics.is_empty() && p.step_rules.is_empty() && p.schedules.is_empty() {
        e.push("metrics", "add at least one metric, step rule or schedule");
    }
}

/// "max_replicas 3000000000 is above 2147483647 …": counts are Kubernetes int32s.
pub(crate) fn too_many(name: &str, n: u32) -> String {
    format!(
        "{name} {n} is above {MAX_REPLICAS}, the largest replica count Kubernetes can hold (int32); lower it"
    )
}

/// True for a number a policy can use: finite, and not subnormal (a value such as 1e-320 is
/// below the smallest normal `f64`, has lost most of its precision and means nothing as a
/// load target or tolerance).
pub(crate) fn finite(x: f64) -> bool {
    x.is_finite() && (x == 0.0 || x.is_normal())
}
