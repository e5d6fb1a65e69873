//! Pins and the installation's replica cap (`--max-replicas-cap`): an operator pins only
//! within the policy's bounds, an editor outside them only with the confirmation (audited as
//! such), nobody above the cap; a policy above the cap cannot be saved; and the controller
//! never asks a backend for more than the cap, even with a stored policy or pin above it.

use std::sync::Arc;

use axum::http::StatusCode;
use axum::Router;
use chrono::Utc;
use ebb::model::auth::Role;
use ebb::model::ApiError;
use ebb::server::clock::ManualClock;
use ebb::server::controller::Controller;
use ebb::server::orchestrator::simulator::{DemandSpec, SimWorkloadSpec, SimulatorBackend};
use ebb::server::orchestrator::Orchestrator;
use ebb::server::state::AppState;

use super::support::{api_post, cpu_policy, send, signed_in, state_with, store_sim_web};

const CAP: u32 = 50;

/// A server with `--max-replicas-cap 50` and workload `web` whose policy is 2..=15.
struct Rig {
    state: AppState,
    workload: i64,
    _dir: tempfile::TempDir,
}

async fn rig() -> Rig {
    let (state, dir) = state_with(&["--max-replicas-cap", &CAP.to_string()]).await;
    let store = state.store();
    let now = Utc::now();
    let mut policy = cpu_policy(70.0, 15, 300);
    policy.min_replicas = 2;
    let (_, _, workload) = store_sim_web(store, &policy, 15, "{}", now).await;
    Rig {
        state,
        workload,
        _dir: dir,
    }
}

impl Rig {
    async fn as_role(&self, role: Role) -> Router {
        signed_in(&self.state, &format!("test-{}", role.name()), role).await
    }

    /// Pins `web` at `n` (with the confirmation when `confirm`): the id or the error.
    async fn pin(
        &self,
        app: &Router,
        n: u32,
        confirm: bool,
    ) -> Result<i64, (StatusCode, ApiError)> {
        let mut body = format!(
            "workload_id={}&kind=pin&replicas={n}&minutes=30&reason=load+test",
            self.workload
        );
        if confirm {
            body.push_str("&confirm_outside=yes");
        }
        let (res, text) = send(app, api_post("/api/create_override", body)).await;
        match res.status() {
            s if s.is_success() || s.is_redirection() => {
                Ok(serde_json::from_str(&text).expect("id"))
            }
            s => Err((
                s,
                serde_json::from_str(&text).unwrap_or_else(|e| panic!("{s} {text}: {e}")),
            )),
        }
    }

    async fn count(&self, sql: &str) -> i64 {
        sqlx::query_scalar(sql)
            .fetch_one(self.state.store().pool())
            .await
            .expect("count")
    }

    async fn pins(&self) -> i64 {
        self.count("SELECT COUNT(*) FROM overrides").await
    }
}

#[tokio::test]
async fn pins_outside_the_policy_need_an_editor_and_a_confirmation_and_never_pass_the_cap() {
    let rig = rig().await;
    let operator = rig.as_role(Role::Operator).await;
    let editor = rig.as_role(Role::Editor).await;
    let admin = rig.as_role(Role::Admin).await;
    // (case, who, replicas, confirmed, the field of the error or None when stored)
    let cases: Vec<(&str, &Router, u32, bool, Option<&str>)> = vec![
        ("operator above max", &operator, 16, true, Some("replicas")),
        ("operator below min", &operator, 1, false, Some("replicas")),
        (
            "editor above max, unconfirmed",
            &editor,
            40,
            false,
            Some("confirm_outside"),
        ),
        (
            "editor above the cap, confirmed",
            &editor,
            CAP + 1,
            true,
            Some("replicas"),
        ),
        (
            "admin far above the cap",
            &admin,
            10_000,
            true,
            Some("replicas"),
        ),
        ("operator within", &operator, 10, false, None),
        ("editor above max, confirmed", &editor, 40, true, None),
    ];
    let mut stored = 0;
    for (name, app, n, confirm, want) in cases {
        let got = rig.pin(app, n, confirm).await;
        match (want, &got) {
            (Some(path), Err((status, err))) => {
                assert_eq!(*status, StatusCode::BAD_REQUEST, "{name}");
                let msg = err.field(path).unwrap_or_else(|| panic!("{name}: {err:?}"));
                assert!(
                    msg.contains("2..15") || msg.contains("cap"),
                    "{name}: {msg}"
                );
            }
            (None, Ok(_)) => stored += 1,
            _ => panic!("{name}: {got:?}"),
        }
        assert_eq!(rig.pins().await, stored, "{name}: stored pins");
    }
    let audited = rig
        .count(
            "SELECT COUNT(*) FROM audit_log WHERE action = 'override.create' \
             AND actor = 'test-editor' AND after LIKE '%\"confirmed_outside_bounds\":\"2..15\"%'",
        )
        .await;
    assert_eq!(
        audited, 1,
        "the confirmed pin outside the bounds is audited as such"
    );
}

