//! Builds an orchestrator for every stored backend and registers it with the controller:
//! simulator backends get their workloads' models from the store; Swarm backends connect to
//! their daemon on first use (so a daemon that is down at start-up is not an error here).
//! The registry they live in is shared with the server functions ([`Registry`]).

mod registry;

use std::sync::Arc;

pub use registry::Registry;

use crate::server::clock::Clock;
use crate::server::controller::Controller;
use crate::server::orchestrator::kubernetes::settings::KubeSettings;
use crate::server::orchestrator::kubernetes::KubernetesBackend;
use crate::server::orchestrator::simulator::{SimWorkloadSpec, SimulatorBackend};
use crate::server::orchestrator::swarm::{SwarmBackend, SwarmSettings};
use crate::server::orchestrator::Orchestrator;
use crate::server::store::{Store, StoreError};

/// Registers every backend of `store` with `controller`. A workload whose model cannot be
/// loaded is logged and left out (its evaluations then report it as not found).
pub async fn connect_all(
    controller: &Controller,
    store: &Store,
    clock: Arc<dyn Clock>,
) -> Result<(), StoreError> {
    connect_missing(controller, store, clock).await
}

/// Brings `controller`'s registry in line with `store`: registers backends it lacks, rebuilds
/// Swarm backends whose stored settings changed, and drops backends that were removed. The
/// controller calls this on every refresh, so a backend registered, edited or removed from the
/// dashboard (or by another ebb on the same database) takes effect within seconds without a
/// restart; backends that are current (and their simulations) are left as they are.
pub async fn connect_missing(
    controller: &Controller,
    store: &Store,
    clock: Arc<dyn Clock>,
) -> Result<(), StoreError> {
    let workloads = store.workloads().await?;
    let backends = store.backends().await?;
    let registry = controller.registry();
    for id in registry.retain(|id| backends.iter().any(|b| b.id == id)) {
        tracing::info!("backend {id} was removed; its orchestrator is dropped");
    }
    for backend in backends {
        let stale = matches!(backend.kind.as_str(), "swarm" | "kubernetes")
            && registry.is_stale(backend.id, &backend.settings);
        if controller.backend(backend.id).is_some() && !stale {
            continue;
        }
        match backend.kind.as_str() {
            "simulator" => {
                let sim = SimulatorBackend::new(clock.clone());
                for w in workloads.iter().filter(|w| w.backend_id == backend.id) {
                    let spec: SimWorkloadSpec = match serde_json::from_str(&w.spec) {
                        Ok(spec) => spec,
                        Err(e) => {
                            tracing::error!(
                                "simulated workload {}: stored model unreadable: {e}",
                                w.name
                            );
                            continue;
                        }
                    };
                    if let Err(e) = sim.add_workload(&w.name, spec) {
                        tracing::error!("simulated workload {}: {e}", w.name);
                    }
                }
                registry.insert_built(backend.id, &backend.settings, Arc::new(sim));
            }
            "swarm" => match swarm_backend(&backend.settings) {
                Ok(b) => {
                    if stale {
                        tracing::info!("backend {}: settings changed, reconnecting", backend.name);
                    }
                    registry.insert_built(backend.id, &backend.settings, b);
                }
                Err(e) => {
                    // Unreadable settings: evaluating with the old connection would act on a
                    // daemon the operator no longer means.
                    registry.remove(backend.id);
                    tracing::error!("backend {}: {e}", backend.name);
                }
            },
            "kubernetes" => match KubeSettings::from_json(&backend.settings) {
                Ok(settings) => {
                    if stale {
                        tracing::info!("backend {}: settings changed, reconnecting", backend.name);
                    }
                    registry.insert_built(
                        backend.id,
                        &backend.settings,
                        Arc::new(KubernetesBackend::new(settings)),
                    );
                }
                Err(e) => {
                    registry.remove(backend.id);
                    tracing::error!(
                        "backend {}: stored Kubernetes settings unusable: {e}",
                        backend.name
                    );
                }
            },
            other => tracing::warn!(
                "backend {}: kind '{other}' is not available yet",
                backend.name
            ),
        }
    }
    Ok(())
}

/// The orchestrator of a stored Swarm backend, from its settings JSON.
pub fn swarm_backend(settings: &str) -> Result<Arc<dyn Orchestrator>, String> {
    let settings = SwarmSettings::from_json(settings)
        .map_err(|e| format!("stored Swarm settings unreadable: {e}"))?;
    // Invalid addresses are not refused here: every call then says what to fix, on the
    // workloads of this backend, instead of a log line every refresh.
    Ok(Arc::new(SwarmBackend::new(settings)))
}
