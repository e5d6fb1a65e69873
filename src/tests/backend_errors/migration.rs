//! Migration 7 rewrites the backend error texts stored before it (decision errors, BackendError
//! sentences, workloads' last errors) to the classes the controller now writes, and leaves
//! ebb's own texts alone.

use std::time::Duration;

use ebb::server::config::DatabaseUrl;
use ebb::server::controller::tick::backend_sentence;
use ebb::server::orchestrator::fault::Fault;
use ebb::server::store::{migrate, Store};
use sqlx::migrate::Migrator;

use super::SECRET;

/// The schema as it was before migration 7: the real files numbered below it.
async fn before_seven(dir: &std::path::Path) -> Migrator {
    let real = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations/sqlite");
    std::fs::create_dir_all(dir).expect("dir");
    for entry in std::fs::read_dir(&real).expect("migrations") {
        let path = entry.expect("entry").path();
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("")
            .to_string();
        let version: u32 = name
            .split('_')
            .next()
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        if version < 7 {
            std::fs::copy(&path, dir.join(&name)).expect("copy");
        }
    }
    Migrator::new(dir).await.expect("migrator")
}

/// (reason, outcome, error, sentence) of the rows stored before.
fn old_rows() -> Vec<(&'static str, &'static str, Option<String>, String)> {
    let unreachable = format!(
        "backend unreachable: cannot talk to Docker at tcp://10.1.2.3:2376: {SECRET}; is dockerd \
         running and is this the right address?"
    );
    let answered =
        format!("rejected by the backend: list of services: Docker answered 502: {SECRET}");
    let sentence =
        |e: &str, n: u32| format!("Could not reach the backend ({e}); holding, next try in {n} s.");
    vec![
        (
            "BackendError",
            "error",
            Some(unreachable.clone()),
            sentence(&unreachable, 30),
        ),
        (
            "BackendError",
            "error",
            Some(answered.clone()),
            sentence(&answered, 120),
        ),
        (
            "BelowMin",
            "failed",
            Some(format!(
                "rejected by the backend: service web: Docker answered 401: {SECRET}"
            )),
            "Scale up to 3: below the minimum.".into(),
        ),
        (
            "BelowMin",
            "failed",
            Some(format!(
                "rejected by the backend: the TLS files for tcp://h:1 cannot be used: {SECRET}"
            )),
            "Scale up to 3: below the minimum.".into(),
        ),
        (
            "BelowMin",
            "superseded",
            Some("the process stopped before this action completed; re-evaluated afresh".into()),
            "Scale up to 3: below the minimum.".into(),
        ),
        (
            "InstanceFailures",
            "error",
            None,
            "2 instance failure(s) since 10:00:00 UTC".into(),
        ),
    ]
}

#[tokio::test]
async fn stored_backend_error_texts_are_rewritten_to_their_classes() {
    let dir = tempfile::tempdir().expect("tmp");
    let url = DatabaseUrl::SqliteFile(dir.path().join("m.db"));
    let store = Store::connect(&url).await.expect("connect");
    let old = before_seven(&dir.path().join("old")).await;
    migrate(store.pool(), &old).await.expect("old schema");
    let pool = store.pool();
    let exec = |sql: &'static str| async move {
        sqlx::query(sql).execute(pool).await.expect(sql);
    };
    exec("INSERT INTO backends (id, name, kind, created_at) VALUES (1, 'b', 'swarm', 't')").await;
    exec("INSERT INTO workloads (id, backend_id, name, created_at) VALUES (1, 1, 'web', 't'), (2, 1, 'api', 't')").await;
    for (reason, outcome, error, sentence) in old_rows() {
        sqlx::query(
            "INSERT INTO decisions (workload_id, at, current_replicas, desired_replicas, direction,
                reason, sentence, outcome, error) VALUES (1, 't', 1, 1, 'none', ?, ?, ?, ?)",
        )
        .bind(reason)
        .bind(sentence)
        .bind(outcome)
        .bind(error)
        .execute(pool)
        .await
        .expect("decision");
    }
    let notes = "service api has no CPU reservation: set one with docker service update";
    for (id, last_error) in [
        (1, format!("concurrent change: {SECRET}")),
        (2, notes.to_string()),
    ] {
        sqlx::query(
            "INSERT INTO workload_status (workload_id, last_error, updated_at) VALUES (?, ?, 't')",
        )
        .bind(id)
        .bind(last_error)
        .execute(pool)
        .await
        .expect("status");
    }

    let real =
        Migrator::new(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations/sqlite"))
            .await
            .expect("real migrator");
    assert!(migrate(pool, &real).await.expect("migration 7") >= 1);

    let rows: Vec<(Option<String>, String)> =
        sqlx::query_as("SELECT error, sentence FROM decisions ORDER BY id")
            .fetch_all(pool)
            .await
            .expect("rows");
    let s = |f: Fault, n: u64| backend_sentence(f, Duration::from_secs(n));
    let want: Vec<(Option<String>, String)> = vec![
        (Some("unreachable".into()), s(Fault::Unreachable, 30)),
        (Some("HTTP status 502".into()), s(Fault::Status(502), 120)),
        (
            Some("auth".into()),
            "Scale up to 3: below the minimum.".into(),
        ),
        (
            Some("TLS".into()),
            "Scale up to 3: below the minimum.".into(),
        ),
        (old_rows()[4].2.clone(), old_rows()[4].3.clone()),
        (None, old_rows()[5].3.clone()),
    ];
    assert_eq!(rows, want);
    let status: Vec<Option<String>> =
        sqlx::query_scalar("SELECT last_error FROM workload_status ORDER BY workload_id")
            .fetch_all(pool)
            .await
            .expect("status");
    assert_eq!(
        status,
        [
            Some(format!("backend {}", Fault::Conflict.describe())),
            Some(notes.to_string())
        ]
    );
}
