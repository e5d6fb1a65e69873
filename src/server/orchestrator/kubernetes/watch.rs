//! What observe reads without asking the API server each tick: the pods of the backend's
//! namespaces, kept current by one watch (a kube-runtime reflector) per namespace, or one for
//! all namespaces, and indexed by label so a workload's selector looks at its own pods only;
//! the Deployments, StatefulSets and ReplicaSets themselves, watched the same way per resource
//! (their Scale is a view of the object, so it is read from the watch); PodMetrics, listed at
//! most once per [`METRICS_TTL`] per namespace (metrics-server serves no watch); and the
//! pod-template resources of other kinds, read again only when the object's resourceVersion
//! moved. So a tick of 1,000 Deployments costs one PodMetrics list per namespace, not 1,000
//! Scale reads and 1,000 pod lists. Other scalable kinds (CRDs, whose Scale is mapped by
//! their definition) still cost one Scale read each, as under the HPA.
//!
//! A watch that fails (API server down, access withdrawn) keeps its last state and retries
//! with backoff; while it is failing, or before its first list, or until it has seen ebb's own
//! last write to an object ([`Watches::wrote`]), observe reads the Scale from the API server
//! instead. The PodMetrics list of each tick also proves the server reachable: when it cannot
//! be reached the observation fails, so a dead API server is never mistaken for a quiet one.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures::StreamExt;
use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, DynamicObject};
use kube::core::ApiResource;
use kube::runtime::reflector::{self, ObjectRef, Store};
use kube::runtime::{watcher, WatchStreamExt};
use kube::Client;

use super::pods::PodSample;
use crate::server::orchestrator::{OrchestratorError, ResourceSpec};

/// How long a namespace's PodMetrics list is reused (metrics-server refreshes every 15 s or so;
/// this only folds the workloads evaluated in the same tick into one list). Half the shortest
/// evaluation interval (1 s), so the next tick never reuses this tick's list.
pub const METRICS_TTL: Duration = Duration::from_millis(500);

/// Counters of the calls observe made, for the benchmark and the tests.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct CallCounts {
    /// Scale reads observe could not answer from a watch.
    pub scale_reads: u64,
    pub metrics_lists: u64,
    pub object_reads: u64,
    pub watches_started: u64,
}

/// A running pods watch: what it knows, and its task.
type PodWatch = (Store<Pod>, tokio::task::JoinHandle<()>);

/// A running watch of one scalable resource in one scope: what it knows, whether its last
/// event was an error, and its task.
struct ObjectWatch {
    store: Store<DynamicObject>,
    failing: Arc<AtomicBool>,
    task: tokio::task::JoinHandle<()>,
}

/// How long observe waits for a watch to show ebb's own write before it trusts the watch
/// again anyway (someone else may have changed the object meanwhile).
pub const CATCH_UP: Duration = Duration::from_secs(5);

/// A namespace's PodMetrics by pod name, and when they were listed.
type MetricsAt = (Instant, Arc<BTreeMap<String, PodSample>>);

/// The pods of one watch at one moment, indexed by namespace and by label: a selector looks
/// at the pods carrying one of its `key=value` labels, not at every pod of the cluster.
#[derive(Default)]
pub struct PodIndex {
    by_namespace: HashMap<String, Vec<Arc<Pod>>>,
    by_label: HashMap<(String, String, String), Vec<Arc<Pod>>>,
}

impl PodIndex {
    fn of(pods: Vec<Arc<Pod>>) -> PodIndex {
        let mut index = PodIndex::default();
        for pod in pods {
            let ns = pod.metadata.namespace.clone().unwrap_or_default();
            for (k, v) in pod.metadata.labels.iter().flatten() {
                index
                    .by_label
                    .entry((ns.clone(), k.clone(), v.clone()))
                    .or_default()
                    .push(pod.clone());
            }
            index.by_namespace.entry(ns).or_default().push(pod);
        }
        index
    }