#[tokio::test]
async fn a_policy_above_the_cap_cannot_be_saved() {
    let rig = rig().await;
    let editor = rig.as_role(Role::Editor).await;
    let before = rig.count("SELECT COUNT(*) FROM policy_versions").await;
    let form = |max: u32| {
        format!(
            "op=save&name=big&comment=c&min_replicas=1&max_replicas={max}&metrics[0][name]=cpu\
             &metrics[0][source]=resource&metrics[0][resource]=cpu\
             &metrics[0][target_type]=utilization&metrics[0][target_value]=70"
        )
        .replace('[', "%5B")
        .replace(']', "%5D")
    };
    let post = |body: String| api_post("/api/policy_submit", body);
    let (res, text) = send(&editor, post(form(CAP + 1))).await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST, "{text}");
    let err: ApiError = serde_json::from_str(&text).expect("error");
    let msg = err
        .field("max_replicas")
        .unwrap_or_else(|| panic!("{err:?}"));
    assert!(
        msg.contains("cap of 50") && msg.contains("--max-replicas-cap"),
        "{msg}"
    );
    assert_eq!(
        rig.count("SELECT COUNT(*) FROM policy_versions").await,
        before
    );
    let (res, text) = send(&editor, post(form(CAP))).await;
    assert!(res.status().is_success(), "at the cap is fine: {text}");
}

#[tokio::test]
async fn the_controller_never_scales_above_the_cap() {
    // A policy stored before the cap (or seeded) asks for 80..=100 replicas, and a pin for 500.
    let dir = tempfile::tempdir().expect("dir");
    let url = ebb::server::config::DatabaseUrl::SqliteFile(dir.path().join("c.db"));
    let store = ebb::server::store::Store::open(&url).await.expect("store");
    let t0 = Utc::now();
    let clock = Arc::new(ManualClock::new(t0));
    let mut policy = cpu_policy(70.0, 100, 0);
    policy.min_replicas = 80;
    let spec = SimWorkloadSpec {
        capacity_per_instance: 100.0,
        initial_replicas: 40,
        demand: DemandSpec::Constant { value: 100.0 },
        ..SimWorkloadSpec::default()
    };
    let json = serde_json::to_string(&spec).expect("spec");
    let (backend, _, w) = store_sim_web(&store, &policy, 15, &json, t0).await;
    let sim = Arc::new(SimulatorBackend::new(clock.clone()));
    sim.add_workload("web", spec).expect("sim");
    let (live, _) = tokio::sync::broadcast::channel(16);
    let controller = Controller::new(store.clone(), clock.clone(), live).with_max_replicas_cap(CAP);
    controller.register_backend(backend, sim.clone());
    let row = store.workloads().await.expect("list").remove(0);
    let mut seen = Vec::new();
    for k in 0..6 {
        if k == 3 {
            store
                .create_override(
                    w,
                    "pin",
                    Some(500),
                    t0 + chrono::Duration::hours(1),
                    "load test",
                    "old",
                    t0,
                )
                .await
                .expect("pin");
        }
        clock.set(t0 + chrono::Duration::seconds(15 * k));
        controller.evaluate(&row).await.expect("evaluate");
        seen.push(sim.observe("web").await.expect("observe").replicas);
    }
    assert!(
        seen.iter().all(|r| *r <= CAP),
        "never above the cap: {seen:?}"
    );
    assert_eq!(seen.last(), Some(&CAP), "held at the cap: {seen:?}");
    let (most, reason, sentence): (i64, String, String) = sqlx::query_as(
        "SELECT (SELECT MAX(desired_replicas) FROM decisions), reason, sentence FROM decisions \
         ORDER BY id LIMIT 1",
    )
    .fetch_one(store.pool())
    .await
    .expect("decision");
    assert_eq!(most, i64::from(CAP), "no decision asked for more");
    assert_eq!(reason, "TooManyReplicas");
    assert!(
        sentence.contains("replica cap (--max-replicas-cap)"),
        "{sentence}"
    );
}
