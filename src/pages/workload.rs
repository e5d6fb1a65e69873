//! The workload page: live chart of load and replicas with decision markers, the next possible
//! action, the decisions with their explanations, the instances, and manual overrides.

pub mod decisions;
mod instances;
mod next_action;
mod overrides;
mod resources;

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

pub use decisions::outcome_class;
pub use overrides::FieldError;

use crate::api::overrides::{get_pin_limits, list_overrides};
use crate::api::resources::get_resources;
use crate::api::workloads::{get_chart, get_workload};
use crate::components::chart::TimeChart;
use crate::components::live::{use_live, LiveBadge};
use crate::components::time::Time;
use crate::components::workload_table::StateBadges;
use crate::model::chart::{ChartData, RANGES};
use crate::model::live::LiveEvent;
use crate::model::workload::WorkloadDetail;
use crate::model::ApiError;

/// `/workloads/:id`: loads the workload and its chart on the server and hands both to the
/// [`WorkloadLive`] island; the override form is server-rendered inside it.
#[component]
pub fn WorkloadPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let id = move || params.with(|p| p.get("id").and_then(|v| v.parse::<i64>().ok()).unwrap_or(0));
    let range = move || query.with(|q| q.get("range").unwrap_or_else(|| "1h".to_string()));
    // Everything the page shows is loaded here, above the Suspense: resources created inside a
    // Suspense's children can leave a server render waiting for ever (leptos#4866).
    let detail = Resource::new(id, get_workload);
    let chart = Resource::new(move || (id(), range()), |(id, r)| get_chart(id, r));
    let overrides = Resource::new(id, list_overrides);
    let limits = Resource::new(id, get_pin_limits);
    let container = move || query.with(|q| q.get("container"));
    let resources = Resource::new(move || (id(), container()), |(id, c)| get_resources(id, c));
    view! {
        <Suspense fallback=|| view! { <p class="muted">"Loading workload…"</p> }>
            {move || Suspend::new(async move {
                let d = detail.await?;
                let c = chart.await?;
                let rows = overrides.await?;
                let limits = limits.await?;
                let current = resources.await;
                let id = d.summary.id;
                Ok::<_, ApiError>(view! {
                    <Title text=d.summary.name.clone()/>
                    <WorkloadLive detail=d chart=c>
                        <overrides::OverridePanel workload_id=id rows limits/>
                        <resources::ResourcesPanel current/>
                    </WorkloadLive>
                })
            })}
        </Suspense>
    }
}

