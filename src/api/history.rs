//! The decision history across workloads: filtered, paged by id (fast at millions of rows).

use leptos::prelude::*;

use crate::model::decision::{DecisionFilter, DecisionRow};
use crate::model::ApiError;

/// Decisions matching `filter`, newest first.
#[server(endpoint = "decisions")]
pub async fn list_decisions(filter: DecisionFilter) -> Result<Vec<DecisionRow>, ApiError> {
    crate::api::require(crate::model::auth::Role::Viewer)?;
    let filter = filter
        .normalized()
        .map_err(|e| ApiError::Invalid(vec![e]))?;
    let state = crate::api::state()?;
    Ok(state.store().decisions(&filter).await?)
}
