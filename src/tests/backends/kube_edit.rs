//! Editing a Kubernetes backend through the real router (no cluster needed: a backend
//! connects on its first call): the form gets everything but the secrets; an empty token or CA
//! keeps the one set, a pasted one replaces it and the old file goes once the change is
//! stored; `none` removes the CA; switching to a kubeconfig removes the files ebb wrote; bad
//! input, the wrong kind and the wrong role change nothing.

use std::path::Path;

use axum::http::StatusCode;
use ebb::model::auth::Role;
use ebb::model::backends::BackendInfo;
use ebb::server::orchestrator::kubernetes::settings::{Connection, KubeSettings};

use super::super::support::{signed_in, state};
use super::{admin, audit_count, post};

const CA: &str = "-----BEGIN CERTIFICATE-----\nMIIBcluster\n-----END CERTIFICATE-----";

async fn stored(state: &ebb::server::state::AppState, id: i64) -> (String, KubeSettings) {
    let b = state
        .store()
        .backend(id)
        .await
        .expect("read")
        .expect("backend");
    (
        b.name,
        KubeSettings::from_json(&b.settings).expect("settings"),
    )
}

fn files(s: &KubeSettings) -> (String, Option<String>) {
    match &s.connection {
        Connection::Url {
            token_file,
            ca_file,
            ..
        } => (token_file.clone(), ca_file.clone()),
        other => panic!("not a URL connection: {other:?}"),
    }
}

