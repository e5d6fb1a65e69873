//! One simulated workload: its replica spec, its instances, its demand and faults, its request
//! queue, the log its lagged metrics are read from, and the accumulators the reports read.
//! Time inside is seconds since the workload was added; the model advances in fixed steps
//! (split at instance transitions so ready counts are exact).

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use super::check::check_spec;
use super::demand::Demand;
use super::error::SimError;
use super::faults::Windows;
use super::instance::{Lifecycle, SimInstance};
use super::lag::RateLog;
use super::queue::{self, QueueLimits};
use super::rng::Stream;
use super::spec::SimWorkloadSpec;

/// Totals since the workload was added (units are demand units and seconds).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SimStats {
    /// Simulated seconds covered.
    pub elapsed_secs: f64,
    /// Integral of offered demand over time.
    pub offered_units: f64,
    /// Integral of served demand over time.
    pub served_units: f64,
    /// Demand not served in time: dropped, or served later than the latency SLO.
    pub unserved_units: f64,
    /// Demand turned away because the queue was full (or capacity vanished under it).
    pub dropped_units: f64,
    /// Demand served after waiting longer than the latency SLO.
    pub late_units: f64,
    /// Seconds in which arriving demand was dropped or would wait beyond the SLO.
    pub slo_violation_secs: f64,
    /// Seconds during which offered demand exceeded ready capacity.
    pub secs_over_capacity: f64,
    /// Integral of existing instances (starting, ready, draining, failed) over time.
    pub instance_secs: f64,
    /// Durations of finished episodes of demand above ready capacity, in order.
    pub over_capacity_episodes: Vec<f64>,
    /// Start (seconds since added) of an episode still going on.
    pub open_episode_since: Option<f64>,
    /// Instance restarts after crashes.
    pub restarts: u64,
    /// SPEC elasticity sums (see [`Elasticity`]).
    pub elasticity: Elasticity,
}

/// Running sums of the SPEC Research elasticity metrics (Herbst et al.), with demand in
/// instances `d = ceil(offered ÷ capacity per instance at 100 % of the CPU request)` and supply
/// `s` = ready instances, each weighted by the seconds it held.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Elasticity {
    /// Σ max(d − s, 0) / max(d, 1) · Δt.
    pub under_secs: f64,
    /// Σ max(s − d, 0) / max(d, 1) · Δt.
    pub over_secs: f64,
    /// Σ [s < d] · Δt.
    pub under_time_secs: f64,
    /// Σ [s > d] · Δt.
    pub over_time_secs: f64,
    /// Σ min(|sgn Δs − sgn Δd|, 1) · Δt over steps after the first.
    pub unstable_secs: f64,
    /// Seconds after the first step (the instability's denominator).
    pub compared_secs: f64,
    /// (d, s) of the previous step.
    pub last: Option<(u64, u32)>,
}

impl Elasticity {
    fn record(&mut self, d: u64, s: u32, dt: f64) {
        let (df, sf) = (d as f64, f64::from(s));
        let base = df.max(1.0);
        self.under_secs += (df - sf).max(0.0) / base * dt;
        self.over_secs += (sf - df).max(0.0) / base * dt;
        if sf < df {
            self.under_time_secs += dt;
        } else if sf > df {
            self.over_time_secs += dt;
        }
        if let Some((d0, s0)) = self.last {
            let sgn_d = (d as i128 - d0 as i128).signum();
            let sgn_s = (i128::from(s) - i128::from(s0)).signum();
            if sgn_d != sgn_s {
                self.unstable_secs += dt;
            }
            self.compared_secs += dt;
        }
        self.last = Some((d, s));
    }

