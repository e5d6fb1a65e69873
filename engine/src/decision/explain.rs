//! The one human sentence of a decision, e.g. "Scaled up from 3 to 6: cpu utilization 140%
//! vs target 70%; limited to +3 by the scale-up rate policy (Instances 4 per 15s)."

use super::pipeline::Run;
use super::{Proposal, ProposalKind, Reason};
use crate::policy::MetricTarget;

pub(super) fn sentence(run: &Run<'_>, desired: u32) -> String {
    let cur = run.current;
    let head = if desired > cur {
        format!("Scaled up from {cur} to {desired}")
    } else if desired < cur {
        format!("Scaled down from {cur} to {desired}")
    } else {
        format!("Holding at {cur}")
    };
    let mut parts = vec![driver(run)];
    parts.extend(run.trace.limits.iter().map(|l| l.detail.clone()));
    let parts: Vec<String> = parts.into_iter().filter(|s| !s.is_empty()).collect();
    if parts.is_empty() {
        format!("{head}.")
    } else {
        format!("{head}: {}.", parts.join("; "))
    }
}

fn driver(run: &Run<'_>) -> String {
    if run.trace.reason == Some(Reason::ScalingDisabled) {
        return "the target is at zero and min_replicas is above zero, so autoscaling is off"
            .into();
    }
    if !run.metrics_ok {
        let first = run
            .proposals
            .iter()
            .find_map(|p| p.error.as_ref().map(|e| format!("{}: {e}", p.name)));
        return format!(
            "metrics missing ({})",
            first.unwrap_or_else(|| "no value".into())
        );
    }
    match run.driver.and_then(|i| run.proposals.get(i)) {
        Some(p) => describe(run, p),
        None if run.proposals.is_empty() => "no metrics configured".into(),
        None => "no signal proposed a change".into(),
    }
}

fn describe(run: &Run<'_>, p: &Proposal) -> String {
    let value = p.value.map_or("?".to_string(), fmt_num);
    if p.kind == ProposalKind::Step {
        return format!("{} {value}: {}", p.name, p.detail);
    }
    let target = p.target.map_or("?".to_string(), fmt_num);
    let spec = run.policy.metrics.iter().find(|m| m.name == p.name);
    match spec.map(|s| s.target) {
        Some(MetricTarget::Utilization(_)) => {
            format!("{} utilization {value}% vs target {target}%", p.name)
        }
        Some(MetricTarget::AverageValue(_)) => {
            format!("{} {value} per instance vs target {target}", p.name)
        }
        _ => format!("{} {value} vs target {target}", p.name),
    }
}

fn fmt_num(x: f64) -> String {
    crate::num::Fixed(x, 2).to_string()
}
