//! Field-by-field validation of each policy section.

use std::collections::BTreeSet;

use super::{finite, too_many, Errors};
use crate::num::MAX_REPLICAS;
use crate::policy::{
    Adjustment, FallbackAction, Headroom, MetricSource, MetricTarget, Policy, ResourceName,
    ScalingRules,
};
use crate::schedule::{parse_cron, parse_timezone};

/// HPA's limit on stabilization windows.
const MAX_WINDOW_SECS: u32 = 3600;
/// HPA's limit on rate policy periods.
const MAX_PERIOD_SECS: u32 = 1800;

pub(super) fn metrics(p: &Policy, e: &mut Errors) {
    let mut seen = BTreeSet::new();
    for (i, m) in p.metrics.iter().enumerate() {
        let path = format!("metrics[{i}]");
        if m.name.trim().is_empty() {
            e.push(format!("{path}.name"), "give the metric a name");
        } else if !seen.insert(m.name.as_str()) {
            e.push(
                format!("{path}.name"),
                format!(
                    "metric name {:?} is used twice; names must be unique",
                    m.name
                ),
            );
        }
        let source_ok = match &m.source {
            MetricSource::Resource { .. } => true,
            MetricSource::ContainerResource { container, .. } => {
                if container.trim().is_empty() {
                    e.push(
                        format!("{path}.source.container"),
                        "name the container whose usage to read",
                    );
                }
                true
            }
            MetricSource::Pods { metric }
            | MetricSource::Object { metric }
            | MetricSource::External { metric } => !metric.trim().is_empty(),
            MetricSource::Prometheus {
                server,
                query,
                instance_label,
                ..
            } => {
                prometheus(e, &path, server, query, instance_label);
                true
            }
        };
        if !source_ok {
            e.push(format!("{path}.source.metric"), "name the metric to read");
        }
        let per_instance_prometheus = matches!(
            &m.source,
            MetricSource::Prometheus { instance_label, .. } if !instance_label.is_empty()
        );
        let kind_ok = match (&m.source, m.target) {
            (
                MetricSource::Resource { .. } | MetricSource::ContainerResource { .. },
                MetricTarget::Utilization(_) | MetricTarget::AverageValue(_),
            ) => true,
            (MetricSource::Pods { .. }, MetricTarget::AverageValue(_)) => true,
            (_, MetricTarget::AverageValue(_)) if per_instance_prometheus => true,
            (source, MetricTarget::Value(_) | MetricTarget::AverageValue(_)) => source.is_total(),
            _ => false,
        };
        if !kind_ok {
            e.push(
                format!("{path}.target"),
                "Resource and ContainerResource take Utilization or AverageValue, Pods and per-instance Prometheus queries take AverageValue, Object, External and total Prometheus queries take Value or AverageValue",
            );
        }
        let t = m.target.amount();
        if !(finite(t) && t > 0.0) {
            e.push(
                format!("{path}.target"),
                format!("target {t} must be a positive number"),
            );
        }
    }
}

pub(super) fn tolerance(p: &Policy, e: &mut Errors) {
    let t = p.tolerance;
    if !(finite(t.scale_up) && t.scale_up >= 0.0) {
        e.push(
            "tolerance.scale_up",
            format!(
                "tolerance {} must be a number of at least 0 (e.g. 0.1)",
                t.scale_up
            ),
        );
    }
    if !(finite(t.scale_down) && (0.0..1.0).contains(&t.scale_down)) {
        e.push(
            "tolerance.scale_down",
            format!(
                "tolerance {} must be at least 0 and below 1 (e.g. 0.1)",
                t.scale_down
            ),
        );
    }
}

pub(super) fn behavior(p: &Policy, e: &mut Errors) {
    let Some(b) = &p.behavior else { return };
    rules(&b.scale_up, "behavior.scale_up", e);
    rules(&b.scale_down, "behavior.scale_down", e);
}

fn rules(r: &ScalingRules, path: &str, e: &mut Errors) {
    if let Some(w) = r.stabilization_window_secs.filter(|w| *w > MAX_WINDOW_SECS) {
        e.push(
            format!("{path}.stabilization_window_secs"),
            format!("window {w}s is longer than {MAX_WINDOW_SECS}s; shorten it"),
        );
    }
    for (i, pol) in r.policies.iter().enumerate() {
        let pp = format!("{path}.policies[{i}]");
        if pol.value == 0 {
            e.push(
                format!("{pp}.value"),
                "value must be at least 1 (use select_policy disabled to stop scaling)",
            );
        }
        if pol.period_secs == 0 || pol.period_secs > MAX_PERIOD_SECS {
            e.push(
                format!("{pp}.period_secs"),
                format!(
                    "period {}s must be between 1 and {MAX_PERIOD_SECS}s",
                    pol.period_secs
                ),
            );
        }
    }
}

pub(super) fn step_rules(p: &Policy, e: &mut Errors) {
    for (i, r) in p.step_rules.iter().enumerate() {
        let path = format!("step_rules[{i}]");
        if r.metric.trim().is_empty() {
            e.push(format!("{path}.metric"), "name the metric the steps read");
        }
        if r.steps.is_empty() {
            e.push(format!("{path}.steps"), "add at least one step");
        }
        for (j, s) in r.steps.iter().enumerate() {
            let sp = format!("{path}.steps[{j}]");
            for (name, b) in [("lower", s.lower), ("upper", s.upper)] {
                if b.is_some_and(|v| !finite(v)) {
                    e.push(
                        format!("{sp}.{name}"),
                        "bound must be a finite number or left open",
                    );
                }
            }
            if let (Some(l), Some(u)) = (s.lower, s.upper) {
                if l >= u {
                    e.push(
                        format!("{sp}.upper"),
                        format!("upper {u} must be greater than lower {l}"),
                    );
                }
            }
            if let Adjustment::PercentChangeInCapacity(x) = s.adjustment {
                if !finite(x) || x < -100.0 {
                    e.push(
                        format!("{sp}.adjustment"),
                        format!("percent {x} must be a number of at least -100"),
                    );
                }
            }
        }
    }
}

