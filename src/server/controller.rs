//! The controller: runs inside the server, evaluates each enabled workload at its own interval
//! (default 15 s as in the HPA, 1 s allowed), and prunes history on a schedule. It never imports
//! Leptos; pages learn about its work through the store and the live channel.

pub mod cap;
mod convert;
mod external;

pub use external::placeholders;
pub mod faults;
pub mod tick;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{broadcast, watch};
use tokio::time::Instant;

use crate::model::live::LiveEvent;
use crate::server::backends::Registry;
use crate::server::clock::Clock;
use crate::server::forecast::Forecasts;
use crate::server::metrics::prometheus::registry::PromServers;
use crate::server::orchestrator::Orchestrator;
use crate::server::store::samples::Retention;
use crate::server::store::workloads::WorkloadRow;
use crate::server::store::Store;
use crate::server::telemetry::{Telemetry, WorkloadLabels};

/// How often the workload list is re-read (new workloads, policy attachments, enable flags).
const REFRESH: Duration = Duration::from_secs(5);
/// How often old history is pruned.
const PRUNE_EVERY: Duration = Duration::from_secs(3600);

/// Resolves once `shutdown` is true (or can no longer change).
async fn stopped(shutdown: &mut watch::Receiver<bool>) {
    let _ = shutdown.wait_for(|stop| *stop).await;
}

/// What the loop carries from one round to the next.
struct Rounds {
    /// When each workload is next due.
    due: HashMap<i64, Instant>,
    workloads: Vec<WorkloadRow>,
    refreshed: Option<Instant>,
    pruned: Instant,
}

/// Evaluates workloads against their backends.
pub struct Controller {
    store: Store,
    clock: Arc<dyn Clock>,
    live: broadcast::Sender<LiveEvent>,
    backends: Arc<Registry>,
    retention: Retention,
    max_replicas_cap: u32,
    /// ebb's own metrics: each evaluation, decision and backend error is counted there.
    telemetry: Arc<Telemetry>,
    /// The Prometheus servers policies query (kept in step with the store at each refresh).
    prometheus: Arc<PromServers>,
    /// Forecast state per workload whose policy computes a forecast (workload id → state),
    /// shared with the pages that draw the outlook.
    forecasts: Arc<Forecasts>,
}

impl Controller {
    /// A controller over `store` with a registry of its own, telling `live` about every
    /// evaluation.
    pub fn new(store: Store, clock: Arc<dyn Clock>, live: broadcast::Sender<LiveEvent>) -> Self {
        Controller::with_registry(store, clock, live, Arc::new(Registry::new()))
    }

    /// A controller whose backends live in `backends`, shared with the server functions.
    pub fn with_registry(
        store: Store,
        clock: Arc<dyn Clock>,
        live: broadcast::Sender<LiveEvent>,
        backends: Arc<Registry>,
    ) -> Self {
        Controller {
            store,
            clock,
            live,
            backends,
            retention: Retention::default(),
            max_replicas_cap: crate::server::config::DEFAULT_MAX_REPLICAS_CAP,
            telemetry: Arc::new(Telemetry::new()),
            prometheus: Arc::default(),
            forecasts: Arc::default(),
        }
    }

    /// The same controller keeping its forecasts in `forecasts` (the server's own, which the
    /// workload chart reads).
    pub fn with_forecasts(mut self, forecasts: Arc<Forecasts>) -> Self {
        self.forecasts = forecasts;
        self
    }

    /// The same controller querying the Prometheus servers of `servers` (the server's own
    /// registry, which the pages update too).
    pub fn with_prometheus(mut self, servers: Arc<PromServers>) -> Self {
        self.prometheus = servers;
        self
    }

    /// The same controller counting its work in `telemetry` (the server's `/metrics`).
    pub fn with_telemetry(mut self, telemetry: Arc<Telemetry>) -> Self {
        self.telemetry = telemetry;
        self
    }

    /// The same controller holding every workload at or below `cap` replicas
    /// (`--max-replicas-cap`), whatever its policy or pin says.
    pub fn with_max_replicas_cap(mut self, cap: u32) -> Self {
        self.max_replicas_cap = cap.max(1);
        self
    }

    /// Makes `backend` the orchestrator of backend row `id`.
    pub fn register_backend(&self, id: i64, backend: Arc<dyn Orchestrator>) {
        self.backends.insert(id, backend);
    }

