//! HPA normalization of a raw recommendation: stabilization over the recommendation history,
//! rate limits (legacy `max(2 × current, 4)` or behavior policies over the scale events in
//! each period) and the min/max clamp, each turned into a [`crate::Reason`].

mod behavior;
pub(crate) mod bounds;
mod legacy;
mod rate;

use std::borrow::Cow;

use chrono::{DateTime, Duration, Utc};

use crate::decision::trace::Trace;
use crate::decision::{Reason, Rule};
use crate::history::{History, Recommendation};
use crate::num::{utc, Text};
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
    /// On the first evaluation, the current count as a recommendation at `now`.
    pub initial: Option<Recommendation>,
    /// When the engine started watching the target, if known.
    pub watch_start: Option<DateTime<Utc>>,
    pub now: DateTime<Utc>,
    pub current: u32,
    pub limits: &'a bounds::Limits,
    /// The forecast's shorter scale-down window, when it applies this evaluation.
    pub forecast_down: Option<ShortDown>,
}

/// A scale-down window the forecast shortened, and the sentence that says why.
pub(crate) struct ShortDown {
    pub secs: u32,
    pub detail: String,
}

impl Args<'_> {
    /// The scale-down window to use instead of `secs`, when the forecast shortens it.
    pub fn short_down(&self, secs: u32) -> Option<&ShortDown> {
        self.forecast_down.as_ref().filter(|d| d.secs < secs)
    }

    /// Records that the forecast's shorter window `short` took the count from `full` (what
    /// the policy's window would have held) to `stabilized`.
    pub fn note_short_down(
        &self,
        short: Option<&ShortDown>,
        full: u32,
        stabilized: u32,
        trace: &mut Trace,
    ) {
        if let Some(d) = short.filter(|_| full != stabilized) {
            trace.bind(
                Rule::Forecast,
                full,
                stabilized,
                Reason::ForecastScaleDown,
                d.detail.clone(),
            );
        }
    }

    /// The highest recommendation (and `desired`) newer than `secs` ago.
    pub fn highest_within(&self, secs: u32, desired: u32) -> u32 {
        let cutoff = self.now - chrono::Duration::seconds(i64::from(secs));
        self.recommendations()
            .filter(|r| r.at > cutoff)
            .map(|r| r.replicas)
            .fold(desired, u32::max)
    }
}

impl Args<'_> {
    /// The recommendations the stabilization windows look at: the history's and, on the first
    /// evaluation, the initial one.
    pub fn recommendations(&self) -> impl Iterator<Item = &Recommendation> + '_ {
        self.history
            .recommendations
            .iter()
            .chain(self.initial.as_ref())
    }

    /// Appends " (watching since …; scale-down possible from …)" while the start of watching
    /// lies inside the `secs` window that held the count: HPA's first recommendation (the
    /// count it found) holds it until then.
    pub fn watch_note(&self, secs: u32, direction: &str, out: &mut String) {
        let Some(since) = self.watch_start else {
            return;
        };
        let Some(until) = since.checked_add_signed(Duration::seconds(i64::from(secs))) else {
            return;
        };
        if until > self.now {
            out.s(" (watching since ")
                .s(&utc(since))
                .s("; ")
                .s(direction)
                .s(" possible from ")
                .s(&utc(until))
                .s(")");
        }
    }
}

/// Normalizes `desired` as HPA does: legacy path without `behavior`, behavior path with it.
pub(crate) fn normalize(args: &Args<'_>, desired: u32, trace: &mut Trace) -> u32 {
    match &args.policy.behavior {
        None => legacy::normalize(args, desired, trace),
        Some(b) => behavior::normalize(args, b, desired, trace),
    }
}
