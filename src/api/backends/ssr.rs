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
use crate::server::orchestrator::kubernetes::settings::{Connection, KubeSettings};
use crate::server::orchestrator::swarm::settings::SettingsError;
use crate::server::orchestrator::swarm::{SwarmSettings, TlsFiles};
use crate::server::store::workloads::BackendRow;

/// The page's view of `b` (no secrets: whether TLS files are set, never their paths).
pub fn info(b: &BackendRow, workloads: Vec<String>) -> BackendInfo {
    if b.kind == "kubernetes" {
        let settings = KubeSettings::from_json(&b.settings).ok();
        return BackendInfo {
            id: b.id,
            name: b.name.clone(),
            kind: b.kind.clone(),
            address: settings.as_ref().map_or(
                "(stored settings unreadable)".into(),
                KubeSettings::describe,
            ),
            label: settings
                .as_ref()
                .map(|s| s.label.clone())
                .unwrap_or_default(),
            socket: String::new(),
            host: String::new(),
            tls: false,
            scope: settings
                .as_ref()
                .map(KubeSettings::scope)
                .unwrap_or_default(),
            kube: settings.as_ref().map(kube_edit),
            workloads: i64::try_from(workloads.len()).unwrap_or(i64::MAX),
            workload_names: workloads,
        };
    }
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
        scope: String::new(),
        kube: None,
        workloads: i64::try_from(workloads.len()).unwrap_or(i64::MAX),
        workload_names: workloads,
    }
}

