//! What observe reads without asking the API server each tick: the pods of the backend's
//! namespaces, kept current by one watch (a kube-runtime reflector) per namespace, or one for
//! all namespaces, and indexed by label so a workload's selector looks at its own pods only; PodMetrics, listed at most once per [`METRICS_TTL`] per namespace (metrics
//! server serves no watch); and a workload's pod-template resources, read again only when the
//! object's resourceVersion moved. So a tick of 1,000 workloads costs one GET of each one's
//! Scale, not 1,000 pod lists.
//!
//! A watch that fails (API server down, access withdrawn) keeps its last state and retries
//! with backoff; observe never trusts that state alone, because it reads the Scale first and
//! an unreachable server fails that read.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures::StreamExt;
use k8s_openapi::api::core::v1::Pod;
use kube::api::Api;
use kube::runtime::reflector::{self, Store};
use kube::runtime::{watcher, WatchStreamExt};
use kube::Client;

use super::pods::PodSample;
use crate::server::orchestrator::{OrchestratorError, ResourceSpec};

/// How long a namespace's PodMetrics list is reused (metrics-server refreshes every 15 s or so;
/// this only folds the workloads evaluated in the same second into one list).
pub const METRICS_TTL: Duration = Duration::from_secs(1);

/// Counters of the calls observe made, for the benchmark and the tests.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct CallCounts {
    pub metrics_lists: u64,
    pub object_reads: u64,
    pub watches_started: u64,
}

/// A running pods watch: what it knows, and its task.
type PodWatch = (Store<Pod>, tokio::task::JoinHandle<()>);

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
    counts: Mutex<CallCounts>,
}

impl Drop for Watches {
    fn drop(&mut self) {
        if let Ok(pods) = self.pods.lock() {
            for (_, task) in pods.values() {
                task.abort();
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

    /// The PodMetrics of namespace `ns`, listed by `list` unless a list younger than
    /// [`METRICS_TTL`] is at hand.
    pub async fn metrics<F, Fut>(
        &self,
        ns: &str,
        list: F,
    ) -> Result<Arc<BTreeMap<String, PodSample>>, String>
    where
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = Result<BTreeMap<String, PodSample>, String>>,
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