    /// θ_U, θ_O, τ_U, τ_O and instability, in percent, over `total_secs`.
    pub fn percentages(&self, total_secs: f64) -> [f64; 5] {
        let pct = |x: f64, t: f64| if t > 0.0 { 100.0 * x / t } else { 0.0 };
        [
            pct(self.under_secs, total_secs),
            pct(self.over_secs, total_secs),
            pct(self.under_time_secs, total_secs),
            pct(self.over_time_secs, total_secs),
            pct(self.unstable_secs, self.compared_secs),
        ]
    }
}

/// The load situation at one instant.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Load {
    pub offered: f64,
    /// What the ready instances serve at their CPU limit (units/s).
    pub capacity: f64,
    pub ready: u32,
    /// Demand waiting (units).
    pub queued: f64,
}

impl Load {
    /// Work done per second now: all capacity while anything waits.
    pub(crate) fn served(&self) -> f64 {
        if self.queued > 0.0 {
            self.capacity
        } else {
            self.offered.min(self.capacity)
        }
    }
}

/// A simulated workload.
#[derive(Debug, Clone)]
pub struct SimWorkload {
    pub(super) spec: SimWorkloadSpec,
    pub(super) demand: Demand,
    pub(super) lifecycle: Lifecycle,
    pub(super) origin: DateTime<Utc>,
    pub(super) now: f64,
    pub(super) step: f64,
    pub(super) replicas: u32,
    pub(super) version: u64,
    pub(super) next_serial: u64,
    pub(super) instances: Vec<SimInstance>,
    pub(super) outages: Windows,
    pub(super) unreachable: Windows,
    pub(super) stats: SimStats,
    /// Demand waiting for capacity (units).
    pub(super) queued: f64,
    /// Work done and demand offered, for lagged metrics.
    pub(super) log: RateLog,
}

impl SimWorkload {
    /// A workload added at `at`, its initial replicas already ready, stepping `step_secs`.
    pub fn new(
        spec: SimWorkloadSpec,
        at: DateTime<Utc>,
        step_secs: f64,
    ) -> Result<SimWorkload, SimError> {
        check_spec(&spec)?;
        let demand = Demand::build(&spec.demand)?;
        let f = &spec.faults;
        let lifecycle = Lifecycle {
            startup: f64::from(spec.startup_secs),
            startup_max: f64::from(spec.startup_max_secs),
            restart_delay: f64::from(f.restart_delay_secs),
            crash_rate_per_hour: f.crash_rate_per_hour,
            seed: spec.seed,
        };
        let outages = Windows::new(
            f.metric_outage_rate_per_hour,
            f.metric_outage_secs,
            spec.seed,
            Stream::Outage,
        );
        let unreachable = Windows::new(
            f.unreachable_rate_per_hour,
            f.unreachable_secs,
            spec.seed,
            Stream::Unreachable,
        );
        let mut w = SimWorkload {
            demand,
            lifecycle,
            origin: at,
            now: 0.0,
            step: if step_secs.is_finite() && step_secs > 0.0 {
                step_secs
            } else {
                1.0
            },
            replicas: spec.initial_replicas,
            version: 1,
            next_serial: 0,
            instances: Vec::new(),
            outages,
            unreachable,
            stats: SimStats::default(),
            queued: 0.0,
            log: RateLog::new(spec.metric_lag.horizon()),
            spec,
        };
        for _ in 0..w.replicas {
            w.add_instance(0.0, true);
        }
        Ok(w)
    }

    /// Creates one instance at `at` (seconds), ready at once (the initial set) or after start-up.
    pub(super) fn add_instance(&mut self, at: f64, ready_now: bool) {
        let ready_at = if ready_now {
            at
        } else {
            at + self.lifecycle.startup_of(self.next_serial, 0)
        };
        let inst = SimInstance::new(self.next_serial, at, ready_at, &self.lifecycle);
        self.next_serial += 1;
        self.instances.push(inst);
    }

    /// Seconds since the workload was added, never before the model's present.
    pub(super) fn secs(&self, t: DateTime<Utc>) -> f64 {
        ((t - self.origin).num_milliseconds() as f64 / 1000.0).max(self.now)
    }

