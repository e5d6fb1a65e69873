//! The table of workloads shared by the Overview and Workloads pages: state (with the
//! override in force), replicas, load against target, the last hour (overview), last
//! decision, policy and backend; rows are replaced as live
//! evaluations arrive. [`LiveWorkloads`] is an island: the page head with the live badge and the
//! table, hydrated from the rows the server rendered.

use leptos::prelude::*;

use crate::components::live::{use_live, LiveBadge};
use crate::components::sparkline::Sparkline;
use crate::components::time::Time;
use crate::model::decision::DecisionRow;
use crate::model::live::LiveEvent;
use crate::model::workload::{SparkPoint, WorkloadState, WorkloadSummary};

/// Page head (`title` as h1, live badge) and a panel with the workload table (under `heading`,
/// when given), kept current from the live stream. The overview also passes `sparks` (each
/// row's last hour), `recent` (the latest scale actions) and `glance`: the counts of
/// workloads per state above the table, kept current too.
#[island]
pub fn LiveWorkloads(
    title: String,
    heading: Option<String>,
    initial: Vec<WorkloadSummary>,
    sparks: Vec<(i64, Vec<SparkPoint>)>,
    recent: Vec<DecisionRow>,
    glance: bool,
) -> impl IntoView {
    let live = use_live();
    let labelled_by = heading.is_some().then_some("workloads-title");
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
        <div class="page-head">
            <h1>{title}</h1>
            <LiveBadge live/>
        </div>
        {glance.then(|| view! { <AtAGlance rows recent/> })}
        <section class="panel" aria-labelledby=labelled_by>
            {heading.map(|h| view! { <h2 id="workloads-title">{h}</h2> })}
            <WorkloadTable rows sparks/>
        </section>
    }
}

