//! The one interface every cluster backend implements (simulator, Docker Swarm, Kubernetes):
//! list workloads, observe one, scale it with an optimistic-concurrency token, set its
//! per-instance resources. Orchestrators never touch the store; the controller does.
//!
//! Design notes for backends: `token` is whatever the backend uses to detect a concurrent
//! change (Swarm: the service's version index; Kubernetes: the scale subresource's
//! resourceVersion; simulator: a counter). `scale` is "set replicas to N", never "add N", so a
//! repeated call after a crash is harmless.

pub mod fault;
pub mod kubernetes;
pub mod simulator;
pub mod swarm;
mod to_engine;

pub use to_engine::{engine_observation, engine_state};

use std::collections::BTreeMap;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A workload as a backend lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WorkloadRef {
    /// The backend's identifier (service name, `namespace/deployment`, simulator name).
    pub name: String,
    /// False for workloads that cannot be scaled (e.g. Swarm global services); `note` says why.
    pub scalable: bool,
    pub note: Option<String>,
    /// Another autoscaler that scales it (a Kubernetes HPA or KEDA ScaledObject, described),
    /// when ebb leaves it alone until an editor takes it over.
    #[serde(default)]
    pub held_by: Option<String>,
}

/// Per-instance resources: reservations (requests) and limits, cpu in cores, memory in bytes.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ResourceSpec {
    pub cpu_request: Option<f64>,
    pub memory_request: Option<f64>,
    pub cpu_limit: Option<f64>,
    pub memory_limit: Option<f64>,
}

/// Lifecycle of one instance as observed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ObservedState {
    /// Created, not yet running (pulling, scheduling, starting up).
    Starting,
    /// Running and ready to serve.
    Ready,
    /// Running but not ready (failing readiness).
    NotReady,
    /// Crashed or rejected; the backend may restart it.
    Failed,
    /// Being removed (draining after a scale-in, a Kubernetes pod being deleted); ignored by
    /// the scaling calculations, as HPA ignores pods being deleted.
    Terminating,
}

/// One instance (container, task, pod) of a workload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ObservedInstance {
    pub id: String,
    pub state: ObservedState,
    pub started_at: Option<DateTime<Utc>>,
    pub ready_since: Option<DateTime<Utc>>,
    /// Load metrics of this instance: "cpu" (cores in use), "memory" (bytes), or named
    /// per-instance metrics such as "rps". An absent key means the metric could not be read.
    pub metrics: BTreeMap<String, f64>,
    /// How often the backend restarted this instance.
    pub restarts: u32,
    /// When its readiness last changed, either way (Kubernetes: the Ready condition's
    /// `lastTransitionTime`); `None` when the backend cannot know (see
    /// [`WorkloadObservation::ready_change_note`] for a stand-in).
    #[serde(default)]
    pub ready_changed_at: Option<DateTime<Utc>>,
    /// When its cpu/memory sample was taken and the seconds it averages over (Kubernetes:
    /// `PodMetrics.timestamp` and `window`); `None` when unknown.
    #[serde(default)]
    pub sample_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub sample_window_secs: Option<f64>,
    /// Its containers with kind (regular, init, sidecar), requests and usage (Kubernetes: the
    /// pod spec and `PodMetrics`); empty for backends that see one container per instance.
    #[serde(default)]
    pub containers: Vec<ebb_engine::Container>,
    /// Pod-level requests and pod overhead where the instance sets them (Kubernetes
    /// `spec.resources.requests`, `spec.overhead`).
    #[serde(default)]
    pub pod_requests: Option<ebb_engine::Resources>,
    #[serde(default)]
    pub overhead: Option<ebb_engine::Resources>,
}

/// Everything the controller needs to know about a workload at one moment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WorkloadObservation {
    pub at: DateTime<Utc>,
    /// The replica count the backend is asked to run (its spec / desired state).
    pub replicas: u32,
    /// Opaque optimistic-concurrency token to pass back to `scale` / `set_resources`.
    pub token: String,
    pub resources: ResourceSpec,
    pub instances: Vec<ObservedInstance>,
    /// Workload-level metric values (queue length, total requests/s); absent = not readable.
    pub external: BTreeMap<String, f64>,
    /// Offered load, served load and the part that could not be served, when the backend
    /// knows (the simulator does), in the workload's demand unit (e.g. requests/s).
    pub demand: Option<DemandReading>,
    /// What the operator should fix for this workload to be scaled well (e.g. "service web has
    /// no CPU reservation: set one with ..."); shown with the workload when a signal fails.
    #[serde(default)]
    pub notes: Vec<String>,
    /// How the backend filled `ready_changed_at` when it knows no real readiness transitions
    /// (Docker Swarm); the explanation of HPA's CPU readiness timing quotes it.
    #[serde(default)]
    pub ready_change_note: Option<String>,
}

