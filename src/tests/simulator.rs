//! The built-in simulator: determinism, instance lifecycle (start-up, drain, crash and
//! restart), faults (metric outage, unreachable), tokens, the load model and trace errors.

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use ebb::server::clock::ManualClock;
use ebb::server::orchestrator::simulator::{
    DemandSpec, FaultSpec, MetricLag, SimCluster, SimError, SimWorkloadSpec, SimulatorBackend,
};
use ebb::server::orchestrator::{
    ObservedState, Orchestrator, OrchestratorError, WorkloadObservation,
};

fn t0() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2024-03-01T00:00:00Z")
        .expect("time")
        .with_timezone(&Utc)
}

fn secs(s: i64) -> DateTime<Utc> {
    t0() + Duration::seconds(s)
}

/// An exact workload: instant metrics, no queue, no burst above the CPU request (the CPU
/// limit equals it), so every number below can be computed by hand. The lag, the queue and
/// the burst have their own tests at the end.
fn spec(demand: f64) -> SimWorkloadSpec {
    SimWorkloadSpec {
        capacity_per_instance: 100.0,
        startup_secs: 30,
        drain_secs: 20,
        initial_replicas: 1,
        demand: DemandSpec::Constant { value: demand },
        ..super::support::exact_sim()
    }
}

fn cluster_with(spec: SimWorkloadSpec) -> SimCluster {
    let mut c = SimCluster::new();
    c.add("web", spec, t0()).expect("add");
    c
}

fn states(obs: &WorkloadObservation) -> Vec<ObservedState> {
    obs.instances.iter().map(|i| i.state).collect()
}

fn count(obs: &WorkloadObservation, s: ObservedState) -> usize {
    obs.instances.iter().filter(|i| i.state == s).count()
}

/// Runs a fixed call sequence and returns every observation (or error).
fn scripted_run(seed: u64) -> Vec<Result<WorkloadObservation, OrchestratorError>> {
    let s = SimWorkloadSpec {
        seed,
        demand: DemandSpec::Noise {
            of: Box::new(DemandSpec::Diurnal {
                mean: 200.0,
                amplitude: 100.0,
                period_secs: 3600,
                phase_secs: 0,
            }),
            relative: 0.2,
            every_secs: 10,
        },
        faults: FaultSpec {
            crash_rate_per_hour: 2.0,
            metric_outage_rate_per_hour: 3.0,
            unreachable_rate_per_hour: 3.0,
            ..FaultSpec::default()
        },
        ..spec(0.0)
    };
    let mut c = cluster_with(s);
    let mut out = Vec::new();
    for k in 0..720 {
        let t = secs(k * 10);
        let obs = c.observe("web", t);
        if let Ok(o) = &obs {
            if k % 30 == 0 {
                let _ = c.scale("web", 1 + (k as u32 / 30) % 5, &o.token, t);
            }
        }
        out.push(obs);
    }
    out
}

#[test]
fn same_seed_same_observations_other_seed_differs() {
    let a = scripted_run(7);
    assert_eq!(a, scripted_run(7));
    assert_ne!(a, scripted_run(8));
    assert!(
        a.iter().any(|o| o.is_err()),
        "unreachable windows occur at 3/h over 2 h"
    );
    assert!(
        a.iter()
            .flatten()
            .any(|o| o.instances.iter().any(|i| i.restarts > 0)),
        "crashes restart"
    );
}

#[test]
fn new_instances_are_ready_after_the_startup_delay() {
    let mut c = cluster_with(spec(50.0));
    let obs = c.observe("web", secs(10)).expect("observe");
    let obs = c
        .scale("web", 3, &obs.token, secs(10))
        .map(|_| c.observe("web", secs(39)))
        .expect("scale")
        .expect("observe");
    assert_eq!(obs.replicas, 3);
    assert_eq!(count(&obs, ObservedState::Starting), 2);
    assert!(obs
        .instances
        .iter()
        .filter(|i| i.state == ObservedState::Starting)
        .all(|i| i.metrics.is_empty()));
    assert_eq!(obs.demand.map(|d| d.capacity), Some(100.0));
    let obs = c.observe("web", secs(40)).expect("observe");
    assert_eq!(states(&obs), vec![ObservedState::Ready; 3]);
    assert_eq!(obs.demand.map(|d| d.capacity), Some(300.0));
    assert_eq!(obs.instances[1].ready_since, Some(secs(40)));
    // The fields HPA's CPU readiness timing reads: the Ready transition, and a sample taken
    // now over one model step.
    assert_eq!(obs.instances[1].ready_changed_at, Some(secs(40)));
    assert_eq!(obs.instances[1].sample_at, Some(secs(40)));
    assert_eq!(obs.instances[1].sample_window_secs, Some(1.0));
}