    /// The orchestrator of backend row `id`, if registered.
    pub fn backend(&self, id: i64) -> Option<Arc<dyn Orchestrator>> {
        self.backends.get(id)
    }

    /// The registry of this controller's backends.
    pub fn registry(&self) -> &Arc<Registry> {
        &self.backends
    }

    /// Runs until `shutdown` turns true (or its sender is gone). Store errors are logged and retried on the next
    /// round; they never stop the loop. Shutdown cancels the round in progress at its next
    /// await, so no backend call starts after the signal; a tick cut short is the crash case
    /// every tick already handles (an open intent is settled on the next start).
    pub async fn run(self: Arc<Self>, mut shutdown: watch::Receiver<bool>) {
        let mut rounds = Rounds {
            due: HashMap::new(),
            workloads: Vec::new(),
            refreshed: None,
            pruned: Instant::now(),
        };
        loop {
            let wake = tokio::select! {
                wake = self.round(&mut rounds) => wake,
                () = stopped(&mut shutdown) => break,
            };
            tokio::select! {
                _ = tokio::time::sleep_until(wake) => {}
                () = stopped(&mut shutdown) => break,
            }
        }
        tracing::info!("controller stopped");
    }

    /// One round: refreshes the workload list when due, evaluates what is due, prunes when due;
    /// returns when to wake for the next round.
    async fn round(&self, r: &mut Rounds) -> Instant {
        self.telemetry.heartbeat();
        if r.refreshed.is_none_or(|t| t.elapsed() >= REFRESH) {
            match self.store.workloads().await {
                Ok(list) => r.workloads = list,
                Err(e) => tracing::error!("controller: cannot read workloads: {e}"),
            }
            // Prometheus servers added, changed or removed since the last refresh.
            match self.store.prometheus_servers().await {
                Ok(rows) => self.prometheus.sync(
                    &rows
                        .into_iter()
                        .map(|r| (r.name, r.settings))
                        .collect::<Vec<_>>(),
                ),
                Err(e) => tracing::error!("controller: cannot read Prometheus servers: {e}"),
            }
            // Backends registered from the dashboard since the last refresh.
            let (store, clock) = (&self.store, self.clock.clone());
            if let Err(e) = crate::server::backends::connect_missing(self, store, clock).await {
                tracing::error!("controller: cannot read backends: {e}");
            }
            r.refreshed = Some(Instant::now());
        }
        self.evaluate_due(&r.workloads, &mut r.due).await;
        if r.pruned.elapsed() >= PRUNE_EVERY {
            r.pruned = Instant::now();
            if let Err(e) = self.store.prune(&self.retention, self.clock.now()).await {
                tracing::error!("controller: pruning history failed: {e}");
            }
        }
        let next = r
            .due
            .values()
            .min()
            .copied()
            .unwrap_or_else(|| Instant::now() + REFRESH);
        next.min(Instant::now() + Duration::from_secs(1))
    }

    /// Evaluates every enabled workload whose time has come.
    async fn evaluate_due(&self, workloads: &[WorkloadRow], due: &mut HashMap<i64, Instant>) {
        due.retain(|id, _| workloads.iter().any(|w| w.id == *id && w.enabled));
        // A removed or disabled workload's forecast goes too (it refits from the store if the
        // workload comes back).
        self.forecasts_mut()
            .retain(|id, _| workloads.iter().any(|w| w.id == *id && w.enabled));
        for w in workloads.iter().filter(|w| w.enabled) {
            let now = Instant::now();
            if due.get(&w.id).is_some_and(|t| *t > now) {
                continue;
            }
            let started = std::time::Instant::now();
            let wait = match self.evaluate(w).await {
                Ok(wait) => wait,
                Err(e) => {
                    tracing::error!("workload {}: evaluation not recorded: {e}", w.name);
                    Duration::from_secs(5)
                }
            };
            self.telemetry
                .evaluated(w.id, &labels(w), started.elapsed(), self.clock.now());
            due.insert(w.id, now + wait);
        }
    }
}

/// Workload `w`'s labels in ebb's own metrics.
fn labels(w: &WorkloadRow) -> WorkloadLabels {
    WorkloadLabels {
        backend: w.backend_name.clone(),
        workload: w.name.clone(),
    }
}
