//! Rules that hold or override the normalized count: cooldown, pauses (policy and
//! operator), the final clamp into the effective bounds, and operator pins.

use chrono::{DateTime, Duration, Utc};

use super::pipeline::Run;
use super::{Reason, Rule};
use crate::num::utc;
use crate::observation::OverrideKind;
use crate::policy::PauseDirection;

impl Run<'_> {
    /// The count to hold at when a direction is blocked: current, kept inside the bounds.
    pub(super) fn hold(&self) -> u32 {
        self.limits.clamp(self.current)
    }

    pub(super) fn cooldown(&mut self, desired: u32) -> u32 {
        let Some(last) = self.history.last_scale_event() else {
            return desired;
        };
        let cd = self.policy.cooldown;
        let (secs, word) = match desired.cmp(&self.current) {
            std::cmp::Ordering::Greater => (cd.scale_up_secs, "scale-up"),
            std::cmp::Ordering::Less => (cd.scale_down_secs, "scale-down"),
            std::cmp::Ordering::Equal => return desired,
        };
        let until = last.at + Duration::seconds(i64::from(secs));
        if self.now >= until {
            return desired;
        }
        let held = self.hold();
        let detail = format!(
            "no {word} until {} ({secs}s cooldown after the last scale event)",
            utc(until)
        );
        self.trace
            .bind(Rule::Cooldown, desired, held, Reason::CoolingDown, detail);
        held
    }

    /// Latest expiry of the pauses covering a direction (`up`: scale-out).
    pub(super) fn paused_until(&self, up: bool) -> Option<(DateTime<Utc>, String)> {
        let from_policy = self
            .policy
            .pauses
            .iter()
            .filter(|p| p.until > self.now)
            .filter(|p| {
                matches!(
                    (p.direction, up),
                    (PauseDirection::Both, _)
                        | (PauseDirection::ScaleOut, true)
                        | (PauseDirection::ScaleIn, false)
                )
            });
        let policy = from_policy.map(|p| (p.until, p.reason.clone()));
        let ops = self
            .obs
            .overrides
            .iter()
            .filter(|o| o.until > self.now)
            .filter(|o| {
                matches!(
                    (o.kind, up),
                    (OverrideKind::PauseBoth, _)
                        | (OverrideKind::PauseScaleOut, true)
                        | (OverrideKind::PauseScaleIn, false)
                )
            });
        policy
            .chain(ops.map(|o| (o.until, o.reason.clone())))
            .max_by_key(|(t, _)| *t)
    }

    pub(super) fn pauses(&mut self, desired: u32) -> u32 {
        let up = match desired.cmp(&self.current) {
            std::cmp::Ordering::Greater => true,
            std::cmp::Ordering::Less => false,
            std::cmp::Ordering::Equal => return desired,
        };
        let Some((until, why)) = self.paused_until(up) else {
            return desired;
        };
        let held = self.hold();
        let word = if up { "scale-out" } else { "scale-in" };
        let detail = format!("{word} paused until {} ({why})", utc(until));
        self.trace
            .bind(Rule::Pause, desired, held, Reason::Paused, detail);
        held
    }

    pub(super) fn clamp(&mut self, desired: u32) -> u32 {
        let to = self.limits.clamp(desired);
        if to == desired {
            // Nothing to record: skip building the detail.
            return to;
        }
        let (rule, reason, detail) = if desired > to {
            self.limits.at_max()
        } else {
            self.limits.at_min()
        };
        self.trace.bind(rule, desired, to, reason, detail);
        to
    }

    pub(super) fn pin(&mut self, desired: u32) -> u32 {
        let Some((n, o)) = self.obs.active_pin(self.now) else {
            return desired;
        };
        let detail = format!(
            "pinned to {n} by an operator until {} ({})",
            utc(o.until),
            o.reason
        );
        self.trace
            .bind(Rule::Override, desired, n, Reason::Pinned, detail);
        self.trace.note(Reason::Pinned);
        n
    }
}
