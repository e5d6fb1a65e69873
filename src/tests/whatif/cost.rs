//! The replay loop under load: a cancelled replay stops within one evaluation, and the cost
//! of the largest policies the editor accepts, measured by hand in a release build.

use std::sync::Arc;
use std::time::{Duration as StdDuration, Instant};

use chrono::Duration;
use ebb::server::orchestrator::simulator::{DemandSpec, SimWorkloadSpec};
use ebb::server::replay::{budget, run_replay_until, Control, ReplayError, ReplayOptions};
use ebb_engine::Policy;

use super::t0;

/// `days` of diurnal demand at one point a minute (as a recorded 7-day load would be).
fn series(days: i64) -> DemandSpec {
    let points = (0..days * 1440)
        .map(|m| {
            let phase = m as f64 / 1440.0 * std::f64::consts::TAU;
            (t0() + Duration::minutes(m), 300.0 + 200.0 * phase.sin())
        })
        .collect();
    DemandSpec::Series {
        points,
        time_compression: 1.0,
        scale: 1.0,
    }
}

fn sim(demand: DemandSpec) -> SimWorkloadSpec {
    SimWorkloadSpec {
        capacity_per_instance: 50.0,
        startup_secs: 30,
        initial_replicas: 2,
        demand,
        ..SimWorkloadSpec::default()
    }
}

/// A cpu policy over 1..=`max` replicas (cpu 70 %).
fn cpu_policy(max: u32) -> Policy {
    crate::support::cpu_policy(70.0, max, 300)
}

#[test]
fn a_cancelled_replay_stops_promptly() {
    let days = 7;
    let spec = sim(series(days));
    let opts = ReplayOptions {
        duration_secs: Some(days as f64 * 86_400.0),
        interval_secs: 1,
        ..ReplayOptions::default()
    };
    let cancel = Arc::new(Control::default());
    let flag = cancel.clone();
    let setter = std::thread::spawn(move || {
        std::thread::sleep(StdDuration::from_millis(300));
        flag.cancel();
        Instant::now()
    });
    let began = Instant::now();
    let got = run_replay_until(&cpu_policy(50), &spec, &opts, &cancel);
    let returned = Instant::now();
    let set_at = setter.join().expect("setter");
    let after_flag = returned.saturating_duration_since(set_at);
    eprintln!(
        "stopped {after_flag:?} after the flag ({:?} in all)",
        returned - began
    );
    match got {
        Err(ReplayError::Cancelled(n)) => assert!(n < 7 * 86_400, "stopped early: {n}"),
        other => panic!(
            "expected Cancelled, got {:?}",
            other.map(|r| r.timeline.len())
        ),
    }
    assert!(
        after_flag < StdDuration::from_millis(500),
        "stopped {after_flag:?} after the flag was set"
    );
}

