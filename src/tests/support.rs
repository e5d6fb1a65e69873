//! Shared helpers: a server configuration on a temporary database, the full router signed in
//! as a user of a chosen role (or nobody), request shortcuts, a backend wrapper that lets
//! someone else change a workload between our observation and our write, one whose calls fail
//! with errors the test chooses, and network targets that never answer or answer badly.

use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{header, HeaderValue, Request, Response};
use axum::Router;
use clap::Parser;
use ebb::model::auth::Role;
use ebb::server::auth::secrets::{digest, hash_password, random_hex};
use ebb::server::config::{Cli, ServeConfig};
use ebb::server::orchestrator::{
    Orchestrator, OrchestratorError, ResourceSpec, ScaleOutcome, WorkloadObservation, WorkloadRef,
};
use ebb::server::state::AppState;
use ebb::server::store::policies::Authorship;
use ebb::server::store::Store;
use futures::future::BoxFuture;
use tower::ServiceExt;

mod control;
mod targets;
pub use control::{control_rig, control_rig_with, ControlRig};
pub use targets::{answering, black_hole};

/// A configuration whose database lives in `dir`.
/// A simulated workload whose numbers can be computed by hand: instant metrics (no lag), no
/// request queue and no burst above the CPU request. Tests of the control loop start from it;
/// the realistic default model has its own tests in `simulator.rs`.
pub fn exact_sim() -> ebb::server::orchestrator::simulator::SimWorkloadSpec {
    use ebb::server::orchestrator::simulator::{MetricLag, SimWorkloadSpec};
    let d = SimWorkloadSpec::default();
    SimWorkloadSpec {
        resources: ebb::server::orchestrator::ResourceSpec {
            cpu_limit: d.resources.cpu_request,
            ..d.resources.clone()
        },
        queue_secs: 0.0,
        metric_lag: MetricLag::none(),
        ..d
    }
}

pub fn config_in(dir: &tempfile::TempDir) -> ServeConfig {
    config_with(dir, &[])
}

/// A configuration whose database lives in `dir`, with more command-line `flags`.
pub fn config_with(dir: &tempfile::TempDir, flags: &[&str]) -> ServeConfig {
    let db = format!("sqlite://{}", dir.path().join("ebb.db").display());
    let args = ["ebb", "--database-url", &db, "--bind", "127.0.0.1:0"];
    Cli::try_parse_from(args.iter().chain(flags))
        .expect("test flags parse")
        .serve
}

/// The state over a fresh database, and the directory that holds it.
pub async fn state() -> (AppState, tempfile::TempDir) {
    state_with(&[]).await
}

/// The state over a fresh database as these command-line `flags` configure it, and the
/// directory that holds the database.
pub async fn state_with(flags: &[&str]) -> (AppState, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("temp dir");
    let state = ebb::server::run::build_state(&config_with(&dir, flags))
        .await
        .expect("state");
    (state, dir)
}

/// Creates user `name` with `role` and a session; returns the session cookie value.
pub async fn session_for(state: &AppState, name: &str, role: Role) -> String {
    let store = state.store();
    let hash = hash_password("test password 123").expect("hash");
    let now = chrono::Utc::now();
    let id = store
        .create_user(name, role, &hash, false, "test", now)
        .await
        .expect("user");
    let sid = random_hex(32);
    store
        .create_session(&digest(&sid), id, "test", now, chrono::Duration::hours(1))
        .await
        .expect("session");
    sid
}

/// The router as a browser on this site would reach it: every request carries `cookie` (when
/// given) and same-origin `Host`/`Origin` headers unless the test set its own.
pub fn as_browser(router: Router, cookie: Option<String>) -> Router {
    router.layer(axum::middleware::map_request(
        move |mut req: Request<Body>| {
            let cookie = cookie.clone();
            async move {
                let h = req.headers_mut();
                if let Some(sid) = cookie {
                    if !h.contains_key(header::COOKIE) {
                        if let Ok(v) =
                            HeaderValue::from_str(&format!("{}={sid}", ebb::server::auth::COOKIE))
                        {
                            h.insert(header::COOKIE, v);
                        }
                    }
                }
                h.entry(header::HOST)
                    .or_insert(HeaderValue::from_static("localhost"));
                h.entry(header::ORIGIN)
                    .or_insert(HeaderValue::from_static("http://localhost"));
                // As `into_make_service_with_connect_info` does for real connections.
                let peer = std::net::SocketAddr::from(([192, 0, 2, 7], 40000));
                req.extensions_mut()
                    .insert(axum::extract::ConnectInfo(peer));
                req
            }
        },
    ))
}

/// The full router over `state` as a browser signed in as user `name` with `role` (the user
/// and a session are created).
pub async fn signed_in(state: &AppState, name: &str, role: Role) -> Router {
    let cookie = session_for(state, name, role).await;
    let router = ebb::server::http::router(state.clone(), Duration::from_secs(30));
    as_browser(router, Some(cookie))
}

