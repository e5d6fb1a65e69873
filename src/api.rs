//! Server functions, grouped by domain, one file each. Callable from the browser (POST /api/…)
//! and directly during server rendering.

pub mod account;
pub mod audit;
pub mod backends;
pub mod history;
pub mod overrides;
pub mod policies;
pub mod resources;
pub mod status;
pub mod workloads;

/// The application state inside a server function.
#[cfg(feature = "ssr")]
pub fn state() -> Result<crate::server::state::AppState, crate::model::ApiError> {
    leptos::prelude::use_context::<crate::server::state::AppState>()
        .ok_or_else(|| crate::model::ApiError::Internal("application state missing".into()))
}

/// The signed-in user, if their role allows what `needed` may do. Every server function
/// calls this first: hiding a button is not enforcement. Answers 401 without a user and 403
/// for a role too low (the HTTP status is set on the response).
#[cfg(feature = "ssr")]
pub fn require(
    needed: crate::model::auth::Role,
) -> Result<crate::model::auth::CurrentUser, crate::model::ApiError> {
    use crate::model::ApiError;
    use axum::http::StatusCode;
    let user = leptos::prelude::use_context::<axum::http::request::Parts>().and_then(|p| {
        p.extensions
            .get::<crate::model::auth::CurrentUser>()
            .cloned()
    });
    let status = |code| {
        if let Some(res) = leptos::prelude::use_context::<leptos_axum::ResponseOptions>() {
            res.set_status(code);
        }
    };
    match user {
        None => {
            status(StatusCode::UNAUTHORIZED);
            Err(ApiError::Unauthorized(
                "your session ended; sign in again".into(),
            ))
        }
        Some(u) if !u.role.allows(needed) => {
            status(StatusCode::FORBIDDEN);
            Err(ApiError::Forbidden(format!(
                "{} has the {} role; this needs {}",
                u.username,
                u.role.name(),
                needed.name()
            )))
        }
        Some(u) => Ok(u),
    }
}

/// The signed-in user of this request, if any (no checks, no effect on the response).
#[cfg(feature = "ssr")]
pub fn signed_in() -> Option<crate::model::auth::CurrentUser> {
    leptos::prelude::use_context::<axum::http::request::Parts>().and_then(|p| {
        p.extensions
            .get::<crate::model::auth::CurrentUser>()
            .cloned()
    })
}

/// The signed-in user's name for the audit trail, if their role allows `needed`.
#[cfg(feature = "ssr")]
pub fn actor_with(needed: crate::model::auth::Role) -> Result<String, crate::model::ApiError> {
    require(needed).map(|u| u.username)
}
