//! The lower holes of the outside security test (issue 11, item 13), one test each: caching
//! and HSTS, the `next=/\…` redirect, live streams after sign-out, expiring API tokens, the
//! one-time password, who a failed sign-in is recorded as, malformed history filters, a
//! body-less sign-out, login CSRF, and the Origin check's scheme and `--public-url`. (Unchanged
//! saves and absurd numbers are in `policies`, global options in `server::config`'s tests.)

use std::time::Duration;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use axum::Router;
use chrono::Utc;
use ebb::model::auth::Role;
use ebb::server::auth::secrets::digest;
use ebb::server::state::AppState;
use futures::StreamExt;

use super::support::{api_post, as_browser, get, send, session_for, state, state_with};

const PASSWORD: &str = "test password 123";

fn router(state: &AppState) -> Router {
    ebb::server::http::router(state.clone(), Duration::from_secs(30))
}

fn login_form(user: &str, password: &str, next: &str) -> Request<Body> {
    let enc = ebb::server::auth::gate::urlencode;
    Request::post("/login")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(format!(
            "username={}&password={}&next={}",
            enc(user),
            enc(password),
            enc(next)
        )))
        .expect("request")
}

fn location(res: &axum::http::Response<Body>) -> String {
    res.headers()
        .get(header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string()
}

/// The session id a successful sign-in set.
fn session_cookie(res: &axum::http::Response<Body>) -> Option<String> {
    let set = res.headers().get(header::SET_COOKIE)?.to_str().ok()?;
    let value = set
        .split(';')
        .next()?
        .strip_prefix(&format!("{}=", ebb::server::auth::COOKIE))?;
    (!value.is_empty()).then(|| value.to_string())
}

#[tokio::test]
async fn signed_in_answers_are_never_cached_and_https_sites_send_hsts() {
    let (state, _dir) = state().await;
    let sid = session_for(&state, "alice", Role::Viewer).await;
    let app = as_browser(router(&state), Some(sid));
    for (what, req) in [
        (
            "a page",
            Request::get("/").header(header::ACCEPT, "text/html"),
        ),
        ("an export", Request::get("/history/export.csv")),
        ("the login page", Request::get("/login")),
    ] {
        let (res, _) = send(&app, req.body(Body::empty()).expect("req")).await;
        assert_eq!(
            res.headers()
                .get(header::CACHE_CONTROL)
                .map(|v| v.as_bytes()),
            Some(&b"no-store"[..]),
            "{what}: {:?}",
            res.headers()
        );
        assert!(
            res.headers()
                .get(header::STRICT_TRANSPORT_SECURITY)
                .is_none(),
            "{what}: plain HTTP gets no HSTS"
        );
    }
    let (res, _) = send(&app, api_post("/api/me", "")).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()[header::CACHE_CONTROL], "no-store", "the API");
    let (res, _) = get(&app, "/favicon.svg").await;
    assert_ne!(
        res.headers()
            .get(header::CACHE_CONTROL)
            .map(|v| v.as_bytes()),
        Some(&b"no-store"[..]),
        "static files may be cached"
    );

    // A stranger's X-Forwarded-Proto does not make the site HTTPS.
    let req = Request::get("/login")
        .header("x-forwarded-proto", "https")
        .body(Body::empty())
        .expect("req");
    let (res, _) = send(&app, req).await;
    assert!(res
        .headers()
        .get(header::STRICT_TRANSPORT_SECURITY)
        .is_none());

    let (state, _dir) = state_with(&["--public-url", "https://ebb.example.com"]).await;
    let app = as_browser(router(&state), None);
    let (res, _) = get(&app, "/login").await;
    assert_eq!(
        res.headers()[header::STRICT_TRANSPORT_SECURITY],
        "max-age=31536000"
    );
}

