//! Account: change your password, manage your API tokens, sign out everywhere.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::account::{list_tokens, whoami, ChangePassword, CreateToken, RevokeToken};
use crate::components::time::Time;
use crate::model::account::{TokenInfo, TOKEN_DAYS};
use crate::pages::workload::FieldError;

/// `/account`.
#[component]
pub fn Account() -> impl IntoView {
    let me = Resource::new(|| (), |_| whoami());
    let tokens = Resource::new(|| (), |_| list_tokens());
    view! {
        <Title text="Account"/>
        <div class="page-head"><h1>"Account"</h1></div>
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                me.await.ok().flatten().map(|u| view! {
                    {u.must_change_password.then(|| view! {
                        <p class="notice warn" role="alert" id="first-password">
                            "You signed in with a one-time password. Choose your own password below; nothing else opens until you do."
                        </p>
                    })}
                    <p id="whoami">"Signed in as "<strong>{u.username}</strong>" ("{u.role.name()}")"</p>
                })
            })}
        </Suspense>
        <div class="grid">
            <PasswordForm/>
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    let first = me.await.ok().flatten().is_some_and(|u| u.must_change_password);
                    let list = tokens.await.unwrap_or_default();
                    (!first).then(|| view! { <Tokens initial=list/> })
                })}
            </Suspense>
        </div>
        <section class="panel">
            <h2>"Sessions"</h2>
            <form method="post" action="/logout">
                <input type="hidden" name="everywhere" value="1"/>
                <button type="submit" class="button" id="logout-everywhere">"Sign out everywhere"</button>
            </form>
        </section>
    }
}

/// Change password (an island, so the confirmation shows in place).
#[island]
fn PasswordForm() -> impl IntoView {
    let change = ServerAction::<ChangePassword>::new();
    let err = move |f: &'static str| {
        change.value().with(|v| match v {
            Some(Err(e)) => e.field(f).map(str::to_string),
            _ => None,
        })
    };
    view! {
        <section class="panel" aria-labelledby="pw-title">
            <h2 id="pw-title">"Change password"</h2>
            <ActionForm action=change>
                <div class="form-row"><label for="pw-current">"Current password"</label>
                    <input id="pw-current" name="current" type="password" autocomplete="current-password" required/>
                    <FieldError msg=Signal::derive(move || err("current"))/></div>
                <div class="form-row"><label for="pw-new">"New password (12 characters or more)"</label>
                    <input id="pw-new" name="new" type="password" autocomplete="new-password" required minlength="12"/>
                    <FieldError msg=Signal::derive(move || err("new"))/></div>
                <div class="form-row"><label for="pw-repeat">"New password again"</label>
                    <input id="pw-repeat" name="repeat" type="password" autocomplete="new-password" required/>
                    <FieldError msg=Signal::derive(move || err("repeat"))/></div>
                <button type="submit" class="button primary">"Change password"</button>
                {move || matches!(change.value().get(), Some(Ok(()))).then(|| view! { <p class="muted" role="status">"Password changed; your other sessions ended. "<a href="/">"Go to the overview"</a></p> })}
            </ActionForm>
        </section>
    }
}

/// API tokens: create (the secret is shown once, here), list, revoke. An island so the secret
/// can be shown without putting it in a URL; the list re-reads after each change.
#[island]
fn Tokens(initial: Vec<TokenInfo>) -> impl IntoView {
    let create = ServerAction::<CreateToken>::new();
    let revoke = ServerAction::<RevokeToken>::new();
    let tokens = RwSignal::new(initial);
    Effect::new(move |prev: Option<(usize, usize)>| {
        let now = (create.version().get(), revoke.version().get());
        if prev.is_some_and(|p| p != now) {
            leptos::task::spawn_local(async move {
                if let Ok(list) = list_tokens().await {
                    tokens.set(list);
                }
            });
        }
        now
    });
    view! {
        <section class="panel" aria-labelledby="tokens-title">
            <h2 id="tokens-title">"API tokens"</h2>
            <p class="muted">"Send as "<code>"Authorization: Bearer <token>"</code>". A token acts with your role."</p>
            <ActionForm action=create>
                <div class="form-row"><label for="token-name">"Name"</label>
                    <input id="token-name" name="name" type="text" required maxlength="100" placeholder="ci-deploy"/></div>
                <div class="form-row"><label for="token-days">"Expires after"</label>
                    <select id="token-days" name="days">
                        {TOKEN_DAYS.iter().map(|d| view! { <option value=d.to_string()>{format!("{d} days")}</option> }).collect_view()}
                    </select></div>
                <button type="submit" class="button">"Create token"</button>
            </ActionForm>
            {move || match create.value().get() {
                Some(Ok(token)) => Some(view! { <p role="status">"Copy it now, it is not shown again: "<code id="new-token">{token}</code></p> }.into_any()),
                Some(Err(e)) => Some(view! { <p class="inline-error">{e.to_string()}</p> }.into_any()),
                None => None,
            }}
            {move || revoke.value().get().and_then(|r| r.err()).map(|e| view! { <p class="inline-error">{e.to_string()}</p> })}
            <ul class="plain">
                {move || tokens.get().into_iter().map(|t| view! {
                    <li class="token">
                        <strong>{t.name}</strong>" created "<Time iso=t.created_at/>
                        {match t.last_used {
                            Some(at) => view! { " · last used "<Time iso=at/> }.into_any(),
                            None => view! { " · never used" }.into_any(),
                        }}
                        {match (t.expired, t.expires_at) {
                            (true, Some(at)) => view! { " · "<strong>"expired "</strong><Time iso=at/> }.into_any(),
                            (false, Some(at)) => view! { " · expires "<Time iso=at/> }.into_any(),
                            (_, None) => ().into_any(),
                        }}
                        {match t.revoked_at {
                            Some(at) => view! { " — revoked "<Time iso=at/> }.into_any(),
                            None if t.expired => ().into_any(),
                            None => view! {
                                <ActionForm action=revoke attr:class="inline">
                                    <input type="hidden" name="id" value=t.id.to_string()/>
                                    <button type="submit" class="button">"Revoke"</button>
                                </ActionForm>
                            }.into_any(),
                        }}
                    </li>
                }).collect_view()}
            </ul>
        </section>
    }
}