    /// The pods of namespace `ns` that `query` selects, by name.
    pub fn select(&self, ns: &str, query: &LabelQuery) -> Vec<Arc<Pod>> {
        let none = BTreeMap::new();
        // The fewest candidates an equality term allows; every pod of the namespace without one.
        let candidates = query
            .equalities()
            .map(|(k, v)| {
                self.by_label
                    .get(&(ns.to_string(), k.to_string(), v.to_string()))
                    .map_or(&[][..], Vec::as_slice)
            })
            .min_by_key(|c| c.len())
            .unwrap_or_else(|| self.by_namespace.get(ns).map_or(&[][..], Vec::as_slice));
        let mut out: Vec<Arc<Pod>> = candidates
            .iter()
            .filter(|p| query.matches(p.metadata.labels.as_ref().unwrap_or(&none)))
            .cloned()
            .collect();
        out.sort_by(|a, b| a.metadata.name.cmp(&b.metadata.name));
        out
    }
}

/// How long a snapshot of a pods watch is reused for selecting (the watch itself is current;
/// this folds the workloads evaluated in the same moment into one index).
pub const POD_INDEX_TTL: Duration = Duration::from_millis(500);

/// A pods watch's index, and when it was made.
type IndexAt = (Instant, Arc<PodIndex>);

/// The caches of one backend. Watch tasks end when it is dropped.
#[derive(Default)]
pub struct Watches {
    pods: Mutex<HashMap<Option<String>, PodWatch>>,
    indexes: Mutex<HashMap<Option<String>, IndexAt>>,
    /// Per namespace, so a slow list in one does not hold up the others.
    metrics: Mutex<HashMap<String, Arc<tokio::sync::Mutex<Option<MetricsAt>>>>>,
    resources: Mutex<HashMap<String, (String, ResourceSpec)>>,
    /// Per `(resource.group, scope)`.
    objects: Mutex<HashMap<(String, Option<String>), ObjectWatch>>,
    /// ebb's last write per workload: the resourceVersion it answered, and when.
    written: Mutex<HashMap<String, (String, Instant)>>,
    counts: Mutex<CallCounts>,
}

impl Drop for Watches {
    fn drop(&mut self) {
        if let Ok(pods) = self.pods.lock() {
            for (_, task) in pods.values() {
                task.abort();
            }
        }
        if let Ok(objects) = self.objects.lock() {
            for w in objects.values() {
                w.task.abort();
            }
        }
    }
}

impl Watches {
    /// The calls made so far.
    pub fn counts(&self) -> CallCounts {
        *self.counts.lock().expect("counts")
    }

    /// The pods of the watch for `scope` (see [`Watches::pods`]), indexed; an index younger
    /// than [`POD_INDEX_TTL`] is reused.
    pub async fn pod_index(
        &self,
        client: &Client,
        scope: Option<&str>,
        wait: Duration,
    ) -> Result<Arc<PodIndex>, OrchestratorError> {
        let key = scope.map(str::to_string);
        if let Some((at, index)) = self.indexes.lock().expect("indexes").get(&key) {
            if at.elapsed() < POD_INDEX_TTL {
                return Ok(index.clone());
            }
        }
        let store = self.pods(client, scope, wait).await?;
        let index = Arc::new(PodIndex::of(store.state()));
        self.indexes
            .lock()
            .expect("indexes")
            .insert(key, (Instant::now(), index.clone()));
        Ok(index)
    }

