//! The metric value that would trigger the next scale in each direction: for a metric, the
//! value at which its proposal leaves the tolerance band past the count; for a step rule, the
//! nearest band boundary whose band moves the count that way (a band fires at or above its
//! lower bound and below its upper bound). Up takes the closest threshold of any signal; down
//! the binding (largest) signal's, since every signal must agree before the count falls.

use super::pipeline::Run;
use super::{Proposal, ProposalKind, Trigger};
use crate::calc::adjust;
use crate::policy::{MetricSpec, MetricTarget, StepRule};

/// The trigger for a move from `cur` up or down, if any signal can trigger it.
pub(super) fn trigger(run: &Run<'_>, cur: u32, up: bool) -> Option<Trigger> {
    // Proposals come in policy order: the metrics', then the step rules'.
    let metrics = run
        .proposals
        .iter()
        .zip(&run.policy.metrics)
        .filter(|(p, _)| p.error.is_none())
        .filter_map(|(p, spec)| Some((p, p.value?, metric_threshold(run, spec, p, cur, up)?)));
    let steps = run
        .proposals
        .iter()
        .skip(run.policy.metrics.len())
        .zip(&run.policy.step_rules)
        .filter(|(p, _)| p.error.is_none() && p.kind == ProposalKind::Step)
        .filter_map(|(p, rule)| {
            let value = p.value?;
            Some((p, value, step_threshold(rule, value, cur, up)?))
        });
    // Most policies have no step rules: keep their path free of the chain.
    let pick = if run.policy.step_rules.is_empty() {
        best(metrics, up)
    } else {
        best(metrics.chain(steps), up)
    };
    pick.map(|(p, _, t)| Trigger {
        metric: p.name.clone(),
        value: t.max(0.0),
    })
}

/// Up: the threshold closest to its signal's value; down: the binding signal's.
fn best<'a>(
    all: impl Iterator<Item = (&'a Proposal, f64, f64)>,
    up: bool,
) -> Option<(&'a Proposal, f64, f64)> {
    if up {
        all.min_by(|a, b| rel(a).total_cmp(&rel(b)))
    } else {
        all.max_by_key(|(p, _, _)| p.replicas.unwrap_or(0))
    }
}

/// Up: the value above which the metric proposes more than `cur`; down: below which fewer.
#[inline]
fn metric_threshold(
    run: &Run<'_>,
    spec: &MetricSpec,
    p: &Proposal,
    cur: u32,
    up: bool,
) -> Option<f64> {
    let tol = run.policy.tolerance;
    let target = p.target?;
    let avg_total = spec.source.is_total() && matches!(spec.target, MetricTarget::AverageValue(_));
    let n = f64::from(p.counts.ready.max(1));
    let c = f64::from(cur);
    let t = if avg_total {
        if up {
            target * c.max(n * (1.0 + tol.scale_up))
        } else {
            target * (c - 1.0).min(n * (1.0 - tol.scale_down))
        }
    } else if up {
        target * (1.0 + tol.scale_up).max(c / n)
    } else {
        target * (1.0 - tol.scale_down).min((c - 1.0) / n)
    };
    t.is_finite().then_some(t)
}

/// Up: the lowest lower bound (or the current value, if its band already raises the count)
/// of the bands that raise the count from `cur`; down: the highest upper bound (or the current
/// value) of the bands that lower it. Bands on the other side of the value are ignored.
fn step_threshold(rule: &StepRule, value: f64, cur: u32, up: bool) -> Option<f64> {
    let moves = |to: u32| if up { to > cur } else { to < cur };
    let bands = rule
        .steps
        .iter()
        .filter(|s| moves(adjust(cur, s.adjustment, rule.min_adjustment_magnitude)));
    let thresholds = bands.filter_map(|s| {
        if s.contains(value) {
            return Some(value);
        }
        let bound = if up { s.lower } else { s.upper };
        bound.filter(|b| if up { *b > value } else { *b <= value })
    });
    if up {
        thresholds.min_by(f64::total_cmp)
    } else {
        thresholds.max_by(f64::total_cmp)
    }
}

fn rel((_, value, t): &(&Proposal, f64, f64)) -> f64 {
    if *value > 0.0 {
        t / value
    } else {
        f64::INFINITY
    }
}
