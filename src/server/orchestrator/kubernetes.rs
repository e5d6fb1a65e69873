//! The Kubernetes (and OpenShift) backend on kube-rs: every object that serves a `scale`
//! subresource (Deployments, StatefulSets, ReplicaSets, CRDs such as Argo Rollouts or
//! OpenShift's DeploymentConfig), found through API discovery, in the backend's namespaces and
//! matching its label selector, except objects another scalable object controls (a
//! Deployment's ReplicaSets). A workload is named `namespace/resource.group/name`.
//!
//! Observe reads the Scale (replicas, selector, resourceVersion as the concurrency token) —
//! from a watch of the object for the `apps` kinds, from `/scale` for the others — the pods
//! behind its selector from a watch of the namespace ([`watch`]), and their PodMetrics from
//! `metrics.k8s.io` (one list per namespace per tick, never watched: metrics-server
//! serves no watch). Scale reads `/scale` afresh and writes it with the observed
//! resourceVersion, so a change made meanwhile answers 409 and the controller decides again;
//! nothing else of the object is touched. Set resources patches one container of the pod
//! template (objects without one refuse with the reason).
//!
//! Workloads another autoscaler targets are left alone until taken over ([`scalers`]); each
//! scale is explained by an Event ([`events`]); the connection test asks what the account may
//! do ([`access`]).

pub mod access;
pub mod events;
pub mod pods;
pub mod quantity;
pub mod scale;
pub mod scalers;
pub mod settings;
pub mod watch;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, DynamicObject, ListParams, Patch, PatchParams, PostParams};
use kube::core::ApiResource;
use kube::discovery::{ApiCapabilities, Discovery, Scope};
use kube::Client;
use serde_json::{json, Value};

use self::scale::{ObjectName, ScaleView};
use self::settings::{Connection, KubeSettings};
use super::{
    ObservedInstance, Orchestrator, OrchestratorError, ResourceSpec, ScaleOutcome,
    WorkloadObservation, WorkloadRef,
};

/// How long a discovery of the scalable resources is reused.
const DISCOVERY_TTL: Duration = Duration::from_secs(300);

/// A Kubernetes backend.
pub struct KubernetesBackend {
    settings: KubeSettings,
    client: tokio::sync::OnceCell<Client>,
    scalable: tokio::sync::Mutex<Option<(Instant, Vec<ApiResource>)>>,
    watches: watch::Watches,
}

impl KubernetesBackend {
    /// A backend that connects on its first call (a bad setting then fails every call with
    /// what to fix, on this backend's workloads).
    pub fn new(settings: KubeSettings) -> KubernetesBackend {
        KubernetesBackend {
            settings,
            client: tokio::sync::OnceCell::new(),
            scalable: tokio::sync::Mutex::new(None),
            watches: watch::Watches::default(),
        }
    }

    /// A backend over a client made elsewhere.
    pub fn with_client(settings: KubeSettings, client: Client) -> KubernetesBackend {
        KubernetesBackend {
            settings,
            client: tokio::sync::OnceCell::new_with(Some(client)),
            scalable: tokio::sync::Mutex::new(None),
            watches: watch::Watches::default(),
        }
    }

    /// The calls observe made beyond one Scale read each (benchmark and tests).
    pub fn call_counts(&self) -> watch::CallCounts {
        self.watches.counts()
    }

    async fn client(&self) -> Result<Client, OrchestratorError> {
        self.client
            .get_or_try_init(|| connect(&self.settings))
            .await
            .cloned()
    }

    /// Every resource that serves `scale`, from discovery (cached for [`DISCOVERY_TTL`]).
    async fn scalable_resources(&self) -> Result<Vec<ApiResource>, OrchestratorError> {
        let mut cached = self.scalable.lock().await;
        if let Some((at, list)) = cached.as_ref() {
            if at.elapsed() < DISCOVERY_TTL {
                return Ok(list.clone());
            }
        }
        let client = self.client().await?;
        let discovery = Discovery::new(client)
            .run()
            .await
            .map_err(|e| classify("API discovery", e))?;
        let mut list = Vec::new();
        for group in discovery.groups() {
            for (ar, caps) in group.recommended_resources() {
                if serves_scale(&caps) && caps.scope == Scope::Namespaced {
                    list.push(ar);
                }
            }
        }
        *cached = Some((Instant::now(), list.clone()));
        Ok(list)
    }

