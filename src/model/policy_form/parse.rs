//! Form → [`Policy`]: every field read with the engine's default when empty; text that is not
//! a number (or not an option) becomes an error at the engine path of the field.

use chrono::{DateTime, NaiveDateTime, Utc};
use ebb_engine::{
    Activation, Adjustment, Behavior, Cooldown, Fallback, FallbackAction, Forecast, ForecastMode,
    Headroom, MetricSource, MetricSpec, MetricTarget, Pause, PauseDirection, Policy, RatePolicy,
    RatePolicyKind, ResourceName, Saturation, ScalingRules, Schedule, SelectPolicy, Step, StepRule,
    Tolerance, DEFAULT_SATURATION_LIMIT_PERCENT,
};

use super::{err, FormFields};
use crate::model::error::FieldError;

/// Reads fields, collecting errors.
struct Reader<'a> {
    f: &'a FormFields,
    errors: Vec<FieldError>,
}

impl Reader<'_> {
    fn text(&self, key: &str) -> String {
        self.f.get(key).to_string()
    }

    fn u32_or(&mut self, key: &str, path: &str, default: u32) -> u32 {
        self.opt_u32(key, path).unwrap_or(default)
    }

    fn opt_u32(&mut self, key: &str, path: &str) -> Option<u32> {
        let t = self.f.get(key);
        if t.is_empty() {
            return None;
        }
        match t.parse::<u32>() {
            Ok(v) => Some(v),
            Err(_) => {
                self.errors.push(err(
                    path,
                    format!("'{t}' is not a whole number of 0 or more"),
                ));
                None
            }
        }
    }

    fn f64_or(&mut self, key: &str, path: &str, default: f64) -> f64 {
        self.opt_f64(key, path).unwrap_or(default)
    }

    fn opt_f64(&mut self, key: &str, path: &str) -> Option<f64> {
        let t = self.f.get(key);
        if t.is_empty() {
            return None;
        }
        match t.parse::<f64>() {
            Ok(v) if v.is_finite() && (v == 0.0 || v.is_normal()) => Some(v),
            Ok(v) if v.is_finite() => {
                self.errors.push(err(
                    path,
                    format!(
                        "'{t}' is too close to zero to mean anything; use 0 or a larger number"
                    ),
                ));
                None
            }
            _ => {
                self.errors
                    .push(err(path, format!("'{t}' is not a number")));
                None
            }
        }
    }

    /// A required number: empty is an error too.
    fn need_f64(&mut self, key: &str, path: &str) -> f64 {
        if self.f.get(key).is_empty() {
            self.errors.push(err(path, "enter a value"));
            return 0.0;
        }
        self.f64_or(key, path, 0.0)
    }

    fn choice<T: Copy>(&mut self, key: &str, path: &str, options: &[(&str, T)], default: T) -> T {
        let t = self.f.get(key);
        if t.is_empty() {
            return default;
        }
        match options.iter().find(|(name, _)| *name == t) {
            Some((_, v)) => *v,
            None => {
                let names: Vec<&str> = options.iter().map(|(n, _)| *n).collect();
                self.errors.push(err(
                    path,
                    format!("'{t}' is not one of {}", names.join(", ")),
                ));
                default
            }
        }
    }
}