    /// The pods watch for `scope` (a namespace, or `None` for all), started on first use;
    /// waits up to `wait` for its first complete list.
    pub async fn pods(
        &self,
        client: &Client,
        scope: Option<&str>,
        wait: Duration,
    ) -> Result<Store<Pod>, OrchestratorError> {
        let key = scope.map(str::to_string);
        let store = {
            let mut pods = self.pods.lock().expect("pods");
            let fresh = pods.get(&key).is_none_or(|(_, task)| task.is_finished());
            if fresh {
                let api: Api<Pod> = match scope {
                    Some(ns) => Api::namespaced(client.clone(), ns),
                    None => Api::all(client.clone()),
                };
                let (reader, writer) = reflector::store();
                let stream = watcher(api, watcher::Config::default())
                    .default_backoff()
                    .reflect(writer)
                    .applied_objects();
                let what = key.clone().unwrap_or_else(|| "all namespaces".into());
                let task = tokio::spawn(async move {
                    let mut stream = std::pin::pin!(stream);
                    while let Some(event) = stream.next().await {
                        if let Err(e) = event {
                            tracing::debug!("pods watch of {what}: {e}");
                        }
                    }
                });
                pods.insert(key.clone(), (reader, task));
                self.counts.lock().expect("counts").watches_started += 1;
            }
            pods.get(&key).expect("just inserted").0.clone()
        };
        match tokio::time::timeout(wait, store.wait_until_ready()).await {
            Ok(Ok(())) => Ok(store),
            _ => Err(OrchestratorError::Unreachable(format!(
                "the pods of {} could not be listed within {} s",
                scope.unwrap_or("all namespaces"),
                wait.as_secs()
            ))),
        }
    }

    /// Object `name` of namespace `ns` as the watch of resource `ar` in `scope` (a namespace,
    /// or `None` for all) last saw it, that watch limited to `label` (the backend's selector)
    /// and started on first use. `None` while the watch has not finished its first list, while
    /// it is failing, or when it does not hold the object: then the caller asks the API server.
    pub fn object(
        &self,
        client: &Client,
        ar: &ApiResource,
        scope: Option<&str>,
        label: &str,
        ns: &str,
        name: &str,
    ) -> Option<Arc<DynamicObject>> {
        let key = (
            format!("{}.{}", ar.plural, ar.group),
            scope.map(str::to_string),
        );
        let mut objects = self.objects.lock().expect("objects");
        if objects.get(&key).is_none_or(|w| w.task.is_finished()) {
            let api: Api<DynamicObject> = match scope {
                Some(ns) => Api::namespaced_with(client.clone(), ns, ar),
                None => Api::all_with(client.clone(), ar),
            };
            let mut config = watcher::Config::default();
            if !label.is_empty() {
                config = config.labels(label);
            }
            let writer = reflector::store::Writer::new(ar.clone());
            let store = writer.as_reader();
            let failing = Arc::new(AtomicBool::new(false));
            let flag = failing.clone();
            let stream = watcher(api, config).default_backoff().reflect(writer);
            let what = format!("{} watch of {}", key.0, scope.unwrap_or("all namespaces"));
            let task = tokio::spawn(async move {
                let mut stream = std::pin::pin!(stream);
                while let Some(event) = stream.next().await {
                    match event {
                        Ok(_) => flag.store(false, Ordering::Relaxed),
                        Err(e) => {
                            flag.store(true, Ordering::Relaxed);
                            tracing::debug!("{what}: {e}");
                        }
                    }
                }
            });
            objects.insert(
                key.clone(),
                ObjectWatch {
                    store,
                    failing,
                    task,
                },
            );
            self.counts.lock().expect("counts").watches_started += 1;
        }
        let w = objects.get(&key)?;
        if w.failing.load(Ordering::Relaxed) {
            return None;
        }
        w.store
            .get(&ObjectRef::new_with(name, ar.clone()).within(ns))
    }

    /// Notes that ebb's write to `workload` was answered with `resource_version`.
    pub fn wrote(&self, workload: &str, resource_version: &str) {
        self.written
            .lock()
            .expect("written")
            .insert(workload.into(), (resource_version.into(), Instant::now()));
    }

