//! Audit: the append-only trail of policy versions, overrides, backend and account changes,
//! with actor, time, the object by name, and the state before and after; filtered by who,
//! action, object and time, sign-ins one click away.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::api::audit::list_audit;
use crate::components::time::Time;
use crate::model::audit::{AuditEntry, AuditFilter, ACTION_FAMILIES, OBJECT_KINDS};
use crate::model::ApiError;

/// The audit trail: changes first (sign-ins one click away), filtered by actor, action,
/// object and time; a plain GET form, so it works without JavaScript.
#[component]
pub fn Audit() -> impl IntoView {
    let query = use_query_map();
    let filter = Memo::new(move |_| query.with(|q| AuditFilter::from_query(|k| q.get(k))));
    #[cfg(feature = "ssr")]
    if filter.get_untracked().is_err() {
        if let Some(res) = use_context::<leptos_axum::ResponseOptions>() {
            res.set_status(axum::http::StatusCode::BAD_REQUEST);
        }
    }
    let entries = Resource::new(
        move || filter.get(),
        |f| async move {
            match f {
                Ok(f) => list_audit(f).await,
                Err(e) => Err(ApiError::Invalid(vec![e])),
            }
        },
    );
    let value = move |k: &'static str| move || query.with(|q| q.get(k).unwrap_or_default());
    let choice = move |id: &'static str,
                       name: &'static str,
                       label: &'static str,
                       options: &'static [&'static str]| {
        view! {
            <div class="form-row"><label for=id>{label}</label>
                <select id=id name=name>
                    <option value="">"any"</option>
                    {options.iter().map(|o| view! {
                        <option value=*o selected=move || query.with(|q| q.get(name)).as_deref() == Some(*o)>{*o}</option>
                    }).collect_view()}
                </select></div>
        }
    };
    view! {
        <Title text="Audit"/>
        <div class="page-head"><h1>"Audit"</h1></div>
        <form class="panel filters" method="get" action="/audit" aria-label="Filter the audit trail">
            <div class="form-row"><label for="a-actor">"Who"</label>
                <input id="a-actor" name="actor" type="text" maxlength="64" placeholder="user name" value=value("actor")/></div>
            {choice("a-action", "action", "Action", ACTION_FAMILIES)}
            {choice("a-kind", "kind", "Object kind", OBJECT_KINDS)}
            <div class="form-row"><label for="a-object">"Object name or id"</label>
                <input id="a-object" name="object" type="text" maxlength="100" value=value("object")/></div>
            <input type="hidden" name="tz" value="0" data-tz-offset=""/>
            <div class="form-row"><label for="a-from">"From ("<span data-zone-name="">"UTC"</span>")"</label>
                <input id="a-from" name="from" type="datetime-local" value=value("from")/></div>
            <div class="form-row"><label for="a-to">"To ("<span data-zone-name="">"UTC"</span>")"</label>
                <input id="a-to" name="to" type="datetime-local" value=value("to")/></div>
            <div class="form-row field check">
                <input type="checkbox" id="a-logins" name="logins" value="1"
                    checked=move || query.with(|q| q.get("logins").is_some_and(|v| v == "1" || v == "on"))/>
                <label for="a-logins">"Include sign-ins"</label>
            </div>
            <div class="form-row buttons">
                <button type="submit" class="button primary">"Filter"</button>
                <a href="/audit" class="button">"Clear"</a>
            </div>
        </form>
        <section class="panel">
            <Suspense fallback=|| view! { <p class="muted">"Loading the audit trail…"</p> }>
                {move || Suspend::new(async move {
                    let list = match entries.await {
                        Ok(list) => list,
                        Err(e) => return view! {
                            <p class="inline-error" role="alert" id="filter-error">{e.to_string()}
                                ". Correct the filter above or "<a href="/audit">"clear the filters"</a>"."</p>
                        }.into_any(),
                    };
                    let older = (list.len() == 100)
                        .then(|| list.last().map(|e| e.id))
                        .flatten()
                        .map(|id| {
                            let mut q = query.get_untracked();
                            q.replace("before", id.to_string());
                            format!("/audit{}", q.to_query_string())
                        });
                    let empty = list.is_empty();
                    view! {
                        {empty.then(|| view! { <p class="muted">"No audit entries match these filters."</p> })}
                        <ol class="audit" id="audit-list">{list.into_iter().map(entry).collect_view()}</ol>
                        {older.map(|href| view! { <p><a class="button" href=href>"Older entries →"</a></p> })}
                    }.into_any()
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
                <span class="object">{object(&e)}</span>
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

/// "workload web (#3)" while the object exists under a name, else "workload 3".
fn object(e: &AuditEntry) -> String {
    match &e.target_name {
        Some(name) if !e.target_id.contains(name.as_str()) => {
            format!("{} {name} (#{})", e.target_kind, e.target_id)
        }
        _ => format!("{} {}", e.target_kind, e.target_id),
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
