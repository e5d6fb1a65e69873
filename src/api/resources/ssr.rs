//! Server side of the resource functions: find the workload's live orchestrator, read its
//! resources and token, apply a change with the token (reading again on a conflict), and
//! record what was applied.

use std::sync::Arc;
use std::time::Duration;

use crate::model::resources::{Resources, ResourcesView};
use crate::model::ApiError;
use crate::server::orchestrator::fault::Fault;
use crate::server::orchestrator::{Orchestrator, OrchestratorError, ResourceSpec};
use crate::server::state::AppState;
use crate::server::store::resources::ResourceChange;
use crate::server::store::workloads::WorkloadRow;

/// How long the workload page waits for the backend before showing it as unreachable.
pub const PAGE_WAIT: Duration = Duration::from_secs(5);
/// How long one backend call of a change may take.
const CHANGE_WAIT: Duration = Duration::from_secs(20);
/// Writes tried when the workload changes between observation and write (e.g. the controller
/// scaled it): the first and two more on fresh observations.
const ATTEMPTS: u32 = 3;

/// A workload's resources as its backend reported them: one container's, and the names of
/// all (empty names for backends whose instances are one container).
pub struct Observed {
    pub resources: Resources,
    pub token: String,
    pub at: chrono::DateTime<chrono::Utc>,
    pub container: String,
    pub containers: Vec<String>,
}

/// A workload with the orchestrator that runs it.
pub struct Live {
    state: AppState,
    workload: WorkloadRow,
    backend: String,
    orchestrator: Arc<dyn Orchestrator>,
}

impl Live {
    /// Workload `id` and its backend's live orchestrator.
    pub async fn of(state: &AppState, id: i64) -> Result<Live, ApiError> {
        let store = state.store();
        let Some(workload) = store.workload(id).await? else {
            return Err(ApiError::NotFound(format!("there is no workload {id}")));
        };
        let backend = store
            .backend(workload.backend_id)
            .await?
            .map(|b| b.name)
            .unwrap_or_default();
        let Some(orchestrator) = state.backends().get(workload.backend_id) else {
            return Err(ApiError::Unavailable(format!(
                "backend {backend} is not connected yet (the controller connects new backends \
                 within seconds); try again shortly"
            )));
        };
        Ok(Live {
            state: state.clone(),
            workload,
            backend,
            orchestrator,
        })
    }

    /// Reads the resources of container `container` (empty: the first) and the token,
    /// waiting at most `wait`. A container the workload does not have is a field error that
    /// lists the ones it has.
    pub async fn observe(&self, wait: Duration, container: &str) -> Result<Observed, ApiError> {
        if container.len() > 63 {
            return Err(ApiError::invalid(
                "container",
                "a container name has at most 63 characters (a DNS label)",
            ));
        }
        let call = self.orchestrator.containers(&self.workload.name);
        let (all, token) = match tokio::time::timeout(wait, call).await {
            Ok(Ok(found)) => found,
            Ok(Err(e)) => return Err(self.error(e)),
            Err(_) => return Err(self.timed_out(wait)),
        };
        let names: Vec<String> = all.iter().map(|(n, _)| n.clone()).collect();
        let chosen = if container.is_empty() {
            all.into_iter().next()
        } else {
            all.into_iter().find(|(n, _)| n == container)
        };
        let Some((container, spec)) = chosen else {
            let choose = if names.iter().all(String::is_empty) {
                "its instances are one container: leave the container out".to_string()
            } else {
                format!("choose one of: {}", names.join(", "))
            };
            return Err(ApiError::invalid(
                "container",
                format!(
                    "{} has no container named {container:?}; {choose}",
                    self.workload.name
                ),
            ));
        };
        Ok(Observed {
            resources: from_spec(&spec),
            token,
            at: chrono::Utc::now(),
            container,
            containers: names,
        })
    }

    /// What the page shows of `obs`.
    pub fn view(&self, obs: &Observed) -> ResourcesView {
        ResourcesView {
            workload_id: self.workload.id,
            backend: self.backend.clone(),
            backend_kind: self.workload.backend_kind.clone(),
            observed_at: crate::server::store::time::ts(obs.at),
            fingerprint: obs.resources.fingerprint(),
            resources: obs.resources,
            container: obs.container.clone(),
            containers: obs
                .containers
                .iter()
                .filter(|c| !c.is_empty())
                .cloned()
                .collect(),
        }
    }

