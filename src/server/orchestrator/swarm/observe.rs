//! From Swarm's service spec and task list to ebb's [`ObservedInstance`]s, [`ResourceSpec`] and
//! notes: pure functions, so the mapping is tested without a daemon.
//!
//! Only tasks Swarm wants running (desired state running/ready) are instances; their state maps
//! new…starting → Starting, running → Ready, failed/rejected (and a stopped task Swarm still
//! wants running) → Failed. Tasks Swarm has given up on count as restarts of their slot.
//!
//! Swarm keeps only the last few tasks of a slot (`--task-history-limit`, default 5), so the
//! failed tasks it lists stop growing in a crash loop. [`SlotFailures`] remembers the failed
//! task ids already counted, so a slot's restart count keeps rising with every new failure
//! for as long as the backend runs.

use std::collections::{BTreeMap, HashMap, HashSet};

use bollard::models::{ServiceSpec, Task, TaskState};

use super::stats::ContainerLoad;
use crate::server::orchestrator::{ObservedInstance, ObservedState, ResourceSpec};

/// Per-instance metric: CPU in use as % of the CPU limit (for policies that scale on limits).
pub const CPU_OF_LIMIT: &str = "cpu_of_limit";
/// Per-instance metric: memory in use as % of the memory limit.
pub const MEMORY_OF_LIMIT: &str = "memory_of_limit";

/// How a service is scheduled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Replicated(u32),
    Global,
    Job,
}

/// The service's scheduling mode and, for replicated services, its desired replica count.
pub fn mode_of(spec: &ServiceSpec) -> Mode {
    let Some(mode) = spec.mode.as_ref() else {
        return Mode::Replicated(1);
    };
    if mode.global.is_some() {
        Mode::Global
    } else if mode.replicated_job.is_some() || mode.global_job.is_some() {
        Mode::Job
    } else {
        let n = mode
            .replicated
            .as_ref()
            .and_then(|r| r.replicas)
            .unwrap_or(1);
        Mode::Replicated(u32::try_from(n.max(0)).unwrap_or(u32::MAX))
    }
}

/// Why a service of this mode cannot be scaled, or `None` when it can.
pub fn unscalable_reason(mode: Mode) -> Option<&'static str> {
    match mode {
        Mode::Replicated(_) => None,
        Mode::Global => Some(
            "global service: Swarm runs one task on every node, so there is no replica count \
             to scale; recreate it with --mode replicated to let ebb scale it",
        ),
        Mode::Job => Some("job service: it runs to completion and has no replica count to scale"),
    }
}

/// Reservations and limits of one task, in cores and bytes.
pub fn resources_of(spec: &ServiceSpec) -> ResourceSpec {
    let r = spec
        .task_template
        .as_ref()
        .and_then(|t| t.resources.as_ref());
    let res = r.and_then(|r| r.reservations.as_ref());
    let lim = r.and_then(|r| r.limits.as_ref());
    let cores = |n: Option<i64>| n.filter(|n| *n > 0).map(|n| n as f64 / 1e9);
    let bytes = |n: Option<i64>| n.filter(|n| *n > 0).map(|n| n as f64);
    ResourceSpec {
        cpu_request: cores(res.and_then(|r| r.nano_cpus)),
        memory_request: bytes(res.and_then(|r| r.memory_bytes)),
        cpu_limit: cores(lim.and_then(|l| l.nano_cpus)),
        memory_limit: bytes(lim.and_then(|l| l.memory_bytes)),
    }
}

/// What the operator must do for utilization targets to work on `service`.
pub fn resource_notes(service: &str, r: &ResourceSpec) -> Vec<String> {
    let mut notes = Vec::new();
    match (r.cpu_request, r.cpu_limit) {
        (Some(_), _) => {}
        (None, Some(_)) => notes.push(format!(
            "service {service} has no CPU reservation, so CPU utilization cannot be computed: \
             set one (docker service update --reserve-cpu 0.5 {service}), or target the \
             per-instance metric `{CPU_OF_LIMIT}` (% of its CPU limit)"
        )),
        (None, None) => notes.push(format!(
            "service {service} has no CPU reservation or limit: set one (docker service update \
             --reserve-cpu 0.5 {service}) or use a per-instance metric"
        )),
    }
    if r.memory_request.is_none() {
        notes.push(format!(
            "service {service} has no memory reservation, so memory utilization cannot be \
             computed: set one (docker service update --reserve-memory 256M {service}){}",
            if r.memory_limit.is_some() {
                format!(", or target the per-instance metric `{MEMORY_OF_LIMIT}`")
            } else {
                String::new()
            }
        ));
    }
    notes
}

