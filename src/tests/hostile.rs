//! Hostile names on every page and in every export: names stored before validation existed
//! (or written by another tool) holding markup, a `</title>` break-out or a spreadsheet
//! formula must stay text wherever ebb shows them — page titles, headings, tables, the audit,
//! the live stream and the CSV/JSON downloads.

use std::sync::Arc;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use chrono::{TimeZone, Utc};
use ebb::model::auth::Role;
use ebb::server::clock::ManualClock;
use ebb::server::controller::Controller;
use ebb::server::orchestrator::simulator::{SimWorkloadSpec, SimulatorBackend};
use ebb::server::store::policies::Authorship;
use futures::StreamExt;
use tower::ServiceExt;

use super::support::{cpu_policy, get, send, signed_in, state};

/// Closes the title and redirects the page (what an outside test did to an admin).
const BREAKOUT: &str =
    "</title><meta http-equiv=\"refresh\" content=\"0;url=https://evil.example/\">";
/// Draws fake content and runs script where markup is not escaped.
const MARKUP: &str = "<img src=x onerror=alert(1)><h1 id=fake>fake</h1>";
/// Runs in a spreadsheet that opens the CSV export.
const FORMULA: &str = "=HYPERLINK(\"https://evil.example\",\"x\")";

/// Pieces that must never appear unescaped in a page.
const RAW: &[&str] = &[
    "<meta http-equiv=\"refresh\"",
    "<img src=x",
    "<h1 id=fake>",
    "</title><meta",
];

#[tokio::test]
async fn hostile_names_stay_text_on_every_page_and_export() {
    let (state, _dir) = state().await;
    let store = state.store().clone();
    let t0 = Utc
        .with_ymd_and_hms(2026, 3, 2, 12, 0, 0)
        .single()
        .expect("t0");
    let who = Authorship {
        author: "test",
        comment: "",
        at: t0,
    };
    let policy = store
        .create_policy(MARKUP, &cpu_policy(50.0, 5, 60), who)
        .await
        .expect("policy");
    let backend = store
        .insert_backend(MARKUP, "simulator", "{}", t0)
        .await
        .expect("backend");
    let spec = SimWorkloadSpec::default();
    let json = serde_json::to_string(&spec).expect("json");
    let clock = Arc::new(ManualClock::new(t0));
    let sim = Arc::new(SimulatorBackend::new(clock.clone()));
    let mut ids = Vec::new();
    for name in [BREAKOUT, FORMULA] {
        let id = store
            .insert_workload(backend, name, Some(policy), 15, &json, t0)
            .await
            .expect("workload");
        sim.add_workload(name, spec.clone()).expect("sim");
        ids.push(id);
    }
    state.backends().insert(backend, sim);
    store
        .create_user(MARKUP, Role::Viewer, "x", false, "test", t0)
        .await
        .expect("user");

    // The live stream is open while the controller evaluates the hostile workloads.
    let app = signed_in(&state, "admin", Role::Admin).await;
    let live = app
        .clone()
        .oneshot(Request::get("/api/live").body(Body::empty()).expect("req"))
        .await
        .expect("live");
    assert_eq!(
        live.headers()
            .get(header::CONTENT_TYPE)
            .map(|v| v.as_bytes()),
        Some(&b"text/event-stream"[..])
    );
    let controller = Controller::with_registry(
        store.clone(),
        clock.clone(),
        state.inner.live.clone(),
        state.backends().clone(),
    );
    for tick in 0..3 {
        clock.set(t0 + chrono::Duration::seconds(15 * tick));
        for id in &ids {
            let row = store.workload(*id).await.expect("read").expect("row");
            controller.evaluate(&row).await.expect("evaluate");
        }
    }
    live_events_carry_names_as_json(live.into_body()).await;

    // A failed sign-in under a hostile name lands in the audit trail.
    let login = Request::post("/login")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(format!(
            "username={}&password=wrong",
            ebb::server::auth::gate::urlencode(FORMULA)
        )))
        .expect("req");
    let (res, _) = send(&app, login).await;
    assert!(res.status().is_redirection(), "{}", res.status());

    let pages = [
        "/".to_string(),
        "/workloads".into(),
        format!("/workloads/{}", ids[0]),
        format!("/workloads/{}", ids[1]),
        "/policies".into(),
        format!("/policies/{policy}"),
        "/history".into(),
        format!("/history?workload={}", ids[0]),
        "/audit".into(),
        "/backends".into(),
        "/admin".into(),
        "/account".into(),
    ];
    for path in &pages {
        let (res, body) = get(&app, path).await;
        assert_eq!(res.status(), StatusCode::OK, "{path}");
        for raw in RAW {
            assert!(!body.contains(raw), "{path} shows {raw:?} unescaped");
        }
    }
    let (_, page) = get(&app, &format!("/workloads/{}", ids[0])).await;
    assert!(
        page.contains("<title>&lt;/title&gt;&lt;meta http-equiv=&quot;refresh&quot;"),
        "the title holds the name as text: {}",
        &page[..page.len().min(2000)]
    );
    assert!(
        page.contains("&lt;/title&gt;&lt;meta"),
        "the heading shows the name"
    );
    let (_, page) = get(&app, &format!("/policies/{policy}")).await;
    assert!(page.contains("<title>Policy &lt;img src=x"), "policy title");

    exports_neutralise_formulas(&app).await;
}

