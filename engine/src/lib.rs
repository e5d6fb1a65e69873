//! # ebb-engine
//!
//! The pure scaling engine of ebb: `decide(policy, observation, history, now)` turns a
//! [`Policy`], an [`Observation`] and the recent [`History`] into a [`Decision`] that says
//! what to do and why. No I/O, no clock, no async: time and history are passed in, and the
//! caller stores the new history with [`History::record`]. The crate compiles to
//! `wasm32-unknown-unknown` so the dashboard reuses [`validate`], [`lint`] and `decide`.
//!
//! Where the Kubernetes HPA (autoscaling/v2) defines a behaviour, the engine reproduces it
//! with the same defaults: usage ratio and tolerance, utilization from usage and requests in
//! milli-units with integer percent, pod requests as Kubernetes computes them (containers and
//! sidecars summed, or the pod-level request where the pod sets one; a missing request fails
//! the metric naming the instance and container), `ContainerResource` metrics on one named
//! container, failed and terminating instances ignored, the CPU readiness timing (initialization
//! period and initial readiness delay, per policy), missing instances at 100 % (of
//! `max(target, request)`) on a scale-down and 0 % on a scale-up, unready instances at 0 % on
//! a scale-up, the recomputation that may not flip the direction, the multi-metric maximum,
//! counts saturating at the int32 maximum, the legacy scale-up limit, stabilization windows
//! over the recommendation history (seeded with the current count on a target's first
//! evaluation), rate policies over the scale events inside each period with `select_policy`,
//! the min/max clamp, and HPA's condition reasons.
//!
//! ## Order of rules
//!
//! Each rule that changes the number appends a [`Limit`] to [`Decision::limits`], in order:
//!
//! 1. **Proposals** — one per metric (HPA replica calculator) and per step rule (AWS step
//!    scaling); a metric inside its tolerance proposes the current count (`Tolerance`). A
//!    proposal's `readiness` says which instances the CPU readiness timing left out and what
//!    it assumed for timing fields the backend could not give; the sentence quotes it.
//! 2. **Max** — the largest proposal wins. If every signal failed, or some failed and the
//!    rest would scale down, the metrics count as failed (HPA never scales down on partial
//!    metrics).
//! 3. **Activation** (`min_replicas = 0` only) — above the threshold a target at zero wakes to
//!    at least one; at or below it the proposal becomes zero.
//! 4. **Headroom** — the proposal is raised to demand + reserve (never lowered).
//! 5. **Fallback** — on failed metrics the count is held (HPA); after
//!    `fallback.after_failures` consecutive failures the fallback action applies (hold, or a
//!    fixed count that never scales in). Failed evaluations skip steps 6–8.
//! 6. **HPA normalization** — without `behavior`: 300 s scale-down stabilization, scale-up
//!    limit `max(2 × current, 4)`, min/max. With `behavior`: stabilization between the
//!    scale-up and scale-down windows, rate policies, min/max. If the current count is
//!    already outside the bounds it goes straight to the bound. The min/max used here are the
//!    *effective* bounds: the policy's, overridden by active schedules (`Schedule`). On the
//!    first evaluation after a policy is attached ([`History::attached`]) the current count
//!    joins the recommendations, so nothing scales down inside the first window ("watching
//!    since …; scale-down possible from …").
//! 7. **Cooldown** — no scale in a direction until its cooldown after the last scale event.
//! 8. **Pauses** — policy pauses and operator pause overrides hold a direction.
//! 9. **Final clamp** — into the effective bounds (a hold never keeps the count outside).
//! 10. **Pin** — an unexpired operator pin sets the count, overriding everything else.
//!
//! A target at zero with an effective minimum above zero is not evaluated (HPA
//! `ScalingDisabled`); only a pin moves it.
//!
//! ## Schedules
//!
//! Among the schedules active at `now`, the largest `min_replicas` and the smallest
//! `max_replicas` win; each replaces the policy's own bound while set. The effective max is
//! never below the effective min (the min wins a conflict). Without an activation threshold
//! the effective min is at least one.
//!
//! ## Missing metrics are never zero
//!
//! An absent, non-finite or negative value is *missing*, never read as zero: per instance it
//! is filled conservatively as HPA does; for a whole metric it makes the proposal an error,
//! and errors hold the count (then fall back) instead of scaling in.

mod calc;
pub mod decision;
pub mod forecast;
pub mod history;
mod normalize;
mod num;
pub mod observation;
pub mod policy;
pub mod schedule;
pub mod validate;

pub use decision::{
    decide, sentence_head, Bounds, Counts, Decision, Direction, Limit, NextAction, NextStep,
    Proposal, ProposalKind, Reason, Rule, Trigger,
};
pub use forecast::{ForecastReading, ModelKind, OutlookPoint, Prediction, Series};
pub use history::{History, Recommendation, ScaleEvent};
pub use num::MAX_REPLICAS;
pub use observation::{
    Container, ContainerKind, Detail, Instance, InstanceState, Observation, Override, OverrideKind,
    Resources,
};
pub use policy::{
    Activation, Adjustment, Behavior, Cooldown, Fallback, FallbackAction, Forecast, ForecastMode,
    Headroom, MetricSource, MetricSpec, MetricTarget, Pause, PauseDirection, Policy, RatePolicy,
    RatePolicyKind, ResourceName, Saturation, ScalingRules, Schedule, SelectPolicy, Step, StepRule,
    Tolerance, DEFAULT_SATURATION_LIMIT_PERCENT,
};
pub use schedule::{active_schedules, effective_bounds, ActiveSchedule};
pub use validate::{lint, validate, FieldError, Lint};
