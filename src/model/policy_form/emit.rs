//! [`Policy`] → form: every field written out, so the editor shows the stored values and a
//! round trip through the form gives the same policy back.

use chrono::SecondsFormat;
use ebb_engine::{
    Adjustment, FallbackAction, Headroom, MetricSource, MetricTarget, PauseDirection, Policy,
    RatePolicyKind, ResourceName, ScalingRules, SelectPolicy,
};

use super::FormFields;

pub(super) fn emit(p: &Policy) -> FormFields {
    let mut f = FormFields::default();
    f.set("min_replicas", p.min_replicas.to_string());
    f.set("max_replicas", p.max_replicas.to_string());
    for (i, m) in p.metrics.iter().enumerate() {
        let k = |n: &str| format!("metrics[{i}][{n}]");
        f.set(k("name"), m.name.clone());
        let (source, metric) = match &m.source {
            MetricSource::Resource { resource } => {
                f.set(k("resource"), resource_name(*resource));
                ("resource", String::new())
            }
            MetricSource::ContainerResource {
                resource,
                container,
            } => {
                f.set(k("resource"), resource_name(*resource));
                f.set(k("container"), container.clone());
                ("container_resource", String::new())
            }
            MetricSource::Pods { metric } => ("pods", metric.clone()),
            MetricSource::Object { metric } => ("object", metric.clone()),
            MetricSource::External { metric } => ("external", metric.clone()),
            MetricSource::Prometheus {
                server,
                query,
                instance_label,
                empty_as_zero,
            } => {
                f.set(k("server"), server.clone());
                f.set(k("query"), query.clone());
                f.set(k("instance_label"), instance_label.clone());
                f.set(k("empty"), if *empty_as_zero { "zero" } else { "missing" });
                ("prometheus", String::new())
            }
        };
        f.set(k("source"), source);
        f.set(k("metric"), metric);
        let (ty, v) = match m.target {
            MetricTarget::Utilization(v) => ("utilization", v),
            MetricTarget::AverageValue(v) => ("average_value", v),
            MetricTarget::Value(v) => ("value", v),
        };
        f.set(k("target_type"), ty);
        f.set(k("target_value"), num(v));
    }
    f.set("tolerance[scale_up]", num(p.tolerance.scale_up));
    f.set("tolerance[scale_down]", num(p.tolerance.scale_down));
    if let Some(b) = &p.behavior {
        f.set("behavior[enabled]", "on");
        rules(&mut f, "scale_up", &b.scale_up);
        rules(&mut f, "scale_down", &b.scale_down);
    }
    for (i, r) in p.step_rules.iter().enumerate() {
        let k = format!("step_rules[{i}]");
        f.set(format!("{k}[metric]"), r.metric.clone());
        f.set(
            format!("{k}[min_adjustment_magnitude]"),
            opt(r.min_adjustment_magnitude),
        );
        for (j, s) in r.steps.iter().enumerate() {
            let sk = |n: &str| format!("{k}[steps][{j}][{n}]");
            f.set(sk("lower"), s.lower.map(num).unwrap_or_default());
            f.set(sk("upper"), s.upper.map(num).unwrap_or_default());
            let (ty, v) = match s.adjustment {
                Adjustment::ChangeInCapacity(n) => ("change_in_capacity", n.to_string()),
                Adjustment::PercentChangeInCapacity(x) => ("percent_change_in_capacity", num(x)),
                Adjustment::ExactCapacity(n) => ("exact_capacity", n.to_string()),
            };
            f.set(sk("adjustment_type"), ty);
            f.set(sk("adjustment_value"), v);
        }
    }
    for (i, s) in p.schedules.iter().enumerate() {
        let k = |n: &str| format!("schedules[{i}][{n}]");
        f.set(k("name"), s.name.clone());
        f.set(k("cron"), s.cron.clone());
        f.set(k("timezone"), s.timezone.clone());
        f.set(k("duration_secs"), s.duration_secs.to_string());
        f.set(k("min_replicas"), opt(s.min_replicas));
        f.set(k("max_replicas"), opt(s.max_replicas));
    }
    f.set(
        "cooldown[scale_up_secs]",
        p.cooldown.scale_up_secs.to_string(),
    );
    f.set(
        "cooldown[scale_down_secs]",
        p.cooldown.scale_down_secs.to_string(),
    );
    f.set("warmup_secs", p.warmup_secs.to_string());
    f.set(
        "cpu_initialization_period_secs",
        p.cpu_initialization_period_secs.to_string(),
    );
    f.set(
        "initial_readiness_delay_secs",
        p.initial_readiness_delay_secs.to_string(),
    );
    f.set(
        "fallback[after_failures]",
        p.fallback.after_failures.to_string(),
    );
    match p.fallback.action {
        FallbackAction::Hold => f.set("fallback[action]", "hold"),
        FallbackAction::Fixed(n) => {
            f.set("fallback[action]", "fixed");
            f.set("fallback[replicas]", n.to_string());
        }
    }
    match p.headroom {
        None => f.set("headroom[kind]", "none"),
        Some(Headroom::Percent(x)) => {
            f.set("headroom[kind]", "percent");
            f.set("headroom[value]", num(x));
        }
        Some(Headroom::Instances(n)) => {
            f.set("headroom[kind]", "instances");
            f.set("headroom[value]", n.to_string());
        }
    }
    if let Some(s) = &p.saturation {
        f.set("saturation[factor]", num(s.factor));
        f.set("saturation[limit_percent]", num(s.limit_percent));
    }
    if let Some(a) = &p.activation {
        f.set("activation[metric]", a.metric.clone());
        f.set("activation[threshold]", num(a.threshold));
    }
    if let Some(fc) = &p.forecast {
        f.set("forecast[mode]", fc.mode.code());
        f.set("forecast[metric]", fc.metric.clone());
        f.set("forecast[quantile]", num(fc.quantile));
        f.set("forecast[lead_secs]", opt(fc.lead_secs));
        f.set(
            "forecast[min_history_hours]",
            fc.min_history_hours.to_string(),
        );
        f.set(
            "forecast[scale_down_window_secs]",
            opt(fc.scale_down_window_secs),
        );
    }
    for (i, pause) in p.pauses.iter().enumerate() {
        let k = |n: &str| format!("pauses[{i}][{n}]");
        let dir = match pause.direction {
            PauseDirection::ScaleIn => "scale_in",
            PauseDirection::ScaleOut => "scale_out",
            PauseDirection::Both => "both",
        };
        f.set(k("direction"), dir);
        f.set(
            k("until"),
            pause.until.to_rfc3339_opts(SecondsFormat::Secs, true),
        );
        f.set(k("reason"), pause.reason.clone());
    }
    f
}

