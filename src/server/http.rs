//! The HTTP surface: Leptos pages and server functions, health endpoints, static files, and the
//! tower-http layers every response passes through (tracing, timeout, compression, security
//! headers).

use std::time::Duration;

use axum::extract::State;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use leptos::prelude::provide_context;
use leptos_axum::{generate_route_list, AxumRouteListing, LeptosRoutes};
use tower_http::compression::CompressionLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

use crate::app::{shell, App};
use crate::server::state::AppState;

/// Content-Security-Policy for responses that are not pages (pages set their own, with the
/// per-response nonce of Leptos' inline scripts; see `app::shell`).
pub const DEFAULT_CSP: &str = "default-src 'self'; frame-ancestors 'none'; base-uri 'self'; \
     form-action 'self'; object-src 'none'";

/// Content-Security-Policy of a rendered page: only our own origin, plus inline scripts that
/// carry this response's nonce and WebAssembly compilation for hydration.
pub fn page_csp(nonce: &str) -> String {
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
         style-src 'self'; style-src-attr 'unsafe-inline'; img-src 'self' data:; \
         connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'; \
         object-src 'none'"
    )
}

/// The app's routes, found once per process. Leptos finds them by rendering the app under a
/// process-wide flag, and a resource first polled while it is raised, in any render on any
/// thread, stays pending for ever (leptos-rs/leptos#4773): a page served while a second
/// router was being built (the tests build one each, in parallel) waited until the request
/// timeout. Found once, before any router exists, the flag is never raised while a page
/// renders.
fn routes() -> Vec<AxumRouteListing> {
    static ROUTES: std::sync::OnceLock<Vec<AxumRouteListing>> = std::sync::OnceLock::new();
    ROUTES.get_or_init(|| generate_route_list(App)).clone()
}

/// Builds the complete router for `state`.
pub fn router(state: AppState, request_timeout: Duration) -> Router {
    let routes = routes();
    let ctx_state = state.clone();
    let context = move || provide_context(ctx_state.clone());
    let shell_opts = state.leptos_options.clone();
    let site = state.leptos_options.site_root.to_string();
    // The bundle and vendored files, with the `.gz`/`.br` files the build writes beside them
    // served as they are (best compression, no per-request CPU); without them the compression
    // layer compresses on the fly.
    let static_dir = |dir: String| {
        drop_stale_precompressed(std::path::Path::new(&dir));
        tower_http::services::ServeDir::new(dir)
            .precompressed_br()
            .precompressed_gzip()
    };
    Router::new()
        .nest_service(
            &format!("/{}", state.leptos_options.site_pkg_dir),
            static_dir(format!("{site}/{}", state.leptos_options.site_pkg_dir)),
        )
        .nest_service("/vendor", static_dir(format!("{site}/vendor")))
        .route("/healthz", get(healthz))
        .route(
            "/login",
            axum::routing::post(crate::server::auth::login::login),
        )
        .route(
            "/logout",
            axum::routing::post(crate::server::auth::login::logout),
        )
        .route("/readyz", get(readyz))
        .route("/metrics", get(crate::server::telemetry::endpoint::metrics))
        .route("/history/export.csv", get(crate::server::export::csv))
        .route("/history/export.json", get(crate::server::export::json))
        .leptos_routes_with_context(&state, routes, context, move || shell(shell_opts.clone()))
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(shell))
        .layer(axum::middleware::from_fn(api_error_status))
        .layer(axum::middleware::from_fn(limit_policy_form))
        .layer(CompressionLayer::new())
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(DEFAULT_CSP),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        ))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            request_timeout,
        ))
        .layer(TraceLayer::new_for_http())
        // Long-lived: outside the request timeout and compression.
        .route("/api/live", get(crate::server::live::live))
        // Every route, the live stream included, passes the sign-in gate.
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            crate::server::auth::gate::gate,
        ))
        // Outermost: every request is counted, the refused ones too.
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            crate::server::telemetry::http::record,
        ))
        .with_state(state)
}

/// Removes `.gz`/`.br` copies older than the file they compress (a bundle rebuilt without
/// `precompress_site`), so a stale copy is never served; the file is then compressed per request.
fn drop_stale_precompressed(dir: &std::path::Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let modified = |p: &std::path::Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    for entry in entries.flatten() {
        let copy = entry.path();
        let Some(ext) = copy.extension().and_then(|e| e.to_str()) else {
            continue;
        };
        if ext != "gz" && ext != "br" {
            continue;
        }
        let original = copy.with_extension("");
        let stale = match (modified(&copy), modified(&original)) {
            (Some(c), Some(o)) => c < o,
            (_, None) => true,
            _ => false,
        };
        if stale {
            if let Err(e) = std::fs::remove_file(&copy) {
                tracing::warn!("stale compressed file {}: {e}", copy.display());
            }
        }
    }
}

