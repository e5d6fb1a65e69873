//! HPA normalization with `behavior`: stabilization between the lowest recommendation of the
//! scale-up window and the highest of the scale-down window, then the rate policies and the
//! min/max clamp of the direction (`normalizeDesiredReplicasWithBehaviors`).

use chrono::Duration;

use super::{effective_policies, scale_down_limit, scale_up_limit, window_secs, Args};
use crate::decision::trace::Trace;
use crate::decision::{Reason, Rule};
use crate::num::Text;
use crate::policy::{Behavior, RatePolicy, RatePolicyKind};

pub(super) fn normalize(args: &Args<'_>, b: &Behavior, desired: u32, trace: &mut Trace) -> u32 {
    let stabilized = stabilize(args, b, desired, trace);
    if stabilized > args.current {
        limit_up(args, b, stabilized, trace)
    } else if stabilized < args.current {
        limit_down(args, b, stabilized, trace)
    } else {
        stabilized
    }
}

/// HPA's `stabilizeRecommendationWithBehaviors`: the current count is pulled up to the lowest
/// recommendation in the scale-up window and down to the highest in the scale-down window.
fn stabilize(args: &Args<'_>, b: &Behavior, desired: u32, trace: &mut Trace) -> u32 {
    let up_secs = window_secs(&b.scale_up, true);
    let policy_down_secs = window_secs(&b.scale_down, false);
    let short = args.short_down(policy_down_secs);
    let down_secs = short.map_or(policy_down_secs, |d| d.secs);
    let up_cutoff = args.now - Duration::seconds(i64::from(up_secs));
    let down_cutoff = args.now - Duration::seconds(i64::from(down_secs));
    let (mut up_rec, mut down_rec) = (desired, desired);
    for r in args.recommendations() {
        if r.at > up_cutoff {
            up_rec = up_rec.min(r.replicas);
        }
        if r.at > down_cutoff {
            down_rec = down_rec.max(r.replicas);
        }
    }
    let stabilized = args.current.max(up_rec).min(down_rec);
    if stabilized != desired {
        let (reason, which, secs, direction) = if desired >= args.current {
            (Reason::ScaleUpStabilized, "lowest", up_secs, "scale-up")
        } else {
            (
                Reason::ScaleDownStabilized,
                "highest",
                down_secs,
                "scale-down",
            )
        };
        let mut detail = String::with_capacity(80);
        detail
            .s("held at ")
            .n(stabilized)
            .s(", the ")
            .s(which)
            .s(" recommendation of the last ")
            .n(secs)
            .s("s");
        args.watch_note(secs, direction, &mut detail);
        trace.bind(Rule::Stabilization, desired, stabilized, reason, detail);
    }
    if short.is_some() {
        let full = args
            .current
            .max(up_rec)
            .min(args.highest_within(policy_down_secs, desired));
        args.note_short_down(short, full, stabilized, trace);
    }
    stabilized
}

fn limit_up(args: &Args<'_>, b: &Behavior, desired: u32, trace: &mut Trace) -> u32 {
    let policies = effective_policies(&b.scale_up, true);
    let (limit, which) = scale_up_limit(
        args.current,
        &args.history.scale_events,
        &b.scale_up,
        &policies,
        args.now,
    );
    let limit = clamp_u32(limit.max(i64::from(args.current)));
    let lim = args.limits;
    let allowed = if lim.max > limit { limit } else { lim.max };
    if desired <= allowed {
        return desired;
    }
    let (rule, reason, detail) = if lim.max > limit {
        let change = i64::from(limit) - i64::from(args.current);
        let mut detail = String::with_capacity(96);
        detail.s("limited to +").i(change).s(" by ");
        describe(&mut detail, which.and_then(|i| policies.get(i)), "scale-up");
        (Rule::RateLimit, Reason::ScaleUpLimit, detail)
    } else {
        lim.at_max()
    };
    trace.bind(rule, desired, allowed, reason, detail);
    allowed
}

fn limit_down(args: &Args<'_>, b: &Behavior, desired: u32, trace: &mut Trace) -> u32 {
    let policies = effective_policies(&b.scale_down, false);
    let (limit, which) = scale_down_limit(
        args.current,
        &args.history.scale_events,
        &b.scale_down,
        &policies,
        args.now,
    );
    let limit = clamp_u32(limit.min(i64::from(args.current)));
    let lim = args.limits;
    let allowed = if lim.min < limit { limit } else { lim.min };
    if desired >= allowed {
        return desired;
    }
    let (rule, reason, detail) = if lim.min < limit {
        let change = i64::from(args.current) - i64::from(limit);
        let mut detail = String::with_capacity(96);
        detail.s("limited to -").i(change).s(" by ");
        describe(
            &mut detail,
            which.and_then(|i| policies.get(i)),
            "scale-down",
        );
        (Rule::RateLimit, Reason::ScaleDownLimit, detail)
    } else {
        lim.at_min()
    };
    trace.bind(rule, desired, allowed, reason, detail);
    allowed
}

/// Appends "the scale-up rate policy (Instances 4 per 15s)" or "the disabled scale-up
/// policy".
fn describe(out: &mut String, p: Option<&RatePolicy>, direction: &str) {
    let Some(p) = p else {
        out.s("the disabled ").s(direction).s(" policy");
        return;
    };
    out.s("the ").s(direction).s(" rate policy (");
    match p.kind {
        RatePolicyKind::Instances => out.s("Instances ").n(p.value),
        RatePolicyKind::Percent => out.s("Percent ").n(p.value).s("%"),
    };
    out.s(" per ").n(p.period_secs).s("s)");
}

pub(crate) fn clamp_u32(x: i64) -> u32 {
    u32::try_from(x.clamp(0, i64::from(crate::num::MAX_REPLICAS)))
        .unwrap_or(crate::num::MAX_REPLICAS)
}
