//! The controller over a real swarm: CPU load scales a service up and, after the load stops
//! and the scale-down window passes, back down; a stopped daemon scales nothing and the
//! workload recovers when it returns; and the reaction-time benchmark (`--ignored`).

use std::sync::Arc;
use std::time::{Duration, Instant};

use ebb::server::orchestrator::{Orchestrator, OrchestratorError};
use ebb_engine::Policy;

use crate::support::{control_rig, cpu_policy, ControlRig};

use super::rig::{backend, create, docker, other_update, socket, wait_ready, Svc, BURN_ON_TRIGGER};

/// A store with a Swarm backend on `sock` and a 1 s-interval workload `service` under `policy`.
async fn rig(sock: &str, service: &str, policy: Policy) -> ControlRig {
    let settings = serde_json::json!({ "socket": sock }).to_string();
    let backend = Arc::new(backend(sock, "ebb.enable=true"));
    control_rig("swarm", &settings, service, policy, backend).await
}

/// Creates service `name`, whose containers burn CPU while a file `burn` exists in the returned
/// folder (mounted into them).
async fn create_burner(d: &bollard::Docker, name: &str) -> tempfile::TempDir {
    let trigger = tempfile::tempdir_in("/tmp").expect("trigger dir");
    let mount = trigger.path().to_str().expect("utf-8 path").to_string();
    create(
        d,
        &Svc {
            cmd: BURN_ON_TRIGGER,
            mount: Some(&mount),
            ..Svc::new(name)
        },
    )
    .await;
    trigger
}

#[tokio::test]
async fn swarm_controller_scales_up_on_cpu_and_back_down_after_the_window() {
    let Some(sock) = socket("swarm end to end") else {
        return;
    };
    let d = docker(&sock).await;
    let trigger = create_burner(&d, "sw-e").await;
    let rig = rig(&sock, "sw-e", cpu_policy(50.0, 3, 3)).await;
    let b = backend(&sock, "");
    wait_ready(&b, "sw-e", 1, 60).await;
    assert!(
        rig.run_until(3, |_| true).await.is_none(),
        "idle: no scaling"
    );

    std::fs::write(trigger.path().join("burn"), b"").expect("start load");
    rig.run_until(20, |n| n > 1)
        .await
        .expect("scaled up on CPU");
    wait_ready(&b, "sw-e", 3, 60).await;

    // The load stops: the command becomes `sleep` again (a rolling update that keeps replicas).
    other_update(&d, "sw-e", |s| {
        let c = s
            .task_template
            .as_mut()
            .and_then(|t| t.container_spec.as_mut())
            .expect("container");
        c.command = Some(vec!["sh".into(), "-c".into(), "sleep 3600".into()]);
    })
    .await;
    let down = rig.run_until(90, |n| n == 1).await;
    assert!(
        down.is_some(),
        "scaled back down after the window: {:?}",
        rig.rec.scaled.lock().map(|s| s.clone())
    );
    let detail = rig
        .store
        .workload_detail(rig.workload.id)
        .await
        .expect("detail")
        .expect("row");
    assert!(
        detail.decisions.iter().any(|x| x.direction == "down"),
        "the history shows it"
    );
    let _ = d.delete_service("sw-e").await;
}

#[tokio::test]
async fn swarm_daemon_outage_scales_nothing_and_recovers() {
    let Some(sock) = socket("swarm outage") else {
        return;
    };
    let Ok(ctl) = std::env::var("EBB_TEST_DOCKERD_CTL") else {
        println!("skipping the daemon stop/start case: EBB_TEST_DOCKERD_CTL is unset");
        return;
    };
    let d = docker(&sock).await;
    create(
        &d,
        &Svc {
            replicas: Some(2),
            ..Svc::new("sw-u")
        },
    )
    .await;
    // Idle service, min 1: the policy would scale in if it could see the service.
    let rig = rig(&sock, "sw-u", cpu_policy(50.0, 3, 0)).await;
    let b = backend(&sock, "");
    wait_ready(&b, "sw-u", 2, 60).await;

    let run = |arg: &str| {
        let ok = std::process::Command::new(&ctl)
            .arg(arg)
            .status()
            .map(|s| s.success());
        assert!(matches!(ok, Ok(true)), "{ctl} {arg}: {ok:?}");
    };
    run("stop");
    let err = b.observe("sw-u").await.expect_err("daemon down");
    assert!(matches!(err, OrchestratorError::Unreachable(_)), "{err}");
    for _ in 0..3 {
        rig.controller
            .evaluate(&rig.workload)
            .await
            .expect("evaluation recorded");
    }
    assert!(
        rig.rec.scaled.lock().map(|s| s.is_empty()).unwrap_or(false),
        "no scale-in while blind"
    );
    let status = rig
        .store
        .workload_summary(rig.workload.id)
        .await
        .expect("summary")
        .expect("row");
    assert!(status.last_error.is_some_and(|e| e.contains("unreachable")));

    run("start");
    super::rig::wait_for("the daemon back", 90, || async {
        b.observe("sw-u").await.ok()
    })
    .await;
    rig.run_until(30, |n| n == 1)
        .await
        .expect("evaluations resume and act");
    let _ = d.delete_service("sw-u").await;
}

/// Reaction time: containers start burning CPU → the controller's scale call, 1 s interval.
#[tokio::test]
#[ignore = "benchmark: run by scripts/swarm-test with --ignored"]
async fn swarm_bench_reaction_time() {
    let Some(sock) = socket("swarm benchmark") else {
        return;
    };
    let d = docker(&sock).await;
    let trigger = create_burner(&d, "sw-b").await;
    let b = backend(&sock, "");
    wait_ready(&b, "sw-b", 1, 60).await;
    let burn = trigger.path().join("burn");
    let mut times = Vec::new();
    for run in 0..12 {
        // A fresh controller each run: the previous run's scale-up (undone behind its back
        // below) would otherwise count against HPA's scale-up rate limit of this one.
        let rig = rig(&sock, "sw-b", cpu_policy(50.0, 3, 0)).await;
        // Start the load at a different phase of the 1 s evaluation cycle each run.
        rig.run_until(2, |_| false).await;
        tokio::time::sleep(Duration::from_millis(83 * run)).await;
        let start = Instant::now();
        std::fs::write(&burn, b"").expect("start load");
        let at = rig.run_until(20, |n| n > 1).await.expect("scaled up");
        times.push(at.duration_since(start).as_secs_f64());
        std::fs::remove_file(&burn).expect("stop load");
        let o = b.observe("sw-b").await.expect("observe");
        b.scale("sw-b", 1, &o.token).await.expect("reset to 1");
        wait_ready(&b, "sw-b", 1, 60).await;
    }
    times.sort_by(f64::total_cmp);
    let pick = |q: f64| times[((times.len() as f64 * q).ceil() as usize).clamp(1, times.len()) - 1];
    println!(
        "swarm reaction time over {} runs: median {:.2} s, p90 {:.2} s, max {:.2} s, min {:.2} s",
        times.len(),
        pick(0.5),
        pick(0.9),
        pick(1.0),
        times[0]
    );
    println!("all: {times:.2?}");
    let _ = d.delete_service("sw-b").await;
    assert!(
        pick(0.5) <= 2.0,
        "median reaction {:.2} s exceeds the 2 s goal",
        pick(0.5)
    );
}
