//! Workloads: every scaled service with its backend, policy and replica counts, live.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::workloads::list_workloads;
use crate::components::workload_table::LiveWorkloads;
use crate::model::ApiError;

/// The workload list.
#[component]
pub fn Workloads() -> impl IntoView {
    let workloads = Resource::new(|| (), |_| list_workloads());
    view! {
        <Title text="Workloads"/>
        <Suspense fallback=|| view! { <p class="muted">"Loading workloads…"</p> }>
            {move || Suspend::new(async move {
                let list = workloads.await?;
                Ok::<_, ApiError>(view! {
                    <LiveWorkloads title="Workloads".to_string() heading=None initial=list
                        sparks=Vec::new() recent=Vec::new() glance=false/>
                })
            })}
        </Suspense>
    }
}
