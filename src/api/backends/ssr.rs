//! Server-side helpers of the backend functions: settings from the registration and edit forms
//! (pasted PEM contents saved as private files) and the page's view of a stored backend.
//!
//! Pasted key material goes to the state's TLS folder (beside the database), one folder per
//! backend, readable by ebb's user only: a new file with a random name, never over an existing
//! one, and
//! the files written for a request are removed again unless the change they belong to was
//! stored ([`NewFiles`]): a refused or failed registration or edit leaves no key behind and
//! never touches the files a working backend uses.

use std::path::{Path, PathBuf};

use crate::model::backends::{is_pem, BackendInfo};
use crate::model::ApiError;
use crate::server::orchestrator::swarm::settings::SettingsError;
use crate::server::orchestrator::swarm::{SwarmSettings, TlsFiles};
use crate::server::store::workloads::BackendRow;

/// The page's view of `b` (no secrets: whether TLS files are set, never their paths).
pub fn info(b: &BackendRow, workloads: Vec<String>) -> BackendInfo {
    let settings = (b.kind == "swarm")
        .then(|| SwarmSettings::from_json(&b.settings).ok())
        .flatten();
    let text = |v: Option<&String>| v.cloned().unwrap_or_default();
    BackendInfo {
        id: b.id,
        name: b.name.clone(),
        kind: b.kind.clone(),
        address: settings
            .as_ref()
            .map(SwarmSettings::describe)
            .unwrap_or_default(),
        label: settings
            .as_ref()
            .map(|s| s.label.clone())
            .unwrap_or_default(),
        socket: text(settings.as_ref().and_then(|s| s.socket.as_ref())),
        host: text(settings.as_ref().and_then(|s| s.host.as_ref())),
        tls: settings.as_ref().is_some_and(|s| s.tls.is_some()),
        workloads: i64::try_from(workloads.len()).unwrap_or(i64::MAX),
        workload_names: workloads,
    }
}

/// What the registration and edit forms send.
pub struct SwarmForm<'a> {
    pub name: &'a str,
    pub socket: &'a str,
    pub host: &'a str,
    /// CA, certificate, key: a file path or pasted PEM contents each; empty = none (register)
    /// or unchanged (edit).
    pub tls: [&'a str; 3],
    pub label: &'a str,
}

/// Files written for one request; removed when dropped unless [`NewFiles::keep`] was called.
#[derive(Default)]
pub struct NewFiles(Vec<PathBuf>);

impl NewFiles {
    /// The change was stored: the files stay.
    pub fn keep(mut self) {
        self.0.clear();
    }
}

impl Drop for NewFiles {
    fn drop(&mut self) {
        for path in &self.0 {
            if let Err(e) = std::fs::remove_file(path) {
                tracing::warn!("cannot remove unused TLS file {}: {e}", path.display());
            }
            if let Some(dir) = path.parent() {
                // Fails while the folder holds files of a stored backend, as intended.
                let _ = std::fs::remove_dir(dir);
            }
        }
    }
}

/// Checks the backend name (see [`crate::model::names::backend`]).
pub fn check_name(name: &str) -> Result<(), ApiError> {
    crate::model::names::backend(name).map_err(|m| ApiError::invalid("name", m))
}

