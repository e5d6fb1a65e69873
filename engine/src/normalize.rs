//! HPA normalization of a raw recommendation: stabilization over the recommendation history,
//! rate limits (legacy `max(2 × current, 4)` or behavior policies over the scale events in
//! each period) and the min/max clamp, each turned into a [`crate::Reason`].

mod behavior;
pub(crate) mod bounds;
mod legacy;
mod rate;

use std::borrow::Cow;

use chrono::{DateTime, Utc};

use crate::decision::trace::Trace;
use crate::history::History;
use crate::policy::{behavior_defaults, RatePolicy, ScalingRules};
use crate::Policy;

pub(crate) use rate::{scale_down_limit, scale_up_limit};

/// Scale-down stabilization window used when the policy has no `behavior` (HPA's
/// `--horizontal-pod-autoscaler-downscale-stabilization` default).
pub(crate) const LEGACY_DOWNSCALE_WINDOW_SECS: u32 = 300;

/// Stabilization window of one direction, with HPA defaults (0 s up, 300 s down).
pub(crate) fn window_secs(rules: &ScalingRules, up: bool) -> u32 {
    rules
        .stabilization_window_secs
        .unwrap_or(if up { 0 } else { 300 })
}

/// Rate policies of one direction; empty means HPA's defaults for that direction.
pub(crate) fn effective_policies(rules: &ScalingRules, up: bool) -> Cow<'_, [RatePolicy]> {
    if rules.policies.is_empty() {
        Cow::Owned(behavior_defaults(up))
    } else {
        Cow::Borrowed(&rules.policies)
    }
}

/// What normalization needs to know.
pub(crate) struct Args<'a> {
    pub policy: &'a Policy,
    pub history: &'a History,
    pub now: DateTime<Utc>,
    pub current: u32,
    pub limits: &'a bounds::Limits,
}

/// Normalizes `desired` as HPA does: legacy path without `behavior`, behavior path with it.
pub(crate) fn normalize(args: &Args<'_>, desired: u32, trace: &mut Trace) -> u32 {
    match &args.policy.behavior {
        None => legacy::normalize(args, desired, trace),
        Some(b) => behavior::normalize(args, b, desired, trace),
    }
}
