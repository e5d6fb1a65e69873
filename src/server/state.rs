//! The one application state, built once in `main` and handed to axum and to Leptos (as context
//! for server functions and SSR). Nothing else is global.

use std::sync::Arc;

use axum::extract::FromRef;
use leptos::prelude::LeptosOptions;

use crate::model::live::LiveEvent;
use crate::server::store::Store;

/// Shared state of the server process; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub inner: Arc<Inner>,
}

/// The parts of [`AppState`] that server functions reach through `use_context::<AppState>()`.
pub struct Inner {
    pub store: Store,
    pub started_at: chrono::DateTime<chrono::Utc>,
    /// Folder of load traces (`--traces-dir`) for the demo and the what-if preview.
    pub traces_dir: std::path::PathBuf,
    /// Every evaluation the controller finishes, for live pages.
    pub live: tokio::sync::broadcast::Sender<LiveEvent>,
}

impl AppState {
    /// Builds the state around an opened store.
    pub fn new(
        leptos_options: LeptosOptions,
        store: Store,
        traces_dir: std::path::PathBuf,
    ) -> AppState {
        AppState {
            leptos_options,
            inner: Arc::new(Inner {
                store,
                started_at: chrono::Utc::now(),
                traces_dir,
                live: tokio::sync::broadcast::channel(256).0,
            }),
        }
    }

    /// The store.
    pub fn store(&self) -> &Store {
        &self.inner.store
    }
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}
