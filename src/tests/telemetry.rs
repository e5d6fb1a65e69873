//! ebb's own `/metrics` through the real router and the real controller loop: refused without
//! sign-in, served to a viewer's API token in the Prometheus text format with each workload's
//! replicas, load and state, decisions by reason and outcome, backend errors by kind, the
//! controller's heartbeat and HTTP requests by route pattern; the `--metrics-bind` router
//! serves it without sign-in and nothing else; no label names a user.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use ebb::model::auth::Role;
use ebb::server::clock::{Clock, TokioClock};
use ebb::server::orchestrator::simulator::{DemandSpec, SimWorkloadSpec, SimulatorBackend};
use ebb::server::orchestrator::OrchestratorError;

use super::support::{cpu_policy, send, state, store_sim_web, wait_for, Faulty};

fn get_with(path: &str, token: Option<&str>) -> Request<Body> {
    let mut req = Request::get(path).header(header::ACCEPT, "*/*");
    if let Some(t) = token {
        req = req.header(header::AUTHORIZATION, format!("Bearer {t}"));
    }
    req.body(Body::empty()).expect("request")
}

/// The value of the sample line starting with `series` (name and labels as printed).
fn value(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find_map(|l| l.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
}

#[tokio::test]
async fn metrics_are_served_to_tokens_and_count_what_the_controller_did() {
    let (state, _dir) = state().await;
    let store = state.store().clone();
    let now = chrono::Utc::now();
    // `web`: 500 units/s at 100 per instance, far above a 50 % target: it scales up.
    let spec = SimWorkloadSpec {
        capacity_per_instance: 100.0,
        startup_secs: 0,
        initial_replicas: 1,
        demand: DemandSpec::Constant { value: 500.0 },
        ..super::support::exact_sim()
    };
    let spec_json = serde_json::to_string(&spec).expect("json");
    let (backend, pid, _) =
        store_sim_web(&store, &cpu_policy(50.0, 8, 0), 1, &spec_json, now).await;
    // `api` on a second backend that cannot be reached.
    let down = store
        .insert_backend("edge", "simulator", "{}", now)
        .await
        .expect("backend");
    store
        .insert_workload(down, "api", Some(pid), 1, &spec_json, now)
        .await
        .expect("workload");
    let clock: Arc<dyn Clock> = Arc::new(TokioClock::new());
    let sim = Arc::new(SimulatorBackend::new(clock.clone()));
    sim.add_workload("web", spec.clone()).expect("web");
    let broken = Faulty::new(Arc::new(SimulatorBackend::new(clock.clone())));
    *broken.reads.lock().expect("lock") = Some(OrchestratorError::Unreachable(
        "connection refused by 10.0.0.9".into(),
    ));
    let controller = super::support::controller_on(&state);
    controller.register_backend(backend, sim.clone());
    controller.register_backend(down, broken);
    let control = tokio::spawn(controller.run(state.stopping()));

    // Without a token or session: refused, and counted.
    let app = ebb::server::http::router(state.clone(), Duration::from_secs(30));
    let (res, _) = send(&app, get_with("/metrics", None)).await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);

    // A viewer's API token reads it.
    let viewer = super::support::session_for(&state, "vera", Role::Viewer).await;
    let browser = super::support::as_browser(app.clone(), Some(viewer));
    let (res, body) = send(
        &browser,
        super::support::api_post("/api/create_token", "name=prometheus&days=30"),
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK, "{body}");
    let token: String = serde_json::from_str(&body).expect("token");
    let text = wait_for("web scaled up and api failing", 20, || async {
        let (res, text) = send(&app, get_with("/metrics", Some(&token))).await;
        assert_eq!(res.status(), StatusCode::OK, "{text}");
        let scaled = value(
            &text,
            r#"ebb_workload_current_replicas{backend="sim",workload="web"}"#,
        )
        .is_some_and(|n| n > 1.0);
        let failing = value(
            &text,
            r#"ebb_backend_errors_total{backend="edge",kind="unreachable"}"#,
        )
        .is_some_and(|n| n >= 1.0);
        (scaled && failing).then_some(text)
    })
    .await;
    state.stop();
    let _ = control.await;

    let (res, _) = send(&app, get_with("/metrics", Some(&token))).await;
    assert_eq!(
        res.headers()[header::CONTENT_TYPE],
        "text/plain; version=0.0.4; charset=utf-8"
    );
    for series in [
        r#"ebb_workload_desired_replicas{backend="sim",workload="web"}"#,
        r#"ebb_workload_ready_replicas{backend="sim",workload="web"}"#,
        r#"ebb_workload_max_replicas{backend="sim",workload="web"}"#,
        r#"ebb_workload_load{backend="sim",workload="web"}"#,
        r#"ebb_workload_load_target{backend="sim",workload="web"}"#,
        r#"ebb_workload_offered_load{backend="sim",workload="web"}"#,
        r#"ebb_workload_unserved_load{backend="sim",workload="web"}"#,
        r#"ebb_workload_interval_seconds{backend="sim",workload="web"}"#,
        r#"ebb_workload_last_evaluation_timestamp_seconds{backend="sim",workload="web"}"#,
        r#"ebb_workload_state{backend="edge",workload="api",state="failing"}"#,
        r#"ebb_decisions_total{backend="edge",workload="api",reason="BackendError",outcome="error"}"#,
        r#"ebb_evaluation_duration_seconds_count{backend="sim"}"#,
        r#"ebb_workloads{state="failing"}"#,
        r#"ebb_overrides_active{kind="pin"}"#,
        r#"ebb_controller_rounds_total"#,
        r#"ebb_controller_up"#,
        r#"ebb_http_requests_total{method="GET",route="/metrics",status="401"}"#,
        r#"ebb_http_request_duration_seconds_count{method="GET",route="/metrics"}"#,
    ] {
        assert!(value(&text, series).is_some(), "no {series} in:\n{text}");
    }
    assert_eq!(
        value(
            &text,
            r#"ebb_workload_offered_load{backend="sim",workload="web"}"#
        ),
        Some(500.0)
    );
    let applied = text
        .lines()
        .filter(|l| l.starts_with(r#"ebb_decisions_total{backend="sim",workload="web""#))
        .filter(|l| l.contains(r#"outcome="applied""#))
        .count();
    assert!(applied >= 1, "a scale-up counted as applied:\n{text}");
    assert_eq!(value(&text, "ebb_controller_up"), Some(1.0));
    assert_eq!(value(&text, r#"ebb_workloads{state="failing"}"#), Some(1.0));
    // Users and the backend's own error text never appear.
    assert!(
        !text.contains("vera") && !text.contains("10.0.0.9"),
        "{text}"
    );

    dashboard_queries_only_what_ebb_exports(&text);

    // The --metrics-bind router: the same metrics without sign-in, and nothing else.
    let open = ebb::server::telemetry::endpoint::router(state.clone());
    let (res, body) = send(&open, get_with("/metrics", None)).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(body.contains("ebb_workload_current_replicas"), "{body}");
    for path in ["/", "/workloads", "/api/backends", "/healthz"] {
        let (res, _) = send(&open, get_with(path, None)).await;
        assert_eq!(res.status(), StatusCode::NOT_FOUND, "{path}");
    }
}

/// The Grafana dashboard in `deploy/grafana/` is valid JSON, and every metric its panels and
/// variables query is one ebb exports (`text`: a scrape with every family filled).
fn dashboard_queries_only_what_ebb_exports(text: &str) {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("deploy/grafana/ebb.json");
    let raw = std::fs::read_to_string(&path).expect("deploy/grafana/ebb.json");
    let dash: serde_json::Value = serde_json::from_str(&raw).expect("the dashboard is JSON");
    let panels = dash["panels"].as_array().expect("panels");
    assert!(!panels.is_empty());
    let mut exprs: Vec<String> = Vec::new();
    let mut ids = std::collections::BTreeSet::new();
    for p in panels {
        assert!(
            ids.insert(p["id"].as_i64().expect("panel id")),
            "panel ids are unique"
        );
        for t in p["targets"].as_array().expect("targets") {
            exprs.push(t["expr"].as_str().expect("expr").to_string());
        }
    }
    for v in dash["templating"]["list"].as_array().expect("variables") {
        if let Some(q) = v["query"]["query"].as_str() {
            exprs.push(q.to_string());
        }
    }
    let exported: std::collections::BTreeSet<&str> = text
        .lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.split(['{', ' ']).next())
        .collect();
    let mut checked = 0;
    for e in &exprs {
        for (i, _) in e.match_indices("ebb_") {
            let name: String = e[i..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            assert!(
                exported.contains(name.as_str()),
                "the dashboard queries {name}, which ebb does not export ({e})"
            );
            checked += 1;
        }
    }
    assert!(checked >= 15, "{checked} metric references checked");
}