#[tokio::test]
async fn a_backslash_next_does_not_leave_the_site() {
    let (state, _dir) = state().await;
    session_for(&state, "alice", Role::Viewer).await;
    let app = as_browser(router(&state), None);
    for next in ["/\\evil.example", "/\\/evil.example/x", "/\t/evil.example"] {
        let (res, _) = send(&app, login_form("alice", PASSWORD, next)).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "{next:?}");
        assert_eq!(location(&res), "/", "{next:?} must not be followed");
    }
    let (res, _) = send(&app, login_form("alice", PASSWORD, "/history?x=1")).await;
    assert_eq!(location(&res), "/history?x=1", "a local path still is");
}

/// Reads `body` until `want` arrives (or fails after 5 s); returns everything read.
async fn read_until(stream: &mut axum::body::BodyDataStream, want: &str) -> String {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    let mut text = String::new();
    while !text.contains(want) {
        match tokio::time::timeout_at(deadline, stream.next()).await {
            Ok(Some(Ok(chunk))) => text.push_str(&String::from_utf8_lossy(&chunk)),
            Ok(_) => break,
            Err(_) => panic!("no {want:?} within 5 s; read {text:?}"),
        }
    }
    text
}

#[tokio::test]
async fn a_live_stream_ends_when_its_session_or_token_does() {
    let (state, _dir) = state().await;
    let sid = session_for(&state, "alice", Role::Viewer).await;
    let app = as_browser(router(&state), Some(sid));
    let open = |auth: Option<String>| {
        let mut req = Request::get("/api/live");
        if let Some(token) = auth {
            req = req.header(header::AUTHORIZATION, format!("Bearer {token}"));
        }
        req.body(Body::empty()).expect("req")
    };
    let res = app.clone().oneshot(open(None)).await.expect("live");
    assert_eq!(res.status(), StatusCode::OK);
    let mut stream = res.into_body().into_data_stream();
    read_until(&mut stream, "event: hello").await;
    let logout = Request::post("/logout").body(Body::empty()).expect("req");
    let (res, _) = send(&app, logout).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let rest = read_until(&mut stream, "event: signed_out").await;
    assert!(rest.contains("signed_out"), "{rest}");
    let end = tokio::time::timeout(Duration::from_secs(5), stream.next()).await;
    assert!(
        matches!(end, Ok(None)),
        "the stream closes after signed_out"
    );

    // A token's stream ends when the token is revoked.
    let store = state.store();
    let bob_sid = session_for(&state, "bob", Role::Viewer).await;
    let bob = store
        .session_user(&digest(&bob_sid), Utc::now(), chrono::Duration::hours(1))
        .await
        .expect("lookup")
        .expect("bob");
    let token = "ebb_live_stream_test_token";
    let now = Utc::now();
    let id = store
        .create_token(
            &bob,
            "live",
            &digest(token),
            now,
            now + chrono::Duration::days(1),
        )
        .await
        .expect("token");
    let api = router(&state);
    let res = api
        .clone()
        .oneshot(open(Some(token.into())))
        .await
        .expect("live");
    assert_eq!(res.status(), StatusCode::OK);
    let mut stream = res.into_body().into_data_stream();
    read_until(&mut stream, "event: hello").await;
    assert!(store
        .revoke_token(&bob, id, Utc::now())
        .await
        .expect("revoke"));
    read_until(&mut stream, "event: signed_out").await;
}

use tower::ServiceExt;

#[tokio::test]
async fn a_page_too_slow_for_the_live_stream_is_told_it_missed_updates() {
    let (state, _dir) = state().await;
    let sid = session_for(&state, "alice", Role::Viewer).await;
    let app = as_browser(router(&state), Some(sid));
    let res = app
        .oneshot(Request::get("/api/live").body(Body::empty()).expect("req"))
        .await
        .expect("live");
    let mut stream = res.into_body().into_data_stream();
    read_until(&mut stream, "event: hello").await;
    let summary: ebb::model::workload::WorkloadSummary =
        serde_json::from_value(serde_json::json!({
            "id": 1, "name": "w", "backend": "sim", "backend_kind": "simulator", "enabled": true,
            "interval_secs": 15, "failed_instances": 0, "metrics_ok": true
        }))
        .expect("summary");
    // More than the channel holds (256) before the stream reads any: the oldest are dropped.
    for _ in 0..300 {
        let _ = state
            .inner
            .live
            .send(ebb::model::live::LiveEvent::Evaluated {
                workload: Box::new(summary.clone()),
                decision: None,
                point: None,
            });
    }
    let text = read_until(&mut stream, "event: lagged").await;
    assert!(text.contains("event: lagged\ndata: 44"), "{text:?}");
    // The stream goes on with the events it still holds.
    read_until(&mut stream, "event: evaluated").await;
}