    /// The instant `secs` after the workload was added.
    pub(super) fn instant(&self, secs: f64) -> DateTime<Utc> {
        self.origin + Duration::milliseconds((secs * 1000.0).round() as i64)
    }

    /// Moves the model forward to `t` (earlier instants are ignored).
    pub fn advance_to(&mut self, t: DateTime<Utc>) {
        let target = self.secs(t);
        while self.now < target {
            let grid = ((self.now / self.step).floor() + 1.0) * self.step;
            let event = self
                .instances
                .iter()
                .filter_map(|i| i.next_event(self.now))
                .fold(f64::INFINITY, f64::min);
            let next = grid.min(target).min(event);
            self.accumulate(self.now, next - self.now);
            self.now = next;
            self.settle();
        }
    }

    fn settle(&mut self) {
        let now = self.now;
        for inst in &mut self.instances {
            let before = inst.restarts;
            inst.settle(now, &self.lifecycle);
            self.stats.restarts += u64::from(inst.restarts - before);
        }
        self.instances
            .retain(|i| i.drain_end.is_none_or(|end| end > now));
    }

    /// How far one instance can burst above the capacity at its CPU request: its CPU limit
    /// over its request (1 without a limit: no spare CPU is assumed then).
    pub(super) fn burst(&self) -> f64 {
        match (
            self.spec.resources.cpu_request,
            self.spec.resources.cpu_limit,
        ) {
            (Some(req), Some(lim)) if req > 0.0 && lim > req => lim / req,
            _ => 1.0,
        }
    }

    /// Demand, ready capacity and ready count at model time `at`.
    pub(super) fn load(&self, at: f64) -> Load {
        let ready = self.instances.iter().filter(|i| i.is_ready(at)).count() as u32;
        Load {
            offered: self.demand.at(at, self.spec.seed),
            capacity: f64::from(ready) * self.spec.capacity_per_instance * self.burst(),
            ready,
            queued: self.queued,
        }
    }

    fn accumulate(&mut self, from: f64, dt: f64) {
        let load = self.load(from);
        let q = queue::step(
            self.queued,
            load.offered,
            load.capacity,
            dt,
            QueueLimits {
                queue_secs: self.spec.queue_secs,
                slo_secs: self.spec.latency_slo_secs,
            },
        );
        self.queued = q.queue;
        let per_instance = if load.ready > 0 && dt > 0.0 {
            q.served / dt / f64::from(load.ready)
        } else {
            0.0
        };
        self.log.push(dt, per_instance, load.offered);
        let needed = (load.offered / self.spec.capacity_per_instance - 1e-9)
            .ceil()
            .max(0.0) as u64;
        let s = &mut self.stats;
        s.elapsed_secs += dt;
        s.offered_units += load.offered * dt;
        s.served_units += q.served;
        s.dropped_units += q.dropped;
        s.late_units += q.late;
        s.unserved_units += q.dropped + q.late;
        s.slo_violation_secs += q.violation_secs;
        s.instance_secs += self.instances.len() as f64 * dt;
        s.elasticity.record(needed, load.ready, dt);
        let over = load.offered > load.capacity + 1e-9;
        if over {
            s.secs_over_capacity += dt;
            s.open_episode_since.get_or_insert(from);
        } else if let Some(since) = s.open_episode_since.take() {
            s.over_capacity_episodes.push(from - since);
        }
    }

    /// Totals since the workload was added.
    pub fn stats(&self) -> &SimStats {
        &self.stats
    }

    /// The spec this workload runs (with resources as last set).
    pub fn spec(&self) -> &SimWorkloadSpec {
        &self.spec
    }

    /// When the workload was added.
    pub fn origin(&self) -> DateTime<Utc> {
        self.origin
    }

    /// The replay trace behind the demand, if any (for its start and length).
    pub fn trace(&self) -> Option<&super::trace::TraceData> {
        self.demand.trace()
    }
}
