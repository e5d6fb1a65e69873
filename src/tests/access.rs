//! Who may do what: every mutating server function and endpoint tried with each role and with
//! no session. Forbidden is 403 (401 without a session) and writes nothing; garbage and
//! oversized input to login and to policy saves gets a 4xx, never a 500, and writes nothing.

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use axum::Router;
use ebb::model::auth::Role;

use super::support::{api_post, app_as, send};

/// (endpoint, form body, least role allowed)
const MUTATIONS: &[(&str, &str, Role)] = &[
    (
        "/api/create_override",
        "workload_id=1&kind=pin&replicas=3&minutes=5&reason=test&confirm_outside=yes",
        Role::Operator,
    ),
    ("/api/end_override", "workload_id=1&id=1", Role::Operator),
    (
        "/api/policy_submit",
        "op=save&name=p&comment=c&min_replicas=1&max_replicas=3",
        Role::Editor,
    ),
    (
        "/api/policy_rollback",
        "id=1&version=1&reason=test",
        Role::Editor,
    ),
    ("/api/add_user", "username=someone&role=viewer", Role::Admin),
    ("/api/update_user", "id=1&role=viewer", Role::Admin),
    (
        "/api/register_swarm",
        "name=s&socket=/nonexistent.sock&host=&ca=&cert=&key=&label=",
        Role::Admin,
    ),
    (
        "/api/update_swarm",
        "id=1&name=s&socket=/nonexistent.sock&host=&ca=&cert=&key=&label=",
        Role::Admin,
    ),
    ("/api/remove_backend", "id=1&confirm=", Role::Admin),
    (
        "/api/attach_policy",
        "backend_id=1&service=web&policy_id=1&interval=15",
        Role::Editor,
    ),
    (
        "/api/set_resources",
        "workload_id=1&cpu_request=1&cpu_limit=&memory_request=&memory_limit=&fingerprint=",
        Role::Editor,
    ),
    ("/api/create_token", "name=ci", Role::Viewer),
    (
        "/api/change_password",
        "current=x&new=y&repeat=y",
        Role::Viewer,
    ),
];

/// Rows of every table a mutation could write.
async fn written(app_db: &std::path::Path) -> i64 {
    let url = ebb::server::config::DatabaseUrl::SqliteFile(app_db.join("ebb.db"));
    let store = ebb::server::store::Store::connect(&url)
        .await
        .expect("connect");
    let mut total = 0;
    for t in [
        "audit_log",
        "backends",
        "workloads",
        "overrides",
        "policy_versions",
        "users",
        "api_tokens",
    ] {
        let n: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {t}"))
            .fetch_one(store.pool())
            .await
            .expect("count");
        total += n;
    }
    store.close().await;
    total
}

async fn status(app: &Router, path: &str, body: &str) -> StatusCode {
    send(app, api_post(path, body)).await.0.status()
}

#[tokio::test]
async fn every_mutation_is_refused_below_its_role_and_writes_nothing() {
    for role in [
        None,
        Some(Role::Viewer),
        Some(Role::Operator),
        Some(Role::Editor),
        Some(Role::Admin),
    ] {
        for (path, body, needed) in MUTATIONS {
            let (app, dir) = app_as(role).await;
            let allowed = role.is_some_and(|r| r.allows(*needed));
            let before = written(dir.path()).await;
            let (res, text) = send(&app, api_post(path, *body)).await;
            let got = res.status();
            let label = format!("{path} as {:?}", role.map(Role::name));
            if allowed {
                assert!(
                    got != StatusCode::UNAUTHORIZED && got != StatusCode::FORBIDDEN,
                    "{label}: {got}"
                );
                continue;
            }
            let want = if role.is_none() {
                StatusCode::UNAUTHORIZED
            } else {
                StatusCode::FORBIDDEN
            };
            assert_eq!(got, want, "{label}: {text}");
            assert_eq!(written(dir.path()).await, before, "{label} wrote something");
        }
    }
}

#[tokio::test]
async fn reads_need_a_session() {
    let (anon, _d) = app_as(None).await;
    let (viewer, _e) = app_as(Some(Role::Viewer)).await;
    for path in [
        "/api/workloads",
        "/api/decisions",
        "/api/audit",
        "/api/policies",
        "/api/status",
    ] {
        assert_eq!(
            status(&anon, path, "").await,
            StatusCode::UNAUTHORIZED,
            "{path}"
        );
        assert!(
            status(&viewer, path, "").await.is_success() || path == "/api/decisions",
            "{path}"
        );
    }
    let req = Request::get("/history/export.csv")
        .body(Body::empty())
        .expect("req");
    assert_eq!(send(&anon, req).await.0.status(), StatusCode::UNAUTHORIZED);
    let req = Request::get("/")
        .header(header::ACCEPT, "text/html")
        .body(Body::empty())
        .expect("req");
    let (res, _) = send(&anon, req).await;
    assert_eq!(
        res.status(),
        StatusCode::SEE_OTHER,
        "pages send strangers to the login page"
    );
    assert!(res.headers()[header::LOCATION]
        .to_str()
        .unwrap_or("")
        .starts_with("/login?next="));
}

#[tokio::test]
async fn cross_site_writes_are_refused() {
    let (app, dir) = app_as(Some(Role::Admin)).await;
    let before = written(dir.path()).await;
    let mut req = api_post("/api/create_token", "name=evil");
    req.headers_mut()
        .insert(header::ORIGIN, "http://evil.example".parse().expect("h"));
    assert_eq!(send(&app, req).await.0.status(), StatusCode::FORBIDDEN);
    assert_eq!(written(dir.path()).await, before);
}

