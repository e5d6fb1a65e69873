//! The Swarm backend against a real Docker Engine in swarm mode, started by scripts/swarm-test
//! (which sets EBB_TEST_DOCKER_SOCKET; without it every test prints a notice and passes):
//! discovery with the label filter, observation of tasks and container load, scaling both ways,
//! a concurrent `docker service update` between observe and scale, an unreachable daemon, and
//! crashing tasks counted as restarts and reported in the workload's history.
//! The controller end to end and the reaction-time benchmark are in `swarm/e2e.rs`.

mod e2e;
mod register;
mod resources;
mod rig;

use bollard::models::TaskSpecContainerSpec;
use ebb::server::orchestrator::{ObservedState, Orchestrator, OrchestratorError};
use rig::{backend, create, docker, other_update, socket, spec, wait_for, wait_ready, Svc};

#[tokio::test]
async fn swarm_discovery_filters_by_label_and_lists_global_services_as_unscalable() {
    let Some(sock) = socket("swarm discovery") else {
        return;
    };
    let d = docker(&sock).await;
    create(&d, &Svc::new("sw-d-labelled")).await;
    create(
        &d,
        &Svc {
            label: false,
            ..Svc::new("sw-d-plain")
        },
    )
    .await;
    create(
        &d,
        &Svc {
            replicas: None,
            ..Svc::new("sw-d-global")
        },
    )
    .await;

    let labelled = backend(&sock, "ebb.enable=true")
        .list_workloads()
        .await
        .expect("list");
    let names: Vec<&str> = labelled.iter().map(|w| w.name.as_str()).collect();
    assert!(
        names.contains(&"sw-d-labelled") && names.contains(&"sw-d-global"),
        "{names:?}"
    );
    assert!(
        !names.contains(&"sw-d-plain"),
        "unlabelled services are left out: {names:?}"
    );
    let global = labelled
        .iter()
        .find(|w| w.name == "sw-d-global")
        .expect("global listed");
    assert!(!global.scalable);
    assert!(
        global.note.as_deref().is_some_and(|n| n.contains("global")),
        "{global:?}"
    );
    assert!(labelled
        .iter()
        .find(|w| w.name == "sw-d-labelled")
        .is_some_and(|w| w.scalable));

    let all = backend(&sock, "").list_workloads().await.expect("list all");
    assert!(
        all.iter().any(|w| w.name == "sw-d-plain"),
        "empty filter lists all"
    );
    let err = backend(&sock, "")
        .scale("sw-d-global", 3, "0")
        .await
        .expect_err("global");
    assert!(
        matches!(err, OrchestratorError::Rejected(ref m) if m.contains("global")),
        "{err}"
    );
    for s in ["sw-d-labelled", "sw-d-plain", "sw-d-global"] {
        let _ = d.delete_service(s).await;
    }
}

