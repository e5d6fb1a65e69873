//! The Docker Swarm backend: scales replicated Swarm services of one Docker Engine (a swarm
//! manager) reached over its unix socket or TCP with TLS, through bollard.
//!
//! - Discovery lists replicated services (only those with the configured label, default
//!   `ebb.enable=true`; an empty label lists all); global and job services are listed as not
//!   scalable, with the reason.
//! - Observe reads the service spec (desired replicas, reservations → requests, limits), its
//!   tasks (states, failures per slot as restarts) and, for running containers on this node,
//!   CPU cores and memory bytes from the stats API. The token is the service's version index.
//! - Scale and set_resources change only their part of a freshly read spec and write it with
//!   its version index, retrying on "update out of sequence" (see [`update`]); reading the
//!   resources for the form needs the spec alone.
//!
//! Settings hold paths, never key material, and are never logged beyond the address.

pub mod client;
pub mod observe;
pub mod settings;
pub mod stats;
pub mod update;

use std::collections::HashMap;
use std::sync::Mutex;

use async_trait::async_trait;
use bollard::query_parameters::{ListServicesOptionsBuilder, ListTasksOptionsBuilder};

pub use settings::{SwarmSettings, TlsFiles, DEFAULT_LABEL};

use super::{
    Orchestrator, OrchestratorError, ResourceSpec, ScaleOutcome, WorkloadObservation, WorkloadRef,
};
use client::{classify, Client};
use observe::{mode_of, resources_of, unscalable_reason, Mode};
use stats::CpuSample;

/// What the last observation of a service saw, to tell our stale token from someone else's
/// change of the very thing we are about to write.
#[derive(Debug, Clone, Default)]
struct Seen {
    replicas: Option<u32>,
    resources: Option<ResourceSpec>,
    cpu: HashMap<String, CpuSample>,
    failures: HashMap<String, observe::SlotFailures>,
}

/// A Swarm manager as an [`Orchestrator`].
pub struct SwarmBackend {
    client: Client,
    seen: Mutex<HashMap<String, Seen>>,
}

impl SwarmBackend {
    /// A backend for `settings`; the daemon is contacted on first use, not here.
    pub fn new(settings: SwarmSettings) -> SwarmBackend {
        SwarmBackend {
            client: Client::new(settings),
            seen: Mutex::new(HashMap::new()),
        }
    }

    /// Checks that the daemon answers and is a swarm manager; returns a one-line summary
    /// ("Docker 20.10.24, swarm manager, 3 services") or an error saying what to fix.
    pub async fn test_connection(&self) -> Result<String, OrchestratorError> {
        let docker = self.client.get().await?;
        let v = docker
            .version()
            .await
            .map_err(|e| classify("Docker version", e))?;
        let services = self.list_workloads().await?;
        // Viewers read this line: the daemon's own strings only when they look like versions.
        let version = |v: Option<String>| {
            v.filter(|v| v.len() <= 40)
                .filter(|v| {
                    v.chars()
                        .all(|c| c.is_ascii_alphanumeric() || ".-+~_".contains(c))
                })
                .unwrap_or_else(|| "(unknown version)".into())
        };
        Ok(format!(
            "Docker {} (API {}) at {}, swarm manager, {} service(s) match the filter",
            version(v.version),
            version(v.api_version),
            self.client.settings().describe(),
            services.len()
        ))
    }

    /// One write of `replicas` at exactly version `index`, with no retry: a stale index
    /// yields [`OrchestratorError::Conflict`] (used by tests of the conflict path).
    pub async fn scale_at_index(
        &self,
        service: &str,
        replicas: u32,
        index: u64,
    ) -> Result<u64, OrchestratorError> {
        let docker = self.client.get().await?;
        let mut current = update::read(&docker, service).await?;
        update::set_replicas(service, &mut current.spec, replicas)?;
        update::write(&docker, service, current.spec, index).await
    }

