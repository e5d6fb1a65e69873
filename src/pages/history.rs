//! History: every decision across workloads, filtered by workload, time range, direction,
//! outcome, reason and the rule that limited it (e.g. `forecast`), paged by id, exportable as
//! CSV and JSON. New decisions that match the filters appear at the top while the page is open
//! (the [`LiveDecisions`] island). The filter form is a plain GET form, so everything works with
//! JavaScript off.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use leptos_router::params::ParamsMap;

use crate::api::history::list_decisions;
use crate::api::workloads::list_workloads;
use crate::components::live::{use_live, LiveBadge};
use crate::components::time::Time;
use crate::model::decision::{DecisionFilter, DecisionRow, DIRECTIONS, OUTCOMES, RULES};
use crate::model::error::FieldError;
use crate::model::live::LiveEvent;
use crate::model::ApiError;
use crate::pages::workload::outcome_class;

const PAGE: u32 = 100;

/// Filter from the page's query string (`datetime-local` values are read in the zone `tz`
/// names, UTC without it); an error names the parameter that is not a valid filter.
fn filter_from(q: &ParamsMap) -> Result<DecisionFilter, FieldError> {
    DecisionFilter::from_query(|k| q.get(k), PAGE)
}

fn matches(f: &DecisionFilter, d: &DecisionRow) -> bool {
    f.before_id.is_none()
        && !(f.hide_holds && d.outcome == "none")
        && f.to.is_none()
        && f.workload_id.is_none_or(|w| w == d.workload_id)
        && f.direction.as_ref().is_none_or(|x| *x == d.direction)
        && f.outcome.as_ref().is_none_or(|x| *x == d.outcome)
        && f.reason.as_ref().is_none_or(|x| *x == d.reason)
        && f.rule.as_ref().is_none_or(|r| d.names_rule(r))
}

/// The history page.
#[component]
pub fn History() -> impl IntoView {
    let query = use_query_map();
    let filter = Memo::new(move |_| query.with(filter_from));
    #[cfg(feature = "ssr")]
    if filter.get_untracked().is_err() {
        if let Some(res) = use_context::<leptos_axum::ResponseOptions>() {
            res.set_status(axum::http::StatusCode::BAD_REQUEST);
        }
    }
    let rows = Resource::new(
        move || filter.get(),
        |f| async move {
            match f {
                Ok(f) => list_decisions(f).await,
                Err(e) => Err(ApiError::Invalid(vec![e])),
            }
        },
    );
    let workloads = Resource::new(|| (), |_| list_workloads());
    let export = move |ext: &str| {
        let q = query.with(|q| q.to_query_string());
        format!("/history/export.{ext}{q}")
    };
    view! {
        <Title text="History"/>
        <div class="page-head">
            <h1>"History"</h1>
            <div class="actions">
                <a class="button" id="export-csv" href=move || export("csv") download="decisions.csv">"Export CSV"</a>
                <a class="button" id="export-json" href=move || export("json") download="decisions.json">"Export JSON"</a>
            </div>
        </div>
        <form class="panel filters" method="get" action="/history" aria-label="Filter decisions">
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    let list = workloads.await.unwrap_or_default();
                    let selected = filter.get_untracked().ok().and_then(|f| f.workload_id);
                    view! {
                        <div class="form-row"><label for="f-workload">"Workload"</label>
                            <select id="f-workload" name="workload">
                                <option value="">"all"</option>
                                {list.into_iter().map(|w| view! {
                                    <option value=w.id.to_string() selected=selected == Some(w.id)>{w.name}</option>
                                }).collect_view()}
                            </select></div>
                    }
                })}
            </Suspense>
            <Choice id="f-direction" name="direction" label="Direction" options=DIRECTIONS/>
            <Choice id="f-outcome" name="outcome" label="Outcome" options=OUTCOMES/>
            <Choice id="f-rule" name="rule" label="Rule that limited it" options=RULES/>
            <div class="form-row"><label for="f-reason">"Reason code"</label>
                <input id="f-reason" name="reason" type="text" placeholder="e.g. ScaleUpLimit"
                    value=move || query.with(|q| q.get("reason").unwrap_or_default())/></div>
            // Typed times are read in the zone shown: UTC without JavaScript, the browser's own
            // (its name and offset filled in by local-time.js) with it.
            <input type="hidden" name="tz" value="0" data-tz-offset=""/>
            <div class="form-row"><label for="f-from">"From ("<span data-zone-name="">"UTC"</span>")"</label>
                <input id="f-from" name="from" type="datetime-local" value=move || query.with(|q| q.get("from").unwrap_or_default())/></div>
            <div class="form-row"><label for="f-to">"To ("<span data-zone-name="">"UTC"</span>")"</label>
                <input id="f-to" name="to" type="datetime-local" value=move || query.with(|q| q.get("to").unwrap_or_default())/></div>
            <div class="form-row field check">
                <input type="checkbox" id="f-holds" name="holds" value="1"
                    checked=move || query.with(|q| q.get("holds").is_some_and(|v| v == "1" || v == "on"))/>
                <label for="f-holds">"Include holds (evaluations that changed nothing)"</label>
            </div>
            <div class="form-row buttons">
                <button type="submit" class="button primary">"Filter"</button>
                <a href="/history" class="button">"Clear"</a>
            </div>
        </form>
        <section class="panel">
            <Suspense fallback=|| view! { <p class="muted">"Loading decisions…"</p> }>
                {move || Suspend::new(async move {
                    let list = match rows.await {
                        Ok(list) => list,
                        Err(e) => return view! { <FilterError error=e/> }.into_any(),
                    };
                    let older = (list.len() as u32 == PAGE)
                        .then(|| list.last().map(|d| d.id))
                        .flatten()
                        .map(|id| {
                            let mut q = query.get_untracked();
                            q.replace("before", id.to_string());
                            format!("/history{}", q.to_query_string())
                        });
                    let filter = filter.get_untracked().unwrap_or_default();
                    view! { <LiveDecisions initial=list filter older/> }.into_any()
                })}
            </Suspense>
        </section>
    }
}

