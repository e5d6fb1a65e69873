//! Backends: the registered clusters, a connection test for each Swarm and Kubernetes backend,
//! the services (workloads) it offers (scalable or not, and why), attaching a policy to one,
//! the forms to register a new Swarm or Kubernetes backend, and editing or removing one; and
//! the Prometheus servers policies may query. Forms are plain posts (the connection test
//! a plain GET), so the page works before (or without) WASM.

mod connection;
mod edit;
mod prometheus;
mod register;

use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::backends::{
    list_backends, probe_services, prometheus_servers, test_backend, test_prometheus, AttachPolicy,
    RegisterPrometheus, RemovePrometheus, TakeOver, UpdatePrometheus,
};
use crate::api::policies::list_policies;
use crate::components::role::{may, needs};
use crate::model::auth::Role;
use crate::model::backends::{BackendInfo, ServiceInfo};
use crate::model::policies::PolicyRow;
use crate::model::ApiError;

/// The /backends page.
#[component]
pub fn Backends() -> impl IntoView {
    let register = ServerAction::<crate::api::backends::RegisterSwarm>::new();
    let register_kube = ServerAction::<crate::api::backends::RegisterKubernetes>::new();
    let attach = ServerAction::<AttachPolicy>::new();
    let take = ServerAction::<TakeOver>::new();
    let admin = edit::AdminActions::new();
    let query = leptos_router::hooks::use_query_map();
    // Everything is loaded here, above the Suspense (resources created inside a Suspense's
    // children can leave a server render waiting for ever, leptos#4866): the backends, the
    // services of each Swarm backend (all asked at once, each with a short deadline, so dead
    // backends cannot hold the page), and the connection test asked for with `?test=ID`.
    let backends = Resource::new(
        move || {
            (
                register.version().get(),
                register_kube.version().get(),
                attach.version().get(),
                take.version().get(),
                admin.version(),
            )
        },
        |_| async move {
            let list = list_backends().await?;
            let services = probe_services()
                .await?
                .into_iter()
                .map(|p| (p.backend_id, p.services))
                .collect::<Vec<_>>();
            Ok::<_, ApiError>((list, services))
        },
    );
    let test = Resource::new(
        move || query.with(|q| q.get("test").and_then(|v| v.parse::<i64>().ok())),
        |id| async move {
            match id {
                Some(id) => Some((id, test_backend(id).await)),
                None => None,
            }
        },
    );
    let policies = Resource::new(|| (), |_| list_policies());
    let add_prom = ServerAction::<RegisterPrometheus>::new();
    let remove_prom = ServerAction::<RemovePrometheus>::new();
    let update_prom = ServerAction::<UpdatePrometheus>::new();
    // Refetched after a change that completed, not after a refusal (which would redraw the open
    // edit form and lose what was typed).
    let prom_changed = RwSignal::new(0usize);
    Effect::new(move |_| {
        let added = add_prom.value().with(|v| matches!(v, Some(Ok(_))));
        let updated = update_prom.value().with(|v| matches!(v, Some(Ok(_))));
        if added || updated {
            prom_changed.update(|n| *n += 1);
        }
    });
    let proms = Resource::new(
        move || (remove_prom.version().get(), prom_changed.get()),
        |_| prometheus_servers(),
    );
    let prom_test = Resource::new(
        move || query.with(|q| q.get("prom_test").and_then(|v| v.parse::<i64>().ok())),
        |id| async move {
            match id {
                Some(id) => Some((id, test_prometheus(id).await)),
                None => None,
            }
        },
    );
    view! {
        <Title text="Backends"/>
        <div class="page-head"><h1>"Backends"</h1></div>
        <Suspense fallback=|| view! { <p class="muted">"Loading backends…"</p> }>
            {move || Suspend::new(async move {
                let (list, mut services) = backends.await?;
                let policies = policies.await.unwrap_or_default();
                let test = test.await;
                Ok::<_, ApiError>(view! {
                    <div id="backend-list">
                        {list.into_iter().map(|b| {
                            let id = b.id;
                            let offered = services
                                .iter()
                                .position(|(s, _)| *s == id)
                                .map(|i| services.swap_remove(i).1);
                            let tested = test.clone().filter(|(t, _)| *t == id).map(|(_, r)| r);
                            view! { <BackendPanel b policies=policies.clone() attach take admin offered tested/> }
                        }).collect_view()}
                    </div>
                })
            })}
        </Suspense>
        <Suspense fallback=|| view! { <p class="muted">"Loading Prometheus servers…"</p> }>
            {move || Suspend::new(async move {
                let servers = proms.await;
                let tested = prom_test.await;
                view! { <prometheus::PrometheusPanel servers tested register=add_prom update=update_prom remove=remove_prom/> }
            })}
        </Suspense>
        {if may(Role::Admin) {
            view! {
                <register::RegisterSwarmForm action=register/>
                <register::RegisterKubernetesForm action=register_kube/>
            }.into_any()
        } else {
            view! { <p class="muted" id="backends-role">{needs(Role::Admin, "Adding, changing or removing a backend")}</p> }.into_any()
        }}
    }
}

