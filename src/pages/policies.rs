//! Policies: the scaling policies and their versions.

use leptos::prelude::*;
use leptos_meta::Title;

/// The policy list.
#[component]
pub fn Policies() -> impl IntoView {
    view! {
        <Title text="Policies"/>
        <div class="page-head"><h1>"Policies"</h1></div>
        <section class="panel">
            <p class="muted">"No policies are stored yet."</p>
        </section>
    }
}
