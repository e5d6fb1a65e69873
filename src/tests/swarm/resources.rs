//! Resources from the workload form on a real Swarm service, through the server function: the
//! values land in the service spec's reservations and limits; a `docker service update` of
//! something else between our observation and our write is kept; a concurrent change of the
//! resources themselves is reported, not overwritten.

use std::sync::Arc;

use axum::http::StatusCode;
use bollard::models::ServiceSpec;
use ebb::model::auth::Role;
use ebb::model::resources::ResourcesView;

use super::rig::{backend, create, docker, other_update, socket, spec, wait_ready, Svc};
use crate::support::{api_post, send, signed_in, state, MeddleBeforeWrite};

/// Posts the form for workload `id` with `fields` (cpu request/limit, memory request/limit).
async fn submit(app: &axum::Router, id: i64, fields: [&str; 4]) -> (StatusCode, String) {
    let [cr, cl, mr, ml] = fields;
    let body = format!(
        "workload_id={id}&cpu_request={cr}&cpu_limit={cl}&memory_request={mr}&memory_limit={ml}&fingerprint="
    );
    let (res, text) = send(app, api_post("/api/set_resources", body)).await;
    (res.status(), text)
}

fn task_resources(s: &ServiceSpec) -> (Option<i64>, Option<i64>, Option<i64>, Option<i64>) {
    let r = s.task_template.as_ref().and_then(|t| t.resources.as_ref());
    let res = r.and_then(|r| r.reservations.as_ref());
    let lim = r.and_then(|r| r.limits.as_ref());
    (
        res.and_then(|r| r.nano_cpus),
        lim.and_then(|l| l.nano_cpus),
        res.and_then(|r| r.memory_bytes),
        lim.and_then(|l| l.memory_bytes),
    )
}

fn env_of(s: &ServiceSpec) -> Option<Vec<String>> {
    s.task_template
        .as_ref()
        .and_then(|t| t.container_spec.as_ref())
        .and_then(|c| c.env.clone())
}

#[tokio::test]
async fn swarm_resources_from_the_form_reach_the_service_and_keep_other_changes() {
    let Some(sock) = socket("swarm resources") else {
        return;
    };
    let d = docker(&sock).await;
    create(&d, &Svc::new("sw-r")).await;
    wait_ready(&backend(&sock, ""), "sw-r", 1, 60).await;

    let (state, _dir) = state().await;
    let now = chrono::Utc::now();
    let settings = serde_json::json!({ "socket": sock, "label": "" }).to_string();
    let bid = state
        .store()
        .register_backend("swarm", "swarm", &settings, "test", now)
        .await
        .expect("backend");
    let wid = state
        .store()
        .insert_workload(bid, "sw-r", None, 15, "{}", now)
        .await
        .expect("workload");
    // Another operator's `docker service update` right before our first write.
    let other = d.clone();
    let meddled = MeddleBeforeWrite::new(Arc::new(backend(&sock, "")), async move {
        other_update(&other, "sw-r", |s| {
            let c = s
                .task_template
                .as_mut()
                .and_then(|t| t.container_spec.as_mut())
                .expect("container");
            c.env = Some(vec!["ADDED_BY_SOMEONE=1".into()]);
        })
        .await
    });
    state.backends().insert(bid, meddled);
    let app = signed_in(&state, "ed", Role::Editor).await;

    let (status, text) = submit(&app, wid, ["0.25", "0.5", "64M", "256M"]).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    let view: ResourcesView = serde_json::from_str(&text).expect("view");
    assert_eq!(view.resources.cpu_limit, Some(0.5));
    let now = spec(&d, "sw-r").await;
    assert_eq!(
        task_resources(&now),
        (
            Some(250_000_000),
            Some(500_000_000),
            Some(64 << 20),
            Some(256 << 20)
        ),
        "reservations and limits in the service spec"
    );
    assert_eq!(
        env_of(&now),
        Some(vec!["ADDED_BY_SOMEONE=1".to_string()]),
        "the other operator's change is kept"
    );
    let audited: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_log WHERE action = 'workload.set_resources'",
    )
    .fetch_one(state.store().pool())
    .await
    .expect("audit");
    assert_eq!(audited, 1);

    // Someone changes the reservation itself between our observation and our write: theirs
    // stays, ours is refused with what the values are now.
    let other = d.clone();
    state.backends().insert(
        bid,
        MeddleBeforeWrite::new(Arc::new(backend(&sock, "")), async move {
            other_update(&other, "sw-r", |s| {
                let res = s
                    .task_template
                    .as_mut()
                    .and_then(|t| t.resources.as_mut())
                    .and_then(|r| r.reservations.as_mut())
                    .expect("reservations");
                res.nano_cpus = Some(300_000_000);
            })
            .await
        }),
    );
    let (status, text) = submit(&app, wid, ["0.4", "0.5", "64M", "256M"]).await;
    assert_eq!(status, StatusCode::CONFLICT, "{text}");
    assert!(text.contains("CPU reservation 0.3"), "{text}");
    assert_eq!(task_resources(&spec(&d, "sw-r").await).0, Some(300_000_000));
    let _ = d.delete_service("sw-r").await;
}