/// "Is anything wrong?": how many workloads are in each state that matters (those needing
/// attention first, each naming its workloads), and the latest scale actions.
#[component]
fn AtAGlance(rows: RwSignal<Vec<WorkloadSummary>>, recent: Vec<DecisionRow>) -> impl IntoView {
    let shown = [
        WorkloadState::Failing,
        WorkloadState::Degraded,
        WorkloadState::AtMax,
        WorkloadState::Pinned,
        WorkloadState::Paused,
        WorkloadState::Scaling,
        WorkloadState::Steady,
    ];
    let tile = move |state: WorkloadState| {
        let names = move || {
            rows.with(|r| {
                r.iter()
                    .filter(|w| w.state == state)
                    .map(|w| (w.id, w.name.clone()))
                    .collect::<Vec<_>>()
            })
        };
        let count = move || names().len();
        view! {
            <li class=move || format!("tile {}{}", state.class(), if count() == 0 { " zero" } else { "" })
                data-state=state.label()>
                <strong class="count">{count}</strong>
                <span class="what">{state.label()}</span>
                <span class="names">
                    {move || names().into_iter().take(3).map(|(id, name)| view! {
                        <a href=format!("/workloads/{id}")>{name}</a>" "
                    }).collect_view()}
                </span>
            </li>
        }
    };
    let attention = move || rows.with(|r| r.iter().filter(|w| w.state.needs_attention()).count());
    view! {
        <section class="panel glance" aria-labelledby="glance-title" id="at-a-glance">
            <h2 id="glance-title">
                {move || match attention() {
                    0 => "Nothing needs attention".to_string(),
                    1 => "1 workload needs attention".to_string(),
                    n => format!("{n} workloads need attention"),
                }}
            </h2>
            <ul class="tiles">{shown.into_iter().map(tile).collect_view()}</ul>
            <h3>"Latest scale actions"</h3>
            {if recent.is_empty() {
                view! { <p class="muted">"No scale actions yet."</p> }.into_any()
            } else {
                view! {
                    <ul class="plain recent-actions" id="recent-actions">
                        {recent.into_iter().map(|d| view! {
                            <li>
                                <Time iso=d.at.clone()/>" "
                                <a href=format!("/workloads/{}", d.workload_id)>{d.workload.clone()}</a>" "
                                <strong>{format!("{} → {}", d.current_replicas, d.desired_replicas)}</strong>" "
                                <span class=format!("badge {}", crate::pages::workload::outcome_class(&d.outcome))>{d.outcome.clone()}</span>" "
                                <span class="muted">{d.sentence.clone()}</span>
                            </li>
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </section>
    }
}

/// The workload table over `rows`. On a phone each row is a card (each cell carries its
/// column's name).
#[component]
pub fn WorkloadTable(
    rows: RwSignal<Vec<WorkloadSummary>>,
    sparks: Vec<(i64, Vec<SparkPoint>)>,
) -> impl IntoView {
    let with_sparks = !sparks.is_empty();
    let sparks = StoredValue::new(sparks);
    let spark_of = move |id: i64| {
        sparks.with_value(|all| {
            all.iter()
                .find(|(w, _)| *w == id)
                .map(|(_, p)| p.clone())
                .unwrap_or_default()
        })
    };
    view! {
        <Show when=move || !rows.with(Vec::is_empty)
            fallback=|| view! { <p class="muted">"No workloads are registered yet."</p> }>
            <div class="table-wrap">
                <table class="workloads cards" id="workload-table">
                    <thead>
                        <tr>
                            <th scope="col">"Workload"</th>
                            <th scope="col">"State"</th>
                            <th scope="col" class="num" title="current / desired / ready">"Replicas"</th>
                            <th scope="col">"Load vs target"</th>
                            {with_sparks.then(|| view! { <th scope="col">"Last hour"</th> })}
                            <th scope="col">"Last decision"</th>
                            <th scope="col">"Policy"</th>
                            <th scope="col">"Backend"</th>
                        </tr>
                    </thead>
                    <tbody>{move || rows.get().into_iter().map(|w| {
                        let spark = with_sparks.then(|| spark_of(w.id));
                        workload_row(w, spark)
                    }).collect_view()}</tbody>
                </table>
            </div>
        </Show>
    }
}

fn workload_row(w: WorkloadSummary, spark: Option<Vec<SparkPoint>>) -> impl IntoView {
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
    let target = w.target;
    view! {
        <tr data-workload=w.name.clone() data-state=w.state.label()>
            <th scope="row"><a href=format!("/workloads/{}", w.id)>{w.name.clone()}</a></th>
            <td data-label="State"><StateBadges w=w.clone()/></td>
            <td data-label="Replicas" class="num replicas">{replicas}</td>
            <td data-label="Load vs target"><LoadBar load=w.load target=w.target/></td>
            {spark.map(|points| view! { <td data-label="Last hour"><Sparkline points target/></td> })}
            <td data-label="Last decision" class="sentence">
                {w.last_decision_at.clone().map(|at| view! { <Time iso=at/>" " })}
                <span class="muted">{sentence}</span>
            </td>
            <td data-label="Policy">{policy}</td>
            <td data-label="Backend">{w.backend.clone()}" "<span class="muted">"("{w.backend_kind.clone()}")"</span></td>
        </tr>
    }
}

/// The state badge, and the override in force beside it (what, by whom, until when).
#[component]
pub fn StateBadges(w: WorkloadSummary) -> impl IntoView {
    let state = w.state;
    let held = w.active_override().map(|o| {
        let title = format!(
            "{} by {} until {}: {}",
            o.what(),
            o.actor,
            o.until,
            o.reason
        );
        view! {
            <span class="badge hold override-badge" title=title>
                {o.what()}" · "{o.actor.clone()}" · until "<Time iso=o.until.clone()/>
            </span>
        }
    });
    view! {
        <span class=format!("badge state {}", state.class())>{state.label()}</span>
        {held.map(|h| view! { " "{h} })}
    }
}

fn opt(v: Option<i64>) -> String {
    v.map(|v| v.to_string()).unwrap_or_else(|| "–".into())
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