#[tokio::test]
async fn api_tokens_expire_and_their_last_use_is_shown() {
    let (state, _dir) = state().await;
    let sid = session_for(&state, "alice", Role::Viewer).await;
    let app = as_browser(router(&state), Some(sid));
    let (res, body) = send(&app, api_post("/api/create_token", "name=ci&days=7")).await;
    assert_eq!(res.status(), StatusCode::OK, "{body}");
    let token: String = serde_json::from_str(&body).expect("token");
    let (res, body) = send(&app, api_post("/api/create_token", "name=ci2&days=5000")).await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST, "{body}");
    assert!(body.contains("days"), "{body}");

    let bearer = |path: &str, token: &str| {
        let mut req = api_post(path, "");
        req.headers_mut().insert(
            header::AUTHORIZATION,
            format!("Bearer {token}").parse().expect("header"),
        );
        req
    };
    let plain = router(&state);
    let (res, _) = send(&plain, bearer("/api/me", &token)).await;
    assert_eq!(res.status(), StatusCode::OK, "a fresh token works");

    let (_, body) = send(&app, api_post("/api/tokens", "")).await;
    let list: Vec<ebb::model::account::TokenInfo> = serde_json::from_str(&body).expect("list");
    let ci = list.iter().find(|t| t.name == "ci").expect("ci");
    assert!(ci.last_used.is_some(), "its use was recorded: {ci:?}");
    let expires =
        ebb::server::store::time::parse(ci.expires_at.as_deref().unwrap_or("")).expect("expiry");
    let days = (expires - Utc::now()).num_hours() as f64 / 24.0;
    assert!((6.9..=7.0).contains(&days), "expires in {days} days");
    let (_, page) = get(&app, "/account").await;
    assert!(
        page.contains("last used"),
        "the account page shows the last use"
    );

    // Past its expiry the token opens nothing.
    sqlx::query("UPDATE api_tokens SET expires_at = '2020-01-01T00:00:00.000Z' WHERE name = 'ci'")
        .execute(state.store().pool())
        .await
        .expect("age");
    let (res, _) = send(&plain, bearer("/api/me", &token)).await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "an expired token");
    let (_, page) = get(&app, "/account").await;
    assert!(page.contains("expired"), "the account page says it expired");
}

#[tokio::test]
async fn tokens_made_before_expiry_existed_get_90_days() {
    use ebb::server::config::DatabaseUrl;
    use ebb::server::store::{migrate, Store};
    let dir = tempfile::tempdir().expect("tmp");
    let url = DatabaseUrl::SqliteFile(dir.path().join("old.db"));
    let store = Store::connect(&url).await.expect("connect");
    // The schema as it was before this change: every migration up to 0007.
    let old = tempfile::tempdir().expect("tmp");
    for entry in std::fs::read_dir("migrations/sqlite").expect("migrations") {
        let path = entry.expect("entry").path();
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        if name < "0008" {
            std::fs::copy(&path, old.path().join(name)).expect("copy");
        }
    }
    let before = sqlx::migrate::Migrator::new(old.path()).await.expect("old");
    migrate(store.pool(), &before).await.expect("old schema");
    sqlx::query("INSERT INTO users (username, role, password_hash, created_at) VALUES ('old', 'viewer', 'x', '2026-01-01T00:00:00.000Z')")
        .execute(store.pool())
        .await
        .expect("user");
    sqlx::query("INSERT INTO api_tokens (user_id, name, token_hash, created_at) VALUES (1, 'legacy', 'h', '2026-01-01T00:00:00.000Z')")
        .execute(store.pool())
        .await
        .expect("token");
    store.close().await;
    let store = Store::open(&url).await.expect("migrated");
    let expires: String = sqlx::query_scalar("SELECT expires_at FROM api_tokens")
        .fetch_one(store.pool())
        .await
        .expect("expiry");
    let at = ebb::server::store::time::parse(&expires).expect("store time format");
    let days = (at - Utc::now()).num_minutes() as f64 / 1440.0;
    assert!((89.9..=90.0).contains(&days), "{expires}: {days} days");
    let must: bool = sqlx::query_scalar("SELECT must_change_password FROM users")
        .fetch_one(store.pool())
        .await
        .expect("flag");
    assert!(!must, "existing accounts keep working as they are");
}

