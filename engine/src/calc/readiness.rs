//! HPA's CPU readiness timing (`groupPods` for the cpu resource): whether a running
//! instance's CPU sample is used, from its start, its last Ready transition and the sample's
//! time and window. Young instances burn CPU while they start, so during the CPU
//! initialization period a sample counts only if the instance is ready and the sample was
//! taken a full window after it became ready; afterwards only an instance that is not ready
//! and has never been ready is left out. Fields a backend cannot know are assumed, and the
//! assumptions are reported.

use chrono::{DateTime, Duration, Utc};

use crate::num::Text;
use crate::observation::{Instance, InstanceState};
use crate::policy::Policy;

/// Window assumed for a sample that does not say (the metrics API's default, as HPA).
const DEFAULT_WINDOW_SECS: i64 = 60;

/// Assumptions made for missing timing fields, as bits.
pub(super) const ASSUMED_START: u8 = 1;
/// The Ready transition was unknown.
pub(super) const ASSUMED_TRANSITION: u8 = 2;
/// The sample's time or window was unknown.
pub(super) const ASSUMED_SAMPLE: u8 = 4;

/// The instants one evaluation compares against, computed once per metric.
pub(super) struct CpuTiming {
    now: DateTime<Utc>,
    /// Instances started after this are inside the initialization period.
    young_after: DateTime<Utc>,
    delay: Duration,
}

/// The verdict on one running instance's CPU sample.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) enum Verdict {
    /// The sample counts.
    Ready,
    /// Inside the initialization period: not ready, or sampled too soon after becoming ready.
    Initializing,
    /// Past the initialization period, not ready and never ready since it started.
    NeverReady,
}

impl CpuTiming {
    /// Timing for `policy` at `now`.
    pub fn new(policy: &Policy, now: DateTime<Utc>) -> CpuTiming {
        let period = Duration::seconds(i64::from(policy.cpu_initialization_period_secs));
        CpuTiming {
            now,
            young_after: now
                .checked_sub_signed(period)
                .unwrap_or(DateTime::<Utc>::MIN_UTC),
            delay: Duration::seconds(i64::from(policy.initial_readiness_delay_secs)),
        }
    }

    /// The verdict on `inst` (running: ready or not ready) and the assumptions it needed.
    #[inline]
    pub fn verdict(&self, inst: &Instance) -> (Verdict, u8) {
        let ready = inst.state == InstanceState::Ready;
        let transition = inst
            .ready_changed_at
            .or(if ready { inst.ready_since } else { None });
        let Some(start) = inst.started_at else {
            // Unknown start: taken as older than the period, and a not-ready instance as never
            // ready (so only ready instances count, as before the start was known).
            let v = if ready {
                Verdict::Ready
            } else {
                Verdict::NeverReady
            };
            return (v, ASSUMED_START);
        };
        if start > self.young_after {
            if !ready {
                return (Verdict::Initializing, 0);
            }
            return self.fresh(inst, transition.unwrap_or(start), transition.is_none());
        }
        if ready {
            return (Verdict::Ready, 0);
        }
        // Not ready: it has never been ready when its readiness last changed within the delay
        // of its start (an unknown transition is taken as never ready).
        let Some(tr) = transition else {
            return (Verdict::NeverReady, ASSUMED_TRANSITION);
        };
        let never = start.checked_add_signed(self.delay).is_none_or(|t| t > tr);
        let v = if never {
            Verdict::NeverReady
        } else {
            Verdict::Ready
        };
        (v, 0)
    }

    /// A young ready instance counts once its sample was taken a full window after it became
    /// ready at `since`.
    fn fresh(&self, inst: &Instance, since: DateTime<Utc>, assumed: bool) -> (Verdict, u8) {
        let mut bits = if assumed { ASSUMED_TRANSITION } else { 0 };
        let detail = inst.detail.as_deref();
        let window = match detail.and_then(|d| d.sample_window_secs) {
            Some(w) if w.is_finite() && w >= 0.0 => {
                Duration::milliseconds((w.min(1e12) * 1000.0).round() as i64)
            }
            _ => {
                bits |= ASSUMED_SAMPLE;
                Duration::seconds(DEFAULT_WINDOW_SECS)
            }
        };
        let sample = detail.and_then(|d| d.sample_at).unwrap_or_else(|| {
            bits |= ASSUMED_SAMPLE;
            self.now
        });
        let early = since.checked_add_signed(window).is_none_or(|t| sample < t);
        let v = if early {
            Verdict::Initializing
        } else {
            Verdict::Ready
        };
        (v, bits)
    }
}

/// Appends what the CPU timing did to a proposal's detail: instances left out while they
/// initialize or because they were never ready, the assumptions made, and the backend's note
/// on how it knows readiness.
pub(super) fn note(
    out: &mut String,
    policy: &Policy,
    excluded: (u32, u32),
    assumed: (u32, u8),
    backend: Option<&str>,
) {
    let (initializing, never) = excluded;
    if initializing > 0 {
        out.s("; ")
            .n(initializing)
            .s(" in their first ")
            .n(policy.cpu_initialization_period_secs)
            .s("s not counted for cpu (not ready, or sampled less than a window after becoming ready)");
    }
    if never > 0 {
        out.s("; ")
            .n(never)
            .s(" not ready and never ready since starting not counted for cpu");
    }
    let (n, bits) = assumed;
    if n > 0 {
        out.s("; readiness timing assumed for ").n(n).s(" (");
        let mut parts = Vec::with_capacity(3);
        if bits & ASSUMED_START != 0 {
            parts.push("unknown start taken as before the initialization period");
        }
        if bits & ASSUMED_TRANSITION != 0 {
            parts.push("unknown Ready transition taken as the start, or as never ready");
        }
        if bits & ASSUMED_SAMPLE != 0 {
            parts.push("unknown sample taken as now over 60s");
        }
        out.s(&parts.join("; ")).s(")");
    }
    if let Some(b) = backend.filter(|_| initializing + never > 0) {
        out.s("; ").s(b);
    }
}