pub(super) fn schedules(p: &Policy, e: &mut Errors) {
    for (i, s) in p.schedules.iter().enumerate() {
        let path = format!("schedules[{i}]");
        if s.name.trim().is_empty() {
            e.push(format!("{path}.name"), "give the schedule a name");
        }
        if let Err(m) = parse_cron(&s.cron) {
            e.push(
                format!("{path}.cron"),
                format!("{m}; use five fields: minute hour day-of-month month day-of-week"),
            );
        }
        if let Err(m) = parse_timezone(&s.timezone) {
            e.push(format!("{path}.timezone"), m);
        }
        if s.duration_secs == 0 {
            e.push(
                format!("{path}.duration_secs"),
                "duration must be at least 1 second",
            );
        }
        if s.min_replicas.is_none() && s.max_replicas.is_none() {
            e.push(path.clone(), "set min_replicas, max_replicas or both");
        }
        if let (Some(lo), Some(hi)) = (s.min_replicas, s.max_replicas) {
            if lo > hi {
                e.push(
                    format!("{path}.min_replicas"),
                    format!("min_replicas {lo} is greater than max_replicas {hi}"),
                );
            }
        }
        if s.min_replicas == Some(0) && p.activation.is_none() {
            e.push(
                format!("{path}.min_replicas"),
                "min_replicas 0 needs an activation threshold",
            );
        }
        if s.max_replicas == Some(0) {
            e.push(
                format!("{path}.max_replicas"),
                "max_replicas must be at least 1",
            );
        }
        for (name, v) in [
            ("min_replicas", s.min_replicas),
            ("max_replicas", s.max_replicas),
        ] {
            if let Some(n) = v.filter(|n| *n > MAX_REPLICAS) {
                e.push(format!("{path}.{name}"), too_many(name, n));
            }
        }
    }
}

pub(super) fn extras(p: &Policy, e: &mut Errors) {
    if p.fallback.after_failures == 0 {
        e.push(
            "fallback.after_failures",
            "after_failures must be at least 1",
        );
    }
    if let FallbackAction::Fixed(n) = p.fallback.action {
        if n < p.min_replicas || n > p.max_replicas {
            e.push(
                "fallback.action",
                format!(
                    "fixed fallback {n} must lie between min_replicas {} and max_replicas {}",
                    p.min_replicas, p.max_replicas
                ),
            );
        }
    }
    if let Some(Headroom::Percent(x)) = p.headroom {
        if !(finite(x) && (0.0..=1000.0).contains(&x)) {
            e.push(
                "headroom",
                format!("headroom {x}% must be between 0 and 1000"),
            );
        }
    }
    if let Some(s) = &p.saturation {
        if !(finite(s.factor) && (1.0..=100.0).contains(&s.factor)) {
            e.push(
                "saturation.factor",
                format!(
                    "saturation factor {} must be between 1 and 100 (1 adds nothing; leave it empty to turn saturation off)",
                    s.factor
                ),
            );
        }
        if !(finite(s.limit_percent) && s.limit_percent > 0.0 && s.limit_percent <= 100.0) {
            e.push(
                "saturation.limit_percent",
                format!(
                    "saturation limit percent {} must be above 0 and at most 100 (of the CPU limit)",
                    s.limit_percent
                ),
            );
        }
        let cpu = p.metrics.iter().any(|m| {
            matches!(
                m.source,
                MetricSource::Resource {
                    resource: ResourceName::Cpu
                } | MetricSource::ContainerResource {
                    resource: ResourceName::Cpu,
                    ..
                }
            )
        });
        if !cpu {
            e.push(
                "saturation",
                "saturation reads the CPU limit: add a CPU Resource or ContainerResource metric, or turn saturation off",
            );
        }
    }
    if let Some(a) = &p.activation {
        if a.metric.trim().is_empty() {
            e.push(
                "activation.metric",
                "name the metric that activates the target",
            );
        }
        if !finite(a.threshold) {
            e.push("activation.threshold", "threshold must be a finite number");
        }
    }
}

/// Most characters of a PromQL query in a policy.
pub const MAX_QUERY: usize = 4000;

/// Checks a Prometheus source: a server name, a query of sensible size, and an instance label
/// that is a Prometheus label name.
fn prometheus(e: &mut Errors, path: &str, server: &str, query: &str, instance_label: &str) {
    if server.trim().is_empty() {
        e.push(
            format!("{path}.source.server"),
            "choose the Prometheus server to ask",
        );
    }
    if query.trim().is_empty() {
        e.push(
            format!("{path}.source.query"),
            "write the PromQL query whose value to scale on",
        );
    } else if query.chars().count() > MAX_QUERY {
        e.push(
            format!("{path}.source.query"),
            format!("a query has at most {MAX_QUERY} characters"),
        );
    }
    let label_ok = instance_label.is_empty()
        || (instance_label
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_')
            && !instance_label.starts_with(|c: char| c.is_ascii_digit())
            && instance_label.len() <= 100);
    if !label_ok {
        e.push(
            format!("{path}.source.instance_label"),
            "a label name is letters, digits and _, not starting with a digit (e.g. pod)",
        );
    }
}
