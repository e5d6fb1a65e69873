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
    let commit = env!("EBB_GIT_COMMIT");
    assert!(
        body.contains(&format!(r#"<code id="commit">{commit}</code>"#)),
        "commit missing"
    );
    assert!(commit.len() == 12 || commit == "unknown", "{commit}");
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

/// The bundle goes out as the build compressed it (`.br`, `.gz` beside the file); a compressed
/// copy older than its file is removed at start and the file is compressed on the fly instead.
#[tokio::test]
async fn bundle_is_served_precompressed_and_stale_copies_are_dropped() {
    use axum::body::Body;
    use axum::http::Request;
    let (mut state, _dir) = super::support::state().await;
    let site = tempfile::tempdir().expect("site dir");
    let pkg = site.path().join("pkg");
    std::fs::create_dir_all(&pkg).expect("pkg dir");
    std::fs::write(pkg.join("stale.js"), "old").expect("write");
    std::fs::write(pkg.join("stale.js.gz"), b"not really gzip").expect("write");
    std::thread::sleep(std::time::Duration::from_millis(20));
    std::fs::write(pkg.join("stale.js"), "// rebuilt\n".repeat(100)).expect("write");
    std::fs::write(pkg.join("ebb.js"), "// bundle\n".repeat(100)).expect("write");
    std::fs::write(pkg.join("ebb.js.br"), b"BROTLI-BYTES").expect("write");
    state.leptos_options.site_root = site.path().display().to_string().into();
    let app = ebb::server::http::router(state, std::time::Duration::from_secs(5));
    let fetch = |path: &'static str, enc: &'static str| {
        let app = app.clone();
        async move {
            let req = Request::get(path)
                .header(header::ACCEPT_ENCODING, enc)
                .body(Body::empty())
                .expect("request");
            super::support::send(&app, req).await
        }
    };
    let (res, body) = fetch("/pkg/ebb.js", "gzip, br").await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()[header::CONTENT_ENCODING], "br");
    assert_eq!(body, "BROTLI-BYTES");
    // A client without brotli gets the file itself, compressed by the layer.
    let (res, _) = fetch("/pkg/ebb.js", "gzip").await;
    assert_eq!(res.headers()[header::CONTENT_ENCODING], "gzip");
    // The stale copy is gone; the new file is compressed on the fly.
    assert!(!pkg.join("stale.js.gz").exists(), "stale copy kept");
    let (res, body) = fetch("/pkg/stale.js", "identity").await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(body.starts_with("// rebuilt"), "{body}");
}

/// Pages render while other routers are being built: Leptos finds an app's routes by
/// rendering it under a process-wide flag that parks every resource created meanwhile, and a
/// page rendered in that window (in any thread) waited for its resources until the request
/// timeout. Routers are built here in a loop on another thread while every section is served;
/// each page must come back within a few seconds.
#[tokio::test]
async fn pages_render_while_other_routers_are_built() {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;
    use std::time::Duration;

    let (state, _dir) = super::support::state().await;
    let app = super::support::signed_in(&state, "admin-1", ebb::model::auth::Role::Admin).await;
    let stop = Arc::new(AtomicBool::new(false));
    /// Stops the builder however the test ends, so a failed one leaves no busy thread behind.
    struct StopOnDrop(Arc<AtomicBool>);
    impl Drop for StopOnDrop {
        fn drop(&mut self) {
            self.0.store(true, Ordering::Relaxed);
        }
    }
    let _stop_on_drop = StopOnDrop(stop.clone());
    let builder = {
        let (state, stop) = (state.clone(), stop.clone());
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            rt.block_on(async move {
                let mut built = 0u32;
                while !stop.load(Ordering::Relaxed) {
                    drop(ebb::server::http::router(
                        state.clone(),
                        Duration::from_secs(30),
                    ));
                    built += 1;
                    tokio::task::yield_now().await;
                }
                built
            })
        })
    };
    let mut served = 0;
    for _ in 0..4 {
        for (path, _) in NAV {
            let page = tokio::time::timeout(Duration::from_secs(10), get(&app, path)).await;
            let Ok((res, _)) = page else {
                panic!("{path} did not render within 10 s while routers were built");
            };
            assert_eq!(res.status(), StatusCode::OK, "{path}");
            served += 1;
        }
    }
    stop.store(true, Ordering::Relaxed);
    let built = builder.join().expect("router builder");
    assert!(
        built > 1,
        "only {built} routers built while {served} pages were served"
    );
}