#[test]
fn scale_in_drains_then_removes() {
    let mut c = cluster_with(SimWorkloadSpec {
        initial_replicas: 3,
        ..spec(50.0)
    });
    let obs = c.observe("web", secs(5)).expect("observe");
    c.scale("web", 1, &obs.token, secs(5)).expect("scale");
    let obs = c.observe("web", secs(24)).expect("observe");
    assert_eq!(obs.replicas, 1);
    assert_eq!(count(&obs, ObservedState::Terminating), 2);
    assert_eq!(count(&obs, ObservedState::Ready), 1);
    assert_eq!(
        obs.instances[0].id, "sim-0",
        "the oldest ready instance stays"
    );
    assert_eq!(obs.demand.map(|d| d.capacity), Some(100.0));
    let obs = c.observe("web", secs(25)).expect("observe");
    assert_eq!(states(&obs), vec![ObservedState::Ready]);
}

#[test]
fn crashed_instance_restarts_after_the_delay() {
    let mut c = cluster_with(SimWorkloadSpec {
        faults: FaultSpec {
            restart_delay_secs: 10,
            ..FaultSpec::default()
        },
        ..spec(50.0)
    });
    c.workload_mut("web")
        .expect("web")
        .crash_instance("sim-0", secs(100))
        .expect("crash");
    let obs = c.observe("web", secs(105)).expect("observe");
    assert_eq!(states(&obs), vec![ObservedState::Failed]);
    assert!(obs.instances[0].metrics.is_empty());
    assert_eq!(obs.demand.map(|d| d.unserved), Some(50.0));
    let obs = c.observe("web", secs(110)).expect("observe");
    assert_eq!(states(&obs), vec![ObservedState::Starting]);
    assert_eq!(obs.instances[0].restarts, 1);
    let obs = c.observe("web", secs(140)).expect("observe");
    assert_eq!(states(&obs), vec![ObservedState::Ready]);
    let stats = c.workload("web").expect("web").stats();
    assert_eq!(stats.restarts, 1);
    assert!(
        (stats.unserved_units - 50.0 * 40.0).abs() < 1e-6,
        "{}",
        stats.unserved_units
    );
}

#[test]
fn random_crashes_happen_at_roughly_the_rate() {
    let mut c = cluster_with(SimWorkloadSpec {
        initial_replicas: 10,
        faults: FaultSpec {
            crash_rate_per_hour: 1.0,
            ..FaultSpec::default()
        },
        ..spec(50.0)
    });
    c.advance_to(secs(10 * 3600));
    let restarts = c.workload("web").expect("web").stats().restarts;
    assert!(
        (60..=140).contains(&restarts),
        "10 instances × 10 h × 1/h ≈ 100, got {restarts}"
    );
}

#[test]
fn metric_outage_leaves_metrics_absent_not_zero() {
    let mut c = cluster_with(SimWorkloadSpec {
        initial_replicas: 2,
        ..spec(150.0)
    });
    let obs = c.observe("web", secs(1)).expect("observe");
    let m = &obs.instances[0].metrics;
    assert_eq!(m.get("rps"), Some(&75.0));
    assert_eq!(m.get("cpu"), Some(&(0.5 * 75.0 / 100.0)));
    assert!(m.get("memory").is_some_and(|v| *v > 0.0));
    assert_eq!(obs.external.get("demand"), Some(&150.0));
    c.workload_mut("web")
        .expect("web")
        .force_metric_outage(secs(10), secs(70));
    let obs = c.observe("web", secs(30)).expect("observe");
    assert!(
        obs.instances.iter().all(|i| i.metrics.is_empty()),
        "{obs:?}"
    );
    assert!(!obs.external.contains_key("demand"));
    assert_eq!(
        obs.demand.map(|d| d.served),
        Some(150.0),
        "ground truth stays"
    );
    let obs = c.observe("web", secs(70)).expect("observe");
    assert!(obs.instances.iter().all(|i| i.metrics.contains_key("cpu")));
}

#[test]
fn random_metric_outages_occur() {
    let mut c = cluster_with(SimWorkloadSpec {
        faults: FaultSpec {
            metric_outage_rate_per_hour: 4.0,
            metric_outage_secs: 60,
            ..FaultSpec::default()
        },
        ..spec(50.0)
    });
    let blind = (0..720)
        .filter(|k| {
            c.observe("web", secs(k * 10))
                .is_ok_and(|o| o.instances[0].metrics.is_empty())
        })
        .count();
    assert!(blind > 0 && blind < 200, "{blind}");
}

