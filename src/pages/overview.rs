//! Overview: every workload with backend, replicas, load against target, last decision and
//! health, updated live while the page is open; and the installation's own status.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::status::get_status;
use crate::api::workloads::list_workloads;
use crate::components::live::{use_live, LiveBadge};
use crate::components::time::Time;
use crate::components::workload_table::WorkloadTable;
use crate::model::ApiError;

/// The landing page.
#[component]
pub fn Overview() -> impl IntoView {
    let live = use_live();
    let workloads = Resource::new(|| (), |_| list_workloads());
    view! {
        <Title text="Overview"/>
        <div class="page-head">
            <h1>"Overview"</h1>
            <LiveBadge live/>
        </div>
        <section class="panel" aria-labelledby="workloads-title">
            <h2 id="workloads-title">"Workloads"</h2>
            <Suspense fallback=|| view! { <p class="muted">"Loading workloads…"</p> }>
                {move || Suspend::new(async move {
                    let list = workloads.await?;
                    Ok::<_, ApiError>(view! { <WorkloadTable initial=list live/> })
                })}
            </Suspense>
        </section>
        <InstallationStatus/>
    }
}

/// Version, schema and uptime of this ebb, with a refresh that works with and without JS.
#[component]
fn InstallationStatus() -> impl IntoView {
    let checks = RwSignal::new(0u32);
    let status = Resource::new(move || checks.get(), |_| get_status());
    view! {
        <section class="panel" aria-labelledby="status-title">
            <div class="panel-head">
                <h2 id="status-title">"Installation"</h2>
                // A plain form so the button reloads the page when JavaScript is off.
                <form method="get" action="/" on:submit=move |ev| {
                    ev.prevent_default();
                    checks.update(|n| *n += 1);
                }>
                    <button id="refresh-status" type="submit" class="button">"Refresh"</button>
                </form>
            </div>
            <Suspense fallback=|| view! { <p class="muted">"Loading status…"</p> }>
                {move || Suspend::new(async move {
                    status.await.map(|s| view! {
                        <dl class="facts" id="status" data-checks=move || checks.get().to_string()>
                            <dt>"Version"</dt><dd>{s.version}</dd>
                            <dt>"Schema"</dt><dd>{format!("migration {}", s.schema_version)}</dd>
                            <dt>"Database created"</dt>
                            <dd>{s.database_created_at.map(|t| view! { <Time iso=t/> })}</dd>
                            <dt>"Server started"</dt><dd><Time iso=s.started_at.to_rfc3339()/></dd>
                            <dt>"Checked"</dt><dd id="status-checked"><Time iso=s.now.to_rfc3339()/></dd>
                        </dl>
                    })
                })}
            </Suspense>
        </section>
    }
}