#[tokio::test]
async fn a_one_time_password_must_be_replaced_before_anything_else() {
    let (state, _dir) = state().await;
    let one_time = ebb::server::auth::users::add_user(state.store(), "carol", Role::Editor, "test")
        .await
        .expect("user");
    let anon = as_browser(router(&state), None);
    let (res, _) = send(&anon, login_form("carol", &one_time, "/policies")).await;
    let sid = session_cookie(&res).expect("signed in");
    let app = as_browser(router(&state), Some(sid));
    let (res, _) = get(&app, "/policies").await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        location(&res),
        "/account",
        "pages lead to the password form"
    );
    let (res, body) = send(&app, api_post("/api/workloads", "")).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN, "{body}");
    assert!(body.contains("one-time password"), "{body}");
    let (res, page) = get(&app, "/account").await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(page.contains("first-password"), "the account page says why");

    let change = format!(
        "current={}&new=carols+own+password&repeat=carols+own+password",
        ebb::server::auth::gate::urlencode(&one_time)
    );
    let (res, body) = send(&app, api_post("/api/change_password", change)).await;
    assert_eq!(res.status(), StatusCode::OK, "{body}");
    let (res, _) = get(&app, "/policies").await;
    assert_eq!(res.status(), StatusCode::OK, "everything opens now");
    let (res, _) = send(&anon, login_form("carol", &one_time, "/")).await;
    assert!(
        location(&res).contains("error=failed"),
        "the one-time password is gone"
    );
}

#[tokio::test]
async fn a_failed_sign_in_is_recorded_as_anonymous_with_the_name_tried() {
    let (state, _dir) = state().await;
    let app = as_browser(router(&state), None);
    let long = format!("=HYPERLINK(\"x\"){}", "a".repeat(60));
    send(&app, login_form(&long, "wrong", "/")).await;
    let (actor, comment): (String, String) =
        sqlx::query_as("SELECT actor, comment FROM audit_log WHERE action = 'login.failure'")
            .fetch_one(state.store().pool())
            .await
            .expect("entry");
    assert_eq!(actor, ebb::server::store::accounts::ANONYMOUS);
    assert!(comment.contains("=HYPERLINK"), "the name tried: {comment}");
    assert!(comment.ends_with('…'), "shortened: {comment}");
    assert!(comment.chars().count() < 120, "{comment}");
}

#[tokio::test]
async fn malformed_history_filters_are_refused_naming_the_field() {
    let (state, _dir) = state().await;
    let sid = session_for(&state, "alice", Role::Viewer).await;
    let app = as_browser(router(&state), Some(sid));
    for (query, field) in [
        ("workload=abc", "workload"),
        ("direction=sideways", "direction"),
        ("from=yesterday", "from"),
        ("outcome=applied&to=2026-02-30T00:00", "to"),
    ] {
        let (res, page) = get(&app, &format!("/history?{query}")).await;
        assert_eq!(res.status(), StatusCode::BAD_REQUEST, "{query}");
        assert!(
            page.contains(&format!("Filter &#x27;{field}&#x27;"))
                || page.contains(&format!("Filter '{field}'")),
            "{query}: the page names the field"
        );
        let (res, text) = get(&app, &format!("/history/export.csv?{query}")).await;
        assert_eq!(res.status(), StatusCode::BAD_REQUEST, "{query}");
        assert!(text.contains(&format!("'{field}'")), "{query}: {text}");
    }
    let bad = "filter[direction]=sideways";
    let (res, body) = send(&app, api_post("/api/decisions", bad)).await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST, "{body}");
    assert!(body.contains("direction"), "{body}");
    let (res, _) = get(&app, "/history?direction=up&from=2026-12-01T00:35").await;
    assert_eq!(res.status(), StatusCode::OK, "good filters still work");
}