pub(super) fn parse(f: &FormFields) -> Result<Policy, Vec<FieldError>> {
    let mut r = Reader {
        f,
        errors: Vec::new(),
    };
    let d = Policy::default();
    let policy = Policy {
        min_replicas: r.u32_or("min_replicas", "min_replicas", d.min_replicas),
        max_replicas: r.u32_or("max_replicas", "max_replicas", d.max_replicas),
        metrics: f
            .rows("metrics")
            .into_iter()
            .map(|i| metric(&mut r, i))
            .collect(),
        tolerance: Tolerance {
            scale_up: r.f64_or(
                "tolerance[scale_up]",
                "tolerance.scale_up",
                d.tolerance.scale_up,
            ),
            scale_down: r.f64_or(
                "tolerance[scale_down]",
                "tolerance.scale_down",
                d.tolerance.scale_down,
            ),
        },
        behavior: behavior(&mut r),
        step_rules: f
            .rows("step_rules")
            .into_iter()
            .map(|i| step_rule(&mut r, i))
            .collect(),
        schedules: f
            .rows("schedules")
            .into_iter()
            .map(|i| schedule(&mut r, i))
            .collect(),
        cooldown: Cooldown {
            scale_up_secs: r.u32_or(
                "cooldown[scale_up_secs]",
                "cooldown.scale_up_secs",
                d.cooldown.scale_up_secs,
            ),
            scale_down_secs: r.u32_or(
                "cooldown[scale_down_secs]",
                "cooldown.scale_down_secs",
                d.cooldown.scale_down_secs,
            ),
        },
        warmup_secs: r.u32_or("warmup_secs", "warmup_secs", d.warmup_secs),
        cpu_initialization_period_secs: r.u32_or(
            "cpu_initialization_period_secs",
            "cpu_initialization_period_secs",
            d.cpu_initialization_period_secs,
        ),
        initial_readiness_delay_secs: r.u32_or(
            "initial_readiness_delay_secs",
            "initial_readiness_delay_secs",
            d.initial_readiness_delay_secs,
        ),
        fallback: fallback(&mut r),
        headroom: headroom(&mut r),
        saturation: saturation(&mut r),
        activation: activation(&mut r),
        pauses: f
            .rows("pauses")
            .into_iter()
            .map(|i| pause(&mut r, i))
            .collect(),
        forecast: forecast(&mut r),
    };
    if r.errors.is_empty() {
        Ok(policy)
    } else {
        Err(r.errors)
    }
}

fn metric(r: &mut Reader, i: usize) -> MetricSpec {
    let k = |n: &str| format!("metrics[{i}][{n}]");
    let p = format!("metrics[{i}]");
    let kinds = [
        ("resource", 0),
        ("pods", 1),
        ("object", 2),
        ("external", 3),
        ("container_resource", 4),
        ("prometheus", 5),
    ];
    let kind = r.choice(&k("source"), &format!("{p}.source"), &kinds, 0);
    let source = if kind == 0 || kind == 4 {
        let names = [("cpu", ResourceName::Cpu), ("memory", ResourceName::Memory)];
        let resource = r.choice(
            &k("resource"),
            &format!("{p}.source"),
            &names,
            ResourceName::Cpu,
        );
        if kind == 0 {
            MetricSource::Resource { resource }
        } else {
            let container = r.text(&k("container"));
            MetricSource::ContainerResource {
                resource,
                container,
            }
        }
    } else if kind == 5 {
        MetricSource::Prometheus {
            server: r.text(&k("server")),
            query: r.text(&k("query")),
            instance_label: r.text(&k("instance_label")),
            empty_as_zero: r.f.get(&k("empty")) == "zero",
        }
    } else {
        let metric = r.text(&k("metric"));
        match kind {
            1 => MetricSource::Pods { metric },
            2 => MetricSource::Object { metric },
            _ => MetricSource::External { metric },
        }
    };
    let types = [("utilization", 0), ("average_value", 1), ("value", 2)];
    let ty = r.choice(&k("target_type"), &format!("{p}.target"), &types, 0);
    let v = r.need_f64(&k("target_value"), &format!("{p}.target"));
    let target = match ty {
        0 => MetricTarget::Utilization(v),
        1 => MetricTarget::AverageValue(v),
        _ => MetricTarget::Value(v),
    };
    MetricSpec {
        name: r.text(&k("name")),
        source,
        target,
    }
}

fn behavior(r: &mut Reader) -> Option<Behavior> {
    if r.f.get("behavior[enabled]").is_empty() {
        return None;
    }
    Some(Behavior {
        scale_up: rules(r, "scale_up"),
        scale_down: rules(r, "scale_down"),
    })
}

fn rules(r: &mut Reader, dir: &str) -> ScalingRules {
    let k = format!("behavior[{dir}]");
    let p = format!("behavior.{dir}");
    let selects = [
        ("max", SelectPolicy::Max),
        ("min", SelectPolicy::Min),
        ("disabled", SelectPolicy::Disabled),
    ];
    let list = format!("{k}[policies]");
    let policies =
        r.f.rows(&list)
            .into_iter()
            .map(|j| {
                let rk = |n: &str| format!("{list}[{j}][{n}]");
                let rp = |n: &str| format!("{p}.policies[{j}].{n}");
                let kinds = [
                    ("instances", RatePolicyKind::Instances),
                    ("percent", RatePolicyKind::Percent),
                ];
                RatePolicy {
                    kind: r.choice(&rk("kind"), &rp("kind"), &kinds, RatePolicyKind::Percent),
                    value: r.u32_or(&rk("value"), &rp("value"), 0),
                    period_secs: r.u32_or(&rk("period_secs"), &rp("period_secs"), 15),
                }
            })
            .collect();
    ScalingRules {
        stabilization_window_secs: r.opt_u32(
            &format!("{k}[stabilization_window_secs]"),
            &format!("{p}.stabilization_window_secs"),
        ),
        select_policy: r.choice(
            &format!("{k}[select_policy]"),
            &format!("{p}.select_policy"),
            &selects,
            SelectPolicy::Max,
        ),
        policies,
    }
}

