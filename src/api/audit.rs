//! The audit trail, newest first, filtered and paged by id.

use leptos::prelude::*;

use crate::model::audit::{AuditEntry, AuditFilter};
use crate::model::ApiError;

/// Up to 100 entries matching `filter` (see `AuditFilter::from_query` for what the page
/// sends; sign-ins only when asked for), newest first.
#[server(endpoint = "audit")]
pub async fn list_audit(
    #[server(default)] filter: AuditFilter,
) -> Result<Vec<AuditEntry>, ApiError> {
    crate::api::require(crate::model::auth::Role::Viewer)?;
    // Checked as the page's parameters are, whoever calls.
    let filter = AuditFilter::from_query(|k| match k {
        "actor" => filter.actor.clone(),
        "action" => filter.action.clone(),
        "kind" => filter.kind.clone(),
        "object" => filter.object.clone(),
        "from" => filter.from.clone(),
        "to" => filter.to.clone(),
        "logins" => filter.with_sign_ins.then(|| "1".to_string()),
        "before" => filter.before_id.map(|n| n.to_string()),
        _ => None,
    })
    .map_err(|e| ApiError::Invalid(vec![e]))?;
    let state = crate::api::state()?;
    Ok(state.store().audit_page(&filter, 100).await?)
}
