//! A backend's own error text never reaches viewers: the controller stores and shows classes
//! (decision rows, sentences, the workload's last error), pages and server functions show
//! classes, and only an admin sees the backend's words (in the connection test on /backends).
//! The backends here answer `SECRET token=abc123`: a simulator whose calls fail on demand,
//! and a "Docker daemon" that answers every request with HTTP 502. The migration that
//! rewrites texts stored before is in `migration.rs`.

mod migration;

use std::sync::Arc;

use axum::Router;
use ebb::model::auth::Role;
use ebb::server::clock::{Clock, TokioClock};
use ebb::server::controller::Controller;
use ebb::server::orchestrator::simulator::{SimWorkloadSpec, SimulatorBackend};
use ebb::server::orchestrator::OrchestratorError;
use ebb::server::state::AppState;
use ebb::server::store::workloads::WorkloadRow;

use super::support::{
    answering, api_post, cpu_policy, get, send, signed_in, state, store_sim_web, Faulty,
};

const SECRET: &str = "SECRET token=abc123";

struct Rig {
    state: AppState,
    controller: Controller,
    faulty: Arc<Faulty>,
    workload: WorkloadRow,
    /// A Swarm backend whose daemon answers every call with 502 and the secret.
    leaky: i64,
    _dir: tempfile::TempDir,
}

async fn rig() -> Rig {
    let (state, dir) = state().await;
    let store = state.store().clone();
    let now = chrono::Utc::now();
    // At least 3 replicas while 1 runs: the first evaluation that can observe scales.
    let mut policy = cpu_policy(70.0, 10, 0);
    policy.min_replicas = 3;
    let spec = SimWorkloadSpec {
        startup_secs: 0,
        ..Default::default()
    };
    let json = serde_json::to_string(&spec).expect("spec");
    let (backend, _, _) = store_sim_web(&store, &policy, 15, &json, now).await;
    let clock: Arc<dyn Clock> = Arc::new(TokioClock::new());
    let sim = Arc::new(SimulatorBackend::new(clock.clone()));
    sim.add_workload("web", spec).expect("sim");
    let faulty = Faulty::new(sim);
    state.backends().insert(backend, faulty.clone());
    let controller = Controller::with_registry(
        store.clone(),
        clock,
        state.inner.live.clone(),
        state.backends().clone(),
    );
    let workload = store.workloads().await.expect("workloads").remove(0);
    let daemon = answering(502, &format!("upstream said: {SECRET}")).await;
    let settings = format!(r#"{{"host":"tcp://{daemon}","label":""}}"#);
    let leaky = store
        .register_backend("leaky", "swarm", &settings, "t", now)
        .await
        .expect("swarm backend");
    Rig {
        state,
        controller,
        faulty,
        workload,
        leaky,
        _dir: dir,
    }
}

impl Rig {
    async fn app(&self, role: Role) -> Router {
        signed_in(&self.state, &format!("u-{}", role.name()), role).await
    }

    fn fail(&self, reads: Option<OrchestratorError>, writes: Option<OrchestratorError>) {
        *self.faulty.reads.lock().expect("lock") = reads;
        *self.faulty.writes.lock().expect("lock") = writes;
    }
}

async fn api(app: &Router, path: &str, body: &str) -> String {
    send(app, api_post(path, body)).await.1
}

#[tokio::test]
async fn backend_error_text_never_reaches_viewers() {
    let r = rig().await;
    // A read fails: the controller records the backend error.
    let dial = OrchestratorError::Unreachable(format!("dial tcp 10.1.2.3:2376: {SECRET}"));
    r.fail(Some(dial.clone()), None);
    r.controller.evaluate(&r.workload).await.expect("evaluate");
    // Reads work, the scale-up is refused: a failed decision, and the error again.
    let refused = OrchestratorError::Rejected(format!("Docker answered 400: {SECRET}"));
    r.fail(None, Some(refused));
    r.controller.evaluate(&r.workload).await.expect("evaluate");
    // The backend is down while people look (the resources form asks it live).
    r.fail(Some(dial), None);

    let viewer = r.app(Role::Viewer).await;
    let (w, leaky) = (r.workload.id, r.leaky);
    let mut seen = Vec::new();
    for path in [
        "/".to_string(),
        "/history".into(),
        format!("/workloads/{w}"),
        "/history/export.csv".into(),
        "/history/export.json".into(),
        "/backends".into(),
        format!("/backends?test={leaky}"),
    ] {
        seen.push((path.clone(), get(&viewer, &path).await.1));
    }
    for (path, body) in [
        ("/api/decisions", "filter[limit]=100".to_string()),
        ("/api/workloads", String::new()),
        ("/api/workload", format!("id={w}")),
        ("/api/workload_resources", format!("id={w}")),
        ("/api/test_backend", format!("id={leaky}")),
        ("/api/backend_services", format!("id={leaky}")),
        ("/api/backends_services", String::new()),
    ] {
        seen.push((path.to_string(), api(&viewer, path, &body).await));
    }
    for (path, text) in &seen {
        assert!(
            !text.contains("SECRET") && !text.contains("abc123") && !text.contains("10.1.2.3"),
            "{path} shows the backend's text to a viewer: {text}"
        );
    }
    let text = |p: &str| &seen.iter().find(|(s, _)| s == p).expect("seen").1;
    for (path, class) in [
        ("/history", "unreachable"),
        ("/history", "rejected"),
        ("/history/export.json", "unreachable"),
        ("/history/export.csv", "rejected"),
        ("/api/decisions", "rejected"),
        ("/api/workload_resources", "unreachable"),
        ("/backends", "HTTP status 502"),
        ("/api/test_backend", "HTTP status 502"),
    ] {
        assert!(
            text(path).contains(class),
            "{path} lacks the class {class}: {}",
            text(path)
        );
    }
    assert!(text(&format!("/workloads/{w}")).contains("backend rejected"));

    // The admin sees the daemon's own words in the connection test.
    let admin = r.app(Role::Admin).await;
    let (_, page) = get(&admin, &format!("/backends?test={leaky}")).await;
    assert!(
        page.contains("HTTP status 502") && page.contains(SECRET),
        "{page}"
    );
}
