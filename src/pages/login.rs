//! Sign-in: a plain form posting to `/login` (works without JavaScript). Errors are generic:
//! the page never says whether the name exists.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// `/login`.
#[component]
pub fn Login() -> impl IntoView {
    let query = use_query_map();
    let next = move || query.with(|q| q.get("next").unwrap_or_else(|| "/".into()));
    let message = move || {
        query.with(|q| match q.get("error").as_deref() {
            Some("failed") => Some(("inline-error", "Unknown user or wrong password.")),
            Some("locked") => Some((
                "inline-error",
                "Too many failed sign-ins. Wait 15 minutes and try again.",
            )),
            Some("signed_out") => Some(("muted", "You are signed out.")),
            _ => None,
        })
    };
    view! {
        <Title text="Sign in"/>
        <section class="panel login">
            <h1>"Sign in to ebb"</h1>
            {move || message().map(|(class, text)| view! { <p class=class role="alert" id="login-message">{text}</p> })}
            <form method="post" action="/login">
                <input type="hidden" name="next" value=next/>
                <div class="form-row">
                    <label for="username">"User name"</label>
                    <input id="username" name="username" type="text" autocomplete="username" required autofocus/>
                </div>
                <div class="form-row">
                    <label for="password">"Password"</label>
                    <input id="password" name="password" type="password" autocomplete="current-password" required/>
                </div>
                <button type="submit" class="button primary">"Sign in"</button>
            </form>
            <p class="muted">"First start? The server printed a one-time password for the user admin."</p>
        </section>
    }
}
