//! Proposals from per-instance values (HPA `GetResourceReplicas` and
//! `calcPlainMetricReplicas`): instances are grouped (see [`super::group`]); missing ones
//! count as 100 % (of `max(target, request)`) on a scale-down and 0 % on a scale-up, unready
//! ones as 0 % on a scale-up, and the recomputation may not flip the direction. With a
//! saturation rule, ready instances at their CPU limit propose a multiple of that (ebb).

use super::group::{group, Groups, Measure, Source};
use super::readiness;
use super::Ctx;
use crate::decision::Proposal;
use crate::num::{ceil_u32, f, milli, Text};
use crate::policy::MetricTarget;

/// Proposal for a Resource, ContainerResource or Pods metric.
pub(super) fn propose(
    ctx: &Ctx<'_>,
    mut p: Proposal,
    src: Source<'_>,
    target: MetricTarget,
) -> Proposal {
    let amount = target.amount();
    if !(amount.is_finite() && amount > 0.0) {
        return p.failed(format!("target {amount} must be a positive number"));
    }
    p.target = Some(amount);
    let measure = match (target, src.resource) {
        (MetricTarget::Utilization(t), Some(_)) => Measure::Utilization(t),
        (MetricTarget::Utilization(_), None) => {
            return p.failed("Utilization needs a Resource metric")
        }
        _ => match milli(amount) {
            Some(m) if m > 0 => Measure::Average(m),
            _ => return p.failed(format!("target {amount} is too small")),
        },
    };
    let mut g = Groups::default();
    if let Err(e) = group(ctx, src, measure, &mut g) {
        return p.failed(e);
    }
    p.counts = g.counts;
    let c = g.counts;
    if c.initializing + c.never_ready + c.assumed > 0 {
        let mut note = String::with_capacity(160);
        readiness::note(
            &mut note,
            ctx.policy,
            (c.initializing, c.never_ready),
            (c.assumed, g.assumed),
            ctx.obs.ready_change_note.as_deref(),
        );
        p.readiness = note;
    }
    // Filled in place: a proposal is large, and this runs for every metric of every target.
    compute(ctx, &mut p, &g, measure);
    p
}

fn compute(ctx: &Ctx<'_>, p: &mut Proposal, g: &Groups, measure: Measure) {
    let current = ctx.current();
    let tol = ctx.policy.tolerance;
    let Some((ratio, value)) = measure.ratio(&g.ready) else {
        return p.fail("no ready instance reported a value (instances may be unready)");
    };
    p.value = Some(value);
    p.ratio = Some(ratio);
    let ready = g.ready;
    p.total = Some(f(ready.value) / 1000.0);
    p.capacity = match measure {
        Measure::Utilization(t) => (ready.n > 0 && ready.request > 0)
            .then(|| t / 100.0 * f(ready.request) / 1000.0 / f64::from(ready.n)),
        Measure::Average(m) => Some(f(m) / 1000.0),
    };
    if let Some(probe) = saturated(ctx, g, ratio) {
        if probe.0 > current {
            let mut note = String::with_capacity(128);
            note.s(" with the ready instances at ")
                .fixed(probe.1, 0)
                .s(" % of their CPU limit, so the load may be higher: saturation assumes ")
                .fixed(probe.2, 1)
                .s("× that");
            return settle(p, current, probe.0, Hold::No, &note);
        }
    }
    let with_unready = g.counts.unready > 0 && ratio > 1.0;
    if !with_unready && g.counts.missing == 0 {
        let demand = ceil_u32(ratio * f64::from(g.ready.n));
        let hold = if tol.contains(ratio) {
            Hold::Tolerance
        } else {
            Hold::No
        };
        return settle(p, current, demand, hold, "");
    }
    let mut sums = g.ready;
    if ratio < 1.0 {
        let m = g.missing_high;
        sums.add(m.value, m.request, m.n);
    } else if ratio > 1.0 {
        let m = g.missing_zero;
        sums.add(m.value, m.request, m.n);
    }
    if with_unready {
        let u = g.unready_zero;
        sums.add(u.value, u.request, u.n);
    }
    let Some((new_ratio, _)) = measure.ratio(&sums) else {
        return p.fail("no usable values after filling in missing instances");
    };
    p.ratio = Some(new_ratio);
    let demand = ceil_u32(new_ratio * f64::from(sums.n));
    let mut note = String::with_capacity(64);
    note.s(" after counting ")
        .n(g.counts.missing)
        .s(" missing and ")
        .n(g.counts.unready)
        .s(" unready conservatively");
    // HPA: the recomputation may not flip the direction, land within tolerance, or move the
    // count against the usage; any of these holds the current count.
    let flipped = (ratio < 1.0 && new_ratio > 1.0) || (ratio > 1.0 && new_ratio < 1.0);
    let wrong_way = (new_ratio < 1.0 && demand > current) || (new_ratio > 1.0 && demand < current);
    let hold = if flipped {
        Hold::Reverses
    } else if tol.contains(new_ratio) {
        Hold::Tolerance
    } else if wrong_way {
        Hold::WrongWay
    } else {
        Hold::No
    };
    settle(p, current, demand, hold, &note)
}

/// With a saturation rule, and the ready instances above the target and at their CPU limit:
/// the replicas `factor` times HPA's ratio asks of the ready instances, the percent of the
/// limit in use and the factor.
fn saturated(ctx: &Ctx<'_>, g: &Groups, ratio: f64) -> Option<(u32, f64, f64)> {
    let s = ctx.policy.saturation?;
    let used = g.limit_percent()?;
    if !(ratio > 1.0 && !ctx.policy.tolerance.contains(ratio) && used >= s.limit_percent) {
        return None;
    }
    let factor = s.factor.max(1.0);
    Some((
        ceil_u32(ratio * factor * f64::from(g.ready.n)),
        used,
        factor,
    ))
}

/// Why a proposal keeps the current count.
#[derive(Clone, Copy, PartialEq)]
enum Hold {
    No,
    Tolerance,
    /// Counting unready / missing instances reverses the direction the ready ones showed.
    Reverses,
    /// The recomputed count would move against the usage.
    WrongWay,
}

/// Fills in the proposal; a hold keeps the current count.
fn settle(p: &mut Proposal, current: u32, demand: u32, hold: Hold, note: &str) {
    p.demand = Some(demand);
    p.within_tolerance = hold != Hold::No;
    p.replicas = Some(if hold == Hold::No { demand } else { current });
    let mut d = String::with_capacity(96 + note.len());
    d.s("ratio ").fixed(p.ratio.unwrap_or(f64::NAN), 3).s(note);
    match hold {
        Hold::No => d.s(": ").n(demand).s(" replicas"),
        Hold::Tolerance => d.s(" is within tolerance: hold ").n(current),
        Hold::Reverses => d
            .s(" would reverse the direction the ready instances show: hold ")
            .n(current),
        Hold::WrongWay => d
            .s(" would move the count against the usage: hold ")
            .n(current),
    };
    p.detail = d;
}
