//! From a backend's [`WorkloadObservation`] to the engine's [`Observation`]: states map one to
//! one, requests come from the workload's per-instance resources, and missing metrics stay
//! missing. Operator overrides are the caller's to add.

use ebb_engine::{Instance, InstanceState, Observation, Resources};

use super::{ObservedState, WorkloadObservation};

/// The engine's view of `obs` (no overrides).
pub fn engine_observation(obs: &WorkloadObservation) -> Observation {
    let requests = Resources {
        cpu: obs.resources.cpu_request,
        memory: obs.resources.memory_request,
    };
    Observation {
        current_replicas: obs.replicas,
        instances: obs
            .instances
            .iter()
            .map(|i| Instance {
                id: i.id.clone(),
                state: engine_state(i.state),
                started_at: i.started_at,
                ready_since: i.ready_since,
                requests,
                metrics: i.metrics.clone(),
            })
            .collect(),
        external: obs.external.clone(),
        overrides: Vec::new(),
    }
}

/// The engine's lifecycle state for an observed one.
pub fn engine_state(state: ObservedState) -> InstanceState {
    match state {
        ObservedState::Starting => InstanceState::Starting,
        ObservedState::Ready => InstanceState::Ready,
        ObservedState::NotReady => InstanceState::NotReady,
        ObservedState::Failed => InstanceState::Failed,
    }
}
