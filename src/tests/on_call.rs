//! What the on-call engineer reads (issue 11, on-call clarity): one classification of each
//! workload's state, pins and pauses at the top and as badges, holds one click away, forms
//! only for the roles that may use them (and a refused plain form back on its page), the
//! overview's answer to "is anything wrong?", and times with their zone.

use std::sync::Arc;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use axum::Router;
use chrono::Utc;
use ebb::model::auth::Role;
use ebb::model::workload::WorkloadState;
use ebb::server::clock::ManualClock;
use ebb::server::controller::Controller;
use ebb::server::orchestrator::simulator::{SimWorkloadSpec, SimulatorBackend};
use ebb::server::state::AppState;

use super::support::{api_post, cpu_policy, get, send, signed_in, state, store_sim_web};

/// A server with simulated workload `web` (policy `p`, 1..=5 at 70 % cpu), evaluated once.
struct Rig {
    state: AppState,
    workload: i64,
    policy: i64,
    controller: Controller,
    clock: Arc<ManualClock>,
    _dir: tempfile::TempDir,
}

async fn rig() -> Rig {
    let (state, dir) = state().await;
    let store = state.store().clone();
    let now = Utc::now();
    let spec = serde_json::to_string(&SimWorkloadSpec::default()).expect("spec");
    let (backend, policy, workload) =
        store_sim_web(&store, &cpu_policy(70.0, 5, 60), 15, &spec, now).await;
    let clock = Arc::new(ManualClock::new(now));
    let sim = Arc::new(SimulatorBackend::new(clock.clone()));
    sim.add_workload("web", SimWorkloadSpec::default())
        .expect("sim");
    state.backends().insert(backend, sim);
    let controller = Controller::with_registry(
        store.clone(),
        clock.clone(),
        state.inner.live.clone(),
        state.backends().clone(),
    );
    let rig = Rig {
        state,
        workload,
        policy,
        controller,
        clock,
        _dir: dir,
    };
    rig.evaluate().await;
    rig
}

impl Rig {
    /// Evaluates `web` once more, 15 s after the last time.
    async fn evaluate(&self) {
        use ebb::server::clock::Clock;
        self.clock
            .set(self.clock.now() + chrono::Duration::seconds(15));
        let row = self
            .state
            .store()
            .workload(self.workload)
            .await
            .expect("read")
            .expect("row");
        self.controller.evaluate(&row).await.expect("evaluate");
    }

    async fn as_role(&self, role: Role) -> Router {
        signed_in(&self.state, &format!("on-call-{}", role.name()), role).await
    }

    async fn state_now(&self) -> WorkloadState {
        self.state
            .store()
            .workload_summary(self.workload)
            .await
            .expect("read")
            .expect("summary")
            .state
    }
}

#[tokio::test]
async fn a_pin_is_a_state_a_badge_a_banner_and_the_reason_for_the_next_action() {
    let rig = rig().await;
    // Until its first instances report, the simulated workload is degraded.
    for _ in 0..40 {
        if rig.state_now().await != WorkloadState::Degraded {
            break;
        }
        rig.evaluate().await;
    }
    assert!(
        matches!(
            rig.state_now().await,
            WorkloadState::Steady | WorkloadState::Scaling
        ),
        "{:?}",
        rig.state_now().await
    );
    let operator = rig.as_role(Role::Operator).await;
    let body = format!(
        "workload_id={}&kind=pin&replicas=3&minutes=30&reason=incident+4711",
        rig.workload
    );
    let (res, text) = send(&operator, api_post("/api/create_override", body)).await;
    assert!(res.status().is_success(), "{text}");
    rig.evaluate().await;
    assert_eq!(rig.state_now().await, WorkloadState::Pinned);

    let viewer = rig.as_role(Role::Viewer).await;
    let (_, overview) = get(&viewer, "/").await;
    assert!(
        overview.contains("id=\"at-a-glance\""),
        "the overview opens with the glance"
    );
    assert!(overview.contains("workload needs attention"), "{overview}");
    let row = overview
        .split("data-workload=\"web\"")
        .nth(1)
        .expect("web's row");
    assert!(
        row.contains("pinned at 3") && row.contains("on-call-operator"),
        "the row says pinned, by whom"
    );

    let (_, page) = get(&viewer, &format!("/workloads/{}", rig.workload)).await;
    let banner = page.find("id=\"override-banner\"").expect("a banner");
    let chart = page.find("id=\"chart-title\"").expect("the chart");
    assert!(banner < chart, "the pin shows above the chart");
    assert!(page.contains("incident 4711"), "with its reason");
    let next = &page[page.find("id=\"next-action\"").expect("next action")..];
    assert!(
        next.contains("Held: pinned at 3"),
        "the next action says the pin holds it"
    );
}

