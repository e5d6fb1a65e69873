//! Sign-in: a plain form posting to `/login` (works without JavaScript). Errors are generic:
//! the page never says whether the name exists; after failed sign-ins it says when to retry.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// What a sign-in refused by a delay says: when to try again, nothing about the name.
fn wait_message(retry: Option<&str>) -> String {
    let when = match retry.and_then(|r| r.parse::<u32>().ok()) {
        Some(s) if s <= 90 => format!("in {} s", s.max(1)),
        Some(s) => format!("in {} min", s.div_ceil(60)),
        None => "in a little while".into(),
    };
    format!("Too many failed sign-ins. Your password was not checked; try again {when}.")
}

/// `/login`.
#[component]
pub fn Login() -> impl IntoView {
    let query = use_query_map();
    let next = move || query.with(|q| q.get("next").unwrap_or_else(|| "/".into()));
    let message = move || {
        query.with(|q| match q.get("error").as_deref() {
            Some("failed") => Some(("inline-error", "Unknown user or wrong password.".into())),
            Some("wait") => Some(("inline-error", wait_message(q.get("retry").as_deref()))),
            Some("signed_out") => Some(("muted", "You are signed out.".into())),
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
