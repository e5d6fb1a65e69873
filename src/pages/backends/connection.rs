//! "Test connection" of a Swarm backend: a GET of `/backends?test=ID`, so the server runs the
//! test while rendering and the answer (success or what failed) appears in that backend's
//! panel alone, with or without JavaScript; every click asks the daemon again.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::api::backends::test_backend;

/// The test button of backend `id` and, when it was asked for, the daemon's answer.
#[component]
pub fn ConnectionTest(id: i64) -> impl IntoView {
    let query = use_query_map();
    let asked = move || query.with(|q| q.get("test")) == Some(id.to_string());
    let result = Resource::new(asked, move |asked| async move {
        if asked {
            Some(test_backend(id).await)
        } else {
            None
        }
    });
    view! {
        // A plain form (not the router's): each click is a fresh page load and a fresh test.
        <form method="get" action="/backends" class="inline">
            <input type="hidden" name="test" value=id.to_string()/>
            <button type="submit" class="button" id=format!("test-backend-{id}")>"Test connection"</button>
        </form>
        <Suspense fallback=|| view! { <p class="muted test-result">"Asking the daemon…"</p> }>
            {move || Suspend::new(async move {
                match result.await {
                    Some(Ok(msg)) => view! { <p class="ok test-result" role="status">{msg}</p> }.into_any(),
                    Some(Err(e)) => view! { <p class="inline-error test-result" role="alert">{e.to_string()}</p> }.into_any(),
                    None => ().into_any(),
                }
            })}
        </Suspense>
    }
}