/// The edit form's view of Kubernetes settings `s`: no token, no file paths of secrets.
fn kube_edit(s: &KubeSettings) -> crate::model::backends::KubeEdit {
    let mut e = crate::model::backends::KubeEdit {
        namespaces: s.namespaces.join(", "),
        ..Default::default()
    };
    match &s.connection {
        Connection::Kubeconfig { path, context } => {
            e.connection = "kubeconfig".into();
            e.kubeconfig = path.clone();
            e.context = context.clone();
        }
        Connection::InCluster => e.connection = "in_cluster".into(),
        Connection::Url { url, ca_file, .. } => {
            e.connection = "url".into();
            e.url = url.clone();
            e.token = true;
            e.ca = ca_file.is_some();
        }
    }
    e
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
pub struct NewFiles(pub Vec<PathBuf>);

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

/// Backend `id`, which an edit form of backends of `kind` (`Swarm`, `Kubernetes`) changes:
/// not found, or a conflict naming its kind when it is another kind.
pub async fn backend_of_kind(
    store: &crate::server::store::Store,
    id: i64,
    kind: &str,
) -> Result<BackendRow, ApiError> {
    let Some(row) = store.backend(id).await? else {
        return Err(ApiError::NotFound(format!("there is no backend {id}")));
    };
    if !row.kind.eq_ignore_ascii_case(kind) {
        return Err(ApiError::Conflict(format!(
            "backend {} is a {} backend; this form edits {kind} backends",
            row.name, row.kind
        )));
    }
    Ok(row)
}

/// Checks the new name of backend `id`: the naming rule, and no other backend has it.
pub async fn check_renamed(
    store: &crate::server::store::Store,
    id: i64,
    name: &str,
) -> Result<(), ApiError> {
    check_name(name)?;
    if store
        .backends()
        .await?
        .iter()
        .any(|b| b.name == name && b.id != id)
    {
        return Err(ApiError::invalid(
            "name",
            "another backend has this name; pick another",
        ));
    }
    Ok(())
}

/// Checks the name of a backend being registered: the naming rule, and no backend has it yet.
pub async fn check_new_name(
    store: &crate::server::store::Store,
    name: &str,
) -> Result<(), ApiError> {
    check_name(name)?;
    if store.backends().await?.iter().any(|b| b.name == name) {
        return Err(ApiError::invalid(
            "name",
            "a backend with this name exists; pick another",
        ));
    }
    Ok(())
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

/// What the Kubernetes registration form sends.
pub struct KubeForm<'a> {
    pub name: &'a str,
    /// `kubeconfig`, `in_cluster` or `url`.
    pub connection: &'a str,
    pub kubeconfig: &'a str,
    pub context: &'a str,
    pub url: &'a str,
    /// The bearer token, pasted (saved to a private file) or a file path.
    pub token: &'a str,
    /// The API server's CA: a path or pasted PEM; empty = publicly trusted.
    pub ca: &'a str,
    /// Comma- or space-separated; empty = all namespaces.
    pub namespaces: &'a str,
    pub label: &'a str,
}

/// Checked Kubernetes settings from `form`; a pasted token or CA is written to a new private
/// file under `tls_dir`, kept only once the caller stores the backend. When editing (`old`
/// given) an empty token or CA keeps the one set, `none` as the CA removes it, and what the
/// form does not carry (timeout, workloads taken over) stays.
pub fn kube_settings(
    form: &KubeForm<'_>,
    old: Option<&KubeSettings>,
    tls_dir: &Path,
) -> Result<(KubeSettings, NewFiles), ApiError> {
    check_name(form.name)?;
    let mut files = NewFiles::default();
    let dir = tls_dir.join(form.name);
    let connection = match form.connection {
        "kubeconfig" => Connection::Kubeconfig {
            path: form.kubeconfig.trim().to_string(),
            context: form.context.trim().to_string(),
        },
        "in_cluster" => Connection::InCluster,
        "url" => {
            let (old_token, old_ca) = match old.map(|o| &o.connection) {
                Some(Connection::Url {
                    token_file,
                    ca_file,
                    ..
                }) => (Some(token_file.clone()), ca_file.clone()),
                _ => (None, None),
            };
            let token = form.token.trim();
            if token.is_empty() && old_token.is_none() {
                return Err(ApiError::invalid(
                    "token",
                    "paste the bearer token (`oc whoami -t`, or a service account's token), or give the path of a file holding it",
                ));
            }
            if token.chars().any(char::is_whitespace) {
                return Err(ApiError::invalid(
                    "token",
                    "a bearer token has no spaces or line breaks: paste only the token",
                ));
            }
            let token_file = match (token, old_token) {
                ("", Some(kept)) => kept,
                (path, _) if path.starts_with('/') => path.to_string(),
                (token, _) => secret_file(&dir, "token", token, &mut files)?,
            };
            let ca = form.ca.trim();
            let ca_file = match ca {
                "" => old_ca,
                "none" => None,
                pem if is_pem(pem) => Some(secret_file(&dir, "ca", pem, &mut files)?),
                path => Some(path.to_string()),
            };
            Connection::Url {
                url: form.url.trim().trim_end_matches('/').to_string(),
                token_file,
                ca_file,
            }
        }
        _ => {
            return Err(ApiError::invalid(
                "connection",
                "choose how ebb reaches the API server: kubeconfig, in-cluster or URL and token",
            ))
        }
    };
    let settings = KubeSettings {
        connection,
        namespaces: form
            .namespaces
            .split([',', ' ', '\n'])
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .map(str::to_string)
            .collect(),
        label: form.label.trim().to_string(),
        timeout_secs: old.map_or(10, |o| o.timeout_secs),
        taken_over: old.map(|o| o.taken_over.clone()).unwrap_or_default(),
    };
    if let Err(why) = settings.check() {
        let field = match &settings.connection {
            _ if why.starts_with("namespace") => "namespaces",
            _ if why.starts_with("the label") => "label",
            Connection::Kubeconfig { .. } => "kubeconfig",
            Connection::Url { .. } if why.contains("URL") => "url",
            Connection::Url { .. } => "token",
            Connection::InCluster => "connection",
        };
        return Err(ApiError::invalid(field, why));
    }
    if let Connection::Kubeconfig { path, .. } = &settings.connection {
        if !Path::new(path).is_file() {
            return Err(ApiError::invalid(
                "kubeconfig",
                format!("there is no file {path} on the ebb server; copy the kubeconfig there (readable by ebb only) and give its path"),
            ));
        }
    }
    if let Connection::Url {
        token_file,
        ca_file,
        ..
    } = &settings.connection
    {
        for (field, file) in [("token", Some(token_file)), ("ca", ca_file.as_ref())] {
            if let Some(file) = file.filter(|f| !Path::new(f).is_file()) {
                return Err(ApiError::invalid(
                    field,
                    format!("there is no file {file} on the ebb server"),
                ));
            }
            if let Some(file) = file.filter(|f| in_own_data(f, tls_dir)) {
                return Err(ApiError::invalid(
                    field,
                    format!("{file} is one of ebb's own files (its data directory); give a file of your own, or paste the value"),
                ));
            }
        }
        if let Err(why) = crate::server::orchestrator::kubernetes::token_file_ok(token_file) {
            return Err(ApiError::invalid("token", why));
        }
    }
    Ok((settings, files))
}

/// True when `file` is inside ebb's data directory (the parent of `tls_dir`: its database and
/// secrets) but not among the backend secret files under `tls_dir`: a path an admin gives is
/// never one of those, so ebb's own secrets are never sent to an API server as a token.
fn in_own_data(file: &str, tls_dir: &Path) -> bool {
    let real = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
    let file = real(Path::new(file));
    tls_dir
        .parent()
        .is_some_and(|data| file.starts_with(real(data)) && !file.starts_with(real(tls_dir)))
}

/// `value` saved as a new private file `dir/<what>-<random>` (0600); returns its path.
pub fn secret_file(
    dir: &Path,
    what: &'static str,
    value: &str,
    files: &mut NewFiles,
) -> Result<String, ApiError> {
    let path = dir.join(format!(
        "{what}-{}",
        crate::server::auth::secrets::random_hex(6)
    ));
    // Exactly the value: the Kubernetes client sends a token file's contents as they are, a
    // final line break included.
    write_private_exact(&path, value).map_err(|e| {
        // The error names the file, never its contents.
        tracing::error!("cannot save the {what} to {}: {e}", path.display());
        ApiError::Internal(format!("cannot save the {what} file"))
    })?;
    files.0.push(path.clone());
    Ok(path.display().to_string())
}

/// A path as given, or pasted PEM contents saved as a new `dir/<what>-<random>.pem` (0600).
pub fn tls_file(
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
    write_private_exact(path, &format!("{contents}\n"))
}

fn write_private_exact(path: &Path, contents: &str) -> std::io::Result<()> {
    use std::io::Write;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
    let mut f = opts.open(path)?;
    f.write_all(contents.as_bytes())
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

/// Removes the token and CA files ebb wrote under `tls_dir` for Kubernetes settings `old` that
/// settings `new` no longer use (`None`: the backend was removed). Paths an operator gave are
/// never touched.
pub fn forget_kube_files(old: &KubeSettings, new: Option<&KubeSettings>, tls_dir: &Path) {
    let files = |s: &KubeSettings| -> Vec<String> {
        match &s.connection {
            Connection::Url {
                token_file,
                ca_file,
                ..
            } => [Some(token_file.clone()), ca_file.clone()]
                .into_iter()
                .flatten()
                .collect(),
            _ => Vec::new(),
        }
    };
    let keep = new.map(files).unwrap_or_default();
    for path in files(old) {
        let p = Path::new(&path);
        if !p.starts_with(tls_dir) || keep.contains(&path) {
            continue;
        }
        if let Err(e) = std::fs::remove_file(p) {
            tracing::warn!("cannot remove unused secret file {path}: {e}");
        }
        if let Some(dir) = p.parent() {
            let _ = std::fs::remove_dir(dir);
        }
    }
}
