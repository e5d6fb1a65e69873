//! The recent past the engine needs and the caller stores: raw recommendations (for
//! stabilization windows), scale events (for rate limits and cooldowns), the count of
//! consecutive metric failures (for fallback), and whether the target's first evaluation under
//! its policy is still to come (HPA seeds its recommendations then).

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::decision::Decision;
use crate::policy::Policy;

/// Upper bound on stored entries of each kind, whatever the windows say.
const MAX_ENTRIES: usize = 4096;

/// Recent history for one target.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(default)]
pub struct History {
    /// Raw (pre-stabilization) recommendations, oldest first.
    pub recommendations: Vec<Recommendation>,
    /// Scale events that were applied, oldest first.
    pub scale_events: Vec<ScaleEvent>,
    /// Consecutive evaluations whose metrics could not be read.
    pub metric_failures: u32,
    /// True until the first evaluation after a policy is attached to the target (set by the
    /// caller, see [`History::attached`]): that evaluation records the current count as a
    /// recommendation, as HPA does when it first sees an HPA, so nothing scales down inside
    /// the first stabilization window. False for an existing history, empty or not.
    pub first_evaluation: bool,
    /// When that first evaluation happened ("watching since"); `None` if not known.
    pub watching_since: Option<DateTime<Utc>>,
}

/// A raw recommendation at an instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Recommendation {
    /// When it was made.
    pub at: DateTime<Utc>,
    /// Recommended replicas before stabilization and rate limits.
    pub replicas: u32,
}

/// An applied change of the replica count.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScaleEvent {
    /// When it was applied.
    pub at: DateTime<Utc>,
    /// Count before.
    pub from: u32,
    /// Count after.
    pub to: u32,
}

impl ScaleEvent {
    /// Signed change (positive for scale-up).
    pub fn change(&self) -> i64 {
        i64::from(self.to) - i64::from(self.from)
    }
}

impl History {
    /// The history of a target a policy was just attached to: its next evaluation is its
    /// first.
    pub fn attached() -> History {
        History {
            first_evaluation: true,
            ..History::default()
        }
    }

    /// Records one decision: the first evaluation's initial recommendation (always, as HPA
    /// records it before reading metrics), its recommendation (only when metrics were read, as
    /// HPA records nothing on a failed evaluation), its scale event when `applied` and the
    /// count changed, updates `metric_failures`, and prunes entries no window of `policy`
    /// needs.
    pub fn record(
        &mut self,
        decision: &Decision,
        applied: bool,
        policy: &Policy,
        now: DateTime<Utc>,
    ) {
        if let Some(initial) = decision.initial_recommendation {
            self.recommendations.push(initial);
            self.watching_since = Some(initial.at);
            self.first_evaluation = false;
        }
        if decision.metrics_ok {
            self.recommendations.push(decision.recommendation);
            self.metric_failures = 0;
        } else {
            self.metric_failures = self.metric_failures.saturating_add(1);
        }
        if applied && decision.desired_replicas != decision.current_replicas {
            self.scale_events.push(ScaleEvent {
                at: now,
                from: decision.current_replicas,
                to: decision.desired_replicas,
            });
        }
        self.prune(policy, now);
    }

    /// Drops entries older than the longest window, period or cooldown of `policy`; always
    /// keeps the newest scale event (cooldowns and the dashboard read it).
    pub fn prune(&mut self, policy: &Policy, now: DateTime<Utc>) {
        let cutoff = now - Duration::seconds(i64::from(retention_secs(policy)));
        self.recommendations.retain(|r| r.at > cutoff);
        let last = self.scale_events.iter().copied().max_by_key(|e| e.at);
        self.scale_events.retain(|e| e.at > cutoff);
        if self.scale_events.is_empty() {
            self.scale_events.extend(last);
        }
        trim_front(&mut self.recommendations);
        trim_front(&mut self.scale_events);
    }

    /// The newest scale event, if any.
    pub fn last_scale_event(&self) -> Option<&ScaleEvent> {
        self.scale_events.iter().max_by_key(|e| e.at)
    }
}

fn trim_front<T>(v: &mut Vec<T>) {
    if v.len() > MAX_ENTRIES {
        let excess = v.len() - MAX_ENTRIES;
        v.drain(..excess);
    }
}

/// Seconds of history `policy` can look back over.
pub(crate) fn retention_secs(policy: &Policy) -> u32 {
    let mut secs = policy
        .cooldown
        .scale_up_secs
        .max(policy.cooldown.scale_down_secs);
    match &policy.behavior {
        None => secs = secs.max(crate::normalize::LEGACY_DOWNSCALE_WINDOW_SECS),
        Some(b) => {
            for (rules, up) in [(&b.scale_up, true), (&b.scale_down, false)] {
                secs = secs.max(crate::normalize::window_secs(rules, up));
                for p in crate::normalize::effective_policies(rules, up).iter() {
                    secs = secs.max(p.period_secs);
                }
            }
        }
    }
    secs
}