    /// The discovered resource `name.resource_group()` names.
    async fn resource_of(&self, name: &ObjectName) -> Result<ApiResource, OrchestratorError> {
        self.scalable_resources()
            .await?
            .into_iter()
            .find(|ar| ar.plural == name.resource && ar.group == name.group)
            .ok_or_else(|| {
                OrchestratorError::NotFound(format!(
                    "{}: the API server serves no scalable resource {}",
                    name,
                    name.resource_group()
                ))
            })
    }

    /// The connection test: the API server's version, what this account may not do in the
    /// backend's namespaces (missing essentials fail the test with the verbs and resources to
    /// grant), the workloads found, and a JWT token's expiry.
    pub async fn test_connection(&self) -> Result<String, OrchestratorError> {
        let client = self.client().await?;
        let info = client
            .apiserver_version()
            .await
            .map_err(|e| classify("asking the API server's version", e))?;
        let missing = access::missing(&client, &self.settings.namespaces).await?;
        let warnings = access::verdict(&missing).map_err(OrchestratorError::Auth)?;
        let workloads = self.list_workloads().await?;
        // Viewers read this line: the server's own string only when it looks like a version.
        let version = Some(info.git_version)
            .filter(|v| {
                v.len() <= 40
                    && v.chars()
                        .all(|c| c.is_ascii_alphanumeric() || ".-+~_".contains(c))
            })
            .unwrap_or_else(|| "(unknown version)".into());
        let mut msg = format!(
            "Kubernetes {version} at {}; {}: {} workload(s)",
            self.settings.describe(),
            self.settings.scope(),
            workloads.len()
        );
        if !warnings.is_empty() {
            msg.push_str(&format!(". Works without: {}", warnings.join("; ")));
        }
        if let Connection::Url { token_file, .. } = &self.settings.connection {
            let token = std::fs::read_to_string(token_file).unwrap_or_default();
            if let Some(exp) =
                access::jwt_expiry(&token).and_then(|t| chrono::DateTime::from_timestamp(t, 0))
            {
                let days = (exp - chrono::Utc::now()).num_hours() as f64 / 24.0;
                msg.push_str(&format!(
                    ". Its token expires {} (in {days:.1} days): replace it before then",
                    exp.format("%Y-%m-%d %H:%M UTC")
                ));
            }
        }
        Ok(msg)
    }

    fn namespaced(
        &self,
        client: &Client,
        ns: Option<&str>,
        ar: &ApiResource,
    ) -> Api<DynamicObject> {
        match ns {
            Some(ns) => Api::namespaced_with(client.clone(), ns, ar),
            None => Api::all_with(client.clone(), ar),
        }
    }

    async fn read_scale(
        &self,
        client: &Client,
        name: &ObjectName,
        ar: &ApiResource,
    ) -> Result<ScaleView, OrchestratorError> {
        let api: Api<DynamicObject> = self.namespaced(client, Some(&name.namespace), ar);
        let obj = api
            .get_subresource("scale", &name.name)
            .await
            .map_err(|e| classify(&format!("{name}: reading its scale"), e))?;
        let body = serde_json::to_value(&obj)
            .map_err(|e| OrchestratorError::Rejected(format!("{name}: scale: {e}")))?;
        scale::read(&body).map_err(|e| OrchestratorError::Rejected(format!("{name}: {e}")))
    }

    /// PodMetrics of namespace `ns` by pod name; missing with what to install when the
    /// metrics API is not served, down when the API server cannot be reached.
    async fn pod_metrics(
        &self,
        client: &Client,
        ns: &str,
    ) -> Result<BTreeMap<String, pods::PodSample>, MetricsTrouble> {
        let ar = ApiResource {
            group: "metrics.k8s.io".into(),
            version: "v1beta1".into(),
            api_version: "metrics.k8s.io/v1beta1".into(),
            kind: "PodMetrics".into(),
            plural: "pods".into(),
        };
        let api: Api<DynamicObject> = Api::namespaced_with(client.clone(), ns, &ar);
        match api.list(&ListParams::default()).await {
            Ok(list) => Ok(list
                .items
                .iter()
                .filter_map(|o| serde_json::to_value(o).ok())
                .filter_map(|v| pods::sample_of(&v))
                .collect()),
            Err(kube::Error::Api(s)) if s.code == 404 => Err(MetricsTrouble::Missing(
                "the cluster serves no metrics.k8s.io API: install metrics-server for CPU and memory"
                    .into(),
            )),
            Err(e) => match classify(&format!("listing the pod metrics of namespace {ns}"), e) {
                e @ (OrchestratorError::Unreachable(_) | OrchestratorError::Tls(_)) => {
                    Err(MetricsTrouble::Down(e))
                }
                e => Err(MetricsTrouble::Missing(e.to_string())),
            },
        }
    }
}

