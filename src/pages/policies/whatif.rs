//! The editor's what-if panel: choose the load (a workload's last 24 h or 7 d, or a trace),
//! press Preview, and compare the edited policy's replica curve, cost and unserved demand with
//! the current policy's or with HPA's defaults on the same metrics. Part of the editor form, so
//! Preview replays exactly what is typed. A long replay runs as a background job: the panel
//! shows its progress and a Cancel button, and follows it — by polling with JavaScript, by the
//! page reloading itself without (see the editor page).

use leptos::prelude::*;

use crate::api::policies::SubmitPolicy;
use crate::components::policy_chart::WhatIfChart;
use crate::components::policy_fields::{select, EditorCtx};
use crate::model::policies::{
    EditorData, ReplaySummary, SubmitOutcome, WhatIf, WhatIfProgress, WhatIfState,
};
use crate::model::policy_form as pf;

/// How often the browser asks how a running what-if is doing.
#[cfg(feature = "hydrate")]
const POLL: std::time::Duration = std::time::Duration::from_millis(700);

/// Choices, button and result.
#[component]
pub fn WhatIfPanel(
    ctx: EditorCtx,
    data: EditorData,
    submit: ServerAction<SubmitPolicy>,
    initial: Option<WhatIfState>,
) -> impl IntoView {
    let latest = RwSignal::new(initial);
    Effect::new(move |_| {
        if let Some(Ok(SubmitOutcome::Preview(w))) = submit.value().get() {
            latest.set(Some(*w));
        }
    });
    #[cfg(feature = "hydrate")]
    follow(latest);
    let f = &data.fields;
    let workloads: Vec<(String, String)> = data
        .workloads
        .iter()
        .map(|w| (w.id.to_string(), w.name.clone()))
        .collect();
    let wl: Vec<(&str, &str)> = workloads
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    let traces: Vec<(&str, &str)> = data
        .traces
        .iter()
        .map(|t| (t.as_str(), t.as_str()))
        .collect();
    view! {
        <section class="panel whatif" id="whatif" aria-labelledby="whatif-title">
            <h2 id="whatif-title">"What-if"</h2>
            <p class="hint">"Replays the policy as edited, and the saved one or HPA's defaults on the same metrics, over the same load in the simulator."</p>
            <div class="field-row">
                {select(ctx, f, "Load", pf::WHATIF_SOURCE.into(), pf::WHATIF_SOURCE.into(), &[
                    ("24h", "workload: last 24 h"),
                    ("7d", "workload: last 7 days"),
                    ("trace", "a recorded trace"),
                ])}
                {select(ctx, f, "Workload", pf::WHATIF_WORKLOAD.into(), pf::WHATIF_WORKLOAD.into(), &wl)}
                {select(ctx, f, "Trace", pf::WHATIF_TRACE.into(), pf::WHATIF_TRACE.into(), &traces)}
                {select(ctx, f, "Compare with", pf::WHATIF_COMPARE.into(), pf::WHATIF_COMPARE.into(), &[
                    ("current", "the saved version"),
                    ("hpa", "HPA defaults, same metrics"),
                    ("both", "both"),
                ])}
            </div>
            <button type="submit" name="op" value="preview" formnovalidate class="button" id="preview-policy">"Preview"</button>
            {move || submit.pending().get().then(|| view! { <span class="muted">" replaying…"</span> })}
            {move || latest.get().map(|r| match r {
                WhatIfState::Done(w) => result(*w),
                WhatIfState::Running(p) => progress(p),
                WhatIfState::Stopped(why) => view! { <p class="notice" role="status" id="whatif-stopped">{why}</p> }.into_any(),
            })}
        </section>
    }
}

/// Asks the server how the running job in `latest` is doing, every [`POLL`], until it is no
/// longer running (one request at a time; a newer preview's answer is not overwritten).
#[cfg(feature = "hydrate")]
fn follow(latest: RwSignal<Option<WhatIfState>>) {
    let asking = StoredValue::new(false);
    let running = move || {
        latest.with_untracked(|s| s.as_ref().and_then(|s| s.running_job().map(str::to_string)))
    };
    let tick = move || {
        let Some(job) = running() else { return };
        if asking.get_value() {
            return;
        }
        asking.set_value(true);
        leptos::task::spawn_local(async move {
            let next = crate::api::policies::whatif_status(job.clone()).await;
            asking.set_value(false);
            if running().as_deref() != Some(job.as_str()) {
                return;
            }
            latest.set(Some(next.unwrap_or_else(|e| {
                WhatIfState::Stopped(format!(
                    "Lost track of the what-if ({e}); press Preview to replay."
                ))
            })));
        });
    };
    if let Ok(h) = set_interval_with_handle(tick, POLL) {
        on_cleanup(move || h.clear());
    }
}

/// A running job: what it is doing, how far, and Cancel (a form button, so it works without
/// JavaScript too).
fn progress(p: WhatIfProgress) -> AnyView {
    let percent = (p.fraction * 100.0).round().clamp(0.0, 100.0);
    view! {
        <div class="whatif-progress" id="whatif-progress" role="status" data-job=p.job.clone()>
            <input type="hidden" name=pf::WHATIF_JOB value=p.job.clone()/>
            <p class="muted">"Load: "{p.source.clone()}</p>
            <label for="whatif-bar">{format!("{} — {} s so far", p.stage, p.elapsed_secs)}</label>
            <div class="progress-row">
                <progress id="whatif-bar" max="100" value=percent.to_string()>{format!("{percent} %")}</progress>
                <span class="num">{format!("{percent} %")}</span>
                <button type="submit" name="op" value="cancel_whatif" formnovalidate class="button" id="cancel-whatif">"Cancel"</button>
            </div>
        </div>
    }
    .into_any()
}

fn result(w: WhatIf) -> AnyView {
    let rows = std::iter::once(&w.edited)
        .chain(w.current.as_ref())
        .chain(&w.others)
        .map(row)
        .collect_view();
    view! {
        <div class="whatif-result" id="whatif-result">
            <p class="muted">"Load: "{w.source.clone()}</p>
            <div class="table-wrap">
                <table class="whatif-table">
                    <thead>
                        <tr>
                            <th scope="col">"Policy"</th>
                            <th scope="col" class="num">"Cost (replica-hours)"</th>
                            <th scope="col" class="num">"Unserved"</th>
                            <th scope="col" class="num">"Minutes over capacity"</th>
                            <th scope="col" class="num">"Scale ups / downs"</th>
                        </tr>
                    </thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
            <WhatIfChart whatif=w/>
        </div>
    }
    .into_any()
}

fn row(s: &ReplaySummary) -> impl IntoView {
    view! {
        <tr data-run=s.label.clone()>
            <th scope="row">{s.label.clone()}</th>
            <td class="num">{format!("{:.1}", s.replica_hours)}</td>
            <td class="num">{format!("{:.0} units ({:.2} %)", s.unserved_units, s.unserved_share * 100.0)}</td>
            <td class="num">{format!("{:.1}", s.minutes_over_capacity)}</td>
            <td class="num">{format!("{} / {}", s.scale_ups, s.scale_downs)}</td>
        </tr>
    }
}
