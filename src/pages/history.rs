//! History: every scaling decision across workloads.

use leptos::prelude::*;
use leptos_meta::Title;

/// The decision history.
#[component]
pub fn History() -> impl IntoView {
    view! {
        <Title text="History"/>
        <div class="page-head"><h1>"History"</h1></div>
        <section class="panel">
            <p class="muted">"No decisions are recorded yet."</p>
        </section>
    }
}
