//! The dashboard's "next possible action": per direction, the earliest instant no cooldown,
//! pause, pin, stabilization window or rate limit blocks a scale, and the metric value that
//! would trigger it (see [`super::trigger`]). Computed as if this decision were applied.

use std::borrow::Cow;

use chrono::{DateTime, Duration, Utc};

use super::pipeline::Run;
use super::{NextAction, NextStep};
use crate::history::ScaleEvent;
use crate::normalize::{
    effective_policies, scale_down_limit, scale_up_limit, window_secs, LEGACY_DOWNSCALE_WINDOW_SECS,
};
use crate::policy::SelectPolicy;

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
            trigger: super::trigger::trigger(run, self.cur, up),
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
            .chain(run.initial.as_ref())
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