/// Why a namespace's PodMetrics are not at hand.
#[derive(Debug, Clone)]
pub enum MetricsTrouble {
    /// The metrics are missing (API not served, not allowed): said in the observation.
    Missing(String),
    /// The API server cannot be reached: the observation fails.
    Down(OrchestratorError),
}

fn serves_scale(caps: &ApiCapabilities) -> bool {
    caps.subresources
        .iter()
        .any(|(sub, _)| sub.plural == "scale")
}

/// A client for `settings` (kubeconfig and context, in-cluster, or URL with a token file and
/// a CA file), with the backend's timeout on every call.
async fn connect(settings: &KubeSettings) -> Result<Client, OrchestratorError> {
    use kube::config::{KubeConfigOptions, Kubeconfig};
    let bad = |what: &str, e: &dyn std::fmt::Display| {
        OrchestratorError::Unreachable(format!("{what}: {e}"))
    };
    let mut config = match &settings.connection {
        Connection::InCluster => kube::Config::incluster()
            .map_err(|e| bad("not inside a cluster (no service account mounted)", &e))?,
        Connection::Kubeconfig { path, context } => {
            let kc =
                Kubeconfig::read_from(path).map_err(|e| bad(&format!("kubeconfig {path}"), &e))?;
            let opts = KubeConfigOptions {
                context: (!context.is_empty()).then(|| context.clone()),
                ..Default::default()
            };
            kube::Config::from_custom_kubeconfig(kc, &opts)
                .await
                .map_err(|e| bad(&format!("kubeconfig {path}"), &e))?
        }
        Connection::Url {
            url,
            token_file,
            ca_file,
        } => {
            token_file_ok(token_file).map_err(OrchestratorError::Auth)?;
            // The kubeconfig a person would write for this: kube reads the token file (again
            // when it changes) and the CA file itself.
            let mut cluster = json!({ "server": url });
            if let Some(ca) = ca_file {
                cluster["certificate-authority"] = json!(ca);
            }
            let kc: Kubeconfig = serde_json::from_value(json!({
                "apiVersion": "v1", "kind": "Config",
                "clusters": [{ "name": "ebb", "cluster": cluster }],
                "users": [{ "name": "ebb", "user": { "tokenFile": token_file } }],
                "contexts": [{ "name": "ebb", "context": { "cluster": "ebb", "user": "ebb" } }],
                "current-context": "ebb",
            }))
            .map_err(|e| bad("connection settings", &e))?;
            kube::Config::from_custom_kubeconfig(kc, &KubeConfigOptions::default())
                .await
                .map_err(|e| bad(url, &e))?
        }
    };
    let timeout = Duration::from_secs(settings.timeout_secs);
    config.connect_timeout = Some(timeout);
    config.read_timeout = Some(timeout);
    config.write_timeout = Some(timeout);
    Client::try_from(config).map_err(|e| classify("connecting", e))
}

