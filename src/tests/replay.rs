//! Policy replays: report numbers on a synthetic series small enough to compute by hand, the
//! same result from a trace file, invalid policies, replay speed, and the CLI's errors.

use std::process::Command;

use chrono::{DateTime, Duration, Utc};
use ebb::server::orchestrator::simulator::{DemandSpec, SimWorkloadSpec};
use ebb::server::replay::{run_replay, ReplayError, ReplayOptions, ReplayReport};
use ebb_engine::{
    Cooldown, Forecast, ForecastMode, MetricSource, MetricSpec, MetricTarget, Policy,
};

fn t0() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2024-03-01T00:00:00Z")
        .expect("time")
        .with_timezone(&Utc)
}

/// One replica per 100 units/s of external demand, no cooldown, HPA legacy behavior.
fn demand_policy() -> Policy {
    Policy {
        min_replicas: 1,
        max_replicas: 10,
        metrics: vec![MetricSpec {
            name: "demand".into(),
            source: MetricSource::External {
                metric: "demand".into(),
            },
            target: MetricTarget::AverageValue(100.0),
        }],
        cooldown: Cooldown {
            scale_up_secs: 0,
            scale_down_secs: 0,
        },
        ..Policy::default()
    }
}

/// 100 units/s for 10 min, 300 for 10 min, 100 for 10 min (the series' last point is held for
/// one typical step, so one pass lasts 30 min).
fn points() -> Vec<(DateTime<Utc>, f64)> {
    vec![
        (t0(), 100.0),
        (t0() + Duration::minutes(10), 300.0),
        (t0() + Duration::minutes(20), 100.0),
    ]
}

fn spec(demand: DemandSpec) -> SimWorkloadSpec {
    SimWorkloadSpec {
        capacity_per_instance: 100.0,
        startup_secs: 30,
        drain_secs: 0,
        initial_replicas: 1,
        demand,
        ..super::support::exact_sim()
    }
}

fn opts() -> ReplayOptions {
    ReplayOptions {
        step_secs: 1.0,
        ..ReplayOptions::default()
    }
}

fn series_report() -> ReplayReport {
    let demand = DemandSpec::Series {
        points: points(),
        time_compression: 1.0,
        scale: 1.0,
    };
    run_replay(&demand_policy(), &spec(demand), &opts()).expect("replay")
}

#[test]
fn report_numbers_match_a_hand_computation() {
    let r = series_report();
    assert_eq!((r.start, r.end), (t0(), t0() + Duration::minutes(30)));
    assert_eq!(
        r.timeline.len(),
        121,
        "every 15 s over 30 min, both ends included"
    );
    // At 10:00 demand triples; the evaluation at that instant asks for 3, ready at 10:30.
    let up = &r.timeline[40];
    assert_eq!(
        (
            up.offered,
            up.capacity,
            up.current_replicas,
            up.desired_replicas
        ),
        (300.0, 100.0, 1, 3)
    );
    assert_eq!(r.timeline[42].ready_replicas, 3);
    // Demand falls at 20:00; the last recommendation of 3 (19:45) leaves the 300 s scale-down
    // window (HPA keeps recommendations strictly after now − 300 s) at 24:45.
    let down = r
        .timeline
        .iter()
        .position(|row| row.desired_replicas == 1 && row.current_replicas == 3)
        .expect("scale-down");
    let t_down = 15.0 * down as f64;
    assert_eq!(t_down, 1485.0);
    assert_eq!((r.scale_ups, r.scale_downs), (1, 1));
    // Offered 100·600 + 300·600 + 100·600; unserved 200 units/s for the 30 s start-up.
    assert_eq!(r.offered_units, 300_000.0);
    assert_eq!(r.unserved_units, 6_000.0);
    assert!((r.unserved_share - 0.02).abs() < 1e-12);
    assert_eq!(r.minutes_over_capacity, 0.5);
    let hours = (600.0 + 3.0 * (t_down - 600.0) + (1800.0 - t_down)) / 3600.0;
    assert!(
        (r.replica_hours - hours).abs() < 1e-9,
        "{} vs {hours}",
        r.replica_hours
    );
    let rise = &r.rise_to_capacity;
    assert_eq!(
        (rise.count, rise.unresolved, rise.median_secs, rise.max_secs),
        (1, 0, Some(30.0), Some(30.0))
    );
    assert_eq!(r.timeline[40].reason, "DesiredWithinRange");
}

