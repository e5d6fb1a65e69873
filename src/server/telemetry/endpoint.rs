//! `/metrics`: on the main listener behind the sign-in gate (any signed-in user or API token;
//! the viewer role is enough), and on the `--metrics-bind` listener without sign-in, which
//! serves nothing else.

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

use crate::server::state::AppState;

/// The metrics in the Prometheus text format; 503 with the reason when the store cannot be
/// read (a scrape then fails visibly rather than reporting stale values).
pub async fn metrics(State(state): State<AppState>) -> Response {
    match state
        .inner
        .telemetry
        .render(state.store(), chrono::Utc::now())
        .await
    {
        Ok(text) => (
            [(
                header::CONTENT_TYPE,
                prometheus_client::encoding::prometheus_text::CONTENT_TYPE,
            )],
            text,
        )
            .into_response(),
        Err(e) => {
            tracing::warn!("/metrics: {e}");
            (StatusCode::SERVICE_UNAVAILABLE, format!("{e}\n")).into_response()
        }
    }
}

/// The router of the `--metrics-bind` listener: `/metrics` and nothing else.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/metrics", get(metrics))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            super::http::record,
        ))
        .with_state(state)
}