/// Times replays of the largest policies the editor accepts, by hand:
/// `cargo test --release -p ebb --no-default-features --features ssr --test integration
/// worst_case_cost -- --ignored --nocapture`.
#[test]
#[ignore = "a measurement, run by hand in a release build"]
fn worst_case_cost() {
    let days: i64 = std::env::var("EBB_BENCH_DAYS")
        .ok()
        .and_then(|d| d.parse().ok())
        .unwrap_or(7);
    let spec = sim(series(days));
    let only = |keep: fn(&mut Policy, Policy)| {
        let mut p = cpu_policy(50);
        keep(&mut p, largest(cpu_policy(50)));
        p
    };
    let cases: Vec<(&str, Policy, u32)> = vec![
        ("cpu, 1..50", cpu_policy(50), 15),
        ("cpu, 1..50, every 1 s", cpu_policy(50), 1),
        ("10 metrics", only(|p, l| p.metrics = l.metrics), 15),
        ("10x10 steps", only(|p, l| p.step_rules = l.step_rules), 15),
        ("20 schedules", only(|p, l| p.schedules = l.schedules), 15),
        (
            "rate policies, 1 h windows",
            only(|p, l| p.behavior = l.behavior),
            15,
        ),
        ("cpu, 200..200", pinned_at(cpu_policy(200), 200), 15),
        ("cpu, 1000..1000", pinned_at(cpu_policy(1000), 1000), 15),
        ("largest rows, 1..50", largest(cpu_policy(50)), 15),
        ("largest rows, 1..50, every 1 s", largest(cpu_policy(50)), 1),
        (
            "largest rows, 1000..1000",
            pinned_at(largest(cpu_policy(1000)), 1000),
            15,
        ),
    ];
    for (name, policy, interval) in cases {
        let opts = ReplayOptions {
            duration_secs: Some(days as f64 * 86_400.0),
            interval_secs: interval,
            ..ReplayOptions::default()
        };
        let began = Instant::now();
        let r = run_replay_until(&policy, &spec, &opts, &Control::default());
        let n = r.map(|r| r.timeline.len()).map_err(|e| e.to_string());
        eprintln!("{name}: {n:?} evaluations in {:?}", began.elapsed());
    }
    // What the dashboard runs: two policies within the work limit (the costlier second).
    let worst = pinned_at(largest(cpu_policy(1000)), 1000);
    let pairs: Vec<(&str, Policy, Policy, u32)> = vec![
        (
            "what-if, plain vs plain",
            cpu_policy(50),
            cpu_policy(50),
            15,
        ),
        (
            "what-if, plain vs largest rows at 1000",
            cpu_policy(50),
            worst.clone(),
            15,
        ),
        (
            "what-if, largest rows at 1000 twice",
            worst.clone(),
            worst.clone(),
            15,
        ),
        (
            "what-if, largest rows 1..50 twice, every 1 s",
            largest(cpu_policy(50)),
            largest(cpu_policy(50)),
            1,
        ),
    ];
    for (name, a, b, interval) in pairs {
        let opts = ReplayOptions {
            duration_secs: Some(days as f64 * 86_400.0),
            interval_secs: interval,
            ..ReplayOptions::default()
        };
        let began = Instant::now();
        let cancel = Control::default();
        let r = budget::replay_all(&a, vec![("b".into(), b)], &spec, &opts, &cancel).expect("pair");
        let note = budget::shortened_note(&r.0, days as f64 * 86_400.0);
        eprintln!(
            "{name}: {:?} ({} evaluations; {note:?})",
            began.elapsed(),
            r.0.timeline.len()
        );
    }
}

fn pinned_at(mut p: Policy, n: u32) -> Policy {
    p.min_replicas = n;
    p.max_replicas = n;
    p
}

/// `p` with every list at its row limit: 10 metrics, 10 step rules of 10 steps, 20 schedules,
/// 5 rate policies per direction, one-hour windows.
fn largest(mut p: Policy) -> Policy {
    use ebb_engine::validate::{
        MAX_METRICS, MAX_RATE_POLICIES, MAX_SCHEDULES, MAX_STEPS, MAX_STEP_RULES,
    };
    use ebb_engine::{
        Adjustment, Behavior, MetricSource, MetricSpec, MetricTarget, RatePolicy, RatePolicyKind,
        ResourceName, ScalingRules, Schedule, Step, StepRule,
    };
    p.metrics = (0..MAX_METRICS)
        .map(|i| MetricSpec {
            name: format!("cpu{i}"),
            source: MetricSource::Resource {
                resource: ResourceName::Cpu,
            },
            target: MetricTarget::Utilization(50.0 + i as f64),
        })
        .collect();
    p.step_rules = (0..MAX_STEP_RULES)
        .map(|_| StepRule {
            metric: "cpu".into(),
            steps: (0..MAX_STEPS)
                .map(|k| Step {
                    lower: Some(k as f64 * 10.0),
                    upper: Some(k as f64 * 10.0 + 10.0),
                    adjustment: Adjustment::ChangeInCapacity(k as i32 - 5),
                })
                .collect(),
            min_adjustment_magnitude: None,
        })
        .collect();
    p.schedules = (0..MAX_SCHEDULES)
        .map(|i| Schedule {
            name: format!("s{i}"),
            cron: format!("{} {} * * 1-5", i % 60, i % 24),
            timezone: "Europe/Berlin".into(),
            duration_secs: 3600,
            min_replicas: Some(p.min_replicas.max(2)),
            max_replicas: None,
        })
        .collect();
    let rules = |n: u32| ScalingRules {
        stabilization_window_secs: Some(3600),
        policies: (0..MAX_RATE_POLICIES)
            .map(|k| RatePolicy {
                kind: RatePolicyKind::Instances,
                value: n + k as u32,
                period_secs: 60 * (k as u32 + 1),
            })
            .collect(),
        ..Default::default()
    };
    p.behavior = Some(Behavior {
        scale_up: rules(4),
        scale_down: rules(1),
    });
    p
}