#[tokio::test]
async fn signing_out_needs_no_body() {
    let (state, _dir) = state().await;
    let sid = session_for(&state, "alice", Role::Viewer).await;
    let app = as_browser(router(&state), Some(sid.clone()));
    let req = Request::post("/logout").body(Body::empty()).expect("req");
    let (res, _) = send(&app, req).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert!(location(&res).starts_with("/login"));
    let live = state
        .store()
        .session_user(&digest(&sid), Utc::now(), chrono::Duration::hours(1))
        .await
        .expect("lookup");
    assert!(live.is_none(), "the session ended");
}

#[tokio::test]
async fn a_sign_in_posted_from_another_site_is_refused() {
    let (state, _dir) = state().await;
    session_for(&state, "alice", Role::Viewer).await;
    let app = router(&state);
    let with = |headers: &[(&'static str, &str)]| {
        let mut req = login_form("alice", PASSWORD, "/");
        for (k, v) in headers {
            req.headers_mut().insert(*k, v.parse().expect("header"));
        }
        req
    };
    for headers in [
        vec![("host", "localhost"), ("origin", "http://evil.example")],
        vec![("host", "localhost"), ("sec-fetch-site", "cross-site")],
        vec![("host", "localhost")],
    ] {
        let (res, _) = send(&app, with(&headers)).await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN, "{headers:?}");
        assert!(session_cookie(&res).is_none());
    }
    let (res, _) = send(
        &app,
        with(&[("host", "localhost"), ("origin", "http://localhost")]),
    )
    .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert!(
        session_cookie(&res).is_some(),
        "a sign-in from this site works"
    );
}

#[tokio::test]
async fn the_origin_check_compares_scheme_and_trusts_the_public_url_over_host() {
    let write = |origin: &str, host: &str| {
        let mut req = api_post("/api/create_token", "name=x");
        req.headers_mut()
            .insert(header::ORIGIN, origin.parse().expect("origin"));
        req.headers_mut()
            .insert(header::HOST, host.parse().expect("host"));
        req
    };
    let (state, _dir) = state().await;
    let sid = session_for(&state, "alice", Role::Viewer).await;
    let app = as_browser(router(&state), Some(sid));
    let (res, _) = send(&app, write("https://localhost", "localhost")).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN, "another scheme");
    let (res, _) = send(&app, write("http://localhost", "localhost")).await;
    assert_eq!(res.status(), StatusCode::OK, "the same origin");

    let (state, _dir) = state_with(&["--public-url", "https://ebb.example.com"]).await;
    let sid = session_for(&state, "alice", Role::Viewer).await;
    let app = as_browser(router(&state), Some(sid));
    let (res, _) = send(&app, write("http://evil.example", "evil.example")).await;
    assert_eq!(
        res.status(),
        StatusCode::FORBIDDEN,
        "a Host the attacker chose does not vouch for their origin"
    );
    let (res, _) = send(&app, write("http://ebb.example.com", "ebb.example.com")).await;
    assert_eq!(
        res.status(),
        StatusCode::FORBIDDEN,
        "http is not the public https"
    );
    let (res, body) = send(&app, write("https://ebb.example.com", "internal-name:3000")).await;
    assert_eq!(res.status(), StatusCode::OK, "the public origin: {body}");
}
