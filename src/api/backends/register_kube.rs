//! Registering a Kubernetes or OpenShift backend from /backends (the form sends one field per
//! setting, hence the many arguments).
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
    let (settings, files) = super::ssr::kube_settings(&form, &state.inner.tls_dir)?;
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
