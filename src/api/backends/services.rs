//! What /backends asks the backends themselves: a connection test and the services each Swarm
//! backend offers. Every backend is asked in parallel with a short deadline, so backends that
//! are down or black-holed cost the page a few seconds, not a timeout; a failure shows as its
//! class ("unreachable", "HTTP status 502", "not answering within 3 s"), with the backend's
//! own text for admins only.

use leptos::prelude::*;

use crate::model::backends::{ServiceInfo, ServiceProbe};
use crate::model::ApiError;

/// Asks backend `id`'s daemon who it is; `Ok` carries a one-line summary, `Err` says what
/// failed and what to check (the daemon's own words for admins only).
#[server(endpoint = "test_backend")]
pub async fn test_backend(id: i64) -> Result<String, ApiError> {
    crate::api::require(crate::model::auth::Role::Viewer)?;
    let store = crate::api::state()?.store().clone();
    let Some(b) = store.backend(id).await? else {
        return Err(ApiError::NotFound(format!("there is no backend {id}")));
    };
    let failed = "connection test failed";
    if b.kind == "kubernetes" {
        let kube = super::probe::kube_of(&b)?;
        let deadline = std::time::Duration::from_secs(10);
        return super::probe::probe_within(deadline, &b.name, failed, kube.test_connection()).await;
    }
    let swarm = super::probe::swarm_of(&b)?;
    super::probe::probe(&b.name, failed, swarm.test_connection()).await
}

/// The services backend `id` offers, with the workloads already made of them.
#[server(endpoint = "backend_services")]
pub async fn backend_services(id: i64) -> Result<Vec<ServiceInfo>, ApiError> {
    crate::api::require(crate::model::auth::Role::Viewer)?;
    let state = crate::api::state()?;
    let Some(b) = state.store().backend(id).await? else {
        return Err(ApiError::NotFound(format!("there is no backend {id}")));
    };
    super::probe::services(&state, &b).await
}

/// The services of every Swarm and Kubernetes backend, all asked at once: the whole answer takes about the
/// probe deadline at most, however many backends do not answer.
#[server(endpoint = "backends_services")]
pub async fn probe_services() -> Result<Vec<ServiceProbe>, ApiError> {
    crate::api::require(crate::model::auth::Role::Viewer)?;
    let state = crate::api::state()?;
    let swarms: Vec<_> = state
        .store()
        .backends()
        .await?
        .into_iter()
        .filter(super::probe::is_cluster)
        .collect();
    let asks = swarms.iter().map(|b| {
        let state = state.clone();
        async move {
            ServiceProbe {
                backend_id: b.id,
                services: super::probe::services(&state, b).await,
            }
        }
    });
    Ok(futures::future::join_all(asks).await)
}