/// The full router over a fresh database, signed in as an admin.
pub async fn app() -> (Router, tempfile::TempDir) {
    app_as(Some(Role::Admin)).await
}

/// The full router over a fresh database, signed in with `role` (`None`: nobody).
pub async fn app_as(role: Option<Role>) -> (Router, tempfile::TempDir) {
    let (state, dir) = state().await;
    let app = match role {
        Some(r) => signed_in(&state, &format!("test-{}", r.name()), r).await,
        None => as_browser(
            ebb::server::http::router(state, Duration::from_secs(30)),
            None,
        ),
    };
    (app, dir)
}

/// Sends a request and returns the response with its body as text.
pub async fn send(app: &Router, req: Request<Body>) -> (Response<Body>, String) {
    let res = app.clone().oneshot(req).await.expect("response");
    let (parts, body) = res.into_parts();
    let bytes = axum::body::to_bytes(body, 10 << 20).await.expect("body");
    (
        Response::from_parts(parts, Body::empty()),
        String::from_utf8_lossy(&bytes).into_owned(),
    )
}

/// A form post to `path` as a server function's client sends it (form fields in, JSON back).
pub fn api_post(path: &str, body: impl Into<String>) -> Request<Body> {
    Request::post(path)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ACCEPT, "application/json")
        .body(Body::from(body.into()))
        .expect("request")
}

/// Sends a GET (as a browser asking for a page) and returns the response with its body.
pub async fn get(app: &Router, path: &str) -> (Response<Body>, String) {
    let req = Request::get(path)
        .header(header::ACCEPT, "text/html")
        .body(Body::empty())
        .expect("request");
    send(app, req).await
}

/// Stores what controller tests start from: simulator backend `sim`, policy `p` (`policy`) and
/// workload `web` under it, evaluated every `interval` s with simulator settings `spec` (JSON;
/// `"{}"` for the defaults), all at `at`. Returns the backend's, policy's and workload's ids.
pub async fn store_sim_web(
    store: &Store,
    policy: &ebb_engine::Policy,
    interval: u32,
    spec: &str,
    at: chrono::DateTime<chrono::Utc>,
) -> (i64, i64, i64) {
    let backend = store
        .insert_backend("sim", "simulator", "{}", at)
        .await
        .expect("backend");
    let who = Authorship {
        author: "test",
        comment: "test",
        at,
    };
    let pid = store.create_policy("p", policy, who).await.expect("policy");
    let workload = store
        .insert_workload(backend, "web", Some(pid), interval, spec, at)
        .await
        .expect("workload");
    (backend, pid, workload)
}

/// A cpu-utilization policy: `target` % of the request, 1..=`max` replicas, HPA behaviour with
/// a scale-down window of `down` s, no cooldown (what the controller and Swarm tests scale by).
pub fn cpu_policy(target: f64, max: u32, down: u32) -> ebb_engine::Policy {
    use ebb_engine::{
        Behavior, Cooldown, MetricSource, MetricSpec, MetricTarget, ResourceName, ScalingRules,
    };
    ebb_engine::Policy {
        min_replicas: 1,
        max_replicas: max,
        metrics: vec![MetricSpec {
            name: "cpu".into(),
            source: MetricSource::Resource {
                resource: ResourceName::Cpu,
            },
            target: MetricTarget::Utilization(target),
        }],
        behavior: Some(Behavior {
            scale_down: ScalingRules {
                stabilization_window_secs: Some(down),
                ..Default::default()
            },
            ..Default::default()
        }),
        cooldown: Cooldown {
            scale_up_secs: 0,
            scale_down_secs: 0,
        },
        ..Default::default()
    }
}

/// A backend that runs `meddle` once, right before the first `set_resources` reaches `inner`:
/// another operator's change between our observation and our write.
pub struct MeddleBeforeWrite {
    inner: Arc<dyn Orchestrator>,
    meddle: Mutex<Option<BoxFuture<'static, ()>>>,
}

impl MeddleBeforeWrite {
    /// Wraps `inner`; `meddle` runs before its first resources write.
    pub fn new(
        inner: Arc<dyn Orchestrator>,
        meddle: impl Future<Output = ()> + Send + 'static,
    ) -> Arc<MeddleBeforeWrite> {
        Arc::new(MeddleBeforeWrite {
            inner,
            meddle: Mutex::new(Some(Box::pin(meddle))),
        })
    }
}