/// A seeded generator of awkward strings: empty, huge, control characters, quotes, unicode.
fn garbage(i: u64) -> String {
    let mut x = i.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0xD1B5_4A32_D192_ED03;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let len = match i % 5 {
        0 => 0,
        1 => 1 + (next() % 16) as usize,
        2 => 200_000,
        _ => (next() % 3000) as usize,
    };
    let pieces = [
        "%",
        "&",
        "=",
        "\u{0}",
        "'",
        "\"",
        "<script>",
        "é",
        "💥",
        "[0]",
        "min_replicas",
        "-1",
        "1e309",
        "NaN",
        " ",
    ];
    (0..len)
        .map(|_| pieces[(next() % pieces.len() as u64) as usize])
        .collect::<String>()
        .chars()
        .take(len.max(1))
        .collect()
}

#[tokio::test]
async fn garbage_to_login_and_policy_saves_is_a_4xx_and_writes_nothing() {
    let (app, dir) = app_as(Some(Role::Admin)).await;
    let (anon, anon_dir) = app_as(None).await;
    for i in 0..60 {
        let g = garbage(i);
        let before = written(dir.path()).await;
        let got = status(
            &app,
            "/api/policy_submit",
            &format!("op=save&name={g}&comment={g}&min_replicas={g}&{g}"),
        )
        .await;
        // Garbage may also rename the operation (e.g. to a plain check, answered 200 with its
        // errors); whatever it became, it must not fail the server or store anything.
        assert!(
            !got.is_server_error(),
            "case {i}: policy save answered {got}"
        );
        assert_eq!(
            written(dir.path()).await,
            before,
            "case {i}: policy save wrote something"
        );
        let login_before = written(anon_dir.path()).await;
        let req = Request::post("/login")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(format!("username={g}&password={g}&{g}")))
            .expect("req");
        let got = send(&anon, req).await.0.status();
        assert!(
            got.is_client_error() || got.is_redirection(),
            "case {i}: login answered {got}"
        );
        let grew = written(anon_dir.path()).await - login_before;
        assert!(
            grew <= 1,
            "case {i}: a failed login adds at most its audit entry"
        );
    }
}

#[tokio::test]
async fn login_slows_down_per_account_and_says_nothing_about_names() {
    let (state, _dir) = super::support::state().await;
    // A clock that stands still, so the delay cannot run out during the test.
    let clock = ebb::server::clock::ManualClock::new(chrono::Utc::now());
    let sign_in = ebb::server::auth::sign_in::SignIn::new(Default::default())
        .with_clock(std::sync::Arc::new(clock));
    let state = state.with_sign_in(sign_in);
    super::support::session_for(&state, "alice", Role::Viewer).await;
    let router = ebb::server::http::router(state, std::time::Duration::from_secs(10));
    let app = super::support::as_browser(router, None);
    let attempt = |user: &str, pw: &str| {
        Request::post("/login")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(format!(
                "username={user}&password={pw}&next=/history"
            )))
            .expect("req")
    };
    let (res, _) = send(&app, attempt("alice", "test password 123")).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(res.headers()[header::LOCATION], "/history");
    let cookie = res.headers()[header::SET_COOKIE]
        .to_str()
        .expect("cookie")
        .to_string();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    let unknown = send(&app, attempt("nobody", "x")).await.0.headers()[header::LOCATION].clone();
    let wrong = send(&app, attempt("alice", "x")).await.0.headers()[header::LOCATION].clone();
    assert_eq!(
        unknown.to_str().ok().map(|s| s.replace("nobody", "")),
        wrong.to_str().ok().map(|s| s.replace("alice", "")),
        "same answer for unknown name and wrong password"
    );
    for _ in 0..5 {
        send(&app, attempt("alice", "wrong")).await;
    }
    let (res, _) = send(&app, attempt("alice", "test password 123")).await;
    let loc = res.headers()[header::LOCATION]
        .to_str()
        .expect("location")
        .to_string();
    assert!(
        loc.contains("error=wait&retry="),
        "delayed after failures even with the right password: {loc}"
    );
}

#[tokio::test]
async fn audit_entries_name_the_actor_and_the_client_address() {
    let (app, dir) = app_as(Some(Role::Viewer)).await;
    assert!(status(&app, "/api/create_token", "name=ci")
        .await
        .is_success());
    let url = ebb::server::config::DatabaseUrl::SqliteFile(dir.path().join("ebb.db"));
    let store = ebb::server::store::Store::connect(&url)
        .await
        .expect("connect");
    let (actor, address): (String, String) =
        sqlx::query_as("SELECT actor, address FROM audit_log WHERE action = 'token.create'")
            .fetch_one(store.pool())
            .await
            .expect("entry");
    assert_eq!(
        (actor.as_str(), address.as_str()),
        ("test-viewer", "192.0.2.7")
    );
    let rows = sqlx::query("UPDATE audit_log SET actor = 'x'")
        .execute(store.pool())
        .await;
    assert!(rows.is_err(), "the audit log refuses updates");
    let rows = sqlx::query("DELETE FROM audit_log")
        .execute(store.pool())
        .await;
    assert!(rows.is_err(), "the audit log refuses deletes");
}