/// A filter the server refused (which parameter, and what to type instead), or any other
/// failure to read the history.
#[component]
fn FilterError(error: ApiError) -> impl IntoView {
    let text = match &error {
        ApiError::Invalid(list) => list
            .iter()
            .map(|f| format!("Filter '{}': {}", f.path, f.message))
            .collect::<Vec<_>>()
            .join("; "),
        other => other.to_string(),
    };
    view! {
        <p class="inline-error" role="alert" id="filter-error">{text}". No rows are shown until the filter is corrected above, or "
            <a href="/history">"the filters are cleared"</a>"."</p>
    }
}

#[component]
fn Choice(
    id: &'static str,
    name: &'static str,
    label: &'static str,
    options: &'static [&'static str],
) -> impl IntoView {
    let query = use_query_map();
    let current = move || query.with(|q| q.get(name));
    view! {
        <div class="form-row"><label for=id>{label}</label>
            <select id=id name=name>
                <option value="">"all"</option>
                {options.iter().map(|o| view! {
                    <option value=*o selected=move || current().as_deref() == Some(*o)>{*o}</option>
                }).collect_view()}
            </select></div>
    }
}

/// The decision table, with new matching decisions prepended from the live stream; `older`
/// links the next page.
#[island]
fn LiveDecisions(
    initial: Vec<DecisionRow>,
    filter: DecisionFilter,
    older: Option<String>,
) -> impl IntoView {
    let live = use_live();
    let rows = RwSignal::new(initial);
    Effect::new(move |_| {
        if let Some(LiveEvent::Evaluated {
            decision: Some(d), ..
        }) = live.last.get()
        {
            if matches(&filter, &d) {
                rows.update(|r| {
                    r.retain(|x| x.id != d.id);
                    r.insert(0, d);
                });
            }
        }
    });
    view! {
        <div class="panel-head">
            <h2>"Decisions"</h2>
            <LiveBadge live/>
        </div>
        <div class="table-wrap">
            <table id="history-table">
                <thead><tr>
                    <th scope="col">"Time"</th><th scope="col">"Workload"</th>
                    <th scope="col" class="num">"Replicas"</th><th scope="col">"Reason"</th>
                    <th scope="col">"Outcome"</th><th scope="col">"Explanation"</th>
                </tr></thead>
                <tbody>
                    {move || rows.get().into_iter().map(|d| view! {
                        <tr data-decision=d.id>
                            <td><Time iso=d.at.clone()/></td>
                            <td><a href=format!("/workloads/{}", d.workload_id)>{d.workload.clone()}</a></td>
                            <td class="num">{format!("{} → {}", d.current_replicas, d.desired_replicas)}</td>
                            <td><span class="badge">{d.reason.clone()}</span></td>
                            <td><span class=format!("badge {}", outcome_class(&d.outcome))>{d.outcome.clone()}</span></td>
                            <td class="sentence">{d.sentence.clone()}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </div>
        <Show when=move || rows.with(Vec::is_empty)>
            <p class="muted">"No decisions match these filters."</p>
        </Show>
        {older.map(|href| view! { <p><a class="button" href=href id="older">"Older decisions →"</a></p> })}
    }
}