/// Checks that `path` holds a bearer token as the client will send it: kube-rs sends a token
/// file's contents unchanged, so a final line break (`echo TOKEN > file`) would make every
/// call fail with an unreadable header. The message names the file, never the token.
pub fn token_file_ok(path: &str) -> Result<(), String> {
    // A token is a few kilobytes at most (a service account JWT is about one); a larger file
    // is not one, and is not read whole.
    const MOST: u64 = 16 * 1024;
    let size = std::fs::metadata(path)
        .map_err(|e| format!("the token file {path} cannot be read: {e}"))?
        .len();
    if size > MOST {
        return Err(format!(
            "the token file {path} holds {size} bytes, more than any bearer token ({MOST} at most)"
        ));
    }
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("the token file {path} cannot be read: {e}"))?;
    if text.trim().is_empty() {
        return Err(format!("the token file {path} is empty"));
    }
    if text.chars().any(char::is_whitespace) {
        return Err(format!(
            "the token file {path} holds spaces or a line break; write the token alone, e.g. printf %s \"$TOKEN\" > {path}"
        ));
    }
    // Bearer tokens (RFC 6750 b64token: JWTs, OpenShift's `sha256~…`) use these characters
    // only; a file with others is not a token, and its contents are not sent anywhere.
    if !text
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "-._~+/=".contains(c))
    {
        return Err(format!(
            "the token file {path} holds characters no bearer token has; give the file that holds only the token"
        ));
    }
    Ok(())
}

/// A kube-rs error as a backend error: 401/403 are auth (the API server's message names the
/// verb and resource that were refused), 404 not found, 409 a concurrent change, other
/// statuses as they are; TLS failures and unreachable servers by what failed.
pub fn classify(what: &str, e: kube::Error) -> OrchestratorError {
    match e {
        kube::Error::Api(s) => {
            let msg = format!("{what}: {}", s.message);
            match s.code {
                401 => OrchestratorError::Auth(format!(
                    "{msg} (the token or certificate was not accepted)"
                )),
                403 => OrchestratorError::Auth(msg),
                404 => OrchestratorError::NotFound(msg),
                409 => OrchestratorError::Conflict(msg),
                400 | 422 => OrchestratorError::Rejected(msg),
                code => OrchestratorError::Status(code, msg),
            }
        }
        kube::Error::RustlsTls(e) => OrchestratorError::Tls(format!("{what}: {e}")),
        kube::Error::SerdeError(e) => OrchestratorError::Rejected(format!(
            "{what}: unexpected answer from the API server: {e}"
        )),
        kube::Error::Auth(e) => OrchestratorError::Auth(format!("{what}: {e}")),
        other => {
            let text = chain(&other);
            if text.contains("certificate") || text.contains("tls") || text.contains("TLS") {
                OrchestratorError::Tls(format!("{what}: {text}"))
            } else {
                OrchestratorError::Unreachable(format!("{what}: {text}"))
            }
        }
    }
}

/// An error with its sources, one sentence.
fn chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        // kube's and hyper's errors often print their source already: say each part once.
        let part = s.to_string();
        if !text.contains(&part) {
            text.push_str(": ");
            text.push_str(&part);
        }
        source = s.source();
    }
    text
}

/// True when another scalable object controls `obj` (a Deployment's ReplicaSet): scaling it
/// would fight its owner.
fn controlled_by_scalable(obj: &DynamicObject, scalable: &[ApiResource]) -> bool {
    obj.metadata
        .owner_references
        .iter()
        .flatten()
        .filter(|o| o.controller == Some(true))
        .any(|o| {
            let group = o.api_version.split_once('/').map_or("", |(g, _)| g);
            scalable
                .iter()
                .any(|ar| ar.kind == o.kind && ar.group == group)
        })
}

#[async_trait]
impl Orchestrator for KubernetesBackend {
    async fn list_workloads(&self) -> Result<Vec<WorkloadRef>, OrchestratorError> {
        let client = self.client().await?;
        let scalable = self.scalable_resources().await?;
        let mut params = ListParams::default();
        if !self.settings.label.is_empty() {
            params = params.labels(&self.settings.label);
        }
        let namespaces: Vec<Option<&str>> = if self.settings.namespaces.is_empty() {
            vec![None]
        } else {
            self.settings
                .namespaces
                .iter()
                .map(|n| Some(n.as_str()))
                .collect()
        };
        let mut out = Vec::new();
        let mut refused = None;
        let mut listed_any = false;
        let mut others = Vec::new();
        for ns in &namespaces {
            others.extend(scalers::list(&client, *ns).await);
        }
        for ar in &scalable {
            for ns in &namespaces {
                let api: Api<DynamicObject> = self.namespaced(&client, *ns, ar);
                let list = match api.list(&params).await {
                    Ok(list) => {
                        listed_any = true;
                        list
                    }
                    // A resource this account may not list is not ours to scale; others
                    // (Deployments, say) still are. When it may list none, that is the answer.
                    // (An empty namespace it may list is just empty.)
                    Err(kube::Error::Api(s)) if s.code == 403 => {
                        refused.get_or_insert_with(|| {
                            classify(&format!("listing {}", ar.plural), kube::Error::Api(s))
                        });
                        continue;
                    }
                    Err(kube::Error::Api(s)) if s.code == 404 || s.code == 405 => continue,
                    Err(e) => return Err(classify(&format!("listing {}", ar.plural), e)),
                };
                for obj in list.items {
                    if controlled_by_scalable(&obj, &scalable) {
                        continue;
                    }
                    let name = ObjectName {
                        namespace: obj.metadata.namespace.clone().unwrap_or_default(),
                        resource: ar.plural.clone(),
                        group: ar.group.clone(),
                        name: obj.metadata.name.clone().unwrap_or_default(),
                    };
                    let scaler = others
                        .iter()
                        .find(|s| s.targets(ar, &name.namespace, &name.name));
                    out.push(self.workload_ref(name.to_string(), scaler));
                }
            }
        }
        if let (false, Some(e)) = (listed_any, refused) {
            return Err(e);
        }
        out.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(out)
    }

