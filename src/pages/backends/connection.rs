//! "Test connection" of a Swarm backend: a GET of `/backends?test=ID`, so the server runs the
//! test while rendering (the page loads it, see `Backends`) and the answer (success or what
//! failed) appears in that backend's panel alone, with or without JavaScript; every click asks
//! the daemon again.

use leptos::prelude::*;

use crate::model::ApiError;

/// The test button of backend `id` and, when it was asked for, the daemon's answer.
#[component]
pub fn ConnectionTest(id: i64, result: Option<Result<String, ApiError>>) -> impl IntoView {
    let answer = result.map(|r| match r {
        Ok(msg) => view! { <p class="ok test-result" role="status">{msg}</p> }.into_any(),
        Err(e) => view! { <p class="inline-error test-result" role="alert">{e.to_string()}</p> }
            .into_any(),
    });
    view! {
        // A plain form (not the router's): each click is a fresh page load and a fresh test.
        <form method="get" action="/backends" class="inline">
            <input type="hidden" name="test" value=id.to_string()/>
            <button type="submit" class="button" id=format!("test-backend-{id}")>"Test connection"</button>
        </form>
        {answer}
    }
}
