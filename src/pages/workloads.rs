//! Workloads: every scaled service with its backend, policy and replica counts, live.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::workloads::list_workloads;
use crate::components::live::{use_live, LiveBadge};
use crate::components::workload_table::WorkloadTable;
use crate::model::ApiError;

/// The workload list.
#[component]
pub fn Workloads() -> impl IntoView {
    let live = use_live();
    let workloads = Resource::new(|| (), |_| list_workloads());
    view! {
        <Title text="Workloads"/>
        <div class="page-head">
            <h1>"Workloads"</h1>
            <LiveBadge live/>
        </div>
        <section class="panel">
            <Suspense fallback=|| view! { <p class="muted">"Loading workloads…"</p> }>
                {move || Suspend::new(async move {
                    let list = workloads.await?;
                    Ok::<_, ApiError>(view! { <WorkloadTable initial=list live/> })
                })}
            </Suspense>
        </section>
    }
}
