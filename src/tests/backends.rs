//! Editing and removing backends through the real router: an edit keeps the TLS files whose
//! fields are left empty (and never sends them back), replaces pasted ones without touching
//! the old files until the change is stored, and reaches the running controller's registry;
//! bad input changes nothing. A backend with workloads is removed only when its name is typed,
//! and then with all of its workloads' history, in one audited transaction. The controller's
//! sync rebuilds edited backends and drops removed ones.

use std::path::Path;
use std::sync::Arc;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use axum::Router;
use ebb::model::auth::Role;
use ebb::model::backends::BackendInfo;
use ebb::server::clock::{Clock, TokioClock};
use ebb::server::controller::Controller;
use ebb::server::orchestrator::simulator::{SimWorkloadSpec, SimulatorBackend};
use ebb::server::orchestrator::swarm::SwarmSettings;
use ebb::server::state::AppState;
use ebb::server::store::policies::Authorship;

use super::support::{as_browser, cpu_policy, send, session_for, state};

const PEM: &str = "-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----";
const KEY: &str = "-----BEGIN PRIVATE KEY-----\nMIIEsecret\n-----END PRIVATE KEY-----";
const KEY2: &str = "-----BEGIN PRIVATE KEY-----\nMIIEother\n-----END PRIVATE KEY-----";

async fn admin(state: &AppState) -> Router {
    let cookie = session_for(state, "root", Role::Admin).await;
    let router = ebb::server::http::router(state.clone(), std::time::Duration::from_secs(10));
    as_browser(router, Some(cookie))
}

fn enc(v: &str) -> String {
    v.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn form(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{k}={}", enc(v)))
        .collect::<Vec<_>>()
        .join("&")
}

async fn post(app: &Router, path: &str, pairs: &[(&str, &str)]) -> (StatusCode, String) {
    let req = Request::post(path)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ACCEPT, "application/json")
        .body(Body::from(form(pairs)))
        .expect("request");
    let (res, text) = send(app, req).await;
    (res.status(), text)
}

async fn stored(state: &AppState, id: i64) -> (String, SwarmSettings) {
    let b = state
        .store()
        .backend(id)
        .await
        .expect("read")
        .expect("backend");
    let s = SwarmSettings::from_json(&b.settings).expect("settings");
    (b.name, s)
}

async fn audit_count(state: &AppState, action: &str) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action = ?")
        .bind(action)
        .fetch_one(state.store().pool())
        .await
        .expect("count")
}

/// A form body as (field, value) pairs.
type Form<'a> = Vec<(&'a str, &'a str)>;

