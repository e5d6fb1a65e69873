//! Editing and removing a backend (admin only, audited). An edit is checked like a registration;
//! TLS fields left empty keep the files already set (they are never sent to the page). A
//! backend with workloads is removed only when the operator confirms by typing its name: its
//! workloads and their history go with it, in one transaction. The running controller uses the
//! new settings, or stops using a removed backend, at once.

// A server function takes one argument per form field, and the browser build's generated
// client function does not carry an allow on the function itself.
#![allow(clippy::too_many_arguments)]

use leptos::prelude::*;

use crate::model::ApiError;

/// Changes Swarm backend `id`: name, socket or TCP host, TLS files (empty = keep the current
/// file; a path or pasted PEM contents = replace it) and the label filter.
#[server(endpoint = "update_swarm")]
pub async fn update_swarm(
    id: i64,
    name: String,
    socket: String,
    host: String,
    ca: String,
    cert: String,
    key: String,
    label: String,
) -> Result<(), ApiError> {
    use super::ssr::{forget_files, settings, SwarmForm};
    use crate::server::orchestrator::swarm::SwarmSettings;
    let actor = crate::api::actor_with(crate::model::auth::Role::Admin)?;
    let state = crate::api::state()?;
    let store = state.store().clone();
    let row = super::ssr::backend_of_kind(&store, id, "Swarm").await?;
    let name = name.trim().to_string();
    super::ssr::check_renamed(&store, id, &name).await?;
    let old = SwarmSettings::from_json(&row.settings).ok();
    let form = SwarmForm {
        name: &name,
        socket: &socket,
        host: &host,
        tls: [&ca, &cert, &key],
        label: &label,
    };
    let (new, files) = settings(&form, old.as_ref(), &state.inner.tls_dir)?;
    let json =
        serde_json::to_string(&new).map_err(|e| ApiError::Internal(format!("settings: {e}")))?;
    if name != row.name || old.as_ref() != Some(&new) {
        store
            .update_backend(id, &name, &json, &actor, chrono::Utc::now())
            .await?
            .ok_or_else(|| ApiError::NotFound(format!("backend {id} was removed meanwhile")))?;
        files.keep();
        match crate::server::backends::swarm_backend(&json) {
            Ok(b) => state.backends().insert_built(id, &json, b),
            Err(e) => tracing::error!("backend {name}: {e}"),
        }
        forget_files(old.as_ref(), Some(&new), &state.inner.tls_dir);
        tracing::info!("{actor} changed backend {name}: {}", new.describe());
    }
    leptos_axum::redirect("/backends");
    Ok(())
}

/// Removes backend `id`. When it has workloads, `confirm` must be the backend's name: its
/// workloads, with their decisions, samples and overrides, are removed with it.
#[server(endpoint = "remove_backend")]
pub async fn remove_backend(id: i64, confirm: String) -> Result<(), ApiError> {
    use crate::server::orchestrator::swarm::SwarmSettings;
    use crate::server::store::backend_changes::Removal;
    let actor = crate::api::actor_with(crate::model::auth::Role::Admin)?;
    let state = crate::api::state()?;
    let store = state.store().clone();
    let Some(row) = store.backend(id).await? else {
        return Err(ApiError::NotFound(format!("there is no backend {id}")));
    };
    let confirm = confirm.trim();
    if !confirm.is_empty() && confirm != row.name {
        return Err(ApiError::invalid(
            "confirm",
            format!(
                "`{confirm}` is not this backend's name; type {} to confirm",
                row.name
            ),
        ));
    }
    let removal = store
        .remove_backend(id, confirm == row.name, &actor, chrono::Utc::now())
        .await?;
    match removal {
        Removal::NotFound => Err(ApiError::NotFound(format!("there is no backend {id}"))),
        Removal::HasWorkloads(names) => Err(ApiError::invalid(
            "confirm",
            format!(
                "{} has {} workload(s): {}. Their decisions, samples and overrides would be \
                 deleted with it; type the backend's name to confirm, or keep the backend",
                row.name,
                names.len(),
                names.join(", ")
            ),
        )),
        Removal::Removed { backend, workloads } => {
            state.backends().remove(id);
            let old = SwarmSettings::from_json(&backend.settings).ok();
            let swarm = old.as_ref().filter(|_| backend.kind == "swarm");
            super::ssr::forget_files(swarm, None, &state.inner.tls_dir);
            if backend.kind == "kubernetes" {
                if let Ok(k) =
                    crate::server::orchestrator::kubernetes::settings::KubeSettings::from_json(
                        &backend.settings,
                    )
                {
                    super::ssr::forget_kube_files(&k, None, &state.inner.tls_dir);
                }
            }
            tracing::info!(
                "{actor} removed backend {} with {} workload(s)",
                backend.name,
                workloads.len()
            );
            leptos_axum::redirect("/backends");
            Ok(())
        }
    }
}
