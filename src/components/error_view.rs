//! Readable error states: what went wrong, in words, with a way back.

use leptos::prelude::*;

/// Shown by the layout's error boundary when a page fails to render its data.
#[component]
pub fn ErrorList(errors: ArcRwSignal<Errors>) -> impl IntoView {
    view! {
        <section class="panel error-panel" role="alert">
            <h1>"Something went wrong"</h1>
            <p>"This page could not be shown. The server said:"</p>
            <ul>
                {move || {
                    errors
                        .get()
                        .into_iter()
                        .map(|(_, e)| view! { <li class="mono">{e.to_string()}</li> })
                        .collect_view()
                }}
            </ul>
            <p>
                <a href="">"Try again"</a>
                " · "
                <a href="/">"Back to the overview"</a>
            </p>
        </section>
    }
}

/// An inline error line for a failed resource inside an otherwise working page.
#[component]
pub fn InlineError(message: String) -> impl IntoView {
    view! { <p class="inline-error" role="alert">{message}</p> }
}
