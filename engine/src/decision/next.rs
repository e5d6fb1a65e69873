//! The dashboard's "next possible action": per direction, the earliest instant no cooldown,
//! pause, pin, stabilization window or rate limit blocks a scale, and the metric value that
//! would trigger it. Computed as if this decision were applied.

use std::borrow::Cow;

use chrono::{DateTime, Duration, Utc};

use super::pipeline::Run;
use super::{NextAction, NextStep, Proposal, ProposalKind, Trigger};
use crate::history::ScaleEvent;
use crate::normalize::{
    effective_policies, scale_down_limit, scale_up_limit, window_secs, LEGACY_DOWNSCALE_WINDOW_SECS,
};
use crate::policy::{MetricSource, MetricTarget, SelectPolicy};

pub(super) fn next_action(run: &Run<'_>, desired: u32, raw: u32) -> NextAction {
    let events: Cow<'_, [ScaleEvent]> = if desired != run.current {
        let mut v = run.history.scale_events.clone();
        v.push(ScaleEvent {
            at: run.now,
            from: run.current,
            to: desired,
        });
        Cow::Owned(v)
    } else {
        Cow::Borrowed(&run.history.scale_events)
    };
    let ctx = Next {
        run,
        cur: desired,
        raw,
        events,
    };
    NextAction {
        up: (desired < run.limits.max).then(|| ctx.step(true)).flatten(),
        down: (desired > run.limits.min)
            .then(|| ctx.step(false))
            .flatten(),
    }
}

struct Next<'a, 'b> {
    run: &'a Run<'b>,
    cur: u32,
    raw: u32,
    events: Cow<'a, [ScaleEvent]>,
}

impl Next<'_, '_> {
    fn step(&self, up: bool) -> Option<NextStep> {
        let run = self.run;
        let mut earliest = run.now;
        if let Some((n, o)) = run.obs.active_pin(run.now) {
            let _ = n;
            earliest = earliest.max(o.until);
        }
        if let Some((until, _)) = run.paused_until(up) {
            earliest = earliest.max(until);
        }
        if let Some(last) = self.events.iter().map(|e| e.at).max() {
            let cd = run.policy.cooldown;
            let secs = if up {
                cd.scale_up_secs
            } else {
                cd.scale_down_secs
            };
            earliest = earliest.max(last + secs_dur(secs));
        }
        earliest = earliest.max(self.window_until(up));
        earliest = earliest.max(self.rate_until(up)?);
        Some(NextStep {
            earliest,
            trigger: trigger(run, self.cur, up),
        })
    }

    /// End of the stabilization window that would hold the count in this direction.
    fn window_until(&self, up: bool) -> DateTime<Utc> {
        let run = self.run;
        let secs = match &run.policy.behavior {
            None if up => 0,
            None => LEGACY_DOWNSCALE_WINDOW_SECS,
            Some(b) if up => window_secs(&b.scale_up, true),
            Some(b) => window_secs(&b.scale_down, false),
        };
        if secs == 0 {
            return run.now;
        }
        let cutoff = run.now - secs_dur(secs);
        let this_tick = run.metrics_ok.then_some((run.now, self.raw));
        let recs = run
            .history
            .recommendations
            .iter()
            .map(|r| (r.at, r.replicas))
            .chain(this_tick);
        // The newest holding recommendation ends the window (adding after `max` saves a
        // date addition per entry).
        recs.filter(|(at, n)| *at > cutoff && if up { *n <= self.cur } else { *n >= self.cur })
            .map(|(at, _)| at)
            .max()
            .map_or(run.now, |at| at + secs_dur(secs))
    }

    /// When the rate policies next allow one more step; `None` if the direction is disabled.
    fn rate_until(&self, up: bool) -> Option<DateTime<Utc>> {
        let run = self.run;
        let Some(b) = &run.policy.behavior else {
            return Some(run.now);
        };
        let rules = if up { &b.scale_up } else { &b.scale_down };
        if rules.select_policy == SelectPolicy::Disabled {
            return None;
        }
        let policies = effective_policies(rules, up);
        let open = if up {
            scale_up_limit(self.cur, &self.events, rules, &policies, run.now).0
                > i64::from(self.cur)
        } else {
            scale_down_limit(self.cur, &self.events, rules, &policies, run.now).0
                < i64::from(self.cur)
        };
        if open {
            return Some(run.now);
        }
        let expiry = |period: u32| {
            let cutoff = run.now - secs_dur(period);
            self.events
                .iter()
                .filter(|e| e.at > cutoff)
                .map(|e| e.at)
                .max()
                .map_or(run.now, |at| at + secs_dur(period))
        };
        let times = policies.iter().map(|p| expiry(p.period_secs));
        match rules.select_policy {
            SelectPolicy::Min => times.max(),
            _ => times.min(),
        }
    }
}

fn secs_dur(secs: u32) -> Duration {
    Duration::seconds(i64::from(secs))
}

/// Up: the closest metric threshold above which some metric proposes more than `cur`.
/// Down: the threshold below which the binding (largest) metric proposes fewer.
fn trigger(run: &Run<'_>, cur: u32, up: bool) -> Option<Trigger> {
    let tol = run.policy.tolerance;
    let candidates = run
        .proposals
        .iter()
        .filter(|p| p.error.is_none() && p.kind != ProposalKind::Step);
    let with_threshold = candidates.filter_map(|p| {
        let spec = run.policy.metrics.iter().find(|m| m.name == p.name)?;
        let (value, target) = (p.value?, p.target?);
        let avg_total = matches!(
            (&spec.source, spec.target),
            (
                MetricSource::Object { .. } | MetricSource::External { .. },
                MetricTarget::AverageValue(_)
            )
        );
        let n = f64::from(p.counts.ready.max(1));
        let c = f64::from(cur);
        let t = if avg_total {
            if up {
                target * c.max(n * (1.0 + tol.scale_up))
            } else {
                target * (c - 1.0).min(n * (1.0 - tol.scale_down))
            }
        } else if up {
            target * (1.0 + tol.scale_up).max(c / n)
        } else {
            target * (1.0 - tol.scale_down).min((c - 1.0) / n)
        };
        t.is_finite().then_some((p, value, t))
    });
    let pick = if up {
        with_threshold.min_by(|a, b| rel(a).total_cmp(&rel(b)))
    } else {
        with_threshold.max_by_key(|(p, _, _)| p.replicas.unwrap_or(0))
    };
    pick.map(|(p, _, t)| Trigger {
        metric: p.name.clone(),
        value: t.max(0.0),
    })
}

fn rel((_, value, t): &(&Proposal, f64, f64)) -> f64 {
    if *value > 0.0 {
        t / value
    } else {
        f64::INFINITY
    }
}