fn step_rule(r: &mut Reader, i: usize) -> StepRule {
    let k = format!("step_rules[{i}]");
    let p = format!("step_rules[{i}]");
    let list = format!("{k}[steps]");
    let steps =
        r.f.rows(&list)
            .into_iter()
            .map(|j| step(r, &format!("{list}[{j}]"), &format!("{p}.steps[{j}]")))
            .collect();
    StepRule {
        metric: r.text(&format!("{k}[metric]")),
        steps,
        min_adjustment_magnitude: r.opt_u32(
            &format!("{k}[min_adjustment_magnitude]"),
            &format!("{p}.min_adjustment_magnitude"),
        ),
    }
}

fn step(r: &mut Reader, k: &str, p: &str) -> Step {
    let types = [
        ("change_in_capacity", 0),
        ("percent_change_in_capacity", 1),
        ("exact_capacity", 2),
    ];
    let ty = r.choice(
        &format!("{k}[adjustment_type]"),
        &format!("{p}.adjustment"),
        &types,
        0,
    );
    let vk = format!("{k}[adjustment_value]");
    let vp = format!("{p}.adjustment");
    let text = r.f.get(&vk).to_string();
    if text.is_empty() && ty != 1 {
        r.errors.push(err(&vp, "enter a value"));
    }
    let adjustment = match ty {
        0 => match text.parse::<i32>() {
            Ok(n) => Adjustment::ChangeInCapacity(n),
            Err(_) if text.is_empty() => Adjustment::ChangeInCapacity(0),
            Err(_) => {
                r.errors.push(err(
                    &vp,
                    format!("'{text}' is not a whole number (negative removes instances)"),
                ));
                Adjustment::ChangeInCapacity(0)
            }
        },
        1 => Adjustment::PercentChangeInCapacity(r.need_f64(&vk, &vp)),
        _ => match text.parse::<u32>() {
            Ok(n) => Adjustment::ExactCapacity(n),
            Err(_) if text.is_empty() => Adjustment::ExactCapacity(0),
            Err(_) => {
                r.errors.push(err(
                    &vp,
                    format!("'{text}' is not a whole number of 0 or more"),
                ));
                Adjustment::ExactCapacity(0)
            }
        },
    };
    Step {
        lower: r.opt_f64(&format!("{k}[lower]"), &format!("{p}.lower")),
        upper: r.opt_f64(&format!("{k}[upper]"), &format!("{p}.upper")),
        adjustment,
    }
}

fn schedule(r: &mut Reader, i: usize) -> Schedule {
    let k = |n: &str| format!("schedules[{i}][{n}]");
    let p = |n: &str| format!("schedules[{i}].{n}");
    let tz = r.text(&k("timezone"));
    Schedule {
        name: r.text(&k("name")),
        cron: r.text(&k("cron")),
        timezone: if tz.is_empty() { "UTC".into() } else { tz },
        duration_secs: r.u32_or(&k("duration_secs"), &p("duration_secs"), 3600),
        min_replicas: r.opt_u32(&k("min_replicas"), &p("min_replicas")),
        max_replicas: r.opt_u32(&k("max_replicas"), &p("max_replicas")),
    }
}

fn fallback(r: &mut Reader) -> Fallback {
    let d = Fallback::default();
    let after = r.u32_or(
        "fallback[after_failures]",
        "fallback.after_failures",
        d.after_failures,
    );
    let action = match r.choice(
        "fallback[action]",
        "fallback.action",
        &[("hold", false), ("fixed", true)],
        false,
    ) {
        false => FallbackAction::Hold,
        true => match r.opt_u32("fallback[replicas]", "fallback.action") {
            Some(n) => FallbackAction::Fixed(n),
            None => {
                if r.f.get("fallback[replicas]").is_empty() {
                    r.errors
                        .push(err("fallback.action", "enter the fixed replica count"));
                }
                FallbackAction::Hold
            }
        },
    };
    Fallback {
        after_failures: after,
        action,
    }
}