#[test]
fn every_state_has_a_label_and_attention_is_defined_once() {
    let labels: std::collections::HashSet<&str> =
        WorkloadState::ALL.iter().map(|s| s.label()).collect();
    assert_eq!(
        labels.len(),
        WorkloadState::ALL.len(),
        "labels are distinct"
    );
    assert!(WorkloadState::Failing.needs_attention());
    assert!(WorkloadState::Pinned.needs_attention());
    assert!(!WorkloadState::Steady.needs_attention());
    assert!(!WorkloadState::Scaling.needs_attention());
}

#[tokio::test]
async fn holds_are_one_click_away() {
    let rig = rig().await;
    // A second evaluation of an idle workload changes nothing: a hold.
    rig.evaluate().await;
    let holds: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM decisions WHERE outcome = 'none'")
        .fetch_one(rig.state.store().pool())
        .await
        .expect("count");
    assert!(holds > 0, "the rig recorded a hold");
    let app = rig.as_role(Role::Viewer).await;
    // A hold's outcome cell: the badge reading "none".
    let hold_rows = |page: &str| page.matches(">none</span>").count();
    let (_, history) = get(&app, "/history").await;
    let (_, with_holds) = get(&app, "/history?holds=1").await;
    assert_eq!(
        hold_rows(&history),
        0,
        "History leaves holds out by default"
    );
    assert_eq!(
        hold_rows(&with_holds) as i64,
        holds,
        "one click shows them all"
    );
    let (_, workload) = get(&app, &format!("/workloads/{}", rig.workload)).await;
    assert!(
        workload.contains("holds=1"),
        "the workload page links to them"
    );
    let (_, csv) = get(&app, "/history/export.csv").await;
    let (_, csv_all) = get(&app, "/history/export.csv?holds=1").await;
    assert!(
        csv_all.lines().count() > csv.lines().count(),
        "exports follow the page"
    );
}

/// The ids of the write forms and buttons a role should (not) see.
const EDITOR_ONLY: &[&str] = &["id=\"save-policy\"", "id=\"apply-resources\""];

#[tokio::test]
async fn each_role_sees_only_the_forms_it_may_use() {
    let rig = rig().await;
    let pages = [
        format!("/workloads/{}", rig.workload),
        format!("/policies/{}", rig.policy),
        "/policies".to_string(),
        "/backends".to_string(),
    ];
    let mut seen = std::collections::HashMap::new();
    for role in [Role::Viewer, Role::Operator, Role::Editor, Role::Admin] {
        let app = rig.as_role(role).await;
        let mut all = String::new();
        for p in &pages {
            let (res, body) = get(&app, p).await;
            assert_eq!(res.status(), StatusCode::OK, "{p} as {}", role.name());
            all.push_str(&body);
        }
        seen.insert(role, all);
    }
    let has = |role: Role, what: &str| seen[&role].contains(what);
    for what in [
        "class=\"override-form\"",
        "id=\"new-policy\"",
        "id=\"save-policy\"",
    ] {
        assert!(!has(Role::Viewer, what), "a viewer sees {what}");
    }
    assert!(has(
        Role::Viewer,
        "needs the operator role; you are a viewer"
    ));
    assert!(
        has(Role::Viewer, "id=\"editor-role\""),
        "the editor says read only"
    );
    assert!(
        has(Role::Operator, "class=\"override-form\""),
        "an operator pins"
    );
    for what in EDITOR_ONLY.iter().chain(&["id=\"new-policy\""]) {
        assert!(!has(Role::Operator, what), "an operator sees {what}");
        assert!(has(Role::Editor, what), "an editor misses {what}");
    }
    assert!(
        !has(Role::Editor, "id=\"register-swarm\""),
        "an editor registers no backend"
    );
    assert!(has(Role::Admin, "id=\"register-swarm\""), "an admin does");
    assert!(
        has(Role::Editor, "id=\"backends-role\""),
        "backends need an admin"
    );
    assert!(
        !has(Role::Admin, "id=\"backends-role\""),
        "an admin gets the forms"
    );
}