/// The live part of the workload page: facts, chart, next action, decisions and instances,
/// updated from the live stream. `children` (the server-rendered override and resources forms)
/// sit beside the instances.
#[island]
fn WorkloadLive(detail: WorkloadDetail, chart: ChartData, children: Children) -> impl IntoView {
    let live = use_live();
    let id = detail.summary.id;
    let state = RwSignal::new(detail);
    let chart = RwSignal::new(chart);
    // Live: replace the summary, prepend new decisions, extend the chart.
    Effect::new(move |_| {
        let Some(LiveEvent::Evaluated {
            workload,
            decision,
            point,
        }) = live.last.get()
        else {
            return;
        };
        if workload.id != id {
            return;
        }
        // Holds (nothing changed) would bury the actions: the list and the markers skip them.
        let decision = decision.filter(|d| d.outcome != "none");
        if let Some(d) = &decision {
            chart.update(|c| {
                c.markers.push(crate::model::chart::Marker {
                    id: d.id,
                    at: d.at.clone(),
                    direction: d.direction.clone(),
                    outcome: d.outcome.clone(),
                    sentence: d.sentence.clone(),
                })
            });
        }
        // The point the evaluation stored, forecast figures and all (an evaluation that
        // stored none, a backend error, adds none: the chart shows what the store holds).
        if let Some(point) = point {
            chart.update(|c| {
                if c.points.last().is_none_or(|p| p.at != point.at) {
                    c.points.push(*point);
                }
            });
        }
        state.update(|s| {
            s.summary = *workload;
            if let Some(d) = decision {
                s.decisions.retain(|x| x.id != d.id);
                s.decisions.insert(0, d);
            }
        });
    });
    let name = state.with_untracked(|s| s.summary.name.clone());
    let current_range = move || chart.with(|c| c.range.clone());
    view! {
        <div class="page-head">
            <div>
                <p class="crumbs"><a href="/workloads">"Workloads"</a>" / "</p>
                <h1>{name}</h1>
            </div>
            <LiveBadge live/>
        </div>
        <OverrideBanner state/>
        <WorkloadFacts state/>
        <div class="layout-2">
            <section class="panel chart-panel" aria-labelledby="chart-title">
                <div class="panel-head">
                    <h2 id="chart-title">"Load and replicas"</h2>
                    <nav class="ranges" aria-label="Chart range">
                        {RANGES.iter().map(|(r, _)| view! {
                            <a href=format!("?range={r}")
                               aria-current=move || (current_range() == *r).then_some("true")>{*r}</a>
                        }).collect_view()}
                    </nav>
                </div>
                <TimeChart data=chart.into()/>
            </section>
            <next_action::NextActionPanel state/>
        </div>
        <decisions::DecisionList state/>
        <div class="layout-2">
            <instances::InstanceTable state/>
            {children()}
        </div>
    }
}

/// The override in force, at the top where the on-call engineer looks first: what it holds,
/// who set it, until when and why, with a link to the form that ends it.
#[component]
fn OverrideBanner(state: RwSignal<WorkloadDetail>) -> impl IntoView {
    move || {
        state.with(|s| s.summary.active_override()).map(|o| {
            view! {
                <p class="notice warn" role="status" id="override-banner">
                    <strong>{format!("{} ", capitalized(&o.what()))}</strong>"by "{o.actor.clone()}" until "
                    <Time iso=o.until.clone()/>{format!(": {}. ", o.reason)}
                    "The policy is overridden until then. "<a href="#overrides">"End it early"</a>
                </p>
            }
        })
    }
}

fn capitalized(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

/// Replica counts, load, policy and state in one line of facts.
#[component]
fn WorkloadFacts(state: RwSignal<WorkloadDetail>) -> impl IntoView {
    let s = move || state.get().summary;
    view! {
        <section class="panel facts-row" aria-label="Current state">
            <div><span class="muted">"Replicas (current / desired / ready)"</span>
                <strong id="replicas">{move || { let s = s(); format!("{} / {} / {}",
                    s.current_replicas.unwrap_or(0), s.desired_replicas.unwrap_or(0), s.ready_replicas.unwrap_or(0)) }}</strong></div>
            <div><span class="muted">"Load vs target"</span>
                <strong>{move || { let s = s(); match (s.load, s.target) {
                    (Some(l), Some(t)) => format!("{l:.1} / {t:.1}"), _ => "no metrics".into() } }}</strong></div>
            <div><span class="muted">"Policy"</span>
                <strong>{move || { let s = s(); match (s.policy_id, s.policy_name, s.policy_version) {
                    (Some(id), Some(n), Some(v)) => view! { <a href=format!("/policies/{id}")>{format!("{n} v{v}")}</a> }.into_any(),
                    _ => view! { "none" }.into_any() } }}</strong></div>
            <div><span class="muted">"Backend"</span><strong>{move || s().backend}</strong></div>
            <div><span class="muted">"State"</span><strong id="workload-state">{move || { let s = s(); view! { <StateBadges w=s/> } }}</strong></div>
            <div><span class="muted">"Evaluated every"</span><strong>{move || format!("{} s", s().interval_secs)}</strong></div>
        </section>
        {move || s().last_error.map(|e| view! { <p class="inline-error" role="alert">{e}</p> })}
    }
}
