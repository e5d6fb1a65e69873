//! Changing a service without losing anyone else's change: read the current spec, change one
//! part of it (replicas, or task resources), write it back with the version index just read.
//! Swarm refuses a write whose index is stale ("update out of sequence"); then the spec is read
//! again and the same one change is applied to the fresh spec, a bounded number of times.
//!
//! What the controller decided on must still hold, though: if the part we change was itself
//! changed by someone since the observation (someone ran `docker service scale`), the write is
//! refused as a [`OrchestratorError::Conflict`] and the controller re-decides on fresh data.

use bollard::models::{Limit, ResourceObject, ServiceSpec, TaskSpecResources};
use bollard::query_parameters::{InspectServiceOptions, UpdateServiceOptionsBuilder};
use bollard::Docker;

use super::client::classify;
use super::observe::{mode_of, resources_of, unscalable_reason, Mode};
use crate::server::orchestrator::{OrchestratorError, ResourceSpec};

/// How often a write is retried after a version conflict.
pub const ATTEMPTS: u32 = 4;

/// A service spec with the version index it was read at.
pub struct Current {
    pub spec: ServiceSpec,
    pub index: u64,
}

/// Reads the spec and version index of `service`.
pub async fn read(docker: &Docker, service: &str) -> Result<Current, OrchestratorError> {
    let what = format!("service {service}");
    let s = docker
        .inspect_service(service, None::<InspectServiceOptions>)
        .await
        .map_err(|e| classify(&what, e))?;
    let index = s.version.and_then(|v| v.index);
    match (s.spec, index) {
        (Some(spec), Some(index)) => Ok(Current { spec, index }),
        _ => Err(OrchestratorError::Rejected(format!(
            "{what}: Docker returned no spec or version"
        ))),
    }
}

/// Writes `spec` as the version after `index`; returns the new version index.
pub async fn write(
    docker: &Docker,
    service: &str,
    spec: ServiceSpec,
    index: u64,
) -> Result<u64, OrchestratorError> {
    let what = format!("service {service}");
    let version = i32::try_from(index).map_err(|_| {
        OrchestratorError::Rejected(format!("{what}: version index {index} is out of range"))
    })?;
    let opts = UpdateServiceOptionsBuilder::new()
        .version(version)
        .registry_auth_from("spec")
        .build();
    docker
        .update_service(service, spec, opts, None)
        .await
        .map_err(|e| classify(&what, e))?;
    Ok(read(docker, service).await?.index)
}

/// Applies `change` to the freshly read spec of `service` and writes it, retrying on version
/// conflicts. `still_valid` sees each fresh spec (and whether its index still equals the
/// observation token) and refuses with a message when the decision no longer holds.
pub async fn apply(
    docker: &Docker,
    service: &str,
    token: &str,
    still_valid: impl Fn(&ServiceSpec, bool) -> Result<(), String>,
    change: impl Fn(&mut ServiceSpec) -> Result<(), OrchestratorError>,
) -> Result<u64, OrchestratorError> {
    let mut last = String::new();
    for _ in 0..ATTEMPTS {
        let Current { mut spec, index } = read(docker, service).await?;
        let unchanged = token == index.to_string();
        still_valid(&spec, unchanged).map_err(OrchestratorError::Conflict)?;
        change(&mut spec)?;
        match write(docker, service, spec, index).await {
            Err(OrchestratorError::Conflict(m)) => last = m,
            other => return other,
        }
    }
    Err(OrchestratorError::Conflict(format!(
        "{last}; gave up after {ATTEMPTS} attempts, will re-read on the next evaluation"
    )))
}

/// Sets `Mode.Replicated.Replicas` of `spec` to `replicas`, nothing else.
pub fn set_replicas(
    service: &str,
    spec: &mut ServiceSpec,
    replicas: u32,
) -> Result<(), OrchestratorError> {
    if let Some(why) = unscalable_reason(mode_of(spec)) {
        return Err(OrchestratorError::Rejected(format!(
            "service {service}: {why}"
        )));
    }
    let mode = spec.mode.get_or_insert_with(Default::default);
    mode.replicated
        .get_or_insert_with(Default::default)
        .replicas = Some(i64::from(replicas));
    Ok(())
}

/// Sets `TaskTemplate.Resources` reservations and limits from `r` (`None` = no reservation or
/// limit), keeping generic resources and pid limits as they are.
pub fn set_resources(spec: &mut ServiceSpec, r: &ResourceSpec) {
    let nano = |cores: Option<f64>| cores.map(|c| (c * 1e9).round() as i64);
    let bytes = |b: Option<f64>| b.map(|b| b.round() as i64);
    let template = spec.task_template.get_or_insert_with(Default::default);
    let res = template
        .resources
        .get_or_insert_with(TaskSpecResources::default);
    let reservations = res.reservations.get_or_insert_with(ResourceObject::default);
    reservations.nano_cpus = nano(r.cpu_request);
    reservations.memory_bytes = bytes(r.memory_request);
    let limits = res.limits.get_or_insert_with(Limit::default);
    limits.nano_cpus = nano(r.cpu_limit);
    limits.memory_bytes = bytes(r.memory_limit);
}

/// Refuses a replica change when someone else changed the replica count since `observed`.
pub fn replicas_unchanged(
    service: &str,
    observed: Option<u32>,
) -> impl Fn(&ServiceSpec, bool) -> Result<(), String> + '_ {
    move |spec, same_version| {
        if same_version {
            return Ok(());
        }
        match (mode_of(spec), observed) {
            (Mode::Replicated(now), Some(before)) if now == before => Ok(()),
            (Mode::Replicated(now), Some(before)) => Err(format!(
                "service {service} was scaled from {before} to {now} by someone else since it \
                 was observed; re-deciding on fresh data"
            )),
            (Mode::Replicated(_), None) => Err(format!(
                "service {service} changed since it was observed; re-deciding on fresh data"
            )),
            // Not scalable at all: the change itself refuses, with the reason.
            (Mode::Global | Mode::Job, _) => Ok(()),
        }
    }
}

/// Refuses a resource change when someone else changed the resources since `observed`.
pub fn resources_unchanged<'a>(
    service: &'a str,
    observed: Option<&'a ResourceSpec>,
) -> impl Fn(&ServiceSpec, bool) -> Result<(), String> + 'a {
    move |spec, same_version| {
        if same_version || observed == Some(&resources_of(spec)) {
            return Ok(());
        }
        Err(format!(
            "the resources of service {service} were changed by someone else since they were \
             observed; not overwriting them"
        ))
    }
}
