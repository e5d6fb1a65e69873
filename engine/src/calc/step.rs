//! AWS step scaling: the first band containing the metric's value adjusts the current count
//! (ChangeInCapacity, PercentChangeInCapacity with AWS rounding and MinAdjustmentMagnitude,
//! or ExactCapacity). No matching band means no proposal.

use super::Ctx;
use crate::decision::{Proposal, ProposalKind};
use crate::num::{replicas, usable, MAX_REPLICAS};
use crate::policy::{Adjustment, StepRule};

/// Value of a named signal: a computed proposal's value, else `Observation::external`.
pub(crate) fn lookup_value(ctx: &Ctx<'_>, name: &str, proposals: &[Proposal]) -> Option<f64> {
    match proposals
        .iter()
        .find(|p| p.name == name && p.kind != ProposalKind::Step)
    {
        Some(p) => p.value,
        None => ctx.obs.external.get(name).copied().and_then(usable),
    }
}

/// Proposal of one step rule.
pub(super) fn propose(ctx: &Ctx<'_>, rule: &StepRule, proposals: &[Proposal]) -> Proposal {
    let mut p = Proposal::new(&rule.metric, ProposalKind::Step);
    let Some(value) = lookup_value(ctx, &rule.metric, proposals) else {
        return p.failed(format!("metric {} is missing", rule.metric));
    };
    p.value = Some(value);
    let current = ctx.current();
    let Some(step) = rule.steps.iter().find(|s| s.contains(value)) else {
        p.detail = format!("value {value} is in no band: no proposal");
        return p;
    };
    let to = adjust(current, step.adjustment, rule.min_adjustment_magnitude);
    p.replicas = Some(to);
    p.demand = Some(to);
    p.detail = format!(
        "value {value} in band {}: {current} → {to}",
        band(step.lower, step.upper)
    );
    p
}

fn band(lower: Option<f64>, upper: Option<f64>) -> String {
    let l = lower.map_or("-∞".to_string(), |v| v.to_string());
    let u = upper.map_or("∞".to_string(), |v| v.to_string());
    format!("[{l}, {u})")
}

/// Applies an adjustment to `current` (never below zero, saturating at the int32 maximum).
pub(crate) fn adjust(current: u32, adj: Adjustment, min_magnitude: Option<u32>) -> u32 {
    let change: i64 = match adj {
        Adjustment::ExactCapacity(n) => return replicas(n),
        Adjustment::ChangeInCapacity(n) => i64::from(n),
        Adjustment::PercentChangeInCapacity(pct) => {
            let raw = if pct.is_finite() {
                f64::from(current) * pct / 100.0
            } else {
                0.0
            };
            let mut c = aws_round(raw);
            if let Some(m) = min_magnitude {
                let m = i64::from(m);
                if c != 0 && c.abs() < m {
                    c = c.signum() * m;
                }
            }
            c
        }
    };
    let to = (i64::from(current) + change).clamp(0, i64::from(MAX_REPLICAS));
    u32::try_from(to).unwrap_or(MAX_REPLICAS)
}

/// AWS rounding of a fractional change: toward zero, but at least one instance if non-zero.
fn aws_round(x: f64) -> i64 {
    if x.is_nan() || x == 0.0 {
        0
    } else if x > 0.0 && x < 1.0 {
        1
    } else if x < 0.0 && x > -1.0 {
        -1
    } else {
        x.trunc().clamp(-1e15, 1e15) as i64
    }
}
