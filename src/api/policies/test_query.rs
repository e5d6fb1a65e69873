//! "Test query" in the policy editor: runs one metric's PromQL query now, on its server, for
//! the first workload that uses the policy, and writes what came back beside the metric —
//! the value(s) and the replicas they would propose at the metric's target (before bounds and
//! rate limits), or exactly what failed. The answer travels in the form as
//! `metrics[i][test_result]`, which no policy field reads, so it shows with and without
//! JavaScript and is never saved.

use ebb_engine::{MetricSource, MetricTarget};

use crate::model::policy_form::{self as pf, FormFields};
use crate::server::metrics::prometheus::reading::{read, substitute, Reading};

/// The form key of metric row `i`'s answer.
pub fn result_key(i: usize) -> String {
    format!("metrics[{i}][test_result]")
}

/// Runs the query of form row `row` and stores the answer in the form.
pub async fn run(form: &mut FormFields, row: usize) {
    let answer = answer(form, row).await;
    form.set(result_key(row), answer);
}

async fn answer(form: &FormFields, row: usize) -> String {
    let Ok(policy) = form.to_policy() else {
        return "Correct the fields marked in red first.".into();
    };
    // Rows of the form are numbered as the policy's metrics are, in order.
    let Some(index) = form.rows("metrics").iter().position(|r| *r == row) else {
        return "That metric is no longer in the form.".into();
    };
    let Some(metric) = policy.metrics.get(index) else {
        return "That metric is no longer in the form.".into();
    };
    let MetricSource::Prometheus {
        server,
        query,
        instance_label,
        empty_as_zero,
    } = &metric.source
    else {
        return "Only a Prometheus query can be tested.".into();
    };
    let Ok(state) = crate::api::state() else {
        return "The server is not ready.".into();
    };
    let store = state.store();
    let id = form.get(pf::ID).parse::<i64>().ok();
    let user = match id {
        Some(id) => store
            .policy_workloads(id)
            .await
            .ok()
            .and_then(|w| w.into_iter().next()),
        None => None,
    };
    let (workload, ready) = match &user {
        Some(w) => (
            store.workload(w.id).await.ok().flatten(),
            store
                .workload_summary(w.id)
                .await
                .ok()
                .flatten()
                .and_then(|s| s.ready_replicas),
        ),
        None => (None, None),
    };
    let (q, for_whom) = match &workload {
        Some(w) => {
            let (ns, name) = crate::server::controller::placeholders(&w.backend_kind, &w.name);
            (
                substitute(query, &w.name, ns, name),
                format!("for {}", w.name),
            )
        }
        None => (
            substitute(query, "", "", ""),
            "(no workload uses this policy yet: placeholders left empty)".to_string(),
        ),
    };
    let series = match state.inner.prometheus.query(server, &q).await {
        Ok(s) => s,
        Err(e) => return format!("{e}"),
    };
    let at = chrono::Utc::now().format("%H:%M:%S UTC");
    let target = metric.target;
    match read(&series, instance_label, *empty_as_zero) {
        Reading::Total(Err(why)) => format!("{at}, {for_whom}: {why}"),
        Reading::Total(Ok(v)) => {
            let proposal = match (target, ready) {
                (MetricTarget::AverageValue(t), _) => {
                    format!(
                        "proposes {} replicas at {t} per ready instance",
                        (v / t).ceil()
                    )
                }
                (MetricTarget::Value(t), Some(r)) => format!(
                    "{:.2}× the target {t}: proposes {} replicas from {r} ready",
                    v / t,
                    (r as f64 * v / t).ceil()
                ),
                (MetricTarget::Value(t), None) => format!("{:.2}× the target {t}", v / t),
                (MetricTarget::Utilization(_), _) => "a Utilization target does not apply".into(),
            };
            format!("{at}, {for_whom}: {v} — {proposal} (before bounds and rate limits)")
        }
        Reading::PerInstance(values, notes) => {
            let listed: Vec<String> = values
                .iter()
                .take(10)
                .map(|(k, v)| format!("{k} = {v}"))
                .collect();
            let more = values.len().saturating_sub(10);
            let sum: f64 = values.values().sum();
            let proposal = match target {
                MetricTarget::AverageValue(t) if !values.is_empty() => format!(
                    "; average {:.2}: proposes {} replicas at {t} each",
                    sum / values.len() as f64,
                    (sum / t).ceil()
                ),
                _ => String::new(),
            };
            let mut text = format!(
                "{at}, {for_whom}: {} instance value(s): {}{}{proposal}",
                values.len(),
                listed.join(", "),
                if more > 0 {
                    format!(" and {more} more")
                } else {
                    String::new()
                }
            );
            if !notes.is_empty() {
                text.push_str(&format!(". Left out: {}", notes.join("; ")));
            }
            text
        }
    }
}