/// The simulator's ground truth about load.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct DemandReading {
    pub offered: f64,
    pub served: f64,
    pub unserved: f64,
    /// What the ready instances could serve at most.
    pub capacity: f64,
}

/// Result of a successful scale call.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScaleOutcome {
    pub replicas: u32,
    /// The token after the change.
    pub token: String,
}

/// Why a backend call failed. The text is the backend's and may hold anything its target
/// answered: show it only to admins and the log; everyone else gets its [`fault::Fault`].
#[derive(Debug, Clone, PartialEq, thiserror::Error, Serialize, Deserialize)]
pub enum OrchestratorError {
    /// The backend cannot be reached (daemon down, network); retry with back-off.
    #[error("backend unreachable: {0}")]
    Unreachable(String),
    /// The TLS connection could not be set up (unusable files, handshake refused).
    #[error("TLS failed: {0}")]
    Tls(String),
    /// The backend refused ebb's credentials (HTTP 401 or 403).
    #[error("not authorized by the backend: {0}")]
    Auth(String),
    /// The backend answered with an HTTP error status the other variants do not cover.
    #[error("the backend answered HTTP {0}: {1}")]
    Status(u16, String),
    /// The workload changed since it was observed (token mismatch); re-observe and retry.
    #[error("concurrent change: {0}")]
    Conflict(String),
    /// No such workload.
    #[error("workload not found: {0}")]
    NotFound(String),
    /// The backend refused the request (e.g. a global service cannot be scaled).
    #[error("rejected by the backend: {0}")]
    Rejected(String),
}

/// A cluster backend.
#[async_trait]
pub trait Orchestrator: Send + Sync {
    /// Workloads this backend can see.
    async fn list_workloads(&self) -> Result<Vec<WorkloadRef>, OrchestratorError>;
    /// Observes one workload now.
    async fn observe(&self, workload: &str) -> Result<WorkloadObservation, OrchestratorError>;
    /// Sets the workload's replica count, if `token` still matches the backend's state.
    async fn scale(
        &self,
        workload: &str,
        replicas: u32,
        token: &str,
    ) -> Result<ScaleOutcome, OrchestratorError>;
    /// The workload's per-instance resources and its token, without instances or load (what
    /// the resources form needs). Backends that can read them more cheaply than a full
    /// observation override this.
    async fn resources(&self, workload: &str) -> Result<(ResourceSpec, String), OrchestratorError> {
        let obs = self.observe(workload).await?;
        Ok((obs.resources, obs.token))
    }
    /// Sets per-instance reservations and limits, if `token` still matches.
    async fn set_resources(
        &self,
        workload: &str,
        resources: &ResourceSpec,
        token: &str,
    ) -> Result<String, OrchestratorError>;

    /// The resources of each container of the workload's instances, in their order, and the
    /// token: the resources form lets an editor pick one (the first by default). Backends whose
    /// instances are one container (Swarm services, the simulator) answer one unnamed entry.
    async fn containers(
        &self,
        workload: &str,
    ) -> Result<(Vec<(String, ResourceSpec)>, String), OrchestratorError> {
        let (spec, token) = self.resources(workload).await?;
        Ok((vec![(String::new(), spec)], token))
    }
    /// Sets the resources of container `container` as [`Orchestrator::containers`] names it
    /// (empty: the instance's one or first container), if `token` still matches.
    async fn set_container_resources(
        &self,
        workload: &str,
        container: &str,
        resources: &ResourceSpec,
        token: &str,
    ) -> Result<String, OrchestratorError> {
        if container.is_empty() {
            self.set_resources(workload, resources, token).await
        } else {
            Err(OrchestratorError::Rejected(format!(
                "the instances of {workload} are one container, not one named {container}"
            )))
        }
    }

    /// Tells the system itself why ebb just scaled `workload` from `from` to `to` (Kubernetes:
    /// an Event on the object, so `kubectl describe` shows ebb's reason). Best effort: the
    /// caller logs a failure and the decision stands. Backends with no such place do nothing.
    async fn explain(
        &self,
        _workload: &str,
        _from: u32,
        _to: u32,
        _sentence: &str,
    ) -> Result<(), OrchestratorError> {
        Ok(())
    }
}
