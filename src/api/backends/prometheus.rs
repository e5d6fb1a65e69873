//! The Prometheus servers policies query, managed on /backends: listed for everyone (the
//! policy form names them), registered, changed, tested and removed by admins, each change
//! audited. A
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
        .map(|r| match PromSettings::from_json(&r.settings) {
            Ok(s) => PromServerInfo {
                address: s.describe(),
                id: r.id,
                name: r.name,
                url: s.url,
                auth: s.auth,
                user: s.user,
                has_secret: s.secret_file.is_some(),
                has_ca: s.ca_file.is_some(),
                skip_verify: s.skip_verify,
                timeout_ms: s.timeout_ms,
            },
            Err(_) => PromServerInfo {
                address: "(stored settings unreadable)".into(),
                id: r.id,
                name: r.name,
                url: String::new(),
                auth: "none".into(),
                user: String::new(),
                has_secret: false,
                has_ca: false,
                skip_verify: false,
                timeout_ms: 5000,
            },
        })
        .collect())
}

/// Registers Prometheus server `name` at `url`; `auth` is `none`, `bearer` (the token pasted
/// in `secret`) or `basic` (`user` and the password in `secret`); `ca` is a path or pasted
/// PEM, empty for the system's roots; `skip_verify` (`on`) accepts any certificate;
/// `timeout_ms` 100 to 60000 (empty: 5000).
#[server(endpoint = "register_prometheus")]
pub async fn register_prometheus(
    name: String,
    url: String,
    #[server(default)] auth: String,
    #[server(default)] user: String,
    #[server(default)] secret: String,
    #[server(default)] ca: String,
    #[server(default)] skip_verify: String,
    #[server(default)] timeout_ms: String,
) -> Result<i64, ApiError> {
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
    let form = ssr::PromForm {
        url: &url,
        auth: &auth,
        user: &user,
        secret: &secret,
        ca: &ca,
        skip_verify: &skip_verify,
        timeout_ms: &timeout_ms,
    };
    let (settings, files) = ssr::settings(
        &form,
        None,
        &state.inner.tls_dir.join(format!("prometheus-{name}")),
    )?;
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

/// Changes server `id`: the fields as [`register_prometheus`] takes them, except that an empty
/// `secret` or `ca` keeps the one set (`none` as the CA removes it). A server that policies
/// query keeps its name (they name it).
#[server(endpoint = "update_prometheus")]
pub async fn update_prometheus(
    id: i64,
    name: String,
    url: String,
    #[server(default)] auth: String,
    #[server(default)] user: String,
    #[server(default)] secret: String,
    #[server(default)] ca: String,
    #[server(default)] skip_verify: String,
    #[server(default)] timeout_ms: String,
) -> Result<(), ApiError> {
    use crate::server::metrics::prometheus::settings::PromSettings;
    use crate::server::store::prometheus::PromUpdate;
    let actor = crate::api::actor_with(crate::model::auth::Role::Admin)?;
    let state = crate::api::state()?;
    let store = state.store().clone();
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
    let name = name.trim().to_string();
    super::ssr::check_name(&name)?;
    let old = PromSettings::from_json(&row.settings).ok();
    let form = ssr::PromForm {
        url: &url,
        auth: &auth,
        user: &user,
        secret: &secret,
        ca: &ca,
        skip_verify: &skip_verify,
        timeout_ms: &timeout_ms,
    };
    let dir = state.inner.tls_dir.join(format!("prometheus-{name}"));
    let (settings, files) = ssr::settings(&form, old.as_ref(), &dir)?;
    if name == row.name && old.as_ref() == Some(&settings) {
        leptos_axum::redirect("/backends#prometheus");
        return Ok(());
    }
    let json = serde_json::to_string(&settings)
        .map_err(|e| ApiError::Internal(format!("settings: {e}")))?;
    match store
        .update_prometheus(id, &name, &json, &actor, chrono::Utc::now())
        .await?
    {
        PromUpdate::NotFound => Err(ApiError::NotFound(format!(
            "Prometheus server {id} was removed meanwhile"
        ))),
        PromUpdate::NameTaken => Err(ApiError::invalid(
            "name",
            "a Prometheus server with this name exists; pick another",
        )),
        PromUpdate::InUse(policies) => Err(ApiError::invalid(
            "name",
            format!(
                "policies query this server by its name: {}; keep the name, or change them first",
                policies.join(", ")
            ),
        )),
        PromUpdate::Updated(_) => {
            files.keep();
            if let Some(old) = &old {
                ssr::forget_files(old, Some(&settings), &state.inner.tls_dir);
            }
            sync(&state).await?;
            tracing::info!(
                "{actor} changed Prometheus server {name}: {}",
                settings.describe()
            );
            leptos_axum::redirect("/backends#prometheus");
            Ok(())
        }
    }
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
                ssr::forget_files(&s, None, &state.inner.tls_dir);
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

#[cfg(feature = "ssr")]
mod ssr {
    use std::path::Path;

    use crate::model::ApiError;
    use crate::server::metrics::prometheus::settings::{PromSettings, DEFAULT_TIMEOUT_MS};

    /// The fields of the add and edit forms, as posted.
    pub struct PromForm<'a> {
        pub url: &'a str,
        pub auth: &'a str,
        pub user: &'a str,
        pub secret: &'a str,
        pub ca: &'a str,
        pub skip_verify: &'a str,
        pub timeout_ms: &'a str,
    }

    /// Checked settings from `form`; a pasted secret or CA is saved to a new file under `dir`,
    /// removed again unless the caller keeps it. Editing (`old` given): an empty secret or CA
    /// keeps the one set, `none` as the CA removes it.
    pub fn settings(
        form: &PromForm<'_>,
        old: Option<&PromSettings>,
        dir: &Path,
    ) -> Result<(PromSettings, super::super::ssr::NewFiles), ApiError> {
        use super::super::ssr::{secret_file, tls_file, NewFiles};
        let timeout_ms = match form.timeout_ms.trim() {
            "" => DEFAULT_TIMEOUT_MS,
            t => t.parse().map_err(|_| {
                ApiError::invalid(
                    "timeout_ms",
                    "give the timeout in milliseconds, 100 to 60000",
                )
            })?,
        };
        let auth = match form.auth.trim() {
            "" => "none".to_string(),
            a => a.to_string(),
        };
        let secret = form.secret.trim();
        if auth != "none" && secret.chars().any(char::is_control) {
            return Err(ApiError::invalid(
                "secret",
                "a token or password has no line breaks or control characters",
            ));
        }
        let mut files = NewFiles::default();
        let secret_file = match (auth.as_str(), secret) {
            ("none", _) => None,
            // Kept only while ebb signs in the same way: a bearer token is no password.
            (_, "") => old
                .filter(|o| o.auth == auth)
                .and_then(|o| o.secret_file.clone()),
            (_, value) => Some(secret_file(dir, "secret", value, &mut files)?),
        };
        let ca_file = match form.ca.trim() {
            "" => old.and_then(|o| o.ca_file.clone()),
            "none" if old.is_some() => None,
            value => Some(tls_file(dir, "ca", value, &mut files)?),
        };
        let skip_verify = match form.skip_verify.trim() {
            "" | "off" | "false" => false,
            "on" | "true" => true,
            _ => {
                return Err(ApiError::invalid(
                    "skip_verify",
                    "tick the box to skip certificate verification, or leave it clear",
                ))
            }
        };
        let settings = PromSettings {
            url: form.url.trim().trim_end_matches('/').to_string(),
            auth,
            user: form.user.trim().to_string(),
            secret_file,
            ca_file,
            skip_verify,
            timeout_ms,
        };
        settings
            .check()
            .map_err(|(field, why)| ApiError::invalid(field, why))?;
        // A CA file that is no certificate, or missing, is said now, not at the first query.
        crate::server::metrics::prometheus::client::PromClient::new(settings.server())
            .map_err(|e| ApiError::invalid("ca", e.to_string()))?;
        Ok((settings, files))
    }

    /// Removes the files ebb wrote for `old` that `new` no longer uses (paths an admin gave
    /// stay).
    pub fn forget_files(old: &PromSettings, new: Option<&PromSettings>, tls_dir: &Path) {
        let keep: Vec<&String> = new
            .map(|n| [n.secret_file.as_ref(), n.ca_file.as_ref()])
            .into_iter()
            .flatten()
            .flatten()
            .collect();
        for f in [&old.secret_file, &old.ca_file].into_iter().flatten() {
            let p = Path::new(f);
            if !p.starts_with(tls_dir) || keep.contains(&f) {
                continue;
            }
            if let Err(e) = std::fs::remove_file(p) {
                tracing::warn!("cannot remove unused secret file {f}: {e}");
            }
            if let Some(d) = p.parent() {
                let _ = std::fs::remove_dir(d);
            }
        }
    }
}
