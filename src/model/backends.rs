//! Wire types of the Backends page: registered backends, the services a backend offers, and
//! what a connection test found. Key material never appears here: settings carry file paths.

use serde::{Deserialize, Serialize};

/// A registered backend as the page lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BackendInfo {
    pub id: i64,
    pub name: String,
    pub kind: String,
    /// Where it is (e.g. `unix:///var/run/docker.sock`, `tcp://10.0.0.5:2376 (TLS)`).
    pub address: String,
    /// The Swarm label filter (empty = all services).
    pub label: String,
    /// The Swarm daemon's socket path or TCP host as entered (empty when not used), for the
    /// edit form.
    pub socket: String,
    pub host: String,
    /// Whether TLS client files are set (their paths and contents are never sent).
    pub tls: bool,
    /// Which namespaces and objects a Kubernetes backend manages (empty for Swarm).
    #[serde(default)]
    pub scope: String,
    /// A Kubernetes backend's settings as its edit form shows them (none for Swarm).
    #[serde(default)]
    pub kube: Option<KubeEdit>,
    /// Workloads of this backend, and their names.
    pub workloads: i64,
    pub workload_names: Vec<String>,
}

/// What the edit form of a Kubernetes backend shows: everything but its secrets, of which only
/// whether they are set.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct KubeEdit {
    /// `kubeconfig`, `in_cluster` or `url`.
    pub connection: String,
    pub kubeconfig: String,
    pub context: String,
    pub url: String,
    /// Whether a bearer token (or a CA) is set; the token and file paths are never sent.
    pub token: bool,
    pub ca: bool,
    /// Comma-separated; empty = all.
    pub namespaces: String,
}

/// A Prometheus server policies may query, as the backends page lists it (no secrets).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PromServerInfo {
    pub id: i64,
    pub name: String,
    /// URL, how ebb signs in, CA, timeout (`https://prom:9090, bearer token, timeout 5000 ms`).
    pub address: String,
    /// The settings the edit form starts from: never a secret, only whether one is set.
    pub url: String,
    /// `none`, `bearer` or `basic`.
    pub auth: String,
    pub user: String,
    pub has_secret: bool,
    pub has_ca: bool,
    pub skip_verify: bool,
    pub timeout_ms: u64,
}

/// One service (workload) a backend can see, and whether ebb manages it already.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServiceInfo {
    pub name: String,
    pub scalable: bool,
    /// Why it cannot be scaled, when it cannot.
    pub note: Option<String>,
    /// Another autoscaler that scales it (Kubernetes HPA or KEDA ScaledObject): an editor may
    /// take it over.
    #[serde(default)]
    pub held_by: Option<String>,
    /// The workload row, when one exists.
    pub workload_id: Option<i64>,
    /// The policy attached to it, by name.
    pub policy: Option<String>,
}

/// What /backends learned from one Swarm backend within the probe deadline: its services, or
/// why not (its class; the backend's own words for admins only).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServiceProbe {
    pub backend_id: i64,
    pub services: Result<Vec<ServiceInfo>, crate::model::ApiError>,
}

/// Whether a Swarm TLS field holds a file path or pasted PEM contents.
pub fn is_pem(value: &str) -> bool {
    value.contains("-----BEGIN")
}
