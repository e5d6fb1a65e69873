//! Shared helpers: a server configuration on a temporary database, and request shortcuts.

use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, Response};
use axum::Router;
use clap::Parser;
use ebb::server::config::{Cli, ServeConfig};
use tower::ServiceExt;

/// A configuration whose database lives in `dir`.
pub fn config_in(dir: &tempfile::TempDir) -> ServeConfig {
    let db = format!("sqlite://{}", dir.path().join("ebb.db").display());
    Cli::try_parse_from(["ebb", "--database-url", &db, "--bind", "127.0.0.1:0"])
        .expect("test flags parse")
        .serve
}

/// The full router over a fresh database, and the directory that holds it.
pub async fn app() -> (Router, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("temp dir");
    let state = ebb::server::run::build_state(&config_in(&dir))
        .await
        .expect("state");
    (
        ebb::server::http::router(state, Duration::from_secs(10)),
        dir,
    )
}

/// Sends a GET and returns the response with its body as text.
pub async fn get(app: &Router, path: &str) -> (Response<Body>, String) {
    let req = Request::get(path).body(Body::empty()).expect("request");
    let res = app.clone().oneshot(req).await.expect("response");
    let (parts, body) = res.into_parts();
    let bytes = axum::body::to_bytes(body, 10 << 20).await.expect("body");
    (
        Response::from_parts(parts, Body::empty()),
        String::from_utf8_lossy(&bytes).into_owned(),
    )
}
