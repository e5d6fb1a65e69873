//! Audit: the append-only trail of changes.

use leptos::prelude::*;
use leptos_meta::Title;

/// The audit trail.
#[component]
pub fn Audit() -> impl IntoView {
    view! {
        <Title text="Audit"/>
        <div class="page-head"><h1>"Audit"</h1></div>
        <section class="panel">
            <p class="muted">"The audit trail is empty."</p>
        </section>
    }
}