    async fn observe(&self, workload: &str) -> Result<WorkloadObservation, OrchestratorError> {
        let name = parse_name(workload)?;
        let client = self.client().await?;
        let ar = self.resource_of(&name).await?;
        let scope = (!self.settings.namespaces.is_empty()).then_some(name.namespace.as_str());
        // The Scale of an apps object from its watch, when that watch is sound and has seen
        // ebb's own last write; otherwise from the API server.
        let watched = scale::is_view_of_object(&name.group, &name.resource)
            .then(|| {
                self.watches.object(
                    &client,
                    &ar,
                    scope,
                    &self.settings.label,
                    &name.namespace,
                    &name.name,
                )
            })
            .flatten()
            .and_then(|obj| {
                let rv = obj.metadata.resource_version.as_deref()?;
                let view = scale::of_apps_object(&obj.data, rv)?;
                self.watches.caught_up(workload, rv).then_some((view, obj))
            });
        let (scale, object) = match watched {
            Some((view, obj)) => (view, Some(obj)),
            None => {
                self.watches.read_scale();
                (self.read_scale(&client, &name, &ar).await?, None)
            }
        };
        let mut notes = Vec::new();
        // Pods from the namespace's watch (started on first use), not a list per tick.
        let pods: Vec<std::sync::Arc<Pod>> = if scale.selector.is_empty() {
            notes.push(format!(
                "{name}: its scale names no pod selector, so ebb cannot see its pods"
            ));
            Vec::new()
        } else {
            let query = watch::LabelQuery::parse(&scale.selector).ok_or_else(|| {
                OrchestratorError::Rejected(format!(
                    "{name}: its pod selector `{}` is not a label selector ebb reads",
                    scale.selector
                ))
            })?;
            let wait = Duration::from_secs(self.settings.timeout_secs);
            self.watches
                .pod_index(&client, scope, wait)
                .await?
                .select(&name.namespace, &query)
        };
        let samples = match self
            .watches
            .metrics(&name.namespace, || {
                self.pod_metrics(&client, &name.namespace)
            })
            .await
        {
            Ok(s) => s,
            // Unreachable: so is everything the watches show; nothing is decided on them.
            Err(MetricsTrouble::Down(e)) => return Err(e),
            Err(MetricsTrouble::Missing(why)) => {
                notes.push(why);
                Default::default()
            }
        };
        let instances: Vec<ObservedInstance> = pods
            .iter()
            .map(|p| {
                let pod_name = p.metadata.name.as_deref().unwrap_or_default();
                pods::instance(p, samples.get(pod_name))
            })
            .collect();
        // The pod template is read again only when the object changed (the Scale shares the
        // object's resourceVersion).
        // The watched object carries its template; other kinds are read again only when
        // their resourceVersion moved.
        let cached = || self.watches.resources(workload, &scale.resource_version);
        let resources = match object.map(|obj| first_container(&obj)).or_else(cached) {
            Some(r) => r,
            None => {
                let obj = self.object(&client, &name, &ar).await?;
                let r = first_container(&obj);
                self.watches
                    .remember_resources(workload, &scale.resource_version, r.clone());
                r
            }
        };
        Ok(WorkloadObservation {
            at: chrono::Utc::now(),
            replicas: scale.desired,
            token: scale.resource_version,
            resources,
            instances,
            external: BTreeMap::new(),
            demand: None,
            notes,
            ready_change_note: None,
        })
    }

