//! From a backend's [`WorkloadObservation`] to the engine's [`Observation`]: states map one to
//! one, an instance's requests are its pod-level ones when it reports containers and the
//! workload's per-instance resources otherwise (limits likewise), timing fields pass through, and missing
//! metrics stay missing. Operator overrides are the caller's to add.

use ebb_engine::{Detail, Instance, InstanceState, Observation, Resources};

use super::{ObservedInstance, ObservedState, WorkloadObservation};

/// The engine's view of `obs` (no overrides).
pub fn engine_observation(obs: &WorkloadObservation) -> Observation {
    let requests = Resources {
        cpu: obs.resources.cpu_request,
        memory: obs.resources.memory_request,
    };
    let limits = Resources {
        cpu: obs.resources.cpu_limit,
        memory: obs.resources.memory_limit,
    };
    Observation {
        // The caller adds the policy's forecast (see `server::forecast`).
        forecast: None,
        current_replicas: obs.replicas,
        instances: obs
            .instances
            .iter()
            .map(|i| Instance {
                id: i.id.clone(),
                state: engine_state(i.state),
                started_at: i.started_at,
                ready_since: i.ready_since,
                ready_changed_at: i.ready_changed_at,
                // With containers, the engine reads an instance's own requests as pod-level
                // ones (which replace the containers' sum), so only real pod-level ones go there.
                requests: match (&i.pod_requests, i.containers.is_empty()) {
                    (Some(r), _) => *r,
                    (None, true) => requests,
                    (None, false) => Resources::default(),
                },
                // Without containers the workload's per-instance limits are the instance's;
                // with them, the engine sums the containers' own.
                limits: if i.containers.is_empty() {
                    limits
                } else {
                    Resources::default()
                },
                metrics: i.metrics.clone(),
                detail: detail(i),
            })
            .collect(),
        external: obs.external.clone(),
        overrides: Vec::new(),
        ready_change_note: obs.ready_change_note.clone(),
    }
}

/// What the backend saw inside the instance, if anything.
fn detail(i: &ObservedInstance) -> Option<Box<Detail>> {
    let any = i.sample_at.is_some()
        || i.sample_window_secs.is_some()
        || !i.containers.is_empty()
        || i.overhead.is_some();
    any.then(|| {
        Box::new(Detail {
            sample_at: i.sample_at,
            sample_window_secs: i.sample_window_secs,
            containers: i.containers.clone(),
            overhead: i.overhead.unwrap_or_default(),
        })
    })
}

/// The engine's lifecycle state for an observed one.
pub fn engine_state(state: ObservedState) -> InstanceState {
    match state {
        ObservedState::Starting => InstanceState::Starting,
        ObservedState::Ready => InstanceState::Ready,
        ObservedState::NotReady => InstanceState::NotReady,
        ObservedState::Failed => InstanceState::Failed,
        ObservedState::Terminating => InstanceState::Terminating,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::orchestrator::ResourceSpec;

    fn instance(containers: Vec<ebb_engine::Container>) -> ObservedInstance {
        ObservedInstance {
            id: "i".into(),
            state: ObservedState::Terminating,
            started_at: None,
            ready_since: None,
            metrics: Default::default(),
            restarts: 0,
            ready_changed_at: None,
            sample_at: None,
            sample_window_secs: Some(15.0),
            containers,
            pod_requests: None,
            overhead: None,
        }
    }

    /// The workload's per-instance request and limit reach instances without containers only:
    /// with containers the engine reads an instance's own requests as pod-level ones, and sums
    /// the containers' limits.
    #[test]
    fn workload_requests_go_to_instances_without_containers() {
        let obs = WorkloadObservation {
            at: chrono::Utc::now(),
            replicas: 2,
            token: "1".into(),
            resources: ResourceSpec {
                cpu_request: Some(0.5),
                cpu_limit: Some(1.0),
                ..Default::default()
            },
            instances: vec![
                instance(vec![]),
                instance(vec![ebb_engine::Container::default()]),
            ],
            external: Default::default(),
            demand: None,
            notes: vec![],
            ready_change_note: Some("note".into()),
        };
        let e = engine_observation(&obs);
        assert_eq!(e.instances[0].requests.cpu, Some(0.5));
        assert_eq!(e.instances[1].requests, Resources::default());
        assert_eq!(e.instances[0].limits.cpu, Some(1.0));
        assert_eq!(e.instances[1].limits, Resources::default());
        assert_eq!(e.instances[0].state, InstanceState::Terminating);
        let d = e.instances[0].detail.as_deref().expect("detail");
        assert_eq!(d.sample_window_secs, Some(15.0));
        assert_eq!(e.ready_change_note.as_deref(), Some("note"));
    }
}
