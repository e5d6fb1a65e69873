//! Policies: the list, the editor's data, saving an editor form (or checking it, adding and
//! removing rows, previewing it), and rollback. Every form posts flat fields (see
//! [`crate::model::policy_form`]) and works with JavaScript off: the server then answers with
//! a redirect — to the saved version, or back to the editor with the form and its errors in the
//! `draft` query parameter.

#[cfg(feature = "ssr")]
mod draft;
#[cfg(feature = "ssr")]
mod submit;
#[cfg(feature = "ssr")]
mod test_query;
#[cfg(feature = "ssr")]
mod whatif;

use leptos::prelude::*;

use crate::model::policies::{EditorData, PolicyRow, SubmitOutcome, WhatIfState};
use crate::model::policy_form::FormFields;
use crate::model::ApiError;

/// Every policy by name, with its current version and the workloads using it.
#[server(endpoint = "policies")]
pub async fn list_policies() -> Result<Vec<PolicyRow>, ApiError> {
    crate::api::require(crate::model::auth::Role::Viewer)?;
    Ok(crate::api::state()?.store().policy_rows().await?)
}

/// What the editor shows for policy `id` (`None`: a new policy), or for a form sent back in
/// `draft` (JSON written by [`submit_policy`] for browsers without JavaScript), with what-if
/// job `whatif`'s progress or result.
#[server(endpoint = "policy_editor")]
pub async fn load_editor(
    id: Option<i64>,
    draft: Option<String>,
    whatif: Option<String>,
) -> Result<EditorData, ApiError> {
    crate::api::require(crate::model::auth::Role::Viewer)?;
    draft::editor_data(id, draft.as_deref(), whatif.as_deref()).await
}

/// Where the signed-in editor's what-if job `job` stands: its progress, its result, or why it
/// has none (the editor polls this while a preview runs).
#[server(endpoint = "whatif_status")]
pub async fn whatif_status(job: String) -> Result<WhatIfState, ApiError> {
    crate::api::require(crate::model::auth::Role::Editor)?;
    Ok(whatif::state_of(&job))
}

/// Handles a posted editor form according to its `op`: `save` stores a new version, `preview`
/// starts the what-if replay (`cancel_whatif` stops it), `add:…`/`remove:…` change rows, `test_query:N` runs metric row N's
/// Prometheus query now, anything else checks the form.
#[server(endpoint = "policy_submit")]
pub async fn submit_policy(#[server(flatten)] form: FormFields) -> Result<SubmitOutcome, ApiError> {
    crate::api::require(crate::model::auth::Role::Editor)?;
    submit::submit(form).await
}

/// Saves the body of `version` as the newest version of policy `id`, with the comment
/// `rollback to v{version}: {reason}`.
#[server(endpoint = "policy_rollback")]
pub async fn rollback_policy(
    id: i64,
    version: i64,
    reason: String,
) -> Result<SubmitOutcome, ApiError> {
    crate::api::require(crate::model::auth::Role::Editor)?;
    submit::rollback(id, version, reason).await
}