#[test]
fn trace_file_and_in_memory_series_agree() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("t.csv");
    let mut csv = String::from("timestamp,value\n");
    for (t, v) in points() {
        csv.push_str(&format!("{},{v:.1}\n", t.format("%Y-%m-%dT%H:%M:%SZ")));
    }
    std::fs::write(&path, csv).expect("write");
    let demand = DemandSpec::Trace {
        path,
        time_compression: 1.0,
        scale: 1.0,
    };
    let from_file = run_replay(&demand_policy(), &spec(demand), &opts()).expect("replay");
    assert_eq!(from_file, series_report());
}

#[test]
fn invalid_policy_lists_every_field() {
    let bad = Policy {
        max_replicas: 0,
        metrics: vec![],
        ..Policy::default()
    };
    let demand = DemandSpec::Constant { value: 1.0 };
    match run_replay(&bad, &spec(demand), &opts()) {
        Err(ReplayError::InvalidPolicy(errors)) => {
            assert!(
                errors.iter().any(|e| e.path == "max_replicas"),
                "{errors:?}"
            );
            assert!(errors.len() >= 2);
        }
        other => panic!("expected an invalid policy, got {other:?}"),
    }
}

#[test]
fn two_weeks_at_five_minutes_replays_quickly() {
    let points: Vec<_> = (0..4032)
        .map(|k| {
            (
                t0() + Duration::minutes(5 * k),
                150.0 + 100.0 * ((k as f64) / 288.0 * std::f64::consts::TAU).sin(),
            )
        })
        .collect();
    let demand = DemandSpec::Series {
        points,
        time_compression: 1.0,
        scale: 1.0,
    };
    let began = std::time::Instant::now();
    let r = run_replay(&demand_policy(), &spec(demand), &ReplayOptions::default()).expect("replay");
    let wall = began.elapsed();
    eprintln!(
        "two-week replay: {} evaluations in {wall:?} (unoptimized test build)",
        r.timeline.len()
    );
    assert_eq!(r.timeline.len(), 4032 * 20 + 1);
    assert!(r.scale_ups > 0 && r.scale_downs > 0);
    assert!(wall.as_secs_f64() < 30.0, "{wall:?}");
}

