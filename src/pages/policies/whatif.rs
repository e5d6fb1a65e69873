//! The editor's what-if panel: choose the load (a workload's last 24 h or 7 d, or a trace),
//! press Preview, and compare the edited policy's replica curve, cost and unserved demand with
//! the current policy's or with HPA's defaults on the same metrics. Part of the editor form, so Preview replays exactly what is typed.

use leptos::prelude::*;

use crate::api::policies::SubmitPolicy;
use crate::components::policy_chart::WhatIfChart;
use crate::components::policy_fields::{select, EditorCtx};
use crate::model::policies::{EditorData, ReplaySummary, SubmitOutcome, WhatIf};
use crate::model::policy_form as pf;

/// Choices, button and result.
#[component]
pub fn WhatIfPanel(
    ctx: EditorCtx,
    data: EditorData,
    submit: ServerAction<SubmitPolicy>,
    initial: Option<Result<WhatIf, String>>,
) -> impl IntoView {
    let latest = RwSignal::new(initial);
    Effect::new(move |_| {
        if let Some(Ok(SubmitOutcome::Preview(w))) = submit.value().get() {
            latest.set(Some(Ok(*w)));
        }
    });
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
                Ok(w) => result(w),
                Err(e) => view! { <p class="inline-error" role="alert">{e}</p> }.into_any(),
            })}
        </section>
    }
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
