//! How many rows each list of a policy may hold. Far above what a real operator writes, low
//! enough that one evaluation (and a what-if replay of thousands of them) stays cheap.

use super::Errors;
use crate::policy::Policy;

/// Most metric targets.
pub const MAX_METRICS: usize = 10;
/// Most step rules.
pub const MAX_STEP_RULES: usize = 10;
/// Most steps in one step rule.
pub const MAX_STEPS: usize = 10;
/// Most schedules.
pub const MAX_SCHEDULES: usize = 20;
/// Most rate policies per direction.
pub const MAX_RATE_POLICIES: usize = 5;
/// Most pauses written into the policy.
pub const MAX_PAUSES: usize = 10;

pub(super) fn counts(p: &Policy, e: &mut Errors) {
    limit(e, "metrics", "metrics", p.metrics.len(), MAX_METRICS);
    limit(
        e,
        "step_rules",
        "step rules",
        p.step_rules.len(),
        MAX_STEP_RULES,
    );
    for (i, r) in p.step_rules.iter().enumerate() {
        let path = format!("step_rules[{i}].steps");
        limit(e, &path, "steps", r.steps.len(), MAX_STEPS);
    }
    limit(
        e,
        "schedules",
        "schedules",
        p.schedules.len(),
        MAX_SCHEDULES,
    );
    if let Some(b) = &p.behavior {
        for (dir, rules) in [("scale_up", &b.scale_up), ("scale_down", &b.scale_down)] {
            let path = format!("behavior.{dir}.policies");
            limit(
                e,
                &path,
                "rate policies",
                rules.policies.len(),
                MAX_RATE_POLICIES,
            );
        }
    }
    limit(e, "pauses", "pauses", p.pauses.len(), MAX_PAUSES);
}

fn limit(e: &mut Errors, path: &str, what: &str, n: usize, max: usize) {
    if n > max {
        e.push(
            path,
            format!(
                "at most {max} {what} are allowed, this has {n}; remove {}",
                n - max
            ),
        );
    }
}
