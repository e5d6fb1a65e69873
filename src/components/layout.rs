//! The page frame: skip link, header with the product name and primary navigation, and the main
//! area wrapped in an error boundary so a failing page shows a message instead of going blank.

use leptos::prelude::*;
use leptos_router::components::A;

use crate::api::account::whoami;
use crate::components::error_view::ErrorList;
use crate::model::auth::Role;

/// The sections of the dashboard, in navigation order: (path, label).
pub const NAV: &[(&str, &str)] = &[
    ("/", "Overview"),
    ("/workloads", "Workloads"),
    ("/policies", "Policies"),
    ("/history", "History"),
    ("/audit", "Audit"),
    ("/backends", "Backends"),
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
            <UserMenu/>
        </header>
        <main id="main" tabindex="-1">
            <Refused/>
            <ErrorBoundary fallback=|errors| view! { <ErrorList errors/> }>{children()}</ErrorBoundary>
        </main>
    }
}

/// Why a form posted without JavaScript was not done (`?refused=…`, set by the server when
/// it sends the form back to its page).
#[component]
fn Refused() -> impl IntoView {
    let query = leptos_router::hooks::use_query_map();
    move || {
        query.with(|q| q.get("refused")).map(|why| {
            view! { <p class="notice bad" role="alert" id="refused">"Not done: "{why}</p> }
        })
    }
}

/// Who is signed in, with links to their account (and the admin page for admins) and a
/// sign-out button (a plain form post).
#[component]
fn UserMenu() -> impl IntoView {
    let me = Resource::new(|| (), |_| whoami());
    view! {
        <div class="user-menu">
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    me.await.ok().flatten().map(|u| view! {
                        <a href="/account" id="user-name" title=format!("role: {}", u.role.name())>{u.username.clone()}</a>
                        <span class="muted">{u.role.name()}</span>
                        {u.role.allows(Role::Admin).then(|| view! { <a href="/admin">"Admin"</a> })}
                        <form method="post" action="/logout" class="inline">
                            <button type="submit" class="button" id="logout">"Sign out"</button>
                        </form>
                    })
                })}
            </Suspense>
        </div>
    }
}
