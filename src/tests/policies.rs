//! The policy editor's server side through real HTTP requests: flat form posts to
//! `policy_submit` (as the browser's server-function client and as a plain form without
//! JavaScript), versions, diffs, rollback, audit entries, and what-if.

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use axum::Router;
use chrono::{Duration, Utc};
use ebb::model::policies::SubmitOutcome;
use ebb::model::ApiError;
use ebb::server::config::DatabaseUrl;
use ebb::server::store::samples::Sample;
use ebb::server::store::Store;
use tower::ServiceExt;

use super::support::{app, get, whatif_done, whatif_end};

/// A valid policy form: cpu at 70 %, 1..5 replicas.
pub(super) fn valid(name: &str) -> Vec<(String, String)> {
    [
        ("name", name),
        ("comment", "first version"),
        ("min_replicas", "1"),
        ("max_replicas", "5"),
        ("metrics[0][name]", "cpu"),
        ("metrics[0][source]", "resource"),
        ("metrics[0][resource]", "cpu"),
        ("metrics[0][target_type]", "utilization"),
        ("metrics[0][target_value]", "70"),
        ("behavior[enabled]", "on"),
        ("behavior[scale_down][stabilization_window_secs]", "120"),
        ("behavior[scale_up][policies][0][kind]", "instances"),
        ("behavior[scale_up][policies][0][value]", "2"),
        ("behavior[scale_up][policies][0][period_secs]", "30"),
        ("op", "save"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect()
}

pub(super) fn set(form: &mut Vec<(String, String)>, key: &str, value: &str) {
    form.retain(|(k, _)| k != key);
    form.push((key.to_string(), value.to_string()));
}

fn encode(pairs: &[(String, String)]) -> String {
    let enc = |s: &str| {
        s.bytes()
            .map(|b| {
                if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                    (b as char).to_string()
                } else {
                    format!("%{b:02X}")
                }
            })
            .collect::<String>()
    };
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// Posts a form; `html` makes it a plain browser form post (JavaScript off).
pub(super) async fn post(
    app: &Router,
    path: &str,
    pairs: &[(String, String)],
    html: bool,
) -> (StatusCode, Option<String>, String) {
    let accept = if html {
        "text/html,application/xhtml+xml"
    } else {
        "application/json"
    };
    let req = Request::post(path)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ACCEPT, accept)
        .header(header::REFERER, "http://localhost/policies/new")
        .body(Body::from(encode(pairs)))
        .expect("request");
    let res = app.clone().oneshot(req).await.expect("response");
    let status = res.status();
    let location = res
        .headers()
        .get(header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let bytes = axum::body::to_bytes(res.into_body(), 10 << 20)
        .await
        .expect("body");
    (
        status,
        location,
        String::from_utf8_lossy(&bytes).into_owned(),
    )
}

pub(super) async fn submit(
    app: &Router,
    pairs: &[(String, String)],
) -> Result<SubmitOutcome, ApiError> {
    let (status, _, body) = post(app, "/api/policy_submit", pairs, false).await;
    if status.is_success() {
        Ok(serde_json::from_str(&body).unwrap_or_else(|e| panic!("outcome {body}: {e}")))
    } else {
        Err(serde_json::from_str(&body).unwrap_or_else(|e| panic!("error {status} {body}: {e}")))
    }
}

async fn store(dir: &tempfile::TempDir) -> Store {
    Store::connect(&DatabaseUrl::SqliteFile(dir.path().join("ebb.db")))
        .await
        .expect("store")
}

async fn count(store: &Store, table: &str) -> i64 {
    sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
        .fetch_one(store.pool())
        .await
        .expect("count")
}

fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
    items
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[tokio::test]
async fn an_invalid_policy_is_rejected_with_field_errors_and_nothing_is_stored() {
    let (app, dir) = app().await;
    let mut form = valid("web");
    set(&mut form, "min_replicas", "8");
    set(&mut form, "metrics[0][target_value]", "abc");
    set(&mut form, "comment", "");
    let err = submit(&app, &form).await.expect_err("rejected");
    assert!(err.field("comment").is_some(), "{err:?}");
    assert!(err.field("metrics[0].target").is_some(), "{err:?}");
    set(&mut form, "metrics[0][target_value]", "70");
    let err = submit(&app, &form).await.expect_err("rejected");
    assert!(
        err.field("min_replicas")
            .expect("min error")
            .contains("greater than max_replicas"),
        "{err:?}"
    );
    let s = store(&dir).await;
    assert_eq!(count(&s, "policies").await, 0);
    assert_eq!(count(&s, "policy_versions").await, 0);
    assert_eq!(
        count(&s, "audit_log").await,
        1,
        "only the test user's creation"
    );
}

#[tokio::test]
async fn save_edit_diff_and_rollback_make_versions_with_audit_entries() {
    let (app, dir) = app().await;
    let Ok(SubmitOutcome::Saved { id, version: 1 }) = submit(&app, &valid("web")).await else {
        panic!("v1")
    };

    let mut edit = valid("web");
    set(&mut edit, "id", &id.to_string());
    set(&mut edit, "base_version", "1");
    set(&mut edit, "max_replicas", "12");
    set(&mut edit, "comment", "more room");
    let out = submit(&app, &edit).await;
    assert_eq!(out, Ok(SubmitOutcome::Saved { id, version: 2 }));

    // An edit started from version 1 again is stale now: refused, nothing stored.
    let stale = submit(&app, &edit).await.expect_err("stale");
    assert!(stale.field("base_version").is_some(), "{stale:?}");

    let (res, page) = get(&app, &format!("/policies/{id}")).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(page.contains("Policy web (v2)"), "{page}");
    assert!(
        page.contains("max_replicas") && page.contains("1 changed"),
        "diff of v2 missing"
    );

    let (status, _, body) = post(
        &app,
        "/api/policy_rollback",
        &pairs(&[
            ("id", &id.to_string()),
            ("version", "1"),
            ("reason", "too many"),
        ]),
        false,
    )
    .await;
    assert!(status.is_success(), "{status} {body}");
    let s = store(&dir).await;
    let v1 = s.policy_version(id, 1).await.expect("read").expect("v1");
    let v3 = s.policy_version(id, 3).await.expect("read").expect("v3");
    assert_eq!(v3.body, v1.body);
    assert_eq!(v3.comment, "rollback to v1: too many");
    assert_eq!(
        s.current_policy(id)
            .await
            .expect("read")
            .expect("current")
            .version,
        3
    );

    let actions: Vec<(String, String, Option<String>)> = sqlx::query_as(
        "SELECT action, target_id, before FROM audit_log WHERE action LIKE 'policy.%' ORDER BY id",
    )
    .fetch_all(s.pool())
    .await
    .expect("audit");
    let names: Vec<&str> = actions.iter().map(|a| a.0.as_str()).collect();
    assert_eq!(names, ["policy.create", "policy.update", "policy.rollback"]);
    assert_eq!(actions[1].1, "web v2");
    assert!(
        actions[1]
            .2
            .as_deref()
            .is_some_and(|b| b.contains("\"max_replicas\":5")),
        "before of the update"
    );
    let updated: Result<_, _> = sqlx::query("UPDATE policy_versions SET comment = 'x'")
        .execute(s.pool())
        .await;
    assert!(updated.is_err(), "versions are immutable");
}

#[tokio::test]
async fn a_duplicate_name_is_a_field_error() {
    let (app, _dir) = app().await;
    assert!(submit(&app, &valid("dup")).await.is_ok());
    let err = submit(&app, &valid("dup")).await.expect_err("duplicate");
    assert!(err.field("name").is_some(), "{err:?}");
}

#[tokio::test]
async fn without_javascript_errors_come_back_in_the_page_and_saves_redirect() {
    let (app, dir) = app().await;
    let mut form = valid("nojs");
    set(&mut form, "max_replicas", "0");
    let (status, location, _) = post(&app, "/api/policy_submit", &form, true).await;
    assert_eq!(status, StatusCode::FOUND);
    let location = location.expect("redirect");
    assert!(location.starts_with("/policies/new?draft="), "{location}");
    let (_, page) = get(&app, &location).await;
    assert!(
        page.contains("max_replicas must be at least 1"),
        "error shown"
    );
    assert!(page.contains("nothing was saved"));
    assert!(page.contains(r#"value="nojs""#), "typed name kept");
    assert_eq!(count(&store(&dir).await, "policies").await, 0);

    // Adding a row without JavaScript comes back with the row.
    set(&mut form, "op", "add:metrics");
    let (_, location, _) = post(&app, "/api/policy_submit", &form, true).await;
    let (_, page) = get(&app, &location.expect("redirect")).await;
    assert!(
        page.contains(r#"name="metrics[1][target_value]""#),
        "new row"
    );

    set(&mut form, "op", "save");
    set(&mut form, "max_replicas", "4");
    let (status, location, _) = post(&app, "/api/policy_submit", &form, true).await;
    assert_eq!(status, StatusCode::FOUND);
    let location = location.expect("redirect");
    assert!(location.ends_with("?saved=1"), "{location}");
    let (_, page) = get(&app, &location).await;
    assert!(page.contains("Saved version 1."), "notice");
}

#[tokio::test]
async fn what_if_replays_recorded_demand_for_both_policies() {
    let (app, dir) = app().await;
    let Ok(SubmitOutcome::Saved { id, .. }) = submit(&app, &valid("web")).await else {
        panic!("v1")
    };
    let s = store(&dir).await;
    let now = Utc::now();
    let backend = s
        .insert_backend("sim", "simulator", "{}", now)
        .await
        .expect("backend");
    let spec = r#"{"capacity_per_instance": 50, "startup_secs": 20}"#;
    let w = s
        .insert_workload(backend, "shop", Some(id), 15, spec, now)
        .await
        .expect("workload");
    for m in 0..120 {
        let demand = if (40..70).contains(&m) { 400.0 } else { 60.0 };
        let at = now - Duration::minutes(120 - m);
        let sample = Sample {
            workload_id: w,
            at,
            load: None,
            demand: Some(demand),
            unserved: None,
            current: 2,
            desired: 2,
            ready: 2,
            forecast: Default::default(),
        };
        s.insert_sample(&sample, &[]).await.expect("sample");
    }
    let mut form = valid("web");
    set(&mut form, "id", &id.to_string());
    set(&mut form, "max_replicas", "3");
    set(&mut form, "op", "preview");
    set(&mut form, "whatif[source]", "24h");
    set(&mut form, "whatif[workload]", &w.to_string());
    let Ok(SubmitOutcome::Preview(w)) = submit(&app, &form).await else {
        panic!("preview")
    };
    let w = whatif_done(whatif_end(&app, *w).await);
    let current = w.current.expect("current policy replayed");
    assert_eq!(current.label, "current v1");
    assert!(!w.times.is_empty() && w.edited.replicas.len() == w.times.len());
    assert_eq!(current.replicas.len(), w.times.len());
    assert!(w.edited.replicas.iter().all(|r| *r <= 3.0), "edited max 3");
    assert!(
        current.replicas.iter().any(|r| *r > 3.0),
        "current scales past 3"
    );
    assert!(w.edited.unserved_units > current.unserved_units);
    assert!(w.edited.replica_hours < current.replica_hours);
    // Three policies at once: the saved version and HPA's defaults on the same metrics.
    set(&mut form, "whatif[compare]", "both");
    let Ok(SubmitOutcome::Preview(both)) = submit(&app, &form).await else {
        panic!("preview of three")
    };
    let both = whatif_done(whatif_end(&app, *both).await);
    assert_eq!(both.current.expect("current").label, "current v1");
    let labels: Vec<&str> = both.others.iter().map(|o| o.label.as_str()).collect();
    assert_eq!(labels, ["HPA defaults"]);
    assert_eq!(both.others[0].replicas.len(), both.times.len());
}

#[tokio::test]
async fn saving_an_unchanged_policy_makes_no_version() {
    let (app, dir) = app().await;
    let Ok(SubmitOutcome::Saved { id, version: 1 }) = submit(&app, &valid("web")).await else {
        panic!("v1")
    };
    let s = store(&dir).await;
    let audit_before = count(&s, "audit_log").await;
    let mut same = valid("web");
    set(&mut same, "id", &id.to_string());
    set(&mut same, "base_version", "1");
    set(&mut same, "comment", "pressed save again");
    assert_eq!(
        submit(&app, &same).await,
        Ok(SubmitOutcome::Unchanged { id, version: 1 })
    );
    assert_eq!(count(&s, "policy_versions").await, 1, "no second version");
    assert_eq!(count(&s, "audit_log").await, audit_before, "no audit entry");
    // Without JavaScript the editor says so.
    let (status, location, _) = post(&app, "/api/policy_submit", &same, true).await;
    assert!(status.is_redirection(), "{status}");
    let location = location.expect("location");
    assert!(
        location.ends_with(&format!("/policies/{id}?unchanged=1")),
        "{location}"
    );
    let (_, page) = get(&app, &location).await;
    assert!(page.contains("Nothing changed"), "{page}");
    // A real change still makes version 2.
    set(&mut same, "max_replicas", "6");
    assert_eq!(
        submit(&app, &same).await,
        Ok(SubmitOutcome::Saved { id, version: 2 })
    );
}

#[tokio::test]
async fn numbers_that_mean_nothing_are_refused_and_implausible_ones_linted() {
    let (app, dir) = app().await;
    for (key, value, path) in [
        ("metrics[0][target_value]", "1e-320", "metrics[0].target"),
        ("metrics[0][target_value]", "1e400", "metrics[0].target"),
        ("metrics[0][target_value]", "NaN", "metrics[0].target"),
    ] {
        let mut form = valid("absurd");
        set(&mut form, key, value);
        let err = submit(&app, &form).await.expect_err(value);
        assert!(err.field(path).is_some(), "{value}: {err:?}");
    }
    let s = store(&dir).await;
    assert_eq!(count(&s, "policies").await, 0, "nothing was stored");
    let mut form = valid("absurd");
    set(&mut form, "op", "check");
    set(&mut form, "tolerance[scale_up]", "4e9");
    let check = ebb::model::policy_form::FormFields::from_pairs(form.clone()).check();
    assert!(
        check.lints.iter().any(|l| l.path == "tolerance.scale_up"),
        "{:?} {:?}",
        check.errors,
        check.lints
    );
}
