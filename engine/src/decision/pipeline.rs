//! `decide`: runs the rules in the documented order (see the crate docs) and assembles the
//! [`Decision`].

use chrono::{DateTime, Utc};

use super::trace::Trace;
use super::{explain, next, Decision, Direction, Proposal, ProposalKind, Reason, Rule};
use crate::calc::{self, lookup_value, Ctx};
use crate::history::{History, Recommendation};
use crate::normalize::bounds::Limits;
use crate::normalize::{self, Args, ShortDown};
use crate::num::Text;
use crate::observation::Observation;
use crate::policy::{FallbackAction, Headroom, Policy};
use crate::schedule::{active_schedules, effective_bounds, policy_bounds, ActiveSchedule};

/// Combined outcome of all proposals.
enum Signal {
    /// No metric or step rule proposed anything.
    Nothing,
    /// The largest proposal.
    Proposed(u32),
    /// Metrics could not be read (all invalid, or some invalid and the rest would scale down).
    Failed,
}

/// One evaluation in progress.
pub(super) struct Run<'a> {
    pub policy: &'a Policy,
    pub obs: &'a Observation,
    pub history: &'a History,
    /// On the first evaluation, the current count as a recommendation at `now`.
    pub initial: Option<Recommendation>,
    pub now: DateTime<Utc>,
    pub current: u32,
    pub limits: Limits,
    pub proposals: Vec<Proposal>,
    pub trace: Trace,
    pub metrics_ok: bool,
    pub driver: Option<usize>,
    /// The largest reactive proposal (every signal but the forecast).
    pub reactive: Option<u32>,
}

/// Evaluates `policy` against `obs` and `history` at `now`. Pure and total: never panics,
/// whatever the input.
pub fn decide(
    policy: &Policy,
    obs: &Observation,
    history: &History,
    now: DateTime<Utc>,
) -> Decision {
    let active = active_schedules(policy, now);
    let ctx = Ctx { policy, obs, now };
    let mut run = Run {
        policy,
        obs,
        history,
        initial: history.first_evaluation.then_some(Recommendation {
            at: now,
            replicas: obs.current_replicas,
        }),
        now,
        current: obs.current_replicas,
        limits: limits(policy, &active),
        proposals: calc::propose(&ctx),
        trace: Trace::new(),
        metrics_ok: true,
        driver: None,
        reactive: None,
    };
    let (desired, raw) = if run.current == 0 && policy_bounds(policy).min > 0 {
        run.trace.note(Reason::ScalingDisabled);
        (0, 0)
    } else {
        run.evaluate(&ctx)
    };
    let desired = run.pin(desired);
    run.finish(desired, raw, active)
}

fn limits(policy: &Policy, active: &[ActiveSchedule]) -> Limits {
    let b = effective_bounds(policy, active);
    let name_of = |v: u32, pick: fn(&ActiveSchedule) -> Option<u32>| {
        active
            .iter()
            .find(|a| pick(a) == Some(v))
            .map(|a| a.name.clone())
    };
    Limits {
        min: b.min,
        max: b.max,
        min_schedule: name_of(b.min, |a| a.min_replicas),
        max_schedule: name_of(b.max, |a| a.max_replicas).or_else(|| {
            // A schedule min above every max raises the max with it.
            (b.max == b.min)
                .then(|| name_of(b.min, |a| a.min_replicas))
                .flatten()
        }),
    }
}

