//! Resources from the workload page against the simulator backend, through the real router:
//! values are applied by the backend, audited with before and after, and kept in the simulated
//! workload's stored model; invalid input, a stale form, an unreachable or unconnected backend
//! change nothing; a concurrent scale between observation and write is retried and kept; the
//! form works without JavaScript (post, redirect, errors beside their fields).

use std::sync::Arc;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use axum::Router;
use ebb::model::auth::Role;
use ebb::model::resources::ResourcesView;
use ebb::server::clock::{Clock, TokioClock};
use ebb::server::orchestrator::simulator::{SimWorkloadSpec, SimulatorBackend};
use ebb::server::orchestrator::{Orchestrator, ResourceSpec};
use ebb::server::state::AppState;

use super::support::{api_post, get, send, signed_in, state, MeddleBeforeWrite};

const MIB: f64 = 1024.0 * 1024.0;

struct Rig {
    state: AppState,
    sim: Arc<SimulatorBackend>,
    workload: i64,
    _dir: tempfile::TempDir,
}

/// A simulator backend with workload `web` (the simulator's default resources: 0.5 / 1 cores,
/// 256 / 512 MiB), registered in the state's backend registry.
async fn rig() -> Rig {
    let (state, dir) = state().await;
    let store = state.store();
    let now = chrono::Utc::now();
    let backend = store
        .insert_backend("sim", "simulator", "{}", now)
        .await
        .expect("backend");
    let spec = SimWorkloadSpec {
        startup_secs: 0,
        ..Default::default()
    };
    let workload = store
        .insert_workload(
            backend,
            "web",
            None,
            15,
            &serde_json::to_string(&spec).expect("json"),
            now,
        )
        .await
        .expect("workload");
    let clock: Arc<dyn Clock> = Arc::new(TokioClock::new());
    let sim = Arc::new(SimulatorBackend::new(clock));
    sim.add_workload("web", spec).expect("sim");
    state.backends().insert(backend, sim.clone());
    Rig {
        state,
        sim,
        workload,
        _dir: dir,
    }
}

impl Rig {
    async fn app(&self, role: Role) -> Router {
        signed_in(&self.state, &format!("r-{}", role.name()), role).await
    }

    async fn live(&self) -> ResourceSpec {
        self.sim.observe("web").await.expect("observe").resources
    }

    async fn audits(&self) -> Vec<(String, Option<String>, Option<String>)> {
        sqlx::query_as(
            "SELECT action, before, after FROM audit_log WHERE action = 'workload.set_resources' ORDER BY id",
        )
        .fetch_all(self.state.store().pool())
        .await
        .expect("audit")
    }

    fn body(&self, fields: [&str; 4], fingerprint: &str) -> String {
        let [cr, cl, mr, ml] = fields.map(|f| f.replace(' ', "+"));
        format!(
            "workload_id={}&cpu_request={cr}&cpu_limit={cl}&memory_request={mr}&memory_limit={ml}&fingerprint={}",
            self.workload,
            fingerprint.replace(' ', "+").replace(':', "%3A").replace('/', "%2F")
        )
    }
}

async fn current(app: &Router, id: i64) -> ResourcesView {
    let (res, text) = send(app, api_post("/api/workload_resources", format!("id={id}"))).await;
    assert_eq!(res.status(), StatusCode::OK, "{text}");
    serde_json::from_str(&text).expect("view")
}

