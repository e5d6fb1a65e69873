//! The built-in cluster simulator: ebb's embedded default backend and its test double.
//!
//! The model ([`SimCluster`], [`SimWorkload`]) is pure and synchronous: workloads with
//! per-instance capacity, CPU/memory requests and limits, a start-up delay, a drain delay on
//! scale-in, demand from patterns or a recorded trace, and seeded faults (crashes with
//! restart, metric outages, unreachable windows). Same spec, same seed and same calls give
//! the same observations. [`SimulatorBackend`] wraps it behind the async
//! [`Orchestrator`] trait and advances it to its [`Clock`]'s now on every call, so it runs in
//! real time in the server, on tokio's paused clock in tests and in fast-forward in replays.
//!
//! Load model (each part a spec setting, documented in the README):
//! - An instance serves `capacity_per_instance` units/s at 100 % of its CPU request and bursts
//!   up to its CPU limit (×limit/request), as a real container does; its `cpu` metric is
//!   cpu_request × served / capacity, so it reads above 100 % of the request while bursting.
//!   `memory` = base + per-unit × served (capped by the limit); `rps` = served units/s.
//! - Demand above what the ready instances serve waits in a FIFO queue holding at most
//!   `queue_secs` (60) of current capacity; beyond it demand is dropped. Demand dropped, or
//!   served after more than `latency_slo_secs` (1) of queueing, is unserved.
//! - Metrics lag as in a real pipeline (`metric_lag`): CPU and memory are 30 s means published
//!   15 s after their window on a 15 s grid (metrics-server); `rps` and the external `demand`
//!   are means over the last 15 s scrape interval (Prometheus). The demand reading beside the
//!   observation is exact: it is ground truth for reports, not a metric.
//! - Start-ups are drawn uniformly from `startup_secs..=startup_max_secs` when a range is set.
//!
//! Starting and failed instances report no metrics; draining ones report zero load. During a
//! metric outage every instance's metrics and the external `demand` value are absent, never
//! zero.

mod check;
mod cluster;
mod demand;
mod error;
mod faults;
mod instance;
mod lag;
mod ops;
mod queue;
mod rng;
mod spec;
mod trace;
mod workload;

use std::sync::{Arc, Mutex, MutexGuard};

use async_trait::async_trait;

pub use check::MAX_SIM_REPLICAS;
pub use cluster::SimCluster;
pub use error::SimError;
pub use spec::{DemandSpec, FaultSpec, MetricLag, SimWorkloadSpec};
pub use trace::TraceData;
pub use workload::{Elasticity, SimStats, SimWorkload};

use super::{
    Orchestrator, OrchestratorError, ResourceSpec, ScaleOutcome, WorkloadObservation, WorkloadRef,
};
use crate::server::clock::Clock;

/// The simulator as an [`Orchestrator`]: a [`SimCluster`] behind a mutex, advanced to
/// `clock.now()` on every call.
pub struct SimulatorBackend {
    cluster: Mutex<SimCluster>,
    clock: Arc<dyn Clock>,
}

impl SimulatorBackend {
    /// An empty simulated cluster following `clock`.
    pub fn new(clock: Arc<dyn Clock>) -> SimulatorBackend {
        SimulatorBackend {
            cluster: Mutex::new(SimCluster::new()),
            clock,
        }
    }

    fn lock(&self) -> MutexGuard<'_, SimCluster> {
        // A panic while holding the lock cannot leave the model half-updated in a way that
        // matters more than stopping the simulator, so a poisoned lock is simply reused.
        self.cluster.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Adds workload `name` now. A trace file is read and checked before the model is locked;
    /// its errors name the file and line.
    pub fn add_workload(&self, name: &str, spec: SimWorkloadSpec) -> Result<(), SimError> {
        let step = self.lock().step_secs();
        let workload = SimWorkload::new(spec, self.clock.now(), step)?;
        let mut c = self.lock();
        c.advance_to(self.clock.now());
        c.insert(name, workload)
    }

    /// Removes workload `name`.
    pub fn remove_workload(&self, name: &str) -> Result<(), SimError> {
        self.lock().remove(name).map(|_| ())
    }

    /// Runs `f` on the model after advancing it to now (stats, manual fault injection).
    pub fn with_cluster<R>(
        &self,
        f: impl FnOnce(&mut SimCluster, chrono::DateTime<chrono::Utc>) -> R,
    ) -> R {
        let now = self.clock.now();
        let mut c = self.lock();
        c.advance_to(now);
        f(&mut c, now)
    }
}

#[async_trait]
impl Orchestrator for SimulatorBackend {
    async fn list_workloads(&self) -> Result<Vec<WorkloadRef>, OrchestratorError> {
        self.with_cluster(|c, now| c.list(now))
    }

    async fn observe(&self, workload: &str) -> Result<WorkloadObservation, OrchestratorError> {
        self.with_cluster(|c, now| c.observe(workload, now))
    }

    async fn scale(
        &self,
        workload: &str,
        replicas: u32,
        token: &str,
    ) -> Result<ScaleOutcome, OrchestratorError> {
        self.with_cluster(|c, now| c.scale(workload, replicas, token, now))
    }

    async fn set_resources(
        &self,
        workload: &str,
        resources: &ResourceSpec,
        token: &str,
    ) -> Result<String, OrchestratorError> {
        self.with_cluster(|c, now| c.set_resources(workload, resources, token, now))
    }
}
