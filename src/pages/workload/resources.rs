//! The workload page's resources panel: per-instance CPU and memory reservations and limits as
//! the backend reports them now, in cores and MiB/GiB, and a form to change them. A plain form
//! post with a redirect back, so it works without JavaScript; errors appear beside their
//! fields, and a change someone else made meanwhile is reported instead of overwritten.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::api::resources::SetResources;
use crate::components::time::Time;
use crate::model::resources::{format_cores, format_memory, ResourcesView};
use crate::model::ApiError;

use super::FieldError;

/// The resources panel: `current` is what the page loaded from the backend (see
/// `WorkloadPage`, which loads all data up front so nothing inside its `Suspense` creates a
/// resource of its own).
#[component]
pub fn ResourcesPanel(current: Result<ResourcesView, ApiError>) -> impl IntoView {
    let set = ServerAction::<SetResources>::new();
    let query = use_query_map();
    let notice = move || {
        let done = set.value().with(|v| matches!(v, Some(Ok(_))))
            || query.with(|q| q.get("resources").as_deref() == Some("applied"));
        done.then(|| {
            view! { <p class="notice ok" id="resources-applied" role="status">"Resources applied."</p> }
        })
    };
    let body = match current {
        Ok(v) => view! { <ResourcesForm v set/> }.into_any(),
        Err(e) => view! {
            <p class="inline-error" id="resources-error" role="alert">
                {format!("The current resources could not be read, so they cannot be changed now: {e}")}
            </p>
        }
        .into_any(),
    };
    view! {
        <section class="panel" aria-labelledby="resources-title" id="resources">
            <h2 id="resources-title">"Resources per instance"</h2>
            {notice}
            {body}
        </section>
    }
}

#[component]
fn ResourcesForm(v: ResourcesView, set: ServerAction<SetResources>) -> impl IntoView {
    use crate::components::role::{may, needs};
    use crate::model::auth::Role;
    // Everyone reads the values; only editors get a form that changes them.
    let can_write = may(Role::Editor);
    let r = v.resources;
    let cores = move |x: Option<f64>| x.map(format_cores).unwrap_or_default();
    let memory = move |x: Option<f64>| x.map(format_memory).unwrap_or_default();
    let error = move |field: &'static str| {
        Signal::derive(move || {
            set.value().with(|v| match v {
                Some(Err(e)) => e.field(field).map(str::to_string),
                _ => None,
            })
        })
    };
    // Errors not about one field: unreachable backend, someone else's change, permissions.
    let general = move || {
        set.value().with(|v| match v {
            Some(Err(ApiError::Invalid(list))) => list
                .iter()
                .find(|f| f.path == "resources" || f.path == "container")
                .map(|f| f.message.clone()),
            Some(Err(e)) => Some(e.to_string()),
            _ => None,
        })
    };
    view! {
        <p class="muted">
            "As "{v.backend.clone()}" ("{v.backend_kind.clone()}") reports them at "
            <Time iso=v.observed_at.clone()/>". Empty means none. CPU in cores (0.5 or 500m); memory in MiB unless you add a unit (512M, 1.5G)."
        </p>
        {(v.containers.len() > 1).then(|| view! { <ContainerPick v=v.clone()/> })}
        {match v.backend_kind.as_str() {
            "kubernetes" => Some(format!("Applying changes container {} of the pod template: Kubernetes replaces every pod (a rolling update, as its strategy says).", v.container)),
            "swarm" => Some("Applying updates the service: Docker replaces its tasks (a rolling update, as its update config says).".to_string()),
            _ => None,
        }.map(|w| view! { <p class="warning" id="resources-rollout">{w}</p> })}
        {move || general().map(|m| view! { <p class="inline-error" id="resources-form-error" role="alert">{m}</p> })}
        <ActionForm action=set attr:id="resources-form" attr:class="resources-form">
            <input type="hidden" name="workload_id" value=v.workload_id.to_string()/>
            <input type="hidden" name="fingerprint" value=v.fingerprint.clone()/>
            {(!v.container.is_empty()).then(|| view! {
                <input type="hidden" name="container" value=v.container.clone()/>
            })}
            <fieldset class="bare" disabled=!can_write>
            <div class="form-row">
                <label for="res-cpu_request">"CPU reservation (cores)"</label>
                <input id="res-cpu_request" name="cpu_request" type="text" inputmode="decimal"
                    placeholder="none" value=cores(r.cpu_request)/>
                <FieldError msg=error("cpu_request")/>
            </div>
            <div class="form-row">
                <label for="res-cpu_limit">"CPU limit (cores)"</label>
                <input id="res-cpu_limit" name="cpu_limit" type="text" inputmode="decimal"
                    placeholder="none" value=cores(r.cpu_limit)/>
                <FieldError msg=error("cpu_limit")/>
            </div>
            <div class="form-row">
                <label for="res-memory_request">"Memory reservation"</label>
                <input id="res-memory_request" name="memory_request" type="text"
                    placeholder="none" value=memory(r.memory_request)/>
                <FieldError msg=error("memory_request")/>
            </div>
            <div class="form-row">
                <label for="res-memory_limit">"Memory limit"</label>
                <input id="res-memory_limit" name="memory_limit" type="text"
                    placeholder="none" value=memory(r.memory_limit)/>
                <FieldError msg=error("memory_limit")/>
            </div>
            </fieldset>
            {if can_write {
                view! { <button type="submit" class="button primary" id="apply-resources">"Apply resources"</button> }.into_any()
            } else {
                view! { <p class="muted" id="resources-role">{needs(Role::Editor, "Changing resources")}</p> }.into_any()
            }}
        </ActionForm>
    }
}

/// Which container's resources the panel shows, for pods of several: a plain GET form, so it
/// works without JavaScript; the page's chart range is kept.
#[component]
fn ContainerPick(v: ResourcesView) -> impl IntoView {
    let query = use_query_map();
    let range = query.with_untracked(|q| q.get("range"));
    let chosen = v.container.clone();
    view! {
        <form method="get" action="#resources" class="container-pick" id="container-form">
            {range.map(|r| view! { <input type="hidden" name="range" value=r/> })}
            <label for="res-container">"Container"</label>
            <select id="res-container" name="container">
                {v.containers.into_iter().map(|c| {
                    let selected = c == chosen;
                    view! { <option value=c.clone() selected=selected>{c.clone()}</option> }
                }).collect_view()}
            </select>
            <button type="submit" class="button" id="show-container">"Show"</button>
        </form>
    }
}
