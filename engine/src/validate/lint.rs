//! Lints: policies that are legal but likely to misbehave — a scale-down window shorter than
//! the warm-up, step bands that overlap or leave gaps, thresholds so close that one instance
//! more flips the decision back (flapping), min equal to max, and overlapping schedules.

use chrono::{DateTime, Duration, TimeZone, Utc};

use super::Lint;
use crate::normalize::{window_secs, LEGACY_DOWNSCALE_WINDOW_SECS};
use crate::policy::{Adjustment, MetricSource, MetricTarget, Policy, Step, StepRule};
use crate::schedule::{next_start, window_at};

/// Most schedule starts examined per schedule when looking for overlaps.
const MAX_STARTS: usize = 200;

/// Every lint of `policy`. Never panics.
pub fn lint(policy: &Policy) -> Vec<Lint> {
    let mut out = Vec::new();
    let mut push = |path: String, message: String| out.push(Lint { path, message });
    let down_window = match &policy.behavior {
        None => LEGACY_DOWNSCALE_WINDOW_SECS,
        Some(b) => window_secs(&b.scale_down, false),
    };
    if down_window < policy.warmup_secs {
        push(
            "behavior.scale_down.stabilization_window_secs".into(),
            format!(
                "scale-down window {down_window}s is shorter than the warm-up {}s: new instances may be removed before they count; lengthen the window",
                policy.warmup_secs
            ),
        );
    }
    if policy.min_replicas == policy.max_replicas {
        push(
            "max_replicas".into(),
            format!(
                "min_replicas equals max_replicas ({}): the policy can never scale",
                policy.max_replicas
            ),
        );
    }
    let t = policy.tolerance;
    if t.scale_up + t.scale_down < 0.02 {
        push(
            "tolerance".into(),
            "tolerance below 1% each way reacts to noise and flaps; keep about 0.1".into(),
        );
    }
    for (path, message) in implausible(policy) {
        push(path, message);
    }
    for (i, rule) in policy.step_rules.iter().enumerate() {
        for (path, message) in bands(rule, i).into_iter().chain(flapping(policy, rule, i)) {
            push(path, message);
        }
    }
    for (path, message) in overlapping_schedules(policy) {
        push(path, message);
    }
    out
}

/// Values that are legal but almost surely a typo: a tolerance that means "never scale up", a
/// utilization target no workload reaches or one that keeps every instance idle, and targets
/// far outside any unit a metric is counted in.
fn implausible(policy: &Policy) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let up = policy.tolerance.scale_up;
    if up > 1.0 {
        out.push((
            "tolerance.scale_up".into(),
            format!(
                "tolerance {up} lets the load exceed the target more than {}-fold before ebb scales up, so it practically never will; keep about 0.1",
                fmt_times(1.0 + up)
            ),
        ));
    }
    for (i, m) in policy.metrics.iter().enumerate() {
        let path = format!("metrics[{i}].target");
        match m.target {
            MetricTarget::Utilization(u) if u > 0.0 && !(1.0..=1000.0).contains(&u) => {
                out.push((
                    path,
                    format!(
                        "a utilization target of {u} % is implausible (usual targets are 50 to 90 %); check the number and its unit"
                    ),
                ));
            }
            MetricTarget::AverageValue(v) | MetricTarget::Value(v)
                if v > 0.0 && !(1e-6..=1e12).contains(&v) =>
            {
                out.push((
                    path,
                    format!(
                        "a target of {v} is implausible for any metric unit (below one millionth or above a trillion); check the number and its unit"
                    ),
                ));
            }
            _ => {}
        }
    }
    out
}

/// A factor for a sentence: "3", "1.5" or "4e9".
fn fmt_times(x: f64) -> String {
    if x >= 1e6 {
        format!("{x:e}")
    } else {
        format!("{}", (x * 10.0).round() / 10.0)
    }
}

fn lower_key(s: &Step) -> f64 {
    s.lower.unwrap_or(f64::NEG_INFINITY)
}

