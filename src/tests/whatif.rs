//! What-if replays as a bounded background service: only editors start them and only the one
//! who started a job follows or stops it, jobs wait for a replay slot, a user's newer preview
//! replaces the older, cancel and shutdown stop a replay within a fraction of a second, the
//! page follows a job without JavaScript, oversized drafts and policies with too many rows are
//! refused, and the replay's work is bounded (the worst case is timed by hand, see
//! `cost::worst_case_cost`).

mod cost;

use std::time::{Duration as StdDuration, Instant};

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use axum::Router;
use chrono::{DateTime, Duration, Utc};
use ebb::model::auth::Role;
use ebb::server::state::AppState;

use ebb::model::policies::{SubmitOutcome, WhatIf, WhatIfState};
use ebb::server::replay::gate::ReplaySlot;

use super::support::{api_post, get, send, signed_in, state_with, whatif_done, whatif_end};

fn t0() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2024-03-01T00:00:00Z")
        .expect("time")
        .with_timezone(&Utc)
}

/// A server whose traces folder holds `week.csv` (7 days, a point a minute), and its state.
struct Rig {
    state: AppState,
    _db: tempfile::TempDir,
    _traces: tempfile::TempDir,
}

async fn rig() -> Rig {
    let traces = tempfile::tempdir().expect("traces dir");
    let mut csv = String::from("timestamp,value\n");
    for m in 0..7 * 1440 {
        let phase = m as f64 / 1440.0 * std::f64::consts::TAU;
        let at = t0() + Duration::minutes(m);
        csv.push_str(&format!(
            "{},{:.1}\n",
            at.format("%Y-%m-%dT%H:%M:%SZ"),
            300.0 + 200.0 * phase.sin()
        ));
    }
    std::fs::write(traces.path().join("week.csv"), csv).expect("trace");
    let dir = traces.path().display().to_string();
    let (state, db) = state_with(&["--traces-dir", &dir]).await;
    Rig {
        state,
        _db: db,
        _traces: traces,
    }
}

impl Rig {
    /// The router as user `name` with `role` (a user is created the first time).
    async fn as_user(&self, name: &str, role: Role) -> Router {
        signed_in(&self.state, name, role).await
    }

    fn gate(&self) -> &ebb::server::replay::gate::ReplayGate {
        &self.state.inner.replays
    }

    /// Waits until `n` replays hold a slot; how long that took.
    async fn until_running(&self, n: usize) -> StdDuration {
        let began = Instant::now();
        while self.gate().running() != n {
            assert!(
                began.elapsed() < StdDuration::from_secs(10),
                "never {n} running"
            );
            tokio::time::sleep(StdDuration::from_millis(5)).await;
        }
        began.elapsed()
    }
}