/// What the CPU readiness timing is told about Swarm's stand-in for Ready transitions.
pub const READY_CHANGE_NOTE: &str =
    "Docker Swarm reports no readiness changes, so a task's start of running is taken as its Ready transition";

fn wanted(t: &Task) -> bool {
    matches!(t.desired_state, Some(TaskState::RUNNING | TaskState::READY))
}

fn failed(t: &Task) -> bool {
    matches!(
        t.status.as_ref().and_then(|s| s.state),
        Some(TaskState::FAILED | TaskState::REJECTED)
    )
}

/// Replicated tasks are grouped by slot, global ones by node.
fn slot_key(t: &Task) -> String {
    match t.slot {
        Some(s) => s.to_string(),
        None => t.node_id.clone().unwrap_or_default(),
    }
}

/// State of a task Swarm wants running.
pub fn state_of(state: Option<TaskState>) -> ObservedState {
    match state {
        Some(TaskState::RUNNING) => ObservedState::Ready,
        Some(
            TaskState::FAILED
            | TaskState::REJECTED
            | TaskState::ORPHANED
            | TaskState::COMPLETE
            | TaskState::SHUTDOWN
            | TaskState::REMOVE,
        ) => ObservedState::Failed,
        _ => ObservedState::Starting,
    }
}

/// The container id of a task, once it has one.
pub fn container_of(t: &Task) -> Option<&str> {
    let id = t
        .status
        .as_ref()?
        .container_status
        .as_ref()?
        .container_id
        .as_deref()?;
    (!id.is_empty()).then_some(id)
}

/// Failures of one slot (or node, for global services) counted so far.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SlotFailures {
    /// Every failed task ever counted for the slot.
    pub total: u32,
    /// The failed tasks Swarm still listed last time (those already in `total`).
    listed: HashSet<String>,
}

/// Counts the failed tasks in `tasks` that `memory` has not counted yet; returns the failures
/// per slot so far.
pub fn count_failures(
    tasks: &[Task],
    memory: &mut HashMap<String, SlotFailures>,
) -> HashMap<String, u32> {
    let mut listed: HashMap<String, HashSet<String>> = HashMap::new();
    for t in tasks.iter().filter(|t| failed(t)) {
        let id = t.id.clone().unwrap_or_default();
        listed.entry(slot_key(t)).or_default().insert(id);
    }
    for (slot, ids) in listed {
        let m = memory.entry(slot).or_default();
        let new = ids.difference(&m.listed).count();
        m.total = m
            .total
            .saturating_add(u32::try_from(new).unwrap_or(u32::MAX));
        m.listed = ids;
    }
    memory.iter().map(|(k, v)| (k.clone(), v.total)).collect()
}

/// The instances of `service` from its tasks, with loads read for running containers;
/// `failures` are the failures per slot so far (see [`count_failures`]).
pub fn instances(
    service: &str,
    tasks: &[Task],
    loads: &HashMap<String, ContainerLoad>,
    r: &ResourceSpec,
    failures: &HashMap<String, u32>,
) -> Vec<ObservedInstance> {
    let mut out: Vec<ObservedInstance> = tasks
        .iter()
        .filter(|t| wanted(t))
        .map(|t| {
            let status = t.status.as_ref();
            let state = state_of(status.and_then(|s| s.state));
            let since = status.and_then(|s| s.timestamp);
            let own_failure = u32::from(failed(t));
            let restarts = failures
                .get(&slot_key(t))
                .copied()
                .unwrap_or(0)
                .saturating_sub(own_failure);
            let load = match (state, container_of(t)) {
                (ObservedState::Ready, Some(c)) => loads.get(c).copied(),
                _ => None,
            };
            let ready_since = (state == ObservedState::Ready).then_some(since).flatten();
            ObservedInstance {
                id: instance_id(service, t),
                state,
                started_at: t.created_at,
                ready_since,
                metrics: load.map(|l| metrics(l, r)).unwrap_or_default(),
                restarts,
                // Swarm has no readiness: a task's start of running stands in for its Ready
                // transition (see READY_CHANGE_NOTE).
                ready_changed_at: ready_since,
                sample_at: load.and_then(|l| l.sampled_at),
                sample_window_secs: load.and_then(|l| l.window_secs),
                containers: Vec::new(),
                pod_requests: None,
                overhead: None,
            }
        })
        .collect();
    out.sort_by(|a, b| a.id.cmp(&b.id));
    out
}