/// Reads the live stream until both workloads' evaluations arrived: names travel JSON-encoded
/// in `text/event-stream` (never HTML), exactly as stored.
async fn live_events_carry_names_as_json(body: Body) {
    let mut stream = body.into_data_stream();
    let mut text = String::new();
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(5);
    while !(text.contains("evil.example/") && text.contains("HYPERLINK")) {
        let chunk = tokio::time::timeout_at(deadline, stream.next())
            .await
            .expect("live events within 5 s")
            .expect("stream open")
            .expect("chunk");
        text.push_str(&String::from_utf8_lossy(&chunk));
    }
    let data: Vec<serde_json::Value> = text
        .lines()
        .filter_map(|l| l.strip_prefix("data: "))
        .filter_map(|d| serde_json::from_str(d).ok())
        .collect();
    let names: Vec<&str> = data
        .iter()
        .filter_map(|v| v["workload"]["name"].as_str())
        .collect();
    assert!(
        names.contains(&BREAKOUT) && names.contains(&FORMULA),
        "{names:?}"
    );
}

async fn exports_neutralise_formulas(app: &axum::Router) {
    let (res, csv) = get(app, "/history/export.csv?holds=1").await;
    assert_eq!(res.status(), StatusCode::OK);
    let lines: Vec<&str> = csv.lines().collect();
    assert!(lines.len() > 2, "{csv}");
    for line in &lines[1..] {
        for cell in line.split(',') {
            let cell = cell.trim_start_matches('"');
            assert!(
                !cell.starts_with(['=', '+', '@', '\t']),
                "a cell a spreadsheet runs: {line}"
            );
        }
    }
    assert!(
        csv.contains("\"'=HYPERLINK(\"\"https://evil.example\"\""),
        "{csv}"
    );
    let (res, json) = get(app, "/history/export.json?holds=1").await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        res.headers()
            .get(header::CONTENT_TYPE)
            .map(|v| v.as_bytes()),
        Some(&b"application/json"[..])
    );
    let rows: Vec<serde_json::Value> = serde_json::from_str(&json).expect("json export");
    assert!(
        rows.iter().any(|r| r["workload"] == BREAKOUT),
        "JSON keeps names exactly as stored"
    );
}

/// Exports hold every matching row, well past the store's page size (they stopped at 5,000
/// without saying so), in order and without duplicates.
#[tokio::test]
async fn exports_stream_every_matching_row() {
    let (state, _dir) = state().await;
    let store = state.store().clone();
    let t0 = Utc
        .with_ymd_and_hms(2026, 3, 2, 12, 0, 0)
        .single()
        .expect("t0");
    let backend = store
        .insert_backend("sim", "simulator", "{}", t0)
        .await
        .expect("backend");
    let a = store
        .insert_workload(backend, "a", None, 15, "{}", t0)
        .await
        .expect("a");
    let b = store
        .insert_workload(backend, "b", None, 15, "{}", t0)
        .await
        .expect("b");
    const N: i64 = 12_345;
    let mut tx = store.pool().begin().await.expect("tx");
    for i in 0..N {
        // Every third row belongs to `b`: the filter must hold across pages.
        let w = if i % 3 == 0 { b } else { a };
        sqlx::query(
            "INSERT INTO decisions (workload_id, at, current_replicas, desired_replicas,
                direction, reason, sentence, outcome)
             VALUES (?, ?, 1, 2, 'up', 'ScaleUp', ?, 'applied')",
        )
        .bind(w)
        .bind(ebb::server::store::time::ts(
            t0 + chrono::Duration::seconds(i),
        ))
        .bind(format!("-row {i}"))
        .execute(&mut *tx)
        .await
        .expect("insert");
    }
    tx.commit().await.expect("commit");
    let app = signed_in(&state, "v", Role::Viewer).await;

    let (res, csv) = get(&app, "/history/export.csv").await;
    assert_eq!(res.status(), StatusCode::OK);
    let ids: Vec<i64> = csv
        .lines()
        .skip(1)
        .map(|l| {
            l.split(',')
                .next()
                .and_then(|id| id.parse().ok())
                .expect("id")
        })
        .collect();
    assert_eq!(ids.len() as i64, N, "every row");
    assert!(
        ids.windows(2).all(|w| w[0] > w[1]),
        "newest first, no repeats"
    );
    assert!(
        csv.contains(",'-row 0,"),
        "text cells neutralised, numbers not"
    );

    let (_, csv) = get(&app, &format!("/history/export.csv?workload={b}")).await;
    assert_eq!(
        csv.lines().count() as i64 - 1,
        (N + 2) / 3,
        "filter across pages"
    );

    let (_, json) = get(&app, &format!("/history/export.json?workload={a}")).await;
    let rows: Vec<serde_json::Value> = serde_json::from_str(&json).expect("json");
    assert_eq!(rows.len() as i64, N - (N + 2) / 3);
    assert!(rows.iter().all(|r| r["workload_id"] == a));
    let (_, empty) = get(&app, "/history/export.json?workload=999").await;
    assert_eq!(empty.trim(), "[]");
}
