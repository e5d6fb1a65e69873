//! A workload's first evaluation under a policy, end to end: HPA records the count it finds
//! as a recommendation when an HPA is created, so ebb does not scale a newly attached
//! workload down inside the first stabilization window and says so; restarts (a fresh
//! controller on the same store) and re-attaching the same policy do not start over, while
//! attaching a different policy does.

use std::sync::Arc;

use chrono::{DateTime, Duration, TimeZone, Utc};
use ebb::server::clock::ManualClock;
use ebb::server::config::DatabaseUrl;
use ebb::server::controller::Controller;
use ebb::server::orchestrator::simulator::{DemandSpec, SimWorkloadSpec, SimulatorBackend};
use ebb::server::orchestrator::Orchestrator;
use ebb::server::store::policies::Authorship;
use ebb::server::store::Store;

use super::support::cpu_policy;

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 12, 0, 0)
        .single()
        .expect("valid time")
}

/// Six instances idling at 60 units/s of 600 capacity, scale-down window 120 s.
struct Rig {
    store: Store,
    clock: Arc<ManualClock>,
    sim: Arc<SimulatorBackend>,
    backend: i64,
    policies: [i64; 3],
    _dir: tempfile::TempDir,
}

async fn rig() -> Rig {
    let dir = tempfile::tempdir().expect("tmp");
    let store = Store::open(&DatabaseUrl::SqliteFile(dir.path().join("f.db")))
        .await
        .expect("store");
    let clock = Arc::new(ManualClock::new(t0()));
    let backend = store
        .insert_backend("sim", "simulator", "{}", t0())
        .await
        .expect("backend");
    let who = |c| Authorship {
        author: "test",
        comment: c,
        at: t0(),
    };
    let a = store
        .create_policy("a", &cpu_policy(70.0, 20, 120), who("a"))
        .await
        .expect("policy a");
    // Another policy that never scales below the six instances.
    let mut floor = cpu_policy(70.0, 20, 120);
    floor.min_replicas = 6;
    let c = store
        .create_policy("c", &floor, who("c"))
        .await
        .expect("policy c");
    let b = store
        .create_policy("b", &cpu_policy(60.0, 20, 120), who("b"))
        .await
        .expect("policy b");
    let spec = SimWorkloadSpec {
        capacity_per_instance: 100.0,
        startup_secs: 0,
        drain_secs: 0,
        initial_replicas: 6,
        demand: DemandSpec::Constant { value: 60.0 },
        ..super::support::exact_sim()
    };
    let sim = Arc::new(SimulatorBackend::new(clock.clone()));
    sim.add_workload("web", spec).expect("sim workload");
    Rig {
        store,
        clock,
        sim,
        backend,
        policies: [a, b, c],
        _dir: dir,
    }
}

impl Rig {
    /// Evaluates once at `secs` with a controller built afresh (as after a restart).
    async fn tick_at(&self, secs: i64) -> u32 {
        self.clock.set(t0() + Duration::seconds(secs));
        let (live, _) = tokio::sync::broadcast::channel(4);
        let c = Controller::new(self.store.clone(), self.clock.clone(), live);
        c.register_backend(self.backend, self.sim.clone());
        let w = self.store.workloads().await.expect("list").remove(0);
        c.evaluate(&w).await.expect("evaluate");
        self.sim.observe("web").await.expect("observe").replicas
    }

    async fn last_sentence(&self) -> String {
        sqlx::query_scalar("SELECT sentence FROM decisions ORDER BY id DESC LIMIT 1")
            .fetch_one(self.store.pool())
            .await
            .expect("decision")
    }
}

impl Rig {
    async fn attach(&self, policy: i64, interval: u32) {
        self.store
            .attach_policy(self.backend, "web", policy, interval, "alice", t0())
            .await
            .expect("attach");
    }

    async fn history(&self) -> ebb_engine::History {
        let w = self.store.workloads().await.expect("list").remove(0);
        self.store
            .controller_state(w.id)
            .await
            .expect("state")
            .history
    }
}

#[tokio::test]
async fn a_new_attachment_holds_scale_down_for_one_window_and_says_so() {
    let r = rig().await;
    r.attach(r.policies[0], 15).await;
    assert_eq!(r.tick_at(15).await, 6, "first evaluation holds");
    let s = r.last_sentence().await;
    assert!(
        s.contains("watching since 2026-03-02 12:00:15 UTC; scale-down possible from 2026-03-02 12:02:15 UTC"),
        "{s}"
    );
    // Restarts (a new controller each tick) keep the memory: still held at 120 s.
    assert_eq!(r.tick_at(120).await, 6);
    assert!(r.tick_at(150).await < 6, "scales down after the window");
}

#[tokio::test]
async fn attaching_another_policy_starts_over_the_same_one_does_not() {
    let r = rig().await;
    let [_, b, floor] = r.policies;
    r.attach(floor, 15).await;
    assert_eq!(r.tick_at(15).await, 6);
    r.attach(floor, 30).await;
    let h = r.history().await;
    assert!(
        !h.first_evaluation,
        "the same policy again is not a new HPA"
    );
    assert_eq!(h.watching_since, Some(t0() + Duration::seconds(15)));
    r.attach(b, 15).await;
    assert!(r.history().await.first_evaluation, "another policy is");
    assert_eq!(r.tick_at(600).await, 6, "held by the new first evaluation");
    let h = r.history().await;
    assert!(!h.first_evaluation);
    assert_eq!(h.watching_since, Some(t0() + Duration::seconds(600)));
    assert_eq!(r.tick_at(705).await, 6, "still inside the new window");
    assert!(r.tick_at(735).await < 6, "scales down after the window");
}
