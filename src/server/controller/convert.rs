//! The figures the dashboard shows from an observation and a decision (load against target,
//! per-instance load, counts) and the names they are stored under.

use ebb_engine::{Decision, Direction};

use crate::server::orchestrator::{ObservedState, WorkloadObservation};
use crate::server::store::samples::InstanceSample;

/// Number of instances in `state`.
pub fn count(o: &WorkloadObservation, state: ObservedState) -> u32 {
    u32::try_from(o.instances.iter().filter(|i| i.state == state).count()).unwrap_or(u32::MAX)
}

/// The load shown for a workload: the first signal's value and target (e.g. cpu % vs 70 %).
pub fn headline_load(d: &Decision) -> (Option<f64>, Option<f64>) {
    d.proposals
        .first()
        .map(|p| (p.value, p.target))
        .unwrap_or((None, None))
}

/// Per-instance load for the instance table: cpu utilization of the request in %, or the raw
/// cpu cores when there is no request.
pub fn instance_samples(o: &WorkloadObservation) -> Vec<InstanceSample> {
    o.instances
        .iter()
        .map(|i| InstanceSample {
            instance: i.id.clone(),
            state: state_name(i.state),
            load: i
                .metrics
                .get("cpu")
                .map(|cpu| match o.resources.cpu_request {
                    Some(req) if req > 0.0 => cpu / req * 100.0,
                    _ => *cpu,
                }),
            restarts: i.restarts,
        })
        .collect()
}

/// Stored name of an instance state.
pub fn state_name(s: ObservedState) -> &'static str {
    match s {
        ObservedState::Starting => "starting",
        ObservedState::Ready => "ready",
        ObservedState::NotReady => "not_ready",
        ObservedState::Failed => "failed",
        ObservedState::Terminating => "terminating",
    }
}

/// Stored name of a direction.
pub fn direction_name(d: Direction) -> &'static str {
    match d {
        Direction::Up => "up",
        Direction::Down => "down",
        Direction::None => "none",
    }
}
