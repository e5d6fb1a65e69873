//! The one application state, built once in `main` and handed to axum and to Leptos (as context
//! for server functions and SSR). Nothing else is global.

use std::sync::Arc;

use axum::extract::FromRef;
use leptos::prelude::LeptosOptions;

use crate::model::live::LiveEvent;
use crate::server::auth::sign_in::SignIn;
use crate::server::backends::Registry;
use crate::server::replay::gate::ReplayGate;
use crate::server::store::Store;

/// Shared state of the server process; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub inner: Arc<Inner>,
    /// The sign-in form's settings and shared state (trusted proxies, delays, clock).
    pub sign_in: Arc<SignIn>,
}

/// The parts of [`AppState`] that server functions reach through `use_context::<AppState>()`.
pub struct Inner {
    pub store: Store,
    pub started_at: chrono::DateTime<chrono::Utc>,
    /// Folder of load traces (`--traces-dir`) for the demo and the what-if preview.
    pub traces_dir: std::path::PathBuf,
    /// Folder for TLS files pasted into the backend forms (beside the database file).
    pub tls_dir: std::path::PathBuf,
    /// Every evaluation the controller finishes, for live pages.
    pub live: tokio::sync::broadcast::Sender<LiveEvent>,
    /// The live orchestrator of every backend, shared with the controller: server functions
    /// act through it (resources) and replace or drop entries (backend edits and removals).
    pub backends: Arc<Registry>,
    /// Turns true once when shutdown begins: live streams end, the controller stops.
    stopping: tokio::sync::watch::Sender<bool>,
    /// `--max-replicas-cap`: no pin, policy or scale call goes above it.
    pub max_replicas_cap: u32,
    /// Admission of what-if replays (one per user, a few in all).
    pub replays: Arc<ReplayGate>,
    /// What-if jobs: progress, cancel and results of previews running in the background.
    pub whatifs: Arc<crate::server::replay::jobs::WhatIfJobs>,
    /// ebb's own metrics (`/metrics`), shared with the controller.
    pub telemetry: Arc<crate::server::telemetry::Telemetry>,
    /// Clients of the Prometheus servers policies query, shared with the controller.
    pub prometheus: Arc<crate::server::metrics::prometheus::registry::PromServers>,
    /// Every workload's forecast state, kept by the controller, read by the workload chart.
    pub forecasts: Arc<crate::server::forecast::Forecasts>,
}

impl AppState {
    /// Builds the state around an opened store.
    pub fn new(
        leptos_options: LeptosOptions,
        store: Store,
        traces_dir: std::path::PathBuf,
        tls_dir: std::path::PathBuf,
        max_replicas_cap: u32,
    ) -> AppState {
        AppState {
            leptos_options,
            inner: Arc::new(Inner {
                store,
                started_at: chrono::Utc::now(),
                traces_dir,
                tls_dir,
                live: tokio::sync::broadcast::channel(256).0,
                backends: Arc::new(Registry::new()),
                stopping: tokio::sync::watch::channel(false).0,
                max_replicas_cap,
                replays: ReplayGate::for_this_machine(),
                whatifs: Arc::default(),
                telemetry: Arc::new(crate::server::telemetry::Telemetry::new()),
                prometheus: Arc::default(),
                forecasts: Arc::default(),
            }),
            sign_in: Arc::new(SignIn::new(Default::default())),
        }
    }

    /// The same state with these sign-in settings (`--trusted-proxies`; tests: delays, clock).
    pub fn with_sign_in(self, sign_in: SignIn) -> AppState {
        AppState {
            sign_in: Arc::new(sign_in),
            ..self
        }
    }

    /// The store.
    pub fn store(&self) -> &Store {
        &self.inner.store
    }

    /// The backend registry the controller evaluates through.
    pub fn backends(&self) -> &Arc<Registry> {
        &self.inner.backends
    }

    /// Begins shutdown: everything watching [`AppState::stopping`] winds down, and what-if jobs
    /// are cancelled.
    pub fn stop(&self) {
        self.inner.stopping.send_replace(true);
        // A replay thread would otherwise keep the runtime (and the process) alive.
        self.inner.whatifs.cancel_all("the server is shutting down");
    }

    /// Watches for shutdown; the value turns true once [`AppState::stop`] is called.
    pub fn stopping(&self) -> tokio::sync::watch::Receiver<bool> {
        self.inner.stopping.subscribe()
    }
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}
