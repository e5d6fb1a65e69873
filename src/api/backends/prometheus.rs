//! The Prometheus servers policies query, managed on /backends: listed for everyone (the
//! policy form names them), registered, tested and removed by admins, each change audited. A
//! pasted token or password, or CA, is saved to a file only ebb reads and never shown again; a
//! server a policy queries cannot be removed. The controller and the pages share the clients,
//! so a change is used at once.
#![allow(clippy::too_many_arguments)]

use leptos::prelude::*;

use crate::model::backends::PromServerInfo;
use crate::model::ApiError;

/// Every Prometheus server, by name.
#[server(endpoint = "prometheus_servers")]
pub async fn prometheus_servers() -> Result<Vec<PromServerInfo>, ApiError> {
    use crate::server::metrics::prometheus::settings::PromSettings;
    crate::api::require(crate::model::auth::Role::Viewer)?;
    let store = crate::api::state()?.store().clone();
    Ok(store
        .prometheus_servers()
        .await?
        .into_iter()
        .map(|r| PromServerInfo {
            address: PromSettings::from_json(&r.settings)
                .map(|s| s.describe())
                .unwrap_or_else(|_| "(stored settings unreadable)".into()),
            id: r.id,
            name: r.name,
        })
        .collect())
}

/// Registers Prometheus server `name` at `url`; `auth` is `none`, `bearer` (the token pasted
/// in `secret`) or `basic` (`user` and the password in `secret`); `ca` is a path or pasted
/// PEM, empty for the system's roots; `timeout_ms` 100 to 60000 (empty: 5000).
#[server(endpoint = "register_prometheus")]
pub async fn register_prometheus(
    name: String,
    url: String,
    #[server(default)] auth: String,
    #[server(default)] user: String,
    #[server(default)] secret: String,
    #[server(default)] ca: String,
    #[server(default)] timeout_ms: String,
) -> Result<i64, ApiError> {
    use crate::server::metrics::prometheus::settings::{PromSettings, DEFAULT_TIMEOUT_MS};
    let actor = crate::api::actor_with(crate::model::auth::Role::Admin)?;
    let state = crate::api::state()?;
    let store = state.store().clone();
    let name = name.trim().to_string();
    super::ssr::check_name(&name)?;
    if store
        .prometheus_servers()
        .await?
        .iter()
        .any(|r| r.name == name)
    {
        return Err(ApiError::invalid(
            "name",
            "a Prometheus server with this name exists; pick another",
        ));
    }
    let timeout_ms = match timeout_ms.trim() {
        "" => DEFAULT_TIMEOUT_MS,
        t => t.parse().map_err(|_| {
            ApiError::invalid(
                "timeout_ms",
                "give the timeout in milliseconds, 100 to 60000",
            )
        })?,
    };
    let auth = match auth.trim() {
        "" => "none".to_string(),
        a => a.to_string(),
    };
    let secret = secret.trim();
    if auth != "none" && secret.chars().any(char::is_control) {
        return Err(ApiError::invalid(
            "secret",
            "a token or password has no line breaks or control characters",
        ));
    }
    let dir = state.inner.tls_dir.join(format!("prometheus-{name}"));
    let mut files = super::ssr::NewFiles::default();
    let secret_file = match (auth.as_str(), secret) {
        ("none", _) | (_, "") => None,
        (_, value) => Some(super::ssr::secret_file(&dir, "secret", value, &mut files)?),
    };
    let ca_file = match ca.trim() {
        "" => None,
        value => Some(super::ssr::tls_file(&dir, "ca", value, &mut files)?),
    };
    let settings = PromSettings {
        url: url.trim().trim_end_matches('/').to_string(),
        auth,
        user: user.trim().to_string(),
        secret_file,
        ca_file,
        timeout_ms,
    };
    settings
        .check()
        .map_err(|(field, why)| ApiError::invalid(field, why))?;
    // A CA file that is no certificate, or missing, is said now, not at the first query.
    crate::server::metrics::prometheus::client::PromClient::new(settings.server())
        .map_err(|e| ApiError::invalid("ca", e.to_string()))?;
    let json = serde_json::to_string(&settings)
        .map_err(|e| ApiError::Internal(format!("settings: {e}")))?;
    let id = store
        .register_prometheus(&name, &json, &actor, chrono::Utc::now())
        .await?;
    files.keep();
    sync(&state).await?;
    tracing::info!(
        "{actor} added Prometheus server {name}: {}",
        settings.describe()
    );
    leptos_axum::redirect("/backends#prometheus");
    Ok(id)
}