#[tokio::test]
async fn a_refused_plain_form_comes_back_to_its_page_with_the_reason() {
    let rig = rig().await;
    let viewer = rig.as_role(Role::Viewer).await;
    let page = format!("/workloads/{}", rig.workload);
    let req = Request::post("/api/create_override")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ACCEPT, "text/html,application/xhtml+xml")
        .header(header::REFERER, format!("http://localhost{page}?range=1h"))
        .body(Body::from(format!(
            "workload_id={}&kind=pin&replicas=3&minutes=30&reason=x",
            rig.workload
        )))
        .expect("req");
    let (res, _) = send(&viewer, req).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let location = res.headers()[header::LOCATION]
        .to_str()
        .expect("location")
        .to_string();
    assert!(
        location.starts_with(&format!("{page}?range=1h&refused=")),
        "{location}"
    );
    let (res, back) = get(&viewer, &location).await;
    assert_eq!(res.status(), StatusCode::OK);
    let notice = back.split("id=\"refused\"").nth(1).unwrap_or_default();
    let notice = &notice[..notice.find("</p>").unwrap_or(notice.len())];
    assert!(
        notice.contains("Not done: ") && notice.contains("this needs operator"),
        "the page says why: {notice}"
    );
    let pins: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM overrides")
        .fetch_one(rig.state.store().pool())
        .await
        .expect("count");
    assert_eq!(pins, 0, "nothing was stored");

    // A foreign Referer is not followed: the answer stays an error.
    let req = Request::post("/api/create_override")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ACCEPT, "text/html")
        .header(header::REFERER, "http://evil.example//evil.example/x")
        .body(Body::from(
            "workload_id=1&kind=pin&replicas=3&minutes=30&reason=x",
        ))
        .expect("req");
    let (res, _) = send(&viewer, req).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn times_carry_their_zone_and_how_long_ago() {
    let rig = rig().await;
    let app = rig.as_role(Role::Viewer).await;
    let (_, page) = get(&app, &format!("/workloads/{}", rig.workload)).await;
    assert!(
        page.contains(" UTC · just now") || page.contains(" UTC · 1 min ago"),
        "server-rendered times name UTC and say how long ago"
    );
    let (_, history) = get(&app, "/history").await;
    assert!(
        history.contains("data-zone-name") && history.contains("name=\"tz\""),
        "the filter shows its zone and sends it"
    );
}

#[tokio::test]
async fn the_audit_page_filters_names_objects_and_keeps_sign_ins_one_click_away() {
    let rig = rig().await;
    let operator = rig.as_role(Role::Operator).await;
    let body = format!(
        "workload_id={}&kind=pause_both&replicas=&minutes=30&reason=deploy",
        rig.workload
    );
    let (res, text) = send(&operator, api_post("/api/create_override", body)).await;
    assert!(res.status().is_success(), "{text}");
    let login = Request::post("/login")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from("username=nobody&password=wrong"))
        .expect("req");
    send(&operator, login).await;
    let viewer = rig.as_role(Role::Viewer).await;
    let entries = |page: &str| page.matches("class=\"audit-entry\"").count();
    let (_, all) = get(&viewer, "/audit").await;
    assert!(
        !all.contains("login.failure"),
        "sign-ins are left out by default"
    );
    assert!(
        all.contains(&format!("workload web (#{})", rig.workload)),
        "the object by name"
    );
    let (_, with_logins) = get(&viewer, "/audit?logins=1").await;
    assert!(
        with_logins.contains("login.failure"),
        "one click shows them"
    );
    let (_, mine) = get(&viewer, "/audit?actor=on-call-operator").await;
    assert_eq!(entries(&mine), 1, "only the operator's override");
    let (_, by_name) = get(&viewer, "/audit?kind=workload&object=WEB").await;
    assert_eq!(entries(&by_name), 1, "found by the workload's name");
    let (_, policies) = get(&viewer, "/audit?action=policy").await;
    assert!(entries(&policies) >= 1 && !policies.contains("override.create"));
    let (res, bad) = get(&viewer, "/audit?kind=planet").await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert!(bad.contains("choose one of policy"), "names what to choose");
}
