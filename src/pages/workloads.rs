//! Workloads: every scaled service with its backend and replica counts.

use leptos::prelude::*;
use leptos_meta::Title;

/// The workload list.
#[component]
pub fn Workloads() -> impl IntoView {
    view! {
        <Title text="Workloads"/>
        <div class="page-head"><h1>"Workloads"</h1></div>
        <section class="panel">
            <p class="muted">"No workloads are registered yet."</p>
        </section>
    }
}
