//! Overview: the answer to "is anything wrong?" (workloads per state, the latest scale
//! actions), then every workload with its state, replicas, load against target, last hour,
//! last decision, policy and backend, updated live while the page is open; and the
//! installation's own status.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::status::get_status;
use crate::api::workloads::get_overview;
use crate::components::time::Time;
use crate::components::workload_table::LiveWorkloads;
use crate::model::status::SystemStatus;
use crate::model::ApiError;

/// The landing page.
#[component]
pub fn Overview() -> impl IntoView {
    let overview = Resource::new(|| (), |_| get_overview());
    let status = Resource::new(|| (), |_| get_status());
    view! {
        <Title text="Overview"/>
        <Suspense fallback=|| view! { <p class="muted">"Loading workloads…"</p> }>
            {move || Suspend::new(async move {
                let o = overview.await?;
                Ok::<_, ApiError>(view! {
                    <LiveWorkloads title="Overview".to_string() heading=Some("Workloads".to_string())
                        initial=o.workloads sparks=o.sparks recent=o.recent_actions glance=true/>
                })
            })}
        </Suspense>
        <Suspense fallback=|| view! { <p class="muted">"Loading status…"</p> }>
            {move || Suspend::new(async move {
                let s = status.await?;
                Ok::<_, ApiError>(view! { <InstallationStatus initial=s/> })
            })}
        </Suspense>
    }
}

/// Version, schema and uptime of this ebb. Refresh re-reads it in place; with JavaScript off
/// the button is a plain form that reloads the page.
#[island]
fn InstallationStatus(initial: SystemStatus) -> impl IntoView {
    let status = RwSignal::new(initial);
    let checks = RwSignal::new(0u32);
    let error = RwSignal::new(None::<String>);
    let refresh = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        leptos::task::spawn_local(async move {
            match get_status().await {
                Ok(s) => {
                    status.set(s);
                    error.set(None);
                    checks.update(|n| *n += 1);
                }
                Err(e) => error.set(Some(e.to_string())),
            }
        });
    };
    view! {
        <section class="panel" aria-labelledby="status-title">
            <div class="panel-head">
                <h2 id="status-title">"Installation"</h2>
                <form method="get" action="/" on:submit=refresh>
                    <button id="refresh-status" type="submit" class="button">"Refresh"</button>
                </form>
            </div>
            {move || error.get().map(|e| view! { <p class="inline-error" role="alert">{e}</p> })}
            {move || {
                let s = status.get();
                view! {
                    <dl class="facts" id="status" data-checks=checks.get().to_string()>
                        <dt>"Version"</dt><dd>{s.version}" (commit "<code id="commit">{s.commit}</code>")"</dd>
                        <dt>"Schema"</dt><dd>{format!("migration {}", s.schema_version)}</dd>
                        <dt>"Database created"</dt>
                        <dd>{s.database_created_at.map(|t| view! { <Time iso=t/> })}</dd>
                        <dt>"Server started"</dt><dd><Time iso=s.started_at.to_rfc3339()/></dd>
                        <dt>"Checked"</dt><dd id="status-checked"><Time iso=s.now.to_rfc3339()/></dd>
                    </dl>
                }
            }}
        </section>
    }
}
