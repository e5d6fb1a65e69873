//! Server functions, grouped by domain, one file each. Callable from the browser (POST /api/…)
//! and directly during server rendering.

pub mod audit;
pub mod history;
pub mod overrides;
pub mod policies;
pub mod status;
pub mod workloads;

/// The application state inside a server function.
#[cfg(feature = "ssr")]
pub fn state() -> Result<crate::server::state::AppState, crate::model::ApiError> {
    leptos::prelude::use_context::<crate::server::state::AppState>()
        .ok_or_else(|| crate::model::ApiError::Internal("application state missing".into()))
}

/// Who is making a change, for the audit trail. Until accounts exist (issue 7) every change
/// is made by the local operator of this installation.
#[cfg(feature = "ssr")]
pub fn actor() -> String {
    "local operator".to_string()
}
