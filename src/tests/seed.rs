//! `ebb seed --simulated N`: N simulated workloads with one policy, numbered on from the ones
//! already there, in one transaction with one audit entry; bad counts add nothing.

use ebb::server::seed::simulated::{seed_simulated, SeedError};

use super::support::state;

#[tokio::test]
async fn simulated_workloads_are_seeded_in_one_go_and_numbered_on() {
    let (state, _dir) = state().await;
    let store = state.store();
    let now = chrono::Utc::now();
    let (first, last) = seed_simulated(store, 3, 5, now).await.expect("seed");
    assert_eq!((first.as_str(), last.as_str()), ("sim-0001", "sim-0003"));
    let (first, last) = seed_simulated(store, 2, 5, now).await.expect("seed more");
    assert_eq!((first.as_str(), last.as_str()), ("sim-0004", "sim-0005"));
    let all = store.workloads().await.expect("workloads");
    assert_eq!(all.len(), 5);
    assert!(all.iter().all(|w| w.backend_kind == "simulator"
        && w.interval_secs == 5
        && w.policy_id.is_some()
        && w.enabled));
    assert_eq!(
        all.iter()
            .filter_map(|w| w.policy_id)
            .collect::<std::collections::BTreeSet<_>>()
            .len(),
        1,
        "one shared policy"
    );
    // Every spec is one the simulator runs.
    for w in &all {
        let spec: ebb::server::orchestrator::simulator::SimWorkloadSpec =
            serde_json::from_str(&w.spec).expect("spec");
        let sim = ebb::server::orchestrator::simulator::SimulatorBackend::new(std::sync::Arc::new(
            ebb::server::clock::TokioClock::new(),
        ));
        sim.add_workload(&w.name, spec).expect("runs");
    }
    let audits: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'workload.seed'")
            .fetch_one(store.pool())
            .await
            .expect("audit");
    assert_eq!(audits, 2);

    for (count, interval) in [(0, 15), (100_001, 15), (10, 0), (10, 3601)] {
        match seed_simulated(store, count, interval, now).await {
            Err(SeedError::Invalid(m)) => assert!(m.contains("--"), "{m}"),
            other => panic!("{count} every {interval} s must be refused: {other:?}"),
        }
    }
    assert_eq!(
        store.workloads().await.expect("workloads").len(),
        5,
        "nothing added"
    );
}
