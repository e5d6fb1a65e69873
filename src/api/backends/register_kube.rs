//! Registering and editing a Kubernetes or OpenShift backend from /backends (admin only,
//! audited; the forms send one field per setting, hence the many arguments). An edit is
//! checked like a registration; an empty token or CA keeps the one set, which is never sent to
//! the page. The running controller uses the new settings at once.
#![allow(clippy::too_many_arguments)]

use leptos::prelude::*;

use crate::model::ApiError;

/// Registers a Kubernetes (or OpenShift) backend. `connection` is `kubeconfig` (a file on the
/// ebb server and a context, empty = its current one), `in_cluster` (the service account ebb
/// runs under) or `url` (API server URL, a bearer token pasted or as a file path, and its CA
/// pasted or as a path, empty when publicly trusted). `namespaces`: comma-separated, empty =
/// all; `label`: the selector objects must match, empty = every scalable object. A pasted
/// token or CA is saved to a file only ebb reads and never shown again.
#[server(endpoint = "register_kubernetes")]
pub async fn register_kubernetes(
    name: String,
    connection: String,
    #[server(default)] kubeconfig: String,
    #[server(default)] context: String,
    #[server(default)] url: String,
    #[server(default)] token: String,
    #[server(default)] ca: String,
    #[server(default)] namespaces: String,
    #[server(default)] label: String,
) -> Result<i64, ApiError> {
    let actor = crate::api::actor_with(crate::model::auth::Role::Admin)?;
    let name = name.trim().to_string();
    let state = crate::api::state()?;
    let store = state.store().clone();
    super::ssr::check_new_name(&store, &name).await?;
    let form = super::ssr::KubeForm {
        name: &name,
        connection: connection.trim(),
        kubeconfig: &kubeconfig,
        context: &context,
        url: &url,
        token: &token,
        ca: &ca,
        namespaces: &namespaces,
        label: &label,
    };
    let (settings, files) = super::ssr::kube_settings(&form, None, &state.inner.tls_dir)?;
    let json = serde_json::to_string(&settings)
        .map_err(|e| ApiError::Internal(format!("settings: {e}")))?;
    let id = store
        .register_backend(&name, "kubernetes", &json, &actor, chrono::Utc::now())
        .await?;
    files.keep();
    state.backends().insert_built(
        id,
        &json,
        std::sync::Arc::new(
            crate::server::orchestrator::kubernetes::KubernetesBackend::new(settings),
        ),
    );
    leptos_axum::redirect("/backends");
    Ok(id)
}

/// Changes Kubernetes backend `id`: the fields of [`register_kubernetes`]; an empty `token`
/// or `ca` keeps the one set (`ca` = `none` removes it). Nothing changes when any field is
/// wrong; files ebb wrote for a token or CA no longer used are removed once the change is
/// stored.
#[server(endpoint = "update_kubernetes")]
pub async fn update_kubernetes(
    id: i64,
    name: String,
    connection: String,
    #[server(default)] kubeconfig: String,
    #[server(default)] context: String,
    #[server(default)] url: String,
    #[server(default)] token: String,
    #[server(default)] ca: String,
    #[server(default)] namespaces: String,
    #[server(default)] label: String,
) -> Result<(), ApiError> {
    use crate::server::orchestrator::kubernetes::settings::KubeSettings;
    let actor = crate::api::actor_with(crate::model::auth::Role::Admin)?;
    let state = crate::api::state()?;
    let store = state.store().clone();
    let row = super::ssr::backend_of_kind(&store, id, "Kubernetes").await?;
    let name = name.trim().to_string();
    super::ssr::check_renamed(&store, id, &name).await?;
    let old = KubeSettings::from_json(&row.settings).ok();
    let form = super::ssr::KubeForm {
        name: &name,
        connection: connection.trim(),
        kubeconfig: &kubeconfig,
        context: &context,
        url: &url,
        token: &token,
        ca: &ca,
        namespaces: &namespaces,
        label: &label,
    };
    let (new, files) = super::ssr::kube_settings(&form, old.as_ref(), &state.inner.tls_dir)?;
    if name == row.name && old.as_ref() == Some(&new) {
        leptos_axum::redirect("/backends");
        return Ok(());
    }
    let json =
        serde_json::to_string(&new).map_err(|e| ApiError::Internal(format!("settings: {e}")))?;
    store
        .update_backend(id, &name, &json, &actor, chrono::Utc::now())
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("backend {id} was removed meanwhile")))?;
    files.keep();
    state.backends().insert_built(
        id,
        &json,
        std::sync::Arc::new(
            crate::server::orchestrator::kubernetes::KubernetesBackend::new(new.clone()),
        ),
    );
    if let Some(old) = &old {
        super::ssr::forget_kube_files(old, Some(&new), &state.inner.tls_dir);
    }
    tracing::info!(
        "{actor} changed backend {name}: {}; {}",
        new.describe(),
        new.scope()
    );
    leptos_axum::redirect("/backends");
    Ok(())
}
