//! Backends: list them and register a Docker Swarm or Kubernetes backend; testing one and listing its
//! services are in [`services`], attaching a policy to a service (creating the workload) in
//! [`attach`], editing and removing a backend in [`manage`]. Every change is audited; pasted
//! TLS key material is written to files readable only by ebb and never sent back, logged or
//! audited (settings and audit hold the file paths).
//!
//! A registered backend is handed to the running controller at once; workloads are picked up
//! on its next refresh (≤ 5 s).

mod attach;
mod manage;
mod prometheus;
mod register_kube;
mod services;
mod take_over;

use leptos::prelude::*;

pub use attach::{attach_policy, AttachPolicy};
pub use manage::{remove_backend, update_swarm, RemoveBackend, UpdateSwarm};
pub use prometheus::{
    prometheus_servers, register_prometheus, remove_prometheus, test_prometheus, update_prometheus,
    RegisterPrometheus, RemovePrometheus, TestPrometheus, UpdatePrometheus,
};
pub use register_kube::{
    register_kubernetes, update_kubernetes, RegisterKubernetes, UpdateKubernetes,
};
pub use services::{
    backend_services, probe_services, test_backend, BackendServices, ProbeServices, TestBackend,
};
pub use take_over::{take_over, TakeOver};

use crate::model::backends::BackendInfo;
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
    ssr::check_new_name(&store, &name).await?;
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

#[cfg(feature = "ssr")]
mod probe;
#[cfg(feature = "ssr")]
pub use probe::PROBE_DEADLINE;
#[cfg(feature = "ssr")]
mod ssr;
