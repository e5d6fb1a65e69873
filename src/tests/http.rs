//! HTTP surface: health, readiness, server-rendered pages, 404, security headers.

use axum::http::{header, StatusCode};

use super::support::{app, get};
use ebb::components::layout::NAV;

#[tokio::test]
async fn healthz_and_readyz_answer() {
    let (app, _dir) = app().await;
    let (res, body) = get(&app, "/healthz").await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(body.trim(), "ok");
    let (res, body) = get(&app, "/readyz").await;
    assert_eq!(res.status(), StatusCode::OK, "{body}");
}

#[tokio::test]
async fn every_section_renders_on_the_server_with_navigation() {
    let (app, _dir) = app().await;
    for (path, label) in NAV {
        let (res, body) = get(&app, path).await;
        assert_eq!(res.status(), StatusCode::OK, "{path}");
        assert!(
            body.contains(&format!("<h1>{label}</h1>")),
            "{path} lacks its heading: {body}"
        );
        for (href, _) in NAV {
            assert!(
                body.contains(&format!("href=\"{href}\"")),
                "{path} lacks nav link {href}"
            );
        }
        assert!(
            body.contains(&format!("<title>{label} · ebb</title>")),
            "{path} title"
        );
    }
}

#[tokio::test]
async fn overview_shows_status_without_javascript() {
    let (app, _dir) = app().await;
    let (_, body) = get(&app, "/").await;
    assert!(
        body.contains(env!("CARGO_PKG_VERSION")),
        "version missing: {body}"
    );
    assert!(body.contains("migration "), "schema version missing");
}

#[tokio::test]
async fn the_login_page_is_public_and_renders_a_form() {
    let (app, _dir) = super::support::app_as(None).await;
    let (res, body) = get(&app, "/login").await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(
        body.contains("action=\"/login\"") && body.contains("name=\"password\""),
        "{body}"
    );
}

#[tokio::test]
async fn unknown_path_is_a_404_page() {
    let (app, _dir) = app().await;
    let (res, body) = get(&app, "/no/such/page").await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert!(body.contains("Page not found"), "{body}");
    assert!(
        body.contains("href=\"/workloads\""),
        "404 keeps the navigation"
    );
}

#[tokio::test]
async fn pages_carry_security_headers_and_a_nonce_csp() {
    let (app, _dir) = app().await;
    let (res, body) = get(&app, "/").await;
    let h = res.headers();
    assert_eq!(h[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
    assert_eq!(h[header::X_FRAME_OPTIONS], "DENY");
    let csp = h[header::CONTENT_SECURITY_POLICY]
        .to_str()
        .expect("ascii csp");
    assert!(csp.starts_with("default-src 'self'"), "{csp}");
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    let nonce = csp
        .split("'nonce-")
        .nth(1)
        .and_then(|rest| rest.split('\'').next())
        .expect("page CSP has a nonce");
    assert!(nonce.len() >= 16, "nonce too short: {nonce}");
    assert!(
        body.contains(&format!("nonce=\"{nonce}\"")),
        "inline scripts carry the nonce"
    );
    let (res, _) = get(&app, "/healthz").await;
    let csp = &res.headers()[header::CONTENT_SECURITY_POLICY];
    assert_eq!(csp, ebb::server::http::DEFAULT_CSP);
}