impl Run<'_> {
    /// Everything between the proposals and the pin; returns (desired, raw recommendation).
    fn evaluate(&mut self, ctx: &Ctx<'_>) -> (u32, u32) {
        let signal = self.combine();
        let active = self.activation(ctx);
        let proposed = match (self.current, active, signal) {
            (0, Some(true), s) => self.wake(s),
            // Asleep at zero: stays there unless an effective minimum (a schedule) says
            // otherwise; the final clamp applies here too.
            (0, Some(false), _) => {
                self.trace.note(Reason::Deactivated);
                return (self.clamp(0), 0);
            }
            (0, None, _) if self.policy.activation.is_some() => {
                self.fail_hold();
                return (self.clamp(0), 0);
            }
            (_, _, Signal::Failed) => return self.fallback(),
            (_, _, Signal::Nothing) => self.current,
            (_, _, Signal::Proposed(n)) => n,
        };
        let proposed = match active {
            Some(false) if self.current > 0 => {
                let detail = format!(
                    "{} is at or below its activation threshold",
                    self.activation_name()
                );
                self.trace
                    .bind(Rule::Activation, proposed, 0, Reason::Deactivated, detail);
                self.trace.note(Reason::Deactivated);
                0
            }
            _ => self.headroom(proposed),
        };
        let normalized = self.normalize(proposed);
        let held = self.cooldown(normalized);
        let held = self.pauses(held);
        (self.clamp(held), proposed)
    }

    fn combine(&mut self) -> Signal {
        let mut best: Option<(u32, usize)> = None;
        let mut invalid = 0;
        for (i, p) in self.proposals.iter().enumerate() {
            // The forecast joins below, and only when it scales; its failures never hold.
            if p.kind == ProposalKind::Forecast {
                continue;
            }
            match (p.replicas, &p.error) {
                (_, Some(_)) => invalid += 1,
                (Some(n), None) if best.is_none_or(|(b, _)| n > b) => best = Some((n, i)),
                _ => {}
            }
        }
        self.driver = best.map(|(_, i)| i);
        self.reactive = best.map(|(n, _)| n);
        let signal = match best {
            _ if invalid > 0 && best.is_none_or(|(n, _)| n < self.current) => {
                return Signal::Failed
            }
            None => Signal::Nothing,
            Some((n, i)) => {
                self.tolerance_note(i);
                Signal::Proposed(n)
            }
        };
        self.forecast_ahead(signal)
    }

    /// The forecast's proposal when it scales and asks for more than the reactive signals:
    /// it wins, and the limits say so. A forecast never lowers the count the others ask for.
    fn forecast_ahead(&mut self, signal: Signal) -> Signal {
        let reactive = match signal {
            Signal::Proposed(n) => n,
            _ => self.current,
        };
        let Some((i, n)) = self.forecast_proposal() else {
            return signal;
        };
        if n <= reactive {
            return signal;
        }
        let mut detail = String::with_capacity(self.proposals[i].detail.len() + 32);
        detail.s(&self.proposals[i].detail);
        if let Some(r) = self.reactive {
            detail.s("; the observed load asks for ").n(r);
        }
        self.trace
            .bind(Rule::Forecast, reactive, n, Reason::Forecast, detail);
        self.driver = Some(i);
        Signal::Proposed(n)
    }

    /// Index and replicas of the forecast's proposal when the policy acts on it.
    fn forecast_proposal(&self) -> Option<(usize, u32)> {
        if !self.policy.forecast.as_ref().is_some_and(|f| f.scales()) {
            return None;
        }
        let i = self
            .proposals
            .iter()
            .position(|p| p.kind == ProposalKind::Forecast)?;
        let p = &self.proposals[i];
        p.error.is_none().then_some(())?;
        p.replicas.map(|n| (i, n))
    }

    /// The shorter scale-down window, when the policy sets one and the forecast (at its
    /// quantile) and the observed load agree that the load has fallen below the current count.
    /// The forecast's own proposal still joins the maximum, so the count never goes below
    /// what the forecast expects over the lead.
    fn forecast_down(&self) -> Option<ShortDown> {
        let secs = self.policy.forecast.as_ref()?.scale_down_window_secs?;
        let (_, n) = self.forecast_proposal()?;
        let reactive = self.reactive?;
        (reactive < self.current && n < self.current).then(|| {
            let q = self.policy.forecast.as_ref().map_or(0.0, |f| f.quantile);
            let mut detail = String::with_capacity(128);
            detail
                .s("scale-down window shortened to ")
                .n(secs)
                .s("s: the p")
                .n((q * 100.0).round() as u32)
                .s(" forecast needs ")
                .n(n)
                .s(" and the observed load ")
                .n(reactive)
                .s(", both fewer than ")
                .n(self.current)
                .s(": the load has fallen");
            ShortDown { secs, detail }
        })
    }

    fn tolerance_note(&mut self, i: usize) {
        let Some(p) = self.proposals.get(i) else {
            return;
        };
        if let (true, Some(demand)) = (p.within_tolerance, p.demand) {
            // The proposal's own detail says which hold it was (tolerance, a recomputation that
            // would reverse the direction, or one that moves against the usage).
            let mut detail = String::with_capacity(2 + p.name.len() + p.detail.len());
            detail.s(&p.name).s(" ").s(&p.detail);
            self.trace.bind(
                Rule::Tolerance,
                demand,
                self.current,
                Reason::WithinTolerance,
                detail,
            );
        }
    }

    /// `Some(active)` when scale-to-zero applies and the activation value is known.
    fn activation(&mut self, ctx: &Ctx<'_>) -> Option<bool> {
        let a = self.policy.activation.as_ref()?;
        if self.policy.min_replicas > 0 {
            return None;
        }
        let v = lookup_value(ctx, &a.metric, &self.proposals)?;
        Some(v > a.threshold)
    }

    fn activation_name(&self) -> String {
        self.policy
            .activation
            .as_ref()
            .map(|a| a.metric.clone())
            .unwrap_or_default()
    }

    /// From zero: at least one replica, more if a signal that works at zero says so.
    fn wake(&mut self, s: Signal) -> u32 {
        let n = match s {
            Signal::Proposed(n) => n.max(1),
            _ => 1,
        };
        let detail = format!(
            "{} is above its activation threshold",
            self.activation_name()
        );
        self.trace
            .bind(Rule::Activation, 0, n, Reason::Activated, detail);
        n
    }

    fn headroom(&mut self, proposed: u32) -> u32 {
        let Some(h) = self.policy.headroom else {
            return proposed;
        };
        let reserve = self
            .proposals
            .iter()
            .filter(|p| p.error.is_none())
            .filter(|p| !matches!(p.kind, ProposalKind::Step | ProposalKind::Forecast))
            .filter_map(|p| p.demand)
            .map(|d| with_headroom(d, h))
            .max()
            .unwrap_or(0);
        if reserve > proposed {
            let detail = match h {
                Headroom::Percent(p) => {
                    format!("raised to {reserve} to keep {p}% headroom above demand")
                }
                Headroom::Instances(n) => {
                    format!("raised to {reserve} to keep {n} spare instances")
                }
            };
            self.trace.bind(
                Rule::Headroom,
                proposed,
                reserve,
                Reason::HeadroomReserved,
                detail,
            );
            return reserve;
        }
        proposed
    }

    fn fail_hold(&mut self) -> (u32, u32) {
        self.metrics_ok = false;
        self.trace.note(Reason::MetricsMissing);
        (self.current, self.current)
    }

    /// Metrics failed: hold (HPA), and after enough failures apply the fallback action.
    fn fallback(&mut self) -> (u32, u32) {
        let (current, _) = self.fail_hold();
        let failures = self.history.metric_failures.saturating_add(1);
        let fb = self.policy.fallback;
        if failures < fb.after_failures {
            return (self.clamp(current), current);
        }
        let target = match fb.action {
            FallbackAction::Hold => {
                self.trace.note(Reason::FallbackHold);
                return (self.clamp(current), current);
            }
            FallbackAction::Fixed(n) => self.limits.clamp(n.max(current)),
        };
        let detail = format!("metrics failed {failures} times in a row: fallback to {target}");
        self.trace.bind(
            Rule::Fallback,
            current,
            target,
            Reason::FallbackFixed,
            detail,
        );
        self.trace.note(Reason::FallbackFixed);
        (target, current)
    }

    fn normalize(&mut self, proposed: u32) -> u32 {
        let (lim, current) = (&self.limits, self.current);
        if current > lim.max || current < lim.min {
            // HPA: outside the bounds, go straight to the bound without normalization.
            let to = lim.clamp(current);
            let (rule, reason, detail) = if current > lim.max {
                lim.at_max()
            } else {
                lim.at_min()
            };
            self.trace.bind(rule, proposed, to, reason, detail);
            return to;
        }
        let args = Args {
            policy: self.policy,
            history: self.history,
            initial: self.initial,
            // A new attachment starts watching now, whatever an earlier one recorded.
            watch_start: self.initial.map(|r| r.at).or(self.history.watching_since),
            now: self.now,
            current,
            limits: lim,
            forecast_down: self.forecast_down(),
        };
        normalize::normalize(&args, proposed, &mut self.trace)
    }

    fn finish(self, desired: u32, raw: u32, active: Vec<ActiveSchedule>) -> Decision {
        let next = next::next_action(&self, desired, raw);
        let sentence = explain::sentence(&self, desired);
        Decision {
            current_replicas: self.current,
            desired_replicas: desired,
            direction: Direction::of(self.current, desired),
            reason: self.trace.reason.unwrap_or(Reason::DesiredWithinRange),
            sentence,
            next,
            recommendation: Recommendation {
                at: self.now,
                replicas: raw,
            },
            initial_recommendation: self.initial,
            metrics_ok: self.metrics_ok,
            bounds: super::Bounds {
                min: self.limits.min,
                max: self.limits.max.max(self.limits.min),
            },
            active_schedules: active.into_iter().map(|a| a.name).collect(),
            proposals: self.proposals,
            limits: self.trace.limits,
        }
    }
}

/// Demand plus headroom.
fn with_headroom(demand: u32, h: Headroom) -> u32 {
    match h {
        Headroom::Percent(p) if p.is_finite() && p > 0.0 => {
            crate::num::ceil_u32(f64::from(demand) * (1.0 + p / 100.0))
        }
        Headroom::Percent(_) => demand,
        Headroom::Instances(n) => crate::num::replicas(demand.saturating_add(n)),
    }
}
