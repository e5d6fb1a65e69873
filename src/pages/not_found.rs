//! The page for unknown addresses (HTTP 404).

use leptos::prelude::*;
use leptos_meta::Title;

/// Shown for any path that matches no route.
#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(res) = use_context::<leptos_axum::ResponseOptions>() {
        res.set_status(axum::http::StatusCode::NOT_FOUND);
    }
    view! {
        <Title text="Not found"/>
        <section class="panel">
            <h1>"Page not found"</h1>
            <p>"There is nothing at this address. Use the navigation above, or go back to the "
               <a href="/">"overview"</a>"."</p>
        </section>
    }
}
