//! The Backends page without JavaScript: the connection test runs for the backend asked
//! about only; the edit and remove forms open in their panel, and an error comes back to it.

use axum::body::Body;
use axum::http::{header, Request, StatusCode};

use super::{admin, edit, form};
use crate::support::{get, send, state};

#[tokio::test]
async fn the_backends_page_works_without_javascript() {
    let (state, _dir) = state().await;
    let app = admin(&state).await;
    let now = chrono::Utc::now();
    let missing = r#"{"socket":"/tmp/ebb-test-missing.sock","label":""}"#;
    let id = state
        .store()
        .register_backend("lost", "swarm", missing, "t", now)
        .await
        .expect("b");
    let other = state
        .store()
        .register_backend("other", "swarm", missing, "t", now)
        .await
        .expect("b");
    let panel = |page: &str, id: i64| -> String {
        let start = page
            .find(&format!("id=\"backend-{id}\""))
            .expect("panel present");
        let rest = &page[start..];
        rest[..rest.find("</section>").unwrap_or(rest.len())].to_string()
    };

    // The connection test runs for the backend asked about, and only that one.
    let (_, page) = get(&app, &format!("/backends?test={id}")).await;
    let tested = panel(&page, id);
    assert!(
        tested.contains("test-result")
            && tested.contains("/tmp/ebb-test-missing.sock")
            && tested.contains("is dockerd running"),
        "{tested}"
    );
    assert!(!panel(&page, other).contains("test-result"));

    // Edit: the form opens in its panel with the stored values; an error comes back to it.
    let (_, page) = get(&app, &format!("/backends?edit={id}")).await;
    let editing = panel(&page, id);
    assert!(
        editing.contains("id=\"edit-swarm\"")
            && editing.contains("value=\"/tmp/ebb-test-missing.sock\""),
        "{editing}"
    );
    assert!(!panel(&page, other).contains("edit-swarm"));
    let referer = format!("http://localhost/backends?edit={id}");
    let html_post = |path: &str, pairs: &[(&str, &str)]| {
        Request::post(path)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::ACCEPT, "text/html")
            .header(header::REFERER, referer.clone())
            .body(Body::from(form(pairs)))
            .expect("request")
    };
    let id_s = id.to_string();
    let mut bad = edit(&id_s, "lost", "", ["", "", ""]);
    bad[2] = ("socket", "relative.sock");
    let (res, _) = send(&app, html_post("/api/update_swarm", &bad)).await;
    assert_eq!(res.status(), StatusCode::FOUND);
    let back = res.headers()[header::LOCATION]
        .to_str()
        .expect("loc")
        .to_string();
    let (_, page) = get(&app, back.trim_start_matches("http://localhost")).await;
    assert!(
        panel(&page, id).contains("the socket path must be absolute"),
        "{page}"
    );

    let mut good = edit(&id_s, "found", "", ["", "", ""]);
    good[2] = ("socket", "/tmp/ebb-test-other.sock");
    let (res, _) = send(&app, html_post("/api/update_swarm", &good)).await;
    assert_eq!(res.headers()[header::LOCATION], "/backends");
    let (_, page) = get(&app, "/backends").await;
    assert!(
        panel(&page, id).contains("unix:///tmp/ebb-test-other.sock"),
        "edited"
    );

    // Remove: a confirmation step, then gone.
    let (_, page) = get(&app, &format!("/backends?remove={id}")).await;
    assert!(panel(&page, id).contains("Remove backend found?"), "{page}");
    let (res, _) = send(
        &app,
        html_post("/api/remove_backend", &[("id", &id_s), ("confirm", "")]),
    )
    .await;
    assert_eq!(res.headers()[header::LOCATION], "/backends");
    let (_, page) = get(&app, "/backends").await;
    assert!(
        !page.contains(&format!("id=\"backend-{id}\""))
            && page.contains(&format!("id=\"backend-{other}\""))
    );
}

/// Three backends whose daemons accept connections and never answer: the page still renders
/// within the probe deadline (plus a margin), with every backend's panel, its Edit and Remove,
/// and "not answering within N s" where its services would be; the remove form opens as fast.
#[tokio::test]
async fn black_holed_backends_cannot_hold_the_backends_page() {
    let (state, _dir) = state().await;
    let app = admin(&state).await;
    let hole = crate::support::black_hole().await;
    let settings = format!(r#"{{"host":"tcp://{hole}","label":""}}"#);
    let mut ids = Vec::new();
    for name in ["hole-a", "hole-b", "hole-c"] {
        let id = state
            .store()
            .register_backend(name, "swarm", &settings, "t", chrono::Utc::now())
            .await
            .expect("backend");
        ids.push(id);
    }
    let deadline = ebb::api::backends::PROBE_DEADLINE;
    let budget = deadline + std::time::Duration::from_secs(2);
    let first = ids[0];
    for path in [
        "/backends".to_string(),
        format!("/backends?remove={first}&test={}", ids[1]),
    ] {
        let started = std::time::Instant::now();
        let (res, page) = get(&app, &path).await;
        let took = started.elapsed();
        assert_eq!(res.status(), StatusCode::OK, "{path}: {page}");
        assert!(took < budget, "{path} took {took:?} (budget {budget:?})");
        let waited = format!("not answering within {} s", deadline.as_secs());
        for id in &ids {
            let start = page
                .find(&format!("id=\"backend-{id}\""))
                .unwrap_or_else(|| panic!("{path}: panel {id} missing"));
            let panel = &page[start..];
            let panel = &panel[..panel.find("</section>").unwrap_or(panel.len())];
            assert!(
                panel.contains(&format!("id=\"remove-backend-{id}\""))
                    && panel.contains(&format!("id=\"edit-backend-{id}\""))
                    && panel.contains(&waited),
                "{path}: panel {id}: {panel}"
            );
        }
    }
    let (_, page) = get(&app, &format!("/backends?remove={first}")).await;
    assert!(page.contains(&format!("id=\"remove-form-{first}\"")));
}