#[tokio::test]
async fn resources_are_applied_by_the_backend_audited_and_kept_in_the_model() {
    let r = rig().await;
    let app = r.app(Role::Editor).await;
    let shown = current(&app, r.workload).await;
    assert_eq!(shown.resources.cpu_request, Some(0.5));
    assert_eq!(shown.resources.memory_limit, Some(512.0 * MIB));

    let body = r.body(["0.25", "500m", "128M", "1.5 GiB"], &shown.fingerprint);
    let (res, text) = send(&app, api_post("/api/set_resources", body)).await;
    assert_eq!(res.status(), StatusCode::OK, "{text}");
    let after: ResourcesView = serde_json::from_str(&text).expect("view");
    let want = ResourceSpec {
        cpu_request: Some(0.25),
        cpu_limit: Some(0.5),
        memory_request: Some(128.0 * MIB),
        memory_limit: Some(1536.0 * MIB),
    };
    assert_eq!(r.live().await, want, "the simulator runs the new values");
    assert_eq!(after.resources.cpu_limit, Some(0.5));

    let audits = r.audits().await;
    assert_eq!(audits.len(), 1, "{audits:?}");
    let before: serde_json::Value =
        serde_json::from_str(audits[0].1.as_deref().unwrap_or("")).expect("before json");
    let recorded: serde_json::Value =
        serde_json::from_str(audits[0].2.as_deref().unwrap_or("")).expect("after json");
    assert_eq!(before["cpu_request"], 0.5);
    assert_eq!(recorded["memory_request"], 128.0 * MIB);

    let spec: String = sqlx::query_scalar("SELECT spec FROM workloads WHERE id = ?")
        .bind(r.workload)
        .fetch_one(r.state.store().pool())
        .await
        .expect("spec");
    let stored: SimWorkloadSpec = serde_json::from_str(&spec).expect("stored model");
    assert_eq!(stored.resources, want, "survives a restart of ebb");
    assert_eq!(stored.startup_secs, 0, "the rest of the model is kept");

    // The form shown before the change is stale now: refused, nothing changes.
    let body = r.body(["1", "2", "256M", "512M"], &shown.fingerprint);
    let (res, text) = send(&app, api_post("/api/set_resources", body)).await;
    assert_eq!(res.status(), StatusCode::CONFLICT, "{text}");
    assert!(
        text.contains("changed by someone else") && text.contains("CPU reservation 0.25"),
        "says what the values are now: {text}"
    );
    assert_eq!(r.live().await, want);
    assert_eq!(r.audits().await.len(), 1);

    // Submitting the values the backend already has changes and records nothing.
    let body = r.body(["0.25", "0.5", "128M", "1.5G"], &after.fingerprint);
    let (res, text) = send(&app, api_post("/api/set_resources", body)).await;
    assert_eq!(res.status(), StatusCode::OK, "{text}");
    assert_eq!(r.audits().await.len(), 1, "no change, no audit entry");

    // Empty fields remove a reservation or limit.
    let body = r.body(["0.25", "", "", ""], &after.fingerprint);
    let (res, text) = send(&app, api_post("/api/set_resources", body)).await;
    assert_eq!(res.status(), StatusCode::OK, "{text}");
    let live = r.live().await;
    assert_eq!(
        (live.cpu_request, live.cpu_limit, live.memory_limit),
        (Some(0.25), None, None)
    );
}

#[tokio::test]
async fn invalid_resources_are_refused_per_field_and_change_nothing() {
    let r = rig().await;
    let app = r.app(Role::Admin).await;
    let before = r.live().await;
    let cases: &[(&str, [&str; 4], &[&str])] = &[
        (
            "cpu limit below its reservation",
            ["2", "1", "", ""],
            &["cpu_limit"],
        ),
        (
            "memory limit below its reservation",
            ["", "", "1G", "512M"],
            &["memory_limit"],
        ),
        ("negative cpu", ["-1", "", "", ""], &["cpu_request"]),
        ("not a number", ["lots", "", "", ""], &["cpu_request"]),
        (
            "unknown unit",
            ["", "", "5 parsecs", ""],
            &["memory_request"],
        ),
        (
            "below Docker's minimum",
            ["", "", "", "2M"],
            &["memory_limit"],
        ),
        (
            "two at once",
            ["x", "", "", "y"],
            &["cpu_request", "memory_limit"],
        ),
    ];
    for (name, fields, paths) in cases {
        let (res, text) = send(&app, api_post("/api/set_resources", r.body(*fields, ""))).await;
        assert_eq!(res.status(), StatusCode::BAD_REQUEST, "{name}: {text}");
        let err: ebb::model::ApiError = serde_json::from_str(&text).expect("api error");
        for p in *paths {
            assert!(
                err.field(p).is_some(),
                "{name}: no message for {p}: {err:?}"
            );
        }
        assert_eq!(r.live().await, before, "{name}: the backend was changed");
    }
    assert!(r.audits().await.is_empty(), "nothing recorded");
    let body = r
        .body(["1", "", "", ""], "")
        .replace(&format!("workload_id={}", r.workload), "workload_id=999");
    let (res, _) = send(&app, api_post("/api/set_resources", body)).await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);

    // A simulated instance is one container: naming another is a field error, and nothing
    // changes.
    let body = format!("{}&container=sidecar", r.body(["1", "", "", ""], ""));
    let (res, text) = send(&app, api_post("/api/set_resources", body)).await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST, "{text}");
    let err: ebb::model::ApiError = serde_json::from_str(&text).expect("api error");
    assert!(
        err.field("container")
            .is_some_and(|m| m.contains("no container named \"sidecar\"")),
        "{err:?}"
    );
    assert_eq!(r.live().await, before);
    assert!(r.audits().await.is_empty());
}

