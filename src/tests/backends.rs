//! Editing backends through the real router: an edit keeps the TLS files whose fields are
//! left empty (and never sends them back), replaces pasted ones without touching the old files
//! until the change is stored, and reaches the running controller's registry; bad input
//! changes nothing. Removal is in `removal.rs`, the page without JavaScript in `page.rs`.

mod kube_edit;
mod page;
mod removal;

use std::path::Path;

use axum::http::StatusCode;
use axum::Router;
use ebb::model::auth::Role;
use ebb::model::backends::BackendInfo;
use ebb::server::orchestrator::swarm::SwarmSettings;
use ebb::server::state::AppState;

use super::support::{api_post, send, signed_in, state};

const PEM: &str = "-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----";
const KEY: &str = "-----BEGIN PRIVATE KEY-----\nMIIEsecret\n-----END PRIVATE KEY-----";
const KEY2: &str = "-----BEGIN PRIVATE KEY-----\nMIIEother\n-----END PRIVATE KEY-----";

pub async fn admin(state: &AppState) -> Router {
    signed_in(state, "root", Role::Admin).await
}

fn enc(v: &str) -> String {
    v.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

pub fn form(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{k}={}", enc(v)))
        .collect::<Vec<_>>()
        .join("&")
}

pub async fn post(app: &Router, path: &str, pairs: &[(&str, &str)]) -> (StatusCode, String) {
    let (res, text) = send(app, api_post(path, form(pairs))).await;
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

pub async fn audit_count(state: &AppState, action: &str) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action = ?")
        .bind(action)
        .fetch_one(state.store().pool())
        .await
        .expect("count")
}

/// A form body as (field, value) pairs.
pub type Form<'a> = Vec<(&'a str, &'a str)>;

pub fn edit<'a>(id: &'a str, name: &'a str, host: &'a str, tls: [&'a str; 3]) -> Form<'a> {
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