#[test]
fn unreachable_windows_fail_every_call_then_recover() {
    let mut c = cluster_with(spec(50.0));
    let token = c.observe("web", secs(0)).expect("observe").token;
    c.force_unreachable_until(secs(60));
    assert!(matches!(
        c.observe("web", secs(10)),
        Err(OrchestratorError::Unreachable(_))
    ));
    assert!(matches!(
        c.scale("web", 2, &token, secs(10)),
        Err(OrchestratorError::Unreachable(_))
    ));
    assert!(matches!(
        c.list(secs(10)),
        Err(OrchestratorError::Unreachable(_))
    ));
    assert!(c.observe("web", secs(60)).is_ok());
    c.workload_mut("web")
        .expect("web")
        .force_unreachable(secs(70), secs(80));
    assert!(matches!(
        c.observe("web", secs(75)),
        Err(OrchestratorError::Unreachable(_))
    ));
    assert!(c.scale("web", 2, &token, secs(80)).is_ok());
}

#[test]
fn stale_token_is_a_conflict() {
    let mut c = cluster_with(spec(50.0));
    let old = c.observe("web", secs(0)).expect("observe").token;
    let out = c.scale("web", 2, &old, secs(1)).expect("scale");
    assert_ne!(out.token, old);
    assert!(matches!(
        c.scale("web", 3, &old, secs(2)),
        Err(OrchestratorError::Conflict(_))
    ));
    let res = ebb::server::orchestrator::ResourceSpec {
        cpu_request: Some(1.0),
        ..Default::default()
    };
    assert!(matches!(
        c.set_resources("web", &res, &old, secs(2)),
        Err(OrchestratorError::Conflict(_))
    ));
    let tok = c
        .set_resources("web", &res, &out.token, secs(2))
        .expect("set");
    assert_eq!(c.observe("web", secs(3)).expect("observe").token, tok);
    assert!(matches!(
        c.observe("nope", secs(3)),
        Err(OrchestratorError::NotFound(_))
    ));
}

#[test]
fn demand_beyond_ready_capacity_is_unserved_and_counted() {
    let mut c = cluster_with(SimWorkloadSpec {
        initial_replicas: 2,
        ..spec(250.0)
    });
    let obs = c.observe("web", secs(60)).expect("observe");
    let d = obs.demand.expect("demand");
    assert_eq!(
        (d.offered, d.served, d.unserved, d.capacity),
        (250.0, 200.0, 50.0, 200.0)
    );
    assert_eq!(
        obs.instances[0].metrics.get("cpu"),
        Some(&0.5),
        "full load = the cpu request"
    );
    let s = c.workload("web").expect("web").stats();
    assert_eq!(
        (s.unserved_units, s.secs_over_capacity, s.instance_secs),
        (3000.0, 60.0, 120.0)
    );
}

#[tokio::test]
async fn backend_follows_its_clock_and_reports_trace_errors() {
    let clock = Arc::new(ManualClock::new(t0()));
    let backend = SimulatorBackend::new(clock.clone());
    backend.add_workload("web", spec(50.0)).expect("add");
    assert!(matches!(
        backend.add_workload("web", spec(1.0)),
        Err(SimError::Duplicate(_))
    ));
    let obs = backend.observe("web").await.expect("observe");
    backend.scale("web", 2, &obs.token).await.expect("scale");
    clock.set(secs(29));
    assert_eq!(
        count(
            &backend.observe("web").await.expect("observe"),
            ObservedState::Starting
        ),
        1
    );
    clock.set(secs(30));
    assert_eq!(
        count(
            &backend.observe("web").await.expect("observe"),
            ObservedState::Ready
        ),
        2
    );
    assert_eq!(backend.list_workloads().await.expect("list").len(), 1);

    let dir = tempfile::tempdir().expect("dir");
    let cases = [
        (
            "bad_value.csv",
            "timestamp,value\n2024-01-01T00:00:00Z,1.0\n2024-01-01T00:05:00Z,abc\n",
            ":3: bad value `abc`",
        ),
        (
            "bad_time.csv",
            "timestamp,value\n2024-01-01 00:00,1.0\n",
            ":2: bad timestamp",
        ),
        (
            "unsorted.csv",
            "timestamp,value\n2024-01-01T00:05:00Z,1.0\n2024-01-01T00:00:00Z,2.0\n",
            ":3: timestamp",
        ),
        (
            "columns.csv",
            "timestamp,value\n2024-01-01T00:00:00Z\n",
            ":2: expected two columns",
        ),
        (
            "negative.csv",
            "timestamp,value\n2024-01-01T00:00:00Z,-1.0\n",
            ":2: value -1",
        ),
        ("empty.csv", "timestamp,value\n", "no data points"),
        ("missing.csv", "", "cannot read the trace file"),
    ];
    for (file, text, want) in cases {
        let path = dir.path().join(file);
        if !text.is_empty() {
            std::fs::write(&path, text).expect("write");
        }
        let s = SimWorkloadSpec {
            demand: DemandSpec::Trace {
                path: path.clone(),
                time_compression: 1.0,
                scale: 1.0,
            },
            ..spec(0.0)
        };
        let err = backend.add_workload(file, s).expect_err(file).to_string();
        assert!(
            err.contains(&path.display().to_string()) && err.contains(want),
            "{file}: {err}"
        );
    }
}

