//! The one human sentence of a decision, e.g. "Scaled up from 3 to 6: cpu utilization 140%
//! vs target 70%; limited to +3 by the scale-up rate policy (Instances 4 per 15s)."
//!
//! Built with [`Text`] into one pre-sized string: this runs for every target on every tick.

use super::pipeline::Run;
use super::{Proposal, ProposalKind, Reason};
use crate::num::Text;
use crate::policy::MetricTarget;

/// "{head}: {driver}; {limit details…}." with empty parts left out, or "{head}." if all are.
pub(super) fn sentence(run: &Run<'_>, desired: u32) -> String {
    let cur = run.current;
    let details: usize = run.trace.limits.iter().map(|l| l.detail.len() + 2).sum();
    let mut out = String::with_capacity(128 + details);
    head(&mut out, cur, desired);
    let mark = out.len();
    out.push_str(": ");
    driver(run, &mut out);
    let mut any = out.len() > mark + 2;
    if !any {
        out.truncate(mark);
    }
    for l in run.trace.limits.iter().filter(|l| !l.detail.is_empty()) {
        out.s(if any { "; " } else { ": " }).s(&l.detail);
        any = true;
    }
    out.push('.');
    out
}

/// The sentence's opening words for a move from `cur` to `desired`: "Scaled up from 3 to 6",
/// "Scaled down from 6 to 3" or "Holding at 3".
fn head(out: &mut String, cur: u32, desired: u32) {
    if desired > cur {
        out.s("Scaled up from ").n(cur).s(" to ").n(desired);
    } else if desired < cur {
        out.s("Scaled down from ").n(cur).s(" to ").n(desired);
    } else {
        out.s("Holding at ").n(cur);
    }
}

/// The opening words of a decision's sentence for a move from `from` to `to`, for callers
/// that change a decision's count afterwards and rewrite its sentence to match.
pub fn sentence_head(from: u32, to: u32) -> String {
    let mut out = String::with_capacity(40);
    head(&mut out, from, to);
    out
}

fn driver(run: &Run<'_>, out: &mut String) {
    if run.trace.reason == Some(Reason::ScalingDisabled) {
        out.s("the target is at zero and min_replicas is above zero, so autoscaling is off");
        return;
    }
    if !run.metrics_ok {
        let first = run
            .proposals
            .iter()
            .find_map(|p| p.error.as_ref().map(|e| (p, e)));
        out.s("metrics missing (");
        match first {
            Some((p, e)) => out.s(&p.name).s(": ").s(e),
            None => out.s("no value"),
        };
        out.push(')');
        return;
    }
    match run.driver.and_then(|i| Some((i, run.proposals.get(i)?))) {
        Some((i, p)) => describe(run, i, p, out),
        None if run.proposals.is_empty() => {
            out.s("no metrics configured");
        }
        None => {
            out.s("no signal proposed a change");
        }
    }
}

/// The driving proposal `p`, the `i`th (proposals come in policy order, metrics first).
fn describe(run: &Run<'_>, i: usize, p: &Proposal, out: &mut String) {
    if p.kind == ProposalKind::Forecast {
        // Its limit (rule `forecast`) carries the whole story.
        return;
    }
    if p.kind == ProposalKind::Step {
        out.s(&p.name).s(" ");
        num(out, p.value).s(": ").s(&p.detail);
        return;
    }
    let spec = run.policy.metrics.get(i);
    out.s(&p.name);
    match spec.map(|s| s.target) {
        Some(MetricTarget::Utilization(_)) => {
            num(out.s(" utilization "), p.value).s("% vs target ");
            num(out, p.target).s("%");
        }
        Some(MetricTarget::AverageValue(_)) => {
            num(out.s(" "), p.value).s(" per instance vs target ");
            num(out, p.target);
        }
        _ => {
            num(out.s(" "), p.value).s(" vs target ");
            num(out, p.target);
        }
    }
    // What HPA's CPU readiness timing left out, and what it assumed, starts with "; ".
    out.s(&p.readiness);
}

/// A value with two decimals, or "?".
fn num(out: &mut String, x: Option<f64>) -> &mut String {
    match x {
        Some(x) => out.fixed(x, 2),
        None => out.s("?"),
    }
}
