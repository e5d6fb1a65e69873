//! Builds an orchestrator for every stored backend and registers it with the controller:
//! simulator backends get their workloads' models from the store.

use std::sync::Arc;

use crate::server::clock::Clock;
use crate::server::controller::Controller;
use crate::server::orchestrator::simulator::{SimWorkloadSpec, SimulatorBackend};
use crate::server::store::{Store, StoreError};

/// Registers every backend of `store` with `controller`. A workload whose model cannot be
/// loaded is logged and left out (its evaluations then report it as not found).
pub async fn connect_all(
    controller: &Controller,
    store: &Store,
    clock: Arc<dyn Clock>,
) -> Result<(), StoreError> {
    let workloads = store.workloads().await?;
    for backend in store.backends().await? {
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
                controller.register_backend(backend.id, Arc::new(sim));
            }
            other => tracing::warn!(
                "backend {}: kind '{other}' is not available yet",
                backend.name
            ),
        }
    }
    Ok(())
}