    async fn scale(
        &self,
        workload: &str,
        replicas: u32,
        token: &str,
    ) -> Result<ScaleOutcome, OrchestratorError> {
        let name = parse_name(workload)?;
        let client = self.client().await?;
        let ar = self.resource_of(&name).await?;
        // Another autoscaler that targets it keeps it until an editor takes it over: asked
        // at each scale (not each tick), so one created since the listing is seen too.
        if !self.settings.taken_over.iter().any(|w| w == workload) {
            if let Some(other) = scalers::list(&client, Some(&name.namespace))
                .await
                .into_iter()
                .find(|s| s.targets(&ar, &name.namespace, &name.name))
            {
                return Err(OrchestratorError::Rejected(format!(
                    "{} scales {name}; ebb leaves it alone until an editor takes it over on the backends page",
                    other.describe()
                )));
            }
        }
        let mut seen = self.read_scale(&client, &name, &ar).await?;
        if seen.resource_version != token {
            return Err(OrchestratorError::Conflict(format!(
                "{name} changed since it was observed (resourceVersion {token} → {})",
                seen.resource_version
            )));
        }
        // The token the controller observed goes back to the API server: a write made in
        // between (a `kubectl scale`) makes this one fail with 409 and is kept.
        seen.resource_version = token.to_string();
        let body = scale::request(&seen, &name.namespace, &name.name, replicas);
        let api: Api<DynamicObject> = self.namespaced(&client, Some(&name.namespace), &ar);
        let done = api
            .replace_subresource("scale", &name.name, &PostParams::default(), &body)
            .await
            .map_err(|e| classify(&format!("{name}: scaling to {replicas}"), e))?;
        let after = serde_json::to_value(&done)
            .ok()
            .and_then(|v| scale::read(&v).ok())
            .ok_or_else(|| {
                OrchestratorError::Rejected(format!("{name}: the scale answer is unreadable"))
            })?;
        self.watches.wrote(workload, &after.resource_version);
        Ok(ScaleOutcome {
            replicas: after.desired,
            token: after.resource_version,
        })
    }

    async fn explain(
        &self,
        workload: &str,
        from: u32,
        to: u32,
        sentence: &str,
    ) -> Result<(), OrchestratorError> {
        let name = parse_name(workload)?;
        let client = self.client().await?;
        let ar = self.resource_of(&name).await?;
        let obj = self.object(&client, &name, &ar).await?;
        let event = events::scaled(&ar, &obj, from, to, sentence, chrono::Utc::now());
        Api::<k8s_openapi::api::events::v1::Event>::namespaced(client, &name.namespace)
            .create(&PostParams::default(), &event)
            .await
            .map_err(|e| classify(&format!("{name}: writing an Event"), e))?;
        Ok(())
    }

    async fn resources(&self, workload: &str) -> Result<(ResourceSpec, String), OrchestratorError> {
        let (mut all, token) = self.containers(workload).await?;
        Ok((all.swap_remove(0).1, token))
    }

    async fn containers(
        &self,
        workload: &str,
    ) -> Result<(Vec<(String, ResourceSpec)>, String), OrchestratorError> {
        let name = parse_name(workload)?;
        let client = self.client().await?;
        let ar = self.resource_of(&name).await?;
        let obj = self.object(&client, &name, &ar).await?;
        let all = containers_of(&obj, &name)?;
        Ok((
            all,
            generation_token(obj.metadata.generation.unwrap_or_default()),
        ))
    }

    async fn set_resources(
        &self,
        workload: &str,
        resources: &ResourceSpec,
        token: &str,
    ) -> Result<String, OrchestratorError> {
        self.set_container_resources(workload, "", resources, token)
            .await
    }

