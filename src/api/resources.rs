//! Per-instance CPU and memory reservations and limits of one workload: read live from its
//! backend, and changed through it with the backend's optimistic-concurrency token. A change
//! made by someone else since the page showed the values is never overwritten unseen; every
//! applied change is audited with its before and after.

use leptos::prelude::*;

use crate::model::resources::ResourcesView;
use crate::model::ApiError;

/// The resources of workload `id` as its backend reports them now: of container `container`
/// where its instances have several (absent or empty: the first).
#[server(endpoint = "workload_resources")]
pub async fn get_resources(id: i64, container: Option<String>) -> Result<ResourcesView, ApiError> {
    crate::api::require(crate::model::auth::Role::Viewer)?;
    let state = crate::api::state()?;
    let live = ssr::Live::of(&state, id).await?;
    let obs = live
        .observe(
            ssr::PAGE_WAIT,
            container.as_deref().unwrap_or_default().trim(),
        )
        .await?;
    Ok(live.view(&obs))
}

/// Sets the reservations and limits of workload `workload_id`: cores ("0.5", "500m") and
/// memory ("512M", "1.5G"; a bare number is MiB); an empty field (or 0) means none.
/// `fingerprint` is the one shown with the form (empty: no check); when the backend's values
/// differ from it, nothing is changed and the answer says what they are now. `container`
/// names the container where instances have several (absent or empty: the first).
#[server(endpoint = "set_resources")]
pub async fn set_resources(
    workload_id: i64,
    cpu_request: String,
    cpu_limit: String,
    memory_request: String,
    memory_limit: String,
    fingerprint: String,
    container: Option<String>,
) -> Result<ResourcesView, ApiError> {
    let actor = crate::api::actor_with(crate::model::auth::Role::Editor)?;
    let wanted = crate::model::resources::parse_form(
        &cpu_request,
        &cpu_limit,
        &memory_request,
        &memory_limit,
    )
    .map_err(ApiError::Invalid)?;
    let state = crate::api::state()?;
    let live = ssr::Live::of(&state, workload_id).await?;
    let container = container.unwrap_or_default();
    let container = container.trim();
    let view = live
        .apply(&wanted, container, fingerprint.trim(), &actor)
        .await?;
    // The page shows the same container again; the backend accepted the name, so it is a
    // DNS label (Kubernetes), which needs no escaping in a query.
    let shown = if container.is_empty()
        || !container
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-')
    {
        String::new()
    } else {
        format!("&container={container}")
    };
    leptos_axum::redirect(&format!(
        "/workloads/{workload_id}?resources=applied{shown}"
    ));
    Ok(view)
}

#[cfg(feature = "ssr")]
mod ssr;
