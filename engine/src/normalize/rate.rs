//! Behavior rate limits: how far the count may move given the scale events inside each
//! policy's period (`calculateScaleUpLimitWithScalingRules`,
//! `calculateScaleDownLimitWithBehaviors`, `getReplicasChangePerPeriod`).

use chrono::{DateTime, Duration, Utc};

use crate::history::ScaleEvent;
use crate::policy::{RatePolicy, RatePolicyKind, ScalingRules, SelectPolicy};

/// Replicas added and removed by events strictly inside the last `period_secs`.
pub(crate) fn period_changes(
    events: &[ScaleEvent],
    period_secs: u32,
    now: DateTime<Utc>,
) -> (i64, i64) {
    let cutoff = now - Duration::seconds(i64::from(period_secs));
    events
        .iter()
        .filter(|e| e.at > cutoff)
        .fold((0, 0), |(added, removed), e| {
            let c = e.change();
            if c > 0 {
                (added + c, removed)
            } else {
                (added, removed - c)
            }
        })
}

fn period_start(current: u32, events: &[ScaleEvent], p: &RatePolicy, now: DateTime<Utc>) -> i64 {
    let (added, removed) = period_changes(events, p.period_secs, now);
    i64::from(current) - added + removed
}

/// The highest count the scale-up rules allow, and the index of the policy that set it.
/// `None` index means scaling up is disabled.
pub(crate) fn scale_up_limit(
    current: u32,
    events: &[ScaleEvent],
    rules: &ScalingRules,
    policies: &[RatePolicy],
    now: DateTime<Utc>,
) -> (i64, Option<usize>) {
    select(current, rules, policies, true, |p| {
        let start = period_start(current, events, p, now);
        match p.kind {
            RatePolicyKind::Instances => start + i64::from(p.value),
            RatePolicyKind::Percent => ceil_i64(start as f64 * (1.0 + f64::from(p.value) / 100.0)),
        }
    })
}

/// The lowest count the scale-down rules allow, and the index of the policy that set it.
/// `None` index means scaling down is disabled.
pub(crate) fn scale_down_limit(
    current: u32,
    events: &[ScaleEvent],
    rules: &ScalingRules,
    policies: &[RatePolicy],
    now: DateTime<Utc>,
) -> (i64, Option<usize>) {
    select(current, rules, policies, false, |p| {
        let start = period_start(current, events, p, now);
        match p.kind {
            RatePolicyKind::Instances => start - i64::from(p.value),
            // HPA truncates the remaining count (it rounds the removed count up).
            RatePolicyKind::Percent => trunc_i64(start as f64 * (1.0 - f64::from(p.value) / 100.0)),
        }
    })
}

/// Applies `select_policy` to each policy's limit: `Max` picks the most permissive one (the
/// highest count going up, the lowest going down), `Min` the most restrictive; the first wins
/// a tie. `Disabled`, or no policy, keeps the current count.
fn select(
    current: u32,
    rules: &ScalingRules,
    policies: &[RatePolicy],
    up: bool,
    limit_of: impl Fn(&RatePolicy) -> i64,
) -> (i64, Option<usize>) {
    if rules.select_policy == SelectPolicy::Disabled {
        return (i64::from(current), None);
    }
    let mut best: Option<(i64, usize)> = None;
    for (i, p) in policies.iter().enumerate() {
        let proposed = limit_of(p);
        let more_permissive = |b: i64| if up { proposed > b } else { proposed < b };
        let better = match (best, rules.select_policy) {
            (None, _) => true,
            (Some((b, _)), SelectPolicy::Min) => !more_permissive(b) && proposed != b,
            (Some((b, _)), _) => more_permissive(b),
        };
        if better {
            best = Some((proposed, i));
        }
    }
    match best {
        Some((limit, i)) => (limit, Some(i)),
        None => (i64::from(current), None),
    }
}

fn ceil_i64(x: f64) -> i64 {
    // `as` saturates and maps NaN to 0; inputs here are finite.
    x.ceil() as i64
}

fn trunc_i64(x: f64) -> i64 {
    x.trunc() as i64
}
