//! A set of named simulated workloads sharing one notion of time: the synchronous model the
//! [`super::SimulatorBackend`] wraps and replays drive directly.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use super::error::SimError;
use super::spec::SimWorkloadSpec;
use super::workload::SimWorkload;
use crate::server::orchestrator::{
    OrchestratorError, ResourceSpec, ScaleOutcome, WorkloadObservation, WorkloadRef,
};

/// Named simulated workloads.
#[derive(Debug, Clone)]
pub struct SimCluster {
    workloads: BTreeMap<String, SimWorkload>,
    step_secs: f64,
    unreachable_until: Option<DateTime<Utc>>,
}

impl Default for SimCluster {
    fn default() -> Self {
        SimCluster::new()
    }
}

impl SimCluster {
    /// An empty cluster stepping its model every second.
    pub fn new() -> SimCluster {
        SimCluster::with_step(1.0)
    }

    /// An empty cluster stepping every `step_secs` (coarser for fast-forward replays; instance
    /// transitions stay exact, only the accumulators' resolution changes).
    pub fn with_step(step_secs: f64) -> SimCluster {
        SimCluster {
            workloads: BTreeMap::new(),
            step_secs,
            unreachable_until: None,
        }
    }

    /// Adds workload `name` at `at`, with its initial replicas ready.
    pub fn add(
        &mut self,
        name: &str,
        spec: SimWorkloadSpec,
        at: DateTime<Utc>,
    ) -> Result<(), SimError> {
        let w = SimWorkload::new(spec, at, self.step_secs)?;
        self.insert(name, w)
    }

    /// Adds a workload built beforehand (e.g. outside a lock, as reading a trace takes time).
    pub fn insert(&mut self, name: &str, workload: SimWorkload) -> Result<(), SimError> {
        if self.workloads.contains_key(name) {
            return Err(SimError::Duplicate(name.to_string()));
        }
        self.workloads.insert(name.to_string(), workload);
        Ok(())
    }

    /// The model step of this cluster's workloads, in seconds.
    pub fn step_secs(&self) -> f64 {
        self.step_secs
    }

    /// Removes workload `name`.
    pub fn remove(&mut self, name: &str) -> Result<SimWorkload, SimError> {
        self.workloads
            .remove(name)
            .ok_or_else(|| SimError::NotFound(name.to_string()))
    }

    /// The workload `name`, for stats and manual fault injection.
    pub fn workload(&self, name: &str) -> Option<&SimWorkload> {
        self.workloads.get(name)
    }

    /// The workload `name`, mutable.
    pub fn workload_mut(&mut self, name: &str) -> Option<&mut SimWorkload> {
        self.workloads.get_mut(name)
    }

    /// Advances every workload to `t`.
    pub fn advance_to(&mut self, t: DateTime<Utc>) {
        for w in self.workloads.values_mut() {
            w.advance_to(t);
        }
    }

    /// Makes the whole backend unreachable until `until` (every call fails).
    pub fn force_unreachable_until(&mut self, until: DateTime<Utc>) {
        self.unreachable_until = Some(until);
    }

    fn reachable(&self, t: DateTime<Utc>) -> Result<(), OrchestratorError> {
        match self.unreachable_until {
            Some(until) if t < until => Err(OrchestratorError::Unreachable(
                "simulated backend is unreachable (injected fault)".into(),
            )),
            _ => Ok(()),
        }
    }

    fn get(&mut self, name: &str, t: DateTime<Utc>) -> Result<&mut SimWorkload, OrchestratorError> {
        self.reachable(t)?;
        let w = self.workloads.get_mut(name).ok_or_else(|| {
            OrchestratorError::NotFound(format!("no simulated workload named `{name}`"))
        })?;
        w.advance_to(t);
        w.check_reachable(name, t)?;
        Ok(w)
    }

    /// Every workload, all scalable.
    pub fn list(&self, t: DateTime<Utc>) -> Result<Vec<WorkloadRef>, OrchestratorError> {
        self.reachable(t)?;
        Ok(self
            .workloads
            .keys()
            .map(|name| WorkloadRef {
                name: name.clone(),
                scalable: true,
                note: None,
                held_by: None,
            })
            .collect())
    }

    /// Observes `name` at `t`.
    pub fn observe(
        &mut self,
        name: &str,
        t: DateTime<Utc>,
    ) -> Result<WorkloadObservation, OrchestratorError> {
        Ok(self.get(name, t)?.observe(t))
    }

    /// Scales `name` to `replicas` at `t` if `token` is current.
    pub fn scale(
        &mut self,
        name: &str,
        replicas: u32,
        token: &str,
        t: DateTime<Utc>,
    ) -> Result<ScaleOutcome, OrchestratorError> {
        self.get(name, t)?.scale(replicas, token, t)
    }

    /// Sets `name`'s per-instance resources at `t` if `token` is current.
    pub fn set_resources(
        &mut self,
        name: &str,
        resources: &ResourceSpec,
        token: &str,
        t: DateTime<Utc>,
    ) -> Result<String, OrchestratorError> {
        self.get(name, t)?.set_resources(resources, token, t)
    }
}
