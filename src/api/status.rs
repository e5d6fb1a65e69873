//! Status of the installation (version, uptime, schema).

use leptos::prelude::*;

use crate::model::status::SystemStatus;
use crate::model::ApiError;

/// Reads the server's own status.
#[server(endpoint = "status")]
pub async fn get_status() -> Result<SystemStatus, ApiError> {
    crate::api::require(crate::model::auth::Role::Viewer)?;
    use crate::server::state::AppState;
    let state = use_context::<AppState>()
        .ok_or_else(|| ApiError::Internal("application state missing".into()))?;
    let pool = state.store().pool();
    let created: Option<String> =
        sqlx::query_scalar("SELECT value FROM meta WHERE key = 'created_at'")
            .fetch_optional(pool)
            .await?;
    let schema_version: i64 =
        sqlx::query_scalar("SELECT COALESCE(MAX(version), 0) FROM schema_migrations")
            .fetch_one(pool)
            .await?;
    Ok(SystemStatus {
        version: env!("CARGO_PKG_VERSION").to_string(),
        commit: env!("EBB_GIT_COMMIT").to_string(),
        started_at: state.inner.started_at,
        database_created_at: created,
        schema_version,
        now: chrono::Utc::now(),
    })
}
