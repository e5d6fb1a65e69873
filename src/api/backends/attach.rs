//! Attaching a policy to a backend's service, which creates its workload. The service name is
//! checked by the backend's own naming rule and must be one the backend lists now, scalable:
//! a name typed by hand (or posted by a script) that the backend does not know is refused,
//! and a backend that does not answer stores nothing.

use leptos::prelude::*;

use crate::model::ApiError;

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
    let state = crate::api::state()?;
    let store = state.store().clone();
    let Some(backend) = store.backend(backend_id).await? else {
        return Err(ApiError::NotFound(format!(
            "there is no backend {backend_id}"
        )));
    };
    let service = service.trim();
    crate::model::names::workload(&backend.kind, service)
        .map_err(|m| ApiError::invalid("service", m))?;
    if store.current_policy(policy_id).await?.is_none() {
        return Err(ApiError::invalid("policy_id", "choose an existing policy"));
    }
    super::probe::check_listed(&state, &backend, service).await?;
    let id = store
        .attach_policy(
            backend_id,
            service,
            policy_id,
            interval,
            &actor,
            chrono::Utc::now(),
        )
        .await?;
    leptos_axum::redirect("/backends");
    Ok(id)
}
