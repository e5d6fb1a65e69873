//! The forecast's proposal: the replicas the predicted workload total needs at the policy's
//! target (the total divided by what one instance carries at the target, as the forecast
//! metric's own proposal measured it this evaluation).

use super::Ctx;
use crate::decision::{Proposal, ProposalKind};
use crate::forecast::ForecastReading;
use crate::num::{ceil_u32, Fixed};
use crate::policy::Forecast;

/// Name of the forecast's proposal.
pub const NAME: &str = "forecast";

/// The proposal of `fc` given the metric proposals made so far.
pub(super) fn propose(ctx: &Ctx<'_>, fc: &Forecast, made: &[Proposal]) -> Proposal {
    let mut p = Proposal::new(NAME, ProposalKind::Forecast);
    let metric = if fc.metric.is_empty() {
        made.iter().find(|m| m.kind != ProposalKind::Step)
    } else {
        made.iter()
            .find(|m| m.name == fc.metric && m.kind != ProposalKind::Step)
    };
    let Some(metric) = metric else {
        return p.failed(format!(
            "the forecast's metric {:?} is not a metric of this policy",
            fc.metric
        ));
    };
    let reading = match &ctx.obs.forecast {
        None => return p.failed("no forecast was computed for this evaluation"),
        Some(ForecastReading::Waiting(why)) => {
            p.detail = format!("{} forecast {why}", metric.name);
            return p;
        }
        Some(ForecastReading::Ready(r)) => r,
    };
    let Some(capacity) = metric.capacity.filter(|c| c.is_finite() && *c > 0.0) else {
        return p.failed(format!(
            "{} gave no per-instance target this evaluation{}",
            metric.name,
            metric
                .error
                .as_deref()
                .map(|e| format!(": {e}"))
                .unwrap_or_default()
        ));
    };
    if !(reading.value.is_finite() && reading.value >= 0.0) {
        return p.failed(format!(
            "the forecast value {} is not usable",
            reading.value
        ));
    }
    let current = ctx.current();
    let demand = ceil_u32(reading.value / capacity);
    // As HPA treats a metric: inside the tolerance around the current count, hold it.
    let ratio = reading.value / (capacity * f64::from(current.max(1)));
    p.within_tolerance = current > 0 && ctx.policy.tolerance.contains(ratio);
    let n = if p.within_tolerance { current } else { demand };
    p.value = Some(reading.value);
    p.target = Some(capacity);
    p.ratio = Some(ratio);
    p.demand = Some(demand);
    p.replicas = Some(n);
    let diff = if n > current {
        format!("{} more than now", n - current)
    } else if n < current {
        format!("{} fewer than now", current - n)
    } else {
        "as many as now".to_string()
    };
    let diff = if p.within_tolerance {
        format!("within tolerance of the {current} now")
    } else {
        diff
    };
    p.detail = format!(
        "{} forecast {} at {} (p{:.0}, {}) → {demand} instances at {} each, {diff}{}",
        metric.name,
        Fixed(reading.value, 3),
        reading.at.format("%H:%M:%S"),
        reading.quantile * 100.0,
        reading.kind.label(),
        Fixed(capacity, 3),
        if fc.scales() {
            ""
        } else {
            " (forecast only: not acted on)"
        }
    );
    p
}