/// A preview of the week trace: cpu 70 % over `min..=max` replicas (1000..1000 keeps a
/// thousand instances busy: slow enough to interrupt).
fn preview(min: u32, max: u32) -> Vec<(String, String)> {
    let (min, max) = (min.to_string(), max.to_string());
    [
        ("op", "preview"),
        ("name", "web"),
        ("min_replicas", min.as_str()),
        ("max_replicas", max.as_str()),
        ("metrics[0][name]", "cpu"),
        ("metrics[0][source]", "resource"),
        ("metrics[0][resource]", "cpu"),
        ("metrics[0][target_type]", "utilization"),
        ("metrics[0][target_value]", "70"),
        ("whatif[source]", "trace"),
        ("whatif[trace]", "week.csv"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect()
}

fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn form_body(pairs: &[(String, String)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

fn submit(pairs: &[(String, String)]) -> Request<Body> {
    api_post("/api/policy_submit", form_body(pairs))
}

/// The editor address with `pairs` as a draft (what a browser without JavaScript is sent to).
fn draft_link(pairs: &[(String, String)]) -> String {
    let fields: serde_json::Map<String, serde_json::Value> = pairs
        .iter()
        .map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone())))
        .collect();
    let draft = serde_json::json!({ "fields": fields, "errors": [] });
    format!("/policies/new?draft={}", encode(&draft.to_string()))
}

/// The answer to a preview (JSON, as the browser's server function gets it).
async fn start(app: &Router, pairs: &[(String, String)]) -> WhatIfState {
    let (res, body) = send(app, submit(pairs)).await;
    assert_eq!(res.status(), StatusCode::OK, "{body}");
    match serde_json::from_str(&body) {
        Ok(SubmitOutcome::Preview(state)) => *state,
        other => panic!("not a preview: {other:?} {body}"),
    }
}

/// The result of a preview, followed to its end.
async fn result(app: &Router, pairs: &[(String, String)]) -> WhatIf {
    let state = start(app, pairs).await;
    whatif_done(whatif_end(app, state).await)
}

/// Takes every replay slot, so jobs started meanwhile wait in the queue.
fn hold_every_slot(rig: &Rig) -> Vec<ReplaySlot> {
    (0..rig.gate().limit())
        .map(|i| {
            rig.state
                .inner
                .replays
                .try_start(&format!("holder{i}"))
                .expect("a free slot")
        })
        .collect()
}

fn job_of(state: &WhatIfState) -> String {
    state
        .running_job()
        .unwrap_or_else(|| panic!("not running: {state:?}"))
        .to_string()
}

fn stopped(state: &WhatIfState) -> &str {
    match state {
        WhatIfState::Stopped(why) => why,
        other => panic!("not stopped: {other:?}"),
    }
}

#[tokio::test]
async fn only_the_editor_who_started_a_job_follows_it() {
    let rig = rig().await;
    let viewer = rig.as_user("vera", Role::Viewer).await;
    let (res, _) = send(&viewer, submit(&preview(1, 20))).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN, "viewers start nothing");
    // A draft link from before previews were jobs replays nothing, for anyone.
    let editor = rig.as_user("eddie", Role::Editor).await;
    let (res, page) = get(&editor, &draft_link(&preview(1, 20))).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(!page.contains(r#"id="whatif-result""#));
    assert_eq!(rig.gate().started(), 0, "no replay started by a page");

    let _slots = hold_every_slot(&rig);
    let job = job_of(&start(&editor, &preview(1, 20)).await);
    let link = format!("/policies/new?whatif={job}");
    let (_, page) = get(&editor, &link).await;
    assert!(
        page.contains(r#"id="whatif-progress""#),
        "the owner follows it"
    );
    let (_, page) = get(&viewer, &link).await;
    assert!(page.contains("Nothing to show") && page.contains("editor role"));
    assert!(!page.contains(r#"id="whatif-progress""#));
    let other = rig.as_user("olga", Role::Editor).await;
    let (_, page) = get(&other, &link).await;
    assert!(page.contains("not kept"), "another editor sees nothing");
    let cancel = |j: &str| {
        let mut f = preview(1, 20);
        set(&mut f, "op", "cancel_whatif");
        set(&mut f, "whatif[job]", j);
        f
    };
    let (_, body) = send(&other, submit(&cancel(&job))).await;
    assert!(body.contains("not kept"), "nor stops it: {body}");
    let (res, _) = send(
        &viewer,
        api_post("/api/whatif_status", format!("job={job}")),
    )
    .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let (_, page) = get(&editor, &link).await;
    assert!(page.contains(r#"id="whatif-progress""#), "still running");
}

#[tokio::test]
async fn a_queued_job_waits_for_a_slot_and_a_newer_preview_replaces_it() {
    let rig = rig().await;
    let editor = rig.as_user("eddie", Role::Editor).await;
    let slots = hold_every_slot(&rig);
    let first = start(&editor, &preview(1, 20)).await;
    match &first {
        WhatIfState::Running(p) => assert!(p.stage.starts_with("waiting"), "{p:?}"),
        other => panic!("{other:?}"),
    }
    let second = start(&editor, &preview(1, 30)).await;
    let old = whatif_end(&editor, first).await;
    assert!(
        stopped(&old).contains("replaced by a newer preview"),
        "{old:?}"
    );
    assert_eq!(
        rig.gate().started(),
        rig.gate().limit() as u64,
        "neither replayed yet"
    );
    drop(slots);
    let w = whatif_done(whatif_end(&editor, second).await);
    assert!(w.edited.replicas.iter().all(|r| *r <= 30.0));
    assert_eq!(rig.gate().running(), 0, "its slot is free again");
}

#[tokio::test]
async fn cancel_and_shutdown_stop_a_replay_within_a_moment() {
    let rig = rig().await;
    let editor = rig.as_user("eddie", Role::Editor).await;
    for how in ["cancel", "shutdown"] {
        let slow = {
            let editor = editor.clone();
            tokio::spawn(async move { start(&editor, &preview(1000, 1000)).await })
        };
        rig.until_running(1).await;
        let (began, ended) = if how == "cancel" {
            // The answer comes while the job still replays (it runs for seconds).
            let job = job_of(&slow.await.expect("answer"));
            let mut form = preview(1000, 1000);
            set(&mut form, "op", "cancel_whatif");
            set(&mut form, "whatif[job]", &job);
            let began = Instant::now();
            (began, start(&editor, &form).await)
        } else {
            let began = Instant::now();
            rig.state.stop();
            (
                began,
                whatif_end(&editor, slow.await.expect("answer")).await,
            )
        };
        rig.until_running(0).await;
        let freed = began.elapsed();
        eprintln!("{how}: the replay stopped {freed:?} after it was asked to");
        assert!(freed < StdDuration::from_millis(500), "{how}: {freed:?}");
        let why = stopped(&ended);
        let want = if how == "cancel" {
            "you stopped it"
        } else {
            "shutting down"
        };
        assert!(
            why.starts_with("Cancelled") && why.contains(want),
            "{how}: {why}"
        );
    }
}

/// `form` with `n` external metrics.
fn with_metrics(mut form: Vec<(String, String)>, n: usize) -> Vec<(String, String)> {
    form.retain(|(k, _)| !k.starts_with("metrics["));
    for i in 0..n {
        for (f, v) in [
            ("name", format!("q{i}")),
            ("source", "external".into()),
            ("metric", format!("queue{i}")),
            ("target_type", "value".into()),
            ("target_value", "10".into()),
        ] {
            form.push((format!("metrics[{i}][{f}]"), v));
        }
    }
    form
}

fn set(form: &mut Vec<(String, String)>, key: &str, value: &str) {
    form.retain(|(k, _)| k != key);
    form.push((key.to_string(), value.to_string()));
}

async fn policies(rig: &Rig) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM policy_versions")
        .fetch_one(rig.state.store().pool())
        .await
        .expect("count")
}

#[tokio::test]
async fn oversized_drafts_and_too_many_rows_are_refused_with_field_errors() {
    let rig = rig().await;
    let editor = rig.as_user("eddie", Role::Editor).await;
    let mut save = with_metrics(preview(1, 20), 11);
    set(&mut save, "op", "save");
    set(&mut save, "comment", "many metrics");
    let mut many_fields = preview(1, 20);
    for i in 0..ebb::model::policy_form::MAX_FORM_FIELDS {
        many_fields.push((format!("x{i}"), String::new()));
    }
    let huge = vec![(
        "name".to_string(),
        "x".repeat(ebb::model::policy_form::MAX_POST_BYTES),
    )];
    // (case, form, status, field path of the error)
    type Form = Vec<(String, String)>;
    let cases: Vec<(&str, Form, StatusCode, &str)> = vec![
        (
            "save with 11 metrics",
            save,
            StatusCode::BAD_REQUEST,
            "metrics",
        ),
        (
            "preview with 11 metrics",
            with_metrics(preview(1, 20), 11),
            StatusCode::BAD_REQUEST,
            "metrics",
        ),
        (
            "too many fields",
            many_fields,
            StatusCode::BAD_REQUEST,
            "form",
        ),
        (
            "a body over the limit",
            huge,
            StatusCode::PAYLOAD_TOO_LARGE,
            "form",
        ),
    ];
    for (name, form, status, path) in cases {
        let (res, body) = send(&editor, submit(&form)).await;
        assert_eq!(res.status(), status, "{name}: {body}");
        let err: ebb::model::ApiError =
            serde_json::from_str(&body).unwrap_or_else(|e| panic!("{name}: {e}: {body}"));
        assert!(err.field(path).is_some(), "{name}: {err:?}");
    }
    assert_eq!(policies(&rig).await, 0, "nothing stored");
    assert_eq!(rig.gate().started(), 0, "nothing replayed");

    // A draft link larger than any form is refused before it is read.
    let mut big = preview(1, 20);
    set(
        &mut big,
        "comment",
        &"y".repeat(ebb::model::policy_form::MAX_DRAFT_BYTES),
    );
    let (_, page) = get(&editor, &draft_link(&big)).await;
    assert!(
        page.contains("larger than 48 KiB"),
        "{}",
        &page[..page.len().min(2000)]
    );
    // ... and a page never replays, whatever its draft asks.
    let (res, _) = get(&editor, &draft_link(&with_metrics(preview(1, 20), 11))).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(rig.gate().started(), 0, "nothing replayed");
}

#[tokio::test]
async fn a_costly_preview_replays_a_shorter_span_and_says_so() {
    let rig = rig().await;
    let editor = rig.as_user("eddie", Role::Editor).await;
    let w = result(&editor, &preview(1000, 1000)).await;
    assert!(w.source.contains("replayed the first"), "{}", w.source);
    assert!(w.source.contains("of 7 d"), "{}", w.source);
    let w = result(&editor, &preview(1, 20)).await;
    assert!(
        !w.source.contains("replayed the first"),
        "a plain policy replays all 7 days"
    );
}

#[tokio::test]
async fn without_javascript_the_page_follows_the_job_and_can_cancel_it() {
    let rig = rig().await;
    let editor = rig.as_user("eddie", Role::Editor).await;
    let plain = |form: &[(String, String)]| {
        let mut req = submit(form);
        req.headers_mut().insert(
            header::ACCEPT,
            header::HeaderValue::from_static("text/html"),
        );
        req
    };
    let location = |res: &axum::http::Response<Body>| {
        assert!(res.status().is_redirection(), "{}", res.status());
        res.headers()[header::LOCATION]
            .to_str()
            .expect("location")
            .to_string()
    };
    let slots = hold_every_slot(&rig);
    let (res, _) = send(&editor, plain(&preview(1, 20))).await;
    let follow = location(&res);
    assert!(
        follow.contains("draft=") && follow.contains("&whatif="),
        "{follow}"
    );
    let (_, page) = get(&editor, &follow).await;
    assert!(page.contains(r#"id="whatif-progress""#), "progress shown");
    assert!(
        page.contains(r#"<noscript><meta http-equiv="refresh" content="2"/></noscript>"#)
            || page.contains(r#"<noscript><meta http-equiv="refresh" content="2"></noscript>"#),
        "the page reloads itself while the job runs"
    );
    assert!(
        page.contains(r#"id="cancel-whatif""#),
        "with a Cancel button"
    );
    drop(slots);
    let began = Instant::now();
    let page = loop {
        let (_, page) = get(&editor, &follow).await;
        if page.contains(r#"id="whatif-result""#) {
            break page;
        }
        assert!(
            began.elapsed() < StdDuration::from_secs(60),
            "never finished"
        );
        tokio::time::sleep(StdDuration::from_millis(100)).await;
    };
    assert!(!page.contains("http-equiv"), "no reload once it is done");
    assert_eq!(
        rig.gate().started(),
        1 + rig.gate().limit() as u64,
        "replayed once (and the held slots)"
    );

    // Cancel, without JavaScript: the form's Cancel button posts the job back.
    let _slots = hold_every_slot(&rig);
    let (res, _) = send(&editor, plain(&preview(1, 20))).await;
    let follow = location(&res);
    let job = follow.rsplit("whatif=").next().expect("job").to_string();
    let mut form = preview(1, 20);
    set(&mut form, "op", "cancel_whatif");
    set(&mut form, "whatif[job]", &job);
    let (res, _) = send(&editor, plain(&form)).await;
    let back = location(&res);
    assert!(back.ends_with(&format!("whatif={job}")), "{back}");
    assert!(
        !back.contains("cancel_whatif"),
        "the draft forgets the button: {back}"
    );
    let (_, page) = get(&editor, &back).await;
    assert!(
        page.contains("Cancelled: you stopped it."),
        "the page says so"
    );
}

#[tokio::test]
async fn a_draft_is_compared_with_hpa_defaults_on_its_own_metrics() {
    let rig = rig().await;
    let editor = rig.as_user("eddie", Role::Editor).await;
    let mut form = preview(1, 20);
    form.push(("whatif[compare]".into(), "hpa".into()));
    let w = result(&editor, &form).await;
    assert_eq!(
        w.current.as_ref().map(|c| c.label.as_str()),
        Some("HPA defaults")
    );
    // The week trace is replayed whole.
    assert!(!w.source.contains("replayed the first"), "{}", w.source);
    set(&mut form, "whatif[compare]", "nope");
    let (res, body) = send(&editor, submit(&form)).await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST, "{body}");
    assert!(
        body.contains("whatif[compare]") && body.contains("is not current, hpa or both"),
        "{body}"
    );
}
