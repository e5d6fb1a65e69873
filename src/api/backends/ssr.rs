//! Server-side helpers of the backend functions: settings from the form (pasted PEM contents
//! saved as private files), the page's view of a stored backend, and a Swarm client for one.

use std::path::{Path, PathBuf};

use crate::model::backends::{is_pem, BackendInfo};
use crate::model::ApiError;
use crate::server::orchestrator::swarm::{SwarmBackend, SwarmSettings, TlsFiles};
use crate::server::store::workloads::BackendRow;

/// Where pasted TLS material is kept: beside the default database (`data/`), one folder per
/// backend, readable by ebb's user only.
const TLS_DIR: &str = "data/backend-tls";

/// The page's view of `b` (no secrets: settings hold paths).
pub fn info(b: &BackendRow, counts: &[(i64, i64)]) -> BackendInfo {
    let settings = (b.kind == "swarm")
        .then(|| SwarmSettings::from_json(&b.settings).ok())
        .flatten();
    BackendInfo {
        id: b.id,
        name: b.name.clone(),
        kind: b.kind.clone(),
        address: settings
            .as_ref()
            .map(SwarmSettings::describe)
            .unwrap_or_default(),
        label: settings.map(|s| s.label).unwrap_or_default(),
        workloads: counts
            .iter()
            .find(|(id, _)| *id == b.id)
            .map_or(0, |(_, n)| *n),
    }
}

/// Checked settings from the registration form; pasted PEM contents are written to files.
pub fn settings(
    name: &str,
    socket: &str,
    host: &str,
    [ca, cert, key]: [&str; 3],
    label: &str,
) -> Result<SwarmSettings, ApiError> {
    if name.is_empty()
        || name.len() > 100
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
    {
        return Err(ApiError::invalid(
            "name",
            "1–100 letters, digits, '-', '_' or '.'",
        ));
    }
    let tls_given = [ca, cert, key].iter().any(|v| !v.trim().is_empty());
    let tls = if tls_given {
        let dir = Path::new(TLS_DIR).join(name);
        Some(TlsFiles {
            ca: tls_file(&dir, "ca", ca)?,
            cert: tls_file(&dir, "cert", cert)?,
            key: tls_file(&dir, "key", key)?,
        })
    } else {
        None
    };
    let s = SwarmSettings {
        socket: Some(socket.trim().to_string()).filter(|s| !s.is_empty()),
        host: Some(host.trim().to_string()).filter(|s| !s.is_empty()),
        tls,
        label: label.trim().to_string(),
        ..Default::default()
    };
    if let Err(e) = s.endpoint() {
        let field = match e {
            crate::server::orchestrator::swarm::settings::SettingsError::BadLabel(_) => "label",
            crate::server::orchestrator::swarm::settings::SettingsError::Unreadable(..) => "tls",
            crate::server::orchestrator::swarm::settings::SettingsError::BadHost(_) => "host",
            _ => "socket",
        };
        return Err(ApiError::invalid(field, e.to_string()));
    }
    if s.tls.is_some() && s.host.is_none() {
        return Err(ApiError::invalid(
            "tls",
            "TLS files are for a TCP host; leave them empty for a socket",
        ));
    }
    Ok(s)
}

/// A path as given, or pasted PEM contents saved as `dir/<what>.pem` (mode 0600).
fn tls_file(dir: &Path, what: &'static str, value: &str) -> Result<String, ApiError> {
    let value = value.trim();
    if value.is_empty() {
        return Err(ApiError::invalid(
            what,
            "give all three TLS files (CA, certificate, key), or none",
        ));
    }
    if !is_pem(value) {
        return Ok(value.to_string());
    }
    let path: PathBuf = dir.join(format!("{what}.pem"));
    write_private(&path, value).map_err(|e| {
        // The error names the file, never its contents.
        tracing::error!("cannot save TLS {what} to {}: {e}", path.display());
        ApiError::Internal(format!("cannot save the TLS {what} file"))
    })?;
    Ok(path.display().to_string())
}

fn write_private(path: &Path, contents: &str) -> std::io::Result<()> {
    use std::io::Write;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
    let mut f = opts.open(path)?;
    f.write_all(contents.as_bytes())?;
    f.write_all(b"\n")
}

/// A Swarm client for stored backend `id` (a fresh one: tests and listings do not disturb
/// the controller's connection).
pub async fn swarm(id: i64) -> Result<SwarmBackend, ApiError> {
    let store = crate::api::state()?.store().clone();
    let Some(b) = store.backend(id).await? else {
        return Err(ApiError::NotFound(format!("there is no backend {id}")));
    };
    if b.kind != "swarm" {
        return Err(ApiError::Conflict(format!(
            "backend {} is a {} backend, not Swarm",
            b.name, b.kind
        )));
    }
    let settings = SwarmSettings::from_json(&b.settings).map_err(|e| {
        ApiError::Internal(format!("stored settings of {} unreadable: {e}", b.name))
    })?;
    Ok(SwarmBackend::new(settings))
}