    /// Whether a watch showing `workload` at `resource_version` has seen ebb's last write to
    /// it. resourceVersions are etcd revisions on every API server ebb knows, so a larger
    /// number is newer; one that is not a number has caught up when it equals the write's.
    /// After [`CATCH_UP`] the watch is trusted again whatever it shows.
    pub fn caught_up(&self, workload: &str, resource_version: &str) -> bool {
        let mut written = self.written.lock().expect("written");
        let Some((wrote, at)) = written.get(workload) else {
            return true;
        };
        let newer = match (resource_version.parse::<u64>(), wrote.parse::<u64>()) {
            (Ok(seen), Ok(wrote)) => seen >= wrote,
            _ => resource_version == wrote,
        };
        if newer || at.elapsed() >= CATCH_UP {
            written.remove(workload);
            return true;
        }
        false
    }

    /// Counts a Scale read observe made because no watch could answer.
    pub fn read_scale(&self) {
        self.counts.lock().expect("counts").scale_reads += 1;
    }

    /// The PodMetrics of namespace `ns`, listed by `list` unless a list younger than
    /// [`METRICS_TTL`] is at hand.
    pub async fn metrics<F, Fut, E>(
        &self,
        ns: &str,
        list: F,
    ) -> Result<Arc<BTreeMap<String, PodSample>>, E>
    where
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = Result<BTreeMap<String, PodSample>, E>>,
    {
        let slot = self
            .metrics
            .lock()
            .expect("metrics")
            .entry(ns.to_string())
            .or_default()
            .clone();
        // Held across the list: workloads of one namespace evaluated together wait for one.
        let mut cached = slot.lock().await;
        if let Some((at, m)) = cached.as_ref() {
            if at.elapsed() < METRICS_TTL {
                return Ok(m.clone());
            }
        }
        self.counts.lock().expect("counts").metrics_lists += 1;
        let fresh = Arc::new(list().await?);
        *cached = Some((Instant::now(), fresh.clone()));
        Ok(fresh)
    }

    /// The pod-template resources of `workload` when its object is still at
    /// `resource_version`.
    pub fn resources(&self, workload: &str, resource_version: &str) -> Option<ResourceSpec> {
        let cache = self.resources.lock().expect("resources");
        cache
            .get(workload)
            .filter(|(rv, _)| rv == resource_version)
            .map(|(_, r)| r.clone())
    }

    /// Remembers the resources read of `workload` at `resource_version`.
    pub fn remember_resources(&self, workload: &str, resource_version: &str, r: ResourceSpec) {
        self.counts.lock().expect("counts").object_reads += 1;
        self.resources
            .lock()
            .expect("resources")
            .insert(workload.to_string(), (resource_version.to_string(), r));
    }
}

/// A label selector in its string form, as a Scale's `status.selector` carries it
/// (`app=web,tier in (a,b),!canary`).
#[derive(Debug, Clone, PartialEq)]
pub struct LabelQuery(Vec<Term>);

#[derive(Debug, Clone, PartialEq)]
enum Term {
    Equals(String, String),
    NotEquals(String, String),
    In(String, Vec<String>),
    NotIn(String, Vec<String>),
    Exists(String),
    Absent(String),
}

impl LabelQuery {
    /// Parses `text`; `None` when it is not a label selector.
    pub fn parse(text: &str) -> Option<LabelQuery> {
        let mut terms = Vec::new();
        let mut depth = 0;
        let mut start = 0;
        let bytes: Vec<char> = text.chars().collect();
        let mut parts = Vec::new();
        for (i, c) in bytes.iter().enumerate() {
            match c {
                '(' => depth += 1,
                ')' => depth -= 1,
                ',' if depth == 0 => {
                    parts.push(bytes[start..i].iter().collect::<String>());
                    start = i + 1;
                }
                _ => {}
            }
        }
        parts.push(bytes[start..].iter().collect::<String>());
        for part in parts.iter().map(|p| p.trim()).filter(|p| !p.is_empty()) {
            terms.push(Term::parse(part)?);
        }
        Some(LabelQuery(terms))
    }

    /// The `key=value` terms.
    fn equalities(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().filter_map(|t| match t {
            Term::Equals(k, v) => Some((k.as_str(), v.as_str())),
            _ => None,
        })
    }