#[test]
fn cli_names_the_file_and_exits_non_zero() {
    let dir = tempfile::tempdir().expect("dir");
    let policy = dir.path().join("policy.json");
    let trace = dir.path().join("trace.csv");
    std::fs::write(
        &trace,
        "timestamp,value\n2024-01-01T00:00:00Z,1.0\n2024-01-01T00:05:00Z,x\n",
    )
    .expect("write");
    let run = |policy_text: &str| {
        std::fs::write(&policy, policy_text).expect("write");
        let out = Command::new(env!("CARGO_BIN_EXE_ebb"))
            .args(["replay", "--policy"])
            .arg(&policy)
            .arg("--trace")
            .arg(&trace)
            .output()
            .expect("run ebb");
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (code, err) = run(r#"{"max_replicas": 0}"#);
    assert_eq!(code, Some(1));
    assert!(
        err.contains("policy.json: invalid policy") && err.contains("max_replicas:"),
        "{err}"
    );
    let (code, err) = run("{\n  \"min_replicas\": \"two\"\n}");
    assert_eq!(code, Some(1));
    assert!(err.contains("policy.json:2:"), "{err}");
    let (code, err) = run(
        r#"{"metrics": [{"name": "cpu", "source": {"resource": {"resource": "cpu"}}, "target": {"utilization": 70}}]}"#,
    );
    assert_eq!(code, Some(1));
    assert!(err.contains("trace.csv:3: bad value `x`"), "{err}");
    assert_eq!(err.lines().count(), 1, "one clear line: {err}");
}

/// Four days of 100 units/s with a nightly job at 03:00–03:10 (600 units/s), on the default
/// (lagged, queueing) simulator with 60 s start-ups.
fn nightly_job() -> SimWorkloadSpec {
    let points: Vec<_> = (0..4 * 288)
        .map(|k| {
            let minute_of_day = (5 * k) % 1440;
            let v = if (180..190).contains(&minute_of_day) {
                600.0
            } else {
                100.0
            };
            (t0() + Duration::minutes(5 * k), v)
        })
        .collect();
    SimWorkloadSpec {
        capacity_per_instance: 100.0,
        startup_secs: 60,
        initial_replicas: 2,
        demand: DemandSpec::Series {
            points,
            time_compression: 1.0,
            scale: 1.0,
        },
        ..SimWorkloadSpec::default()
    }
}

#[test]
fn a_forecast_scales_ahead_of_a_nightly_job_once_it_has_a_day_of_history() {
    let reactive = demand_policy();
    let predictive = Policy {
        forecast: Some(Forecast {
            mode: ForecastMode::ForecastAndScale,
            scale_down_window_secs: Some(60),
            ..Forecast::default()
        }),
        ..demand_policy()
    };
    let opts = ReplayOptions::default();
    let before = run_replay(&reactive, &nightly_job(), &opts).expect("replay");
    let after = run_replay(&predictive, &nightly_job(), &opts).expect("replay");
    // The first day only records (24 h of history before acting); then the job is expected.
    let first_day = t0() + Duration::hours(24);
    let ahead: Vec<_> = after
        .timeline
        .iter()
        .filter(|r| r.reason == "Forecast")
        .map(|r| r.at)
        .collect();
    assert!(!ahead.is_empty(), "the forecast never scaled ahead");
    assert!(
        ahead.iter().all(|at| *at >= first_day),
        "{:?}",
        ahead.first()
    );
    // Scaled ahead before 03:00 on days 2–4.
    for day in 1..4 {
        let job = t0() + Duration::days(day) + Duration::hours(3);
        assert!(
            ahead
                .iter()
                .any(|at| *at < job && *at >= job - Duration::minutes(5)),
            "not ahead of the job on day {day}: {ahead:?}"
        );
    }
    // Three of the four jobs meet ready capacity: far less demand is unserved.
    assert!(
        after.unserved_units < before.unserved_units * 0.5,
        "reactive {} vs predictive {}",
        before.unserved_units,
        after.unserved_units
    );
}

#[test]
fn bench_traces_compares_hpa_with_the_recommended_policy_and_refuses_bad_settings() {
    let dir = tempfile::tempdir().expect("dir");
    // Three days at 5 minutes with a nightly job: the forecast acts from the second day.
    let mut csv = String::from("timestamp,value\n");
    for k in 0..3 * 288 {
        let at = t0() + Duration::minutes(5 * k);
        let minute_of_day = (5 * k) % 1440;
        let v = if (180..190).contains(&minute_of_day) {
            60.0
        } else {
            10.0
        };
        csv.push_str(&format!("{},{v:.1}\n", at.format("%Y-%m-%dT%H:%M:%SZ")));
    }
    std::fs::write(dir.path().join("nightly.csv"), csv).expect("write");
    let out_file = dir.path().join("out.md");
    let run = |extra: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_ebb"))
            .arg("bench-traces")
            .arg("--dir")
            .arg(dir.path())
            .args(extra)
            .output()
            .expect("run ebb")
    };
    let out = run(&["--out", out_file.to_str().expect("utf-8 path")]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(&out_file).expect("written");
    for part in [
        "## HPA defaults",
        "## recommended policy",
        "Forecast: `forecast_and_scale`, p75",
        "Saturation: while the ready instances use at least 95 % of their CPU limit",
        "## recommended policy against HPA defaults",
        "| nightly |",
        "| **total** |",
    ] {
        assert!(text.contains(part), "{part} missing in:\n{text}");
    }
    assert_eq!(text, String::from_utf8_lossy(&out.stdout));
    let out = run(&[
        "--forecast",
        r#"{"mode":"forecast_and_scale","quantile":2}"#,
    ]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("forecast.quantile"), "{err}");
}
