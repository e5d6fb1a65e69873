//! One simulated workload: its replica spec, its instances, its demand and faults, and the
//! accumulators the reports read. Time inside is seconds since the workload was added; the
//! model advances in fixed steps (split at instance transitions so ready counts are exact).

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use super::check::check_spec;
use super::demand::Demand;
use super::error::SimError;
use super::faults::Windows;
use super::instance::{Lifecycle, SimInstance};
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
    /// Integral of demand above ready capacity over time.
    pub unserved_units: f64,
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
}

/// The load situation at one instant.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Load {
    pub offered: f64,
    pub capacity: f64,
    pub ready: u32,
}

impl Load {
    pub(crate) fn served(&self) -> f64 {
        self.offered.min(self.capacity)
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
            at + self.lifecycle.startup
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

    /// Demand, ready capacity and ready count at model time `at`.
    pub(super) fn load(&self, at: f64) -> Load {
        let ready = self.instances.iter().filter(|i| i.is_ready(at)).count() as u32;
        Load {
            offered: self.demand.at(at, self.spec.seed),
            capacity: f64::from(ready) * self.spec.capacity_per_instance,
            ready,
        }
    }

    fn accumulate(&mut self, from: f64, dt: f64) {
        let load = self.load(from);
        let s = &mut self.stats;
        s.elapsed_secs += dt;
        s.offered_units += load.offered * dt;
        s.served_units += load.served() * dt;
        s.unserved_units += (load.offered - load.served()) * dt;
        s.instance_secs += self.instances.len() as f64 * dt;
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