#[tokio::test]
async fn swarm_observe_reads_tasks_cpu_memory_and_resources() {
    let Some(sock) = socket("swarm observe") else {
        return;
    };
    let d = docker(&sock).await;
    let burn = Svc {
        cmd: "while :; do :; done",
        replicas: Some(2),
        limit_cpu: Some(0.5),
        ..Svc::new("sw-o-burn")
    };
    create(&d, &burn).await;
    create(
        &d,
        &Svc {
            reserve_cpu: None,
            ..Svc::new("sw-o-bare")
        },
    )
    .await;
    let b = backend(&sock, "ebb.enable=true");
    wait_ready(&b, "sw-o-burn", 2, 60).await;
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    let o = b.observe("sw-o-burn").await.expect("observe");
    assert_eq!(o.replicas, 2);
    assert_eq!(o.resources.cpu_request, Some(0.1));
    assert_eq!(o.resources.cpu_limit, Some(0.5));
    let version = d
        .inspect_service(
            "sw-o-burn",
            None::<bollard::query_parameters::InspectServiceOptions>,
        )
        .await
        .expect("inspect")
        .version
        .and_then(|v| v.index)
        .expect("index");
    assert_eq!(o.token, version.to_string(), "token = version index");
    for i in &o.instances {
        assert_eq!(i.state, ObservedState::Ready, "{i:?}");
        let cpu = i.metrics.get("cpu").copied().expect("cpu read");
        assert!(
            (0.3..=0.6).contains(&cpu),
            "burning under a 0.5 limit: {cpu} cores"
        );
        assert!(i.metrics.get("memory").is_some_and(|m| *m > 0.0), "{i:?}");
        // The CPU readiness rule (HPA's) needs the sample's time and span: the daemon's read
        // times, about a second apart for a first sample.
        let window = i.sample_window_secs.expect("sample window");
        assert!((0.1..=30.0).contains(&window), "{window} s");
        let at = i.sample_at.expect("sample time");
        assert!((o.at - at).num_seconds().abs() < 30, "{at} vs {}", o.at);
        assert!(
            i.metrics.get("cpu_of_limit").is_some_and(|p| *p > 60.0),
            "{i:?}"
        );
    }
    assert!(
        o.notes.iter().all(|n| !n.contains("CPU")),
        "has a CPU reservation: {:?}",
        o.notes
    );

    wait_ready(&b, "sw-o-bare", 1, 60).await;
    let bare = b.observe("sw-o-bare").await.expect("observe bare");
    assert!(
        bare.notes
            .iter()
            .any(|n| n.contains("no CPU reservation or limit") && n.contains("--reserve-cpu")),
        "the operator is told what to do: {:?}",
        bare.notes
    );
    let missing = b.observe("sw-no-such-service").await.expect_err("unknown");
    assert!(
        matches!(missing, OrchestratorError::NotFound(_)),
        "{missing}"
    );
    for s in ["sw-o-burn", "sw-o-bare"] {
        let _ = d.delete_service(s).await;
    }
}

#[tokio::test]
async fn swarm_failing_tasks_show_as_restarts() {
    let Some(sock) = socket("swarm restarts") else {
        return;
    };
    let d = docker(&sock).await;
    create(
        &d,
        &Svc {
            cmd: "sleep 0.3; exit 3",
            ..Svc::new("sw-f-crash")
        },
    )
    .await;
    let b = backend(&sock, "");
    let restarts = wait_for("two failures of slot 1", 60, || async {
        let o = b.observe("sw-f-crash").await.ok()?;
        let r = o.instances.iter().map(|i| i.restarts).max()?;
        (r >= 2).then_some(r)
    })
    .await;
    assert!(restarts >= 2);
    // Swarm keeps 5 tasks per slot; the count goes on past them.
    let restarts = wait_for("eight failures of slot 1", 90, || async {
        let o = b.observe("sw-f-crash").await.ok()?;
        let r = o.instances.iter().map(|i| i.restarts).max()?;
        (r >= 8).then_some(r)
    })
    .await;
    assert!(restarts >= 8);

    // The controller puts them in the workload's history.
    let dir = tempfile::tempdir().expect("tmp");
    let url = ebb::server::config::DatabaseUrl::SqliteFile(dir.path().join("f.db"));
    let store = ebb::server::store::Store::open(&url).await.expect("store");
    let now = chrono::Utc::now();
    let settings = serde_json::json!({ "socket": sock, "label": "" }).to_string();
    let bid = store
        .insert_backend("swarm", "swarm", &settings, now)
        .await
        .expect("backend");
    let wid = store
        .insert_workload(bid, "sw-f-crash", None, 1, "{}", now)
        .await
        .expect("workload");
    let (live, _) = tokio::sync::broadcast::channel(4);
    let clock = std::sync::Arc::new(ebb::server::clock::TokioClock::new());
    let controller = ebb::server::controller::Controller::new(store.clone(), clock, live);
    controller.register_backend(bid, std::sync::Arc::new(backend(&sock, "")));
    let row = store.workload(wid).await.expect("read").expect("row");
    let filter = ebb::model::decision::DecisionFilter {
        workload_id: Some(wid),
        reason: Some(ebb::server::controller::faults::FAULT_REASON.into()),
        ..Default::default()
    };
    let report = wait_for("a failure report in the history", 60, || async {
        controller
            .evaluate(&row)
            .await
            .expect("evaluation recorded");
        store
            .decisions(&filter)
            .await
            .expect("read")
            .into_iter()
            .next()
    })
    .await;
    assert_eq!(report.outcome, "error");
    assert!(
        report.sentence.contains("instance failure(s)")
            && report.sentence.contains("sw-f-crash.1."),
        "{}",
        report.sentence
    );
    let _ = d.delete_service("sw-f-crash").await;
}