/// One backend: where it is, a connection test and (for Swarm) its services.
#[component]
fn BackendPanel(
    b: BackendInfo,
    policies: Vec<PolicyRow>,
    attach: ServerAction<AttachPolicy>,
    take: ServerAction<TakeOver>,
    admin: edit::AdminActions,
    offered: Option<Result<Vec<ServiceInfo>, ApiError>>,
    tested: Option<Result<String, ApiError>>,
) -> impl IntoView {
    let id = b.id;
    let swarm = b.kind == "swarm";
    let kube = b.kind == "kubernetes";
    let cluster = swarm || kube;
    view! {
        <section class="panel backend" id=format!("backend-{id}") aria-labelledby=format!("backend-{id}-title")>
            <h2 id=format!("backend-{id}-title")>{b.name.clone()}" "<span class="badge">{b.kind.clone()}</span></h2>
            <dl class="facts">
                {swarm.then(|| view! {
                    <dt>"Daemon"</dt><dd>{b.address.clone()}</dd>
                    <dt>"Label filter"</dt>
                    <dd>{if b.label.is_empty() { "(all services)".to_string() } else { b.label.clone() }}</dd>
                })}
                {kube.then(|| view! {
                    <dt>"API server"</dt><dd>{b.address.clone()}</dd>
                    <dt>"Manages"</dt><dd>{b.scope.clone()}</dd>
                })}
                <dt>"Workloads"</dt><dd>{b.workloads}</dd>
            </dl>
            {may(Role::Admin).then(|| view! { <edit::BackendAdmin b=b.clone() admin/> })}
            {cluster.then(|| view! {
                <connection::ConnectionTest id result=tested/>
                <Services id kube policies attach take offered/>
            })}
        </section>
    }
}

/// The services the backend offers (`offered`, as the page asked the daemon), each with its
/// workload or an attach form.
#[component]
fn Services(
    id: i64,
    /// A Kubernetes backend (its services are workloads: Deployments and the like).
    kube: bool,
    policies: Vec<PolicyRow>,
    attach: ServerAction<AttachPolicy>,
    take: ServerAction<TakeOver>,
    offered: Option<Result<Vec<ServiceInfo>, ApiError>>,
) -> impl IntoView {
    let body = match offered {
        None => None,
        Some(Ok(list)) if list.is_empty() && kube => Some(view! {
            <p class="muted">"No scalable object matches the namespaces and label selector. Label one with "
                <code>"kubectl label deployment NAME ebb.io/enabled=true"</code>"."</p>
        }.into_any()),
        Some(Ok(list)) if list.is_empty() => Some(view! {
            <p class="muted">"No service matches the label filter. Label one with "
                <code>"docker service update --label-add ebb.enable=true NAME"</code>"."</p>
        }.into_any()),
        Some(Ok(list)) => Some(view! {
            <table class="services">
                <thead><tr><th>{if kube { "Workload" } else { "Service" }}</th><th>"Scalable"</th><th>"Policy"</th></tr></thead>
                <tbody>
                    {list.into_iter().map(|s| service_row(id, s, &policies, attach, take)).collect_view()}
                </tbody>
            </table>
        }.into_any()),
        Some(Err(e)) => Some(view! { <p class="inline-error backend-down" role="alert">{e.to_string()}</p> }.into_any()),
    };
    view! {
        <h3>{if kube { "Workloads" } else { "Services" }}</h3>
        {body}
    }
}

fn service_row(
    backend_id: i64,
    s: ServiceInfo,
    policies: &[PolicyRow],
    attach: ServerAction<AttachPolicy>,
    take: ServerAction<TakeOver>,
) -> impl IntoView {
    let name = s.name.clone();
    let scalable = if s.scalable {
        "yes".to_string()
    } else {
        format!("no — {}", s.note.clone().unwrap_or_default())
    };
    let policy_cell = if !may(Role::Editor) {
        let shown = s.policy.clone().unwrap_or_else(|| "—".into());
        match s.workload_id {
            Some(w) => view! { <a href=format!("/workloads/{w}")>{shown}</a> }.into_any(),
            None => view! { <span class="muted">{shown}</span> }.into_any(),
        }
    } else if let (false, Some(other)) = (s.scalable, s.held_by.clone()) {
        // Another autoscaler scales it: an editor may take it over (then delete that one).
        view! {
            <ActionForm action=take attr:class="inline take-over-form">
                <input type="hidden" name="backend_id" value=backend_id.to_string()/>
                <input type="hidden" name="workload" value=s.name.clone()/>
                <button type="submit" class="button" title=format!("ebb scales it from then on; delete {other} right after")>"Take over"</button>
            </ActionForm>
        }
        .into_any()
    } else if !s.scalable {
        view! { <span class="muted">"—"</span> }.into_any()
    } else {
        let current = s.policy.clone();
        let options = policies
            .iter()
            .map(|p| {
                let selected = current.as_deref() == Some(p.name.as_str());
                view! { <option value=p.id.to_string() selected=selected>{p.name.clone()}</option> }
            })
            .collect_view();
        view! {
            {s.workload_id.map(|w| view! { <a href=format!("/workloads/{w}")>{s.policy.clone().unwrap_or_else(|| "watched".into())}</a>" " })}
            <ActionForm action=attach attr:class="inline attach-form">
                <input type="hidden" name="backend_id" value=backend_id.to_string()/>
                <input type="hidden" name="service" value=s.name.clone()/>
                <label class="sr-only" for=format!("attach-{}", s.name)>"Policy"</label>
                <select id=format!("attach-{}", s.name) name="policy_id" required>{options}</select>
                <label class="sr-only" for=format!("interval-{}", s.name)>"Interval (s)"</label>
                <input id=format!("interval-{}", s.name) name="interval" type="number" min="1" max="3600" value="15" title="evaluation interval, seconds"/>
                <button type="submit" class="button">{if s.workload_id.is_some() { "Change policy" } else { "Attach policy" }}</button>
            </ActionForm>
        }
        .into_any()
    };
    view! {
        <tr>
            <td>{name}</td>
            <td>{scalable}</td>
            <td>{policy_cell}</td>
        </tr>
    }
}
