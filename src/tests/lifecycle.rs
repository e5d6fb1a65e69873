//! Shutdown: the controller starts no backend call once shutdown has begun.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use ebb::server::clock::{Clock, TokioClock};
use ebb::server::config::DatabaseUrl;
use ebb::server::controller::Controller;
use ebb::server::orchestrator::simulator::{DemandSpec, SimWorkloadSpec, SimulatorBackend};
use ebb::server::orchestrator::{
    Orchestrator, OrchestratorError, ResourceSpec, ScaleOutcome, WorkloadObservation, WorkloadRef,
};
use ebb::server::store::policies::Authorship;
use ebb::server::store::Store;

use super::support::cpu_policy;

/// The simulator behind a gate: `observe` waits until the test opens it, and every `scale`
/// is recorded.
struct Gated {
    inner: Arc<SimulatorBackend>,
    observing: tokio::sync::Notify,
    open: tokio::sync::Semaphore,
    scaled: Mutex<Vec<u32>>,
}

#[async_trait::async_trait]
impl Orchestrator for Gated {
    async fn list_workloads(&self) -> Result<Vec<WorkloadRef>, OrchestratorError> {
        self.inner.list_workloads().await
    }
    async fn observe(&self, w: &str) -> Result<WorkloadObservation, OrchestratorError> {
        self.observing.notify_one();
        let _ = self.open.acquire().await;
        self.inner.observe(w).await
    }
    async fn scale(&self, w: &str, n: u32, token: &str) -> Result<ScaleOutcome, OrchestratorError> {
        self.scaled.lock().expect("lock").push(n);
        self.inner.scale(w, n, token).await
    }
    async fn resources(&self, w: &str) -> Result<(ResourceSpec, String), OrchestratorError> {
        self.inner.resources(w).await
    }
    async fn set_resources(
        &self,
        w: &str,
        r: &ResourceSpec,
        token: &str,
    ) -> Result<String, OrchestratorError> {
        self.inner.set_resources(w, r, token).await
    }
}

#[tokio::test]
async fn the_controller_starts_no_backend_call_after_shutdown_begins() {
    let dir = tempfile::tempdir().expect("tmp");
    let store = Store::open(&DatabaseUrl::SqliteFile(dir.path().join("s.db")))
        .await
        .expect("store");
    let clock: Arc<dyn Clock> = Arc::new(TokioClock::new());
    let now = clock.now();
    let backend = store
        .insert_backend("sim", "simulator", "{}", now)
        .await
        .expect("backend");
    let who = Authorship {
        author: "test",
        comment: "",
        at: now,
    };
    let policy = store
        .create_policy("p", &cpu_policy(70.0, 20, 300), who)
        .await
        .expect("policy");
    store
        .insert_workload(backend, "web", Some(policy), 1, "{}", now)
        .await
        .expect("workload");
    // 600 units on one instance of 100: the policy wants to scale up at once.
    let sim = Arc::new(SimulatorBackend::new(clock.clone()));
    let spec = SimWorkloadSpec {
        capacity_per_instance: 100.0,
        initial_replicas: 1,
        demand: DemandSpec::Constant { value: 600.0 },
        ..Default::default()
    };
    sim.add_workload("web", spec).expect("sim");
    let gated = Arc::new(Gated {
        inner: sim,
        observing: tokio::sync::Notify::new(),
        open: tokio::sync::Semaphore::new(0),
        scaled: Mutex::new(Vec::new()),
    });
    let controller = Arc::new(Controller::new(
        store.clone(),
        clock,
        tokio::sync::broadcast::channel(16).0,
    ));
    controller.register_backend(backend, gated.clone());
    let (stop, stopping) = tokio::sync::watch::channel(false);
    let task = tokio::spawn(controller.run(stopping));
    tokio::time::timeout(Duration::from_secs(10), gated.observing.notified())
        .await
        .expect("the controller observes the workload");
    // The signal arrives while the backend is being asked; then the backend answers.
    stop.send(true).expect("stop");
    gated.open.add_permits(100);
    tokio::time::timeout(Duration::from_secs(1), task)
        .await
        .expect("the loop stops at once")
        .expect("no panic");
    tokio::time::sleep(Duration::from_millis(200)).await;
    let scaled = gated.scaled.lock().expect("lock").clone();
    assert!(scaled.is_empty(), "scaled to {scaled:?} after the signal");
}