    /// Applies `wanted` unless the backend's values differ from `fingerprint` (when given);
    /// records the change; returns the values as the backend has them afterwards.
    pub async fn apply(
        &self,
        wanted: &Resources,
        container: &str,
        fingerprint: &str,
        actor: &str,
    ) -> Result<ResourcesView, ApiError> {
        let name = &self.workload.name;
        let mut expected = (!fingerprint.is_empty()).then(|| fingerprint.to_string());
        let mut attempt = 1;
        let (before, container) = loop {
            let obs = self.observe(CHANGE_WAIT, container).await?;
            let before = obs.resources;
            let seen = expected.get_or_insert_with(|| before.fingerprint());
            if *seen != before.fingerprint() {
                return Err(ApiError::Conflict(format!(
                    "the resources of {name} were changed by someone else since they were shown \
                     (now: {}); nothing was changed: review the values and submit again",
                    before.describe()
                )));
            }
            if before == *wanted {
                return Ok(self.view(&obs));
            }
            let spec = to_spec(wanted);
            let call =
                self.orchestrator
                    .set_container_resources(name, &obs.container, &spec, &obs.token);
            match tokio::time::timeout(CHANGE_WAIT, call).await {
                Err(_) => return Err(self.timed_out(CHANGE_WAIT)),
                Ok(Ok(_)) => break (before, obs.container),
                Ok(Err(OrchestratorError::Conflict(_))) if attempt < ATTEMPTS => attempt += 1,
                Ok(Err(e)) => return Err(self.error(e)),
            }
        };
        self.record(&before, wanted, &container, actor).await?;
        let of = if container.is_empty() {
            String::new()
        } else {
            format!(" (container {container})")
        };
        tracing::info!(
            "{actor} set the resources of {name}{of}: {}",
            wanted.describe()
        );
        // The backend's own rounding (Docker keeps nanocores) is what the next form must show.
        match self.observe(PAGE_WAIT, &container).await {
            Ok(obs) => Ok(self.view(&obs)),
            Err(_) => Ok(self.view(&Observed {
                resources: *wanted,
                token: String::new(),
                at: chrono::Utc::now(),
                containers: vec![container.clone()],
                container,
            })),
        }
    }

    /// The audit entry, and the simulator's stored model so the change outlives a restart.
    async fn record(
        &self,
        before: &Resources,
        after: &Resources,
        container: &str,
        actor: &str,
    ) -> Result<(), ApiError> {
        let spec = if self.workload.backend_kind == "simulator" {
            let mut spec: serde_json::Value =
                serde_json::from_str(&self.workload.spec).unwrap_or_else(|_| serde_json::json!({}));
            if let Some(obj) = spec.as_object_mut() {
                obj.insert("resources".into(), serde_json::json!(to_spec(after)));
            }
            Some(spec.to_string())
        } else {
            None
        };
        // The audit names the container when the instances have several.
        let json = |r: &Resources| {
            let mut v = serde_json::json!(r);
            if !container.is_empty() {
                v["container"] = serde_json::json!(container);
            }
            v.to_string()
        };
        let change = ResourceChange {
            workload_id: self.workload.id,
            before: json(before),
            after: json(after),
            spec,
            actor,
        };
        self.state
            .store()
            .record_resources(change, chrono::Utc::now())
            .await
            .map_err(|e| {
                tracing::error!(
                    "resources of {} were applied but not recorded: {e}",
                    self.workload.name
                );
                ApiError::Internal(
                    "the backend applied the change, but recording it in the audit trail failed"
                        .into(),
                )
            })?;
        Ok(())
    }

    /// What the form shows of backend error `e`: its class (the backend's own text may hold
    /// secrets and goes to the server log).
    fn error(&self, e: OrchestratorError) -> ApiError {
        let (b, w) = (&self.backend, &self.workload.name);
        tracing::warn!("resources of {w} on backend {b}: {e}");
        let class = Fault::of(&e).describe();
        match e {
            OrchestratorError::Conflict(_) => ApiError::Conflict(format!(
                "{w} kept changing while the change was written ({class}); nothing was changed: \
                 try again"
            )),
            OrchestratorError::NotFound(_) => {
                ApiError::NotFound(format!("backend {b} has no workload {w} ({class})"))
            }
            OrchestratorError::Rejected(_) => ApiError::invalid(
                "resources",
                format!("backend {b} refused the change ({class}); the server log has its answer"),
            ),
            _ => ApiError::Unavailable(format!(
                "backend {b} failed ({class}); nothing was changed: try again once it works"
            )),
        }
    }

    fn timed_out(&self, wait: Duration) -> ApiError {
        ApiError::Unavailable(format!(
            "backend {} did not answer within {} s; nothing was changed: check that it runs and \
             try again",
            self.backend,
            wait.as_secs()
        ))
    }
}

fn from_spec(r: &ResourceSpec) -> Resources {
    Resources {
        cpu_request: r.cpu_request,
        cpu_limit: r.cpu_limit,
        memory_request: r.memory_request,
        memory_limit: r.memory_limit,
    }
}

fn to_spec(r: &Resources) -> ResourceSpec {
    ResourceSpec {
        cpu_request: r.cpu_request,
        memory_request: r.memory_request,
        cpu_limit: r.cpu_limit,
        memory_limit: r.memory_limit,
    }
}