/// Overlaps and gaps between consecutive bands, sorted by lower bound.
fn bands(rule: &StepRule, i: usize) -> Vec<(String, String)> {
    let mut steps: Vec<&Step> = rule.steps.iter().collect();
    steps.sort_by(|a, b| lower_key(a).total_cmp(&lower_key(b)));
    let mut out = Vec::new();
    for w in steps.windows(2) {
        let (a, b) = (w[0], w[1]);
        let a_up = a.upper.unwrap_or(f64::INFINITY);
        let b_lo = lower_key(b);
        if a_up > b_lo {
            out.push((
                format!("step_rules[{i}].steps"),
                format!(
                    "bands ending at {a_up} and starting at {b_lo} overlap; the first listed wins"
                ),
            ));
        } else if a_up < b_lo {
            out.push((
                format!("step_rules[{i}].steps"),
                format!("no band covers values from {a_up} to {b_lo}; nothing happens there"),
            ));
        }
    }
    out
}

/// A scale-out step whose smallest effect at the minimum count lands the per-instance value
/// inside a scale-in band (or vice versa) will flap.
fn flapping(policy: &Policy, rule: &StepRule, i: usize) -> Option<(String, String)> {
    let per_instance = policy.metrics.iter().any(|m| {
        m.name == rule.metric
            && matches!(
                m.source,
                MetricSource::Resource { .. } | MetricSource::Pods { .. }
            )
    });
    if !per_instance {
        return None;
    }
    let n = f64::from(policy.min_replicas.max(1));
    for out in rule.steps.iter().filter(|s| grows(s)) {
        let lo = out.lower?;
        let after = lo * n / (n + added(out, n));
        if rule.steps.iter().any(|s| shrinks(s) && s.contains(after)) {
            return Some((
                format!("step_rules[{i}].steps"),
                format!("scaling out at {lo} with {n} instances brings {} to about {after:.1}, inside a scale-in band: widen the gap between the bands", rule.metric),
            ));
        }
    }
    None
}

fn grows(s: &Step) -> bool {
    match s.adjustment {
        Adjustment::ChangeInCapacity(c) => c > 0,
        Adjustment::PercentChangeInCapacity(p) => p > 0.0,
        Adjustment::ExactCapacity(_) => false,
    }
}

fn shrinks(s: &Step) -> bool {
    match s.adjustment {
        Adjustment::ChangeInCapacity(c) => c < 0,
        Adjustment::PercentChangeInCapacity(p) => p < 0.0,
        Adjustment::ExactCapacity(_) => false,
    }
}

fn added(s: &Step, n: f64) -> f64 {
    match s.adjustment {
        Adjustment::ChangeInCapacity(c) => f64::from(c),
        Adjustment::PercentChangeInCapacity(p) => (n * p / 100.0).trunc().max(1.0),
        Adjustment::ExactCapacity(_) => 0.0,
    }
}

/// Pairs of schedules whose windows overlap within a reference fortnight.
fn overlapping_schedules(policy: &Policy) -> Vec<(String, String)> {
    let Some(origin) = Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).single() else {
        return Vec::new();
    };
    let horizon = origin + Duration::days(15);
    let starts: Vec<Vec<DateTime<Utc>>> = policy
        .schedules
        .iter()
        .map(|s| starts_between(s, origin, horizon))
        .collect();
    let mut out = Vec::new();
    for (i, a) in policy.schedules.iter().enumerate() {
        for (j, b) in policy.schedules.iter().enumerate().skip(i + 1) {
            // Without zone rules, times in two different zones cannot be compared.
            if !crate::schedule::ZONE_RULES && a.timezone != b.timezone {
                continue;
            }
            let hit =
                |list: &[DateTime<Utc>], other| list.iter().any(|t| window_at(other, *t).is_some());
            if hit(&starts[i], b) || hit(&starts[j], a) {
                out.push((
                    format!("schedules[{j}]"),
                    format!("schedule {:?} overlaps {:?}; the larger min and the smaller max apply while both are active", b.name, a.name),
                ));
            }
        }
    }
    out
}

fn starts_between(
    s: &crate::policy::Schedule,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Vec<DateTime<Utc>> {
    let mut out = Vec::new();
    let mut t = from;
    while out.len() < MAX_STARTS {
        match next_start(s, t) {
            Some(n) if n < to => {
                out.push(n);
                t = n;
            }
            _ => break,
        }
    }
    out
}