/// `web.3.k2x9…` (slot) or `web.<node>.…` (global), as `docker service ps` names tasks.
fn instance_id(service: &str, t: &Task) -> String {
    let id = t.id.as_deref().unwrap_or("");
    format!("{service}.{}.{}", slot_key(t), &id[..id.len().min(12)])
}

fn metrics(l: ContainerLoad, r: &ResourceSpec) -> BTreeMap<String, f64> {
    let mut m = BTreeMap::new();
    if let Some(cpu) = l.cpu {
        m.insert("cpu".to_string(), cpu);
        if let Some(limit) = r.cpu_limit.filter(|l| *l > 0.0) {
            m.insert(CPU_OF_LIMIT.to_string(), cpu / limit * 100.0);
        }
    }
    if let Some(mem) = l.memory {
        m.insert("memory".to_string(), mem);
        if let Some(limit) = r.memory_limit.filter(|l| *l > 0.0) {
            m.insert(MEMORY_OF_LIMIT.to_string(), mem / limit * 100.0);
        }
    }
    m
}

#[cfg(test)]
mod tests {
    use super::*;
    use bollard::models::TaskStatus;

    fn task(id: &str, slot: i64, state: TaskState, desired: TaskState) -> Task {
        Task {
            id: Some(id.into()),
            slot: Some(slot),
            desired_state: Some(desired),
            status: Some(TaskStatus {
                state: Some(state),
                ..Default::default()
            }),
            ..Default::default()
        }
    }

    #[test]
    fn restarts_keep_rising_after_swarm_prunes_old_tasks() {
        use TaskState::{FAILED, RUNNING, SHUTDOWN, STARTING};
        let mut memory = HashMap::new();
        let r = ResourceSpec::default();
        let loads = HashMap::new();
        // Two failures listed, a third task starting.
        let first = vec![
            task("a", 1, FAILED, SHUTDOWN),
            task("b", 1, FAILED, SHUTDOWN),
            task("c", 1, STARTING, RUNNING),
        ];
        let f = count_failures(&first, &mut memory);
        let i = instances("web", &first, &loads, &r, &f);
        assert_eq!((i.len(), i[0].restarts), (1, 2));
        // "a" is pruned, "c" failed while still wanted (counted, not its own restart), "d" not
        // yet created: the slot has failed three times.
        let second = vec![
            task("b", 1, FAILED, SHUTDOWN),
            task("c", 1, FAILED, RUNNING),
        ];
        let f = count_failures(&second, &mut memory);
        let i = instances("web", &second, &loads, &r, &f);
        assert_eq!((i[0].state, i[0].restarts), (ObservedState::Failed, 2));
        // Only the newest failures are listed now; the count goes on.
        let third = vec![
            task("c", 1, FAILED, SHUTDOWN),
            task("d", 1, FAILED, SHUTDOWN),
            task("e", 1, RUNNING, RUNNING),
        ];
        let f = count_failures(&third, &mut memory);
        let i = instances("web", &third, &loads, &r, &f);
        assert_eq!(i[0].restarts, 4, "a, b, c and d");
        assert_eq!(i[0].state, ObservedState::Ready);
    }

    /// Swarm knows no readiness: a running task's start is its Ready transition, a starting
    /// task has none, and the observation says so for the CPU readiness timing.
    #[test]
    fn a_running_tasks_start_stands_in_for_its_ready_transition() {
        use TaskState::{RUNNING, STARTING};
        let at = chrono::DateTime::parse_from_rfc3339("2026-03-02T12:00:00Z")
            .expect("time")
            .with_timezone(&chrono::Utc);
        let mut running = task("a", 1, RUNNING, RUNNING);
        if let Some(s) = running.status.as_mut() {
            s.timestamp = Some(at);
        }
        let tasks = vec![running, task("b", 2, STARTING, RUNNING)];
        let f = count_failures(&tasks, &mut HashMap::new());
        let i = instances("web", &tasks, &HashMap::new(), &ResourceSpec::default(), &f);
        assert_eq!(i[0].ready_changed_at, Some(at));
        assert_eq!(i[0].ready_since, Some(at));
        assert_eq!(i[1].ready_changed_at, None);
        assert!(READY_CHANGE_NOTE.contains("start of running is taken as its Ready transition"));
    }
}