/// Checked settings from `form`. `existing` (an edit) supplies the TLS files whose fields are
/// left empty, and the settings the form does not show (the call timeout). Pasted PEM contents
/// are written to new files under `tls_dir`, returned so the caller keeps them only once the
/// change is stored.
pub fn settings(
    form: &SwarmForm<'_>,
    existing: Option<&SwarmSettings>,
    tls_dir: &Path,
) -> Result<(SwarmSettings, NewFiles), ApiError> {
    check_name(form.name)?;
    let host = Some(form.host.trim().to_string()).filter(|s| !s.is_empty());
    let given = form.tls.map(str::trim);
    if host.is_none() && given.iter().any(|v| !v.is_empty()) {
        return Err(ApiError::invalid(
            "tls",
            "TLS files are for a TCP host; leave them empty for a socket",
        ));
    }
    let mut files = NewFiles::default();
    // A socket never uses TLS: switching an edited backend to one drops its files.
    let old = existing
        .and_then(|s| s.tls.as_ref())
        .filter(|_| host.is_some());
    let tls = if given.iter().all(|v| v.is_empty()) {
        old.cloned()
    } else {
        let dir = tls_dir.join(form.name);
        let [ca, cert, key] = given;
        let mut pick =
            |what: &'static str, value: &str, kept: Option<&String>| match (value.is_empty(), kept)
            {
                (true, Some(path)) => Ok(path.clone()),
                (true, None) => Err(ApiError::invalid(
                    what,
                    "give all three TLS files (CA, certificate, key), or none",
                )),
                (false, _) => tls_file(&dir, what, value, &mut files),
            };
        Some(TlsFiles {
            ca: pick("ca", ca, old.map(|t| &t.ca))?,
            cert: pick("cert", cert, old.map(|t| &t.cert))?,
            key: pick("key", key, old.map(|t| &t.key))?,
        })
    };
    let s = SwarmSettings {
        socket: Some(form.socket.trim().to_string()).filter(|s| !s.is_empty()),
        host,
        tls,
        label: form.label.trim().to_string(),
        timeout_secs: existing.map_or(SwarmSettings::default().timeout_secs, |e| e.timeout_secs),
    };
    if let Err(e) = s.endpoint() {
        let field = match e {
            SettingsError::BadLabel(_) => "label",
            SettingsError::Unreadable(..) => "tls",
            SettingsError::BadHost(_) => "host",
            _ => "socket",
        };
        return Err(ApiError::invalid(field, e.to_string()));
    }
    Ok((s, files))
}

/// A path as given, or pasted PEM contents saved as a new `dir/<what>-<random>.pem` (0600).
fn tls_file(
    dir: &Path,
    what: &'static str,
    value: &str,
    files: &mut NewFiles,
) -> Result<String, ApiError> {
    if !is_pem(value) {
        return Ok(value.to_string());
    }
    let path = dir.join(format!(
        "{what}-{}.pem",
        crate::server::auth::secrets::random_hex(6)
    ));
    write_private(&path, value).map_err(|e| {
        // The error names the file, never its contents.
        tracing::error!("cannot save TLS {what} to {}: {e}", path.display());
        ApiError::Internal(format!("cannot save the TLS {what} file"))
    })?;
    files.0.push(path.clone());
    Ok(path.display().to_string())
}

fn write_private(path: &Path, contents: &str) -> std::io::Result<()> {
    use std::io::Write;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
    let mut f = opts.open(path)?;
    f.write_all(contents.as_bytes())?;
    f.write_all(b"\n")
}

/// Removes the files ebb wrote under `tls_dir` for `old` (pasted PEM contents) that `new` no
/// longer uses, and their folder once it is empty. Paths an operator gave are never touched.
pub fn forget_files(old: Option<&SwarmSettings>, new: Option<&SwarmSettings>, tls_dir: &Path) {
    let paths = |s: Option<&SwarmSettings>| -> Vec<String> {
        s.and_then(|s| s.tls.as_ref())
            .map(|t| vec![t.ca.clone(), t.cert.clone(), t.key.clone()])
            .unwrap_or_default()
    };
    let keep = paths(new);
    for path in paths(old) {
        let p = Path::new(&path);
        if !p.starts_with(tls_dir) || keep.contains(&path) {
            continue;
        }
        if let Err(e) = std::fs::remove_file(p) {
            tracing::warn!("cannot remove unused TLS file {path}: {e}");
        }
        if let Some(dir) = p.parent() {
            // Fails while other files remain, as intended.
            let _ = std::fs::remove_dir(dir);
        }
    }
}