fn rules(f: &mut FormFields, dir: &str, r: &ScalingRules) {
    let k = format!("behavior[{dir}]");
    f.set(
        format!("{k}[stabilization_window_secs]"),
        opt(r.stabilization_window_secs),
    );
    let select = match r.select_policy {
        SelectPolicy::Max => "max",
        SelectPolicy::Min => "min",
        SelectPolicy::Disabled => "disabled",
    };
    f.set(format!("{k}[select_policy]"), select);
    for (j, pol) in r.policies.iter().enumerate() {
        let pk = |n: &str| format!("{k}[policies][{j}][{n}]");
        let kind = match pol.kind {
            RatePolicyKind::Instances => "instances",
            RatePolicyKind::Percent => "percent",
        };
        f.set(pk("kind"), kind);
        f.set(pk("value"), pol.value.to_string());
        f.set(pk("period_secs"), pol.period_secs.to_string());
    }
}

fn resource_name(r: ResourceName) -> &'static str {
    match r {
        ResourceName::Cpu => "cpu",
        ResourceName::Memory => "memory",
    }
}

fn opt(v: Option<u32>) -> String {
    v.map(|v| v.to_string()).unwrap_or_default()
}

/// Shortest text that parses back to the same number.
pub(crate) fn num(x: f64) -> String {
    format!("{x}")
}