fn edit<'a>(id: &'a str, name: &'a str, host: &'a str, tls: [&'a str; 3]) -> Form<'a> {
    vec![
        ("id", id),
        ("name", name),
        ("socket", ""),
        ("host", host),
        ("ca", tls[0]),
        ("cert", tls[1]),
        ("key", tls[2]),
        ("label", ""),
    ]
}

#[tokio::test]
async fn an_edit_keeps_tls_files_left_empty_and_never_sends_them_back() {
    let (state, dir) = state().await;
    let app = admin(&state).await;
    let (status, text) = post(
        &app,
        "/api/register_swarm",
        &[
            ("name", "prod"),
            ("socket", ""),
            ("host", "tcp://10.0.0.5:2376"),
            ("ca", PEM),
            ("cert", PEM),
            ("key", KEY),
            ("label", "ebb.enable=true"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{text}");
    let id: i64 = text.trim().parse().expect("id");
    let id_s = id.to_string();
    let (_, first) = stored(&state, id).await;
    let tls = first.tls.clone().expect("tls files");
    let tls_dir = dir.path().join("backend-tls");
    assert!(
        Path::new(&tls.key).starts_with(&tls_dir),
        "pasted key saved beside the database: {}",
        tls.key
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&tls.key)
            .expect("key file")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "readable by ebb only");
    }
    assert!(
        state.backends().get(id).is_some(),
        "handed to the controller at once"
    );

    // Host and label change; TLS fields left empty keep the files.
    let (status, text) = post(
        &app,
        "/api/update_swarm",
        &edit(&id_s, "prod-eu", "tcp://10.0.0.6:2376", ["", "", ""]),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{text}");
    let (name, now) = stored(&state, id).await;
    assert_eq!(name, "prod-eu");
    assert_eq!(now.host.as_deref(), Some("tcp://10.0.0.6:2376"));
    assert_eq!(now.label, "");
    assert_eq!(now.tls, first.tls, "files kept");
    assert!(Path::new(&tls.key).exists());
    let json = state
        .store()
        .backend(id)
        .await
        .expect("r")
        .expect("b")
        .settings;
    assert!(
        !state.backends().is_stale(id, &json),
        "the registry runs the new settings"
    );
    assert_eq!(audit_count(&state, "backend.update").await, 1);

    // The page data says TLS is set, and nothing more.
    let (status, text) = post(&app, "/api/backends", &[]).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    assert!(
        !text.contains("BEGIN") && !text.contains("backend-tls"),
        "{text}"
    );
    let list: Vec<BackendInfo> = serde_json::from_str(&text).expect("list");
    assert!(list
        .iter()
        .any(|b| b.id == id && b.tls && b.host == "tcp://10.0.0.6:2376"));

    // A new pasted key replaces only the key; the old key file is removed once stored.
    let (status, text) = post(
        &app,
        "/api/update_swarm",
        &edit(&id_s, "prod-eu", "tcp://10.0.0.6:2376", ["", "", KEY2]),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{text}");
    let (_, now) = stored(&state, id).await;
    let new_tls = now.tls.clone().expect("tls");
    assert_eq!((&new_tls.ca, &new_tls.cert), (&tls.ca, &tls.cert));
    assert_ne!(new_tls.key, tls.key);
    assert!(!Path::new(&tls.key).exists(), "the replaced key is gone");
    assert!(std::fs::read_to_string(&new_tls.key)
        .expect("new key")
        .contains("MIIEother"));

    // Nothing in the audit trail holds key material.
    let afters: Vec<Option<String>> = sqlx::query_scalar("SELECT after FROM audit_log")
        .fetch_all(state.store().pool())
        .await
        .expect("audit");
    assert!(afters.iter().flatten().all(|a| !a.contains("BEGIN")));

    // Switching to a socket drops TLS and the files ebb wrote.
    let mut to_socket = edit(&id_s, "prod-eu", "", ["", "", ""]);
    to_socket[2] = ("socket", "/run/docker.sock");
    let (status, text) = post(&app, "/api/update_swarm", &to_socket).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    let (_, now) = stored(&state, id).await;
    assert_eq!(
        (now.socket.as_deref(), now.tls.as_ref()),
        (Some("/run/docker.sock"), None)
    );
    assert!(!Path::new(&new_tls.key).exists() && !Path::new(&tls.ca).exists());
}

#[tokio::test]
async fn a_refused_edit_changes_nothing() {
    let (state, _dir) = state().await;
    let app = admin(&state).await;
    let now = chrono::Utc::now();
    let settings = r#"{"host":"tcp://10.0.0.5:2376","label":"ebb.enable=true"}"#;
    let id = state
        .store()
        .register_backend("prod", "swarm", settings, "t", now)
        .await
        .expect("backend");
    let sim = state
        .store()
        .insert_backend("sim", "simulator", "{}", now)
        .await
        .expect("sim");
    let id_s = id.to_string();
    let audits = audit_count(&state, "backend.update").await;
    let cases: Vec<(&str, Form, &str)> = vec![
        (
            "bad host",
            edit(&id_s, "prod", "nonsense", ["", "", ""]),
            "host",
        ),
        (
            "name taken",
            edit(&id_s, "sim", "tcp://10.0.0.5:2376", ["", "", ""]),
            "name",
        ),
        (
            "bad name",
            edit(&id_s, "no spaces", "tcp://10.0.0.5:2376", ["", "", ""]),
            "name",
        ),
        (
            "half the TLS files",
            edit(&id_s, "prod", "tcp://10.0.0.5:2376", [PEM, "", ""]),
            "cert",
        ),
        (
            "unreadable TLS path",
            edit(
                &id_s,
                "prod",
                "tcp://10.0.0.5:2376",
                ["/nope/ca.pem", "/nope/c.pem", "/nope/k.pem"],
            ),
            "tls",
        ),
    ];
    for (what, pairs, field) in cases {
        let (status, text) = post(&app, "/api/update_swarm", &pairs).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{what}: {text}");
        let err: ebb::model::ApiError = serde_json::from_str(&text).expect("api error");
        assert!(err.field(field).is_some(), "{what}: {err:?}");
        assert_eq!(
            state
                .store()
                .backend(id)
                .await
                .expect("r")
                .expect("b")
                .settings,
            settings,
            "{what} changed the settings"
        );
    }
    let mut tls_on_socket = edit(&id_s, "prod", "", [PEM, PEM, KEY]);
    tls_on_socket[2] = ("socket", "/run/docker.sock");
    let (status, _) = post(&app, "/api/update_swarm", &tls_on_socket).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, text) = post(
        &app,
        "/api/update_swarm",
        &edit(&sim.to_string(), "sim", "h:1", ["", "", ""]),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::CONFLICT,
        "the simulator has no settings: {text}"
    );
    let (status, _) = post(
        &app,
        "/api/update_swarm",
        &edit("999", "x", "h:1", ["", "", ""]),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(audit_count(&state, "backend.update").await, audits);
    // Refused edits leave no pasted key behind.
    let tls_dir = _dir.path().join("backend-tls");
    let left = std::fs::read_dir(&tls_dir).map(|d| d.count()).unwrap_or(0);
    assert_eq!(left, 0, "no files left in {}", tls_dir.display());
}

/// Counts of rows belonging to workload `id` in every table that holds its history.
async fn history_rows(state: &AppState, id: i64) -> i64 {
    let mut n = 0;
    for t in [
        "workloads",
        "workload_status",
        "decisions",
        "overrides",
        "load_samples",
        "instance_samples",
    ] {
        let col = if t == "workloads" {
            "id"
        } else {
            "workload_id"
        };
        let c: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {t} WHERE {col} = ?"))
            .bind(id)
            .fetch_one(state.store().pool())
            .await
            .expect("count");
        n += c;
    }
    n
}

#[tokio::test]
async fn a_backend_with_workloads_is_removed_only_when_its_name_is_typed() {
    let (state, _dir) = state().await;
    let app = admin(&state).await;
    let store = state.store().clone();
    let now = chrono::Utc::now();
    let who = Authorship {
        author: "t",
        comment: "",
        at: now,
    };
    let pid = store
        .create_policy("cpu", &cpu_policy(50.0, 5, 0), who)
        .await
        .expect("policy");
    let clock: Arc<dyn Clock> = Arc::new(TokioClock::new());
    let (live, _) = tokio::sync::broadcast::channel(8);
    let controller =
        Controller::with_registry(store.clone(), clock.clone(), live, state.backends().clone());
    // Two simulator backends with a workload each; one is removed, the other must stay whole.
    let mut ids = Vec::new();
    for name in ["doomed", "kept"] {
        let b = store
            .insert_backend(name, "simulator", "{}", now)
            .await
            .expect("backend");
        let spec = SimWorkloadSpec::default();
        let w = store
            .insert_workload(
                b,
                &format!("{name}-web"),
                Some(pid),
                15,
                &serde_json::to_string(&spec).expect("j"),
                now,
            )
            .await
            .expect("workload");
        let sim = Arc::new(SimulatorBackend::new(clock.clone()));
        sim.add_workload(&format!("{name}-web"), spec).expect("sim");
        controller.register_backend(b, sim);
        let row = store.workload(w).await.expect("r").expect("w");
        controller.evaluate(&row).await.expect("evaluate");
        store
            .create_override(
                w,
                "pin",
                Some(2),
                now + chrono::Duration::hours(1),
                "test",
                "t",
                now,
            )
            .await
            .expect("override");
        ids.push((b, w));
    }
    let [(doomed, doomed_w), (_, kept_w)] = [ids[0], ids[1]];
    let before = history_rows(&state, doomed_w).await;
    assert!(before >= 5, "the workload has history to lose: {before}");
    let kept_before = history_rows(&state, kept_w).await;

    let (status, text) = post(
        &app,
        "/api/remove_backend",
        &[("id", &doomed.to_string()), ("confirm", "")],
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{text}");
    assert!(
        text.contains("doomed-web") && text.contains("type the backend"),
        "{text}"
    );
    let (status, text) = post(
        &app,
        "/api/remove_backend",
        &[("id", &doomed.to_string()), ("confirm", "doome")],
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{text}");
    assert_eq!(
        history_rows(&state, doomed_w).await,
        before,
        "refused: nothing deleted"
    );
    assert_eq!(audit_count(&state, "backend.remove").await, 0);
    assert!(store.backend(doomed).await.expect("r").is_some());

    let (status, text) = post(
        &app,
        "/api/remove_backend",
        &[("id", &doomed.to_string()), ("confirm", "doomed")],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{text}");
    assert!(store.backend(doomed).await.expect("r").is_none());
    assert_eq!(
        history_rows(&state, doomed_w).await,
        0,
        "its workload's history went with it"
    );
    assert_eq!(
        history_rows(&state, kept_w).await,
        kept_before,
        "the other backend is untouched"
    );
    assert!(
        state.backends().get(doomed).is_none(),
        "the controller stops using it at once"
    );
    let audit: String =
        sqlx::query_scalar("SELECT before FROM audit_log WHERE action = 'backend.remove'")
            .fetch_one(store.pool())
            .await
            .expect("audit");
    let audit: serde_json::Value = serde_json::from_str(&audit).expect("json");
    assert_eq!(audit["name"], "doomed");
    assert_eq!(audit["workloads"][0]["name"], "doomed-web");
    assert!(
        audit["decisions_deleted"].as_i64().is_some_and(|n| n >= 1),
        "{audit}"
    );

    // Without workloads, no confirmation is needed.
    let empty = store
        .insert_backend("empty", "swarm", r#"{"socket":"/x.sock"}"#, now)
        .await
        .expect("b");
    let (status, text) = post(
        &app,
        "/api/remove_backend",
        &[("id", &empty.to_string()), ("confirm", "")],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{text}");
    let (status, _) = post(
        &app,
        "/api/remove_backend",
        &[("id", &empty.to_string()), ("confirm", "")],
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(audit_count(&state, "backend.remove").await, 2);
}

#[tokio::test]
async fn the_controller_sync_rebuilds_edited_backends_and_drops_removed_ones() {
    let (state, _dir) = state().await;
    let store = state.store().clone();
    let now = chrono::Utc::now();
    let clock: Arc<dyn Clock> = Arc::new(TokioClock::new());
    let (live, _) = tokio::sync::broadcast::channel(8);
    let controller =
        Controller::with_registry(store.clone(), clock.clone(), live, state.backends().clone());
    let id = store
        .register_backend("s", "swarm", r#"{"socket":"/a.sock"}"#, "t", now)
        .await
        .expect("b");
    ebb::server::backends::connect_missing(&controller, &store, clock.clone())
        .await
        .expect("sync");
    let first = controller.backend(id).expect("connected");
    ebb::server::backends::connect_missing(&controller, &store, clock.clone())
        .await
        .expect("sync");
    assert!(
        Arc::ptr_eq(&first, &controller.backend(id).expect("still")),
        "current: kept"
    );
    store
        .update_backend(id, "s", r#"{"socket":"/b.sock"}"#, "t", now)
        .await
        .expect("update");
    ebb::server::backends::connect_missing(&controller, &store, clock.clone())
        .await
        .expect("sync");
    let second = controller.backend(id).expect("reconnected");
    assert!(!Arc::ptr_eq(&first, &second), "edited settings: rebuilt");
    store
        .remove_backend(id, false, "t", now)
        .await
        .expect("remove");
    ebb::server::backends::connect_missing(&controller, &store, clock)
        .await
        .expect("sync");
    assert!(controller.backend(id).is_none(), "removed: dropped");
}

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
    let (_, page) = super::support::get(&app, &format!("/backends?test={id}")).await;
    let tested = panel(&page, id);
    assert!(
        tested.contains("test-result")
            && tested.contains("/tmp/ebb-test-missing.sock")
            && tested.contains("is dockerd running"),
        "{tested}"
    );
    assert!(!panel(&page, other).contains("test-result"));

    // Edit: the form opens in its panel with the stored values; an error comes back to it.
    let (_, page) = super::support::get(&app, &format!("/backends?edit={id}")).await;
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
    let (_, page) = super::support::get(&app, back.trim_start_matches("http://localhost")).await;
    assert!(
        panel(&page, id).contains("the socket path must be absolute"),
        "{page}"
    );

    let mut good = edit(&id_s, "found", "", ["", "", ""]);
    good[2] = ("socket", "/tmp/ebb-test-other.sock");
    let (res, _) = send(&app, html_post("/api/update_swarm", &good)).await;
    assert_eq!(res.headers()[header::LOCATION], "/backends");
    let (_, page) = super::support::get(&app, "/backends").await;
    assert!(
        panel(&page, id).contains("unix:///tmp/ebb-test-other.sock"),
        "edited"
    );

    // Remove: a confirmation step, then gone.
    let (_, page) = super::support::get(&app, &format!("/backends?remove={id}")).await;
    assert!(panel(&page, id).contains("Remove backend found?"), "{page}");
    let (res, _) = send(
        &app,
        html_post("/api/remove_backend", &[("id", &id_s), ("confirm", "")]),
    )
    .await;
    assert_eq!(res.headers()[header::LOCATION], "/backends");
    let (_, page) = super::support::get(&app, "/backends").await;
    assert!(
        !page.contains(&format!("id=\"backend-{id}\""))
            && page.contains(&format!("id=\"backend-{other}\""))
    );
}