#[test]
fn trace_demand_is_scaled_compressed_and_looped() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("t.csv");
    std::fs::write(
        &path,
        "timestamp,value\n2024-01-01T00:00:00Z,1.0\n2024-01-01T00:10:00Z,3.0\n",
    )
    .expect("write");
    let s = SimWorkloadSpec {
        demand: DemandSpec::Trace {
            path,
            time_compression: 10.0,
            scale: 100.0,
        },
        ..spec(0.0)
    };
    let mut c = cluster_with(s);
    let offered = |c: &mut SimCluster, s| {
        c.observe("web", secs(s))
            .expect("observe")
            .demand
            .map(|d| d.offered)
    };
    assert_eq!(offered(&mut c, 59), Some(100.0));
    assert_eq!(offered(&mut c, 60), Some(300.0));
    assert_eq!(offered(&mut c, 119), Some(300.0));
    assert_eq!(
        offered(&mut c, 120),
        Some(100.0),
        "span = 20 trace minutes = 120 s, then it loops"
    );
}

/// The default metric lag: CPU is the mean of a 30 s window published 15 s after it ends, on
/// a 15 s grid (as metrics-server); request rates and the external demand the mean of the last
/// completed 15 s scrape interval. Demand steps from 50 to 150 at t = 300 s over two instances.
#[test]
fn default_metrics_lag_like_metrics_server_and_a_scrape() {
    let mut c = cluster_with(SimWorkloadSpec {
        initial_replicas: 2,
        demand: DemandSpec::Ramp {
            from: 50.0,
            to: 150.0,
            start_secs: 299,
            duration_secs: 0,
        },
        metric_lag: MetricLag::default(),
        ..spec(0.0)
    });
    let cpu = |o: &WorkloadObservation| o.instances[0].metrics.get("cpu").copied();
    let rps = |o: &WorkloadObservation| o.instances[0].metrics.get("rps").copied();
    let obs = c.observe("web", secs(20)).expect("observe");
    assert_eq!(cpu(&obs), None, "no window has been published yet");
    let obs = c.observe("web", secs(60)).expect("observe");
    assert_eq!(cpu(&obs), Some(0.5 * 25.0 / 100.0));
    assert_eq!(
        obs.instances[0].sample_at,
        Some(secs(45)),
        "window 15..45 s"
    );
    assert_eq!(obs.instances[0].sample_window_secs, Some(30.0));
    // Ten seconds after the step nothing shows it yet.
    let obs = c.observe("web", secs(310)).expect("observe");
    assert_eq!((cpu(&obs), rps(&obs)), (Some(0.125), Some(25.0)));
    assert_eq!(obs.external.get("demand"), Some(&50.0));
    assert_eq!(
        obs.demand.map(|d| d.offered),
        Some(150.0),
        "ground truth is exact"
    );
    // At 330 s: the 285..315 s window is half old, half new; the 315..330 s scrape is new.
    let obs = c.observe("web", secs(330)).expect("observe");
    let half = cpu(&obs).expect("cpu");
    assert!((half - 0.5 * 50.0 / 100.0).abs() < 1e-9, "{half}");
    assert_eq!(rps(&obs), Some(75.0));
    assert_eq!(obs.external.get("demand"), Some(&150.0));
    let obs = c.observe("web", secs(345)).expect("observe");
    let full = cpu(&obs).expect("cpu");
    assert!((full - 0.5 * 75.0 / 100.0).abs() < 1e-9, "{full}");
}

