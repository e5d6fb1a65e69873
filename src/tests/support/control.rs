//! The controller over a real backend, as the end-to-end tests and reaction benchmarks of the
//! Swarm and Kubernetes backends drive it: a store with the backend and one workload evaluated
//! every second, and the backend wrapped to remember when each scale call was made.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use ebb::server::clock::TokioClock;
use ebb::server::config::DatabaseUrl;
use ebb::server::controller::Controller;
use ebb::server::orchestrator::{
    Orchestrator, OrchestratorError, ResourceSpec, ScaleOutcome, WorkloadObservation, WorkloadRef,
};
use ebb::server::store::policies::Authorship;
use ebb::server::store::workloads::WorkloadRow;
use ebb::server::store::Store;
use ebb_engine::Policy;

/// The backend under test, remembering when each scale call was made, and to how many.
pub struct Recording {
    pub inner: Arc<dyn Orchestrator>,
    pub scaled: Mutex<Vec<(Instant, u32)>>,
}

#[async_trait]
impl Orchestrator for Recording {
    async fn list_workloads(&self) -> Result<Vec<WorkloadRef>, OrchestratorError> {
        self.inner.list_workloads().await
    }
    async fn observe(&self, w: &str) -> Result<WorkloadObservation, OrchestratorError> {
        self.inner.observe(w).await
    }
    async fn scale(&self, w: &str, n: u32, token: &str) -> Result<ScaleOutcome, OrchestratorError> {
        if let Ok(mut s) = self.scaled.lock() {
            s.push((Instant::now(), n));
        }
        self.inner.scale(w, n, token).await
    }
    async fn set_resources(
        &self,
        w: &str,
        r: &ResourceSpec,
        token: &str,
    ) -> Result<String, OrchestratorError> {
        self.inner.set_resources(w, r, token).await
    }
    async fn explain(
        &self,
        w: &str,
        from: u32,
        to: u32,
        sentence: &str,
    ) -> Result<(), OrchestratorError> {
        self.inner.explain(w, from, to, sentence).await
    }
}

/// A store, a controller and one workload on a real backend.
pub struct ControlRig {
    pub store: Store,
    pub controller: Controller,
    pub workload: WorkloadRow,
    pub rec: Arc<Recording>,
    _dir: tempfile::TempDir,
}

/// A store with a `kind` backend (stored `settings`) served by `backend`, and workload `name`
/// under `policy`, evaluated every second.
pub async fn control_rig(
    kind: &str,
    settings: &str,
    name: &str,
    policy: Policy,
    backend: Arc<dyn Orchestrator>,
) -> ControlRig {
    control_rig_with(kind, settings, name, policy, backend, Arc::default()).await
}

/// [`control_rig`] whose controller queries the Prometheus servers of `prometheus`.
pub async fn control_rig_with(
    kind: &str,
    settings: &str,
    name: &str,
    policy: Policy,
    backend: Arc<dyn Orchestrator>,
    prometheus: Arc<ebb::server::metrics::prometheus::registry::PromServers>,
) -> ControlRig {
    let dir = tempfile::tempdir().expect("tmp");
    let store = Store::open(&DatabaseUrl::SqliteFile(dir.path().join("s.db")))
        .await
        .expect("store");
    let now = chrono::Utc::now();
    let bid = store
        .insert_backend(kind, kind, settings, now)
        .await
        .expect("backend");
    let who = Authorship {
        author: "test",
        comment: "test",
        at: now,
    };
    let pid = store
        .create_policy("cpu", &policy, who)
        .await
        .expect("policy");
    store
        .insert_workload(bid, name, Some(pid), 1, "{}", now)
        .await
        .expect("workload");
    let (live, _) = tokio::sync::broadcast::channel(16);
    let controller = Controller::new(store.clone(), Arc::new(TokioClock::new()), live)
        .with_prometheus(prometheus);
    let rec = Arc::new(Recording {
        inner: backend,
        scaled: Mutex::new(Vec::new()),
    });
    controller.register_backend(bid, rec.clone());
    let workload = store.workloads().await.expect("list").remove(0);
    ControlRig {
        store,
        controller,
        workload,
        rec,
        _dir: dir,
    }
}

impl ControlRig {
    /// Evaluates the workload once.
    pub async fn evaluate(&self) {
        self.controller
            .evaluate(&self.workload)
            .await
            .expect("evaluation recorded");
    }

    /// Evaluates every second until `done` holds for the latest scale call, at most `secs`.
    pub async fn run_until(&self, secs: u64, done: impl Fn(u32) -> bool) -> Option<Instant> {
        let start = Instant::now();
        let mut tick = tokio::time::interval(Duration::from_secs(1));
        while start.elapsed() < Duration::from_secs(secs) {
            tick.tick().await;
            self.evaluate().await;
            let last = self.rec.scaled.lock().ok().and_then(|s| s.last().copied());
            if let Some((at, _)) = last.filter(|(_, n)| done(*n)) {
                return Some(at);
            }
        }
        None
    }
}
