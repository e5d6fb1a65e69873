//! Manual overrides: list, create (pin or pause for a time, with a reason), end early. Every
//! change is audited.

use leptos::prelude::*;

use crate::model::overrides::OverrideRow;
use crate::model::ApiError;

/// Overrides of workload `id` still in force, and the last ten that ended.
#[server(endpoint = "overrides")]
pub async fn list_overrides(id: i64) -> Result<Vec<OverrideRow>, ApiError> {
    crate::api::require(crate::model::auth::Role::Viewer)?;
    let state = crate::api::state()?;
    Ok(state.store().overrides(id).await?)
}

/// Creates an override on workload `workload_id` lasting `minutes`.
#[server(endpoint = "create_override")]
pub async fn create_override(
    workload_id: i64,
    kind: String,
    replicas: String,
    minutes: String,
    reason: String,
) -> Result<i64, ApiError> {
    let actor = crate::api::actor_with(crate::model::auth::Role::Operator)?;
    let (replicas, minutes, errs) =
        crate::model::overrides::parse(&kind, &replicas, &minutes, &reason);
    if !errs.is_empty() {
        return Err(ApiError::Invalid(errs));
    }
    let state = crate::api::state()?;
    let store = state.store();
    if store.workload_summary(workload_id).await?.is_none() {
        return Err(ApiError::NotFound(format!(
            "there is no workload {workload_id}"
        )));
    }
    let now = chrono::Utc::now();
    let until = now + chrono::Duration::minutes(i64::from(minutes));
    let replicas = if kind == "pin" { replicas } else { None };
    let id = store
        .create_override(
            workload_id,
            &kind,
            replicas,
            until,
            reason.trim(),
            &actor,
            now,
        )
        .await?;
    leptos_axum::redirect(&format!("/workloads/{workload_id}"));
    Ok(id)
}

/// Ends override `id` of workload `workload_id` now.
#[server(endpoint = "end_override")]
pub async fn end_override(workload_id: i64, id: i64) -> Result<(), ApiError> {
    let actor = crate::api::actor_with(crate::model::auth::Role::Operator)?;
    let state = crate::api::state()?;
    let ended = state
        .store()
        .end_override(workload_id, id, &actor, chrono::Utc::now())
        .await?;
    if !ended {
        return Err(ApiError::NotFound(format!("override {id} is not in force")));
    }
    leptos_axum::redirect(&format!("/workloads/{workload_id}"));
    Ok(())
}