#[async_trait::async_trait]
impl Orchestrator for MeddleBeforeWrite {
    async fn list_workloads(&self) -> Result<Vec<WorkloadRef>, OrchestratorError> {
        self.inner.list_workloads().await
    }
    async fn observe(&self, w: &str) -> Result<WorkloadObservation, OrchestratorError> {
        self.inner.observe(w).await
    }
    async fn scale(&self, w: &str, n: u32, token: &str) -> Result<ScaleOutcome, OrchestratorError> {
        self.inner.scale(w, n, token).await
    }
    async fn resources(&self, w: &str) -> Result<(ResourceSpec, String), OrchestratorError> {
        self.inner.resources(w).await
    }
    async fn set_resources(
        &self,
        w: &str,
        r: &ResourceSpec,
        token: &str,
    ) -> Result<String, OrchestratorError> {
        let meddle = self.meddle.lock().expect("meddle lock").take();
        if let Some(meddle) = meddle {
            meddle.await;
        }
        self.inner.set_resources(w, r, token).await
    }
}

/// A backend whose calls fail on demand with errors the test chooses (e.g. text holding a
/// secret, as a hostile or careless target answers), and otherwise run on `inner`.
pub struct Faulty {
    inner: Arc<dyn Orchestrator>,
    /// The error of every reading call (list, observe, resources), while set.
    pub reads: Mutex<Option<OrchestratorError>>,
    /// The error of every writing call (scale, set_resources), while set.
    pub writes: Mutex<Option<OrchestratorError>>,
}

impl Faulty {
    /// Wraps `inner`; nothing fails until an error is set.
    pub fn new(inner: Arc<dyn Orchestrator>) -> Arc<Faulty> {
        Arc::new(Faulty {
            inner,
            reads: Mutex::new(None),
            writes: Mutex::new(None),
        })
    }

    fn failing(slot: &Mutex<Option<OrchestratorError>>) -> Result<(), OrchestratorError> {
        match slot.lock().expect("fault lock").clone() {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }
}

#[async_trait::async_trait]
impl Orchestrator for Faulty {
    async fn list_workloads(&self) -> Result<Vec<WorkloadRef>, OrchestratorError> {
        Faulty::failing(&self.reads)?;
        self.inner.list_workloads().await
    }
    async fn observe(&self, w: &str) -> Result<WorkloadObservation, OrchestratorError> {
        Faulty::failing(&self.reads)?;
        self.inner.observe(w).await
    }
    async fn scale(&self, w: &str, n: u32, token: &str) -> Result<ScaleOutcome, OrchestratorError> {
        Faulty::failing(&self.writes)?;
        self.inner.scale(w, n, token).await
    }
    async fn resources(&self, w: &str) -> Result<(ResourceSpec, String), OrchestratorError> {
        Faulty::failing(&self.reads)?;
        self.inner.resources(w).await
    }
    async fn set_resources(
        &self,
        w: &str,
        r: &ResourceSpec,
        token: &str,
    ) -> Result<String, OrchestratorError> {
        Faulty::failing(&self.writes)?;
        self.inner.set_resources(w, r, token).await
    }
}

/// Polls `check` every 200 ms until it returns `Some`, at most `secs` seconds.
pub async fn wait_for<T, F, Fut>(what: &str, secs: u64, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let start = Instant::now();
    loop {
        if let Some(v) = check().await {
            return v;
        }
        assert!(
            start.elapsed() < Duration::from_secs(secs),
            "timed out after {secs} s waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// A controller over `state`'s store with the state's backend registry, telemetry and
/// Prometheus servers (what `ebb serve` builds), on the real clock.
pub fn controller_on(state: &AppState) -> std::sync::Arc<ebb::server::controller::Controller> {
    let clock: std::sync::Arc<dyn ebb::server::clock::Clock> =
        std::sync::Arc::new(ebb::server::clock::TokioClock::new());
    std::sync::Arc::new(
        ebb::server::controller::Controller::with_registry(
            state.store().clone(),
            clock,
            state.inner.live.clone(),
            state.backends().clone(),
        )
        .with_telemetry(state.inner.telemetry.clone())
        .with_prometheus(state.inner.prometheus.clone()),
    )
}

/// Follows what-if `state` (the answer to a preview) through `/api/whatif_status` until it is
/// no longer running, as the editor does in the browser; its end state.
pub async fn whatif_end(
    app: &Router,
    state: ebb::model::policies::WhatIfState,
) -> ebb::model::policies::WhatIfState {
    use ebb::model::policies::WhatIfState;
    let began = std::time::Instant::now();
    let mut state = state;
    while let Some(job) = state.running_job().map(str::to_string) {
        assert!(
            began.elapsed() < Duration::from_secs(120),
            "the what-if never finished: {state:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
        let (res, body) = send(app, api_post("/api/whatif_status", format!("job={job}"))).await;
        assert!(res.status().is_success(), "{} {body}", res.status());
        state = serde_json::from_str::<WhatIfState>(&body)
            .unwrap_or_else(|e| panic!("status {body}: {e}"));
    }
    state
}

/// The result a finished what-if answer holds (panics with the state otherwise).
pub fn whatif_done(state: ebb::model::policies::WhatIfState) -> ebb::model::policies::WhatIf {
    match state {
        ebb::model::policies::WhatIfState::Done(w) => *w,
        other => panic!("no what-if result: {other:?}"),
    }
}
