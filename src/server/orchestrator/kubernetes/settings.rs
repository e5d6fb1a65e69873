//! Per-backend settings of a Kubernetes (or OpenShift) backend as stored in
//! `backends.settings` (JSON, no secrets: a bearer token and a CA are referenced by file path,
//! like the Swarm TLS files), and how they are checked.

use serde::{Deserialize, Serialize};

/// The label selector used when a backend names none.
pub const DEFAULT_LABEL: &str = "ebb.io/enabled=true";

/// How ebb reaches the API server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Connection {
    /// A kubeconfig file, with one of its contexts (its current context when empty).
    Kubeconfig { path: String, context: String },
    /// The service account ebb runs under, inside the cluster.
    InCluster,
    /// An API server URL with a bearer token (an OpenShift `oc whoami -t` token or a service
    /// account token) and, unless the server's certificate is publicly trusted, its CA.
    Url {
        url: String,
        token_file: String,
        ca_file: Option<String>,
    },
}

/// One Kubernetes backend: where, which namespaces, which objects.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KubeSettings {
    pub connection: Connection,
    /// Namespaces to manage; empty = every namespace.
    #[serde(default)]
    pub namespaces: Vec<String>,
    /// Label selector objects must match (`key=value`, `key`); empty = every scalable object.
    #[serde(default = "default_label")]
    pub label: String,
    /// Seconds one API call may take before the backend counts as unreachable.
    #[serde(default = "default_timeout")]
    pub timeout_secs: u64,
    /// Workloads (by ebb name) an editor took over from an HPA or ScaledObject: ebb scales
    /// them although that autoscaler still targets them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub taken_over: Vec<String>,
}

fn default_label() -> String {
    DEFAULT_LABEL.to_string()
}

fn default_timeout() -> u64 {
    10
}

impl KubeSettings {
    /// Where the API server is, as the backends page shows it (no secrets).
    pub fn describe(&self) -> String {
        match &self.connection {
            Connection::Kubeconfig { path, context } if context.is_empty() => {
                format!("kubeconfig {path} (its current context)")
            }
            Connection::Kubeconfig { path, context } => {
                format!("kubeconfig {path}, context {context}")
            }
            Connection::InCluster => "in-cluster service account".into(),
            Connection::Url { url, ca_file, .. } => format!(
                "{url} with a bearer token{}",
                if ca_file.is_some() { " and its CA" } else { "" }
            ),
        }
    }

    /// The namespaces and selector, as the backends page shows them.
    pub fn scope(&self) -> String {
        let namespaces = if self.namespaces.is_empty() {
            "all namespaces".to_string()
        } else {
            format!("namespace {}", self.namespaces.join(", "))
        };
        let label = if self.label.is_empty() {
            "every scalable object".to_string()
        } else {
            format!("objects labelled {}", self.label)
        };
        format!("{namespaces}; {label}")
    }

    /// Reads stored settings.
    pub fn from_json(text: &str) -> Result<KubeSettings, String> {
        let s: KubeSettings = serde_json::from_str(text).map_err(|e| e.to_string())?;
        s.check()?;
        Ok(s)
    }

    /// Every problem that makes the settings unusable, as one sentence saying what to enter.
    pub fn check(&self) -> Result<(), String> {
        match &self.connection {
            Connection::Kubeconfig { path, .. } if !path.starts_with('/') => {
                return Err(format!(
                    "the kubeconfig path must be absolute, e.g. /etc/ebb/kubeconfig (got `{path}`)"
                ))
            }
            Connection::Url {
                url, token_file, ..
            } => {
                if !(url.starts_with("https://") || url.starts_with("http://")) {
                    return Err(format!(
                        "the API server URL must start with https:// (got `{url}`)"
                    ));
                }
                if token_file.is_empty() {
                    return Err(
                        "give the bearer token (it is saved to a file only ebb reads)".into(),
                    );
                }
            }
            _ => {}
        }
        for ns in &self.namespaces {
            crate::model::names::dns_label(ns).map_err(|why| format!("namespace `{ns}`: {why}"))?;
        }
        if !self.label.is_empty() && !label_ok(&self.label) {
            return Err(format!(
                "the label selector `{}` must be `key` or `key=value` (comma-separated for several), without spaces",
                self.label
            ));
        }
        if !(1..=300).contains(&self.timeout_secs) {
            return Err(format!(
                "the timeout must be between 1 and 300 seconds (got {})",
                self.timeout_secs
            ));
        }
        Ok(())
    }
}

/// `key`, `key=value`, `key!=value`, comma-separated, with Kubernetes' label characters.
fn label_ok(selector: &str) -> bool {
    let word = |w: &str| {
        !w.is_empty()
            && w.len() <= 253
            && w.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/'))
    };
    selector.split(',').all(|term| {
        let (k, v) = match term.split_once("!=").or_else(|| term.split_once('=')) {
            Some((k, v)) => (k, Some(v)),
            None => (term, None),
        };
        word(k) && v.is_none_or(|v| v.is_empty() || word(v))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_are_checked_with_sentences() {
        let ok = r#"{"connection":{"kind":"kubeconfig","path":"/k/config","context":""},"namespaces":["shop"]}"#;
        let s = KubeSettings::from_json(ok).expect("valid");
        assert_eq!(s.label, DEFAULT_LABEL);
        assert_eq!(s.timeout_secs, 10);
        let bad: &[(&str, &str)] = &[
            (
                r#"{"connection":{"kind":"kubeconfig","path":"k","context":""}}"#,
                "absolute",
            ),
            (
                r#"{"connection":{"kind":"url","url":"ftp://x","token_file":"/t"}}"#,
                "https://",
            ),
            (
                r#"{"connection":{"kind":"in_cluster"},"namespaces":["Shop!"]}"#,
                "namespace `Shop!`",
            ),
            (
                r#"{"connection":{"kind":"in_cluster"},"label":"a b"}"#,
                "label selector",
            ),
            (
                r#"{"connection":{"kind":"in_cluster"},"timeout_secs":0}"#,
                "timeout",
            ),
        ];
        for (json, want) in bad {
            let err = KubeSettings::from_json(json).expect_err(json);
            assert!(err.contains(want), "{json}: {err}");
        }
        assert!(label_ok("ebb.io/enabled=true,tier!=batch"));
        assert!(label_ok("app"));
    }
}
