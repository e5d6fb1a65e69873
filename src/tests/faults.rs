//! Failing and restarting instances in the workload's history, with the simulator's seeded
//! crashes on a clock the test moves: every failure is reported once (none lost, none
//! repeated, also across a controller restart), at most one row per workload per five
//! minutes, and the rows show on /history with its reason filter and on the workload page.

use std::sync::Arc;

use chrono::{DateTime, TimeZone, Utc};
use ebb::model::auth::Role;
use ebb::model::decision::DecisionFilter;
use ebb::server::clock::ManualClock;
use ebb::server::controller::faults::{failures, FAULT_REASON};
use ebb::server::controller::Controller;
use ebb::server::orchestrator::simulator::{FaultSpec, SimWorkloadSpec, SimulatorBackend};
use ebb::server::orchestrator::Orchestrator;

use super::support::{get, signed_in, state};

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 12, 0, 0)
        .single()
        .expect("valid time")
}

#[tokio::test]
async fn crashes_are_reported_once_and_at_most_every_five_minutes() {
    let (state, _dir) = state().await;
    let store = state.store().clone();
    let clock = Arc::new(ManualClock::new(t0()));
    let backend = store
        .insert_backend("sim", "simulator", "{}", t0())
        .await
        .expect("backend");
    // Four instances crashing about once a minute each, back after 10 s.
    let spec = SimWorkloadSpec {
        initial_replicas: 4,
        startup_secs: 5,
        faults: FaultSpec {
            crash_rate_per_hour: 60.0,
            restart_delay_secs: 10,
            ..Default::default()
        },
        seed: 11,
        ..Default::default()
    };
    let json = serde_json::to_string(&spec).expect("json");
    let wid = store
        .insert_workload(backend, "crashy", None, 15, &json, t0())
        .await
        .expect("workload");
    let sim = Arc::new(SimulatorBackend::new(clock.clone()));
    sim.add_workload("crashy", spec).expect("sim");
    state.backends().insert(backend, sim.clone());
    let row = store.workload(wid).await.expect("read").expect("row");
    let new_controller = || {
        let (live, _) = tokio::sync::broadcast::channel(16);
        Controller::with_registry(store.clone(), clock.clone(), live, state.backends().clone())
    };
    let mut controller = new_controller();
    let mut baseline = None;
    let mut last_total = 0;
    for tick in 0..=120 {
        if tick == 60 {
            controller = new_controller(); // ebb restarts half-way
        }
        clock.set(t0() + chrono::Duration::seconds(15 * tick));
        controller.evaluate(&row).await.expect("evaluate");
        last_total = failures(&sim.observe("crashy").await.expect("observe"));
        baseline.get_or_insert(last_total);
    }
    let filter = DecisionFilter {
        workload_id: Some(wid),
        reason: Some(FAULT_REASON.into()),
        limit: Some(1000),
        ..Default::default()
    };
    let mut rows = store.decisions(&filter).await.expect("decisions");
    rows.reverse();
    assert!(
        (4..=7).contains(&rows.len()),
        "30 minutes of crashes: one row per 5 minutes, got {}",
        rows.len()
    );
    let times: Vec<DateTime<Utc>> = rows
        .iter()
        .map(|d| ebb::server::store::time::parse(&d.at).expect("time"))
        .collect();
    for pair in times.windows(2) {
        assert!(
            pair[1] - pair[0] >= chrono::Duration::minutes(5),
            "rate limited: {pair:?}"
        );
    }
    let reported: u64 = rows
        .iter()
        .map(|d| {
            let detail: serde_json::Value = serde_json::from_str(&d.detail).expect("detail");
            detail["failures"].as_u64().expect("count")
        })
        .sum();
    let pending = store
        .controller_state(wid)
        .await
        .expect("state")
        .faults
        .pending;
    assert_eq!(
        reported + pending,
        last_total - baseline.unwrap_or(0),
        "every failure counted once, across the restart"
    );
    assert!(reported >= 40, "about 4 crashes a minute: {reported}");
    let first = &rows[0];
    assert_eq!(
        (first.outcome.as_str(), first.direction.as_str()),
        ("error", "none")
    );
    assert!(
        first.sentence.contains("instance failure(s) since") && first.sentence.contains("sim-"),
        "{}",
        first.sentence
    );
    let summary = store
        .workload_summary(wid)
        .await
        .expect("s")
        .expect("summary");
    assert_ne!(
        summary.last_reason.as_deref(),
        Some(FAULT_REASON),
        "reports do not replace the controller's own last decision"
    );

    // Shown on /history (with the reason filter) and on the workload page.
    let app = signed_in(&state, "v", Role::Viewer).await;
    let (_, page) = get(&app, &format!("/history?reason={FAULT_REASON}")).await;
    for d in &rows {
        assert!(
            page.contains(&format!("<tr data-decision=\"{}\"", d.id)),
            "row {}",
            d.id
        );
    }
    assert_eq!(
        page.matches("<tr data-decision=").count(),
        rows.len(),
        "every report, and only those, under the filter"
    );
    let (_, page) = get(&app, &format!("/workloads/{wid}")).await;
    assert!(
        page.contains(FAULT_REASON),
        "in the workload's decision list"
    );
    assert!(page.contains("<th scope=\"col\" class=\"num\">Restarts</th>"));
}
