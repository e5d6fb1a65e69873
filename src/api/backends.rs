//! Backends: list them, register a Docker Swarm backend, test its connection, list its
//! services, attach a policy to one (creating the workload); editing and removing one are in
//! [`manage`]. Every change is audited; pasted TLS key material is written to files readable
//! only by ebb and never sent back, logged or audited (settings and audit hold the file paths).
//!
//! A registered backend is handed to the running controller at once; workloads are picked up
//! on its next refresh (≤ 5 s).

mod manage;

use leptos::prelude::*;

pub use manage::{remove_backend, update_swarm, RemoveBackend, UpdateSwarm};

use crate::model::backends::{BackendInfo, ServiceInfo};
use crate::model::ApiError;

/// Every registered backend.
#[server(endpoint = "backends")]
pub async fn list_backends() -> Result<Vec<BackendInfo>, ApiError> {
    crate::api::require(crate::model::auth::Role::Viewer)?;
    let store = crate::api::state()?.store().clone();
    let mut out = Vec::new();
    for b in store.backends().await? {
        let names = store.backend_workloads(b.id).await?;
        out.push(ssr::info(
            &b,
            names.into_iter().map(|(_, n, _)| n).collect(),
        ));
    }
    Ok(out)
}

/// Registers a Swarm backend. `socket` or `host` (with TLS `ca`, `cert`, `key`: file paths or
/// pasted PEM contents) says where the daemon is; `label` filters services (empty = all).
#[server(endpoint = "register_swarm")]
#[allow(clippy::too_many_arguments)]
pub async fn register_swarm(
    name: String,
    socket: String,
    host: String,
    ca: String,
    cert: String,
    key: String,
    label: String,
) -> Result<i64, ApiError> {
    let actor = crate::api::actor_with(crate::model::auth::Role::Admin)?;
    let name = name.trim().to_string();
    let state = crate::api::state()?;
    let store = state.store().clone();
    ssr::check_name(&name)?;
    if store.backends().await?.iter().any(|b| b.name == name) {
        return Err(ApiError::invalid(
            "name",
            "a backend with this name exists; pick another",
        ));
    }
    let form = ssr::SwarmForm {
        name: &name,
        socket: &socket,
        host: &host,
        tls: [&ca, &cert, &key],
        label: &label,
    };
    let (settings, files) = ssr::settings(&form, None, &state.inner.tls_dir)?;
    let json = serde_json::to_string(&settings)
        .map_err(|e| ApiError::Internal(format!("settings: {e}")))?;
    let id = store
        .register_backend(&name, "swarm", &json, &actor, chrono::Utc::now())
        .await?;
    files.keep();
    if let Ok(b) = crate::server::backends::swarm_backend(&json) {
        state.backends().insert_built(id, &json, b);
    }
    leptos_axum::redirect("/backends");
    Ok(id)
}

/// Asks backend `id`'s daemon who it is; `Ok` carries a one-line summary, `Err` says what
/// failed and what to check.
#[server(endpoint = "test_backend")]
pub async fn test_backend(id: i64) -> Result<String, ApiError> {
    crate::api::require(crate::model::auth::Role::Viewer)?;
    let swarm = ssr::swarm(id).await?;
    swarm
        .test_connection()
        .await
        .map_err(|e| ApiError::Conflict(format!("connection test failed: {e}")))
}

/// The services backend `id` offers, with the workloads already made of them.
#[server(endpoint = "backend_services")]
pub async fn backend_services(id: i64) -> Result<Vec<ServiceInfo>, ApiError> {
    use crate::server::orchestrator::Orchestrator;
    crate::api::require(crate::model::auth::Role::Viewer)?;
    let swarm = ssr::swarm(id).await?;
    let refs = swarm
        .list_workloads()
        .await
        .map_err(|e| ApiError::Conflict(format!("cannot list services: {e}")))?;
    let store = crate::api::state()?.store().clone();
    let attached = store.backend_workloads(id).await?;
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
            }
        })
        .collect())
}

/// Attaches policy `policy_id` to service `service` of backend `backend_id`, evaluated every
/// `interval` seconds (1–3600).
#[server(endpoint = "attach_policy")]
pub async fn attach_policy(
    backend_id: i64,
    service: String,
    policy_id: i64,
    interval: String,
) -> Result<i64, ApiError> {
    let actor = crate::api::actor_with(crate::model::auth::Role::Editor)?;
    let interval: u32 = match interval.trim().parse() {
        Ok(n) if (1..=3600).contains(&n) => n,
        _ => {
            return Err(ApiError::invalid(
                "interval",
                "give whole seconds between 1 and 3600",
            ))
        }
    };
    let store = crate::api::state()?.store().clone();
    if store.backend(backend_id).await?.is_none() {
        return Err(ApiError::NotFound(format!(
            "there is no backend {backend_id}"
        )));
    }
    if store.current_policy(policy_id).await?.is_none() {
        return Err(ApiError::invalid("policy_id", "choose an existing policy"));
    }
    let id = store
        .attach_policy(
            backend_id,
            service.trim(),
            policy_id,
            interval,
            &actor,
            chrono::Utc::now(),
        )
        .await?;
    leptos_axum::redirect("/backends");
    Ok(id)
}

#[cfg(feature = "ssr")]
mod ssr;
