//! HPA normalization without `behavior`: 300 s scale-down stabilization, then the scale-up
//! limit `max(2 × current, 4)` and the min/max clamp (`convertDesiredReplicasWithRules`).

use super::{Args, LEGACY_DOWNSCALE_WINDOW_SECS};
use crate::decision::trace::Trace;
use crate::decision::{Reason, Rule};
use crate::num::{replicas, Text, MAX_REPLICAS};

/// Factor of the legacy scale-up limit.
const SCALE_UP_LIMIT_FACTOR: u64 = 2;
/// Floor of the legacy scale-up limit.
const SCALE_UP_LIMIT_MINIMUM: u64 = 4;

/// The legacy scale-up limit for `current` replicas.
pub(crate) fn legacy_scale_up_limit(current: u32) -> u32 {
    let limit = (u64::from(current) * SCALE_UP_LIMIT_FACTOR).max(SCALE_UP_LIMIT_MINIMUM);
    u32::try_from(limit).map_or(MAX_REPLICAS, replicas)
}

pub(super) fn normalize(args: &Args<'_>, desired: u32, trace: &mut Trace) -> u32 {
    let full = args.highest_within(LEGACY_DOWNSCALE_WINDOW_SECS, desired);
    let short = args.short_down(LEGACY_DOWNSCALE_WINDOW_SECS);
    let secs = short.map_or(LEGACY_DOWNSCALE_WINDOW_SECS, |d| d.secs);
    let stabilized = args.highest_within(secs, desired);
    if stabilized != desired {
        trace.bind(
            Rule::Stabilization,
            desired,
            stabilized,
            Reason::ScaleDownStabilized,
            held_detail(args, stabilized, secs),
        );
    }
    args.note_short_down(short, full, stabilized, trace);
    let up_limit = legacy_scale_up_limit(args.current);
    let lim = args.limits;
    let max_allowed = if lim.max > up_limit {
        up_limit
    } else {
        lim.max
    };
    if stabilized < lim.min {
        let (rule, reason, detail) = lim.at_min();
        trace.bind(rule, stabilized, lim.min, reason, detail);
        lim.min
    } else if stabilized > max_allowed {
        let (rule, reason, detail) = if lim.max > up_limit {
            let mut detail = String::with_capacity(64);
            detail
                .s("limited to ")
                .n(up_limit)
                .s(" by the scale-up limit max(2 × ")
                .n(args.current)
                .s(", 4)");
            (Rule::RateLimit, Reason::ScaleUpLimit, detail)
        } else {
            lim.at_max()
        };
        trace.bind(rule, stabilized, max_allowed, reason, detail);
        max_allowed
    } else {
        stabilized
    }
}

/// "held at N, the highest recommendation of the last 300s", with the watch note.
fn held_detail(args: &Args<'_>, stabilized: u32, secs: u32) -> String {
    let mut detail = String::with_capacity(64);
    detail
        .s("held at ")
        .n(stabilized)
        .s(", the highest recommendation of the last ")
        .n(secs)
        .s("s");
    args.watch_note(secs, "scale-down", &mut detail);
    detail
}