    fn seen(&self) -> std::sync::MutexGuard<'_, HashMap<String, Seen>> {
        // The map is a cache; a panic elsewhere cannot leave it in a harmful state.
        self.seen.lock().unwrap_or_else(|e| e.into_inner())
    }

    async fn observe_inner(
        &self,
        workload: &str,
    ) -> Result<WorkloadObservation, OrchestratorError> {
        let docker = self.client.get().await?;
        let current = update::read(&docker, workload).await?;
        let mode = mode_of(&current.spec);
        let resources = resources_of(&current.spec);
        // The daemon resolves a service name in this filter to the service's id.
        let filters = HashMap::from([("service", vec![workload])]);
        let tasks = docker
            .list_tasks(Some(
                ListTasksOptionsBuilder::new().filters(&filters).build(),
            ))
            .await
            .map_err(|e| classify(&format!("tasks of service {workload}"), e))?;
        let running: Vec<String> = tasks
            .iter()
            .filter(|t| {
                observe::state_of(t.status.as_ref().and_then(|s| s.state))
                    == super::ObservedState::Ready
            })
            .filter(|t| matches!(t.desired_state, Some(bollard::models::TaskState::RUNNING)))
            .filter_map(|t| observe::container_of(t).map(String::from))
            .collect();
        let (mut cache, mut failures) = self
            .seen()
            .get(workload)
            .map(|s| (s.cpu.clone(), s.failures.clone()))
            .unwrap_or_default();
        let loads = stats::read_all(&docker, &running, &mut cache).await;
        let per_slot = observe::count_failures(&tasks, &mut failures);
        let instances = observe::instances(workload, &tasks, &loads, &resources, &per_slot);
        let replicas = match mode {
            Mode::Replicated(n) => n,
            Mode::Global | Mode::Job => u32::try_from(instances.len()).unwrap_or(u32::MAX),
        };
        let mut notes = observe::resource_notes(workload, &resources);
        if let Some(why) = unscalable_reason(mode) {
            notes.insert(0, format!("service {workload}: {why}"));
        }
        self.seen().insert(
            workload.to_string(),
            Seen {
                replicas: matches!(mode, Mode::Replicated(_)).then_some(replicas),
                resources: Some(resources.clone()),
                cpu: cache,
                failures,
            },
        );
        Ok(WorkloadObservation {
            at: chrono::Utc::now(),
            replicas,
            token: current.index.to_string(),
            resources,
            instances,
            external: Default::default(),
            demand: None,
            notes,
            ready_change_note: Some(observe::READY_CHANGE_NOTE.to_string()),
        })
    }

    /// Runs `f` with a connection; a transport failure drops the connection for the next call.
    async fn guarded<T>(&self, r: Result<T, OrchestratorError>) -> Result<T, OrchestratorError> {
        match r {
            Ok(v) => Ok(v),
            Err(e) => Err(self.client.failed(e).await),
        }
    }
}

#[async_trait]
impl Orchestrator for SwarmBackend {
    async fn list_workloads(&self) -> Result<Vec<WorkloadRef>, OrchestratorError> {
        let r = async {
            let docker = self.client.get().await?;
            let label = self.client.settings().label.trim().to_string();
            let mut opts = ListServicesOptionsBuilder::new();
            if !label.is_empty() {
                opts = opts.filters(&HashMap::from([("label", vec![label.as_str()])]));
            }
            let services = docker
                .list_services(Some(opts.build()))
                .await
                .map_err(|e| classify("list of services", e))?;
            let mut out: Vec<WorkloadRef> = services
                .into_iter()
                .filter_map(|s| s.spec)
                .map(|spec| {
                    let why = unscalable_reason(mode_of(&spec));
                    WorkloadRef {
                        name: spec.name.unwrap_or_default(),
                        scalable: why.is_none(),
                        note: why.map(String::from),
                        held_by: None,
                    }
                })
                .collect();
            out.sort_by(|a, b| a.name.cmp(&b.name));
            Ok(out)
        }
        .await;
        self.guarded(r).await
    }

    async fn observe(&self, workload: &str) -> Result<WorkloadObservation, OrchestratorError> {
        let r = self.observe_inner(workload).await;
        self.guarded(r).await
    }

    async fn scale(
        &self,
        workload: &str,
        replicas: u32,
        token: &str,
    ) -> Result<ScaleOutcome, OrchestratorError> {
        let r = async {
            let docker = self.client.get().await?;
            let observed = self.seen().get(workload).and_then(|s| s.replicas);
            let valid = update::replicas_unchanged(workload, observed);
            let index = update::apply(&docker, workload, token, valid, |spec| {
                update::set_replicas(workload, spec, replicas)
            })
            .await?;
            if let Some(s) = self.seen().get_mut(workload) {
                s.replicas = Some(replicas);
            }
            Ok(ScaleOutcome {
                replicas,
                token: index.to_string(),
            })
        }
        .await;
        self.guarded(r).await
    }

    async fn resources(&self, workload: &str) -> Result<(ResourceSpec, String), OrchestratorError> {
        // The spec alone: no task list, no stats calls per container.
        let r = async {
            let docker = self.client.get().await?;
            let current = update::read(&docker, workload).await?;
            let resources = resources_of(&current.spec);
            self.seen()
                .entry(workload.to_string())
                .or_default()
                .resources = Some(resources.clone());
            Ok((resources, current.index.to_string()))
        }
        .await;
        self.guarded(r).await
    }

    async fn set_resources(
        &self,
        workload: &str,
        resources: &ResourceSpec,
        token: &str,
    ) -> Result<String, OrchestratorError> {
        let r = async {
            let docker = self.client.get().await?;
            let observed = self.seen().get(workload).and_then(|s| s.resources.clone());
            let valid = update::resources_unchanged(workload, observed.as_ref());
            let index = update::apply(&docker, workload, token, valid, |spec| {
                update::set_resources(spec, resources);
                Ok(())
            })
            .await?;
            Ok(index.to_string())
        }
        .await;
        self.guarded(r).await
    }
}
