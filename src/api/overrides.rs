//! Manual overrides: list, create (pin or pause for a time, with a reason), end early. Every
//! change is audited.

use leptos::prelude::*;

#[cfg(feature = "ssr")]
use crate::model::overrides::{outside, pin_errors};
use crate::model::overrides::{OverrideRow, PinLimits};
use crate::model::ApiError;
#[cfg(feature = "ssr")]
use crate::server::store::overrides::NewOverride;

/// Overrides of workload `id` still in force, and the last ten that ended.
#[server(endpoint = "overrides")]
pub async fn list_overrides(id: i64) -> Result<Vec<OverrideRow>, ApiError> {
    crate::api::require(crate::model::auth::Role::Viewer)?;
    let state = crate::api::state()?;
    Ok(state.store().overrides(id).await?)
}

/// The bounds a pin of workload `id` is checked against: its policy's min and max, and the
/// installation's replica cap.
#[server(endpoint = "pin_limits")]
pub async fn get_pin_limits(id: i64) -> Result<PinLimits, ApiError> {
    crate::api::require(crate::model::auth::Role::Viewer)?;
    let state = crate::api::state()?;
    let summary = state
        .store()
        .workload_summary(id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("there is no workload {id}")))?;
    Ok(PinLimits {
        bounds: policy_bounds(state.store(), summary.policy_id).await?,
        cap: state.inner.max_replicas_cap,
    })
}

/// min and max of policy `id`'s current version.
#[cfg(feature = "ssr")]
async fn policy_bounds(
    store: &crate::server::store::Store,
    id: Option<i64>,
) -> Result<Option<(u32, u32)>, ApiError> {
    let Some(id) = id else { return Ok(None) };
    Ok(store
        .current_policy(id)
        .await?
        .map(|v| (v.body.min_replicas, v.body.max_replicas)))
}

/// Creates an override on workload `workload_id` lasting `minutes`. A pin above the
/// installation's cap is refused; one outside the policy's bounds needs the editor role and
/// `confirm_outside` (the form's checkbox).
#[server(endpoint = "create_override")]
pub async fn create_override(
    workload_id: i64,
    kind: String,
    replicas: String,
    minutes: String,
    reason: String,
    #[server(default)] confirm_outside: Option<String>,
) -> Result<i64, ApiError> {
    use crate::model::auth::Role;
    let user = crate::api::require(Role::Operator)?;
    let (replicas, minutes, errs) =
        crate::model::overrides::parse(&kind, &replicas, &minutes, &reason);
    if !errs.is_empty() {
        return Err(ApiError::Invalid(errs));
    }
    let state = crate::api::state()?;
    let store = state.store();
    let Some(summary) = store.workload_summary(workload_id).await? else {
        return Err(ApiError::NotFound(format!(
            "there is no workload {workload_id}"
        )));
    };
    let replicas = if kind == "pin" { replicas } else { None };
    let bounds = policy_bounds(store, summary.policy_id).await?;
    let confirmed = confirm_outside.is_some_and(|c| !c.trim().is_empty());
    let outside = match replicas {
        Some(n) => {
            let cap = state.inner.max_replicas_cap;
            let errs = pin_errors(n, bounds, cap, user.role.allows(Role::Editor), confirmed);
            if !errs.is_empty() {
                return Err(ApiError::Invalid(errs));
            }
            outside(n, bounds)
        }
        None => None,
    };
    let now = chrono::Utc::now();
    let id = store
        .create_override_with(NewOverride {
            workload_id,
            kind: &kind,
            replicas,
            until: now + chrono::Duration::minutes(i64::from(minutes)),
            reason: reason.trim(),
            actor: &user.username,
            now,
            outside_bounds: outside,
        })
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