#[tokio::test]
async fn swarm_scales_up_and_down() {
    let Some(sock) = socket("swarm scale") else {
        return;
    };
    let d = docker(&sock).await;
    create(&d, &Svc::new("sw-s")).await;
    let b = backend(&sock, "ebb.enable=true");
    wait_ready(&b, "sw-s", 1, 60).await;
    let o = b.observe("sw-s").await.expect("observe");
    let out = b.scale("sw-s", 3, &o.token).await.expect("scale up");
    assert_eq!(out.replicas, 3);
    assert_ne!(out.token, o.token, "a new version");
    wait_ready(&b, "sw-s", 3, 60).await;
    let o = b.observe("sw-s").await.expect("observe");
    assert_eq!(o.replicas, 3);
    b.scale("sw-s", 1, &o.token).await.expect("scale down");
    wait_ready(&b, "sw-s", 1, 60).await;
    let _ = d.delete_service("sw-s").await;
}

#[tokio::test]
async fn swarm_concurrent_update_is_kept_and_a_concurrent_scale_is_a_conflict() {
    let Some(sock) = socket("swarm conflict") else {
        return;
    };
    let d = docker(&sock).await;
    create(&d, &Svc::new("sw-c")).await;
    let b = backend(&sock, "ebb.enable=true");
    wait_ready(&b, "sw-c", 1, 60).await;

    // Someone adds an env var between our read and our write: our scale keeps it.
    let o = b.observe("sw-c").await.expect("observe");
    other_update(&d, "sw-c", |s| {
        let c = s
            .task_template
            .as_mut()
            .and_then(|t| t.container_spec.as_mut())
            .expect("container");
        c.env = Some(vec!["ADDED_BY_SOMEONE=1".into()]);
    })
    .await;
    let stale = b
        .scale_at_index("sw-c", 2, o.token.parse().expect("index"))
        .await;
    assert!(
        matches!(stale, Err(OrchestratorError::Conflict(_))),
        "stale index: {stale:?}"
    );
    b.scale("sw-c", 2, &o.token)
        .await
        .expect("retried on the fresh spec");
    let now = spec(&d, "sw-c").await;
    let env = now
        .task_template
        .and_then(|t| t.container_spec)
        .and_then(|c: TaskSpecContainerSpec| c.env);
    assert_eq!(
        env,
        Some(vec!["ADDED_BY_SOMEONE=1".to_string()]),
        "the other change is kept"
    );
    let replicas = now.mode.and_then(|m| m.replicated).and_then(|r| r.replicas);
    assert_eq!(replicas, Some(2));

    // Someone scales it themselves after our read: we do not overwrite their count.
    let o = b.observe("sw-c").await.expect("observe");
    other_update(&d, "sw-c", |s| {
        s.mode
            .as_mut()
            .and_then(|m| m.replicated.as_mut())
            .expect("replicated")
            .replicas = Some(4);
    })
    .await;
    let err = b
        .scale("sw-c", 1, &o.token)
        .await
        .expect_err("their count wins");
    assert!(
        matches!(err, OrchestratorError::Conflict(ref m) if m.contains("someone else")),
        "{err}"
    );
    let replicas = spec(&d, "sw-c")
        .await
        .mode
        .and_then(|m| m.replicated)
        .and_then(|r| r.replicas);
    assert_eq!(replicas, Some(4));
    let _ = d.delete_service("sw-c").await;
}

#[tokio::test]
async fn swarm_wrong_socket_is_unreachable() {
    let Some(_sock) = socket("swarm unreachable") else {
        return;
    };
    let b = backend("/tmp/ebb-no-such-daemon.sock", "");
    let err = b.observe("web").await.expect_err("no daemon");
    assert!(
        matches!(err, OrchestratorError::Unreachable(ref m) if m.contains("dockerd")),
        "{err}"
    );
    let err = b.test_connection().await.expect_err("no daemon");
    assert!(matches!(err, OrchestratorError::Unreachable(_)), "{err}");
}
