//! The workload's decisions, newest first, each with its explanation: every signal's proposal
//! and the rules that changed the number. Holds are left out (History has them).

use leptos::prelude::*;

use crate::components::time::Time;
use crate::model::decision::DecisionRow;
use crate::model::workload::WorkloadDetail;

/// The decision list of the workload page.
#[component]
pub fn DecisionList(state: RwSignal<WorkloadDetail>) -> impl IntoView {
    view! {
        <section class="panel" aria-labelledby="decisions-title">
            <div class="panel-head">
                <h2 id="decisions-title">"Decisions"</h2>
                <a id="with-holds" href=move || format!("/history?workload={}&holds=1", state.with(|s| s.summary.id))>"With holds, in History"</a>
            </div>
            <p class="muted hint">"Scale actions, failures and errors; holds (evaluations that changed nothing) are one click away."</p>
            <Show when=move || state.with(|s| !s.decisions.is_empty())
                fallback=|| view! { <p class="muted">"No actions yet: only holds so far, or no evaluation."</p> }>
                <ol class="decisions" id="decision-list">
                    {move || state.get().decisions.into_iter().map(decision_item).collect_view()}
                </ol>
            </Show>
        </section>
    }
}

/// One decision with its explanation folded under a disclosure.
pub fn decision_item(d: DecisionRow) -> impl IntoView {
    let detail = d.parsed_detail();
    let change = if d.current_replicas == d.desired_replicas {
        format!("{}", d.current_replicas)
    } else {
        format!("{} → {}", d.current_replicas, d.desired_replicas)
    };
    let proposals = detail.proposals.into_iter().map(|p| {
        let value = match (p.value, p.target) {
            (Some(v), Some(t)) => format!("{v:.1} vs target {t:.1}"),
            _ => String::new(),
        };
        let result = match (&p.error, p.replicas) {
            (Some(e), _) => format!("no proposal: {e}"),
            (None, Some(r)) => format!("proposes {r}"),
            (None, None) => "no proposal".into(),
        };
        // The CPU readiness timing's note ("; 2 in their first 300s …") follows the detail.
        let note = format!("{}{}", p.detail, p.readiness);
        view! { <li><strong>{p.name}</strong>" "{value}" — "{result}
            {(!note.is_empty()).then(|| view! { <span class="muted">" ("{note.clone()}")"</span> })}</li> }
    }).collect_view();
    let limits = detail.limits.into_iter().map(|l| view! {
        <li><span class="badge">{l.rule.code()}</span>" "{format!("{} → {}", l.from, l.to)}": "{l.detail}</li>
    }).collect_view();
    view! {
        <li class=format!("decision dir-{} outcome-{}", d.direction, d.outcome) data-decision=d.id>
            <div class="decision-line">
                <Time iso=d.at.clone()/>
                <span class="change">{change}</span>
                <span class="badge">{d.reason.clone()}</span>
                <span class=format!("badge outcome {}", outcome_class(&d.outcome))>{d.outcome.clone()}</span>
            </div>
            <p class="sentence">{d.sentence.clone()}</p>
            {d.error.clone().map(|e| view! { <p class="inline-error">{e}</p> })}
            <details>
                <summary>"Why"</summary>
                <h3>"Signals"</h3>
                <ul class="plain">{proposals}</ul>
                <h3>"Rules that changed the number"</h3>
                <ul class="plain">{limits}</ul>
            </details>
        </li>
    }
}

/// Badge colour of an outcome.
pub fn outcome_class(outcome: &str) -> &'static str {
    match outcome {
        "applied" => "ok",
        "failed" | "error" => "bad",
        "intent" | "superseded" => "warn",
        _ => "",
    }
}