/// Liveness: the process is up and serving.
async fn healthz() -> &'static str {
    "ok\n"
}

/// Readiness: the database answers.
async fn readyz(State(state): State<AppState>) -> impl IntoResponse {
    if state.store().ping().await {
        (StatusCode::OK, "ready\n")
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "database unreachable\n")
    }
}

/// The policy editor's form is the one large form, and what it carries is parsed, checked and
/// may be replayed: a body above [`crate::model::policy_form::MAX_POST_BYTES`] is refused with
/// 413 and a field error before anything reads it (server functions read bodies unbounded).
pub async fn limit_policy_form(
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use crate::model::policy_form::MAX_POST_BYTES;
    if req.uri().path() != "/api/policy_submit" {
        return next.run(req).await;
    }
    let (parts, body) = req.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_POST_BYTES).await else {
        let err = crate::model::ApiError::invalid(
            "form",
            format!(
                "the form is larger than {} KiB, more than any policy needs; remove rows",
                MAX_POST_BYTES / 1024
            ),
        );
        let body = serde_json::to_string(&err).unwrap_or_default();
        let json = [(header::CONTENT_TYPE, "application/json")];
        return (StatusCode::PAYLOAD_TOO_LARGE, json, body).into_response();
    };
    let req = axum::extract::Request::from_parts(parts, axum::body::Body::from(bytes));
    next.run(req).await
}

/// Server functions answer every `Err` with 500; this gives each [`ApiError`] its own status
/// (400 invalid input, 401, 403, 404, 409, 429 when too much runs, 503 for an unreachable
/// backend) so clients and tests can tell a refused request from a server failure. A form
/// posted without JavaScript is sent back to its page with the reason instead (`refused`).
/// Only error bodies are read.
pub async fn api_error_status(
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use crate::model::ApiError;
    let is_api = req.uri().path().starts_with("/api/");
    let back = plain_form_post(&req)
        .then(|| referer_path(req.headers()))
        .flatten();
    let res = next.run(req).await;
    let status = res.status();
    let failed =
        status == StatusCode::INTERNAL_SERVER_ERROR || (back.is_some() && status.is_client_error());
    if !is_api || !failed {
        return res;
    }
    let (mut parts, body) = res.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, 1 << 20).await else {
        return (StatusCode::INTERNAL_SERVER_ERROR, "error body too large\n").into_response();
    };
    if let Ok(err) = serde_json::from_slice::<ApiError>(&bytes) {
        // A form posted without JavaScript: back to its page with the reason, never a page
        // of JSON that loses where the person was.
        if let Some(back) = back {
            return refused_to(&back, &err.to_string());
        }
        if status != StatusCode::INTERNAL_SERVER_ERROR {
            return axum::response::Response::from_parts(parts, axum::body::Body::from(bytes));
        }
        parts.status = match err {
            ApiError::Invalid(_) => StatusCode::BAD_REQUEST,
            ApiError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Busy(_) => StatusCode::TOO_MANY_REQUESTS,
            // A request the server function could not even decode is the client's fault.
            ApiError::Transport(_) => StatusCode::BAD_REQUEST,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        };
    }
    axum::response::Response::from_parts(parts, axum::body::Body::from(bytes))
}

/// True for a form a browser posted without JavaScript (it asks for a page, not JSON).
fn plain_form_post(req: &axum::extract::Request) -> bool {
    let header_has = |name: header::HeaderName, what: &str| {
        req.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains(what))
    };
    req.method() == axum::http::Method::POST
        && header_has(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        && header_has(header::ACCEPT, "text/html")
        && !header_has(header::ACCEPT, "application/json")
}

/// The local path (and query) of the page a form was posted from, from `Referer`; `None`
/// when there is none or it is not a plain local path.
fn referer_path(headers: &axum::http::HeaderMap) -> Option<String> {
    let referer = headers.get(header::REFERER)?.to_str().ok()?;
    let after_scheme = referer.split_once("://").map_or(referer, |(_, rest)| rest);
    let path = &after_scheme[after_scheme.find('/')?..];
    let path = path.split('#').next().unwrap_or(path);
    (crate::server::auth::login::safe_next(path) == path).then(|| path.to_string())
}

/// 303 to `page` with `refused=<why>` (an earlier `refused` dropped), which the layout shows.
fn refused_to(page: &str, why: &str) -> axum::response::Response {
    let (path, query) = page.split_once('?').unwrap_or((page, ""));
    let kept: Vec<&str> = query
        .split('&')
        .filter(|kv| !kv.is_empty() && !kv.starts_with("refused="))
        .collect();
    let why: String = why.chars().take(300).collect();
    let mut url = format!("{path}?");
    for kv in kept {
        url.push_str(kv);
        url.push('&');
    }
    url.push_str("refused=");
    url.push_str(&crate::server::auth::gate::urlencode(&why));
    axum::response::Redirect::to(&url).into_response()
}