fn headroom(r: &mut Reader) -> Option<Headroom> {
    match r.choice(
        "headroom[kind]",
        "headroom",
        &[("none", 0), ("percent", 1), ("instances", 2)],
        0,
    ) {
        1 => Some(Headroom::Percent(r.need_f64("headroom[value]", "headroom"))),
        2 => {
            let n = r.opt_u32("headroom[value]", "headroom");
            if n.is_none() && r.f.get("headroom[value]").is_empty() {
                r.errors
                    .push(err("headroom", "enter the number of spare instances"));
            }
            Some(Headroom::Instances(n.unwrap_or(0)))
        }
        _ => None,
    }
}

/// Saturation: on when a factor is entered; the limit percent defaults to 95.
fn saturation(r: &mut Reader) -> Option<Saturation> {
    let factor = r.opt_f64("saturation[factor]", "saturation.factor");
    let limit_percent = r.opt_f64("saturation[limit_percent]", "saturation.limit_percent");
    let Some(factor) = factor else {
        if r.f.get("saturation[factor]").is_empty() && limit_percent.is_some() {
            r.errors.push(err(
                "saturation.factor",
                "enter a factor to turn saturation on, or clear the limit percent",
            ));
        }
        return None;
    };
    Some(Saturation {
        factor,
        limit_percent: limit_percent.unwrap_or(DEFAULT_SATURATION_LIMIT_PERCENT),
    })
}

fn activation(r: &mut Reader) -> Option<Activation> {
    let metric = r.text("activation[metric]");
    if metric.is_empty() && r.f.get("activation[threshold]").is_empty() {
        return None;
    }
    let threshold = r.f64_or("activation[threshold]", "activation.threshold", 0.0);
    Some(Activation { metric, threshold })
}

/// The forecast section; absent (no `forecast[mode]`) or off with every field empty is `None`.
fn forecast(r: &mut Reader) -> Option<Forecast> {
    let modes = [
        ("off", ForecastMode::Off),
        ("forecast_only", ForecastMode::ForecastOnly),
        ("forecast_and_scale", ForecastMode::ForecastAndScale),
    ];
    if r.f.get("forecast[mode]").is_empty() {
        return None;
    }
    let d = Forecast::default();
    let f = Forecast {
        mode: r.choice("forecast[mode]", "forecast.mode", &modes, ForecastMode::Off),
        metric: r.text("forecast[metric]"),
        quantile: r.f64_or("forecast[quantile]", "forecast.quantile", d.quantile),
        lead_secs: r.opt_u32("forecast[lead_secs]", "forecast.lead_secs"),
        min_history_hours: r.u32_or(
            "forecast[min_history_hours]",
            "forecast.min_history_hours",
            d.min_history_hours,
        ),
        scale_down_window_secs: r.opt_u32(
            "forecast[scale_down_window_secs]",
            "forecast.scale_down_window_secs",
        ),
    };
    (f != d).then_some(f)
}

fn pause(r: &mut Reader, i: usize) -> Pause {
    let k = |n: &str| format!("pauses[{i}][{n}]");
    let dirs = [
        ("scale_in", PauseDirection::ScaleIn),
        ("scale_out", PauseDirection::ScaleOut),
        ("both", PauseDirection::Both),
    ];
    let direction = r.choice(
        &k("direction"),
        &format!("pauses[{i}].direction"),
        &dirs,
        PauseDirection::Both,
    );
    let text = r.text(&k("until"));
    let until = match parse_until(&text) {
        Some(t) => t,
        None => {
            let msg = if text.is_empty() {
                "enter when the pause ends (UTC)".to_string()
            } else {
                format!("'{text}' is not a time like 2026-01-31T18:00 (UTC)")
            };
            r.errors.push(err(format!("pauses[{i}].until"), msg));
            DateTime::<Utc>::MIN_UTC
        }
    };
    Pause {
        direction,
        until,
        reason: r.text(&k("reason")),
    }
}

/// RFC 3339, or the `datetime-local` form `YYYY-MM-DDTHH:MM[:SS]` read as UTC.
pub(super) fn parse_until(text: &str) -> Option<DateTime<Utc>> {
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Some(t.with_timezone(&Utc));
    }
    ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(text, f).ok())
        .map(|n| n.and_utc())
}
