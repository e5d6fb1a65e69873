//! The registry of live orchestrators, one per stored backend, shared by the controller (which
//! evaluates workloads through it) and the server functions (which change resources, and
//! replace or drop a backend the moment an operator edits or removes it).
//!
//! Each entry remembers the stored settings it was built from, so the controller's periodic
//! sync can tell a backend whose settings changed (replace it) from one that is current
//! (keep it, with its connection and caches). Entries registered by hand (tests, embedded
//! simulators) carry no settings and are never replaced by the sync.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use crate::server::orchestrator::Orchestrator;

struct Entry {
    /// The `backends.settings` JSON this orchestrator was built from, when known.
    settings: Option<String>,
    orchestrator: Arc<dyn Orchestrator>,
}

/// Orchestrators by backend row id; cheap to share behind an `Arc`.
#[derive(Default)]
pub struct Registry {
    map: RwLock<HashMap<i64, Entry>>,
}

impl Registry {
    /// An empty registry.
    pub fn new() -> Registry {
        Registry::default()
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, HashMap<i64, Entry>> {
        // Entries are replaced whole; a panic elsewhere cannot leave one half-written.
        self.map.write().unwrap_or_else(|e| e.into_inner())
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, HashMap<i64, Entry>> {
        self.map.read().unwrap_or_else(|e| e.into_inner())
    }

    /// Makes `orchestrator` the one of backend `id`, with no settings recorded.
    pub fn insert(&self, id: i64, orchestrator: Arc<dyn Orchestrator>) {
        self.write().insert(
            id,
            Entry {
                settings: None,
                orchestrator,
            },
        );
    }

    /// Makes `orchestrator`, built from stored `settings`, the one of backend `id`.
    pub fn insert_built(&self, id: i64, settings: &str, orchestrator: Arc<dyn Orchestrator>) {
        self.write().insert(
            id,
            Entry {
                settings: Some(settings.to_string()),
                orchestrator,
            },
        );
    }

    /// The orchestrator of backend `id`, if registered.
    pub fn get(&self, id: i64) -> Option<Arc<dyn Orchestrator>> {
        self.read().get(&id).map(|e| e.orchestrator.clone())
    }

    /// True when backend `id` is registered and was not built from exactly `settings` (an
    /// entry registered by hand counts as current).
    pub fn is_stale(&self, id: i64, settings: &str) -> bool {
        self.read()
            .get(&id)
            .and_then(|e| e.settings.as_deref())
            .is_some_and(|s| s != settings)
    }

    /// Drops backend `id`; true when it was registered.
    pub fn remove(&self, id: i64) -> bool {
        self.write().remove(&id).is_some()
    }

    /// Drops every backend whose id `keep` refuses; returns the ids dropped.
    pub fn retain(&self, keep: impl Fn(i64) -> bool) -> Vec<i64> {
        let mut map = self.write();
        let gone: Vec<i64> = map.keys().copied().filter(|id| !keep(*id)).collect();
        for id in &gone {
            map.remove(id);
        }
        gone
    }
}