    /// Patches container `container` of the pod template (empty: the first).
    async fn set_container_resources(
        &self,
        workload: &str,
        container: &str,
        resources: &ResourceSpec,
        token: &str,
    ) -> Result<String, OrchestratorError> {
        let name = parse_name(workload)?;
        let client = self.client().await?;
        let ar = self.resource_of(&name).await?;
        let obj = self.object(&client, &name, &ar).await?;
        let all = containers_of(&obj, &name)?;
        let container = if container.is_empty() {
            all[0].0.clone()
        } else if all.iter().any(|(c, _)| c == container) {
            container.to_string()
        } else {
            let names: Vec<&str> = all.iter().map(|(c, _)| c.as_str()).collect();
            return Err(OrchestratorError::Rejected(format!(
                "{name} has no container {container} in its pod template (it has: {})",
                names.join(", ")
            )));
        };
        let generation = obj.metadata.generation.unwrap_or_default();
        if token != generation_token(generation) {
            return Err(OrchestratorError::Conflict(format!(
                "{name} was changed since its resources were read ({token} → {})",
                generation_token(generation)
            )));
        }
        let index = template_containers(&obj)
            .and_then(|cs| {
                cs.iter()
                    .position(|c| c.get("name").and_then(Value::as_str) == Some(&container))
            })
            .ok_or_else(|| no_template(&name))?;
        // The container's resources as they are, with cpu and memory set or removed: other
        // resources (ephemeral-storage, GPUs) stay as they were.
        let mut spec = template_containers(&obj)
            .and_then(|cs| cs[index].get("resources").cloned())
            .unwrap_or_else(|| json!({}));
        for (kind, res, value) in [
            (
                "requests",
                "cpu",
                resources.cpu_request.map(quantity::cores),
            ),
            (
                "requests",
                "memory",
                resources.memory_request.map(quantity::bytes),
            ),
            ("limits", "cpu", resources.cpu_limit.map(quantity::cores)),
            (
                "limits",
                "memory",
                resources.memory_limit.map(quantity::bytes),
            ),
        ] {
            set_quantity(&mut spec, kind, res, value);
        }
        // A JSON patch of the one container, guarded by the object's generation (which only a
        // change of its spec moves, unlike resourceVersion, which every status update of the
        // controller-manager moves) and by the container's name at that index: when either
        // test fails the API server applies nothing.
        let at = format!("/spec/template/spec/containers/{index}");
        let patch: json_patch::Patch = serde_json::from_value(json!([
            { "op": "test", "path": "/metadata/generation", "value": generation },
            { "op": "test", "path": format!("{at}/name"), "value": container },
            { "op": "add", "path": format!("{at}/resources"),
              "value": spec },
        ]))
        .map_err(|e| OrchestratorError::Rejected(format!("{name}: resources patch: {e}")))?;
        let api: Api<DynamicObject> = self.namespaced(&client, Some(&name.namespace), &ar);
        let done = match api
            .patch(
                &name.name,
                &PatchParams::default(),
                &Patch::Json::<()>(patch),
            )
            .await
        {
            // A failed `test` answers 422 ("testing value … failed"): someone changed it.
            Err(kube::Error::Api(s)) if s.code == 422 && s.message.contains("test") => {
                return Err(OrchestratorError::Conflict(format!(
                    "{name} was changed while its resources were being set: {}",
                    s.message
                )))
            }
            other => other.map_err(|e| classify(&format!("{name}: setting resources"), e))?,
        };
        Ok(generation_token(
            done.metadata.generation.unwrap_or_default(),
        ))
    }
}

/// The concurrency token of a workload's resources: its generation.
fn generation_token(generation: i64) -> String {
    format!("generation {generation}")
}

impl KubernetesBackend {
    /// The listing of workload `name`, which `scaler` (if any) also scales.
    fn workload_ref(&self, name: String, scaler: Option<&scalers::Scaler>) -> WorkloadRef {
        let taken = self.settings.taken_over.contains(&name);
        match scaler {
            None => WorkloadRef {
                name,
                scalable: true,
                note: None,
                held_by: None,
            },
            Some(s) if taken => WorkloadRef {
                name,
                scalable: true,
                note: Some(format!(
                    "taken over by ebb, but {} still targets it: delete it ({}) or the two will fight",
                    s.describe(),
                    s.delete_command()
                )),
                held_by: None,
            },
            Some(s) => WorkloadRef {
                name,
                scalable: false,
                note: Some(format!(
                    "{} scales it; ebb leaves it alone unless an editor takes it over (then delete it: {})",
                    s.describe(),
                    s.delete_command()
                )),
                held_by: Some(s.describe()),
            },
        }
    }

