//! The Prometheus reaction benchmark, run by hand with `scripts/bench-prometheus` (never by
//! the test command): a queue length an exporter serves rises at a different phase of the
//! controller's 1 s cycle each run; Prometheus scrapes every second. Reported: the time from
//! the change at the exporter, and from the moment Prometheus answers the new value, to the
//! scale call, median and p90 over 12 runs.

use std::sync::Arc;
use std::time::{Duration, Instant};

use ebb::server::clock::TokioClock;
use ebb::server::metrics::prometheus::registry::PromServers;
use ebb::server::metrics::prometheus::settings::PromSettings;
use ebb::server::orchestrator::simulator::{DemandSpec, SimWorkloadSpec, SimulatorBackend};
use ebb::server::orchestrator::Orchestrator;
use ebb_engine::{Behavior, Cooldown, MetricSource, MetricSpec, MetricTarget, Policy};

use super::prometheus::{exporter, prometheus_binary, query, start};
use super::support::{control_rig_with, wait_for};

fn pick(sorted: &[f64], q: f64) -> f64 {
    sorted[((sorted.len() as f64 * q).ceil() as usize).clamp(1, sorted.len()) - 1]
}

#[tokio::test]
#[ignore = "benchmark: run by scripts/bench-prometheus"]
async fn prometheus_bench_reaction_time() {
    let Some(binary) = prometheus_binary("Prometheus reaction benchmark") else {
        return;
    };
    let dir = tempfile::tempdir().expect("dir");
    let page = Arc::new(std::sync::Mutex::new("queue_depth 5\n".to_string()));
    let target = exporter(page.clone()).await;
    let prom = start(
        &binary,
        dir.path(),
        &format!(
            "global:\n  scrape_interval: 1s\n\
             scrape_configs:\n- job_name: exporter\n  static_configs:\n  - targets: ['{target}']\n"
        ),
    );
    let servers = Arc::new(PromServers::default());
    let settings = PromSettings {
        url: format!("http://127.0.0.1:{}", prom.port),
        auth: "none".into(),
        user: String::new(),
        secret_file: None,
        ca_file: None,
        skip_verify: false,
        timeout_ms: 2000,
    };
    servers.sync(&[(
        "main".into(),
        serde_json::to_string(&settings).expect("json"),
    )]);
    let q = r#"queue_depth{job="exporter"}"#;
    wait_for("Prometheus has the exporter", 60, || async {
        (!query(prom.port, q, "job").await.is_empty()).then_some(())
    })
    .await;
    let policy = Policy {
        min_replicas: 1,
        max_replicas: 10,
        metrics: vec![MetricSpec {
            name: "queue".into(),
            source: MetricSource::Prometheus {
                server: "main".into(),
                query: q.into(),
                instance_label: String::new(),
                empty_as_zero: false,
            },
            target: MetricTarget::AverageValue(10.0),
        }],
        behavior: Some(Behavior::default()),
        cooldown: Cooldown {
            scale_up_secs: 0,
            scale_down_secs: 0,
        },
        ..Default::default()
    };
    let sim = Arc::new(SimulatorBackend::new(Arc::new(TokioClock::new())));
    sim.add_workload(
        "web",
        SimWorkloadSpec {
            startup_secs: 0,
            initial_replicas: 1,
            demand: DemandSpec::Constant { value: 10.0 },
            ..Default::default()
        },
    )
    .expect("web");
    let (mut from_change, mut from_visible) = (Vec::new(), Vec::new());
    for run in 0..12u64 {
        let rig = control_rig_with(
            "simulator",
            "{}",
            "web",
            policy.clone(),
            sim.clone(),
            servers.clone(),
        )
        .await;
        rig.run_until(2, |_| false).await;
        let raise = page.clone();
        let load = async move {
            tokio::time::sleep(Duration::from_millis(1000 + 83 * run)).await;
            *raise.lock().expect("page") = "queue_depth 50\n".into();
            let changed = Instant::now();
            let visible = loop {
                if query(prom.port, q, "job")
                    .await
                    .first()
                    .is_some_and(|(_, v)| *v >= 50.0)
                {
                    break Instant::now();
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            };
            (changed, visible)
        };
        let ((changed, visible), at) = tokio::join!(load, rig.run_until(20, |n| n > 1));
        let at = at.expect("scaled up");
        from_change.push(at.duration_since(changed).as_secs_f64());
        from_visible.push(at.saturating_duration_since(visible).as_secs_f64());
        *page.lock().expect("page") = "queue_depth 5\n".into();
        let obs = sim.observe("web").await.expect("observe");
        sim.scale("web", 1, &obs.token).await.expect("reset to 1");
        wait_for("the queue back at 5 in Prometheus", 30, || async {
            query(prom.port, q, "job")
                .await
                .first()
                .filter(|(_, v)| *v < 10.0)
                .map(|_| ())
        })
        .await;
    }
    for (what, times) in [
        ("from the change at the exporter", &mut from_change),
        ("from Prometheus answering the new value", &mut from_visible),
    ] {
        times.sort_by(f64::total_cmp);
        println!(
            "Prometheus reaction time {what}, over {} runs: median {:.2} s, p90 {:.2} s, max {:.2} s",
            times.len(),
            pick(times, 0.5),
            pick(times, 0.9),
            pick(times, 1.0)
        );
        println!("all: {times:.2?}");
    }
}
