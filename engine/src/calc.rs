//! Per-signal replica proposals (HPA's replica calculator, AWS step rules): one
//! [`Proposal`] per metric and per step rule, and the forecast's, each with its inputs or an
//! error.

mod forecast;
mod group;
mod per_instance;
mod readiness;
mod requests;
mod step;
mod total;

use chrono::{DateTime, Utc};

use crate::decision::{Proposal, ProposalKind};
use crate::observation::Observation;
use crate::policy::{MetricSource, MetricSpec, MetricTarget, Policy, ResourceName};
use group::Source;

pub(crate) use step::{adjust, lookup_value};

/// Name of the forecast's proposal (no metric may take it).
pub(crate) use forecast::NAME as FORECAST_NAME;

/// Shared inputs of every calculation.
pub(crate) struct Ctx<'a> {
    pub policy: &'a Policy,
    pub obs: &'a Observation,
    pub now: DateTime<Utc>,
}

impl Ctx<'_> {
    pub fn current(&self) -> u32 {
        self.obs.current_replicas
    }
}

/// All proposals: metrics in policy order, then step rules.
pub(crate) fn propose(ctx: &Ctx<'_>) -> Vec<Proposal> {
    let mut out: Vec<Proposal> = ctx.policy.metrics.iter().map(|m| metric(ctx, m)).collect();
    for rule in &ctx.policy.step_rules {
        let p = step::propose(ctx, rule, &out);
        out.push(p);
    }
    if let Some(fc) = ctx.policy.forecast.as_ref().filter(|f| f.computed()) {
        let p = forecast::propose(ctx, fc, &out);
        out.push(p);
    }
    out
}

fn metric(ctx: &Ctx<'_>, spec: &MetricSpec) -> Proposal {
    match &spec.source {
        MetricSource::Resource { resource } => resource_metric(ctx, spec, *resource, None),
        MetricSource::ContainerResource {
            resource,
            container,
        } => resource_metric(ctx, spec, *resource, Some(container)),
        MetricSource::Pods { metric } => {
            let p = Proposal::new(&spec.name, ProposalKind::Pods);
            let src = Source {
                key: metric,
                resource: None,
                container: None,
            };
            match spec.target {
                MetricTarget::AverageValue(_) => per_instance::propose(ctx, p, src, spec.target),
                _ => p.failed("a Pods metric needs an AverageValue target"),
            }
        }
        MetricSource::Object { metric } => total::propose(
            ctx,
            Proposal::new(&spec.name, ProposalKind::Object),
            metric,
            spec.target,
        ),
        MetricSource::External { metric } => total::propose(
            ctx,
            Proposal::new(&spec.name, ProposalKind::External),
            metric,
            spec.target,
        ),
        // The caller puts a query's result under the metric's own name.
        MetricSource::Prometheus { instance_label, .. } if !instance_label.is_empty() => {
            let p = Proposal::new(&spec.name, ProposalKind::Prometheus);
            let src = Source {
                key: &spec.name,
                resource: None,
                container: None,
            };
            match spec.target {
                MetricTarget::AverageValue(_) => per_instance::propose(ctx, p, src, spec.target),
                _ => p.failed("a per-instance Prometheus query needs an AverageValue target"),
            }
        }
        MetricSource::Prometheus { .. } => total::propose(
            ctx,
            Proposal::new(&spec.name, ProposalKind::Prometheus),
            &spec.name,
            spec.target,
        ),
    }
}

/// A Resource metric, or a ContainerResource metric on `container`.
fn resource_metric(
    ctx: &Ctx<'_>,
    spec: &MetricSpec,
    resource: ResourceName,
    container: Option<&str>,
) -> Proposal {
    let p = Proposal::new(&spec.name, ProposalKind::Resource);
    if let MetricTarget::Value(_) = spec.target {
        return p.failed("a Resource metric needs a Utilization or AverageValue target");
    }
    let src = Source {
        key: resource.key(),
        resource: Some(resource),
        container,
    };
    per_instance::propose(ctx, p, src, spec.target)
}
