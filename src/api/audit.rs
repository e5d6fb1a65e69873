//! The audit trail, newest first, paged by id.

use leptos::prelude::*;

use crate::model::audit::AuditEntry;
use crate::model::ApiError;

/// Up to 100 entries older than `before` (all when `None`).
#[server(endpoint = "audit")]
pub async fn list_audit(before: Option<i64>) -> Result<Vec<AuditEntry>, ApiError> {
    crate::api::require(crate::model::auth::Role::Viewer)?;
    let state = crate::api::state()?;
    Ok(state.store().audit_page(before, 100).await?)
}