#[tokio::test]
async fn an_unreachable_or_unconnected_backend_changes_nothing_and_says_so() {
    let r = rig().await;
    let app = r.app(Role::Editor).await;
    let until = chrono::Utc::now() + chrono::Duration::minutes(5);
    r.sim.with_cluster(|c, _| c.force_unreachable_until(until));
    let (res, text) = send(
        &app,
        api_post("/api/set_resources", r.body(["1", "", "", ""], "")),
    )
    .await;
    assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE, "{text}");
    assert!(
        text.contains("unreachable") && text.contains("nothing was changed"),
        "{text}"
    );
    let (res, text) = send(
        &app,
        api_post("/api/workload_resources", format!("id={}", r.workload)),
    )
    .await;
    assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE, "{text}");
    // The workload page still renders, saying why the form is missing.
    let started = std::time::Instant::now();
    let (res, page) = get(&app, &format!("/workloads/{}", r.workload)).await;
    assert_eq!(
        res.status(),
        StatusCode::OK,
        "after {:?}",
        started.elapsed()
    );
    assert!(
        page.contains("id=\"resources-error\"") && page.contains("unreachable"),
        "{page}"
    );
    assert!(!page.contains("id=\"resources-form\""));

    let backend = r
        .state
        .store()
        .workload(r.workload)
        .await
        .expect("row")
        .expect("some")
        .backend_id;
    r.state.backends().remove(backend);
    let (res, text) = send(
        &app,
        api_post("/api/set_resources", r.body(["1", "", "", ""], "")),
    )
    .await;
    assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE, "{text}");
    assert!(text.contains("not connected yet"), "{text}");
    assert!(r.audits().await.is_empty());
}

#[tokio::test]
async fn a_scale_between_observation_and_write_is_retried_and_both_changes_stay() {
    let r = rig().await;
    let backend = r
        .state
        .store()
        .workload(r.workload)
        .await
        .expect("row")
        .expect("some")
        .backend_id;
    // Someone scales the workload between our observation and our write.
    let sim = r.sim.clone();
    r.state.backends().insert(
        backend,
        MeddleBeforeWrite::new(r.sim.clone(), async move {
            let fresh = sim.observe("web").await.expect("observe");
            sim.scale("web", 3, &fresh.token)
                .await
                .expect("the other scale");
        }),
    );
    let app = r.app(Role::Editor).await;
    let shown = current(&app, r.workload).await;
    let body = r.body(["0.75", "1", "256M", "512M"], &shown.fingerprint);
    let (res, text) = send(&app, api_post("/api/set_resources", body)).await;
    assert_eq!(res.status(), StatusCode::OK, "{text}");
    let obs = r.sim.observe("web").await.expect("observe");
    assert_eq!(obs.replicas, 3, "the other change is kept");
    assert_eq!(
        obs.resources.cpu_request,
        Some(0.75),
        "ours applied on the retry"
    );
    assert_eq!(r.audits().await.len(), 1);
}

#[tokio::test]
async fn the_resources_form_works_without_javascript() {
    let r = rig().await;
    let app = r.app(Role::Editor).await;
    let page_url = format!("/workloads/{}", r.workload);
    let (_, page) = get(&app, &page_url).await;
    assert!(page.contains("id=\"resources-form\""), "{page}");
    assert!(
        page.contains("value=\"0.5\"") && page.contains("value=\"256 MiB\""),
        "current values shown"
    );
    let form_post = |body: String| {
        Request::post("/api/set_resources")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::ACCEPT, "text/html")
            .header(header::REFERER, format!("http://localhost{page_url}"))
            .body(Body::from(body))
            .expect("request")
    };
    let (res, _) = send(&app, form_post(r.body(["1", "0.5", "", ""], ""))).await;
    assert_eq!(res.status(), StatusCode::FOUND);
    let back = res.headers()[header::LOCATION]
        .to_str()
        .expect("location")
        .to_string();
    assert!(
        back.contains("__err="),
        "errors go back to the page: {back}"
    );
    let back = back.trim_start_matches("http://localhost").to_string();
    let (_, page) = get(&app, &back).await;
    assert!(
        page.contains("the limit (0.5 cores) is below the reservation (1 cores)"),
        "{page}"
    );

    let (res, _) = send(&app, form_post(r.body(["1", "2", "", ""], ""))).await;
    assert_eq!(res.status(), StatusCode::FOUND);
    let done = res.headers()[header::LOCATION]
        .to_str()
        .expect("location")
        .to_string();
    assert_eq!(done, format!("{page_url}?resources=applied"));
    let (_, page) = get(&app, &done).await;
    assert!(
        page.contains("id=\"resources-applied\"") && page.contains("value=\"2\""),
        "{page}"
    );
    assert_eq!(r.live().await.cpu_limit, Some(2.0));
}
