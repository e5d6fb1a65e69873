//! What-if replays as a bounded service: only editors start them (server function and
//! `?draft=` link alike), one per user at a time, a replay whose request ends stops within a
//! fraction of a second, oversized drafts and policies with too many rows are refused, and
//! the replay's work is bounded (the worst case is timed by hand, see `cost::worst_case_cost`).

mod cost;

use std::time::{Duration as StdDuration, Instant};

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use axum::Router;
use chrono::{DateTime, Duration, Utc};
use ebb::model::auth::Role;
use ebb::server::state::AppState;
use tower::ServiceExt;

use super::support::{api_post, get, send, signed_in, state_with};

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

#[tokio::test]
async fn a_viewer_draft_link_replays_nothing_and_an_editor_gets_the_preview() {
    let rig = rig().await;
    let link = draft_link(&preview(1, 20));
    let viewer = rig.as_user("vera", Role::Viewer).await;
    let (res, page) = get(&viewer, &link).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(page.contains("Nothing was replayed"), "the viewer is told");
    assert!(page.contains("editor role"), "and why");
    assert!(
        !page.contains(r#"id="whatif-result""#),
        "no result for a viewer"
    );
    assert_eq!(rig.gate().started(), 0, "no replay started for a viewer");

    let editor = rig.as_user("eddie", Role::Editor).await;
    let (res, page) = get(&editor, &link).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(
        page.contains(r#"id="whatif-result""#),
        "the editor gets the preview"
    );
    assert_eq!(rig.gate().started(), 1);
    // The browser's own preview (server function) needs the editor role too.
    let (res, _) = send(&viewer, submit(&preview(1, 20))).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert_eq!(rig.gate().started(), 1);
}

#[tokio::test]
async fn a_second_replay_of_the_same_user_is_refused_and_a_dropped_one_frees_its_slot() {
    let rig = rig().await;
    let editor = rig.as_user("eddie", Role::Editor).await;
    let slow = tokio::spawn(editor.clone().oneshot(submit(&preview(1000, 1000))));
    rig.until_running(1).await;

    let (res, body) = send(&editor, submit(&preview(1, 20))).await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS, "{body}");
    assert!(
        body.contains("a what-if of yours is still running"),
        "{body}"
    );

    // The client goes away mid-replay: the replay stops and the slot frees at once.
    slow.abort();
    let freed = rig.until_running(0).await;
    eprintln!("slot freed {freed:?} after the request was dropped");
    assert!(
        freed < StdDuration::from_millis(500),
        "freed after {freed:?}"
    );

    let (res, body) = send(&editor, submit(&preview(1, 20))).await;
    assert_eq!(res.status(), StatusCode::OK, "{body}");
    assert!(body.contains("Preview"), "{body}");
}

#[tokio::test]
async fn a_dropped_page_request_stops_its_replay() {
    // Pages load their data in tasks of their own, which a dropped request does not drop.
    let rig = rig().await;
    let editor = rig.as_user("eddie", Role::Editor).await;
    let link = draft_link(&preview(1000, 1000));
    let page = tokio::spawn(async move { get(&editor, &link).await });
    rig.until_running(1).await;
    page.abort();
    let freed = rig.until_running(0).await;
    eprintln!("page replay stopped {freed:?} after the request was dropped");
    assert!(
        freed < StdDuration::from_millis(500),
        "freed after {freed:?}"
    );
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
    // ... and a draft with too many rows shows the field error instead of a replay.
    let (_, page) = get(&editor, &draft_link(&with_metrics(preview(1, 20), 11))).await;
    assert!(page.contains("at most 10 metrics"), "row limit shown");
    assert_eq!(rig.gate().started(), 0, "nothing replayed");
}

#[tokio::test]
async fn a_costly_preview_replays_a_shorter_span_and_says_so() {
    let rig = rig().await;
    let editor = rig.as_user("eddie", Role::Editor).await;
    let (res, body) = send(&editor, submit(&preview(1000, 1000))).await;
    assert_eq!(res.status(), StatusCode::OK, "{body}");
    assert!(
        body.contains("replayed the first"),
        "{}",
        &body[..body.len().min(600)]
    );
    assert!(body.contains("of 7 d"), "{}", &body[..body.len().min(600)]);
    let (_, body) = send(&editor, submit(&preview(1, 20))).await;
    assert!(
        !body.contains("replayed the first"),
        "a plain policy replays all 7 days"
    );
}

#[tokio::test]
async fn without_javascript_a_preview_is_replayed_once_by_the_page() {
    let rig = rig().await;
    let editor = rig.as_user("eddie", Role::Editor).await;
    let mut req = submit(&preview(1, 20));
    req.headers_mut().insert(
        header::ACCEPT,
        header::HeaderValue::from_static("text/html"),
    );
    let (res, _) = send(&editor, req).await;
    assert!(res.status().is_redirection(), "{}", res.status());
    let location = res.headers()[header::LOCATION]
        .to_str()
        .expect("location")
        .to_string();
    assert!(location.contains("draft="), "{location}");
    assert_eq!(rig.gate().started(), 0, "the post itself replays nothing");
    let (_, page) = get(&editor, &location).await;
    assert!(
        page.contains(r#"id="whatif-result""#),
        "the page shows the preview"
    );
    assert_eq!(rig.gate().started(), 1, "replayed once");
}

#[tokio::test]
async fn a_draft_is_compared_with_hpa_defaults_on_its_own_metrics() {
    let rig = rig().await;
    let editor = rig.as_user("eddie", Role::Editor).await;
    let mut form = preview(1, 20);
    form.push(("whatif[compare]".into(), "hpa".into()));
    let (res, body) = send(&editor, submit(&form)).await;
    assert_eq!(res.status(), StatusCode::OK, "{body}");
    assert!(body.contains("HPA defaults"), "{body}");
    // The week trace is replayed whole.
    assert!(!body.contains("replayed the first"), "{body}");
    set(&mut form, "whatif[compare]", "nope");
    let (res, body) = send(&editor, submit(&form)).await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST, "{body}");
    assert!(
        body.contains("whatif[compare]") && body.contains("is not current, hpa or both"),
        "{body}"
    );
}
