//! Asking a backend something while a page or a form waits: each call gets [`PROBE_DEADLINE`]
//! (several backends are asked in parallel, so a page with every backend down still renders
//! in about that time), and a failure is shown as its class, with the backend's own text only
//! for admins (it may hold anything the target answered; the server log always has it).

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use crate::model::backends::ServiceInfo;
use crate::model::ApiError;
use crate::server::orchestrator::fault::shown;
use crate::server::orchestrator::kubernetes::settings::KubeSettings;
use crate::server::orchestrator::kubernetes::KubernetesBackend;
use crate::server::orchestrator::swarm::{SwarmBackend, SwarmSettings};
use crate::server::orchestrator::{Orchestrator, OrchestratorError, WorkloadRef};
use crate::server::state::AppState;
use crate::server::store::workloads::BackendRow;

/// How long a page or form waits for one backend before showing it as not answering.
pub const PROBE_DEADLINE: Duration = Duration::from_secs(3);

/// Whether the signed-in user may read backends' own error texts.
fn admin() -> bool {
    crate::api::signed_in().is_some_and(|u| u.role.allows(crate::model::auth::Role::Admin))
}

/// Runs `call` (what it does: `what`) against backend `name` within [`PROBE_DEADLINE`].
pub async fn probe<T>(
    name: &str,
    what: &str,
    call: impl Future<Output = Result<T, OrchestratorError>>,
) -> Result<T, ApiError> {
    probe_within(PROBE_DEADLINE, name, what, call).await
}

/// [`probe`] with another deadline (a Kubernetes connection test runs API discovery and
/// several access reviews, which take longer than one call).
pub async fn probe_within<T>(
    deadline: Duration,
    name: &str,
    what: &str,
    call: impl Future<Output = Result<T, OrchestratorError>>,
) -> Result<T, ApiError> {
    match tokio::time::timeout(deadline, call).await {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => {
            tracing::warn!("backend {name}: {what}: {e}");
            Err(ApiError::Unavailable(format!(
                "{what}: {}",
                shown(&e, admin())
            )))
        }
        Err(_) => {
            tracing::warn!("backend {name}: {what}: no answer within the deadline");
            Err(ApiError::Unavailable(format!(
                "{what}: not answering within {} s; check that the backend runs and that ebb \
                 can reach its address",
                deadline.as_secs()
            )))
        }
    }
}

/// A fresh Swarm client for stored backend `b` (listings and tests do not disturb the
/// controller's connection).
pub fn swarm_of(b: &BackendRow) -> Result<SwarmBackend, ApiError> {
    if b.kind != "swarm" {
        return Err(ApiError::Conflict(format!(
            "backend {} is a {} backend, not Swarm",
            b.name, b.kind
        )));
    }
    let settings = SwarmSettings::from_json(&b.settings).map_err(|e| {
        ApiError::Internal(format!("stored settings of {} unreadable: {e}", b.name))
    })?;
    Ok(SwarmBackend::new(settings))
}

/// A fresh Kubernetes client for stored backend `b`.
pub fn kube_of(b: &BackendRow) -> Result<KubernetesBackend, ApiError> {
    if b.kind != "kubernetes" {
        return Err(ApiError::Conflict(format!(
            "backend {} is a {} backend, not Kubernetes",
            b.name, b.kind
        )));
    }
    let settings = KubeSettings::from_json(&b.settings).map_err(|e| {
        ApiError::Internal(format!("stored settings of {} unreadable: {e}", b.name))
    })?;
    Ok(KubernetesBackend::new(settings))
}

/// A fresh client for stored backend `b` of a real cluster (Swarm or Kubernetes).
pub fn cluster_of(b: &BackendRow) -> Result<Arc<dyn Orchestrator>, ApiError> {
    match b.kind.as_str() {
        "kubernetes" => Ok(Arc::new(kube_of(b)?)),
        _ => Ok(Arc::new(swarm_of(b)?)),
    }
}

/// Whether backend `b` is a real cluster ebb lists workloads of.
pub fn is_cluster(b: &BackendRow) -> bool {
    matches!(b.kind.as_str(), "swarm" | "kubernetes")
}

/// The services (workloads) backend `b` offers, with the workloads already made of them.
pub async fn services(state: &AppState, b: &BackendRow) -> Result<Vec<ServiceInfo>, ApiError> {
    // Kubernetes: the controller's own client when it has one (its API discovery is cached).
    let cluster = match state
        .backends()
        .get(b.id)
        .filter(|_| b.kind == "kubernetes")
    {
        Some(o) => o,
        None => cluster_of(b)?,
    };
    let what = if b.kind == "kubernetes" {
        "cannot list workloads"
    } else {
        "cannot list services"
    };
    let refs = probe(&b.name, what, cluster.list_workloads()).await?;
    let attached = state.store().backend_workloads(b.id).await?;
    Ok(refs
        .into_iter()
        .map(|r| {
            let w = attached.iter().find(|(_, n, _)| *n == r.name);
            ServiceInfo {
                workload_id: w.map(|(id, _, _)| *id),
                policy: w.and_then(|(_, _, p)| p.clone()),
                name: r.name,
                scalable: r.scalable,
                note: r.note,
                held_by: r.held_by,
            }
        })
        .collect())
}

/// Checks that backend `b` lists `service` now and can scale it, asking its running
/// orchestrator (or, for a Swarm backend the controller has not connected yet, a fresh
/// client). Nothing is stored on any refusal.
pub async fn check_listed(state: &AppState, b: &BackendRow, service: &str) -> Result<(), ApiError> {
    let orchestrator: Arc<dyn Orchestrator> = match state.backends().get(b.id) {
        Some(o) => o,
        None if is_cluster(b) => cluster_of(b)?,
        None => {
            return Err(ApiError::Unavailable(format!(
                "backend {} is not connected yet (the controller connects new backends within \
                 seconds); nothing was stored: try again shortly",
                b.name
            )))
        }
    };
    let what = format!(
        "cannot ask backend {} for its services; nothing was stored",
        b.name
    );
    let refs: Vec<WorkloadRef> = probe(&b.name, &what, orchestrator.list_workloads()).await?;
    match refs.into_iter().find(|r| r.name == service) {
        None => Err(ApiError::invalid(
            "service",
            format!(
                "backend {} lists no {} {service} ({}); pick one of those shown under it",
                b.name,
                if b.kind == "kubernetes" {
                    "workload"
                } else {
                    "service"
                },
                if b.kind == "kubernetes" {
                    "Kubernetes lists only objects with a scale subresource in its namespaces that match its label selector"
                } else {
                    "Swarm lists only services with its label filter"
                }
            ),
        )),
        Some(r) if !r.scalable => Err(ApiError::invalid(
            "service",
            format!(
                "{service} cannot be scaled: {}",
                r.note.unwrap_or_else(|| "its backend says so".into())
            ),
        )),
        Some(_) => Ok(()),
    }
}
