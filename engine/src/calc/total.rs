//! Proposals from one total value (HPA Object and External metrics): a `Value` target is
//! spread over the ready instances (`getUsageRatioReplicaCount`, and `ceil(ratio)` from zero),
//! an `AverageValue` target divides the total by the target per instance.

use chrono::Duration;

use super::Ctx;
use crate::decision::Proposal;
use crate::num::{ceil_u32, count, f, milli, Fixed};
use crate::observation::InstanceState;
use crate::policy::MetricTarget;

/// Proposal for an Object or External metric read from `Observation::external[key]`.
pub(super) fn propose(ctx: &Ctx<'_>, mut p: Proposal, key: &str, target: MetricTarget) -> Proposal {
    let amount = target.amount();
    let Some(target_m) = milli(amount).filter(|m| *m > 0) else {
        return p.failed(format!("target {amount} must be a positive number"));
    };
    p.target = Some(amount);
    let Some(raw) = ctx.obs.external.get(key).copied() else {
        return p.failed(format!("metric {key} is missing"));
    };
    let Some(usage) = milli(raw) else {
        return p.failed(format!("metric {key} has an unusable value {raw}"));
    };
    p.value = Some(raw);
    match target {
        MetricTarget::Value(_) => by_value(ctx, p, usage, target_m),
        MetricTarget::AverageValue(_) => by_average(ctx, p, usage, target_m),
        MetricTarget::Utilization(_) => {
            p.failed("Utilization targets apply to Resource metrics only")
        }
    }
}

fn by_value(ctx: &Ctx<'_>, mut p: Proposal, usage: i128, target: i128) -> Proposal {
    let current = ctx.current();
    let ratio = f(usage) / f(target);
    p.ratio = Some(ratio);
    if current == 0 {
        let demand = ceil_u32(ratio);
        p.demand = Some(demand);
        p.replicas = Some(demand);
        p.detail = format!("ratio {} from zero: {demand} replicas", Fixed(ratio, 3));
        return p;
    }
    let ready = ready_instances(ctx);
    p.counts.ready = ready;
    if ready == 0 {
        return p.failed("no ready instance to spread the value over");
    }
    let demand = ceil_u32(ratio * f64::from(ready));
    p.demand = Some(demand);
    if ctx.policy.tolerance.contains(ratio) {
        p.within_tolerance = true;
        p.replicas = Some(current);
        p.detail = format!(
            "ratio {} is within tolerance: hold {current}",
            Fixed(ratio, 3)
        );
    } else {
        p.replicas = Some(demand);
        p.detail = format!(
            "ratio {} over {ready} ready: {demand} replicas",
            Fixed(ratio, 3)
        );
    }
    p
}

fn by_average(ctx: &Ctx<'_>, mut p: Proposal, usage: i128, target: i128) -> Proposal {
    let status = count(
        ctx.obs
            .instances
            .iter()
            .filter(|i| !matches!(i.state, InstanceState::Failed | InstanceState::Terminating))
            .count(),
    );
    let ratio = f(usage) / (f(target) * f64::from(status));
    let demand = ceil_u32(f(usage) / f(target));
    p.total = Some(f(usage) / 1000.0);
    p.capacity = Some(f(target) / 1000.0);
    p.ratio = Some(ratio);
    p.demand = Some(demand);
    p.counts.ready = status;
    if ctx.policy.tolerance.contains(ratio) {
        p.within_tolerance = true;
        p.replicas = Some(status);
        p.detail = format!(
            "ratio {} over {status} instances is within tolerance: {status} replicas",
            Fixed(ratio, 3)
        );
    } else {
        p.replicas = Some(demand);
        p.detail = format!("total / target per instance: {demand} replicas");
    }
    p
}

/// Ready instances past their warm-up (HPA counts Running and Ready pods).
fn ready_instances(ctx: &Ctx<'_>) -> u32 {
    let warmup = Duration::seconds(i64::from(ctx.policy.warmup_secs));
    let n = ctx
        .obs
        .instances
        .iter()
        .filter(|i| i.state == InstanceState::Ready)
        .filter(|i| {
            warmup <= Duration::zero() || i.ready_since.is_none_or(|t| ctx.now - t >= warmup)
        })
        .count();
    count(n)
}