#[tokio::test]
async fn a_kubernetes_backend_is_edited_in_place_keeping_secrets_left_empty() {
    let (state, dir) = state().await;
    let app = admin(&state).await;
    let (status, text) = post(
        &app,
        "/api/register_kubernetes",
        &[
            ("name", "cluster"),
            ("connection", "url"),
            ("url", "https://api.cluster.example:6443"),
            ("token", "first-token"),
            ("ca", CA),
            ("namespaces", "shop"),
            ("label", "ebb.io/enabled=true"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{text}");
    let id: i64 = text.trim().parse().expect("id");
    let id_s = id.to_string();
    let (_, first) = stored(&state, id).await;
    let (token1, ca1) = files(&first);
    let ca1 = ca1.expect("a CA file");

    // The page's view: the connection and scope, whether secrets are set, never their paths.
    let (status, listed) = post(&app, "/api/backends", &[]).await;
    assert_eq!(status, StatusCode::OK, "{listed}");
    assert!(
        !listed.contains(&token1) && !listed.contains("first-token"),
        "{listed}"
    );
    let infos: Vec<BackendInfo> = serde_json::from_str(&listed).expect("backends");
    let kube = infos[0]
        .kube
        .clone()
        .expect("kubernetes settings for the form");
    assert_eq!(
        (
            kube.connection.as_str(),
            kube.url.as_str(),
            kube.token,
            kube.ca
        ),
        ("url", "https://api.cluster.example:6443", true, true)
    );
    assert_eq!(kube.namespaces, "shop");

    let edit = |name: &'static str,
                token: &'static str,
                ca: &'static str,
                ns: &'static str|
     -> Vec<(&'static str, String)> {
        vec![
            ("id", id_s.clone()),
            ("name", name.to_string()),
            ("connection", "url".to_string()),
            ("url", "https://api.cluster.example:6443/".to_string()),
            ("token", token.to_string()),
            ("ca", ca.to_string()),
            ("namespaces", ns.to_string()),
            ("label", "team=shop".to_string()),
        ]
    };
    let send = |pairs: Vec<(&'static str, String)>| {
        let app = app.clone();
        async move {
            let pairs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
            post(&app, "/api/update_kubernetes", &pairs).await
        }
    };

    // Scope and name change; the empty token and CA fields keep their files.
    let (status, text) = send(edit("prod", "", "", "shop, payments")).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    let (name, s) = stored(&state, id).await;
    assert_eq!(name, "prod");
    assert_eq!(s.namespaces, ["shop", "payments"]);
    assert_eq!(s.label, "team=shop");
    assert_eq!(files(&s), (token1.clone(), Some(ca1.clone())));
    assert!(Path::new(&token1).is_file() && Path::new(&ca1).is_file());
    assert_eq!(audit_count(&state, "backend.update").await, 1);

    // Bad input names its field; nothing changes, no file is written or removed.
    for (pairs, field) in [
        (edit("prod", "two words", "", "shop"), "token"),
        (edit("prod", "", "", "Not_A_Namespace"), "namespaces"),
        (edit("bad name!", "", "", "shop"), "name"),
    ] {
        let (status, text) = send(pairs).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{field}: {text}");
        assert!(text.contains(field), "{field}: {text}");
    }
    // A token path is never one of ebb's own files, nor a file that is not a token: their
    // contents would go to the API server as a bearer token.
    let own = dir.path().join("some-secret");
    std::fs::write(&own, "s3cr3t").expect("own file");
    let elsewhere = tempfile::tempdir().expect("dir");
    let not_token = elsewhere.path().join("notes");
    std::fs::write(&not_token, "{\"password\":\"x\"}").expect("file");
    for (path, says) in [
        (own.display().to_string(), "ebb's own files"),
        (
            not_token.display().to_string(),
            "characters no bearer token has",
        ),
    ] {
        let mut pairs = edit("prod", "", "", "shop");
        pairs[4].1 = path;
        let (status, text) = send(pairs).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{text}");
        assert!(text.contains(says), "{text}");
    }
    assert_eq!(
        stored(&state, id).await.1,
        s,
        "a refused edit changes nothing"
    );
    assert_eq!(audit_count(&state, "backend.update").await, 1);

    // A new token replaces the old file once stored; `none` drops the CA and its file.
    let (status, text) = send(edit("prod", "second-token", "none", "shop")).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    let (_, s) = stored(&state, id).await;
    let (token2, ca2) = files(&s);
    assert_ne!(token2, token1);
    assert_eq!(ca2, None);
    assert_eq!(
        std::fs::read_to_string(&token2).expect("new token file"),
        "second-token"
    );
    assert!(
        !Path::new(&token1).exists() && !Path::new(&ca1).exists(),
        "files no longer used are removed"
    );

    // Switching to a kubeconfig keeps what was taken over and removes the token file.
    let kubeconfig = dir.path().join("kubeconfig");
    std::fs::write(&kubeconfig, "apiVersion: v1\nkind: Config\n").expect("kubeconfig");
    let path = kubeconfig.display().to_string();
    let (status, text) = post(
        &app,
        "/api/update_kubernetes",
        &[
            ("id", &id_s),
            ("name", "prod"),
            ("connection", "kubeconfig"),
            ("kubeconfig", &path),
            ("context", "admin@prod"),
            ("namespaces", ""),
            ("label", ""),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{text}");
    let (_, s) = stored(&state, id).await;
    assert_eq!(
        s.connection,
        Connection::Kubeconfig {
            path: path.clone(),
            context: "admin@prod".into()
        }
    );
    assert!(s.namespaces.is_empty() && s.label.is_empty());
    assert!(
        !Path::new(&token2).exists(),
        "the token file ebb wrote is gone"
    );

    // Editors may not; a Swarm backend is not edited by this form.
    let editor = signed_in(&state, "ed", Role::Editor).await;
    let (status, _) = post(
        &editor,
        "/api/update_kubernetes",
        &[
            ("id", &id_s),
            ("name", "mine"),
            ("connection", "in_cluster"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, text) = post(
        &app,
        "/api/register_swarm",
        &[
            ("name", "swarm"),
            ("socket", "/var/run/docker.sock"),
            ("host", ""),
            ("ca", ""),
            ("cert", ""),
            ("key", ""),
            ("label", ""),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{text}");
    let (status, text) = post(
        &app,
        "/api/update_kubernetes",
        &[
            ("id", text.trim()),
            ("name", "swarm"),
            ("connection", "in_cluster"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{text}");
    assert_eq!(stored(&state, id).await.0, "prod");
}
