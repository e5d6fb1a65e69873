//! One simulated instance's lifecycle, kept as instants (seconds since the workload was
//! added) rather than stepped state: Starting until `ready_at`, then Ready; a crash makes it
//! Failed until the orchestrator restarts it; a scale-in makes it Terminating until its drain
//! ends. State at any instant is exact whatever the model's step.

use super::rng::{exp_secs, uniform, Stream};
use crate::server::orchestrator::ObservedState;

/// Timing parameters an instance needs to move through its lifecycle.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Lifecycle {
    /// Shortest start-up.
    pub startup: f64,
    /// Longest start-up: when above `startup`, each start-up is drawn uniformly between them.
    pub startup_max: f64,
    pub restart_delay: f64,
    pub crash_rate_per_hour: f64,
    pub seed: u64,
}

/// One instance (container) of a simulated workload.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct SimInstance {
    /// Unique within the workload, in creation order.
    pub serial: u64,
    pub created_at: f64,
    /// When the current incarnation is (or was) ready.
    pub ready_at: f64,
    crash_at: Option<f64>,
    /// Set while crashed: when it crashed, and when it restarts.
    failed: Option<(f64, f64)>,
    /// Set after a scale-in: when the drain ends and the instance is gone.
    pub drain_end: Option<f64>,
    pub restarts: u32,
}

impl SimInstance {
    /// A new instance created at `at`, ready after the start-up delay (`startup` 0: at once).
    pub(crate) fn new(serial: u64, at: f64, ready_at: f64, lc: &Lifecycle) -> SimInstance {
        SimInstance {
            serial,
            created_at: at,
            ready_at,
            crash_at: next_crash(serial, 0, at, lc),
            failed: None,
            drain_end: None,
            restarts: 0,
        }
    }

    /// Applies every crash and restart that happened up to `now`, in order.
    pub(crate) fn settle(&mut self, now: f64, lc: &Lifecycle) {
        loop {
            match (self.failed, self.crash_at) {
                (Some((_, restart)), _) if restart <= now => {
                    self.failed = None;
                    self.restarts = self.restarts.saturating_add(1);
                    self.ready_at = restart + lc.startup_of(self.serial, self.restarts);
                    self.crash_at = next_crash(self.serial, self.restarts, restart, lc);
                }
                (None, Some(crash)) if crash <= now && self.drain_end.is_none_or(|d| crash < d) => {
                    self.failed = Some((crash, crash + lc.restart_delay));
                    self.crash_at = None;
                }
                _ => return,
            }
        }
    }

    /// Crashes the instance at `now` (manual fault injection).
    pub(crate) fn crash(&mut self, now: f64, lc: &Lifecycle) {
        if self.failed.is_none() && self.drain_end.is_none() {
            self.failed = Some((now, now + lc.restart_delay));
            self.crash_at = None;
        }
    }

    /// Lifecycle state at `now` (after [`Self::settle`]).
    pub(crate) fn state(&self, now: f64) -> ObservedState {
        if self.drain_end.is_some() {
            ObservedState::Terminating
        } else if self.failed.is_some() {
            ObservedState::Failed
        } else if now < self.ready_at {
            ObservedState::Starting
        } else {
            ObservedState::Ready
        }
    }

    /// True when the instance is ready and not draining at `now`.
    pub(crate) fn is_ready(&self, now: f64) -> bool {
        self.state(now) == ObservedState::Ready
    }

    /// Instant of the next scheduled transition after `now`, if any (for exact stepping).
    pub(crate) fn next_event(&self, now: f64) -> Option<f64> {
        [
            self.crash_at,
            self.failed.map(|f| f.1),
            self.drain_end,
            Some(self.ready_at),
        ]
        .into_iter()
        .flatten()
        .filter(|&t| t > now)
        .min_by(f64::total_cmp)
    }
}

impl Lifecycle {
    /// Start-up of incarnation `incarnation` of instance `serial` (seeded, so the same run
    /// draws the same start-ups however it is stepped).
    pub(crate) fn startup_of(&self, serial: u64, incarnation: u32) -> f64 {
        if self.startup_max > self.startup {
            let u = uniform(
                self.seed,
                Stream::Startup,
                (serial << 20) ^ u64::from(incarnation),
            );
            self.startup + u * (self.startup_max - self.startup)
        } else {
            self.startup
        }
    }
}

fn next_crash(serial: u64, incarnation: u32, from: f64, lc: &Lifecycle) -> Option<f64> {
    let index = (serial << 20) ^ u64::from(incarnation);
    exp_secs(
        lc.crash_rate_per_hour,
        uniform(lc.seed, Stream::Crash, index),
    )
    .map(|d| from + d)
}
