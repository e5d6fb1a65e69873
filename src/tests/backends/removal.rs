//! Removing a backend through the real router: with workloads it is removed only when its
//! name is typed, and then with all of its workloads' history, in one audited transaction;
//! the controller's sync rebuilds edited backends and drops removed ones.

use std::sync::Arc;

use axum::http::StatusCode;
use ebb::server::clock::{Clock, TokioClock};
use ebb::server::controller::Controller;
use ebb::server::orchestrator::simulator::{SimWorkloadSpec, SimulatorBackend};
use ebb::server::state::AppState;
use ebb::server::store::policies::Authorship;

use super::{admin, audit_count, post};
use crate::support::{cpu_policy, state};

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