    /// Whether `labels` match every term.
    pub fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        self.0.iter().all(|t| t.matches(labels))
    }
}

impl Term {
    fn parse(part: &str) -> Option<Term> {
        let set = |rest: &str| -> Option<Vec<String>> {
            let inner = rest.trim().strip_prefix('(')?.strip_suffix(')')?;
            Some(inner.split(',').map(|v| v.trim().to_string()).collect())
        };
        if let Some(key) = part.strip_prefix('!') {
            return Some(Term::Absent(key.trim().to_string()));
        }
        if let Some((k, v)) = part.split_once("!=") {
            return Some(Term::NotEquals(k.trim().into(), v.trim().into()));
        }
        if let Some((k, v)) = part.split_once("==").or_else(|| part.split_once('=')) {
            return Some(Term::Equals(k.trim().into(), v.trim().into()));
        }
        if let Some((k, rest)) = part.split_once(" notin ") {
            return Some(Term::NotIn(k.trim().into(), set(rest)?));
        }
        if let Some((k, rest)) = part.split_once(" in ") {
            return Some(Term::In(k.trim().into(), set(rest)?));
        }
        (!part.contains(' ')).then(|| Term::Exists(part.to_string()))
    }

    fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        match self {
            Term::Equals(k, v) => labels.get(k) == Some(v),
            Term::NotEquals(k, v) => labels.get(k) != Some(v),
            Term::In(k, vs) => labels.get(k).is_some_and(|l| vs.contains(l)),
            Term::NotIn(k, vs) => labels.get(k).is_none_or(|l| !vs.contains(l)),
            Term::Exists(k) => labels.contains_key(k),
            Term::Absent(k) => !labels.contains_key(k),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn the_index_selects_by_label_within_a_namespace() {
        let pod = |ns: &str, name: &str, app: &str| {
            let mut p = Pod::default();
            p.metadata.name = Some(name.into());
            p.metadata.namespace = Some(ns.into());
            p.metadata.labels = Some(labels(&[("app", app), ("tier", "front")]));
            Arc::new(p)
        };
        let index = PodIndex::of(vec![
            pod("shop", "web-b", "web"),
            pod("shop", "web-a", "web"),
            pod("shop", "api-a", "api"),
            pod("other", "web-x", "web"),
        ]);
        let names = |q: &str| -> Vec<String> {
            index
                .select("shop", &LabelQuery::parse(q).expect("q"))
                .iter()
                .filter_map(|p| p.metadata.name.clone())
                .collect()
        };
        assert_eq!(names("app=web"), ["web-a", "web-b"]);
        assert_eq!(names("tier in (front),app notin (web)"), ["api-a"]);
        assert_eq!(names("app=web,tier=back"), Vec::<String>::new());
    }

    #[test]
    fn selectors_match_as_the_api_server_would() {
        let q = LabelQuery::parse("app=web,tier in (front, edge),!canary,env!=dev").expect("q");
        assert!(q.matches(&labels(&[("app", "web"), ("tier", "edge")])));
        assert!(!q.matches(&labels(&[("app", "web"), ("tier", "back")])));
        assert!(!q.matches(&labels(&[
            ("app", "web"),
            ("tier", "front"),
            ("canary", "1")
        ])));
        assert!(!q.matches(&labels(&[
            ("app", "web"),
            ("tier", "front"),
            ("env", "dev")
        ])));
        let q = LabelQuery::parse("app==web,release notin (old),track").expect("q");
        assert!(q.matches(&labels(&[("app", "web"), ("track", "x")])));
        assert!(!q.matches(&labels(&[
            ("app", "web"),
            ("track", "x"),
            ("release", "old")
        ])));
        assert!(!q.matches(&labels(&[("app", "web")])));
        assert_eq!(LabelQuery::parse("a b"), None);
        assert_eq!(LabelQuery::parse("tier in front"), None);
        assert!(LabelQuery::parse("").expect("empty").matches(&labels(&[])));
    }
}