/// Asks server `id` for `vector(1)`: how long it took, or exactly what failed.
#[server(endpoint = "test_prometheus")]
pub async fn test_prometheus(id: i64) -> Result<String, ApiError> {
    use crate::server::metrics::prometheus::client::PromClient;
    use crate::server::metrics::prometheus::settings::PromSettings;
    crate::api::require(crate::model::auth::Role::Admin)?;
    let store = crate::api::state()?.store().clone();
    let Some(row) = store
        .prometheus_servers()
        .await?
        .into_iter()
        .find(|r| r.id == id)
    else {
        return Err(ApiError::NotFound(format!(
            "there is no Prometheus server {id}"
        )));
    };
    let settings = PromSettings::from_json(&row.settings)
        .map_err(|e| ApiError::Internal(format!("stored settings of {}: {e}", row.name)))?;
    let client = PromClient::new(settings.server())
        .map_err(|e| ApiError::Unavailable(format!("{}: {e}", row.name)))?;
    let started = std::time::Instant::now();
    match client.query("vector(1)").await {
        Ok(_) => Ok(format!(
            "{} answered a query in {} ms",
            row.name,
            started.elapsed().as_millis()
        )),
        Err(e) => Err(ApiError::Unavailable(format!("{}: {e}", row.name))),
    }
}

/// Removes server `id`, unless a policy queries it.
#[server(endpoint = "remove_prometheus")]
pub async fn remove_prometheus(id: i64) -> Result<(), ApiError> {
    use crate::server::metrics::prometheus::settings::PromSettings;
    use crate::server::store::prometheus::PromRemoval;
    let actor = crate::api::actor_with(crate::model::auth::Role::Admin)?;
    let state = crate::api::state()?;
    match state
        .store()
        .remove_prometheus(id, &actor, chrono::Utc::now())
        .await?
    {
        PromRemoval::NotFound => Err(ApiError::NotFound(format!(
            "there is no Prometheus server {id}"
        ))),
        PromRemoval::InUse(policies) => Err(ApiError::invalid(
            "id",
            format!(
                "policies query it: {}; change them first",
                policies.join(", ")
            ),
        )),
        PromRemoval::Removed(row) => {
            // Files ebb wrote for it go with it; paths an admin gave stay.
            if let Ok(s) = PromSettings::from_json(&row.settings) {
                for f in [s.secret_file, s.ca_file].into_iter().flatten() {
                    let p = std::path::Path::new(&f);
                    if p.starts_with(&state.inner.tls_dir) {
                        let _ = std::fs::remove_file(p);
                        if let Some(d) = p.parent() {
                            let _ = std::fs::remove_dir(d);
                        }
                    }
                }
            }
            sync(&state).await?;
            tracing::info!("{actor} removed Prometheus server {}", row.name);
            leptos_axum::redirect("/backends#prometheus");
            Ok(())
        }
    }
}

#[cfg(feature = "ssr")]
async fn sync(state: &crate::server::state::AppState) -> Result<(), ApiError> {
    let rows = state.store().prometheus_servers().await?;
    state.inner.prometheus.sync(
        &rows
            .into_iter()
            .map(|r| (r.name, r.settings))
            .collect::<Vec<_>>(),
    );
    Ok(())
}