    async fn object(
        &self,
        client: &Client,
        name: &ObjectName,
        ar: &ApiResource,
    ) -> Result<DynamicObject, OrchestratorError> {
        let api: Api<DynamicObject> = self.namespaced(client, Some(&name.namespace), ar);
        api.get(&name.name)
            .await
            .map_err(|e| classify(&name.to_string(), e))
    }
}

fn parse_name(workload: &str) -> Result<ObjectName, OrchestratorError> {
    ObjectName::parse(workload).ok_or_else(|| {
        OrchestratorError::NotFound(format!(
            "`{workload}` is not a Kubernetes workload name; {}",
            crate::model::names::KUBERNETES_RULE
        ))
    })
}

fn no_template(name: &ObjectName) -> OrchestratorError {
    OrchestratorError::Rejected(format!(
        "{name} has no pod template (spec.template.spec.containers) ebb can change; set its resources where its pods are defined"
    ))
}

fn template_containers(obj: &DynamicObject) -> Option<&Vec<Value>> {
    obj.data
        .pointer("/spec/template/spec/containers")?
        .as_array()
}

/// The resources of the first container of `obj`'s pod template (what the workload shows
/// as its per-instance resources); none when it has no template.
fn first_container(obj: &DynamicObject) -> ResourceSpec {
    template_resources(obj)
        .and_then(|all| all.into_iter().next())
        .map(|(_, r)| r)
        .unwrap_or_default()
}

/// The containers of `obj`'s pod template with their resources, or why ebb cannot change them.
fn containers_of(
    obj: &DynamicObject,
    name: &ObjectName,
) -> Result<Vec<(String, ResourceSpec)>, OrchestratorError> {
    template_resources(obj)
        .filter(|all| !all.is_empty())
        .ok_or_else(|| no_template(name))
}

/// Each container of `obj`'s pod template, in order, with its requests and limits; `None` for
/// objects without a pod template.
fn template_resources(obj: &DynamicObject) -> Option<Vec<(String, ResourceSpec)>> {
    let containers = template_containers(obj)?;
    Some(
        containers
            .iter()
            .filter_map(|c| {
                let name = c.get("name")?.as_str()?.to_string();
                let read = |kind: &str, res: &str| {
                    c.pointer(&format!("/resources/{kind}/{res}"))
                        .and_then(|v| {
                            v.as_str()
                                .map(str::to_string)
                                .or_else(|| v.as_f64().map(|n| n.to_string()))
                        })
                        .and_then(|q| quantity::parse(&q))
                };
                Some((
                    name,
                    ResourceSpec {
                        cpu_request: read("requests", "cpu"),
                        memory_request: read("requests", "memory"),
                        cpu_limit: read("limits", "cpu"),
                        memory_limit: read("limits", "memory"),
                    },
                ))
            })
            .collect(),
    )
}

/// Sets (or with `None` removes) `resources.<kind>.<res>`, dropping a map left empty.
fn set_quantity(resources: &mut Value, kind: &str, res: &str, value: Option<String>) {
    if !resources.is_object() {
        *resources = json!({});
    }
    let map = &mut resources[kind];
    if !map.is_object() {
        *map = json!({});
    }
    let m = map.as_object_mut().expect("an object");
    match value {
        Some(v) => {
            m.insert(res.to_string(), Value::String(v));
        }
        None => {
            m.remove(res);
        }
    }
    if m.is_empty() {
        resources.as_object_mut().expect("an object").remove(kind);
    }
}

#[cfg(test)]
mod chain_tests {
    #[test]
    fn each_cause_is_said_once() {
        #[derive(Debug)]
        struct E(&'static str, Option<Box<E>>);
        impl std::fmt::Display for E {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.0)
            }
        }
        impl std::error::Error for E {
            fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
                self.1.as_deref().map(|e| e as _)
            }
        }
        let inner = E("tcp connect error: Connection refused", None);
        let mid = E("client error (Connect)", Some(Box::new(inner)));
        let outer = E("ServiceError: client error (Connect)", Some(Box::new(mid)));
        assert_eq!(
            super::chain(&outer),
            "ServiceError: client error (Connect): tcp connect error: Connection refused"
        );
    }
}
