//! Proposals from per-instance values (HPA `GetResourceReplicas` and
//! `calcPlainMetricReplicas`): instances are grouped into ready, unready, missing and ignored;
//! missing ones count as 100 % (of `max(target, request)`) on a scale-down and 0 % on a
//! scale-up, unready ones as 0 % on a scale-up, and the recomputation may not flip the
//! direction. Sums are in milli-units with integer division, as Kubernetes does.

use chrono::Duration;

use super::Ctx;
use crate::decision::{Counts, Proposal};
use crate::num::{ceil_u32, f, milli, Text};
use crate::observation::{Instance, InstanceState};
use crate::policy::{MetricTarget, ResourceName};

/// Milli-unit sums over the instances that take part in a ratio.
#[derive(Clone, Copy, Default)]
struct Sums {
    value: i128,
    request: i128,
    n: u32,
}

impl Sums {
    fn add(&mut self, value: i128, request: i128, n: u32) {
        self.value = self.value.saturating_add(value);
        self.request = self.request.saturating_add(request);
        self.n = self.n.saturating_add(n);
    }
}

/// How the ratio is formed.
#[derive(Clone, Copy)]
enum Measure {
    /// Utilization percent of the request.
    Utilization(f64),
    /// Average value per instance, target in milli-units.
    Average(i128),
}

impl Measure {
    /// Usage ratio and the observed value in target units, or `None` if it cannot be formed.
    fn ratio(&self, s: &Sums) -> Option<(f64, f64)> {
        match *self {
            Measure::Utilization(target) => (s.request > 0).then(|| {
                let util = s.value.saturating_mul(100) / s.request;
                (f(util) / target, f(util))
            }),
            Measure::Average(target) => (s.n > 0).then(|| {
                let avg = s.value / i128::from(s.n);
                (f(avg) / f(target), f(avg) / 1000.0)
            }),
        }
    }
}

/// The grouped instances.
#[derive(Default)]
struct Groups {
    ready: Sums,
    /// Missing instances filled at the scale-down fallback value.
    missing_high: Sums,
    /// Missing instances filled at zero.
    missing_zero: Sums,
    /// Unready instances filled at zero.
    unready_zero: Sums,
    counts: Counts,
}

/// Proposal for a Resource or Pods metric.
pub(super) fn propose(
    ctx: &Ctx<'_>,
    mut p: Proposal,
    key: &str,
    resource: Option<ResourceName>,
    cpu: bool,
    target: MetricTarget,
) -> Proposal {
    let amount = target.amount();
    if !(amount.is_finite() && amount > 0.0) {
        return p.failed(format!("target {amount} must be a positive number"));
    }
    p.target = Some(amount);
    let measure = match (target, resource) {
        (MetricTarget::Utilization(t), Some(_)) => Measure::Utilization(t),
        (MetricTarget::Utilization(_), None) => {
            return p.failed("Utilization needs a Resource metric")
        }
        _ => match milli(amount) {
            Some(m) if m > 0 => Measure::Average(m),
            _ => return p.failed(format!("target {amount} is too small")),
        },
    };
    let g = match group(ctx, key, resource, cpu, measure) {
        Ok(g) => g,
        Err(e) => return p.failed(e),
    };
    p.counts = g.counts;
    compute(ctx, p, &g, measure)
}

fn group(
    ctx: &Ctx<'_>,
    key: &str,
    resource: Option<ResourceName>,
    cpu: bool,
    measure: Measure,
) -> Result<Groups, String> {
    if ctx.obs.instances.is_empty() {
        return Err("no instances to measure".into());
    }
    let warmup = Duration::seconds(i64::from(ctx.policy.warmup_secs));
    let mut g = Groups::default();
    for inst in &ctx.obs.instances {
        if inst.state == InstanceState::Failed {
            g.counts.ignored += 1;
            continue;
        }
        let request = match request_of(inst, resource) {
            Ok(r) => r,
            Err(()) => return Err(format!("instance {} has no {key} request", inst.id)),
        };
        if inst.state == InstanceState::Starting {
            g.counts.unready += 1;
            g.unready_zero.add(0, request, 1);
            continue;
        }
        let Some(value) = inst.metrics.get(key).copied().and_then(milli) else {
            g.counts.missing += 1;
            g.missing_zero.add(0, request, 1);
            g.missing_high
                .add(fallback_value(measure, request), request, 1);
            continue;
        };
        let warming = inst.state == InstanceState::Ready
            && warmup > Duration::zero()
            && inst.ready_since.is_some_and(|t| ctx.now - t < warmup);
        if (cpu && inst.state == InstanceState::NotReady) || warming {
            g.counts.unready += 1;
            g.counts.warming += u32::from(warming);
            g.unready_zero.add(0, request, 1);
            continue;
        }
        g.counts.ready += 1;
        g.ready.add(value, request, 1);
    }
    Ok(g)
}

/// Milli request for utilization; plain metrics need none.
fn request_of(inst: &Instance, resource: Option<ResourceName>) -> Result<i128, ()> {
    let raw = match resource {
        None => return Ok(0),
        Some(ResourceName::Cpu) => inst.requests.cpu,
        Some(ResourceName::Memory) => inst.requests.memory,
    };
    match raw.and_then(milli) {
        Some(r) => Ok(r),
        None => Err(()),
    }
}

/// Value a missing instance is assumed to have on a scale-down: the target for plain
/// metrics, `request × max(100, target) %` for utilization.
fn fallback_value(measure: Measure, request: i128) -> i128 {
    match measure {
        Measure::Average(target) => target,
        Measure::Utilization(t) => {
            let pct = t.clamp(100.0, 1e12) as i128;
            request.saturating_mul(pct) / 100
        }
    }
}

fn compute(ctx: &Ctx<'_>, mut p: Proposal, g: &Groups, measure: Measure) -> Proposal {
    let current = ctx.current();
    let tol = ctx.policy.tolerance;
    let Some((ratio, value)) = measure.ratio(&g.ready) else {
        return p.failed("no ready instance reported a value (instances may be unready)");
    };
    p.value = Some(value);
    p.ratio = Some(ratio);
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
        return p.failed("no usable values after filling in missing instances");
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
fn settle(mut p: Proposal, current: u32, demand: u32, hold: Hold, note: &str) -> Proposal {
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
    p
}
