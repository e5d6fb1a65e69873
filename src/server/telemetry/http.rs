//! Counts every HTTP request for `/metrics`: by method, route pattern (axum's matched path, so
//! `/workloads/{id}` rather than each id, and `unmatched` for the rest) and status, with the
//! time to the response head. Labels come from a closed set, whatever a client sends.

use std::time::Instant;

use axum::body::Body;
use axum::extract::{MatchedPath, State};
use axum::http::{Method, Request};
use axum::middleware::Next;
use axum::response::Response;

use crate::server::state::AppState;

/// The middleware.
pub async fn record(State(state): State<AppState>, req: Request<Body>, next: Next) -> Response {
    let method = method_name(req.method());
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_string(), |m| m.as_str().to_string());
    let started = Instant::now();
    let res = next.run(req).await;
    state
        .inner
        .telemetry
        .request(method, &route, res.status().as_u16(), started.elapsed());
    res
}

/// A request method as a label: the standard ones by name, anything else as `other`.
fn method_name(m: &Method) -> &'static str {
    match *m {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}
