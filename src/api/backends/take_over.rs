//! Taking a Kubernetes workload over from the HPA or KEDA ScaledObject that scales it: ebb
//! leaves such a workload alone until an editor says otherwise here. The choice is stored in
//! the backend's settings (audited as a backend change) and takes effect at once; the
//! answer, and the workload's row from then on, say what to delete so the two autoscalers do
//! not fight.

use leptos::prelude::*;

use crate::model::ApiError;

/// Lets ebb scale `workload` of Kubernetes backend `backend_id` although `held_by` (an HPA or
/// ScaledObject, as the backends page showed it) targets it.
#[server(endpoint = "take_over")]
pub async fn take_over(backend_id: i64, workload: String) -> Result<String, ApiError> {
    use crate::server::orchestrator::kubernetes::settings::KubeSettings;
    use crate::server::orchestrator::kubernetes::KubernetesBackend;
    use crate::server::orchestrator::Orchestrator;
    let actor = crate::api::actor_with(crate::model::auth::Role::Editor)?;
    let state = crate::api::state()?;
    let store = state.store().clone();
    let Some(row) = store.backend(backend_id).await? else {
        return Err(ApiError::NotFound(format!(
            "there is no backend {backend_id}"
        )));
    };
    if row.kind != "kubernetes" {
        return Err(ApiError::invalid(
            "workload",
            "only Kubernetes workloads can be taken over from another autoscaler",
        ));
    }
    let workload = workload.trim();
    crate::model::names::workload(&row.kind, workload)
        .map_err(|m| ApiError::invalid("workload", m))?;
    let mut settings = KubeSettings::from_json(&row.settings).map_err(|e| {
        ApiError::Internal(format!("stored settings of {} unreadable: {e}", row.name))
    })?;
    let listed = super::probe::probe(
        &row.name,
        "cannot ask the backend for its workloads; nothing was changed",
        KubernetesBackend::new(settings.clone()).list_workloads(),
    )
    .await?;
    let Some(found) = listed.into_iter().find(|r| r.name == workload) else {
        return Err(ApiError::invalid(
            "workload",
            format!("backend {} lists no workload {workload}", row.name),
        ));
    };
    if settings.taken_over.iter().any(|w| w == workload) {
        return Ok(format!("ebb already scales {workload}"));
    }
    let Some(other) = found.held_by else {
        return Err(ApiError::invalid(
            "workload",
            format!("no other autoscaler targets {workload}: attach a policy instead"),
        ));
    };
    settings.taken_over.push(workload.to_string());
    let json = serde_json::to_string(&settings)
        .map_err(|e| ApiError::Internal(format!("settings: {e}")))?;
    store
        .update_backend(backend_id, &row.name, &json, &actor, chrono::Utc::now())
        .await?;
    state.backends().insert_built(
        backend_id,
        &json,
        std::sync::Arc::new(KubernetesBackend::new(settings)),
    );
    tracing::info!("{actor} took {workload} over from {other}");
    leptos_axum::redirect("/backends");
    Ok(format!(
        "ebb may now scale {workload} once a policy is attached. Delete {other} now, or both will scale it"
    ))
}