/// With a CPU limit above the request an instance serves beyond its capacity at the request,
/// up to the limit (utilization above 100 %, as HPA sees it).
#[test]
fn instances_burst_to_their_cpu_limit() {
    let mut c = cluster_with(SimWorkloadSpec {
        resources: SimWorkloadSpec::default().resources,
        ..spec(150.0)
    });
    let obs = c.observe("web", secs(10)).expect("observe");
    let d = obs.demand.expect("demand");
    assert_eq!((d.served, d.unserved, d.capacity), (150.0, 0.0, 200.0));
    assert_eq!(obs.instances[0].metrics.get("cpu"), Some(&0.75));
    c.advance_to(secs(100));
    assert_eq!(c.workload("web").expect("web").stats().unserved_units, 0.0);
}

/// Demand above capacity waits in the queue; what waits longer than the 1 s SLO is late, what
/// does not fit the queue is dropped, and both count as unserved. One instance serves 100/s;
/// demand is 150/s for 30 s from t = 100 s, else 50/s.
#[test]
fn excess_demand_queues_then_is_late_then_dropped() {
    let spiky = |queue_secs: f64| SimWorkloadSpec {
        demand: DemandSpec::Spike {
            base: 50.0,
            peak: 150.0,
            every_secs: 100_000,
            duration_secs: 30,
            first_at_secs: 100,
        },
        queue_secs,
        latency_slo_secs: 1.0,
        ..spec(0.0)
    };
    let mut c = cluster_with(spiky(60.0));
    let obs = c.observe("web", secs(120)).expect("observe");
    let d = obs.demand.expect("demand");
    assert_eq!((d.offered, d.served, d.unserved), (150.0, 100.0, 50.0));
    c.advance_to(secs(400));
    let s = c.workload("web").expect("web").stats().clone();
    // The queue passes 100 units (1 s of capacity) at 102 s and reaches 1,500 at 130 s; it
    // drains at 50/s and is back under 100 at 158 s: 28 s late at 150/s, 28 s at 50/s.
    let close = |a: f64, b: f64| (a - b).abs() < 1e-6;
    assert!(close(s.late_units, 150.0 * 28.0 + 50.0 * 28.0), "{s:?}");
    assert!(close(s.slo_violation_secs, 56.0), "{s:?}");
    assert_eq!(s.dropped_units, 0.0);
    assert!(close(s.unserved_units, s.late_units));
    assert!(
        close(s.served_units, s.offered_units),
        "all of it served in the end"
    );
    // SPEC elasticity: 2 instances needed and 1 ready for the 30 s of the spike.
    assert!(
        close(s.elasticity.under_time_secs, 30.0),
        "{:?}",
        s.elasticity
    );
    assert!(close(s.elasticity.under_secs, 15.0), "{:?}", s.elasticity);
    assert_eq!(s.elasticity.over_time_secs, 0.0);

    // A 5 s queue fills at 110 s and drops the 50/s excess for the remaining 20 s.
    let mut c = cluster_with(spiky(5.0));
    c.advance_to(secs(400));
    let s = c.workload("web").expect("web").stats().clone();
    assert!(close(s.dropped_units, 1000.0), "{s:?}");
    assert!(
        close(s.served_units + s.dropped_units, s.offered_units),
        "{s:?}"
    );
}

/// A start-up range draws each instance's start-up from it, seeded: same seed, same times.
#[test]
fn start_up_times_are_drawn_from_the_range() {
    let ready_times = |seed: u64| {
        let mut c = cluster_with(SimWorkloadSpec {
            startup_secs: 20,
            startup_max_secs: 60,
            seed,
            ..spec(50.0)
        });
        let obs = c.observe("web", secs(0)).expect("observe");
        c.scale("web", 11, &obs.token, secs(0)).expect("scale");
        let obs = c.observe("web", secs(61)).expect("observe");
        obs.instances
            .iter()
            .skip(1)
            .map(|i| {
                let at = i.ready_since.expect("ready by 60 s");
                (at - secs(0)).num_milliseconds() as f64 / 1000.0
            })
            .collect::<Vec<_>>()
    };
    let a = ready_times(3);
    assert_eq!(a.len(), 10);
    assert!(a.iter().all(|s| (20.0..=60.0).contains(s)), "{a:?}");
    assert!(a.iter().any(|s| *s != a[0]), "{a:?}");
    assert_eq!(a, ready_times(3));
    assert_ne!(a, ready_times(4));
}
