//! The table of workloads shared by the Overview and Workloads pages: backend, policy,
//! replicas, load against target, last decision and health; rows are replaced as live
//! evaluations arrive. [`LiveWorkloads`] is an island: the page head with the live badge and the
//! table, hydrated from the rows the server rendered.

use leptos::prelude::*;

use crate::components::live::{use_live, Live, LiveBadge};
use crate::components::time::Time;
use crate::model::live::LiveEvent;
use crate::model::workload::WorkloadSummary;

/// Page head (`title` as h1, live badge) and a panel with the workload table (under `heading`,
/// when given), kept current from the live stream.
#[island]
pub fn LiveWorkloads(
    title: String,
    heading: Option<String>,
    initial: Vec<WorkloadSummary>,
) -> impl IntoView {
    let live = use_live();
    let labelled_by = heading.is_some().then_some("workloads-title");
    view! {
        <div class="page-head">
            <h1>{title}</h1>
            <LiveBadge live/>
        </div>
        <section class="panel" aria-labelledby=labelled_by>
            {heading.map(|h| view! { <h2 id="workloads-title">{h}</h2> })}
            <WorkloadTable initial live/>
        </section>
    }
}

/// The workload table; rows are replaced as live evaluations arrive.
#[component]
pub fn WorkloadTable(initial: Vec<WorkloadSummary>, live: Live) -> impl IntoView {
    let rows = RwSignal::new(initial);
    Effect::new(move |_| {
        if let Some(LiveEvent::Evaluated { workload, .. }) = live.last.get() {
            rows.update(|rows| match rows.iter_mut().find(|r| r.id == workload.id) {
                Some(row) => *row = *workload,
                None => rows.push(*workload),
            });
        }
    });
    view! {
        <Show when=move || !rows.with(Vec::is_empty)
            fallback=|| view! { <p class="muted">"No workloads are registered yet."</p> }>
            <div class="table-wrap">
                <table class="workloads" id="workload-table">
                    <thead>
                        <tr>
                            <th scope="col">"Workload"</th>
                            <th scope="col">"Backend"</th>
                            <th scope="col">"Policy"</th>
                            <th scope="col" class="num" title="current / desired / ready">"Replicas"</th>
                            <th scope="col">"Load vs target"</th>
                            <th scope="col">"Last decision"</th>
                            <th scope="col">"Health"</th>
                        </tr>
                    </thead>
                    <tbody>{move || rows.get().into_iter().map(workload_row).collect_view()}</tbody>
                </table>
            </div>
        </Show>
    }
}

fn workload_row(w: WorkloadSummary) -> impl IntoView {
    let health = w.health();
    let replicas = format!(
        "{} / {} / {}",
        opt(w.current_replicas),
        opt(w.desired_replicas),
        opt(w.ready_replicas)
    );
    let policy = match (&w.policy_name, w.policy_version) {
        (Some(n), Some(v)) => format!("{n} v{v}"),
        _ => "none (observed only)".to_string(),
    };
    let sentence = w
        .last_sentence
        .clone()
        .or(w.last_error.clone())
        .unwrap_or_default();
    view! {
        <tr data-workload=w.name.clone()>
            <th scope="row"><a href=format!("/workloads/{}", w.id)>{w.name.clone()}</a></th>
            <td>{w.backend.clone()}" "<span class="muted">"("{w.backend_kind.clone()}")"</span></td>
            <td>{policy}</td>
            <td class="num replicas">{replicas}</td>
            <td><LoadBar load=w.load target=w.target/></td>
            <td class="sentence">
                {w.last_decision_at.clone().map(|at| view! { <Time iso=at/>" " })}
                <span class="muted">{sentence}</span>
            </td>
            <td><span class=format!("badge {}", badge_class(health))>{health}</span></td>
        </tr>
    }
}

fn opt(v: Option<i64>) -> String {
    v.map(|v| v.to_string()).unwrap_or_else(|| "–".into())
}

fn badge_class(health: &str) -> &'static str {
    match health {
        "ok" => "ok",
        "degraded" => "warn",
        "unreachable" => "bad",
        _ => "",
    }
}

/// Load against target as a small bar and numbers.
#[component]
pub fn LoadBar(load: Option<f64>, target: Option<f64>) -> impl IntoView {
    let (Some(load), Some(target)) = (load, target) else {
        return view! { <span class="muted">"no metrics"</span> }.into_any();
    };
    let ratio = if target > 0.0 { load / target } else { 0.0 };
    // The bar spans 0..2× target; the target sits in the middle.
    let width = (ratio / 2.0 * 100.0).clamp(0.0, 100.0);
    let class = if ratio > 1.1 {
        "bar over"
    } else if ratio < 0.9 {
        "bar under"
    } else {
        "bar at"
    };
    view! {
        <span class="loadbar" title=format!("{load:.1} vs target {target:.1}")>
            <span class="track"><span class=class style=format!("width:{width:.0}%")></span></span>
            <span class="num">{format!("{load:.0} / {target:.0}")}</span>
        </span>
    }
    .into_any()
}
