//! The page frame: skip link, header with the product name and primary navigation, and the main
//! area wrapped in an error boundary so a failing page shows a message instead of going blank.

use leptos::prelude::*;
use leptos_router::components::A;

use crate::components::error_view::ErrorList;

/// The sections of the dashboard, in navigation order: (path, label).
pub const NAV: &[(&str, &str)] = &[
    ("/", "Overview"),
    ("/workloads", "Workloads"),
    ("/policies", "Policies"),
    ("/history", "History"),
    ("/audit", "Audit"),
];

/// Header, navigation and main content area.
#[component]
pub fn Layout(children: Children) -> impl IntoView {
    view! {
        <a class="skip" href="#main">"Skip to content"</a>
        <header class="topbar">
            <a class="brand" href="/" aria-label="ebb home">
                <span class="brand-mark" aria-hidden="true">"≋"</span>
                "ebb"
            </a>
            <nav aria-label="Primary">
                <ul class="nav">
                    {NAV
                        .iter()
                        .map(|(href, label)| {
                            view! {
                                <li>
                                    <A href=*href exact=true>{*label}</A>
                                </li>
                            }
                        })
                        .collect_view()}
                </ul>
            </nav>
        </header>
        <main id="main" tabindex="-1">
            <ErrorBoundary fallback=|errors| view! { <ErrorList errors/> }>{children()}</ErrorBoundary>
        </main>
    }
}
