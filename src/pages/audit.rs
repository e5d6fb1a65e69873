//! Audit: the append-only trail of policy versions, overrides and backend changes, with actor,
//! time, and the state before and after.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::api::audit::list_audit;
use crate::components::time::Time;
use crate::model::audit::AuditEntry;
use crate::model::ApiError;

/// The audit trail.
#[component]
pub fn Audit() -> impl IntoView {
    let query = use_query_map();
    let before = move || query.with(|q| q.get("before").and_then(|b| b.parse::<i64>().ok()));
    let entries = Resource::new(before, list_audit);
    view! {
        <Title text="Audit"/>
        <div class="page-head"><h1>"Audit"</h1></div>
        <section class="panel">
            <Suspense fallback=|| view! { <p class="muted">"Loading the audit trail…"</p> }>
                {move || Suspend::new(async move {
                    let list = entries.await?;
                    let older = (list.len() == 100).then(|| list.last().map(|e| e.id)).flatten();
                    Ok::<_, ApiError>(view! {
                        <Show when={let empty = list.is_empty(); move || empty}>
                            <p class="muted">"The audit trail is empty."</p>
                        </Show>
                        <ol class="audit" id="audit-list">{list.into_iter().map(entry).collect_view()}</ol>
                        {older.map(|id| view! { <p><a class="button" href=format!("/audit?before={id}")>"Older entries →"</a></p> })}
                    })
                })}
            </Suspense>
        </section>
    }
}

fn entry(e: AuditEntry) -> impl IntoView {
    let has_change = e.before.is_some() || e.after.is_some();
    view! {
        <li class="audit-entry" data-audit=e.id>
            <div class="decision-line">
                <Time iso=e.at.clone()/>
                <strong class="actor">{e.actor.clone()}</strong>
                <span class="badge">{e.action.clone()}</span>
                <span>{format!("{} {}", e.target_kind, e.target_id)}</span>
                {(!e.address.is_empty()).then(|| view! { <span class="muted address">"from "{e.address.clone()}</span> })}
            </div>
            {(!e.comment.is_empty()).then(|| view! { <p class="sentence">{e.comment.clone()}</p> })}
            {has_change.then(|| view! {
                <details>
                    <summary>"Before / after"</summary>
                    <div class="grid">
                        <pre class="mono">{pretty(e.before.as_deref())}</pre>
                        <pre class="mono">{pretty(e.after.as_deref())}</pre>
                    </div>
                </details>
            })}
        </li>
    }
}

fn pretty(json: Option<&str>) -> String {
    match json {
        None => "—".into(),
        Some(j) => serde_json::from_str::<serde_json::Value>(j)
            .and_then(|v| serde_json::to_string_pretty(&v))
            .unwrap_or_else(|_| j.to_string()),
    }
}
