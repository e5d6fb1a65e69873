//! Per-backend settings of a Swarm backend, as stored in `backends.settings` (JSON, no secrets:
//! TLS material is referenced by file path, never stored inline), and how they are checked.

use serde::{Deserialize, Serialize};

/// The label filter used when a backend names none.
pub const DEFAULT_LABEL: &str = "ebb.enable=true";

/// How to reach one Docker Engine in swarm mode, and which services to manage.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SwarmSettings {
    /// Path of the daemon's unix socket (e.g. `/var/run/docker.sock`); used when `host` is empty.
    pub socket: Option<String>,
    /// TCP address of the daemon, `host:port` or `tcp://host:port` (TLS when `tls` is set).
    pub host: Option<String>,
    /// Client certificate, key and CA for a TCP daemon with `--tlsverify`.
    pub tls: Option<TlsFiles>,
    /// Only services carrying this label (`key=value` or `key`) are listed; empty = all.
    pub label: String,
    /// Seconds one Docker API call may take before the backend counts as unreachable.
    pub timeout_secs: u64,
}

impl Default for SwarmSettings {
    fn default() -> Self {
        SwarmSettings {
            socket: None,
            host: None,
            tls: None,
            label: DEFAULT_LABEL.to_string(),
            timeout_secs: 10,
        }
    }
}

/// Paths of the PEM files of a TLS client (the files hold the secrets; settings hold paths).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TlsFiles {
    pub ca: String,
    pub cert: String,
    pub key: String,
}

/// Why settings cannot be used; each message says what to enter instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SettingsError {
    #[error("give either a socket path or a TCP host, not both")]
    Both,
    #[error("give the daemon's socket path (e.g. /var/run/docker.sock) or a TCP host:port")]
    Neither,
    #[error("the socket path must be absolute, e.g. /var/run/docker.sock (got `{0}`)")]
    RelativeSocket(String),
    #[error("the TCP host must look like host:port or tcp://host:port (got `{0}`)")]
    BadHost(String),
    #[error("TLS {0} file `{1}` cannot be read: {2}")]
    Unreadable(&'static str, String, String),
    #[error("the label filter `{0}` must be `key` or `key=value` without spaces")]
    BadLabel(String),
    #[error("the timeout must be between 1 and 300 seconds (got {0})")]
    BadTimeout(u64),
}

/// Where the daemon is, once the settings are checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Endpoint<'a> {
    Unix(&'a str),
    Tcp(String),
    TcpTls(String, &'a TlsFiles),
}

impl SwarmSettings {
    /// Reads stored settings; unknown keys are ignored, missing ones take defaults.
    pub fn from_json(json: &str) -> Result<SwarmSettings, serde_json::Error> {
        serde_json::from_str(json)
    }

    /// The daemon address, after checking the settings (TLS files must be readable).
    pub fn endpoint(&self) -> Result<Endpoint<'_>, SettingsError> {
        self.check_label()?;
        if !(1..=300).contains(&self.timeout_secs) {
            return Err(SettingsError::BadTimeout(self.timeout_secs));
        }
        let socket = self
            .socket
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty());
        let host = self
            .host
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty());
        match (socket, host) {
            (Some(_), Some(_)) => Err(SettingsError::Both),
            (None, None) => Err(SettingsError::Neither),
            (Some(s), None) => {
                let path = s.trim_start_matches("unix://");
                if !path.starts_with('/') {
                    return Err(SettingsError::RelativeSocket(s.to_string()));
                }
                Ok(Endpoint::Unix(path))
            }
            (None, Some(h)) => {
                let bare = h
                    .trim_start_matches("tcp://")
                    .trim_start_matches("https://")
                    .trim_start_matches("http://");
                let port_ok = bare
                    .rsplit_once(':')
                    .is_some_and(|(name, port)| !name.is_empty() && port.parse::<u16>().is_ok());
                if !port_ok || bare.contains('/') || bare.contains(' ') {
                    return Err(SettingsError::BadHost(h.to_string()));
                }
                match &self.tls {
                    Some(tls) => {
                        for (what, path) in [
                            ("CA", &tls.ca),
                            ("certificate", &tls.cert),
                            ("key", &tls.key),
                        ] {
                            if let Err(e) = std::fs::metadata(path) {
                                return Err(SettingsError::Unreadable(
                                    what,
                                    path.clone(),
                                    e.to_string(),
                                ));
                            }
                        }
                        Ok(Endpoint::TcpTls(bare.to_string(), tls))
                    }
                    None => Ok(Endpoint::Tcp(bare.to_string())),
                }
            }
        }
    }

    fn check_label(&self) -> Result<(), SettingsError> {
        let l = self.label.trim();
        let key = l.split_once('=').map_or(l, |(k, _)| k);
        if l.contains(char::is_whitespace) || (!l.is_empty() && key.is_empty()) {
            return Err(SettingsError::BadLabel(self.label.clone()));
        }
        Ok(())
    }

    /// Where the daemon is, for messages and logs (paths and addresses only, never key material).
    pub fn describe(&self) -> String {
        match self.endpoint() {
            Ok(Endpoint::Unix(p)) => format!("unix://{p}"),
            Ok(Endpoint::Tcp(h)) => format!("tcp://{h} (no TLS)"),
            Ok(Endpoint::TcpTls(h, _)) => format!("tcp://{h} (TLS)"),
            Err(e) => format!("(invalid settings: {e})"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(socket: Option<&str>, host: Option<&str>) -> SwarmSettings {
        SwarmSettings {
            socket: socket.map(String::from),
            host: host.map(String::from),
            ..Default::default()
        }
    }

    #[test]
    fn endpoints_are_checked() {
        assert_eq!(
            with(Some("/run/d.sock"), None).endpoint(),
            Ok(Endpoint::Unix("/run/d.sock"))
        );
        assert_eq!(
            with(Some("unix:///run/d.sock"), None).endpoint(),
            Ok(Endpoint::Unix("/run/d.sock"))
        );
        assert_eq!(
            with(None, Some("tcp://10.0.0.1:2376")).endpoint(),
            Ok(Endpoint::Tcp("10.0.0.1:2376".into()))
        );
        assert_eq!(
            with(Some("d.sock"), None).endpoint(),
            Err(SettingsError::RelativeSocket("d.sock".into()))
        );
        assert_eq!(
            with(None, Some("10.0.0.1")).endpoint(),
            Err(SettingsError::BadHost("10.0.0.1".into()))
        );
        assert_eq!(
            with(Some("/a"), Some("h:1")).endpoint(),
            Err(SettingsError::Both)
        );
        assert_eq!(
            with(None, Some(" ")).endpoint(),
            Err(SettingsError::Neither)
        );
    }

    #[test]
    fn stored_settings_default_the_label() {
        let s = SwarmSettings::from_json(r#"{"socket":"/x.sock"}"#).expect("parses");
        assert_eq!(s.label, DEFAULT_LABEL);
        let all = SwarmSettings::from_json(r#"{"socket":"/x.sock","label":""}"#).expect("parses");
        assert_eq!(all.label, "");
        let bad = SwarmSettings {
            label: "a b".into(),
            ..with(Some("/x"), None)
        };
        assert!(matches!(bad.endpoint(), Err(SettingsError::BadLabel(_))));
    }
}
